"""What one case decided about one finding: everything its compact JSON says, and nothing it does not.

Deciding is cheap and done for every case: the answer from the engine's tokens, the facts and rules it rests on,
the questions left, the notes, conflicts and any stay count. Explaining (the sentences, the branches that did not
hold, the values of every fact used, the trace) is what costs, and only a report, the Python API or
``detail="full"`` asks for it. So a batch of compact JSON lines is written from decisions alone; an
:class:`~refugee_rules.result.assessment.Assessment` explains each decision. A decision is a function of the state of
the facts its finding can read (see :meth:`refugee_rules.explain.explainer.Explainer.decisions`), so the cases of a
caseload share them, and the compact JSON of each is written once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from refugee_rules.result.assessment import Answer, Citation, ConflictingFinding, Note, RuleDates, StayCount


@dataclass(frozen=True)
class Decision:
    id: str
    title: str
    group: str
    role: str
    kind: str
    answer: Answer
    adverse: bool
    destination: str | None
    regime: str | None  # the destination of its regime:XX group (None: the law)
    facts_used: tuple[str, ...]  # paths; the values are the case's
    rules_fired: tuple[str, ...]
    depends_on: tuple[str, ...]
    questions: tuple[str, ...]  # fact paths that would settle it, most direct first
    unknown: tuple[str, ...]  # those of them the client was asked and does not know
    notes: tuple[Note, ...]
    conflicts: tuple[ConflictingFinding, ...]
    dates: tuple[RuleDates, ...]
    citations: tuple[Citation, ...]
    stay: StayCount | None
    _written: list[bytes] = field(default_factory=list, compare=False, repr=False)  # its compact JSON, once

    def with_notes(self, notes: list[Note]) -> Decision:
        """The same decision with further notes (a legal or custom layer's), its JSON written afresh."""
        return replace(self, notes=(*self.notes, *notes), _written=[])

    def compact_json(self) -> bytes:
        """Its compact JSON (format 2), written on first use and shared by every case with this decision."""
        if not self._written:
            from refugee_rules.result.compact import compact_finding_json

            self._written.append(compact_finding_json(self))
        return self._written[0]

    def fields(self) -> dict[str, Any]:
        """Its fields as an explained :class:`~refugee_rules.result.assessment.Finding` names them."""
        return {"id": self.id, "title": self.title, "group": self.group, "role": self.role, "kind": self.kind,
                "answer": self.answer, "adverse": self.adverse, "destination": self.destination,
                "rules_fired": list(self.rules_fired), "depends_on": list(self.depends_on),
                "notes": list(self.notes), "conflicts": list(self.conflicts), "dates": list(self.dates),
                "citations": list(self.citations), "stay": self.stay}
