"""The durable-rules backend: the productions run as a Rete network in durable-rules, one session per case.

durable-rules is the engine the users chose, and it runs assessments by default wherever it imports.
This is the only module that imports it. The wrapper exists because of the habits measured in
``shared/durable-rules-notes.md``:

* results and the trace are kept in Python, keyed by session id — the engine drops facts no
  pattern matches, so it is not a store;
* conclusions are de-duplicated before they are asserted (an identical fact twice raises), and only
  tokens some production consumes are asserted at all;
* the engine's actions run in a loop of ours, not in its ``Host``: the host wraps every firing in a JSON round
  trip of the session's state, a closure and a promise (measured: about 20 µs a firing, ~62 firings a case, half of
  a case's time in the engine), starts two dispatcher threads that race the asserting thread for pending actions
  ("Could not complete and start action, error code: 307" logged inside the engine, conclusions missing, no
  exception raised), and stores an action's exception as a string in the state for the next one to overwrite.
  Here a firing is its rule's name read from the engine's message, recorded, and its token asserted; the state is
  never changed, so it is never written back; an exception in the loop abandons the action and reaches the
  caller. No thread is started;
* each case's session is deleted afterwards (the engine allows 1,024 live sessions per ruleset);
* rulesets are made once per process (a forked child makes its own: the engine's C state is not fork-safe), and
  one lock is held around every call into the engine (a shared engine segfaults under threads);
* no pattern is absence-only (that hangs the engine); absent facts are simply never asserted;
* every session opens with a fact a no-op rule matches: deleting a session that stored no fact
  segfaults (measured: a case whose facts no pattern matched crashed the process on delete_state);
* one fact may match at most 64 alpha nodes ("error code: 303", MAX_STACK_SIZE in events.c: the alpha
  network is walked depth first, and every child of a node that is not a hashed equality test is pushed on a
  stack of 64). A fact read by more than ``SHARD`` productions (a custom layer's 80 rules reading one fact
  failed every assessment) is asserted once per shard, ``s: 0, 1, …``, and each production tests its shard
  first (an equality: only the matching child is pushed), so no node has more than ``SHARD`` such children;
* an alpha node keeps its equality children in a hash table of 512 slots (NEXT_BUCKET_LENGTH) probed without
  bound: with more than 512 distinct values tested under one node, ``create_ruleset`` loops forever. The
  built-in rules need 431 conclusion tokens, so a custom layer adding about 80 rules hung every assessment;
  tokens are spread over ``TOKEN_BUCKETS`` kinds (``t: k0 … k31``, by a stable hash), and the values of one fact
  over its shards.

Each profile fact is asserted as ``{t: "f", n: path, v: value[, c: count]}``; each element of a list
that another fact is tested against as ``{t: "e", n: path, v: element}``, and each record of a list of
records as ``{t: "i", n: path, k: index, f_<field>: value …}`` — both before the list itself, so that a
"none of them" test sees every one; each conclusion as ``{t: "k", n: token}``. Records are facts of their
own because durable-rules mis-evaluates an ``$or`` nested inside ``$iany``/``$iall`` (measured: only the
last present alternative counts), so no compound test is ever put inside an item expression.
"""

from __future__ import annotations

import itertools
import json
import os
import threading
import zlib
from dataclasses import dataclass
from typing import Any

from durable.engine import durable_rules_engine as rete  # the one import of durable-rules: its C Rete engine

from refugee_rules.errors import EngineError
from refugee_rules.case.facts import fact_specs
from refugee_rules.law.conditions import ItemMatch
from refugee_rules.engine.ir import Production, Program, Test

_LOCK = threading.RLock()
_pid: int | None = None  # the process the rulesets below were made in
_rulesets: dict[str, _Ruleset] = {}  # by program signature
_sid_counter = itertools.count(1)

SHARD = 24
"""At most this many productions read one copy of a fact (see above: the engine's alpha stack holds 64)."""
TOKEN_BUCKETS = 32
"""Conclusion tokens are spread over this many fact kinds (see above: 512 equality children per node at most)."""
_plans: dict[str, dict[tuple[str, str], dict[str, int]]] = {}

_COMPARE = {"lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte", "ne": "$neq"}


