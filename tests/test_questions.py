"""The questions that settle what is undetermined: every one fills a fact a rule reads, most useful first."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hypothesis import given, settings

from refugee_rules import ProfileError, assess
from refugee_rules.frontends.cli import main
from refugee_rules.case.facts import catalogue
from refugee_rules.tasks.questions import GROUPS, STAGES, STEPS, questions, ranked, shown, stage

from .strategies import examples
from tests.strategies import flat_profiles, nest

PROFILES = Path(__file__).resolve().parents[1] / "examples" / "profiles"
EXAMPLE = PROFILES / "boris-anti-war-petitions.yaml"


def test_questions_fill_fact_paths_and_rank_by_findings_settled():
    profile = {"nationalities": ["RU"], "fear": {"fears_return": True}}
    found = questions(profile, as_of="2024-03-01", engine="compiled")
    assert found
    specs = catalogue()
    assert all(q.path in specs for q in found)
    _in_caseworker_order(found)
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
    assert out.startswith("Определение беженца и точки остановки:\n1. ") and "Спросите клиента" in out


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
    _in_caseworker_order(found)
    missing = {m.path for f in a.findings for m in f.missing_facts}
    assert asked <= missing



def _in_caseworker_order(found):
    groups = [GROUPS.index(q.group) for q in found]
    assert groups == sorted(groups)
    steps = [STEPS[stage(q.path)] for q in found if q.group == "convention"]
    story = [min(step, 2) for step in steps]  # where, fear, then the story; what only screens a clause goes last
    assert story == sorted(story)
    stop = STEPS[[name for name, _ in STAGES].index("stop-points")]
    if stop in steps:
        assert all(step >= 2 for step in steps[steps.index(stop):])
    assert [q.rank for q in found] == list(range(1, len(found) + 1))


def test_on_an_empty_profile_the_first_five_questions_are_about_the_convention_elements():
    a = assess({}, as_of="2024-03-01", engine="compiled")
    found = questions(a)[:5]
    elements = {f.id for f in a.findings if f.group == "article_1a2" and f.role != "intermediate"}
    for q in found:
        assert q.group == "convention" and stage(q.path) <= 1, q.path  # where the person is, their fear
        assert elements & set(q.settles), q.path
    paths = [q.path for q in found]
    assert {"nationalities", "location.country", "fear.fears_return"} <= set(paths)
    assert STAGES[0][0] == "where" and STAGES[1][0] == "fear"


def test_questions_that_can_no_longer_change_an_answer_are_not_asked():
    """The gay man of the example: persecution and well-founded fear appear met on the LGBT route, so the military
    routes into them ("did you desert?") can change nothing shown."""
    gay = yaml.safe_load((PROFILES / "gay-man-no-case-2024.yaml").read_text(encoding="utf-8"))
    found = questions(gay, as_of="2024-03-01", engine="compiled")
    asked = [q.path for q in found]
    assert "military.deserted" not in asked
    for q in found:  # what military questions are left screen Article 1F, or bear on Russia's exit rules only
        if q.path.startswith("military."):
            assert ("exclusion_1f_a_unit_service" in q.settles) if q.group == "convention" else q.group == "destinations"
    a = assess(gay, as_of="2024-03-01", engine="compiled")
    assert "military.deserted" in {m.path for f in a.findings for m in f.missing_facts}  # it was listed before
    # the report's questions are this ranking
    from refugee_rules.views.report import View

    assert [m.path for m, _ in View(a).questions()] == asked


SHOWN_VALUES = {"bool": [True, False], "country": ["RU", "GE", "DE"], "number": [0, 20], "date": ["2021-01-01", "2024-02-01"],
                "items": [[], [{"kind": "criminal", "stage": "charged", "based_on_protected_conduct": True}]]}


def _values(spec):
    if spec.kind == "enum":
        return list(spec.values)
    if spec.kind == "list":
        return [[v] for v in spec.values] + [[]] if spec.values else [["RU"], ["IL"], []]
    return SHOWN_VALUES.get(spec.kind, ["x"])


@pytest.mark.parametrize("name", [None, "gay-man-no-case-2024", "deserter-mobilised", "boris-anti-war-petitions",
                                  "stateless-former-resident"])
def test_a_question_left_out_changes_no_answer_shown_whatever_its_answer(name):
    from refugee_rules.frontends.interview import _set

    profile = {} if name is None else yaml.safe_load((PROFILES / f"{name}.yaml").read_text(encoding="utf-8"))
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    book = a.rule_book
    asked = {m.path for m, _ids, _g in ranked(a)}
    left_out = {m.path for f in a.findings for m in f.missing_facts} - asked
    assert left_out or name is None
    before = {f.id: f.answer for f in a.findings if shown(book, f)}
    specs = catalogue()
    for path in sorted(left_out):
        for value in _values(specs[path]):
            try:
                b = assess(_set(profile, path, value), as_of="2024-03-01", engine="compiled")
            except ProfileError:
                continue
            after = {f.id: f.answer for f in b.findings if shown(book, f)}
            assert after == before, (path, value)


@settings(max_examples=examples(80), deadline=None)
@given(flat_profiles())
def test_a_question_left_out_of_a_random_profile_changes_no_answer_shown(flat):
    from refugee_rules.frontends.interview import _set

    profile = nest(flat)
    a = assess(profile, as_of="2024-03-01", engine="compiled")
    asked = {m.path for m, _ids, _g in ranked(a)}
    left_out = sorted({m.path for f in a.findings for m in f.missing_facts} - asked)
    before = {f.id: f.answer for f in a.findings if shown(a.rule_book, f)}
    specs = catalogue()
    for path in left_out[:3]:
        for value in _values(specs[path])[:3]:
            try:
                b = assess(_set(profile, path, value), as_of="2024-03-01", engine="compiled")
            except ProfileError:
                continue
            assert {f.id: f.answer for f in b.findings if shown(a.rule_book, f)} == before, (path, value)


@pytest.mark.parametrize("nationalities", [[], ["DE"]])
def test_a_route_for_russians_asks_a_non_russian_nothing(nationalities):
    """The case a generated profile found: Kazakhstan's employment, study or marriage route is reported for
    Russians, so for anyone else it stays undetermined whatever their ties, and asks no question; its rule, which
    needs a Russian citizen, reads as failed, not as waiting for the job offer."""
    base = {"nationalities": nationalities, "location": {"country": "KZ"},
            "means": {"employment_offer_in": "unknown", "study_admission_in": [], "spouse_national_of": ["KZ"]}}
    for employment in ("unknown", ["RU"], ["KZ"]):
        profile = {**base, "means": {**base["means"], "employment_offer_in": employment}}
        a = assess(profile, as_of="2024-03-01", engine="compiled")
        route = next(f for f in a.findings if f.id == "regime.kz.residence.employment_study_marriage")
        assert route.answer == "undetermined" and route.missing_facts == [], employment
        opening = next(b for b in route.branches_not_held if b.rule.endswith(".open"))
        assert opening.state == "failed"
