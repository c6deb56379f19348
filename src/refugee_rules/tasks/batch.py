"""Caseloads: stream records in, one output line per record out, in input order, losing nothing.

Every input record yields exactly one output line: an assessment, or an error that names the record and
the field. Output is flushed line by line, so an interrupted run leaves valid output that ``resume``
continues after the last complete line. Memory does not grow with the input: records are read lazily,
and at most a bounded window of them is in flight across worker processes.

Inputs: JSON Lines (one profile object per line), CSV (one column per fact path, e.g.
``location.country``; lists as ``RU;IL`` or a JSON array; records as a JSON array), or a directory of
YAML/JSON profile files (sorted by name).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import multiprocessing
import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from refugee_rules.engine import durable_state_here
from refugee_rules.errors import EngineError, FileError, ProfileError, RefugeeRulesError
from refugee_rules.case.facts import catalogue, nest
from refugee_rules.case.inputs import MAX_PROFILE_BYTES, read_document
from refugee_rules.case.unique_keys import DuplicateKey, json_pairs
from refugee_rules.options import STALE_AFTER_DAYS, Options
from refugee_rules.result.serialise import assessment_line, line_safe

OUTPUT_FORMATS = ("json", "summary-csv")
CHUNK = 16


@dataclass(frozen=True)
class Record:
    index: int
    ident: str
    data: Any = None
    error: list[str] | None = None  # problems found while reading, before validation


@dataclass
class Counts:
    read: int = 0
    assessed: int = 0
    errors: int = 0
    skipped: int = 0


# --- reading ----------------------------------------------------------------------------------------


_BOM = b"\xef\xbb\xbf"
_READ = 1 << 16


def _lines(handle: Any, limit: int) -> Iterator[tuple[int, bytes, bool]]:
    """(byte offset, line, whole?) for each line of a binary file; a line longer than ``limit`` is not held in
    memory: its first ``limit`` bytes are given with ``whole`` false and the rest is skipped."""
    offset = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        start, whole = offset, True
        offset += len(raw)
        if len(raw) > limit and not raw.endswith(b"\n"):
            whole = False
            while True:  # skip to the end of the over-long line, a bounded piece at a time
                rest = handle.readline(_READ)
                offset += len(rest)
                if not rest or rest.endswith(b"\n"):
                    break
        yield start, raw, whole


def _jsonl(path: Path) -> Iterator[Record]:
    with path.open("rb") as handle:
        yield from _jsonl_lines(handle)


def _jsonl_lines(handle: Any) -> Iterator[Record]:
    """The records of JSON lines read from a binary ``handle`` (a file, or standard input for ``-``)."""
    index = 0
    for number, (offset, raw, whole) in enumerate(_lines(handle, MAX_PROFILE_BYTES), start=1):
        if number == 1 and raw.startswith(_BOM):  # a BOM written by Windows tools: not part of the record
            raw, offset = raw[len(_BOM):], offset + len(_BOM)
        if whole and not raw.strip():
            continue
        ident = f"line {number}"
        try:
            if not whole:
                raise ValueError(f"the line is more than {MAX_PROFILE_BYTES} bytes; a profile may be at most "
                                 f"{MAX_PROFILE_BYTES}")
            data = json.loads(raw.decode("utf-8"), object_pairs_hook=json_pairs)
        except DuplicateKey as e:
            yield Record(index, ident, error=[f"not valid JSON: {e}"])
        except UnicodeDecodeError as e:
            yield Record(index, ident, error=[f"not UTF-8 text (byte {offset + e.start} of the file)"])
        except json.JSONDecodeError as e:
            yield Record(index, ident, error=[f"not valid JSON: {e.msg} at column {e.colno}"])
        except (ValueError, RecursionError) as e:
            yield Record(index, ident, error=[_reading_problem(e)])
        else:
            if isinstance(data, dict) and isinstance(data.get("case_ref"), str) and data["case_ref"]:
                ident = f"{ident} ({data['case_ref'][:100]})"
            yield Record(index, ident, data)
        index += 1


def _reading_problem(e: Exception) -> str:
    """A ValueError met while parsing a record, worded without its text (it can quote the record)."""
    if isinstance(e, RecursionError):
        return "the record is nested too deeply"
    if "digits" in str(e) and "integer" in str(e):
        return "a number has more than 4300 digits; a profile holds no such number"
    return str(e) if str(e).startswith("the line is") else "the record cannot be read as JSON"


_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _cell(path: str, text: str) -> Any:
    """A CSV cell as the profile expects it; what cannot be read is passed on for validation to name."""
    text = text.strip()
    if text.lower() == "unknown":
        return "unknown"
    spec = catalogue().get(path)
    if spec is None:
        return text
    if spec.kind in ("list", "items"):
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return text
        return [part.strip() for part in text.split(";") if part.strip()]
    if spec.kind == "bool":
        return True if text.lower() in _TRUE else False if text.lower() in _FALSE else text
    if spec.kind == "number":
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return text
    return text


MAX_CELL = csv.field_size_limit()


def _csv_records(handle: Any, width: list[int]) -> Iterator[tuple[int, str | None, list[str]]]:
    """(first line number, problem or None, cells) of each CSV record; blank lines are skipped.

    Physical lines are joined while a quote is open (a quoted cell may hold a line break), each decoded on its own,
    so a byte that is not UTF-8 costs one record, not the rest of the file. A quote that is never closed would
    swallow every line after it: when the joined lines make no valid record (the file ends, a profile's size is
    passed, a line is not UTF-8, the CSV does not parse, or more cells than ``width[0]``, the header's, once read),
    the record the quote opens in is an error and reading resumes on the line after it."""
    source = _lines(handle, MAX_PROFILE_BYTES)
    number = 0
    pending: deque[tuple[int, int, bytes, bool]] = deque()  # lines read ahead, read again after an unclosed quote

    def next_line() -> tuple[int, int, bytes, bool] | None:
        nonlocal number
        if pending:
            return pending.popleft()
        got = next(source, None)
        if got is None:
            return None
        number += 1
        offset, raw, whole = got
        if number == 1 and raw.startswith(_BOM):  # Excel's "CSV UTF-8" starts with a BOM
            raw, offset = raw[len(_BOM):], offset + len(_BOM)
        return number, offset, raw, whole

    while (first := next_line()) is not None:
        start, _, raw, whole = first
        if whole and not raw.strip(b"\r\n"):
            continue  # a blank line is no record
        taken = [first]
        quotes, size = raw.count(b'"'), len(raw)
        while quotes % 2 and whole and size <= MAX_PROFILE_BYTES and (more := next_line()) is not None:
            taken.append(more)
            quotes += more[2].count(b'"')
            size += len(more[2])
            whole = more[3]
        problem: str | None = None
        cells: list[str] = []
        if not whole or size > MAX_PROFILE_BYTES:
            problem = f"the record is more than {MAX_PROFILE_BYTES} bytes"
        elif quotes % 2:
            problem = "a quoted cell is never closed"
        else:
            parts: list[str] = []
            for _, line_offset, line, _ in taken:
                try:
                    parts.append(line.decode("utf-8"))
                except UnicodeDecodeError as e:
                    problem = f"not UTF-8 text (byte {line_offset + e.start} of the file)"
                    break
            if problem is None:
                try:
                    cells = next(csv.reader(["".join(parts)]), [])
                except csv.Error as e:
                    problem = f"a cell is longer than {MAX_CELL} characters" if "field limit" in str(e) else "not valid CSV"
            if problem is None and width and len(cells) > width[0] and len(taken) > 1:
                problem = "more cells than the header has columns"
        if problem is not None and len(taken) > 1:  # the quote opened here is not closed where a record ends
            problem = f"a quoted cell opened on this line is not closed on it, and the lines after it make no valid record ({problem})"
            pending.extendleft(reversed(taken[1:]))
        yield start, problem, cells


def _csv(path: Path) -> Iterator[Record]:
    """The records of a CSV file; the header is read (and checked) before the first record is asked for."""
    handle = path.open("rb")
    width: list[int] = []
    try:
        records = _csv_records(handle, width)
        header: list[str] = []
        for line, problem, cells in records:
            if problem is not None:
                raise ProfileError([f"line {line} (the header): {problem}"], str(path))
            header = cells
            break
        duplicates = sorted({c for c in header if c and header.count(c) > 1})
        if duplicates:
            raise ProfileError([f"the header names a column twice: {', '.join(duplicates)}"], str(path))
    except BaseException:
        handle.close()
        raise
    width.append(len(header))
    return _csv_rows(handle, records, header)


def _csv_rows(handle: Any, records: Iterator[tuple[int, str | None, list[str]]], header: list[str]) -> Iterator[Record]:
    with handle:
        for index, (line, problem, cells) in enumerate(records):
            ident = f"row {index + 2}"
            if problem is not None:
                yield Record(index, ident, error=[f"line {line}: {problem}"])
            elif len(cells) > len(header):
                yield Record(index, ident, error=[f"{len(cells) - len(header)} more cells than the header has columns"])
            else:
                yield Record(index, ident, nest({k: _cell(k, v) for k, v in zip(header, cells) if k and v.strip()}))


def _directory(path: Path) -> Iterator[Record]:
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml", ".json"))
    for index, file in enumerate(files):
        try:
            yield Record(index, file.name, read_document(file))
        except ProfileError as e:
            yield Record(index, file.name, error=e.problems)
        except FileError as e:
            yield Record(index, file.name, error=[e.problem])


def read_records(source: str | Path) -> Iterator[Record]:
    """The records of ``source``: a .jsonl or .csv file, a directory of profiles, or ``-`` (JSON lines on standard
    input)."""
    if str(source) == "-":
        return _jsonl_lines(sys.stdin.buffer)
    path = Path(source)
    if path.is_dir():
        return _directory(path)
    if not path.is_file():
        raise FileError(str(path), "no such file or directory" if not path.exists() else
                        "not a regular file or directory (a device, pipe or socket)")
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl(path)
    if suffix == ".csv":
        return _csv(path)
    raise ProfileError([f"expected a .jsonl or .csv file, or a directory of YAML/JSON profiles; got {suffix or 'no suffix'}"],
                       str(path))


def count_records(source: str | Path) -> int | None:
    """How many records a source holds, for the progress bar (a cheap pass; None if not countable)."""
    path = Path(source)
    try:
        if path.is_dir():
            return sum(1 for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml", ".json"))
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            with path.open("rb") as handle:
                return sum(1 for line in handle if line.strip())
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8") as handle:
                return max(0, sum(1 for _ in csv.reader(handle)) - 1)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return None


# --- assessing (in worker processes) ----------------------------------------------------------------

_settings: dict[str, Any] = {}  # this worker's Options and output format, set once by _init


def _init(options: Options, fmt: str, worker: bool = False) -> None:
    from refugee_rules.assessor import assessor

    _settings.update(options=options, fmt=fmt)
    with contextlib.suppress(RefugeeRulesError):  # rules that do not load are each record's error row, as ever
        assessor(options).prepare(options.day())  # a forked worker finds it made by the batch before the fork
    if worker:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the batch decides
        threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True, name="batch-parent").start()


PARENT_POLL_SECONDS = 0.2


def _exit_with_parent(parent: int) -> None:
    """End this worker as soon as the process that started it is gone (kill -9, SIGTERM, a crash): a worker left
    behind holds case data in memory and waits on its queue for ever (measured: both workers of `batch --workers 2`
    outlived a kill -9 of the batch). Under the fork server the parent is the server, which ends with the batch."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def _worker_options() -> Options:
    """This worker's Options (set by _init; the defaults where a caller never set any)."""
    options: Options | None = _settings.get("options")
    return options if options is not None else Options()


def _options(options: Options | None, as_of: _dt.date | None, engine: str | None, stale_after_days: int,
             destinations: Any) -> Options:
    """The given Options, or one made of the separate keywords; its date fixed now, for every record and worker."""
    chosen = Options.given(options, as_of=as_of, engine=engine, stale_after_days=stale_after_days,
                           destinations=destinations)
    return chosen.replace(as_of=chosen.day())


def finding_columns(options: Options | None = None) -> list[str]:
    """One column per finding of the rule book the options load (their layers and jurisdiction included)."""
    from refugee_rules.assessor import assessor

    return list(assessor(options or _worker_options()).book.findings)


def _one_line(text: str) -> str:
    """A cell on one line: a line break in a record's name or an error is written as an escape, so that every record
    is one line of the summary CSV and ``--resume`` counts records by counting lines."""
    return text.replace("\\", "\\\\").replace("\r", "\\r").replace("\n", "\\n") if ("\n" in text or "\r" in text) else text


def _summary_row(index: int, ident: str, status: str, decided: Any = None, error: str = "") -> str:
    ident, error = _one_line(ident), _one_line(error)
    buffer = io.StringIO()
    statuses = {d.id: d.answer for d in decided.decisions} if decided else {}
    outcome = decided.outcome if decided else None
    csv.writer(buffer, lineterminator="\n").writerow(
        [index, ident, status, outcome.status if outcome else "", (outcome.inclusion or "") if outcome else ""]
        + [statuses.get(f, "") for f in finding_columns()] + [error]
    )
    return buffer.getvalue()


def summary_header(options: Options | None = None) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(
        ["index", "record", "status", "outcome", "inclusion"] + finding_columns(options) + ["error"]
    )
    return buffer.getvalue()


def _utf8(text: str) -> bytes:
    """Output text as UTF-8; a lone surrogate (from a file name or a JSON escape) is written as its escape."""
    return text.encode("utf-8", "backslashreplace")


def _assess_one(record: Record) -> tuple[bool, bytes]:
    """(assessed?, the output line in UTF-8) for one record; never raises."""
    from refugee_rules.assessor import assessor

    fmt = _settings.get("fmt", "json")
    problems: list[str]
    kind = "ProfileError"
    if record.error is not None:
        problems = record.error
    else:
        try:
            options = _worker_options()
            decided = assessor(options).decide(record.data, as_of=options.day())
        except ProfileError as e:
            problems = e.problems
        except RefugeeRulesError as e:
            kind, problems = type(e).__name__, [str(e)]
        except Exception as e:  # a record must never take the batch down; no case data in the message
            kind, problems = "InternalError", [f"{type(e).__name__} while assessing this record"]
        else:
            if fmt == "summary-csv":
                return True, _utf8(_summary_row(record.index, record.ident, "assessed", decided))
            prefix = '{"index":%d,"record":%s,"status":"assessed","assessment":' % (
                record.index, json.dumps(record.ident, ensure_ascii=False))
            if options.detail == "compact":  # written from the decisions: nothing is explained
                return True, line_safe(_utf8(prefix) + decided.to_json() + b"}\n")
            return True, assessment_line(decided.assessment(), _utf8(prefix), detail=options.detail)
    if fmt == "summary-csv":
        return False, _utf8(_summary_row(record.index, record.ident, "error", error=" | ".join(problems)))
    error = {"type": kind, "problems": problems}
    return False, line_safe(_utf8(json.dumps({"index": record.index, "record": record.ident, "status": "error",
                                              "error": error}, ensure_ascii=False) + "\n"))


def _assess_chunk(records: list[Record]) -> list[tuple[bool, bytes]]:
    return [_assess_one(r) for r in records]


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for r in records:
        chunk.append(r)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def assess_lines(records: Iterable[Record], *, as_of: _dt.date | None = None, engine: str | None = None,
                 fmt: str = "json", workers: int = 1, stale_after_days: int = STALE_AFTER_DAYS,
                 destinations: Any = None, options: Options | None = None) -> Iterator[tuple[bool, bytes]]:
    """(assessed?, output line in UTF-8) per record, in input order; a bounded window in flight across workers.
    ``options`` (or the separate keywords) reach every worker whole."""
    chosen = _options(options, as_of, engine, stale_after_days, destinations)
    if workers <= 1:
        _init(chosen, fmt)
        for record in records:
            yield _assess_one(record)
        return
    window: deque[Any] = deque()
    context = pool_context()
    if context.get_start_method() == "fork":  # forked workers start with the rule book loaded and compiled
        from refugee_rules.assessor import assessor

        assessor(chosen).prepare(chosen.day())
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_init,
                               initargs=(chosen, fmt, True))
    finished = False
    try:
        for chunk in _chunks(records, CHUNK):
            window.append(pool.submit(_assess_chunk, chunk))
            if len(window) >= workers * 4:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
        finished = True
    except BrokenProcessPool:
        raise EngineError(
            "a batch worker process ended abruptly (killed, or out of memory"
            + (", or started by the fork server without `if __name__ == '__main__':` in the main script: a process "
               "that has run durable-rules is never forked" if context.get_start_method() != "fork" else "")
            + "); the records after the last line written were not assessed: run again with --resume") from None
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop(pool)


