"""The real `refugee-rules` command, run as a user runs it."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from refugee_rules.result.compact import FORMAT_VERSION
from refugee_rules.frontends.cli import main
from refugee_rules.result.compact import CompactFinding

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"
COMMAND = shutil.which("refugee-rules", path=str(Path(sys.executable).parent)) or shutil.which("refugee-rules")


def run(*args: str, cwd: Path = ROOT, input: str | bytes | None = None) -> subprocess.CompletedProcess[str]:
    """The command as ``main(argv)`` in this process, with its own standard streams and working directory: what a
    user sees (output, messages, exit status), without a cold start (loading the rulesets) per call. The tests
    about the process itself (the console script, a real pipe) use :func:`run_process`."""
    data = input.encode("utf-8") if isinstance(input, str) else (input or b"")
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", newline="")
    stderr = io.TextIOWrapper(err, encoding="utf-8", newline="")
    saved = sys.stdin, sys.stdout, sys.stderr
    sys.stdin, sys.stdout, sys.stderr = stdin, stdout, stderr
    try:
        with contextlib.chdir(cwd):
            try:
                code = main(list(args))
            except SystemExit as e:  # argparse: --help, --version, a usage error
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
                if isinstance(e.code, str):
                    print(e.code, file=sys.stderr)
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
        stdout.flush()
        stderr.flush()
    return subprocess.CompletedProcess(["refugee-rules", *args], code, out.getvalue().decode("utf-8", "replace"),
                                       err.getvalue().decode("utf-8", "replace"))


def run_process(*args: str, cwd: Path = ROOT, input: str | bytes | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The installed console script in a process of its own: for what only a real process shows."""
    assert COMMAND, "the refugee-rules console script is not installed (pip install -e .)"
    return subprocess.run([COMMAND, *args], capture_output=True, text=isinstance(input, str) or input is None,
                          cwd=cwd, timeout=timeout, input=input)


def assert_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_assess_text_report_is_explained_and_cited():
    result = run_process("assess", str(EXAMPLE), "--as-of", "2024-03-01", "--depth", "full")  # the installed command itself, once
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "not a legal decision" in out
    assert "OUTCOME: Inclusion appears met on the stated facts; exclusion not screened" in out
    assert "[x] Being persecuted (E3): appears met" in out
    assert "Handbook" in out and "¶¶56-60" in out
    assert "(paragraph number unconfirmed)" in out


def test_assess_default_text_report_is_the_first_page_at_80_columns_when_piped():
    result = run("assess", str(EXAMPLE), "--as-of", "2024-03-01")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) <= 80 and max(map(len, lines)) <= 80
    assert "not a legal decision" in result.stdout and "APPENDIX" not in result.stdout
    wide = run("assess", str(EXAMPLE), "--as-of", "2024-03-01", "--width", "120").stdout.splitlines()
    assert max(map(len, wide)) > 80 and len(wide) < len(lines)


def test_assess_json_is_the_assessment_and_deterministic():
    first = run("assess", str(EXAMPLE), "--as-of", "2024-03-01", "--format", "json", "--engine", "compiled")
    second = run("assess", str(EXAMPLE), "--as-of", "2024-03-01", "--format", "json", "--engine", "compiled")
    assert first.returncode == 0 and first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert data["outcome"]["status"] == "inclusion_met_screening_open"
    assert data["metadata"]["as_of"] == "2024-03-01" and data["metadata"]["engine"] == "compiled"
    assert data["format_version"] == FORMAT_VERSION and len(first.stdout.encode()) <= 25_000  # the demo profile, compact (23.5 kB)
    for finding in data["findings"]:
        assert {"id", "kind", "answer"} <= finding.keys() and set(finding) <= set(CompactFinding.model_fields)
    full = run("assess", str(EXAMPLE), "--as-of", "2024-03-01", "--format", "json", "--engine", "compiled",
               "--detail", "full")
    archived = json.loads(full.stdout)
    assert archived["catalogue"]["rulesets_hash"] == data["metadata"]["rulesets_hash"]
    assert all(f["explanation"] for f in archived["findings"]) and archived["trace"]
    catalogue = json.loads(run("catalogue").stdout)
    assert catalogue == archived["catalogue"]


LAYER = ROOT / "examples" / "layers" / "example-ngo-referral"


@pytest.mark.parametrize("extra, options", [
    ((), {}),
    (("--jurisdiction", "EU"), {"jurisdiction": "EU"}),
    (("--destinations", "all", "--stale-after-days", "30"), {"destinations": "all", "stale_after_days": 30}),
    (("--layer", str(LAYER)), {"layers": (str(LAYER),)}),
])
def test_assess_json_written_from_the_decisions_is_the_explained_assessment(extra, options):
    """The command writes compact JSON from the case's decisions, explaining no finding: the same bytes as the
    explained assessment the API returns, rendered, under each option that changes the answers."""
    from refugee_rules import assess
    from refugee_rules.views.report import render

    profile = ROOT / "examples" / "profiles" / "deserter-unit-accused-of-war-crimes.yaml"
    result = run("assess", str(profile), "--as-of", "2024-03-01", "--format", "json", "--engine", "compiled", *extra)
    assert result.returncode == 0, result.stderr
    explained = assess(yaml.safe_load(profile.read_text(encoding="utf-8")), as_of="2024-03-01", engine="compiled",
                       **options)
    assert result.stdout == render(explained, "json")


