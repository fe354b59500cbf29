"""Recording files on disk: the directory index, reads and atomic writes.

The directory is listed once, when first needed, and the index is kept in
memory from then on; a save never globs. Each file is written to a temporary
file beside it and then linked (or renamed) into place, so an interrupted run
leaves whole recordings or none, and two writers never overwrite each other.

A file is checked before it is read: a directory standing where a recording
should be, anything else that isn't a regular file, and a file larger than
``PLACEBO_MAX_RECORDING_MB`` (32 MiB unless set) are refused with an error
naming the path.
"""
from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import stat
import threading
import uuid
from collections.abc import Iterator

from .config import DEFAULT_MAX_RECORDING_MB, read_env
from .errors import (
    CorruptRecordingError,
    RecordingIsDirectoryError,
    RecordingTooLargeError,
)
from .naming import parse_recording_filename, recording_filename
from .serializer import Loaded, loads

__all__ = ["RecordingStore"]

LOG = logging.getLogger("placebo_unittest")

Key = tuple[str, str]  # (stem, operation): stem is "[prefix.]service"
Slots = dict[int, list[str]]  # number -> extensions
MIB = 1024 * 1024


class RecordingStore:
    """The recordings of one directory (one test), indexed by stem and operation.

    ``max_bytes`` limits the size of the files it reads; by default it is
    ``PLACEBO_MAX_RECORDING_MB``, read when the first file is.
    """

    def __init__(self, directory: str, max_bytes: int | None = None):
        self.directory = directory
        self._index: dict[Key, Slots] | None = None
        self._counts: dict[Key, int] = {}  # count(), kept until a save changes it
        self._paths: dict[tuple[str, str, int, str], str] = {}  # path(), built once each
        self._highest: dict[Key, int] = {}  # the highest number saved, so saving never scans
        # Directories named like recordings: not recordings, so never listed or
        # numbered past, but playback that reaches one says what it is.
        self._directories: dict[Key, Slots] = {}
        self._cache: dict[str, Loaded] = {}
        self._lock = threading.RLock()
        self._max_bytes = max_bytes

    # -- the index -------------------------------------------------------
    def _scan(self) -> dict[Key, Slots]:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    index: dict[Key, Slots] = {}
                    directories: dict[Key, Slots] = {}
                    try:
                        entries = [(e.name, e.is_dir()) for e in os.scandir(self.directory)
                                   if e.is_file() or e.is_dir()]
                    except FileNotFoundError:
                        entries = []
                    for name, is_dir in sorted(entries):
                        parsed = parse_recording_filename(name)
                        if parsed is not None:
                            found = directories if is_dir else index
                            slot = found.setdefault((parsed.stem, parsed.operation), {})
                            slot.setdefault(parsed.number, []).append(parsed.extension)
                    self._directories = directories
                    self._index = index
        return self._index

    def refresh(self) -> None:
        """Forget the index and cached files; the next use lists the directory again."""
        with self._lock:
            self._index = None
            self._directories = {}
            self._cache.clear()
            self._counts.clear()

    def extensions(self, stem: str, operation: str, number: int) -> list[str]:
        found = self._scan().get((stem, operation), {}).get(number, [])
        blocked = self._directories.get((stem, operation), {}).get(number)
        if blocked:  # so that playback reaches the directory and reports it
            return found + [e for e in blocked if e not in found]
        return found

    def count(self, stem: str, operation: str) -> int:
        """How many recordings ``_1`` .. ``_N`` exist without a gap (a
        directory named like one counts, so that playback reports it).
        Worked out once, then kept until a save changes it."""
        key = (stem, operation)
        known = self._counts.get(key)
        if known is not None:
            return known
        numbers = self._scan().get(key, {})
        blocked = self._directories.get(key, {})
        n = 0
        while n + 1 in numbers or n + 1 in blocked:
            n += 1
        self._counts[key] = n
        return n

    def has(self, stem: str, operation: str) -> bool:
        return bool(self._scan().get((stem, operation)) or self._directories.get((stem, operation)))

    def names_for(self, operation: str) -> list[str]:
        """Every file recorded for ``operation``, whatever its service or prefix."""
        found = []
        for (stem, op), numbers in self._scan().items():
            if op == operation:
                for number, extensions in numbers.items():
                    for extension in extensions:
                        found.append(recording_filename(None, stem, op, number, extension))
        return sorted(found)

    def all_paths(self) -> list[str]:
        paths = []
        for (stem, op), numbers in self._scan().items():
            for number, extensions in numbers.items():
                for extension in extensions:
                    paths.append(self.path(stem, op, number, extension))
        return sorted(paths)

    def path(self, stem: str, operation: str, number: int, extension: str) -> str:
        key = (stem, operation, number, extension)
        path = self._paths.get(key)
        if path is None:
            path = os.path.join(self.directory, recording_filename(None, stem, operation, number, extension))
            if len(self._paths) < 100_000:
                self._paths[key] = path
        return path

    def next_number(self, stem: str, operation: str) -> int:
        """The number a new recording of ``stem.operation`` would get now."""
        key = (stem, operation)
        highest = self._highest.get(key)
        if highest is None:
            highest = self._highest[key] = max(self._scan().get(key, {}), default=0)
        return highest + 1

    # -- reading ---------------------------------------------------------
    def load(self, stem: str, operation: str, number: int, extension: str) -> Loaded:
        return self.load_path(self.path(stem, operation, number, extension), extension)

    def load_path(self, path: str, extension: str) -> Loaded:
        """Read and check the recording at ``path`` once; later calls reuse it.

        A missing file raises ``FileNotFoundError``; a directory
        :class:`RecordingIsDirectoryError`; a file larger than the limit
        :class:`RecordingTooLargeError`; a bad one :class:`CorruptRecordingError`."""
        loaded = self._cache.get(path)
        if loaded is None:
            raw = self._read(path)
            loaded = loads(raw, path, extension, functools.partial(self._read_again, path, len(raw)))
            self._cache[path] = loaded
        return loaded

    def _read_again(self, path: str, size: int) -> bytes:
        """The bytes of a recording read before, for its second replay: what
        changed or went since is an error, as the first replay came from what was there."""
        try:
            raw = self._read(path)
        except FileNotFoundError:
            raw = None
        if raw is None or len(raw) != size:
            raise CorruptRecordingError(path, "it was removed or changed while the test replayed it: its first "
                                        "replay came from what was there before")
        return raw

    def _read(self, path: str) -> bytes:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise RecordingIsDirectoryError(path)
        if not stat.S_ISREG(info.st_mode):
            raise CorruptRecordingError(path, "it is not a regular file (a pipe, socket or device)")
        limit = self.max_bytes()
        if info.st_size > limit:
            raise RecordingTooLargeError(path, info.st_size, limit)
        with open(path, "rb", buffering=0) as handle:
            # Ask for what stat said, plus a byte to notice growth: asking for
            # the whole limit would make Python set aside that much memory.
            raw = handle.readall() if info.st_size == 0 else handle.read(info.st_size + 1)
            if len(raw) > info.st_size:  # it grew after the check: read the rest, within the limit
                raw += handle.read(limit + 1 - len(raw))
            if len(raw) > limit:
                raise RecordingTooLargeError(path, os.fstat(handle.fileno()).st_size, limit)
        return raw

    def max_bytes(self) -> int:
        """The size limit on the files this store reads, in bytes."""
        if self._max_bytes is None:
            megabytes = read_env().max_recording_mb or DEFAULT_MAX_RECORDING_MB
            self._max_bytes = int(megabytes * MIB)
        return self._max_bytes

    # -- writing ---------------------------------------------------------
    def save(self, stem: str, operation: str, payload: bytes, extension: str) -> str:
        """Write ``payload`` as the next recording of ``stem.operation``; return its path."""
        with self._lock:
            key = (stem, operation)
            numbers = self._scan().setdefault(key, {})
            os.makedirs(self.directory, exist_ok=True)
            number = self.next_number(stem, operation)
            while True:
                path = self.path(stem, operation, number, extension)
                if _write_new(path, payload):
                    break
                number += 1  # another writer took this number first
            numbers.setdefault(number, []).append(extension)
            self._highest[key] = max(number, self._highest.get(key, 0))
            self._counts.pop(key, None)
            self._cache.pop(path, None)
            LOG.debug("recorded %s", path)
            return path

    def save_as(self, path: str, payload: bytes) -> str:
        """Write ``payload`` at exactly ``path`` (a path a Pill subclass chose),
        replacing any file there, atomically; return the path."""
        with self._lock:
            directory = os.path.dirname(path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            _write_replacing(path, payload)
            self._cache.pop(path, None)
            parsed = parse_recording_filename(os.path.basename(path))
            if parsed is not None and _same_directory(directory, self.directory):
                slot = self._scan().setdefault((parsed.stem, parsed.operation), {})
                extensions = slot.setdefault(parsed.number, [])
                if parsed.extension not in extensions:
                    extensions.append(parsed.extension)
                key = (parsed.stem, parsed.operation)
                self._counts.pop(key, None)
                self._highest[key] = max(parsed.number, self._highest.get(key, 0))
            LOG.debug("recorded %s", path)
            return path


def _same_directory(first: str, second: str) -> bool:
    return os.path.abspath(first or os.curdir) == os.path.abspath(second or os.curdir)


@contextlib.contextmanager
def _staged(path: str, payload: bytes) -> Iterator[str]:
    """A temporary file beside ``path`` holding ``payload``; removed on the way
    out unless it was renamed into place."""
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
    # Not tempfile.mkstemp: its files are mode 0600, and recordings are shared files.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
        yield temporary
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _write_replacing(path: str, payload: bytes) -> None:
    """Atomically put ``payload`` at ``path``, replacing what is there."""
    with _staged(path, payload) as temporary:
        os.replace(temporary, path)


def _write_new(path: str, payload: bytes) -> bool:
    """Atomically create ``path`` holding ``payload``; False if it already exists."""
    with _staged(path, payload) as temporary:
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK, errno.EACCES):
                raise
            if os.path.exists(path):  # no hard links here: rename, nearly as safe
                return False
            os.replace(temporary, path)
        return True