def pool_context() -> multiprocessing.context.BaseContext:
    """How the workers are started: the platform's default (read without fixing it for an embedding application),
    except that a process which has run durable-rules is never forked: its C state is not fork-safe (a forked child
    answered differently from its parent now and then: notes/fuzz/README.md). The fork server starts workers from
    a fresh interpreter instead."""
    method = multiprocessing.get_start_method(allow_none=True) or multiprocessing.get_all_start_methods()[0]
    if method == "fork" and durable_state_here():
        method = "forkserver"
    return multiprocessing.get_context(method)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once (an interrupt, an error, a caller that stopped reading): its workers are ended, not left
    to finish their chunks, and nothing more is started."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # no public way to reach them
    writer = getattr(getattr(pool, "_result_queue", None), "_writer", None)  # (shutdown forgets it: taken first)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
    # A worker ended while it wrote a chunk's results leaves half a message in the result pipe: the pool's manager
    # thread waits for the rest for ever, and the interpreter, which joins that thread at exit, never exits
    # (measured: one Ctrl-C in three hung under load). The pool's own copy of the pipe's write end is all that keeps
    # the pipe open once the workers are gone; closed, the thread reads the end of the pipe, finds the pool broken
    # and stops.
    if writer is not None:
        writer.close()


# --- resuming ---------------------------------------------------------------------------------------


