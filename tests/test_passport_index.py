"""The Passport Index dataset for every passport the person holds and every destination it has (issue 13, item 4).

The requirement in force on the as-of date is the row of the latest snapshot on or before it, for the better of the
person's passports (and the answer says which); outside the snapshots the dataset says nothing; a destination that
no article covers is answered from the dataset alone, and says so. Checked against an independent reading of the
shipped extract, on both engines.
"""

from __future__ import annotations

import csv
import functools
import datetime as dt
import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import assess
from refugee_rules.engine import durable_available

from .strategies import COUNTRIES, any_flat_profiles, examples, nest

ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXTRACT = Path(__file__).resolve().parents[1] / "rulesets" / "passport-index" / "requirements.csv.gz"
TRAVELLER = {"nationalities": ["RU"], "documents": {"travel_passport": {"held": True}, "visas": [],
                                                   "residence_permits": []}}
ORDER = ["visa free", "visa on arrival", "eta", "e-visa", "Hayya Entry Permit", "visa required", "covid ban",
         "no admission"]
VISA = {"visa on arrival", "eta", "e-visa", "Hayya Entry Permit", "visa required"}


@functools.cache
def _rows() -> dict[tuple[str, str], list[tuple[str, str]]]:
    with gzip.open(EXTRACT, "rt", encoding="utf-8") as fh:
        out: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for r in csv.DictReader(fh):
            out.setdefault((r["passport"], r["destination"]), []).append((r["from_snapshot"], r["requirement"]))
    return out



def _in_force(passport: str, destination: str, day: dt.date) -> str | None:
    if not dt.date(2020, 2, 7) <= day <= dt.date(2025, 1, 12):
        return None
    rows = [r for r in _rows().get((passport, destination), []) if r[0] <= day.isoformat()]
    return max(rows)[1] if rows else None


def _rank(requirement: str) -> tuple[int, int]:
    if requirement.isdigit():
        return 0, -int(requirement)
    return ORDER.index(requirement), 0


@pytest.mark.parametrize("engine", ENGINES)
def test_destination_no_article_covers_is_answered_from_the_dataset_alone(engine: str) -> None:
    a = assess({**TRAVELLER, "destinations": ["JP"]}, as_of="2024-03-01", engine=engine)
    jp = next(d for d in a.destinations if d.code == "JP")
    assert jp.dataset_only and jp.entry == "visa_required" and "dataset alone" in jp.summary
    f = a.finding("regime.jp.entry.passport_index")
    assert any(c.source == "passport-index-dataset" for c in f.citations)
    note = next(n for n in f.notes if n.code == "dataset_requirement")
    assert note.passport == "RU" and note.requirement == "visa_required" and note.date == dt.date(2024, 2, 7)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_requirement_in_force_is_the_latest_snapshot_on_or_before_the_as_of_date(engine: str) -> None:
    # RU -> MK: visa-free for 90 days, then "visa required" from the snapshot of 2022-04-10
    before = assess(TRAVELLER, as_of="2022-04-09", engine=engine, destinations=["MK"])
    on = assess(TRAVELLER, as_of="2022-04-10", engine=engine, destinations=["MK"])
    assert before.answer("regime.mk.entry.passport_index") == "allowed"
    assert on.answer("regime.mk.entry.passport_index") == "visa_required"
    assert assess(TRAVELLER, as_of="2020-02-06", engine=engine, destinations=["MK"]).answer(
        "regime.mk.entry.passport_index") == "undetermined"


@pytest.mark.parametrize("engine", ENGINES)
def test_north_macedonia_visa_free_is_a_doubted_claim_that_opens_nothing(engine: str) -> None:
    a = assess(TRAVELLER, as_of="2024-03-01", engine=engine, destinations=["MK"])
    claim = a.finding("regime.mk.entry.visa_free_claim")
    assert claim.kind == "claim" and claim.answer == "claimed" and claim.doubt
    assert "regime.mk.entry.passport_index" in {c.id for c in claim.conflicts}
    assert next(d for d in a.destinations if d.code == "MK").entry == "visa_required"  # the dataset, 2022-04-10 on


@pytest.mark.parametrize("engine", ENGINES)
def test_nationality_unknown_asks_for_the_nationalities(engine: str) -> None:
    a = assess({"documents": {"travel_passport": {"held": True}}, "destinations": ["JP"]}, as_of="2024-03-01",
               engine=engine)
    f = a.finding("regime.jp.entry.passport_index")
    assert f.answer == "undetermined" and "nationalities" in {m.path for m in f.missing_facts}
    assert not any(m.path.startswith("passport_index.") for m in f.missing_facts)  # a derived fact is never asked


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, code=st.sampled_from(["EE", "GE", "JP", "MK", "TR", "US", "AE", "CN"]),
       nationalities=st.lists(st.sampled_from(COUNTRIES + ["IL", "BR"]), min_size=1, max_size=3, unique=True),
       as_of=st.dates(min_value=dt.date(2019, 6, 1), max_value=dt.date(2025, 6, 30)))
def test_the_dataset_answers_for_the_better_passport_as_the_extract_says(engine: str, flat: dict, code: str,
                                                                          nationalities: list[str], as_of: dt.date) -> None:
    flat = {**flat, "nationalities": nationalities}
    a = assess(nest(flat), as_of=as_of, engine=engine, destinations=[code])
    f = a.finding(f"regime.{code.lower()}.entry.passport_index")
    listed = {p: _in_force(p, code, as_of) for p in nationalities}
    if code in nationalities or any(r == "-1" for r in listed.values()) or not any(listed.values()):
        assert f.answer == "undetermined", (f.id, listed)
        return
    best = min((r for r in listed.values() if r), key=_rank)
    held = flat.get("documents.travel_passport.held")
    permits = flat.get("documents.residence_permits")
    visitor = isinstance(permits, list) and all(p.get("country") not in (code, None) for p in permits)
    if f.answer != "undetermined":
        note = next(n for n in f.notes if n.code == "dataset_requirement")
        assert note.passport in nationalities and _rank(listed[note.passport]) == _rank(best), (listed, note)
    if best == "visa free" or best.isdigit():
        assert f.answer == ("allowed" if held is True else "undetermined"), (f.id, best, held)
    elif best in VISA:
        resident = isinstance(permits, list) and any(p.get("country") == code for p in permits)
        expected = ("visa_required",) if visitor else ("undetermined",) if resident else ("visa_required", "undetermined")
        assert f.answer in expected, (f.id, best, permits)
    else:
        assert f.answer in ("refused", "undetermined"), (f.id, best)


def test_every_row_of_the_extract_is_in_force_on_its_own_snapshot() -> None:
    """The extract is split by passport when loaded and parsed per passport on first use: read that way, every row
    (as the csv module reads it) is the one in force from its snapshot, and none is lost."""
    from refugee_rules.case import passport_index

    data = passport_index.dataset()
    with gzip.open(passport_index.extract_path(), "rt", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 90_000
    assert data.destinations == {r["destination"] for r in rows}
    for row in rows:
        since = dt.date.fromisoformat(row["from_snapshot"])
        assert data.in_force(row["passport"], row["destination"], since) == (since, row["raw"], row["requirement"])
