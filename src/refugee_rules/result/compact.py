"""Assessment JSON, format 2: what this case decided, referring by id to the catalogue of its rule book.

The in-memory :class:`~refugee_rules.result.assessment.Assessment` carries titles, questions and citations for the views;
written out, all of that is the same for every case assessed with the same rulesets (99.8 % of a caseload's bytes
were ruleset text repeated on every line). So the JSON keeps, per finding, its kind, answer, the paths of the facts used, rule ids,
the questions left (fact paths), notes and any stay count; the values of the facts used once, for the whole case
(``facts``), with the paths the client answered "unknown" (``unknown``); and names the catalogue
(:mod:`refugee_rules.result.catalogue`) by its ruleset hash. ``detail="full"`` (for archives) adds each finding's explanation, the trace of every firing
and the whole catalogue inline, so the file explains itself without the library.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic_core import to_json as to_json_bytes

from refugee_rules.result.assessment import (DestinationSummary, EvidenceUsed, Firing, Metadata, Note, Outcome, ScopeNote,
                                             StayCount)
from refugee_rules.result.catalogue import Catalogue
from refugee_rules.options import DETAILS

FORMAT_VERSION = "2.2"
"""The version of the written shape; bumped when a field changes meaning. 2.1: a finding's ``facts_used`` and
``questions`` are fact paths; the values are in the case's ``facts``, and ``unknown`` says which were asked and
not known. 2.2: ``destination_notes`` are objects (a code, the country, the destinations covered), not English
sentences."""
Detail = Literal["compact", "full"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)  # built on first use, not on import


class Conflict(_Value):
    id: str
    answer: str


class CompactFinding(_Value):
    id: str = Field(description="Finding id; its title, question and kind's words are in the catalogue.")
    kind: str
    answer: str = Field(description="The answer in the words of its kind.")
    facts_used: list[str] = Field(default_factory=list, description="Paths of the facts it rests on; values in the case's facts.")
    rules: list[str] = Field(default_factory=list, description="Rules that decided it (or, undecided, that could).")
    depends_on: list[str] = Field(default_factory=list)
    questions: list[str] = Field(default_factory=list, description=(
        "Fact paths that would settle it, most direct first; their questions are in the catalogue's facts. A path in "
        "the case's unknown list was asked, and the client does not know."))
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
    facts: dict[str, Any] = Field(default_factory=dict, description="The value of every fact a finding used, by path.")
    unknown: list[str] = Field(default_factory=list, description="Fact paths a finding needs that the client answered 'unknown'.")
    findings: list[CompactFinding]
    evidence: list[EvidenceUsed] = Field(default_factory=list)
    destinations: list[DestinationSummary] = Field(default_factory=list)
    destination_notes: list[ScopeNote] = Field(default_factory=list)
    catalogue: Catalogue | CatalogueRef = Field(description="The catalogue inlined (detail=full) or named by hash.")
    trace: list[Firing] | None = Field(default=None, description="detail=full only: every production that fired.")


def compact(assessment: Any, detail: str = "compact", catalogue: Catalogue | None = None, *,
            with_findings: bool = True) -> CompactAssessment:
    """The format-2 value of an assessment; ``catalogue`` is required for ``detail="full"``."""
    if detail not in DETAILS:
        raise ValueError(f"unknown detail {detail!r}: expected one of {', '.join(DETAILS)}")
    full = detail == "full"
    if full and catalogue is None:
        raise ValueError("detail='full' needs the catalogue of the rule book the assessment was made with")
    findings = [_compact_finding(f).model_copy(update={"explanation": f.explanation}) if full else _compact_finding(f)
                for f in assessment.findings] if with_findings else []
    facts: dict[str, Any] = {}
    unknown: set[str] = set()
    for f in assessment.findings if with_findings else ():
        for x in f.facts_used:
            facts[x.path] = x.value
        unknown.update(m.path for m in f.missing_facts if m.state == "unknown")
    return CompactAssessment.model_construct(
        format_version=FORMAT_VERSION, disclaimer=assessment.disclaimer, metadata=assessment.metadata,
        outcome=assessment.outcome, facts=dict(sorted(facts.items())), unknown=sorted(unknown), findings=findings, evidence=assessment.evidence,
        destinations=assessment.destinations, destination_notes=assessment.destination_notes,
        catalogue=catalogue if full and catalogue is not None else CatalogueRef.model_construct(
            rulesets_hash=assessment.metadata.rulesets_hash, how=CATALOGUE_HOW),
        trace=assessment.trace if full else None,
    )


def _compact_finding(f: Any) -> CompactFinding:
    """An explained finding's compact value: the same as its decision's (:func:`compact_finding_json`)."""
    return _compact_value(f.id, f.kind, f.answer, [x.path for x in f.facts_used], f.rules_fired, f.depends_on,
                          [m.path for m in f.missing_facts], f.notes, f.conflicts, f.stay, f.adverse)


def _compact_value(id: str, kind: str, answer: str, facts_used: list[str], rules: list[str], depends_on: list[str],
                   questions: list[str], notes: list[Note], conflicts: Any, stay: StayCount | None,
                   adverse: bool) -> CompactFinding:
    return CompactFinding.model_construct(
        id=id, kind=kind, answer=answer, facts_used=facts_used, rules=rules, depends_on=depends_on,
        questions=questions, notes=notes, conflicts=[Conflict.model_construct(id=c.id, answer=c.answer) for c in conflicts],
        stay=stay, adverse=adverse, explanation=None,
    )


def compact_finding_json(d: Any) -> bytes:
    """A :class:`~refugee_rules.result.decision.Decision`'s compact JSON."""
    value = _compact_value(d.id, d.kind, d.answer, list(d.facts_used), list(d.rules_fired), list(d.depends_on),
                           list(d.questions), list(d.notes), d.conflicts, d.stay, d.adverse)
    return value.__pydantic_serializer__.to_json(value, exclude_defaults=True)