def completed_lines(out: Path, fmt: str) -> int:
    """Complete records already in ``out``; a trailing partial line (an interrupted write) is cut off.
    The file is read a block at a time: resuming a large output does not hold it in memory."""
    if not out.exists():
        return 0
    lines = 0
    end = 0  # the byte after the last newline
    size = 0
    with out.open("rb") as handle:
        while block := handle.read(_READ * 16):
            count = block.count(b"\n")
            if count:
                lines += count
                end = size + block.rfind(b"\n") + 1
            size += len(block)
    if end != size:
        with out.open("r+b") as handle:
            handle.truncate(end)
    return max(0, lines - 1) if fmt == "summary-csv" else lines


def _same_file(source: Path, out: Path) -> bool:
    """Whether writing ``out`` would overwrite ``source`` (the same file by another name, a symlink or a hard link
    included)."""
    try:
        return out.exists() and source.exists() and os.path.samefile(source, out)
    except OSError:
        return False


def check_output(source: str | Path, out: str | Path, resume: bool) -> bool:
    """Whether the output is standard output (``-``); a FileError for an output that cannot be written as asked (the
    input itself, a directory, a missing directory, or standard output to resume)."""
    to_stdout = str(out) == "-"
    out = Path(out)
    if to_stdout and resume:
        raise FileError("-", "--resume needs an output file to continue, not standard output")
    if not to_stdout:
        if _same_file(Path(source), out):
            raise FileError(str(out), "the output is the input (the same file): it would be emptied before it is "
                            "read; write the output to another file")
        if out.is_dir():
            raise FileError(str(out), "a directory; give a file name for the output")
        if not out.parent.is_dir():
            raise FileError(str(out), f"the directory {str(out.parent)!r} does not exist")
    return to_stdout


