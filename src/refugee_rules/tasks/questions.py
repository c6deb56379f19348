"""The questions to ask next, in the order a caseworker asks them, and only those whose answer could still
change an answer shown.

The report, ``refugee-rules questions``, the interview and the service all take this one ranking
(:func:`ranked`), so a client is asked the same thing next wherever they are met.

*Which* questions. A finding's ``missing_facts`` name every unknown fact its rules read; many of them can no
longer matter: the rule they sit in has already failed on another fact (a draft evader's "did you desert?"
once desertion's route is closed), or the finding they feed is already settled (a gay man's military
questions once persecution appears met on the stated facts). So the rules are read against what is known:
a rule's condition, split into its alternatives (the engine's own disjunctive form), keeps an alternative
only while none of its tests has failed and every finding it needs can still be reached; the unknown facts
of the alternatives left, followed through the undetermined findings they need, are the facts whose answer
could still change that finding. A question is asked when it could change an answer *shown*: the
refugee-definition checklist, the exclusion and cessation clauses, the regimes (an element that only feeds
another group's element, like the military-service route into "being persecuted", is shown there). Unknown
is not false: a fact the client did not know leaves its alternatives open (it is still listed, never asked
again by the interview, and what depends on it ranks last).

*In which order*. First the refugee definition and the stop-points, in the order of an interview (where the
person is, their fear, then their story: what happened, why, by whom, with the worker's country evidence;
then exclusion and cessation), then where the person is now, then the destinations of interest. Within one
step, by how much an answer would settle: an alternative with *k* open facts or findings gives each a share
of 1/*k* of settling its finding (one open fact: its answer can settle it outright), shared on through the findings it
needs; a fact's weight is the sum of its best shares over the answers shown in its group, and, in the
refugee definition's group, its share in the outcome (what the inclusion finding and the Article 1F screenings
it requires read). Ties keep the story's order, then the path order, so the list is deterministic.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from refugee_rules.case.facts import derived_inputs, encode, fact_specs
from refugee_rules.engine.compiled import holds
from refugee_rules.engine.ir import Test, dnf
from refugee_rules.law.conditions import NEGATION
from refugee_rules.law.kinds import KINDS
from refugee_rules.options import Options
from refugee_rules.result.assessment import Assessment, Finding, MissingFact

Group = Literal["convention", "here", "destinations"]
GROUPS: tuple[Group, ...] = ("convention", "here", "destinations")

STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("where", ("location", "nationalities", "other_nationalities", "former_habitual_residence", "travel")),
    ("fear", ("fear.fears_return", "fear.harm_likely")),
    ("what happened", ("legal_cases", "penalties_faced", "designations", "fear.feared_harms",
                       "fear.cumulative_measures_serious", "political_activity", "military", "identity")),
    ("why", ("fear.reasons_attributed",)),
    ("who", ("fear.agents", "fear.state_protection_available", "internal_flight")),
    ("evidence", ("country_evidence",)),
    ("stop-points", ("exclusion", "security", "cessation", "return_visits")),
)
"""The caseworker's order within the refugee definition, by the fact a question fills (a name covers the
fact of that name and every fact under it). A fact named nowhere comes after them all."""
STEPS = (0, 1, 2, 2, 2, 2, 3, 4)
"""The stages asked strictly in turn: where, fear, then the story (what happened, why, by whom, and the
worker's country evidence) by how much each answer would settle, then the stop-points, then the rest; a fact
that only screens a clause (a unit's war crimes, for Article 1F) is asked with the stop-points. Measured with
``make bench`` (questions over the examples until each outcome is settled): 879 before this ranking; 645 when
the story's parts were also asked strictly in turn, 500 with them ranked together, 432 once the outcome counts
as an answer shown."""


def stage(path: str) -> int:
    for i, (_name, names) in enumerate(STAGES):
        if any(path == n or path.startswith(n + ".") for n in names):
            return i
    return len(STAGES)


class Question(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    path: str
    """The fact path the answer fills (a dotted path of the case profile)."""
    question: str
    client_question: str | None
    state: Literal["not_asked", "unknown"]
    settles: list[str]
    """The undetermined findings this answer could still change."""
    group: Group = Field(default="convention", description="convention: the refugee definition and stop-points; "
                         "here: where the person is now; destinations: the destinations of interest.")


# --- reading an assessment against its rules ----------------------------------------------------------

Alternative = tuple[tuple[tuple[Test, Test], ...], tuple[str, ...]]
_DONE = "done"


def _feeding(book: Any) -> frozenset[str]:
    """Findings that another group's answer is concluded from (shown there, not on their own)."""
    found = book.derived.get("questions.feeding")
    if found is None:
        found = book.derived["questions.feeding"] = _feeding_of(book)
    return frozenset(found)


def _feeding_of(book: Any) -> frozenset[str]:
    out = set()
    for rule in book.rules.values():
        reader = book.findings.get(rule.concludes.finding)
        if reader is None or reader.role == "intermediate":
            continue
        for g in book.findings_read(rule.id):
            decl = book.findings.get(g)
            if decl is not None and decl.group != reader.group:
                out.add(g)
    return frozenset(out)


def shown(book: Any, f: Finding) -> bool:
    """Whether a finding is an answer a report shows on its own (not an intermediate step, and not only fed into
    another group's element)."""
    return f.role != "intermediate" and f.id not in _feeding(book)


class _Reading:
    """One assessment read against its rules: for each undetermined finding, the unknown facts that could still
    change it, each with its share (how much its answer would settle the finding)."""

    def __init__(self, a: Assessment, book: Any):
        self.book = book
        self.findings = {f.id: f for f in a.findings}
        self.side = {f.id: KINDS[f.kind].side_of_answer(f.answer) for f in a.findings}
        specs = fact_specs()
        self.known: dict[str, Any] = {}
        for f in a.findings:  # an undetermined finding lists every known fact its rules read
            for used in f.facts_used:
                if used.path in specs and used.path not in self.known:
                    self.known[used.path] = encode(specs[used.path], used.value)
        self.unknown = {m.path for f in a.findings for m in f.missing_facts if m.state == "unknown"}
        self._open: dict[str, dict[str, float]] = {}
        self._dnf: dict[tuple[str, bool], list[Alternative]] = book.derived.setdefault("questions.alternatives", {})

    def alternatives(self, rule_id: str, side: bool) -> list[Alternative]:
        """The alternatives under which a rule's condition holds (or fails), each test with its negation."""
        found = self._dnf.get((rule_id, side))
        if found is None:
            found = self._dnf[(rule_id, side)] = [
                (tuple((t, Test(t.path, NEGATION[t.op], t.value, t.ref)) for t in tests), needs)
                for tests, needs in dnf(self.book.rules[rule_id].condition, side)]
        return found

    def open(self, fid: str) -> dict[str, float]:
        """The facts that could still change this finding, with their shares; empty once it is settled."""
        found = self._open.get(fid)
        if found is not None:
            return found
        self._open[fid] = {}  # the loader rejects cycles; this only guards a malformed book
        f = self.findings.get(fid)
        out: dict[str, float] = {}
        if f is not None and self.side[fid] == "undetermined":
            active = set(f.rules_fired)  # an undetermined finding names every rule of it in force
            rules = [r for r in self.book.rules_of(fid) if r.id in active]
            bases = {r.id for r in rules if r.exception_to is None}
            two_sided = bool(bases) and all(r.otherwise == "opposite" for r in rules if r.exception_to is None)
            for rule in rules:
                sides = {s: [self._alternative(t, n) for t, n in self.alternatives(rule.id, s)]
                         for s in (True, False)}
                if _DONE in sides[True] or _DONE in sides[False]:
                    continue  # its condition is already decided: nothing in it can change
                if rule.exception_to is None:
                    wanted = (True, False) if two_sided else (True,)
                else:
                    wanted = (True, False) if rule.exception_to in bases else (True,)
                for s in wanted:
                    alive = [alt for alt in sides[s] if isinstance(alt, tuple)]
                    for alt in alive:  # an alternative that needs all another needs, and more, adds nothing
                        if not any(other[3] < alt[3] for other in alive):
                            self._add(out, alt[0], alt[1], alt[2])
        elif f is not None:  # settled, and still missing something it counts with (a stay's days left)
            out = {m.path: 1.0 for m in f.missing_facts}
        self._open[fid] = out
        return out

    def _add(self, out: dict[str, float], facts: set[str], needs: list[str], blocked: bool) -> None:
        share = 0.0 if blocked else 1.0 / max(1, len(facts) + len(needs))
        for x in facts:
            out[x] = max(out.get(x, 0.0), share)
        for g in needs:
            for x, v in self.open(g).items():
                out[x] = max(out.get(x, 0.0), share * v)

    def _alternative(self, tests: tuple[tuple[Test, Test], ...], needs: tuple[str, ...]) -> Any:
        """``_DONE`` when it holds already, None when it can no longer hold, else (its unknown facts, the
        undetermined findings it needs, whether it waits on a fact the client did not know, what is left of it)."""
        facts: set[str] = set()
        residual: set[Any] = set()
        blocked = False
        for t, negation in tests:
            if holds(t, self.known):
                continue
            if holds(negation, self.known):
                return None
            residual.add(t)
            missing = {q for p in t.paths if p not in self.known for q in derived_inputs(p) if q not in self.known}
            if not missing:  # a record known in part: no one question settles it
                blocked = True
            blocked = blocked or bool(missing & self.unknown)
            facts |= missing
        waiting = []
        for token in needs:
            _kind, g, side = token.split(":", 2)
            now = self.side.get(g, "undetermined")
            if now == side:
                continue
            if now != "undetermined" or not self.open(g):
                return None
            waiting.append(g)
            residual.add(token)
        if not residual:
            return _DONE
        return facts, waiting, blocked, frozenset(residual)


def ranked(a: Assessment) -> list[tuple[MissingFact, list[str], Group]]:
    """Each question once, with the undetermined findings it could change and its group, in the caseworker's
    order (see the module's docstring)."""
    first: dict[str, MissingFact] = {}
    for f in a.findings:
        for m in f.missing_facts:
            first.setdefault(m.path, m)
    book = a.rule_book
    if book is None:  # read back from JSON without its rules: every missing fact, by how many findings it bears on
        bearing: dict[str, list[str]] = {}
        for f in a.findings:
            for m in f.missing_facts:
                bearing.setdefault(m.path, []).append(f.id)
        order = sorted(bearing, key=lambda p: (stage(p), -len(bearing[p]), p))
        return [(first[p], bearing[p], "convention") for p in order]
    reading = _Reading(a, book)
    here = {d.code for d in a.destinations if d.here}
    group_of: dict[str, int] = {}
    score: dict[tuple[str, int], float] = {}
    story: set[str] = set()  # facts that bear on an element, not only on an exclusion or cessation clause
    outcome: dict[str, float] = {}  # the outcome is an answer shown too: what the inclusion and required screenings read
    for f in a.findings:
        if not shown(book, f):
            continue
        g = 0 if not f.group.startswith("regime:") else 1 if f.destination in here else 2
        decl = book.findings.get(f.id)
        decides = decl is not None and (decl.role == "inclusion" or decl.required_screening)
        for x, share in reading.open(f.id).items():
            if x in first:
                group_of[x] = min(group_of.get(x, g), g)
                score[(x, g)] = score.get((x, g), 0.0) + share
                if g == 0 and f.kind != "clause":
                    story.add(x)
                if decides:
                    outcome[x] = max(outcome.get(x, 0.0), share)
    settles: dict[str, list[str]] = {x: [] for x in group_of}
    for f in a.findings:
        for x in reading.open(f.id):
            if x in settles:
                settles[x].append(f.id)
    stop_points = STEPS[[name for name, _names in STAGES].index("stop-points")]

    def key(x: str) -> tuple[int, int, float, int, str]:
        g = group_of[x]
        if g != 0:
            return g, 0, -round(score[(x, g)], 9), stage(x), x
        step = STEPS[stage(x)] if x in story else max(STEPS[stage(x)], stop_points)
        return g, step, -round(score[(x, g)] + outcome.get(x, 0.0), 9), stage(x), x

    return [(first[x], settles[x], GROUPS[group_of[x]]) for x in sorted(group_of, key=key)]


def questions(profile_or_assessment: Assessment | Mapping[str, Any] | Any, *, as_of: _dt.date | str | None = None,
              lang: str = "en", engine: str | None = None,
              rulesets: tuple[str | Path, ...] | None = None, options: Options | None = None) -> list[Question]:
    """The open questions of a profile (assessed as of ``as_of``, or with ``options``) or of an assessment made."""
    from refugee_rules.views.report import Lang

    chosen = Options.given(options, as_of=as_of, engine=engine, rulesets=rulesets, lang=lang)
    Lang(chosen.lang)  # an unknown language is an error before anything is assessed
    if isinstance(profile_or_assessment, Assessment):
        a = profile_or_assessment
    else:
        from refugee_rules.api import assess

        a = assess(profile_or_assessment, options=chosen)
    return as_questions(ranked(a), chosen.lang)


def as_questions(ranking: list[tuple[MissingFact, list[str], Group]], lang: str) -> list[Question]:
    """A ranking (:func:`ranked`) as numbered questions in ``lang``."""
    from refugee_rules.views.report import Lang

    L = Lang(lang)
    return [
        Question(rank=i, path=m.path, question=L.t(m.question),
                 client_question=L.t(m.client_question) if m.client_question else None,
                 state=m.state, settles=ids, group=group)
        for i, (m, ids, group) in enumerate(ranking, start=1)
    ]


def format_questions(found: list[Question], fmt: str = "text", *, lang: str = "en") -> str:
    from refugee_rules.views.report import Lang

    if fmt == "json":
        return json.dumps([q.model_dump() for q in found], indent=2, ensure_ascii=False) + "\n"
    _ = Lang(lang)._
    if not found:
        return _("No open questions: every finding is settled on the stated facts.") + "\n"
    lines = []
    asked, ask, settle = _("asked: the client did not know"), _("Ask the client"), _("could settle")
    headings = {"convention": _("The refugee definition and stop-points"), "here": _("Where the person is now"),
                "destinations": _("The destinations of interest")}
    group = None
    for q in found:
        if q.group != group:
            group = q.group
            lines.append(f"{headings[group]}:")
        lines.append(f"{q.rank}. {q.question}" + (f" ({asked})" if q.state == "unknown" else ""))
        if q.client_question:
            lines.append(f"   {ask}: {q.client_question}")
        lines.append(f"   [{q.path}; {settle}: {', '.join(q.settles)}]")
    return "\n".join(lines) + "\n"
