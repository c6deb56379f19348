"""Destinations: which countries an assessment summarises, in which order, and what is not covered.

Regime rulesets (``rulesets/regimes/<ISO>.yaml``) carry a ``regime:`` block naming their destination and
whether the sources say anything encodable about it. The profile's ``destinations`` select the countries
summarised in ``Assessment.destinations`` (and put their findings first; no finding is ever dropped);
without them every covered country is summarised, the realistic options for this person first: a country where
some reported entry route fits the documents held comes before one where nothing decides entry, which
comes before one whose reported rules refuse entry; fewer flagged risks come first within each.
A country the sources do not cover gets an explicit "not covered by the sources" entry, never a guess.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .assessment import DestinationSummary, Finding
from .memo import Memo
from .rules.loader import RuleBook, builtin_dir
from .rules.model import RegimeMeta

ORIGIN = "RU"  # the Russian side: documents and exit, always shown
REGION = "EU"  # the EU as a whole: shown with any member state
EU_MEMBERS = frozenset({"FI", "EE", "LV", "LT", "PL", "DE", "FR", "BE", "CZ", "NL", "GR", "BG"})
_ENTRY_ORDER = {"met": 0, "undetermined": 1, "not_met": 2}


@lru_cache(maxsize=8)
def regime_meta(directories: tuple[Path, ...] | None = None) -> dict[str, RegimeMeta]:
    """The ``regime:`` block of every ruleset file, by destination code."""
    out: dict[str, RegimeMeta] = {}
    for d in directories or (builtin_dir(),):
        for path in sorted(Path(d).rglob("*.y*ml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError):
                continue  # the loader reports it
            if isinstance(data, dict) and isinstance(data.get("regime"), dict):
                meta = RegimeMeta.model_validate(data["regime"])
                out[meta.destination] = meta
    return out


def covered(meta: dict[str, RegimeMeta]) -> list[str]:
    return sorted(code for code, m in meta.items() if m.covered and code not in (ORIGIN, REGION))


def _entry_status(book: RuleBook, items: list[Finding]) -> str:
    """met if an uncontested reported entry route fits; not_met if every decided entry finding refuses."""
    entry = [f for f in items if f.topic == "entry"]
    contested = {f.id for f in entry if f.status == "met" and any(
        c.status == "not_met" and c.id in book.findings and book.findings[c.id].topic == "entry" for c in f.conflicts)}
    if any(f.status == "met" and f.id not in contested for f in entry):
        return "met"
    if any(f.status == "not_met" for f in entry):
        return "not_met"
    return "undetermined"


def _stale(items: list[Finding], as_of: _dt.date, stale_after_days: int) -> bool:
    return any(d.reported and (as_of - d.reported).days > stale_after_days for f in items for d in f.dates)


def _summary(code: str, entry: str, risks: list[Finding], conflicts: list[str], stale: bool) -> str:
    parts = [{
        "met": "Entry: a reported entry route fits the documents held.",
        "not_met": "Entry: the reported rules refuse entry on the documents held.",
        "undetermined": "Entry: not decided by the sources on the stated facts.",
    }[entry]]
    if risks:
        parts.append(f"{len(risks)} protection risk{'s' if len(risks) != 1 else ''} flagged: "
                     + "; ".join(f.title.split(': ', 1)[-1] for f in risks) + ".")
    if conflicts:
        parts.append("The sources conflict on some points; both sides are shown.")
    if stale:
        parts.append("Some rules rest on sources more than the staleness threshold old: verify the current rules.")
    return " ".join(parts)


@lru_cache(maxsize=16)
def _destination_of(book: RuleBook) -> dict[str, str]:
    """Regime finding id -> the destination code its group names."""
    return {fid: d.group.split(":", 1)[1] for fid, d in book.findings.items()
            if d.destination is not None and d.role in ("regime", "intermediate") and d.group.startswith("regime:")}


class _Row:
    """A covered destination's summary, a function of its (memoised, immutable) findings, which cases share."""

    def __init__(self, book: RuleBook, code: str, name: str, items: tuple[Finding, ...], as_of: _dt.date,
                 stale_after_days: int):
        self.items = items  # kept: the memo key holds their identities, which cannot be reused while they live
        entry = _entry_status(book, list(items))
        risks = [f for f in items if f.topic == "risk" and f.status == "met"]
        self.order = (_ENTRY_ORDER[entry], len(risks), code)
        conflicts = sorted({f.id for f in items if f.conflicts})
        stale = _stale(list(items), as_of, stale_after_days)
        self.fields: dict[str, Any] = dict(
            code=code, name=name, covered=True, entry=entry,
            summary=_summary(code, entry, risks, conflicts, stale),
            findings=[f.id for f in items if f.role == "regime"], risks_flagged=[f.id for f in risks],
            conflicts=conflicts, stale=stale,
        )
        self.ranked: dict[int, DestinationSummary] = {}

    def summary(self, rank: int) -> DestinationSummary:
        summary = self.ranked.get(rank)
        if summary is None:  # built from checked findings: constructed without re-validation
            summary = self.ranked[rank] = DestinationSummary.model_construct(rank=rank, **self.fields)
        return summary


