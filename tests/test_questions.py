"""The questions that settle what is undetermined: every one fills a fact a rule reads, most useful first."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings

from refugee_rules import assess
from refugee_rules.frontends.cli import main
from refugee_rules.case.facts import catalogue
from refugee_rules.tasks.questions import questions

from .strategies import examples
from tests.strategies import flat_profiles, nest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "profiles" / "boris-anti-war-petitions.yaml"


def test_questions_fill_fact_paths_and_rank_by_findings_settled():
    profile = {"nationalities": ["RU"], "fear": {"fears_return": True}}
    found = questions(profile, as_of="2024-03-01", engine="compiled")
    assert found
    specs = catalogue()
    assert all(q.path in specs for q in found)
    counts = [len(q.settles) for q in found]
    assert counts == sorted(counts, reverse=True)
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    undetermined = {f.id for f in a.findings if f.missing_facts}  # open, or a stay still to be counted
    for q in found:
        assert set(q.settles) <= undetermined
        assert all(q.path in {m.path for m in a.finding(f).missing_facts} for f in q.settles)
    by_path = {q.path: q for q in found}
    assert by_path["location.country"].client_question == "Which country are you in now?"


def test_questions_in_russian():
    found = questions({"nationalities": ["RU"]}, as_of="2024-03-01", lang="ru", engine="compiled")
    by_path = {q.path: q for q in found}
    assert by_path["location.country"].question == "В какой стране человек находится сейчас?"
    assert by_path["location.country"].client_question == "В какой стране вы сейчас?"


def test_questions_cli(capsys):
    assert main(["questions", str(EXAMPLE), "--as-of", "2024-03-01", "--engine", "compiled", "--lang", "ru"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. ") and "Спросите клиента" in out


@settings(max_examples=examples(200), deadline=None)
@given(flat_profiles())
def test_answering_is_needed_for_every_open_question(flat):
    """Every question names a fact the profile does not give, and a finding is undetermined only with a question
    or with no rule in force to decide it."""
    profile = nest(flat)
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    found = questions(a)
    asked = {q.path for q in found}
    assert asked.isdisjoint(k for k in flat if not (isinstance(flat[k], str) and flat[k] == "unknown"))
    ranks = [len(q.settles) for q in found]
    assert ranks == sorted(ranks, reverse=True)
    for f in a.findings:
        if f.answer == "undetermined" and f.missing_facts:
            assert {m.path for m in f.missing_facts} <= asked
