"""A rule's condition in words, in English or Russian, for a lawyer reading it beside its source.

The explanation templates (``because``/``because_not``) say why a condition held for one person; this says what
the condition is, for everyone: each leaf as the fact's question (its path beside it, what a developer searches
for), the operator in words and the value as a report would show it (a country by name, a coded value translated,
a date as a date rather than the ordinal the engines compare). The result is a small tree the explorer's
templates print as nested lists; nothing here is HTML, so the templates escape every word of it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from refugee_rules.case.facts import FactSpec, fact_specs
from refugee_rules.law.conditions import All, AnyOf, Condition, FactLeaf, FindingLeaf, ItemMatch, Not
from refugee_rules.views.report import Lang

# operator -> (English, Russian); {v} is the value (or values, or the other fact), {n} a count
OPERATOR: dict[str, tuple[str, str]] = {
    "eq": ("is {v}", "— {v}"), "ne": ("is not {v}", "— не {v}"),
    "in": ("is one of: {v}", "— одно из: {v}"), "not_in": ("is none of: {v}", "— ни одно из: {v}"),
    "contains": ("includes {v}", "включает {v}"), "not_contains": ("does not include {v}", "не включает {v}"),
    "contains_any": ("includes any of: {v}", "включает хотя бы одно из: {v}"),
    "contains_none": ("includes none of: {v}", "не включает ни одного из: {v}"),
    "any_item": ("lists an entry where {v}", "содержит запись, где {v}"),
    "no_item": ("lists no entry where {v}", "не содержит ни одной записи, где {v}"),
    "in_fact": ("is among: {v}", "входит в: {v}"), "not_in_fact": ("is not among: {v}", "не входит в: {v}"),
    "eq_fact": ("is the same as: {v}", "совпадает с: {v}"), "ne_fact": ("differs from: {v}", "отличается от: {v}"),
    "count_eq": ("has exactly {n} entries", "число записей: ровно {n}"),
    "count_ne": ("has other than {n} entries", "число записей: не {n}"),
    "count_lt": ("has fewer than {n} entries", "число записей: меньше {n}"),
    "count_lte": ("has at most {n} entries", "число записей: не больше {n}"),
    "count_gt": ("has more than {n} entries", "число записей: больше {n}"),
    "count_gte": ("has at least {n} entries", "число записей: не меньше {n}"),
}
ORDER: dict[tuple[str, bool], tuple[str, str]] = {  # (operator, is a date) -> words
    ("lt", True): ("is before {v}", "раньше {v}"), ("lte", True): ("is on or before {v}", "не позже {v}"),
    ("gt", True): ("is after {v}", "позже {v}"), ("gte", True): ("is on or after {v}", "не раньше {v}"),
    ("lt", False): ("is less than {v}", "меньше {v}"), ("lte", False): ("is at most {v}", "не больше {v}"),
    ("gt", False): ("is more than {v}", "больше {v}"), ("gte", False): ("is at least {v}", "не меньше {v}"),
}
for _op in ("lt", "lte", "gt", "gte"):
    ORDER[(f"{_op}_fact", True)] = ORDER[(_op, True)]
    ORDER[(f"{_op}_fact", False)] = ORDER[(_op, False)]
AND = {"en": " and ", "ru": " и "}
OR_LIST = {"en": ", ", "ru": ", "}


@dataclass(frozen=True)
class Words:
    """One node of a condition in words: ``all``/``any``/``not`` with children, or a ``fact`` or ``finding`` leaf."""

    node: str
    text: str = ""  # a fact leaf: the operator and value in words
    label: str = ""  # a fact leaf: the fact's question (or description)
    path: str = ""  # a fact leaf: the fact path; a finding leaf: the finding id
    answer: str = ""  # a finding leaf: the answer word it tests
    children: tuple[Words, ...] = field(default_factory=tuple)


def fact_label(path: str, L: Lang) -> str:
    """What a fact asks, in the page's language: its question, else the first sentence of its description."""
    if L.code != "en":
        return L.fact_label(path)
    spec = fact_specs().get(path)
    if spec is None:
        return path
    text = spec.question or spec.description.split(". ")[0]
    return text.rstrip("?. ") or path


def value_text(spec: FactSpec | None, value: Any, L: Lang) -> str:
    """A literal as the engines hold it (a date as its ordinal), written as a report shows it."""
    if isinstance(value, (tuple, list)):
        return OR_LIST[L.code].join(value_text(spec, v, L) for v in value)
    kind = spec.kind if spec is not None else None
    if isinstance(value, bool):
        return L.yes_no(value)
    if kind == "date" and isinstance(value, int):
        return _dt.date.fromordinal(value).isoformat()
    if kind == "country":
        return L.country(value)
    if kind == "enum":
        return L.coded(value)
    if kind == "text":
        return f"“{value}”"
    return str(value)


def _operator(op: str, spec: FactSpec | None, L: Lang) -> str:
    index = 0 if L.code == "en" else 1
    if op in OPERATOR:
        return OPERATOR[op][index]
    return ORDER[(op, spec is not None and spec.kind == "date")][index]


def _items(spec: FactSpec, match: ItemMatch, L: Lang) -> str:
    parts = []
    for test in match.tests:
        sub = spec.item_fields.get(test.field)
        name = test.field.replace("_", " ") if L.code == "en" else L.field(test.field)
        parts.append(f"{name} " + _operator(test.op, sub, L).format(v=value_text(sub, test.value, L)))
    return AND[L.code].join(parts)


def fact_words(leaf: FactLeaf, L: Lang) -> Words:
    specs = fact_specs()
    spec = specs.get(leaf.path)
    element = spec.element if spec is not None and spec.kind == "list" else spec
    words = _operator(leaf.op, spec, L)
    if leaf.ref is not None:
        shown = f"{fact_label(leaf.ref, L)} ({leaf.ref})"
    elif isinstance(leaf.value, ItemMatch) and spec is not None:
        shown = _items(spec, leaf.value, L)
    else:
        shown = value_text(element, leaf.value, L)
    return Words("fact", text=words.format(v=shown, n=leaf.value), label=fact_label(leaf.path, L), path=leaf.path)


def condition_words(condition: Condition, L: Lang) -> Words:
    """The condition as a tree of words (see :class:`Words`)."""
    if isinstance(condition, FactLeaf):
        return fact_words(condition, L)
    if isinstance(condition, FindingLeaf):
        return Words("finding", path=condition.finding, answer=condition.status)
    if isinstance(condition, Not):
        return Words("not", children=(condition_words(condition.child, L),))
    node = "all" if isinstance(condition, All) else "any"
    assert isinstance(condition, (All, AnyOf))
    return Words(node, children=tuple(condition_words(c, L) for c in condition.children))


def plain_words(words: Words, title: Any = None) -> str:
    """The tree on one line (for search and tests): ``all of (a; b)``; ``title`` names a referenced finding."""
    if words.node == "fact":
        return f"{words.label} [{words.path}] {words.text}"
    if words.node == "finding":
        return f"{title(words.path) if title else words.path} = {words.answer}"
    inner = "; ".join(plain_words(c, title) for c in words.children)
    return f"{words.node} of ({inner})" if words.node != "not" else f"not ({inner})"
