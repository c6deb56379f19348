"""The kinds of question a finding answers, and the words each kind answers in.

The engine decides every finding two-valued (a rule's condition held or failed; Kleene logic over unknown
facts), so internally a finding has a positive side, a negative side, or neither. What those sides *mean*
depends on the question: "met" is right for a legal element, wrong for an entry ban (where it read as good
news) and wrong for a risk (where "not met" read as "no risk"). So each finding declares its ``kind`` in its
ruleset, its rules conclude in that kind's words (``concludes: {finding: ..., answer: refused}``), and the
result speaks those words. The sides stay an engine detail.

``tone`` says how a view may show an answer: ``good`` (the only answers a view may colour as good news),
``warning`` (a ban, a raised clause, a flagged risk, a stay exceeded: shown as the warning it is),
``caution`` (a hurdle or a doubt), ``neutral``, ``open``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

KindName = Literal["element", "clause", "entry", "stay", "residence", "visa", "risk", "claim", "report"]
Side = Literal["met", "not_met"]
Tone = Literal["good", "warning", "caution", "neutral", "open"]


@dataclass(frozen=True)
class Kind:
    name: str
    question: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]
    open: str
    derived: tuple[str, ...] = ()
    """Answers computed from the person's own facts on top of a side (a stay ``exceeded``, a route's
    ``conditions_not_shown``), never concluded by a rule."""
    tones: tuple[tuple[str, Tone], ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return self.positive + self.negative + (self.open,) + self.derived

    @property
    def concludable(self) -> tuple[str, ...]:
        return self.positive + self.negative

    def side_of(self, answer: str) -> Side:
        if answer in self.positive:
            return "met"
        if answer in self.negative:
            return "not_met"
        raise KeyError(answer)

    def side_of_answer(self, answer: str) -> str:
        """The engine side an answer shows: met, not_met or undetermined (a derived answer keeps its side)."""
        if answer in self.positive or answer in DERIVED_SIDE.get(self.name, {}).get("met", ()):
            return "met"
        if answer in self.negative:
            return "not_met"
        return "undetermined"

    def tone(self, answer: str) -> Tone:
        return dict(self.tones).get(answer, "open" if answer == self.open else "neutral")


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("element", "a legal element or condition", ("met",), ("not_met",), "undetermined",
         tones=(("met", "good"),)),
    Kind("clause", "an exclusion or cessation clause", ("applies",), ("does_not_apply",), "not_screened",
         tones=(("applies", "warning"),)),
    Kind("entry", "may this person enter, with these documents", ("allowed",), ("refused", "visa_required"),
         "undetermined", tones=(("allowed", "good"), ("refused", "warning"), ("visa_required", "caution"))),
    Kind("stay", "how long may this person stay", ("allowed",), ("not_allowed",), "undetermined",
         derived=("exceeded",), tones=(("allowed", "good"), ("not_allowed", "caution"), ("exceeded", "warning"))),
    Kind("residence", "is this residence route open to this person", ("open",), ("closed",), "undetermined",
         derived=("conditions_not_shown",), tones=(("open", "good"), ("closed", "caution"),
                                                    ("conditions_not_shown", "open"))),
    Kind("visa", "does this country issue this visa to this person", ("issued",), ("not_issued",), "undetermined",
         tones=(("issued", "good"), ("not_issued", "caution"))),
    Kind("risk", "is a protection risk reported for this person", ("flagged",), ("not_reported",), "undetermined",
         tones=(("flagged", "warning"),)),
    Kind("claim", "a reported claim that the source itself doubts", ("claimed",), ("not_claimed",), "undetermined",
         tones=(("claimed", "caution"),)),
    Kind("report", "a reported statement, policy or figure", ("reported",), ("not_reported",), "undetermined"),
)}

DERIVED_SIDE = {"stay": {"met": ("exceeded",)}}
"""A stay ``exceeded`` is the positive side (the regime allows a stay) counted against the person's dates."""

ALL_WORDS: frozenset[str] = frozenset(w for k in KINDS.values() for w in k.words)


def opposite(kind: Kind, answer: str) -> str | None:
    """The answer a two-sided rule concludes when its condition fails; None where the kind has no single one."""
    words = kind.negative if answer in kind.positive else kind.positive
    return words[0] if len(words) == 1 else None
