"""schemas/*.schema.json are the live models' JSON Schemas, and a form builder finds a description on every field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refugee_rules import CaseProfile
from refugee_rules.result.catalogue import Catalogue
from refugee_rules.frontends.cli import main
from refugee_rules.result.compact import CompactAssessment

ROOT = Path(__file__).resolve().parents[1]
MODELS = {"profile": CaseProfile, "assessment": CompactAssessment, "catalogue": Catalogue}
REGENERATE = "make schemas"


def _expected(name: str) -> str:
    return json.dumps(MODELS[name].model_json_schema(), indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_stored_schema_is_the_models_schema(name):
    path = ROOT / "schemas" / f"{name}.schema.json"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: run `{REGENERATE}`"
    stored = path.read_text(encoding="utf-8")
    assert stored == _expected(name), (
        f"{path.relative_to(ROOT)} no longer matches the {MODELS[name].__name__} model "
        f"(someone changed the model): run `{REGENERATE}` and commit the result"
    )


@pytest.mark.parametrize("name", sorted(MODELS))
def test_the_cli_prints_the_same_schema(name, capsys):
    assert main(["schema", name]) == 0
    assert capsys.readouterr().out == _expected(name)


def test_every_profile_field_has_a_description_for_form_builders():
    schema = json.loads((ROOT / "schemas" / "profile.schema.json").read_text(encoding="utf-8"))
    nodes = {"CaseProfile": schema, **schema.get("$defs", {})}
    missing = [f"{name}.{prop}" for name, node in nodes.items()
               for prop, spec in (node.get("properties") or {}).items() if not spec.get("description")]
    counted = sum(len(node.get("properties") or {}) for node in nodes.values())
    assert counted > 50
    assert missing == []


def test_the_schemas_are_json_schema_documents_with_the_public_contract():
    profile = json.loads((ROOT / "schemas" / "profile.schema.json").read_text(encoding="utf-8"))
    assessment = json.loads((ROOT / "schemas" / "assessment.schema.json").read_text(encoding="utf-8"))
    assert profile["type"] == "object" and "nationalities" in profile["properties"]
    assert profile.get("additionalProperties") is False  # unknown keys are rejected, so a form cannot invent fields
    finding = assessment["$defs"]["CompactFinding"]["properties"]
    assert {"id", "kind", "answer", "facts_used", "rules", "questions"} <= set(finding)
    catalogue = json.loads((ROOT / "schemas" / "catalogue.schema.json").read_text(encoding="utf-8"))
    assert {"title", "asks", "kind", "answers"} <= set(catalogue["$defs"]["FindingEntry"]["properties"])
    assert {"citations", "because"} <= set(catalogue["$defs"]["RuleEntry"]["properties"])
    metadata = assessment["$defs"]["Metadata"]["properties"]
    assert {"library_version", "rulesets_hash", "engine", "as_of", "profile_hash"} <= set(metadata)
