"""The public entry point: ``assess(profile, as_of=..., engine=...) -> Assessment``."""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._version import __version__
from .assessment import Assessment, Metadata
from .engine import backend
from .engine.ir import compile_program
from .evidence import evidence_relied_on, layer_notes
from .explain import STALE_AFTER_DAYS, Explainer
from .facts import catalogue, encode, flatten
from .inputs import profile_from_mapping
from .profile import CaseProfile
from .rules.loader import RuleBook, load_cached


JURISDICTIONS = ("EU",)
"""Optional legal layers a ruleset file can declare (``jurisdiction:``) and an assessment can select."""


def _as_date(as_of: _dt.date | str | None) -> _dt.date:
    if as_of is None:
        return _dt.date.today()
    if isinstance(as_of, _dt.datetime):
        return as_of.date()
    if isinstance(as_of, _dt.date):
        return as_of
    try:
        return _dt.date.fromisoformat(str(as_of))
    except ValueError:
        from .errors import ProfileError

        raise ProfileError([f"as_of: expected a date YYYY-MM-DD, got {as_of!r}"]) from None


def profile_hash(profile: CaseProfile) -> str:
    return hashlib.sha256(profile.model_dump_json(exclude_none=True).encode()).hexdigest()


def assess(
    profile: CaseProfile | Mapping[str, Any],
    *,
    as_of: _dt.date | str | None = None,
    engine: str | None = None,
    rulesets: tuple[str | Path, ...] | None = None,
    stale_after_days: int = STALE_AFTER_DAYS,
    jurisdiction: str | None = None,
) -> Assessment:
    """Assess one case profile against the rules in force on ``as_of`` (default: today).

    ``engine`` is ``"durable"`` (the default where durable-rules imports) or ``"compiled"``.
    ``rulesets`` replaces the built-in ruleset directories. Raises :class:`ProfileError` for a
    malformed profile, :class:`RulesetError` for rulesets that do not load, :class:`EngineError` if
    the engine fails. The result is advice support, not a decision.

    ``jurisdiction`` selects an optional legal layer on top of the Convention (``"EU"``: the Qualification
    Directive 2011/95/EU as read in CJEU *Shepherd* and *EZ*); default none. Every finding whose status the
    layer changed carries a note saying from what, to what, and on which rules.
    """
    if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
        from .errors import ProfileError

        raise ProfileError([f"jurisdiction: expected one of {', '.join(JURISDICTIONS)}, got {jurisdiction!r}"])
    case = profile_from_mapping(profile)
    day = _as_date(as_of)
    book: RuleBook = load_cached(tuple(Path(d) for d in rulesets) if rulesets else None,
                                 frozenset({jurisdiction}) if jurisdiction else frozenset())
    program = compile_program(book, day)
    runner = backend(engine)
    facts = flatten(case, day)
    specs = catalogue()
    encoded = {p: encode(specs[p], v) for p, v in facts.known.items() if p in program.fact_paths}
    fired = runner.run(program, encoded)
    explainer = Explainer(book, program, facts, fired, day, stale_after_days)
    findings = [explainer.finding(f) for f in book.findings]  # declaration order: as the lawyer arranged them
    if jurisdiction:  # say where the optional layer changed a Convention finding, and why
        base = assess(case, as_of=day, engine=engine, rulesets=rulesets, stale_after_days=stale_after_days)
        changed = layer_notes(base.findings, findings, jurisdiction)
        findings = [f.model_copy(update={"notes": [*f.notes, changed[f.id]]}) if f.id in changed else f for f in findings]
    return Assessment(
        metadata=Metadata(
            library_version=__version__, rulesets_hash=book.content_hash, as_of=day, engine=runner.name,
            profile_hash=profile_hash(case), case_ref=case.case_ref, jurisdiction=jurisdiction,
        ),
        outcome=explainer.outcome(findings),
        findings=findings,
        trace=explainer.trace(),
        evidence=evidence_relied_on(explainer, findings),
    )
