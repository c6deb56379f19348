"""The guided interview in a browser, at ``/`` of ``refugee-rules serve``: English and Russian, one question at a
time, the report at the end; the server stores nothing (see :mod:`.pages`).

::

    from refugee_rules.frontends.web import interview_router
    app.include_router(interview_router(layers=layer_dirs, rulesets=ruleset_dirs))
"""


from pathlib import Path
from typing import Any

from refugee_rules.options import LANGUAGES, Options


def interview_router(*, layers: tuple[Path, ...] = (), rulesets: tuple[Path, ...] | None = None) -> Any:
    """The interview's routes (FastAPI), assessing with the service's rulesets and layers."""
    from fastapi import APIRouter, HTTPException, Request
    from fastapi.responses import Response
    from starlette.concurrency import run_in_threadpool

    from refugee_rules.frontends.web import pages

    base = Options(layers=layers, rulesets=rulesets)
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    def start(request: Request, lang: str | None = None) -> Any:
        if lang not in LANGUAGES:  # not chosen yet: the browser's first language, if it is one of ours
            first = request.headers.get("accept-language", "").split(",")[0].strip().lower()[:2]
            lang = first if first in LANGUAGES else "en"
        return pages.start_page(lang)

    @router.post("/interview")
    async def step(request: Request) -> Any:
        body = await request.body()
        return await run_in_threadpool(pages.guarded, pages.handle, body, base)

    @router.post("/interview/upload")
    async def upload(request: Request) -> Any:
        data, name, lang, as_of = b"", "", "en", ""
        try:
            form = await request.form()
        except Exception:  # not a form at all (a multipart body cut short): the start page says no file came
            form = None
        if form is not None:
            file = form.get("profile")
            if file is not None and not isinstance(file, str):
                data, name = await file.read(), file.filename or ""
            lang, as_of = str(form.get("lang") or "en"), str(form.get("as_of") or "")
        return await run_in_threadpool(pages.guarded, pages.upload, data, name, lang, as_of, base)

    @router.get("/web/static/{name}")
    def static(name: str) -> Any:
        if name.startswith("report-") and name.endswith(".css") and name[7:-4] in LANGUAGES:
            return Response(pages.report_css(name[7:-4]), media_type="text/css; charset=utf-8", headers=pages.STATIC_HEADERS)
        if name not in pages.STATIC:
            raise HTTPException(status_code=404, detail={"error": "NotFound", "problems": [f"name: no file {name!r}"]})
        return Response((pages.HERE / "static" / name).read_bytes(), media_type=pages.STATIC[name],
                        headers=pages.STATIC_HEADERS)

    return router


__all__ = ["interview_router"]
