"""The engines: three-valued semantics of every operator, default logic, and the durable-rules wrapper."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from refugee_rules import EngineError, assess
from refugee_rules.engine import durable_available

ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
needs_durable = pytest.mark.skipif(not durable_available(), reason="durable-rules does not import here")

SOURCES = "- {id: test-source, title: A test source, kind: instrument}\n"


def ruleset(tmp_path: Path, rules: str, findings: str) -> tuple[Path, ...]:
    (tmp_path / "sources.yaml").write_text(SOURCES)
    (tmp_path / "r.yaml").write_text(
        "ruleset: t\ntitle: T\nversion: '1'\nfindings:\n" + textwrap.indent(textwrap.dedent(findings), "  ")
        + "rules:\n" + textwrap.indent(textwrap.dedent(rules), "  ")
    )
    return (tmp_path,)


def one_rule(tmp_path: Path, when: str, otherwise: str = "opposite") -> tuple[Path, ...]:
    return ruleset(
        tmp_path,
        f"""\
        - id: r
          concludes: {{finding: f, answer: met}}
          otherwise: {otherwise}
          when: {when}
          because: held
          because_not: failed
          cite: [{{source: test-source, pinpoint: "Art 1"}}]
        """,
        "- {id: f, kind: element, title: F, asks: 'F?', group: g}\n",
    )


# (condition, profile, expected status) — unknown facts must leave the finding undetermined.
CASES = [
    ("{fact: military.summoned, eq: true}", {"military": {"summoned": True}}, "met"),
    ("{fact: military.summoned, eq: true}", {"military": {"summoned": False}}, "not_met"),
    ("{fact: military.summoned, eq: true}", {}, "undetermined"),
    ("{fact: military.summoned, eq: true}", {"military": {"summoned": "unknown"}}, "undetermined"),
    ("{fact: location.country, ne: RU}", {"location": {"country": "GE"}}, "met"),
    ("{fact: location.country, in: [GE, AM]}", {"location": {"country": "KZ"}}, "not_met"),
    ("{fact: location.country, not_in: [GE, AM]}", {"location": {"country": "KZ"}}, "met"),
    ("{fact: travel.departure_date, gte: 2022-09-21}", {"travel": {"departure_date": "2022-09-25"}}, "met"),
    ("{fact: travel.departure_date, gte: 2022-09-21}", {"travel": {"departure_date": "2022-09-20"}}, "not_met"),
    ("{fact: travel.departure_date, lt: 2022-09-21}", {"travel": {"departure_date": "2022-09-20"}}, "met"),
    ("{fact: detentions, lte: 2}", {"detentions": 3}, "not_met"),
    ("{fact: detentions, gt: 2}", {"detentions": 3}, "met"),
    ("{fact: nationalities, contains: RU}", {"nationalities": ["IL", "RU"]}, "met"),
    ("{fact: nationalities, contains: RU}", {"nationalities": []}, "not_met"),
    ("{fact: nationalities, not_contains: RU}", {"nationalities": ["IL"]}, "met"),
    ("{fact: fear.feared_harms, contains_any: [torture, killing]}", {"fear": {"feared_harms": ["killing"]}}, "met"),
    ("{fact: fear.feared_harms, contains_any: [torture, killing]}", {"fear": {"feared_harms": ["detention"]}}, "not_met"),
    ("{fact: fear.feared_harms, contains_none: [torture, killing]}", {"fear": {"feared_harms": []}}, "met"),
    ("{fact: nationalities, empty: true}", {"nationalities": []}, "met"),
    ("{fact: nationalities, count_gte: 2}", {"nationalities": ["RU"]}, "not_met"),
    ("{fact: location.country, in_fact: nationalities}", {"location": {"country": "RU"}, "nationalities": ["RU"]}, "met"),
    ("{fact: location.country, in_fact: nationalities}", {"location": {"country": "GE"}, "nationalities": ["RU"]}, "not_met"),
    ("{fact: location.country, in_fact: nationalities}", {"location": {"country": "GE"}}, "undetermined"),
    ("{fact: location.country, not_in_fact: nationalities}", {"location": {"country": "GE"}, "nationalities": []}, "met"),
    ("{fact: travel.entry_date, gte_fact: travel.departure_date}",
     {"travel": {"entry_date": "2022-09-26", "departure_date": "2022-09-25"}}, "met"),
    ("{fact: travel.entry_date, lt_fact: as_of}", {"travel": {"entry_date": "2030-01-01"}}, "not_met"),
    ("{fact: location.country, eq_fact: former_habitual_residence}",
     {"location": {"country": "GE"}, "former_habitual_residence": "GE"}, "met"),
]
ITEM = "{fact: documents.visas, any_item: {type: tourist, zone: schengen}}"
ITEM_CASES = [
    ([{"type": "tourist", "zone": "schengen"}], "met"),
    ([{"type": "tourist", "zone": "national"}], "not_met"),
    ([{"type": "tourist"}], "undetermined"),  # the zone is not stated: the item might match
    ([{"type": "work"}, {"zone": "national"}], "not_met"),  # each item definitely fails one test
    ([], "not_met"),
    ([{"type": "business", "zone": "schengen"}, {"type": "tourist", "zone": "schengen"}], "met"),
]
ITEM_CASES_IN = [
    ("{fact: documents.visas, any_item: {type: {in: [tourist, business]}, valid_until: {gte: 2022-09-19}}}",
     [{"type": "business", "valid_until": "2022-10-01"}], "met"),
    ("{fact: documents.visas, any_item: {type: {in: [tourist, business]}, valid_until: {gte: 2022-09-19}}}",
     [{"type": "work", "valid_until": "2022-10-01"}, {"type": "tourist", "valid_until": "2022-01-01"}], "not_met"),
    ("{fact: documents.visas, no_item: {type: {not_in: [work]}}}", [{"type": "work"}], "met"),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("when", "profile", "expected"), CASES)
def test_operator_three_valued(tmp_path, engine, when, profile, expected):
    result = assess(profile, as_of="2024-01-01", engine=engine, rulesets=one_rule(tmp_path, when))
    assert result.answer("f") == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("visas", "expected"), ITEM_CASES)
def test_any_item_three_valued(tmp_path, engine, visas, expected):
    result = assess({"documents": {"visas": visas}}, as_of="2024-01-01", engine=engine, rulesets=one_rule(tmp_path, ITEM))
    assert result.answer("f") == expected


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("when", "visas", "expected"), ITEM_CASES_IN)
def test_item_comparisons(tmp_path, engine, when, visas, expected):
    result = assess({"documents": {"visas": visas}}, as_of="2024-01-01", engine=engine, rulesets=one_rule(tmp_path, when))
    assert result.answer("f") == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_kleene_and_or_not(tmp_path, engine):
    when = "{all: [{fact: military.summoned, eq: true}, {not: {any: [{fact: military.deserted, eq: true}, {fact: military.evaded, eq: true}]}}]}"
    rules = one_rule(tmp_path, when)
    status = lambda m: assess({"military": m}, as_of="2024-01-01", engine=engine, rulesets=rules).answer("f")  # noqa: E731
    assert status({"summoned": True, "deserted": False, "evaded": False}) == "met"
    assert status({"summoned": False}) == "not_met"  # false AND unknown = false
    assert status({"summoned": True, "evaded": True}) == "not_met"  # not (unknown OR true) = false
    assert status({"summoned": True, "deserted": False}) == "undetermined"  # not (false OR unknown) = unknown


@pytest.mark.parametrize("engine", ENGINES)
def test_one_sided_rule_concludes_nothing_when_it_fails(tmp_path, engine):
    rules = one_rule(tmp_path, "{fact: military.summoned, eq: true}", otherwise="nothing")
    assert assess({"military": {"summoned": False}}, as_of="2024-01-01", engine=engine, rulesets=rules).answer("f") == "undetermined"


EXCEPTION_RULES = """\
- id: base
  concludes: {finding: f, answer: met}
  when: {fact: military.summoned, eq: true}
  because: summoned
  cite: [{source: test-source, pinpoint: "Art 1"}]
