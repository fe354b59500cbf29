"""One test's recordings: its session, its pill, its mode, and how it ends.

:class:`PlaceboContext` is what :class:`~placebo_unittest.PlaceboTestCase`
and the :func:`~placebo_unittest.utils.placebo_session` decorator share.
``start()`` makes the session and the pill; ``finish(passed)`` undoes
everything and, when recording, swaps the new recordings in for the old ones
(only if the test passed) or keeps the failed attempt beside them. Each
finished context leaves its account in :data:`placebo_unittest.stats.totals`
(see :mod:`placebo_unittest.usage`): the recordings it replayed, wrote or
left unused, and, when it recorded a test again, how the new recordings
differ from the old ones (:mod:`placebo_unittest.rerecording`).
"""
from __future__ import annotations

import contextlib
import ctypes
import errno
import logging
import os
import re
import shutil
import sys
import uuid
import warnings
from typing import Any

from . import stats
from .config import Match, Mode, OnExhausted, OnUnused, RecordFormat, coerce, read_env
from .drift_report import DirectoryDrift
from .errors import PlaceboError
from .matching import IgnoreLike, compile_ignore
from .pill import Pill, attach
from .redaction import RedactSpec, resolve_redactors
from .rerecording import drift_of, rules_for
from .seal import ForeignClients, sealed
from .session import default_session, new_async_session, new_session, no_waiter_delays
from .usage import Outcome, TestRun, names

__all__ = ["PlaceboContext", "UnusedRecordingsWarning", "has_recordings", "recover", "replace_directory",
           "staging_for"]

LOG = logging.getLogger("placebo_unittest")
DEFAULT_REGION = "us-east-1"
FAILED_SUFFIX = ".failed"


class UnusedRecordingsWarning(UserWarning):
    """A test ended in playback without replaying some of its recordings."""


def has_recordings(directory: str) -> bool:
    """True if ``directory`` holds at least one recording file."""
    from .naming import parse_recording_filename

    try:
        with os.scandir(directory) as entries:  # closed even when any() stops early
            return any(parse_recording_filename(e.name) for e in entries)
    except (FileNotFoundError, NotADirectoryError):
        return False


