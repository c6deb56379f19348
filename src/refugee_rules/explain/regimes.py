"""Destinations: which countries an assessment answers for, in which order, and what is not covered.

Regime rulesets (``rulesets/regimes/<ISO>.yaml``) carry a ``regime:`` block naming their destination and
whether the sources say anything encodable about it. An assessment answers for where the person is now and the
profile's ``destinations`` of interest; every covered country only when asked (``destinations="all"``). A
client who asked about two countries is not handed twenty-seven. A country the sources do not cover gets an
explicit "not covered by the sources" entry, never a guess.

Each destination's summary speaks its findings' words: entry ``allowed`` only on an uncontested reported
route that fits the documents held (a claim the source doubts is no route), ``refused`` where a reported rule
refuses this person, ``visa_required``, or ``undetermined``; the stay counted from the person's own dates where
they are; the risks flagged. Realistic options come first: allowed, then undetermined, then a visa, then
refused; fewer flagged risks first within each.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from typing import Literal

from refugee_rules.result.assessment import DestinationSummary, RedFlag, ScopeNote
from refugee_rules.result.decision import Decision
from refugee_rules.explain.explainer import STAY_ENDING_DAYS
from refugee_rules.law.loader import RuleBook
from refugee_rules.law.templates import country_name

ORIGIN = "RU"  # the Russian side: documents and exit, always shown
REGION = "EU"  # the EU as a whole: shown with any member state
EU_MEMBERS = frozenset({"FI", "EE", "LV", "LT", "PL", "DE", "FR", "BE", "CZ", "NL", "GR", "BG"})
_ENTRY_ORDER = {"allowed": 0, "undetermined": 1, "visa_required": 2, "refused": 3}

Scope = Sequence[str] | Literal["all"] | None


def covered(book: RuleBook) -> list[str]:
    """The destinations a regime file covers (kept on the book: asked for every case)."""
    found = book.__dict__.get("_covered")
    if found is None:
        found = book.__dict__["_covered"] = tuple(
            sorted(code for code, m in book.regimes.items() if m.covered and code not in (ORIGIN, REGION)))
    return list(found)


def routes(book: RuleBook) -> frozenset[str]:
    """The document-route entry findings of the rule book (their ``refused`` is a route closed, not a refusal)."""
    found = book.__dict__.get("_routes")
    if found is None:
        found = book.__dict__["_routes"] = frozenset(
            fid for fid, d in book.findings.items() if d.kind == "entry" and d.question in ROUTE_QUESTIONS)
    return found


DATASET_QUESTION = "entry.passport_index"
"""The question of the Passport Index dataset's finding of each destination (rulesets/passport-index/entry.yaml)."""
ROUTE_QUESTIONS = frozenset({"entry.internal_passport", "entry.travel_passport"})
"""Document routes: an entry finding answering whether one document opens entry. Its ``refused`` says only that
this route does not apply to the documents held, not that the person is refused entry."""


def entry_answer(items: Sequence[Decision], routes: frozenset[str] = frozenset()) -> str:
    """allowed if an uncontested reported entry route fits; else refused, visa_required or undetermined.

    ``routes`` are the ids of document-route findings (see :data:`ROUTE_QUESTIONS`). A closed route is not a
    refusal: the summary reads ``refused`` from closed routes only when every route of the destination is closed on
    the stated facts; while one is undetermined (a document fact not stated or unknown) it stays undetermined.
    A refusal of a rule that names this person (a ban) or a visa requirement decides on its own."""
    entry = [f for f in items if f.kind == "entry"]
    contested = {f.id for f in entry if f.answer == "allowed"
                 and any(c.kind == "entry" and c.answer in ("refused", "visa_required") for c in f.conflicts)}
    if any(f.answer == "allowed" and f.id not in contested for f in entry):
        return "allowed"
    decided = [f for f in entry if f.id not in routes]
    for word in ("refused", "visa_required"):
        if any(f.answer == word for f in decided):
            return word
    route = [f for f in entry if f.id in routes]
    if route and all(f.answer == "refused" for f in route):
        return "refused"
    return "undetermined"


def _stale(items: Sequence[Decision], as_of: _dt.date, stale_after_days: int) -> int | None:
    """The age in days of the oldest source behind a decided finding, if older than the threshold."""
    ages = [(as_of - d.reported).days for f in items for d in f.dates
            if d.reported and f.answer not in ("undetermined", "not_screened")]
    oldest = max(ages, default=0)
    return oldest if oldest > stale_after_days else None


DATASET_ONLY = ("From the Passport Index dataset alone: the source articles encode nothing for this country, so there "
                "is no document-type, ban or risk information.")


def _summary(entry: str, risks: list[Decision], conflicts: list[str], stale: bool, dataset_only: bool = False) -> str:
    parts = [DATASET_ONLY] if dataset_only else []
    parts += [{
        "allowed": "Entry: allowed on a reported route that fits the documents held.",
        "refused": "Entry: refused by a reported rule on the documents held.",
        "visa_required": "Entry: a visa is required.",
        "undetermined": "Entry: not decided by the sources on the stated facts.",
    }[entry]]
    if risks:
        parts.append(f"{len(risks)} protection risk{'s' if len(risks) != 1 else ''} flagged.")
    if conflicts:
        parts.append("The sources conflict on some points; both sides are shown.")
    if stale:
        parts.append("Some rules rest on sources more than the staleness threshold old: verify the current rules.")
    return " ".join(parts)


