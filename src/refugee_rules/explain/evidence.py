"""Country-of-origin evidence: which dated, cited items an assessment relied on, and what the EU layer changed.

Evidence items live in ``rulesets/country-evidence/<CC>.yaml`` as ordinary findings of group
``country_evidence``: each is ``met`` only when the caseworker accepted the item for this case
(``country_evidence.<item>: accepted``), ``not_met`` when they rejected it, and undetermined when they did
not review it. So an item is never hard-coded truth: a rule that relies on it reads the worker's decision,
an unreviewed item supports nothing, and every item that a definite finding rests on is listed here with
its source and verbatim quote.
"""

from __future__ import annotations

from collections.abc import Sequence

from refugee_rules.result.assessment import EvidenceUsed, Note
from refugee_rules.result.decision import Decision

EVIDENCE_GROUP = "country_evidence"


def evidence_relied_on(findings: Sequence[Decision]) -> list[EvidenceUsed]:
    """Each definite evidence finding that some other definite finding was concluded from."""
    by_id = {f.id: f for f in findings}
    items = [f for f in findings if f.group == EVIDENCE_GROUP and f.answer in ("met", "not_met")]
    if not items:
        return []
    supporters: dict[str, set[str]] = {f.id: set() for f in items}
    for f in findings:  # depends_on is every finding in the support of a definite finding, followed back
        if f.group == EVIDENCE_GROUP or f.answer not in ("met", "not_met"):
            continue
        for other in f.depends_on:
            if other in supporters:
                supporters[other].add(f.id)
    return [
        EvidenceUsed(
            id=item.id, title=item.title, decision="accepted" if item.answer == "met" else "rejected",
            citations=list(item.citations), relied_on_by=sorted(supporters[item.id]), notes=list(item.notes),
        )
        for item in items
        if supporters[item.id] and by_id[item.id]
    ]


def layer_notes(base: Sequence[Decision], layered: Sequence[Decision], jurisdiction: str) -> dict[str, Note]:
    """For each finding whose status the optional layer changed: a note saying from what, to what, and by which rules."""
    before = {f.id: f for f in base}
    notes: dict[str, Note] = {}
    for f in layered:
        old = before.get(f.id)
        if old is None or old.answer == f.answer:
            continue
        new_rules = sorted(set(f.rules_fired) - set(old.rules_fired))
        cited = sorted({f"{c.source_title}, {c.pinpoint}" if c.pinpoint else c.source_title
                        for c in f.citations if c.source not in {x.source for x in old.citations}})
        notes[f.id] = Note(code="jurisdiction_changed", layer=jurisdiction, before=old.answer, after=f.answer,
                           rules=new_rules, sources=cited)
    return notes