- id: only-dislike
  concludes: {finding: f, answer: not_met}
  exception_to: base
  when: {fact: military.only_dislike_or_fear_of_combat, eq: true}
  because: only dislike
  cite: [{source: test-source, pinpoint: "Art 2"}]
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_default_logic_exception_overrides_base(tmp_path, engine):
    rules = ruleset(tmp_path, EXCEPTION_RULES, "- {id: f, kind: element, title: F, asks: 'F?', group: g}\n")
    status = lambda m: assess({"military": m}, as_of="2024-01-01", engine=engine, rulesets=rules).finding("f")  # noqa: E731
    met = status({"summoned": True, "only_dislike_or_fear_of_combat": False})
    assert (met.answer, met.rules_fired) == ("met", ["base", "only-dislike"])
    excepted = status({"summoned": True, "only_dislike_or_fear_of_combat": True})
    assert (excepted.answer, excepted.rules_fired) == ("not_met", ["only-dislike"])
    assert excepted.citations[0].pinpoint == "Art 2"
    # The base holds but the exception is unknown: not met is not ruled out, so undetermined.
    pending = status({"summoned": True})
    assert pending.answer == "undetermined"
    assert [m.path for m in pending.missing_facts] == ["military.only_dislike_or_fear_of_combat"]


@pytest.mark.parametrize("engine", ENGINES)
def test_dated_rule_applies_only_while_in_force(tmp_path, engine):
    rules = ruleset(
        tmp_path,
        """\
        - id: dated
          concludes: {finding: f, answer: met}
          when: {fact: documents.internal_passport, eq: true}
          valid_from: {date: 2022-09-19, precision: day, derived: "two days before mobilisation"}
          valid_until: {date: 2023-12-31, precision: month}
          reported: 2022-10-21
          because: in force
          cite: [{source: test-source, pinpoint: "Art 1"}]
        """,
        "- {id: f, kind: element, title: F, asks: 'F?', group: g, role: regime}\n",
    )
    profile = {"documents": {"internal_passport": True}}
    assert assess(profile, as_of="2022-09-18", engine=engine, rulesets=rules).answer("f") == "undetermined"
    during = assess(profile, as_of="2022-09-19", engine=engine, rulesets=rules).finding("f")
    assert during.answer == "met" and not any("verify the current rules" in n.text for n in during.notes)
    assert assess(profile, as_of="2024-01-01", engine=engine, rulesets=rules).answer("f") == "undetermined"
    late = assess(profile, as_of="2023-12-01", engine=engine, rulesets=rules).finding("f")
    assert any("verify the current rules" in n.text for n in late.notes)


