"""Memoised explanations: a case explained from values other cases left in the memo is the same case.

The explainer memoises findings, firings and traces on the facts they read (see explain.py). If a memo key left out a fact the value depends on, a case would get another case's
explanation: these properties assess groups of similar profiles with the memos warm from each other,
then each profile alone with every memo cleared, and require the same bytes.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refugee_rules import assess
from refugee_rules.engine import default_engine
from refugee_rules.assessor import clear_memos as clear_cache
from refugee_rules.explain.explainer import finding_reads
from refugee_rules.explain.memo import Memo
from refugee_rules.api import load_rulesets

from .strategies import AS_OF_DATES, any_flat_profiles, examples, nest

SETTINGS = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def similar_profiles(draw: st.DrawFn) -> list[dict]:
    """A few profiles that share most facts: each a base profile with some facts taken from another."""
    base = draw(any_flat_profiles)
    group = [base]
    for _ in range(draw(st.integers(1, 4))):
        other = draw(any_flat_profiles)
        keys = draw(st.lists(st.sampled_from(sorted(set(base) | set(other)) or ["as_of"]), max_size=4))
        mixed = dict(base)
        for k in keys:
            if k in other:
                mixed[k] = other[k]
            else:
                mixed.pop(k, None)
        group.append(mixed)
    return group


@SETTINGS
@given(group=similar_profiles(), as_of=AS_OF_DATES, engine=st.sampled_from(sorted({default_engine(), "compiled"})))
def test_a_warm_memo_gives_the_same_assessment_as_a_cold_one(group: list[dict], as_of: dt.date, engine: str) -> None:
    warm = [assess(nest(flat), as_of=as_of, engine=engine) for flat in group]
    for flat, result in zip(group, warm):
        clear_cache()
        cold = assess(nest(flat), as_of=as_of, engine=engine)
        assert result.model_dump_json() == cold.model_dump_json()
        assert result.to_json("full") == cold.to_json("full")  # the JSON written, with its explanations and trace


def test_what_a_finding_reads_covers_its_rules_and_the_findings_they_read() -> None:
    book = load_rulesets()
    reads = finding_reads(book)
    for finding in book.findings:
        for rule in book.rules_of(finding):
            assert book.facts_read(rule.id) <= set(reads[finding]), (finding, rule.id)
            for other in book.findings_read(rule.id):
                assert set(reads[other]) <= set(reads[finding]), (finding, other)
        for other in book.findings[finding].conflicts_with:
            if other in book.findings:
                assert set(reads[other]) <= set(reads[finding]), (finding, other)


def test_a_template_naming_a_section_makes_the_finding_read_all_of_it() -> None:
    book = load_rulesets()
    reads = finding_reads(book)
    readers = [f for f in book.findings for r in book.rules_of(f) if "fear.agents" in (r.because or "") + (r.because_not or "")]
    assert readers, "a rule template mentions fear.agents"
    assert all("fear.agents" in reads[f] and "fear.feared_harms" in reads[f] for f in readers)


def test_the_memo_is_bounded_and_drops_the_oldest_first() -> None:
    memo: Memo[int] = Memo(3)
    for i in range(10):
        memo.put(i, i)
    assert list(memo.items) == [7, 8, 9]
    assert memo.get(6) is None and memo.get(9) == 9
