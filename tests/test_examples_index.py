"""examples/README.md is generated from the example profiles and fails here when it is stale."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from refugee_rules.tasks import examples_index

ROOT = Path(__file__).resolve().parents[1]
PROFILES = sorted((ROOT / "examples" / "profiles").glob("*.yaml"))


def test_the_committed_index_is_the_generated_one():
    stored = (ROOT / "examples" / "README.md").read_text(encoding="utf-8")
    assert stored == examples_index.render(), (
        "examples/README.md is stale (an example profile changed): regenerate it with "
        f"`.venv/bin/{examples_index.COMMAND}` (or `make examples-index`) and commit the result"
    )


def test_every_example_has_a_row_with_its_own_teaches_line_and_outcome():
    text = examples_index.render()
    rows = [line for line in text.splitlines() if line.startswith("| [")]
    assert len(rows) == len(PROFILES) >= 10
    for path in PROFILES:
        ex = examples_index.read_example(path)
        row = next(r for r in rows if r.startswith(f"| [{path.stem}]"))
        assert ex.teaches.replace("|", "\\|") in row
        assert any(o in row for o in ("likely meets", "inclusion met screening open", "likely does not meet", "undetermined",
                                    "refer to counsel"))
    boris = next(r for r in rows if r.startswith("| [boris-anti-war-petitions]"))
    assert "`wikipedia-russian-emigration-2022`" in boris and "inclusion met screening open" in boris
    evgeniy = next(r for r in rows if r.startswith("| [evgeniy-remote-programmer]"))
    assert "likely does not meet" in evgeniy


def test_a_profile_without_a_teaches_line_is_refused(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text("# Source: mmc-2024-matusevich\nnationalities: [RU]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="teaches"):
        examples_index.read_example(bad)


def test_the_module_command_prints_the_index():
    """`python -m refugee_rules.tasks.examples_index` is ``sys.exit(main())``: its main, in this process."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = examples_index.main([])
    assert code == 0 and out.getvalue() == examples_index.render()
