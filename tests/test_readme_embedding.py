"""The README's "Embedding: the API, custom layers, the service" snippets are what was run."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refugee_rules.frontends.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("### Embedding: the API, custom layers, the service", 1)[1].split("\n## ", 1)[0]
PYTHON = re.findall(r"```python\n(.*?)```", SECTION, re.S)
SHELL = re.findall(r"```sh\n(.*?)```", SECTION, re.S)


def _run(code: str) -> list[str]:
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(ROOT)  # the snippets name examples/ relative to the repository
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own README
    finally:
        os.chdir(cwd)
    return out.getvalue().splitlines()


def test_the_section_has_the_api_the_layer_and_the_service():
    assert len(PYTHON) == 3
    assert "assess_many" in PYTHON[0] and "layers=" in PYTHON[1] and "/assess" in PYTHON[2]
    assert README.index("### Embedding: the API") > README.index("```python")  # after the first example


def test_the_api_snippet_runs():
    lines = _run(PYTHON[0])
    assert lines[0].startswith("A-1 ")
    assert lines[1].startswith("1 A-2 nationalities: Input should be a valid list")
    assert lines[2]  # a question


def test_the_layer_snippet_runs():
    lines = _run(PYTHON[1])
    assert lines[0] == "undetermined"
    assert lines[1].startswith("Custom layer 'example-ngo-referral': rule e2a.fear-stated overrides")


def test_the_shell_commands_exist_with_those_options():
    parser = build_parser()
    for block in SHELL:
        for line in block.strip().splitlines():
            words = line.split("#")[0].split()
            assert words[0] == "refugee-rules"
            parser.parse_args(words[1:])  # exits (fails the test) on an unknown command or option


def test_the_audit_commands_run(tmp_path):
    from tests.test_cli import run as command

    for line in SHELL[1].strip().splitlines():
        words = [w.replace("boris.json", str(tmp_path / "boris.json")) for w in line.split()]
        run = command(*words[1:], cwd=ROOT)
        assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("identical")


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    log = tmp_path_factory.mktemp("readme") / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([sys.executable, "-m", "refugee_rules.frontends.cli", "serve", "--port", "0"],
                                stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not (found := re.search(r"running on (http://127\.0\.0\.1:\d+)", log.read_text(errors="replace"))):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.1)
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_the_service_snippet_runs_against_a_real_server(url):
    lines = _run(PYTHON[2].replace("http://127.0.0.1:8000", url))
    assert lines[0] == "200 undetermined"
    assert lines[1] == "422 ['body', 'profile', 'nationalites'] unknown field; did you mean 'nationalities'?"
    assert lines[2] == "text/html; charset=utf-8"


def test_the_options_snippet_runs_and_prints_what_it_says():
    (block,) = [b for b in re.findall(r"```python\n(.*?)```", README, re.S) if "Options(" in b]
    promised = re.findall(r"#\s*(\[.*\])", block)
    assert _run(block) == promised == ["['GE', 'AM']"]
