"""The HTTP service: the public API over JSON, for case-management systems and bots written in any language.

``refugee-rules serve [--host 127.0.0.1] [--port 8000] [--layer DIR]`` (needs the ``server`` extra:
``pip install 'refugee-rules[server]'``). Endpoints (each operation id is its first word):

* ``POST /assess`` — ``{"profile": {...}, "as_of": "2024-03-01", "engine": null, "jurisdiction": null,
  "format": "json", "lang": "en"}`` → an assessment, JSON format 2 (the same as ``refugee-rules assess --format
  json``), or the report in HTML or Markdown (``format``, ``lang``, ``depth``: as ``assess --format html``);
  ``GET /catalogue/{hash}`` → the titles, questions and citations a JSON assessment refers to;
* ``POST /questions`` — same body plus ``"lang"`` → the open questions, most useful first;
* ``POST /compare`` — ``{"profile", "other", "as_of", "as_of_other", "engine"}`` → what changed and why;
* ``POST /impact`` — ``{"profiles": [...], "from": "2022-09-01", "to": "2022-10-15"}`` (at most 1,000 profiles) →
  the clients whose answers change, how and why, and how many clients each change touches;
* ``GET /rulesets`` — every ruleset file (id, version, content hash), the sources with their dates, the
  overall content hash and the custom layers; ``GET /schema/{profile|assessment|catalogue}``; ``GET /health``;
* the OpenAPI document at ``/openapi.json``, browsable at ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc), both
  served from the package (``frontends/apidocs/``), so they work with no network.

Every error is an RFC 9457 problem (``application/problem+json``: ``type``, ``title``, ``status``, ``detail`` and
``errors``, one ``{"location": [...], "message": ...}`` per problem, the location a list such as
``["body", "profile", "fear", "agents", 0]``): invalid input (422, the same messages as the CLI), an unknown path
(404) or method (405), a body over ``max_body_bytes`` (413, before it is parsed) or not received in time (408), and
a failure of ours (500, which never says more than its kind). Every response carries a Content-Security-Policy
(unless it sets its own), ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``; none sets a
cookie. Nothing is logged about a request's content: the access log is off, and errors are answered without echoing
case facts to any log. The service keeps no state between requests; assessments run in FastAPI's thread pool (the
durable-rules backend serialises its own calls).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import hashlib
import http
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import yaml
from fastapi import Body, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from refugee_rules._version import __version__
from refugee_rules.api import assess, load_rulesets
from refugee_rules.case.inputs import read_document, size_problem
from refugee_rules.case.profile import CaseProfile
from refugee_rules.case.unique_keys import DuplicateKey, json_pairs
from refugee_rules.engine import ENGINES, default_engine
from refugee_rules.errors import EngineError, Location, OptionsError, ProfileError, located
from refugee_rules.frontends.schemas import DOCUMENTS, json_schema, publishable
from refugee_rules.law.loader import SOURCES_FILE, YAML_LOADER, RuleBook, builtin_dir, is_case_test
from refugee_rules.options import LANGUAGES, Options
from refugee_rules.result.catalogue import Catalogue, catalogue_json
from refugee_rules.result.compact import CompactAssessment

MAX_BODY_BYTES = 1_000_000
MAX_PROBLEMS = 50
"""A 422 lists at most this many problems (and says how many more there were)."""
BODY_SECONDS = 30.0
"""A request body not received whole within this many seconds is answered 408 (a stalled client holds nothing)."""
Engine = Literal["durable", "compiled"]
assert set(ENGINES) == {"durable", "compiled"}
Lang = Literal["en", "ru"]
assert set(LANGUAGES) == {"en", "ru"}
T = TypeVar("T")

PROBLEM_JSON = "application/problem+json"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
"""The policy of every response that does not set its own: nothing from another host, no inline script or style."""
REDOC_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'") + "; worker-src blob:"
"""ReDoc's page only: its styled components write <style> elements, and its search index runs in a worker it makes
from a blob (measured in tests/test_service.py: without these the page has no styles, and no search)."""
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; " \
             "frame-ancestors 'none'"
"""The HTML report's own policy (the one its <meta> tag states: a single self-contained page, its style inline)."""
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"))

