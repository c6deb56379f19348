"""The public API on one screen: what `refugee_rules` exports, and how assess_many treats every record."""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

import refugee_rules
from refugee_rules import (Assessment, CaseProfile, EngineError, FailedRecord, ProfileError, RefugeeRulesError, RulesetError,
                           assess, assess_many, compare, load_rulesets, questions)

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-03-01"
GOOD = {"case_ref": "a", "nationalities": ["RU"], "location": {"country": "KZ"}, "fear": {"fears_return": True}}


def test_the_public_api_is_exactly_what_all_lists_and_each_is_documented():
    assert set(refugee_rules.__all__) == {
        "UNKNOWN", "Assessment", "CaseProfile", "EngineError", "FailedRecord", "InterviewSession", "OptionsError", "ProfileError",
        "RefugeeRulesError",
        "RulesetError", "__version__", "assess", "assess_many", "compare", "impact", "load_rulesets", "questions", "verify",
    }
    for name in refugee_rules.__all__:
        assert hasattr(refugee_rules, name), name
        obj = getattr(refugee_rules, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"
    assert "assess_many(" in refugee_rules.__doc__ and "load_rulesets(" in refugee_rules.__doc__
    assert "impact(" in refugee_rules.__doc__


def test_the_package_ships_its_types():
    assert (ROOT / "src" / "refugee_rules" / "py.typed").exists()


def test_one_error_hierarchy():
    for cls in (ProfileError, RulesetError, EngineError):
        assert issubclass(cls, RefugeeRulesError)
    assert issubclass(ProfileError, ValueError)
    with pytest.raises(ProfileError) as e:
        assess({"nationalities": "RU"})
    assert e.value.problems[0].startswith("nationalities:")
    with pytest.raises(EngineError):
        assess(GOOD, engine="quantum")
    with pytest.raises(RulesetError):
        assess(GOOD, rulesets=(ROOT / "no-such-dir",))


def test_assess_many_is_lazy_and_gives_one_output_per_input_in_order():
    consumed = []

    def records():
        for i in itertools.count():
            consumed.append(i)
            yield dict(GOOD, case_ref=f"r{i}")

    out = assess_many(records(), as_of=AS_OF, engine="compiled")
    assert isinstance(out, Iterator)
    first = list(itertools.islice(out, 3))
    assert [a.metadata.case_ref for a in first] == ["r0", "r1", "r2"] and consumed == [0, 1, 2]


def test_assess_many_names_the_records_it_cannot_assess_and_drops_none():
    inputs = [GOOD, {"case_ref": "bad-1", "nationalities": "RU"}, "not a mapping",
              CaseProfile.model_validate(dict(GOOD, case_ref="c")), {"case_ref": 7, "fear": {"fears_return": "x"}}]
    out = list(assess_many(inputs, as_of=AS_OF, engine="compiled"))
    assert len(out) == len(inputs)
    assert [type(x).__name__ for x in out] == ["Assessment", "FailedRecord", "FailedRecord", "Assessment", "FailedRecord"]
    bad = out[1]
    assert isinstance(bad, FailedRecord) and bad.index == 1 and bad.case_ref == "bad-1" and bad.error == "ProfileError"
    assert bad.problems and bad.problems[0].startswith("nationalities:")
    assert out[2].index == 2 and out[2].case_ref is None
    assert out[4].index == 4 and out[4].case_ref is None  # a case_ref that is not text is not echoed as one
    assert isinstance(out[3], Assessment) and out[3].metadata.case_ref == "c"
    single = assess(GOOD, as_of=AS_OF, engine="compiled")
    assert out[0] == single


def test_assess_many_raises_a_ruleset_problem_once_before_reading_any_record():
    read = []

    def records():
        read.append(1)
        yield GOOD

    with pytest.raises(RulesetError):
        next(assess_many(records(), rulesets=(ROOT / "no-such-dir",)))
    assert read == []
    with pytest.raises(EngineError):
        next(assess_many(records(), engine="quantum"))
    assert read == []


def test_load_rulesets_gives_the_rulebook_every_assessment_records():
    book = load_rulesets()
    assert book.findings and book.rules and book.sources and book.layer_of == {} and book.overrides == {}
    assert assess(GOOD, as_of=AS_OF, engine="compiled").metadata.rulesets_hash == book.content_hash
    assert load_rulesets() is book  # cached per process


def test_questions_and_compare_are_reexported_and_work():
    asked = questions(GOOD, as_of=AS_OF, engine="compiled")
    assert asked and asked[0].rank == 1 and asked[0].path
    change = compare(GOOD, dict(GOOD, fear={"fears_return": False}), as_of=AS_OF, engine="compiled")
    assert "fear_subjective" in {c.id for c in change.changes}
