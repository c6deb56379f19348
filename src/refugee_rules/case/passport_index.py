"""Facts derived from the Passport Index dataset: the entry requirement in force for the person's passports.

The dataset (``rulesets/passport-index/requirements.csv.gz``, MIT, see its README) lists, for every passport and
destination, the requirement at dated snapshots from 2020-02-07 to 2025-01-12. For a destination ``XX`` and an as-of
date, the requirement in force for one passport is the row of the latest snapshot on or before that date; before the
first snapshot or after the last one the dataset says nothing, and no fact is derived.

For the person's nationalities (each a passport), the best requirement is kept, with the passport that gives it
(a dual national uses the better passport, and the fact says which):

* ``passport_index.XX.requirement`` — the requirement as a word (``visa_free``, ``visa_on_arrival``, ``eta``,
  ``e_visa``, ``entry_permit``, ``visa_required``, ``covid_ban``, ``no_admission``), best first in that order;
* ``passport_index.XX.passport`` — the passport (nationality) it is for;
* ``passport_index.XX.snapshot`` — the latest snapshot on or before the as-of date (the one cited);
* ``passport_index.XX.since`` — the first snapshot that lists this requirement for this pair (unchanged since);
* ``passport_index.XX.days`` — the visa-free days, where the dataset gives a number (more days rank first);
* ``passport_index.XX.raw`` — the row's value as published (the citation).

Nothing is derived for a destination that is one of the person's nationalities (the dataset's ``-1``: passport =
destination, no requirement) or while the nationalities are not stated. What the rules make of the requirement (entry
``allowed``, ``visa_required``, ``refused``) is written in ``rulesets/passport-index/entry.yaml``, not here.

These facts are not part of the profile: a worker is never asked for them; each reads ``nationalities`` (and the
as-of date), which is what a question about a missing one asks.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import gzip
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

PREFIX = "passport_index."
INPUTS = ("nationalities",)
"""The profile facts every derived fact is computed from (with the as-of date)."""
FIELDS = ("requirement", "passport", "snapshot", "since", "days", "raw")
REQUIREMENTS = ("visa_free", "visa_on_arrival", "eta", "e_visa", "entry_permit", "visa_required", "covid_ban",
                "no_admission")
"""The dataset's requirements as words, best first."""
_WORD = {"visa free": "visa_free", "visa on arrival": "visa_on_arrival", "eta": "eta", "e-visa": "e_visa",
         "Hayya Entry Permit": "entry_permit", "visa required": "visa_required", "covid ban": "covid_ban",
         "no admission": "no_admission"}
OWN = "-1"
EXTRACT = "requirements.csv.gz"
SNAPSHOTS = "snapshots.txt"
DESTINATIONS = "destinations.txt"


def extract_path() -> Path:
    """The shipped extract: inside the installed package, or the repository's rulesets."""
    packaged = Path(__file__).resolve().parent.parent / "rulesets" / "passport-index" / EXTRACT
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "rulesets" / "passport-index" / EXTRACT


def word(requirement: str) -> tuple[str, int | None]:
    """A dataset value as (requirement word, visa-free days or None); '-1' as ('own', None)."""
    if requirement == OWN:
        return "own", None
    if requirement.isdigit():
        return "visa_free", int(requirement)
    return _WORD[requirement], None


COLUMNS = "passport,destination,from_snapshot,raw,requirement"
"""The extract's header (tools/passport_index.py writes it; no field holds a comma or a quote)."""


