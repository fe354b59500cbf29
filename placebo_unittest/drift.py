"""Comparing two recordings of the same tests, call by call: the library behind ``placebo-unittest diff``.

When a test is recorded again its new files replace the old ones, and the
change a reviewer sees is a diff of JSON files in which the few values that
matter hide among request ids and dates. This module compares two sets of
recordings and says what changed, by path, leaving out the values that
change on every recording (:mod:`placebo_unittest.volatile`):

- :func:`compare_files` compares two recordings of one call: its status
  code, its response (``data``) and its stored request (``request``);
- :func:`compare_dirs` compares one test's directory with another, pairing
  files by name (``[prefix.]service.Operation_N``);
- :func:`compare_trees` compares two trees of test directories, pairing
  directories by their path under each root, and :func:`compare_roots`
  several such pairs in one report.

What they find is a :class:`~placebo_unittest.drift_report.DriftReport` (see
:mod:`placebo_unittest.drift_report`), and :mod:`placebo_unittest.revisions`
finds the old side in git. The names of both other modules are importable
from here too.

Paths
-----
A change's path starts at the part of the file it is in: ``status_code``,
``data`` (the response, as in the file) or ``request`` (the stored request,
the file's ``placebo_unittest.request``), and goes on in the notation of
:mod:`placebo_unittest.matching`: ``data.Reservations[0].Instances[0].State.Name``.
In lists, the items that are the same on both sides are lined up first, and
the others compared by position between them, so one item inserted shows as
one item added, not as every later item changed. Indexes are positions in the
new recording, except for items removed, which are in the old one.

Files are read as playback reads them (through a
:class:`~placebo_unittest.storage.RecordingStore`), so a corrupt file raises
:class:`~placebo_unittest.errors.CorruptRecordingError` naming it. Pickle
files are never loaded: two pickle files are compared by their bytes. This
module knows nothing of botocore events or of the Pill.
"""
from __future__ import annotations

import difflib
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from botocore.response import StreamingBody

from .drift_report import REPORT_VERSION, CallDrift, Change, DirectoryDrift, DriftReport, Segment, Status
from .errors import PlaceboError
from .matching import ABSENT
from .params import TAG, is_tag, normalize
from .recordings import RecordingFile, files_in, find_recording_dirs, read_file, split_stem
from .serializer import materialize
from .volatile import DEFAULT_IGNORE, IgnoreRules, ignore_rules

__all__ = [
    "compare_files",
    "compare_dirs",
    "compare_trees",
    "compare_roots",
    "RootPair",
    "RootsMismatchError",
    # placebo_unittest.volatile
    "DEFAULT_IGNORE",
    "IgnoreRules",
    "ignore_rules",
    # placebo_unittest.drift_report
    "REPORT_VERSION",
    "Status",
    "Change",
    "CallDrift",
    "DirectoryDrift",
    "DriftReport",
]


class RootPair(NamedTuple):
    """Two roots to compare in :func:`compare_roots`.

    ``name`` names the tests found under them (joined with each test's path
    under the roots; empty for the path alone); ``old_shown`` and
    ``new_shown`` stand for the roots in the report (a temporary directory
    holding files from git is shown as ``REV:path``).
    """

    old: str
    new: str
    name: str = ""
    old_shown: str | None = None
    new_shown: str | None = None


# -- comparing ---------------------------------------------------------------------------

