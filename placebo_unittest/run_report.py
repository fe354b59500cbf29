"""The run report: what one run (or several, merged) did with the recordings, as JSON.

``python -m placebo_unittest --placebo-report FILE``, ``pytest
--placebo-report FILE`` and ``PLACEBO_REPORT=FILE`` write one at the end of
a run, pytest-xdist's workers included; ``placebo-unittest report merge``
combines the reports of several processes or CI shards into one, and
``placebo-unittest prune`` acts on a merged one
(:mod:`placebo_unittest.pruning`).

The document
------------
::

    {
      "report": "placebo_unittest run report",
      "version": 1,
      "runs": [{"id": "...", "by": "pytest", "base": "/home/ci/project", "host": "ci-3",
                "started": "2025-01-31T10:00:00+00:00", "finished": "...",
                "tests": 12, "placebo_unittest": "0.1.0"}],
      "roots": ["tests/placebo"],
      "totals": {"tests": 12, "runs": 12, "passed": 11, "failed": 1, "skipped": 0,
                 "replayed": 30, "recorded": 0, "unused": 1, "missing": 0},
      "tests": {
        "tests/placebo/test_ids.test_who": {
          "labels": ["tests/test_ids.py::test_who"],
          "runs": 1, "passed": 1, "failed": 0, "skipped": 0, "modes": ["playback"],
          "replayed": ["sts.GetCallerIdentity_1.json"], "recorded": [],
          "unused": ["sts.GetCallerIdentity_2.json"], "missing": []
        }
      },
      "drift": {... the document of placebo-unittest diff --json ..., "errors": []}
    }

``runs`` lists the processes (or merged shards) the report covers: ``id``
(new for each process, so the same run can't be merged twice), ``by``
(``pytest``, ``unittest``), ``base`` (the directory test directories are
named from: pytest's rootdir, the runner's working directory) and how many
test contexts finished. ``tests`` has one entry per test directory that a
test ran with, named by its path from ``base`` (with ``/``; a directory
outside ``base`` by its absolute path), so that reports made in different
checkouts merge. A test that did not run has no entry: a report says which
tests ran, and a merge tells "unused" from "not run here"
(:mod:`placebo_unittest.usage` says what "unused" means). Each entry gives
the test ids that used the directory (``labels``), its runs by outcome and
mode, and the file names of the recordings ``replayed``, ``recorded``,
``unused`` and ``missing`` (looked for and not found). ``roots`` are the
folders holding those directories. ``drift`` is, for the tests recorded
again in the run, the report ``placebo-unittest diff --json`` prints
(:mod:`placebo_unittest.drift_report`), its tests named as in ``tests``,
plus ``errors``: tests whose recordings could not be compared.

``version`` changes only when a key changes meaning or goes away; keys may be
added. A report of a newer version is refused with a message saying so.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import os
import socket
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .drift_report import DirectoryDrift, DriftReport, Status
from .errors import PlaceboError
from .rerecording import BadDriftError, drift_from_dict, rules_for, rules_from_dict
from .usage import BadUsageError, Outcome, TestRun, TestUsage, add_up
from .volatile import IgnoreRules

__all__ = [
    "REPORT_KIND",
    "REPORT_VERSION",
    "ReportError",
    "RunInfo",
    "DriftSection",
    "RunReport",
    "now",
    "key_for",
    "path_for",
    "read_report",
    "write_report",
    "merge_reports",
    "drift_lines",
    "summary_lines",
]

#: The value of a report's ``"report"`` key.
REPORT_KIND = "placebo_unittest run report"
#: The version of the document this module writes, and the newest it reads.
REPORT_VERSION = 1

_WRITE_FIX = ("Write it again with --placebo-report FILE (or PLACEBO_REPORT=FILE), or with "
              "placebo-unittest report merge.")


class ReportError(PlaceboError, ValueError):
    """A run report that can't be read or written: ``path`` names it and the
    message says what to do."""

    def __init__(self, path: str, problem: str, fix: str = _WRITE_FIX):
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}. {fix}")


def now() -> str:
    """This moment, in UTC, as reports write times."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


# -- naming directories --------------------------------------------------------------------

def key_for(directory: str, base: str) -> str:
    """How a report names ``directory``: its path from ``base`` with ``/``, or
    its absolute path when it isn't under ``base``."""
    directory, base = os.path.abspath(directory), os.path.abspath(base)
    try:
        relative = os.path.relpath(directory, base)
    except ValueError:  # another drive
        return directory
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or relative == os.curdir:
        return directory
    return relative.replace(os.sep, "/")


