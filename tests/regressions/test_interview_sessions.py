"""Issue 17: open interviews cannot starve assessments. Once 1,024 durable InterviewSessions were open, every durable
assess in the process failed (durable-rules refuses a ruleset's 1,025th live session). Interviews now hold at most
LIVE_SESSIONS live sessions; opening one more releases the one used least recently, which replays when next used."""

from __future__ import annotations

import pytest

from refugee_rules import assess
from refugee_rules.engine import durable_available

pytestmark = pytest.mark.skipif(not durable_available(), reason="durable-rules does not import here")

AS_OF = "2024-03-01"


def test_interviews_beyond_the_bound_recycle_sessions_and_assess_keeps_working(monkeypatch):
    from refugee_rules.engine import durable_session
    from refugee_rules.frontends.interview import InterviewSession

    assert durable_session.LIVE_SESSIONS < 1024  # durable-rules' limit per ruleset, with room left for assess
    monkeypatch.setattr(durable_session, "LIVE_SESSIONS", 3)  # the mechanism, at a size a test can afford
    sessions = [InterviewSession({"nationalities": ["RU"], "case_ref": f"c{i}"}, as_of=AS_OF, engine="durable")
                for i in range(8)]
    try:
        assert durable_session.live_sessions() <= 3
        first = sessions[0]  # its session was released long ago: the next answer replays
        first.answer("location.country", "GE")
        first.answer("fear.fears_return", True)
        again = assess(first.profile(), as_of=AS_OF, engine="durable")
        assert first.assessment().model_dump() == again.model_dump()
        assert first._runner is not None and first._runner.replays >= 2 and first._runner.adds >= 1
        assert durable_session.live_sessions() <= 3
        for s in sessions[1:]:  # every other interview still answers as a fresh assessment would
            s.answer("location.country", "KZ")
            assert s.assessment().model_dump() == assess(s.profile(), as_of=AS_OF, engine="durable").model_dump()
        assert durable_session.live_sessions() <= 3
    finally:
        for s in sessions:
            s.close()
    assert durable_session.live_sessions() == 0