APIDOCS = Path(__file__).resolve().parent / "apidocs"
ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css", "swagger-init.js": "text/javascript",
          "redoc.standalone.js": "text/javascript", "redoc-init.js": "text/javascript"}
"""The files /apidocs/ serves (and nothing else from the folder): see apidocs/VENDORED.md for where they come from."""

EXAMPLE_PROFILE = "boris-anti-war-petitions.yaml"
EXAMPLE_AS_OF = "2024-03-01"


def example_profile() -> dict[str, Any] | None:
    """The profile the OpenAPI shows as its example (the README's demo): inside the installed package, or the
    repository's ``examples/profiles``; None if neither is there (the document then has no example)."""
    here = Path(__file__).resolve()
    for path in (here.parents[1] / "examples" / EXAMPLE_PROFILE, here.parents[3] / "examples" / "profiles" / EXAMPLE_PROFILE):
        if path.is_file():
            data = read_document(path)
            return data if isinstance(data, dict) else None
    return None


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
                if isinstance(data.get(key), dict) and (problem := size_problem(data[key])) is not None:
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
        default="compact", description="JSON only. compact: titles, questions and citations by id in "
        "GET /catalogue/{hash}; full: the catalogue, explanations and trace inlined.")
    format: Literal["json", "html", "markdown"] = Field(
        default="json", description="json: the assessment (format 2); html: the printable report (one document, its "
        "style inline, with the timeline per destination; text/html); markdown: the report in Markdown "
        "(text/markdown). The report is the one `refugee-rules assess --format html|markdown` writes.")
    lang: Lang = Field(default="en", description="Language of the html or markdown report: en or ru (the JSON is "
                       "the same in both: ids, with the words in GET /catalogue/{hash}).")
    depth: Literal["summary", "full"] = Field(
        default="summary", description="Report only. summary: the first page and the destinations (HTML: and the "
        "appendix folded); full: and the appendix.")


class QuestionsRequest(_Request):
    profile: CaseProfile
    as_of: _dt.date | None = None
    engine: Engine | None = None
    lang: Lang = Field(default="en", description="Language of the questions: en or ru.")


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
        "that is not valid is named in 'failed' and does not fail the others.")
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


class ProblemItem(BaseModel):
    location: list[str | int] = Field(description="Where: 'body' then the field's path in the request body (names "
                                      "and list indices), or 'path'/'query' and the parameter; [] for the request "
                                      "as a whole.")
    message: str = Field(description="What is wrong there, in the words of the CLI's messages.")


