"""The README's "For organisations" section is what was run: its case-test file is the layer's, its commands exist
and run, and its impact example prints what it says."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from refugee_rules.frontends.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## For organisations: case tests, and what a rule change does to a caseload", 1)[1].split("\n## ", 1)[0]
YAML = re.findall(r"```yaml\n(.*?)```", SECTION, re.S)
SHELL = re.findall(r"```sh\n(.*?)```", SECTION, re.S)
PYTHON = re.findall(r"```python\n(.*?)```", SECTION, re.S)
TEXT = re.findall(r"```text\n(.*?)```", SECTION, re.S)
EXE = Path(sys.executable).parent / "refugee-rules"


def _commands(block: str) -> list[list[str]]:
    return [line.split("#")[0].split() for line in block.strip().splitlines()]


def test_the_case_test_shown_is_the_one_the_layer_ships() -> None:
    [shown] = YAML
    shipped = ROOT / "examples" / "layers" / "example-ngo-referral" / "tests" / "referral.test.yaml"
    assert yaml.safe_load(shown) == yaml.safe_load(shipped.read_text(encoding="utf-8"))


def test_every_command_shown_parses() -> None:
    parser = build_parser()
    for block in SHELL:
        for words in _commands(block):
            assert words[0] == "refugee-rules"
            parser.parse_args(words[1:])


@pytest.mark.slow
def test_the_test_commands_run_and_pass() -> None:
    for words in _commands(SHELL[0]):
        run = subprocess.run([str(EXE), *words[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        assert re.search(r"^\d+ passed, 0 failed$", run.stdout, re.M)


def test_the_failure_shown_is_the_format_printed() -> None:
    [shown] = TEXT
    lines = shown.splitlines()
    assert lines[0].startswith("FAIL  ") and " :: " in lines[0]
    assert lines[1].split() == ["finding", "expected", "actual"] and lines[-1] == "1 passed, 1 failed"


@pytest.mark.slow
def test_the_impact_commands_run(tmp_path: Path) -> None:
    for words in _commands(SHELL[1])[:2]:  # the third needs two rules versions of your own
        words = [str(tmp_path / w) if w.startswith(("changes.", "summary.")) else w for w in words]
        run = subprocess.run([str(EXE), *words[1:], "--engine", "compiled"], cwd=ROOT, capture_output=True, text=True,
                             timeout=600)
        assert run.returncode == 0, run.stderr
        assert "read 24, changed" in run.stderr and "errors 0" in run.stderr
    rows = (tmp_path / "changes.csv").read_text(encoding="utf-8")
    assert "training-finnish-border,changed,FI,regime.fi.entry.schengen_tourist_visa,entry,undetermined,refused" in rows
    assert (tmp_path / "summary.csv").read_text().startswith("destination,finding,from,to,clients\n")


def test_the_python_example_prints_what_it_says() -> None:
    [code] = PYTHON
    promised = [line[2:] for line in code.splitlines() if line.startswith("# ")]
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    finally:
        os.chdir(cwd)
    assert out.getvalue().splitlines() == promised
