"""The compiled backend: the productions become one generated Python function, evaluated in one ordered pass.

It exists because durable-rules cannot be imported on Python 3.13 and later, and because it is
two orders of magnitude faster for large batches (bare evaluation ~15,000 against ~60 cases/s,
benchmarks/README.md). It shares nothing with the durable-rules backend but
the productions themselves, so the two agreeing on every profile checks both.

One pass suffices: productions are in dependency order (a finding's rules come after every finding
they read, and the loader rejects cycles), so every token a production needs is settled before it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
import threading
import weakref
from typing import Any

from refugee_rules.law.conditions import ItemMatch
from refugee_rules.engine.ir import Production, Program, Test

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


def holds(t: Test, facts: Facts) -> bool:
    """Whether one test definitely holds on these (encoded, known) facts, with exactly the engine's comparison:
    for reading a program outside an evaluation (which questions could still change an answer)."""
    return _test(t)(facts)


_SCALAR = {"eq": "==", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _evaluator(program: Program, blocks: bool = False) -> Callable[..., list[str]]:
    """The program as one generated Python function: one ``if`` per production, in dependency order.

    Every fact is read once into a local, every token is a local flag, and a production's guard tests
    the tokens it needs and the presence of its facts before any comparison, so the common case (a
    production whose facts or premises are missing) costs a couple of local reads. Scalar comparisons
    are inlined; the other operators call the same closures as ever (``_test``). Nothing from a
    ruleset is written into the source: values, paths and production ids are passed in as constants
    (``K0``, ``K1`` …), so a ruleset cannot inject code.

    With ``blocks`` the function takes a second argument, one flag per finding of the program (in the order of
    :func:`block_findings`), and runs only the productions of the findings flagged: each finding's productions are
    one block (the program holds them finding by finding), whose tokens are set false where the block starts.
    A flagged finding's premises come from findings before it that must be flagged too (see
    :meth:`CompiledBackend.run_findings`).
    """
    constants: list[Any] = []

    def const(value: Any) -> str:
        constants.append(value)
        return f"K{len(constants) - 1}"

    paths = sorted(program.fact_paths)
    local = {path: f"v{i}" for i, path in enumerate(paths)}
    tokens = sorted({p.produces for p in program.productions} | {n for p in program.productions for n in p.needs})
    flag = {token: f"t{i}" for i, token in enumerate(tokens)}
    body = [f"    {local[path]} = get({const(path)}, MISSING)" for path in paths]
    owner: dict[str, set[str]] = {}  # token -> the findings whose productions assert it (one, in every book)
    for p in program.productions:
        owner.setdefault(p.produces, set()).add(p.finding)
    own = {t: next(iter(f)) for t, f in owner.items() if blocks and len(f) == 1}  # set where its block starts
    cleared: dict[str, list[str]] = {}
    for token in sorted(own):
        cleared.setdefault(own[token], []).append(token)
    body += [f"    {flag[token]} = False" for token in tokens if token not in own]
    indent = "    "
    block: str | None = None
    findings = {f: i for i, f in enumerate(block_findings(program))}
    if blocks and findings:
        body.insert(0, f"    ({', '.join(f's{i}' for i in range(len(findings)))},) = flags")
    for production in program.productions:
        if blocks and production.finding != block:
            block, indent = production.finding, "        "
            body.append(f"    if s{findings[block]}:")
            if cleared.get(block):
                body.append(f"        {' = '.join(flag[t] for t in cleared[block])} = False")
        guard = [flag[n] for n in production.needs]
        guard += [f"{local[path]} is not MISSING" for path in sorted({x for t in production.tests for x in t.paths})]
        for t in production.tests:
            if t.op in _SCALAR and t.ref is None:
                guard.append(f"{local[t.path]} {_SCALAR[t.op]} {const(t.value)}")
            else:
                guard.append(f"{const(_test(t))}(facts)")
        body.append(f"{indent}if {' and '.join(guard) or 'True'}:")
        body.append(f"{indent}    fired({const(production.id)}); {flag[production.produces]} = True")
    names = ", ".join(f"K{i}" for i in range(len(constants)))
    source = (f"def make(MISSING, {names}):\n"
              f"  def evaluate(facts{', flags' if blocks else ''}):\n"
              f"    out = []\n    fired = out.append\n    get = facts.get\n"
              + "\n".join(body)
              + "\n    return out\n  return evaluate\n")
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<refugee_rules program {program.signature}>", "exec"), namespace)  # noqa: S102
    evaluate: Callable[..., list[str]] = namespace["make"](_MISSING, *constants)
    return evaluate


def block_findings(program: Program) -> list[str]:
    """The findings of a program in the order their productions come (one block each)."""
    return list(dict.fromkeys(p.finding for p in program.productions))


_MISSING = object()


_EVALUATORS: weakref.WeakKeyDictionary[Program, Callable[[Facts], list[str]]] = weakref.WeakKeyDictionary()
"""Each program's function, made once (a few tens of milliseconds; the whole program's ~0.2 s) and held exactly as
long as the program: weakly keyed, so a program dropped takes its function with it. Programs are kept with their
rule book (:class:`refugee_rules.assessor.Assessor`), so this holds nothing a book does not."""
Skipping = tuple[Callable[..., list[str]], dict[frozenset[str], tuple[bool, ...]]]
_SKIPPING: weakref.WeakKeyDictionary[Program, Skipping] = weakref.WeakKeyDictionary()
"""Each prepared program's function in blocks (:meth:`CompiledBackend.prepare`), with the flags of each set of
findings it has run."""
_EVALUATORS_LOCK = threading.Lock()


class CompiledBackend:
    """Runs a program as its generated function (:func:`_evaluator`)."""

    name = "compiled"

    def run(self, program: Program, facts: Facts) -> frozenset[str]:
        """The ids of the productions that fire for these (encoded, known) facts."""
        evaluate = _EVALUATORS.get(program)
        if evaluate is None:
            evaluate = _evaluator(program)
            with _EVALUATORS_LOCK:
                evaluate = _EVALUATORS.setdefault(program, evaluate)
        return frozenset(evaluate(facts))

    def prepare(self, program: Program) -> None:
        """Make the program's function in blocks, so that :meth:`run_findings` can run any part of it without
        compiling anything (a batch prepares the day's program once, before its workers fork)."""
        if program not in _SKIPPING:
            made: Skipping = (_evaluator(program, blocks=True), {})
            with _EVALUATORS_LOCK:
                _SKIPPING.setdefault(program, made)

    def prepared(self, program: Program) -> bool:
        return program in _SKIPPING

    def run_findings(self, program: Program, facts: Facts, findings: frozenset[str]) -> frozenset[str]:
        """What :meth:`run` gives of the productions of ``findings`` (and of every finding they read), from the
        prepared program alone: exactly what the program cut to those findings fires, without compiling it."""
        evaluate, flags_of = _SKIPPING[program]
        flags = flags_of.get(findings)
        if flags is None:
            flags = flags_of[findings] = _flags(program, findings)
        return frozenset(evaluate(facts, flags))


def _flags(program: Program, findings: frozenset[str]) -> tuple[bool, ...]:
    """One flag per block of the program: its finding is one of ``findings`` or produces a token one of theirs
    needs, transitively (so no flagged block reads a token that no block has set)."""
    producers: dict[str, set[str]] = {}
    for p in program.productions:
        producers.setdefault(p.produces, set()).add(p.finding)
    wanted, stack = set(findings), list(findings)
    needs: dict[str, set[str]] = {}
    for p in program.productions:
        for n in p.needs:
            needs.setdefault(p.finding, set()).update(producers.get(n, ()))
    while stack:
        for other in needs.get(stack.pop(), ()):
            if other not in wanted:
                wanted.add(other)
                stack.append(other)
    return tuple(f in wanted for f in block_findings(program))