def path_for(key: str, base: str) -> str:
    """The directory a report's ``key`` names, taking relative names from ``base``."""
    if os.path.isabs(key):
        return os.path.normpath(key)
    return os.path.normpath(os.path.join(base, *key.split("/")))


# -- the parts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RunInfo:
    """One process (or merged shard) a report covers: see the module's docstring."""

    id: str
    by: str
    base: str
    host: str
    started: str
    finished: str
    tests: int
    version: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "by": self.by, "base": self.base, "host": self.host, "started": self.started,
                "finished": self.finished, "tests": self.tests, "placebo_unittest": self.version}

    @classmethod
    def from_dict(cls, document: Any) -> RunInfo:
        if not isinstance(document, Mapping) or not isinstance(document.get("id"), str) or not document["id"]:
            raise ValueError(f"a run must be an object with an id, not {document!r}")
        tests = document.get("tests", 0)
        if not isinstance(tests, int) or isinstance(tests, bool):
            raise ValueError(f"a run's tests must be a count, not {tests!r}")
        return cls(document["id"], str(document.get("by", "")), str(document.get("base", "")),
                   str(document.get("host", "")), str(document.get("started", "")),
                   str(document.get("finished", "")), tests, str(document.get("placebo_unittest", "")))


@dataclass
class DriftSection:
    """The tests recorded again: ``directories`` that differ (by name),
    ``compared`` tests and ``calls`` compared in all, differences
    ``ignored`` by ``rules``, and ``errors``, the tests that could not be
    compared, with why."""

    directories: dict[str, DirectoryDrift] = field(default_factory=dict)
    compared: int = 0
    calls: int = 0
    ignored: int = 0
    rules: IgnoreRules = field(default_factory=rules_for)
    errors: dict[str, str] = field(default_factory=dict)

    def add(self, drift: DirectoryDrift) -> None:
        self.compared += 1
        self.calls += len(drift.calls) + drift.unchanged
        self.ignored += drift.ignored
        if drift.status is not Status.UNCHANGED:
            self.directories[drift.name] = drift

    def merge(self, other: DriftSection) -> None:
        self.compared += other.compared
        self.calls += other.calls
        self.ignored += other.ignored
        self.directories.update(other.directories)
        self.errors.update(other.errors)

    def report(self) -> DriftReport:
        """The section as a :class:`~placebo_unittest.drift_report.DriftReport`."""
        directories = tuple(self.directories[name] for name in sorted(self.directories))
        return DriftReport("replaced recordings", "new recordings", directories, self.compared, self.calls,
                           self.rules, self.ignored)

    def as_dict(self) -> dict[str, Any]:
        document = self.report().as_dict()
        document["errors"] = [{"test": name, "error": self.errors[name]} for name in sorted(self.errors)]
        return document

    @classmethod
    def from_dict(cls, document: Any) -> DriftSection:
        if not isinstance(document, Mapping):
            raise ValueError(f"drift must be an object, not {document!r}")
        totals = document.get("totals", {})
        tests = document.get("tests", [])
        errors = document.get("errors", [])
        if not isinstance(totals, Mapping) or not isinstance(tests, list) or not isinstance(errors, list):
            raise ValueError("drift needs totals (an object), tests and errors (lists)")
        section = cls(rules=rules_from_dict(document.get("ignore", {}), "drift.ignore"))
        for index, entry in enumerate(tests):
            drift = drift_from_dict(entry, f"drift.tests[{index}]")
            section.directories[drift.name] = drift
        for key in ("tests", "calls", "ignored"):
            value = totals.get(key, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"drift.totals.{key} must be a count, not {value!r}")
        section.compared, section.calls, section.ignored = totals.get("tests", 0), totals.get("calls", 0), \
            totals.get("ignored", 0)
        for entry in errors:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("test"), str):
                raise ValueError(f"a drift error must be an object with a test, not {entry!r}")
            section.errors[entry["test"]] = str(entry.get("error", ""))
        return section


# -- the report -----------------------------------------------------------------------------

