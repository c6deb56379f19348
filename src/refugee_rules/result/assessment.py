"""The result of an assessment: a plain value, with no knowledge of how it was computed.

NGO developers build on this shape, so it is part of the public contract: every finding has ``id``,
``kind`` (what kind of question it answers) and ``answer`` (in that kind's words: a legal element ``met`` /
``not_met`` / ``undetermined``; a clause ``applies`` / ``does_not_apply`` / ``not_screened``; entry ``allowed`` /
``visa_required`` / ``refused`` / ``undetermined``; a risk ``flagged`` / ``not_reported`` / ``undetermined``; see
``rules/kinds.py``), ``citations`` (each with ``source`` and ``pinpoint``), ``facts_used``, ``rules_fired`` and
``missing_facts``. Reports are views of it.

Every value here is frozen, and findings, firings and destination summaries are shared between the
assessments of cases with the same relevant facts (they are memoised, see ``explain.py``): copy a value
(``model_copy(update=...)``) to change it; never mutate the lists inside one.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from refugee_rules.errors import UnknownFinding

FindingStatus = Literal["met", "not_met", "undetermined"]
"""The answers of a legal element (kind ``element``), e.g. the inclusion finding."""
Answer = str
"""A finding's answer, one of its kind's words (``rules.kinds.KINDS[kind].words``)."""
Screening = Literal["applies", "does_not_apply", "not_screened"]
OutcomeStatus = Literal["likely_meets", "inclusion_met_screening_open", "likely_does_not_meet", "undetermined",
                        "refer_to_counsel"]

DISCLAIMER = (
    "This is decision support for a trained adviser, not a legal decision. It applies encoded rules to the "
    "facts as stated and may be incomplete or wrong; it does not replace an individual assessment by a "
    "qualified lawyer or by the competent authority."
)


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use, not on import


class Citation(_Value):
    source: str = Field(description="Id of the source in rulesets/sources.yaml.")
    source_title: str
    pinpoint: str | None = Field(description="Article, paragraph or section; None where a quote is the pinpoint.")
    quote: str | None = None
    confirmed: bool = Field(description="Whether the pinpoint was checked against the primary text.")
    note: str | None = None


class FactUsed(_Value):
    path: str
    value: Any


class MissingFact(_Value):
    path: str
    state: Literal["not_asked", "unknown"] = Field(
        description="not_asked: the profile does not give it; unknown: asked, and the client does not know."
    )
    question: str
    client_question: str | None = None


class Firing(_Value):
    """One production that fired: the rule, the facts it read with their values, what it concluded."""

    production: str
    rule: str | None
    finding: str
    side: str
    facts: list[FactUsed]
    concluded: str


class RuleDates(_Value):
    """When a rule applies, how precisely its source dates it, and the date of that source."""

    rule: str
    valid_from: _dt.date | None = None
    valid_from_precision: str | None = None
    valid_until: _dt.date | None = None
    valid_until_precision: str | None = None
    derived: str | None = Field(default=None, description="How a date was derived from the source, if it was.")
    reported: _dt.date | None = None


class ConflictingFinding(_Value):
    """Another finding whose source disagrees with this one: both are shown, neither silently wins."""

    id: str
    title: str
    kind: str
    answer: Answer
    dates: list[RuleDates] = Field(default_factory=list)


class Branch(_Value):
    """A rule of a finding whose condition did not hold: it failed on the facts, or could not be decided,
    or was not in force on the as-of date. The branches a reader may ask about: "why not this one?"."""

    rule: str
    state: Literal["failed", "undetermined", "not_in_force"]
    facts: list[FactUsed] = Field(default_factory=list, description="The known facts its condition read.")
    missing: list[str] = Field(default_factory=list, description="The facts its condition read that are not known.")


NoteCode = Literal["unconfirmed_pinpoint", "stale_source", "sources_conflict", "layer_override", "layer_added",
                   "jurisdiction_changed", "dataset_requirement"]


REQUIREMENT_WORDS = {
    "visa_free": "visa-free entry", "visa_on_arrival": "a visa on arrival", "eta": "an electronic travel authorisation",
    "e_visa": "an e-visa (or electronic authorisation)", "entry_permit": "an entry permit",
    "visa_required": "a visa required", "covid_ban": "a COVID-19 entry ban", "no_admission": "no admission",
}


def requirement_words(requirement: str | None, days: int | None = None) -> str:
    """A Passport Index requirement in English words."""
    if requirement == "visa_free" and days:
        return f"visa-free entry for {days} days"
    return REQUIREMENT_WORDS.get(requirement or "", requirement or "")


class Note(_Value):
    """A warning on a finding: a code and its parameters; the views word it in the report's language."""

    code: NoteCode
    rule: str | None = Field(default=None, description="stale_source, layer_*: the rule concerned.")
    date: _dt.date | None = Field(default=None, description="stale_source: the date of the source.")
    days: int | None = Field(default=None, description="stale_source: the staleness threshold in days.")
    layer: str | None = Field(default=None, description="layer_*: the custom layer; jurisdiction_changed: e.g. 'EU'.")
    replaces: str | None = Field(default=None, description="layer_override: the rule replaced.")
    replaced_file: str | None = None
    before: str | None = Field(default=None, description="jurisdiction_changed: the answer without the layer.")
    after: str | None = None
    rules: list[str] = Field(default_factory=list, description="jurisdiction_changed: the layer's rules that fired.")
    sources: list[str] = Field(default_factory=list, description="jurisdiction_changed: what the new answer rests on.")
    findings: list[str] = Field(default_factory=list, description="sources_conflict: the findings that disagree.")
    passport: str | None = Field(default=None, description="dataset_requirement: the passport the requirement is for "
                                 "(date: its snapshot; days: visa-free days where given).")
    requirement: str | None = Field(default=None, description="dataset_requirement: the requirement, e.g. visa_free.")
    passports: list[str] = Field(default_factory=list, description="dataset_requirement: every passport compared.")
    since: _dt.date | None = Field(default=None, description="dataset_requirement: the first snapshot listing it.")

    @property
    def text(self) -> str:
        """The note in English (the views word it in either language)."""
        if self.code == "unconfirmed_pinpoint":
            return "Some paragraph numbers cited here are not yet confirmed against the primary text."
        if self.code == "stale_source":
            return (f"Rule {self.rule} rests on a source of {self.date}, more than {self.days} days before the as-of "
                    "date: verify the current rules.")
        if self.code == "sources_conflict":
            return "The sources conflict on this point; see also: " + ", ".join(self.findings) + "."
        if self.code == "layer_override":
            replaced = f"built-in rule {self.replaces}" if self.replaces == self.rule else f"rule {self.replaces}"
            return (f"Custom layer {self.layer!r}: rule {self.rule} overrides the {replaced} (from {self.replaced_file}); "
                    "this finding follows the layer's rule, not the built-in one.")
        if self.code == "dataset_requirement":
            return (f"Passport Index dataset, snapshot of {self.date} (unchanged since {self.since}): "
                    f"{requirement_words(self.requirement, self.days)} for the {self.passport} passport"
                    + (f", the better of the person's passports ({', '.join(self.passports)})" if len(self.passports) > 1
                       else "") + ".")
        if self.code == "layer_added":
            return f"Custom layer {self.layer!r}: rule {self.rule} was added by this layer, not by the built-in rulesets."
        return (f"{self.layer} layer: {self.before} under the Convention rules alone, {self.after} with the {self.layer} "
                "layer" + (f" (rules: {', '.join(self.rules)})" if self.rules else "")
                + (f"; resting on {'; '.join(self.sources)}" if self.sources else "") + ".")

    def __str__(self) -> str:
        return self.text


