"""Thread and process safety: 8 threads x 500 assessments give exactly the sequential results, on each backend,
and a process pool does too.

The 8 x 500 runs use a small ruleset written here (every kind of test the engine knows: equality, list
membership, records, counts, comparing two facts, chaining, an exception), so 4,000 assessments per backend
stay quick; a second run uses the built-in rulesets with fewer assessments. Results are compared as full
JSON, trace and explanations included.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from refugee_rules import assess
from refugee_rules.engine import durable_available

AS_OF = "2024-03-01"
THREADS = 8
PER_THREAD = 500
BACKENDS = ["compiled", "durable"] if durable_available() else ["compiled"]

RULESET = {
    "ruleset": "concurrency-test", "title": "small ruleset for the concurrency tests", "version": "1",
    "findings": [
        {"id": "outside", "kind": "element", "title": "Outside", "asks": "Outside?", "group": "t"},
        {"id": "fears", "kind": "element", "title": "Fears", "asks": "Fears?", "group": "t", "role": "intermediate"},
        {"id": "case_open", "kind": "element", "title": "Case open", "asks": "Case?", "group": "t"},
        {"id": "one_nationality", "kind": "element", "title": "One nationality", "asks": "One?", "group": "t"},
        {"id": "overall", "kind": "element", "title": "Overall", "asks": "All?", "group": "t", "role": "inclusion"},
    ],
    "rules": [
        {"id": "outside.rule", "concludes": {"finding": "outside", "answer": "met"},
         "when": {"all": [{"fact": "nationalities", "empty": False},
                          {"fact": "location.country", "not_in_fact": "nationalities"}]},
         "because": "Outside the country of nationality.", "cite": [{"source": "test-source", "pinpoint": "§1"}]},
        {"id": "fears.rule", "concludes": {"finding": "fears", "answer": "met"},
         "when": {"fact": "fear.fears_return", "eq": True}, "because": "Fears.", "cite": [{"source": "test-source", "pinpoint": "§2"}]},
        {"id": "case.rule", "concludes": {"finding": "case_open", "answer": "met"},
         "when": {"fact": "legal_cases", "any_item": {"based_on_protected_conduct": True, "stage": {"in": ["charged", "trial"]}}},
         "because": "A case.", "cite": [{"source": "test-source", "pinpoint": "§3"}]},
        {"id": "one.rule", "concludes": {"finding": "one_nationality", "answer": "met"},
         "when": {"fact": "nationalities", "count_eq": 1}, "because": "One.", "cite": [{"source": "test-source", "pinpoint": "§4"}]},
        {"id": "overall.rule", "concludes": {"finding": "overall", "answer": "met"},
         "when": {"all": [{"finding": "outside", "is": "met"}, {"finding": "fears", "is": "met"},
                          {"any": [{"finding": "case_open", "is": "met"}, {"fact": "fear.harm_likely", "eq": True}]}]},
         "because": "All.", "cite": [{"source": "test-source", "pinpoint": "§5"}]},
        {"id": "overall.exception", "exception_to": "overall.rule", "concludes": {"finding": "overall", "answer": "not_met"},
         "when": {"not": {"finding": "one_nationality", "is": "met"}},
         "because": "More than one nationality.", "cite": [{"source": "test-source", "pinpoint": "§6"}]},
    ],
}
SOURCES = [{"id": "test-source", "kind": "element", "title": "Test source", "kind": "guidance"}]


@pytest.fixture(scope="module")
def small_rulesets(tmp_path_factory) -> tuple[str, ...]:
    d = tmp_path_factory.mktemp("rulesets")
    (d / "sources.yaml").write_text(yaml.safe_dump(SOURCES), encoding="utf-8")
    (d / "test.yaml").write_text(yaml.safe_dump(RULESET), encoding="utf-8")
    return (str(d),)


def _profiles(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        p: dict = {"case_ref": f"p{i}"}
        if rng.random() < 0.8:
            p["nationalities"] = rng.sample(["RU", "UA", "BY", "KZ"], rng.choice([0, 1, 1, 2]))
        if rng.random() < 0.8:
            p["location"] = {"country": rng.choice(["RU", "KZ", "GE", "AM", "DE"])}
        if rng.random() < 0.8:
            p["fear"] = {k: rng.choice([True, False, "unknown"]) for k in ("fears_return", "harm_likely") if rng.random() < 0.7}
        if rng.random() < 0.6:
            p["legal_cases"] = [{"stage": rng.choice(["threatened", "charged", "trial", "closed"]),
                                 "based_on_protected_conduct": rng.choice([True, False])} for _ in range(rng.choice([0, 1, 2]))]
        out.append(p)
    return out


def _run(profile: dict, engine: str, rulesets: tuple[str, ...] | None) -> str:
    return assess(profile, as_of=AS_OF, engine=engine, rulesets=rulesets).model_dump_json()


def _in_threads(jobs: list[tuple[int, dict]], engine: str, rulesets: tuple[str, ...] | None) -> dict[int, str]:
    """Each thread takes its own slice; all start together so their assessments interleave."""
    results: dict[int, str] = {}
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()

    def worker(slice_: list[tuple[int, dict]]) -> None:
        barrier.wait()
        for key, profile in slice_:
            text = _run(profile, engine, rulesets)
            with lock:
                results[key] = text

    slices = [jobs[t::THREADS] for t in range(THREADS)]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for f in [pool.submit(worker, s) for s in slices]:
            f.result()
    return results


@pytest.mark.slow
@pytest.mark.parametrize("engine", BACKENDS)
def test_eight_threads_of_500_assessments_equal_the_sequential_results(engine, small_rulesets):
    profiles = _profiles(THREADS * PER_THREAD, seed=7)
    sequential = {i: _run(p, engine, small_rulesets) for i, p in enumerate(profiles)}
    statuses = {json.loads(t)["outcome"]["status"] for t in sequential.values()}
    assert len(statuses) >= 3  # the profiles exercise met, not met and undetermined outcomes
    threaded = _in_threads(list(enumerate(profiles)), engine, small_rulesets)
    assert len(threaded) == THREADS * PER_THREAD
    assert threaded == sequential


@pytest.mark.parametrize("engine", BACKENDS)
def test_threads_on_the_built_in_rulesets_equal_the_sequential_results(engine):
    profiles = _profiles(THREADS * 6, seed=11)
    sequential = {i: _run(p, engine, None) for i, p in enumerate(profiles)}
    assert _in_threads(list(enumerate(profiles)), engine, None) == sequential


def _chunk(args: tuple[list[dict], str, tuple[str, ...] | None]) -> list[str]:
    profiles, engine, rulesets = args
    return [_run(p, engine, rulesets) for p in profiles]


@pytest.mark.parametrize("start", ["fork", pytest.param("spawn", marks=pytest.mark.slow)])
def test_a_process_pool_gives_the_sequential_results(start, small_rulesets):
    profiles = _profiles(400, seed=13)
    jobs = [(profiles[i::4], engine, small_rulesets) for engine in BACKENDS for i in range(4)]
    sequential = [_chunk(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context(start)) as pool:
        assert list(pool.map(_chunk, jobs)) == sequential


@pytest.mark.slow
def test_both_backends_agree_on_the_threaded_run(small_rulesets):
    if len(BACKENDS) < 2:
        pytest.skip("durable-rules is not importable here")
    profiles = _profiles(400, seed=17)
    compiled = _in_threads(list(enumerate(profiles)), "compiled", small_rulesets)
    durable = _in_threads(list(enumerate(profiles)), "durable", small_rulesets)
    strip = lambda t: {k: v for k, v in json.loads(t).items() if k != "metadata"}  # noqa: E731
    assert {k: strip(v) for k, v in compiled.items()} == {k: strip(v) for k, v in durable.items()}