@dataclass
class RunReport:
    """What one or more runs did with the recordings: see the module's docstring."""

    runs: list[RunInfo] = field(default_factory=list)
    tests: dict[str, TestUsage] = field(default_factory=dict)
    roots: set[str] = field(default_factory=set)
    drift: DriftSection = field(default_factory=DriftSection)

    @classmethod
    def from_runs(cls, runs: Sequence[TestRun], *, by: str, base: str, started: str = "",
                  rules: IgnoreRules | None = None) -> RunReport:
        """The report of one process whose finished tests are ``runs``."""
        from . import __version__

        base = os.path.abspath(base)
        info = RunInfo(uuid.uuid4().hex, by, base, socket.gethostname(), started or now(), now(), len(runs),
                       __version__)
        report = cls(runs=[info], tests=add_up(runs, lambda directory: key_for(directory, base)),
                     drift=DriftSection(rules=rules or rules_for()))
        report.roots = {key_for(os.path.dirname(run.directory), base) for run in runs}
        for run in runs:
            key = key_for(run.directory, base)
            if run.drift is not None:
                drift = run.drift
                report.drift.add(dataclasses.replace(drift, name=key, old=key if drift.old else None,
                                                     new=key if drift.new else None))
            if run.drift_error:
                report.drift.errors[key] = run.drift_error
        return report

    def merge(self, other: RunReport) -> None:
        """Add ``other``'s runs to this report."""
        self.runs.extend(other.runs)
        for key, usage in other.tests.items():
            self.tests.setdefault(key, TestUsage()).merge(usage)
        self.roots |= other.roots
        self.drift.merge(other.drift)

    def unused(self) -> list[tuple[str, str]]:
        """``(test directory, file name)`` of every unused recording, sorted."""
        return [(key, name) for key in sorted(self.tests) for name in sorted(self.tests[key].unused)]

    def missing(self) -> list[tuple[str, str]]:
        """``(test directory, file name)`` of every recording looked for and not found, sorted."""
        return [(key, name) for key in sorted(self.tests) for name in sorted(self.tests[key].missing)]

    def totals(self) -> dict[str, int]:
        """Counts over every test: tests, runs by outcome, and recordings by what became of them."""
        counts = {"tests": len(self.tests), "runs": 0, **{o.value: 0 for o in Outcome},
                  "replayed": 0, "recorded": 0, "unused": 0, "missing": 0}
        for usage in self.tests.values():
            counts["runs"] += usage.runs
            for outcome in Outcome:
                counts[outcome.value] += usage.outcomes.get(outcome.value, 0)
            counts["replayed"] += len(usage.replayed)
            counts["recorded"] += len(usage.recorded)
            counts["unused"] += len(usage.unused)
            counts["missing"] += len(usage.missing)
        return counts

    def as_dict(self) -> dict[str, Any]:
        """The report as one JSON-ready document."""
        return {"report": REPORT_KIND, "version": REPORT_VERSION, "runs": [run.as_dict() for run in self.runs],
                "roots": sorted(self.roots), "totals": self.totals(),
                "tests": {key: self.tests[key].as_dict() for key in sorted(self.tests)},
                "drift": self.drift.as_dict()}

    @classmethod
    def from_dict(cls, document: Any, source: str = "the report") -> RunReport:
        """The report whose :meth:`as_dict` is ``document``; ``source`` names
        it in errors (:class:`ReportError`)."""
        if not isinstance(document, Mapping) or document.get("report") != REPORT_KIND:
            raise ReportError(source, f"is not a placebo_unittest run report (it has no \"report\": "
                                      f"\"{REPORT_KIND}\")",
                              "Give a file written by --placebo-report, PLACEBO_REPORT or "
                              "placebo-unittest report merge.")
        version = document.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ReportError(source, f"has no valid version ({version!r})")
        if version > REPORT_VERSION:
            raise ReportError(source, f"is a report of version {version}, written by a newer placebo_unittest; "
                                      f"this one ({_package_version()}) reads versions up to {REPORT_VERSION}",
                              "Upgrade placebo_unittest where you merge or prune reports.")
        try:
            runs = document.get("runs")
            tests = document.get("tests")
            roots = document.get("roots", [])
            if not isinstance(runs, list) or not runs:
                raise ValueError("it lists no runs")
            if not isinstance(tests, Mapping):
                raise ValueError("tests must be an object of test directories")
            if not isinstance(roots, list) or not all(isinstance(root, str) for root in roots):
                raise ValueError("roots must be a list of folders")
            report = cls(runs=[RunInfo.from_dict(run) for run in runs], roots=set(roots))
            for key, entry in tests.items():
                try:
                    report.tests[str(key)] = TestUsage.from_dict(entry)
                except BadUsageError as exc:
                    raise ValueError(f"tests[{key!r}]: {exc}") from None
            if document.get("drift") is not None:
                report.drift = DriftSection.from_dict(document["drift"])
        except (ValueError, BadDriftError, TypeError) as exc:
            raise ReportError(source, f"can't be read: {exc}") from None
        return report


