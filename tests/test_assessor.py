"""The Assessor owns what an assessment remembers: rule books, programs, compiled functions and memos.

These tests pin the three promises of that design: nothing built from rules or cases is cached anywhere else in the
process; what is kept is shared where it is the same (one book for two engines, one program for every date between
two rule changes); and the optional EU layer is explained in the same run exactly as assessing twice would explain it.
"""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from refugee_rules import assess
from refugee_rules.assessor import Assessor, assessor, rule_book
from refugee_rules.engine import durable_available
from refugee_rules.explain.evidence import layer_notes
from refugee_rules.options import Options

from .strategies import AS_OF_DATES, any_flat_profiles, examples, nest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "refugee_rules"
ENGINES = ["compiled"] + (["durable"] if durable_available() else [])

PACKAGE_CONSTANTS = {
    # tables built from the installed package alone (its models, catalogs and templates), never from rules or cases
    "case/facts.py:catalogue",
    # the Passport Index extract shipped with the package, and the derived facts it defines (never a case's)
    "case/passport_index.py:dataset", "case/facts.py:fact_specs",
    "result/compact.py:_defaults", "result/compact.py:_adapter",
    "views/i18n.py:catalog", "views/i18n.py:translations", "views/i18n.py:_countries",
    "views/report.py:_rule_env", "views/report.py:_env",
    # the names of countries in English and Russian, from pycountry and Babel (the interview reads "Грузия" as GE)
    "frontends/interview.py:_country_names",
    # the browser interview: its templates per language, the countries to pick from, and the report's style sheet
    # (rendered once per language from an empty profile: styles and page-margin words, never a case's)
    "frontends/web/pages.py:_env", "frontends/web/answers.py:country_options", "frontends/web/pages.py:report_css",
}