def selected(scope: Scope, wanted: Sequence[str] | None, here: str | None) -> list[str] | None:
    """The destinations to answer for, in the order asked (None: every covered one)."""
    if scope == "all":
        return None
    codes = list(scope) if scope is not None else list(wanted or [])
    if here and here != ORIGIN:
        codes.insert(0, here)
    return list(dict.fromkeys(codes))


def answered(book: RuleBook, scope: Scope, wanted: Sequence[str] | None, here: str | None) -> list[str]:
    """The findings to explain: the law, the Russian side, and the regimes of the destinations in scope (with the
    EU as a whole beside any member state), in declaration order. Nothing else is explained, so nothing is paid for."""
    codes = selected(scope, wanted, here)
    if codes is None:  # every covered destination (a regime file); the dataset alone answers only when asked
        codes = list(book.regimes)
    keep = set(codes) | {ORIGIN} | ({REGION} if EU_MEMBERS & set(codes) or scope == "all" else set())
    out = []
    for fid, decl in book.findings.items():
        code = decl.regime
        if code is None or code in keep:
            out.append(fid)
    return out


def arrange(
    book: RuleBook, findings: list[Decision], scope: Scope, wanted: Sequence[str] | None, here: str | None,
    as_of: _dt.date, stale_after_days: int,
) -> tuple[list[Decision], list[DestinationSummary], list[ScopeNote], list[RedFlag]]:
    """(findings in report order, destination summaries most realistic first, notes, red flags).

    Findings about destinations out of scope are left out of the result; the law, the Russian side (documents
    and exit) and, with any EU member state, the EU as a whole are always kept."""
    by_dest: dict[str, list[Decision]] = {}
    law: list[Decision] = []
    for f in findings:
        code = f.regime
        (law if code is None else by_dest.setdefault(code, [])).append(f)
    have_rules = covered(book)
    codes = selected(scope, wanted, here)
    notes: list[ScopeNote] = []
    if codes is None:
        codes = have_rules
    elif not codes:
        notes.append(ScopeNote(code="nothing_in_scope"))
    elif scope is None and not wanted:
        notes.append(ScopeNote(code="here_only", country=codes[0]))
    rows: list[tuple[tuple[int, int, int, str], DestinationSummary]] = []
    uncovered: list[DestinationSummary] = []
    flags: list[RedFlag] = []
    for code in codes:
        items = by_dest.get(code, [])
        meta = book.regimes.get(code)
        if not items:
            if meta is None:
                notes.append(ScopeNote(code="not_covered", country=code, covered=list(have_rules)))
            else:
                uncovered.append(DestinationSummary(
                    code=code, name=meta.name, covered=False, entry="undetermined", here=code == here,
                    summary=f"{meta.note or 'Not covered by the sources.'} Covered destinations: {', '.join(have_rules)}.",
                ))
            continue
        entry = entry_answer(items, routes(book))
        risks = [f for f in items if f.kind == "risk" and f.answer == "flagged"]
        stay = next((f.stay for f in items if f.stay is not None), None)
        conflicts = sorted({f.id for f in items if f.conflicts})
        stale = _stale(items, as_of, stale_after_days)
        is_here = code == here
        if is_here:
            flags += [RedFlag(code="risk_here", finding=f.id, destination=code) for f in risks]
            stay_finding = next((f.id for f in items if f.stay is not None), None)
            if stay is not None and stay.days_left is not None:
                if stay.exceeded:
                    flags.append(RedFlag(code="stay_exceeded", finding=stay_finding, destination=code, days=-stay.days_left))
                elif stay.days_left <= STAY_ENDING_DAYS:
                    flags.append(RedFlag(code="stay_ending", finding=stay_finding, destination=code, days=stay.days_left))
        if stale is not None:
            flags.append(RedFlag(code="stale_source", destination=code, days=stale))
        dataset_only = meta is None or not meta.covered  # the dataset's finding is all there is
        summary = DestinationSummary(
            code=code, name=meta.name if meta else country_name(code).rsplit(" (", 1)[0], covered=True, entry=entry,
            here=is_here, stay=stay, dataset_only=dataset_only,
            summary=_summary(entry, risks, conflicts, stale is not None, dataset_only),
            findings=[f.id for f in items if f.role == "regime"], risks_flagged=[f.id for f in risks],
            conflicts=conflicts, stale=stale is not None,
        )
        rows.append(((0 if is_here else 1, _ENTRY_ORDER[entry], len(risks), code), summary))
    rows.sort(key=lambda row: row[0])
    summaries = [s.model_copy(update={"rank": rank}) for rank, (_, s) in enumerate(rows, 1)]
    shown = [s.code for s in summaries]
    if REGION in by_dest and (scope == "all" or REGION in codes or EU_MEMBERS & set(shown)):
        shown.append(REGION)
    ordered = law + by_dest.get(ORIGIN, []) + [f for code in shown for f in by_dest.get(code, [])]
    return ordered, summaries + uncovered, notes, flags
