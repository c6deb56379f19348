"""The HTTP service, tested against a real uvicorn on 127.0.0.1 with an HTTP client, including concurrent requests;
its API documentation pages in headless Chromium (Playwright driving the system's chromium; skipped, saying so, where
either is missing). Screenshots of the pages are kept under build/browser/ for a human to look at."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from refugee_rules import CaseProfile, assess, load_rulesets
from refugee_rules.case.inputs import read_document, read_profile
from refugee_rules.frontends.service import CSP, REDOC_CSP, REPORT_CSP, LastResort, create_app
from refugee_rules.options import Options
from refugee_rules.result.catalogue import Catalogue
from refugee_rules.result.compact import CompactAssessment
from refugee_rules.tasks.timeline import timeline
from refugee_rules.views.report import render

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "examples" / "layers" / "example-ngo-referral"
EXAMPLE = ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"
ARTIFACTS = ROOT / "build" / "browser"
AS_OF = "2024-03-01"
MARKER = "PRIVATE-CASE-MARKER-8731"
LIMIT = 200_000
PROFILE = {
    "case_ref": MARKER, "nationalities": ["RU"], "location": {"country": "KZ"},
    "fear": {"fears_return": True, "agents": ["state"], "reasons_attributed": ["political_opinion"]},
    "legal_cases": [{"kind": "criminal", "stage": "charged", "based_on_protected_conduct": True}],
}


@contextlib.contextmanager
def running_service(log: Path, *args: str) -> Iterator[int]:
    """A real `refugee-rules serve` on 127.0.0.1 and a free port (its output in ``log``); yields the port."""
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "refugee_rules.frontends.cli", "serve", "--host", "127.0.0.1",
                                 "--port", "0", *args], stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        port = None
        while port is None:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the service did not start:\n" + log.read_text(errors="replace"))
            found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
            port = int(found.group(1)) if found else None
            time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("service") / "server.log"
    with running_service(log, "--layer", str(LAYER), "--max-body-bytes", str(LIMIT)) as port:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            yield client, log


def _local(profile, **options):
    return json.loads(assess(profile, as_of=AS_OF, layers=(LAYER,), **options).to_json())


def test_health_and_openapi(server):
    client, _ = server
    health = client.get("/health")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert {"/assess", "/questions", "/compare", "/rulesets", "/schema/{name}", "/health"} <= set(spec["paths"])
    assert "422" in spec["paths"]["/assess"]["post"]["responses"]
    operations = {op["operationId"]: op for path in spec["paths"].values() for op in path.values()}
    assert set(operations) == {"assess", "questions", "compare", "impact", "catalogue", "rulesets", "schema", "health"}
    assert {tag for op in operations.values() for tag in op["tags"]} == {t["name"] for t in spec["tags"]}
    assert all(op["summary"] and not op["summary"].startswith(("Post ", "Get ")) for op in operations.values())
    errors = operations["assess"]["responses"]["422"]["content"]
    assert list(errors) == ["application/problem+json"]
    assert set(operations["assess"]["responses"]["200"]["content"]) == {"application/json", "text/html", "text/markdown"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # FastAPI's own 422 shape is never answered
    (example,) = spec["components"]["schemas"]["Problem"]["examples"]
    assert client.post("/assess", json={"profile": {"nationalites": ["RU"], "legal_cases": [{"stage": "jailed"}]}}).json() \
        == example


def test_the_openapi_example_is_a_real_profile_and_assesses(server):
    client, _ = server
    spec = client.get("/openapi.json").json()
    (example,) = spec["paths"]["/assess"]["post"]["requestBody"]["content"]["application/json"]["examples"].values()
    assert example["value"]["profile"] == read_document(EXAMPLE)
    reply = client.post("/assess", json={**example["value"], "engine": "compiled"})
    assert reply.status_code == 200
    assert reply.json() == json.loads(assess(read_profile(EXAMPLE), as_of=example["value"]["as_of"], layers=(LAYER,),
                                             engine="compiled").to_json())


def test_assess_gives_exactly_the_librarys_assessment(server):
    client, _ = server
    reply = client.post("/assess", json={"profile": PROFILE, "as_of": AS_OF, "engine": "compiled"})
    assert reply.status_code == 200
    assert reply.json() == _local(PROFILE, engine="compiled")
    CompactAssessment.model_validate(reply.json())
    fear = next(f for f in reply.json()["findings"] if f["id"] == "fear_subjective")
    assert any(n.get("layer") == "example-ngo-referral" for n in fear["notes"])  # the service's layer applies
    rulesets_hash = reply.json()["catalogue"]["rulesets_hash"]
    catalogue = client.get(f"/catalogue/{rulesets_hash}")
    assert catalogue.status_code == 200 and rulesets_hash == load_rulesets([LAYER]).content_hash
    entry = Catalogue.model_validate(catalogue.json()).findings["fear_subjective"]
    assert entry.kind == "element" and entry.title and "e2a.fear-stated" in entry.rules
    assert client.get("/catalogue/" + "0" * 64).status_code == 404
    full = client.post("/assess", json={"profile": PROFILE, "as_of": AS_OF, "engine": "compiled", "detail": "full"})
    assert full.json()["catalogue"]["findings"]["fear_subjective"] == catalogue.json()["findings"]["fear_subjective"]


def _problem(reply: httpx.Response, status: int) -> dict:
    """The RFC 9457 problem a reply carries (its status, media type and members checked)."""
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json()
    assert set(body) == {"type", "title", "status", "detail", "errors"} and body["status"] == status
    assert body["type"] == "about:blank" and body["title"] and body["detail"]
    assert all(set(e) == {"location", "message"} and isinstance(e["location"], list) and e["message"]
               for e in body["errors"])
    return body


def test_invalid_input_is_422_with_each_field_location(server):
    client, _ = server
    reply = client.post("/assess", json={"profile": {"nationalites": ["RU"], "fear": {"fears_return": "perhaps"},
                                                     "legal_cases": [{"stage": "jailed"}]},
                                         "as_of": "2024-13-01", "engine": "quantum"})
    body = _problem(reply, 422)
    assert body["title"] == "Unprocessable Content"
    where = {tuple(e["location"]): e["message"] for e in body["errors"]}
    assert {("body", "profile", "nationalites"), ("body", "profile", "fear", "fears_return"), ("body", "as_of"),
            ("body", "engine"), ("body", "profile", "legal_cases", 0, "stage")} == set(where)
    assert where[("body", "profile", "nationalites")] == "unknown field; did you mean 'nationalities'?"
    assert "or 'unknown' if the client does not know" in where[("body", "profile", "fear", "fears_return")]
    assert _problem(client.post("/assess", content=b"{not json", headers={"content-type": "application/json"}),
                    422)["errors"] == [{"location": ["body"], "message": "not valid JSON"}]
    assert _problem(client.post("/assess", json={"as_of": AS_OF}), 422)["errors"][0]["location"] == ["body", "profile"]
    (mars,) = _problem(client.post("/assess", json={"profile": PROFILE, "jurisdiction": "Mars"}), 422)["errors"]
    assert mars["location"] == ["body", "jurisdiction"] and "'Mars'" in mars["message"]
    (twice,) = _problem(client.post("/assess", content=b'{"profile": {}, "profile": {}}',
                                    headers={"content-type": "application/json"}), 422)["errors"]
    assert twice == {"location": ["body"], "message": "the key 'profile' is given twice in one object; keep one"}
    deep: object = "x"
    for _ in range(40):
        deep = [deep]
    (guard,) = _problem(client.post("/assess", json={"profile": {"fear": {"details": deep}}}), 422)["errors"]
    assert guard["location"][:4] == ["body", "profile", "fear", "details"] and "nested more than" in guard["message"]
    many = {f"field_{i}": 1 for i in range(80)}
    body = _problem(client.post("/assess", json={"profile": many}), 422)
    assert len(body["errors"]) == 50 and "80 problems (30 more not listed)" in body["detail"]


def test_every_error_is_a_problem_without_case_facts(server):
    client, _ = server
    assert _problem(client.get("/nowhere"), 404)["errors"] == [
        {"location": [], "message": "There is nothing at this path; the operations are listed at /docs."}]
    assert _problem(client.post("/nowhere", json={"profile": PROFILE}), 404)
    wrong_method = client.get("/assess")
    assert _problem(wrong_method, 405) and wrong_method.headers["allow"] == "POST"
    (where,) = _problem(client.get("/catalogue/" + "0" * 64), 404)["errors"]
    assert where["location"] == ["path", "rulesets_hash"]
    assert _problem(client.get("/schema/other"), 422)["errors"][0]["location"] == ["path", "name"]
    assert _problem(client.get("/apidocs/VENDORED.md"), 404)  # only the viewers' files are served from the folder
    # a rejected value is shown (the caller sent it), but no other field of the case travels with the problem
    reply = client.post("/assess", json={"profile": dict(PROFILE, fear={"fears_return": "perhaps"}), "as_of": AS_OF})
    assert MARKER not in reply.text and "perhaps" in reply.text
    sizes = {status: len(reply.content) for status, reply in [
        (404, client.get("/nowhere")), (405, client.get("/assess")), (422, reply),
        (413, client.post("/assess", json={"profile": dict(PROFILE, notes="x" * (LIMIT + 10))}))]}
    assert all(size < 1000 for size in sizes.values()), sizes


def test_questions_and_compare(server):
    client, _ = server
    reply = client.post("/questions", json={"profile": {"nationalities": ["RU"]}, "as_of": AS_OF, "lang": "ru"})
    assert reply.status_code == 200
    asked = reply.json()
    assert asked and asked[0]["rank"] == 1 and all(q["path"] for q in asked)
    assert client.post("/questions", json={"profile": {}, "lang": "xx"}).status_code == 422
    other = dict(PROFILE, fear=dict(PROFILE["fear"], fears_return=False))
    reply = client.post("/compare", json={"profile": PROFILE, "other": other, "as_of": AS_OF, "engine": "compiled"})
    assert reply.status_code == 200
    assert "fear_subjective" in {c["id"] for c in reply.json()["changes"]}


def test_rulesets_lists_files_versions_hashes_and_source_dates(server):
    client, _ = server
    info = client.get("/rulesets").json()
    assert info["content_hash"] == _local(PROFILE, engine="compiled")["metadata"]["rulesets_hash"]
    by_file = {(f["layer"], f["file"]): f for f in info["files"]}
    assert ("example-ngo-referral", "referral.yaml") in by_file
    convention = by_file[(None, "convention/article-1a2.yaml")]
    assert convention["ruleset"] and convention["version"] and len(convention["sha256"]) == 64
    dates = {s["id"]: s["date"] for s in info["sources"]}
    assert dates["convention-1951"] == "1951-07-28" and "example-ngo-referral-policy" in dates
    assert info["overrides"] == {"e2a.fear-stated": "e2a.fear-stated"}


def test_schemas(server):
    client, _ = server
    for name in ("profile", "assessment", "catalogue"):  # what schemas/ has, and `refugee-rules schema` prints
        assert client.get(f"/schema/{name}").json() == json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
    assert client.get("/schema/other").status_code == 422


def test_concurrent_requests_give_the_sequential_answers(server):
    client, _ = server
    profiles = [dict(PROFILE, case_ref=f"c{i}", fear=dict(PROFILE["fear"], fears_return=i % 2 == 0),
                     location={"country": ["KZ", "GE", "RU", "AM"][i % 4]}) for i in range(24)]
    engines = ["compiled", "durable"]
    expected = [_local(p, engine=engines[i % 2]) for i, p in enumerate(profiles)]

    def post(i):
        return client.post("/assess", json={"profile": profiles[i], "as_of": AS_OF, "engine": engines[i % 2]}).json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        got = list(pool.map(post, range(len(profiles))))
    assert got == expected


def test_request_bodies_are_never_logged(server):
    client, log = server
    client.post("/assess", json={"profile": PROFILE, "as_of": AS_OF})
    client.post("/assess", json={"profile": dict(PROFILE, fear={"fears_return": MARKER})})
    client.post("/assess", content=MARKER.encode(), headers={"content-type": "application/json"})
    time.sleep(0.2)
    text = log.read_text(errors="replace")
    assert MARKER not in text
    assert "POST /assess" not in text  # the access log is off


@pytest.mark.slow
def test_assess_answers_the_report_in_html_or_markdown_in_either_language(server):
    client, _ = server
    local = assess(PROFILE, as_of=AS_OF, layers=(LAYER,), engine="compiled")
    book = load_rulesets([LAYER])
    for lang in ("en", "ru"):
        reply = client.post("/assess", json={"profile": PROFILE, "as_of": AS_OF, "engine": "compiled",
                                             "format": "markdown", "lang": lang})
        assert reply.status_code == 200 and reply.headers["content-type"] == "text/markdown; charset=utf-8"
        assert reply.text == render(local, "markdown", lang=lang, book=book)
    reply = client.post("/assess", json={"profile": PROFILE, "as_of": AS_OF, "engine": "compiled", "format": "html",
                                         "lang": "ru", "depth": "full"})
    assert reply.status_code == 200 and reply.headers["content-type"] == "text/html; charset=utf-8"
    expected = render(local, "html", lang="ru", depth="full", book=book, timeline=timeline(
        CaseProfile.model_validate(PROFILE), options=Options(as_of=AS_OF, layers=(LAYER,), engine="compiled")))
    assert reply.text == expected and '<html lang="ru">' in reply.text
    assert reply.headers["content-security-policy"] == REPORT_CSP  # its own: the report's style is inline
    assert _problem(client.post("/assess", json={"profile": PROFILE, "format": "pdf", "lang": "fr"}), 422)["errors"] == [
        {"location": ["body", "format"], "message": "Input should be 'json', 'html' or 'markdown' (got 'pdf')"},
        {"location": ["body", "lang"], "message": "Input should be 'en' or 'ru' (got 'fr')"}]


def test_every_response_has_the_security_headers_and_no_cookie(server):
    client, _ = server
    replies = {
        "json": client.get("/health"), "problem": client.get("/nowhere"),
        "413": client.post("/assess", content=b"x" * (LIMIT + 1)),
        "docs": client.get("/docs"), "redoc": client.get("/redoc"), "asset": client.get("/apidocs/swagger-ui-bundle.js"),
        "openapi": client.get("/openapi.json"),
        "report": client.post("/assess", json={"profile": PROFILE, "as_of": AS_OF, "format": "html", "engine": "compiled"}),
    }
    for name, reply in replies.items():
        assert reply.headers["x-content-type-options"] == "nosniff", name
        assert reply.headers["referrer-policy"] == "no-referrer", name
        assert "set-cookie" not in reply.headers, name
        assert reply.headers.get_list("content-security-policy") == [
            {"redoc": REDOC_CSP, "report": REPORT_CSP}.get(name, CSP)], name
    assert "unsafe-inline" not in CSP and "unsafe-inline" not in replies["docs"].headers["content-security-policy"]
    for page in ("docs", "redoc"):  # every script a file of the package's, none inline
        scripts = re.findall(r"<script\b[^>]*>", replies[page].text)
        assert len(scripts) == 2 and all(re.fullmatch(r'<script src="apidocs/[\w.-]+\.js">', tag) for tag in scripts)
    assert replies["asset"].headers["content-type"].startswith("text/javascript")


# --- in the process: failures of ours ---------------------------------------------------------------------------


def test_a_failure_of_ours_is_a_500_problem_that_says_only_its_kind(monkeypatch):
    from fastapi.testclient import TestClient

    from refugee_rules.frontends import service

    def broken(*args, **kwargs):
        raise RuntimeError(f"something about {MARKER}")

    monkeypatch.setattr(service, "assess", broken)
    monkeypatch.setattr(service, "default_engine", broken)  # outside any handler of ours: the last resort answers
    client = TestClient(create_app(), raise_server_exceptions=True)  # an exception escaping the app fails the test
    for reply in (client.post("/assess", json={"profile": PROFILE}), client.get("/health")):
        body = _problem(reply, 500)
        assert body["detail"] == "Internal error (RuntimeError)." and body["errors"] == []
        assert MARKER not in reply.text and reply.headers["content-security-policy"] == CSP


def test_a_mounted_routers_http_exception_is_a_problem_with_its_detail():
    from fastapi import HTTPException
    from fastapi.testclient import TestClient

    wrapped = create_app()
    app = wrapped.app.app.app  # inside the security headers, the last resort and the body limit

    @app.get("/mounted/{name}")
    def mounted(name: str) -> None:
        raise HTTPException(status_code=404, detail="no such finding" if name == "said" else None)

    client = TestClient(wrapped)
    assert _problem(client.get("/mounted/said"), 404)["detail"] == "no such finding"
    assert _problem(client.get("/mounted/unsaid"), 404)["detail"].startswith("There is nothing at this path")


def test_a_library_problem_line_becomes_a_location_and_a_message():
    from refugee_rules.frontends.service import problem_item

    def item(line):
        found = problem_item(line)
        return found.location, found.message

    assert item("jurisdiction: expected one of EU or none, got 'Mars'") == (
        ["body", "jurisdiction"], "expected one of EU or none, got 'Mars'")
    assert item("profile: (top level): the document has more than 100000 values") == (
        ["body", "profile"], "the document has more than 100000 values")
    assert item("profile: legal_cases[2].stage: nested more than 32 levels deep") == (
        ["body", "profile", "legal_cases", 2, "stage"], "nested more than 32 levels deep")
    assert item("(body): not valid JSON") == (["body"], "not valid JSON")
    assert item("a line naming no field") == (["body"], "a line naming no field")
    assert item("fear.a b: unknown field") == (["body"], "fear.a b: unknown field")  # not a path: said whole


def test_a_body_not_received_in_time_is_a_408_problem(monkeypatch):
    import asyncio

    from refugee_rules.frontends import service

    monkeypatch.setattr(service, "BODY_SECONDS", 0.05)

    async def stalled():
        await asyncio.sleep(10)

    async def never_called(scope, receive, send):
        raise AssertionError("the app was called")

    sent = []

    async def send(message):
        sent.append(message)

    asyncio.run(service.BodyLimit(never_called, 100)({"type": "http", "headers": []}, stalled, send))
    assert sent[0]["status"] == 408 and json.loads(sent[1]["body"])["errors"] == [
        {"location": ["body"], "message": "not received in time"}]


def test_the_last_resort_answers_an_exception_that_escaped_everything():
    import asyncio

    async def app(scope, receive, send):
        raise ValueError(MARKER)

    sent = []

    async def send(message):
        sent.append(message)

    asyncio.run(LastResort(app)({"type": "http"}, None, send))
    assert sent[0]["status"] == 500 and (b"content-type", b"application/problem+json") in sent[0]["headers"]
    assert json.loads(sent[1]["body"])["detail"] == "Internal error (ValueError)." and MARKER.encode() not in sent[1]["body"]


# --- the API documentation in a browser ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.skip("no Chromium installed (Debian: apt-get install -y chromium); /docs and /redoc were not checked")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install -e '.[dev]'); /docs and /redoc were not checked")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, url: str, ready: str, policy: str | None = None) -> tuple[Any, list[str], list[str], float]:
    """Open a page and wait for ``ready``; (page, every URL it asked for, console messages, seconds to ready).
    ``policy`` replaces the page's Content-Security-Policy (to measure what it needs)."""
    page = browser.new_page()
    asked: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.on("console", lambda m: console.append(m.text))
    if policy is not None:
        def replace(route):
            response = route.fetch()
            route.fulfill(response=response, headers={**response.headers, "content-security-policy": policy})

        page.route(url, replace)
    started = time.monotonic()
    page.goto(url)
    try:
        page.wait_for_selector(ready, timeout=20_000 if policy is None else 2_500)  # it renders in about 1 s
    except Exception:
        if policy is None:
            raise
    return page, asked, console, time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("path, ready, operation", [("/docs", ".opblock", ".opblock"),
                                                     ("/redoc", "[data-section-id]", "[data-section-id^='operation/']")])