def _conj(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _disj(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _scalar(op: str, field_name: str, value: Any) -> dict[str, Any]:
    if op == "eq":
        return {field_name: value}
    if op in _COMPARE:
        return {_COMPARE[op]: {field_name: value}}
    if op == "in":
        return _disj([{field_name: v} for v in value])
    if op == "not_in":
        return _conj([{"$neq": {field_name: v}} for v in value])
    raise EngineError(f"no durable-rules form for {op!r}")


def _item_holds(match: ItemMatch) -> list[dict[str, Any]]:
    """Tests on one item fact that all hold when the item definitely satisfies the match."""
    return [_scalar(t.op, f"f_{t.field}", t.value) for t in match.tests]


def _item_not_failing(match: ItemMatch) -> list[dict[str, Any]]:
    """Tests that all hold when no test of the match definitely fails: each holds, or its field is absent."""
    return [{"$or": [_scalar(t.op, f"f_{t.field}", t.value), {"$nex": {f"f_{t.field}": 1}}]} for t in match.tests]


def _value_test(t: Test, aliases: dict[str, str]) -> dict[str, Any]:
    """The condition on the ``v`` (and ``c``) fields of the fact at ``t.path``."""
    op, value = t.op, t.value
    if op in ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in"):
        return _scalar(op, "v", value)
    if op.startswith("count_"):
        return _scalar(op[len("count_"):], "c", value)
    if op == "contains":
        return {"$iany": {"v": {"$i": value}}}
    if op == "not_contains":
        return {"$or": [{"c": 0}, {"$iall": {"v": {"$neq": {"$i": value}}}}]}
    if op == "contains_any":  # an $or nested inside $iany is mis-evaluated by durable-rules: keep it outside
        return _disj([{"$iany": {"v": {"$i": v}}} for v in value])
    if op == "contains_none":
        return {"$or": [{"c": 0}, {"$iall": {"v": _conj([{"$neq": {"$i": v}} for v in value])}}]}
    if op.endswith("_fact") and op not in ("in_fact", "not_in_fact"):
        assert t.ref is not None  # every *_fact test names the fact it compares with
        ref = {aliases[t.ref]: "v"}
        base = op[: -len("_fact")]
        return {"v": ref} if base == "eq" else {_COMPARE[base]: {"v": ref}}
    raise EngineError(f"no durable-rules form for {op!r}")


def _reads(production: Production) -> set[tuple[str, str]]:
    """The facts a production's patterns match: ("f", path) for a fact, ("e", path) for the elements of a list,
    ("i", path) for the records of a list of records."""
    out: set[tuple[str, str]] = {("f", p) for t in production.tests for p in t.paths}
    for t in production.tests:
        if t.op in ("in_fact", "not_in_fact"):
            out.add(("e", t.ref or ""))
        elif t.op in ("any_item", "no_item"):
            out.add(("i", t.path))
    return out


def _plan(program: Program) -> dict[tuple[str, str], dict[str, int]]:
    """For each fact read by more than SHARD productions: the shard each of them reads (by production id)."""
    plan = _plans.get(program.signature)
    if plan is None:
        readers: dict[tuple[str, str], list[str]] = {}
        for p in program.productions:
            for key in sorted(_reads(p)):
                readers.setdefault(key, []).append(p.id)
        plan = {key: {pid: i // SHARD for i, pid in enumerate(ids)} for key, ids in readers.items() if len(ids) > SHARD}
        _plans[program.signature] = plan
    return plan


def _shard(plan: dict[tuple[str, str], dict[str, int]], kind: str, path: str, production: str) -> list[dict[str, Any]]:
    shards = plan.get((kind, path))
    return [] if shards is None else [{"s": shards[production]}]


def _patterns(production: Production, plan: dict[tuple[str, str], dict[str, int]] | None = None) -> list[dict[str, Any]]:
    """The production's left-hand side: one pattern per fact it reads, one per token it needs."""
    plan = plan or {}
    paths = sorted({p for t in production.tests for p in t.paths})
    aliases = {path: f"f{i}" for i, path in enumerate(paths)}
    plain: dict[str, list[dict[str, Any]]] = {
        path: [{"t": "f"}, {"n": path}] + _shard(plan, "f", path, production.id) for path in paths}
    referring: set[str] = set()
    extra: list[dict[str, Any]] = []
    for t in production.tests:
        if t.op in ("in_fact", "not_in_fact"):
            shard = _shard(plan, "e", t.ref or "", production.id)
            name = f"e{len(extra)}" + ("$not" if t.op == "not_in_fact" else "")
            element: list[dict[str, Any]] = [{"t": "e"}, {"n": t.ref}]
            extra.append({name: _conj(element + shard + [{"v": {aliases[t.path]: "v"}}])})
        elif t.op in ("any_item", "no_item"):
            shard = _shard(plan, "i", t.path, production.id)
            if t.op == "any_item":
                extra.append({f"e{len(extra)}": _conj([{"t": "i"}, {"n": t.path}] + shard + _item_holds(t.value))})
            else:  # the list is known and none of its items might still satisfy the match
                extra.append({f"e{len(extra)}$not": _conj([{"t": "i"}, {"n": t.path}] + shard
                                                          + _item_not_failing(t.value))})
        else:
            plain[t.path].append(_value_test(t, aliases))
            if t.ref:
                referring.add(t.path)
    if referring & {t.ref for t in production.tests if t.ref and t.path in referring}:
        raise EngineError(f"{production.id}: two facts compared with each other both ways")
    ordered = [p for p in paths if p not in referring] + [p for p in paths if p in referring]
    patterns = [{aliases[p]: _conj(plain[p])} for p in ordered] + extra
    patterns += [{f"k{i}": _conj([{"t": _token_kind(token)}, {"n": token}])} for i, token in enumerate(production.needs)]
    return patterns


def _token_kind(token: str) -> str:
    """The ``t`` of a token's fact: one of TOKEN_BUCKETS kinds, by a stable hash of the token (see the module's
    docstring: no alpha node may have more than 512 equality children)."""
    return f"k{zlib.crc32(token.encode('utf-8')) % TOKEN_BUCKETS}"


def _patterns_of(production: Production, plan: dict[tuple[str, str], dict[str, int]]) -> list[dict[str, Any]]:
    """:func:`_patterns`, made once per production and sharding: one production is part of many programs (each set
    of rules in force, each scope, each part of the dataset's rules), and a timeline registers a program for every
    date where a rule changes. Kept with the production (durable-rules only reads the patterns it is given)."""
    keys = [("f", path) for path in production.fact_paths]
    keys += [("e", t.ref or "") if t.op in ("in_fact", "not_in_fact") else ("i", t.path)
             for t in production.tests if t.op in ("in_fact", "not_in_fact", "any_item", "no_item")]
    shards = tuple(plan[k][production.id] if k in plan else -1 for k in keys)
    made: dict[tuple[int, ...], list[dict[str, Any]]] = production.__dict__.setdefault("_durable_patterns", {})
    found = made.get(shards)
    if found is None:
        found = made[shards] = _patterns(production, plan)
    return found


@dataclass(frozen=True)
class _Ruleset:
    """A program made into a durable-rules ruleset: its engine handle, and for each rule (``p<i>``) the production
    it stands for and the fact of the token it asserts, as JSON up to its session id (an empty string where no
    production consumes the token): written once here, not encoded again at each of ~40 firings a case."""

    signature: str
    handle: int
    firings: tuple[tuple[str, str], ...]


def _ruleset(program: Program) -> _Ruleset:
    """The program's ruleset, made in this process on first use (a forked child makes its own)."""
    global _pid
    if _pid != os.getpid():
        _pid = os.getpid()
        _rulesets.clear()
    found = _rulesets.get(program.signature)
    if found is None:
        plan = _plan(program)
        definition: dict[str, Any] = {f"p{i}": {"all": _patterns_of(p, plan)}
                                      for i, p in enumerate(program.productions)}
        definition["session"] = {"all": [{"s": _conj([{"t": "s"}, {"n": "session"}])}]}
        consumed = _layout(program).consumed
        try:
            handle = rete.create_ruleset(f"refugee_rules_{program.signature}",
                                         json.dumps(definition, ensure_ascii=False))
        except Exception as e:
            raise EngineError(f"durable-rules failed: {type(e).__name__}: {e}") from e
        firings = tuple((p.id, _token_fact(p.produces) if p.produces in consumed else "") for p in program.productions)
        found = _rulesets[program.signature] = _Ruleset(program.signature, handle, firings)
    return found


class _Session:
    """One case (or one interview) in the engine: a session id, the productions fired and the tokens asserted so far.

    Facts are asserted one at a time; after each, the actions it completed run here, in order, until the engine has
    none left for the session: a rule's firing is recorded, and its token, if another production consumes it and it
    was not asserted before, is asserted at once (its own actions follow in the same loop)."""

    def __init__(self, program: Program) -> None:
        self.ruleset = _ruleset(program)
        self.pid = os.getpid()
        self.sid = str(next(_sid_counter))
        self.fired: set[str] = set()
        self.asserted: set[str] = set()
        self.open = False
        self.add([{"t": "s", "n": "session"}])
        self.open = True

    def add(self, facts: list[dict[str, Any]]) -> None:
        """Assert ``facts`` (each without its ``sid``) and run every action they set off."""
        handle, sid = self.ruleset.handle, self.sid
        for fact in facts:
            try:
                self._run_actions(rete.assert_fact(handle, json.dumps(dict(fact, sid=sid), ensure_ascii=False)))
            except EngineError:
                raise
            except Exception as e:
                raise EngineError(f"durable-rules failed: {type(e).__name__}: {e}") from e

    def _run_actions(self, asserted: tuple[int, int]) -> None:
        code, state = asserted
        if code in (1, 2):  # no pattern can ever match the fact; or it was asserted before
            return
        handle, firings = self.ruleset.handle, self.ruleset.firings
        started = rete.start_action_for_state(handle, 0 if code == 3 else state)
        if not started:
            return
        message: str | None = started[1]
        while message:
            production = "an action"
            try:
                rule = _rule_named(message)
                if rule != "session":  # the rule that only keeps the session stored
                    production, token = firings[int(rule[1:])]
                    self.fired.add(production)
                    if token and token not in self.asserted:
                        self.asserted.add(token)
                        rete.assert_fact(handle, f'{token}"{self.sid}"}}')
            except Exception as e:
                rete.abandon_action(handle, state)
                raise EngineError(f"durable-rules action failed: {production}: {type(e).__name__}: {e}") from e
            message = rete.complete_and_start_action(handle, state)

    def live(self) -> bool:
        """Whether the session is still in the engine of this process (a forked child has its own engine)."""
        return self.open and self.pid == os.getpid() and _rulesets.get(self.ruleset.signature) is self.ruleset

    def close(self) -> None:
        """Delete the session from the engine: once, in the process that opened it; a session that stored no fact
        is never deleted (that segfaults)."""
        if self.open and self.pid == os.getpid():
            self.open = False
            rete.delete_state(self.ruleset.handle, self.sid)


def _token_fact(token: str) -> str:
    """The JSON of a token's fact without the end of its session id: ``{"t": "k7", "n": "<token>", "sid": ``."""
    return json.dumps({"t": _token_kind(token), "n": token, "sid": ""}, ensure_ascii=False)[:-3]


def _rule_named(message: str) -> str:
    """The rule an action is for: the first key of the engine's message (``{"p12": {...matched facts}}``), read
    without decoding the matched facts (whole lists, some of them), which no firing needs."""
    if not message.startswith('{"'):
        raise EngineError(f"durable-rules sent an action this backend cannot read ({message[:40]!r})")
    return message[2:message.index('"', 2)]


@dataclass(frozen=True)
class _Layout:
    """What every run of one program needs and no case changes: the tokens its productions consume, the list facts
    whose elements are asserted one by one, its fact paths in order, and how many copies of each sharded fact.
    (Built per run, these cost ~0.3 ms of a ~3.5 ms case: measured.)"""

    consumed: frozenset[str]
    element_lists: frozenset[str]
    paths: tuple[str, ...]
    copies: dict[tuple[str, str], int]


_layouts: dict[str, _Layout] = {}


def _layout(program: Program) -> _Layout:
    found = _layouts.get(program.signature)
    if found is None:
        plan = _plan(program)
        found = _layouts[program.signature] = _Layout(
            consumed=frozenset(n for p in program.productions for n in p.needs),
            element_lists=frozenset(t.ref for p in program.productions for t in p.tests
                                    if t.op in ("in_fact", "not_in_fact") and t.ref),
            paths=tuple(sorted(program.fact_paths)),
            copies={key: max(shards.values()) + 1 for key, shards in plan.items()},
        )
    return found


def _assertions(program: Program, facts: dict[str, Any]) -> list[dict[str, Any]]:
    specs = fact_specs()
    layout = _layout(program)
    element_lists = layout.element_lists
    elements: list[dict[str, Any]] = []
    fields: list[dict[str, Any]] = []
    for path in layout.paths:
        if path not in facts:
            continue
        value = facts[path]
        if specs[path].kind == "items":  # each record its own fact; the list itself carries only its count
            elements += [dict({"t": "i", "n": path, "k": k}, **{f"f_{f}": v for f, v in item.items()})
                         for k, item in enumerate(value)]
            fields.append({"t": "f", "n": path, "c": len(value)})
            continue
        fact: dict[str, Any] = {"t": "f", "n": path, "v": value}
        if specs[path].is_list:
            fact["c"] = len(value)
            if path in element_lists:
                elements += [{"t": "e", "n": path, "v": v} for v in value]
        fields.append(fact)
    copies = layout.copies
    if not copies:
        return elements + fields
    out: list[dict[str, Any]] = []
    for fact in elements + fields:
        count = copies.get((fact["t"], fact["n"]))
        out.extend([fact] if count is None else [dict(fact, s=s) for s in range(count)])
    return out


class DurableBackend:
    name = "durable"

    def run(self, program: Program, facts: dict[str, Any]) -> frozenset[str]:
        """The ids of the productions that fire, as found by durable-rules' Rete network."""
        with _LOCK:
            session = _Session(program)
            try:
                session.add(_assertions(program, facts))
            finally:
                session.close()
        return frozenset(session.fired)
