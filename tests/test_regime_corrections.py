"""Regression tests for the regime answers corrected in issue 13, each named after what it protects.

Every answer here rests on a source: the five articles (shared/sources/facts.yaml) or the Passport Index dataset
(rulesets/passport-index/); the assertions say which.
"""

from __future__ import annotations

import pytest

from refugee_rules import assess
from refugee_rules.engine import durable_available

from .strategies import with_sections

ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
TRAVELLER = {"nationalities": ["RU"], "documents": {"internal_passport": True, "travel_passport": {"held": True},
                                                   "visas": [], "residence_permits": []}}


@pytest.mark.parametrize("engine", ENGINES)
def test_russian_with_travel_passport_and_no_visa_is_told_estonia_requires_a_visa_in_march_2022(engine: str) -> None:
    a = assess(TRAVELLER, as_of="2022-03-15", engine=engine, destinations=["EE"])
    assert a.answer("regime.ee.entry.passport_index") == "visa_required"  # the dataset: RU -> EE, visa required
    claim = a.finding("regime.ee.entry.visa_free_claim")
    assert claim.answer == "claimed" and claim.doubt  # the article's 'visa-free' is shown, doubted, and opens nothing
    assert "regime.ee.entry.passport_index" in {c.id for c in claim.conflicts}
    ee = next(d for d in a.destinations if d.code == "EE")
    assert ee.entry == "visa_required"
    dataset = a.finding("regime.ee.entry.passport_index")
    assert any(c.source == "passport-index-dataset" for c in dataset.citations)
    assert any(n.code == "sources_conflict" for n in dataset.notes)
    assert dataset.dates and claim.dates  # both sources' dates are shown


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("code", ["EE", "LV", "LT", "FI"])
def test_resident_of_the_baltic_states_and_finland_is_not_refused_by_the_ban(engine: str, code: str) -> None:
    resident = with_sections(TRAVELLER, documents={**TRAVELLER["documents"], "residence_permits": [{"country": code}],
                                           "visas": [{"type": "tourist", "zone": "schengen", "issuing_state": "DE"}]})
    a = assess(resident, as_of="2024-03-01", engine=engine, destinations=[code])
    for f in a.findings:
        if f.destination == code and f.kind == "entry":
            assert f.answer != "refused", f.id
            assert f.answer != "visa_required" or "passport_index" not in f.id, f.id
    assert next(d for d in a.destinations if d.code == code).entry != "refused"
    # the same person without the permit is refused: the ban still answers for those it names
    visitor = with_sections(resident, documents={**resident["documents"], "residence_permits": []})
    b = assess(visitor, as_of="2024-03-01", engine=engine, destinations=[code])
    assert next(d for d in b.destinations if d.code == code).entry == "refused"


@pytest.mark.parametrize("engine", ENGINES)
def test_ban_does_not_answer_when_residence_permits_are_not_known(engine: str) -> None:
    unknown = {"nationalities": ["RU"], "documents": {"travel_passport": {"held": True}}}
    a = assess(unknown, as_of="2024-03-01", engine=engine, destinations=["FI"])
    ban = a.finding("regime.fi.entry.ban")
    assert ban.answer == "undetermined"
    assert "documents.residence_permits" in {q.path for q in ban.missing_facts}


@pytest.mark.parametrize("engine", ENGINES)
def test_evader_in_kazakhstan_in_2024_sees_the_extradition_risk_flagged_beside_the_2022_statement(engine: str) -> None:
    evader = with_sections(TRAVELLER, location={"country": "KZ", "since": "2022-09-25"}, military={"evaded": True})
    a = assess(evader, as_of="2024-03-01", engine=engine)
    statement = a.finding("regime.kz.risk.extradition_draft_evaders")
    assert statement.kind == "report" and statement.answer == "reported"
    risk = a.finding("regime.kz.risk.forced_return_security_cooperation")
    assert risk.kind == "risk" and risk.answer == "flagged"
    assert {c.id for c in statement.conflicts} >= {"regime.kz.risk.forced_return_security_cooperation",
                                                   "regime.kz.risk.extradition_activists"}
    assert any(f.code == "risk_here" and f.finding == risk.id for f in a.outcome.red_flags)
    kz = next(d for d in a.destinations if d.code == "KZ")
    assert risk.id in kz.risks_flagged


