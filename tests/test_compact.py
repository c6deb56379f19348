"""Assessment JSON format 2: small, complete against its catalogue, and the same bytes however it is assembled."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings

from refugee_rules import assess, load_rulesets
from refugee_rules.result.catalogue import build
from refugee_rules.result.compact import CompactAssessment, compact, to_json

from .strategies import AS_OF_DATES, any_flat_profiles, examples, nest

ROOT = Path(__file__).resolve().parents[1]
DEMO = yaml.safe_load((ROOT / "examples" / "profiles" / "boris-anti-war-petitions.yaml").read_text(encoding="utf-8"))


def test_the_demo_profiles_compact_json_is_at_most_26_kB() -> None:
    result = assess(DEMO, as_of="2024-03-01", engine="compiled")
    assert len(result.to_json().encode("utf-8")) <= 25_000  # 22.6 kB in format 2.1 and 2.2: each fact's value once per case


@settings(max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flat=any_flat_profiles, as_of=AS_OF_DATES)
def test_assembled_json_is_byte_for_byte_the_models(flat: dict, as_of: dt.date) -> None:
    result = assess(nest(flat), as_of=as_of, engine="compiled")
    for _ in range(2):  # the second time from the bytes kept with each finding
        assert to_json(result) == compact(result).model_dump_json(exclude_defaults=True)
    CompactAssessment.model_validate_json(to_json(result))


def test_a_copied_finding_never_reuses_the_originals_bytes() -> None:
    result = assess(DEMO, as_of="2024-03-01", engine="compiled")
    first = json.loads(result.to_json())["findings"][0]
    copy = result.model_copy(update={"findings": [result.findings[0].model_copy(update={"notes": []}),
                                                  *result.findings[1:]]})
    again = json.loads(copy.to_json())["findings"][0]
    assert first["id"] == again["id"] and first.get("notes") and "notes" not in again


def test_every_id_the_json_refers_to_is_in_its_catalogue() -> None:
    result = assess(DEMO, as_of="2024-03-01", engine="compiled", destinations="all")
    data = json.loads(result.to_json())
    catalogue = build(load_rulesets())
    assert data["catalogue"]["rulesets_hash"] == catalogue.rulesets_hash == data["metadata"]["rulesets_hash"]
    for f in data["findings"]:
        entry = catalogue.findings[f["id"]]
        assert entry.kind == f["kind"] and f["answer"] in entry.answers
        assert all(r in catalogue.rules for r in f.get("rules", []))
        assert all(q in catalogue.facts for q in f.get("questions", []))
        assert all(path in data["facts"] for path in f.get("facts_used", []))
    assert set(data.get("unknown", [])) <= {q for f in data["findings"] for q in f.get("questions", [])}
    cited = {c.source for rule in catalogue.rules.values() for c in rule.citations}
    assert cited <= set(catalogue.sources)


def test_the_catalogue_built_without_validation_is_the_validated_one():
    """The catalogue is constructed from the checked rule book without validating its values again: validating
    it gives back the same values, field for field, under the EU layer and a custom layer too."""
    from refugee_rules.api import load_rulesets
    from refugee_rules.result.catalogue import Catalogue, build

    root = Path(__file__).resolve().parents[1]
    for book in (load_rulesets(), load_rulesets(jurisdiction="EU"),
                 load_rulesets((root / "examples" / "layers" / "example-ngo-referral",))):
        built = build(book)
        validated = Catalogue.model_validate(built.model_dump())
        assert validated == built and validated.model_dump_json() == built.model_dump_json()
