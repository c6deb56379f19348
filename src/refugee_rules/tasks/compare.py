"""What changes between two assessments: two dates for one profile, or a profile and an edited copy.

``compare(profile, as_of=D1, as_of_other=D2)`` or ``compare(profile, edited, as_of=D)`` assesses both
sides and lists every finding whose status differs, with each side's rules, citations and explanation,
and why it changed: the facts that differ among those the finding's rules read, the rules that came
into or went out of force between the dates, and the findings it rests on that changed first.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from refugee_rules.result.assessment import Assessment, Finding
from refugee_rules.options import Options
from refugee_rules.views.report import Lang


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class Side(_Value):
    kind: str
    answer: str
    rules_fired: list[str]
    citations: list[str]
    explanation: str


class FactChange(_Value):
    path: str
    before: Any = None
    after: Any = None


class Reason(_Value):
    kind: str  # "fact" | "rule_in_force" | "rule_not_in_force" | "finding"
    subject: str
    before: Any = None
    after: Any = None


class FindingChange(_Value):
    id: str
    title: str
    before: Side
    after: Side
    why: list[Reason]


class Comparison(_Value):
    as_of_before: _dt.date
    as_of_after: _dt.date
    outcome_before: str
    outcome_after: str
    fact_changes: list[FactChange]
    changes: list[FindingChange]
    before: Assessment
    after: Assessment


def _side(f: Finding, L: Lang) -> Side:
    from refugee_rules.views.report import View  # noqa: F401  (citations formatted the report's way)

    return Side(kind=f.kind, answer=f.answer, rules_fired=list(f.rules_fired), citations=[L.citation(c) for c in f.citations],
                explanation=f.explanation)


def _paths(f: Finding) -> set[str]:
    out = {x.path for x in f.facts_used} | {m.path for m in f.missing_facts}
    for b in getattr(f, "branches_not_held", []) or []:
        out |= {x.path for x in b.facts} | set(b.missing)
    return out


def _not_in_force(f: Finding) -> set[str]:
    return {b.rule for b in getattr(f, "branches_not_held", []) or [] if b.state == "not_in_force"}


def fact_changes(left: Any, right: Any, d1: _dt.date, d2: _dt.date) -> list[FactChange]:
    """The facts (as of each side's date: some are counted from it) that differ between two profiles."""
    from refugee_rules.case.facts import flatten

    f1, f2 = flatten(left, d1), flatten(right, d2)
    out = []
    for path in sorted(set(f1.known) | set(f2.known) | f1.unknown | f2.unknown):
        b = f1.known.get(path, "unknown" if path in f1.unknown else None)
        c = f2.known.get(path, "unknown" if path in f2.unknown else None)
        if b != c:
            out.append(FactChange(path=path, before=b, after=c))
    return out


def finding_changes(a1: Assessment, a2: Assessment, facts: list[FactChange]) -> list[FindingChange]:
    """Every finding both assessments answer whose answer differs, in ``a1``'s order, with why it changed: the
    differing facts among those it reads, the rules that came into or went out of force, the findings it rests on
    that changed first. Shared by :func:`compare` (one profile) and ``tasks.impact`` (a caseload)."""
    return changes_between([(f.id, f.answer) for f in a1.findings], {f.id: f.answer for f in a2.findings},
                           a1.finding, a2.finding, facts)


def changes_between(answers1: list[tuple[str, str]], answers2: dict[str, str], explained1: Callable[[str], Finding],
                    explained2: Callable[[str], Finding], facts: list[FactChange]) -> list[FindingChange]:
    """:func:`finding_changes` from each side's answers, explaining only the findings whose answer changed (a
    caseload's ``impact`` decides both sides and explains a few findings, not every one)."""
    changed_facts = {c.path: c for c in facts}
    L = Lang("en")
    first = dict(answers1)
    changed_ids = {fid for fid, answer in answers1 if answers2.get(fid, answer) != answer}
    changes = []
    for fid, _ in answers1:
        if fid not in changed_ids:
            continue
        f, g = explained1(fid), explained2(fid)
        why = [Reason(kind="fact", subject=p, before=changed_facts[p].before, after=changed_facts[p].after)
               for p in sorted((_paths(f) | _paths(g)) & set(changed_facts))]
        why += [Reason(kind="rule_in_force", subject=r, before=False, after=True)
                for r in sorted(_not_in_force(f) - _not_in_force(g))]
        why += [Reason(kind="rule_not_in_force", subject=r, before=True, after=False)
                for r in sorted(_not_in_force(g) - _not_in_force(f))]
        why += [Reason(kind="finding", subject=d, before=first[d], after=answers2[d])
                for d in sorted(set(f.depends_on) | set(g.depends_on)) if d in changed_ids]
        changes.append(FindingChange(id=f.id, title=f.title, before=_side(f, L), after=_side(g, L), why=why))
    return changes


def compare(profile: Mapping[str, Any] | Any, other: Mapping[str, Any] | Any | None = None, *,
            as_of: _dt.date | str | None = None, as_of_other: _dt.date | str | None = None,
            engine: str | None = None, rulesets: tuple[str | Path, ...] | None = None,
            options: Options | None = None) -> Comparison:
    """Compare ``profile`` as of ``as_of`` with ``other`` (default: the same profile) as of ``as_of_other``
    (default: ``as_of``); ``options`` gives everything else (layers, jurisdiction, destinations ...)."""
    from refugee_rules.api import assess
    from refugee_rules.case.inputs import profile_from_mapping

    chosen = Options.given(options, engine=engine, rulesets=rulesets)
    left = profile_from_mapping(profile)
    right = profile_from_mapping(other) if other is not None else left
    d1 = Options.given(None, as_of=as_of).as_of or chosen.day()  # checked as an option is
    d2 = Options.given(None, as_of=as_of_other).as_of or d1
    a1 = assess(left, options=chosen.replace(as_of=d1))
    a2 = assess(right, options=chosen.replace(as_of=d2))
    facts = fact_changes(left, right, d1, d2)
    return Comparison(as_of_before=d1, as_of_after=d2, outcome_before=a1.outcome.status,
                      outcome_after=a2.outcome.status, fact_changes=facts, changes=finding_changes(a1, a2, facts),
                      before=a1, after=a2)


def _v(L: Lang, value: Any) -> str:
    if value is None:
        return L._("not stated")
    return L.value("", value)


def format_comparison(c: Comparison, fmt: str = "text", *, lang: str = "en") -> str:
    """text, markdown or json (json: the changes only, without the two full assessments)."""
    if fmt == "json":
        data = c.model_dump(mode="json", exclude={"before", "after"})
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    L = Lang(lang)
    _, t = L._, L.t
    from refugee_rules.views.report import OUTCOME_LABEL, View

    view = View(c.after, lang)
    kinds = {f.id: f.kind for f in c.before.findings} | {f.id: f.kind for f in c.after.findings}

    md = fmt == "markdown"
    h1, h2, item = ("# ", "## ", "- ") if md else ("", "", "  - ")
    lines = [h1 + _("Comparison: %(before)s → %(after)s") % {"before": c.as_of_before, "after": c.as_of_after}, ""]
    lines.append(_("Outcome before") + ": " + _(OUTCOME_LABEL[c.outcome_before]))
    lines.append(_("Outcome after") + ": " + _(OUTCOME_LABEL[c.outcome_after]))
    lines.append("")
    if c.fact_changes:
        lines.append(h2 + _("Facts that differ"))
        lines += [f"{item}{fc.path}: {_v(L, fc.before)} → {_v(L, fc.after)}" for fc in c.fact_changes]
        lines.append("")
    lines.append(h2 + _("Findings that changed"))
    if not c.changes:
        lines.append(_("No finding changed."))
    for ch in c.changes:
        lines.append("")
        lines.append(("### " if md else "* ") + f"{t(ch.title)}: {view.answer_label(ch.before.kind, ch.before.answer)} → "
                     f"{view.answer_label(ch.after.kind, ch.after.answer)}")
        for r in ch.why:
            if r.kind == "fact":
                text = _("fact %(path)s: %(before)s → %(after)s") % {"path": r.subject, "before": _v(L, r.before),
                                                                      "after": _v(L, r.after)}
            elif r.kind == "rule_in_force":
                text = _("rule %(rule)s comes into force") % {"rule": r.subject}
            elif r.kind == "rule_not_in_force":
                text = _("rule %(rule)s is no longer in force") % {"rule": r.subject}
            else:
                text = _("it rests on %(finding)s, which changed: %(before)s → %(after)s") % {
                    "finding": r.subject, "before": view.answer_label(kinds.get(r.subject, "element"), str(r.before)),
                    "after": view.answer_label(kinds.get(r.subject, "element"), str(r.after))}
            lines.append(item + _("Why") + ": " + text)
        rules_label = _("Rules")
        for label, side in ((_("Before"), ch.before), (_("After"), ch.after)):
            rules = ", ".join(side.rules_fired) or "—"
            lines.append(f"{item}{label}: {rules_label}: {rules}")
            lines += [f"    {'- ' if md else '· '}{cite}" for cite in side.citations]
    return "\n".join(lines) + "\n"
