"""Choosing an evaluation backend.

durable-rules is the default wherever it imports (Python ≤ 3.12 with a C compiler at install time);
elsewhere the compiled backend answers, with the same productions and the same results.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Protocol

from refugee_rules.errors import EngineError
from refugee_rules.engine.ir import Program

ENGINES = ("durable", "compiled")


class Backend(Protocol):
    name: str

    def run(self, program: Program, facts: dict[str, Any]) -> frozenset[str]: ...


def durable_available() -> bool:
    try:
        from refugee_rules.engine import durable_backend  # noqa: F401
    except ImportError:
        return False
    return True


def durable_state_here() -> bool:
    """Whether this process has run durable-rules (its rulesets exist here). Its C state is not fork-safe: a child
    forked from such a process answered differently from its parent, now and then (`make fuzz` found it three
    times: notes/fuzz/README.md), so worker pools are not forked from it."""
    module = sys.modules.get("refugee_rules.engine.durable_backend")
    return module is not None and module._pid == os.getpid() and bool(module._rulesets)


def default_engine() -> str:
    return "durable" if durable_available() else "compiled"


def backend(name: str | None = None) -> Backend:
    """The backend called ``name``; ``None`` means the default (durable-rules where it imports)."""
    name = name or default_engine()
    if name == "compiled":
        from refugee_rules.engine.compiled import CompiledBackend

        return CompiledBackend()
    if name == "durable":
        try:
            from refugee_rules.engine.durable_backend import DurableBackend
        except ImportError as e:
            raise EngineError(
                f"engine 'durable' is not available here ({e}); durable-rules does not import on Python 3.13+. "
                "Use engine='compiled'."
            ) from e
        return DurableBackend()
    raise EngineError(f"unknown engine {name!r}: expected one of {', '.join(ENGINES)}")
