"""What recording a test again changed: its new recordings against the ones they replace.

When ``PlaceboContext`` swaps a test's new recordings in (see
:mod:`placebo_unittest.context`), it asks :func:`drift_of` how they differ
from the old ones, with :mod:`placebo_unittest.drift`'s comparison and its
ignore rules. A test recorded for the first time has every call ``added``; a
test whose new run made no call has every old one ``removed``.

The result is a :class:`~placebo_unittest.drift_report.DirectoryDrift`,
carried from pytest-xdist's workers and through report files as the dict
:meth:`~placebo_unittest.drift_report.DirectoryDrift.as_dict` makes, and
read back by :func:`drift_from_dict`. :func:`rules_from_dict` does the same
for the :class:`~placebo_unittest.volatile.IgnoreRules` a report names.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from .drift import compare_dirs
from .drift_report import CallDrift, Change, DirectoryDrift, Status
from .matching import ABSENT, IgnoreSyntaxError, _parse_path, compile_ignore
from .recordings import files_in
from .volatile import IgnoreRules, ignore_rules

__all__ = ["drift_of", "rules_for", "drift_from_dict", "rules_from_dict", "BadDriftError"]


class BadDriftError(ValueError):
    """A drift entry of a report can't be read; the message says what is wrong."""


@functools.lru_cache(maxsize=8)
def rules_for(extra: tuple[str, ...] = ()) -> IgnoreRules:
    """The default ignore rules plus ``extra`` (``PLACEBO_DRIFT_IGNORE``), built once."""
    return ignore_rules(extra)


def drift_of(old: str | None, new: str | None, name: str, rules: IgnoreRules) -> DirectoryDrift | None:
    """How the recordings in ``new`` differ from those in ``old`` (either may be
    None: no recordings on that side), named ``name``; None when neither side
    has any. Both sides are shown as ``name`` in the result."""
    if old is not None and new is not None:
        found = compare_dirs(old, new, rules, name=name)
        return DirectoryDrift(found.name, found.status, name, name, found.calls, found.unchanged, found.ignored)
    if new is not None:
        return _one_side(name, new, Status.ADDED)
    if old is not None:
        return _one_side(name, old, Status.REMOVED)
    return None


def _one_side(name: str, directory: str, status: Status) -> DirectoryDrift:
    seen: dict[tuple[str, str, int], CallDrift] = {}
    for item in files_in(directory):
        key = (item.stem, item.operation, item.number)
        if key in seen and item.extension != "json":
            continue  # a JSON file wins over a pickle of the same call, as a JSON pill reads it
        added = status is Status.ADDED
        seen[key] = CallDrift(f"{item.stem}.{item.operation}_{item.number}", item.stem, item.operation,
                              item.number, status, None if added else item.name, item.name if added else None)
    added = status is Status.ADDED
    return DirectoryDrift(name, status, None if added else name, name if added else None, tuple(seen.values()))


# -- reading back -----------------------------------------------------------------------

def _status(value: Any, where: str) -> Status:
    try:
        return Status(value)
    except ValueError:
        raise BadDriftError(f"{where}: status must be one of {', '.join(s.value for s in Status)}, "
                            f"not {value!r}") from None


def _change(document: Any, where: str) -> Change:
    if not isinstance(document, Mapping) or not isinstance(document.get("path"), str):
        raise BadDriftError(f"{where}: a change must be an object with a path")
    try:
        segments = _parse_path(document["path"])
    except IgnoreSyntaxError as exc:
        raise BadDriftError(f"{where}: {exc}") from None
    if not all(isinstance(segment, (str, int)) for segment in segments):
        raise BadDriftError(f"{where}: the path {document['path']!r} holds a wildcard")
    return Change(tuple(s for s in segments if isinstance(s, (str, int))),
                  _status(document.get("change"), where),
                  document.get("old", ABSENT), document.get("new", ABSENT))


def _call(document: Any, where: str) -> CallDrift:
    if not isinstance(document, Mapping) or not isinstance(document.get("name"), str):
        raise BadDriftError(f"{where}: a call must be an object with a name")
    name = document["name"]
    base, _, number = name.rpartition("_")
    stem, _, operation = base.rpartition(".")
    if not (stem and operation and number.isdigit()):
        raise BadDriftError(f"{where}: {name!r} is not a call's name ([prefix.]service.Operation_N)")
    changes = document.get("changes", [])
    if not isinstance(changes, list):
        raise BadDriftError(f"{where}: changes must be a list")
    return CallDrift(name, stem, operation, int(number), _status(document.get("status"), where),
                     _text_or_none(document.get("old"), where), _text_or_none(document.get("new"), where),
                     tuple(_change(c, f"{where}, {name}") for c in changes),
                     _count(document.get("ignored", 0), where), str(document.get("note", "")))


def drift_from_dict(document: Any, where: str = "a drift entry") -> DirectoryDrift:
    """The :class:`DirectoryDrift` whose :meth:`~DirectoryDrift.as_dict` is ``document``.

    Raises :class:`BadDriftError` (a ``ValueError``) naming ``where`` when it
    can't be one."""
    if not isinstance(document, Mapping) or not isinstance(document.get("name"), str):
        raise BadDriftError(f"{where}: a test's drift must be an object with a name")
    calls = document.get("calls", [])
    if not isinstance(calls, list):
        raise BadDriftError(f"{where}: calls must be a list")
    here = f"{where} ({document['name']})"
    return DirectoryDrift(document["name"], _status(document.get("status"), here),
                          _text_or_none(document.get("old"), here), _text_or_none(document.get("new"), here),
                          tuple(_call(c, here) for c in calls),
                          _count(document.get("unchanged_calls", 0), here), _count(document.get("ignored", 0), here))


def rules_from_dict(document: Any, where: str = "ignore") -> IgnoreRules:
    """The :class:`IgnoreRules` whose :meth:`~IgnoreRules.as_dict` is ``document``."""
    if not isinstance(document, Mapping) or not isinstance(document.get("entries", []), list):
        raise BadDriftError(f"{where}: must be an object with a list of entries")
    entries: Sequence[Any] = document.get("entries", [])
    try:
        spec = compile_ignore([str(entry) for entry in entries])
    except IgnoreSyntaxError as exc:
        raise BadDriftError(f"{where}: {exc}") from None
    return IgnoreRules(spec, datetimes=bool(document.get("datetimes", False)),
                       generated_ids=bool(document.get("generated_ids", False)))


def _text_or_none(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise BadDriftError(f"{where}: expected a string or null, not {value!r}")


def _count(value: Any, where: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise BadDriftError(f"{where}: expected a count, not {value!r}")
