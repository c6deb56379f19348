"""Regression tests for the hard cases of issue 14, one per corrected rule, on both engines.

Each test is named after the principle it protects and cites its pinpoint (see ../shared/legal-reference.md;
an unconfirmed pinpoint is marked so in the rulesets). Only the public API is used.
"""

from __future__ import annotations

from typing import Any

import pytest

from refugee_rules import assess
from refugee_rules.engine import durable_available

AS_OF = "2024-03-01"


ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
BASE: dict[str, Any] = {"nationalities": ["RU"], "location": {"country": "GE"}}
SCREENED_NO = {"war_crimes_or_crimes_against_humanity": False, "serious_non_political_crime": False,
               "acts_contrary_to_un_purposes": False}


def run(profile: dict[str, Any], engine: str, **kw: Any):  # type: ignore[no-untyped-def]
    return assess({**BASE, **profile}, as_of=kw.pop("as_of", AS_OF), engine=engine, **kw)


def texts(result) -> str:  # type: ignore[no-untyped-def]
    return " ".join(f.explanation for f in result.findings)


# --- 1. unknown is not false ------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unknown_other_nationality_is_never_worded_as_none(engine: str) -> None:
    """Art 1A(2), second paragraph: no text says "they hold no other nationality" when it is given as unknown."""
    result = run({"other_nationalities": "unknown"}, engine)
    e7 = result.finding("no_other_national_protection")
    assert "no other nationality" not in e7.explanation.lower()
    assert "The only nationality stated is" in e7.explanation  # what the profile says, and no more
    unknown_nats = run({"nationalities": "unknown", "other_nationalities": "unknown"}, engine)
    assert unknown_nats.answer("no_other_national_protection") == "undetermined"
    assert {m.path for m in unknown_nats.finding("no_other_national_protection").missing_facts} == {
        "nationalities", "other_nationalities"}


@pytest.mark.parametrize("engine", ENGINES)
def test_unknown_other_protection_of_a_dual_national_stays_undetermined(engine: str) -> None:
    """Art 1A(2), second paragraph: each nationality's protection counts; an unknown one is never assumed."""
    result = run({"nationalities": ["RU", "KZ"],
                  "other_nationalities": [{"country": "KZ", "protection_available": "unknown"}]}, engine)
    assert result.answer("no_other_national_protection") == "undetermined"
    assert result.outcome.status != "likely_meets"


# --- 2. cessation presupposes recognition -------------------------------------------------------------------


CESSATION = ("cessation_1c1", "cessation_1c2", "cessation_1c3", "cessation_1c4", "cessation_1c5", "cessation_1c6")
ALL_CESSATION_FACTS = {"new_passport_from_consulate": True, "passport_obtained_voluntarily": True,
                       "passport_intention_rebutted": False, "reacquired_lost_nationality": True,
                       "new_nationality_protection": True, "voluntary_return": True, "circumstances_ceased": True,
                       "compelling_reasons_previous_persecution": False}