class Problem(BaseModel):
    """An error (RFC 9457 problem details), answered as application/problem+json."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "about:blank", "title": "Unprocessable Content", "status": 422,
        "detail": "The request is not valid: 2 problems, each with its field's location.",
        "errors": [{"location": ["body", "profile", "legal_cases", 0, "stage"],
                    "message": "Input should be 'threatened', 'pre_investigation_check', 'witness_summons', "
                               "'administrative_protocol', 'investigation', 'charged', 'trial', 'convicted' or 'closed' "
                               "(got 'jailed') — or 'unknown' if the client does not know"},
                   {"location": ["body", "profile", "nationalites"], "message": "unknown field; did you mean 'nationalities'?"}],
    }]})
    """The example is what POST /assess answers to {"profile": {"nationalites": ["RU"], "legal_cases": [{"stage":
    "jailed"}]}} (tests/test_service.py holds it to that)."""

    type: str = Field(default="about:blank", description="'about:blank': the status says what kind of problem it is.")
    title: str = Field(description="The status's phrase, e.g. 'Unprocessable Content'.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong, in one sentence.")
    errors: list[ProblemItem] = Field(default_factory=list, description="One entry per problem, each with its location.")


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


# --- errors as problem details ----------------------------------------------------------------------

_SPELLED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])*)*")
_WHOLE = ("(body)", "(top level)")


def spelled_location(path: str) -> Location | None:
    """``fear.agents[0]`` -> ``("fear", "agents", 0)``: a path as the library's messages spell it; () for the
    document as a whole; None for text that is not such a path."""
    if path in _WHOLE:
        return ()
    if not _SPELLED.fullmatch(path):
        return None
    return tuple(int(piece) if piece.isdigit() else piece for piece in re.findall(r"[A-Za-z_][A-Za-z0-9_]*|\d+", path))


def problem_item(line: str, prefix: Location = ("body",)) -> ProblemItem:
    """A library problem line (``path: message``, as ProfileError carries it) with its location as a list; a line
    that names no path is located at ``prefix``."""
    head, sep, message = line.partition(": ")
    where = spelled_location(head) if sep else None
    if where is None:
        return ProblemItem(location=list(prefix), message=line)
    inner, sep2, rest = message.partition(": ")  # the size guard's "profile: fear.x: nested ..." names two levels
    deeper = spelled_location(inner) if sep2 else None
    if deeper is not None:
        return ProblemItem(location=[*prefix, *where, *deeper], message=rest)
    return ProblemItem(location=[*prefix, *where], message=message)


NOTHING_HERE = "There is nothing at this path; the operations are listed at /docs."
TITLES = {413: "Content Too Large", 422: "Unprocessable Content"}
"""RFC 9110's phrases where Python's (before 3.13) are older ones."""


def problem(status: int, detail: str, errors: list[ProblemItem] | None = None,
            headers: Mapping[str, str] | None = None) -> JSONResponse:
    """An RFC 9457 problem response."""
    body = Problem(title=TITLES.get(status) or http.HTTPStatus(status).phrase, status=status, detail=detail,
                   errors=errors or [])
    return JSONResponse(body.model_dump(mode="json"), status_code=status, media_type=PROBLEM_JSON,
                        headers=dict(headers or {}))


def problem_bytes(status: int, detail: str, errors: list[ProblemItem] | None = None) -> bytes:
    """The body of :func:`problem`, for the ASGI layers below FastAPI."""
    return bytes(problem(status, detail, errors).body)


class Failed(Exception):
    """An API call's problem, answered by the app's handler as a problem response."""

    def __init__(self, status: int, detail: str, errors: list[ProblemItem] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors or []


def _invalid_input(problems: list[ProblemItem]) -> Failed:
    """A 422 listing at most MAX_PROBLEMS problems (a hostile body could otherwise make the answer huge)."""
    n = len(problems)
    count = "1 problem, with its" if n == 1 else f"{n} problems" + (
        f" ({n - MAX_PROBLEMS} more not listed)" if n > MAX_PROBLEMS else "") + ", each with its"
    return Failed(422, f"The request is not valid: {count} field's location.", problems[:MAX_PROBLEMS])


def _answer(fn: Callable[[], T]) -> T:
    """Run one API call: input problems become 422, anything else 500 with no detail that could carry facts."""
    try:
        return fn()
    except ProfileError as e:
        raise _invalid_input([problem_item(p) for p in e.problems]) from None
    except EngineError:
        raise Failed(500, "The evaluation backend failed.") from None
    except Exception as e:  # never a traceback in a log, never the message: either could carry case facts
        raise Failed(500, f"Internal error ({type(e).__name__}).") from None


def _validation_problems(exc: RequestValidationError, model: type[BaseModel] | None) -> list[ProblemItem]:
    """A request FastAPI refused, with the CLI's messages where the body is an object (the same model validated
    again, for its did-you-mean and merged union alternatives); FastAPI's own otherwise."""
    if model is not None and isinstance(exc.body, dict):
        try:
            model.model_validate(exc.body)
        except ValidationError as e:
            items = []
            for loc, said in located(e, model):
                if loc:
                    items.append(ProblemItem(location=["body", *loc], message=said.text()))
                else:  # a problem of the body as a whole, such as the size guard's, which names its path itself
                    items.append(problem_item(said.text()))
            if items:
                return items
    items = []
    for err in exc.errors():
        if err["type"] == "json_invalid":
            items.append(ProblemItem(location=["body"], message="not valid JSON"))
        else:
            items.append(ProblemItem(location=[p for p in err["loc"] if isinstance(p, (str, int))], message=err["msg"]))
    return items


