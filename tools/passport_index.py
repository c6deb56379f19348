#!/usr/bin/env python3
"""Ship the Passport Index dataset with the package, and write the rules that read it.

Usage (from the project root): python3 tools/passport_index.py [../shared/data/passport-index]

Reads ``requirements-changes.csv`` of the shared dataset (MIT, ilyankou/passport-index-dataset; see its README)
and writes

* ``rulesets/passport-index/requirements.csv.gz``: every row (every passport x destination), grouped by passport,
  with ``destinations.txt`` (every destination named), ``LICENSE`` and ``README.md`` (origin) beside it. The case stage (``refugee_rules.case.passport_index``) derives from it, for each
  destination answered, the requirement in force on the as-of date (the latest snapshot on or before it) for the
  best of the person's passports, and which passport gives it;
* ``rulesets/passport-index/entry.yaml``: one finding ``regime.<xx>.entry.passport_index`` per destination of the
  dataset (the Russian side aside), with three rules that map the derived requirement to the entry answer
  (visa-free: allowed; a visa, e-visa, authorisation, visa on arrival or entry permit: visa_required; no admission
  or a COVID-19 ban: refused). The same rules for every destination: one mechanism, whatever the passport;
* in ``rulesets/regimes/<XX>.yaml``: the conflicts between the dataset's finding and an article's entry or claim
  finding that answers "open" while the dataset lists a visa or a refusal for the Russian passport on some date
  both are in force, worded with the dataset's dates for the Russian passport.

What the rules say and do not say: the dataset speaks of a passport (so of a travel passport: it knows nothing of
the internal passport), of visitors (a holder of a residence permit of the destination is never answered
'visa required' or 'refused' from it) and of nothing outside its snapshots. Regenerating is deterministic.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import shutil
import sys
from pathlib import Path

import pycountry
import yaml

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rulesets" / "regimes"
OUT = ROOT / "rulesets" / "passport-index"
SOURCE = "passport-index-dataset"
PASSPORT = "RU"
PLACEHOLDER = "{XX}"  # refugee_rules.law.per_destination writes the finding and rules out once per destination
SKIP = {"RU", "EU"}  # the Russian side is always shown: no dataset finding there (it would be in every report)
OLD_EXTRACT = "requirements-covered.csv.gz"
EXTRACT = "requirements.csv.gz"
DESTINATIONS = "destinations.txt"

VISA = ["visa_on_arrival", "eta", "e_visa", "entry_permit", "visa_required"]
REFUSED = ["covid_ban", "no_admission"]
TAIL = (" The dataset models no document type, no ban on holders of particular visas, no stay beyond its day count "
        "and no risk; where an article says otherwise, both are shown.")


def answer_of(requirement: str) -> tuple[str, str]:
    """(entry answer, how the dataset's value is worded to a worker) of one row's normalised requirement."""
    if requirement.isdigit():
        return "allowed", f"visa-free for {requirement} days"
    return {
        "visa free": ("allowed", "visa-free"),
        "visa on arrival": ("visa_required", "a visa on arrival"),
        "e-visa": ("visa_required", "an e-visa (or electronic authorisation)"),
        "eta": ("visa_required", "an electronic travel authorisation"),
        "Hayya Entry Permit": ("visa_required", "an entry permit"),
        "visa required": ("visa_required", "a visa required"),
        "covid ban": ("refused", "a COVID-19 entry ban"),
        "no admission": ("refused", "no admission"),
    }[requirement]


def load_regime(path: Path) -> tuple[list[str], dict]:
    lines = path.read_text(encoding="utf-8").split("\n")
    header = []
    while lines and lines[0].startswith("#"):
        header.append(lines.pop(0))
    return header, yaml.safe_load("\n".join(lines))


def save_regime(path: Path, header: list[str], doc: dict) -> None:
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120)
    path.write_text("\n".join(header) + ("\n" if header else "") + body, encoding="utf-8")


def finding_of(code: str) -> dict:
    return {
        "id": f"regime.{code.lower()}.entry.passport_index", "kind": "entry",
        "title": "Which entry requirement does the Passport Index dataset list for this person's passports on the as-of date?",
        "asks": ("What entry requirement does the Passport Index dataset list on the as-of date for the better of this "
                 "person's passports, for a visitor travelling on it?"),
        "group": f"regime:{code}", "role": "regime", "destination": code, "topic": "entry",
        "question": "entry.passport_index",
    }


def rules_of(code: str, first: dt.date, last: dt.date) -> list[dict]:
    fid = f"regime.{code.lower()}.entry.passport_index"
    requirement = f"passport_index.{code}.requirement"
    held = {"fact": "documents.travel_passport.held", "eq": True}
    visitor = {"fact": "documents.residence_permits", "no_item": {"country": code}}
    dates = {
        "valid_from": {"date": first.isoformat(), "precision": "day",
                       "derived": "the dataset's first snapshot; before it the dataset says nothing"},
        "valid_until": {"date": last.isoformat(), "precision": "day",
                        "derived": "the dataset's last snapshot; after it the dataset says nothing"},
        "reported": last.isoformat(),
    }
    cite = [{"source": SOURCE, "confirmed": True,
             "pinpoint": (f"{EXTRACT}: the row for the passport named in the note, destination {code}, at the latest "
                          "snapshot on or before the as-of date")}]
    base = f"{fid}.visa_free"
    return [
        {"id": base, "concludes": {"finding": fid, "answer": "allowed"},
         "when": {"all": [{"fact": requirement, "eq": "visa_free"}, held]}, "otherwise": "nothing",
         "because": ("They hold a passport for travel, and the Passport Index dataset lists visa-free entry for the "
                     "better of their passports on the as-of date (the passport and the snapshot are in the note)."
                     + TAIL),
         "cite": cite, **dates},
        {"id": f"{fid}.visa", "concludes": {"finding": fid, "answer": "visa_required"},
         "when": {"all": [{"fact": requirement, "in": VISA}, visitor]}, "otherwise": "nothing",
         "exception_to": base,
         "because": ("The Passport Index dataset lists a visa (or an e-visa, an electronic authorisation, a visa on "
                     "arrival or an entry permit) for the better of their passports on the as-of date (the passport and "
                     "the snapshot are in the note); they hold no residence permit of this country (the dataset speaks "
                     "of visitors)." + TAIL),
         "cite": cite, **dates},
        {"id": f"{fid}.refused", "concludes": {"finding": fid, "answer": "refused"},
         "when": {"all": [{"fact": requirement, "in": REFUSED}, visitor]}, "otherwise": "nothing",
         "exception_to": base,
         "because": ("The Passport Index dataset lists no admission (or a COVID-19 entry ban) for the better of their "
                     "passports on the as-of date (the passport and the snapshot are in the note); they hold no "
                     "residence permit of this country (the dataset speaks of visitors)." + TAIL),
         "cite": cite, **dates},
    ]


def periods(rows: list[dict], last: dt.date) -> list[tuple[dt.date, dt.date, str, str]]:
    """(start, end, entry answer, words) of each period a (passport, destination) requirement held."""
    rows = sorted(rows, key=lambda r: r["from_snapshot"])
    out = []
    for i, row in enumerate(rows):
        start = dt.date.fromisoformat(row["from_snapshot"])
        end = (dt.date.fromisoformat(rows[i + 1]["from_snapshot"]) - dt.timedelta(days=1)) if i + 1 < len(rows) else last
        if row["requirement"] == "-1":
            continue
        answer, words = answer_of(row["requirement"])
        out.append((start, end, answer, words))
    return out


def main(argv: list[str]) -> int:
    data = Path(argv[1] if len(argv) > 1 else ROOT.parent / "shared" / "data" / "passport-index")
    snapshots = [dt.date.fromisoformat(s) for s in (data / "snapshots.txt").read_text().split()]
    first, last = snapshots[0], snapshots[-1]
    text = (data / "requirements-changes.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    OUT.mkdir(parents=True, exist_ok=True)
    # Grouped by passport (then destination and date): a case reads the rows of one or two passports, and the
    # loader finds a passport's rows without splitting the other ~90,000 lines.
    header = text.partition("\n")[0]
    ordered = sorted(rows, key=lambda r: (r["passport"], r["destination"], r["from_snapshot"]))
    body = "".join(",".join(r[c] for c in header.split(",")) + "\n" for r in ordered)
    with gzip.GzipFile(OUT / EXTRACT, "wb", mtime=0, compresslevel=9) as fh:
        fh.write((header + "\n" + body).encode("utf-8"))
    (OUT / DESTINATIONS).write_text("\n".join(sorted({r["destination"] for r in rows})) + "\n", encoding="utf-8")
    (OUT / OLD_EXTRACT).unlink(missing_ok=True)
    shutil.copyfile(data / "LICENSE", OUT / "LICENSE")
    shutil.copyfile(data / "snapshots.txt", OUT / "snapshots.txt")
    countries = {c.alpha_2 for c in pycountry.countries}
    dests = sorted({r["destination"] for r in rows} - SKIP)
    unknown = [d for d in dests if d not in countries]  # a code the profile cannot name (none at this commit)
    dests = [d for d in dests if d in countries]
    passports = sorted({r["passport"] for r in rows})
    (OUT / "README.md").write_text(README.format(n=len(rows), d=len(dests), p=len(passports), first=first, last=last,
                                                 left=", ".join(unknown) or "none"), encoding="utf-8")
    entry = {
        "ruleset": "passport-index-entry",
        "title": "Entry requirements by passport and destination: the Passport Index dataset (second, dated source)",
        "version": "0.2.0",
        "description": ("Generated by tools/passport_index.py. One finding per destination of the dataset, written "
                        "once below for all of them ({XX} is the destination's code, {xx} the same in lower case); the "
                        "case stage derives the requirement in force on the as-of date for the better of the person's "
                        "passports (refugee_rules.case.passport_index), and these rules map it to the entry answer."),
        "for_each_destination": dests,
        "findings": [finding_of(PLACEHOLDER)],
        "rules": rules_of(PLACEHOLDER, first, last),
    }
    ru_rows: dict[str, list[dict]] = {}
    for r in rows:
        if r["passport"] == PASSPORT:
            ru_rows.setdefault(r["destination"], []).append(r)
    by_id = {f["id"]: f for f in map(finding_of, dests)}
    for path in sorted(RULES.glob("*.yaml")):
        header, doc = load_regime(path)
        meta = doc.get("regime") or {}
        code = meta.get("destination")
        if not code or code in SKIP:
            continue
        fid = f"regime.{code.lower()}.entry.passport_index"
        if "findings" not in doc:
            continue
        doc["findings"] = [f for f in doc["findings"] if f["id"] != fid]  # now in entry.yaml, one mechanism
        doc["rules"] = [r for r in doc["rules"] if not r["id"].startswith(fid + ".")]
        if fid in by_id:
            link_conflicts(doc, by_id[fid], meta["name"], periods(ru_rows.get(code, []), last))
        save_regime(path, header, doc)
    fields = {code: {k: f[k] for k in ("conflicts_with", "conflict_note") if k in f}
              for code, f in zip(dests, map(by_id.get, (finding_of(c)["id"] for c in dests)))}
    if fields := {code: extra for code, extra in fields.items() if extra}:
        entry["finding_fields"] = fields
    body = "".join(  # the destinations on a few lines (flow style), the finding and rules below them in block style
        yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=120,
                       default_flow_style=None if key == "for_each_destination" else False)
        for key, value in entry.items())
    (OUT / "entry.yaml").write_text(HEADER + body, encoding="utf-8")
    print(f"{len(rows)} rows, {len(passports)} passports, {len(dests)} destinations written to {OUT.relative_to(ROOT)}")
    return 0


MARK = " Passport Index dataset:"
OPEN_WORDS = {"allowed", "claimed"}
CLOSED_WORDS = {"visa_required", "refused"}


def _window(rule: dict) -> tuple[dt.date, dt.date]:
    start = dt.date.fromisoformat(str(rule["valid_from"]["date"])) if rule.get("valid_from") else dt.date.min
    end = dt.date.fromisoformat(str(rule["valid_until"]["date"])) if rule.get("valid_until") else dt.date.max
    return start, end


def link_conflicts(doc: dict, mine: dict, name: str, ru: list[tuple[dt.date, dt.date, str, str]]) -> None:
    """Declare a conflict between the dataset finding and each article entry or claim finding of the destination that
    answers "open" while the dataset lists a visa or a refusal for the Russian passport on a date both are in force;
    word the note with the dataset's dates for the Russian passport."""
    fid = mine["id"]
    for f in doc["findings"]:  # undo a previous run
        if fid in f.get("conflicts_with", []):
            f["conflicts_with"] = [c for c in f["conflicts_with"] if c != fid]
            if not f["conflicts_with"]:
                f.pop("conflicts_with")
            note = f.get("conflict_note", "")
            if MARK in f" {note}":
                kept = f" {note}".split(MARK)[0].strip()
                if kept:
                    f["conflict_note"] = kept
                else:
                    f.pop("conflict_note", None)
    mine.pop("conflicts_with", None)
    mine.pop("conflict_note", None)
    linked = []
    for f in doc["findings"]:
        if f["kind"] not in ("entry", "claim"):
            continue
        for a in (r for r in doc["rules"] if r["concludes"]["finding"] == f["id"]):
            if a["concludes"]["answer"] not in OPEN_WORDS:  # an article refusal: a route or a ban the dataset does not model
                continue
            a0, a1 = _window(a)
            if any(answer in CLOSED_WORDS and b0 <= a1 and a0 <= b1 for b0, b1, answer, _ in ru):
                linked.append(f)
                break
    if not linked:
        return
    since = [p for p in ru if p[1] >= dt.date(2022, 2, 24)]
    words = "; ".join(f"{w} from {b0.isoformat()} to {b1.isoformat()}" for b0, b1, _, w in since)
    note = (f"{MARK} for Russian passports in {name}, {words} (snapshot dates). The articles' dates are shown with "
            "each finding: two sources on different dates, not a silent choice.").strip()
    mine["conflicts_with"] = [f["id"] for f in linked]
    mine["conflict_note"] = note
    for f in linked:
        f["conflicts_with"] = f.get("conflicts_with", []) + [fid]
        f["conflict_note"] = (f.get("conflict_note", "") + " " + note).strip()


HEADER = """# Passport Index dataset (second, dated source): generated by tools/passport_index.py; do not edit by hand.
# The requirement in force on the as-of date for the better of the person's passports is derived in the case stage
# (refugee_rules.case.passport_index) from requirements.csv.gz; these rules map it to the entry answer.
"""

README = """# Passport Index dataset (second, dated source for entry rules)

- Origin: the public dataset `ilyankou/passport-index-dataset` (MIT licence, `LICENSE` here), compiled from
  Passport Index (passportindex.org), read at its commit `a46dbc872002e01f6465a69071a7ed5b6dc8fc7b` (2025-01-12):
  `passport-index-tidy-iso2.csv` and every `legacy/<date>/passport-index-tidy-iso2.csv`, reduced to one row each time
  a (passport, destination) requirement changed between snapshots (the project's shared copy).
- `requirements.csv.gz`: every row, {n} rows for {p} passports and their destinations, columns
  `passport,destination,from_snapshot,raw,requirement`, grouped by passport (then destination and date);
  `snapshots.txt` the snapshot dates, {first} to {last} (outside them the dataset says nothing); `destinations.txt`
  every destination the rows name.
- Used by `refugee_rules.case.passport_index`: for each destination answered, the requirement of the latest snapshot
  on or before the as-of date, for the better of the person's passports (and which passport gives it); and by
  `entry.yaml` (generated by `tools/passport_index.py`): one finding `regime.<xx>.entry.passport_index` for each of
  {d} destinations (the Russian side aside), cited as `passport-index-dataset` in `rulesets/sources.yaml`.
  Destination codes the profile cannot name, left out: {left}.
- What it does not model, and the articles do: the document type (internal vs travel passport), bans on holders of
  particular visas, stay rules beyond the day count, residence routes and risks. Where a destination has no regime
  file, its answer comes from the dataset alone and says so.
"""

if __name__ == "__main__":
    sys.exit(main(sys.argv))
