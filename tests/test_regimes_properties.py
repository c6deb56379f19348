"""Properties of the regime rulesets over generated profiles and a grid of dates, on both engines."""

from __future__ import annotations

import datetime as dt
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import assess
from refugee_rules.law.kinds import KINDS
from refugee_rules.engine import durable_available
from refugee_rules.api import load_rulesets

from .strategies import any_flat_profiles, examples, nest

SETTINGS = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
BOOK = load_rulesets()
REGIME_RULES = [r for r in BOOK.rules.values() if r.id.startswith("regime.")]
# Every month from 2022-01 to 2026-06, plus each rule's date bounds and the days either side of them.
_BOUNDS = {b.date for r in REGIME_RULES for b in (r.valid_from, r.valid_until) if b}
# The Passport Index dataset's snapshots (a requirement changes on a snapshot date) and the day before each.
SNAPSHOTS = set(__import__("refugee_rules.case.passport_index", fromlist=["dataset"]).dataset().snapshots)
GRID = sorted({dt.date(y, m, 1) for y in range(2022, 2027) for m in range(1, 13) if (y, m) <= (2026, 6)}
              | {d + dt.timedelta(days=k) for d in _BOUNDS for k in (-1, 0, 1)}
              | {d + dt.timedelta(days=k) for d in SNAPSHOTS for k in (-1, 0)})
INTERNAL_ONLY_COUNTRIES = {"AM", "KZ", "KG"}  # "the only countries that allow Russian citizens to enter on their domestic identity papers"


def test_the_date_grid_covers_every_rule_bound_and_every_dataset_snapshot() -> None:
    assert len(SNAPSHOTS) >= 50  # 2020-02-07 to 2025-01-12
    for d in SNAPSHOTS | _BOUNDS:
        assert {d - dt.timedelta(days=1), d} <= set(GRID), d


def test_every_regime_rule_is_dated_reported_and_quoted() -> None:
    assert len(REGIME_RULES) > 100
    for r in REGIME_RULES:
        assert r.valid_from is not None and r.valid_from.precision, r.id
        assert r.reported is not None, r.id
        # an article is cited by a verbatim quote; the Passport Index dataset by its row (pinpoint)
        assert any(c.quote for c in r.cite) or all(c.source == "passport-index-dataset" and c.pinpoint for c in r.cite), r.id


def test_conflict_links_are_symmetric_and_resolve() -> None:
    for f in BOOK.findings.values():
        for other in f.conflicts_with:
            assert other in BOOK.findings, (f.id, other)
            assert f.id in BOOK.findings[other].conflicts_with, (f.id, other)
    linked = {f.id for f in BOOK.findings.values() if f.conflicts_with}
    for required in ("regime.kz.risk.extradition_activists", "regime.kg.stay.registration_six_months",
                     "regime.ee.entry.visa_free_claim", "regime.lv.entry.visa_free_claim",
                     "regime.de.asylum.military_refusal_protected"):
        assert required in linked


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, as_of=st.sampled_from(GRID))
def test_date_grid_no_question_answered_two_ways_unless_conflict_declared(engine: str, flat: dict, as_of: dt.date) -> None:
    a = assess(nest(flat), as_of=as_of, engine=engine, destinations="all")
    definite = [f for f in a.findings if f.role == "regime" and KINDS[f.kind].side_of_answer(f.answer) != "undetermined"]
    for f, g in combinations(definite, 2):
        df, dg = BOOK.findings[f.id], BOOK.findings[g.id]
        if (df.destination, df.question) == (dg.destination, dg.question) and f.answer != g.answer:
            assert g.id in df.conflicts_with and {c.id for c in f.conflicts} >= {g.id}, (f.id, g.id, as_of)


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, rule=st.sampled_from([r for r in REGIME_RULES if r.valid_from]), data=st.data())
def test_as_of_before_valid_from_removes_the_rule(engine: str, flat: dict, rule, data) -> None:
    earliest = min(dt.date(2021, 1, 1), rule.valid_from.date - dt.timedelta(days=365))  # the dataset starts in 2020
    before = data.draw(st.dates(min_value=earliest, max_value=rule.valid_from.date - dt.timedelta(days=1)))
    a = assess(nest(flat), as_of=before, engine=engine, destinations="all")
    assert all(firing.rule != rule.id for firing in a.trace)
    assert all(rule.id not in f.rules_fired for f in a.findings)


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, as_of=st.sampled_from(GRID))
def test_internal_passport_only_never_told_they_may_enter_elsewhere(engine: str, flat: dict, as_of: dt.date) -> None:
    flat = {k: v for k, v in flat.items() if not k.startswith("documents.travel_passport")}
    flat.update({"documents.internal_passport": True, "documents.travel_passport.held": False})
    a = assess(nest(flat), as_of=as_of, engine=engine, destinations="all")
    for f in a.findings:
        decl = BOOK.findings[f.id]
        if f.kind == "entry" and f.answer == "allowed" and decl.role == "regime":
            assert decl.destination in INTERNAL_ONLY_COUNTRIES and decl.question == "entry.internal_passport", f.id
    for d in a.destinations:
        if d.entry == "allowed":
            assert d.code in INTERNAL_ONLY_COUNTRIES, d.code
