"""Caseloads beyond one machine: the same batch, its records spread over a Dask cluster.

Assessing a record is a pure function of (profile, rulesets, as-of date), so records can go to any
worker in any order; this module only keeps the promise the single-machine batch makes — one output
line per record, in input order, nothing lost — while a bounded window of chunks is in flight.
Install with ``pip install 'refugee-rules[dask]'``; point it at a cluster with ``address`` (a scheduler
address such as ``tcp://10.0.0.5:8786``) or pass a ``distributed.Client``.
"""

from __future__ import annotations

import datetime as _dt
from collections import deque
from pathlib import Path
from typing import Any

from refugee_rules.tasks import batch
from refugee_rules.options import STALE_AFTER_DAYS, Options


def _assess_remote(chunk: list[batch.Record], options: Options, fmt: str) -> list[tuple[bool, bytes]]:
    batch._init(options, fmt)
    return batch._assess_chunk(chunk)


def run(source: str | Path, out: str | Path, *, client: Any = None, address: str | None = None,
        as_of: _dt.date | None = None, engine: str | None = None, fmt: str = "json",
        chunk: int = 64, window: int = 16, options: Options | None = None) -> batch.Counts:
    """Assess every record of ``source`` on a Dask cluster into ``out`` (same output as :func:`batch.run`)."""
    from distributed import Client  # the optional extra; imported only when used

    chosen = batch._options(options, as_of, engine, STALE_AFTER_DAYS, None)  # whole, to every worker
    own = client is None
    if client is None:
        client = Client(address) if address else Client(processes=True)
    counts = batch.Counts()
    pending: deque[Any] = deque()
    out = Path(out)
    try:
        with out.open("wb") as handle:
            if fmt == "summary-csv":
                handle.write(batch._utf8(batch.summary_header(chosen)))

            def drain(n: int) -> None:
                while len(pending) > n:
                    for assessed, line in pending.popleft().result():
                        handle.write(line)
                        counts.read += 1
                        counts.assessed += assessed
                        counts.errors += not assessed
                    handle.flush()

            for part in batch._chunks(batch.read_records(source), chunk):
                pending.append(client.submit(_assess_remote, part, chosen, fmt, pure=False))
                drain(window)
            drain(0)
    finally:
        if own:
            client.close()
    return counts