class PlaceboContext:
    """Record or replay one test's boto3 calls in ``directory``.

    ``mode`` defaults to ``$PLACEBO_MODE``, else playback; ``once`` records
    when the directory has no recordings yet and replays otherwise. With
    ``clean_record`` a recording run writes into a staging directory that
    replaces ``directory`` completely when :meth:`finish` is told the test
    passed; when it failed, the attempt is kept in ``<directory>.failed``.
    Without it, recording adds to ``directory``, which is created at the
    start, as placebo's decorator does. ``legacy_types``, ``match``
    (default ``$PLACEBO_MATCH``, else ``"order"``), ``ignore_params``,
    ``redact``, ``anonymize_accounts`` and ``validate`` are passed to the
    :class:`~placebo_unittest.Pill`. While the test records or replays, it
    is sealed (see :mod:`placebo_unittest.seal`): ``foreign_clients`` says
    whether clients the pill doesn't know are adopted (the default),
    refused, or allowed to reach AWS. With ``asynchronous`` the session is
    an aiobotocore ``AioSession`` (see :func:`~placebo_unittest.session.new_async_session`),
    and boto3's default session is left alone.
    """

    def __init__(
        self,
        directory: str,
        mode: str | Mode | None = None,
        *,
        region: str | None = None,
        profile: str | None = None,
        record_format: str | RecordFormat | None = None,
        on_exhausted: str | OnExhausted = OnExhausted.ERROR,
        on_unused: str | OnUnused = OnUnused.FAIL,
        clean_record: bool = True,
        patch_default_session: bool = True,
        label: str | None = None,
        legacy_types: bool = False,
        match: str | Match | None = None,
        ignore_params: IgnoreLike = None,
        redact: RedactSpec = True,
        anonymize_accounts: bool | str = False,
        validate: bool = False,
        foreign_clients: str | ForeignClients = ForeignClients.ADOPT,
        asynchronous: bool = False,
    ):
        settings = read_env()
        self.directory = os.path.abspath(os.fspath(directory))
        requested = coerce(Mode, mode, "placebo_mode") if mode is not None else settings.mode
        self.requested_mode = requested or Mode.PLAYBACK
        self.region = region or settings.region or DEFAULT_REGION
        self.profile = profile if profile is not None else settings.profile
        self.record_format = record_format
        self.on_exhausted = coerce(OnExhausted, on_exhausted, "on_exhausted")
        self.on_unused = coerce(OnUnused, on_unused, "on_unused")
        self.clean_record = clean_record
        self.patch_default_session = patch_default_session
        self.label = label or os.path.basename(self.directory)
        self.legacy_types = legacy_types
        self.match = coerce(Match, match, "match") if match is not None else settings.match or Match.ORDER
        self.ignore_params = compile_ignore(ignore_params)
        self.redact = resolve_redactors(redact)  # checked now: a wrong name fails before the test
        self.anonymize_accounts = anonymize_accounts
        self.validate = validate
        self.foreign_clients = coerce(ForeignClients, foreign_clients, "foreign_clients")
        self.asynchronous = asynchronous
        self._drift_ignore = settings.drift_ignore or ()
        self.mode: Mode | None = None
        self.session: Any = None
        self.pill: Pill | None = None
        self._staging: str | None = None
        self._exit: contextlib.ExitStack | None = None

    # ------------------------------------------------------------------
    def start(self) -> Any:
        """Make the session and pill and put them in place; return the session."""
        mode = self.requested_mode
        if not os.path.isdir(self.directory):
            recover(self.directory)  # a killed run may have moved the recordings aside
        if mode is Mode.ONCE:
            mode = Mode.PLAYBACK if has_recordings(self.directory) else Mode.RECORD
        self.mode = mode
        make = new_async_session if self.asynchronous else new_session
        # record-missing sends some calls: its session has the credentials recording has.
        session_mode = Mode.RECORD if mode is Mode.RECORD_MISSING else mode
        session = make(session_mode, self.region, self.profile if mode is not Mode.PLAYBACK else None)
        data_path = self.directory
        if mode is Mode.RECORD and self.clean_record:
            recover(self.directory)
            self._staging = staging_for(self.directory)
            data_path = self._staging
        elif mode in (Mode.RECORD, Mode.RECORD_MISSING):
            os.makedirs(data_path, exist_ok=True)  # as placebo's decorator does
        pill = attach(session, data_path, record_format=self.record_format,
                      on_exhausted=self.on_exhausted, legacy_types=self.legacy_types,
                      match=self.match, ignore_params=self.ignore_params, redact=self.redact,
                      anonymize_accounts=self.anonymize_accounts, validate=self.validate)
        pill.label = self.label
        if mode is Mode.RECORD:
            pill.record()
        elif mode is Mode.PLAYBACK:
            pill.playback()
        elif mode is Mode.RECORD_MISSING:
            pill.record_missing()
        self.session, self.pill = session, pill
        exit_stack = contextlib.ExitStack()
        if self.patch_default_session and not self.asynchronous:
            exit_stack.enter_context(default_session(session))
        if mode is Mode.PLAYBACK:
            exit_stack.enter_context(no_waiter_delays())
        if mode in (Mode.RECORD, Mode.PLAYBACK, Mode.RECORD_MISSING):
            exit_stack.enter_context(sealed(pill, self.foreign_clients))
        self._exit = exit_stack
        LOG.debug("%s: %s in %s", self.label, mode, data_path)
        return session

    def finish(self, passed: bool, skipped: bool = False) -> str | None:
        """Undo :meth:`start`. Returns a failure message when the test must
        fail because recordings were left unused (``on_unused="fail"``).
        A skipped test's recording attempt is discarded, and its old
        recordings kept."""
        if self._exit is not None:
            self._exit.close()
            self._exit = None
        pill = self.pill
        if pill is None:
            return None
        unused: list[str] = []
        unused_files: list[str] = []
        if self.mode in (Mode.PLAYBACK, Mode.RECORD_MISSING):
            unused_files = pill.unused_recordings()
            unused = unused_files + pill.unused_responses()
        pill.stop()
        written = pill.recorded
        added: list[str] = []
        drift: DirectoryDrift | None = None
        drift_error = ""
        if self._staging is not None and skipped:
            _remove(self._staging)
            self._staging, written = None, []
        elif self._staging is not None:
            written, drift, drift_error = self._settle(passed, written)
        elif self.mode is Mode.RECORD_MISSING and written:
            if passed:
                added = list(written)
            else:
                written = self._set_aside(written, skipped)
        run = self._account(pill, passed, skipped, written, unused_files, drift, drift_error)
        stats.totals.add(
            replayed=pill.replayed, recorded=len(pill.recorded), live=pill.live_calls,
            written=written, unused=unused if passed else [], missing=pill.missing, run=run, added=added,
        )
        if skipped or not passed or not unused or self.on_unused is OnUnused.IGNORE:
            return None
        message = "{}: {} recorded response(s) were never replayed: {}. Remove them, " \
            "or record the test again (PLACEBO_MODE=record).".format(
                self.label, len(unused), ", ".join(unused))
        if self.on_unused is OnUnused.WARN:
            warnings.warn(message, UnusedRecordingsWarning, stacklevel=2)
            return None
        return message

    def _account(self, pill: Pill, passed: bool, skipped: bool, written: list[str], unused: list[str],
                 drift: DirectoryDrift | None, drift_error: str) -> TestRun:
        """What the test did with the recordings of its directory (see :mod:`placebo_unittest.usage`)."""
        outcome = Outcome.SKIPPED if skipped else Outcome.PASSED if passed else Outcome.FAILED
        replayed: tuple[str, ...] = ()
        if self.mode in (Mode.PLAYBACK, Mode.RECORD_MISSING):
            left = set(names(unused)) | set(names(written))
            replayed = tuple(name for name in _recording_names(self.directory) if name not in left)
        mode = self.mode.value if self.mode is not None else self.requested_mode.value
        return TestRun(self.directory, self.label, mode, outcome, replayed, names(written),
                       names(unused) if outcome is Outcome.PASSED else (), names(pill.missing),
                       drift, drift_error)

    def _settle(self, passed: bool, written: list[str]) -> tuple[list[str], DirectoryDrift | None, str]:
        """Swap the staged recordings in (test passed) or set them aside (failed).
        Returns the files written, in their final place, and how they differ
        from the ones they replace (or why that couldn't be told)."""
        staging, target = self._staging, self.directory
        assert staging is not None
        self._staging = None
        if not passed:
            if os.path.isdir(staging):
                failed = target + FAILED_SUFFIX
                _remove(failed)
                os.replace(staging, failed)
                LOG.warning("%s failed while recording; the attempt is in %s and the "
                            "previous recordings are untouched", self.label, failed)
            return [], None, ""
        drift, drift_error = self._drift(target, staging)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        replace_directory(staging, target)
        _remove(target + FAILED_SUFFIX)
        return [os.path.join(target, os.path.basename(p)) for p in written], drift, drift_error

    def _set_aside(self, written: list[str], skipped: bool) -> list[str]:
        """Take what ``record-missing`` added out of the test's directory when
        the test failed (into ``<directory>.failed``) or was skipped (removed),
        so that the directory holds what it held before. Returns what is left
        of ``written``: nothing."""
        failed = self.directory + FAILED_SUFFIX
        if not skipped:
            _remove(failed)
            os.makedirs(failed)
        for path in written:
            if skipped:
                _remove(path)
            elif os.path.lexists(path):
                os.replace(path, os.path.join(failed, os.path.basename(path)))
        if not skipped:
            LOG.warning("%s failed while recording what was missing; the %d new recording(s) are in %s and "
                        "the test's recordings are as they were", self.label, len(written), failed)
        return []

    def _drift(self, old: str, new: str) -> tuple[DirectoryDrift | None, str]:
        """How the recordings staged in ``new`` differ from those in ``old``,
        or why that couldn't be told (recording goes on either way)."""
        try:
            return drift_of(old if has_recordings(old) else None, new if has_recordings(new) else None,
                            self.directory, rules_for(self._drift_ignore)), ""
        except (PlaceboError, OSError, ValueError) as exc:
            LOG.warning("%s: the new recordings could not be compared with the old ones: %s", self.label, exc)
            return None, str(exc)


