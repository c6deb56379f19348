"""The caseload impact of a change: which clients' answers a new date or a new rules version changes, and why.

When a country changes its rules (the sources are full of such dates) or a new ruleset version ships, an
organisation needs to know whose entry route closed, whose risk is now flagged, whose outcome moved. Each client is
assessed twice, once per side (a date, or a rules version, or both), by that side's Assessor, and the two results are
diffed as ``compare`` diffs one profile (:func:`refugee_rules.tasks.compare.finding_changes`): finding, from, to, the
rules and their citations, and why (a rule came into or went out of force, a rule of the new version was added,
removed or changed, a finding it rests on changed first).

The caseload is read as ``batch`` reads it (JSON lines, CSV, a directory; :mod:`refugee_rules.tasks.batch`) with the
same guarantees: every record is accounted for (changed, unchanged, or an error line naming it), output is flushed
line by line, and ``resume`` continues an interrupted run. Only clients whose answers change, and records that could
not be assessed, get output lines; the :class:`Summary` counts the rest.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import io
import json
import sys
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from refugee_rules.errors import FileError, OptionsError, ProfileError, RefugeeRulesError
from refugee_rules.options import Options
from refugee_rules.result.serialise import line_safe
from refugee_rules.tasks import batch
from refugee_rules.tasks.compare import Reason, changes_between, fact_changes

if TYPE_CHECKING:
    from refugee_rules.assessor import Decided
    from refugee_rules.law.loader import RuleBook

FORMATS = ("jsonl", "csv")
OUTCOME = "outcome"
"""The id a change of the overall outcome is listed under."""


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)


class Change(_Value):
    """One answer that changed for one client."""

    finding: str = Field(description="The finding id; 'outcome' for the overall outcome; 'destinations.XX.entry' "
                                     "for a destination's entry summary.")
    kind: str
    destination: str | None = Field(default=None, description="ISO code of the destination a regime finding is about.")
    before: str | None = Field(alias="from", description="The answer on the first side; null if it was not answered.")
    after: str | None = Field(alias="to", description="The answer on the second side; null if it is not answered.")
    rules_before: list[str] = Field(default_factory=list, alias="rules_from")
    rules_after: list[str] = Field(default_factory=list, alias="rules_to")
    citations: list[str] = Field(default_factory=list, description="The citations of the rules that decide the new "
                                 "answer (of the old one where no rule decides the new).")
    why: list[Reason] = Field(default_factory=list)


class ClientImpact(_Value):
    """What changes for one client (``changes`` empty: nothing changes)."""

    index: int
    record: str
    case_ref: str | None = None
    changes: list[Change]


@dataclass(frozen=True)
class Side:
    """One side of the comparison: the options (rulesets, layers ...) and the date."""

    options: Options
    day: _dt.date


def _day(name: str, value: _dt.date | str | None) -> _dt.date | None:
    """A date checked as an option's is, its error naming this argument."""
    try:
        return Options.given(None, as_of=value).as_of
    except ProfileError:
        raise OptionsError([f"{name}: expected a date YYYY-MM-DD, got {value!r}"]) from None


def sides(options: Options | None = None, *, from_date: _dt.date | str | None = None,
          to_date: _dt.date | str | None = None, from_rulesets: tuple[str | Path, ...] | None = None,
          to_rulesets: tuple[str | Path, ...] | None = None) -> tuple[Side, Side]:
    """The two sides; each date and each rules version defaults to the other's (and the options')."""
    base = Options.given(options)
    d1 = _day("from_date", from_date) or base.day()
    d2 = _day("to_date", to_date) or d1
    left = base.replace(as_of=d1, rulesets=base.rulesets if from_rulesets is None else from_rulesets)
    right = base.replace(as_of=d2, rulesets=left.rulesets if to_rulesets is None else to_rulesets)
    if (d1, left.rules) == (d2, right.rules):
        raise OptionsError(["to: the two sides are the same (same date and rules); give --to DATE or --to-rulesets DIR"])
    return Side(left, d1), Side(right, d2)


# --- one client ---------------------------------------------------------------------------------------


