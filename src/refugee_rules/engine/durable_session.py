"""One durable-rules session kept open across the answers of an interview.

durable-rules is a Rete engine: a fact asserted into a live session only fires the productions it
completes a match for. :class:`IncrementalDurable` is a backend (``run(program, facts)``) that keeps one
session per interview and, on each call, asserts only the facts that are new since the last call. Anything
else — a fact whose value changed, a fact withdrawn (answered, then "unknown"), another program (another
as-of date), a new process — replays: the session is deleted and a fresh one is filled with every fact.

Adding is exact because the productions are monotone in the facts: a missing fact never satisfies or
fails a leaf, and the only negated patterns ("no item", "not in") look at the elements and records of a list,
which are asserted together with the list fact itself, before it (as the batch backend does). So asserting
a new fact can only complete matches, never undo one: the fired set after an add is the fired set of a
full run on the same facts. The interview tests check that equality after every answer.

The patterns, rulesets, lock and sessions (with their action loop) are those of :mod:`.durable_backend`,
imported, not copied: every session opens with the "session" fact, every call into the engine holds the lock,
and the session is deleted on :meth:`IncrementalDurable.close`.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from typing import Any

from refugee_rules.errors import EngineError
from refugee_rules.engine import durable_backend as _db
from refugee_rules.engine.ir import Program


LIVE_SESSIONS = 512
"""At most this many interviews hold a live durable-rules session at once. durable-rules refuses a ruleset's 1,025th
live session (MemoryError), and every ``assess`` needs one of those slots for a moment: with 1,024 interviews open,
every durable assessment in the process failed. Opening one more releases the session of the interview used least
recently; that interview replays its facts on its next answer (the same firings, one full run)."""

_live: OrderedDict[int, weakref.ref[IncrementalDurable]] = OrderedDict()  # by id, least recently used first


def live_sessions() -> int:
    """How many interviews hold a durable-rules session now (at most :data:`LIVE_SESSIONS`)."""
    with _db._LOCK:
        return len(_live)


class IncrementalDurable:
    """A backend holding one live durable-rules session; counts its adds and replays."""

    name = "durable"

    def __init__(self) -> None:
        self._session: _db._Session | None = None
        self._signature: str | None = None
        self._facts: dict[str, Any] = {}
        self.adds = 0
        self.replays = 0
        self.asserted_last = 0

    # --- the session ------------------------------------------------------------------------------

    def _close_locked(self) -> None:
        _live.pop(id(self), None)
        session, self._session, self._facts = self._session, None, {}
        if session is not None:
            try:
                session.close()  # only in the process that opened it (a forked child has its own engine)
            except Exception:  # a session that cannot be deleted is not worth failing an interview for
                pass

    def close(self) -> None:
        """Delete the session (durable-rules allows 1,024 live sessions per ruleset)."""
        with _db._LOCK:
            self._close_locked()

    def __enter__(self) -> IncrementalDurable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def _open_locked(self, program: Program) -> _db._Session:
        self._close_locked()
        while len(_live) >= LIVE_SESSIONS:
            _, oldest = _live.popitem(last=False)
            other = oldest()
            if other is not None:
                other._close_locked()
        session = self._session = _db._Session(program)
        self._signature = program.signature
        _live[id(self)] = weakref.ref(self)
        return session

    # --- the backend ------------------------------------------------------------------------------

    def run(self, program: Program, facts: dict[str, Any]) -> frozenset[str]:
        """The productions that fire on ``facts``: only the new facts are asserted when nothing was changed."""
        with _db._LOCK:
            relevant = {p: v for p, v in facts.items() if p in program.fact_paths}
            session = self._session
            kept = (session is not None and session.live() and self._signature == program.signature
                    and all(p in relevant and relevant[p] == v for p, v in self._facts.items()))
            if session is not None and kept:
                new = {p: v for p, v in relevant.items() if p not in self._facts}
                self.adds += 1
                _live.move_to_end(id(self))
            else:
                session = self._open_locked(program)
                new = relevant
                self.replays += 1
            assertions = _db._assertions(program, new)
            self.asserted_last = len(assertions)
            try:
                session.add(assertions)
            except EngineError:
                self._close_locked()
                raise
            self._facts = relevant
            return frozenset(session.fired)
