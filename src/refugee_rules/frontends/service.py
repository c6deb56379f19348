"""The HTTP service: the public API over JSON, for case-management systems and bots written in any language.

``refugee-rules serve [--host 127.0.0.1] [--port 8000] [--layer DIR]`` (needs the ``server`` extra:
``pip install 'refugee-rules[server]'``). Endpoints:

* ``POST /assess`` — ``{"profile": {...}, "as_of": "2024-03-01", "engine": null, "jurisdiction": null}``
  → an assessment, JSON format 2 (the same as ``refugee-rules assess --format json``); ``GET /catalogue/{hash}``
  → the titles, questions and citations it refers to;
* ``POST /questions`` — same body plus ``"lang"`` → the open questions, most useful first;
* ``POST /compare`` — ``{"profile", "other", "as_of", "as_of_other", "engine"}`` → what changed and why;
* ``POST /impact`` — ``{"profiles": [...], "from": "2022-09-01", "to": "2022-10-15"}`` (at most 1,000 profiles) →
  the clients whose answers change, how and why, and how many clients each change touches;
* ``GET /rulesets`` — every ruleset file (id, version, content hash), the sources with their dates, the
  overall content hash and the custom layers; ``GET /schema/{profile|assessment}``; ``GET /health``;
* the OpenAPI document at ``/openapi.json``, browsable at ``/docs``.

Invalid input is answered 422 with one line per field path (the same messages as the CLI). A request body
larger than ``max_body_bytes`` is answered 413 before it is parsed. Nothing is logged about a request's
content: the access log is off, and errors are answered without echoing case facts to any log.
The service keeps no state between requests; assessments run in FastAPI's thread pool (the durable-rules
backend serialises its own calls).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from refugee_rules._version import __version__
from refugee_rules.api import assess, load_rulesets
from refugee_rules.result.catalogue import Catalogue, catalogue_json
from refugee_rules.result.compact import CompactAssessment
from refugee_rules.options import Options
from refugee_rules.engine import ENGINES, default_engine
from refugee_rules.errors import EngineError, ProfileError, RefugeeRulesError, describe
from refugee_rules.case.inputs import _check_size
from refugee_rules.case.unique_keys import DuplicateKey, json_pairs
from refugee_rules.case.profile import CaseProfile
from refugee_rules.law.loader import SOURCES_FILE, RuleBook, builtin_dir, is_case_test

MAX_BODY_BYTES = 1_000_000
MAX_PROBLEMS = 50
"""A 422 lists at most this many problems (and says how many more there were)."""
BODY_SECONDS = 30.0
"""A request body not received whole within this many seconds is answered 408 (a stalled client holds nothing)."""
Engine = Literal["durable", "compiled"]
assert set(ENGINES) == {"durable", "compiled"}
T = TypeVar("T")


# --- request and response bodies -------------------------------------------------------------------


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _guarded(cls, data: Any) -> Any:
        """The size and depth guard the CLI and batch apply, before the profile is validated (an alias-free but
        huge or deep profile would otherwise cost a validation error per value: a 400 kB body gave a 7 MB 422)."""
        if isinstance(data, dict):
            for key in ("profile", "other"):
                if isinstance(data.get(key), dict) and (problem := _check_size(data[key])) is not None:
                    raise ValueError(f"{key}: {problem}")
        return data


class AssessRequest(_Request):
    profile: CaseProfile = Field(description="The case profile: every field optional; 'unknown' = asked, not known.")
    as_of: _dt.date | None = Field(default=None, description="Assess as of this date (default: today).")
    engine: Engine | None = Field(default=None, description="Backend; default durable where it imports.")
    jurisdiction: str | None = Field(default=None, description="Optional legal layer on top of the Convention, e.g. 'EU'.")
    destinations: list[str] | Literal["all"] | None = Field(
        default=None, description="Regimes answered: default where the person is and the profile's destinations; "
        "'all' covered countries; or a list of ISO codes.")
    detail: Literal["compact", "full"] = Field(
        default="compact", description="compact: titles, questions and citations by id in GET /catalogue/{hash}; "
        "full: the catalogue, explanations and trace inlined.")


class QuestionsRequest(_Request):
    profile: CaseProfile
    as_of: _dt.date | None = None
    engine: Engine | None = None
    lang: str = Field(default="en", description="Language of the questions: en or ru.")


class CompareRequest(_Request):
    profile: CaseProfile
    other: CaseProfile | None = Field(default=None, description="An edited copy of the profile (default: the same).")
    as_of: _dt.date | None = None
    as_of_other: _dt.date | None = Field(default=None, description="Second date (default: as_of).")
    engine: Engine | None = None


MAX_IMPACT_PROFILES = 1000
"""Profiles one ``POST /impact`` may carry (two assessments each, answered within one request); a larger caseload is
for ``refugee-rules impact``, which streams it."""


class ImpactRequest(_Request):
    profiles: list[dict[str, Any]] = Field(
        max_length=MAX_IMPACT_PROFILES, description=f"The caseload: at most {MAX_IMPACT_PROFILES} profiles. A profile "
        "that is not valid is named in 'errors' and does not fail the others.")
    from_date: _dt.date = Field(alias="from", description="The first side's date.")
    to_date: _dt.date = Field(alias="to", description="The second side's date.")
    engine: Engine | None = None
    jurisdiction: str | None = None
    destinations: list[str] | Literal["all"] | None = Field(
        default=None, description="Regimes answered (as in /assess): default where each person is and their destinations.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ImpactSummaryRow(BaseModel):
    destination: str
    finding: str
    from_answer: str = Field(alias="from")
    to_answer: str = Field(alias="to")
    clients: int


class ImpactReply(BaseModel):
    read: int
    changed: int
    unchanged: int
    errors: int
    clients: list[dict[str, Any]] = Field(description="One entry per client whose answers change (as a line of "
                                         "`refugee-rules impact`): index, case_ref, changes (finding, from, to, rules, "
                                         "citations, why).")
    failed: list[dict[str, Any]] = Field(description="One entry per profile that could not be assessed: index, problems.")
    summary: list[ImpactSummaryRow] = Field(description="How many clients each change touches.")
    by_destination: dict[str, int] = Field(description="Clients with a change, per destination.")


class Problem(BaseModel):
    error: str = Field(description="ProfileError for invalid input; EngineError or InternalError otherwise.")
    problems: list[str] = Field(description="One line per problem, each starting with the field path.")


class RulesetFileInfo(BaseModel):
    file: str
    ruleset: str | None
    title: str | None
    version: str | None
    jurisdiction: str | None = None
    layer: str | None = Field(default=None, description="Name of the custom layer the file belongs to, if any.")
    sha256: str


class SourceInfo(BaseModel):
    id: str
    title: str
    kind: str
    date: str | None


class RulesetsInfo(BaseModel):
    content_hash: str = Field(description="The hash recorded in every assessment's metadata.rulesets_hash.")
    files: list[RulesetFileInfo]
    sources: list[SourceInfo]
    layers: list[str]
    overrides: dict[str, str] = Field(description="Layer rule id -> id of the rule it replaces.")


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    engine: str
    rulesets_hash: str


# --- pieces ----------------------------------------------------------------------------------------


def inventory(book: RuleBook, rulesets: tuple[Path, ...] | None = None) -> RulesetsInfo:
    """What the service assesses with: each ruleset file with its version and hash, and every source's date."""
    files: list[RulesetFileInfo] = []
    for d, layer in [(d, None) for d in (rulesets or (builtin_dir(),))] + [(d, d.name) for d in book.layers]:
        for path in sorted(Path(d).rglob("*.y*ml")):
            if path.name == SOURCES_FILE or is_case_test(path):
                continue
            raw = path.read_bytes()
            data = yaml.safe_load(raw)
            head = data if isinstance(data, dict) else {}
            files.append(RulesetFileInfo(
                file=path.relative_to(d).as_posix(), ruleset=head.get("ruleset"), title=head.get("title"),
                version=str(head["version"]) if "version" in head else None, jurisdiction=head.get("jurisdiction"),
                layer=layer, sha256=hashlib.sha256(raw).hexdigest(),
            ))
    return RulesetsInfo(
        content_hash=book.content_hash, files=files,
        sources=[SourceInfo(id=s.id, title=s.title, kind=s.kind, date=s.date) for s in book.sources.values()],
        layers=[str(p) for p in book.layers],
        overrides={rid: o.replaces for rid, o in book.overrides.items()},
    )


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is answered 413 and never reaches the app."""

    def __init__(self, app: Any, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                       send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(send)
            return
        body = b""
        more = True
        deadline = asyncio.get_running_loop().time() + BODY_SECONDS
        while more:  # read it all (chunked bodies have no declared length), counting, within the deadline
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - asyncio.get_running_loop().time()))
            except asyncio.TimeoutError:
                await self._reject(send, 408, "RequestTimeout", f"(body): not received within {BODY_SECONDS:g} seconds")
                return
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > self.max_bytes:
                await self._reject(send)
                return
        if (problem := _duplicate_key(body)) is not None:  # the JSON parser would keep the last value silently
            await self._reject(send, 422, "ProfileError", problem)
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Callable[[dict[str, Any]], Awaitable[None]], status: int = 413,
                      error: str = "RequestTooLarge", problem: str | None = None) -> None:
        content = json.dumps({"error": error,
                              "problems": [problem or f"(body): larger than {self.max_bytes} bytes"]}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]})
        await send({"type": "http.response.body", "body": content})


def _duplicate_key(body: bytes) -> str | None:
    """The problem of a JSON body that gives one key twice in an object (it is not the app's to guess which was
    meant); None for any other body, which the app then answers as it would."""
    if body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        json.loads(body, object_pairs_hook=json_pairs)
    except DuplicateKey as e:
        return f"(body): {e}"
    except (ValueError, RecursionError):  # not JSON at all, or too deep: the app's own answer (400 or 422)
        return None
    return None


def _answer(fn: Callable[[], T]) -> T:
    """Run one API call: input problems become 422, anything else 500 with no detail that could carry facts."""
    try:
        return fn()
    except ProfileError as e:
        raise HTTPException(status_code=422, detail={"error": "ProfileError", "problems": e.problems}) from None
    except EngineError:
        raise HTTPException(status_code=500, detail={"error": "EngineError",
                                                     "problems": ["the evaluation backend failed"]}) from None
    except RefugeeRulesError as e:
        raise HTTPException(status_code=500, detail={"error": type(e).__name__, "problems": [str(e)]}) from None
    except Exception as e:  # never a traceback in a log: it could carry case facts
        raise HTTPException(status_code=500, detail={"error": "InternalError",
                                                     "problems": [f"internal error ({type(e).__name__})"]}) from None


_ERRORS: dict[int | str, dict[str, Any]] = {422: {"model": Problem, "description": "Invalid input, one line per field path"},
                                            413: {"model": Problem, "description": "Request body too large"}}


def create_app(*, layers: tuple[str | Path, ...] = (), rulesets: tuple[str | Path, ...] | None = None,
               max_body_bytes: int = MAX_BODY_BYTES) -> Any:
    """The ASGI application (FastAPI, wrapped in the body-size limit). Rulesets are loaded and linted now,
    so a broken custom layer stops the service at start-up, not at the first request."""
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes <= 0:
        raise ProfileError([f"max_body_bytes: expected a whole number of bytes above 0, got {max_body_bytes!r}"])
    layer_dirs = tuple(Path(d) for d in layers)
    ruleset_dirs = tuple(Path(d) for d in rulesets) if rulesets else None
    book = load_rulesets(layer_dirs, rulesets=ruleset_dirs)
    info = inventory(book, ruleset_dirs)
    app = FastAPI(
        title="refugee-rules", version=__version__,
        description="Explained, cited decision support on the 1951 Refugee Convention and the entry and residence "
                    "regimes met by Russians leaving since 2022. Advice support for trained advisers, not a decision.",
    )
    models: dict[str, type[BaseModel]] = {"/assess": AssessRequest, "/questions": QuestionsRequest, "/compare": CompareRequest,
                                          "/impact": ImpactRequest}

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        model = models.get(request.url.path)
        problems: list[str] = []
        if model is not None and isinstance(exc.body, dict):
            try:
                model.model_validate(exc.body)
            except ValidationError as e:
                problems = describe(e, model)
        if not problems:  # not a JSON object at all, or a problem only FastAPI sees
            problems = ["(body): not valid JSON" if err["type"] == "json_invalid"
                        else f"{'.'.join(str(p) for p in err['loc'][1:]) or '(body)'}: {err['msg']}" for err in exc.errors()]
        if len(problems) > MAX_PROBLEMS:
            problems = problems[:MAX_PROBLEMS] + [f"(body): {len(problems) - MAX_PROBLEMS} more problems not listed"]
        return JSONResponse(status_code=422, content={"error": "ProfileError", "problems": problems})

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        content = exc.detail if isinstance(exc.detail, dict) else {"error": "HTTPError", "problems": [str(exc.detail)]}
        return JSONResponse(status_code=exc.status_code, content=content)

    @app.post("/assess", response_model=CompactAssessment, response_model_exclude_defaults=True, responses=_ERRORS)
    def post_assess(body: AssessRequest) -> Any:
        """Assess one case profile as of a date: every finding with its kind, answer, facts, rules and open questions
        (JSON format 2; titles, questions and citations are in ``GET /catalogue/{rulesets_hash}``)."""
        def run() -> Response:
            options = Options.given(None, as_of=body.as_of, engine=body.engine, jurisdiction=body.jurisdiction,
                                    layers=layer_dirs, rulesets=ruleset_dirs, destinations=body.destinations,
                                    detail=body.detail)
            return Response(assess(body.profile, options=options).to_json(options.detail), media_type="application/json")

        return _answer(run)

    @app.get("/catalogue/{rulesets_hash}", response_model=Catalogue, response_model_exclude_defaults=True,
             responses={404: {"model": Problem, "description": "Not the hash of this service's rulesets"}})
    def get_catalogue(rulesets_hash: str) -> Any:
        """Titles, questions, citations and explanation templates for the rulesets with this hash."""
        if rulesets_hash != book.content_hash:
            raise HTTPException(status_code=404, detail={"error": "NotFound", "problems": [
                f"rulesets_hash: this service's rulesets have hash {book.content_hash}, not {rulesets_hash}"]})
        return Response(catalogue_json(book), media_type="application/json")

    @app.post("/questions", responses=_ERRORS)
    def post_questions(body: QuestionsRequest) -> Any:
        """The questions that would settle what is undetermined, most useful first."""
        from refugee_rules.tasks.questions import questions

        def run() -> Any:
            options = Options.given(None, as_of=body.as_of, engine=body.engine, layers=layer_dirs,
                                    rulesets=ruleset_dirs, lang=body.lang)
            found = questions(body.profile, options=options)
            return [json.loads(q.model_dump_json()) for q in found]

        return _answer(run)

    @app.post("/compare", responses=_ERRORS)
    def post_compare(body: CompareRequest) -> Any:
        """Which findings change between two dates, or between two profiles, and why."""
        from refugee_rules.tasks.compare import compare

        return _answer(lambda: json.loads(compare(
            body.profile, body.other, as_of=body.as_of, as_of_other=body.as_of_other,
            options=Options.given(None, engine=body.engine, layers=layer_dirs, rulesets=ruleset_dirs)).model_dump_json()))

    @app.post("/impact", response_model=ImpactReply, responses=_ERRORS)
    def post_impact(body: ImpactRequest) -> Any:
        """Which clients of a posted caseload (at most ``MAX_IMPACT_PROFILES``) the rules in force on ``to`` answer
        differently from those on ``from``, how and why, with the clients each change touches."""
        from refugee_rules.api import FailedRecord, impact
        from refugee_rules.tasks.impact import ClientImpact, Summary

        def run() -> ImpactReply:
            options = Options.given(None, engine=body.engine, jurisdiction=body.jurisdiction, layers=layer_dirs,
                                    rulesets=ruleset_dirs, destinations=body.destinations)
            summary = Summary()
            clients, failed = [], []
            for item in impact(body.profiles, from_date=body.from_date, to_date=body.to_date, options=options):
                summary.read += 1
                if isinstance(item, FailedRecord):
                    summary.errors += 1
                    failed.append({"index": item.index, "case_ref": item.case_ref, "error": item.error,
                                   "problems": item.problems or [item.message]})
                elif isinstance(item, ClientImpact) and item.changes:
                    summary.add([(c.destination, c.finding, c.before, c.after) for c in item.changes])
                    clients.append({"index": item.index, "case_ref": item.case_ref, "changes": [
                        c.model_dump(mode="json", by_alias=True, exclude_defaults=True) for c in item.changes]})
                else:
                    summary.unchanged += 1
            rows = [ImpactSummaryRow.model_validate({"destination": d, "finding": f, "from": b, "to": a, "clients": n})
                    for (d, f, b, a), n in sorted(summary.by_change.items())]
            return ImpactReply(read=summary.read, changed=summary.changed, unchanged=summary.unchanged,
                               errors=summary.errors, clients=clients, failed=failed, summary=rows,
                               by_destination=dict(summary.by_destination))

        return _answer(run)

    @app.get("/rulesets", response_model=RulesetsInfo)
    def get_rulesets() -> RulesetsInfo:
        """The rulesets every assessment of this service uses: files, versions, hashes, sources and their dates."""
        return info

    @app.get("/schema/{name}")
    def get_schema(name: Literal["profile", "assessment"]) -> dict[str, Any]:
        """The JSON Schema of the case profile or of the assessment, with field descriptions for form builders."""
        return (CaseProfile if name == "profile" else CompactAssessment).model_json_schema()

    @app.get("/health", response_model=Health)
    def get_health() -> Health:
        return Health(status="ok", version=__version__, engine=default_engine(), rulesets_hash=book.content_hash)

    # the rules explorer (frontends/explorer)
    from refugee_rules.frontends.explorer import explorer_router

    app.include_router(explorer_router(book, Options.given(None, layers=layer_dirs, rulesets=ruleset_dirs)))

    return BodyLimit(app, max_body_bytes)


def serve(*, host: str = "127.0.0.1", port: int = 8000, layers: tuple[str | Path, ...] = (),
          rulesets: tuple[str | Path, ...] | None = None, max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Run the service with uvicorn until interrupted. The access log is off: no request line, no body."""
    import sys

    import uvicorn

    if isinstance(port, bool) or not (isinstance(port, int) and 0 <= port < 65536):
        raise ProfileError([f"port: expected a TCP port 0-65535 (0: any free port), got {port!r}"])
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"refugee-rules: warning: listening on {host}, not only this machine: case data will cross the "
              "network; put the service behind TLS and authentication", file=sys.stderr)

    app = create_app(layers=layers, rulesets=rulesets, max_body_bytes=max_body_bytes)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info", server_header=False,
                timeout_keep_alive=5, limit_concurrency=256)
