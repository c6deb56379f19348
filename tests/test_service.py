"""The HTTP service, tested against a real uvicorn on 127.0.0.1 with an HTTP client, including concurrent requests."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from refugee_rules import CaseProfile, assess, load_rulesets
from refugee_rules.result.catalogue import Catalogue
from refugee_rules.result.compact import CompactAssessment

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "examples" / "layers" / "example-ngo-referral"
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
    assert client.get("/docs").status_code == 200


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


def test_invalid_input_is_422_with_field_paths(server):
    client, _ = server
    reply = client.post("/assess", json={"profile": {"nationalites": ["RU"], "fear": {"fears_return": "perhaps"}},
                                         "as_of": "2024-13-01", "engine": "quantum"})
    assert reply.status_code == 422
    body = reply.json()
    assert body["error"] == "ProfileError"
    paths = {line.split(":", 1)[0] for line in body["problems"]}
    assert {"profile.nationalites", "profile.fear.fears_return", "as_of", "engine"} <= paths
    assert any("did you mean 'nationalities'" in line for line in body["problems"])
    assert client.post("/assess", content=b"{not json", headers={"content-type": "application/json"}).json() == {
        "error": "ProfileError", "problems": ["(body): not valid JSON"]}
    assert client.post("/assess", json={"as_of": AS_OF}).status_code == 422
    reply = client.post("/assess", json={"profile": PROFILE, "jurisdiction": "Mars"})
    assert reply.status_code == 422 and reply.json()["problems"][0].startswith("jurisdiction:")


def test_a_request_over_the_size_limit_is_refused_before_parsing(server):
    client, _ = server
    big = {"profile": dict(PROFILE, notes="x" * (LIMIT + 10))}
    reply = client.post("/assess", json=big)
    assert reply.status_code == 413 and reply.json()["error"] == "RequestTooLarge"

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for _ in range(LIMIT // 10_000 + 2):
            yield b" " * 10_000

    reply = client.post("/assess", content=chunks(), headers={"content-type": "application/json"})
    assert reply.status_code == 413


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
    assert client.get("/schema/profile").json() == CaseProfile.model_json_schema()
    assert client.get("/schema/assessment").json() == CompactAssessment.model_json_schema()
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