# --- ASGI layers: the body limit, errors of last resort, security headers --------------------------------------

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def _send_problem(send: Send, status: int, detail: str, errors: list[ProblemItem] | None = None) -> None:
    content = problem_bytes(status, detail, errors)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(content)).encode())]})
    await send({"type": "http.response.body", "body": content})


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is answered 413 and never reaches the app."""

    def __init__(self, app: Any, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._too_large(send)
            return
        body = b""
        more = True
        deadline = asyncio.get_running_loop().time() + BODY_SECONDS
        while more:  # read it all (chunked bodies have no declared length), counting, within the deadline
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - asyncio.get_running_loop().time()))
            except asyncio.TimeoutError:
                await _send_problem(send, 408, f"The request body was not received within {BODY_SECONDS:g} seconds.",
                                    [ProblemItem(location=["body"], message="not received in time")])
                return
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > self.max_bytes:
                await self._too_large(send)
                return
        if (duplicate := _duplicate_key(body)) is not None:  # the JSON parser would keep the last value silently
            await _send_problem(send, 422, "The request is not valid: 1 problem, with its location.",
                                [ProblemItem(location=["body"], message=duplicate)])
            return
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await _send_problem(send, 413, f"The request body is larger than this service accepts ({self.max_bytes} bytes).",
                            [ProblemItem(location=["body"], message=f"larger than {self.max_bytes} bytes")])


def _duplicate_key(body: bytes) -> str | None:
    """The problem of a JSON body that gives one key twice in an object (it is not the app's to guess which was
    meant); None for any other body, which the app then answers as it would."""
    if body.lstrip()[:1] not in (b"{", b"["):
        return None
    try:
        json.loads(body, object_pairs_hook=json_pairs)
    except DuplicateKey as e:
        return str(e)
    except (ValueError, RecursionError):  # not JSON at all, or too deep: the app's own answer (400 or 422)
        return None
    return None


class LastResort:
    """ASGI middleware: an exception that escaped everything else is answered 500 as a problem, and goes no further
    (the server would log its traceback, which could carry case facts)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        started = False

        async def watched(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        if scope["type"] != "http":  # the lifespan: the server's to handle
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, watched)
        except Exception as e:
            if not started:  # otherwise the response is cut short, which the client sees
                await _send_problem(send, 500, f"Internal error ({type(e).__name__}).")


class SecurityHeaders:
    """ASGI middleware: every response gets the strict Content-Security-Policy (unless it set its own: the API
    documentation pages and the HTML report do), ``nosniff`` and ``no-referrer``."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                names = {name.lower() for name, _ in headers}
                if b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", CSP.encode()))
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in names)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


# --- pieces ----------------------------------------------------------------------------------------


def inventory(book: RuleBook, rulesets: tuple[Path, ...] | None = None) -> RulesetsInfo:
    """What the service assesses with: each ruleset file with its version and hash, and every source's date. Read
    once per rule book and set of directories (every app made over the same book shares it)."""
    key = f"service.inventory:{rulesets!r}"
    found = book.derived.get(key)
    if found is None:
        found = book.derived[key] = _inventory(book, rulesets)
    return found


def _inventory(book: RuleBook, rulesets: tuple[Path, ...] | None) -> RulesetsInfo:
    files: list[RulesetFileInfo] = []
    for d, layer in [(d, None) for d in (rulesets or (builtin_dir(),))] + [(d, d.name) for d in book.layers]:
        for path in sorted(Path(d).rglob("*.y*ml")):
            if path.name == SOURCES_FILE or is_case_test(path):
                continue
            raw = path.read_bytes()
            data = yaml.load(raw, Loader=YAML_LOADER)  # noqa: S506 - a safe loader
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


def _docs_page(title: str, root: str, css: list[str], scripts: list[str], csp: str) -> HTMLResponse:
    """A documentation page of ours: the viewer's files and our init script, all from /apidocs/ (no inline script;
    addresses relative to the page, so the service may sit under a path prefix)."""
    links = "".join(f'<link rel="stylesheet" href="apidocs/{c}">' for c in css)
    tags = "".join(f'<script src="apidocs/{s}"></script>' for s in scripts)
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{title}</title><link rel="icon" href="data:,">'
            f'{links}</head><body><div id="{root}" data-openapi="openapi.json"></div>{tags}</body></html>')
    return HTMLResponse(page, headers={"content-security-policy": csp, "cache-control": "no-cache"})


def openapi_document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's OpenAPI document, published as the schemas are (strict-mode valid, labels in both languages), and
    every error answered as application/problem+json."""
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes,
                      tags=app.openapi_tags)
    components = doc.get("components", {})
    components["schemas"] = {name: publishable(schema) for name, schema in components.get("schemas", {}).items()}
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[:1] in "45" and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return doc


