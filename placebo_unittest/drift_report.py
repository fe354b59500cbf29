"""A drift report: what changed between two recordings of the same tests.

:mod:`placebo_unittest.drift` compares; this module holds what it finds. A
:class:`Change` is one field added, removed or changed, a :class:`CallDrift`
one call's recording, a :class:`DirectoryDrift` one test's directory, and a
:class:`DriftReport` all of them. The report serializes to JSON
(:meth:`DriftReport.as_dict`, versioned by :data:`REPORT_VERSION`), sums
itself up in a few lines (:meth:`DriftReport.summary`: how many tests
changed, and what changed most) and prints in full (:meth:`DriftReport.render`).
"""
from __future__ import annotations

import collections
import enum
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .matching import ABSENT, format_path
from .params import TAG, is_tag
from .volatile import IgnoreRules

__all__ = ["REPORT_VERSION", "Status", "Change", "CallDrift", "DirectoryDrift", "DriftReport"]

#: The version of the JSON document :meth:`DriftReport.as_dict` returns. It
#: changes only when a key changes meaning or goes away; keys may be added.
REPORT_VERSION = 1


# -- the report's parts -----------------------------------------------------------------

class Status(str, enum.Enum):
    """How a call, a test directory or a field differs between the old and the new recordings."""

    ADDED = "added"          #: only in the new recordings
    REMOVED = "removed"      #: only in the old ones
    CHANGED = "changed"      #: in both, different
    UNCHANGED = "unchanged"  #: in both, the same once ignored values are left out


Segment = str | int


