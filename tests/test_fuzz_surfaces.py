"""The surfaces beyond a profile, fuzzed: the HTTP service (bodies, headers, sizes, slow clients; loopback only),
custom layers (rule files and their templates) and batch under interruption (kill -9 at random points, then
--resume, byte for byte the uninterrupted output).

`make test` runs a small share (tests/strategies.examples); `make fuzz` runs FUZZ_EXAMPLES (10,000) of each.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import socket
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import RulesetError, assess, load_rulesets
from refugee_rules.case.facts import catalogue
from refugee_rules.engine import ENGINES
from refugee_rules.law.kinds import KINDS
from refugee_rules.law.templates import ExplanationTemplate
from refugee_rules.tasks import batch
from refugee_rules.views.report import render

from . import batch_zygote
from .strategies import any_flat_profiles, examples, nest, scalar
from .test_service import running_service

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or examples(160))  # make test: 4; make check: 160
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
AS_OF = "2024-03-01"
PATHS = sorted(p for p in catalogue() if p != "as_of")


# --- the HTTP service, on the loopback only ------------------------------------------------------------------------

LIMIT = 20_000


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    """A real server on 127.0.0.1, a port of its own, a small body limit; (port, log)."""
    log = tmp_path_factory.mktemp("fuzz-service") / "server.log"
    with running_service(log, "--max-body-bytes", str(LIMIT)) as port:
        yield port, log


def _exchange(port: int, request: bytes, timeout: float = 60, half_close: bool = False) -> bytes:
    """Send raw bytes and read until the server closes (every request says Connection: close); what came back.
    ``half_close`` ends our side after sending, for a request whose framing headers were fuzzed: the server then
    sees the end of the body it may still wait for (uvicorn answers nothing to a request so cut, which is allowed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
        try:
            conn.sendall(request)
            if half_close:
                conn.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):  # the server refused it early (413 on Content-Length)
            pass
        chunks = []
        try:
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def _status(reply: bytes) -> int | None:
    found = re.match(rb"HTTP/1\.[01] (\d{3}) ", reply)
    return int(found.group(1)) if found else None


def _healthy(port: int) -> None:
    reply = _exchange(port, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", timeout=30)
    assert _status(reply) == 200, reply[:300]


def _request(path: str, body: bytes, headers: dict[bytes, bytes]) -> bytes:
    head = {b"Host": b"127.0.0.1", b"Connection": b"close", b"Content-Type": b"application/json",
            b"Content-Length": str(len(body)).encode()}
    head.update(headers)
    lines = b"".join(k + b": " + v + b"\r\n" for k, v in head.items())
    return b"POST " + path.encode() + b" HTTP/1.1\r\n" + lines + b"\r\n" + body


json_junk = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30)),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(max_size=10), children, max_size=5)),
    max_leaves=20)
