"""The compiled form of the rules: productions over three-valued facts, in dependency order.

A rule's condition C is compiled twice, once for "C definitely holds" and once for "C definitely
fails", with negation pushed down to the leaves (``not eq`` becomes ``ne``, ``not contains`` becomes
``not_contains`` …). Each side is a disjunction of conjunctions; each conjunction is one
*production*: a set of fact tests and conclusion tokens that, when all satisfied, assert one token.
A leaf test is satisfied only when its fact is known and the comparison definitely holds, so a
missing fact satisfies neither side and the rule stays silent: that is the whole three-valued logic.

Findings combine their rules by default logic: a base rule's "held" token concludes its status once
every exception is known to fail; any exception that holds concludes the opposite; when every base
rule fails (and none is one-sided) the opposite is concluded too.

Both backends evaluate exactly these productions, so they can be compared firing for firing.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass
from functools import cached_property
from itertools import product
from typing import Any

from refugee_rules.errors import RulesetError
from refugee_rules.law.conditions import NEGATION, All, Condition, FactLeaf, FindingLeaf, Not
from refugee_rules.law.loader import RuleBook

MAX_ALTERNATIVES = 64
OPPOSITE = {"met": "not_met", "not_met": "met"}


@dataclass(frozen=True, order=True)
class Test:
    """One fact test, satisfied only when the fact is known and the comparison definitely holds."""

    path: str
    op: str
    value: Any = None
    ref: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, self.ref) if self.ref else (self.path,)


@dataclass(frozen=True)
class Production:
    id: str
    finding: str
    rule: str | None  # the rule whose condition this is a side of; None for a finding's combination
    side: str  # "held" | "failed" for rule conditions; the status concluded for combinations
    tests: tuple[Test, ...]
    needs: tuple[str, ...]
    produces: str

    @cached_property
    def fact_paths(self) -> tuple[str, ...]:
        """The fact paths its tests read, sorted (computed once; frozen dataclasses keep cached properties)."""
        return tuple(sorted({path for t in self.tests for path in t.paths}))


@dataclass(frozen=True, eq=False)
class Program:
    """Compared and hashed by identity: programs are cached per set of rules in force, and hashing the
    productions on every cache lookup cost a millisecond per assessment."""

    productions: tuple[Production, ...]
    fact_paths: frozenset[str]
    signature: str
    active_rules: frozenset[str]

    @cached_property
    def position(self) -> dict[str, int]:
        """Each production's place in dependency order, by id."""
        return {p.id: i for i, p in enumerate(self.productions)}


def rule_token(rule_id: str, side: str) -> str:
    return f"rule:{rule_id}:{side}"


def finding_token(finding: str, status: str) -> str:
    return f"finding:{finding}:{status}"


Conjunction = tuple[tuple[Test, ...], tuple[str, ...]]


def _sort_key(value: Any) -> str:
    return repr(value)


def dnf(condition: Condition, holds: bool) -> list[Conjunction]:
    """The alternatives under which ``condition`` definitely holds (or definitely fails)."""
    if isinstance(condition, FactLeaf):
        op = condition.op if holds else NEGATION[condition.op]
        return [((Test(condition.path, op, condition.value, condition.ref),), ())]
    if isinstance(condition, FindingLeaf):
        status = condition.status if holds else OPPOSITE[condition.status]
        return [((), (finding_token(condition.finding, status),))]
    if isinstance(condition, Not):
        return dnf(condition.child, not holds)
    parts = [dnf(c, holds) for c in condition.children]
    conjunctive = isinstance(condition, All) == holds  # all-holds and any-fails multiply out
    if conjunctive:
        alternatives = []
        for combo in product(*parts):
            tests_set = {t for tests, _ in combo for t in tests}
            if any(Test(t.path, NEGATION[t.op], t.value, t.ref) in tests_set for t in tests_set):
                continue  # a test and its negation together can never both hold
            tests = tuple(sorted(tests_set, key=_sort_key))
            needs = tuple(sorted({n for _, needs in combo for n in needs}))
            alternatives.append((tests, needs))
    else:
        alternatives = [alt for part in parts for alt in part]
    unique = list(dict.fromkeys(alternatives))
    if len(unique) > MAX_ALTERNATIVES:
        raise RulesetError([f"a condition expands to {len(unique)} alternatives; introduce an intermediate finding"])
    return unique


