"""make fuzz, 2026-12-02 (notes/fuzz/README.md): a child forked from a process that had run durable-rules answered a
finding differently from its parent, three times in ~11,000 examples. A process that has run durable-rules must
never fork its batch workers; they start from the fork server, and give the sequential answers."""

from __future__ import annotations

import datetime as dt

import pytest

from refugee_rules.engine import durable_available, durable_state_here
from refugee_rules.tasks import batch

pytestmark = pytest.mark.skipif(not durable_available(), reason="durable-rules does not import here")

RECORDS = [batch.Record(i, str(i), p) for i, p in enumerate([
    {"nationalities": ["RU"], "location": {"country": "GE"}, "fear": {"fears_return": True}},
    {"nationalities": ["RU"], "location": {"country": "KZ"}, "military": {"liable": True}},
    {"nationalities": ["RU"], "destinations": ["AM", "TR"]},
    {"nationalities": ["RU"], "location": {"country": "RS"}, "documents": {"internal_passport": True}},
])]


def test_workers_are_not_forked_once_durable_rules_has_run_and_answer_as_one_process():
    sequential = list(batch.assess_lines(RECORDS, as_of=dt.date(2024, 3, 1), engine="durable"))
    assert durable_state_here()
    context = batch.pool_context()
    assert context.get_start_method() != "fork"
    pooled = list(batch.assess_lines(RECORDS, as_of=dt.date(2024, 3, 1), engine="durable", workers=2))
    assert pooled == sequential
