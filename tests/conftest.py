"""Every hypothesis property is marked ``property``, so `make check` can run the properties alone at their full
count of examples (`make test` runs everything, properties at a twelfth of it: see tests/strategies.examples)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)