class _Walk:
    """Compares two compared-form trees, collecting changes and counting what is ignored."""

    def __init__(self, rules: IgnoreRules):
        self.rules = rules
        self.changes: list[Change] = []
        self.ignored = 0

    def node(self, old: Any, new: Any, path: tuple[Segment, ...]) -> None:
        if self.rules.spec.ignores(path):
            if old != new:
                self.ignored += 1
            return
        old_members, new_members = _members(old), _members(new)
        if old_members is not None and new_members is not None:
            for key in sorted(set(old_members) | set(new_members)):
                self.member(old_members, new_members, key, path + (key,))
        elif isinstance(old, list) and isinstance(new, list):
            self.items(old, new, path)
        elif _same(old, new):
            return
        elif self.rules.ignores_value(old, new):
            self.ignored += 1
        else:
            self.changes.append(Change(path, Status.CHANGED, old, new))

    def member(self, old: Mapping[str, Any], new: Mapping[str, Any], key: str, path: tuple[Segment, ...]) -> None:
        if key in old and key in new:
            self.node(old[key], new[key], path)
        elif key in old:
            self.alone(path, Status.REMOVED, old[key])
        else:
            self.alone(path, Status.ADDED, new[key])

    def alone(self, path: tuple[Segment, ...], status: Status, value: Any) -> None:
        if self.rules.spec.ignores(path):
            self.ignored += 1
        elif status is Status.ADDED:
            self.changes.append(Change(path, status, ABSENT, value))
        else:
            self.changes.append(Change(path, status, value, ABSENT))

    def items(self, old: list[Any], new: list[Any], path: tuple[Segment, ...]) -> None:
        # Items the same on both sides are lined up first; the rest are
        # compared in pairs, and what is left over was added or removed.
        matcher = difflib.SequenceMatcher(None, [_key(item) for item in old], [_key(item) for item in new],
                                          autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            paired = min(i2 - i1, j2 - j1)
            for k in range(paired):
                self.node(old[i1 + k], new[j1 + k], path + (j1 + k,))
            for i in range(i1 + paired, i2):
                self.alone(path + (i,), Status.REMOVED, old[i])
            for j in range(j1 + paired, j2):
                self.alone(path + (j,), Status.ADDED, new[j])


def _members(value: Any) -> Mapping[str, Any] | None:
    """The members of a dict, or of a ``dict`` tag; None for a leaf (other tags included)."""
    if not isinstance(value, dict):
        return None
    if is_tag(value):
        items: Mapping[str, Any] | None = value["items"] if value[TAG] == "dict" else None
        return items
    return value


def _same(old: Any, new: Any) -> bool:
    """Equal leaves; a bool equals only a bool."""
    return bool(old == new) and isinstance(old, bool) == isinstance(new, bool)


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _compared(item: RecordingFile) -> dict[str, Any]:
    """A recording in its compared form: ``status_code``, ``data`` and, when
    the file has one, ``request``, all JSON-ready."""
    loaded = read_file(item)
    shape = None
    if loaded.legacy:  # a placebo-form file: give its values the model's types, as playback does
        resolved = split_stem(item.stem, item.operation)[2]
        shape = resolved.operation_model.output_shape if resolved is not None else None
    status, data = materialize(loaded, shape)
    document: dict[str, Any] = {"status_code": status, "data": normalize(_bodies_read(data))}
    if loaded.request is not None:
        document["request"] = loaded.request
    return document


def _bodies_read(value: Any) -> Any:
    """``value`` with each ``StreamingBody`` replaced by its bytes, so that a
    body is compared by its content (normalize can't read one without
    consuming it)."""
    if isinstance(value, StreamingBody):
        return value.read()
    if isinstance(value, dict):
        return {key: _bodies_read(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_bodies_read(item) for item in value]
    return value


def _same_bytes(first: str, second: str) -> bool:
    with open(first, "rb") as one, open(second, "rb") as other:
        while True:
            a, b = one.read(io.DEFAULT_BUFFER_SIZE * 16), other.read(io.DEFAULT_BUFFER_SIZE * 16)
            if a != b:
                return False
            if not a:
                return True


_PICKLE_NOTE = ("a pickle file, compared by its bytes only: convert it with `placebo-unittest convert` "
                "to compare it field by field")


def _compare_recordings(old: RecordingFile, new: RecordingFile, rules: IgnoreRules) -> CallDrift:
    if "pickle" in (old.extension, new.extension):
        if old.extension == new.extension and _same_bytes(old.path, new.path):
            return _call(old, new, Status.UNCHANGED)
        return _call(old, new, Status.CHANGED, note=_PICKLE_NOTE)
    walk = _Walk(rules)
    walk.node(_compared(old), _compared(new), ())
    return _call(old, new, Status.CHANGED if walk.changes else Status.UNCHANGED, tuple(walk.changes), walk.ignored)


def _call(old: RecordingFile | None, new: RecordingFile | None, status: Status, changes: tuple[Change, ...] = (),
          ignored: int = 0, note: str = "") -> CallDrift:
    item = new or old
    assert item is not None
    return CallDrift(f"{item.stem}.{item.operation}_{item.number}", item.stem, item.operation, item.number, status,
                     old.name if old else None, new.name if new else None, changes, ignored, note)


def compare_files(old: str, new: str, ignore: IgnoreRules | None = None) -> CallDrift:
    """How the recording ``new`` differs from ``old`` (two recordings of the same
    call, named like recordings), with ``ignore`` (by default
    :func:`ignore_rules`) left out. Its status is ``changed`` or ``unchanged``.

    Raises ``FileNotFoundError`` for a missing file, ``ValueError`` for a name
    that isn't a recording's, and
    :class:`~placebo_unittest.errors.CorruptRecordingError` for a file that
    can't be read.
    """
    return _compare_recordings(_file(old), _file(new), ignore or ignore_rules())


def _file(path: str) -> RecordingFile:
    if not os.path.lexists(path):
        raise FileNotFoundError(f"No such file: {path}")
    (directory,) = find_recording_dirs([path])
    (item,) = directory.files
    return item


def _by_call(files: Sequence[RecordingFile]) -> dict[tuple[str, str, int], RecordingFile]:
    """Files by ``(stem, operation, number)``; a JSON file wins over a pickle of
    the same call, as a JSON pill reads it."""
    found: dict[tuple[str, str, int], RecordingFile] = {}
    for item in files:
        key = (item.stem, item.operation, item.number)
        if key not in found or item.extension == "json":
            found[key] = item
    return found


def _compare_directory(name: str, old: str | None, new: str | None, rules: IgnoreRules,
                       old_shown: str | None = None, new_shown: str | None = None) -> DirectoryDrift:
    old_files = _by_call(files_in(old)) if old is not None else {}
    new_files = _by_call(files_in(new)) if new is not None else {}
    calls: list[CallDrift] = []
    unchanged = ignored = 0
    for key in sorted(set(old_files) | set(new_files)):
        before, after = old_files.get(key), new_files.get(key)
        if before is None:
            calls.append(_call(None, after, Status.ADDED))
            continue
        if after is None:
            calls.append(_call(before, None, Status.REMOVED))
            continue
        call = _compare_recordings(before, after, rules)
        ignored += call.ignored
        if call.status is Status.UNCHANGED:
            unchanged += 1
        else:
            calls.append(call)
    if old is None:
        status = Status.ADDED
    elif new is None:
        status = Status.REMOVED
    else:
        status = Status.CHANGED if calls else Status.UNCHANGED
    return DirectoryDrift(name, status, old and (old_shown or old), new and (new_shown or new), tuple(calls),
                          unchanged, ignored)


def compare_dirs(old: str, new: str, ignore: IgnoreRules | None = None, *, name: str | None = None) -> DirectoryDrift:
    """How the recordings directly in the directory ``new`` differ from those in
    ``old``: files are paired by ``[prefix.]service.Operation_N``. ``name``
    names the test (by default, the new directory's name).

    Raises ``NotADirectoryError`` (or ``FileNotFoundError``) when either isn't
    a directory, and :class:`~placebo_unittest.errors.CorruptRecordingError`
    for a file that can't be read.
    """
    for path in (old, new):
        if not os.path.isdir(path):
            raise (NotADirectoryError if os.path.exists(path) else FileNotFoundError)(
                f"Not a directory of recordings: {path}")
    return _compare_directory(name or os.path.basename(os.path.abspath(new)), old, new, ignore or ignore_rules())


def compare_trees(old: str, new: str, ignore: IgnoreRules | None = None) -> DriftReport:
    """How the recordings under the directory ``new`` differ from those under
    ``old``. Test directories are found as ``placebo-unittest`` finds them
    (see :func:`~placebo_unittest.recordings.find_recording_dirs`) and paired
    by their path under each root; a root that is itself a test's directory
    pairs with the other root.

    Raises ``NotADirectoryError`` (or ``FileNotFoundError``) when either root
    isn't a directory, :class:`RootsMismatchError` when one is a test's
    directory and the other a tree of them, and
    :class:`~placebo_unittest.errors.CorruptRecordingError` for a file that
    can't be read.
    """
    return compare_roots([RootPair(old, new)], ignore, old_label=old, new_label=new)


def compare_roots(pairs: Iterable[RootPair], ignore: IgnoreRules | None = None, *, old_label: str = "old",
                  new_label: str = "new") -> DriftReport:
    """Several :class:`RootPair` compared as by :func:`compare_trees`, in one
    report whose two sides are called ``old_label`` and ``new_label``."""
    rules = ignore or ignore_rules()
    differing: list[DirectoryDrift] = []
    compared = calls = ignored = 0
    for pair in pairs:
        for path in (pair.old, pair.new):
            if not os.path.isdir(path):
                raise (NotADirectoryError if os.path.exists(path) else FileNotFoundError)(
                    f"Not a directory of recordings: {path}")
        old_dirs, new_dirs = _directories(pair.old), _directories(pair.new)
        _same_level(pair, old_dirs, new_dirs)
        for relative in sorted(set(old_dirs) | set(new_dirs)):
            drift = _compare_directory(
                _test_name(pair, relative), old_dirs.get(relative), new_dirs.get(relative), rules,
                _shown(pair.old_shown, relative), _shown(pair.new_shown, relative))
            compared += 1
            calls += len(drift.calls) + drift.unchanged
            ignored += drift.ignored
            if drift.status is not Status.UNCHANGED:
                differing.append(drift)
    return DriftReport(old_label, new_label, tuple(differing), compared, calls, rules, ignored)


class RootsMismatchError(PlaceboError, ValueError):
    """One root compared is a test's directory and the other a tree of them,
    so no test directory could pair with its counterpart."""

    def __init__(self, test: str, tree: str):
        self.test = test
        self.tree = tree
        super().__init__(
            f"{test} is one test's directory, and {tree} a tree of test directories: their recordings "
            "can't be paired. Compare two test directories, or two trees (the directories holding the "
            f"test directories, such as the parent of {test}).")


def _same_level(pair: RootPair, old_dirs: Mapping[str, str], new_dirs: Mapping[str, str]) -> None:
    """Refuse a test's directory compared with a tree of them."""
    for first, second, first_dirs, second_dirs in ((pair.old, pair.new, old_dirs, new_dirs),
                                                   (pair.new, pair.old, new_dirs, old_dirs)):
        if set(first_dirs) == {os.curdir} and second_dirs and os.curdir not in second_dirs:
            raise RootsMismatchError(first, second)


def _directories(root: str) -> dict[str, str]:
    """The test directories under ``root``, by their path relative to it."""
    return {os.path.relpath(d.path, root): d.path for d in find_recording_dirs([root])}


def _test_name(pair: RootPair, relative: str) -> str:
    if pair.name:
        return os.path.normpath(os.path.join(pair.name, relative))
    if relative == os.curdir:
        return os.path.basename(os.path.abspath(pair.new)) or pair.new
    return relative


def _shown(root: str | None, relative: str) -> str | None:
    """The directory at ``relative`` under a root shown as ``root``
    (``REV:tests/placebo`` and ``MyTest.test_x`` give ``REV:tests/placebo/MyTest.test_x``)."""
    if root is None:
        return None
    if relative == os.curdir:
        return root
    relative = relative.replace(os.sep, "/")
    return root + relative if root.endswith((":", "/")) else f"{root}/{relative}"
