"""From the productions that fired to explained, cited findings.

A finding's facts are the facts of every production that fired towards it, followed back through the
findings it was concluded from, so that re-assessing with only those facts gives the same status.
An undetermined finding lists the facts its rules read that the profile does not give — following
undetermined findings it depends on — and the question that would settle each.

A finding's explanation is a pure function of the program, the as-of date, the staleness threshold and the
state (value, unknown or absent) of the facts it can read: through its rules (in force or not), their
explanation templates, the findings they read, and the findings it conflicts with. Cases in a caseload share
most of those states (nationality, documents, route), so explained findings are memoised on exactly that key
in a bounded memo, in process memory only: the same case explained cold or from the memo gives the same value
(``tests/test_explain_cache.py``), and the memo holds no more than ``CACHE_SIZE`` findings.
"""

from __future__ import annotations

import datetime as _dt
import threading
import weakref
from functools import cached_property
from typing import Any, Literal, NamedTuple


from refugee_rules.result.assessment import Answer, FindingStatus, Screening
from refugee_rules.result.assessment import (Branch, Citation, ConflictingFinding, FactUsed, Finding, Firing, MissingFact, Note, Outcome, RedFlag,
                         RuleDates, StayCount, StopPointHit)
from refugee_rules.result.catalogue import rule_citations, rule_dates
from refugee_rules.result.decision import Decision
from refugee_rules.engine.ir import Production, Program, finding_token, rule_token
from refugee_rules.case import passport_index
from refugee_rules.case.facts import FactSet, catalogue, derived_inputs, fact_specs, nest
from refugee_rules.explain.memo import Memo
from refugee_rules.options import STALE_AFTER_DAYS
from refugee_rules.law.kinds import KINDS
from refugee_rules.law.loader import RuleBook
from refugee_rules.law.model import FindingDecl, StayLimit

STAY_ENDING_DAYS = 30
"""A stay that ends within this many days of the as-of date is a red flag."""
STAY_FACTS = ("location.country", "location.since", "travel.entry_date")
"""What a stay is counted from: where the person is, and since when."""
CACHE_SIZE = 16384
"""Explained findings (and firings) kept, over all programs and engines; the oldest go first. Bounded so that a
long caseload runs in flat memory (see benchmarks/README.md)."""


def _missing_fact(path: str, state: str) -> MissingFact:
    spec = catalogue()[path]
    return MissingFact(path=path, state=state, question=spec.question or spec.description,  # type: ignore[arg-type]
                       client_question=spec.client_question or None)


# --- memoising explained findings ------------------------------------------------------------------


def _template_paths(book: RuleBook, rule_id: str) -> frozenset[str]:
    """Every fact path an explanation template of the rule may read (all of a section it names)."""
    names = book.templates[(rule_id, True)].names | book.templates[(rule_id, False)].names
    if not names:
        return frozenset()
    return frozenset(p for p in fact_specs() for n in names if p == n or p.startswith(n + "."))


def _with_inputs(paths: set[str]) -> set[str]:
    """Paths with, for a derived fact, its whole derived record and the profile facts it is derived from."""
    out = set(paths)
    for p in paths:
        if passport_index.is_derived(p):
            out |= set(passport_index.record_paths(p)) | set(derived_inputs(p))
    return out


def _constant_text(book: RuleBook, rule_id: str, held: bool) -> str | None:
    """The explanation of a rule whose templates read no fact (most do not): the same for every case."""
    if _template_paths(book, rule_id):
        return None
    return " ".join(book.templates[(rule_id, held)].render().split())


def finding_reads(book: RuleBook) -> dict[str, tuple[str, ...]]:
    """For each finding, every fact path its explained value can depend on (see the module docstring)."""
    direct: dict[str, set[str]] = {}
    refers: dict[str, set[str]] = {}
    for finding, decl in book.findings.items():
        direct[finding] = set()
        refers[finding] = set(decl.conflicts_with) & set(book.findings)
        if decl.kind == "stay":
            direct[finding] |= set(STAY_FACTS)
        for rule in book.rules_of(finding):
            direct[finding] |= book.facts_read(rule.id) | _template_paths(book, rule.id)
            refers[finding] |= book.findings_read(rule.id)
    out: dict[str, tuple[str, ...]] = {}
    for finding in book.findings:
        seen, stack, paths = {finding}, [finding], set()
        while stack:
            current = stack.pop()
            paths |= direct.get(current, set())
            for other in refers.get(current, ()):
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        out[finding] = tuple(sorted(_with_inputs(paths)))
    return out


