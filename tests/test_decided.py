"""Decide per case, explain per distinct variant: a batch line written from a case's decisions alone is the same
bytes as its explained assessment's JSON, whatever the memo holds, on both engines, with and without layers."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from refugee_rules.assessor import Assessor
from refugee_rules.engine import durable_available
from refugee_rules.options import Options

from .strategies import AS_OF_DATES, any_flat_profiles, examples, nest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from caseload import caseload  # noqa: E402

ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
OPTIONS = {
    "plain": {},
    "EU layer": {"jurisdiction": "EU"},
    "custom layer": {"layers": (str(ROOT / "examples" / "layers" / "example-ngo-referral"),)},
}
_PAIRS: dict[tuple[str, str], tuple[Assessor, Assessor]] = {}


def pair(engine: str, options: str) -> tuple[Assessor, Assessor]:
    """(a warm Assessor that keeps its memos across examples, a cold one cleared before each case)."""
    key = (engine, options)
    if key not in _PAIRS:
        chosen = Options(engine=engine, **OPTIONS[options])  # type: ignore[arg-type]
        warm = Assessor(chosen)
        _PAIRS[key] = (warm, Assessor(chosen, warm.book))
    return _PAIRS[key]


def explained(cold: Assessor, profile: dict, day: dt.date) -> bytes:
    cold.clear_memos()
    return cold.assess(profile, as_of=day).to_json().encode()


@pytest.mark.parametrize("options", list(OPTIONS))
@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat=any_flat_profiles, as_of=AS_OF_DATES)
def test_a_decided_line_is_the_explained_assessments_json(engine: str, options: str, flat: dict, as_of: dt.date) -> None:
    warm, cold = pair(engine, options)
    profile = nest(flat)
    assert warm.decide(profile, as_of=as_of).to_json() == explained(cold, profile, as_of)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
def test_decisions_shared_across_a_caseload_stay_exact(engine: str) -> None:
    """Late in a caseload most decisions come from the memo; each line still equals a cold explanation's."""
    warm, cold = pair(engine, "plain")
    day = dt.date(2024, 3, 1)
    profiles = list(caseload(600 if engine == "compiled" else 150, seed=7))
    before = warm.memos.decisions.computed
    decided = [warm.decide(p, as_of=day) for p in profiles]
    lines = [d.to_json() for d in decided]
    made, used = warm.memos.decisions.computed - before, sum(len(d.decisions) for d in decided)
    assert made < used / 8, (made, used)  # most come from the memo: the point of deciding per variant (~6 %)
    for i in range(0, len(profiles), 25):
        assert lines[i] == explained(cold, profiles[i], day), profiles[i]["case_ref"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_dataset_only_destination_is_decided_on_the_documents_held(engine: str) -> None:
    """The Passport Index rules of a destination no regime file covers (Brazil) read the documents held as well as
    the dataset's row: two cases differing only in the passport held get their own decision, also from a warm memo."""
    warm, cold = pair(engine, "plain")
    day = dt.date(2024, 3, 1)
    answers = set()
    for held in (True, False, True):
        profile = {"nationalities": ["RU"], "destinations": ["BR"], "location": {"country": "GE"},
                   "documents": {"travel_passport": {"held": held}, "residence_permits": []}}
        decided = warm.decide(profile, as_of=day)
        assert decided.to_json() == explained(cold, profile, day)
        answers.add((held, next(d.answer for d in decided.decisions if d.id == "regime.br.entry.passport_index")))
    assert len({answer for _, answer in answers}) == 2, answers  # the passport held decides it
