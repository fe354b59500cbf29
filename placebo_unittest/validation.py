"""Checking a hand-written response against botocore's model of the operation.

Responses given to ``pill.save_response()`` and ``pill.queue_response()`` are
written by hand, so a misspelt key or a string where the model wants a number
would otherwise be replayed as it is, and the test would pass against a
response AWS never sends. :func:`validate_response` checks the response with
botocore's own validator, the one botocore's ``Stubber`` uses, and raises
:class:`~placebo_unittest.errors.InvalidResponseError` saying what is wrong in
words. The operation's model comes from :func:`placebo_unittest.models.resolve`.
It knows nothing of botocore events.
"""
from __future__ import annotations

import re
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.model import Shape
from botocore.validate import ParamValidator

from .errors import InvalidResponseError
from .eventstreams import check_events
from .models import Resolved, file_service, resolve

__all__ = ["validate_response", "check_manual_response"]


def check_manual_response(service: str, operation: str, data: Any, status_code: int = 200) -> tuple[str, str]:
    """Check a response given by hand, and return the names it is filed under:
    ``("monitoring", "ListMetrics")`` for ``("cloudwatch", "list_metrics")``.

    A service botocore doesn't know is returned as it is, unchecked; a
    misspelt operation of a known one raises
    :class:`~placebo_unittest.errors.UnknownOperationError`.
    """
    resolved = resolve(service, operation)
    if resolved is None:
        return service, operation
    validate_response(resolved, data, status_code)
    return file_service(resolved), resolved.operation


# --- Checking a response -----------------------------------------------------

_VALIDATOR = ParamValidator()
_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40
_CLASS_RE = re.compile(r"^<class '(?:[\w.]*\.)?(\w+)'>$")


def validate_response(resolved: Resolved, data: Any, status_code: int = 200) -> None:
    """Raise :class:`InvalidResponseError` unless ``data`` fits the operation.

    ``data`` is checked as botocore's ``Stubber`` checks a stubbed response,
    with botocore's validator against the operation's output shape: no key
    the model lacks, every value of the model's type (datetimes or timestamp
    strings for timestamps; bytes, str or a file-like object such as a
    ``StreamingBody`` for blobs), required keys present, the model's minimum
    lengths and values kept. ``ResponseMetadata`` is not checked. Beyond the
    Stubber, the event stream of an operation that has one is checked as the
    list of events iterating it yields (see
    :func:`placebo_unittest.eventstreams.check_events`: each a one-key dict
    naming an event of the stream), and the ``ExpiresString`` key botocore
    adds beside ``Expires`` is accepted as it is, since recorded responses
    hold it.

    An error response (``status_code`` 400 or more, or ``data`` holding
    ``"Error"``) is checked leniently: only that ``Error`` is a dict whose
    ``Code`` is a string and whose ``Message``, if given, is too. Other keys,
    modelled error fields among them, are not checked.
    """
    problems = _problems(resolved, data, status_code)
    if problems:
        raise InvalidResponseError(resolved.service, resolved.operation, problems)


def _problems(resolved: Resolved, data: Any, status_code: int) -> list[str]:
    if not isinstance(data, dict):
        return [f"the response must be a dict, not {_describe(data)}"]
    if status_code >= 400 or "Error" in data:
        return _error_problems(data, status_code)
    body = {key: value for key, value in data.items() if key != "ResponseMetadata"}
    shape = resolved.operation_model.output_shape
    if shape is None:
        if not body:
            return []
        return ["{} returns nothing but ResponseMetadata; unexpected keys: {}".format(
            resolved.operation, ", ".join(sorted(map(str, body)))
        )]
    for key in _accepted_as_is(shape, body):
        del body[key]
    problems = []
    stream = getattr(shape, "event_stream_name", None)
    if stream and stream in body:  # its events, as iteration yields them
        problems = [f"{stream}: {problem}" for problem in check_events(resolved.operation_model, body.pop(stream))]
    report = _VALIDATOR.validate(body, shape)
    if not report.has_errors():
        return problems
    # The report keeps its findings as (reason, path, details); read them if
    # this botocore still does, else fall back to the report's own text.
    errors = getattr(report, "_errors", None)
    if isinstance(errors, list) and all(
        isinstance(e, tuple) and len(e) == 3 and isinstance(e[2], dict) for e in errors
    ):
        return problems + [_explain(reason, path, details, resolved.operation)
                           for reason, path, details in errors]
    return problems + str(report.generate_report()).splitlines()


def _accepted_as_is(shape: Shape, body: Mapping[str, Any]) -> list[str]:
    """Top-level keys of a recorded response left unchecked (see validate_response)."""
    keys = []
    members = getattr(shape, "members", {})
    if isinstance(body.get("ExpiresString"), str) and "Expires" in members:
        keys.append("ExpiresString")
    return keys


def _error_problems(data: Mapping[str, Any], status_code: int) -> list[str]:
    error = data.get("Error")
    if error is None:
        return [f"an error response (HTTP {status_code}) needs an 'Error' dict with 'Code' and "
                "'Message'"]
    if not isinstance(error, dict):
        return [f"Error must be a dict with 'Code' and 'Message', not {_describe(error)}"]
    problems = []
    if "Code" not in error:
        problems.append("Error has no 'Code'")
    elif not isinstance(error["Code"], str):
        problems.append("Wrong type at Error.Code: expected str, got {}".format(
            _describe(error["Code"])))
    if "Message" in error and not isinstance(error["Message"], str):
        problems.append("Wrong type at Error.Message: expected str, got {}".format(
            _describe(error["Message"])))
    return problems


def _explain(reason: str, path: str, details: dict[str, Any], operation: str) -> str:
    """One of botocore's findings as a sentence naming the path it concerns."""
    path = path[1:] if path.startswith(".") else path
    where = path or f"{operation}'s response"
    if reason == "unknown field":
        return "Unknown key {!r} in {}; valid keys: {}".format(
            details.get("unknown_param"), where,
            ", ".join(sorted(map(str, details.get("valid_names", ())))) or "none",
        )
    if reason == "missing required field":
        return "Missing required key {!r} in {}".format(details.get("required_name"), where)
    if reason in ("invalid type", "invalid type for document"):
        return "Wrong type at {}: expected {}, got {}".format(
            where, _type_names(details.get("valid_types", ())), _describe(details.get("param")))
    if reason == "invalid length":
        return "Too short at {}: length {}, the model's minimum is {}".format(
            where, details.get("param"), details.get("min_allowed"))
    if reason == "invalid range":
        return "Too small at {}: {}, the model's minimum is {}".format(
            where, details.get("param"), details.get("min_allowed"))
    if reason == "unable to encode to json":
        return "Not JSON at {}: {}".format(where, details.get("type_error"))
    if reason == "more than one input":
        return "More than one key set in {}, which may hold only one of: {}".format(
            where, ", ".join(map(str, details.get("members", ()))))
    if reason == "empty input":
        return "No key set in {}, which must hold one of: {}".format(
            where, ", ".join(map(str, details.get("members", ()))))
    return f"{reason.capitalize()} at {where}"


def _type_names(valid_types: Sequence[object]) -> str:
    """``["<class 'int'>"]`` -> ``int``; botocore names types by their repr."""
    names = []
    for valid in valid_types:
        match = _CLASS_RE.match(str(valid))
        names.append(match.group(1) if match else str(valid))
    return _either(names) or "another type"


def _either(words: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(words) <= 1:
        return "".join(words)
    return "{} or {}".format(", ".join(words[:-1]), words[-1])


def _describe(value: object) -> str:
    return f"{type(value).__name__} ({_REPR.repr(value)})"