def run(source: str | Path, out: str | Path, *, as_of: _dt.date | None = None, engine: str | None = None,
        fmt: str = "json", workers: int = 1, resume: bool = False, progress: Any = None,
        stale_after_days: int = STALE_AFTER_DAYS, destinations: Any = None, options: Options | None = None) -> Counts:
    """Assess every record of ``source`` into ``out`` (``-``: standard output); returns the counts
    (read = assessed + errors)."""
    to_stdout = check_output(source, out, resume)
    out = Path(out)
    records = read_records(source)
    counts = Counts()
    done = completed_lines(out, fmt) if resume else 0
    if done:
        counts.skipped = done
        records = (r for r in records if r.index >= done)
    try:
        handle = sys.stdout.buffer if to_stdout else out.open("ab" if done else "wb")
    except OSError as e:
        raise FileError(str(out), f"cannot write the file: {e.strerror or type(e).__name__}") from None
    with contextlib.nullcontext(handle) if to_stdout else handle:
        if fmt == "summary-csv" and not done:
            handle.write(_utf8(summary_header(_options(options, as_of, engine, stale_after_days, destinations))))
            handle.flush()
        for assessed, line in assess_lines(records, as_of=as_of, engine=engine, fmt=fmt, workers=workers,
                                           stale_after_days=stale_after_days, destinations=destinations,
                                           options=options):
            handle.write(line)
            handle.flush()
            counts.read += 1
            if assessed:
                counts.assessed += 1
            else:
                counts.errors += 1
            if progress is not None:
                progress.update(1)
    return counts