def decision_reads(book: RuleBook, reads: dict[str, tuple[str, ...]]) -> tuple[
        dict[str, tuple[str, ...]], dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """What a finding's decision can depend on, per finding: (the findings it reads or is compared with,
    transitively, itself included; the fact paths it can read; the paths whose values it can show).

    A decision shows which facts were used, not their values, so it depends on the productions fired for those
    findings and on which facts are known or unknown; on values only where it states them: the Passport Index
    row of a dataset note and the dates a stay is counted from."""
    refers = {f: (set(d.conflicts_with) | {x for r in book.rules_of(f) for x in book.findings_read(r.id)})
              & book.findings.keys() for f, d in book.findings.items()}
    closure: dict[str, tuple[str, ...]] = {}
    for finding in book.findings:
        seen, stack = {finding}, [finding]
        while stack:
            for other in refers[stack.pop()] - seen:
                seen.add(other)
                stack.append(other)
        closure[finding] = tuple(sorted(seen))
    values: dict[str, tuple[str, ...]] = {}
    for finding, paths in reads.items():
        shown = {p for p in paths if passport_index.is_derived(p)}
        if shown:
            shown |= set(passport_index.INPUTS)
        if book.findings[finding].kind == "stay":
            shown |= set(STAY_FACTS)
        values[finding] = tuple(sorted(shown))
    return closure, {f: frozenset(paths) for f, paths in reads.items()}, values


class _FindingMasks(dict[str, tuple[int, int, tuple[str, ...]]]):
    """Finding -> (productions, fact paths read, paths shown) as masks for one program, each made on first use (a
    race makes one twice: the same value)."""

    def __init__(self, memos: Memos, program: Program, productions: dict[str, int]):
        super().__init__()
        self._memos, self._productions = memos, productions
        self._own: dict[str, list[str]] = {}  # finding -> the ids of its own productions in the program
        for p in program.productions:
            self._own.setdefault(p.finding, []).append(p.id)

    def __missing__(self, finding: str) -> tuple[int, int, tuple[str, ...]]:
        memos, own, bits = self._memos, self._own, self._productions
        productions = sum(bits[x] for member in memos.closure[finding] for x in own.get(member, ()))
        value = self[finding] = (productions, sum(memos.fact_bits[x] for x in memos.read_sets[finding]),
                                 memos.decision_values[finding])
        return value


class DecisionMasks(NamedTuple):
    """A program's side of the decision keys (see :meth:`Memos.decision_masks`)."""

    production: dict[str, int]  # production id -> its bit
    finding: dict[str, tuple[int, int, tuple[str, ...]]]  # finding -> (productions, fact paths read, paths shown)


_UNKNOWN = ("<unknown>",)  # a fact asked and not known: distinct from every value and from absence (None)


def _frozen(value: Any) -> Any:
    """A hashable stand-in for a fact value; 1 and 1.0 (and True) stay apart, as they print differently."""
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (bool, float)):
        return (type(value), value)
    return value


RuleAsks = tuple[str, str, frozenset[str], tuple[tuple[str, tuple[str, ...]], ...], tuple[str, ...]]
"""(held token, failed token, profile facts read, (derived fact read, the profile facts it is asked as) …, findings
read): see Memos.asks."""


