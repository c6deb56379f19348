"""Legal invariants of the Convention rulesets, as hypothesis properties over generated profiles.

Each property runs on at least 200 profiles drawn from tests/strategies.py (random and near-meeting claims),
with the facts the invariant is about forced in. They run on the compiled backend; the differential property
in test_properties.py checks that durable-rules gives the same assessment on every profile.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import assess
from refugee_rules.api import load_rulesets

from .strategies import AS_OF_DATES, COUNTRIES, any_flat_profiles, examples, nest

SETTINGS = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINE = "compiled"
F1 = ("exclusion.war_crimes_or_crimes_against_humanity", "exclusion.serious_non_political_crime",
      "exclusion.acts_contrary_to_un_purposes")
# Facts that indicate exclusion or cessation (set to true). Mitigations (the persecutor's label being the only
# basis; compelling reasons from previous persecution) are not indicators and are left as generated.
INDICATORS = F1 + ("exclusion.receives_un_agency_assistance", "exclusion.national_rights_recognised",
                   "cessation.new_passport_from_consulate", "cessation.reacquired_lost_nationality",
                   "cessation.new_nationality_protection", "cessation.voluntary_return", "cessation.circumstances_ceased")
RANK = {"refer_to_counsel": 0, "likely_does_not_meet": 1, "undetermined": 2, "inclusion_met_screening_open": 3,
        "likely_meets": 4}
EU_SOURCES = {"qd-2011-95", "cjeu-ez", "cjeu-shepherd"}


def _run(flat: dict, as_of: dt.date, **kw):  # type: ignore[no-untyped-def]
    return assess(nest(flat), as_of=as_of, engine=ENGINE, **kw)


@SETTINGS
@given(flat=any_flat_profiles, clause=st.sampled_from(F1), as_of=AS_OF_DATES)
def test_met_1f_clause_never_yields_likely_meets(flat: dict, clause: str, as_of: dt.date) -> None:
    flat = {**flat, clause: True}
    result = _run(flat, as_of)
    if any(result.answer(f) == "applies" for f in ("exclusion_1f_a", "exclusion_1f_b", "exclusion_1f_c")):
        assert result.outcome.status == "refer_to_counsel"
    assert result.outcome.status != "likely_meets" or flat.get("exclusion.basis_only_persecutor_label") is True


@SETTINGS
@given(flat=any_flat_profiles, nats=st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=3, unique=True),
       pick=st.integers(0, 2), as_of=AS_OF_DATES)
def test_inside_country_of_nationality_never_likely_meets(flat: dict, nats: list, pick: int, as_of: dt.date) -> None:
    flat = {**flat, "nationalities": nats, "location.country": nats[pick % len(nats)]}
    result = _run(flat, as_of)
    assert result.answer("outside_country_of_nationality") == "not_met"
    assert result.outcome.status != "likely_meets"


@SETTINGS
@given(flat=any_flat_profiles, others=st.lists(st.sampled_from(["non_state", "unknown_agent"]), unique=True),
       as_of=AS_OF_DATES)
def test_state_agent_means_internal_flight_never_available(flat: dict, others: list, as_of: dt.date) -> None:
    flat = {**flat, "fear.agents": ["state", *others]}
    assert _run(flat, as_of).answer("no_internal_flight_alternative") == "met"


@SETTINGS
@given(flat=any_flat_profiles, other=st.sampled_from(["IL", "DE", "US", "AM"]), as_of=AS_OF_DATES)
def test_available_other_national_protection_blocks_likely_meets(flat: dict, other: str, as_of: dt.date) -> None:
    flat = {**flat, "nationalities": ["RU", other],
            "other_nationalities": [{"country": other, "protection_available": True, "well_founded_fear_there": False}]}
    result = _run(flat, as_of)
    assert result.answer("no_other_national_protection") == "not_met"
    assert result.outcome.status != "likely_meets"


@SETTINGS
@given(flat=any_flat_profiles, added=st.lists(st.sampled_from(INDICATORS), min_size=1, max_size=3, unique=True),
       as_of=AS_OF_DATES)
def test_adding_exclusion_or_cessation_facts_never_improves_the_outcome(flat: dict, added: list, as_of: dt.date) -> None:
    before = _run(flat, as_of)
    after = _run({**flat, **{path: True for path in added}}, as_of)
    assert RANK[after.outcome.status] <= RANK[before.outcome.status], (before.outcome.status, after.outcome.status)
    assert after.outcome.inclusion == before.outcome.inclusion  # exclusion and cessation never touch inclusion


@SETTINGS
@given(flat=any_flat_profiles, as_of=AS_OF_DATES)
def test_eu_layer_turns_not_met_into_met_only_through_its_cited_presumptions(flat: dict, as_of: dt.date) -> None:
    convention = _run(flat, as_of)
    eu = _run(flat, as_of, jurisdiction="EU")
    book = load_rulesets(jurisdiction="EU")
    eu_rules = {rid for rid, label in book.rule_files.items() if book.rules[rid] and label.startswith("convention/eu-")}
    for f in convention.findings:
        layered = eu.finding(f.id)
        if f.answer == "met":
            assert layered.answer == "met", f.id  # the layer never takes away a Convention finding
        if f.answer == "not_met" and layered.answer == "met":
            assert set(layered.rules_fired) & eu_rules, f.id
            assert {c.source for c in layered.citations} & EU_SOURCES, f.id
        if layered.answer != f.answer:
            assert any(n.text.startswith("EU layer:") for n in layered.notes), f.id  # and it says so