def _package_version() -> str:
    from . import __version__

    return __version__


# -- files ----------------------------------------------------------------------------------

def read_report(path: str) -> RunReport:
    """The report in the file ``path``; :class:`ReportError` naming it when it
    is missing, not JSON or not a report of a version this module reads."""
    try:
        with open(path, encoding="utf-8") as stream:
            document = json.load(stream)
    except FileNotFoundError:
        raise ReportError(path, "there is no such file",
                          "Run the tests with --placebo-report FILE (or PLACEBO_REPORT=FILE) to write one.") from None
    except IsADirectoryError:
        raise ReportError(path, "is a directory, not a report") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(path, f"is not JSON ({exc})") from None
    except OSError as exc:
        raise ReportError(path, f"can't be read ({exc.strerror or exc})", "Check its permissions.") from None
    return RunReport.from_dict(document, path)


def write_report(report: RunReport, path: str) -> None:
    """Write ``report`` to ``path`` atomically (a reader sees the old file or the
    whole new one); :class:`ReportError` when it can't be written."""
    folder = os.path.dirname(os.path.abspath(path))
    text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=".placebo-report-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ReportError(path, f"can't be written ({exc.strerror or exc})",
                          "Give a path in a folder that exists and can be written to.") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise ReportError(path, f"can't be written ({exc.strerror or exc})",
                          "Give a path in a folder that exists and can be written to.") from None


def merge_reports(paths: Iterable[str]) -> RunReport:
    """The reports in the files ``paths`` merged into one. Raises
    :class:`ReportError` for a file that can't be read, and for a run found
    in two files (the same report given twice)."""
    merged = RunReport()
    seen: dict[str, str] = {}
    for path in paths:
        report = read_report(path)
        for run in report.runs:
            if run.id in seen:
                raise ReportError(path, f"holds a run (id {run.id}) that {seen[run.id]} holds too",
                                  "Give each report once: merging a run twice would count its tests twice.")
            seen[run.id] = path
        merged.merge(report)
    return merged


# -- text -----------------------------------------------------------------------------------

def _plural(count: int, word: str) -> str:
    return "{} {}{}".format(count, word, "" if count == 1 else "s")


def drift_lines(report: RunReport, prefix: str = "placebo_unittest drift: ") -> list[str]:
    """A few lines on the tests recorded again: how many changed, what changed
    most, and those that could not be compared. None when none was recorded again."""
    section = report.drift
    lines: list[str] = []
    if section.compared:
        first, *rest = section.report().summary().splitlines()
        lines.append(prefix + first)
        lines.extend("  " + line for line in rest)
    if section.errors:
        lines.append("{}{} could not be compared with the recordings they replaced:".format(
            prefix, _plural(len(section.errors), "test")))
        lines.extend(f"  {name}: {section.errors[name]}" for name in sorted(section.errors))
    return lines


def summary_lines(report: RunReport, limit: int = 20) -> list[str]:
    """The report in a few lines: what it covers, the recordings unused and
    missing (at most ``limit`` of each), and the drift."""
    totals = report.totals()
    hosts = sorted({run.host for run in report.runs if run.host})
    lines = ["{} in {} ({}{}): recordings replayed {}, recorded {}, unused {}, missing {}.".format(
        _plural(totals["tests"], "test directory").replace("directorys", "directories"),
        _plural(len(report.runs), "run"), ", ".join(sorted({run.by for run in report.runs if run.by})),
        " on " + ", ".join(hosts) if hosts else "", totals["replayed"], totals["recorded"], totals["unused"],
        totals["missing"])]
    for title, found in (("unused", report.unused()), ("missing", report.missing())):
        lines.extend(f"  {title}: {key}/{name}" for key, name in found[:limit])
        if len(found) > limit:
            lines.append(f"  ... and {len(found) - limit} more {title}")
    lines.extend(drift_lines(report, "drift: "))
    return lines
