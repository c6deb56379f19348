"""The assessment told element by element, for trainers: ``refugee-rules walkthrough PROFILE``.

The steps follow the order a decision-maker reasons in: the elements of Article 1A(2) (each with the
intermediate findings it rests on), the military-service claim, the cessation and exclusion stop-points,
then the destinations, briefly. Every step shows the question the law asks, the facts of this case that answer
it, the rules that decided it with their citations, and the result. Nothing here decides anything: it is a view
of one :class:`~refugee_rules.result.assessment.Assessment`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from refugee_rules.result.assessment import Assessment, Finding
from refugee_rules.views.report import View
from refugee_rules.views.i18n import N_

SECTIONS = (
    ("article_1a2", N_("Article 1A(2): the elements of the refugee definition")),
    ("military_service", N_("Military service")),
    ("stop_points", N_("Stop-points: cessation and exclusion")),
    ("destinations", N_("Destinations")),
)
STOP_GROUPS = ("cessation", "exclusion", "consequences")
MAX_QUESTIONS = 3
MAX_DESTINATIONS = 8


@dataclass
class Step:
    section: str
    finding: Finding | None
    lines: list[str] = field(default_factory=list)


def steps(a: Assessment, lang: str = "en") -> list[Step]:
    """The walkthrough of one assessment, in order."""
    v = View(a, lang)
    by_id = {f.id: f for f in a.findings}
    out: list[Step] = []
    elements = [f for f in a.findings if f.group == "article_1a2" and f.role in ("element", "inclusion")]
    elements.sort(key=lambda f: f.role == "inclusion")  # the definition as a whole comes last
    out += [Step("article_1a2", f, _finding_lines(v, f, by_id)) for f in elements]
    military = [f for f in a.findings if f.group == "military_service" and f.role == "element"]
    out += [Step("military_service", f, _finding_lines(v, f, by_id)) for f in military]
    stops = [f for f in a.findings if f.group in STOP_GROUPS and f.role == "element"]
    stops += [f for f in a.findings if f.group == "consequences"]
    out += [Step("stop_points", f, _finding_lines(v, f, by_id, brief=not v.decided(f))) for f in stops]
    if a.destinations:
        out.append(Step("destinations", None, _destination_lines(v, a)))
    return out


def _finding_lines(v: View, f: Finding, by_id: dict[str, Finding], brief: bool = False) -> list[str]:
    _ = v.L._
    L_the_law_asks, L_the_facts_of_this_case, L_rests_on = _("The law asks"), _("The facts of this case"), _("Rests on")
    L_rules, L_citations, L_result = _("Rules"), _("Citations"), _("Result")
    L_none_of_them_bears_on_it_yet, L_to_settle_it_ask = _("none of them bears on it yet"), _("To settle it, ask")
    lines = [f"{v.title(f)}  [{f.id}]", f"  {L_the_law_asks}: {v.asks(f)}"]
    facts = v.facts(f)
    if facts:
        lines.append(f"  {L_the_facts_of_this_case}:")
        lines += [f"    - {path} = {value}" for path, value in facts]
    else:
        lines.append(f"  {L_the_facts_of_this_case}: {L_none_of_them_bears_on_it_yet}")
    parts = [by_id[d] for d in f.depends_on if d in by_id]
    if parts and not brief:
        lines.append(f"  {L_rests_on}:")
        lines += [f"    - {v.title(d)}: {v.answer(d)}" for d in parts]
    if f.rules_fired:
        lines.append(f"  {L_rules}: {', '.join(f.rules_fired)}")
    if f.citations and not brief:
        lines.append(f"  {L_citations}:")
        lines += [f"    - {v.L.citation(c)}" for c in f.citations]
    lines.append(f"  {L_result}: {v.answer(f)}. {v.explanation(f)}")
    if not v.decided(f) and f.missing_facts:
        lines.append(f"  {L_to_settle_it_ask}:")
        lines += [f"    - {v.question(m)} [{m.path}]" for m in f.missing_facts[:MAX_QUESTIONS]]
        if len(f.missing_facts) > MAX_QUESTIONS:
            lines.append("    - " + _("and %(count)d more") % {"count": len(f.missing_facts) - MAX_QUESTIONS})
    return lines


def _destination_lines(v: View, a: Assessment) -> list[str]:
    _ = v.L._
    L_risks_flagged, L_entry = _("risks flagged"), _("entry")
    covered = [d for d in a.destinations if d.covered][:MAX_DESTINATIONS]
    lines = [_("Destinations, most realistic first (entry: does a reported route fit the documents held?)")]
    for d in covered:
        entry = v.answer_label("entry", d.entry) if d.entry else _("no entry rule")
        risks = f"; {L_risks_flagged}: {', '.join(d.risks_flagged)}" if d.risks_flagged else ""
        lines.append(f"  {d.rank}. {v.L.country(d.code)}: {L_entry} {entry}{risks}")
    rest = len([d for d in a.destinations if d.covered]) - len(covered)
    if rest > 0:
        lines.append("  " + _("and %(count)d more") % {"count": rest})
    return lines


def render(a: Assessment, lang: str = "en") -> Iterator[str]:
    """The walkthrough as blocks of text: a header, one block per step, and the outcome."""
    v = View(a, lang)
    _ = v.L._
    all_steps = steps(a, lang)
    titles = dict(SECTIONS)
    L_walkthrough, L_as_of, L_outcome = _("Walkthrough"), _("as of"), _("Outcome")
    yield (f"{L_walkthrough} — {L_as_of} {a.metadata.as_of.isoformat()}\n"
           f"{v.disclaimer()}\n")
    section = None
    for n, step in enumerate(all_steps, start=1):
        head = ""
        if step.section != section:
            section = step.section
            head = f"== {_(titles[section])} ==\n"
        label = _("Step %(n)d of %(total)d") % {"n": n, "total": len(all_steps)}
        yield head + f"{label}: " + "\n".join(step.lines) + "\n"
    yield f"== {L_outcome} ==\n{v.outcome_label()}\n{v.outcome_summary()}\n"


def run(a: Assessment, lang: str, write: Callable[[str], object], pause: Callable[[], bool] | None = None) -> None:
    """Write the walkthrough; with ``pause``, call it between steps and stop when it returns False."""
    _ = View(a, lang).L._
    blocks = list(render(a, lang))
    for i, block in enumerate(blocks):
        write(block + "\n")
        if pause is not None and 0 < i < len(blocks) - 1:
            write(_("[Enter: next step]") + " ")
            if not pause():
                write("\n")
                return
