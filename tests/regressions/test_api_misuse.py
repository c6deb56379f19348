"""Issue 17, API misuse: every wrong argument is the library's own error, naming the argument and what was expected."""

from __future__ import annotations

import pytest

from refugee_rules.api import assess, assess_many, load_rulesets
from refugee_rules.errors import OptionsError, ProfileError, RefugeeRulesError
from refugee_rules.views.i18n import error_text
from refugee_rules.tasks.questions import format_questions, questions
from refugee_rules.views.report import render

P = {"nationalities": ["RU"]}


@pytest.fixture(scope="module")
def assessment():
    return assess(P, engine="compiled", as_of="2024-01-01")


MISUSE = {
    "layers": lambda a: assess(P, layers="dir"),
    "stale_after_days": lambda a: assess(P, stale_after_days="x"),
    "lang": lambda a: questions(P, lang="xx"),
    "lang ": lambda a: format_questions([], lang="xx"),
    "options": lambda a: assess(P, options="x"),
    "profiles": lambda a: list(assess_many(None)),
    "layers ": lambda a: load_rulesets(5),
    "fmt": lambda a: render(a, "pdf"),
    "depth": lambda a: render(a, "text", depth="x"),
    "assessment": lambda a: render(None, "text"),
    "finding_id": lambda a: a.answer("no_such_finding"),
}


@pytest.mark.parametrize("argument", list(MISUSE))
def test_api_misuse_raises_the_librarys_error_naming_the_argument(assessment, argument):
    with pytest.raises(RefugeeRulesError, match=f"{argument.strip()}: (expected|no finding)"):
        MISUSE[argument](assessment)


@pytest.mark.parametrize("argument", ["layers", "stale_after_days", "options"])
def test_a_bad_option_is_called_an_option_not_a_case_profile(assessment, argument):
    """Issue 12's notes: an option's error carried the heading "invalid case profile", sending the worker to look
    for the mistake in the client's answers. It is an OptionsError (still a ProfileError, for callers that catch
    bad input as one), and says "invalid options", in either language."""
    with pytest.raises(OptionsError) as raised:
        MISUSE[argument](assessment)
    assert isinstance(raised.value, ProfileError)
    assert str(raised.value).startswith("invalid options:") and "case profile" not in str(raised.value)
    assert error_text(raised.value, "ru").startswith("недопустимые параметры:")
    with pytest.raises(ProfileError) as profile_error:
        assess({"nationalities": "RU"})
    assert not isinstance(profile_error.value, OptionsError)
    assert str(profile_error.value).startswith("invalid case profile:")