_PROBLEM = {"model": Problem}
_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {**_PROBLEM, "description": "Invalid input: each problem with its field's location"},
    413: {**_PROBLEM, "description": "Request body too large"},
    408: {**_PROBLEM, "description": "Request body not received in time"},
    500: {**_PROBLEM, "description": "A failure of the service (it says only its kind, never a case fact)"},
}
TAGS = [
    {"name": "assessment", "description": "One case: its assessment or report, the questions still open, what "
                                          "changes between two dates or two versions of the case."},
    {"name": "caseload", "description": "Many cases at once: whose answers a change of the rules changes."},
    {"name": "reference", "description": "What the answers refer to: the catalogue of titles, questions and "
                                         "citations, the rulesets and their sources, the JSON Schemas."},
    {"name": "service", "description": "The service itself."},
]


def _examples(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OpenAPI example of a request body: a real profile of examples/profiles."""
    profile = example_profile()
    if profile is None:
        return {}
    return {"boris": {"summary": "A training profile: anti-war petitions, a criminal case (examples/profiles/"
                                 + EXAMPLE_PROFILE + ", illustrative facts)",
                      "value": {"profile": profile, "as_of": EXAMPLE_AS_OF, **(extra or {})}}}


def create_app(*, layers: tuple[str | Path, ...] = (), rulesets: tuple[str | Path, ...] | None = None,
               max_body_bytes: int = MAX_BODY_BYTES) -> Any:
    """The ASGI application (FastAPI, wrapped in the security headers, the errors of last resort and the body-size
    limit). Rulesets are loaded and linted now, so a broken custom layer stops the service at start-up, not at the
    first request."""
    if isinstance(max_body_bytes, bool) or not isinstance(max_body_bytes, int) or max_body_bytes <= 0:
        raise OptionsError([f"max_body_bytes: expected a whole number of bytes above 0, got {max_body_bytes!r}"])
    layer_dirs = tuple(Path(d) for d in layers)
    ruleset_dirs = tuple(Path(d) for d in rulesets) if rulesets else None
    book = load_rulesets(layer_dirs, rulesets=ruleset_dirs)
    info = inventory(book, ruleset_dirs)
    app = FastAPI(
        title="refugee-rules", version=__version__, docs_url=None, redoc_url=None, openapi_tags=TAGS,
        description="Explained, cited decision support on the 1951 Refugee Convention and the entry and residence "
                    "regimes met by Russians leaving since 2022. Advice support for trained advisers, not a decision. "
                    "Every error is an RFC 9457 problem (application/problem+json) listing each problem's location.",
    )

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = openapi_document(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    models: dict[str, type[BaseModel]] = {"/assess": AssessRequest, "/questions": QuestionsRequest, "/compare": CompareRequest,
                                          "/impact": ImpactRequest}

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        failed = _invalid_input(_validation_problems(exc, models.get(request.url.path)))
        return problem(failed.status, failed.detail, failed.errors)

    @app.exception_handler(Failed)
    async def _failed(request: Request, exc: Failed) -> JSONResponse:
        return problem(exc.status, exc.detail, exc.errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        """Starlette's own: no such path (404), a method the path does not take (405, with Allow); and a router's
        HTTPException, its detail said when it is text (a mounted frontend's)."""
        phrase = http.HTTPStatus(exc.status_code).phrase
        given = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else None
        detail = given or {404: NOTHING_HERE, 405: "This path does not take this method."}.get(exc.status_code) \
            or phrase + "."
        return problem(exc.status_code, detail, [ProblemItem(location=[], message=detail)], headers=exc.headers)

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        return problem(500, f"Internal error ({type(exc).__name__}).")

    @app.post("/assess", operation_id="assess", summary="Assess a case profile, or get its report", tags=["assessment"],
              response_model=CompactAssessment, response_model_exclude_defaults=True, responses={**_ERRORS, 200: {"content": {
                  "text/html": {"schema": {"type": "string"}}, "text/markdown": {"schema": {"type": "string"}}},
                  "description": "The assessment (format json), or the report (format html or markdown)"}})
    def post_assess(body: Annotated[AssessRequest, Body(openapi_examples=_examples())]) -> Any:
        """Assess one case profile as of a date: every finding with its kind, answer, facts, rules and open questions
        (JSON format 2; titles, questions and citations are in ``GET /catalogue/{rulesets_hash}``); or the report
        a person reads, in HTML or Markdown, in English or Russian."""
        def run() -> Response:
            options = Options.given(None, as_of=body.as_of, engine=body.engine, jurisdiction=body.jurisdiction,
                                    layers=layer_dirs, rulesets=ruleset_dirs, destinations=body.destinations,
                                    detail=body.detail, lang=body.lang)
            result = assess(body.profile, options=options)
            if body.format == "json":
                return Response(result.to_json(options.detail), media_type="application/json")
            from refugee_rules.views.report import render

            timeline = None
            if body.format == "html":  # as `assess --format html`: the same profile assessed at each rule change
                from refugee_rules.tasks.timeline import timeline as timeline_of

                timeline = timeline_of(body.profile, options=options.replace(as_of=result.metadata.as_of))
            text = render(result, body.format, lang=body.lang, depth=body.depth, book=book, timeline=timeline)
            if body.format == "html":
                return Response(text, media_type="text/html; charset=utf-8", headers={"content-security-policy": REPORT_CSP})
            return Response(text, media_type="text/markdown; charset=utf-8")

        return _answer(run)

    @app.get("/catalogue/{rulesets_hash}", operation_id="catalogue", summary="The catalogue a JSON assessment refers to",
             tags=["reference"], response_model=Catalogue, response_model_exclude_defaults=True,
             responses={404: {**_PROBLEM, "description": "Not the hash of this service's rulesets"}, 422: _ERRORS[422]})
    def get_catalogue(rulesets_hash: str) -> Any:
        """Titles, questions, citations and explanation templates for the rulesets with this hash."""
        if rulesets_hash != book.content_hash:
            raise Failed(404, "No rulesets with this hash here.", [ProblemItem(
                location=["path", "rulesets_hash"], message=f"this service's rulesets have hash {book.content_hash}")])
        return Response(catalogue_json(book), media_type="application/json")

    @app.post("/questions", operation_id="questions", summary="The open questions, most useful first",
              tags=["assessment"], responses=_ERRORS)
    def post_questions(body: Annotated[QuestionsRequest, Body(openapi_examples=_examples({"lang": "en"}))]) -> Any:
        """The questions that would settle what is undetermined, most useful first."""
        from refugee_rules.tasks.questions import questions

        def run() -> Any:
            options = Options.given(None, as_of=body.as_of, engine=body.engine, layers=layer_dirs,
                                    rulesets=ruleset_dirs, lang=body.lang)
            found = questions(body.profile, options=options)
            return [json.loads(q.model_dump_json()) for q in found]

        return _answer(run)

    @app.post("/compare", operation_id="compare", summary="What changes between two dates or two profiles",
              tags=["assessment"], responses=_ERRORS)
    def post_compare(body: Annotated[CompareRequest, Body(openapi_examples=_examples({"as_of_other": "2022-09-01"}))]) -> Any:
        """Which findings change between two dates, or between two profiles, and why."""
        from refugee_rules.tasks.compare import compare

        return _answer(lambda: json.loads(compare(
            body.profile, body.other, as_of=body.as_of, as_of_other=body.as_of_other,
            options=Options.given(None, engine=body.engine, layers=layer_dirs, rulesets=ruleset_dirs)).model_dump_json()))

    @app.post("/impact", operation_id="impact", summary="Whose answers a change of the rules changes", tags=["caseload"],
              response_model=ImpactReply, responses=_ERRORS)
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

    @app.get("/rulesets", operation_id="rulesets", summary="The rulesets and sources in use", tags=["reference"],
             response_model=RulesetsInfo)
    def get_rulesets() -> RulesetsInfo:
        """The rulesets every assessment of this service uses: files, versions, hashes, sources and their dates."""
        return info

    @app.get("/schema/{name}", operation_id="schema", summary="A JSON Schema for form builders", tags=["reference"],
             responses={422: _ERRORS[422]})
    def get_schema(name: Literal["profile", "assessment", "catalogue"]) -> dict[str, Any]:
        """The JSON Schema (2020-12) of the case profile, the assessment or the catalogue, as ``schemas/`` has it:
        field descriptions, each question (``x-question``) and every coded value's labels (``x-enum-labels``) in
        English and Russian, for form builders; valid for Ajv's strict mode with those keywords declared."""
        assert set(DOCUMENTS) == {"profile", "assessment", "catalogue"}
        return json_schema(name)

    @app.get("/health", operation_id="health", summary="Health", tags=["service"], response_model=Health)
    def get_health() -> Health:
        """The service is up: its version, default engine and the rulesets' content hash."""
        return Health(status="ok", version=__version__, engine=default_engine(), rulesets_hash=book.content_hash)

    @app.get("/docs", include_in_schema=False)
    def get_docs() -> HTMLResponse:
        return _docs_page("refugee-rules API", "swagger-ui", ["swagger-ui.css"], ["swagger-ui-bundle.js", "swagger-init.js"],
                          CSP)

    @app.get("/redoc", include_in_schema=False)
    def get_redoc() -> HTMLResponse:
        return _docs_page("refugee-rules API", "redoc", [], ["redoc.standalone.js", "redoc-init.js"], REDOC_CSP)

    @app.get("/apidocs/{name}", include_in_schema=False)
    def get_apidocs_file(name: str) -> FileResponse:
        if name not in ASSETS:
            raise Failed(404, NOTHING_HERE,
                         [ProblemItem(location=["path", "name"], message="not a file of the API documentation")])
        # revalidated each time (ETag, Last-Modified): an upgrade of the package is never shown stale
        return FileResponse(APIDOCS / name, media_type=ASSETS[name], headers={"cache-control": "no-cache"})

    # --- the browser frontends mount their routers below, each in a marked block of its owner ---------------

    # the rules explorer (frontends/explorer)
    from refugee_rules.frontends.explorer import explorer_router

    app.include_router(explorer_router(book, Options.given(None, layers=layer_dirs, rulesets=ruleset_dirs)))

    # the browser interview (frontends/web)
    from refugee_rules.frontends.web import interview_router

    app.include_router(interview_router(layers=layer_dirs, rulesets=ruleset_dirs))

    return SecurityHeaders(LastResort(BodyLimit(app, max_body_bytes)))


def serve(*, host: str = "127.0.0.1", port: int = 8000, layers: tuple[str | Path, ...] = (),
          rulesets: tuple[str | Path, ...] | None = None, max_body_bytes: int = MAX_BODY_BYTES) -> None:
    """Run the service with uvicorn until interrupted. The access log is off: no request line, no body."""
    import sys

    import uvicorn

    if isinstance(port, bool) or not (isinstance(port, int) and 0 <= port < 65536):
        raise OptionsError([f"port: expected a TCP port 0-65535 (0: any free port), got {port!r}"])
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"refugee-rules: warning: listening on {host}, not only this machine: case data will cross the "
              "network; put the service behind TLS and authentication", file=sys.stderr)

    app = create_app(layers=layers, rulesets=rulesets, max_body_bytes=max_body_bytes)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info", server_header=False,
                timeout_keep_alive=5, limit_concurrency=256)