class StayCount(_Value):
    """A stay limit counted from the person's own dates on the as-of date (only where they are in that country)."""

    limit: int = Field(description="The limit in the source's own unit: 1 (year), 2 (months) ...")
    unit: Literal["days", "months", "years"]
    since: _dt.date | None = Field(default=None, description="When the person arrived (location.since, else travel.entry_date).")
    ends: _dt.date | None = Field(default=None, description="The last day of the stay the limit allows.")
    days_used: int | None = None
    days_left: int | None = Field(default=None, description="Days from the as-of date to the last allowed day; negative once exceeded.")
    exceeded: bool = False


class Finding(_Value):
    id: str
    title: str
    asks: str = Field(description="The question the finding answers, in plain language.")
    group: str
    role: str
    kind: str = Field(description="What kind of question it answers: element, clause, entry, stay, residence, visa, risk, claim, report.")
    answer: Answer = Field(description="The answer in the words of its kind (see rules/kinds.py).")
    adverse: bool = Field(default=False, description="Its positive answer is bad news for the person (never shown as good news).")
    explanation: str
    facts_used: list[FactUsed]
    rules_fired: list[str]
    depends_on: list[str] = Field(description="Other findings this one was concluded from.")
    citations: list[Citation]
    missing_facts: list[MissingFact]
    notes: list[Note] = Field(default_factory=list, description="Warnings: unconfirmed pinpoints, possibly outdated rules, conflicts, layers.")
    branches_not_held: list[Branch] = Field(default_factory=list, description="Rules of this finding that did not hold.")
    # Regime findings only (empty otherwise):
    destination: str | None = Field(default=None, description="ISO code of the destination a regime finding is about.")
    topic: str | None = Field(default=None, description="entry, stay, residence, visa, risk, asylum, naturalisation or documents.")
    dates: list[RuleDates] = Field(default_factory=list, description="Dates of the rules behind this finding.")
    conflicts: list[ConflictingFinding] = Field(default_factory=list, description="Findings whose sources disagree.")
    conflict_note: str | None = None
    doubt: str | None = Field(default=None, description="A claim: why its source doubts it. A claim opens nothing.")
    article: str | None = Field(default=None, description="A clause: the Convention article it is (1C(1), 1F(a) …).")
    stay: StayCount | None = Field(default=None, description="A stay allowed where the person is: days used and left.")
    _written: Any = PrivateAttr(default=None)  # its compact JSON pieces (result.compact), kept with the shared value
    """This finding's compact JSON, kept with the (memoised, shared) value itself; a copy starts without it."""

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Finding:
        copied = super().model_copy(update=update, deep=deep)
        copied._written = None  # a copy with other notes must never write the original's bytes
        return copied