@pytest.mark.parametrize("engine", ENGINES)
def test_cessation_presupposes_recognition(engine: str) -> None:
    """Art 1C(1)-(6): the cessation clauses end a refugee status, so they presuppose it; no 1C clause applies to an
    applicant never recognised, whatever else is recorded."""
    applicant = run({"cessation": {**ALL_CESSATION_FACTS, "recognised_refugee": False}}, engine)
    assert {applicant.answer(c) for c in CESSATION} == {"does_not_apply"}
    assert applicant.outcome.cessation == "does_not_apply"
    recognised = run({"cessation": {**ALL_CESSATION_FACTS, "recognised_refugee": True}}, engine)
    assert recognised.answer("cessation_1c4") == "applies" and recognised.outcome.status == "refer_to_counsel"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_return_visit_is_weighed_with_the_fear_not_as_cessation(engine: str) -> None:
    """HB ¶¶37-38 (fear) and ¶125 (unconfirmed: a visit to a sick parent weighs differently from holidays): for an
    applicant, a month's visit home bears on the fear; Art 1C(4) does not apply to him."""
    visit = [{"from_date": "2023-05-02", "until": "2023-06-01", "purpose": "family_illness_or_death",
              "harmed": False, "left_again": True}]
    result = run({"return_visits": visit, "cessation": {"recognised_refugee": False, "voluntary_return": False}}, engine)
    assert result.answer("cessation_1c4") == "does_not_apply"
    contact = result.finding("contact_with_country_of_origin")
    assert contact.answer == "met" and contact.adverse  # a hurdle to explain, never shown as good news
    assert "not cessation" in contact.explanation
    assert result.answer("fear_subjective") == "undetermined"  # the visit alone decides no fear element
    none = run({"return_visits": [], "cessation": {"new_passport_from_consulate": False}}, engine)
    assert none.answer("contact_with_country_of_origin") == "not_met"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_consulate_passport_raises_only_a_presumption_with_its_rebutting_questions(engine: str) -> None:
    """Art 1C(1); HB ¶119 (voluntariness, intention, re-availment); HB ¶121 (confirmed, secondary): a passport
    raises a presumption of intention, rebutted by proof to the contrary."""
    base = {"recognised_refugee": True, "new_passport_from_consulate": True}
    asked = run({"cessation": {**base, "passport_obtained_voluntarily": True}}, engine)
    assert asked.answer("cessation_1c1") == "not_screened"
    assert "cessation.passport_intention_rebutted" in {m.path for m in asked.finding("cessation_1c1").missing_facts}
    assert asked.outcome.status == "refer_to_counsel"  # the stop-point is raised, not a finding of cessation
    unknown_voluntary = run({"cessation": base}, engine)
    assert "cessation.passport_obtained_voluntarily" in {
        m.path for m in unknown_voluntary.finding("cessation_1c1").missing_facts}
    rebutted = run({"cessation": {**base, "passport_obtained_voluntarily": True, "passport_intention_rebutted": True}},
                   engine)
    assert rebutted.answer("cessation_1c1") == "does_not_apply"
    compelled = run({"cessation": {**base, "passport_obtained_voluntarily": False}}, engine)
    assert compelled.answer("cessation_1c1") == "does_not_apply"
    presumed = run({"cessation": {**base, "passport_obtained_voluntarily": True, "passport_intention_rebutted": False}},
                   engine)
    assert presumed.answer("cessation_1c1") == "applies" and presumed.outcome.status == "refer_to_counsel"
    applicant = run({"cessation": {**base, "recognised_refugee": False}}, engine)
    assert applicant.answer("cessation_1c1") == "does_not_apply"
    assert applicant.answer("contact_with_country_of_origin") == "met"  # weighed with the fear instead


# --- 3. Article 1F(a) screening raised by unit service -------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_service_in_a_unit_involved_in_war_crimes_raises_1f_a_screening_not_a_finding(engine: str) -> None:
    """Art 1F(a) ("serious reasons for considering"): service in a unit involved in war crimes raises screening for
    counsel; it is never by itself a finding that 1F(a) applies."""
    served = {"military": {"deserted": True, "unit_involved_in_violations": True}, "exclusion": SCREENED_NO}
    raised = run(served, engine)
    assert raised.answer("exclusion_1f_a_unit_service") == "not_screened"
    assert raised.answer("exclusion_1f_a") == "does_not_apply"
    assert raised.outcome.status == "refer_to_counsel"
    assert [h.finding for h in raised.outcome.stop_points] == ["exclusion_1f_a_unit_service"]
    assert "not a finding that Article 1F(a) applies" in raised.outcome.stop_points[0].message
    assert raised.outcome.exclusion == "not_screened"  # never "no clause appears to apply" while it is open
    assert raised.outcome.open_screening_questions >= 1
    cleared = run({**served, "exclusion": {**SCREENED_NO, "unit_service_serious_reasons": False}}, engine)
    assert cleared.answer("exclusion_1f_a_unit_service") == "does_not_apply" and not cleared.outcome.stop_points
    assert cleared.outcome.exclusion == "does_not_apply"
    found = run({**served, "exclusion": {**SCREENED_NO, "unit_service_serious_reasons": True}}, engine)
    assert found.answer("exclusion_1f_a_unit_service") == "applies" and found.outcome.exclusion == "applies"
    no_unit = run({"military": {"deserted": True, "unit_involved_in_violations": False}, "exclusion": SCREENED_NO}, engine)
    assert no_unit.answer("exclusion_1f_a_unit_service") == "does_not_apply"


