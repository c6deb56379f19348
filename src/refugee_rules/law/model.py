"""The rule format: what a ruleset YAML file may say, checked field by field.

Modelled on Catala's default logic: a finding has base rules that conclude one status and named
exceptions (``exception_to``) that conclude the other. Two rules that conclude the same finding two
ways without one being declared the exception of the other are rejected at load time, so precedence
is always written down, never implied by file order.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from refugee_rules.law.conditions import Condition
from refugee_rules.law.kinds import KindName, Side
Precision = Literal["day", "month", "year", "approximate", "reported"]
RegimeTopic = Literal["documents", "entry", "stay", "residence", "visa", "risk", "asylum", "naturalisation"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)  # built on first use, not on import


class Citation(_Strict):
    """A pinpoint in a source of ``rulesets/sources.yaml``.

    ``quote`` is reserved for verbatim passages of the source articles (checked against their text);
    legal instruments are cited by ``pinpoint`` alone. ``confirmed`` says whether the pinpoint was
    checked against the primary text; an unconfirmed one is shown as such in every report.
    """

    source: str
    pinpoint: str | None = None
    quote: str | None = None
    confirmed: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _has_pinpoint_or_quote(self) -> Citation:
        if not (self.pinpoint or self.quote):
            raise ValueError("a citation needs a pinpoint or a quote")
        return self


class DateBound(_Strict):
    """A date a regime rule starts or stops applying, and how precisely the source gives it."""

    date: _dt.date
    precision: Precision
    derived: str | None = Field(default=None, description="How the date was derived from the source, if it was.")


class StayLimit(_Strict):
    """How long a stay is reported to be allowed, in the source's own unit (a year is not 365 days)."""

    days: int | None = Field(default=None, ge=1)
    months: int | None = Field(default=None, ge=1)
    years: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _one_unit(self) -> StayLimit:
        if sum(v is not None for v in (self.days, self.months, self.years)) != 1:
            raise ValueError("a stay limit gives exactly one of days, months, years")
        return self


class Concludes(_Strict):
    """What a rule concludes, in the words of its finding's kind (``allowed``, ``refused``, ``flagged``, ``met`` ...)."""

    finding: str
    answer: str
    limit: StayLimit | None = Field(default=None, description="Stay findings: the limit this rule reports.")
    _side: Side | None = PrivateAttr(default=None)

    @property
    def side(self) -> Side:
        """The engine's side of the answer (set by the loader from the finding's kind)."""
        assert self._side is not None, "rules are resolved by the loader"
        return self._side


class Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    concludes: Concludes
    when: dict[str, Any]
    otherwise: Literal["opposite", "nothing"] = Field(
        default="opposite",
        description="What a definitely false condition concludes: the opposite status, or nothing (a one-sided rule).",
    )
    exception_to: str | None = None
    because: str = Field(min_length=1, description="Why the condition held (jinja2 over the facts).")
    because_not: str | None = Field(default=None, description="Why it did not hold (jinja2 over the facts).")
    cite: list[Citation] = Field(min_length=1)
    valid_from: DateBound | None = None
    valid_until: DateBound | None = None
    reported: _dt.date | None = Field(default=None, description="Date of the source that reports this rule, for staleness.")
    _condition: Condition | None = PrivateAttr(default=None)

    @property
    def condition(self) -> Condition:
        assert self._condition is not None, "rules are parsed by the loader"
        return self._condition

    def in_force(self, day: _dt.date) -> bool:
        if self.valid_from and day < self.valid_from.date:
            return False
        return not (self.valid_until and day > self.valid_until.date)


class StopPoint(_Strict):
    """A finding whose status halts the ordinary outcome: the worker must refer the case to counsel."""

    when: list[str] = Field(min_length=1, description="Answers of the finding (its kind's words) that raise the stop-point.")
    kind: Literal["exclusion", "cessation", "other"]
    message: str
    raised_by: list[str] = Field(
        default_factory=list,
        description="Fact paths: the stop-point is also hit while the finding is undetermined if one of these facts "
        "is true (something that would trigger it has been recorded, but not every fact that settles it).",
    )


class FindingDecl(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    kind: KindName = Field(description="What kind of question the finding answers; its rules conclude in this kind's words.")
    title: str
    asks: str = Field(description="The question the law asks, in plain language.")
    group: str = Field(description="Where the finding belongs in a report, e.g. 'article_1a2'.")
    role: Literal["element", "inclusion", "intermediate", "regime"] = "element"
    stop_point: StopPoint | None = None
    # Regime findings only (all optional): the destination and topic they answer, the question shared by
    # findings that may answer it differently, and the findings whose sources disagree with this one.
    destination: str | None = Field(default=None, description="ISO code of the destination (or EU, RU).")
    topic: RegimeTopic | None = None
    question: str | None = Field(default=None, description="Findings sharing destination and question answer one question.")
    conflicts_with: list[str] = Field(default_factory=list, description="Findings whose sources disagree with this one.")
    conflict_note: str | None = None
    doubt: str | None = Field(default=None, description="Claims only: why the source itself doubts the claim.")
    article: str | None = Field(
        default=None, pattern=r"^[0-9]+[A-F]?(\([a-z0-9]+\))?$",
        description="Clauses only: the Convention article the clause is, as the report lists it (1C(1), 1D, 1F(a), 33(2)).")
    adverse: bool = Field(
        default=False, description="Its positive answer is bad news for the person (HB ¶168: only dislike of service; "
        "only an internal passport): shown as a hurdle, never in the colour of good news.")
    required_screening: bool = Field(
        default=False, description="A clause the outcome must see screened: it reads likely_meets only when this "
        "clause does not apply (the Article 1F clauses).")
    required_when_raised: bool = Field(
        default=False, description="A clause the outcome must see screened once its stop-point is raised (service in a "
        "unit involved in war crimes raises Article 1F(a)): it then counts as a required screening.")

    @property
    def regime(self) -> str | None:
        """The destination a regime finding is about (its ``regime:XX`` group), or None for the law."""
        return self.group.split(":", 1)[1] if self.group.startswith("regime:") else None


class RegimeMeta(_Strict):
    """What a regime file covers: the destination, and whether the sources say anything encodable about it."""

    destination: str
    name: str
    covered: bool = True
    note: str | None = None
    evidence: list[Citation] = Field(default_factory=list)


class RulesetFile(_Strict):
    ruleset: str
    title: str
    version: str
    description: str | None = None
    jurisdiction: str | None = Field(
        default=None,
        description="An optional legal layer (e.g. 'EU'): the file's findings and rules are loaded only when the "
        "assessment selects this jurisdiction; without it they are left out.",
    )
    regime: RegimeMeta | None = None
    findings: list[FindingDecl] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)


class Source(_Strict):
    id: str
    title: str
    kind: Literal["instrument", "guidance", "case_law", "article", "dataset"]
    publisher: str | None = None
    date: str | None = None
    file: str | None = Field(default=None, description="For source articles: the text file in shared/sources.")
    url: str | None = None
    note: str | None = None