_ROWS: Memo[_Row] = Memo(1024)


def _row(book: RuleBook, code: str, name: str, items: list[Finding], as_of: _dt.date, stale_after_days: int) -> _Row:
    key = (id(book), code, name, as_of, stale_after_days, tuple(map(id, items)))
    row = _ROWS.items.get(key)
    if row is None or not all(a is b for a, b in zip(row.items, items)):
        row = _Row(book, code, name, tuple(items), as_of, stale_after_days)
        _ROWS.put(key, row)
    return row


def arrange(
    book: RuleBook, findings: list[Finding], destinations: list[str] | None, as_of: _dt.date,
    stale_after_days: int, directories: tuple[Path, ...] | None = None,
) -> tuple[list[Finding], list[DestinationSummary], list[str]]:
    """(findings in report order, destination summaries most realistic first, notes)."""
    meta = regime_meta(directories)
    destination_of = _destination_of(book).get
    by_dest: dict[str, list[Finding]] = {}
    others: list[Finding] = []
    for f in findings:
        code = destination_of(f.id)
        if code is None:
            others.append(f)
        else:
            by_dest.setdefault(code, []).append(f)
    if not by_dest:
        return findings, [], []
    have_rules = sorted(c for c in by_dest if c not in (ORIGIN, REGION))
    notes: list[str] = []
    if destinations:
        wanted = list(dict.fromkeys(destinations))
        for code in wanted:
            if code not in meta and code not in by_dest:
                notes.append(f"{code}: not covered by the sources (no regime is encoded for it). "
                             f"Covered destinations: {', '.join(have_rules)}.")
    else:
        wanted = have_rules
    rows: list[_Row] = []
    uncovered: list[DestinationSummary] = []
    for code in wanted:
        items = by_dest.get(code, [])
        m = meta.get(code)
        name = m.name if m else code
        if not items:
            if m is not None:
                uncovered.append(DestinationSummary(
                    code=code, name=name, covered=False, entry="undetermined",
                    summary=f"{m.note or 'Not covered by the sources.'} Covered destinations: {', '.join(have_rules)}.",
                ))
            continue
        rows.append(_row(book, code, name, items, as_of, stale_after_days))
    rows.sort(key=lambda row: row.order)
    summaries = [row.summary(rank) for rank, row in enumerate(rows, 1)]
    shown = [s.code for s in summaries]
    if REGION in by_dest and (not destinations or REGION in wanted or EU_MEMBERS & set(shown)):
        shown.append(REGION)
    rest = [code for code in sorted(by_dest) if code not in shown and code != ORIGIN]
    # Every finding stays in the assessment (adding a fact such as `destinations` never removes one); the
    # selected destinations come first, most realistic first, and the rest follow in code order.
    ordered = others + by_dest.get(ORIGIN, []) + [f for code in shown + rest for f in by_dest.get(code, [])]
    return ordered, summaries + uncovered, notes
