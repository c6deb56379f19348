"""Every hypothesis property is marked ``property``, so `make check` can run the properties alone at their full
count of examples (`make test` runs everything but the tests marked ``slow``, properties at a fortieth of their
count: see tests/strategies.examples).

The longest files are collected first. `make test` hands whole files to its workers (``--dist loadfile``), so the
file handed out last decides how long the one worker still busy runs alone: measured, the browser interview
(~40 s) came last, alphabetically, and one of the two cores waited for it."""

from __future__ import annotations

import pytest

LONGEST_FIRST = ("test_browser.py", "test_interview_terminal.py", "test_web_browser.py", "test_explorer.py",
                 "test_service.py", "test_answers.py", "test_decided.py", "test_impact.py", "test_web_interview.py",
                 "test_readme.py", "test_fuzz_surfaces.py")
"""Files of more than ~9 s under `make test` on a 2-core machine, longest first (from ``--durations=0`` times)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file keeps its own order
