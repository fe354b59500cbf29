"""The errors playback raises when a call has no recording, with their messages.

Each message names the test (when the pill has a label), the call, the path
looked for, what does exist instead, and how to fix it.
"""
from __future__ import annotations

import os

from .errors import (
    PickleNotAllowedError,
    RecordingExhaustedError,
    RecordingNotFoundError,
)
from .naming import recording_filename
from .storage import RecordingStore

__all__ = ["not_found", "exhausted", "pickle_refused", "service_of"]


def service_of(prefix: str | None, stem: str) -> str:
    """The service part of ``[prefix.]service``."""
    if prefix and stem.startswith(prefix + "."):
        return stem[len(prefix) + 1:]
    return stem


def _who(label: str | None) -> str:
    return f"{label}: " if label else ""


def _describe(store: RecordingStore, stem: str, operation: str, number: int,
              extension: str) -> tuple[str, str, list[str]]:
    """The path looked for, a sentence on what exists instead, and the names that do."""
    path = store.path(stem, operation, number, extension)
    existing = store.names_for(operation)
    if existing:
        listing = "Recordings of {} in that directory: {}.".format(operation, ", ".join(existing))
    elif not os.path.isdir(store.directory):
        listing = f"The directory {store.directory} does not exist."
    else:
        listing = f"There are no recordings of {operation} in that directory."
    return path, listing, existing


def not_found(store: RecordingStore, label: str | None, prefix: str | None,
              stem: str, operation: str, call: int, extension: str) -> RecordingNotFoundError:
    path, listing, existing = _describe(store, stem, operation, call, extension)
    service = service_of(prefix, stem)
    message = _who(label) + (
        f"No recorded response for call {call} of {stem}.{operation}: {path} does not exist. "
        f"{listing} To record it, run this code once in record mode against AWS or a "
        "local endpoint (pill.record(); for a PlaceboTestCase or @placebo_session test, "
        "PLACEBO_MODE=record or python -m placebo_unittest --record); "
        f"or add a response with pill.save_response({service!r}, {operation!r}, {{...}})."
    )
    return RecordingNotFoundError(
        message, service=service, operation=operation,
        call_number=call, path=path, existing=existing,
    )


def exhausted(store: RecordingStore, label: str | None, prefix: str | None,
              stem: str, operation: str, call: int, count: int,
              extension: str) -> RecordingExhaustedError:
    path, _listing, existing = _describe(store, stem, operation, call, extension)
    last = recording_filename(None, stem, operation, count, extension)
    message = _who(label) + (
        f"Call {call} of {stem}.{operation} has no recording: only {count} responses are "
        f"recorded (up to {last}), and on_exhausted is 'error'. Record the test again "
        "if the code now makes more calls, or choose on_exhausted='cycle' or "
        "'repeat_last'."
    )
    return RecordingExhaustedError(
        message, service=service_of(prefix, stem), operation=operation,
        call_number=call, path=path, existing=existing,
    )


def pickle_refused(store: RecordingStore, label: str | None, prefix: str | None,
                   stem: str, operation: str, call: int, number: int) -> PickleNotAllowedError:
    pickle_path = store.path(stem, operation, number, "pickle")
    message = _who(label) + (
        f"Call {call} of {stem}.{operation} is recorded only as {pickle_path}, and pickle files are "
        "loaded only when you choose pickle, because loading one runs code. If you "
        "trust the file, pass record_format='pickle' to attach() or set "
        "PLACEBO_FORMAT=pickle."
    )
    return PickleNotAllowedError(
        message, service=service_of(prefix, stem), operation=operation,
        call_number=call, path=pickle_path, existing=store.names_for(operation),
    )
