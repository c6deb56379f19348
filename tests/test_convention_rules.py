"""Unit checks of the Convention rulesets: the legal distinctions each rule is there to make, on both engines."""

from __future__ import annotations

import pytest

from refugee_rules import assess
from refugee_rules.engine import durable_available

from .strategies import with_sections

ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
AS_OF = "2024-03-01"

EVADER = {
    "nationalities": ["RU"], "location": {"country": "GE"},
    "military": {"summoned": True, "evaded": True, "only_dislike_or_fear_of_combat": True,
                 "conscientious_objection": {"held": False}, "punishment_disproportionate_on_ground": False,
                 "conditions_of_service_abusive": False, "forced_recruitment_non_state": False,
                 "recruited_as_child": False, "objects_to_conduct_of_war": False,
                 "recruitment_targeted_person_on_ground": False},
    "identity": {"ethnic_minority": False, "lgbtq": False},
    "political_activity": {"anti_war_statements": False, "petitions": False, "protests": False, "publications": False},
    "fear": {"fears_return": True, "harm_likely": True, "feared_harms": ["prosecution", "imprisonment"],
             "agents": ["state"], "reasons_attributed": [], "cumulative_measures_serious": False},
    "legal_cases": [],
}


@pytest.mark.parametrize("engine", ENGINES)
def test_prosecution_for_evasion_alone_is_not_persecution(engine: str) -> None:
    """HB ¶167-168: an evader who only dislikes service faces prosecution, not persecution."""
    result = assess(EVADER, as_of=AS_OF, engine=engine)
    assert result.answer("ms_dislike_or_fear_only") == "met"
    assert result.answer("military_service_persecution") == "not_met"
    assert result.answer("being_persecuted") == "not_met"
    assert result.outcome.status == "likely_does_not_meet"


@pytest.mark.parametrize("engine", ENGINES)
def test_disproportionate_punishment_on_a_ground_is_persecution(engine: str) -> None:
    """HB ¶169: the same evader, punished more severely for a Convention reason, is persecuted."""
    profile = with_sections(EVADER, military={**EVADER["military"], "punishment_disproportionate_on_ground": True})
    result = assess(profile, as_of=AS_OF, engine=engine)
    assert result.answer("ms_disproportionate_punishment") == "met"
    assert result.answer("being_persecuted") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_country_evidence_is_read_only_through_the_workers_decision(engine: str) -> None:
    """Unreviewed evidence settles nothing; rejected evidence is not relied on; accepted evidence is listed."""
    buryat = {"nationalities": ["RU"], "location": {"country": "MN"}, "identity": {"ethnic_minority": True},
              "military": {"summoned": True, "evaded": True}}
    # The group statistic is evidence of risk (E2b, HB ¶¶38-42), never by itself individual persecution (HB ¶169).
    unreviewed = assess(buryat, as_of=AS_OF, engine=engine)
    assert unreviewed.answer("fear_objective") == "undetermined"
    assert "country_evidence.ru_mongolic_peoples_disproportionately_targeted" in {
        m.path for m in unreviewed.finding("fear_objective").missing_facts}
    assert unreviewed.evidence == []
    rejected = assess({**buryat, "country_evidence": {"ru_mongolic_peoples_disproportionately_targeted": "rejected",
                                                       "ru_mobilisation_national_republics": "rejected"}},
                      as_of=AS_OF, engine=engine)
    assert rejected.answer("coi_ru_mongolic_peoples_targeted") == "not_met"
    assert rejected.answer("fear_objective") != "met"
    accepted = assess({**buryat, "country_evidence": {"ru_mongolic_peoples_disproportionately_targeted": "accepted"}},
                      as_of=AS_OF, engine=engine)
    assert accepted.answer("fear_objective") == "met"
    assert accepted.answer("ms_discriminatory_recruitment") == "undetermined"
    (item,) = accepted.evidence
    assert item.id == "coi_ru_mongolic_peoples_targeted" and item.decision == "accepted"
    assert "fear_objective" in item.relied_on_by
    assert any(c.source == "mmc-2024-matusevich" and c.quote for c in item.citations)


@pytest.mark.parametrize("engine", ENGINES)
def test_lgbt_evidence_is_not_in_force_before_the_designation(engine: str) -> None:
    profile = {"country_evidence": {"ru_lgbt_movement_criminalised_2023": "accepted"}}
    assert assess(profile, as_of="2023-06-01", engine=engine).answer("coi_ru_lgbt_movement_criminalised") == "undetermined"
    assert assess(profile, as_of="2024-01-10", engine=engine).answer("coi_ru_lgbt_movement_criminalised") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_exclusion_is_a_stop_point_unless_only_the_persecutors_label(engine: str) -> None:
    base = {"nationalities": ["RU"], "location": {"country": "GE"}}
    raised = assess({**base, "exclusion": {"acts_contrary_to_un_purposes": True}}, as_of=AS_OF, engine=engine)
    assert raised.answer("exclusion_1f_c") == "not_screened"  # not yet known whether only the label
    assert raised.outcome.status == "refer_to_counsel"
    assert [h.finding for h in raised.outcome.stop_points] == ["exclusion_1f_c"]
    met = assess({**base, "exclusion": {"acts_contrary_to_un_purposes": True, "basis_only_persecutor_label": False}},
                 as_of=AS_OF, engine=engine)
    assert met.answer("exclusion_1f_c") == "applies" and met.outcome.status == "refer_to_counsel"
    label = assess({**base, "exclusion": {"acts_contrary_to_un_purposes": True, "basis_only_persecutor_label": True}},
                   as_of=AS_OF, engine=engine)
    assert label.answer("exclusion_1f_c") == "does_not_apply"
    assert label.outcome.status != "refer_to_counsel"


