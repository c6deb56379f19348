"""Golden examples: every example profile's findings and outcome, pinned, on both engines.

Each file in tests/golden/ names a profile in examples/profiles/, the as-of date, an optional legal layer,
the expected outcome (with a comment citing the pinpoint that decides it) and the expected status of every
finding declared in rulesets/convention/ and rulesets/country-evidence/ (regime findings are pinned by their
own tests). A finding added to those rulesets without updating the goldens fails here, on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from refugee_rules import assess
from refugee_rules.engine import durable_available
from refugee_rules.case.inputs import read_profile
from refugee_rules.api import load_rulesets

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = sorted((ROOT / "tests" / "golden").glob("*.yaml"))
ENGINES = ["compiled"] + (["durable"] if durable_available() else [])
OWN_PREFIXES = ("convention/", "country-evidence/")


def convention_findings(jurisdiction: str | None = None) -> set[str]:
    """Findings concluded by rules in the Convention, military-service, cessation/exclusion and evidence files."""
    book = load_rulesets(jurisdiction=jurisdiction)
    return {r.concludes.finding for r in book.rules.values() if book.rule_files[r.id].startswith(OWN_PREFIXES)}


def test_every_source_profile_has_a_golden() -> None:
    named = {yaml.safe_load(p.read_text())["profile"] for p in GOLDEN}
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
@pytest.mark.parametrize("golden", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden(golden: Path, engine: str) -> None:
    text = golden.read_text(encoding="utf-8")
    assert "# Outcome decided by:" in text, "each golden outcome is justified by the pinpoint that decides it"
    spec = yaml.safe_load(text)
    jurisdiction = spec.get("jurisdiction")
    result = assess(read_profile(ROOT / spec["profile"]), as_of=spec["as_of"], engine=engine, jurisdiction=jurisdiction)
    assert result.outcome.status == spec["outcome"]
    actual = {f.id: f.answer for f in result.findings if f.id in convention_findings(jurisdiction)}
    assert set(actual) == set(spec["findings"]), "golden must pin every Convention finding"
    assert actual == spec["findings"]
    for f in result.findings:  # every definite finding is cited
        if f.id in actual and f.answer not in ("undetermined", "not_screened"):
            assert f.citations, f.id
