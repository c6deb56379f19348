"""Case tests in YAML: what an organisation expects its rules to answer, pinned beside them and run by the command.

Legal aid organisations that add a layer (``--layer DIR``) need to pin what it must answer without writing pytest
(OpenFisca users write ``name / period / input / output`` YAML and run ``openfisca test``). A test file
(``*.test.yaml``) holds one or more tests::

    layers: [..]                # defaults for every test of the file (paths relative to this file)
    tests:
      - name: Boris, a year after his case was opened
        profile: ../../profiles/boris-anti-war-petitions.yaml     # or the profile itself, inline
        as_of: 2024-03-01
        jurisdiction: EU          # optional; so are layers and destinations
        outcome: inclusion_met_screening_open                      # optional
        answers:                  # finding id -> answer, in the words of the finding's kind (law/kinds.py)
          being_persecuted: met
          exclusion_1f_a: not_screened

A test must expect something (an outcome or at least one answer): a test that cannot fail is a defect. Each test is
assessed on its own options, and only the findings it names are compared, so a test keeps passing when rules it
does not speak of change. A mistake in a file is named with the file, the test and the key (with a did-you-mean
among the finding ids, the answer words of that finding's kind or the keys allowed), never a traceback.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import textwrap
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from refugee_rules.errors import FileError, OptionsError, ProfileError, RefugeeRulesError, describe
from refugee_rules.law.kinds import KINDS
from refugee_rules.law.loader import CASE_TEST_SUFFIXES, is_case_test
from refugee_rules.options import Options
from refugee_rules.result.assessment import Assessment, OutcomeStatus

SUFFIXES = CASE_TEST_SUFFIXES
"""What makes a file a case test when a directory is searched (rule loading skips them, so they may live in a layer)."""


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CaseTest(_Spec):
    """One test: a profile, the options it is assessed with, and what it must answer."""

    name: str = Field(min_length=1, description="Shown on the line that reports the test.")
    profile: str | dict[str, Any] = Field(description="A profile file (relative to the test file) or the profile itself.")
    as_of: _dt.date = Field(description="The date the profile is assessed as of.")
    layers: list[str] | None = Field(default=None, description="Custom layer directories (relative to the test file).")
    jurisdiction: str | None = None
    destinations: list[str] | Literal["all"] | None = None
    engine: Literal["durable", "compiled"] | None = None
    outcome: OutcomeStatus | None = None
    answers: dict[str, str] = Field(default_factory=dict, description="Finding id -> expected answer.")
    note: str | None = Field(default=None, description="Why this is expected (shown nowhere; for the reader).")

    @field_validator("answers", mode="before")
    @classmethod
    def _words(cls, value: Any) -> Any:
        """YAML reads an unquoted yes, no, true or false as a boolean: say so instead of 'not a string'."""
        if isinstance(value, dict):
            for key, word in value.items():
                if isinstance(word, bool):
                    raise ValueError(f"{key}: {word!r} is what YAML makes of yes/no/true/false; write the answer "
                                     "word of the finding's kind (met, not_met, refused, flagged ...)")
        return value


class TestFile(_Spec):
    """A file of tests, with defaults for the options they share."""

    layers: list[str] | None = None
    jurisdiction: str | None = None
    as_of: _dt.date | None = None
    destinations: list[str] | Literal["all"] | None = None
    tests: list[dict[str, Any]] = Field(min_length=1)


@dataclass(frozen=True)
class Loaded:
    """A test read from its file, resolved against the file's directory and defaults."""

    file: str
    name: str
    test: CaseTest | None = None
    problems: tuple[str, ...] = ()  # why it cannot run; set instead of test
    base: Path = Path(".")


@dataclass(frozen=True)
class Mismatch:
    finding: str  # a finding id, or "outcome"
    expected: str
    actual: str
    explanation: str = ""
    rules: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()


@dataclass
class Result:
    file: str
    name: str
    status: Literal["passed", "failed", "error"]
    mismatches: list[Mismatch] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checked: int = 0  # expectations compared


