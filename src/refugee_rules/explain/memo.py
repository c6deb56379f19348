"""A bounded memo for explained values that many cases of a caseload share.

Kept bounded (oldest entry dropped first) so a batch of any length runs in flat memory, and safe to share
between threads: reads are single dictionary lookups, writes take a lock.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

V = TypeVar("V")


class Memo(Generic[V]):
    def __init__(self, size: int):
        self.size = size
        self.items: dict[Any, V] = {}
        self.lock = threading.Lock()
        self.computed = 0  # values put, i.e. computed afresh: a figure for the benchmarks

    def get(self, key: Any) -> V | None:
        return self.items.get(key)

    def put(self, key: Any, value: V) -> None:
        with self.lock:
            while len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)), None)
            self.items[key] = value
            self.computed += 1

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.computed = 0