class Dataset:
    """The extract, indexed by (passport, destination): snapshot ordinals and rows, in date order.

    A case reads the rows of one or two passports of the ~200, so nothing is split when the extract is loaded (every
    command starts by loading it): the rows are grouped by passport (``tools/passport_index.py`` writes them so), and
    a passport's block is found by two searches and parsed the first time a case holds it."""

    def __init__(self, text: str, snapshots_text: str, destinations_text: str):
        header, _, body = text.partition("\n")
        if header.strip() != COLUMNS or '"' in body:
            raise ValueError(f"the Passport Index extract must have the plain columns {COLUMNS}")
        self._body = "\n" + body
        self._parsed: dict[str, dict[str, tuple[list[int], list[tuple[int, str, str]]]]] = {}
        self.destinations = frozenset(destinations_text.split())
        self.snapshots = sorted(_dt.date.fromisoformat(d) for d in snapshots_text.split())
        self._snapshot_names = frozenset(d.isoformat() for d in self.snapshots)
        self.first, self.last = self.snapshots[0], self.snapshots[-1]

    def _lines(self, passport: str) -> list[str]:
        """The lines of one passport: its block, from its first line to its last (the extract is grouped by passport,
        which every line of the block must bear out)."""
        if len(passport) != 2:  # a code; never a prefix of one
            return []
        body, start = self._body, f"\n{passport},"
        first = body.find(start)
        if first < 0:
            return []
        last = body.rfind(start)
        end = body.find("\n", last + 1)
        lines = body[first + 1:end if end >= 0 else len(body)].split("\n")
        if any(not line.startswith(start[1:]) for line in lines):
            raise ValueError(f"the Passport Index extract is not grouped by passport ({passport})")
        return lines

    def _rows(self, passport: str) -> dict[str, tuple[list[int], list[tuple[int, str, str]]]]:
        """Destination -> (snapshot ordinals, rows) of one passport, in date order (a race parses it twice: harmless)."""
        found = self._parsed.get(passport)
        if found is None:
            rows: dict[str, list[tuple[int, str, str]]] = {}
            for line in self._lines(passport):
                _, destination, since, raw, requirement = line.split(",")
                if since not in self._snapshot_names or destination not in self.destinations:
                    raise ValueError(f"the Passport Index extract names a snapshot or destination its lists do not: "
                                     f"{passport},{destination},{since}")
                rows.setdefault(destination, []).append((_dt.date.fromisoformat(since).toordinal(), raw, requirement))
            found = {d: ([r[0] for r in ordered], ordered) for d, v in rows.items() if (ordered := sorted(v))}
            self._parsed[passport] = found
        return found

    def snapshot(self, day: _dt.date) -> _dt.date | None:
        """The latest snapshot on or before ``day`` (None before the first or after the last)."""
        if day < self.first or day > self.last:
            return None
        return self.snapshots[bisect.bisect_right(self.snapshots, day) - 1]

    def in_force(self, passport: str, destination: str, day: _dt.date) -> tuple[_dt.date, str, str] | None:
        """(since, raw, requirement) of the row in force at the latest snapshot on or before ``day``, or None (no
        row, or outside the snapshots)."""
        if day < self.first or day > self.last:
            return None
        found = self._rows(passport).get(destination)
        if found is None:
            return None
        days, rows = found
        i = bisect.bisect_right(days, day.toordinal()) - 1
        if i < 0:
            return None
        ordinal, raw, requirement = rows[i]
        return _dt.date.fromordinal(ordinal), raw, requirement


@lru_cache(maxsize=1)
def dataset() -> Dataset:
    path = extract_path()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return Dataset(fh.read(), (path.parent / SNAPSHOTS).read_text(encoding="utf-8"),
                       (path.parent / DESTINATIONS).read_text(encoding="utf-8"))


def destinations() -> frozenset[str]:
    """Every destination the shipped extract answers for."""
    return dataset().destinations


def _rank(requirement: str, days: int | None, passport: str) -> tuple[int, int, str]:
    return (REQUIREMENTS.index(requirement), -(days or 0), passport)


def best(nationalities: list[str], destination: str, day: _dt.date) -> dict[str, Any] | None:
    """The best requirement in force for any of these passports, with the passport that gives it (or None)."""
    if destination in nationalities:
        return None
    data = dataset()
    latest = data.snapshot(day)
    if latest is None:
        return None
    found: list[tuple[tuple[int, int, str], dict[str, Any]]] = []
    for passport in nationalities:
        row = data.in_force(passport, destination, day)
        if row is None:
            continue
        since, raw, requirement = row
        name, days = word(requirement)
        if name == "own":
            return None
        record: dict[str, Any] = {"requirement": name, "passport": passport, "snapshot": latest.isoformat(),
                                  "since": since.isoformat(), "raw": raw}
        if days is not None:
            record["days"] = days
        found.append((_rank(name, days, passport), record))
    return min(found, key=lambda x: x[0])[1] if found else None


def derive(known: dict[str, Any], day: _dt.date, codes: list[str] | None) -> dict[str, Any]:
    """The derived facts for the destinations ``codes`` (None: every destination of the dataset), as flat facts."""
    nationalities = known.get("nationalities")
    if not nationalities:
        return {}
    out: dict[str, Any] = {}
    for code in (sorted(destinations()) if codes is None else codes):
        record = best(list(nationalities), code, day)
        if record is not None:
            out.update({f"{PREFIX}{code}.{k}": v for k, v in record.items()})
    return out


def is_derived(path: str) -> bool:
    return path.startswith(PREFIX)


def record_paths(path: str) -> tuple[str, ...]:
    """Every path of the derived record a derived path belongs to (``passport_index.XX.*``)."""
    code = path[len(PREFIX):].split(".", 1)[0]
    return tuple(f"{PREFIX}{code}.{f}" for f in FIELDS)
