"""Issue 17, custom layers: a layer that validates answers every assessment, on both engines, in bounded time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from refugee_rules.api import assess, load_rulesets
from refugee_rules.engine import durable_available
from refugee_rules.errors import RulesetError

AS_OF = "2024-03-01"
CITE = [{"source": "unhcr-handbook-2019", "pinpoint": "¶¶37-38", "confirmed": True}]
PROFILE = {"nationalities": ["RU"], "identity": {"religion": "none"}, "fear": {"fears_return": True}}


def _layer(tmp_path: Path, rules: list[dict], findings: list[dict], name: str = "my-layer") -> Path:
    d = tmp_path / name
    d.mkdir()
    doc = {"ruleset": name, "title": "test layer", "version": "1", "findings": findings, "rules": rules}
    (d / "rules.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return d


def _finding(i: int) -> dict:
    return {"id": f"my_f{i}", "kind": "element", "title": f"Element {i}", "asks": "a?", "group": "g"}


def _rule(i: int, when: dict, because: str = "b") -> dict:
    return {"id": f"my.r{i}", "concludes": {"finding": f"my_f{i}", "answer": "met"}, "when": when,
            "because": because, "cite": CITE}


@pytest.mark.skipif(not durable_available(), reason="durable-rules is not installed")
def test_a_layer_of_many_rules_reading_one_fact_does_not_hang_the_durable_engine(tmp_path):
    n = 300  # 80 hung create_ruleset (more than 512 tokens under one alpha node); 70 hit "error code: 303"
    rules = [_rule(i, {"fact": "identity.religion", "ne": f"x{i}"} if i % 2 else {"fact": "identity.religion",
                                                                                 "eq": f"x{i}"}) for i in range(n)]
    layer = _layer(tmp_path, rules, [_finding(i) for i in range(n)])
    code = ("import json; from refugee_rules.api import assess; "
            f"r = assess({PROFILE!r}, as_of={AS_OF!r}, engine='durable', layers=({str(layer)!r},)); "
            "print(json.dumps({f.id: f.answer for f in r.findings}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    compiled = assess(PROFILE, as_of=AS_OF, engine="compiled", layers=(layer,))
    assert yaml.safe_load(done.stdout) == {f.id: f.answer for f in compiled.findings}
    assert compiled.answer("my_f1") == "met" and compiled.answer("my_f0") == "not_met"


@pytest.mark.parametrize("template", [
    "{{ 9**(9**10) }}",  # folded as a constant at compile time: validate hung
    "{{ 'x' * 10**9 }}",
    "{{ 1 + 'a' }}",  # TypeError in every assessment
    "{{ fear.fears_return + 1 }}",  # UndefinedError when the fact is not stated
    "{% for a in range(10**6) %}x{% endfor %}",
    "{% for a in fear.agents %}{% for b in fear.agents %}{% for c in fear.agents %}x{% endfor %}{% endfor %}{% endfor %}",
])
def test_a_layer_template_that_would_crash_or_hang_assessments_fails_validation(tmp_path, template):
    layer = _layer(tmp_path, [_rule(0, {"fact": "fear.fears_return", "eq": True}, template)], [_finding(0)])
    with pytest.raises(RulesetError, match="rule my.r0: explanation template"):
        load_rulesets([layer])


def test_a_template_that_fails_at_render_time_does_not_take_the_assessment_down():
    from refugee_rules.law.templates import ExplanationTemplate

    text = ExplanationTemplate("{{ fear.agents + 1 }}").render(fear={"agents": ["state"]})
    assert text == "(this explanation could not be written: TypeError in its template)"
    assert ExplanationTemplate("{{ fear.x.y }}").render(fear={}) == "(not stated)"


def test_an_alias_bomb_in_when_does_not_hang_validate(tmp_path):
    d = tmp_path / "bomb"
    d.mkdir()
    lines = ['a0: &a0 {fact: fear.fears_return, eq: true}']
    lines += [f"a{i}: &a{i} {{any: [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]}}" for i in range(1, 14)]
    (d / "rules.yaml").write_text("\n".join(lines) + "\nruleset: bomb\ntitle: t\nversion: '1'\nfindings: []\nrules:\n"
                                  "- {id: my.r0, concludes: {finding: my_f0, answer: met}, when: *a13, because: b}\n")
    done = subprocess.run([sys.executable, "-m", "refugee_rules.frontends.cli", "validate", "--layer", str(d)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "values once aliases are expanded" in done.stderr


def test_layer_loading_refuses_symbolic_links_and_quotes_no_file(tmp_path):
    secret = tmp_path / "case.yaml"
    secret.write_text("fear: {fears_return: true}\nidentity: {religion: secret-religion}\n")
    d = tmp_path / "linked"
    d.mkdir()
    (d / "rules.yaml").symlink_to(secret)
    with pytest.raises(RulesetError) as caught:
        load_rulesets([d])
    assert "a symbolic link" in str(caught.value) and "secret-religion" not in str(caught.value)
