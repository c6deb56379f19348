"""The public entry point: ``assess(profile, as_of=..., engine=...) -> Assessment``."""

from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ._version import __version__
from .assessment import Assessment, Metadata
from .engine import Backend, backend
from .errors import ProfileError, RefugeeRulesError
from .engine.ir import compile_program
from .evidence import evidence_relied_on, layer_notes
from .explain import STALE_AFTER_DAYS, Explainer
from .facts import catalogue, encode, flatten
from .inputs import profile_from_mapping
from .profile import CaseProfile
from .layers import custom_layer_notes
from .regimes import Scope, answered, arrange
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


def check_scope(destinations: Any) -> Scope:
    """``None``, ``"all"`` or a list of ISO country codes; anything else is a clear error."""
    if destinations is None or destinations == "all":
        return destinations  # type: ignore[no-any-return]
    if isinstance(destinations, str):
        destinations = [d.strip() for d in destinations.split(",") if d.strip()]
    if not isinstance(destinations, (list, tuple)) or not all(
            isinstance(d, str) and len(d) == 2 and d.isalpha() and d.isupper() for d in destinations):
        raise ProfileError([f"destinations: expected 'all' or a list of ISO country codes such as ['GE', 'AM'], "
                            f"got {destinations!r}"])
    return list(destinations)


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
    layers: tuple[str | Path, ...] = (),
    destinations: Scope = None,
    _runner: Backend | None = None,
) -> Assessment:
    """Assess one case profile against the rules in force on ``as_of`` (default: today).

    ``engine`` is ``"durable"`` (the default where durable-rules imports) or ``"compiled"``.
    ``rulesets`` replaces the built-in ruleset directories; ``layers`` are custom ruleset directories loaded
    over them (see :mod:`refugee_rules.layers`). Raises :class:`ProfileError` for a
    malformed profile, :class:`RulesetError` for rulesets that do not load, :class:`EngineError` if
    the engine fails. The result is advice support, not a decision.

    ``jurisdiction`` selects an optional legal layer on top of the Convention (``"EU"``: the Qualification
    Directive 2011/95/EU as read in CJEU *Shepherd* and *EZ*); default none. Every finding whose status the
    layer changed carries a note saying from what, to what, and on which rules.

    ``destinations`` selects the regimes answered: by default where the person is now and the profile's
    ``destinations``; a list of ISO codes (where the person is now is always added); or ``"all"`` covered countries.
    """
    if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
        from .errors import ProfileError

        raise ProfileError([f"jurisdiction: expected one of {', '.join(JURISDICTIONS)}, got {jurisdiction!r}"])
    case = profile_from_mapping(profile)
    day = _as_date(as_of)
    layer_dirs = tuple(Path(d) for d in layers)
    book: RuleBook = load_cached(tuple(Path(d) for d in rulesets) if rulesets else None,
                                 frozenset({jurisdiction}) if jurisdiction else frozenset(), layer_dirs)
    program = compile_program(book, day)
    runner = _runner if _runner is not None else backend(engine)  # _runner: an incremental session (interview.py)
    facts = flatten(case, day)
    specs = catalogue()
    encoded = {p: encode(specs[p], v) for p, v in facts.known.items() if p in program.fact_paths}
    fired = runner.run(program, encoded)
    explainer = Explainer(book, program, facts, fired, day, stale_after_days, runner.name)
    scope = check_scope(destinations)
    here = facts.known.get("location.country")
    wanted = list(facts.known.get("destinations") or [])
    findings = explainer.findings(answered(book, scope, wanted, here))  # declaration order: as the lawyer arranged them
    if jurisdiction:  # say where the optional layer changed a Convention finding, and why
        base = assess(case, as_of=day, engine=engine, rulesets=rulesets, stale_after_days=stale_after_days, layers=layers,
                      destinations=destinations)
        changed = layer_notes(base.findings, findings, jurisdiction)
        findings = [f.model_copy(update={"notes": [*f.notes, changed[f.id]]}) if f.id in changed else f for f in findings]
    if layer_dirs:
        findings = custom_layer_notes(book, findings)
    findings, summaries, destination_notes, flags = arrange(book, findings, scope, wanted, here, day, stale_after_days)
    result = Assessment(
        metadata=Metadata(
            library_version=__version__, rulesets_hash=book.content_hash, as_of=day, engine=runner.name,
            profile_hash=profile_hash(case), case_ref=case.case_ref, jurisdiction=jurisdiction,
            destinations="all" if scope == "all" else [s.code for s in summaries],
        ),
        outcome=explainer.outcome(findings, flags),
        findings=findings,
        trace=explainer.trace(),
        evidence=evidence_relied_on(findings),
        destinations=summaries,
        destination_notes=destination_notes,
    )
    result._book = book
    return result


