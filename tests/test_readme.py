"""The README's promises are what was run: its two commands exist and its Python example really runs."""

from __future__ import annotations

import contextlib
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_what_it_is_and_is_not():
    head = README[:1500]
    assert "not a decision" in head and "appears met on the stated facts" in head


def test_readme_shows_the_two_commands_and_the_makefile_has_them():
    assert "make demo" in README and "make test" in README
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_the_embedding_example_runs_and_prints_what_it_says():
    blocks = re.findall(r"```python\n(.*?)```", README, re.S)
    assert blocks, "the README has no Python example"
    example = blocks[0]
    assert len(example.strip().splitlines()) <= 15
    out = io.StringIO()
    scope: dict = {}
    with contextlib.redirect_stdout(out):
        exec(compile(example, "README.md", "exec"), scope)  # noqa: S102 - our own README
    lines = out.getvalue().splitlines()
    promised = re.findall(r"print\(result\.outcome\.status\)\s*#\s*(\w+)", example)
    assert promised == [lines[0]] == ["inclusion_met_screening_open"]
    result = scope["result"]
    assert lines[1] == result.finding("being_persecuted").explanation and "persecut" in lines[1]
    questions = [q.question for q in result.finding("no_other_national_protection").missing_facts]
    assert lines[2:] == questions


QUICK_START = README.split("## Quick start (two minutes)", 1)[1].split("\n## ", 1)[0]


def test_the_quick_start_runs_as_written(tmp_path):
    """Every command of the quick start, as a reader types them, in a directory that holds the repository's examples/
    and .venv (so nothing is written into the repository). A `refugee-rules` line without shell syntax runs as
    ``main(argv)`` in this process (tests/test_cli.run: the same words, streams and exit status, without a cold
    start each); the lines that need a shell run in bash, after the `source .venv/bin/activate` the README gives.
    `make demo` only builds .venv, which this test runs from; the YAML block is saved as client.yaml, as asked."""
    from tests.test_cli import run

    shell = re.findall(r"```sh\n(.*?)```", QUICK_START, re.S)
    profile = re.findall(r"```yaml\n(.*?)```", QUICK_START, re.S)
    assert len(shell) == 2 and len(profile) == 1 and "Save a case profile as `client.yaml`" in QUICK_START
    venv = Path(sys.executable).parent.parent
    (tmp_path / ".venv").symlink_to(venv)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    (tmp_path / "client.yaml").write_text(profile[0], encoding="utf-8")
    commands = [line for block in shell for line in block.strip().splitlines()]
    assert commands[0].startswith("make demo") and re.search(r"^demo:", (ROOT / "Makefile").read_text(), re.M)
    activate = commands[1].partition("  #")[0].strip()
    assert activate == "source .venv/bin/activate"
    outputs = []
    for line in commands[1:]:
        command, _, comment = line.partition("  #")
        command = command.strip()
        expected = re.match(r"\s*exit (\d)", comment)
        code = int(expected.group(1)) if expected else 0
        if command.startswith("refugee-rules ") and not set("<>|$;&") & set(command):
            done = run(*shlex.split(command)[1:], cwd=tmp_path)
        else:  # in bash, where the activated .venv puts refugee-rules on the PATH
            check = {"source .venv/bin/activate": "command -v refugee-rules"}.get(command, "complete -p refugee-rules")
            done = subprocess.run(["bash", "-c", f"{activate} && {command} && {check}"], cwd=tmp_path, text=True,
                                  capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
        assert done.returncode == code, (command, done.returncode, done.stderr[-2000:])
        outputs.append(done.stdout)
    assert outputs[0].strip() == str(venv / "bin" / "refugee-rules")
    text, _, russian, asked, interview = outputs[1:6]
    assert "OUTCOME:" in text and "not a legal decision" in text
    assert (tmp_path / "client.html").read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert "ИТОГ:" in russian and "ВНИМАНИЕ:" in russian and "OUTCOME" not in russian, russian[:400]
    assert re.search(r"^1\. ", asked, re.M) and "Interview stopped." in interview  # under its group heading
    assert (tmp_path / "client-after.yaml").exists()
    assert len((tmp_path / "summary.csv").read_text(encoding="utf-8").splitlines()) == 4
    results = (tmp_path / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(r)["status"] for r in results] == ["assessed", "assessed", "error"]
    profiles = (tmp_path / "profiles.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(profiles) == len(list((ROOT / "examples" / "profiles").glob("*.yaml")))
    assert "complete -F _shtab_refugee_rules" in outputs[-1] or "_shtab_refugee_rules" in outputs[-1]
