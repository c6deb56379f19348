"""The interview session: answers validated at once, "unknown" never asked again, and the incremental
durable-rules session giving exactly the assessment a full re-assessment gives, after every answer."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import ProfileError, assess
from refugee_rules.case.facts import catalogue
from refugee_rules.frontends.interview import InterviewSession

from .strategies import CLAIM, examples, fact_value, legal_paths

AS_OF = "2024-03-01"
PATHS = legal_paths()
# Answers come mostly from the facts a meeting claim turns on, so sequences reach definite findings, plus any fact.
FOCUS = sorted(CLAIM) + ["military.evaded", "military.summoned", "exclusion.serious_non_political_crime",
                         "country_evidence.ru_prosecution_for_anti_war_speech", "documents.internal_passport"]


@st.composite
def answer(draw: st.DrawFn) -> tuple[str, object]:
    path = draw(st.one_of(st.sampled_from(FOCUS), st.sampled_from(PATHS)))
    return path, draw(fact_value(catalogue()[path]))


def _same(session: InterviewSession) -> None:
    full = assess(session.profile(), as_of=AS_OF, engine=session.engine)
    assert session.assessment().model_dump() == full.model_dump()


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.sampled_from([{}, {"nationalities": ["RU"]}, {"nationalities": ["RU"], "location": {"country": "GE"}}]),
       answers=st.lists(answer(), min_size=1, max_size=6))
def test_incremental_durable_equals_a_full_assessment_after_every_answer(start, answers):
    with InterviewSession(start, as_of=AS_OF, engine="durable") as s:
        _same(s)
        accepted = 0
        for path, value in answers:
            try:
                s.answer(path, value)
            except ProfileError:
                continue  # e.g. a cross-field check of the model; the session stays as it was
            accepted += 1
            _same(s)
        runner = s._runner
        assert runner is not None and runner.adds + runner.replays == accepted + 1  # one engine call per answer


def test_adding_answers_adds_to_one_session_and_editing_replays():
    with InterviewSession({"nationalities": ["RU"]}, as_of=AS_OF, engine="durable") as s:
        r = s._runner
        assert (r.adds, r.replays) == (0, 1)
        # a new country in scope brings that destination's Passport Index rules: another program, so a replay
        s.answer("location.country", "GE")
        assert (r.adds, r.replays) == (0, 2)
        s.answer("documents.internal_passport", "yes")
        s.answer("fear.fears_return", "yes")
        s.answer("fear.agents", "state")  # a list: its elements before it, still an add
        assert (r.adds, r.replays) == (3, 2)
        assert r.asserted_last == 1  # only the new list fact (fear.agents has no element patterns)
        s.answer("location.country", "KZ")  # an edit
        assert r.replays == 3
        s.answer("fear.fears_return", "unknown")  # a withdrawal
        assert r.replays == 4
        _same(s)


def test_compiled_engine_re_evaluates_with_the_same_results():
    a = InterviewSession({"nationalities": ["RU"]}, as_of=AS_OF, engine="compiled")
    b = InterviewSession({"nationalities": ["RU"]}, as_of=AS_OF, engine="durable")
    for path, value in [("location.country", "GE"), ("fear.fears_return", "yes"), ("fear.harm_likely", "yes"),
                        ("fear.agents", "state"), ("fear.reasons_attributed", "political_opinion")]:
        a.answer(path, value)
        b.answer(path, value)
        assert [f.answer for f in a.assessment().findings] == [f.answer for f in b.assessment().findings]
    b.close()


def test_answers_are_validated_at_once_naming_the_field():
    s = InterviewSession(as_of=AS_OF, engine="compiled")
    before = s.profile()
    for path, value, expected in [
        ("travel.entry_date", "2024-13-01", "travel.entry_date: expected a date"),
        ("location.country", "XX", "location.country: expected an ISO 3166-1 alpha-2"),
        ("nationalities", "RU, XX", "nationalities[1]"),
        ("fear.fears_return", "perhaps", "fear.fears_return: expected yes or no"),
        ("legal_cases", "[{kind: criminal, max_penalty_years: many}]", "legal_cases"),
        ("no.such.fact", "yes", "no.such.fact: not a fact"),
    ]:
        with pytest.raises(ProfileError, match=expected.replace("[", r"\[").replace("(", r"\(")):
            s.answer(path, value)
    assert s.profile() == before


def test_unknown_is_recorded_and_never_asked_again_and_changes_are_reported():
    s = InterviewSession({"nationalities": ["RU"]}, as_of=AS_OF, engine="compiled")
    first = s.next_questions(1)[0]
    assert s.answer(first.path, "don't know") == []
    assert first.path not in [q.path for q in s.next_questions(200)]
    assert "unknown" in str(s.profile().model_dump())
    changed = s.answer("location.country", "GE")
    assert ("outside_country_of_nationality", "undetermined", "met") in [(c.id, c.before, c.after) for c in changed]
    assert s.changes() == changed
    assert s.answer("location.country", "GE") == []  # the same answer again changes nothing
    assert s.answer("fear.fears_return", "no")[0].id == "outcome"


def test_the_interview_ends_when_every_open_fact_is_unknown():
    s = InterviewSession({"nationalities": ["RU"], "location": {"country": "GE"}, "fear": {"fears_return": False}},
                         as_of=AS_OF, engine="compiled")
    for _ in range(400):
        q = s.next_questions(1)
        if not q:
            break
        s.answer(q[0].path, "unknown")
    assert s.settled() and s.next_questions() == []


def test_the_embedding_example_runs():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(root / "examples" / "embed_interview.py")], capture_output=True,
                       text=True, timeout=600, cwd=root)
    assert r.returncode == 0, r.stderr
    assert "rejected: travel.entry_date: expected a date YYYY-MM-DD" in r.stdout
    assert "Which country are you in now? -> GE" in r.stdout
    assert "well-founded fear: met" in r.stdout and "nexus (political opinion): met" in r.stdout
    asked = int(r.stdout.split("questions asked: ")[1].split()[0])
    assert 10 < asked < 400


@pytest.mark.parametrize("path, said, recorded", [
    ("fear.fears_return", "Yes", True), ("fear.fears_return", "да", True), ("fear.fears_return", "НЕТ", False),
    ("fear.fears_return", "don't know", "unknown"), ("fear.fears_return", "Не знаю", "unknown"),
    ("fear.fears_return", "I don’t know", "unknown"),
    ("location.country", "Georgia", "GE"), ("location.country", "Грузия", "GE"), ("location.country", "ge", "GE"),
    ("location.country", "Russia", "RU"), ("location.country", "Россия", "RU"), ("location.country", "Казахстан", "KZ"),
    ("nationalities", "Россия, Израиль", ["RU", "IL"]), ("nationalities", "none", []),
    ("fear.reasons_attributed", "political opinion", ["political_opinion"]), ("legal_cases", "нет", []),
    ("travel.entry_date", "01.10.2022", "2022-10-01"),
])
def test_answers_in_natural_words(path, said, recorded):
    s = InterviewSession({"nationalities": ["RU"]}, as_of=AS_OF, engine="compiled")
    s.answer(path, said)
    node = s.profile().model_dump(mode="json", exclude_none=True)
    for part in path.split("."):
        node = node[part]
    assert node == recorded


def test_a_choice_by_its_number_and_unknown_is_never_false():
    from refugee_rules.case.facts import catalogue
    from refugee_rules.frontends.interview import parse_value

    spec = catalogue()["fear.reasons_attributed"]
    assert parse_value(spec, "1, 3") == [spec.values[0], spec.values[2]]
    assert parse_value(spec, "политические убеждения; раса", "ru") == ["political_opinion", "race"]
    for word in ("не знаю", "?", "don't know"):
        assert parse_value(catalogue()["fear.fears_return"], word) == "unknown"
    with pytest.raises(ProfileError, match="location.country"):
        InterviewSession(as_of=AS_OF, engine="compiled").answer("location.country", "Atlantis")


def test_back_takes_the_last_answer_back():
    s = InterviewSession({"nationalities": ["RU"]}, as_of=AS_OF, engine="compiled")
    before = s.assessment().model_dump()
    s.answer("location.country", "Грузия")
    s.answer("location.country", "Армения")
    assert s.back() == "location.country"
    assert s.profile().location.country == "GE"
    assert s.back() == "location.country"
    assert s.profile().location is None or s.profile().location.country is None
    assert s.assessment().model_dump() == before
    assert s.back() is None


def test_a_session_ranks_its_questions_once_per_assessment_and_language(monkeypatch):
    """A page of the interview reads the open questions two or three times (the next one, whether any is left, those
    answered "don't know"): they are ranked once for each assessment, and again when the language changes."""
    from refugee_rules.frontends import interview

    calls = []
    real = interview.questions
    monkeypatch.setattr(interview, "questions", lambda *a, **k: calls.append(1) or real(*a, **k))
    s = interview.InterviewSession({}, as_of="2024-03-01", engine="compiled")
    first = s.next_questions(3)
    assert not s.settled() and s.still_unknown() == [] and len(calls) == 1
    s.answer(first[0].path, "unknown")
    after = len(calls)
    assert s.next_questions(3) and [q.path for q in s.still_unknown()] == [first[0].path] and not s.settled()
    assert len(calls) - after <= 1  # the new assessment's questions ranked once, whoever asked first
    ranked = len(calls)
    s.lang = "ru"
    assert s.next_questions(1)[0].question != s.next_questions(1)[0].path and len(calls) == ranked + 1
