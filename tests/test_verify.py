"""Audit: every assessment carries what is needed to re-run it, and `verify` says identical or what differs."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from refugee_rules.result.compact import FORMAT_VERSION
from refugee_rules import __version__, assess, verify
from refugee_rules.api import profile_hash
from refugee_rules.frontends.cli import main
from refugee_rules.engine import durable_available

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "examples" / "layers" / "example-ngo-referral"
PROFILE = {
    "case_ref": "audit-1", "nationalities": ["RU"], "location": {"country": "KZ"},
    "fear": {"fears_return": True, "agents": ["state"], "reasons_attributed": ["political_opinion"]},
    "legal_cases": [{"kind": "criminal", "stage": "charged", "based_on_protected_conduct": True}],
}


def _stored(tmp_path: Path, **options) -> tuple[Path, Path]:
    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump(PROFILE), encoding="utf-8")
    result = assess(PROFILE, as_of="2024-03-01", **options)
    stored = tmp_path / "assessment.json"
    stored.write_text(result.to_json(), encoding="utf-8")
    return stored, profile


def test_every_assessment_carries_its_audit_metadata():
    result = assess(PROFILE, as_of="2024-03-01", engine="compiled")
    m = result.metadata
    assert m.library_version == __version__ and m.engine == "compiled" and str(m.as_of) == "2024-03-01"
    assert len(m.rulesets_hash) == 64 and m.profile_hash == profile_hash(result_profile()) and m.case_ref == "audit-1"


def result_profile():
    from refugee_rules import CaseProfile

    return CaseProfile.model_validate(PROFILE)


def test_an_unchanged_assessment_verifies_identical(tmp_path, capsys):
    stored, profile = _stored(tmp_path, engine="compiled")
    result = verify(stored, PROFILE)
    assert result.identical and result.differences == []
    assert main(["verify", str(stored), str(profile)]) == 0
    assert capsys.readouterr().out.startswith("identical")


def test_a_different_profile_is_reported_with_the_findings_that_changed(tmp_path, capsys):
    stored, profile = _stored(tmp_path, engine="compiled")
    edited = dict(PROFILE, fear=dict(PROFILE["fear"], fears_return=False))
    result = verify(stored, edited)
    assert not result.identical and result.profile_changed and not result.rules_changed
    assert "fear_subjective" in result.findings_changed
    assert "finding fear_subjective: answer met -> not_met" in result.report()
    profile.write_text(yaml.safe_dump(edited), encoding="utf-8")
    assert main(["verify", str(stored), str(profile)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("different:") and "profile: this is not the profile that was assessed" in out


def test_changed_rules_are_reported_as_a_ruleset_hash_change(tmp_path):
    stored, _ = _stored(tmp_path, engine="compiled")
    result = verify(stored, PROFILE, layers=(LAYER,))  # the same profile, assessed with other rules
    assert not result.identical and result.rules_changed and not result.profile_changed and not result.engine_changed
    assert "fear_subjective" in result.findings_changed
    assert any(line.startswith("rules changed: ruleset content hash") for line in result.differences)
    (tmp_path / "layered").mkdir()
    layered, _ = _stored(tmp_path / "layered", engine="compiled", layers=(LAYER,))
    assert verify(layered, PROFILE, layers=(LAYER,)).identical


def test_a_changed_engine_or_library_version_is_reported(tmp_path):
    stored, _ = _stored(tmp_path, engine="compiled")
    data = json.loads(stored.read_text())
    data["metadata"]["library_version"] = "0.0.1"
    result = verify(data, PROFILE)
    assert result.engine_changed and not result.rules_changed
    assert f"engine changed: library version 0.0.1 -> {__version__}" in result.differences
    if durable_available():
        data = json.loads(stored.read_text())
        data["metadata"]["engine"] = "durable"
        # re-run on the recorded backend, durable: it agrees with compiled on every field, so nothing differs
        assert verify(data, PROFILE).identical


def test_a_tampered_finding_is_named(tmp_path):
    stored, _ = _stored(tmp_path, engine="compiled")
    data = json.loads(stored.read_text())
    target = next(f for f in data["findings"] if f["id"] == "being_persecuted")
    target["answer"] = "not_met"
    result = verify(data, PROFILE)
    assert result.findings_changed == ["being_persecuted"]
    assert any(line.startswith("finding being_persecuted: answer not_met -> met") for line in result.differences)


def test_bad_input_exits_2(tmp_path, capsys):
    stored, profile = _stored(tmp_path, engine="compiled")
    junk = tmp_path / "junk.json"
    junk.write_text("{not json", encoding="utf-8")
    assert main(["verify", str(junk), str(profile)]) == 2
    assert "not a JSON assessment" in capsys.readouterr().err
    junk.write_text(json.dumps({"findings": []}), encoding="utf-8")
    assert main(["verify", str(junk), str(profile)]) == 2
    assert "no 'metadata'" in capsys.readouterr().err
    bad_profile = tmp_path / "bad.yaml"
    bad_profile.write_text("nationalities: RU\n", encoding="utf-8")
    assert main(["verify", str(stored), str(bad_profile)]) == 2
    assert main(["verify", str(tmp_path / "missing.json"), str(profile)]) == 2


def test_an_assessment_stored_in_format_1_is_read_and_its_answers_compared(tmp_path):
    """Format 1 (before typed answers) had ``status`` met / not_met / undetermined on every finding."""
    from refugee_rules.law.kinds import KINDS

    data = json.loads(assess(PROFILE, as_of="2024-03-01", engine="compiled").to_json())
    data.pop("format_version")
    data["metadata"]["format_version"] = "1.1"
    for f in data["findings"]:
        f["status"] = KINDS[f.pop("kind")].side_of_answer(f.pop("answer"))
    same = verify(data, PROFILE)
    assert not same.identical and same.findings_changed == [] and same.differences[0].startswith(f"format: 1.1 -> {FORMAT_VERSION}")
    tampered = json.loads(json.dumps(data))
    target = next(f for f in tampered["findings"] if f["id"] == "exclusion_1f_a")
    target["status"] = "met"
    changed = verify(tampered, PROFILE)
    assert changed.findings_changed == ["exclusion_1f_a"]
    assert "finding exclusion_1f_a: answer met -> not_screened" in changed.differences


def test_an_assessment_made_for_chosen_destinations_verifies_identical(tmp_path):
    stored, _ = _stored(tmp_path, engine="compiled", destinations=["AM", "TR"])
    result = verify(stored, PROFILE)
    assert result.identical, result.differences


def test_an_assessment_stored_in_format_2_1_differs_only_in_its_format():
    """Format 2.1 wrote the destination notes as English sentences; 2.2 writes their codes. The same answers, re-run
    now, are reported as a change of format and nothing else."""
    profile = {"nationalities": ["RU"], "location": {"country": "GE"}}
    data = json.loads(assess(profile, as_of="2024-03-01", engine="compiled").to_json())
    assert data["destination_notes"] == [{"code": "here_only", "country": "GE"}]
    data["format_version"] = "2.1"
    data["destination_notes"] = ["No destinations of interest are given: answered for where the person is now (GE) "
                                 "only. Add `destinations:` to the profile, or ask for all destinations."]
    result = verify(data, profile)
    assert not result.identical and result.differences == [f"format: 2.1 -> {FORMAT_VERSION}"]
    data["destination_notes"] = ["Something else."]
    assert verify(data, profile).differences == [f"format: 2.1 -> {FORMAT_VERSION}", "destination_notes: differs"]
