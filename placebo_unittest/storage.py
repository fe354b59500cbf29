"""Recording files on disk: the directory index, reads and atomic writes.

The directory is listed once, when first needed, and the index is kept in
memory from then on; a save never globs. Each file is written to a temporary
file beside it and then linked (or renamed) into place, so an interrupted run
leaves whole recordings or none, and two writers never overwrite each other.
"""
from __future__ import annotations

import contextlib
import errno
import logging
import os
import threading
import uuid
from typing import Dict, Iterator, List, Optional, Tuple

from .naming import parse_recording_filename, recording_filename
from .serializer import Loaded, loads

__all__ = ["RecordingStore"]

LOG = logging.getLogger("placebo_unittest")

Key = Tuple[str, str]  # (stem, operation): stem is "[prefix.]service"


class RecordingStore:
    """The recordings of one directory (one test), indexed by stem and operation."""

    def __init__(self, directory: str):
        self.directory = directory
        self._index: Optional[Dict[Key, Dict[int, List[str]]]] = None
        self._cache: Dict[str, Loaded] = {}
        self._lock = threading.RLock()

    # -- the index -------------------------------------------------------
    def _scan(self) -> Dict[Key, Dict[int, List[str]]]:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    index: Dict[Key, Dict[int, List[str]]] = {}
                    try:
                        names = [e.name for e in os.scandir(self.directory) if e.is_file()]
                    except FileNotFoundError:
                        names = []
                    for name in sorted(names):
                        parsed = parse_recording_filename(name)
                        if parsed is not None:
                            slot = index.setdefault((parsed.stem, parsed.operation), {})
                            slot.setdefault(parsed.number, []).append(parsed.extension)
                    self._index = index
        return self._index

    def refresh(self) -> None:
        """Forget the index and cached files; the next use lists the directory again."""
        with self._lock:
            self._index = None
            self._cache.clear()

    def extensions(self, stem: str, operation: str, number: int) -> List[str]:
        return self._scan().get((stem, operation), {}).get(number, [])

    def count(self, stem: str, operation: str) -> int:
        """How many recordings ``_1`` .. ``_N`` exist without a gap."""
        numbers = self._scan().get((stem, operation), {})
        n = 0
        while n + 1 in numbers:
            n += 1
        return n

    def has(self, stem: str, operation: str) -> bool:
        return bool(self._scan().get((stem, operation)))

    def names_for(self, operation: str) -> List[str]:
        """Every file recorded for ``operation``, whatever its service or prefix."""
        found = []
        for (stem, op), numbers in self._scan().items():
            if op == operation:
                for number, extensions in numbers.items():
                    for extension in extensions:
                        found.append(recording_filename(None, stem, op, number, extension))
        return sorted(found)

    def all_paths(self) -> List[str]:
        paths = []
        for (stem, op), numbers in self._scan().items():
            for number, extensions in numbers.items():
                for extension in extensions:
                    paths.append(self.path(stem, op, number, extension))
        return sorted(paths)

    def path(self, stem: str, operation: str, number: int, extension: str) -> str:
        return os.path.join(self.directory, recording_filename(None, stem, operation, number, extension))

    def next_number(self, stem: str, operation: str) -> int:
        """The number a new recording of ``stem.operation`` would get now."""
        return max(self._scan().get((stem, operation), {}), default=0) + 1

    # -- reading ---------------------------------------------------------
    def load(self, stem: str, operation: str, number: int, extension: str) -> Loaded:
        return self.load_path(self.path(stem, operation, number, extension), extension)

    def load_path(self, path: str, extension: str) -> Loaded:
        """Read and check the recording at ``path`` once; later calls reuse it."""
        loaded = self._cache.get(path)
        if loaded is None:
            with open(path, "rb") as handle:
                raw = handle.read()
            loaded = loads(raw, path, extension)
            self._cache[path] = loaded
        return loaded

    # -- writing ---------------------------------------------------------
    def save(self, stem: str, operation: str, payload: bytes, extension: str) -> str:
        """Write ``payload`` as the next recording of ``stem.operation``; return its path."""
        with self._lock:
            numbers = self._scan().setdefault((stem, operation), {})
            os.makedirs(self.directory, exist_ok=True)
            number = max(numbers, default=0) + 1
            while True:
                path = self.path(stem, operation, number, extension)
                if _write_new(path, payload):
                    break
                number += 1  # another writer took this number first
            numbers.setdefault(number, []).append(extension)
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
            LOG.debug("recorded %s", path)
            return path


def _same_directory(first: str, second: str) -> bool:
    return os.path.abspath(first or os.curdir) == os.path.abspath(second or os.curdir)


@contextlib.contextmanager
def _staged(path: str, payload: bytes) -> Iterator[str]:
    """A temporary file beside ``path`` holding ``payload``; removed on the way
    out unless it was renamed into place."""
    directory, name = os.path.split(path)
    temporary = os.path.join(directory, ".{}.{}.tmp".format(name, uuid.uuid4().hex[:12]))
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