class StopPointHit(_Value):
    finding: str
    kind: str
    answer: Answer
    message: str


class RedFlag(_Value):
    """Something a worker must see before anything else; a code and its parameters, worded by the views."""

    code: Literal["stop_point", "clause_applies", "risk_here", "stay_exceeded", "stay_ending", "stale_source"]
    finding: str | None = None
    destination: str | None = None
    days: int | None = Field(default=None, description="stay_ending: days left; stay_exceeded: days over; stale_source: age.")


class Outcome(_Value):
    status: OutcomeStatus
    inclusion: FindingStatus | None = Field(description="Answer of the inclusion finding (Article 1A(2)).")
    exclusion: Screening = Field(description="Article 1F screened: applies if a clause applies, does_not_apply only if every 1F clause does not apply.")
    cessation: Screening = Field(description="Article 1C: applies if a clause applies; does_not_apply only if every clause does not apply.")
    open_screening_questions: int = Field(default=0, description="Questions that would settle the exclusion clauses still open.")
    summary: str
    stop_points: list[StopPointHit]
    red_flags: list[RedFlag] = Field(default_factory=list, description="Stop-points, risks flagged where the person is, a stay exceeded or ending within 30 days, stale sources.")


class Metadata(_Value):
    library_version: str
    rulesets_hash: str
    as_of: _dt.date
    engine: Literal["durable", "compiled"]
    profile_hash: str
    case_ref: str | None = None
    jurisdiction: str | None = Field(default=None, description="Optional legal layer applied on top of the Convention, e.g. 'EU'.")
    destinations: list[str] | Literal["all"] = Field(
        default_factory=list, description="The destinations whose regimes were answered: where the person is and the "
        "profile's destinations of interest, or 'all' covered countries when asked.")
    scope: list[str] | Literal["all"] | None = Field(
        default=None, description="The destinations option it was made with: None (where the person is and the "
        "profile's destinations), 'all', or the ISO codes asked for; verify re-runs with it.")


ScopeNoteCode = Literal["nothing_in_scope", "here_only", "not_covered"]


