"""A synthetic caseload for measurements: distinct profiles recombined from the example cases.

Each profile takes each section (nationalities, location, documents, fear, military …) from a randomly
chosen example that has it, or leaves it out as often as the examples do: realistic values in
combinations no example has, so that memoised explanations are measured at the hit rate a caseload
of similar clients gives, not at the 100 % a rotation of fourteen profiles would. Seeded: the same
caseload every run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "profiles"


def examples() -> list[dict[str, Any]]:
    return [d for p in sorted(EXAMPLES.glob("*.yaml")) if isinstance(d := yaml.safe_load(p.read_text()), dict)]


def caseload(n: int, seed: int = 2024) -> Iterator[dict[str, Any]]:
    """``n`` profiles, each a recombination of the examples' sections."""
    pool = examples()
    sections = sorted({k for e in pool for k in e if k != "case_ref"})
    rnd = random.Random(seed)
    for i in range(n):
        profile: dict[str, Any] = {"case_ref": f"synthetic-{i}"}
        for section in sections:
            donors = [e for e in pool if section in e]
            if rnd.random() < len(donors) / len(pool):
                profile[section] = rnd.choice(donors)[section]
        yield profile
