"""Recording files on disk, found by their names under some paths.

The ground the command line's library stands on (see
:mod:`placebo_unittest.inventory`): :func:`find_recording_dirs` finds the
directories holding recordings and the recording files in each;
:func:`split_stem` tells which service and model a file's name points at;
``read_file`` and ``save_file`` read a file as playback reads it and rewrite
one atomically, both through the directory's ``RecordingStore``; an
:class:`Outcome` says what rewriting a file did. It knows nothing of botocore
events or of the Pill.
"""
from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import UnknownOperationError
from .models import Resolved, resolve
from .naming import parse_recording_filename
from .serializer import Loaded
from .storage import RecordingStore

__all__ = [
    "SKIPPED_DIRECTORIES",
    "RecordingFile",
    "RecordingDir",
    "find_recording_dirs",
    "split_stem",
    "Outcome",
]

#: Directories never searched for recordings (besides hidden ones, whose
#: names start with a dot).
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "site-packages"})

#: The part of a staging directory's name that PlaceboTestCase records into
#: before moving it into place: transient, so never searched.
_STAGING_MARK = ".recording-"


# -- finding files -----------------------------------------------------------------

@dataclass(frozen=True)
class RecordingFile:
    """One file named like a recording: ``[prefix.]<service>.<Operation>_<N>.<extension>``.

    ``stem`` is ``[prefix.]<service>`` as in the name; ``size`` is in bytes
    (0 for a directory standing where a recording should be).
    """

    path: str
    stem: str
    operation: str
    number: int
    extension: str
    size: int

    @property
    def name(self) -> str:
        """The file's name, without its directory."""
        return os.path.basename(self.path)

    @property
    def directory(self) -> str:
        """The directory holding the file."""
        return os.path.dirname(self.path) or os.curdir

    @property
    def key(self) -> tuple[str, str]:
        """``(stem, operation)``: the recordings numbered together."""
        return (self.stem, self.operation)


@dataclass
class RecordingDir:
    """A directory holding recordings (usually one test's), and its recording files, sorted."""

    path: str
    files: list[RecordingFile] = field(default_factory=list)
    #: False when only some files of the directory were asked for.
    complete: bool = True

    def size(self) -> int:
        """The total size of the files, in bytes."""
        return sum(f.size for f in self.files)


def _recording_entry(path: str) -> RecordingFile | None:
    parsed = parse_recording_filename(os.path.basename(path))
    if parsed is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    size = info.st_size if stat.S_ISREG(info.st_mode) else 0
    return RecordingFile(path, parsed.stem, parsed.operation, parsed.number, parsed.extension, size)


def _sort_key(item: RecordingFile) -> tuple[str, str, int, str]:
    return (item.stem, item.operation, item.number, item.extension)


def files_in(directory: str) -> list[RecordingFile]:
    """The recording files directly in ``directory``, sorted; none if it can't be listed."""
    found = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        entry = _recording_entry(os.path.normpath(os.path.join(directory, name)))
        if entry is not None:
            found.append(entry)
    return sorted(found, key=_sort_key)


def _searched(name: str) -> bool:
    return not (name.startswith(".") or name in SKIPPED_DIRECTORIES or _STAGING_MARK in name)


