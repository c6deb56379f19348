"""A finding and its rules written once for many destinations (``for_each_destination:``, law/per_destination.py).

The Passport Index rules were 668 kB of YAML differing only in a country code; they are now written once. What must
hold: the rules the loader sees are exactly the hand-written ones (one finding and three rules per destination, the
code in every id, fact and pinpoint, the conflicts only where the generator declared them), and a malformed list is
a problem naming the file, never a traceback or a silent half-expansion.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from refugee_rules import load_rulesets
from refugee_rules.errors import RulesetError
from refugee_rules.law import per_destination

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "rulesets" / "passport-index" / "entry.yaml"
TEMPLATE = {
    "ruleset": "x",
    "for_each_destination": ["AD", "EE"],
    "finding_fields": {"EE": {"conflict_note": "the dataset disagrees"}},
    "findings": [{"id": "regime.{xx}.entry.t", "destination": "{XX}", "title": "Entry to {XX}?"}],
    "rules": [{"id": "regime.{xx}.entry.t.ok", "when": {"fact": "passport_index.{XX}.requirement", "eq": "visa_free"},
               "cite": [{"source": "s", "pinpoint": "row {XX}"}]}],
}


def test_each_destination_gets_its_own_finding_and_rules_with_its_code_everywhere():
    problems: list[str] = []
    out = per_destination.expand(TEMPLATE, "f.yaml", problems)
    assert problems == []
    assert "for_each_destination" not in out and "finding_fields" not in out
    assert [f["id"] for f in out["findings"]] == ["regime.ad.entry.t", "regime.ee.entry.t"]
    assert [f["destination"] for f in out["findings"]] == ["AD", "EE"]
    assert [r["when"]["fact"] for r in out["rules"]] == ["passport_index.AD.requirement", "passport_index.EE.requirement"]
    assert out["rules"][1]["cite"][0]["pinpoint"] == "row EE"


def test_finding_fields_reach_only_their_destination_and_never_a_rule():
    out = per_destination.expand(TEMPLATE, "f.yaml", [])
    assert "conflict_note" not in out["findings"][0]
    assert out["findings"][1]["conflict_note"] == "the dataset disagrees"
    assert all("conflict_note" not in r for r in out["rules"])


def test_a_file_without_the_key_is_returned_as_it_is():
    data = {"ruleset": "x", "findings": [{"id": "a.{xx}"}]}
    assert per_destination.expand(data, "f.yaml", []) is data


@pytest.mark.parametrize("change, expected", [
    ({"for_each_destination": "AD"}, "for_each_destination: expected a list of two-letter country codes"),
    ({"for_each_destination": ["ad"]}, "for_each_destination: expected a list of two-letter country codes"),
    ({"for_each_destination": []}, "for_each_destination: expected a list of two-letter country codes"),
    ({"for_each_destination": ["AD", "AD"]}, "for_each_destination: AD listed twice"),
    ({"finding_fields": {"FR": {"conflict_note": "x"}}}, "finding_fields: FR not in for_each_destination"),
    ({"finding_fields": {"EE": "x"}}, "finding_fields: expected, for each destination, a mapping"),
    ({"finding_fields": {"EE": {"title": "x"}}}, "finding_fields: EE: title: already set by the finding written"),
])
def test_a_malformed_list_is_a_problem_naming_the_file_and_the_key(change, expected):
    problems: list[str] = []
    per_destination.expand({**TEMPLATE, **change}, "layer l: f.yaml", problems)
    assert len(problems) == 1 and problems[0].startswith("layer l: f.yaml: " + expected), problems


def test_a_malformed_list_in_a_ruleset_stops_loading_with_the_file_named(tmp_path):
    rulesets = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", rulesets)
    data = yaml.safe_load((rulesets / "passport-index" / "entry.yaml").read_text(encoding="utf-8"))
    data["for_each_destination"].append(data["for_each_destination"][0])
    (rulesets / "passport-index" / "entry.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RulesetError) as e:
        load_rulesets(rulesets=(rulesets,))
    assert any(p.startswith("passport-index/entry.yaml: for_each_destination: AD listed twice") for p in e.value.problems)


def test_the_passport_index_rules_are_written_out_once_per_destination_as_by_hand():
    data = yaml.safe_load(ENTRY.read_text(encoding="utf-8"))
    codes = data["for_each_destination"]
    book = load_rulesets()
    for code in codes:
        fid = f"regime.{code.lower()}.entry.passport_index"
        finding = book.findings[fid]
        assert finding.destination == code
        rules = book.rules_of(fid)
        assert sorted(r.id.rsplit(".", 1)[1] for r in rules) == ["refused", "visa", "visa_free"]
        assert all(f"passport_index.{code}.requirement" in book.facts_read(r.id) for r in rules)
        assert all(f"destination {code}," in r.cite[0].pinpoint for r in rules)
        assert bool(finding.conflicts_with) == (code in data.get("finding_fields", {}))
    assert len(codes) > 150
    assert ENTRY.stat().st_size < 20_000  # written once, not 197 times (it was 668 kB)