# --- reading ------------------------------------------------------------------------------------------


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The test files named, a directory searched for ``*.test.yaml``; a path that is neither is a FileError."""
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and is_case_test(p) and ".venv" not in p.parts)
            if not inside:
                raise FileError(str(path), f"no case tests here (files named *{SUFFIXES[0]})")
            found += inside
        elif path.is_file():
            found.append(path)
        else:
            raise FileError(str(path), "no such file or directory")
    return list(dict.fromkeys(found))


def load_file(path: Path) -> list[Loaded]:
    """The tests of one file; a file that does not parse is one Loaded with its problems."""
    from refugee_rules.case.inputs import read_document

    label = str(path)
    try:
        data = read_document(path)
    except (ProfileError, FileError) as e:
        return [Loaded(label, "(file)", problems=tuple(getattr(e, "problems", None) or [str(e)]))]
    if isinstance(data, list):
        data = {"tests": data}
    if not isinstance(data, dict):
        return [Loaded(label, "(file)", problems=(f"(top level): expected a mapping with 'tests:' or a list of tests, "
                                                  f"got {type(data).__name__}",))]
    try:
        spec = TestFile.model_validate(data)
    except ValidationError as e:
        return [Loaded(label, "(file)", problems=tuple(describe(e, TestFile)))]
    defaults = {k: v for k, v in (("layers", spec.layers), ("jurisdiction", spec.jurisdiction),
                                  ("as_of", spec.as_of), ("destinations", spec.destinations)) if v is not None}
    out = []
    for i, raw in enumerate(spec.tests):
        given = raw.get("name")
        name = given if isinstance(given, str) and given else f"tests[{i}]"
        try:
            test = CaseTest.model_validate(defaults | raw)
        except ValidationError as e:
            out.append(Loaded(label, name, problems=tuple(f"tests[{i}].{p}" for p in describe(e, CaseTest))))
            continue
        if test.outcome is None and not test.answers:
            out.append(Loaded(label, name, problems=(f"tests[{i}]: expects nothing; give an outcome or answers "
                                                     "(a test that cannot fail tests nothing)",)))
            continue
        out.append(Loaded(label, name, test, base=path.parent))
    return out


def load(paths: Iterable[str | Path]) -> list[Loaded]:
    return [t for f in discover(paths) for t in load_file(f)]


# --- running ------------------------------------------------------------------------------------------


def _hint(word: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def options_of(loaded: Loaded, base: Options | None = None) -> Options:
    """The options a test is assessed with: ``base`` (the command's engine, extra layers) with the test's own."""
    test = loaded.test
    assert test is not None
    chosen = base or Options()
    layers = tuple(chosen.layers) + tuple(loaded.base / d for d in (test.layers or ()))
    return chosen.replace(as_of=test.as_of, layers=layers, jurisdiction=test.jurisdiction or chosen.jurisdiction,
                          destinations=test.destinations if test.destinations is not None else chosen.destinations,
                          engine=test.engine or chosen.engine)


def _profile(loaded: Loaded) -> Any:
    from refugee_rules.case.inputs import profile_from_mapping, read_profile

    test = loaded.test
    assert test is not None
    if isinstance(test.profile, dict):
        return profile_from_mapping(test.profile, "profile")
    return read_profile(loaded.base / test.profile)


def problems_of(test: CaseTest, book: Any) -> list[str]:
    """What is wrong with a test's expectations under this rule book: a finding id it does not hold, or a word the
    finding's kind does not answer in (each with a did-you-mean)."""
    problems = []
    for fid, expected in test.answers.items():
        decl = book.findings.get(fid)
        if decl is None:
            problems.append(f"answers.{fid}: no finding of that id in these rulesets{_hint(fid, book.findings)}")
            continue
        kind = KINDS[decl.kind]
        if expected not in kind.words:
            problems.append(f"answers.{fid}: {expected!r} is not an answer of this {decl.kind} finding (its words: "
                            f"{', '.join(kind.words)}){_hint(expected, kind.words)}")
    return problems


def check(loaded: Loaded, result: Assessment) -> Result:
    """Compare an assessment with what the test expects (whose words :func:`problems_of` has checked)."""
    test = loaded.test
    assert test is not None
    book = result.rule_book
    problems: list[str] = []
    mismatches: list[Mismatch] = []
    answered = {f.id: f for f in result.findings}
    checked = 0
    if test.outcome is not None:
        checked += 1
        if result.outcome.status != test.outcome:
            mismatches.append(Mismatch("outcome", test.outcome, result.outcome.status, result.outcome.summary))
    for fid, expected in test.answers.items():
        found = answered.get(fid)
        if found is None:
            decl = book.findings.get(fid) if book is not None else None
            where = f" (its destination {decl.destination} is not in scope: add destinations: [{decl.destination}])" \
                if decl is not None and decl.destination else ""
            problems.append(f"answers.{fid}: this finding is not answered for this profile{where}")
            continue
        checked += 1
        if found.answer != expected:
            mismatches.append(Mismatch(fid, expected, found.answer, found.explanation, tuple(found.rules_fired),
                                       tuple(m.question for m in found.missing_facts)))
    if problems:
        return Result(loaded.file, loaded.name, "error", mismatches, problems, checked)
    return Result(loaded.file, loaded.name, "failed" if mismatches else "passed", mismatches, [], checked)


def run_one(loaded: Loaded, base: Options | None = None) -> Result:
    """One test, never raising: a profile, layer or option that does not load is the test's error."""
    from refugee_rules.api import assess
    from refugee_rules.assessor import rule_book

    test = loaded.test
    if test is None:
        return Result(loaded.file, loaded.name, "error", problems=list(loaded.problems))
    problems: list[str] = []
    try:
        options = options_of(loaded, base)
        problems += problems_of(test, rule_book(options))
        profile = _profile(loaded)
    except OptionsError as e:  # the test's as_of, layers, destinations …: each names its own field
        return Result(loaded.file, loaded.name, "error", problems=problems + e.problems)
    except ProfileError as e:
        where = "profile" if isinstance(test.profile, dict) else f"profile ({test.profile})"
        return Result(loaded.file, loaded.name, "error", problems=problems + [f"{where}: {p}" for p in e.problems])
    except FileError as e:
        return Result(loaded.file, loaded.name, "error", problems=problems + [f"profile: {e}"])
    except RefugeeRulesError as e:  # a layer that does not load names its files and rules
        return Result(loaded.file, loaded.name, "error", problems=problems + str(e).splitlines())
    if problems:
        return Result(loaded.file, loaded.name, "error", problems=problems)
    try:
        result = assess(profile, options=options)
    except RefugeeRulesError as e:
        return Result(loaded.file, loaded.name, "error", problems=str(e).splitlines())
    return check(loaded, result)


def run(paths: Iterable[str | Path], base: Options | None = None) -> Iterator[Result]:
    """Every test under ``paths``, in file order, one Result each."""
    for loaded in load(paths):
        yield run_one(loaded, base)


# --- reporting ----------------------------------------------------------------------------------------


def _wrapped(label: str, text: str, indent: str = "        ") -> list[str]:
    return textwrap.wrap(" ".join(text.split()), width=110, initial_indent=f"{indent}{label}: ",
                         subsequent_indent=indent + " " * (len(label) + 2))


def format_result(r: Result) -> str:
    """One line for a test; below a failure, the diff of expected and actual with each finding's explanation."""
    head = {"passed": "PASS", "failed": "FAIL", "error": "ERROR"}[r.status]
    lines = [f"{head}  {r.file} :: {r.name}"]
    for p in r.problems:
        lines.append(f"    {r.file}: test {r.name!r}: {p}")
    if r.mismatches:
        width = max(len(m.finding) for m in r.mismatches)
        lines.append(f"    {'':2}{'finding':<{width}}  {'expected':<22}  actual")
        for m in r.mismatches:
            lines.append(f"    - {m.finding:<{width}}  {m.expected:<22}  {m.actual}")
            if m.explanation:
                lines += _wrapped("why", m.explanation)
            if m.rules:
                lines += _wrapped("rules", ", ".join(m.rules))
            if m.questions:
                lines += _wrapped("would settle it", "; ".join(m.questions[:3]))
    return "\n".join(lines) + "\n"


def summary_line(results: list[Result]) -> str:
    passed = sum(r.status == "passed" for r in results)
    failed = sum(r.status == "failed" for r in results)
    errors = sum(r.status == "error" for r in results)
    return f"{passed} passed, {failed} failed" + (f", {errors} with errors in the test file" if errors else "") + "\n"
