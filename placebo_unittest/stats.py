"""Totals over a run, reported by ``python -m placebo_unittest`` and the pytest plugin at the end.

:data:`totals` is this process's :class:`Totals`. Every part of it only
grows, so the totals of part of a run are what was added since a
:meth:`~Totals.mark`, and the totals of several processes (pytest-xdist's
workers) are their :meth:`~Totals.merged` sum, carried between processes as
:meth:`~Totals.to_wire`'s plain data. ``runs`` keeps each finished test's
account (:class:`~placebo_unittest.usage.TestRun`), from which the run's
report is made (:mod:`placebo_unittest.run_report`).
"""
from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .usage import TestRun

__all__ = ["Totals", "Mark", "totals", "reset"]


class Mark(NamedTuple):
    """How far a :class:`Totals` had grown: see :meth:`Totals.since`."""

    tests: int
    replayed: int
    recorded: int
    live: int
    written: int
    unused: int
    missing: int
    runs: int
    added: int = 0


@dataclass
class Totals:
    tests: int = 0  # test and subtest directories used
    replayed: int = 0
    recorded: int = 0
    live: int = 0
    written: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    runs: list[TestRun] = field(default_factory=list)
    #: Recordings ``record-missing`` added beside a test's recordings.
    added: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, *, replayed: int = 0, recorded: int = 0, live: int = 0,
            written: Sequence[str] = (), unused: Sequence[str] = (),
            missing: Sequence[str] = (), run: TestRun | None = None, added: Sequence[str] = ()) -> None:
        with self._lock:
            self.tests += 1
            self.replayed += replayed
            self.recorded += recorded
            self.live += live
            self.written.extend(written)
            self.unused.extend(unused)
            self.missing.extend(missing)
            self.added.extend(added)
            if run is not None:
                self.runs.append(run)

    def summary(self, tests_run: int) -> str:
        return (
            f"placebo_unittest: {tests_run} tests run; calls replayed {self.replayed}, recorded {self.recorded}, "
            f"live {self.live}; recordings written {len(self.written)}, unused {len(self.unused)}, "
            f"missing {len(self.missing)}" + (f", added to recorded tests {len(self.added)}" if self.added else "")
        )

    def listed(self) -> list[tuple[str, list[str]]]:
        """The recordings a summary lists under each title: added, unused, missing."""
        return [("added", self.added), ("unused", self.unused), ("missing", self.missing)]

    # -- parts and sums --------------------------------------------------------------
    def mark(self) -> Mark:
        """How far these totals have grown now."""
        with self._lock:
            return Mark(self.tests, self.replayed, self.recorded, self.live, len(self.written),
                        len(self.unused), len(self.missing), len(self.runs), len(self.added))

    def since(self, mark: Mark) -> Totals:
        """What was added since ``mark`` was taken (of these totals)."""
        with self._lock:
            return Totals(
                tests=self.tests - mark.tests, replayed=self.replayed - mark.replayed,
                recorded=self.recorded - mark.recorded, live=self.live - mark.live,
                written=self.written[mark.written:], unused=self.unused[mark.unused:],
                missing=self.missing[mark.missing:], runs=self.runs[mark.runs:],
                added=self.added[mark.added:])

    def merged(self, other: Totals) -> Totals:
        """These totals and ``other``'s, added up, as new totals."""
        return Totals(
            tests=self.tests + other.tests, replayed=self.replayed + other.replayed,
            recorded=self.recorded + other.recorded, live=self.live + other.live,
            written=self.written + other.written, unused=self.unused + other.unused,
            missing=self.missing + other.missing, runs=self.runs + other.runs,
            added=self.added + other.added)

    def to_wire(self) -> dict[str, Any]:
        """Plain data that execnet can carry to pytest-xdist's controller."""
        return {"tests": self.tests, "replayed": self.replayed, "recorded": self.recorded, "live": self.live,
                "written": list(self.written), "unused": list(self.unused), "missing": list(self.missing),
                "runs": [run.to_wire() for run in self.runs], "added": list(self.added)}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Totals:
        """The totals :meth:`to_wire` gave ``data`` for."""
        return cls(
            tests=int(data.get("tests", 0)), replayed=int(data.get("replayed", 0)),
            recorded=int(data.get("recorded", 0)), live=int(data.get("live", 0)),
            written=[str(p) for p in data.get("written", ())],
            unused=[str(p) for p in data.get("unused", ())],
            missing=[str(p) for p in data.get("missing", ())],
            runs=[TestRun.from_wire(run) for run in data.get("runs", ())],
            added=[str(p) for p in data.get("added", ())])


totals = Totals()


def reset() -> None:
    global totals
    totals = Totals()