def _cached_functions() -> dict[str, list[str]]:
    """Every function of the package under functools' lru_cache or cache, with the names of its parameters."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for deco in node.decorator_list:
                target = deco.func if isinstance(deco, ast.Call) else deco
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name in ("lru_cache", "cache"):
                    found[f"{path.relative_to(PACKAGE).as_posix()}:{node.name}"] = [
                        a.annotation and ast.unparse(a.annotation) or "" for a in node.args.args]
    return found


def test_nothing_built_from_rules_or_cases_is_cached_outside_the_assessor() -> None:
    cached = _cached_functions()
    assert set(cached) == PACKAGE_CONSTANTS, "a new process-wide cache: keep it in the Assessor (or its Memos) instead"
    for name, params in cached.items():  # keyed on plain values (a language, a field name), never a book or program
        assert all(p in ("str", "bool") for p in params), (name, params)


def test_assessors_that_differ_only_in_their_engine_share_one_rule_book() -> None:
    first = assessor(Options(engine="compiled"))
    second = assessor(Options(engine="durable" if durable_available() else "compiled", as_of=dt.date(2023, 1, 1)))
    assert first.book is second.book
    assert assessor(Options(engine="compiled", jurisdiction="EU")).book is not first.book


def test_every_date_between_two_rule_changes_shares_one_program() -> None:
    a = Assessor(Options(engine="compiled"), rule_book(Options(engine="compiled")))  # a fresh Assessor, the book shared
    assert a.program(dt.date(2024, 3, 1)) is a.program(dt.date(2024, 3, 2))  # no rule starts or ends in between
    before, after = a.program(dt.date(2022, 1, 1)), a.program(dt.date(2024, 3, 1))
    assert before is not after and before.active_rules != after.active_rules
    assert a.program(dt.date(2022, 1, 1)) is before


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat=any_flat_profiles, as_of=AS_OF_DATES)
def test_the_eu_layer_is_noted_in_one_run_as_assessing_twice_would_note_it(flat, as_of) -> None:
    """Art 9(2)(e) QD and EZ add ways for Convention findings to hold; the notes say which changed, from what to what,
    by which rules and sources. Found in one run, they equal those found by assessing without the layer and comparing."""
    profile = nest(flat)
    for engine in ENGINES:
        layered = assess(profile, as_of=as_of, engine=engine, jurisdiction="EU")
        alone = assess(profile, as_of=as_of, engine=engine)
        expected = layer_notes(alone.findings, layered.findings, "EU")
        noted = {f.id: n for f in layered.findings for n in f.notes if n.code == "jurisdiction_changed"}
        assert noted == expected


DESERTER = Path(__file__).resolve().parents[1] / "examples" / "profiles" / "deserter-mobilised.yaml"


def test_the_eu_layer_notes_the_presumption_it_adds_for_a_deserter_who_gives_no_reason() -> None:
    """EZ (C-238/19) operative part, point 3: a strong presumption that refusing service in a conflict with Art 12(2)
    crimes relates to a Convention reason. Without stated reasons, the nexus is open on the Convention alone and met
    with the layer: the note says so, as assessing twice would, on both engines."""
    from refugee_rules.case.facts import flatten
    from refugee_rules.case.inputs import read_profile

    flat = dict(flatten(read_profile(DESERTER), dt.date(2024, 3, 1)).known)
    flat.pop("as_of", None)
    flat.pop("fear.reasons_attributed")
    for engine in ENGINES:
        layered = assess(nest(flat), as_of="2024-03-01", engine=engine, jurisdiction="EU")
        alone = assess(nest(flat), as_of="2024-03-01", engine=engine)
        noted = {f.id: n for f in layered.findings for n in f.notes if n.code == "jurisdiction_changed"}
        assert noted == layer_notes(alone.findings, layered.findings, "EU")
        assert (noted["nexus_political_opinion"].before, noted["nexus_political_opinion"].after) == ("undetermined", "met")
        assert noted["nexus_political_opinion"].rules == ["eu.ez.nexus-presumption"]


_PAIRS: dict[str, tuple[Assessor, Assessor]] = {}  # built once: durable-rules never frees a ruleset it registered


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat=any_flat_profiles, as_of=AS_OF_DATES)
def test_a_case_run_on_its_scoped_program_is_the_case_run_on_the_whole_program(flat, as_of) -> None:
    """Scoping compiles only the productions the findings in scope can reach; the assessment is the same, trace and
    all, whether the scoped program or the whole program of the date ran it."""
    import refugee_rules.assessor as module

    profile = nest(flat)
    for engine in ENGINES:
        if engine not in _PAIRS:  # not setdefault: its default, two Assessors loading the rulesets, was built every call
            book = rule_book(Options(engine=engine))
            _PAIRS[engine] = (Assessor(Options(engine=engine), book), Assessor(Options(engine=engine), book))
        scoped, whole = _PAIRS[engine]
        saved, module.SCOPED_PROGRAMS = module.SCOPED_PROGRAMS, 0  # every scope past the bound: the whole program
        try:
            by_whole = whole.assess(profile, as_of=as_of)
        finally:
            module.SCOPED_PROGRAMS = saved
        by_scope = scoped.assess(profile, as_of=as_of)
        assert len(scoped.scoped(as_of, scoped._scope(tuple(flat.get("destinations") or ()), flat.get("location.country"))).productions) \
            < len(scoped.program(as_of).productions)
        assert by_scope.model_dump() == by_whole.model_dump()
        if engine == "compiled":  # a batch's way: the day prepared, the scope's findings run in it, nothing compiled
            if "prepared" not in _PAIRS:
                _PAIRS["prepared"] = (Assessor(Options(engine=engine), scoped.book),) * 2
            prepared = _PAIRS["prepared"][0]
            prepared.prepare(as_of)
            assert prepared.assess(profile, as_of=as_of).model_dump() == by_scope.model_dump()


def test_a_scope_runs_in_the_prepared_program_until_it_has_come_often_enough_to_compile() -> None:
    """A batch's first cases of a scope run in the day's prepared program; the scope's own program is compiled when
    the scope has come SCOPE_RUNS_BEFORE_COMPILING times, and every case says the same whichever ran it."""
    import refugee_rules.assessor as module

    day = dt.date(2024, 3, 1)
    profile = {"nationalities": ["RU"], "location": {"country": "GE", "since": "2023-10-01"}, "destinations": ["AM"],
               "fear": {"fears_return": True, "agents": ["state"]}, "military": {"summoned": True, "evaded": True}}
    a = Assessor(Options(engine="compiled"), rule_book(Options(engine="compiled")))
    alone = Assessor(Options(engine="compiled"), a.book).decide(profile, as_of=day).to_json()  # scoped: not prepared
    a.prepare(day)
    saved, module.SCOPE_RUNS_BEFORE_COMPILING = module.SCOPE_RUNS_BEFORE_COMPILING, 2
    try:
        written = [a.decide(profile, as_of=day).to_json() for _ in range(4)]
    finally:
        module.SCOPE_RUNS_BEFORE_COMPILING = saved
    assert written == [alone] * 4
    assert list(a._runs_before.values()) == [2] and len(a._scoped) == 1  # two runs in the day's, then its own


def test_a_timeline_decides_each_date_and_explains_nothing():
    """The HTML report's timeline assesses the profile at every date where a rule changes; its rows need each
    finding's answer, rules and citations, so it decides those dates and explains no finding (explaining them
    took a third of a cold HTML report), and its rows are those of the explained assessments."""
    from refugee_rules.case.inputs import read_profile
    from refugee_rules.tasks.timeline import timeline

    profile = read_profile(Path(__file__).resolve().parents[1] / "examples" / "profiles" / "igor-novosibirsk-bishkek.yaml")
    options = Options(engine="compiled", as_of=dt.date(2024, 6, 1))
    scope = sorted(profile.destinations or []) or "all"  # as the timeline asks
    scoped = assessor(options.replace(destinations=scope))
    explained_before = scoped.memos.findings.computed
    drawn = timeline(profile, options=options)
    assert drawn.dates and drawn.destinations
    assert scoped.memos.findings.computed == explained_before  # nothing explained
    for row in (r for d in drawn.destinations for r in d.rows):
        for segment in row.segments:
            assessed = assess(profile, as_of=segment.start, engine="compiled", destinations=scope)
            assert assessed.finding(row.finding).answer == segment.status, (row.finding, segment)
