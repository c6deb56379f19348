"""The README's promises are what was run: its two commands exist and its Python example really runs."""

from __future__ import annotations

import contextlib
import io
import re
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
