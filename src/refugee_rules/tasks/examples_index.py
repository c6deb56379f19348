"""The example index trainers teach from: ``examples/README.md``, generated from the example profiles.

Each row is read from one ``examples/profiles/*.yaml``: who the person is (from the profile's facts), the
source story (the source ids its leading comment names, as listed in ``rulesets/sources.yaml``), what it
teaches (the ``# teaches:`` line of that comment) and its outcome as of a fixed date, assessed here. Nothing is
written by hand, so the index cannot drift from the examples; ``tests/test_examples_index.py`` fails when the
committed file is stale. Regenerate with::

    .venv/bin/python -m refugee_rules.tasks.examples_index > examples/README.md      # or: make examples-index
"""

from __future__ import annotations

import datetime as _dt
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

AS_OF = _dt.date(2024, 3, 1)
"""The fixed date every example is assessed as of in the index (a changing 'today' would make it drift)."""
COMMAND = "python -m refugee_rules.tasks.examples_index > examples/README.md"
ROOT = Path(__file__).resolve().parents[3]
PROFILES = ROOT / "examples" / "profiles"


@dataclass(frozen=True)
class Example:
    name: str
    path: Path
    comment: list[str]
    teaches: str
    sources: list[str]


def _leading_comment(text: str) -> list[str]:
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    return lines


def _source_ids() -> list[str]:
    data = yaml.safe_load((ROOT / "rulesets" / "sources.yaml").read_text(encoding="utf-8"))
    return [s["id"] for s in data]


def read_example(path: Path, source_ids: list[str] | None = None) -> Example:
    """One example profile's leading comment: its story, the sources it names and what it teaches."""
    comment = _leading_comment(path.read_text(encoding="utf-8"))
    teaches = [line.split(":", 1)[1].strip() for line in comment if line.startswith("teaches:")]
    if len(teaches) != 1 or not teaches[0]:
        raise ValueError(f"{path.name}: the leading comment needs exactly one '# teaches: ...' line")
    story = [line for line in comment if not line.startswith("teaches:")]
    text = " ".join(story)
    ids = source_ids if source_ids is not None else _source_ids()
    named = [s for s in ids if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text)]
    if not named:  # a short form of an id ("mmc-2024" for "mmc-2024-matusevich")
        named = [s for s in ids if any(tok in s and len(tok) > 5 for tok in re.findall(r"[a-z]+-\d{4}", text))]
    return Example(path.stem, path, story, teaches[0], named)


def examples(directory: Path = PROFILES) -> list[Example]:
    ids = _source_ids()
    return [read_example(p, ids) for p in sorted(directory.glob("*.yaml"))]


def _who(profile: object) -> str:
    from refugee_rules.views.i18n import country_name

    p = profile  # a CaseProfile; attributes read defensively so the index never fails on a sparse profile
    parts: list[str] = []
    nat = getattr(p, "nationalities", None)
    where = getattr(getattr(p, "location", None), "country", None)
    nat_text = ("/".join(nat) + " national" if isinstance(nat, list) and nat
                else "stateless person" if nat == [] else "nationality not stated")  # [] means stateless
    parts.append(nat_text + (f" in {country_name(where)}" if isinstance(where, str) and where != "unknown" else ""))
    tags = []
    pol = getattr(p, "political_activity", None)
    if pol is not None and any(v is True for _k, v in pol):
        tags.append("political activity")
    mil = getattr(p, "military", None)
    if mil is not None:
        for flag, label in (("deserted", "deserter"), ("mobilised", "mobilised"), ("evaded", "draft evader"),
                            ("summoned", "summoned")):
            if getattr(mil, flag, None) is True:
                tags.append(label)
                break
    if getattr(p, "legal_cases", None):
        tags.append("criminal case" if any(getattr(c, "kind", None) == "criminal" for c in p.legal_cases)  # type: ignore[attr-defined]
                    else "legal case")
    ident = getattr(p, "identity", None)
    if ident is not None:
        if getattr(ident, "lgbtq", None) is True:
            tags.append("LGBT")
        if getattr(ident, "ethnic_minority", None) is True:
            tags.append("ethnic minority")
    docs = getattr(p, "documents", None)
    tp = getattr(getattr(docs, "travel_passport", None), "held", None)
    if getattr(docs, "internal_passport", None) is True and tp is False:
        tags.append("internal passport only")
    dest = getattr(p, "destinations", None)
    if dest:
        tags.append("asks about " + ", ".join(dest))
    return parts[0] + (f" ({'; '.join(tags)})" if tags else "")


def _outcome(path: Path) -> str:
    from refugee_rules.api import assess
    from refugee_rules.case.inputs import read_profile

    a = assess(read_profile(path), as_of=AS_OF, engine="compiled")
    text = a.outcome.status.replace("_", " ")
    if a.outcome.stop_points:
        text += "; stop-points: " + ", ".join(f"{h.finding} ({h.answer})" for h in a.outcome.stop_points)
    asked = [d for d in a.destinations if d.covered]
    if getattr(read_profile(path), "destinations", None) and asked:
        text += "; entry: " + ", ".join(f"{d.code} {d.entry or 'n/a'}" for d in asked)
    return text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(directory: Path = PROFILES) -> str:
    from refugee_rules.case.inputs import read_profile

    found = examples(directory)
    out = [
        "# Example profiles",
        "",
        f"<!-- GENERATED by `{COMMAND}` (or `make examples-index`) from examples/profiles/*.yaml: do not edit. -->",
        "",
        "Training cases for legal aid workers. Each profile's leading comment names its source story; the",
        "`# teaches:` line says what it is for. Facts marked ILLUSTRATIVE in a profile are invented for training.",
        f"Outcomes are assessed as of {AS_OF.isoformat()}.",
        "",
        "Walk one through element by element: `refugee-rules walkthrough examples/profiles/<name>.yaml "
        f"--as-of {AS_OF.isoformat()} [--lang ru] [--step]`.",
        "",
        "| Example | Who | Source story | What it teaches | Outcome |",
        "|---|---|---|---|---|",
    ]
    for ex in found:
        who = _who(read_profile(ex.path))
        sources = ", ".join(f"`{s}`" for s in ex.sources) or "none named"
        out.append(f"| [{ex.name}](profiles/{ex.path.name}) | {_cell(who)} | {sources} | {_cell(ex.teaches)} "
                   f"| {_cell(_outcome(ex.path))} |")
    out += ["", "## The stories", ""]
    for ex in found:
        out += [f"### {ex.name}", "", " ".join(ex.comment), ""]
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
