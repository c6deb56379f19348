"""From the productions that fired to explained, cited findings.

A finding's facts are the facts of every production that fired towards it, followed back through the
findings it was concluded from, so that re-assessing with only those facts gives the same status.
An undetermined finding lists the facts its rules read that the profile does not give — following
undetermined findings it depends on — and the question that would settle each.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from .assessment import Branch, Citation, FactUsed, Finding, Firing, MissingFact, Outcome, StopPointHit
from .engine.ir import Production, Program, finding_token
from .facts import FactSet, catalogue
from .rules.conditions import facts_read, findings_read
from .rules.loader import RuleBook

STALE_AFTER_DAYS = 365


def _nested(known: dict[str, Any]) -> dict[str, Any]:
    """``{"a.b": 1}`` as ``{"a": {"b": 1}}``, for explanation templates."""
    out: dict[str, Any] = {}
    for path, value in known.items():
        node = out
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


class Explainer:
    def __init__(self, book: RuleBook, program: Program, facts: FactSet, fired: frozenset[str], as_of: _dt.date,
                 stale_after_days: int = STALE_AFTER_DAYS):
        self.book, self.program, self.facts, self.as_of = book, program, facts, as_of
        self.stale_after_days = stale_after_days
        self.fired = [p for p in program.productions if p.id in fired]
        self.producers: dict[str, list[Production]] = {}
        for p in self.fired:
            self.producers.setdefault(p.produces, []).append(p)
        self.context = _nested(facts.known)
        self._support: dict[str, tuple[frozenset[str], frozenset[str]]] = {}

    # --- status and support ------------------------------------------------------------------

    def status(self, finding: str) -> str:
        met = finding_token(finding, "met") in self.producers
        not_met = finding_token(finding, "not_met") in self.producers
        if met and not_met:  # the engine guarantees this never happens; the property tests check it
            raise AssertionError(f"finding {finding} concluded both met and not met")
        return "met" if met else "not_met" if not_met else "undetermined"

    def _support_of(self, token: str) -> tuple[frozenset[str], frozenset[str]]:
        """(facts, productions) behind a token: every fired production that asserted it, recursively."""
        if token in self._support:
            return self._support[token]
        facts: set[str] = set()
        productions: set[str] = set()
        for p in self.producers.get(token, ()):
            productions.add(p.id)
            facts.update(path for t in p.tests for path in t.paths)
            for need in p.needs:
                f, ps = self._support_of(need)
                facts |= f
                productions |= ps
        result = (frozenset(facts), frozenset(productions))
        self._support[token] = result
        return result

    # --- pieces of a finding -------------------------------------------------------------------

    def _citations(self, rule_ids: list[str]) -> list[Citation]:
        out: list[Citation] = []
        seen = set()
        for rid in rule_ids:
            for c in self.book.rules[rid].cite:
                key = (c.source, c.pinpoint, c.quote)
                if key in seen:
                    continue
                seen.add(key)
                out.append(Citation(
                    source=c.source, source_title=self.book.sources[c.source].title, pinpoint=c.pinpoint,
                    quote=c.quote, confirmed=c.confirmed, note=c.note,
                ))
        return out

    def _missing(self, finding: str, seen: set[str] | None = None) -> list[str]:
        seen = seen if seen is not None else set()
        if finding in seen:
            return []
        seen.add(finding)
        paths: list[str] = []
        for rule in self.book.rules_of(finding):
            if rule.id not in self.program.active_rules:
                continue
            paths += sorted(p for p in facts_read(rule.condition) if p not in self.facts.known)
            for ref in sorted(findings_read(rule.condition)):
                if self.status(ref) == "undetermined":
                    paths += self._missing(ref, seen)
        return list(dict.fromkeys(paths))

    def _missing_facts(self, finding: str) -> list[MissingFact]:
        specs = catalogue()
        return [
            MissingFact(
                path=path, state="unknown" if path in self.facts.unknown else "not_asked",
                question=specs[path].question or specs[path].description,
                client_question=specs[path].client_question or None,
            )
            for path in self._missing(finding)
        ]

    def _explanation(self, finding: str, status: str, own_fired: list[Production], missing: list[MissingFact]) -> str:
        sentences: list[str] = []
        for p in own_fired:
            if p.rule is None:
                continue
            template = self.book.templates[(p.rule, p.side == "held")]
            text = " ".join(template.render(**self.context).split())
            if text and text not in sentences:
                sentences.append(text)
        if status == "undetermined":
            if missing:
                sentences.append("Not determined on the stated facts; still needed: "
                                 + ", ".join(m.path for m in missing) + ".")
            else:
                sentences.append("Not determined: no rule in force on the as-of date decides it.")
        return " ".join(sentences)

    def _notes(self, rule_ids: list[str], citations: list[Citation]) -> list[str]:
        notes = []
        if any(not c.confirmed and c.pinpoint for c in citations):
            notes.append("Some paragraph numbers cited here are not yet confirmed against the primary text.")
        for rid in rule_ids:
            reported = self.book.rules[rid].reported
            if reported and (self.as_of - reported).days > self.stale_after_days:
                notes.append(
                    f"Rule {rid} rests on a source of {reported.isoformat()}, more than "
                    f"{self.stale_after_days} days before the as-of date: verify the current rules."
                )
        return notes

    def finding(self, finding: str) -> Finding:
        decl = self.book.findings[finding]
        status = self.status(finding)
        if status == "undetermined":
            facts: frozenset[str] = frozenset(
                p for r in self.book.rules_of(finding) if r.id in self.program.active_rules
                for p in facts_read(r.condition) if p in self.facts.known
            )
            productions: frozenset[str] = frozenset()
            rule_ids = sorted(r.id for r in self.book.rules_of(finding) if r.id in self.program.active_rules)
            cited = rule_ids or sorted(r.id for r in self.book.rules_of(finding))
            missing = self._missing_facts(finding)
        else:
            facts, productions = self._support_of(finding_token(finding, status))
            rule_ids = sorted({p.rule for p in self.fired if p.id in productions and p.rule and p.finding == finding})
            cited = rule_ids
            missing = []
        own_fired = [p for p in self.fired if p.id in productions and p.finding == finding]
        depends = sorted({p.finding for p in self.fired if p.id in productions and p.finding != finding})
        citations = self._citations(cited)
        return Finding(
            id=finding, title=decl.title, asks=decl.asks, group=decl.group, role=decl.role, status=status,
            explanation=self._explanation(finding, status, own_fired, missing),
            facts_used=[FactUsed(path=p, value=self.facts.known[p]) for p in sorted(facts)],
            rules_fired=rule_ids, depends_on=depends, citations=citations, missing_facts=missing,
            notes=self._notes(rule_ids, citations),
            branches_not_held=self._branches(finding),
        )

    def _branches(self, finding: str) -> list[Branch]:
        """The rules of a finding whose condition did not hold, and why: failed, undecided, not in force."""
        own = self.fired_for.get(finding, ())
        held = {p.rule for p in own if p.rule and p.side == "held"}
        failed = {p.rule for p in own if p.rule and p.side == "failed"}
        out = []
        for rule in self.book.rules_of(finding):
            if rule.id in held:
                continue
            paths = sorted(facts_read(rule.condition))
            state = ("not_in_force" if rule.id not in self.program.active_rules
                     else "failed" if rule.id in failed else "undetermined")
            out.append(Branch(
                rule=rule.id, state=state,
                facts=[FactUsed(path=p, value=self.facts.known[p]) for p in paths if p in self.facts.known],
                missing=[p for p in paths if p not in self.facts.known],
            ))
        return out

    def trace(self) -> list[Firing]:
        return [
            Firing(
                production=p.id, rule=p.rule, finding=p.finding, side=p.side,
                facts=[FactUsed(path=path, value=self.facts.known[path])
                       for path in sorted({x for t in p.tests for x in t.paths})],
                concluded=p.produces,
            )
            for p in self.fired
        ]

    def _raised(self, status: str, paths: list[str]) -> bool:
        """An undetermined stop-point finding is still a stop-point once a fact that would trigger it is true."""
        return status == "undetermined" and any(self.facts.known.get(p) is True for p in paths)

    def outcome(self, findings: list[Finding]) -> Outcome:
        by_id = {f.id: f for f in findings}
        inclusion_id = self.book.inclusion
        inclusion = by_id[inclusion_id].status if inclusion_id else None
        hits = [
            StopPointHit(finding=f.id, kind=decl.stop_point.kind, status=f.status, message=decl.stop_point.message)
            for f in findings
            if (decl := self.book.findings[f.id]).stop_point and (
                f.status in decl.stop_point.when or self._raised(f.status, decl.stop_point.raised_by))
        ]
        if hits:
            status = "refer_to_counsel"
            summary = ("Stop-point: " + "; ".join(h.message for h in hits)
                       + " Refer the case to counsel before relying on any other finding.")
        elif inclusion == "met":
            status = "likely_meets"
            summary = ("On the stated facts, every element of the refugee definition in Article 1A(2) "
                       "of the 1951 Convention appears met.")
        elif inclusion == "not_met":
            status = "likely_does_not_meet"
            failed = [f.title for f in findings if f.group == by_id[inclusion_id].group and f.status == "not_met"
                      and f.id != inclusion_id]
            summary = ("On the stated facts, the refugee definition in Article 1A(2) appears not met"
                       + (f" (not met: {'; '.join(failed)})." if failed else "."))
        else:
            status = "undetermined"
            count = len(by_id[inclusion_id].missing_facts) if inclusion_id else 0
            summary = ("On the stated facts, it cannot yet be determined whether the refugee definition in "
                       f"Article 1A(2) is met; {count} open question{'s' if count != 1 else ''} would settle it.")
        return Outcome(status=status, inclusion=inclusion, summary=summary, stop_points=hits)