def _condition_productions(rule_id: str, finding: str, condition: Condition, side: str) -> list[Production]:
    return [
        Production(
            id=f"{rule_id}#{side}{i}", finding=finding, rule=rule_id, side=side,
            tests=tests, needs=needs, produces=rule_token(rule_id, side),
        )
        for i, (tests, needs) in enumerate(dnf(condition, side == "held"))
    ]


def rules_in_force(book: RuleBook, as_of: _dt.date) -> frozenset[str]:
    return frozenset(r.id for r in book.rules.values() if r.in_force(as_of))


def compile_program(book: RuleBook, as_of: _dt.date) -> Program:
    """The program for the rules in force on ``as_of``. Not cached here: the Assessor keeps one program per set
    of rules in force (:meth:`refugee_rules.assessor.Assessor.program`)."""
    return compile_rules(book, rules_in_force(book, as_of))


def compile_rules(book: RuleBook, active: frozenset[str]) -> Program:
    """The productions of the rules in ``active``, finding by finding in dependency order. A finding's productions
    depend only on which of its rules are in force, so they are made once per rule book and set, and every program
    of the book (each date, scope and part) shares them."""
    made: dict[tuple[str, tuple[str, ...]], tuple[tuple[Production, ...], frozenset[str], str]] = (
        book.derived.setdefault("ir.finding_productions", {}))
    productions: list[Production] = []
    paths: set[str] = set()
    pieces: list[str] = []
    for finding in book.finding_order:
        in_force = tuple(r.id for r in book.rules_of(finding) if r.id in active)
        found = made.get((finding, in_force))
        if found is None:
            own = _finding_productions(book, finding, in_force)
            found = made[(finding, in_force)] = (
                own, frozenset(path for p in own for t in p.tests for path in t.paths),
                repr([(p.id, p.tests, p.needs, p.produces) for p in own]))
        productions += found[0]
        paths |= found[1]
        pieces.append(found[2])
    signature = hashlib.sha256("\n".join(pieces).encode()).hexdigest()[:16]
    return Program(tuple(productions), frozenset(paths), signature, active)


def _finding_productions(book: RuleBook, finding: str, in_force: tuple[str, ...]) -> tuple[Production, ...]:
    productions: list[Production] = []
    rules = [book.rules[r] for r in in_force]
    bases = [r for r in rules if r.exception_to is None]
    exceptions = [r for r in rules if r.exception_to is not None and r.exception_to in {b.id for b in bases}]
    # An exception whose base rule is not in force still concludes when it holds.
    orphans = [r for r in rules if r.exception_to is not None and r not in exceptions]
    all_bases_two_sided = bool(bases) and all(b.otherwise == "opposite" for b in bases)
    # Every condition both ways, whether or not its failing concludes anything: a rule known to fail asks for
    # no missing fact (a one-sided route for Russians asks a non-Russian nothing), and which rules failed is
    # then read from what fired alone, as every memo key assumes.
    for rule in bases + exceptions + orphans:
        productions += _condition_productions(rule.id, finding, rule.condition, "held")
        productions += _condition_productions(rule.id, finding, rule.condition, "failed")
    exception_failed = tuple(rule_token(e.id, "failed") for e in exceptions)
    for rule in bases:
        status = rule.concludes.side
        productions.append(Production(
            id=f"{finding}:{status}<-{rule.id}", finding=finding, rule=None, side=status, tests=(),
            needs=(rule_token(rule.id, "held"),) + exception_failed, produces=finding_token(finding, status),
        ))
    for rule in exceptions + orphans:
        status = rule.concludes.side
        productions.append(Production(
            id=f"{finding}:{status}<-{rule.id}", finding=finding, rule=None, side=status, tests=(),
            needs=(rule_token(rule.id, "held"),), produces=finding_token(finding, status),
        ))
    if all_bases_two_sided:
        opposite = OPPOSITE[bases[0].concludes.side]
        productions.append(Production(
            id=f"{finding}:{opposite}<-none-of-{'+'.join(b.id for b in bases)}", finding=finding, rule=None,
            side=opposite, tests=(), needs=tuple(rule_token(b.id, "failed") for b in bases),
            produces=finding_token(finding, opposite),
        ))
    return tuple(productions)
