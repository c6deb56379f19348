"""Inline SVG pictures for the HTML report: the Article 1A(2) checklist and per-destination timelines.

Built as strings with every text escaped here (the HTML template marks them safe); no external resource,
no script. Tooltips are SVG ``<title>`` elements; the HTML report also lists the change points in text,
so what a tooltip says is on paper too.
"""

from __future__ import annotations

from html import escape
from typing import Any

from refugee_rules.law.kinds import KINDS

TONE_LEGEND = (("good", "good news"), ("warning", "warning"), ("caution", "hurdle or doubt"), ("neutral", "neither"),
               ("open", "open"))

COLOUR = {"met": "#2f6f3e", "not_met": "#b3261e", "undetermined": "#9a6700"}
FILL = {"met": "#2f6f3e", "not_met": "#d9d9d9", "undetermined": "#f2d27a"}
TONE_FILL = {"good": "#2f6f3e", "warning": "#b3261e", "caution": "#e0a458", "neutral": "#d9d9d9", "open": "#f2d27a"}
SYMBOL = {"met": "\u2713", "not_met": "\u2717", "undetermined": "?"}


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def checklist_svg(items: list[tuple[str, str, str]], label: str) -> str:
    """items: (title, status, status label). One line per element with a status mark."""
    row, width = 26, 680
    height = row * len(items) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="checklist" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" aria-label="{_e(label)}">', f"<title>{_e(label)}</title>"]
    for i, (title, status, status_label) in enumerate(items):
        y = 4 + i * row
        colour = COLOUR.get(status, "#555")
        parts.append(
            f'<g class="item status-{_e(status)}"><title>{_e(title)}: {_e(status_label)}</title>'
            f'<rect x="2" y="{y}" width="20" height="20" rx="4" fill="#fff" stroke="{colour}" stroke-width="2"/>'
            f'<text x="12" y="{y + 15}" text-anchor="middle" font-size="14" font-weight="bold" fill="{colour}">'
            f"{SYMBOL.get(status, '?')}</text>"
            f'<text x="30" y="{y + 15}" font-size="12" fill="{colour}">{_e(status_label)}</text>'
            f'<text x="200" y="{y + 15}" font-size="12" fill="#111">{_e(title)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def timeline_svg(dest: Any, view: Any) -> str:
    """One destination: a bar per regime finding from the timeline's start to the as-of date."""
    tl = view.timeline
    start, end = tl.start.toordinal(), max(tl.end.toordinal(), tl.start.toordinal() + 1)
    left, width, bar, row = 8, 680, 12, 34
    span = width - 2 * left

    def x(day: Any) -> float:
        return round(left + span * (day.toordinal() - start) / (end - start), 1)

    height = 24 + row * len(dest.rows) + 26
    label = view.L.group_title(f"regime:{dest.destination}")
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" role="img" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" aria-label="{_e(label)}">', f"<title>{_e(label)}</title>"]
    for year in range(tl.start.year, tl.end.year + 1):
        import datetime as _dt

        day = _dt.date(year, 1, 1)
        if day < tl.start:
            continue
        parts.append(f'<line x1="{x(day)}" y1="14" x2="{x(day)}" y2="{height - 20}" stroke="#ccc" stroke-dasharray="2,2"/>'
                     f'<text x="{x(day) + 2}" y="11" font-size="10" fill="#555">{year}</text>')
    for i, r in enumerate(dest.rows):
        y = 18 + i * row
        parts.append(f'<text x="{left}" y="{y + 10}" font-size="11" fill="#111">{_e(view.L.t(r.title))}</text>')
        for s in r.segments:
            tip = f"{view.L.t(r.title)}: {view.answer_label(r.kind, s.status)} ({s.start.isoformat()} \u2013 {s.end.isoformat()})"
            w = max(x(s.end) - x(s.start), 1.5)
            parts.append(f'<rect x="{x(s.start)}" y="{y + 14}" width="{round(w, 1)}" height="{bar}" '
                         f'fill="{TONE_FILL[KINDS[r.kind].tone(s.status)] if r.kind in KINDS else "#eee"}" stroke="#fff" stroke-width="0.5">'
                         f"<title>{_e(tip)}</title></rect>")
        for c in r.changes:
            tip = (f"{c.date.isoformat()}: {view.answer_label(r.kind, c.before)} \u2192 {view.answer_label(r.kind, c.after)}; "
                   + "; ".join(c.rules + c.citations))
            parts.append(f'<circle cx="{x(c.date)}" cy="{y + 20}" r="4" fill="#111"><title>{_e(tip)}</title></circle>')
    ly = height - 8
    for j, (tone, mark) in enumerate(TONE_LEGEND):
        lx = left + j * 134
        parts.append(f'<rect x="{lx}" y="{ly - 9}" width="14" height="10" fill="{TONE_FILL[tone]}"/>'
                     f'<text x="{lx + 18}" y="{ly}" font-size="10" fill="#333">{_e(view.L._(mark))}</text>')
    parts.append("</svg>")
    return "".join(parts)