def replace_directory(staging: str, target: str) -> None:
    """Put the directory ``staging`` in the place of ``target`` (which may be
    missing), and remove what was there: in one atomic step where the system
    can swap two directories, else by two renames (``target`` is first moved
    to ``<target>.old-<tag>``, which :func:`recover` puts back if the process
    is killed in between). A missing ``staging`` leaves no ``target``."""
    if os.path.isdir(staging) and os.path.isdir(target) and _exchange(staging, target):
        _remove(staging)  # it now holds the old recordings
        return
    old = None
    if os.path.lexists(target):
        old = f"{target}.old-{_owner_tag()}"
        os.replace(target, old)
    if os.path.isdir(staging):
        os.replace(staging, target)
    if old is not None:
        _remove(old)


def staging_for(directory: str) -> str:
    """A new name beside ``directory`` to build its next contents in:
    ``<directory>.recording-<tag>``, which searches for recordings skip and
    :func:`recover` removes once its process is gone."""
    return f"{directory}.recording-{_owner_tag()}"


def _recording_names(directory: str) -> list[str]:
    from .naming import parse_recording_filename

    try:
        with os.scandir(directory) as entries:
            return sorted(e.name for e in entries if parse_recording_filename(e.name) and e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return []


def _owner_tag() -> str:
    """12 hex digits naming a folder kept beside a test's directory: this
    process's id, then 4 random ones, so a later run can tell whether the
    process that made it is still alive."""
    return f"{os.getpid() & 0xFFFFFFFF:08x}{uuid.uuid4().hex[:4]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return True
    return True


def recover(directory: str) -> list[str]:
    """Clean up after a process that was killed while recording ``directory``.

    A killed run can leave ``<directory>.recording-<tag>`` (its staging
    folder) and, where directories are swapped with two renames,
    ``<directory>.old-<tag>`` (the previous recordings, moved aside). Folders
    whose process is gone are dealt with: previous recordings are put back
    when ``directory`` is missing, and the rest is removed. Folders of live
    processes (another run recording the same test) are left alone. Returns
    what was removed or restored.
    """
    parent, base = os.path.split(directory)
    try:
        names = os.listdir(parent or os.curdir)
    except FileNotFoundError:
        return []
    done = []
    for name in sorted(names):
        match = _LEFTOVER.match(name[len(base):]) if name.startswith(base + ".") else None
        if match is None or _alive(int(match.group("pid"), 16)):
            continue
        path = os.path.join(parent, name)
        if match.group("kind") == "old" and not os.path.lexists(directory):
            os.replace(path, directory)
            LOG.warning("restored %s from %s, left by a run that was killed", directory, path)
        else:
            _remove(path)
            LOG.warning("removed %s, left by a run that was killed", path)
        done.append(path)
    return done


_LEFTOVER = re.compile(r"\.(?P<kind>recording|old)-(?P<pid>[0-9a-f]{8})[0-9a-f]{4}\Z")


def _exchange(first: str, second: str) -> bool:
    """Swap two directories in one atomic step (Linux's renameat2 with
    RENAME_EXCHANGE). False where that isn't available; the caller then falls
    back to two renames."""
    global _renameat2
    if _renameat2 is None:
        _renameat2 = False
        if sys.platform.startswith("linux"):
            try:
                libc = ctypes.CDLL(None, use_errno=True)
                function = libc.renameat2
                function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                     ctypes.c_char_p, ctypes.c_uint]
                function.restype = ctypes.c_int
                _renameat2 = function
            except (OSError, AttributeError):
                pass
    if not _renameat2:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if _renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EPERM, errno.EXDEV):
        return False  # not supported by this kernel or file system
    raise OSError(code, os.strerror(code), first, None, second)


_renameat2: Any = None


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)
