"""The ``refugee-rules`` command.

Exit codes: 0 success; 1 ``batch`` or ``impact`` ran but at least one record is an error line (``verify``: different;
``test``: a case test failed);
2 bad input (profile, date, rulesets) with a message naming the field;
3 an internal failure, reported in one line, never as a traceback (case data may be in it).
Nothing is written but the output asked for; no fact is logged.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from refugee_rules import __version__
from refugee_rules.api import JURISDICTIONS, assess
from refugee_rules.assessor import assessor
from refugee_rules.engine import ENGINES
from refugee_rules.errors import FileError, ProfileError, RefugeeRulesError
from refugee_rules.explain.explainer import STALE_AFTER_DAYS
from refugee_rules.case.inputs import read_profile
from refugee_rules.result.compact import DETAILS
from refugee_rules.options import DEPTHS, FORMATS, LANGUAGES, Options, destinations_from_text
from refugee_rules.law.loader import ALL_JURISDICTIONS, builtin_dir, load

EXIT_RECORDS_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's default in its help, unless the help already states it (or there is none to state)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (default in (None, False, argparse.SUPPRESS) or isinstance(default, list) or "default" in text
                or not (action.option_strings or action.nargs in ("?", "*"))):
            return text
        return f"{text} (default: %(default)s)" if text else "default: %(default)s"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep its message, drop the noise
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


STALE_HELP = (f"warn when a regime rule rests on a source older than N days before the as-of date "
              f"(default {STALE_AFTER_DAYS})")


def _days(text: str) -> int:
    if text.isdigit():
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a whole number of days (0 or more), got {text!r}")


OUTPUT_HELP = "write here instead of standard output (- for standard output); the extension picks the format"
DESTINATIONS_HELP = ("the regimes to answer: 'all' covered countries, or ISO codes such as GE,AM (where the person is "
                     "now is always included); default: where the person is now and the profile's destinations")


def _destinations(text: str) -> tuple[str, ...] | str:
    """Options' own parsing, its message given to argparse (which names the option and exits 2)."""
    try:
        return destinations_from_text(text)
    except ProfileError:
        raise argparse.ArgumentTypeError(f"expected 'all' or ISO country codes separated by commas (GE,AM), got {text!r}") from None


def _add_options(p: argparse.ArgumentParser, *, as_of: bool = True, lang: bool = True) -> None:
    """The options of an assessment (refugee_rules.options.Options), the same on every command that assesses."""
    if as_of:
        p.add_argument("--as-of", type=_date, default=None, help="assess as of this date (default: today)")
    p.add_argument("--engine", choices=ENGINES, default=None, help="default: durable where it imports, else compiled")
    p.add_argument("--jurisdiction", choices=JURISDICTIONS, default=None,
                   help="apply an optional legal layer on top of the Convention (EU: Qualification Directive 2011/95/EU); default none")
    p.add_argument("--rulesets", action="append", metavar="DIR", help="ruleset directory (repeatable; replaces the built-in ones)")
    p.add_argument("--layer", action="append", metavar="DIR",
                   help="custom ruleset layer loaded over the built-in rulesets (repeatable, in order)")
    p.add_argument("--stale-after-days", type=_days, default=STALE_AFTER_DAYS, metavar="N", help=STALE_HELP)
    p.add_argument("--destinations", type=_destinations, default=None, metavar="all|XX,YY", help=DESTINATIONS_HELP)
    if lang:
        p.add_argument("--lang", choices=LANGUAGES, default="en", help="language of what is written (default en)")


def _options(args: argparse.Namespace) -> Options:
    as_of = getattr(args, "as_of", None)
    return Options(
        as_of=as_of if not isinstance(as_of, list) else None, engine=args.engine, jurisdiction=args.jurisdiction,
        layers=tuple(args.layer or ()), rulesets=tuple(args.rulesets) if args.rulesets else None,
        stale_after_days=args.stale_after_days, destinations=args.destinations, lang=getattr(args, "lang", "en"),
        detail=getattr(args, "detail", "compact"))


