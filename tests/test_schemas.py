"""schemas/*.schema.json are the live models' JSON Schemas, a form builder finds a description on every field and
labels in both languages on every coded value, and Ajv 8 in strict mode accepts every schema we publish (the files,
GET /schema/{name} and the service's OpenAPI) and validates real documents with them.

The Ajv tests run node on tools/ajv/check.mjs with the packages of tools/ajv/package-lock.json (`make ajv`, or the
fixture's `npm ci`); they skip, saying why, only where node or npm is missing or npm cannot reach its registry.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from refugee_rules import assess
from refugee_rules.case.inputs import read_document
from refugee_rules.frontends.cli import main
from refugee_rules.frontends.schemas import DOCUMENTS, X_KEYWORDS, json_schema
from refugee_rules.result.catalogue import catalogue_json

ROOT = Path(__file__).resolve().parents[1]
MODELS = DOCUMENTS
REGENERATE = "make schemas"
AJV = ROOT / "tools" / "ajv"
EXAMPLES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))


def _expected(name: str) -> str:
    return json.dumps(json_schema(name), indent=2, ensure_ascii=False) + "\n"


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


def _stored(name: str) -> dict:
    return json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))


def _coded_nodes(node, path=""):
    """Every (path, node) of a schema that lists coded values (an enum, or one value as const)."""
    if isinstance(node, dict):
        if "enum" in node or "const" in node:
            yield path, node
        for key, value in node.items():
            yield from _coded_nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _coded_nodes(value, f"{path}/{i}")


def test_every_coded_value_of_the_profile_has_labels_in_both_languages():
    nodes = list(_coded_nodes(_stored("profile")))
    assert len(nodes) > 100
    for path, node in nodes:
        values = node.get("enum") or [node["const"]]
        labels = node.get("x-enum-labels")
        assert labels is not None, path
        assert set(labels) == {"en", "ru"} and all(set(labels[lang]) == set(values) for lang in labels), path
        assert all(re.search("[а-яё]", text) for text in labels["ru"].values()), (path, labels["ru"])
        assert all(text and not re.search("[а-яё]", text) for text in labels["en"].values()), (path, labels["en"])
    agents = _stored("profile")["$defs"]["Fear"]["properties"]["agents"]["anyOf"]
    assert agents[0]["items"]["x-enum-labels"]["en"]["non_state"] == "non-state actors"
    assert agents[1]["x-enum-labels"] == {"en": {"unknown": "don't know"}, "ru": {"unknown": "не знаю"}}
    summoned = _stored("profile")["$defs"]["Military"]["properties"]["summoned"]
    assert summoned["x-question"]["en"] == "Has the person received a summons?" and re.search("[а-яё]", summoned["x-question"]["ru"])
    assert "question" not in summoned  # moved under x-, so a strict validator knows what it is told


def test_every_question_is_in_english_and_russian_but_a_listed_items():
    """A listed item's fields (a legal case's stage, a visa's type) have no Russian question in the content catalog
    yet: those alone are English only, never English labelled as Russian."""
    schema = _stored("profile")
    listed = {ref["$ref"].rsplit("/", 1)[1] for node in [schema, *schema["$defs"].values()]
              for spec in (node.get("properties") or {}).values() for alt in spec.get("anyOf", [])
              if alt.get("type") == "array" and "$ref" in (ref := alt.get("items", {}))}
    assert {"LegalCase", "Visa", "AsylumApplication"} <= listed
    english_only = set()
    for name, node in {"CaseProfile": schema, **schema["$defs"]}.items():
        for prop, spec in (node.get("properties") or {}).items():
            for key in ("x-question", "x-client-question"):
                if key in spec:
                    assert spec[key]["en"] and set(spec[key]) <= {"en", "ru"}
                    if "ru" in spec[key]:
                        assert re.search("[а-яё]", spec[key]["ru"]), (name, prop)
                    else:
                        english_only.add(name)
    assert english_only <= listed


# --- Ajv 8, strict mode -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ajv():
    """A function running tools/ajv/check.mjs on one request (see there); installs the locked packages if needed."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed (Debian: apt-get install -y nodejs npm); the schemas were not "
                    "checked with Ajv")
    installed = AJV / "node_modules" / ".package-lock.json"  # npm's record of what it installed
    if not installed.is_file() or installed.stat().st_mtime < (AJV / "package-lock.json").stat().st_mtime:
        run = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], cwd=AJV,
                             capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            pytest.skip(f"`npm ci` in tools/ajv failed (is the npm registry reachable?); the schemas were not checked "
                        f"with Ajv: {run.stderr.strip()[-300:]}")

    def check(schemas: dict, instances: list | None = None, keywords=X_KEYWORDS) -> dict:
        request = {"keywords": list(keywords), "schemas": schemas, "instances": instances or []}
        run = subprocess.run([node, "check.mjs"], cwd=AJV, input=json.dumps(request), capture_output=True, text=True,
                             timeout=120)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    return check


def _openapi() -> dict:
    from fastapi.testclient import TestClient

    from refugee_rules.frontends.service import create_app

    return TestClient(create_app()).get("/openapi.json").json()


def test_every_published_schema_compiles_in_ajv_strict_mode(ajv):
    schemas = {name: _stored(name) for name in sorted(MODELS)} | {"openapi": _openapi()}
    assert ajv(schemas)["errors"] == {}
    # the check is real: strict mode refuses our keywords when they are not declared, and the models' raw schemas
    undeclared = ajv({"profile": _stored("profile")}, keywords=())["errors"]
    assert "unknown keyword" in undeclared["profile"]
    raw = ajv({"profile": MODELS["profile"].model_json_schema()})["errors"]
    assert "strict mode" in raw["profile"]


def test_ajv_validates_real_documents_with_the_schemas(ajv):
    profiles = [read_document(path) for path in EXAMPLES]
    boris = assess(profiles[0], as_of="2024-03-01", engine="compiled")
    wrong = [{"nationalites": ["RU"]}, {"fear": {"agents": ["aliens"]}}, {"fear": {"fears_return": "perhaps"}},
             {"identity": {"religion": "x" * 201}}]
    instances = ([{"schema": "profile", "data": p} for p in profiles + wrong]
                 + [{"schema": "assessment", "data": json.loads(boris.to_json())},
                    {"schema": "catalogue", "data": json.loads(catalogue_json(boris.rule_book))},
                    {"schema": "openapi", "ref": "#/$defs/AssessRequest",
                     "data": {"profile": profiles[0], "as_of": "2024-03-01", "format": "html", "lang": "ru"}},
                    {"schema": "openapi", "ref": "#/$defs/AssessRequest", "data": {"profile": {}, "format": "pdf"}}])
    reply = ajv({name: _stored(name) for name in sorted(MODELS)} | {"openapi": _openapi()}, instances)
    valid = [r["valid"] for r in reply["results"]]
    assert valid[:len(profiles)] == [True] * len(profiles), [r["errors"] for r in reply["results"][:len(profiles)]]
    assert valid[len(profiles):len(profiles) + len(wrong)] == [False] * len(wrong)
    assert valid[len(profiles) + len(wrong):] == [True, True, True, False], reply["results"][len(profiles) + len(wrong):]
    assert any(e.startswith("/format ") for e in reply["results"][-1]["errors"])
    assert any(e.startswith("/fear/agents/0 ") for e in reply["results"][len(profiles) + 1]["errors"])
