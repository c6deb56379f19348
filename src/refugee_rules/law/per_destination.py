"""A finding and its rules written once for many destinations: ``for_each_destination:`` in a ruleset file.

The Passport Index rules are one rule applied to each of the dataset's destinations. Written out, they were 668 kB
of YAML (four fifths of all the rulesets) differing only in a country code: a lawyer had 800 rules to read where
there are three, and parsing them was half of every command's start. A ruleset file may instead list its
destinations and write each finding and rule once, with ``{XX}`` standing for the destination's code and ``{xx}``
for it in lower case::

    for_each_destination: [AD, AE, AF]
    findings:
    - id: regime.{xx}.entry.passport_index
      destination: '{XX}'
      ...

Where one destination's finding needs more than the others (the dataset disagrees with an article on the same
destination, so the finding declares the conflict), ``finding_fields:`` adds those fields to that destination's
findings only::

    finding_fields:
      EE:
        conflicts_with: [regime.ee.entry.visa_free_claim]
        conflict_note: ...

The loader writes them out, once per destination, before anything else reads the file, so the lint, the compiled
programs, the explanations and the catalogue see exactly the rules a hand-written file would give.
"""

from __future__ import annotations

import re
from typing import Any

KEY = "for_each_destination"
FIELDS = "finding_fields"
_CODE = re.compile(r"[A-Z]{2}")


def expand(data: Any, label: str, problems: list[str]) -> Any:
    """``data`` with its findings and rules written out once per listed destination (unchanged where the file lists
    none); a malformed list is a problem naming the file, and the file's findings and rules are then dropped."""
    if not isinstance(data, dict) or (KEY not in data and FIELDS not in data):
        return data
    data = dict(data)
    codes, extra = data.pop(KEY, None), data.pop(FIELDS, None) or {}
    if (problem := _problem(codes, extra)) is not None:
        problems.append(f"{label}: {problem}")
        return {k: v for k, v in data.items() if k not in ("findings", "rules")}
    template_fields = {k for f in data.get("findings") or [] if isinstance(f, dict) for k in f}
    if clash := sorted({f"{code}: {k}" for code, fields in extra.items() for k in fields if k in template_fields}):
        problems.append(f"{label}: {FIELDS}: {', '.join(clash)}: already set by the finding written for every "
                        "destination; set it in one place")
    for part in ("findings", "rules"):
        items = data.get(part)
        if isinstance(items, list):
            data[part] = [_written(item, code, extra.get(code, {}) if part == "findings" else {})
                          for code in codes for item in items]
    return data


def _problem(codes: Any, extra: Any) -> str | None:
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) and _CODE.fullmatch(c) for c in codes):
        return f"{KEY}: expected a list of two-letter country codes in capitals (ISO 3166-1), got {_shown(codes)}"
    if len(set(codes)) != len(codes):
        return f"{KEY}: {', '.join(sorted({c for c in codes if codes.count(c) > 1}))} listed twice; keep one"
    if not isinstance(extra, dict) or not all(isinstance(v, dict) for v in extra.values()):
        return f"{FIELDS}: expected, for each destination, a mapping of fields to add to its findings; got {_shown(extra)}"
    if unlisted := sorted(map(str, set(extra) - set(codes))):
        return f"{FIELDS}: {', '.join(unlisted)} not in {KEY}"
    return None


def _written(item: Any, code: str, fields: dict[str, Any]) -> Any:
    """One finding or rule of the template for ``code``, with the fields ``finding_fields`` adds for it."""
    written = _substituted(item, code)
    if isinstance(written, dict) and fields:
        written = {**fields, **written}
    return written


def _substituted(value: Any, code: str) -> Any:
    """``value`` with every ``{XX}`` and ``{xx}`` in its strings replaced by ``code`` (and its lower case)."""
    if isinstance(value, str):
        return value.replace("{XX}", code).replace("{xx}", code.lower()) if "{" in value else value
    if isinstance(value, dict):
        return {_substituted(k, code): _substituted(v, code) for k, v in value.items()}
    if isinstance(value, list):
        return [_substituted(v, code) for v in value]
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:80] + "…"
