"""The explorer's pages as a FastAPI router, mounted by the service at ``/rules``.

Every page is server-rendered HTML (a search is a plain GET form, so it works without JavaScript), loads nothing
but the package's own stylesheet, and is answered with a strict Content-Security-Policy. A page that does not
exist (an unknown finding id, country or group) is a 404 page that says what was not found; an unknown language
is a 400 page naming ``lang``. The pages are not in the OpenAPI document: they are for people, not for embedders.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from refugee_rules.law.loader import RuleBook
from refugee_rules.options import LANGUAGES, Options
from refugee_rules.views.i18n import translations

from refugee_rules.frontends.explorer.explorer import DOMAIN, MAX_QUERY, MAX_RESULTS, STYLESHEET, Explorer

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY"}


def page(explorer: Explorer, template: str, lang: str, here: str, *, status: int = 200, q: str | None = None,
         **context: Any) -> HTMLResponse:
    html = explorer.render(template, lang, here=here, q=q, max_query=MAX_QUERY, max_results=MAX_RESULTS, **context)
    return HTMLResponse(html, status_code=status, headers={**HEADERS, "Content-Language": lang})


def problem(explorer: Explorer, lang: str, here: str, status: int, heading: str, message: str) -> HTMLResponse:
    return page(explorer, "message.j2", lang, here, status=status, heading=heading, message=message)


def explorer_router(book: RuleBook, options: Options | None = None, *, explorer: Explorer | None = None) -> APIRouter:
    """The explorer over ``book`` (the service's rule book, loaded with ``options``: its rulesets and layers)."""
    x = explorer if explorer is not None else Explorer(book, options)
    router = APIRouter(prefix="/rules", include_in_schema=False)

    def language(lang: str, here: str) -> HTMLResponse | None:
        if lang in LANGUAGES:
            return None
        _ = translations("en", DOMAIN).gettext
        return problem(x, "en", here, 400, _("Unknown language"),
                       _("lang: expected one of %(languages)s, got %(lang)r") % {"languages": ", ".join(LANGUAGES),
                                                                              "lang": lang[:20]})

    @router.get("", response_class=HTMLResponse)
    def index(lang: str = "en", q: str | None = None) -> Response:
        if (bad := language(lang, "")) is not None:
            return bad
        if q is not None:
            cut = len(q) > MAX_QUERY
            q = q[:MAX_QUERY]
            return page(x, "index.j2", lang, "", q=q, cut=cut, hits=x.search(q, lang))
        regimes: list[tuple[str, str, int]] = []
        dataset_only: list[tuple[str, str, int]] = []
        for code, fids in sorted(x.countries.items(), key=lambda kv: _country(kv[0], lang).casefold()):
            row = (code, _country(code, lang), len(fids))
            (regimes if code in x.base.regimes else dataset_only).append(row)
        sources = sorted(x.sources.values(), key=lambda s: s.id)
        return page(x, "index.j2", lang, "", regimes=regimes, dataset_only=dataset_only, sources=sources,
                    cited=x.cited_by())

    @router.get("/explorer.css")
    def stylesheet() -> Response:
        return Response(STYLESHEET.read_bytes(), media_type="text/css; charset=utf-8",
                        headers={**HEADERS, "Cache-Control": "max-age=3600"})

    @router.get("/finding/{finding_id}", response_class=HTMLResponse)
    def finding(finding_id: str, lang: str = "en") -> Response:
        here = f"/finding/{finding_id}"
        if (bad := language(lang, here)) is not None:
            return bad
        decl = x.findings.get(finding_id)
        if decl is None:
            _ = translations(lang, DOMAIN).gettext
            return problem(x, lang, here, 404, _("No such finding"),
                           _("finding_id: no finding %(id)r in the loaded rulesets. Search for it, or start from the "
                             "index.") % {"id": finding_id[:120]})
        return page(x, "finding.j2", lang, here, d=decl, rules=x.rules_of.get(finding_id, []))

    @router.get("/country/{code}", response_class=HTMLResponse)
    def country(code: str, lang: str = "en") -> Response:
        here = f"/country/{code}"
        if (bad := language(lang, here)) is not None:
            return bad
        fids = x.countries.get(code)
        if fids is None:
            _ = translations(lang, DOMAIN).gettext
            return problem(x, lang, here, 404, _("No such country"),
                           _("code: no rules for %(code)r in the loaded rulesets (an ISO 3166-1 code such as GE).")
                           % {"code": code[:20]})
        from refugee_rules.frontends.explorer.explorer import Page
        from refugee_rules.views.report import Lang

        sections = Page(x, Lang(lang)).by_topic(fids)
        return page(x, "listing.j2", lang, here, heading=_country(code, lang), sections=sections,
                    regime=x.base.regimes.get(code), code=code)

    @router.get("/law/{group}", response_class=HTMLResponse)
    def law(group: str, lang: str = "en") -> Response:
        here = f"/law/{group}"
        if (bad := language(lang, here)) is not None:
            return bad
        fids = x.groups.get(group)
        if fids is None:
            _ = translations(lang, DOMAIN).gettext
            return problem(x, lang, here, 404, _("No such group"),
                           _("group: no group %(group)r of legal findings in the loaded rulesets.") % {"group": group[:60]})
        from refugee_rules.views.report import Lang

        return page(x, "listing.j2", lang, here, heading=Lang(lang).group_title(group), sections=[("", fids)],
                    regime=None, code=None)

    return router


def _country(code: str, lang: str) -> str:
    from refugee_rules.views.i18n import country_name

    return country_name(code, lang)
