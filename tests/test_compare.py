"""Compare two dates, or a profile and an edited copy: which findings changed, and why."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from refugee_rules.frontends.cli import main
from refugee_rules.tasks.compare import compare, format_comparison

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"

DATED = """
ruleset: test-dated
title: dated
version: "1"
findings:
  - {id: border_open, kind: element, title: "Border open to tourist-visa holders", asks: "Open?", group: "regime:FI", role: regime, destination: FI, topic: entry}
rules:
  - id: fi.open
    concludes: {finding: border_open, answer: met}
    when: {fact: documents.visas, any_item: {type: tourist, zone: schengen}}
    otherwise: nothing
    valid_until: {date: 2022-09-29, precision: day}
    because: "Open."
    cite: [{source: convention-1951, pinpoint: "Art 31"}]
  - id: fi.closed
    concludes: {finding: border_open, answer: not_met}
    exception_to: fi.open
    when: {fact: documents.visas, any_item: {type: tourist, zone: schengen}}
    otherwise: nothing
    valid_from: {date: 2022-09-30, precision: day}
    because: "Closed."
    cite: [{source: convention-1951, pinpoint: "Art 33"}]
"""


def _rulesets(tmp_path):
    d = tmp_path / "rs"
    d.mkdir()
    (d / "sources.yaml").write_text((ROOT / "rulesets" / "sources.yaml").read_text())
    (d / "fi.yaml").write_text(DATED)
    return (d,)


VISA = {"nationalities": ["RU"], "documents": {"visas": [{"type": "tourist", "zone": "schengen", "issuing_state": "FI"}]},
        "location": {"country": "RU"}, "destinations": ["FI"]}


def test_two_dates_show_the_rule_change_with_citations_on_each_side(tmp_path):
    c = compare(VISA, as_of="2022-09-01", as_of_other="2022-10-01", engine="compiled", rulesets=_rulesets(tmp_path))
    (change,) = [ch for ch in c.changes if ch.id == "border_open"]
    assert (change.before.answer, change.after.answer) == ("met", "not_met")
    assert change.before.rules_fired == ["fi.open"] and "fi.closed" in change.after.rules_fired
    assert any("Art 31" in x for x in change.before.citations) and any("Art 33" in x for x in change.after.citations)
    kinds = {(r.kind, r.subject) for r in change.why}
    assert ("rule_in_force", "fi.closed") in kinds and ("rule_not_in_force", "fi.open") in kinds
    text = format_comparison(c)
    assert "Border open to tourist-visa holders: appears met → appears not met" in text
    assert c.fact_changes == [type(c.fact_changes[0])(path="as_of", before="2022-09-01", after="2022-10-01")]


def test_same_date_nothing_changes():
    c = compare(VISA, as_of="2022-09-01", as_of_other="2022-09-01", engine="compiled")
    assert c.changes == [] and c.fact_changes == []


def test_profile_and_edited_copy_show_what_would_change_the_outcome(tmp_path):
    original = yaml.safe_load(EXAMPLE.read_text())
    edited = json.loads(json.dumps(original))
    edited["fear"]["fears_return"] = False
    c = compare(original, edited, as_of="2024-03-01", engine="compiled")
    ids = {ch.id: ch for ch in c.changes}
    assert ids["fear_subjective"].before.answer == "met" and ids["fear_subjective"].after.answer == "not_met"
    assert any(r.kind == "fact" and r.subject == "fear.fears_return" for r in ids["fear_subjective"].why)
    assert any(r.kind == "finding" and r.subject == "fear_subjective" for r in ids["well_founded_fear"].why)
    assert c.outcome_before == "inclusion_met_screening_open" and c.outcome_after == "likely_does_not_meet"
    # the CLI, both ways, and in Russian
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(edited, allow_unicode=True))
    assert main(["compare", str(EXAMPLE), str(b), "--as-of", "2024-03-01", "--engine", "compiled", "--lang", "ru"]) == 0
    assert main(["compare", str(EXAMPLE), "--as-of", "2022-09-01", "--as-of", "2024-03-01", "--engine", "compiled",
                 "--format", "json"]) == 0
    assert main(["compare", str(EXAMPLE), "--as-of", "2022-09-01"]) == 2
