"""One Assessor per set of options: it owns the rule book, the compiled programs, the backend and every memo.

Everything an assessment needs besides the profile and the date is fixed by :class:`~refugee_rules.options.Options`,
so it is built once, here, and an assessment is a pure function of (profile, options, as-of date). The memos of
explained findings, firings and traces live in the Assessor that made them, so two option sets (another engine,
a custom layer) never share a value, and a caseload run with one Assessor explains each distinct situation once.

:func:`assessor` keeps the few Assessors a process uses (bounded, oldest out first): the one process-wide cache;
``assess()`` is a one-line convenience over it.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from refugee_rules._version import __version__
from refugee_rules.result.assessment import (DISCLAIMER, Assessment, DestinationSummary, EvidenceUsed, Finding,
                                             Metadata, Note, Outcome, ScopeNote)
from refugee_rules.result.compact import compact, decided_json
from refugee_rules.result.decision import Decision
from refugee_rules.engine import Backend, backend
from refugee_rules.engine.compiled import CompiledBackend
from refugee_rules.engine.ir import Program, compile_rules, rules_in_force
from refugee_rules.explain.evidence import evidence_relied_on, layer_notes
from refugee_rules.explain.explainer import Explainer, Memos
from refugee_rules.case.facts import FactSet, encode, fact_specs, flatten, with_derived
from refugee_rules.case.inputs import profile_from_mapping
from refugee_rules.explain.layers import custom_layer_additions
from refugee_rules.options import Options
from refugee_rules.case.profile import CaseProfile
from refugee_rules.explain.regimes import DATASET_QUESTION, answered, arrange, covered, selected
from refugee_rules.law.loader import RuleBook, load

ASSESSORS_KEPT = 16
"""Assessors kept by :func:`assessor` (one per set of options: engine, rulesets, layers, jurisdiction, scope)."""
DAYS_KEPT = 512
"""As-of dates whose program an Assessor remembers (a timeline asks a few dozen; a server may be asked any)."""
SCOPES_KEPT = 1024
"""Scopes (destinations of interest and current country) whose findings an Assessor remembers."""
PROGRAMS_KEPT = 256
"""Compiled programs kept: one per set of rules in force (of the date, of a scope, of the dataset's destinations)."""
DATASET_PART = 12
"""Destinations of the Passport Index dataset whose rules one engine run takes (see Assessor.parts)."""
SCOPE_RUNS_BEFORE_COMPILING = 512
"""Cases of one scope (on one day) that the compiled backend runs in the day's prepared program (the other findings
skipped) before it compiles the scope's own program. Compiling one costs ~15-20 ms, as much as ~600 cases pay for
running in the larger program (~25 µs each, measured): renting until the rent paid nears the price, so a batch
never pays more than about twice the better choice, and a caseload's rare scopes never compile at all."""
SCOPED_PROGRAMS = 64
"""Programs cut to a scope that an Assessor compiles; past this, a new scope runs the program of the destinations
answered. durable-rules keeps every ruleset it is given for the life of the process, so their number must stay
bounded."""


def profile_hash(profile: CaseProfile) -> str:
    return hashlib.sha256(profile.model_dump_json(exclude_none=True).encode()).hexdigest()


@dataclass(frozen=True)
class Scoped:
    """The findings a case is answered for (the law, the Russian side, the destinations in scope) and every rule
    that can bear on them."""

    findings: list[str]
    closure: frozenset[str]  # those findings and every finding they read or are compared with, transitively
    rules: frozenset[str]


@dataclass(frozen=True)
class Decided:
    """One case decided (:meth:`Assessor.decide`): its answers, outcome and destinations, written out as compact JSON
    directly, or explained into an :class:`~refugee_rules.result.assessment.Assessment`."""

    metadata: Metadata
    outcome: Outcome
    decisions: list[Decision]  # in report order
    evidence: list[EvidenceUsed]
    destinations: list[DestinationSummary]
    destination_notes: list[ScopeNote]
    explainer: Explainer
    additions: dict[str, tuple[list[Note], str]]  # a layer's notes and sentences, by finding
    book: RuleBook
    disclaimer: str = DISCLAIMER

    def assessment(self) -> Assessment:
        """Every finding explained, with the trace of every firing."""
        findings = self.explained([d.id for d in self.decisions])
        return Assessment(metadata=self.metadata, outcome=self.outcome, findings=findings,
                          trace=self.explainer.trace(), evidence=self.evidence, destinations=self.destinations,
                          destination_notes=self.destination_notes).made_with(self.book)

    def explained(self, ids: list[str]) -> list[Finding]:
        """These findings explained, as :meth:`assessment` gives them (a layer's notes and sentences added)."""
        findings = self.explainer.findings(ids)
        if self.additions:
            findings = [self._added(f) if f.id in self.additions else f for f in findings]
        return findings

    def _added(self, finding: Finding) -> Finding:
        notes, said = self.additions[finding.id]
        update: dict[str, Any] = {"notes": [*finding.notes, *notes]}
        if said:
            update["explanation"] = (finding.explanation + said).strip()
        return finding.model_copy(update=update)

    def to_json(self) -> bytes:
        """The compact JSON (format 2) of the case, from its decisions alone: byte for byte
        ``assessment().to_json()`` (tested), at a fraction of its cost."""
        value = compact(self, "compact", None, with_findings=False)
        return decided_json(value, self.decisions, self.explainer.facts.known)


class Assessor:
    """Assesses profiles under one set of options (any as-of date)."""

    def __init__(self, options: Options, book: RuleBook | None = None):
        self.options = options
        self.book: RuleBook = book if book is not None else load_book(options)
        self.backend: Backend = backend(options.engine)
        self.memos = Memos(self.book)
        # One program per set of rules in force (a date, a scope, a part), kept with the rule book: a program is a
        # function of the book and the rules in force alone, so every Assessor over the same book shares it.
        self._programs: dict[frozenset[str], Program] = self.book.derived.setdefault("assessor.programs", {})
        self._programs_lock: threading.Lock = self.book.derived.setdefault("assessor.programs.lock", threading.Lock())
        self._by_day: OrderedDict[tuple[_dt.date, tuple[str, ...] | None], Program] = OrderedDict()
        self._in_force: OrderedDict[_dt.date, frozenset[str]] = OrderedDict()
        self._scopes: dict[tuple[tuple[str, ...], str | None], Scoped] = {}
        self._scoped: dict[tuple[_dt.date, frozenset[str], tuple[str, ...] | None], Program] = {}  # see scoped()
        self._scoped_count = 0
        self._runs_before: dict[tuple[_dt.date, frozenset[str], tuple[str, ...] | None], int] = {}  # see _program_for
        self._parts: weakref.WeakKeyDictionary[Program, tuple[Program, ...]] = weakref.WeakKeyDictionary()
        self._base_rules: dict[frozenset[str], frozenset[str]] = {}  # see _base_in_force (a few per book)
        self._lock = threading.Lock()

    def program(self, day: _dt.date, answered: tuple[str, ...] | None = None) -> Program:
        """The program of the rules in force on ``day``: compiled once per set of rules in force, so every date
        between two rule changes shares one program (and its memos).

        ``answered`` (the destinations answered; None: every covered one) keeps the Passport Index dataset's rules
        (``rulesets/passport-index/entry.yaml``, one finding for each of some two hundred destinations) to those
        destinations: their facts are derived only for the destinations answered, so the rules of the others could
        never fire, and leaving them out keeps the program within what durable-rules compiles."""
        key = (day, answered)
        found = self._by_day.get(key)
        if found is not None:
            return found
        codes = set(covered(self.book) if answered is None else answered)
        active = frozenset(r for r in self.in_force(day)
                           if (code := self._dataset_rules.get(r)) is None or code in codes)
        program = self._compiled(active)
        with self._lock:
            self._by_day[key] = program
            while len(self._by_day) > DAYS_KEPT:
                self._by_day.popitem(last=False)
        return program

    def in_force(self, day: _dt.date) -> frozenset[str]:
        """The ids of the rules in force on ``day``."""
        found = self._in_force.get(day)
        if found is None:
            found = rules_in_force(self.book, day)
            with self._lock:
                self._in_force[day] = found
                while len(self._in_force) > DAYS_KEPT:
                    self._in_force.popitem(last=False)
        return found

    def scoped(self, day: _dt.date, scope: Scoped, answered: tuple[str, ...] | None = None) -> Program:
        """The program of ``day`` cut down to the findings in scope and what they read: a case about Georgia does
        not run the rules of 26 other countries (durable-rules' network cost grows with every production). The
        findings in scope get exactly the productions they get in the whole program, so their answers are the same."""
        key = (day, scope.rules, answered)  # a Scoped is kept by _scope: its rules' hash is computed once
        found = self._scoped.get(key)
        if found is not None:
            return found
        program = self._scoped_program(day, scope, answered)
        with self._lock:
            self._scoped[key] = program
            while len(self._scoped) > DAYS_KEPT:
                self._scoped.pop(next(iter(self._scoped)))
        return program

    def prepare(self, day: _dt.date) -> None:
        """Make ready to run any scope of ``day`` without compiling: the day's program of every covered destination,
        and on the compiled backend its function in blocks (what a batch does once, before its workers fork)."""
        program = self.program(day)
        if isinstance(self.backend, CompiledBackend):
            self.backend.prepare(program)

    def _program_for(self, day: _dt.date, scope: Scoped,
                     answered: tuple[str, ...] | None) -> tuple[Program, frozenset[str] | None]:
        """The program a case of this scope runs, and the findings to run in it (None: all of its productions).

        Where the day is prepared (:meth:`prepare`) and holds every rule of the scope, the compiled backend runs the
        scope's findings in the day's program until the scope has come ``SCOPE_RUNS_BEFORE_COMPILING`` times; then
        (and always on durable-rules, or for a single assessment) the program cut to the scope. Both fire the same
        productions: a program holds them finding by finding, and the scope's own are the same in both."""
        key = (day, scope.rules, answered)
        if key not in self._scoped and isinstance(self.backend, CompiledBackend):
            whole = self._by_day.get((day, None))
            if whole is not None and self.backend.prepared(whole):
                runs = self._runs_before.get(key)
                if runs is None:  # a scope with a rule the day's program leaves out (a dataset destination) compiles
                    held = self.in_force(day) & scope.rules <= whole.active_rules
                    runs = 0 if held else SCOPE_RUNS_BEFORE_COMPILING
                if runs < SCOPE_RUNS_BEFORE_COMPILING:
                    with self._lock:
                        if len(self._runs_before) >= SCOPES_KEPT * 4:
                            self._runs_before.pop(next(iter(self._runs_before)))
                        self._runs_before[key] = runs + 1
                    return whole, scope.closure
        return self.scoped(day, scope, answered), None

    def _scoped_program(self, day: _dt.date, scope: Scoped, answered: tuple[str, ...] | None) -> Program:
        active = frozenset(self.in_force(day) & scope.rules)
        with self._lock:
            known = active in self._programs
            full = not known and self._scoped_count >= SCOPED_PROGRAMS
            if not known and not full:
                self._scoped_count += 1
        if full:  # the same answers, only slower; keeps durable-rules' registry of rulesets bounded
            return self.program(day, answered)
        return self._compiled(active)

    def _compiled(self, active: frozenset[str]) -> Program:
        with self._programs_lock:
            program = self._programs.get(active)
        if program is None:
            built = compile_rules(self.book, active)
            with self._programs_lock:
                program = self._programs.get(active)
                if program is None:
                    while len(self._programs) >= PROGRAMS_KEPT:  # a memo key keeps its own program alive
                        self._programs.pop(next(iter(self._programs)))
                    program = self._programs[active] = built
        return program
    def parts(self, program: Program) -> tuple[Program, ...]:
        """The program as the backend runs it: whole while it holds the rules of at most ``DATASET_PART`` of the
        Passport Index dataset's destinations, else with those rules apart, in groups of that many destinations. Those findings read facts only and no finding reads them, so each
        part fires exactly the productions the whole program would; durable-rules does not compile a ruleset much
        larger than the rest of the rules together (measured: registration never returns), so the parts keep each
        ruleset small. Both backends run the same parts."""
        found = self._parts.get(program)
        if found is not None:
            return found
        dataset = self._dataset_rules
        codes = sorted({dataset[r] for r in program.active_rules if r in dataset})
        if len(codes) <= DATASET_PART:  # the usual case (a few destinations): one run, one engine session
            found = (program,)
        else:
            main = frozenset(r for r in program.active_rules if r not in dataset)
            groups = [set(codes[i:i + DATASET_PART]) for i in range(0, len(codes), DATASET_PART)]
            found = (self._compiled(main),) + tuple(
                self._compiled(frozenset(r for r in program.active_rules if dataset.get(r) in g)) for g in groups)
        with self._lock:
            self._parts[program] = found
        return found

    def run(self, runner: Backend, program: Program, encoded: dict[str, Any]) -> frozenset[str]:
        """The productions of ``program`` that fire on these facts, part by part (see :meth:`parts`)."""
        fired: frozenset[str] = frozenset()
        for part in self.parts(program):
            fired |= runner.run(part, {p: v for p, v in encoded.items() if p in part.fact_paths})
        return fired

    @cached_property
    def _dataset_rules(self) -> dict[str, str]:
        """Rule id -> destination, for the rules of the dataset's per-destination findings."""
        book = self.book
        return {r.id: decl.destination for fid, decl in book.findings.items()
                if decl.question == DATASET_QUESTION and decl.destination for r in book.rules_of(fid)}


    def assess(self, profile: CaseProfile | Mapping[str, Any], *, as_of: _dt.date | None = None,
               runner: Backend | None = None) -> Assessment:
        """One profile as of ``as_of`` (default: the options' date, else today), decided and explained. ``runner``
        is an incremental engine session (the interview) standing in for the backend."""
        return self.decide(profile, as_of=as_of, runner=runner).assessment()

    def decide(self, profile: CaseProfile | Mapping[str, Any], *, as_of: _dt.date | None = None,
               runner: Backend | None = None) -> Decided:
        """One profile decided: every answer, outcome and destination, and the compact JSON, without explaining a
        finding (:meth:`Decided.assessment` explains them)."""
        options, book = self.options, self.book
        case = profile_from_mapping(profile)
        day = as_of or options.day()
        run = runner if runner is not None else self.backend
        facts = flatten(case, day)
        here = facts.known.get("location.country")
        wanted = list(facts.known.get("destinations") or [])
        chosen = selected(options.destinations, wanted, here)  # the dataset is read for the destinations answered
        codes = None if chosen is None else tuple(chosen)
        facts = with_derived(facts, day, covered(book) if chosen is None else chosen)
        scope = self._scope(tuple(wanted), here)
        # An incremental session (the interview) keeps the program of the destinations answered: a scoped program
        # changes with more answers, and a new program replays the session from the start.
        program, within = self._program_for(day, scope, codes) if runner is None else (self.program(day, codes), None)
        specs = fact_specs()
        encoded = {p: encode(specs[p], v) for p, v in facts.known.items() if p in program.fact_paths}
        if within is not None:
            assert isinstance(run, CompiledBackend)
            fired = run.run_findings(program, encoded, within)
        else:
            fired = self.run(run, program, encoded)
        explainer = Explainer(book, program, facts, fired, day, options.stale_after_days, run.name, self.memos,
                              memo_rules=self.in_force(day), only=scope.closure)
        decisions = explainer.decisions(scope.findings)  # in declaration order
        additions: dict[str, tuple[list[Note], str]] = {}
        if options.jurisdiction:  # say where the optional legal layer changed a Convention finding, and why
            for finding, note in self._layer_changes(decisions, facts, encoded, day, scope, codes).items():
                additions[finding] = ([note], "")
        if book.layer_of:
            for d in decisions:
                notes, said = custom_layer_additions(book, d.id, d.rules_fired)
                if notes:
                    before, _ = additions.get(d.id, ([], ""))
                    additions[d.id] = (before + notes, said)
        if additions:
            decisions = [d.with_notes(additions[d.id][0]) if d.id in additions else d for d in decisions]
        decisions, summaries, destination_notes, flags = arrange(book, decisions, options.destinations, wanted, here,
                                                                 day, options.stale_after_days)
        metadata = Metadata(
            library_version=__version__, rulesets_hash=book.content_hash, as_of=day, engine=run.name,
            profile_hash=profile_hash(case), case_ref=case.case_ref, jurisdiction=options.jurisdiction,
            destinations="all" if options.destinations == "all" else [s.code for s in summaries],
            scope="all" if options.destinations == "all" else list(options.destinations or []) or None,
        )
        return Decided(metadata=metadata, outcome=explainer.outcome(decisions, flags), decisions=decisions,
                       evidence=evidence_relied_on(decisions), destinations=summaries,
                       destination_notes=destination_notes, explainer=explainer, additions=additions, book=book)

    def _scope(self, wanted: tuple[str, ...], here: str | None) -> Scoped:
        """The findings in scope for these destinations of interest and this current country (a caseload has few
        such scopes), and the rules that can bear on them."""
        key = (wanted, here)
        found = self._scopes.get(key)
        if found is None:
            ids = answered(self.book, self.options.destinations, wanted, here)
            closure = self._closure(ids)
            found = Scoped(ids, closure, frozenset(r.id for f in closure for r in self.book.rules_of(f)))
            with self._lock:
                if len(self._scopes) >= SCOPES_KEPT:
                    self._scopes.pop(next(iter(self._scopes)))
                self._scopes[key] = found
        return found

    def _closure(self, ids: list[str]) -> frozenset[str]:
        """The findings in scope and every finding they read or are compared with, transitively."""
        book = self.book
        seen, stack = set(ids), list(ids)
        while stack:
            finding = stack.pop()
            reached = set(book.findings[finding].conflicts_with) & book.findings.keys()
            for rule in book.rules_of(finding):
                reached |= book.findings_read(rule.id)
            for other in reached - seen:
                seen.add(other)
                stack.append(other)
        return frozenset(seen)

    def base_program(self, day: _dt.date, scope: Scoped | None = None, answered: tuple[str, ...] | None = None) -> Program:
        """The program of ``day`` (cut to ``scope``) without the optional legal layer's rules: what the Convention
        rules alone say."""
        program = self.program(day, answered) if scope is None else self.scoped(day, scope, answered)
        return self._compiled(frozenset(program.active_rules - self.book.jurisdiction_of.keys()))

    def _base_in_force(self, day: _dt.date) -> frozenset[str]:
        """The rules in force on ``day`` without the optional legal layer's: what names the memo entries of the
        Convention rules alone (computed once per set of rules in force)."""
        rules = self.in_force(day)
        found = self._base_rules.get(rules)
        if found is None:
            found = self._base_rules[rules] = frozenset(rules - self.book.jurisdiction_of.keys())
        return found

    def _layer_changes(self, decisions: list[Decision], facts: FactSet, encoded: dict[str, Any], day: _dt.date,
                       scope: Scoped, answered: tuple[str, ...] | None) -> dict[str, Note]:
        """What the optional legal layer changed, found in the same run: the Convention rules alone are evaluated
        on the same facts, and only a finding whose answer differs is decided again without the layer."""
        program = self.base_program(day, scope, answered)
        fired = self.run(self.backend, program, {p: v for p, v in encoded.items() if p in program.fact_paths})
        base = Explainer(self.book, program, facts, fired, day, self.options.stale_after_days, self.backend.name,
                         self.memos, memo_rules=self._base_in_force(day))
        layer_only = self._layer_findings
        differ = [d.id for d in decisions if d.id not in layer_only and base.answer_word(d.id) != d.answer]
        return layer_notes(base.decisions(differ), [d for d in decisions if d.id in set(differ)],
                           self.options.jurisdiction or "")

    @cached_property
    def _layer_findings(self) -> frozenset[str]:
        """Findings that only the optional legal layer concludes (the Convention rules alone never answer them)."""
        layer = self.book.jurisdiction_of
        return frozenset(f for f in self.book.findings
                         if self.book.rules_of(f) and all(r.id in layer for r in self.book.rules_of(f)))

    def clear_memos(self) -> None:
        """Forget every memoised explanation (for measurements of the cold path)."""
        self.memos.clear()


_KEPT: OrderedDict[Options, Assessor] = OrderedDict()
_LOCK = threading.Lock()


def load_book(options: Options) -> RuleBook:
    """Load and lint the rule book these options name (no cache: :func:`assessor` keeps what is loaded)."""
    return load(options.rulesets, frozenset({options.jurisdiction}) if options.jurisdiction else frozenset(),
                options.layers)


def _book_key(options: Options) -> tuple[Any, ...]:
    return (options.rulesets, options.jurisdiction, options.layers)


def assessor(options: Options | None = None) -> Assessor:
    """The Assessor for these options (their date, language and detail aside), built on first use. Assessors that
    differ only in their engine share one rule book."""
    key = (options or Options()).rules
    with _LOCK:
        found = _KEPT.get(key)
        if found is not None:
            _KEPT.move_to_end(key)
            return found
        book = next((a.book for a in _KEPT.values() if _book_key(a.options) == _book_key(key)), None)
    built = Assessor(key, book)  # loads outside the lock; a rare duplicate build is harmless
    with _LOCK:
        found = _KEPT.setdefault(key, built)
        while len(_KEPT) > ASSESSORS_KEPT:
            _KEPT.popitem(last=False)
        return found


def rule_book(options: Options | None = None) -> RuleBook:
    """The rule book of these options, loaded once and kept with their Assessor."""
    return assessor(options).book


def clear_memos() -> None:
    """Forget the memoised explanations of every Assessor kept (for measurements of the cold path)."""
    with _LOCK:
        kept = list(_KEPT.values())
    for a in kept:
        a.clear_memos()