@dataclass(frozen=True)
class Change:
    """One field added, removed or changed in a call's recording.

    ``old`` and ``new`` are the values in their compared form (JSON-ready:
    bytes, long strings and datetimes as the tags of
    :mod:`placebo_unittest.params`), or :data:`~placebo_unittest.matching.ABSENT`.
    """

    segments: tuple[Segment, ...]
    status: Status
    old: Any = ABSENT
    new: Any = ABSENT

    @property
    def path(self) -> str:
        """Where: ``data.Reservations[0].Instances[0].State.Name``."""
        return format_path(self.segments)

    @property
    def pattern(self) -> str:
        """The path with every index as ``[*]``, so that the same field of
        several items counts as one: ``data.Reservations[*].Instances[*].State.Name``."""
        text = ""
        for segment in self.segments:
            if isinstance(segment, int):
                text += "[*]"
            else:
                key = format_path((segment,))
                text += key if key.startswith("[") or not text else "." + key
        return text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``path``, ``change``, and ``old`` and/or ``new``."""
        document: dict[str, Any] = {"path": self.path, "change": self.status.value}
        if self.old is not ABSENT:
            document["old"] = self.old
        if self.new is not ABSENT:
            document["new"] = self.new
        return document

    def __str__(self) -> str:
        if self.status is Status.ADDED:
            return f"{self.path}: added {_show(self.new)}"
        if self.status is Status.REMOVED:
            return f"{self.path}: removed {_show(self.old)}"
        return f"{self.path}: {_show(self.old)} -> {_show(self.new)}"


@dataclass(frozen=True)
class CallDrift:
    """How one call's recording differs: ``name`` is ``[prefix.]service.Operation_N``.

    ``old`` and ``new`` are the file names on each side (None where there is
    none); ``changes`` the fields that differ; ``ignored`` how many
    differences the ignore rules left out; ``note`` says why a call was not
    compared field by field (pickle files).
    """

    name: str
    stem: str
    operation: str
    number: int
    status: Status
    old: str | None = None
    new: str | None = None
    changes: tuple[Change, ...] = ()
    ignored: int = 0
    note: str = ""

    @property
    def call(self) -> str:
        """``[prefix.]service.Operation``: the calls numbered together."""
        return f"{self.stem}.{self.operation}"

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        document: dict[str, Any] = {"name": self.name, "status": self.status.value, "old": self.old,
                                    "new": self.new, "changes": [c.as_dict() for c in self.changes],
                                    "ignored": self.ignored}
        if self.note:
            document["note"] = self.note
        return document


@dataclass(frozen=True)
class DirectoryDrift:
    """How one test's directory differs: ``name`` is its path under the
    roots compared; ``old`` and ``new`` the directories (None where there is
    none); ``calls`` the calls that differ, ``unchanged`` how many are the
    same and ``ignored`` how many differences the ignore rules left out."""

    name: str
    status: Status
    old: str | None
    new: str | None
    calls: tuple[CallDrift, ...] = ()
    unchanged: int = 0
    ignored: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"name": self.name, "status": self.status.value, "old": self.old, "new": self.new,
                "unchanged_calls": self.unchanged, "ignored": self.ignored,
                "calls": [c.as_dict() for c in self.calls]}


# -- the report -------------------------------------------------------------------------

@dataclass(frozen=True)
class DriftReport:
    """What changed between the ``old`` and the ``new`` recordings (labels
    for the two sides): ``directories`` lists the test directories that
    differ; ``compared`` and ``calls`` count the directories and calls
    compared, the same ones included; ``rules`` is what was ignored, and
    ``ignored`` how many differences it left out, in all of them."""

    old: str
    new: str
    directories: tuple[DirectoryDrift, ...]
    compared: int
    calls: int
    rules: IgnoreRules
    ignored: int = 0

    @property
    def changed(self) -> bool:
        """Whether anything differs."""
        return bool(self.directories)

    def totals(self) -> dict[str, int]:
        """Counts: test directories and calls compared, added, removed and
        changed; fields added, removed and changed; differences ignored."""
        totals = {"tests": self.compared, "tests_added": 0, "tests_removed": 0, "tests_changed": 0,
                  "calls": self.calls, "calls_added": 0, "calls_removed": 0, "calls_changed": 0,
                  "fields_added": 0, "fields_removed": 0, "fields_changed": 0, "ignored": 0}
        for directory in self.directories:
            totals[f"tests_{directory.status.value}"] += 1
            for call in directory.calls:
                totals[f"calls_{call.status.value}"] += 1
                for change in call.changes:
                    totals[f"fields_{change.status.value}"] += 1
        totals["ignored"] = self.ignored
        return totals

    def most_changed(self, limit: int = 5) -> list[tuple[str, str, int]]:
        """The fields that changed in the most calls: ``(call, pattern, calls)``
        tuples, most first, where ``call`` is ``[prefix.]service.Operation``
        and ``pattern`` the path with indexes as ``[*]``."""
        counter: collections.Counter[tuple[str, str]] = collections.Counter()
        for directory in self.directories:
            for call in directory.calls:
                for pattern in dict.fromkeys(change.pattern for change in call.changes):
                    counter[(call.call, pattern)] += 1
        ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        return [(call, pattern, count) for (call, pattern), count in ranked[:limit]]

    def operations(self) -> list[tuple[str, dict[str, int]]]:
        """For each ``[prefix.]service.Operation`` with a call that differs, how
        many of its calls were added, removed and changed; most first."""
        found: dict[str, dict[str, int]] = {}
        for directory in self.directories:
            for call in directory.calls:
                counts = found.setdefault(call.call, {"added": 0, "removed": 0, "changed": 0})
                counts[call.status.value] += 1
        return sorted(found.items(), key=lambda item: (-sum(item[1].values()), item[0]))

    def as_dict(self) -> dict[str, Any]:
        """The report as one JSON-ready document, with ``"version":``
        :data:`REPORT_VERSION`."""
        return {
            "version": REPORT_VERSION,
            "old": self.old,
            "new": self.new,
            "changed": self.changed,
            "ignore": self.rules.as_dict(),
            "totals": self.totals(),
            "most_changed": [{"call": call, "path": pattern, "calls": count}
                             for call, pattern, count in self.most_changed(10)],
            "operations": [{"call": call, **counts} for call, counts in self.operations()],
            "tests": [d.as_dict() for d in self.directories],
        }

    def summary(self, limit: int = 5) -> str:
        """A few lines: how many tests changed, and what changed most."""
        totals = self.totals()
        ignored = "; {} ignored".format(_plural(totals["ignored"], "volatile value")) if totals["ignored"] else ""
        if not self.changed:
            return "No drift: {} and {} the same{}.".format(
                _plural(self.compared, "test"), _plural(self.calls, "call"), ignored)
        tests = [f"{totals['tests_' + s]} {s}" for s in ("changed", "added", "removed") if totals["tests_" + s]]
        calls = [f"{totals['calls_' + s]} {s}" for s in ("changed", "added", "removed") if totals["calls_" + s]]
        fields = [f"{totals['fields_' + s]} {s}" for s in ("changed", "added", "removed") if totals["fields_" + s]]
        lines = ["Drift in {} of {} ({}): calls {}{}{}.".format(
            len(self.directories), _plural(self.compared, "test"), ", ".join(tests), ", ".join(calls),
            "; fields " + ", ".join(fields) if fields else "", ignored)]
        ranked = self.most_changed(limit)
        if ranked:
            lines.append("Changed most:")
            lines.extend(f"  {call} {pattern}  ({_plural(count, 'call')})" for call, pattern, count in ranked)
        return "\n".join(lines)

    def render(self, limit: int | None = None) -> str:
        """The whole report as text: each test and call that differs, each
        change (at most ``limit`` per call, if given), then the summary."""
        lines = [f"Comparing {self.old} with {self.new}"]
        for directory in self.directories:
            if directory.status is Status.CHANGED:
                lines.append("{:<8} {}  ({} of {} {})".format(
                    directory.status.value, directory.name, len(directory.calls),
                    _plural(len(directory.calls) + directory.unchanged, "call"),
                    "differs" if len(directory.calls) == 1 else "differ"))
            else:
                lines.append("{:<8} {}  ({})".format(directory.status.value, directory.name,
                                                     _plural(len(directory.calls), "call")))
                continue
            for call in directory.calls:
                name = call.new if call.status is not Status.REMOVED else call.old
                lines.append(f"  {call.status.value:<8} {name}" + (f"  ({call.note})" if call.note else ""))
                shown = call.changes if limit is None else call.changes[:limit]
                lines.extend(f"      {change}" for change in shown)
                if len(shown) < len(call.changes):
                    lines.append(f"      ... and {len(call.changes) - len(shown)} more")
        lines.append(self.summary())
        return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return "{} {}{}".format(count, word, "" if count == 1 else "s")


_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxdict = 4
_REPR.maxlevel = 3


def _show(value: Any) -> str:
    """A short readable form of a compared value."""
    return _REPR.repr(_readable(value))


class _Shown:
    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _readable(value: Any) -> Any:
    if is_tag(value):
        kind = value[TAG]
        if kind == "dict":
            return _readable(value["items"])
        if kind == "datetime":
            return _Shown(f"<datetime {value['value']}>")
        if kind in ("bytes", "text"):
            unit = "bytes" if kind == "bytes" else "characters"
            return _Shown("<{} {}, sha256 {}...>".format(value["length"], unit, value["sha256"][:12]))
        if kind in ("decimal", "float"):
            return _Shown("{}({!r})".format("Decimal" if kind == "decimal" else "float", value["value"]))
        return _Shown(f"<{kind}>")
    if isinstance(value, Mapping):
        return {key: _readable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_readable(item) for item in value]
    return value
