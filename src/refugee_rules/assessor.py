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
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from refugee_rules._version import __version__
from refugee_rules.result.assessment import Assessment, Metadata
from refugee_rules.engine import Backend, backend
from refugee_rules.engine.ir import Program, compile_program
from refugee_rules.explain.evidence import evidence_relied_on, layer_notes
from refugee_rules.explain.explainer import Explainer, Memos
from refugee_rules.case.facts import catalogue, encode, flatten
from refugee_rules.case.inputs import profile_from_mapping
from refugee_rules.explain.layers import custom_layer_notes
from refugee_rules.options import Options
from refugee_rules.case.profile import CaseProfile
from refugee_rules.explain.regimes import answered, arrange
from refugee_rules.law.loader import RuleBook, load_cached

ASSESSORS_KEPT = 16


def profile_hash(profile: CaseProfile) -> str:
    return hashlib.sha256(profile.model_dump_json(exclude_none=True).encode()).hexdigest()


class Assessor:
    """Assesses profiles under one set of options (any as-of date)."""

    def __init__(self, options: Options):
        self.options = options
        self.book: RuleBook = load_cached(options.rulesets, frozenset({options.jurisdiction}) if options.jurisdiction
                                          else frozenset(), options.layers)
        self.backend: Backend = backend(options.engine)
        self.memos = Memos()
        self._base: Assessor | None = None

    def program(self, day: _dt.date) -> Program:
        return compile_program(self.book, day)

    def assess(self, profile: CaseProfile | Mapping[str, Any], *, as_of: _dt.date | None = None,
               runner: Backend | None = None) -> Assessment:
        """One profile as of ``as_of`` (default: the options' date, else today). ``runner`` is an incremental
        engine session (the interview) standing in for the backend."""
        options, book = self.options, self.book
        case = profile_from_mapping(profile)
        day = as_of or options.day()
        program = self.program(day)
        run = runner if runner is not None else self.backend
        facts = flatten(case, day)
        specs = catalogue()
        encoded = {p: encode(specs[p], v) for p, v in facts.known.items() if p in program.fact_paths}
        fired = run.run(program, encoded)
        explainer = Explainer(book, program, facts, fired, day, options.stale_after_days, run.name, self.memos)
        here = facts.known.get("location.country")
        wanted = list(facts.known.get("destinations") or [])
        findings = explainer.findings(answered(book, options.destinations, wanted, here))  # in declaration order
        if options.jurisdiction:  # say where the optional legal layer changed a Convention finding, and why
            base = self.base().assess(case, as_of=day)
            changed = layer_notes(base.findings, findings, options.jurisdiction)
            findings = [f.model_copy(update={"notes": [*f.notes, changed[f.id]]}) if f.id in changed else f
                        for f in findings]
        if options.layers:
            findings = custom_layer_notes(book, findings)
        findings, summaries, destination_notes, flags = arrange(book, findings, options.destinations, wanted, here, day,
                                                                options.stale_after_days)
        result = Assessment(
            metadata=Metadata(
                library_version=__version__, rulesets_hash=book.content_hash, as_of=day, engine=run.name,
                profile_hash=profile_hash(case), case_ref=case.case_ref, jurisdiction=options.jurisdiction,
                destinations="all" if options.destinations == "all" else [s.code for s in summaries],
                scope="all" if options.destinations == "all" else list(options.destinations or []) or None,
            ),
            outcome=explainer.outcome(findings, flags),
            findings=findings,
            trace=explainer.trace(),
            evidence=evidence_relied_on(findings),
            destinations=summaries,
            destination_notes=destination_notes,
        )
        return result.made_with(book)

    def base(self) -> Assessor:
        """The Assessor without the optional legal layer, to say what the layer changed."""
        if self._base is None:
            self._base = assessor(self.options.replace(jurisdiction=None))
        return self._base

    def clear_memos(self) -> None:
        """Forget every memoised explanation (for measurements of the cold path)."""
        self.memos.clear()


_KEPT: OrderedDict[Options, Assessor] = OrderedDict()
_LOCK = threading.Lock()


def assessor(options: Options | None = None) -> Assessor:
    """The Assessor for these options (their date, language and detail aside), built on first use."""
    key = (options or Options()).rules
    with _LOCK:
        found = _KEPT.get(key)
        if found is not None:
            _KEPT.move_to_end(key)
            return found
    built = Assessor(key)  # loads and compiles outside the lock; a rare duplicate build is harmless
    with _LOCK:
        found = _KEPT.setdefault(key, built)
        while len(_KEPT) > ASSESSORS_KEPT:
            _KEPT.popitem(last=False)
        return found


def clear_memos() -> None:
    """Forget the memoised explanations of every Assessor kept (for measurements of the cold path)."""
    with _LOCK:
        kept = list(_KEPT.values())
    for a in kept:
        a.clear_memos()
