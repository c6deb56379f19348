"""An unknown document fact never reads as a refusal: a closed document route is not a refused entry.

A destination's entry summary is ``refused`` or ``visa_required`` only on stated facts. A document route (entry on
the internal passport, on the travel passport) that does not apply to the documents held says only that: while
another route is undetermined (a document not stated, or stated ``unknown``), the summary stays undetermined.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import assess
from refugee_rules.engine import durable_available

from .strategies import any_flat_profiles, examples, nest

ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
DOCUMENT_FACTS = ("documents.internal_passport", "documents.travel_passport.held")
ROUTE_DESTINATIONS = ["KZ", "KG", "AM", "GE", "TR", "RS", "AR"]


def _entry(a, code: str) -> str:
    return next(d.entry for d in a.destinations if d.code == code)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("travel", ["unknown", None])
def test_kazakhstan_with_travel_passport_unknown_and_no_internal_passport_is_not_refused(engine: str, travel) -> None:
    documents: dict = {"internal_passport": False}
    if travel is not None:
        documents["travel_passport"] = {"held": travel}
    a = assess({"nationalities": ["RU"], "documents": documents}, as_of="2024-03-01", engine=engine,
               destinations=["KZ"])
    assert a.answer("regime.kz.entry.internal_passport") == "refused"  # the route is closed: no internal passport
    assert _entry(a, "KZ") == "undetermined"
    travel_route = a.finding("regime.kz.entry.travel_passport")
    assert "documents.travel_passport.held" in {q.path for q in travel_route.missing_facts}


@pytest.mark.parametrize("engine", ENGINES)
def test_kazakhstan_with_neither_passport_is_refused_on_the_stated_facts(engine: str) -> None:
    a = assess({"nationalities": ["RU"], "documents": {"internal_passport": False, "travel_passport": {"held": False}}},
               as_of="2024-03-01", engine=engine, destinations=["KZ"])
    assert _entry(a, "KZ") == "refused"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ban_still_refuses_whatever_the_document_routes(engine: str) -> None:
    person = {"nationalities": ["RU"], "documents": {"travel_passport": {"held": "unknown"}, "residence_permits": [],
                                                     "visas": []}}
    a = assess(person, as_of="2024-03-01", engine=engine, destinations=["FI"])
    assert a.answer("regime.fi.entry.ban") == "refused"
    assert _entry(a, "FI") == "refused"


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, path=st.sampled_from(DOCUMENT_FACTS), code=st.sampled_from(ROUTE_DESTINATIONS),
       as_of=st.dates(min_value=dt.date(2022, 3, 1), max_value=dt.date(2025, 6, 30)))
def test_an_unknown_document_never_turns_an_entry_summary_to_refused(engine: str, flat: dict, path: str, code: str,
                                                                      as_of: dt.date) -> None:
    """Absent and ``unknown`` answer alike; and where the summary with the document unknown is refused or a visa,
    it is the same with the document stated either way (the refusal rests on other, stated facts)."""
    absent = {p: v for p, v in flat.items() if p != path}
    summaries = {}
    for label, value in (("absent", None), ("unknown", "unknown"), ("true", True), ("false", False)):
        facts = dict(absent) if value is None else {**absent, path: value}
        summaries[label] = _entry(assess(nest(facts), as_of=as_of, engine=engine, destinations=[code]), code)
    assert summaries["absent"] == summaries["unknown"], summaries
    if summaries["unknown"] in ("refused", "visa_required"):
        assert summaries["true"] == summaries["false"] == summaries["unknown"], summaries
