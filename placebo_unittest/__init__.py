"""Record boto3 responses once, replay them offline: a drop-in for placebo.

``import placebo_unittest as placebo`` and code written for placebo keeps working.
"""
import logging

from .calls import Call
from .claims import CollectionError
from .config import Match, Mode, OnExhausted, OnUnused, RecordFormat
from .context import PlaceboContext, UnusedRecordingsWarning
from .decorators import placebo_session
from .errors import (
    AsyncSupportMissingError,
    ConfigurationError,
    CorruptRecordingError,
    InvalidLimitError,
    InvalidResponseError,
    NotAttachedError,
    PickleNotAllowedError,
    PlaceboError,
    RecordingExhaustedError,
    RecordingIsDirectoryError,
    RecordingNotFoundError,
    RecordingTooLargeError,
    RedactionError,
    UnknownFormatError,
    UnknownOperationError,
    UnserializableValueError,
)
from .matching import RequestMismatchError
from .naming import UnsafeNameError
from .pill import FakeHttpResponse, Pill, attach
from .redaction import BUILTIN_REDACTORS, DEFAULT_REDACTORS
from .run_report import ReportError
from .seal import ForeignClientError, ForeignClients, NetworkInPlaybackError
from .testcase import AsyncPlaceboTestCase, PlaceboMixin, PlaceboTestCase

__version__ = "0.1.0"

__all__ = [
    "attach",
    "Pill",
    "PlaceboTestCase",
    "AsyncPlaceboTestCase",
    "PlaceboMixin",
    "PlaceboContext",
    "placebo_session",
    "UnusedRecordingsWarning",
    "OnUnused",
    "Match",
    "Call",
    "DEFAULT_REDACTORS",
    "BUILTIN_REDACTORS",
    "FakeHttpResponse",
    "Mode",
    "OnExhausted",
    "RecordFormat",
    "PlaceboError",
    "NotAttachedError",
    "ConfigurationError",
    "UnknownFormatError",
    "RecordingNotFoundError",
    "RecordingExhaustedError",
    "PickleNotAllowedError",
    "CorruptRecordingError",
    "UnserializableValueError",
    "RequestMismatchError",
    "UnsafeNameError",
    "ForeignClients",
    "ForeignClientError",
    "NetworkInPlaybackError",
    "ReportError",
    "CollectionError",
    "RecordingIsDirectoryError",
    "RecordingTooLargeError",
    "InvalidLimitError",
    "InvalidResponseError",
    "UnknownOperationError",
    "RedactionError",
    "AsyncSupportMissingError",
    "__version__",
]

logging.getLogger("placebo_unittest").addHandler(logging.NullHandler())
