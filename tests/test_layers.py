"""Custom ruleset layers: loaded over the built-in rulesets, linted the same way, overrides declared and shown."""

from __future__ import annotations

import json

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from refugee_rules import RulesetError, assess, load_rulesets
from refugee_rules.frontends.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "layers" / "example-ngo-referral"
AS_OF = "2024-03-01"
PROFILE = {
    "nationalities": ["RU"], "location": {"country": "KZ"}, "fear": {"fears_return": True},
    "legal_cases": [{"kind": "criminal", "stage": "charged", "based_on_protected_conduct": True}],
}

FEAR_RULE = {
    "id": "e2a.fear-stated", "concludes": {"finding": "fear_subjective", "answer": "met"},
    "when": {"fact": "fear.fears_return", "eq": True}, "because": "Layer wording: afraid to return.",
    "cite": [{"source": "unhcr-handbook-2019", "pinpoint": "¶¶37-38", "confirmed": True}],
}


def _layer(tmp_path: Path, rules: list[dict], findings: list[dict] | None = None, sources: list[dict] | None = None,
           name: str = "my-layer") -> Path:
    d = tmp_path / name
    d.mkdir()
    if sources is not None:
        (d / "sources.yaml").write_text(yaml.safe_dump(sources), encoding="utf-8")
    doc = {"ruleset": name, "title": "test layer", "version": "1", "findings": findings or [], "rules": rules}
    (d / "rules.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return d


def test_the_example_layer_loads_over_the_built_in_rulesets():
    base = load_rulesets()
    book = load_rulesets([EXAMPLE])
    assert set(book.layer_of) == {"example-ngo.open-case-for-protected-conduct", "e2a.fear-stated"}
    assert book.overrides["e2a.fear-stated"].replaces == "e2a.fear-stated"
    assert book.overrides["e2a.fear-stated"].replaced_file == "convention/article-1a2.yaml"
    assert "example-ngo-referral-policy" in book.sources and "example-ngo-referral-policy" not in base.sources
    assert set(base.rules) - {"e2a.fear-stated"} < set(book.rules)
    assert book.content_hash != base.content_hash


def test_an_override_says_so_in_the_finding_and_an_added_rule_is_named():
    result = assess(PROFILE, as_of=AS_OF, layers=(EXAMPLE,))
    fear = result.finding("fear_subjective")
    assert fear.answer == "met"
    assert fear.explanation.startswith("The person told us that they are afraid to go back.")
    assert "overrides the built-in rule e2a.fear-stated" in fear.explanation
    assert any("example-ngo-referral" in n and "overrides the built-in rule e2a.fear-stated" in n for n in map(str, fear.notes))
    referral = result.finding("example_ngo.refer_to_lawyer_now")
    assert referral.answer == "met"
    assert {c.source for c in referral.citations} == {"example-ngo-referral-policy", "unhcr-handbook-2019"}
    assert any("added by this layer" in n for n in map(str, referral.notes))
    plain = assess(PROFILE, as_of=AS_OF)
    assert not any("layer" in n for n in map(str, plain.finding("fear_subjective").notes))
    assert plain.finding("fear_subjective").explanation == "They state that they fear returning."
    assert plain.metadata.rulesets_hash != result.metadata.rulesets_hash


def test_the_layer_changes_nothing_else():
    plain = assess(PROFILE, as_of=AS_OF, engine="compiled")
    layered = assess(PROFILE, as_of=AS_OF, engine="compiled", layers=(EXAMPLE,))
    assert plain.outcome == layered.outcome
    statuses = {f.id: f.answer for f in layered.findings if f.id != "example_ngo.refer_to_lawyer_now"}
    assert statuses == {f.id: f.answer for f in plain.findings}


def test_a_reused_rule_id_without_overrides_is_a_load_error(tmp_path):
    d = _layer(tmp_path, [FEAR_RULE])
    with pytest.raises(RulesetError) as e:
        load_rulesets([d])
    text = str(e.value)
    assert "layer my-layer: rules.yaml: rule e2a.fear-stated: id already used in convention/article-1a2.yaml" in text
    assert "declare `overrides: e2a.fear-stated`" in text


def test_an_override_may_replace_a_rule_under_a_new_id(tmp_path):
    rule = dict(FEAR_RULE, id="my.fear", overrides="e2a.fear-stated")
    book = load_rulesets([_layer(tmp_path, [rule])])
    assert "e2a.fear-stated" not in book.rules and "my.fear" in book.rules
    assert book.overrides["my.fear"].replaces == "e2a.fear-stated"
    result = assess({"fear": {"fears_return": True}}, as_of=AS_OF, layers=(tmp_path / "my-layer",))
    f = result.finding("fear_subjective")
    assert f.rules_fired == ["my.fear"] and f.explanation.startswith("Layer wording")
    assert any("rule my.fear overrides the rule e2a.fear-stated" in n for n in map(str, f.notes))


def test_overriding_a_rule_that_does_not_exist_is_an_error(tmp_path):
    rule = dict(FEAR_RULE, overrides="e2a.fear-stayted")
    with pytest.raises(RulesetError, match=r"overrides 'e2a.fear-stayted', which no ruleset loaded before .*did you mean 'e2a.fear-stated'"):
        load_rulesets([_layer(tmp_path, [rule])])


def test_overrides_outside_a_layer_is_an_error(tmp_path):
    d = _layer(tmp_path, [dict(FEAR_RULE, overrides="e2a.fear-stated")],
               findings=[{"id": "fear_subjective", "kind": "element", "title": "t", "asks": "a?", "group": "g"}],
               sources=[{"id": "unhcr-handbook-2019", "kind": "element", "title": "HB", "kind": "guidance"}])
    with pytest.raises(RulesetError, match="`overrides` is allowed only in a custom layer"):
        load_rulesets(rulesets=(d,))


def test_a_layer_is_linted_like_the_built_in_rulesets(tmp_path):
    rule = {"id": "my.rule", "concludes": {"finding": "my_finding", "answer": "met"},
            "when": {"fact": "fear.fears_retrun", "eq": True}, "because": "x",
            "cite": [{"source": "unhcr-handbook-2019", "pinpoint": "¶38"}]}
    other = {"id": "my.other", "concludes": {"finding": "my_other", "answer": "met"},
             "when": {"fact": "fear.fears_return", "eq": True}, "because": "x",
             "cite": [{"source": "my-unknown-source", "pinpoint": "§1"}]}
    d = _layer(tmp_path, [rule, other], findings=[{"id": "my_finding", "kind": "element", "title": "t", "asks": "a?", "group": "g"},
                                                  {"id": "my_other", "kind": "element", "title": "t", "asks": "a?", "group": "g"}])
    with pytest.raises(RulesetError) as e:
        load_rulesets([d])
    text = str(e.value)
    assert "layer my-layer: rules.yaml: rule my.rule: unknown fact 'fear.fears_retrun'" in text
    assert "fear.fears_return" in text  # did-you-mean for the misspelt fact path
    assert "citation source 'my-unknown-source' is not in sources.yaml" in text


def test_a_layer_cites_its_own_sources(tmp_path):
    rule = {"id": "my.rule", "concludes": {"finding": "my_finding", "answer": "met"},
            "when": {"fact": "fear.fears_return", "eq": True}, "because": "They fear return.",
            "cite": [{"source": "my-policy", "pinpoint": "§1"}]}
    d = _layer(tmp_path, [rule], findings=[{"id": "my_finding", "kind": "element", "title": "t", "asks": "a?", "group": "g"}],
               sources=[{"id": "my-policy", "kind": "element", "title": "Our policy", "kind": "guidance"}])
    result = assess({"fear": {"fears_return": False}}, as_of=AS_OF, layers=(d,))
    f = result.finding("my_finding")
    assert f.answer == "not_met" and f.citations[0].source_title == "Our policy"


def test_a_duplicate_source_id_in_a_layer_is_an_error(tmp_path):
    d = _layer(tmp_path, [], sources=[{"id": "convention-1951", "kind": "element", "title": "again", "kind": "instrument"}])
    with pytest.raises(RulesetError, match="source 'convention-1951' defined twice"):
        load_rulesets([d])


def test_the_cli_validates_and_applies_a_layer(capsys, tmp_path):
    assert main(["validate", "--layer", str(EXAMPLE)]) == 0
    assert str(EXAMPLE) in capsys.readouterr().out
    profile = tmp_path / "p.yaml"
    profile.write_text(yaml.safe_dump(PROFILE), encoding="utf-8")
    assert main(["assess", str(profile), "--as-of", AS_OF, "--format", "json", "--layer", str(EXAMPLE)]) == 0
    out = json.loads(capsys.readouterr().out)
    fear = next(f for f in out["findings"] if f["id"] == "fear_subjective")
    assert {"code": "layer_override", "rule": "e2a.fear-stated", "layer": "example-ngo-referral",
            "replaces": "e2a.fear-stated", "replaced_file": "convention/article-1a2.yaml"} in fear["notes"]
    assert main(["validate", "--layer", str(_layer(tmp_path, [FEAR_RULE]))]) == 2
    assert "id already used" in capsys.readouterr().err


def test_the_embedding_example_script_runs():
    run = subprocess.run([sys.executable, str(ROOT / "examples" / "embed_layer.py")], capture_output=True, text=True,
                         timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "example_ngo.refer_to_lawyer_now: met" in lines
    assert "fear_subjective: met: The person told us that they are afraid to go back." in run.stdout
    assert any(line.startswith("  note: Custom layer 'example-ngo-referral': rule e2a.fear-stated overrides") for line in lines)
    assert "record example-1: " in run.stdout
    assert any(line.startswith("record 1 (example-2): nationalities:") for line in lines)
