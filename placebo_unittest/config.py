"""Modes, formats and policies, and the one function that reads the environment.

Keyword arguments always win; an environment variable only replaces a default.
Every environment variable placebo_unittest understands is parsed in
:func:`read_env` and nowhere else, and a wrong value fails at once with the
list of valid ones.
"""
from __future__ import annotations

import enum
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from .errors import ConfigurationError, InvalidLimitError, UnknownFormatError

__all__ = ["Mode", "RecordFormat", "OnExhausted", "OnUnused", "Match", "Settings", "read_env", "coerce",
           "DEFAULT_MAX_RECORDING_MB"]

#: The largest recording file, in MiB, that playback reads unless
#: ``PLACEBO_MAX_RECORDING_MB`` says otherwise.
DEFAULT_MAX_RECORDING_MB = 32


class _Choice(str, enum.Enum):
    def __str__(self) -> str:
        return str(self.value)


class Mode(_Choice):
    """What a Pill does with each boto3 call."""

    RECORD = "record"
    PLAYBACK = "playback"
    ONCE = "once"
    LIVE = "live"
    #: Replay the calls that have a recording; send the others and add their
    #: recordings to the test's directory, leaving its files as they are.
    RECORD_MISSING = "record-missing"

    @classmethod
    def _missing_(cls, value: object) -> Mode | None:
        if isinstance(value, str) and "_" in value:  # record_missing, as in a Python name
            return cls.__members__.get(value.strip().upper())
        return None


class RecordFormat(_Choice):
    """How recordings are written to disk."""

    JSON = "json"
    PICKLE = "pickle"

    @property
    def extension(self) -> str:
        return self.value


class OnExhausted(_Choice):
    """What playback does once every recorded response has been used."""

    CYCLE = "cycle"
    REPEAT_LAST = "repeat_last"
    ERROR = "error"


class OnUnused(_Choice):
    """What happens when a test ends in playback with recordings it never replayed."""

    FAIL = "fail"
    WARN = "warn"
    IGNORE = "ignore"


class Match(_Choice):
    """How playback checks the parameters of each call against the recorded ones.

    ``order`` serves recordings in order and checks nothing (placebo's way);
    ``verify`` serves them in order and fails a call whose parameters differ
    from the recorded ones; ``params`` serves the first unused recording whose
    parameters match, whatever the order of the calls.
    """

    ORDER = "order"
    VERIFY = "verify"
    PARAMS = "params"


E = TypeVar("E", bound=_Choice)


def coerce(kind: type[E], value: str | E, name: str) -> E:
    """Turn ``value`` into a member of ``kind`` or raise an error listing the valid ones."""
    if isinstance(value, kind):
        return value
    text = value.strip().lower() if isinstance(value, str) else value
    try:
        return kind(text)
    except ValueError:
        error = UnknownFormatError if kind is RecordFormat else ConfigurationError
        raise error(name, value, [m.value for m in kind]) from None


@dataclass(frozen=True)
class Settings:
    """What the environment asks for; ``None`` where it says nothing."""

    mode: Mode | None = None
    directory: str | None = None
    record_format: RecordFormat | None = None
    profile: str | None = None
    region: str | None = None
    match: Match | None = None
    #: The size limit on recording files that playback reads, in MiB.
    max_recording_mb: float | None = None
    #: Whether test sessions freeze the garbage collector's view of shared models.
    gc_freeze: bool | None = None
    #: Built-in redactors applied besides the defaults (checked where they are looked up).
    redact: tuple[str, ...] | None = None
    #: Where the runner and the pytest plugin write the run's report (see :mod:`placebo_unittest.run_report`).
    report: str | None = None
    #: What a drift summary leaves out besides the defaults, when a test is recorded again.
    drift_ignore: tuple[str, ...] | None = None


def read_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Read ``PLACEBO_MODE``, ``PLACEBO_DIR``, ``PLACEBO_FORMAT``,
    ``PLACEBO_PROFILE``, ``PLACEBO_MATCH``, ``PLACEBO_MAX_RECORDING_MB``,
    ``PLACEBO_GC_FREEZE``, ``PLACEBO_REDACT``, ``PLACEBO_REPORT``,
    ``PLACEBO_DRIFT_IGNORE`` and ``AWS_DEFAULT_REGION``.

    Empty values count as unset. Invalid values raise
    :class:`~placebo_unittest.errors.ConfigurationError` naming the variable.
    """
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    mode = get("PLACEBO_MODE")
    record_format = get("PLACEBO_FORMAT")
    match = get("PLACEBO_MATCH")
    max_recording_mb = get("PLACEBO_MAX_RECORDING_MB")
    gc_freeze = get("PLACEBO_GC_FREEZE")
    redact = get("PLACEBO_REDACT")
    drift_ignore = get("PLACEBO_DRIFT_IGNORE")
    return Settings(
        mode=coerce(Mode, mode, "PLACEBO_MODE") if mode else None,
        directory=get("PLACEBO_DIR"),
        record_format=coerce(RecordFormat, record_format, "PLACEBO_FORMAT")
        if record_format
        else None,
        profile=get("PLACEBO_PROFILE"),
        region=get("AWS_DEFAULT_REGION"),
        match=coerce(Match, match, "PLACEBO_MATCH") if match else None,
        max_recording_mb=_size_limit(max_recording_mb, "PLACEBO_MAX_RECORDING_MB")
        if max_recording_mb
        else None,
        gc_freeze=_switch(gc_freeze, "PLACEBO_GC_FREEZE") if gc_freeze else None,
        redact=tuple(name.strip() for name in redact.split(",") if name.strip()) if redact else None,
        report=get("PLACEBO_REPORT"),
        drift_ignore=_ignore_entries(drift_ignore, "PLACEBO_DRIFT_IGNORE") if drift_ignore else None,
    )


def _ignore_entries(text: str, name: str) -> tuple[str, ...]:
    """Comma-separated ignore entries (``NextToken, data.Items[*].Expires``),
    each checked as :func:`~placebo_unittest.matching.compile_ignore` reads it."""
    from .matching import IgnoreSyntaxError, compile_ignore  # matching stands on this module's floor

    entries = tuple(entry.strip() for entry in text.split(",") if entry.strip())
    try:
        compile_ignore(entries)
    except IgnoreSyntaxError as exc:
        raise ConfigurationError(name, text, (), f"{exc} Separate entries with commas.") from None
    return entries


_SWITCH = {"1": True, "on": True, "true": True, "yes": True, "0": False, "off": False, "false": False, "no": False}


def _switch(text: str, name: str) -> bool:
    """On or off: ``1``, ``on``, ``true``, ``yes`` or ``0``, ``off``, ``false``, ``no``."""
    value = _SWITCH.get(text.lower())
    if value is None:
        raise ConfigurationError(name, text, ("1", "0"), "(on, true and yes also mean 1; off, false and no mean 0)")
    return value


def _size_limit(text: str, name: str) -> float:
    """A positive, finite number of MiB, such as ``64`` or ``0.5``."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise InvalidLimitError(name, text, DEFAULT_MAX_RECORDING_MB)
    return value
