"""Every error placebo_unittest raises.

Each one subclasses :class:`PlaceboError`, so ``except PlaceboError`` catches
them all, and most also subclass the builtin that code written for placebo
already catches (a missing recording is still a ``FileNotFoundError``).

A few live beside the code whose knowledge their messages need, and are
importable from the package like these: ``RequestMismatchError``
(:mod:`placebo_unittest.matching`), ``UnsafeNameError``
(:mod:`placebo_unittest.naming`), ``ForeignClientError`` and
``NetworkInPlaybackError`` (:mod:`placebo_unittest.seal`).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = [
    "PlaceboError",
    "NotAttachedError",
    "ConfigurationError",
    "UnknownFormatError",
    "RecordingNotFoundError",
    "RecordingExhaustedError",
    "PickleNotAllowedError",
    "CorruptRecordingError",
    "UnserializableValueError",
    "InvalidResponseError",
    "UnknownOperationError",
    "RedactionError",
]


class PlaceboError(Exception):
    """Base class of every error raised by placebo_unittest."""


class NotAttachedError(PlaceboError, RuntimeError):
    """A Pill was asked to record, replay or save before being attached to a session."""


class ConfigurationError(PlaceboError, ValueError):
    """A keyword argument or environment variable has a value we don't accept."""

    def __init__(self, name: str, value: object, valid: Iterable[object], hint: str = ""):
        self.name = name
        self.value = value
        self.valid = tuple(valid)
        if self.valid:
            message = "{} must be one of {}, not {!r}.".format(
                name, ", ".join(repr(v) for v in self.valid), value
            )
        else:
            message = f"{name} can't be {value!r}."
        if hint:
            message += " " + hint
        super().__init__(message)


class UnknownFormatError(ConfigurationError):
    """``record_format`` / ``PLACEBO_FORMAT`` names a format we can't write."""


class RecordingNotFoundError(PlaceboError, FileNotFoundError):
    """Playback was asked for a response that was never recorded."""

    def __init__(
        self,
        message: str,
        *,
        service: str = "",
        operation: str = "",
        call_number: int = 0,
        path: str = "",
        existing: Sequence[str] = (),
    ):
        self.service = service
        self.operation = operation
        self.call_number = call_number
        self.path = path
        self.existing = tuple(existing)
        # Bypass OSError's (errno, strerror) handling: the message is the point.
        Exception.__init__(self, message)
        self.filename = path or None

    def __str__(self) -> str:  # OSError would prefix "[Errno ...]"
        return str(self.args[0])


class RecordingExhaustedError(RecordingNotFoundError):
    """A call was made after every recorded response had been replayed."""


class PickleNotAllowedError(RecordingNotFoundError):
    """Only a ``.pickle`` recording exists, and pickle was not chosen explicitly."""


class CorruptRecordingError(PlaceboError, ValueError):
    """A recording file can't be read: truncated, not JSON, or not a recording."""

    def __init__(self, path: str, problem: str):
        self.path = path
        self.problem = problem
        super().__init__(
            f"Recording {path} can't be read: {problem}. Delete it and record the test "
            "again, or restore it from version control."
        )


class UnserializableValueError(PlaceboError, TypeError):
    """A response holds a value that can't be stored without loss."""

    def __init__(self, field: str, value: object, where: str | None = None):
        self.field = field
        self.value_type = type(value)
        message = "Can't store the value at {} (a {}.{}): placebo_unittest keeps " \
            "dicts, lists, str, int, float, bool, None, bytes, datetimes and " \
            "StreamingBody exactly and refuses anything else rather than lose it.".format(
                field or "<top>", self.value_type.__module__, self.value_type.__qualname__
            )
        if where:
            message = f"{where}: {message}"
        super().__init__(message)


class InvalidResponseError(PlaceboError, ValueError):
    """A response given by hand doesn't fit botocore's model of its operation.

    ``service`` is botocore's name for the service, ``operation`` the
    operation's name, and ``problems`` one sentence per thing that is wrong.
    """

    def __init__(self, service: str, operation: str, problems: Sequence[str], headline: str = ""):
        self.service = service
        self.operation = operation
        self.problems = list(problems)
        if not headline:
            headline = f"The response given for {service} {operation} doesn't fit botocore's model of it"
        super().__init__(headline + ":\n" + "\n".join("  - " + problem for problem in self.problems))


class UnknownOperationError(InvalidResponseError):
    """An operation name that the service doesn't have (a typo, usually)."""

    def __init__(self, service: str, operation: str, suggestion: str):
        super().__init__(service, operation, [suggestion],
                         headline=f"{service} has no operation {operation!r}")


class RedactionError(PlaceboError, ValueError):
    """A redactor can't redact a value safely, so the response is not written."""



class RecordingIsDirectoryError(CorruptRecordingError):
    """A directory stands where playback expects a recording file."""

    def __init__(self, path: str):
        self.path = path
        self.problem = "it is a directory, not a file"
        PlaceboError.__init__(
            self,
            f"Recording {path} can't be read: it is a directory, not a file. A recording is a file "
            "of that name: move or remove the directory, then record the test again or restore "
            "the file from version control.",
        )


class RecordingTooLargeError(PlaceboError, ValueError):
    """A recording file is larger than the limit ``PLACEBO_MAX_RECORDING_MB`` sets.

    ``size`` and ``limit`` are in bytes.
    """

    def __init__(self, path: str, size: int, limit: int):
        self.path = path
        self.size = size
        self.limit = limit
        mib = 1024 * 1024
        super().__init__(
            f"Recording {path} is {size / mib:.1f} MiB ({size} bytes), more than the {round(limit / mib, 4):g} MiB "
            "limit on recording files, so it was not read. If it should be that large, raise the limit: set "
            f"PLACEBO_MAX_RECORDING_MB={-(-size // mib)} (in MiB) or more."
        )


class InvalidLimitError(ConfigurationError):
    """A size limit (``PLACEBO_MAX_RECORDING_MB``) that isn't a positive number."""

    def __init__(self, name: str, value: object, default: float):
        self.name = name
        self.value = value
        self.valid = ()
        PlaceboError.__init__(
            self,
            f"{name} must be a positive number of MiB, such as 64, not {value!r}. Unset it for the "
            f"default of {default:g} MiB.",
        )


__all__ += ["RecordingIsDirectoryError", "RecordingTooLargeError", "InvalidLimitError"]


class AsyncSupportMissingError(PlaceboError, ImportError):
    """Async clients were asked for, and a package they need isn't installed.

    ``package`` is the missing package, ``install`` the command that adds it
    (for aiobotocore, the ``async`` extra of placebo_unittest)."""

    def __init__(self, package: str = "aiobotocore", install: str = "pip install 'placebo_unittest[async]'",
                 what: str = "Recording and replaying async clients"):
        self.package = package
        self.install = install
        super().__init__(f"{what} needs {package}, which is not installed. Install it with: {install}",
                         name=package)


__all__ += ["AsyncSupportMissingError"]
