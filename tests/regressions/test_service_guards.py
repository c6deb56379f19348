"""Issue 17, the service: the CLI's input guard, bounded error answers, a deadline for bodies, no impossible sizes."""

from __future__ import annotations

import asyncio
import json

import pytest

pytest.importorskip("fastapi")
from starlette.testclient import TestClient  # noqa: E402

from refugee_rules.errors import ProfileError  # noqa: E402
from refugee_rules.frontends import service  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(service.create_app()) as c:
        yield c


def test_service_applies_the_profile_size_guard_and_bounds_its_422(client):
    deep: dict = {}
    node = deep
    for _ in range(60):
        node["x"] = {}
        node = node["x"]
    answer = client.post("/assess", json={"profile": deep})
    assert answer.status_code == 422 and "nested more than" in answer.text
    wide = {"profile": {f"field_{i}": "v" * 50 for i in range(5000)}}  # ~400 kB of unknown fields
    answer = client.post("/assess", json=wide)
    # bounded (the unbounded answer was 7 MB): 50 problems, each with its location as a list (RFC 9457, issue 16)
    assert answer.status_code == 422 and len(answer.content) < 24_000
    assert len(answer.json()["errors"]) == service.MAX_PROBLEMS and "4950 more not listed" in answer.json()["detail"]


def test_service_rejects_an_impossible_body_limit_and_port():
    with pytest.raises(ProfileError, match="max_body_bytes"):
        service.create_app(max_body_bytes=-1)
    with pytest.raises(ProfileError, match="port"):
        service.serve(port=99999)


def test_a_stalled_request_body_is_answered_408(monkeypatch):
    monkeypatch.setattr(service, "BODY_SECONDS", 0.2)
    sent: list[dict] = []

    async def app(scope, receive, send):  # never reached
        raise AssertionError("the app saw a body that never arrived")

    async def receive():
        await asyncio.sleep(3600)

    async def send(message):
        sent.append(message)

    asyncio.run(service.BodyLimit(app, 1000)({"type": "http", "headers": []}, receive, send))
    assert sent[0]["status"] == 408 and "not received within" in json.loads(sent[1]["body"])["detail"]
