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
from refugee_rules.views.i18n import N_, country_name, translations
from refugee_rules.views.report import Lang

from refugee_rules.frontends.explorer.explorer import DOMAIN, MAX_QUERY, MAX_RESULTS, STYLESHEET, Explorer, Page

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY"}
NOT_FOUND = {
    "finding": (N_("No such finding"), N_("finding_id: no finding %(value)r in the loaded rulesets. Search for it, or "
                                          "start from the index.")),
    "country": (N_("No such country"), N_("code: no rules for %(value)r in the loaded rulesets (an ISO 3166-1 code "
                                          "such as GE).")),
    "group": (N_("No such group"), N_("group: no group %(value)r of legal findings in the loaded rulesets.")),
}


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

    def refused(lang: str, here: str, what: str | None = None, value: str = "", found: Any = True) -> Response | None:
        """The error page for an unknown language (400) or an unknown finding, country or group (404); else None."""
        if lang not in LANGUAGES:
            _ = translations("en", DOMAIN).gettext
            return problem(x, "en", here, 400, _("Unknown language"), _("lang: expected one of %(languages)s, got "
                           "%(lang)r") % {"languages": ", ".join(LANGUAGES), "lang": lang[:20]})
        if what is None or found is not None:
            return None
        _ = translations(lang, DOMAIN).gettext
        heading, message = NOT_FOUND[what]
        return problem(x, lang, here, 404, _(heading), _(message) % {"value": value[:120]})

    @router.get("", response_class=HTMLResponse)
    def index(lang: str = "en", q: str | None = None) -> Response:
        if (bad := refused(lang, "")) is not None:
            return bad
        if q is not None:
            cut = len(q) > MAX_QUERY
            q = q[:MAX_QUERY]
            return page(x, "index.j2", lang, "", q=q, cut=cut, hits=x.search(q, lang))
        regimes: list[tuple[str, str, int]] = []
        dataset_only: list[tuple[str, str, int]] = []
        for code, fids in sorted(x.countries.items(), key=lambda kv: country_name(kv[0], lang).casefold()):
            row = (code, country_name(code, lang), len(fids))
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
        here, decl = f"/finding/{finding_id}", x.findings.get(finding_id)
        if (bad := refused(lang, here, "finding", finding_id, decl)) is not None:
            return bad
        return page(x, "finding.j2", lang, here, d=decl, rules=x.rules_of(finding_id))

    @router.get("/country/{code}", response_class=HTMLResponse)
    def country(code: str, lang: str = "en") -> Response:
        here, fids = f"/country/{code}", x.countries.get(code)
        if (bad := refused(lang, here, "country", code, fids)) is not None:
            return bad
        assert fids is not None
        sections = Page(x, Lang(lang)).by_topic(fids)
        return page(x, "listing.j2", lang, here, heading=country_name(code, lang), sections=sections,
                    regime=x.base.regimes.get(code), code=code)

    @router.get("/law/{group}", response_class=HTMLResponse)
    def law(group: str, lang: str = "en") -> Response:
        here, fids = f"/law/{group}", x.groups.get(group)
        if (bad := refused(lang, here, "group", group, fids)) is not None:
            return bad
        return page(x, "listing.j2", lang, here, heading=Lang(lang).group_title(group), sections=[("", fids)],
                    regime=None, code=None)

    return router

