"""YAML case tests (``refugee-rules test``): the examples pass, a wrong expectation fails with a readable diff, and a
mistake in a test file is named (file, test, key, did-you-mean), never a traceback."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from refugee_rules.api import load_rulesets
from refugee_rules.frontends.cli import main
from refugee_rules.tasks import casetests

ROOT = Path(__file__).resolve().parents[1]
BORIS = ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml"
LAYER = ROOT / "examples" / "layers" / "example-ngo-referral"


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def write(tmp_path: Path, text: str, name: str = "case.test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_examples_pass_and_are_all_found() -> None:
    code, out, _ = cli("test", str(ROOT / "examples"), "--engine", "compiled")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[-1] == f"{len(lines) - 1} passed, 0 failed"
    assert all(line.startswith("PASS  ") for line in lines[:-1])
    files = {line.split("  ", 1)[1].split(" :: ")[0] for line in lines[:-1]}
    assert any("example-ngo-referral/tests/referral.test.yaml" in f for f in files)  # the layer ships its tests
    assert any("examples/tests/regimes.test.yaml" in f for f in files)


def test_a_wrong_expectation_fails_with_a_diff_and_the_explanation(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
tests:
  - name: right
    profile: {BORIS}
    as_of: 2024-03-01
    answers: {{being_persecuted: met}}
  - name: deliberately wrong
    profile: {BORIS}
    as_of: 2024-03-01
    outcome: likely_meets
    answers:
      being_persecuted: not_met
      nexus_political_opinion: met
""")
    code, out, err = cli("test", str(path), "--engine", "compiled")
    assert code == 1 and not err
    assert out.splitlines()[0] == f"PASS  {path} :: right"
    assert f"FAIL  {path} :: deliberately wrong" in out
    diff = out.split("deliberately wrong", 1)[1]
    assert "- outcome" in diff and "likely_meets" in diff and "inclusion_met_screening_open" in diff
    row = next(line for line in diff.splitlines() if line.strip().startswith("- being_persecuted"))
    assert row.split()[-2:] == ["not_met", "met"]
    assert "why: A case against them punishes protected conduct" in diff
    assert "rules: e3." in diff
    assert "nexus_political_opinion" not in diff  # only what differs is shown
    assert out.splitlines()[-1] == "1 passed, 1 failed"


def test_mistakes_name_the_file_the_test_and_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
tests:
  - name: typos
    profile: {{nationalites: [RU]}}
    as_of: 2024-03-01
    answers:
      being_persecutd: met
      fear_subjective: appears_met
      regime.fi.entry.ban: refused
  - name: a key
    profile: {BORIS}
    as_of: 2024-03-01
    answer: {{being_persecuted: met}}
  - name: expects nothing
    profile: {BORIS}
    as_of: 2024-03-01
""")
    code, out, err = cli("test", str(path), "--engine", "compiled")
    assert code == 2 and "Traceback" not in out + err
    assert f"{path}: test 'typos': answers.being_persecutd: no finding of that id in these rulesets; did you mean " \
           "'being_persecuted'?" in out
    assert "answers.fear_subjective: 'appears_met' is not an answer of this element finding (its words: met, not_met, " \
           "undetermined)" in out
    assert "profile: nationalites: unknown field; did you mean 'nationalities'?" in out
    assert f"{path}: test 'a key': tests[1].answer: unknown field; did you mean 'answers'?" in out
    assert f"{path}: test 'expects nothing': tests[2]: expects nothing" in out
    assert out.splitlines()[-1] == "0 passed, 0 failed, 3 with errors in the test file"


def test_a_finding_out_of_scope_says_which_destination_to_add(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
tests:
  - name: Finland not asked
    profile: {BORIS}
    as_of: 2024-03-01
    answers: {{regime.fi.entry.ban: refused}}
  - name: Finland asked
    profile: {BORIS}
    as_of: 2024-03-01
    destinations: [FI]
    answers: {{regime.fi.entry.ban: undetermined}}  # unknown is not refused: his residence permits are not stated
""")
    results = list(casetests.run([path]))
    assert [r.status for r in results] == ["error", "passed"]
    assert "add destinations: [FI]" in results[0].problems[0]


def test_file_defaults_and_relative_layers(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    path = write(tmp_path, f"""
layers: [{LAYER}]
as_of: 2024-03-01
tests:
  - name: referral
    profile: {{fear: {{fears_return: true}}}}
    answers: {{example_ngo.refer_to_lawyer_now: undetermined}}
""")
    [result] = casetests.run([path])
    assert result.status == "passed" and result.checked == 1
    # without the layer, its finding is unknown
    path.write_text(path.read_text().replace(f"layers: [{LAYER}]\n", ""))
    [result] = casetests.run([path])
    assert result.status == "error" and "example_ngo.refer_to_lawyer_now: no finding of that id" in result.problems[0]


def test_a_file_that_does_not_parse_or_a_missing_path_is_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "tests: [\n")
    code, out, _ = cli("test", str(path))
    assert code == 2 and f"ERROR  {path} :: (file)" in out
    code, _, err = cli("test", str(tmp_path / "nothing-here"))
    assert code == 2 and "no such file or directory" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli("test", str(empty))
    assert code == 2 and "no case tests here" in err


def test_case_tests_inside_a_layer_are_not_read_as_rules() -> None:
    assert list(LAYER.rglob("*.test.yaml"))
    book = load_rulesets([LAYER])
    assert not any("test.yaml" in f for f in book.rule_files.values())


@pytest.mark.parametrize("word", ["allowed", "visa_required", "refused", "undetermined"])
def test_every_word_of_a_kind_is_accepted_and_only_those(word: str) -> None:
    test = casetests.CaseTest(name="x", profile={}, as_of="2024-03-01", answers={"regime.fi.entry.ban": word})
    assert casetests.problems_of(test, load_rulesets()) == []
    wrong = test.model_copy(update={"answers": {"regime.fi.entry.ban": "met"}})
    assert "not an answer of this entry finding" in casetests.problems_of(wrong, load_rulesets())[0]


def test_a_yaml_boolean_answer_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, f"""
tests:
  - name: an unquoted yes
    profile: {BORIS}
    as_of: 2024-03-01
    answers: {{being_persecuted: yes}}
""")
    [result] = casetests.run([path])
    assert result.status == "error"
    assert result.problems == ["tests[0].answers: being_persecuted: True is what YAML makes of yes/no/true/false; "
                               "write the answer word of the finding's kind (met, not_met, refused, flagged ...)"]
