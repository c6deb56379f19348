"""Embedding refugee-rules with an organisation's own ruleset layer.

Run from the repository: ``python examples/embed_layer.py``. It loads the built-in rulesets with the example
layer ``examples/layers/example-ngo-referral`` over them (a TEMPLATE: an internal referral rule and a re-worded
built-in rule; no law of its own), assesses one profile, and prints what the layer changed.
"""

from __future__ import annotations

from pathlib import Path

from refugee_rules import FailedRecord, assess, assess_many, load_rulesets

LAYER = Path(__file__).resolve().parent / "layers" / "example-ngo-referral"

book = load_rulesets([LAYER])  # linted like the built-in rulesets; a broken layer raises RulesetError here
print(f"layer rules: {sorted(book.layer_of)}")
print(f"overrides: {sorted(book.overrides)}")

profile = {
    "case_ref": "example-1",
    "nationalities": ["RU"],
    "location": {"country": "KZ"},
    "fear": {"fears_return": True},
    "legal_cases": [{"kind": "criminal", "stage": "charged", "based_on_protected_conduct": True}],
}
result = assess(profile, as_of="2024-03-01", layers=(LAYER,))
referral = result.finding("example_ngo.refer_to_lawyer_now")
print(f"{referral.id}: {referral.answer}")
fear = result.finding("fear_subjective")
print(f"{fear.id}: {fear.answer}: {fear.explanation}")
for note in fear.notes:
    print(f"  note: {note}")

# Many records: one output per input, in order; a record that cannot be assessed is named, never dropped.
for item in assess_many([profile, {"case_ref": "example-2", "nationalities": "RU"}], as_of="2024-03-01", layers=(LAYER,)):
    if isinstance(item, FailedRecord):
        print(f"record {item.index} ({item.case_ref}): {item.problems[0]}")
    else:
        print(f"record {item.metadata.case_ref}: {item.outcome.status}")