def _write(text: str, out: str | None) -> None:
    """Write to ``out``, or standard output for none or ``-``; a file that cannot be written is a one-line error."""
    if not out or out == "-":
        sys.stdout.write(text)
        return
    path = Path(out)
    if path.is_dir():
        raise FileError(out, "a directory; give a file name for the output")
    if not path.parent.is_dir():
        raise FileError(out, f"the directory {str(path.parent)!r} does not exist")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise FileError(out, f"cannot write the file: {e.strerror or type(e).__name__}") from None


_BY_SUFFIX = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown", ".json": "json",
              ".txt": "text", ".text": "text"}


def _format(args: argparse.Namespace, allowed: tuple[str, ...], default: str = "text") -> str:
    """``--format``, or the format ``-o``'s extension names; an explicit format that contradicts it is an error."""
    inferred = _BY_SUFFIX.get(Path(args.output).suffix.lower()) if args.output and args.output != "-" else None
    if inferred is not None and inferred not in allowed:
        inferred = None
    if args.format is not None:
        if inferred is not None and inferred != args.format:
            raise RefugeeRulesError(f"--format {args.format} contradicts the output file's extension "
                                    f"({args.output} is {inferred}); drop --format or rename the file")
        return str(args.format)
    return inferred or default


def _cmd_assess(args: argparse.Namespace) -> int:
    profile = read_profile(args.profile)
    args.format = _format(args, FORMATS)
    options = _options(args)
    if args.format == "json" and options.detail == "compact":  # from the decisions, byte for byte the same (tested)
        decided = assessor(options).decide(profile, as_of=options.day())
        _write(decided.to_json().decode("utf-8") + "\n", args.output)
        return 0
    from refugee_rules.views.report import render  # the report's templates and translations: only for a report

    result = assess(profile, options=options)
    timeline = None
    if args.format == "html":  # the per-destination timeline: the same profile assessed at each rule change
        from refugee_rules.tasks.timeline import timeline as _timeline

        timeline = _timeline(profile, options=options.replace(as_of=result.metadata.as_of))
    _write(render(result, args.format, lang=options.lang, depth=args.depth, timeline=timeline, detail=options.detail,
                  width=args.width or _terminal_width(args.output)), args.output)
    return 0


def _terminal_width(out: str | None) -> int:
    """The terminal's width when the report goes to a terminal; 80 for a pipe or a file."""
    import shutil

    if (not out or out == "-") and sys.stdout.isatty():
        return shutil.get_terminal_size((80, 24)).columns
    return 80


def _cmd_questions(args: argparse.Namespace) -> int:
    from refugee_rules.tasks.questions import format_questions, questions

    profile = read_profile(args.profile)
    args.format = _format(args, ("text", "json"))
    found = questions(profile, options=_options(args))
    _write(format_questions(found, args.format, lang=args.lang), args.output)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from refugee_rules.tasks.compare import compare, format_comparison

    args.format = _format(args, ("text", "markdown", "json"))
    dates = args.as_of or []
    if len(dates) > 2:
        raise RefugeeRulesError("compare: give at most two --as-of dates")
    if args.other is None and len(dates) != 2:
        raise RefugeeRulesError("compare: give a second profile, or two --as-of dates")
    result = compare(read_profile(args.profile), read_profile(args.other) if args.other else None,
                     as_of=dates[0] if dates else None, as_of_other=dates[1] if len(dates) == 2 else None,
                     options=_options(args))
    _write(format_comparison(result, args.format, lang=args.lang), args.output)
    return 0


