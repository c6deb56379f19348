"""Assessment JSON, format 2: what this case decided, referring by id to the catalogue of its rule book.

The in-memory :class:`~refugee_rules.assessment.Assessment` carries titles, questions and citations for the views;
written out, all of that is the same for every case assessed with the same rulesets (99.8 % of a caseload's bytes
were ruleset text repeated on every line). So the JSON keeps, per finding, its kind, answer, facts used, rule ids,
the questions left (fact paths), notes and any stay count, and names the catalogue (:mod:`refugee_rules.catalogue`)
by its ruleset hash. ``detail="full"`` (for archives) adds each finding's explanation, the trace of every firing
and the whole catalogue inline, so the file explains itself without the library.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .assessment import DestinationSummary, EvidenceUsed, FactUsed, Firing, Metadata, Note, Outcome, StayCount
from .catalogue import Catalogue

FORMAT_VERSION = "2.0"
"""The version of the written shape; bumped when a field changes meaning."""
Detail = Literal["compact", "full"]
DETAILS: tuple[str, ...] = ("compact", "full")


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Question(_Value):
    path: str = Field(description="A fact path still needed; its question is in the catalogue's facts.")
    state: Literal["not_asked", "unknown"] = Field(description="unknown: asked, and the client does not know.")


class Conflict(_Value):
    id: str
    answer: str


class CompactFinding(_Value):
    id: str = Field(description="Finding id; its title, question and kind's words are in the catalogue.")
    kind: str
    answer: str = Field(description="The answer in the words of its kind.")
    facts_used: list[FactUsed] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list, description="Rules that decided it (or, undecided, that could).")
    depends_on: list[str] = Field(default_factory=list)
    questions: list[Question] = Field(default_factory=list, description="What would settle it, most direct first.")
    notes: list[Note] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list, description="Findings whose sources disagree, and their answers.")
    stay: StayCount | None = None
    adverse: bool = False
    explanation: str | None = Field(default=None, description="detail=full only: the explanation, rendered in English.")


CATALOGUE_HOW = "refugee-rules catalogue (CLI), GET /catalogue/{rulesets_hash} (service), or detail=full (inlined)"


class CatalogueRef(_Value):
    rulesets_hash: str
    how: str = Field(description="Where to get it.")


class CompactAssessment(_Value):
    """An assessment as written out (JSON format 2)."""

    format_version: str = Field(description=f"'{FORMAT_VERSION}' for this shape.")
    disclaimer: str
    metadata: Metadata
    outcome: Outcome
    findings: list[CompactFinding]
    evidence: list[EvidenceUsed] = Field(default_factory=list)
    destinations: list[DestinationSummary] = Field(default_factory=list)
    destination_notes: list[str] = Field(default_factory=list)
    catalogue: Catalogue | CatalogueRef = Field(description="The catalogue inlined (detail=full) or named by hash.")
    trace: list[Firing] | None = Field(default=None, description="detail=full only: every production that fired.")


def compact(assessment: Any, detail: str = "compact", catalogue: Catalogue | None = None) -> CompactAssessment:
    """The format-2 value of an assessment; ``catalogue`` is required for ``detail="full"``."""
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}: expected one of {', '.join(DETAILS)}")
    full = detail == "full"
    if full and catalogue is None:
        raise ValueError("detail='full' needs the catalogue of the rule book the assessment was made with")
    findings = [
        CompactFinding.model_construct(
            id=f.id, kind=f.kind, answer=f.answer, facts_used=f.facts_used, rules=f.rules_fired, depends_on=f.depends_on,
            questions=[Question.model_construct(path=m.path, state=m.state) for m in f.missing_facts],
            notes=f.notes, conflicts=[Conflict.model_construct(id=c.id, answer=c.answer) for c in f.conflicts],
            stay=f.stay, adverse=f.adverse, explanation=f.explanation if full else None,
        )
        for f in assessment.findings
    ]
    return CompactAssessment.model_construct(
        format_version=FORMAT_VERSION, disclaimer=assessment.disclaimer, metadata=assessment.metadata,
        outcome=assessment.outcome, findings=findings, evidence=assessment.evidence,
        destinations=assessment.destinations, destination_notes=assessment.destination_notes,
        catalogue=catalogue if full and catalogue is not None else CatalogueRef.model_construct(
            rulesets_hash=assessment.metadata.rulesets_hash, how=CATALOGUE_HOW),
        trace=assessment.trace if full else None,
    )


def to_json(assessment: Any, detail: str = "compact", catalogue: Catalogue | None = None,
            indent: int | None = None) -> str:
    """The assessment's JSON (format 2). Defaults are left out (an empty list, ``adverse: false``): a reader takes
    a missing field as its default, as the JSON Schema says."""
    return compact(assessment, detail, catalogue).model_dump_json(indent=indent, exclude_defaults=True)


def to_data(assessment: Any, detail: str = "compact", catalogue: Catalogue | None = None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(to_json(assessment, detail, catalogue))
    return data
