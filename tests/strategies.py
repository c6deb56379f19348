"""Hypothesis strategies for case profiles, generated from the fact catalogue itself.

Profiles are built as flat ``{fact path: value}`` maps and nested afterwards, so a test can remove or
add single facts (information monotonicity, sufficiency). Value domains are deliberately small, so that
generated facts collide with the values the rules test for and every rule side gets exercised.
Because the strategy reads the catalogue, a field added to the profile is generated without edits here.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from hypothesis import strategies as st

from refugee_rules.case.facts import AS_OF, FactSpec, catalogue, nest  # noqa: F401 - nest is re-exported to the tests

THOROUGH = os.environ.get("REFUGEE_RULES_TESTS") == "thorough"
"""`make check` (and CI) sets REFUGEE_RULES_TESTS=thorough: every property at its full count of examples."""


def examples(thorough: int) -> int:
    """How many examples a property draws: ``thorough`` under `make check`, a fortieth of it (at least 4) under
    `make test`, so the everyday loop runs in minutes and every property still runs in both: CI runs both, and a
    failure `make check` finds is replayed first from hypothesis's database by the next `make test`."""
    return thorough if THOROUGH else max(4, thorough // 40)


COUNTRIES = ["RU", "GE", "KZ", "KG", "AM", "IL", "FI", "DE", "UA", "TR", "MN", "AR", "US"]
TEXTS = ["Orthodox", "Buddhist", "Buryat", "none", "Art 207.3", "distributing anti-war petitions"]
DATES = st.dates(min_value=dt.date(2021, 6, 1), max_value=dt.date(2025, 6, 30))
AS_OF_DATES = st.dates(min_value=dt.date(2022, 1, 1), max_value=dt.date(2026, 6, 30))


def scalar(spec: FactSpec) -> st.SearchStrategy[Any]:
    kind = spec.kind
    if kind == "bool":
        return st.booleans()
    if kind == "date":
        return DATES.map(dt.date.isoformat)
    if kind == "country":
        return st.sampled_from(COUNTRIES)
    if kind == "enum":
        return st.sampled_from(list(spec.values))
    if kind == "number":
        return st.integers(min_value=0, max_value=25)
    if kind == "text":
        return st.sampled_from(TEXTS)
    raise AssertionError(f"no scalar strategy for {spec.path} ({kind})")


def fact_value(spec: FactSpec, allow_unknown: bool = True) -> st.SearchStrategy[Any]:
    """A value for one fact: a value of its kind, or (sometimes) the explicit 'unknown' marker."""
    if spec.kind == "list":
        assert spec.element is not None
        base: st.SearchStrategy[Any] = st.lists(scalar(spec.element), max_size=3, unique=True)
    elif spec.kind == "items":
        item = st.fixed_dictionaries({}, optional={name: scalar(f) for name, f in spec.item_fields.items()})
        base = st.lists(item, max_size=3)
    else:
        base = scalar(spec)
    if allow_unknown and spec.path != "destinations":
        return st.one_of(*[base] * 7, st.just("unknown"))
    return base


def legal_paths() -> list[str]:
    return [p for p in catalogue() if p != AS_OF]


@st.composite
def flat_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A flat profile: each fact path present (three times in four) or absent, each present one with a value."""
    specs = catalogue()
    return {p: draw(fact_value(specs[p])) for p in legal_paths() if draw(st.integers(0, 3))}


@st.composite
def full_flat_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """Every fact given a value (or 'unknown'): the most-informed end of a monotonicity pair."""
    specs = catalogue()
    return {p: draw(fact_value(specs[p])) for p in legal_paths()}


profiles = flat_profiles().map(nest)


# A claim that meets every element of Article 1A(2) on the foundation rules; perturbed below, so that
# generated profiles also reach the "met" side of every element, not only random noise.
CLAIM = {
    "nationalities": ["RU"],
    "location.country": "GE",
    "fear.fears_return": True,
    "fear.harm_likely": True,
    "fear.feared_harms": ["imprisonment", "ill_treatment"],
    "fear.agents": ["state"],
    "fear.reasons_attributed": ["political_opinion"],
    "legal_cases": [{"kind": "criminal", "stage": "charged", "based_on_protected_conduct": True}],
    "political_activity.anti_war_statements": True,
}


@st.composite
def claim_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """A meeting claim with each fact kept, dropped, replaced or made unknown, plus random extra facts."""
    specs = catalogue()
    flat = {p: v for p, v in draw(flat_profiles()).items() if draw(st.integers(0, 2)) == 0}
    for path, value in CLAIM.items():
        action = draw(st.sampled_from(["keep"] * 5 + ["drop", "replace", "unknown"]))
        if action == "keep":
            flat[path] = value
        elif action == "replace":
            flat[path] = draw(fact_value(specs[path], allow_unknown=False))
        elif action == "unknown":
            flat[path] = "unknown"
        else:
            flat.pop(path, None)
    return dict(sorted(flat.items()))


any_flat_profiles = st.one_of(flat_profiles(), claim_profiles())


def with_sections(base: dict[str, Any], **sections: Any) -> dict[str, Any]:
    """A copy of a nested profile with these sections merged in (a mapping updates the section; any other value
    replaces it): one example case varied one fact at a time."""
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in base.items()}
    for key, value in sections.items():
        out[key] = {**out.get(key, {}), **value} if isinstance(value, dict) else value
    return out