class ScopeNote(_Value):
    """Which destinations were answered, and why not others: a code and its parameters; the views word it in the
    report's language (no view reads the English back)."""

    code: ScopeNoteCode = Field(description="nothing_in_scope: no destination given and the current country not "
                                "known; here_only: no destination given, answered for the current country; "
                                "not_covered: a destination asked about that no source covers.")
    country: str | None = Field(default=None, description="here_only: the current country; not_covered: the "
                                "destination asked about (ISO code).")
    covered: list[str] = Field(default_factory=list, description="not_covered: the destinations the sources cover.")

    @property
    def text(self) -> str:
        """The note in English."""
        if self.code == "nothing_in_scope":
            return ("No destination of interest is given and where the person is now is not known: only the Russian "
                    "side (documents and exit) is answered. Add `destinations:` or `location.country`, or ask for all "
                    "destinations.")
        if self.code == "here_only":
            return (f"No destinations of interest are given: answered for where the person is now ({self.country}) "
                    "only. Add `destinations:` to the profile, or ask for all destinations.")
        return (f"{self.country}: not covered by the sources (no regime is encoded for it). "
                f"Covered destinations: {', '.join(self.covered)}.")


class DestinationSummary(_Value):
    """One destination's regime as it applies to this person, for ordering and overview."""

    code: str
    name: str
    covered: bool
    rank: int | None = Field(default=None, description="1 = most realistic for this person; None when not covered.")
    entry: Answer | None = Field(default=None, description="allowed: an uncontested reported route fits the documents held; refused; visa_required; undetermined.")
    here: bool = Field(default=False, description="The person is in this country now.")
    stay: StayCount | None = None
    summary: str
    findings: list[str] = Field(default_factory=list)
    risks_flagged: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    stale: bool = Field(default=False, description="Some rule rests on a source older than the staleness threshold.")
    dataset_only: bool = Field(default=False, description="No source article covers this country: the answer comes "
                               "from the Passport Index dataset alone (no document-type, ban or risk information).")


class EvidenceUsed(_Value):
    """A country-of-origin evidence item relied on: the worker accepted (or rejected) it for this case."""

    id: str = Field(description="Id of the evidence finding (rulesets/country-evidence/).")
    title: str
    decision: Literal["accepted", "rejected"] = Field(description="The worker's decision for this case.")
    citations: list[Citation] = Field(description="The source and verbatim quote the item rests on.")
    relied_on_by: list[str] = Field(description="Definite findings whose conclusion rests on this item.")
    notes: list[Note] = Field(default_factory=list)


class Assessment(_Value):
    """What the rules say about one profile as of one date, and why."""

    disclaimer: str = DISCLAIMER
    metadata: Metadata
    outcome: Outcome
    findings: list[Finding]
    trace: list[Firing] = Field(description="Every production that fired, in rule order.")
    evidence: list[EvidenceUsed] = Field(
        default_factory=list,
        description="Country-of-origin evidence items the definite findings rest on, with the worker's decision and source.",
    )
    destinations: list[DestinationSummary] = Field(
        default_factory=list, description="Destinations assessed, most realistic first (regime rulesets only)."
    )
    destination_notes: list[ScopeNote] = Field(default_factory=list, description="Which destinations were answered "
                                               "and why not others, e.g. one asked about that the sources do not cover.")
    _book: Any = PrivateAttr(default=None)  # the rule book it was made with: its catalogue explains the JSON

    @property
    def rule_book(self) -> Any:
        """The rule book this assessment was made with; ``None`` for one read back from JSON (its
        ``metadata.rulesets_hash`` then names the book)."""
        return self._book

    def made_with(self, book: Any) -> Assessment:
        """Remember the rule book that made this assessment (views re-render its explanations from it)."""
        self._book = book
        return self

    def to_json(self, detail: str = "compact", *, indent: int | None = None) -> str:
        """The assessment as JSON, format 2 (:mod:`refugee_rules.result.compact`): ``compact`` refers to the catalogue of
        its rule book by hash; ``full`` inlines the catalogue, the explanations and the trace (for archives)."""
        from refugee_rules.result.catalogue import build
        from refugee_rules.result.compact import to_json

        catalogue = None
        if detail == "full":
            if self._book is None:
                raise ValueError("detail='full' needs the rule book this assessment was made with: "
                                 "call made_with(book) on an assessment read back from JSON")
            catalogue = build(self._book)
        return to_json(self, detail, catalogue, indent=indent)

    def finding(self, finding_id: str) -> Finding:
        for f in self.findings:
            if f.id == finding_id:
                return f
        raise UnknownFinding(finding_id)

    def answer(self, finding_id: str) -> Answer:
        return self.finding(finding_id).answer
