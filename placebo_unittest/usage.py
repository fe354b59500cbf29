"""Which recordings a test used: one test's account, and accounts added up.

Each time a test's :class:`~placebo_unittest.PlaceboContext` finishes it
leaves a :class:`TestRun`: the test's directory, how it ended, and the names
of the recordings it replayed, wrote, left unused or looked for in vain
(and, when it recorded again, how the new recordings differ from the old:
:mod:`placebo_unittest.rerecording`). :class:`TestUsage` adds up the runs of
one directory, in one process, over pytest-xdist's workers, or over CI
shards whose reports are merged (:mod:`placebo_unittest.run_report`).

What "unused" means
-------------------
A recording is *unused* when some run of its test passed in playback
without replaying it, and no run of that test, anywhere, replayed or wrote
it. A run that failed may have stopped before the calls that use a
recording, so it says nothing of what is unused (what it did replay still
counts as used); a skipped run says nothing at all. A test that did not run
in a process has no account there, so a shard that didn't select a test
never makes its recordings look unused.
"""
from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .drift_report import DirectoryDrift
from .rerecording import drift_from_dict

__all__ = ["Outcome", "TestRun", "TestUsage", "BadUsageError", "add_up", "names"]


class BadUsageError(ValueError):
    """A test's account in a report or a worker's message can't be read."""


class Outcome(str, enum.Enum):
    """How a test ended, as far as its recordings are concerned."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class TestRun:
    """One finished test context.

    ``directory`` is the test's directory (absolute); ``label`` the test's id;
    ``mode`` the mode it ran in (``record``, ``playback``, ``record-missing`` or ``live``).
    ``replayed``, ``recorded``, ``unused`` and ``missing`` are file names in
    that directory: ``unused`` only for a test that passed in playback.
    ``drift`` is what recording the test again changed, and ``drift_error``
    why it could not be compared.
    """

    __test__ = False  # not a test class, for pytest

    directory: str
    label: str
    mode: str
    outcome: Outcome
    replayed: tuple[str, ...] = ()
    recorded: tuple[str, ...] = ()
    unused: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    drift: DirectoryDrift | None = None
    drift_error: str = ""

    def to_wire(self) -> dict[str, Any]:
        """Plain data that execnet (pytest-xdist) can carry."""
        return {"directory": self.directory, "label": self.label, "mode": self.mode,
                "outcome": self.outcome.value, "replayed": list(self.replayed),
                "recorded": list(self.recorded), "unused": list(self.unused), "missing": list(self.missing),
                "drift": self.drift.as_dict() if self.drift is not None else None,
                "drift_error": self.drift_error}

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> TestRun:
        """The run :meth:`to_wire` gave ``data`` for."""
        try:
            outcome = Outcome(data["outcome"])
            drift = data.get("drift")
            return cls(str(data["directory"]), str(data["label"]), str(data["mode"]), outcome,
                       _names(data.get("replayed")), _names(data.get("recorded")),
                       _names(data.get("unused")), _names(data.get("missing")),
                       drift_from_dict(drift) if drift is not None else None, str(data.get("drift_error", "")))
        except (KeyError, ValueError, TypeError) as exc:
            raise BadUsageError(f"a test run can't be read: {exc}") from None


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadUsageError(f"expected a list of file names, not {value!r}")
    return tuple(value)


@dataclass
class TestUsage:
    """The runs of one test directory, added up (see the module's docstring).

    ``runs`` counts them, ``outcomes`` by :class:`Outcome`, ``modes`` the
    modes they ran in and ``labels`` the test ids. :attr:`unused` is worked
    out from the candidates kept in ``_unseen``.
    """

    __test__ = False

    runs: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    modes: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    replayed: set[str] = field(default_factory=set)
    recorded: set[str] = field(default_factory=set)
    missing: set[str] = field(default_factory=set)
    _unseen: set[str] = field(default_factory=set)

    @property
    def used(self) -> set[str]:
        """Recordings some run replayed or wrote."""
        return self.replayed | self.recorded

    @property
    def unused(self) -> set[str]:
        """Recordings a passing playback run left, that no run used."""
        return self._unseen - self.used

    @property
    def known(self) -> set[str]:
        """Every recording some run saw: used or unused."""
        return self.used | self._unseen

    def add(self, run: TestRun) -> None:
        """Count one more run of the test."""
        self.runs += 1
        self.outcomes[run.outcome.value] = self.outcomes.get(run.outcome.value, 0) + 1
        self.modes.add(run.mode)
        self.labels.add(run.label)
        self.replayed.update(run.replayed)
        self.recorded.update(run.recorded)
        self.missing.update(run.missing)
        if run.outcome is Outcome.PASSED:
            self._unseen.update(run.unused)

    def merge(self, other: TestUsage) -> None:
        """Add ``other``'s runs (of the same directory) to these."""
        self.runs += other.runs
        for outcome, count in other.outcomes.items():
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count
        self.modes |= other.modes
        self.labels |= other.labels
        self.replayed |= other.replayed
        self.recorded |= other.recorded
        self.missing |= other.missing
        self._unseen |= other.unused

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see :mod:`placebo_unittest.run_report`)."""
        return {"labels": sorted(self.labels),
                "runs": self.runs, **{o.value: self.outcomes.get(o.value, 0) for o in Outcome},
                "modes": sorted(self.modes), "replayed": sorted(self.replayed),
                "recorded": sorted(self.recorded), "unused": sorted(self.unused), "missing": sorted(self.missing)}

    @classmethod
    def from_dict(cls, document: Any) -> TestUsage:
        """The usage :meth:`as_dict` gave ``document`` for; :class:`BadUsageError` if it isn't one."""
        if not isinstance(document, Mapping):
            raise BadUsageError(f"a test's entry must be an object, not {document!r}")
        runs = document.get("runs")
        counts = {o.value: document.get(o.value, 0) for o in Outcome}
        for name, value in {"runs": runs, **counts}.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise BadUsageError(f"{name} must be a count, not {value!r}")
        labels = _names(document.get("labels"))
        usage = cls(runs=int(runs) if isinstance(runs, int) else 0,
                    outcomes={k: v for k, v in counts.items() if v}, modes=set(_names(document.get("modes"))),
                    labels=set(labels), replayed=set(_names(document.get("replayed"))),
                    recorded=set(_names(document.get("recorded"))), missing=set(_names(document.get("missing"))))
        usage._unseen = set(_names(document.get("unused")))
        return usage


def add_up(runs: Iterable[TestRun], key: Callable[[str], str] | None = None) -> dict[str, TestUsage]:
    """The runs added up by directory (``key(directory)``, the directory itself by default)."""
    usage: dict[str, TestUsage] = {}
    for run in runs:
        name = key(run.directory) if key is not None else run.directory
        usage.setdefault(name, TestUsage()).add(run)
    return usage


def names(paths: Sequence[str]) -> tuple[str, ...]:
    """The file names of ``paths``, each once, in order."""
    return tuple(dict.fromkeys(os.path.basename(path) for path in paths))