def _cmd_catalogue(args: argparse.Namespace) -> int:
    from refugee_rules.api import load_rulesets
    from refugee_rules.result.catalogue import catalogue_json

    book = load_rulesets(tuple(args.layer or ()), rulesets=tuple(args.rulesets) if args.rulesets else None,
                         jurisdiction=args.jurisdiction)
    _write(catalogue_json(book, indent=2) + "\n", args.output)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    dirs = tuple(Path(d) for d in args.dirs) if args.dirs else (builtin_dir(),)
    book = load(dirs, jurisdictions=ALL_JURISDICTIONS,  # every optional legal layer is checked too
                layers=tuple(Path(d) for d in args.layer or ()))
    dirs = dirs + book.layers
    unconfirmed = sum(1 for r in book.rules.values() for c in r.cite if c.pinpoint and not c.confirmed)
    print(
        f"ok: {len(book.rules)} rules, {len(book.findings)} findings, {len(book.sources)} sources "
        f"({unconfirmed} pinpoints still unconfirmed) in {', '.join(map(str, dirs))}"
    )
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    from refugee_rules.frontends.schemas import json_schema

    _write(json.dumps(json_schema(args.name), indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from refugee_rules.tasks import batch

    total = batch.count_records(args.input) if args.output != "-" else None
    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]  # a progress bar with rate and ETA on a terminal; silent when piped

        progress = tqdm(total=total, unit="case", file=sys.stderr, dynamic_ncols=True)
    try:
        counts = batch.run(args.input, args.output, fmt=args.format, workers=args.workers, resume=args.resume,
                           progress=progress, options=_options(args))
    finally:
        if progress is not None:
            progress.close()
    skipped = f", {counts.skipped} already done (resumed)" if counts.skipped else ""
    print(f"read {counts.read}, assessed {counts.assessed}, errors {counts.errors}{skipped}", file=sys.stderr)
    return EXIT_RECORDS_FAILED if counts.errors else 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refugee-rules", description="Explained, cited asylum-eligibility decision support. "
                     "Advice support for trained advisers, not a decision.")
    parser.add_argument("--version", action="version", version=f"refugee-rules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    a = sub.add_parser("assess", help="assess a case profile (YAML or JSON)")
    a.add_argument("profile", help="path to the profile (YAML or JSON), or - for standard input")
    _add_options(a)
    a.add_argument("--format", choices=FORMATS, default=None,
                   help="default: from the extension of -o (.html, .md, .json, .txt), else text")
    a.add_argument("-o", "--output", help=OUTPUT_HELP)
    a.add_argument("--depth", choices=DEPTHS, default="summary",
                   help="summary: the first page (outcome, red flags, checklist, screening, where the person is, five "
                        "questions) and the destinations table; full: and the appendix of explanations, facts, rules "
                        "and citations (default: %(default)s)")
    a.add_argument("--width", type=int, default=None,
                   help="text line width (default: the terminal's width, 80 when piped or written to a file)")
    a.add_argument("--detail", choices=DETAILS, default="compact",
                   help="JSON: compact (titles, questions, citations in the catalogue, named by hash) or full (inlined)")
    a.set_defaults(run=_cmd_assess)

    q = sub.add_parser("questions", help="the questions that would settle what is undetermined, most useful first")
    q.add_argument("profile", help="path to the profile, or - for standard input")
    _add_options(q)
    q.add_argument("--format", choices=("text", "json"), default=None, help="default: from -o's extension, else text")
    q.add_argument("-o", "--output", help=OUTPUT_HELP)
    q.set_defaults(run=_cmd_questions)

    c = sub.add_parser("compare", help="which findings change between two dates, or between two profiles, and why")
    c.add_argument("profile", help="path to the profile, or - for standard input")
    c.add_argument("other", nargs="?", help="an edited copy of the profile (optional; - for standard input)")
    c.add_argument("--as-of", type=_date, action="append", help="repeat twice to compare two dates")
    _add_options(c, as_of=False)
    c.add_argument("--format", choices=("text", "markdown", "json"), default=None,
                   help="default: from -o's extension, else text")
    c.add_argument("-o", "--output", help=OUTPUT_HELP)
    c.set_defaults(run=_cmd_compare)

    k = sub.add_parser("catalogue", help="the catalogue that compact assessments refer to (titles, questions, "
                       "citations, explanation templates), for the rulesets' hash")
    k.add_argument("--jurisdiction", choices=JURISDICTIONS, default=None,
                   help="the optional legal layer the assessments were made with; default none")
    k.add_argument("--rulesets", action="append", metavar="DIR",
                   help="ruleset directory the assessments were made with (repeatable; default the built-in ones)")
    k.add_argument("--layer", action="append", metavar="DIR", help="custom layer the assessments were made with (repeatable)")
    k.add_argument("-o", "--output", help=OUTPUT_HELP)
    k.set_defaults(run=_cmd_catalogue)

    v = sub.add_parser("validate", help="load and lint rulesets")
    v.add_argument("dirs", nargs="*", help="ruleset directories (default: the built-in ones)")
    v.add_argument("--layer", action="append", metavar="DIR", help="custom ruleset layer to lint over them (repeatable)")
    v.set_defaults(run=_cmd_validate)

    b = sub.add_parser("batch", help="assess many profiles: .jsonl, .csv or a directory; one output line per record")
    b.add_argument("input", help="a .jsonl or .csv file, a directory of YAML/JSON profiles, or - for JSON lines on "
                   "standard input")
    b.add_argument("-o", "--output", required=True,
                   help="output file (.jsonl, or .csv with --format summary-csv), or - for standard output; "
                        "exit status 1 when any record is an error line")
    b.add_argument("--workers", type=_positive, default=1, help="worker processes")
    _add_options(b, lang=False)
    b.add_argument("--format", choices=("json", "summary-csv"), default="json",
                   help="json: one assessment (or error record) per line; summary-csv: one row per case, a column per finding")
    b.add_argument("--detail", choices=DETAILS, default="compact", help="JSON lines: compact or full (see assess --detail)")
    b.add_argument("--resume", action="store_true", help="continue after the last complete line of OUTPUT "
                   "(exit status: 0 every record assessed, 1 any record an error line, 2 the run could not start)")
    b.set_defaults(run=_cmd_batch)

    s = sub.add_parser("schema", help="print a JSON Schema")
    s.add_argument("name", nargs="?", choices=("profile", "assessment", "catalogue"), default="profile",
                   help="which document's schema")
    s.add_argument("-o", "--output", help=OUTPUT_HELP)
    s.set_defaults(run=_cmd_schema)
    _add_embedding_commands(sub)
    _add_training_commands(sub)
    _add_completion_command(sub)
    _add_organisation_commands(sub)
    return parser


def _cmd_verify(args: argparse.Namespace) -> int:
    from refugee_rules.tasks.verify import verify

    if args.assessment == "-" and args.profile == "-":
        raise RefugeeRulesError("verify: standard input can carry the assessment or the profile, not both")
    stored: Any = args.assessment
    if stored == "-":
        from refugee_rules.tasks.verify import AssessmentFileError

        try:
            stored = json.loads(sys.stdin.buffer.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise AssessmentFileError(f"standard input: not a JSON assessment ({type(e).__name__})") from None
        if not isinstance(stored, dict):
            raise AssessmentFileError("standard input: not an assessment: no 'metadata' object")
    result = verify(stored, read_profile(args.profile), layers=tuple(args.layer or ()),
                    rulesets=tuple(args.rulesets) if args.rulesets else None)  # the rest is in its metadata
    sys.stdout.write(result.report())
    return 0 if result.identical else 1


def _port(text: str) -> int:
    if text.isdigit() and int(text) <= 65535:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a TCP port 0-65535 (0: any free port), got {text!r}")


def _positive(text: str) -> int:
    if text.isdigit() and int(text) > 0:
        return int(text)
    raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}")


def _cmd_serve(args: argparse.Namespace) -> int:
    try:
        from refugee_rules.frontends.service import serve
    except ImportError as e:
        raise RefugeeRulesError(f"the HTTP service needs the 'server' extra: pip install 'refugee-rules[server]' ({e})") from None
    serve(host=args.host, port=args.port, layers=tuple(args.layer or ()), max_body_bytes=args.max_body_bytes)
    return 0


def _add_embedding_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``verify`` (audit a stored assessment) and ``serve`` (the HTTP service)."""
    ver = sub.add_parser("verify", help="re-run a stored JSON assessment on its profile: exit 0 identical, 1 different")
    ver.add_argument("assessment", help="the assessment, as written by `assess --format json` (- for standard input)")
    ver.add_argument("profile", help="the profile it was made from (- for standard input)")
    ver.add_argument("--layer", action="append", metavar="DIR", help="custom layer the assessment was made with")
    ver.add_argument("--rulesets", action="append", metavar="DIR", help="ruleset directory it was made with")
    ver.set_defaults(run=_cmd_verify)

    srv = sub.add_parser("serve", help="serve the API over HTTP (needs the 'server' extra); OpenAPI at /docs")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    srv.add_argument("--port", type=_port, default=8000, help="TCP port, 0-65535; 0 picks a free one (default 8000)")
    srv.add_argument("--layer", action="append", metavar="DIR", help="custom ruleset layer for every request")
    srv.add_argument("--max-body-bytes", type=_positive, default=1_000_000,
                     help="larger request bodies get 413 (default 1000000)")
    srv.set_defaults(run=_cmd_serve)


def _cmd_walkthrough(args: argparse.Namespace) -> int:
    from refugee_rules.tasks.walkthrough import run

    result = assess(read_profile(args.profile), options=_options(args))

    def pause() -> bool:  # Enter continues; end of input stops
        sys.stdout.flush()
        return sys.stdin.readline() != ""

    run(result, args.lang, sys.stdout.write, pause if args.step else None)
    return 0


def _cmd_interview(args: argparse.Namespace) -> int:
    """At a terminal, answers are read with GNU readline (the standard library's): arrow keys edit the line and
    recall earlier answers, and the history lives in memory only (no history file: case facts are never written
    unasked). prompt_toolkit would add completion, but also a dependency and its own screen handling for what
    readline already does; piped input is read line by line."""
    from refugee_rules.frontends.interview import InterviewSession, run_terminal

    if sys.stdin.isatty():
        try:
            import readline
        except ImportError:  # pragma: no cover - Windows without pyreadline: plain input() still works
            pass
        else:
            readline.parse_and_bind("set enable-bracketed-paste off")  # no escape codes around each prompt

        def read(prompt: str) -> str | None:
            try:
                return input(prompt)
            except EOFError:
                return None
    else:
        def read(prompt: str) -> str | None:
            sys.stdout.write(prompt)
            sys.stdout.flush()
            line = sys.stdin.readline()
            return line if line else None

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    if args.profile == "-" or args.save == "-":
        raise RefugeeRulesError("interview: standard input carries the answers and standard output the questions; "
                                "give the profile and --save as files")
    if args.save:  # checked before the first question, not after the last
        target = Path(args.save)
        if target.is_dir():
            raise FileError(args.save, "a directory; give a file name to save the profile to")
        if not target.parent.is_dir():
            raise FileError(args.save, f"the directory {str(target.parent)!r} does not exist")
    profile = read_profile(args.profile) if args.profile else None
    with InterviewSession(profile, options=_options(args)) as session:
        return run_terminal(session, read, write, save=args.save)


def _add_training_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``walkthrough`` (a profile told element by element, for trainers) and ``interview``."""
    w = sub.add_parser("walkthrough", help="the assessment told element by element, with facts, rules and citations")
    w.add_argument("profile", help="path to the profile, or - for standard input (then --step ends at once)")
    _add_options(w)
    w.add_argument("--step", action="store_true", help="wait for Enter between steps (end of input stops)")
    w.set_defaults(run=_cmd_walkthrough)

    i = sub.add_parser("interview", help="a guided interview: the most useful question first, the assessment after each answer")
    i.add_argument("profile", nargs="?", help="a partial profile file to start from (default: an empty one; not -, "
                   "standard input carries the answers)")
    _add_options(i)
    i.add_argument("--save", metavar="OUT.yaml", help="save the profile here when the interview ends, is stopped or interrupted (Ctrl-C, end of input); "
                   "nothing is saved without it")
    i.set_defaults(run=_cmd_interview)


_FILE_ARGUMENTS = {"profile", "other", "assessment", "input", "output", "save"}
_DIRECTORY_ARGUMENTS = {"rulesets", "layer", "dirs"}


def _cmd_completion(args: argparse.Namespace) -> int:
    """A static script generated from this parser by shtab: completing costs the shell nothing, no Python start."""
    try:
        import shtab
    except ImportError as e:  # pragma: no cover - a dependency; only a broken install lacks it
        raise RefugeeRulesError(f"shell completion needs shtab: pip install shtab ({e})") from None
    parser = build_parser()
    for action in _all_actions(parser):
        if action.dest in _FILE_ARGUMENTS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.dest in _DIRECTORY_ARGUMENTS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
    _write(shtab.complete(parser, shell=args.shell), args.output)
    return 0


def _all_actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    found: list[argparse.Action] = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                found += _all_actions(child)
    return found


def _add_completion_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    comp = sub.add_parser("completion", help="print a shell completion script (bash, zsh or tcsh)",
                          description="Print a completion script for your shell. bash: "
                                      "refugee-rules completion bash > ~/.local/share/bash-completion/completions/refugee-rules; "
                                      "zsh: refugee-rules completion zsh > a directory on your $fpath, named _refugee-rules.")
    comp.add_argument("shell", choices=("bash", "zsh", "tcsh"), help="the shell to complete in")
    comp.add_argument("-o", "--output", help="write here instead of standard output (- for standard output)")
    comp.set_defaults(run=_cmd_completion)
def _cmd_test(args: argparse.Namespace) -> int:
    from refugee_rules.tasks import casetests

    base = Options(engine=args.engine, layers=tuple(args.layer or ()))
    results = []
    for result in casetests.run(args.paths, base):
        results.append(result)
        if result.status != "passed" or not args.quiet:
            sys.stdout.write(casetests.format_result(result))
            sys.stdout.flush()
    sys.stdout.write(casetests.summary_line(results))
    if any(r.status == "error" for r in results):
        return EXIT_BAD_INPUT
    return EXIT_RECORDS_FAILED if any(r.status == "failed" for r in results) else 0


def _cmd_impact(args: argparse.Namespace) -> int:
    from refugee_rules.tasks import batch, impact

    left, right = impact.sides(_options(args), from_date=args.from_date, to_date=args.to_date,
                               from_rulesets=tuple(args.from_rulesets) if args.from_rulesets else None,
                               to_rulesets=tuple(args.to_rulesets) if args.to_rulesets else None)
    fmt = args.format or ("csv" if str(args.output).lower().endswith(".csv") else "jsonl")
    total = batch.count_records(args.input) if args.output != "-" else None
    progress = None
    if sys.stderr.isatty():
        from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]  # rate and ETA on a terminal; silent when piped

        progress = tqdm(total=total, unit="case", file=sys.stderr, dynamic_ncols=True)
    try:
        summary = impact.run(args.input, args.output, left, right, fmt=fmt, workers=args.workers, resume=args.resume,
                             progress=progress)
    finally:
        if progress is not None:
            progress.close()
    print(f"impact of {left.day} -> {right.day}" + (" (two rules versions)" if left.options.rules != right.options.rules
                                                    else "") + ": " + summary.table(), end="", file=sys.stderr)
    if args.summary:
        _write(summary.csv() if args.summary.lower().endswith(".csv") else summary.table(), args.summary)
    return EXIT_RECORDS_FAILED if summary.errors else 0


def _add_organisation_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """``test`` (an organisation's YAML case tests) and ``impact`` (what a rule change does to a caseload)."""
    t = sub.add_parser("test", help="run YAML case tests (*.test.yaml): exit 0 all passed, 1 a test failed, "
                       "2 a test file is wrong")
    t.add_argument("paths", nargs="+", metavar="PATH", help="a test file, or a directory searched for *.test.yaml")
    t.add_argument("--engine", choices=ENGINES, default=None, help="default: durable where it imports, else compiled")
    t.add_argument("--layer", action="append", metavar="DIR",
                   help="custom layer loaded under every test's own layers (repeatable)")
    t.add_argument("-q", "--quiet", action="store_true", help="print only the tests that do not pass, and the counts")
    t.set_defaults(run=_cmd_test)

    m = sub.add_parser("impact", help="which clients of a caseload a rule change (two dates, or two rules versions) "
                       "changes, and how: one line per client whose answers change, and a summary")
    m.add_argument("input", help="the caseload: a .jsonl or .csv file, or a directory of YAML/JSON profiles (as batch)")
    m.add_argument("--from", dest="from_date", type=_date, default=None, metavar="DATE",
                   help="the first side's date (default: today)")
    m.add_argument("--to", dest="to_date", type=_date, default=None, metavar="DATE",
                   help="the second side's date (default: the first's)")
    m.add_argument("--from-rulesets", action="append", metavar="DIR", help="the first side's ruleset directory "
                   "(repeatable; default: --rulesets, else the built-in ones)")
    m.add_argument("--to-rulesets", action="append", metavar="DIR", help="the second side's ruleset directory "
                   "(repeatable; default: the first side's)")
    m.add_argument("-o", "--output", required=True,
                   help="output: .jsonl (one line per changed client) or .csv (one row per change), or - for "
                        "standard output; exit status 1 when any record is an error line")
    m.add_argument("--format", choices=("jsonl", "csv"), default=None, help="default: from -o's extension, else jsonl")
    m.add_argument("--summary", metavar="FILE", help="also write the summary here (.csv: one row per change with "
                   "the clients it touches; else the table printed on standard error)")
    m.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    m.add_argument("--resume", action="store_true", help="continue an interrupted run into the same OUTPUT")
    _add_options(m, as_of=False, lang=False)
    m.set_defaults(run=_cmd_impact)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except RefugeeRulesError as e:
        from refugee_rules.views.i18n import error_text

        print(f"refugee-rules: {error_text(e, getattr(args, 'lang', 'en'))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:  # a file or stream the command was given: named, in one line
        where = e.filename if e.filename is not None else "a file"
        print(f"refugee-rules: {where}: {e.strerror or type(e).__name__}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as e:  # no traceback: it could carry case facts to a terminal log
        print(f"refugee-rules: internal error ({type(e).__name__}); please report it with the command used, "
              "without the profile", file=sys.stderr)
        return EXIT_INTERNAL


def command() -> int:
    """The console command: :func:`main`, then the process exits without the collector walking what it built.

    A command's rule book, compiled programs and memos are a few hundred thousand objects the process holds to the
    end; at exit the interpreter ran its collector over all of them (measured: ~170 ms of a ~0.85 s one-profile
    ``assess``). Freezing them first (:func:`gc.freeze`) leaves that walk out; files are still flushed and closed
    and exit handlers still run. Only here, in a process the command owns: :func:`main` is also called inside
    other processes (tests, an embedder), where frozen objects would never be collected."""
    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    sys.exit(command())
