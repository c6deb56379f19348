"""Golden examples: every example profile's findings and outcome, pinned, on both engines.

Each file in tests/golden/ is a case test (``*.test.yaml``, run by ``refugee-rules test tests/golden``, the format an
organisation uses for its own layer: src/refugee_rules/tasks/casetests.py): it names a profile in
examples/profiles/, the as-of date, an optional legal layer, the expected outcome (with a comment citing the pinpoint
that decides it) and the expected answer of every finding declared in rulesets/convention/ and
rulesets/country-evidence/ (regime findings are pinned by their own tests). A finding added to those rulesets without
updating the goldens fails here, on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from refugee_rules.api import load_rulesets
from refugee_rules.engine import durable_available
from refugee_rules.options import Options
from refugee_rules.tasks import casetests

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.test.yaml"))
ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
OWN_PREFIXES = ("convention/", "country-evidence/")


def convention_findings(jurisdiction: str | None = None) -> set[str]:
    """Findings concluded by rules in the Convention, military-service, cessation/exclusion and evidence files."""
    book = load_rulesets(jurisdiction=jurisdiction)
    return {r.concludes.finding for r in book.rules.values() if book.rule_files[r.id].startswith(OWN_PREFIXES)}


def _only(golden: Path) -> casetests.Loaded:
    loaded = casetests.load_file(golden)
    assert len(loaded) == 1 and loaded[0].test is not None, loaded[0].problems
    return loaded[0]


def test_every_golden_is_found_by_the_test_command() -> None:
    assert casetests.discover([ROOT / "tests" / "golden"]) == GOLDEN
    assert len(GOLDEN) >= 22


def test_every_source_profile_has_a_golden() -> None:
    named = set()
    for p in GOLDEN:
        loaded = _only(p)
        named.add((loaded.base / str(loaded.test.profile)).resolve().relative_to(ROOT).as_posix())  # type: ignore[union-attr]
    for required in ("igor-novosibirsk-bishkek", "vsevolod-georgia-on-foot", "nina-belyayeva-deputy",
                     "boris-anti-war-petitions", "chulpan-khamatova-petition", "buryat-man-mongolia",
                     "evgeniy-remote-programmer", "deserter-mobilised", "gay-man-after-2023-designation", "mostly-empty",
                     # issue 14: the hard cases
                     "evader-no-case-kazakhstan", "deserter-unit-accused-of-war-crimes", "return-visit-sick-mother",
                     "consulate-passport-renewal", "witness-summons-anti-war-posts", "foreign-agent-journalist",
                     "gay-man-no-case-2024", "stateless-former-resident", "dual-national-uncertain-protection",
                     "buryat-evader-singled-out"):
        assert f"examples/profiles/{required}.yaml" in named, required


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("golden", GOLDEN, ids=[p.name.removesuffix(".test.yaml") for p in GOLDEN])
def test_golden(golden: Path, engine: str) -> None:
    text = golden.read_text(encoding="utf-8")
    assert "# Outcome decided by:" in text, "each golden outcome is justified by the pinpoint that decides it"
    loaded = _only(golden)
    test = loaded.test
    assert test is not None and test.outcome is not None
    assert set(test.answers) == convention_findings(test.jurisdiction), "golden must pin every Convention finding"
    result = casetests.run_one(loaded, Options(engine=engine))
    assert result.status == "passed", casetests.format_result(result)
    assert result.checked == len(test.answers) + 1
    from refugee_rules.api import assess

    assessment = assess(casetests._profile(loaded), options=casetests.options_of(loaded, Options(engine=engine)))
    assert assessment.metadata.engine == engine
    for f in assessment.findings:  # every definite finding is cited
        if f.id in test.answers and f.answer not in ("undetermined", "not_screened"):
            assert f.citations, f.id