# --- 4. the objective element of fear (E2b) and the severity of persecution (E3) --------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_likelihood_of_harm_is_not_whether_the_harm_is_persecution(engine: str) -> None:
    """HB ¶38 and ¶¶37-50 (objective element) against HB ¶¶56-60 (prosecution or persecution): an open case makes
    prosecution likely whatever its protected character, which stays E3's question."""
    result = run({"legal_cases": [{"kind": "criminal", "stage": "investigation"}]}, engine)
    assert result.answer("fear_objective") == "met"
    assert result.answer("prosecution_is_persecution") == "undetermined"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_penalty_faced_without_a_case_leaves_the_likelihood_open(engine: str) -> None:
    """HB ¶167 (prosecution for evasion is not in itself persecution) and HB ¶38: the penalty an evader faces,
    with no case opened, does not settle the objective element; a case opened for it does."""
    evader = {"military": {"summoned": True, "evaded": True}}
    no_case = run({**evader, "penalties_faced": [{"conduct": "draft_evasion", "case_opened": False}]}, engine)
    assert no_case.answer("fear_objective") == "undetermined"
    assert "fear.harm_likely" in {m.path for m in no_case.finding("fear_objective").missing_facts}
    case = run({**evader, "penalties_faced": [{"conduct": "draft_evasion", "article": "328 Criminal Code",
                                               "case_opened": True}]}, engine)
    assert case.answer("fear_objective") == "met"
    assert case.answer("being_persecuted") != "met"  # HB ¶167: the penalty alone is not persecution


@pytest.mark.parametrize("engine", ENGINES)
def test_a_desertion_penalty_with_accepted_evidence_makes_harm_likely(engine: str) -> None:
    """HB ¶38 (country information): a penalty faced for desertion, with the accepted evidence on refusal to fight."""
    result = run({"penalties_faced": [{"conduct": "desertion", "case_opened": "unknown"}],
                  "country_evidence": {"ru_refusal_to_fight_up_to_10_years": "accepted"}}, engine)
    assert result.answer("fear_objective") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_step_short_of_an_investigation_counts_with_accepted_evidence(engine: str) -> None:
    """HB ¶38 and ¶¶37-50: a pre-investigation check, witness summons or administrative protocol, with accepted
    country evidence that people in that position are prosecuted, makes the feared harm reasonably likely."""
    for stage in ("pre_investigation_check", "witness_summons", "administrative_protocol"):
        alone = run({"legal_cases": [{"kind": "criminal", "stage": stage}]}, engine)
        assert alone.answer("fear_objective") == "undetermined", stage
        with_evidence = run({"legal_cases": [{"kind": "criminal", "stage": stage}],
                             "country_evidence": {"ru_prosecution_for_anti_war_speech": "accepted"}}, engine)
        assert with_evidence.answer("fear_objective") == "met", stage


@pytest.mark.parametrize("engine", ENGINES)
def test_a_personal_designation_makes_harm_likely(engine: str) -> None:
    """HB ¶38 and ¶¶37-50 (the person's own circumstances): a personal 'foreign agent' or extremist/terrorist
    listing shows the authorities have singled the person out; an organisation's designation alone does not."""
    for kind in ("foreign_agent", "extremist_list", "terrorist_list"):
        listed = run({"designations": [{"kind": kind, "of_person": True, "date": "2023-05-12"}]}, engine)
        assert listed.answer("fear_objective") == "met", kind
    org = run({"designations": [{"kind": "undesirable_organisation", "of_person": False, "date": "2023-01-10"}]}, engine)
    assert org.answer("fear_objective") == "undetermined"


@pytest.mark.parametrize("engine", ENGINES)
def test_two_administrative_fines_alone_are_not_persecution(engine: str) -> None:
    """HB ¶¶51-53 (severity) and ¶53 (cumulative grounds, confirmed, secondary): two administrative fines for
    pickets do not by themselves make "being persecuted" met; the caseworker's cumulative assessment can."""
    fines = [{"kind": "administrative", "stage": "convicted", "based_on_protected_conduct": True}] * 2
    result = run({"legal_cases": fines, "political_activity": {"protests": True},
                  "fear": {"fears_return": True, "feared_harms": ["prosecution"], "agents": ["state"]}}, engine)
    assert result.answer("being_persecuted") != "met"
    assert result.answer("prosecution_is_persecution") != "met"
    assert "fear.cumulative_measures_serious" in {m.path for m in result.finding("being_persecuted").missing_facts}
    cumulative = run({"legal_cases": fines, "fear": {"cumulative_measures_serious": True}}, engine)
    assert cumulative.answer("being_persecuted") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_criminal_case_for_protected_conduct_is_persecution(engine: str) -> None:
    """HB ¶¶56-60: a criminal case punishing protected conduct is persecution, not legitimate prosecution."""
    result = run({"legal_cases": [{"kind": "criminal", "stage": "charged", "based_on_protected_conduct": True}]}, engine)
    assert result.answer("prosecution_is_persecution") == "met"
    assert result.answer("being_persecuted") == "met"