def test_assess_markdown_writes_only_the_requested_file(tmp_path):
    out = tmp_path / "report.md"
    result = run("assess", str(EXAMPLE), "--as-of", "2024-03-01", "--format", "markdown", "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_text().startswith("# Assessment: training-boris")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_malformed_yaml(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nationalities: [RU\nlocation: {country: GE}\n")
    assert_clean_error(run("assess", str(bad)), "bad.yaml", "not valid YAML", "line")


def test_malformed_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"nationalities": ["RU"],}')
    assert_clean_error(run("assess", str(bad)), "not valid JSON")


def test_unknown_key_gets_did_you_mean(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("nationalites: [RU]\n")
    assert_clean_error(run("assess", str(bad)), "nationalites: unknown field; did you mean 'nationalities'?")


def test_wrong_type_and_impossible_date(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("military: {summoned: perhaps}\ntravel: {departure_date: 2022-13-01}\n")
    result = run("assess", str(bad))
    assert_clean_error(result, "military.summoned:", "valid boolean", "travel.departure_date:")


def test_bad_as_of_and_missing_file(tmp_path):
    assert_clean_error(run("assess", str(EXAMPLE), "--as-of", "2024-02-30"), "expected a date YYYY-MM-DD")
    assert_clean_error(run("assess", str(tmp_path / "nope.yaml")), "nope.yaml: no such file")


def test_yaml_tags_are_not_executed(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("nationalities: !!python/object/apply:os.system ['echo pwned']\n")
    result = run("assess", str(bad))
    assert_clean_error(result, "not valid YAML")
    assert "pwned" not in result.stdout


def test_validate_builtin_rulesets():
    result = run("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ") and "pinpoints still unconfirmed" in result.stdout


def test_validate_reports_file_rule_and_suggestion(tmp_path):
    (tmp_path / "sources.yaml").write_text("- {id: s, title: S, kind: instrument}\n")
    (tmp_path / "x.yaml").write_text(
        "ruleset: x\ntitle: X\nversion: '1'\nfindings: [{id: f, kind: element, title: F, asks: A, group: g}]\n"
        "rules:\n- id: r1\n  concludes: {finding: f, answer: met}\n  when: {fact: fear.fears_retrun, eq: true}\n"
        "  because: b\n  cite: [{source: s, pinpoint: p}]\n"
    )
    assert_clean_error(run("validate", str(tmp_path)), "x.yaml: rule r1", "did you mean 'fear.fears_return'")


def test_schema_profile_and_assessment():
    profile = run("schema")
    assert profile.returncode == 0
    schema = json.loads(profile.stdout)
    assert schema["title"] == "CaseProfile" and "nationalities" in schema["properties"]
    assessment = json.loads(run("schema", "assessment").stdout)
    assert assessment["title"] == "CompactAssessment" and "catalogue" in assessment["properties"]


@pytest.mark.parametrize("args", [[], ["assess"], ["assess", "x.yaml", "--format", "pdf"], ["frobnicate"]])
def test_usage_errors_exit_2_without_traceback(args):
    result = run(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr and "usage:" in result.stderr


def test_stale_after_days_sets_when_regime_rules_are_flagged_as_possibly_outdated(tmp_path):
    profile = ROOT / "examples" / "profiles" / "igor-novosibirsk-bishkek.yaml"

    def stale_notes(*extra: str) -> int:
        result = run("assess", str(profile), "--as-of", "2025-06-01", "--format", "json", "--engine", "compiled", *extra)
        assert result.returncode == 0, result.stderr
        return sum(note["code"] == "stale_source" for f in json.loads(result.stdout)["findings"] for note in f.get("notes", []))

    assert stale_notes() > 0  # default: sources more than 365 days old are flagged
    assert stale_notes("--stale-after-days", "3650") == 0
    assert_clean_error(run("assess", str(profile), "--stale-after-days", "-3"), "--stale-after-days", "whole number")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(yaml.safe_load(profile.read_text(encoding="utf-8")), default=str) + "\n", encoding="utf-8")
    for days, expect_stale in (("365", True), ("3650", False)):
        out = tmp_path / f"out-{days}.jsonl"
        result = run("batch", str(source), "-o", str(out), "--as-of", "2025-06-01", "--engine", "compiled",
                     "--stale-after-days", days)
        assert result.returncode == 0, result.stderr
        assert ("verify the current rules" in out.read_text(encoding="utf-8")) == expect_stale


def test_destinations_on_the_command_line_are_the_options_destinations() -> None:
    """--destinations is parsed by Options itself (any case, commas); a bad value is argparse's usage error, exit 2."""
    ok = run("assess", str(EXAMPLE), "--as-of", "2024-03-01", "--format", "json", "--engine", "compiled",
             "--destinations", "am, ge")
    assert ok.returncode == 0, ok.stderr
    meta = json.loads(ok.stdout)["metadata"]
    assert meta["scope"] == ["AM", "GE"] and set(meta["destinations"]) == {"AM", "GE"}
    bad = run("assess", str(EXAMPLE), "--destinations", "g1")
    assert bad.returncode == 2 and "--destinations" in bad.stderr and "'g1'" in bad.stderr and "Traceback" not in bad.stderr


def test_the_console_command_is_main_then_a_frozen_exit(monkeypatch):
    """The installed command runs :func:`main` and freezes what it built before the interpreter exits (the exit's
    collection over the rule book cost ~170 ms of a one-profile command); :func:`main` itself, called inside other
    processes, freezes nothing."""
    import gc
    import tomllib

    from refugee_rules.frontends import cli

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["refugee-rules"] == "refugee_rules.frontends.cli:command"
    assert main(["validate"]) == 0 and gc.get_freeze_count() == 0
    monkeypatch.setattr(cli, "main", lambda argv=None: 7)
    try:
        assert cli.command() == 7 and gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