bodies = st.one_of(
    any_flat_profiles.map(lambda flat: json.dumps({"profile": nest(flat), "as_of": AS_OF}, default=str).encode()),
    json_junk.map(lambda j: json.dumps({"profile": j}).encode()),
    json_junk.map(lambda j: json.dumps(j).encode()),
    st.binary(max_size=300),
    st.integers(LIMIT - 50, LIMIT + 50).map(lambda n: b'{"profile": {"case_ref": "' + b"x" * n + b'"}}'),
    st.just(b'{"profile": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    st.just(b'{"profile": {"nationalities": ["RU"], "nationalities": ["KZ"]}}'),
)
header_junk = st.dictionaries(
    st.sampled_from([b"Content-Type", b"Content-Length", b"Transfer-Encoding", b"Expect", b"Accept", b"X-\xff",
                     b"Content-Encoding", b"Host"]),
    st.one_of(st.sampled_from([b"application/json", b"text/plain", b"application/x-yaml", b"-1", b"99999999999",
                               b"0", b"chunked", b"gzip", b"100-continue", b"\xff\xfe", b"a" * 9000]),
              st.binary(max_size=20).filter(lambda b: b"\r" not in b and b"\n" not in b)),
    max_size=3)


@FUZZ
@given(path=st.sampled_from(["/assess", "/questions", "/compare", "/assess?detail=full", "/nowhere"]), body=bodies,
       headers=header_junk)
def test_the_service_answers_any_body_and_headers_without_a_server_error(service, path, body, headers):
    port, log = service
    framing = {b"Content-Length", b"Transfer-Encoding", b"Expect"} & set(headers)
    reply = _exchange(port, _request(path, body, headers), half_close=bool(framing))
    status = _status(reply)
    assert status is None or status < 500, reply[:500]  # a malformed request may be dropped; never a 500
    if status is not None and status >= 400 and status != 400:  # 400: uvicorn's own, for a request it cannot parse
        head, _, content = reply.partition(b"\r\n\r\n")
        assert b"\r\ncontent-type: application/problem+json" in head.lower(), reply[:500]
        if b"\r\ntransfer-encoding: chunked" not in head.lower():
            assert json.loads(content)["status"] == status  # one error shape everywhere
    if status is not None and len(body) > LIMIT and not headers and path != "/nowhere":
        assert status == 413, reply[:300]
    _healthy(port)
    assert b"Traceback" not in log.read_bytes()


@settings(max_examples=max(2, EXAMPLES // 50), deadline=None, suppress_health_check=list(HealthCheck))
@given(stalled=st.integers(1, 40), sent=st.sampled_from(["nothing", "head", "half-body"]))
def test_slow_clients_do_not_stop_the_service_answering(service, stalled, sent):
    """Connections that stall (no request, a head without its body, half a body) hold no one else up; bounded: at
    most 40 of them, for as long as one request takes."""
    port, _ = service
    body = json.dumps({"profile": {"nationalities": ["RU"]}, "as_of": AS_OF}).encode()
    partial = {"nothing": b"", "head": _request("/assess", body, {})[:40],
               "half-body": _request("/assess", body, {})[:-len(body) // 2]}[sent]
    held = []
    try:
        for _ in range(stalled):
            conn = socket.create_connection(("127.0.0.1", port), timeout=30)
            if partial:
                conn.sendall(partial)
            held.append(conn)
        started = time.monotonic()
        reply = _exchange(port, _request("/assess", body, {}), timeout=60)
        assert _status(reply) == 200, reply[:300]
        assert time.monotonic() - started < 30
    finally:
        for conn in held:
            conn.close()


# --- custom layers: rule files and templates ----------------------------------------------------------------------

TEMPLATE_PIECES = [
    "plain words", "{{ fear.fears_return }}", "{{ location.country | country_name }}", "{{ nationalities | join(', ') }}",
    "{{ 9 ** 9 ** 10 }}", "{{ 2 ** 64 }}", "{{ 'a' * 999999 }}", "{{ [1] * 999999 }}", "{% for i in range(10 ** 9) %}x{% endfor %}",
    "{% for i in range(3) %}{% for j in range(3) %}{% for k in range(3) %}.{% endfor %}{% endfor %}{% endfor %}",
    "{{ ''.__class__.__mro__ }}", "{{ self }}", "{{ lipsum() }}", "{{ cycler }}", "{{ namespace(a=1) }}",
    "{{ fear.agents | list | length }}", "{{ legal_cases[0].stage }}", "{{ x.y.z }}", "{{ 1 / 0 }}", "{{ none + 1 }}",
    "{{", "{% if %}", "{% endfor %}", "{# a comment #}", "{{ '%s' % fear }}", "{{ fear | tojson }}", "{{ '{{' }}",
    "{% set n = 10 %}{{ n * n }}", "{{ range(5) | list }}", "{{ (1, 2) | sum }}", "{{ 'x' | format_map }}",
    "\u202e\x1b[31m", "{{ location.country | yes_no }}", "{{ location.since | string | upper }}",
]
templates = st.lists(st.sampled_from(TEMPLATE_PIECES), min_size=1, max_size=4).map(" ".join)


@FUZZ
@given(source=templates, flat=any_flat_profiles)
def test_a_layer_template_is_refused_at_load_or_renders_a_bounded_line(source, flat):
    try:
        template = ExplanationTemplate(source)
    except Exception as e:  # the lint's error, reported as a problem of the layer
        assert type(e).__name__ in ("TemplateSyntaxError", "SecurityError"), repr(e)
        return
    started = time.monotonic()
    text = template.render(**nest(flat))
    assert isinstance(text, str) and len(text) <= 5_000_000
    assert time.monotonic() - started < 20
    assert "<class 'object'>" not in text  # the sandbox refused ''.__class__.__mro__


BASE_SOURCES = "- {id: s, title: S, kind: instrument}\n"
BASE_RULES = yaml.safe_dump({
    "ruleset": "fuzz-base", "title": "fuzz base", "version": "1",
    "findings": [{"id": "base.f", "kind": "element", "title": "F", "asks": "A?", "group": "g"}],
    "rules": [{"id": "base.r", "concludes": {"finding": "base.f", "answer": "met"},
               "when": {"fact": "fear.fears_return", "eq": True}, "because": "b", "cite": [{"source": "s", "pinpoint": "p"}]}],
})

SPECS = catalogue()


@st.composite
def good_leaf(draw: st.DrawFn) -> dict:
    """A leaf that fits its fact's kind (so the layer loads and the engines run it)."""
    if draw(st.integers(0, 5)) == 0:
        return {"finding": draw(st.sampled_from(["base.f", "fz.f0"])), "is": draw(st.sampled_from(["met", "not_met"]))}
    spec = SPECS[draw(st.sampled_from(PATHS))]
    if spec.kind == "items":
        name = draw(st.sampled_from(sorted(spec.item_fields)))
        return {"fact": spec.path, draw(st.sampled_from(["any_item", "no_item"])): {name: draw(scalar(spec.item_fields[name]))}}
    if spec.kind == "list":
        assert spec.element is not None
        return {"fact": spec.path, draw(st.sampled_from(["contains", "not_contains"])): draw(scalar(spec.element))}
    if spec.kind in ("number", "date") and draw(st.booleans()):
        return {"fact": spec.path, draw(st.sampled_from(["gt", "lte"])): draw(scalar(spec))}
    return {"fact": spec.path, draw(st.sampled_from(["eq", "ne"])): draw(scalar(spec))}


bad_leaf = st.one_of(
    st.builds(lambda p, v: {"fact": p, "eq": v}, st.sampled_from(PATHS), st.one_of(st.booleans(), st.integers(0, 9), st.text(max_size=5))),
    st.builds(lambda p, v: {"fact": p, "gt": v}, st.sampled_from(PATHS), st.integers(-1, 30)),
    st.builds(lambda f, a: {"finding": f, "is": a}, st.sampled_from(["nope", "fz.f9"]), st.sampled_from(["met", "x"])),
    st.dictionaries(st.sampled_from(["fact", "eq", "any_item", "when", "not"]), json_junk, max_size=2),
)


def conditions(leaves: st.SearchStrategy[dict]) -> st.SearchStrategy[dict]:
    return st.recursive(leaves, lambda c: st.one_of(
        st.builds(lambda x: {"all": x}, st.lists(c, min_size=1, max_size=3)),
        st.builds(lambda x: {"any": x}, st.lists(c, min_size=1, max_size=3)),
        st.builds(lambda x: {"not": x}, c)), max_leaves=6)


CONCLUDED_KINDS = sorted(k for k in KINDS if k != "claim")  # a claim needs its source's doubt: not generated


@st.composite
def layer_files(draw: st.DrawFn) -> str:
    """A layer's rule file as text: three in four well-formed (so the engines run it), the rest damaged."""
    valid = draw(st.integers(0, 3)) > 0
    findings = [{"id": f"fz.f{i}", "kind": draw(st.sampled_from(CONCLUDED_KINDS)), "title": f"Question {i}?", "asks": "A?",
                 "group": "fz"} for i in range(draw(st.integers(1, 3)))]
    rules = []
    for i in range(draw(st.integers(1, 6))):
        finding = draw(st.sampled_from(findings))
        kind = KINDS[finding["kind"]]  # what a rule may conclude (a risk is flagged or left unsaid)
        words = list(kind.positive if kind.name == "risk" else kind.concludable)
        rule = {"id": f"fz.r{i}", "concludes": {"finding": finding["id"], "answer": draw(st.sampled_from(words))},
                "when": draw(conditions(good_leaf() if valid else st.one_of(good_leaf(), bad_leaf))),
                "because": draw(templates), "cite": [{"source": "s", "pinpoint": "p"}]}
        rules.append(rule)
    doc = {"ruleset": "fz", "title": "fuzzed layer", "version": "1", "findings": findings, "rules": rules}
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    if valid:
        return text
    damage = draw(st.sampled_from(["leaves", "answer", "cite", "cut", "duplicate", "alias-bomb", "junk", "tab"]))
    if damage == "answer":
        text = text.replace("answer: ", "answer: bogus_", 1)
    elif damage == "cite":
        text = text.replace("source: s", "source: missing", 1)
    elif damage == "cut":
        text = text[:draw(st.integers(0, len(text)))]
    elif damage == "duplicate":
        text += "ruleset: again\n"
    elif damage == "alias-bomb":
        text = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n" \
               "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e]\n" + text
    elif damage == "junk":
        text = draw(st.text(max_size=200))
    elif damage == "tab":
        text = text.replace("  ", "\t", 1)
    return text


@FUZZ
@given(text=layer_files(), flat=any_flat_profiles, engine=st.sampled_from(ENGINES))
def test_a_fuzzed_layer_is_a_load_error_or_answers_every_assessment(tmp_path_factory, text, flat, engine):
    """Over a one-rule base (so each example loads in milliseconds), a layer either fails to load with a
    RulesetError naming its problems, or every assessment with it answers, on both engines alike, and renders."""
    root = tmp_path_factory.mktemp("layer")
    base, layer = root / "base", root / "fz"
    base.mkdir()
    layer.mkdir()
    (base / "sources.yaml").write_text(BASE_SOURCES, encoding="utf-8")
    (base / "base.yaml").write_text(BASE_RULES, encoding="utf-8")
    (layer / "rules.yaml").write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        load_rulesets([layer], rulesets=(base,))
    except RulesetError as e:
        assert e.problems and all(isinstance(p, str) and p for p in e.problems)
        assert "Traceback" not in str(e)
        return
    started = time.monotonic()
    result = assess(nest(flat), as_of=AS_OF, engine=engine, rulesets=(base,), layers=(layer,))
    other = assess(nest(flat), as_of=AS_OF, engine="compiled", rulesets=(base,), layers=(layer,))
    assert [(f.id, f.answer) for f in result.findings] == [(f.id, f.answer) for f in other.findings]
    for fmt in ("text", "markdown", "html"):
        assert render(result, fmt)
    assert time.monotonic() - started < 60


# --- batch under interruption ---------------------------------------------------------------------------------------

BROKEN = object()  # a line that is not JSON
records = st.lists(st.one_of(any_flat_profiles.map(nest), st.just(BROKEN), json_junk), min_size=1, max_size=12)


def _write_jsonl(path: Path, items: list) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(("{broken" if item is BROKEN else json.dumps(item, default=str)) + "\n")


def _killed_run(source: Path, out: Path, fmt: str, engine: str, resume: bool, lines: int, delay: float) -> None:
    """batch.run in a child of the fork server (rules loaded, durable-rules never run: what a fresh command-line
    ``batch`` is), killed with SIGKILL once ``out`` holds ``lines`` lines and ``delay`` seconds more have passed —
    or left to finish."""
    child = batch_zygote.context().Process(target=batch_zygote.run, args=(source, out, AS_OF, fmt, engine, resume))
    child.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if not child.is_alive():
            child.join()
            assert child.exitcode == 0, f"the batch child failed (exit {child.exitcode})"
            return
        if out.exists() and out.read_bytes().count(b"\n") >= lines:
            time.sleep(delay)
            break
        time.sleep(0.001)
    child.kill()
    child.join()


@pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(), reason="needs the fork server")
@FUZZ
@given(items=records, fmt=st.sampled_from(["json", "summary-csv"]), engine=st.sampled_from(ENGINES),
       kills=st.lists(st.tuples(st.integers(0, 12), st.floats(0, 0.02)), min_size=1, max_size=3))
def test_batch_killed_at_random_points_and_resumed_is_byte_for_byte_the_uninterrupted_run(
        tmp_path_factory, items, fmt, engine, kills):
    folder = tmp_path_factory.mktemp("killed")
    source = folder / "in.jsonl"
    _write_jsonl(source, items)
    batch.run(source, folder / "whole", as_of=AS_OF, engine=engine, fmt=fmt)
    out = folder / "out"
    for number, (lines, delay) in enumerate(kills):
        _killed_run(source, out, fmt, engine, resume=number > 0, lines=lines, delay=delay)
    counts = batch.run(source, out, as_of=AS_OF, engine=engine, fmt=fmt, resume=True)
    assert out.read_bytes() == (folder / "whole").read_bytes()
    assert counts.skipped + counts.read == len(items)
