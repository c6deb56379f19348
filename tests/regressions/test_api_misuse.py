"""Issue 17, API misuse: every wrong argument is the library's own error, naming the argument and what was expected."""

from __future__ import annotations

import pytest

from refugee_rules.api import assess, assess_many, load_rulesets
from refugee_rules.errors import RefugeeRulesError
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
