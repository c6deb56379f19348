"""The ``refugee-rules`` command.

Exit codes: 0 success; 2 bad input (profile, date, rulesets) with a message naming the field;
3 an internal failure, reported in one line, never as a traceback (case data may be in it).
Nothing is written but the output asked for; no fact is logged.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from pathlib import Path

from . import __version__
from .api import JURISDICTIONS, assess
from .assessment import Assessment
from .engine import ENGINES
from .errors import RefugeeRulesError
from .inputs import read_profile
from .profile import CaseProfile
from .report import DEPTHS, FORMATS, LANGUAGES, render
from .rules.loader import ALL_JURISDICTIONS, builtin_dir, load

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its message, drop the noise
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def _cmd_assess(args: argparse.Namespace) -> int:
    profile = read_profile(args.profile)
    rulesets = tuple(args.rulesets) if args.rulesets else None
    result = assess(profile, as_of=args.as_of, engine=args.engine, rulesets=rulesets, jurisdiction=args.jurisdiction)
    timeline = None
    if args.format == "html":  # the per-destination timeline: the same profile assessed at each rule change
        from .report.timeline import timeline as _timeline

        timeline = _timeline(profile, result.metadata.as_of, engine=args.engine, rulesets=rulesets)
    _write(render(result, args.format, lang=args.lang, depth=args.depth, timeline=timeline), args.output)
    return 0


def _cmd_questions(args: argparse.Namespace) -> int:
    from .questions import format_questions, questions

    profile = read_profile(args.profile)
    rulesets = tuple(args.rulesets) if args.rulesets else None
    found = questions(profile, as_of=args.as_of, lang=args.lang, engine=args.engine, rulesets=rulesets)
    _write(format_questions(found, args.format, lang=args.lang), args.output)
    return 0


def _cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare, format_comparison

    dates = args.as_of or []
    if len(dates) > 2:
        raise RefugeeRulesError("compare: give at most two --as-of dates")
    if args.other is None and len(dates) != 2:
        raise RefugeeRulesError("compare: give a second profile, or two --as-of dates")
    rulesets = tuple(args.rulesets) if args.rulesets else None
    result = compare(read_profile(args.profile), read_profile(args.other) if args.other else None,
                     as_of=dates[0] if dates else None, as_of_other=dates[1] if len(dates) == 2 else None,
                     engine=args.engine, rulesets=rulesets)
    _write(format_comparison(result, args.format, lang=args.lang), args.output)
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    dirs = tuple(Path(d) for d in args.dirs) if args.dirs else (builtin_dir(),)
    book = load(dirs, jurisdictions=ALL_JURISDICTIONS)  # every optional layer is checked too
    unconfirmed = sum(1 for r in book.rules.values() for c in r.cite if c.pinpoint and not c.confirmed)
    print(
        f"ok: {len(book.rules)} rules, {len(book.findings)} findings, {len(book.sources)} sources "
        f"({unconfirmed} pinpoints still unconfirmed) in {', '.join(map(str, dirs))}"
    )
    return 0


def _cmd_schema(args: argparse.Namespace) -> int:
    model = CaseProfile if args.name == "profile" else Assessment
    _write(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False) + "\n", args.output)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="refugee-rules", description="Explained, cited asylum-eligibility decision support. "
                     "Advice support for trained advisers, not a decision.")
    parser.add_argument("--version", action="version", version=f"refugee-rules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    a = sub.add_parser("assess", help="assess a case profile (YAML or JSON)")
    a.add_argument("profile", help="path to the profile")
    a.add_argument("--as-of", type=_date, default=None, help="assess as of this date (default: today)")
    a.add_argument("--format", choices=FORMATS, default="text")
    a.add_argument("--engine", choices=ENGINES, default=None, help="default: durable where it imports, else compiled")
    a.add_argument("--jurisdiction", choices=JURISDICTIONS, default=None,
                   help="apply an optional legal layer on top of the Convention (EU: Qualification Directive 2011/95/EU); default none")
    a.add_argument("--rulesets", action="append", metavar="DIR", help="ruleset directory (repeatable; replaces the built-in ones)")
    a.add_argument("-o", "--output", help="write here instead of standard output")
    a.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report (default en)")
    a.add_argument("--depth", choices=DEPTHS, default="full", help="summary: outcome, statuses, open questions")
    a.set_defaults(run=_cmd_assess)

    q = sub.add_parser("questions", help="the questions that would settle what is undetermined, most useful first")
    q.add_argument("profile", help="path to the profile")
    q.add_argument("--as-of", type=_date, default=None)
    q.add_argument("--lang", choices=LANGUAGES, default="en")
    q.add_argument("--format", choices=("text", "json"), default="text")
    q.add_argument("--engine", choices=ENGINES, default=None)
    q.add_argument("--rulesets", action="append", metavar="DIR")
    q.add_argument("-o", "--output")
    q.set_defaults(run=_cmd_questions)

    c = sub.add_parser("compare", help="which findings change between two dates, or between two profiles, and why")
    c.add_argument("profile", help="path to the profile")
    c.add_argument("other", nargs="?", help="an edited copy of the profile (optional)")
    c.add_argument("--as-of", type=_date, action="append", help="repeat twice to compare two dates")
    c.add_argument("--lang", choices=LANGUAGES, default="en")
    c.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    c.add_argument("--engine", choices=ENGINES, default=None)
    c.add_argument("--rulesets", action="append", metavar="DIR")
    c.add_argument("-o", "--output")
    c.set_defaults(run=_cmd_compare)

    v = sub.add_parser("validate", help="load and lint rulesets")
    v.add_argument("dirs", nargs="*", help="ruleset directories (default: the built-in ones)")
    v.set_defaults(run=_cmd_validate)

    s = sub.add_parser("schema", help="print a JSON Schema")
    s.add_argument("name", nargs="?", choices=("profile", "assessment"), default="profile")
    s.add_argument("-o", "--output")
    s.set_defaults(run=_cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except RefugeeRulesError as e:
        print(f"refugee-rules: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # no traceback: it could carry case facts to a terminal log
        print(f"refugee-rules: internal error ({type(e).__name__}); please report it with the command used, "
              "without the profile", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
