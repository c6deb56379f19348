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
from .explain import STALE_AFTER_DAYS, Explainer
from .facts import catalogue, encode, flatten
from .inputs import profile_from_mapping
from .profile import CaseProfile
from .rules.loader import RuleBook, load_cached


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
) -> Assessment:
    """Assess one case profile against the rules in force on ``as_of`` (default: today).

    ``engine`` is ``"durable"`` (the default where durable-rules imports) or ``"compiled"``.
    ``rulesets`` replaces the built-in ruleset directories. Raises :class:`ProfileError` for a
    malformed profile, :class:`RulesetError` for rulesets that do not load, :class:`EngineError` if
    the engine fails. The result is advice support, not a decision.
    """
    case = profile_from_mapping(profile)
    day = _as_date(as_of)
    book: RuleBook = load_cached(tuple(Path(d) for d in rulesets) if rulesets else None)
    program = compile_program(book, day)
    runner = backend(engine)
    facts = flatten(case, day)
    specs = catalogue()
    encoded = {p: encode(specs[p], v) for p, v in facts.known.items() if p in program.fact_paths}
    fired = runner.run(program, encoded)
    explainer = Explainer(book, program, facts, fired, day, stale_after_days)
    findings = [explainer.finding(f) for f in book.findings]  # declaration order: as the lawyer arranged them
    return Assessment(
        metadata=Metadata(
            library_version=__version__, rulesets_hash=book.content_hash, as_of=day, engine=runner.name,
            profile_hash=profile_hash(case), case_ref=case.case_ref,
        ),
        outcome=explainer.outcome(findings),
        findings=findings,
        trace=explainer.trace(),
    )
