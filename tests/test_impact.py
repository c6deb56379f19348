"""``impact``: a caseload across a rule change lists exactly the clients whose answers change, as per-case ``compare``
says, with counts; every record is accounted for; CSV and JSON lines; resume; two rules versions."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from refugee_rules import FailedRecord, ProfileError, compare, impact
from refugee_rules.frontends.cli import main
from refugee_rules.options import Options
from refugee_rules.tasks import impact as impact_task

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))
BEFORE, AFTER = "2022-09-01", "2022-10-15"
NORTH = ("FI", "EE", "LV", "LT")
OPTIONS = Options(engine="compiled")


def _visas(rnd: random.Random) -> list[dict[str, Any]]:
    return rnd.choice([[], [{"type": "tourist", "zone": "schengen", "issuing_state": rnd.choice(["FI", "EE", "DE", "IT"])}],
                       [{"type": "work", "zone": "schengen", "issuing_state": rnd.choice(["FI", "LV", "FR"])}],
                       [{"type": "humanitarian", "zone": "national", "issuing_state": rnd.choice(["LT", "LV"])}]])


def generated_caseload(n: int = 48, seed: int = 918) -> list[dict[str, Any]]:
    """Example profiles headed north on varied documents: some facts stated, some left unknown."""
    rnd = random.Random(seed)
    pool = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in EXAMPLES]
    out = []
    for i in range(n):
        profile = json.loads(json.dumps(rnd.choice(pool), default=str))
        profile["case_ref"] = f"client-{i}"
        profile["destinations"] = rnd.sample(NORTH, rnd.randint(1, 4))
        documents = profile.setdefault("documents", {})
        documents["travel_passport"] = {"held": rnd.random() < 0.8}
        documents["visas"] = _visas(rnd)
        if rnd.random() < 0.7:
            documents["residence_permits"] = [] if rnd.random() < 0.8 else [{"country": rnd.choice(NORTH)}]
        else:
            documents.pop("residence_permits", None)
        out.append(profile)
    return out


def _north(finding: str) -> bool:
    return any(finding.startswith((f"regime.{c.lower()}.entry.", f"destinations.{c}.entry")) for c in NORTH)


@pytest.fixture(scope="module")
def caseload() -> list[dict[str, Any]]:
    return generated_caseload()


@pytest.fixture(scope="module")
def impacts(caseload: list[dict[str, Any]]) -> list[Any]:
    return list(impact(caseload, from_date=BEFORE, to_date=AFTER, options=OPTIONS))


def test_impact_lists_exactly_the_clients_compare_finds_changed(caseload: list[dict[str, Any]], impacts: list[Any]) -> None:
    assert len(impacts) == len(caseload)
    northern_by_impact, northern_by_compare = set(), set()
    for profile, item in zip(caseload, impacts):
        comparison = compare(profile, as_of=BEFORE, as_of_other=AFTER, options=OPTIONS)
        expected = {c.id: (c.before.answer, c.after.answer) for c in comparison.changes}
        got = {c.finding: (c.before, c.after) for c in item.changes
               if c.finding != "outcome" and not c.finding.startswith("destinations.")}
        assert got == expected, profile["case_ref"]
        entry = {(d.code, d.entry) for d in comparison.before.destinations} ^ {(d.code, d.entry) for d in comparison.after.destinations}
        assert {c.finding for c in item.changes if c.finding.startswith("destinations.")} == \
               {f"destinations.{code}.entry" for code, _ in entry}
        assert any(c.finding == "outcome" for c in item.changes) == (comparison.outcome_before != comparison.outcome_after)
        if any(_north(c.id) for c in comparison.changes):
            northern_by_compare.add(item.case_ref)
        if any(_north(c.finding) for c in item.changes):
            northern_by_impact.add(item.case_ref)
    assert northern_by_impact == northern_by_compare
    # the caseload is one where the change matters, and not for everyone: Finland (30 September 2022) and the Baltic
    # states (19 September 2022) turned away Russians on Schengen tourist visas
    assert 0 < len(northern_by_compare) < len(caseload)


def test_each_change_says_why_with_the_rule_and_its_citation(impacts: list[Any]) -> None:
    changes = [c for item in impacts for c in item.changes if c.finding.startswith("regime.fi.entry.schengen_tourist_visa")]
    assert changes
    for c in changes:
        assert (c.before, c.after) == ("undetermined", "refused")
        assert c.rules_after == ["regime.fi.entry.schengen_tourist_visa.reported"] or c.rules_after
        assert c.citations and all(":" in cite for cite in c.citations)
        assert any(r.kind == "rule_in_force" for r in c.why)


def test_each_change_is_explained_as_the_full_assessments_explain_it(caseload: list[dict[str, Any]],
                                                                       impacts: list[Any]) -> None:
    """impact decides both sides and explains only the findings that changed: each change's rules, citations and
    reasons are those compare() finds from the two assessments explained in full."""
    for profile, item in zip(caseload[:12], impacts[:12]):
        comparison = compare(profile, as_of=BEFORE, as_of_other=AFTER, options=OPTIONS)
        expected = {c.id: (c.before.rules_fired, c.after.rules_fired, c.after.citations or c.before.citations, c.why)
                    for c in comparison.changes}
        got = {c.finding: (c.rules_before, c.rules_after, c.citations, c.why) for c in item.changes
               if c.finding != "outcome" and not c.finding.startswith("destinations.")}
        assert got == expected, profile["case_ref"]


def _cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, caseload: list[dict[str, Any]]) -> Path:
    path = tmp_path_factory.mktemp("impact") / "caseload.jsonl"
    lines = [json.dumps(p) for p in caseload]
    lines.insert(5, '{"nationalities": "RU"}')  # an error, named, never dropped
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_command_writes_json_lines_and_a_summary_that_add_up(tmp_path: Path, source: Path, impacts: list[Any]) -> None:
    out, summary = tmp_path / "changes.jsonl", tmp_path / "summary.csv"
    code, _, err = _cli("impact", str(source), "--from", BEFORE, "--to", AFTER, "-o", str(out), "--summary",
                        str(summary), "--engine", "compiled")
    assert code == 1  # one record is an error line
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    changed = [item for item in impacts if item.changes]
    assert len(lines) == len(changed) + 1
    [error] = [line for line in lines if line["status"] == "error"]
    assert error["index"] == 5 and error["record"] == "line 6" and "nationalities" in error["error"]["problems"][0]
    by_ref = {line["case_ref"]: line for line in lines if line["status"] == "changed"}
    for item in changed:
        assert [c["finding"] for c in by_ref[item.case_ref]["changes"]] == [c.finding for c in item.changes]
        assert [(c["from"], c["to"]) for c in by_ref[item.case_ref]["changes"]] == [(c.before, c.after) for c in item.changes]
    unchanged = len(impacts) - len(changed)
    assert f"read {len(impacts) + 1}, changed {len(changed)}, unchanged {unchanged}, errors 1" in err
    rows = list(csv.DictReader(summary.open(encoding="utf-8")))
    counted: dict[tuple[str, str, str, str], int] = {}
    for item in changed:
        for c in item.changes:
            key = (c.destination or "", c.finding, c.before or "(not answered)", c.after or "(not answered)")
            counted[key] = counted.get(key, 0) + 1
    assert {(r["destination"], r["finding"], r["from"], r["to"]): int(r["clients"]) for r in rows} == counted
    fi = sum(1 for item in changed if any(c.destination == "FI" for c in item.changes))
    assert f"  FI   {fi:>7}" in err  # clients with a change, per destination


def test_csv_has_one_row_per_change(tmp_path: Path, source: Path, impacts: list[Any]) -> None:
    out = tmp_path / "changes.csv"
    code, _, _ = _cli("impact", str(source), "--from", BEFORE, "--to", AFTER, "-o", str(out), "--engine", "compiled")
    assert code == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len([r for r in rows if r["status"] == "changed"]) == sum(len(item.changes) for item in impacts)
    assert [r["index"] for r in rows if r["status"] == "error"] == ["5"]
    fi = next(r for r in rows if r["finding"] == "regime.fi.entry.schengen_tourist_visa")
    assert (fi["from"], fi["to"], fi["destination"]) == ("undetermined", "refused", "FI")
    assert "comes into force" in fi["why"] and fi["citations"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_resume_continues_an_interrupted_run_to_the_same_output(tmp_path: Path, source: Path, fmt: str) -> None:
    whole, part = tmp_path / f"whole.{fmt}", tmp_path / f"part.{fmt}"
    args = ["--from", BEFORE, "--to", AFTER, "--engine", "compiled"]
    _cli("impact", str(source), "-o", str(whole), *args)
    data = whole.read_bytes()
    part.write_bytes(data[: len(data) * 2 // 3 + 7])  # cut mid-line, and mid-client for CSV
    code, _, err = _cli("impact", str(source), "-o", str(part), "--resume", *args)
    assert code == 1 and part.read_bytes() == data
    _, _, first = _cli("impact", str(source), "-o", str(tmp_path / f"again.{fmt}"), *args)
    assert first.split("\n", 1)[1] == err.split("\n", 1)[1]  # the same summary table
    assert "done by an earlier run" in err


def test_two_rules_versions(tmp_path: Path) -> None:
    new = tmp_path / "rulesets-v2"
    shutil.copytree(ROOT / "rulesets", new)
    fi = new / "regimes" / "FI.yaml"
    text = fi.read_text(encoding="utf-8")
    assert text.count("date: '2022-09-30'") == 1
    fi.write_text(text.replace("date: '2022-09-30'", "date: '2022-09-20'"), encoding="utf-8")
    profile = yaml.safe_load((ROOT / "examples/profiles/regime-finnish-border-schengen-tourist.yaml").read_text())
    with pytest.raises(ProfileError, match="the two sides are the same"):
        impact([profile], from_date="2022-09-25", options=OPTIONS)
    [item] = impact([profile], from_date="2022-09-25", to_rulesets=(new,), options=OPTIONS)
    change = next(c for c in item.changes if c.finding == "regime.fi.entry.schengen_tourist_visa")
    assert (change.before, change.after) == ("undetermined", "refused")
    assert {(r.kind, r.subject) for r in change.why} >= {
        ("rule_changed", "regime.fi.entry.schengen_tourist_visa.reported")}
    code, _, err = _cli("impact", str(ROOT / "examples" / "profiles"), "--from", "2022-09-25", "-o", "-")
    assert code == 2 and "the two sides are the same" in err


def test_bad_input_is_named() -> None:
    with pytest.raises(Exception) as e:
        list(impact({"nationalities": ["RU"]}, from_date=BEFORE, to_date=AFTER))
    assert "profiles: expected an iterable" in str(e.value)
    [failed] = impact([{"nationalites": ["RU"]}], from_date=BEFORE, to_date=AFTER, options=OPTIONS)
    assert isinstance(failed, FailedRecord) and "did you mean 'nationalities'" in failed.problems[0]
    code, _, err = _cli("impact", "no-such.jsonl", "--from", BEFORE, "--to", AFTER, "-o", "-")
    assert code == 2 and "no-such.jsonl" in err


def test_sides_default_to_each_other() -> None:
    left, right = impact_task.sides(OPTIONS, from_date=BEFORE, to_date=AFTER)
    assert (str(left.day), str(right.day)) == (BEFORE, AFTER) and left.options.rules == right.options.rules


def test_the_service_answers_a_bounded_caseload(caseload: list[dict[str, Any]], impacts: list[Any]) -> None:
    from fastapi.testclient import TestClient

    from refugee_rules.frontends.service import MAX_IMPACT_PROFILES, create_app

    client = TestClient(create_app())
    body = {"profiles": caseload[:12] + [{"nationalites": ["RU"]}], "from": BEFORE, "to": AFTER, "engine": "compiled"}
    reply = client.post("/impact", json=body)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    changed = [item for item in impacts[:12] if item.changes]
    assert (data["read"], data["changed"], data["unchanged"], data["errors"]) == (13, len(changed), 12 - len(changed), 1)
    assert [c["case_ref"] for c in data["clients"]] == [item.case_ref for item in changed]
    assert data["failed"][0]["index"] == 12 and "did you mean 'nationalities'" in data["failed"][0]["problems"][0]
    assert sum(r["clients"] for r in data["summary"]) == sum(len(item.changes) for item in changed)
    too_many = client.post("/impact", json=dict(body, profiles=[{}] * (MAX_IMPACT_PROFILES + 1)))
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["location"] == ["body", "profiles"]
    same = client.post("/impact", json=dict(body, to=BEFORE))
    assert same.status_code == 422 and "the two sides are the same" in same.json()["errors"][0]["message"]


def test_every_option_reaches_both_sides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from refugee_rules.assessor import Assessor

    seen: list[tuple[Options, Any]] = []
    original = Assessor.decide  # each side is decided (and explained only where an answer changed)

    def record(self: Assessor, profile: Any, *, as_of: Any = None, runner: Any = None) -> Any:
        seen.append((self.options, as_of))
        return original(self, profile, as_of=as_of, runner=runner)

    monkeypatch.setattr(Assessor, "decide", record)
    layer = ROOT / "examples" / "layers" / "example-ngo-referral"
    chosen = Options(engine="compiled", jurisdiction="EU", layers=(layer,), stale_after_days=10, destinations=("FI",))
    profile = {"nationalities": ["RU"], "location": {"country": "GE"}}
    list(impact([profile], from_date=BEFORE, to_date=AFTER, options=chosen))
    (tmp_path / "p.json").write_text(json.dumps(profile))
    assert main(["impact", str(tmp_path), "--from", BEFORE, "--to", AFTER, "-o", str(tmp_path / "out.jsonl"),
                 "--engine", "compiled", "--jurisdiction", "EU", "--layer", str(layer), "--stale-after-days", "10",
                 "--destinations", "FI"]) == 0
    sides = [(o, str(d)) for o, d in seen if o.jurisdiction == "EU"]  # the EU layer's base runs aside
    assert len(sides) == 4 and all(o == chosen.rules for o, _ in sides)
    assert [d for _, d in sides] == [BEFORE, AFTER, BEFORE, AFTER]