@pytest.mark.parametrize("engine", ENGINES)
def test_person_in_georgia_for_17_months_sees_the_one_year_limit_exceeded(engine: str) -> None:
    here = with_sections(TRAVELLER, location={"country": "GE", "since": "2022-10-01"})
    a = assess(here, as_of="2024-03-01", engine=engine)
    stay = a.finding("regime.ge.stay.one_year")
    assert stay.answer == "exceeded"
    assert stay.stay is not None and stay.stay.limit == 1 and stay.stay.unit == "years" and stay.stay.exceeded
    assert stay.stay.days_used == 517 and stay.stay.days_left == -152
    assert any(f.code == "stay_exceeded" and f.finding == stay.id and f.days == 152 for f in a.outcome.red_flags)


@pytest.mark.parametrize("engine", ENGINES)
def test_stay_ending_within_30_days_is_a_red_flag_and_a_missing_date_is_asked(engine: str) -> None:
    ending = assess(with_sections(TRAVELLER, location={"country": "GE", "since": "2023-03-20"}), as_of="2024-03-01", engine=engine)
    assert ending.finding("regime.ge.stay.one_year").answer == "allowed"
    assert any(f.code == "stay_ending" and f.days == 19 for f in ending.outcome.red_flags)
    undated = assess(with_sections(TRAVELLER, location={"country": "GE"}), as_of="2024-03-01", engine=engine)
    stay = undated.finding("regime.ge.stay.one_year")
    assert stay.stay is not None and stay.stay.since is None
    assert "location.since" in {q.path for q in stay.missing_facts}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("code", ["IN", "LK"])
def test_india_and_sri_lanka_are_not_answered_visa_free_on_a_loose_sentence(engine: str, code: str) -> None:
    a = assess(TRAVELLER, as_of="2024-03-01", engine=engine, destinations=[code])
    lc = code.lower()
    claim = a.finding(f"regime.{lc}.entry.visa_free_claim")
    assert claim.kind == "claim" and claim.answer == "claimed" and claim.doubt
    assert a.finding(f"regime.{lc}.entry.travel_passport").answer != "allowed"
    d = next(d for d in a.destinations if d.code == code)
    assert d.entry != "allowed"  # the dataset lists an e-visa or a visa on arrival: a visa is required
    assert d.entry == "visa_required"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("code", ["AM", "KZ", "KG"])
def test_internal_passport_holder_is_not_told_the_internal_passport_countries_exclude_them(engine: str, code: str) -> None:
    only = {"nationalities": ["RU"], "documents": {"internal_passport": True, "travel_passport": {"held": False}}}
    a = assess(only, as_of="2024-03-01", engine=engine, destinations=[code])
    f = a.finding(f"regime.{code.lower()}.entry.travel_passport")
    assert "not among them" not in f.explanation
    assert a.answer(f"regime.{code.lower()}.entry.internal_passport") == "allowed"
    assert next(d for d in a.destinations if d.code == code).entry == "allowed"


@pytest.mark.parametrize("engine", ENGINES)
def test_mongolia_and_finland_crossings_are_reports_not_entry_rules(engine: str) -> None:
    p = with_sections(TRAVELLER, documents={**TRAVELLER["documents"], "visas": [{"type": "tourist", "zone": "schengen"}]},
              identity={"ethnicity": "Buryat"})
    a = assess(p, as_of="2022-09-23", engine=engine, destinations=["MN", "FI"])
    assert a.finding("regime.fi.entry.crossings_2022_09").kind == "report"
    assert a.finding("regime.mn.entry.reported_crossings").kind == "report"


@pytest.mark.parametrize("engine", ENGINES)
def test_passport_index_says_nothing_outside_its_snapshot_dates(engine: str) -> None:
    a = assess(TRAVELLER, as_of="2025-06-01", engine=engine, destinations=["EE", "GE"])
    assert a.answer("regime.ee.entry.passport_index") == "undetermined"
    assert a.answer("regime.ge.entry.passport_index") == "undetermined"
    b = assess(TRAVELLER, as_of="2024-06-01", engine=engine, destinations=["GE"])
    assert b.answer("regime.ge.entry.passport_index") == "allowed"


@pytest.mark.parametrize("engine", ENGINES)
def test_dual_national_is_not_told_a_visa_is_required_on_the_russian_passport_alone(engine: str) -> None:
    """The dataset answers for the better of their passports, and says which (issue 13, item 4)."""
    dual = with_sections(TRAVELLER, nationalities=["RU", "IL"])
    a = assess(dual, as_of="2024-03-01", engine=engine, destinations=["EE"])
    dataset = a.finding("regime.ee.entry.passport_index")
    assert dataset.answer == "allowed"
    note = next(n for n in dataset.notes if n.code == "dataset_requirement")
    assert note.passport == "IL" and note.requirement == "visa_free" and note.passports == ["RU", "IL"]
