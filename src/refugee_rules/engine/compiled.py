"""The compiled backend: each production becomes a plain Python closure, evaluated in one ordered pass.

It exists because durable-rules cannot be imported on Python 3.13 and later, and because it is
about thirty times faster for large batches. It shares nothing with the durable-rules backend but
the productions themselves, so the two agreeing on every profile checks both.

One pass suffices: productions are in dependency order (a finding's rules come after every finding
they read, and the loader rejects cycles), so every token a production needs is settled before it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from ..rules.conditions import ItemMatch
from .ir import Production, Program, Test

Facts = dict[str, Any]
Check = Callable[[Facts], bool]

_ORDER = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge,
          "eq": operator.eq, "ne": operator.ne}


def _field_check(op: str, expected: Any) -> Callable[[Any], bool]:
    if op in _ORDER:
        fn = _ORDER[op]
        return lambda actual: fn(actual, expected)
    if op == "in":
        return lambda actual: actual in expected
    if op == "not_in":
        return lambda actual: actual not in expected
    raise ValueError(op)


def _item_checks(match: ItemMatch, holds: bool) -> Callable[[dict[str, Any]], bool]:
    """Does one record definitely satisfy every test (holds) / definitely fail at least one?"""
    checks = [(t.field, _field_check(t.op, t.value)) for t in match.tests]
    if holds:
        return lambda item: all(name in item and check(item[name]) for name, check in checks)
    return lambda item: any(name in item and not check(item[name]) for name, check in checks)


def _test(t: Test) -> Check:
    path, op, value, ref = t.path, t.op, t.value, t.ref
    if op in ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in"):
        check = _field_check(op, value)
        return lambda f: path in f and check(f[path])
    if op == "contains":
        return lambda f: path in f and value in f[path]
    if op == "not_contains":
        return lambda f: path in f and value not in f[path]
    if op == "contains_any":
        return lambda f: path in f and any(v in f[path] for v in value)
    if op == "contains_none":
        return lambda f: path in f and not any(v in f[path] for v in value)
    if op == "any_item":
        item_holds = _item_checks(value, True)
        return lambda f: path in f and any(item_holds(i) for i in f[path])
    if op == "no_item":
        item_fails = _item_checks(value, False)
        return lambda f: path in f and all(item_fails(i) for i in f[path])
    if op.startswith("count_"):
        fn = _ORDER[op[len("count_"):]]
        return lambda f: path in f and fn(len(f[path]), value)
    if op == "in_fact":
        return lambda f: path in f and ref in f and f[path] in f[ref]
    if op == "not_in_fact":
        return lambda f: path in f and ref in f and f[path] not in f[ref]
    if op.endswith("_fact"):
        fn = _ORDER[op[: -len("_fact")]]
        return lambda f: path in f and ref in f and fn(f[path], f[ref])
    raise ValueError(f"operator {op!r} has no compiled form")


@lru_cache(maxsize=64)
def _closures(program: Program) -> tuple[tuple[Production, frozenset[str], frozenset[str], tuple[Check, ...]], ...]:
    """Each production with the tokens and fact paths it needs (cheap set filters first) and its tests."""
    return tuple(
        (p, frozenset(p.needs), frozenset(path for t in p.tests for path in t.paths), tuple(_test(t) for t in p.tests))
        for p in program.productions
    )


class CompiledBackend:
    name = "compiled"

    def run(self, program: Program, facts: Facts) -> frozenset[str]:
        """The ids of the productions that fire for these (encoded, known) facts."""
        tokens: set[str] = set()
        fired: list[str] = []
        present = facts.keys()
        for production, needs, paths, checks in _closures(program):
            if not (needs <= tokens and paths <= present):
                continue  # a missing fact satisfies no test: most productions stop here
            if all(check(facts) for check in checks):
                fired.append(production.id)
                tokens.add(production.produces)
        return frozenset(fired)