def test_the_api_documentation_renders_offline_under_its_policy(server, browser, path, ready, operation):
    client, _ = server
    base = str(client.base_url).rstrip("/")
    page, asked, console, seconds = _open(browser, base + path, ready)
    page.wait_for_timeout(500)  # anything the page would fetch after rendering
    assert page.locator(operation).count() == 8, page.content()[:500]  # every operation of the OpenAPI
    foreign = [u for u in asked if not (u.startswith(base + "/") or u.startswith("blob:" + base + "/"))]
    assert foreign == []
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m], console
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"service-{path.strip('/')}.png"))
    print(f"{path}: ready in {seconds:.2f} s, {len(asked)} requests")
    if path == "/docs":  # "Try it out" posts the example profile from the page, under its policy
        operation = "#operations-assessment-assess"
        page.click(f"{operation} .opblock-summary")
        page.click(f"{operation} .try-out__btn")
        page.click(f"{operation} .execute")
        status = page.wait_for_selector(f"{operation} .live-responses-table tbody .response-col_status", timeout=60_000)
        assert status.inner_text().startswith("200")
        assert console == [] and all(u.startswith(base + "/") for u in asked)
    page.close()


@pytest.mark.slow
def test_redoc_needs_its_two_exceptions_and_swagger_ui_none(server, browser):
    """Measured, so the exceptions stay as small as they can be: ReDoc without inline styles does not render at
    all, and without blob workers it has no search; Swagger UI renders under the strict policy itself."""
    client, _ = server
    base = str(client.base_url).rstrip("/")
    page, _, console, _ = _open(browser, base + "/redoc", "[data-section-id]", policy=CSP + "; worker-src blob:")
    assert page.locator("[data-section-id]").count() == 0 and any("inline style" in m for m in console)
    page.close()
    page, _, console, _ = _open(browser, base + "/redoc", "[data-section-id]",
                                policy=CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"))
    assert page.locator("[data-section-id]").count() > 0 and any("worker" in m for m in console)
    page.close()
    page, _, console, _ = _open(browser, base + "/redoc", "[data-section-id]")
    page.fill("input[placeholder='Search...']", "impact")
    page.wait_for_selector("[role=search] li", timeout=10_000)  # the search worker answers
    assert console == []
    page.close()
