"""Properties of the corrected regime answers over generated profiles and a grid of dates, on both engines.

Each property names a kind of mistake issue 13 found, so that no rule added later makes it again:
a claim its source doubts never opens entry; a statement never settles a risk as absent; a ban never refuses a
person its source does not name; an anecdote never becomes a rule.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import assess
from refugee_rules.engine import durable_available
from refugee_rules.api import load_rulesets
from refugee_rules.case.facts import derived_inputs

from .strategies import any_flat_profiles, examples, nest

SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
BOOK = load_rulesets()
REGIME_RULES = [r for r in BOOK.rules.values() if r.id.startswith("regime.")]
_BOUNDS = {b.date for r in REGIME_RULES for b in (r.valid_from, r.valid_until) if b}
# The Passport Index dataset's snapshots (a requirement changes on a snapshot date) and the day before each.
SNAPSHOTS = set(__import__("refugee_rules.case.passport_index", fromlist=["dataset"]).dataset().snapshots)
GRID = sorted({dt.date(y, m, 1) for y in range(2022, 2027) for m in range(1, 13) if (y, m) <= (2026, 6)}
              | {d + dt.timedelta(days=k) for d in _BOUNDS for k in (-1, 0, 1) if d.year >= 2020}
              | {d + dt.timedelta(days=k) for d in SNAPSHOTS for k in (-1, 0)})
BANS = [r for r in REGIME_RULES if r.concludes.answer == "refused" and not r.id.endswith(".closed")]
"""Rules that refuse entry to a group (a ban, a measure against holders of a visa), not a document route closed."""
KINDS_OF_REPORTS = ("report", "claim")


def _flat_with(flat: dict, **facts: object) -> dict:
    out = dict(flat)
    out.update(facts)
    return out


def test_every_ban_asks_for_the_residence_permit_and_nationality_of_its_destination() -> None:
    """Static: a ban (refused, not a closed document route) reads the residence permits and nationalities, and so
    answers only for a person who holds neither of its destination (unknown permits leave it undetermined)."""
    assert len(BANS) >= 13
    for r in BANS:
        read = set(BOOK.facts_read(r.id))  # a derived fact (the Passport Index requirement) reads what it comes from
        read |= {q for p in read for q in derived_inputs(p)}
        assert {"documents.residence_permits", "nationalities"} <= read, r.id


def test_no_risk_rule_reads_a_report_or_a_claim() -> None:
    """Static: a statement or a doubted claim is never a condition of a risk (it could only settle it)."""
    for r in REGIME_RULES:
        if BOOK.findings[r.concludes.finding].kind != "risk":
            continue
        for other in BOOK.findings_read(r.id):
            assert BOOK.findings[other].kind not in KINDS_OF_REPORTS, (r.id, other)


def test_no_rule_reads_a_claim_or_a_report_as_a_condition() -> None:
    """Static: an anecdote, statement or doubted claim is an answer of its own, never a premise of another rule."""
    for r in BOOK.rules.values():
        for other in BOOK.findings_read(r.id):
            assert BOOK.findings[other].kind not in KINDS_OF_REPORTS, (r.id, other)


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, as_of=st.sampled_from(GRID))
def test_a_claim_the_source_doubts_never_opens_entry(engine: str, flat: dict, as_of: dt.date) -> None:
    a = assess(nest(flat), as_of=as_of, engine=engine, destinations="all")
    by_dest: dict[str, list] = {}
    for f in a.findings:
        if f.destination:
            by_dest.setdefault(f.destination, []).append(f)
    for d in a.destinations:
        if d.entry != "allowed":
            continue
        opening = [f for f in by_dest.get(d.code, []) if f.kind == "entry" and f.answer == "allowed"]
        assert opening, d.code  # an allowed entry always rests on an entry finding, never on a claim or a report
    for f in a.findings:
        if f.kind == "claim":
            assert f.doubt and f.answer in ("claimed", "not_claimed", "undetermined"), f.id


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, as_of=st.sampled_from(GRID))
def test_a_statement_never_settles_a_risk_as_absent(engine: str, flat: dict, as_of: dt.date) -> None:
    """A risk is not_reported only when its own rule's condition fails for this person; a report beside it (the
    2022 statement) changes nothing: the same profile without the report's facts gives the same risk answers."""
    a = assess(nest(flat), as_of=as_of, engine=engine, destinations="all")
    for f in a.findings:
        if f.kind != "risk":
            continue
        assert f.answer in ("flagged", "not_reported", "undetermined"), f.id
        for dep in f.depends_on:
            assert BOOK.findings[dep].kind not in KINDS_OF_REPORTS, (f.id, dep)
        if f.answer == "not_reported":
            assert f.rules_fired or f.branches_not_held, f.id


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, as_of=st.sampled_from(GRID),
       code=st.sampled_from(sorted({BOOK.findings[r.concludes.finding].destination for r in BANS})),
       how=st.sampled_from(["permit", "nationality", "not_russian"]))