class RuleChanges:
    """Which of a finding's rules a new rules version added, removed or changed; worked out once per finding for a
    run (the two rule books do not change during it)."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, str, str], list[Reason]] = {}

    def __call__(self, fid: str, b1: RuleBook | None, b2: RuleBook | None) -> list[Reason]:
        if b1 is None or b2 is None or b1.content_hash == b2.content_hash:
            return []
        key = (b1.content_hash, b2.content_hash, fid)
        found = self._found.get(key)
        if found is None:
            r1 = {r.id: r for r in b1.rules_of(fid)} if fid in b1.findings else {}
            r2 = {r.id: r for r in b2.rules_of(fid)} if fid in b2.findings else {}
            found = [Reason(kind="rule_added", subject=r) for r in sorted(r2.keys() - r1.keys())]
            found += [Reason(kind="rule_removed", subject=r) for r in sorted(r1.keys() - r2.keys())]
            found += [Reason(kind="rule_changed", subject=r) for r in sorted(r1.keys() & r2.keys())
                      if r1[r].model_dump() != r2[r].model_dump()]
            if len(self._found) < 4096:  # bounded by the findings of two books
                self._found[key] = found
        return found


def diff(before: Decided, after: Decided, profile: Any, rule_changes: RuleChanges | None = None) -> list[Change]:
    """Every answer that differs between two decided cases of one profile: the outcome, each destination's entry
    summary, and each finding (one answered on one side only included), in the first side's order. Only the
    findings that changed are explained (each side's explanation as its full assessment gives it)."""
    from refugee_rules.tasks.compare import _side
    from refugee_rules.views.report import Lang

    changes: list[Change] = []
    if before.outcome.status != after.outcome.status:
        changes.append(Change(finding=OUTCOME, kind=OUTCOME, before=before.outcome.status,
                              after=after.outcome.status))
    entry1 = {d.code: d.entry for d in before.destinations}
    entry2 = {d.code: d.entry for d in after.destinations}
    for code in list(dict.fromkeys([*entry1, *entry2])):
        if entry1.get(code) != entry2.get(code):
            changes.append(Change(finding=f"destinations.{code}.entry", kind="entry", destination=code,
                                  before=entry1.get(code), after=entry2.get(code)))
    answers1 = {d.id: d for d in before.decisions}
    answers2 = {d.id: d for d in after.decisions}
    facts = fact_changes(profile, profile, before.metadata.as_of, after.metadata.as_of) \
        if before.metadata.as_of != after.metadata.as_of else []
    common = changes_between([(d.id, d.answer) for d in before.decisions], {d.id: d.answer for d in after.decisions},
                             lambda fid: before.explained([fid])[0], lambda fid: after.explained([fid])[0], facts)
    by_id = {c.id: c for c in common}
    L = Lang("en")
    rule_reasons = rule_changes or RuleChanges()
    order = list(dict.fromkeys([*answers1, *answers2]))
    for fid in order:
        f, g = answers1.get(fid), answers2.get(fid)
        if f is not None and g is not None:
            c = by_id.get(fid)
            if c is None:
                continue
            changes.append(Change(finding=fid, kind=g.kind, destination=g.destination, before=f.answer, after=g.answer,
                                  rules_before=c.before.rules_fired, rules_after=c.after.rules_fired,
                                  citations=c.after.citations or c.before.citations,
                                  why=c.why + rule_reasons(fid, before.book, after.book)))
        else:
            one = before.explained([fid])[0] if f is not None else after.explained([fid])[0]
            side = _side(one, L)
            changes.append(Change(finding=fid, kind=one.kind, destination=one.destination,
                                  before=f.answer if f is not None else None, after=g.answer if g is not None else None,
                                  rules_before=side.rules_fired if f is not None else [],
                                  rules_after=side.rules_fired if g is not None else [], citations=side.citations,
                                  why=rule_reasons(fid, before.book, after.book)))
    return changes


def client(record: Any, left: Side, right: Side, *, index: int = 0, ident: str = "",
           rule_changes: RuleChanges | None = None) -> ClientImpact:
    """One client's impact; raises the library's errors for a record that cannot be assessed."""
    from refugee_rules.assessor import assessor
    from refugee_rules.case.inputs import profile_from_mapping

    profile = profile_from_mapping(record)
    first = assessor(left.options).decide(profile, as_of=left.day)
    second = assessor(right.options).decide(profile, as_of=right.day)
    return ClientImpact(index=index, record=ident or f"record {index}", case_ref=profile.case_ref,
                        changes=diff(first, second, profile, rule_changes))


# --- lines --------------------------------------------------------------------------------------------

CSV_COLUMNS = ["index", "record", "case_ref", "status", "destination", "finding", "kind", "from", "to", "rules_from",
               "rules_to", "citations", "why", "error"]


def _why_text(r: Reason) -> str:
    if r.kind == "fact":
        return f"fact {r.subject}: {r.before} -> {r.after}"
    if r.kind == "finding":
        return f"rests on {r.subject}: {r.before} -> {r.after}"
    words = {"rule_in_force": "comes into force", "rule_not_in_force": "is no longer in force",
             "rule_added": "added in the new rules", "rule_removed": "removed from the new rules",
             "rule_changed": "changed in the new rules"}
    return f"rule {r.subject} {words.get(r.kind, r.kind)}"


def _csv_rows(rows: Iterable[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return batch._utf8(buffer.getvalue())


def impact_lines(item: ClientImpact, fmt: str) -> bytes:
    """The output of one changed client: one JSON line, or one CSV row per change."""
    if fmt == "csv":
        return _csv_rows([item.index, item.record, item.case_ref, "changed", c.destination, c.finding, c.kind,
                          c.before, c.after, ";".join(c.rules_before), ";".join(c.rules_after),
                          " | ".join(c.citations), "; ".join(_why_text(r) for r in c.why), ""]
                         for c in item.changes)
    data = {"index": item.index, "record": item.record, "status": "changed", "case_ref": item.case_ref,
            "changes": [c.model_dump(mode="json", by_alias=True, exclude_defaults=True) for c in item.changes]}
    return line_safe(batch._utf8(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"))


def error_line(index: int, ident: str, kind: str, problems: list[str], fmt: str) -> bytes:
    if fmt == "csv":
        return _csv_rows([[index, ident, "", "error"] + [""] * 9 + [" | ".join(problems)]])
    return line_safe(batch._utf8(json.dumps({"index": index, "record": ident, "status": "error",
                                             "error": {"type": kind, "problems": problems}},
                                            ensure_ascii=False) + "\n"))


@dataclass
class Outcome:
    """What became of one record: its impact, or why it could not be assessed."""

    index: int
    ident: str
    impact: ClientImpact | None = None
    error: tuple[str, list[str]] | None = None


def _one(record: batch.Record, left: Side, right: Side, rule_changes: RuleChanges | None = None) -> Outcome:
    """Never raises: a record that cannot be assessed is named with its problem (no case data in the message)."""
    if record.error is not None:
        return Outcome(record.index, record.ident, error=("ProfileError", record.error))
    try:
        return Outcome(record.index, record.ident, client(record.data, left, right, index=record.index,
                                                          ident=record.ident, rule_changes=rule_changes))
    except ProfileError as e:
        return Outcome(record.index, record.ident, error=("ProfileError", e.problems))
    except RefugeeRulesError as e:
        return Outcome(record.index, record.ident, error=(type(e).__name__, [str(e)]))
    except Exception as e:  # a record must never take the run down
        return Outcome(record.index, record.ident, error=("InternalError", [f"{type(e).__name__} while assessing this record"]))


_worker: list[Any] = []  # this worker's two sides and its RuleChanges, set once by _init


def _init(left: Side, right: Side) -> None:
    _prepare(left, right)
    _worker[:] = [left, right, RuleChanges()]


def _prepare(left: Side, right: Side) -> None:
    """Both sides' days made ready to run any scope, as a batch's is (Assessor.prepare)."""
    from refugee_rules.assessor import assessor

    for side in (left, right):
        with contextlib.suppress(RefugeeRulesError):  # rules that do not load are each record's error, as ever
            assessor(side.options).prepare(side.day)


def _chunk(records: list[batch.Record]) -> list[Outcome]:
    return [_one(r, *_worker) for r in records]


def outcomes(records: Iterable[batch.Record], left: Side, right: Side, workers: int = 1) -> Iterator[Outcome]:
    """One Outcome per record, in input order; a bounded window in flight across worker processes."""
    if workers <= 1:
        _prepare(left, right)
        changes = RuleChanges()
        for record in records:
            yield _one(record, left, right, changes)
        return
    window: deque[Any] = deque()
    with ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(left, right)) as pool:
        for chunk in batch._chunks(records, batch.CHUNK):
            window.append(pool.submit(_chunk, chunk))
            if len(window) >= workers * 4:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()


# --- the summary --------------------------------------------------------------------------------------


@dataclass
class Summary:
    """Counts of a run: read = changed + unchanged + errors; and how many clients each change touches."""

    read: int = 0
    changed: int = 0
    unchanged: int = 0
    errors: int = 0
    skipped: int = 0  # records done by an earlier run (resume); their changes and errors are counted from the output
    by_change: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)  # (destination, finding, from, to)
    by_destination: Counter[str] = field(default_factory=Counter)  # clients with a change there

    def add(self, changes: list[tuple[str | None, str, str | None, str | None]]) -> None:
        """One changed client, as (destination, finding, from, to) per change."""
        self.changed += 1
        for destination, finding, before, after in changes:
            self.by_change[(destination or "", finding, before or "(not answered)", after or "(not answered)")] += 1
        for destination in {d for d, *_ in changes if d}:
            self.by_destination[destination] += 1

    def record(self, outcome: Outcome) -> None:
        self.read += 1
        if outcome.error is not None:
            self.errors += 1
        elif outcome.impact is not None and outcome.impact.changes:
            self.add([(c.destination, c.finding, c.before, c.after) for c in outcome.impact.changes])
        else:
            self.unchanged += 1

    def table(self) -> str:
        """The summary a worker reads: the counts, then each change with the clients it touches, per destination."""
        total = self.read + self.skipped
        lines = [f"read {total}, changed {self.changed}, unchanged {self.unchanged}, errors {self.errors}"
                 + (f" ({self.skipped} done by an earlier run)" if self.skipped else "")]
        if self.by_destination:
            lines += ["", "clients with a change, per destination:"]
            lines += [f"  {d:<4} {n:>7}" for d, n in sorted(self.by_destination.items(), key=lambda kv: (-kv[1], kv[0]))]
        if self.by_change:
            rows = sorted(self.by_change.items(), key=lambda kv: (kv[0][0] or "~", -kv[1], kv[0][1]))
            width = max(len(k[1]) for k, _ in rows)
            lines += ["", f"  {'dest':<4}  {'finding':<{width}}  {'from -> to':<40} clients"]
            for (destination, finding, before, after), n in rows:
                lines.append(f"  {destination or '-':<4}  {finding:<{width}}  {before + ' -> ' + after:<40} {n:>7}")
        return "\n".join(lines) + "\n"

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["destination", "finding", "from", "to", "clients"])
        for (destination, finding, before, after), n in sorted(self.by_change.items()):
            writer.writerow([destination, finding, before, after, n])
        return buffer.getvalue()


# --- resuming -----------------------------------------------------------------------------------------


def _index_of(line: bytes, fmt: str) -> int | None:
    try:
        if fmt == "csv":
            first = line.split(b",", 1)[0]
            return int(first) if first.isdigit() else None
        value = json.loads(line).get("index")
        return value if isinstance(value, int) else None
    except (ValueError, AttributeError):
        return None


def _recount(line: bytes, fmt: str, summary: Summary, pending: list[tuple[str | None, str, str | None, str | None]]) -> bool:
    """Count one line of an earlier run into ``summary``; CSV rows of one client gather in ``pending``.
    Returns whether it was an error line."""
    if fmt == "csv":
        row = next(csv.reader([line.decode("utf-8", "replace")]), [])
        if len(row) >= len(CSV_COLUMNS) and row[3] == "changed":
            pending.append((row[4] or None, row[5], row[7] or None, row[8] or None))
        return len(row) > 3 and row[3] == "error"
    data = json.loads(line)
    if data.get("status") == "changed":
        summary.add([(c.get("destination"), c["finding"], c.get("from"), c.get("to")) for c in data["changes"]])
    return data.get("status") == "error"


def resume_point(out: Path, fmt: str, summary: Summary) -> int:
    """The index to continue from: the last record written is done again (its lines may be incomplete), so its
    lines are cut off with any partial line; what came before is counted into ``summary``. Streams the file."""
    if not out.exists():
        return 0
    starts: list[tuple[int, int]] = []  # (byte offset, index) where each record's lines begin
    offset = 0
    header = fmt == "csv"
    with out.open("rb") as handle:
        for raw in handle:
            if not raw.endswith(b"\n"):
                break
            if header:
                header = False
            else:
                index = _index_of(raw, fmt)
                if index is not None and (not starts or starts[-1][1] != index):
                    starts.append((offset, index))
            offset += len(raw)
    if not starts:
        with out.open("r+b") as handle:
            handle.truncate(offset)
        return 0
    cut, last = starts[-1]
    pending: list[tuple[str | None, str, str | None, str | None]] = []
    current: int | None = None
    errors = 0
    with out.open("rb") as handle:
        seen = 0
        for number, raw in enumerate(handle):
            if seen >= cut:
                break
            seen += len(raw)
            if fmt == "csv" and number == 0:
                continue
            index = _index_of(raw, fmt)
            if fmt == "csv" and index != current and pending:
                summary.add(pending)
                pending = []
            current = index
            errors += _recount(raw, fmt, summary, pending)
    if pending:
        summary.add(pending)
    with out.open("r+b") as handle:
        handle.truncate(cut)
    summary.errors += errors
    summary.skipped = last
    summary.unchanged += last - summary.changed - errors
    return last


# --- the run ------------------------------------------------------------------------------------------


def run(source: str | Path, out: str | Path, left: Side, right: Side, *, fmt: str = "jsonl", workers: int = 1,
        resume: bool = False, progress: Any = None) -> Summary:
    """Write one line (JSON) or one row per change (CSV) for each client of ``source`` whose answers differ between
    the two sides, and an error line for each record that cannot be assessed; ``out`` ``-`` is standard output."""
    if fmt not in FORMATS:
        raise OptionsError([f"format: expected one of {', '.join(FORMATS)}, got {fmt!r}"])
    to_stdout = batch.check_output(source, out, resume)
    out = Path(out)
    records = batch.read_records(source)
    summary = Summary()
    done = resume_point(out, fmt, summary) if resume else 0
    if done:
        records = (r for r in records if r.index >= done)
    fresh = not (resume and out.exists() and out.stat().st_size > 0)
    try:
        handle = sys.stdout.buffer if to_stdout else out.open("wb" if fresh else "ab")
    except OSError as e:
        raise FileError(str(out), f"cannot write the file: {e.strerror or type(e).__name__}") from None
    with contextlib.nullcontext(handle) if to_stdout else handle:
        if fmt == "csv" and fresh:
            handle.write(_csv_rows([CSV_COLUMNS]))
            handle.flush()
        for outcome in outcomes(records, left, right, workers):
            if outcome.error is not None:
                handle.write(error_line(outcome.index, outcome.ident, *outcome.error, fmt=fmt))
                handle.flush()
            elif outcome.impact is not None and outcome.impact.changes:
                handle.write(impact_lines(outcome.impact, fmt))
                handle.flush()
            summary.record(outcome)
            if progress is not None:
                progress.update(1)
    return summary


def impacts(profiles: Iterable[Mapping[str, Any] | Any], left: Side, right: Side) -> Iterator[ClientImpact | Any]:
    """One :class:`ClientImpact` (``changes`` empty when nothing changes) or ``FailedRecord`` per profile, in order."""
    from refugee_rules.api import FailedRecord, _case_ref

    changes = RuleChanges()
    for index, record in enumerate(profiles):
        outcome = _one(batch.Record(index, f"record {index}", record), left, right, changes)
        if outcome.error is None:
            yield outcome.impact
        else:
            kind, problems = outcome.error
            yield FailedRecord(index=index, case_ref=_case_ref(record), error=kind, message="; ".join(problems),
                               problems=problems if kind == "ProfileError" else [])