def test_default_engine_is_durable_where_it_imports():
    profile = {"nationalities": ["RU"], "location": {"country": "GE"}}
    expected = "durable" if durable_available() else "compiled"
    assert assess(profile, as_of="2024-01-01").metadata.engine == expected


@needs_durable
def test_breaking_durable_rules_breaks_the_default_assessment(monkeypatch):
    """durable-rules does the work by default: if its engine fails, the default assessment fails."""
    from refugee_rules.engine import durable_backend

    def broken(*args, **kwargs):
        raise RuntimeError("durable-rules is broken")

    monkeypatch.setattr(durable_backend.rete, "assert_fact", broken)
    with pytest.raises(EngineError, match="durable-rules failed"):
        assess({"nationalities": ["RU"], "location": {"country": "GE"}}, as_of="2024-01-01")
    # the compiled backend does not touch durable-rules at all
    assert assess({"nationalities": ["RU"], "location": {"country": "GE"}}, as_of="2024-01-01", engine="compiled")


@needs_durable
def test_an_exception_inside_an_action_reaches_the_caller(monkeypatch):
    from refugee_rules.engine import durable_backend

    class Exploding(set):
        def add(self, item):
            raise ValueError("boom in an action")

    original = durable_backend._Session.__init__

    def init(self, program):
        original(self, program)
        self.fired = Exploding()

    monkeypatch.setattr(durable_backend._Session, "__init__", init)
    with pytest.raises(EngineError, match="boom in an action"):
        assess({"nationalities": ["RU"], "location": {"country": "GE"}}, as_of="2024-01-01", engine="durable")


def test_compiled_backend_answers_when_durable_rules_cannot_be_imported():
    code = textwrap.dedent("""
        import sys
        sys.modules["durable"] = None  # as on Python >= 3.13, where importing it fails
        sys.modules["durable.engine"] = None
        from refugee_rules import assess
        from refugee_rules.engine import durable_available
        a = assess({"nationalities": ["RU"], "location": {"country": "GE"}}, as_of="2024-01-01")
        print(durable_available(), a.metadata.engine, a.answer("outside_country_of_nationality"))
        try:
            assess({}, engine="durable")
        except Exception as e:
            print(type(e).__name__)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "compiled", "met", "EngineError"]


@needs_durable
def test_sessions_are_deleted_so_more_than_1024_cases_run(tmp_path):
    rules = one_rule(tmp_path, "{fact: location.country, not_in_fact: nationalities}")  # small: the limit is per session
    profile = {"nationalities": ["RU"], "location": {"country": "GE"}}
    for _ in range(1100):
        result = assess(profile, as_of="2024-01-01", engine="durable", rulesets=rules)
    assert result.answer("f") == "met"


@needs_durable
def test_threads_share_the_durable_host_safely():
    profiles = [
        {"nationalities": ["RU"], "location": {"country": c}, "fear": {"agents": ["state"], "fears_return": f}}
        for c in ("GE", "RU", "KZ") for f in (True, False)
    ]
    expected = [assess(p, as_of="2024-01-01", engine="durable").model_dump_json() for p in profiles]
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def work():
        try:
            results.append([assess(p, as_of="2024-01-01", engine="durable").model_dump_json() for p in profiles * 10])
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert all(r == expected * 10 for r in results) and len(results) == 4


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(EngineError, match="unknown engine 'rete'"):
        assess({}, engine="rete")


@needs_durable
def test_durable_rules_runs_without_its_host_or_any_thread(monkeypatch):
    """durable-rules' ``Host`` starts dispatcher threads that race the asserting thread for actions, and wraps every
    firing in a JSON round trip of the session's state: the backend drives the engine's actions itself and never
    makes one. A run that made a host, or left a thread behind, fails here."""
    import threading as th

    import durable.engine

    def no_host(*args, **kwargs):
        raise AssertionError("a durable-rules Host was made")

    monkeypatch.setattr(durable.engine.Host, "__init__", no_host)
    before = set(th.enumerate())
    result = assess({"nationalities": ["RU"], "location": {"country": "GE"}, "fear": {"agents": ["state"]}},
                    as_of="2024-01-01", engine="durable")
    assert result.metadata.engine == "durable" and result.answer("outside_country_of_nationality") == "met"
    assert set(th.enumerate()) <= before
