"""Golden regime examples on both engines: the answers a worker would read for the four example profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from refugee_rules import assess
from refugee_rules.engine import durable_available
from refugee_rules.case.inputs import read_profile

ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
PROFILES = Path(__file__).resolve().parents[1] / "examples" / "profiles"


def _run(name: str, as_of: str, engine: str, destinations=None):
    return assess(read_profile(PROFILES / name), as_of=as_of, engine=engine, destinations=destinations)


@pytest.mark.parametrize("engine", ENGINES)
def test_igor_enters_kyrgyzstan_on_internal_passport(engine: str) -> None:
    a = _run("regime-igor-kyrgyzstan-internal-passport.yaml", "2024-03-01", engine)
    assert a.answer("regime.kg.entry.internal_passport") == "allowed"
    assert a.answer("regime.kg.entry.travel_passport") == "refused"  # he holds no travel passport
    assert a.answer("regime.ru.documents.internal_passport_only") == "met"
    assert a.answer("regime.ru.documents.no_show_travel_ban") == "flagged"
    stay = a.finding("regime.kg.stay.registration_six_months")
    assert stay.answer == "allowed" and [c.id for c in stay.conflicts] == ["regime.kg.stay.rules_tightened"]
    assert any(n.code == "sources_conflict" for n in stay.notes)
    assert [d.code for d in a.destinations] == ["KG"] and a.destinations[0].entry == "allowed"
    # the selected destination's findings come right after the Russian side; other destinations are out of scope
    groups = list(dict.fromkeys(f.group for f in a.findings if f.group.startswith("regime:")))
    assert groups == ["regime:RU", "regime:KG"]


@pytest.mark.parametrize("engine", ENGINES)
def test_schengen_tourist_visa_at_finnish_border_before_and_after_30_september_2022(engine: str) -> None:
    before = _run("regime-finnish-border-schengen-tourist.yaml", "2022-09-23", engine)
    after = _run("regime-finnish-border-schengen-tourist.yaml", "2022-10-01", engine)
    assert before.answer("regime.fi.entry.schengen_tourist_visa") == "undetermined"
    assert before.answer("regime.fi.entry.crossings_2022_09") == "reported"  # an anecdote, not a rule of entry
    assert after.answer("regime.fi.entry.schengen_tourist_visa") == "refused"
    assert after.answer("regime.fi.entry.crossings_2022_09") == "undetermined"
    dates = after.finding("regime.fi.entry.schengen_tourist_visa").dates
    assert dates[0].valid_from.isoformat() == "2022-09-30" and dates[0].valid_from_precision == "day"
    assert after.destinations[0].entry == "refused"
    late = _run("regime-finnish-border-schengen-tourist.yaml", "2024-03-01", engine)
    assert late.answer("regime.fi.entry.ban") == "refused" and late.answer("regime.fi.entry.border_sealed") == "refused"


@pytest.mark.parametrize("engine", ENGINES)
def test_couple_with_rental_income_in_argentina(engine: str) -> None:
    a = _run("regime-couple-argentina-rental-income.yaml", "2024-03-01", engine)
    assert a.answer("regime.ar.entry.travel_passport") == "allowed"
    assert a.answer("regime.ar.residence.passive_income") == "open"
    assert a.answer("regime.ar.naturalisation.two_years") == "closed"  # no Argentine permit yet
    quotes = [c.quote for c in a.finding("regime.ar.residence.passive_income").citations]
    assert "residency permits for people with passive rental income." in quotes


@pytest.mark.parametrize("engine", ENGINES)
def test_activist_in_kyrgyzstan_gets_flagged_risks_with_evidence(engine: str) -> None:
    a = _run("regime-activist-kyrgyzstan.yaml", "2024-03-01", engine)
    for fid in ("regime.kg.risk.handover_activists", "regime.kg.risk.kidnapping", "regime.kz.risk.extradition_activists"):
        f = a.finding(fid)
        assert f.answer == "flagged" and f.citations and "not a prediction" in f.explanation
    ext = a.finding("regime.kz.risk.extradition_activists")
    assert [c.id for c in ext.conflicts] == ["regime.kz.risk.extradition_draft_evaders"]
    assert [d.code for d in a.destinations] == ["KZ", "KG"] or [d.code for d in a.destinations] == ["KG", "KZ"]
    assert a.destinations[0].risks_flagged  # each flagged risk listed in the summary


@pytest.mark.parametrize("engine", ENGINES)
def test_staleness_is_flagged_and_threshold_configurable(engine: str) -> None:
    profile = read_profile(PROFILES / "regime-igor-kyrgyzstan-internal-passport.yaml")
    old = assess(profile, as_of="2026-06-01", engine=engine)
    assert any("verify the current rules" in n.text for n in old.finding("regime.kg.entry.internal_passport").notes)
    lenient = assess(profile, as_of="2026-06-01", engine=engine, stale_after_days=5000)
    assert not any("verify the current rules" in n.text for n in lenient.finding("regime.kg.entry.internal_passport").notes)


def test_unknown_and_uncovered_destinations_get_a_clear_message() -> None:
    a = assess({"nationalities": ["RU"], "destinations": ["AE", "JP", "AQ"]}, as_of="2024-03-01", engine="compiled")
    for code in ("AE", "JP"):  # the articles encode nothing: the Passport Index dataset alone answers, and says so
        d = next(d for d in a.destinations if d.code == code)
        assert d.dataset_only and d.summary.startswith("From the Passport Index dataset alone"), code
        assert d.findings == [f"regime.{code.lower()}.entry.passport_index"]
    aq = next(n for n in a.destination_notes if n.country == "AQ")
    assert aq.code == "not_covered" and "KZ" in aq.covered and aq.text.startswith("AQ: not covered by the sources")


def test_non_russian_gets_not_covered_rather_than_a_guess() -> None:
    a = assess({"nationalities": ["UA"], "documents": {"internal_passport": True}}, as_of="2024-03-01", engine="compiled",
               destinations=["KZ"])
    f = a.finding("regime.kz.entry.internal_passport")
    assert f.answer == "undetermined" and "Not covered by the sources" in f.explanation


def test_all_destinations_realistic_options_come_first() -> None:
    a = assess({"nationalities": ["RU"], "documents": {"internal_passport": True, "travel_passport": {"held": False}}},
               as_of="2024-03-01", engine="compiled", destinations="all")
    codes = [d.code for d in a.destinations]
    assert set(codes[:3]) == {"AM", "KZ", "KG"}  # the only countries admitting Russians on the internal passport
    assert [d.rank for d in a.destinations] == list(range(1, len(codes) + 1))
    assert a.destinations[-1].entry == "refused"
