"""Every hypothesis property is marked ``property``, so `make check` can run the properties alone at their full
count of examples (`make test` runs everything, properties at a twelfth of it: see tests/strategies.examples).

The longest files are collected first. `make test` hands whole files to its workers (``--dist loadfile``), so the
file handed out last decides how long the one worker still busy runs alone: measured, the browser interview
(~40 s) came last, alphabetically, and one of the two cores waited for it."""

from __future__ import annotations

import pytest

LONGEST_FIRST = ("test_web_browser.py", "test_service.py", "test_law_properties.py", "test_concurrency.py",
                 "test_browser.py", "test_properties.py", "test_decided.py", "test_fuzz_surfaces.py",
                 "test_answers.py", "test_interview_terminal.py", "test_explorer.py")
"""Files of more than ~15 s under `make test` on a 2-core machine, longest first (from ``--junitxml`` times)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its own order
