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