def find_recording_dirs(paths: Iterable[str]) -> list[RecordingDir]:
    """The directories holding recordings under ``paths``, each with its files.

    A directory is searched with everything below it, except hidden
    directories, ``__pycache__``, ``node_modules``, ``site-packages`` and the
    staging directories a recording test writes into; symbolic links to
    directories are not followed. A file must be named like a recording, and
    then only that file of its directory is taken (the directory is then not
    :attr:`~RecordingDir.complete`). A directory named like a recording is
    taken as a file, so that checking it says what it is.

    Raises ``FileNotFoundError`` for a path that doesn't exist and
    ``ValueError`` for a file that isn't named like a recording.
    """
    found: dict[str, RecordingDir] = {}
    for given in paths:
        path = os.path.normpath(given)
        if not os.path.lexists(path):
            raise FileNotFoundError(f"No such file or directory: {given}")
        entry = _recording_entry(path)
        if os.path.isdir(path) and entry is None:
            for root, directories, _names in os.walk(path):
                root = os.path.normpath(root)
                directories[:] = sorted(d for d in directories if _searched(d)
                                        and parse_recording_filename(d) is None)
                files = files_in(root)
                if files:
                    known = found.get(root)
                    if known is None or not known.complete:
                        found[root] = RecordingDir(root, files)
            continue
        if entry is None:
            raise ValueError(f"{given} is not named like a recording ([prefix.]service.Operation_N.json "
                             "or .pickle)")
        directory = os.path.dirname(path) or os.curdir
        known = found.setdefault(directory, RecordingDir(directory, [], complete=False))
        if entry not in known.files:
            known.files.append(entry)
            known.files.sort(key=_sort_key)
    return [found[key] for key in sorted(found)]


# -- reading and rewriting one -----------------------------------------------------

def read_file(item: RecordingFile) -> Loaded:
    """The file as it is now on disk, read and checked through a
    :class:`~placebo_unittest.storage.RecordingStore`, so that every check of
    the store applies (the size limit, a directory or a device standing where
    a file should be). Nothing is cached: files may change between two calls."""
    return RecordingStore(item.directory).load_path(item.path, item.extension)


def save_file(path: str, payload: bytes) -> None:
    """Put ``payload`` at ``path`` atomically, replacing what is there."""
    RecordingStore(os.path.dirname(path) or os.curdir).save_as(path, payload)


def sentence(text: str) -> str:
    """``text`` ending as a sentence does, for a message or a detail."""
    return text if text.endswith((".", "?", "!")) else text + "."


@dataclass
class Outcome:
    """What :func:`~placebo_unittest.scrubbing.redact_file` or
    :func:`~placebo_unittest.converting.convert_file` did (or, in a dry run,
    would do) to one file.

    ``action`` is ``redacted``, ``converted``, ``unchanged``, ``skipped`` or
    ``failed``; ``fields`` lists where values were replaced; ``detail`` says
    why a file was skipped or failed, or what was written.
    """

    path: str
    action: str
    fields: list[str] = field(default_factory=list)
    detail: str = ""
    written: str | None = None
    removed: str | None = None
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """Whether the file was (or would be) rewritten."""
        return self.action in ("redacted", "converted")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"path": self.path, "action": self.action, "fields": list(self.fields),
                "detail": self.detail, "written": self.written, "removed": self.removed,
                "dry_run": self.dry_run}


# -- what a file's name points at ----------------------------------------------------

_splits: dict[tuple[str, str], tuple[str | None, str, Resolved | None]] = {}


def split_stem(stem: str, operation: str) -> tuple[str | None, str, Resolved | None]:
    """``(prefix, service, resolved)`` for a file's stem ``[prefix.]service``.

    The service is the longest dotted suffix of the stem that botocore knows
    (``data-ats.iot`` is one service, ``TestFoo.test_it.monitoring`` is
    ``monitoring`` with a prefix). ``resolved`` is the operation's model, or
    None when botocore doesn't know the service or has no such operation (the
    service is then the last part of the stem, or the suffix that was known).
    """
    key = (stem, operation)
    if key in _splits:
        return _splits[key]
    parts = stem.split(".")
    result: tuple[str | None, str, Resolved | None] = (
        ".".join(parts[:-1]) or None, parts[-1], None)
    for start in range(len(parts)):
        candidate = ".".join(parts[start:])
        prefix = ".".join(parts[:start]) or None
        try:
            resolved = resolve(candidate, operation)
        except UnknownOperationError:
            result = (prefix, candidate, None)
            break
        if resolved is not None:
            result = (prefix, candidate, resolved)
            break
    _splits[key] = result
    return result