@pytest.mark.parametrize("engine", ENGINES)
def test_cessation_and_1d_1e_and_article_33(engine: str) -> None:
    base = {"nationalities": ["RU"], "location": {"country": "GE"}}
    ceased = assess({**base, "cessation": {"circumstances_ceased": True, "compelling_reasons_previous_persecution": True}},
                    as_of=AS_OF, engine=engine)
    assert ceased.answer("cessation_1c5") == "does_not_apply"  # the compelling-reasons proviso
    back = assess({**base, "cessation": {"voluntary_return": True, "recognised_refugee": True}}, as_of=AS_OF, engine=engine)
    assert back.answer("cessation_1c4") == "applies" and back.outcome.status == "refer_to_counsel"
    applicant = assess({**base, "cessation": {"voluntary_return": True, "recognised_refugee": False}}, as_of=AS_OF, engine=engine)
    assert applicant.answer("cessation_1c4") == "does_not_apply"  # cessation presupposes recognition
    assert assess({**base, "exclusion": {"receives_un_agency_assistance": False}},
                  as_of=AS_OF, engine=engine).answer("article_1d") == "does_not_apply"
    flagged = assess({**base, "security": {"danger_to_host_security": True}}, as_of=AS_OF, engine=engine)
    assert flagged.answer("article_33_2") == "applies"
    # A consequence flag, not an exclusion clause: Article 1F is not raised by it. But a raised exception to
    # non-refoulement is never shown under a headline that reads as good news: it is a stop-point for counsel.
    assert flagged.outcome.exclusion != "applies"
    assert [(h.finding, h.kind) for h in flagged.outcome.stop_points] == [("article_33_2", "other")]
    assert flagged.outcome.status == "refer_to_counsel"


@pytest.mark.parametrize("engine", ENGINES)
def test_internal_flight_and_stateless_variant(engine: str) -> None:
    non_state = {"fear": {"agents": ["non_state"]},
                 "internal_flight": {"area_identified": True, "area_accessible": True, "risk_in_area": False,
                                     "relocation_reasonable": True}}
    assert assess(non_state, as_of=AS_OF, engine=engine).answer("no_internal_flight_alternative") == "not_met"
    state = {**non_state, "fear": {"agents": ["state", "non_state"]}}
    assert assess(state, as_of=AS_OF, engine=engine).answer("no_internal_flight_alternative") == "met"
    stateless = {"nationalities": [], "former_habitual_residence": "RU", "location": {"country": "GE"},
                 "fear": {"fears_return": True, "harm_likely": True}}
    result = assess(stateless, as_of=AS_OF, engine=engine)
    assert result.answer("outside_country_of_nationality") == "met"
    assert result.answer("protection_unavailable") == "met"


@pytest.mark.parametrize("engine", ENGINES)
def test_eu_layer_changes_a_finding_and_says_why(engine: str) -> None:
    """QD Art 9(2)(e) and the EZ presumption: an evader with no stated ground, from a unit committing crimes."""
    profile = {
        "nationalities": ["RU"], "location": {"country": "DE"},
        "military": {"summoned": True, "evaded": True, "refusal_procedure_available": False,
                     "unit_involved_in_violations": True},
        "fear": {"fears_return": True, "harm_likely": True, "feared_harms": ["prosecution"], "agents": ["state"],
                 "reasons_attributed": []},
        "legal_cases": [],
    }
    convention = assess(profile, as_of=AS_OF, engine=engine)
    eu = assess(profile, as_of=AS_OF, engine=engine, jurisdiction="EU")
    assert convention.answer("nexus_political_opinion") == "not_met"
    assert eu.answer("nexus_political_opinion") == "met"
    assert eu.answer("eu_refusal_9_2_e") == "met"
    note = next(n.text for n in eu.finding("nexus_political_opinion").notes if n.text.startswith("EU layer:"))
    assert "not_met under the Convention rules alone, met with the EU layer" in note and "eu.ez.nexus-presumption" in note
    assert eu.metadata.jurisdiction == "EU" and convention.metadata.jurisdiction is None
    with pytest.raises(Exception):
        assess(profile, as_of=AS_OF, engine=engine, jurisdiction="XX")
