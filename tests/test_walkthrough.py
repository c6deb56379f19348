"""`refugee-rules walkthrough`: the assessment told element by element, run as the command (``main(argv)``, with its
own standard input and output: see tests/test_cli.run)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.test_cli import run

ROOT = Path(__file__).resolve().parents[1]
IGOR = ROOT / "examples" / "profiles" / "igor-novosibirsk-bishkek.yaml"


def _run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run("walkthrough", *args, input=stdin)


def test_walkthrough_tells_the_elements_in_order_with_facts_rules_citations_and_results():
    r = _run(str(IGOR), "--as-of", "2024-03-01")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    order = ["[outside_country_of_nationality]", "[well_founded_fear]", "[being_persecuted]", "[nexus]",
             "[refugee_definition]", "[military_service_persecution]", "[exclusion_1f_a]", "== Destinations ==",
             "== Outcome =="]
    positions = [out.index(marker) for marker in order]
    assert positions == sorted(positions)
    step = out[out.index("[outside_country_of_nationality]"):out.index("[well_founded_fear]")]
    assert "The law asks: Is the person outside every country of their nationality" in step
    assert "location.country = Kyrgyzstan (KG)" in step
    assert "Rules: e1.outside-country" in step and "Art 1A(2)" in step
    assert "Result: appears met." in step
    assert "Inclusion appears met on the stated facts; exclusion not screened" in out
    # an undetermined stop-point says what to ask
    f1a = out[out.index("[exclusion_1f_a]"):out.index("[exclusion_1f_b]")]
    assert "Result: not screened" in f1a and "To settle it, ask:" in f1a


def test_walkthrough_in_russian():
    r = _run(str(IGOR), "--as-of", "2024-03-01", "--lang", "ru")
    assert r.returncode == 0, r.stderr
    assert "Вопрос закона:" in r.stdout and "Факты этого дела:" in r.stdout and "Шаг 1 из" in r.stdout
    assert "The law asks" not in r.stdout and "Result:" not in r.stdout


def test_step_mode_waits_for_enter_and_end_of_input_stops():
    full = _run(str(IGOR), "--as-of", "2024-03-01").stdout
    two = _run(str(IGOR), "--as-of", "2024-03-01", "--step", stdin="\n")
    assert two.returncode == 0, two.stderr
    assert two.stdout.count("[Enter: next step]") == 2
    assert "Step 2 of" in two.stdout and "Step 3 of" not in two.stdout
    assert len(two.stdout) < len(full)
    every = _run(str(IGOR), "--as-of", "2024-03-01", "--step", stdin="\n" * 100)
    assert "== Outcome ==" in every.stdout


def test_walkthrough_of_a_bad_profile_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("nationalities: [XX]\n", encoding="utf-8")
    r = _run(str(bad))
    assert r.returncode == 2 and "nationalities" in r.stderr