class Memos:
    """Everything an Assessor remembers between cases, for its one rule book: what each finding reads, the
    stop-points, the explanations that read no fact, and bounded memos of explained findings, firings, whole
    traces and the facts a trace reads, for every program and engine together, so the memory they take is
    bounded however many as-of dates are asked about. Every memo key starts with the rules in force (the ids
    of the day's rules: each program compiled from them gives a finding in scope the same productions) and the engine:
    the two engines never share an explained value, so the differential tests compare two independent paths
    from facts to result."""

    def __init__(self, book: RuleBook) -> None:
        self.book = book
        self.reads = finding_reads(book)
        self.stop_points: tuple[FindingDecl, ...] = tuple(d for d in book.findings.values() if d.stop_point)
        self.findings: Memo[Finding] = Memo(CACHE_SIZE)
        self.decisions: Memo[Decision] = Memo(CACHE_SIZE)
        self.closure, self.read_sets, self.decision_values = decision_reads(book, self.reads)
        # The clauses an outcome screens, in declaration order: (id, always required, or only once raised) ...
        self.screened: tuple[tuple[str, bool], ...] = tuple(
            (d.id, d.required_screening) for d in book.findings.values() if d.required_screening or d.required_when_raised)
        # ... and the clauses that are stop-points (exclusion and cessation).
        self.clauses: tuple[FindingDecl, ...] = tuple(
            d for d in book.findings.values() if d.kind == "clause" and d.stop_point)
        # A decision key holds sets (productions fired, facts known and unknown) as bit masks: one bit per fact path
        # a finding can read and per production id, the same bit in every program, so one AND replaces building a
        # frozenset, and keys from programs of different dates stay comparable.
        self.fact_bits: dict[str, int] = {path: 1 << i for i, path in enumerate(
            sorted({p for paths in self.read_sets.values() for p in paths}))}
        self._production_bits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._masks: weakref.WeakKeyDictionary[Program, DecisionMasks] = weakref.WeakKeyDictionary()
        # cited rules -> their citations and dates (the same for every case that cites them)
        self.cited: dict[tuple[str, ...], tuple[tuple[Citation, ...], tuple[RuleDates, ...]]] = {}
        self._rule_parts: dict[str, tuple[list[Citation], RuleDates | None]] = {}
        self.firings: Memo[Firing] = Memo(CACHE_SIZE)
        self.traces: Memo[list[Firing]] = Memo(CACHE_SIZE // 4)
        self.trace_paths: Memo[tuple[str, ...]] = Memo(CACHE_SIZE // 4)
        self._texts: dict[tuple[str, bool], str | None] = {}
        self._missing: dict[tuple[str, str], MissingFact] = {}
        self._asks: dict[str, RuleAsks] = {}
        self.sides: dict[str, tuple[str, str]] = {
            fid: (finding_token(fid, "met"), finding_token(fid, "not_met")) for fid in book.findings}

    def rule_parts(self, rule_id: str) -> tuple[list[Citation], RuleDates | None]:
        """A rule's citations and dates as a result carries them (the catalogue's entry for the rule), made when a case
        first cites the rule: not the whole catalogue, 800 rules of which a one-profile command cites a few dozen
        (building it was ~24 ms of that command)."""
        found = self._rule_parts.get(rule_id)
        if found is None:
            found = self._rule_parts[rule_id] = (rule_citations(self.book, rule_id), rule_dates(self.book, rule_id))
        return found

    def decision_masks(self, program: Program) -> DecisionMasks:
        """The bit of each production of ``program``, and per finding the masks of the productions and fact paths
        its decision can depend on, with the paths whose values it shows (made for a finding when it is first
        decided with the program: a program cut to a scope decides a few dozen of the book's findings, and a
        timeline makes a program for every date where a rule changes)."""
        found = self._masks.get(program)
        if found is None:
            with self._lock:
                bits = self._production_bits
                for p in program.productions:
                    if p.id not in bits:
                        bits[p.id] = 1 << len(bits)
            productions = {p.id: bits[p.id] for p in program.productions}
            found = self._masks[program] = DecisionMasks(productions, _FindingMasks(self, program, productions))
        return found

    def asks(self, rule_id: str) -> RuleAsks:
        """What an undetermined finding asks of one of its rules (see Explainer._missing): the rule's tokens of having
        held and failed, the profile facts it reads, the derived facts it reads with the profile facts each is asked
        as, and the findings it reads, sorted (made on first use: a case asks of a few dozen of the book's rules)."""
        found = self._asks.get(rule_id)
        if found is None:
            read = sorted(self.book.facts_read(rule_id))
            derived = tuple((path, inputs) for path in read if (inputs := derived_inputs(path)) != (path,))
            found = self._asks[rule_id] = (
                rule_token(rule_id, "held"), rule_token(rule_id, "failed"),
                frozenset(read) - {path for path, _ in derived}, derived, tuple(sorted(self.book.findings_read(rule_id))))
        return found

    def constant_text(self, rule_id: str, held: bool) -> str | None:
        key = (rule_id, held)
        if key not in self._texts:  # a race computes the same text twice: harmless
            self._texts[key] = _constant_text(self.book, rule_id, held)
        return self._texts[key]

    def missing_fact(self, path: str, state: str) -> MissingFact:
        found = self._missing.get((path, state))
        if found is None:
            found = self._missing[(path, state)] = _missing_fact(path, state)
        return found

    def clear(self) -> None:
        for memo in (self.findings, self.decisions, self.firings, self.traces, self.trace_paths):
            memo.clear()


def _trace_paths(program: Program, fired: tuple[str, ...], memos: Memos) -> tuple[str, ...]:
    """Every fact path the fired productions read (the same for every case where the same ones fire)."""
    key = (program, fired)
    paths = memos.trace_paths.items.get(key)
    if paths is None:
        productions, position = program.productions, program.position
        paths = tuple(sorted({x for pid in fired for x in productions[position[pid]].fact_paths}))
        memos.trace_paths.put(key, paths)
    return paths


def _grouped(productions: list[Production], attribute: str) -> dict[str, list[Production]]:
    out: dict[str, list[Production]] = {}
    for p in productions:
        out.setdefault(getattr(p, attribute), []).append(p)
    return out


class Explainer:
    def __init__(self, book: RuleBook, program: Program, facts: FactSet, fired: frozenset[str], as_of: _dt.date,
                 stale_after_days: int = STALE_AFTER_DAYS, engine: str = "", memos: Memos | None = None,
                 memo_rules: frozenset[str] | None = None, only: frozenset[str] | None = None):
        self.book, self.program, self.facts, self.as_of = book, program, facts, as_of
        self.memos = memos if memos is not None else Memos(book)
        self.stale_after_days = stale_after_days
        # What every memo key of this case starts with. ``program`` may be cut down to the case's scope; the rules in
        # force on the day name the memo entries, since a finding in scope gets the same productions from them as
        # from the whole program (which need not be compiled to name them).
        self.scope = (memo_rules if memo_rules is not None else program.active_rules, engine, as_of, stale_after_days)
        position, productions = program.position, program.productions
        self.fired = [productions[i] for i in sorted(position[pid] for pid in fired)]
        if only is not None:  # the whole program may have run (an interview, a scope past the bound): what the scope fires
            self.fired = [p for p in self.fired if p.finding in only]
        self._support: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._missing_of: dict[str, list[str]] = {}

    @cached_property
    def producers(self) -> dict[str, list[Production]]:
        """Token -> the fired productions that asserted it (built only when a finding is explained afresh)."""
        return _grouped(self.fired, "produces")

    @cached_property
    def produced(self) -> frozenset[str]:
        """Every token asserted (a finding's side is read from this alone, on every case)."""
        return frozenset(p.produces for p in self.fired)

    @cached_property
    def fired_for(self) -> dict[str, list[Production]]:
        """Finding -> its own productions that fired."""
        return _grouped(self.fired, "finding")

    @cached_property
    def context(self) -> dict[str, Any]:
        """The facts in profile shape, for explanation templates (only rendered when not memoised)."""
        return nest(self.facts.known)

    @cached_property
    def _states(self) -> dict[str, Any]:
        states: dict[str, Any] = {p: _frozen(v) for p, v in self.facts.known.items()}
        states.update(dict.fromkeys(self.facts.unknown, _UNKNOWN))
        return states

    # --- status and support ------------------------------------------------------------------

    def side(self, finding: str) -> FindingStatus:
        """The engine's side of a finding: met (its positive answer), not_met (its negative answer) or neither."""
        met_token, not_met_token = self.memos.sides[finding]
        produced = self.produced
        met, not_met = met_token in produced, not_met_token in produced
        if met and not_met:  # the engine guarantees this never happens; the property tests check it
            raise AssertionError(f"finding {finding} concluded both met and not met")
        return "met" if met else "not_met" if not_met else "undetermined"

    def _support_of(self, token: str) -> tuple[frozenset[str], frozenset[str]]:
        """(facts, productions) behind a token: every fired production that asserted it, recursively."""
        if token in self._support:
            return self._support[token]
        facts: set[str] = set()
        productions: set[str] = set()
        for p in self.producers.get(token, ()):
            productions.add(p.id)
            facts.update(path for t in p.tests for path in t.paths)
            for need in p.needs:
                f, ps = self._support_of(need)
                facts |= f
                productions |= ps
        result = (frozenset(facts), frozenset(productions))
        self._support[token] = result
        return result

    # --- pieces of a finding -------------------------------------------------------------------

    def _citations(self, rule_ids: list[str]) -> list[Citation]:
        out: list[Citation] = []
        seen = set()
        for rid in rule_ids:
            for c in self.memos.rule_parts(rid)[0]:
                key = (c.source, c.pinpoint, c.quote)
                if key not in seen:
                    seen.add(key)
                    out.append(c)
        return out

    def _missing(self, finding: str) -> list[str]:
        """The facts that could still settle an undetermined finding: those its unsettled rules read and the case
        does not state, then those of each undetermined finding they read, in rule order, each once.

        Kept per case: the findings form a graph without cycles (the loader orders them), so a finding's list is
        the same wherever it is reached from, and a case that decides several findings afresh (the refugee
        definition reads most of the others) works each one out once."""
        found = self._missing_of.get(finding)
        if found is not None:
            return found
        paths: list[str] = []
        known, active, produced, asks = self.facts.known, self.program.active_rules, self.produced, self.memos.asks
        for rule in self.book.rules_of(finding):
            if rule.id not in active:
                continue
            held, failed, plain, derived, findings_read = asks(rule.id)
            if held in produced or failed in produced:  # settled: none of its missing facts can change the finding
                continue
            asked = plain.difference(known)
            for path, inputs in derived:
                if path not in known:
                    asked |= {q for q in inputs if q not in known}
            paths += sorted(asked)
            for ref in findings_read:
                if self.side(ref) == "undetermined":
                    paths += self._missing(ref)
        found = self._missing_of[finding] = list(dict.fromkeys(paths))
        return found

    def _settled(self, rule_id: str) -> bool:
        """Whether a rule's condition is already decided on the stated facts (it held or it failed), so that none
        of its missing facts can change the finding. Every condition is compiled both ways, so this is read from
        what fired alone."""
        produced = self.produced
        return rule_token(rule_id, "held") in produced or rule_token(rule_id, "failed") in produced

    def _explanation(self, finding: str, status: str, own_fired: list[Production], missing: list[MissingFact]) -> str:
        sentences: list[str] = []
        for p in own_fired:
            if p.rule is None:
                continue
            text = self.memos.constant_text(p.rule, p.side == "held")
            if text is None:
                template = self.book.templates[(p.rule, p.side == "held")]
                text = " ".join(template.render(**self.context).split())
            if text and text not in sentences:
                sentences.append(text)
        if status == "undetermined":
            if missing:
                sentences.append("Not determined on the stated facts; still needed: "
                                 + ", ".join(m.path for m in missing) + ".")
            elif self.book.findings[finding].role == "regime":
                sentences.append("Not covered by the sources for this person on the as-of date: no reported rule decides it.")
            else:
                sentences.append("Not determined: no rule in force on the as-of date decides it.")
        return " ".join(sentences)

    # --- regime findings: dates and conflicts -----------------------------------------------------

    def rule_dates(self, rule_ids: list[str]) -> list[RuleDates]:
        return [d for rid in rule_ids if (d := self.memos.rule_parts(rid)[1]) is not None]

    def _conflicts(self, finding: str) -> list[ConflictingFinding]:
        out = []
        for other in self.book.findings[finding].conflicts_with:
            if other not in self.book.findings:
                continue
            rules = sorted(r.id for r in self.book.rules_of(other))
            decl = self.book.findings[other]
            out.append(ConflictingFinding(id=other, title=decl.title, kind=decl.kind, answer=self.answer_word(other),
                                          dates=self.rule_dates(rules)))
        return out

    def _notes(self, rule_ids: list[str], citations: list[Citation]) -> list[Note]:
        notes = []
        if any(not c.confirmed and c.pinpoint for c in citations):
            notes.append(Note(code="unconfirmed_pinpoint"))
        for rid in rule_ids:
            reported = self.book.rules[rid].reported
            if reported and (self.as_of - reported).days > self.stale_after_days:
                notes.append(Note(code="stale_source", rule=rid, date=reported, days=self.stale_after_days))
        return notes

    def findings(self, ids: list[str]) -> list[Finding]:
        """The explained findings: each from the memo when a case with the same relevant facts was explained before."""
        state, reads, memo, scope = self._states.get, self.memos.reads, self.memos.findings, self.scope
        lookup = memo.items.get
        out = []
        for finding in ids:
            key = (scope, finding, tuple(map(state, reads[finding])))
            explained = lookup(key)
            if explained is None:
                explained = self._explain(finding)
                memo.put(key, explained)
            out.append(explained)
        return out

    def answer_word(self, finding: str) -> Answer:
        """The finding's answer in its kind's words, before anything counted from the person's dates."""
        side = self.side(finding)
        decl = self.book.findings[finding]
        kind = KINDS[decl.kind]
        if side == "undetermined":
            return kind.open
        words = {self.book.rules[p.rule].concludes.answer for p in self.fired_for.get(finding, ())
                 if p.rule and p.side == "held" and self.book.rules[p.rule].concludes.side == side}
        if not words:  # the opposite of two-sided rules that all failed
            words = {(kind.negative if side == "not_met" else kind.positive)[0]}
        return sorted(words)[0]

    def _stay(self, finding: str, rule_ids: list[str]) -> StayCount | None:
        """Days used and left of a stay allowed where the person is now, counted from their own arrival date."""
        decl = self.book.findings[finding]
        limit = next((self.book.rules[r].concludes.limit for r in rule_ids if self.book.rules[r].concludes.limit), None)
        if limit is None or decl.destination is None or self.facts.known.get("location.country") != decl.destination:
            return None
        unit = "years" if limit.years else "months" if limit.months else "days"
        amount = limit.years or limit.months or limit.days or 0
        stated = self.facts.known.get("location.since") or self.facts.known.get("travel.entry_date")
        if stated is None:
            return StayCount(limit=amount, unit=unit)
        since = stated if isinstance(stated, _dt.date) else _dt.date.fromisoformat(str(stated))
        ends = stay_end(since, limit)
        return StayCount(limit=amount, unit=unit, since=since, ends=ends, days_used=(self.as_of - since).days,
                         days_left=(ends - self.as_of).days, exceeded=self.as_of > ends)

    @cached_property
    def _fired_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.fired)

    def decisions(self, ids: list[str]) -> list[Decision]:
        """What the case decided about each finding: from the memo when a case with the same productions fired,
        the same facts known and unknown, and the same values shown, was decided before (see
        :func:`decision_reads`)."""
        memos = self.memos
        masks = memos.decision_masks(self.program)  # the program that ran: it holds every rule in scope
        values, unknown, fact_bits = self.facts.known, self.facts.unknown, memos.fact_bits
        fired = sum(map(masks.production.__getitem__, self._fired_ids))
        known = sum(fact_bits.get(p, 0) for p in values)
        unknown_bits = sum(fact_bits.get(p, 0) for p in unknown)

        frozen: dict[str, Any] = {}  # several findings show the same path (the nationalities, a stay's dates)

        def state(path: str) -> Any:  # as _states has it, for the few paths a decision shows
            if path in frozen:
                return frozen[path]
            found = frozen[path] = _frozen(values[path]) if path in values else _UNKNOWN if path in unknown else None
            return found

        lookup, memo, scope, per_finding = memos.decisions.items.get, memos.decisions, self.scope, masks.finding
        out = []
        for finding in ids:
            productions, reads, shown = per_finding[finding]
            key = (scope, finding, fired & productions, known & reads, unknown_bits & reads,
                   tuple(map(state, shown)) if shown else ())
            decided = lookup(key)
            if decided is None:
                decided = self.decide(finding)
                memo.put(key, decided)
            out.append(decided)
        return out

    def _cited(self, rule_ids: tuple[str, ...]) -> tuple[tuple[Citation, ...], tuple[RuleDates, ...]]:
        found = self.memos.cited.get(rule_ids)
        if found is None:
            found = self.memos.cited[rule_ids] = (tuple(self._citations(list(rule_ids))),
                                                   tuple(self.rule_dates(list(rule_ids))))
        return found

    def _rested_on(self, finding: str, status: str) -> tuple[frozenset[str], frozenset[str], list[str], list[str]]:
        """(facts, productions, rules that decided it, rules cited) behind the finding's answer."""
        if status == "undetermined":
            active = self.program.active_rules
            facts = frozenset(p for r in self.book.rules_of(finding) if r.id in active
                              for p in self.book.facts_read(r.id) if p in self.facts.known)
            rule_ids = sorted(r.id for r in self.book.rules_of(finding) if r.id in active)
            return facts, frozenset(), rule_ids, rule_ids or sorted(r.id for r in self.book.rules_of(finding))
        facts, productions = self._support_of(finding_token(finding, status))
        rule_ids = sorted({p.rule for p in self.fired_for.get(finding, ()) if p.id in productions and p.rule})
        return facts, productions, rule_ids, rule_ids

    def decide(self, finding: str) -> Decision:
        decl = self.book.findings[finding]
        status = self.side(finding)
        facts, productions, rule_ids, cited = self._rested_on(finding, status)
        missing = self._missing(finding) if status == "undetermined" else []
        facts = frozenset(p for p in _with_inputs(set(facts)) if p in self.facts.known)
        dataset = self._dataset_note(facts) if status != "undetermined" else None
        depends = sorted({p.finding for p in self.fired if p.id in productions and p.finding != finding}) if productions else []
        kind = KINDS[decl.kind]
        answer = self.answer_word(finding)
        stay = self._stay(finding, rule_ids) if decl.kind == "stay" and status == "met" else None
        if stay is not None:
            if stay.exceeded:
                answer = "exceeded"
            elif stay.since is None:
                missing = missing + ["location.since"]
            facts = facts | frozenset(p for p in STAY_FACTS if p in self.facts.known)
        if decl.kind == "residence" and status == "undetermined" and missing:
            answer = "conditions_not_shown"
        assert answer in kind.words
        citations, dates = self._cited(tuple(cited))
        conflicts = self._conflicts(finding)
        notes = self._notes(rule_ids, list(citations))
        if dataset is not None:
            notes.insert(0, dataset)
        if conflicts:
            notes.append(Note(code="sources_conflict", findings=[c.id for c in conflicts]))
        unknown = self.facts.unknown
        return Decision(
            id=finding, title=decl.title, group=decl.group, role=decl.role, kind=decl.kind, answer=answer,
            adverse=decl.adverse, destination=decl.destination, regime=decl.regime,
            facts_used=tuple(sorted(facts)),
            rules_fired=tuple(rule_ids), depends_on=tuple(depends), questions=tuple(missing),
            unknown=tuple(p for p in missing if p in unknown), notes=tuple(notes), conflicts=tuple(conflicts),
            dates=dates, citations=citations, stay=stay,
        )

    def _explain(self, finding: str) -> Finding:
        """The decision, explained: its sentences, the values of the facts used, the rules that did not hold."""
        decision = self.decide(finding)
        decl = self.book.findings[finding]
        _, productions, _, _ = self._rested_on(finding, self.side(finding))
        own_fired = [p for p in self.fired_for.get(finding, ()) if p.id in productions]
        missing = [self.memos.missing_fact(path, "unknown" if path in self.facts.unknown else "not_asked")
                   for path in decision.questions]
        # Built from checked rulesets and a validated profile: constructed without re-validation.
        return Finding.model_construct(
            **decision.fields(), asks=decl.asks, topic=decl.topic, conflict_note=decl.conflict_note, doubt=decl.doubt,
            article=decl.article,
            explanation=self._explanation(finding, self.side(finding), own_fired, missing),
            facts_used=[FactUsed.model_construct(path=p, value=self.facts.known[p]) for p in decision.facts_used],
            missing_facts=missing, branches_not_held=self._branches(finding),
        )

    def _dataset_note(self, facts: frozenset[str]) -> Note | None:
        """The Passport Index row a finding rests on: the passport, the requirement as published, the snapshot."""
        path = next((p for p in sorted(facts) if passport_index.is_derived(p) and p.endswith(".requirement")), None)
        if path is None:
            return None
        known = self.facts.known
        base = path[: -len("requirement")]
        return Note(code="dataset_requirement", passport=known[base + "passport"], requirement=known[path],
                    date=_dt.date.fromisoformat(known[base + "snapshot"]), days=known.get(base + "days"),
                    since=_dt.date.fromisoformat(known[base + "since"]),
                    passports=[str(p) for p in known.get("nationalities", [])])

    def _branches(self, finding: str) -> list[Branch]:
        """The rules of a finding whose condition did not hold, and why: failed, undecided, not in force."""
        own = self.fired_for.get(finding, ())
        held = {p.rule for p in own if p.rule and p.side == "held"}
        failed = {p.rule for p in own if p.rule and p.side == "failed"}
        out = []
        for rule in self.book.rules_of(finding):
            if rule.id in held:
                continue
            paths = sorted(self.book.facts_read(rule.id))
            state: Literal["failed", "undetermined", "not_in_force"] = (
                "not_in_force" if rule.id not in self.program.active_rules
                else "failed" if rule.id in failed else "undetermined")
            out.append(Branch.model_construct(
                rule=rule.id, state=state,
                facts=[FactUsed.model_construct(path=p, value=self.facts.known[p]) for p in paths if p in self.facts.known],
                missing=[p for p in paths if p not in self.facts.known],
            ))
        return out

    def trace(self) -> list[Firing]:
        """Every production that fired with the facts it read.

        A trace is a function of which productions fired and the values of the facts they read, memoised on
        exactly that; each firing in it is memoised on its own facts, so traces share their firings."""
        fired = tuple(p.id for p in self.fired)
        paths = _trace_paths(self.program, fired, self.memos)
        state = self._states.__getitem__
        key = (self.scope, fired, tuple(map(state, paths)))
        traces = self.memos.traces
        trace = traces.items.get(key)
        if trace is None:
            firings = self.memos.firings
            known = self.facts.known
            trace = []
            for p in self.fired:
                firing_key = (self.scope, p.id, tuple(map(state, p.fact_paths)))
                firing = firings.items.get(firing_key)
                if firing is None:
                    firing = Firing.model_construct(
                        production=p.id, rule=p.rule, finding=p.finding, side=p.side,
                        facts=[FactUsed.model_construct(path=path, value=known[path]) for path in p.fact_paths],
                        concluded=p.produces,
                    )
                    firings.put(firing_key, firing)
                trace.append(firing)
            traces.put(key, trace)
        return list(trace)

    def _raised(self, finding: str, paths: list[str]) -> bool:
        """An undecided stop-point finding is still a stop-point once a fact that would trigger it is true."""
        known = self.facts.known  # the facts first: most stop-points name none, and side() is the dearer test
        return any(known.get(p) is True for p in paths) and self.side(finding) == "undetermined"

    def outcome(self, findings: list[Decision], flags: list[RedFlag]) -> Outcome:
        """Inclusion and exclusion kept apart: ``likely_meets`` only when Article 1A(2) appears met, every clause
        that must be screened does not apply and no cessation clause applies; stop-points first."""
        by_id = {f.id: f for f in findings}
        inclusion_id = self.book.inclusion
        inclusion: FindingStatus | None = by_id[inclusion_id].answer if inclusion_id else None  # type: ignore[assignment]
        hits = [
            StopPointHit(finding=f.id, kind=decl.stop_point.kind, answer=f.answer, message=decl.stop_point.message)
            for decl in self.memos.stop_points
            if (f := by_id.get(decl.id)) is not None and decl.stop_point is not None and (
                f.answer in decl.stop_point.when or self._raised(f.id, decl.stop_point.raised_by))
        ]
        order = {f.id: i for i, f in enumerate(findings)}
        hits.sort(key=lambda h: order[h.finding])  # in the order the findings are reported
        hit = {h.finding for h in hits}
        required = [by_id[f] for f, always in self.memos.screened if f in by_id and (always or f in hit)]
        clauses = [(d, by_id[d.id]) for d in self.memos.clauses if d.id in by_id]
        cessation = [f for d, f in clauses if d.stop_point and d.stop_point.kind == "cessation"]
        raised = any(f.answer == "applies" for d, f in clauses if d.stop_point and d.stop_point.kind == "exclusion")
        exclusion: Screening = "applies" if raised else _screening(required)
        questions = len({p for f in required if f.answer == "not_screened" for p in f.questions})
        red = [RedFlag(code="stop_point", finding=h.finding) for h in hits]
        red += [RedFlag(code="clause_applies", finding=f.id) for f in findings
                if f.kind == "clause" and f.answer == "applies" and not self.book.findings[f.id].stop_point]
        red += flags
        if hits:
            status = "refer_to_counsel"
            summary = ("Stop-point: " + "; ".join(h.message for h in hits)
                       + " Refer the case to counsel before relying on any other finding.")
        elif inclusion == "met" and exclusion == "does_not_apply" and _screening(cessation) != "applies":
            status = "likely_meets"
            summary = ("On the stated facts, every element of the refugee definition in Article 1A(2) of the 1951 "
                       "Convention appears met, and no exclusion clause of Article 1F appears to apply.")
        elif inclusion == "met":
            status = "inclusion_met_screening_open"
            summary = ("Inclusion (Article 1A(2)) appears met on the stated facts; exclusion (Article 1F) not screened: "
                       f"{questions} question{'s' if questions != 1 else ''} would settle it.")
        elif inclusion == "not_met":
            assert inclusion_id is not None  # an inclusion answer comes from the inclusion finding
            status = "likely_does_not_meet"
            failed = [f.title for f in findings if f.group == by_id[inclusion_id].group and f.answer == "not_met"
                      and f.id != inclusion_id]
            summary = ("On the stated facts, the refugee definition in Article 1A(2) appears not met"
                       + (f" (not met: {'; '.join(failed)})." if failed else "."))
        else:
            status = "undetermined"
            count = len(by_id[inclusion_id].questions) if inclusion_id else 0
            summary = ("On the stated facts, it cannot yet be determined whether the refugee definition in "
                       f"Article 1A(2) is met; {count} open question{'s' if count != 1 else ''} would settle it.")
        return Outcome(status=status, inclusion=inclusion, exclusion=exclusion, cessation=_screening(cessation),
                       open_screening_questions=questions, summary=summary, stop_points=hits, red_flags=red)


def _screening(clauses: list[Decision]) -> Screening:
    if any(f.answer == "applies" for f in clauses):
        return "applies"
    if clauses and all(f.answer == "does_not_apply" for f in clauses):
        return "does_not_apply"
    return "not_screened"


def stay_end(since: _dt.date, limit: StayLimit) -> _dt.date:
    """The day a stay of ``limit`` from ``since`` runs out, in calendar units (29 February falls back to the 28th)."""
    if limit.days:
        return since + _dt.timedelta(days=limit.days)
    months = (limit.years or 0) * 12 + (limit.months or 0)
    year, month = divmod(since.month - 1 + months, 12)
    year, month = since.year + year, month + 1
    for day in (since.day, 30, 29, 28):
        try:
            return _dt.date(year, month, min(since.day, day))
        except ValueError:
            continue
    raise AssertionError("unreachable")
