"""What the person's documents allowed, per destination, from 2022 to the as-of date.

Computed by assessing the same profile at every date where something could change: the start, each
``valid_from`` and the day after each ``valid_until`` of the rules behind destination findings, and
the day of (and after) every date in the profile (a visa's validity, an entry date). Between two such
dates no rule comes into or goes out of force and no stated date is crossed, so the status holds.
Findings without a destination are not drawn; with no regime rulesets, there is no timeline.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refugee_rules.options import Options
from refugee_rules.law.kinds import KINDS

START = _dt.date(2022, 1, 1)


@dataclass(frozen=True)
class Segment:
    start: _dt.date
    end: _dt.date
    status: str  # the finding's answer in its kind's words


@dataclass(frozen=True)
class Change:
    date: _dt.date
    before: str
    after: str
    rules: list[str]
    citations: list[str]


@dataclass
class Row:
    finding: str
    title: str
    kind: str = "element"
    segments: list[Segment] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


@dataclass
class DestinationTimeline:
    destination: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class Timeline:
    start: _dt.date
    end: _dt.date
    dates: list[_dt.date]
    destinations: list[DestinationTimeline]


def _profile_dates(value: Any) -> set[_dt.date]:
    out: set[_dt.date] = set()
    if isinstance(value, _dt.date):
        out.add(value)
    elif isinstance(value, Mapping):
        for v in value.values():
            out |= _profile_dates(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            out |= _profile_dates(v)
    elif hasattr(value, "model_dump"):
        out |= _profile_dates(value.model_dump())
    return out


def _cite(c: Any) -> str:
    text = c.source_title + (f", {c.pinpoint}" if c.pinpoint else "")
    return text + (f': "{c.quote}"' if c.quote else "")


def timeline(profile: Any, as_of: _dt.date | str | None = None, *, engine: str | None = None,
             rulesets: tuple[str | Path, ...] | None = None, start: _dt.date = START,
             options: Options | None = None) -> Timeline:
    """Assess ``profile`` at each date where a destination finding could change, and join the results
    (``options`` as for the assessment itself: its date is the timeline's end)."""
    from refugee_rules.assessor import assessor
    from refugee_rules.case.inputs import profile_from_mapping

    chosen = Options.given(options, as_of=as_of, engine=engine, rulesets=rulesets)
    end = chosen.day()
    case = profile_from_mapping(profile)
    book = assessor(chosen).book
    wanted = set(case.destinations or [])  # the destinations the person considers, if stated
    dest_findings = {fid: d for fid, d in book.findings.items() if getattr(d, "destination", None)
                     and (not wanted or d.destination in wanted)}
    if not dest_findings or end < start:
        return Timeline(start, end, [], [])
    points = {start}
    for rule in book.rules.values():
        if rule.concludes.finding not in dest_findings:
            continue
        if rule.valid_from:
            points.add(rule.valid_from.date)
        if rule.valid_until:
            points.add(rule.valid_until.date + _dt.timedelta(days=1))
    for day in _profile_dates(case):
        points |= {day, day + _dt.timedelta(days=1)}
    dates = sorted(d for d in points if start <= d <= end)
    scope = sorted(wanted) if wanted else "all"
    # Each date decided, not explained: a row needs the answers, the rules that gave them and their citations.
    scoped = assessor(chosen.replace(destinations=scope))
    results = [{d.id: d for d in scoped.decide(case, as_of=day).decisions} for day in dates]
    by_dest: dict[str, DestinationTimeline] = {}
    for fid, decl in dest_findings.items():
        row = Row(finding=fid, title=decl.title, kind=decl.kind)
        previous = None
        if any(fid not in decided for decided in results):
            continue  # the assessment leaves this finding out (e.g. a destination not considered)
        for i, (day, decided) in enumerate(zip(dates, results)):
            f = decided[fid]
            seg_end = dates[i + 1] - _dt.timedelta(days=1) if i + 1 < len(dates) else end
            if previous is not None and previous.answer == f.answer:
                row.segments[-1] = Segment(row.segments[-1].start, seg_end, f.answer)
            else:
                if previous is not None:
                    row.changes.append(Change(day, previous.answer, f.answer, list(f.rules_fired or previous.rules_fired),
                                              [_cite(c) for c in (f.citations if f.rules_fired else previous.citations)]))
                row.segments.append(Segment(day, seg_end, f.answer))
            previous = f
        if all(s.status == KINDS[decl.kind].open for s in row.segments):
            continue  # nothing the sources say applies to this person: no bar to draw
        by_dest.setdefault(decl.destination, DestinationTimeline(decl.destination)).rows.append(row)
    return Timeline(start, end, dates, sorted(by_dest.values(), key=lambda d: d.destination))