# --- embedding: many profiles, the rulesets themselves ---------------------------------------------


class FailedRecord(BaseModel):
    """A record ``assess_many`` could not assess: which one, and why. It takes the record's place in the output."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(description="Position of the record in the input, from 0.")
    case_ref: str | None = Field(default=None, description="The record's case_ref, where it could be read.")
    error: str = Field(description="ProfileError, EngineError or InternalError.")
    message: str
    problems: list[str] = Field(default_factory=list, description="One line per field, for a ProfileError.")


def _case_ref(record: Any) -> str | None:
    ref = record.case_ref if isinstance(record, CaseProfile) else (
        record.get("case_ref") if isinstance(record, Mapping) else None)
    return ref if isinstance(ref, str) else None


def assess_many(
    profiles: Iterable[CaseProfile | Mapping[str, Any]],
    *,
    as_of: _dt.date | str | None = None,
    engine: str | None = None,
    rulesets: tuple[str | Path, ...] | None = None,
    layers: tuple[str | Path, ...] = (),
    stale_after_days: int = STALE_AFTER_DAYS,
    jurisdiction: str | None = None,
) -> Iterator[Assessment | FailedRecord]:
    """Assess profiles lazily, one output per input, in input order: an :class:`Assessment`, or a
    :class:`FailedRecord` naming the record (index, case_ref) and the problem. No record is ever dropped.

    The rulesets are loaded before the first record is read, so a :class:`RulesetError` (or an unknown
    engine, :class:`EngineError`) is raised once for the whole call instead of failing every record.
    """
    day = _as_date(as_of)
    load_rulesets(layers, rulesets=rulesets, jurisdiction=jurisdiction)
    backend(engine)
    options: dict[str, Any] = dict(as_of=day, engine=engine, rulesets=rulesets, layers=layers,
                                   stale_after_days=stale_after_days, jurisdiction=jurisdiction)
    for index, record in enumerate(profiles):
        try:
            yield assess(record, **options)
        except ProfileError as e:
            yield FailedRecord(index=index, case_ref=_case_ref(record), error="ProfileError",
                               message=str(e), problems=list(e.problems))
        except RefugeeRulesError as e:
            yield FailedRecord(index=index, case_ref=_case_ref(record), error=type(e).__name__, message=str(e))
        except Exception as e:  # a bug: reported by type only, since its text could carry case facts
            yield FailedRecord(index=index, case_ref=_case_ref(record), error="InternalError",
                               message=f"internal error ({type(e).__name__}); please report it without the profile")


def load_rulesets(
    layers: Iterable[str | Path] = (),
    *,
    rulesets: tuple[str | Path, ...] | None = None,
    jurisdiction: str | None = None,
) -> RuleBook:
    """Load and lint the built-in rulesets (or ``rulesets``) with the caller's ``layers`` over them.

    Returns the loaded :class:`~refugee_rules.rules.loader.RuleBook` (``findings``, ``rules``, ``sources``,
    ``content_hash``, ``layer_of``, ``overrides``); raises :class:`RulesetError` listing every problem.
    Cached per process: assessing with the same directories reuses it.
    """
    if jurisdiction is not None and jurisdiction not in JURISDICTIONS:
        raise ProfileError([f"jurisdiction: expected one of {', '.join(JURISDICTIONS)}, got {jurisdiction!r}"])
    return load_cached(tuple(Path(d) for d in rulesets) if rulesets else None,
                       frozenset({jurisdiction}) if jurisdiction else frozenset(), tuple(Path(d) for d in layers))
