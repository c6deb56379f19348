"""The non-negotiables of issue 14 as hypothesis properties over generated profiles, on both engines.

Each property runs on 200 profiles drawn from tests/strategies.py (random and near-meeting claims), with the facts
it is about forced in, once on the compiled backend and once on durable-rules where it imports. Information
monotonicity (adding a fact never moves met to not_met) is kept in tests/test_properties.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import EngineError, assess

from .strategies import AS_OF_DATES, any_flat_profiles, examples, legal_paths, nest

SETTINGS = settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _durable_available() -> bool:
    try:
        assess({}, as_of="2024-03-01", engine="durable")
    except EngineError:
        return False
    return True


ENGINES = ["compiled"] + (["durable"] if _durable_available() else [])
CESSATION = ("cessation_1c1", "cessation_1c2", "cessation_1c3", "cessation_1c4", "cessation_1c5", "cessation_1c6")
CESSATION_INDICATORS = ("cessation.new_passport_from_consulate", "cessation.passport_obtained_voluntarily",
                        "cessation.reacquired_lost_nationality", "cessation.new_nationality_protection",
                        "cessation.voluntary_return", "cessation.circumstances_ceased")
REQUIRED_1F = ("exclusion_1f_a", "exclusion_1f_b", "exclusion_1f_c")
# Sentences that state a fact holds, and the facts one of which must then be known (given, not "unknown").
STATES: dict[str, tuple[str, ...]] = {
    "They hold no other nationality": (),  # the old E7 wording: never written again
    "They state that they fear returning.": ("fear.fears_return",),
    "is that the feared harm is reasonably likely on return": ("fear.harm_likely",),
    "The only nationality stated is": ("nationalities",),
    "No nationality is stated (stateless)": ("nationalities",),
    "No other nationality recorded for them offers protection": ("other_nationalities",),
    "Having been recognised as a refugee": ("cessation.recognised_refugee",),
    "they have not been recognised as a refugee, and the cessation clauses presuppose": ("cessation.recognised_refugee",),
    "They served in a unit involved in war crimes": ("military.unit_involved_in_violations",),
    "They did not serve in a unit involved in war crimes": ("military.unit_involved_in_violations",),
    "(LGBTQ+ persons, targeted as such": ("identity.lgbtq",),
    "They receive protection or assistance from a UN organ": ("exclusion.receives_un_agency_assistance",),
    "happened after they left: a claim sur place": ("travel.left_after_feared_events",),
    "They state that they do not wish to be associated": ("military.objects_to_conduct_of_war",
                                                          "military.conscientious_objection.held"),
    "The state itself is the feared agent of persecution": ("fear.agents",),
    "They went back to the country after leaving, or obtained a passport": ("return_visits",
                                                                          "cessation.new_passport_from_consulate"),
}
STATED_PATHS = sorted({p for paths in STATES.values() for p in paths})
UNKNOWABLE = [p for p in legal_paths() if p != "destinations"]  # destinations has no 'unknown' marker
PERSECUTION_CHARACTER = ("based_on_protected_conduct", "penalty_disproportionate", "applied_discriminatorily",
                         "pretextual")


def _assess(flat: dict[str, Any], as_of: dt.date, engine: str):  # type: ignore[no-untyped-def]
    return assess(nest(flat), as_of=as_of, engine=engine)


def _known(flat: dict[str, Any], path: str) -> bool:
    return path in flat and flat[path] != "unknown"


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, paths=st.lists(st.sampled_from(UNKNOWABLE), min_size=1, max_size=12, unique=True),
       as_of=AS_OF_DATES)
def test_replacing_an_absent_fact_by_unknown_changes_no_answer(engine: str, flat: dict, paths: list,
                                                              as_of: dt.date) -> None:
    """Unknown is not false: 'asked, and the client does not know' reads exactly as 'not asked' everywhere a status
    or a text is made; only the state of the questions differs."""
    marked = {**flat, **{p: "unknown" for p in paths if p not in flat}}
    absent, unknown = _assess(flat, as_of, engine), _assess(marked, as_of, engine)
    assert [(f.id, f.answer) for f in absent.findings] == [(f.id, f.answer) for f in unknown.findings]
    for a, u in zip(absent.findings, unknown.findings):
        assert a.explanation == u.explanation, a.id  # no text can tell an unknown from an absent fact
        assert [m.path for m in a.missing_facts] == [m.path for m in u.missing_facts], a.id
    for field in ("status", "inclusion", "exclusion", "cessation", "open_screening_questions", "stop_points"):
        assert getattr(absent.outcome, field) == getattr(unknown.outcome, field), field


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, unknown=st.lists(st.sampled_from(STATED_PATHS), min_size=1, max_size=6, unique=True),
       as_of=AS_OF_DATES)
def test_no_text_states_a_fact_the_profile_gives_as_unknown(engine: str, flat: dict, unknown: list,
                                                            as_of: dt.date) -> None:
    """A sentence that says a fact holds appears only when the profile gives that fact (never when it is unknown)."""
    flat = {**flat, **dict.fromkeys(unknown, "unknown")}
    result = _assess(flat, as_of, engine)
    written = " ".join([f.explanation for f in result.findings] + [result.outcome.summary]
                       + [h.message for h in result.outcome.stop_points])
    for sentence, paths in STATES.items():
        if sentence in written:
            assert any(_known(flat, p) for p in paths), (sentence, {p: flat.get(p) for p in paths})


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, recognised=st.sampled_from([None, "unknown", False]),
       indicators=st.lists(st.sampled_from(CESSATION_INDICATORS), max_size=6, unique=True), as_of=AS_OF_DATES)
def test_a_cessation_clause_never_applies_without_recognition(engine: str, flat: dict, recognised: Any,
                                                              indicators: list, as_of: dt.date) -> None:
    """Art 1C: cessation ends a refugee status, so no clause applies to a person not recognised as a refugee."""
    flat = {k: v for k, v in flat.items() if k != "cessation.recognised_refugee"}
    flat.update(dict.fromkeys(indicators, True))
    if recognised is not None:
        flat["cessation.recognised_refugee"] = recognised
    result = _assess(flat, as_of, engine)
    assert all(result.answer(c) != "applies" for c in CESSATION)
    assert result.outcome.cessation != "applies"
    if recognised is False:
        assert all(result.answer(c) == "does_not_apply" for c in CESSATION)


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, counsel=st.sampled_from([None, "unknown", True]), as_of=AS_OF_DATES)
def test_a_raised_1f_a_unit_screening_always_reaches_the_outcome(engine: str, flat: dict, counsel: Any,
                                                                 as_of: dt.date) -> None:
    """Art 1F(a): service in a unit involved in war crimes, not yet cleared by counsel, always stops the outcome."""
    flat = {k: v for k, v in flat.items() if k != "exclusion.unit_service_serious_reasons"}
    flat["military.unit_involved_in_violations"] = True
    if counsel is not None:
        flat["exclusion.unit_service_serious_reasons"] = counsel
    result = _assess(flat, as_of, engine)
    assert result.outcome.status == "refer_to_counsel"
    assert "exclusion_1f_a_unit_service" in {h.finding for h in result.outcome.stop_points}
    assert result.answer("exclusion_1f_a_unit_service") in ("not_screened", "applies")  # never cleared by itself
    assert result.outcome.exclusion != "does_not_apply"
    if result.answer("exclusion_1f_a_unit_service") == "not_screened":
        assert result.outcome.open_screening_questions >= 1


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, as_of=AS_OF_DATES)
def test_likely_meets_only_with_every_1f_screening_closed(engine: str, flat: dict, as_of: dt.date) -> None:
    """Art 1F: an open or raised exclusion screening always reaches the outcome: it is never likely_meets."""
    result = _assess(flat, as_of, engine)
    open_1f = [c for c in REQUIRED_1F if result.answer(c) != "does_not_apply"]
    if open_1f:
        assert result.outcome.status != "likely_meets", open_1f
        assert result.outcome.stop_points or result.outcome.open_screening_questions > 0 or \
            result.outcome.exclusion == "applies" or result.outcome.inclusion != "met"
    if flat.get("military.unit_involved_in_violations") is True and \
            result.answer("exclusion_1f_a_unit_service") != "does_not_apply":
        assert result.outcome.status == "refer_to_counsel"


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, flips=st.lists(st.sampled_from(PERSECUTION_CHARACTER), min_size=1, unique=True),
       value=st.booleans(), as_of=AS_OF_DATES)
def test_the_likelihood_of_harm_does_not_depend_on_whether_it_is_persecution(engine: str, flat: dict, flips: list,
                                                                             value: bool, as_of: dt.date) -> None:
    """HB ¶38 (objective element) is a question apart from HB ¶¶56-60 (prosecution or persecution): changing whether
    a case punishes protected conduct, is disproportionate, discriminatory or pretextual never changes E2b."""
    cases = flat.get("legal_cases")
    if not isinstance(cases, list) or not cases:
        cases = [{"kind": "criminal", "stage": "investigation"}]
    changed = {**flat, "legal_cases": [{**c, **dict.fromkeys(flips, value)} for c in cases]}
    plain = {**flat, "legal_cases": [{k: v for k, v in c.items() if k not in PERSECUTION_CHARACTER} for c in cases]}
    assert _assess(changed, as_of, engine).answer("fear_objective") == _assess(plain, as_of, engine).answer("fear_objective")
