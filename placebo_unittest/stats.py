"""Totals over a run, reported by ``python -m placebo_unittest`` at the end."""
from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["Totals", "totals", "reset"]


@dataclass
class Totals:
    tests: int = 0  # test and subtest directories used
    replayed: int = 0
    recorded: int = 0
    live: int = 0
    written: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, replayed: int = 0, recorded: int = 0, live: int = 0,
            written: Sequence[str] = (), unused: Sequence[str] = (),
            missing: Sequence[str] = ()) -> None:
        with self._lock:
            self.tests += 1
            self.replayed += replayed
            self.recorded += recorded
            self.live += live
            self.written.extend(written)
            self.unused.extend(unused)
            self.missing.extend(missing)

    def summary(self, tests_run: int) -> str:
        return (
            f"placebo_unittest: {tests_run} tests run; calls replayed {self.replayed}, recorded {self.recorded}, "
            f"live {self.live}; recordings written {len(self.written)}, unused {len(self.unused)}, "
            f"missing {len(self.missing)}"
        )


totals = Totals()


def reset() -> None:
    global totals
    totals = Totals()