Pieces = tuple[bytes, tuple[tuple[str, bytes], ...], tuple[str, ...]]


def _pieces(f: Any) -> Pieces:
    """A finding's compact JSON, the JSON of each fact it used (for the case's ``facts``) and the paths it needs that
    were answered "unknown": written once per (memoised, shared) finding, since cases of a caseload share most."""
    private = f.__pydantic_private__  # read directly: pydantic's attribute lookup of a private attribute is slow
    written = private.get("_written")
    if written is None:
        value = _compact_finding(f)
        written = private["_written"] = (
            value.__pydantic_serializer__.to_json(value, exclude_defaults=True),
            tuple((x.path, to_json_bytes(x.value)) for x in f.facts_used),
            tuple(m.path for m in f.missing_facts if m.state == "unknown"),
        )
    return written  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    return {name: info.get_default(call_default_factory=True)
            for name, info in CompactAssessment.model_fields.items() if not info.is_required()}


@lru_cache(maxsize=None)
def _adapter(field: str) -> TypeAdapter[Any]:
    annotation = CompactAssessment.model_fields[field].annotation
    assert annotation is not None  # every field is annotated
    return TypeAdapter(annotation)


def to_json(assessment: Any, detail: str = "compact", catalogue: Catalogue | None = None,
            indent: int | None = None) -> str:
    """The assessment's JSON (format 2). Defaults are left out (an empty list, ``adverse: false``): a reader takes
    a missing field as its default, as the JSON Schema says. The compact form, unindented, is assembled from each
    finding's own bytes: byte for byte ``compact(...).model_dump_json(exclude_defaults=True)`` (tested)."""
    if detail != "compact" or indent is not None:
        return compact(assessment, detail, catalogue).model_dump_json(indent=indent, exclude_defaults=True)
    value = compact(assessment, "compact", None, with_findings=False)
    pieces = [_pieces(f) for f in assessment.findings]
    facts: dict[str, bytes] = {}
    unknown: set[str] = set()
    for _, used, asked in pieces:
        facts.update(used)
        unknown.update(asked)
    return assemble(value, [piece[0] for piece in pieces], facts, unknown).decode("utf-8")


def decided_json(value: CompactAssessment, decisions: Any, known: dict[str, Any]) -> bytes:
    """The compact JSON of a case written from its decisions and its facts, without explaining any finding: byte
    for byte what :func:`to_json` writes of the explained assessment (tested)."""
    paths: set[str] = set().union(*[d.facts_used for d in decisions])
    unknown: set[str] = set().union(*[d.unknown for d in decisions])
    facts = {path: to_json_bytes(known[path]) for path in paths}
    return assemble(value, [d.compact_json() for d in decisions], facts, unknown)


def assemble(value: CompactAssessment, findings: list[bytes], facts: dict[str, bytes], unknown: set[str]) -> bytes:
    """``value`` (without findings) as compact JSON, with the findings', facts' and unknown paths' JSON put in."""
    parts: list[bytes] = []
    defaults = _defaults()
    for name in CompactAssessment.model_fields:
        if name == "findings":
            item = b"[" + b",".join(findings) + b"]"
        elif name == "facts":
            if not facts:
                continue
            item = b"{" + b",".join(to_json_bytes(path) + b":" + facts[path] for path in sorted(facts)) + b"}"
        elif name == "unknown":
            if not unknown:
                continue
            item = to_json_bytes(sorted(unknown))
        else:
            field_value = getattr(value, name)
            if name in defaults and field_value == defaults[name]:
                continue
            item = _adapter(name).dump_json(field_value, exclude_defaults=True)
        parts.append(b'"%s":%s' % (name.encode(), item))
    return b"{" + b",".join(parts) + b"}"
