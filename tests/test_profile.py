"""The case profile: strict keys, three states per fact, and errors that name the field."""

from __future__ import annotations

import pytest

from refugee_rules import UNKNOWN, CaseProfile, ProfileError, assess
from refugee_rules.case.facts import catalogue, flatten
from refugee_rules.case.inputs import profile_from_mapping


def errors(data) -> list[str]:
    with pytest.raises(ProfileError) as err:
        profile_from_mapping(data)
    return err.value.problems


def test_unknown_key_is_rejected_with_did_you_mean():
    assert errors({"militry": {"summoned": True}}) == ["militry: unknown field; did you mean 'military'?"]
    assert errors({"military": {"sumoned": True}}) == ["military.sumoned: unknown field; did you mean 'summoned'?"]
    assert errors({"documents": {"visas": [{"zoen": "schengen"}]}}) == [
        "documents.visas[0].zoen: unknown field; did you mean 'zone'?"
    ]


def test_wrong_type_names_the_field_and_what_was_expected():
    (line,) = errors({"military": {"summoned": "perhaps"}})
    assert line.startswith("military.summoned:") and "boolean" in line and "'unknown'" in line


def test_impossible_date_and_bad_country_code():
    (line,) = errors({"travel": {"departure_date": "2022-02-30"}})
    assert line.startswith("travel.departure_date:") and "date" in line
    (line,) = errors({"nationalities": ["RU", "XX"]})
    assert line.startswith("nationalities[1]:") and "ISO 3166-1 alpha-2" in line


def test_country_codes_are_normalised():
    assert profile_from_mapping({"nationalities": ["ru"], "location": {"country": " ge "}}).nationalities == ["RU"]


def test_not_a_mapping():
    assert errors(["RU"]) == ["(top level): expected a mapping of profile fields, got list"]


def test_absent_and_unknown_are_different_states_and_neither_is_false():
    profile = CaseProfile.model_validate({"military": {"summoned": UNKNOWN}, "fear": {"fears_return": True}})
    facts = flatten(profile, __import__("datetime").date(2024, 1, 1))
    assert "military.summoned" not in facts.known and "military.summoned" in facts.unknown
    assert "military.deserted" not in facts.known and "military.deserted" not in facts.unknown
    result = assess(profile, as_of="2024-01-01")
    assert result.answer("fear_subjective") == "met"
    missing = {m.path: m.state for f in result.findings for m in f.missing_facts}
    assert missing["nationalities"] == "not_asked"


def test_unknown_fact_is_reported_as_asked():
    result = assess({"fear": {"fears_return": UNKNOWN}}, as_of="2024-01-01")
    (fact,) = [m for m in result.finding("fear_subjective").missing_facts]
    assert (fact.path, fact.state) == ("fear.fears_return", "unknown")
    assert fact.client_question == "Are you afraid of what would happen to you if you went back?"


def test_every_fact_has_a_description_and_a_question():
    for path, spec in catalogue().items():
        if path == "as_of":
            continue
        assert spec.description, path
        assert spec.question, path


def test_json_schema_carries_descriptions_and_questions():
    schema = CaseProfile.model_json_schema()
    assert schema["additionalProperties"] is False
    military = schema["$defs"]["Military"]["properties"]["summoned"]
    assert military["description"].startswith("Whether the person has received a call-up")
    assert military["question"] == "Has the person received a summons?"


def test_assess_accepts_a_mapping_and_a_profile_alike():
    data = {"nationalities": ["RU"], "location": {"country": "GE"}}
    assert assess(data, as_of="2024-01-01") == assess(CaseProfile.model_validate(data), as_of="2024-01-01")


def test_assess_rejects_a_bad_as_of_date():
    with pytest.raises(ProfileError, match="as_of: expected a date YYYY-MM-DD"):
        assess({}, as_of="yesterday")


def test_a_document_too_deep_or_not_unicode_is_refused_naming_the_place() -> None:
    """The size walk names the field where a document stops being safe to validate."""
    from refugee_rules.case.inputs import MAX_DEPTH, _check_size

    deep: dict = {}
    node = deep
    for _ in range(MAX_DEPTH + 2):
        node["a"] = [{}]
        node = node["a"][0]
    problem = _check_size({"fear": deep})
    assert problem is not None and problem.startswith("fear.a[0].a[0]") and f"more than {MAX_DEPTH} levels" in problem
    assert _check_size({"fear": {"details": ["ok", "bad \udcff"]}}) == (
        "fear.details[1]: the text is not valid Unicode (it holds a lone surrogate)")
    assert _check_size({"fear": {"bad\udcffkey": 1}}) == "fear.bad\\udcffkey: a field name that is not valid Unicode"
    assert _check_size({"nationalities": {"RU"}}) == (
        "nationalities: a set value is not allowed; use text, numbers, lists and mappings")
    assert _check_size({"case_ref": "Ёлка", "fear": {"details": ["Москва"]}}) is None