# --- 5. military service, grounds and 1D --------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_hb171_needs_a_stated_objection_to_the_conduct_of_the_war(engine: str) -> None:
    """HB ¶171 (and ¶168): "not only dislike of combat" is not an objection to military action contrary to the basic
    rules of human conduct; the person must state one (or an objection of conscience)."""
    deserter = {"military": {"deserted": True, "unit_involved_in_violations": True, "only_dislike_or_fear_of_combat": False}}
    silent = run(deserter, engine)
    assert silent.answer("ms_conflict_contrary_to_basic_rules") == "undetermined"
    assert "military.objects_to_conduct_of_war" in {
        m.path for m in silent.finding("ms_conflict_contrary_to_basic_rules").missing_facts}
    anti_war_only = run({**deserter, "political_activity": {"anti_war_statements": True},
                         "military": {**deserter["military"], "objects_to_conduct_of_war": False,
                                      "conscientious_objection": {"held": False}}}, engine)
    assert anti_war_only.answer("ms_conflict_contrary_to_basic_rules") == "not_met"
    stated = run({"military": {**deserter["military"], "objects_to_conduct_of_war": True}}, engine)
    assert stated.answer("ms_conflict_contrary_to_basic_rules") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_a_group_statistic_is_evidence_of_risk_not_individual_persecution(engine: str) -> None:
    """HB ¶¶167-169: a Buryat evader is persecuted beyond the punishment only if he himself is singled out on a
    ground; accepted evidence that Mongolic peoples were disproportionately mobilised bears on likelihood (HB ¶38)."""
    buryat = {"identity": {"ethnic_minority": True}, "military": {"summoned": True, "evaded": True},
              "country_evidence": {"ru_mongolic_peoples_disproportionately_targeted": "accepted"}}
    statistic = run(buryat, engine)
    assert statistic.answer("fear_objective") == "met"
    assert statistic.answer("ms_discriminatory_recruitment") == "undetermined"
    assert statistic.answer("being_persecuted") != "met"
    assert statistic.answer("nexus_nationality") != "met"
    singled_out = run({**buryat, "military": {**buryat["military"], "recruitment_targeted_person_on_ground": True}},
                      engine)
    assert singled_out.answer("ms_discriminatory_recruitment") == "met"
    assert singled_out.answer("nexus_nationality") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_sexual_orientation_is_a_particular_social_group_not_political_opinion(engine: str) -> None:
    """HB ¶¶77-79 (particular social group, unconfirmed) against ¶¶80-86: an 'LGBT movement' case is not labelled
    political opinion; each ground has its own nexus."""
    gay = {"identity": {"lgbtq": True}, "country_evidence": {"ru_lgbt_movement_criminalised_2023": "accepted"},
           "legal_cases": [{"kind": "criminal", "stage": "threatened", "based_on_protected_conduct": True}]}
    result = run(gay, engine)
    assert result.answer("nexus_social_group") == "met"
    assert result.answer("nexus_political_opinion") != "met"
    assert result.answer("fear_objective") == "met"  # the accepted 2023 evidence bears on likelihood too
    activist = run({"legal_cases": gay["legal_cases"], "political_activity": {"protests": True}}, engine)
    assert activist.answer("nexus_political_opinion") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_article_1d_is_not_asked_of_a_russian_national(engine: str) -> None:
    """Art 1D; HB ¶¶142-143 (confirmed): UN-agency assistance (UNRWA) is not relevant unless a fact suggests it;
    for a Russian national or a stateless former resident of Russia, no question is asked."""
    for profile in ({}, {"nationalities": [], "former_habitual_residence": "RU"}):
        result = run(profile, engine)
        assert result.answer("article_1d") == "does_not_apply"
        assert not result.finding("article_1d").missing_facts
    other = run({"nationalities": ["RU", "SY"]}, engine)
    assert other.answer("article_1d") == "not_screened"
    assert "exclusion.receives_un_agency_assistance" in {m.path for m in other.finding("article_1d").missing_facts}
