"""Totals over a run, reported by ``python -m placebo_unittest`` at the end."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import List, Sequence

__all__ = ["Totals", "totals", "reset"]


@dataclass
class Totals:
    tests: int = 0  # test and subtest directories used
    replayed: int = 0
    recorded: int = 0
    live: int = 0
    written: List[str] = field(default_factory=list)
    unused: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
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
            "placebo_unittest: {} tests run; calls replayed {}, recorded {}, "
            "live {}; recordings written {}, unused {}, missing {}".format(
                tests_run, self.replayed, self.recorded, self.live,
                len(self.written), len(self.unused), len(self.missing))
        )


totals = Totals()


def reset() -> None:
    global totals
    totals = Totals()
