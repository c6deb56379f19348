"""The public entry point: ``assess(profile, as_of=..., engine=...) -> Assessment``."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from refugee_rules.result.assessment import Assessment
from refugee_rules.assessor import assessor, profile_hash, rule_book
from refugee_rules.engine import Backend
from refugee_rules.errors import ProfileError, RefugeeRulesError
from refugee_rules.options import JURISDICTIONS, STALE_AFTER_DAYS, Options
from refugee_rules.case.profile import CaseProfile
from refugee_rules.explain.regimes import Scope
from refugee_rules.law.loader import RuleBook

__all__ = ["JURISDICTIONS", "FailedRecord", "assess", "assess_many", "impact", "load_rulesets", "profile_hash"]


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
    options: Options | None = None,
    _runner: Backend | None = None,
) -> Assessment:
    """Assess one case profile against the rules in force on ``as_of`` (default: today).

    ``engine`` is ``"durable"`` (the default where durable-rules imports) or ``"compiled"``.
    ``rulesets`` replaces the built-in ruleset directories; ``layers`` are custom ruleset directories loaded
    over them (see :mod:`refugee_rules.explain.layers`). Raises :class:`ProfileError` for a
    malformed profile or option, :class:`RulesetError` for rulesets that do not load, :class:`EngineError` if
    the engine fails. The result is advice support, not a decision.

    ``jurisdiction`` selects an optional legal layer on top of the Convention (``"EU"``: the Qualification
    Directive 2011/95/EU as read in CJEU *Shepherd* and *EZ*); default none. Every finding whose answer the
    layer changed carries a note saying from what, to what, and on which rules.

    ``destinations`` selects the regimes answered: by default where the person is now and the profile's
    ``destinations``; a list of ISO codes (where the person is now is always added); or ``"all"`` covered countries.

    ``options`` (an :class:`~refugee_rules.options.Options`) gives all of these as one value instead; it is what the
    command line, batch, the service and the interview pass on. This is a one-line convenience over
    :class:`~refugee_rules.assessor.Assessor`.
    """
    chosen = Options.given(options, as_of=as_of, engine=engine, rulesets=rulesets, stale_after_days=stale_after_days,
                           jurisdiction=jurisdiction, layers=layers, destinations=destinations)
    return assessor(chosen).assess(profile, as_of=chosen.day(), runner=_runner)


# --- embedding: many profiles, the rulesets themselves ---------------------------------------------


class FailedRecord(BaseModel):
    """A record ``assess_many`` could not assess: which one, and why. It takes the record's place in the output."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use, not on import

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
    destinations: Scope = None,
    options: Options | None = None,
) -> Iterator[Assessment | FailedRecord]:
    """Assess profiles lazily, one output per input, in input order: an :class:`Assessment`, or a
    :class:`FailedRecord` naming the record (index, case_ref) and the problem. No record is ever dropped.

    The rulesets are loaded before the first record is read, so a :class:`RulesetError` (or an unknown
    engine, :class:`EngineError`) is raised once for the whole call instead of failing every record.
    """
    chosen = Options.given(options, as_of=as_of, engine=engine, rulesets=rulesets, stale_after_days=stale_after_days,
                           jurisdiction=jurisdiction, layers=layers, destinations=destinations)
    chosen = chosen.replace(as_of=chosen.day())  # one date for the whole call, even across midnight
    runner = assessor(chosen)  # loads the rulesets and the engine before the first record is read
    if isinstance(profiles, (Mapping, str, bytes)) or not isinstance(profiles, Iterable):
        raise ProfileError([f"profiles: expected an iterable of profiles (mappings or CaseProfile), got "
                            f"{type(profiles).__name__}"])
    for index, record in enumerate(profiles):
        try:
            yield runner.assess(record, as_of=chosen.as_of)
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

    Returns the loaded :class:`~refugee_rules.law.loader.RuleBook` (``findings``, ``rules``, ``sources``,
    ``content_hash``, ``layer_of``, ``overrides``); raises :class:`RulesetError` listing every problem.
    Kept with the Assessor of these options: assessing with the same directories reuses it.
    """
    chosen = Options.given(None, layers=layers if isinstance(layers, (str, Path)) or not isinstance(layers, Iterable)
                           else tuple(layers), rulesets=rulesets, jurisdiction=jurisdiction)
    return rule_book(chosen)


def impact(
    profiles: Iterable[CaseProfile | Mapping[str, Any]],
    *,
    from_date: _dt.date | str | None = None,
    to_date: _dt.date | str | None = None,
    from_rulesets: tuple[str | Path, ...] | None = None,
    to_rulesets: tuple[str | Path, ...] | None = None,
    engine: str | None = None,
    layers: tuple[str | Path, ...] = (),
    jurisdiction: str | None = None,
    destinations: Scope = None,
    options: Options | None = None,
) -> Iterator[Any]:
    """What a rule change does to a caseload: for each profile, in order, a
    :class:`~refugee_rules.tasks.impact.ClientImpact` listing every answer that differs between the two sides
    (``changes`` empty when none does), or a :class:`FailedRecord` naming a record that cannot be assessed.

    A side is a date (``from_date``, ``to_date``: the new rules in force) and a rules version (``from_rulesets``,
    ``to_rulesets``: a new version of the rulesets); each defaults to the other's, and ``options`` gives the rest
    (or the separate keywords: engine, layers, jurisdiction, destinations). Each change says finding, from, to, the
    rules and their citations, and why. Both sides are checked, and the rulesets loaded, before the first profile is
    read."""
    from refugee_rules.tasks import impact as _impact

    chosen = Options.given(options, engine=engine, layers=layers, jurisdiction=jurisdiction, destinations=destinations)
    left, right = _impact.sides(chosen, from_date=from_date, to_date=to_date, from_rulesets=from_rulesets,
                                to_rulesets=to_rulesets)
    assessor(left.options), assessor(right.options)  # a RulesetError once for the call, not once per record
    if isinstance(profiles, (Mapping, str, bytes)) or not isinstance(profiles, Iterable):
        raise ProfileError([f"profiles: expected an iterable of profiles (mappings or CaseProfile), got "
                            f"{type(profiles).__name__}"])
    return _impact.impacts(profiles, left, right)
