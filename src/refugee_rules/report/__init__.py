"""Reports are views of an Assessment: jinja2 templates, nothing computed here that the value lacks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..assessment import Assessment, Finding, MissingFact

FORMATS = ("json", "markdown", "text")
STATUS_LABEL = {"met": "appears met", "not_met": "appears not met", "undetermined": "undetermined"}
OUTCOME_LABEL = {
    "likely_meets": "Likely meets the refugee definition (on the stated facts)",
    "likely_does_not_meet": "Likely does not meet the refugee definition (on the stated facts)",
    "undetermined": "Undetermined: more facts are needed",
    "refer_to_counsel": "Stop-point: refer to counsel",
}
MARK = {"met": "[x]", "not_met": "[ ]", "undetermined": "[?]"}

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
)


def open_questions(assessment: Assessment) -> list[tuple[MissingFact, list[str]]]:
    """Each missing fact once, with the undetermined findings it bears on, most useful first."""
    bearing: dict[str, list[str]] = {}
    first: dict[str, MissingFact] = {}
    for finding in assessment.findings:
        for m in finding.missing_facts:
            first.setdefault(m.path, m)
            bearing.setdefault(m.path, []).append(finding.id)
    order = Counter({path: len(ids) for path, ids in bearing.items()})
    return [(first[path], bearing[path]) for path, _ in sorted(order.items(), key=lambda kv: (-kv[1], kv[0]))]


def _citation(c: Any) -> str:
    text = c.source_title
    if c.pinpoint:
        text += f", {c.pinpoint}"
        if not c.confirmed:
            text += " (paragraph number unconfirmed)"
    if c.quote:
        text += f': "{c.quote}"'
    return text


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(_value(x) for x in v) if v else "none"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_value(x)}" for k, x in v.items()) + "}"
    return str(v)


def render(assessment: Assessment, fmt: str = "text") -> str:
    if fmt == "json":
        return assessment.model_dump_json(indent=2) + "\n"
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: expected one of {', '.join(FORMATS)}")
    findings: list[Finding] = assessment.findings
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.group, []).append(f)
    return _ENV.get_template(f"{fmt}.j2").render(
        a=assessment, groups=groups, questions=open_questions(assessment),
        status_label=STATUS_LABEL, outcome_label=OUTCOME_LABEL, mark=MARK, cite=_citation, value=_value,
    )