def test_a_ban_never_refuses_a_person_the_source_does_not_name(engine: str, flat: dict, as_of: dt.date, code: str,
                                                                how: str) -> None:
    """A ban on Russians refuses neither a holder of the destination's residence permit, nor its own national, nor
    a person with no Russian passport."""
    if how == "permit":
        flat = _flat_with(flat, **{"documents.residence_permits": [{"country": code}]})
    elif how == "nationality":
        flat = _flat_with(flat, nationalities=["RU", code])
    else:
        flat = _flat_with(flat, nationalities=["DE"])
    a = assess(nest(flat), as_of=as_of, engine=engine, destinations=[code])
    ban_findings = {r.concludes.finding for r in BANS}
    for f in a.findings:
        if f.destination != code:
            continue
        # The Passport Index dataset names every passport: for a German passport it answers the dataset's own
        # requirement for Germans (Taiwan's covid ban of 2020-2022 refused them), which is the source naming them.
        dataset_for_own_passport = f.id.endswith(".entry.passport_index") and how == "not_russian"
        if f.id in ban_findings and not dataset_for_own_passport:
            assert f.answer != "refused", (f.id, how)
        if f.id.endswith(".entry.passport_index") and how != "not_russian":
            assert f.answer in ("allowed", "undetermined"), (f.id, how)


@pytest.mark.parametrize("engine", ENGINES)
def test_the_dataset_answers_a_german_passport_with_its_own_requirement(engine: str) -> None:
    """The case a generated profile found: a German in Taiwan on 31 March 2022 meets the dataset's covid ban for
    German passports (the dataset names them); a Russian holding a Taiwanese residence permit is not refused."""
    day = dt.date(2022, 3, 31)
    german = assess({"nationalities": ["DE"], "documents": {"residence_permits": []}}, as_of=day, engine=engine,
                    destinations=["TW"])
    row = next(f for f in german.findings if f.id == "regime.tw.entry.passport_index")
    assert row.answer == "refused"
    used = {u.path: u.value for u in row.facts_used}
    assert used["passport_index.TW.passport"] == "DE" and used["passport_index.TW.requirement"] == "covid_ban"
    holder = assess({"nationalities": ["RU"], "documents": {"residence_permits": [{"country": "TW"}]}}, as_of=day,
                    engine=engine, destinations=["TW"])
    assert next(f for f in holder.findings if f.id == "regime.tw.entry.passport_index").answer != "refused"


@pytest.mark.parametrize("engine", ENGINES)
@SETTINGS
@given(flat=any_flat_profiles, as_of=st.sampled_from(GRID))
def test_an_anecdote_never_becomes_a_rule(engine: str, flat: dict, as_of: dt.date) -> None:
    """Reports (crossings, statements, statistics) answer only `reported` and are never counted as entry, a stay, a
    residence route or a risk: the destination summary is the same with every report finding removed."""
    from refugee_rules.explain.regimes import entry_answer

    a = assess(nest(flat), as_of=as_of, engine=engine, destinations="all")
    for f in a.findings:
        if f.kind == "report":
            assert f.answer in ("reported", "not_reported", "undetermined"), f.id
            assert f.stay is None, f.id
    for d in a.destinations:
        if not d.covered:
            continue
        items = [f for f in a.findings if f.destination == d.code]
        assert entry_answer(items) == entry_answer([f for f in items if f.kind not in KINDS_OF_REPORTS]), d.code
        assert all(BOOK.findings[r].kind == "risk" for r in d.risks_flagged), d.code


# --- every fact of the source articles accounted for ---------------------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
FACTS = ROOT.parent / "shared" / "sources" / "facts.yaml"


def test_every_fact_is_encoded_or_listed_with_its_reason() -> None:
    import re

    import yaml

    if not FACTS.is_file():
        pytest.skip(f"facts.yaml not found at {FACTS}")
    ids = [f["id"] for f in yaml.safe_load(FACTS.read_text(encoding="utf-8"))]
    encoded = set()
    for path in (ROOT / "rulesets").rglob("*.yaml"):
        encoded |= set(re.findall(r"facts\.yaml: ([\w\-.]+)", path.read_text(encoding="utf-8")))
    listed = dict(re.findall(r"^\| `([\w\-.]+)` \| [^|]+ \| ([^|]+) \|$",
                             (ROOT / "rulesets" / "NOT-ENCODED.md").read_text(encoding="utf-8"), re.M))
    assert not encoded - set(ids), sorted(encoded - set(ids))  # a citation names a fact that does not exist
    neither = [i for i in ids if i not in encoded and i not in listed]
    assert not neither, f"facts neither encoded nor listed in rulesets/NOT-ENCODED.md: {neither}"
    both = sorted(set(listed) & encoded)
    assert not both, f"facts encoded and still listed as not encoded: {both}"
    assert all(reason.strip() for reason in listed.values())
