"""A batch run as the command line runs it, started fast: from a fork server that has loaded and compiled the rules
but has never run durable-rules.

The kill-and-resume property used to fork its batch children from the pytest process, which had already run
durable-rules; durable-rules' C state is not fork-safe, and now and then such a child answered differently from
its parent (notes/fuzz/README.md). A command-line ``batch`` killed and resumed is a fresh process each time; the
fork server's children are the same, less the cold start (about half a second each, which at 10,000 examples would
be hours). The fork server imports this module once (``set_forkserver_preload``); importing it loads the rule book
and compiles the programs of the property's date, and nothing else.
"""

from __future__ import annotations

import datetime as _dt
import multiprocessing
import os
from pathlib import Path

from refugee_rules.assessor import assessor
from refugee_rules.engine import ENGINES, durable_state_here
from refugee_rules.options import Options
from refugee_rules.tasks import batch

AS_OF = _dt.date(2024, 3, 1)  # the property's date: its programs are compiled before any child starts


def _warm() -> None:
    if multiprocessing.parent_process() is None and os.environ.get("REFUGEE_RULES_ZYGOTE") == "1":
        for engine in ENGINES:  # builds programs only: no durable-rules host is made here
            assessor(Options(as_of=AS_OF, engine=engine)).program(AS_OF)


_warm()


def context() -> multiprocessing.context.BaseContext:
    """The fork server's context, this module preloaded (effective only if this process has not started its fork
    server yet; otherwise its children import what they need themselves: slower, no less clean)."""
    ctx = multiprocessing.get_context("forkserver")
    os.environ["REFUGEE_RULES_ZYGOTE"] = "1"  # the fork server inherits it; warm there, not in the test process
    ctx.set_forkserver_preload([__name__])
    return ctx


def run(source: Path, out: Path, as_of: str, fmt: str, engine: str, resume: bool) -> None:
    """The child's work: one batch run; a child that finds durable-rules' state already here fails loudly."""
    if durable_state_here():
        raise SystemExit("the batch child was started from a process that had run durable-rules")
    batch.run(source, out, as_of=as_of, engine=engine, fmt=fmt, resume=resume)
