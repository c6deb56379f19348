"""Issue 17: a key given twice is an error naming it, never a silent "the last one wins" — in a YAML or JSON profile,
a JSON line of a batch, a service request body and a rules file (a CSV column named twice: test_batch_input)."""

from __future__ import annotations

import json

import pytest

from refugee_rules import ProfileError, RulesetError, load_rulesets
from refugee_rules.case.inputs import read_profile
from refugee_rules.tasks import batch

from tests.test_cli import run

TWO_FEARS = """nationalities: [RU]
fear:
  fears_return: true
  agents: [state]
location: {country: GE}
fear:
  agents: [state]
"""


def test_a_profile_with_a_key_twice_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(TWO_FEARS, encoding="utf-8")
    with pytest.raises(ProfileError) as raised:
        read_profile(path)
    assert "'fear' twice" in str(raised.value) and "line 6" in str(raised.value)
    nested = tmp_path / "n.yaml"
    nested.write_text("fear: {fears_return: true, fears_return: false}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="'fears_return' twice"):
        read_profile(nested)
    as_json = tmp_path / "p.json"
    as_json.write_text('{"nationalities": ["RU"], "fear": {"fears_return": true}, "fear": {}}', encoding="utf-8")
    with pytest.raises(ProfileError, match="'fear' is given twice"):
        read_profile(as_json)
    result = run("assess", str(path), "--engine", "compiled")
    assert result.returncode == 2 and "'fear' twice" in result.stderr and "Traceback" not in result.stderr
    piped = run("assess", "-", "--engine", "compiled", input=TWO_FEARS)  # standard input is read as YAML
    assert piped.returncode == 2 and "'fear' twice" in piped.stderr


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("base: &b {fears_return: true, agents: [state]}\nnationalities: [RU]\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="base"):  # an unknown field, not a duplicate
        read_profile(path)
    path.write_text("nationalities: [RU]\nfear:\n  <<: {fears_return: false}\n  fears_return: true\n", encoding="utf-8")
    assert read_profile(path).model_dump(exclude_none=True)["fear"]["fears_return"] is True


def test_a_batch_line_with_a_key_twice_is_an_error_record(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"nationalities": ["RU"], "nationalities": ["KZ"]}\n{"nationalities": ["RU"]}\n', encoding="utf-8")
    counts = batch.run(source, tmp_path / "out.jsonl", as_of="2024-03-01", engine="compiled")
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (counts.read, counts.errors) == (2, 1)
    assert lines[0]["status"] == "error" and "'nationalities' is given twice" in json.dumps(lines[0])
    assert lines[1]["status"] == "assessed"


def test_a_rules_file_with_a_key_twice_is_a_load_error_naming_file_key_and_line(tmp_path):
    layer = tmp_path / "layer"
    layer.mkdir()
    (layer / "rules.yaml").write_text(
        "ruleset: l\ntitle: L\nversion: '1'\nfindings: [{id: l.f, kind: element, title: F, asks: A, group: g}]\n"
        "rules:\n- id: l.r\n  concludes: {finding: l.f, answer: met}\n  when: {fact: fear.fears_return, eq: true}\n"
        "  when: {fact: fear.fears_return, eq: false}\n  because: b\n"
        "  cite: [{source: convention-1951, pinpoint: 'Art 1A(2)'}]\n", encoding="utf-8")
    with pytest.raises(RulesetError) as raised:
        load_rulesets([layer])
    assert "rules.yaml" in str(raised.value) and "'when' twice" in str(raised.value) and "line 9" in str(raised.value)


def test_a_service_body_with_a_key_twice_is_a_422_naming_the_key():
    pytest.importorskip("fastapi")
    from starlette.testclient import TestClient

    from refugee_rules.frontends import service

    with TestClient(service.create_app()) as client:
        body = b'{"profile": {"nationalities": ["RU"], "fear": {"fears_return": true}, "fear": {}}, "as_of": "2024-03-01"}'
        answer = client.post("/assess", content=body, headers={"content-type": "application/json"})
        assert answer.status_code == 422 and "'fear' is given twice" in answer.json()["errors"][0]["message"]
        fine = client.post("/assess", content=body.replace(b', "fear": {}', b""),
                           headers={"content-type": "application/json"})
        assert fine.status_code == 200
