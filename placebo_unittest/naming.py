"""The file-name rule, used by recording and playback alike.

A recording is named ``[prefix.]<service>.<Operation>_<N>.<format>``, where
``<service>`` is botocore's endpoint prefix (``monitoring`` for CloudWatch,
``data-ats.iot`` for iot-data), as placebo names them, so existing recordings
keep their names. A few services share an endpoint prefix with an older one
(elb and elbv2 are both ``elasticloadbalancing``); those newer ones are told
apart by their botocore service name (``elbv2.DescribeLoadBalancers_1.json``),
and still read a file under the shared prefix when they have none of their own.

Every part of a name (the prefix, the service, the operation) must be safe to
put in a file name: not empty, not ``.`` or ``..``, and holding no path
separator (``/``, ``\\``), no ``:`` (which Windows reads as a drive letter,
``C:``, or a file's alternate data stream) and no control character (NUL
among them). An unsafe part raises :class:`UnsafeNameError` rather than being
rewritten, because a rewritten name would never match the recordings its
author expects; an empty prefix means no prefix, as in placebo. With those
rules a recording's name is always one file name inside its directory.
:func:`ensure_inside` also checks a finished path, symbolic links followed.

A service is told apart when it is listed in :data:`TOLD_APART`, or when
another botocore service is *named* after its endpoint prefix and uses that
prefix itself (``lambda-core`` beside ``lambda``): the second rule keeps
services added by later botocore releases apart without a new release of this
package.
"""
from __future__ import annotations

import functools
import os
import re
from typing import NamedTuple

from botocore.model import ServiceModel

from .catalog import endpoint_prefix
from .errors import PlaceboError

__all__ = [
    "TOLD_APART",
    "service_key",
    "read_keys",
    "recording_stem",
    "recording_filename",
    "parse_recording_filename",
    "ParsedName",
    "UnsafeNameError",
    "check_part",
    "contained",
    "ensure_inside",
]

#: Services whose endpoint prefix is shared with an older service that keeps it,
#: where no service is named after the prefix. They are recorded under their
#: botocore service name instead. Checked against botocore by the test suite.
TOLD_APART = frozenset({"connectcampaignsv2", "elbv2", "pinpoint-email", "sesv2"})

_NAME_RE = re.compile(
    r"^(?P<stem>.+)\.(?P<operation>[A-Za-z][A-Za-z0-9]*)_(?P<number>[1-9][0-9]*)"
    r"\.(?P<extension>json|pickle)$"
)


#: A safe part: no separator, colon or control character (C0, DEL, C1), and
#: neither empty nor ``.`` or ``..``. One match per part on every call.
_SAFE_PART = re.compile(r"(?!\.\.?\Z)[^/\\:\x00-\x1f\x7f-\x9f]+\Z")
_UNSAFE_CHAR = re.compile(r"[/\\:\x00-\x1f\x7f-\x9f]")

#: How to fix each part, for :class:`UnsafeNameError`.
_FIXES = {
    "prefix": "Choose a prefix without it (letters, digits, '.', '-' and '_' are always "
              "safe); it is set with attach(..., prefix=...), Pill(prefix=...) or pill.prefix.",
    "service": "Name the service as recording file names do: botocore's endpoint prefix "
               "(ec2, monitoring) or its client name (cloudwatch).",
    "operation": "Name the operation as the API does (DescribeInstances) or as the "
                 "client method does (describe_instances).",
    "path": "Recordings are only read and written inside their directory: if a symbolic "
            "link there leads out of it, remove the link.",
}


class UnsafeNameError(PlaceboError, ValueError):
    """A prefix, service or operation that can't safely be part of a file name,
    or a recording's path that leads out of its directory.

    ``value`` is what was given, ``part`` which part it is (``"prefix"``,
    ``"service"``, ``"operation"`` or ``"path"``) and ``reason`` why it is refused.
    """

    def __init__(self, value: object, part: str, reason: str):
        self.value = value
        self.part = part
        self.reason = reason
        if part == "path":
            message = f"Unsafe path {value!r}: {reason}. {_FIXES[part]}"
        else:
            message = (
                f"Unsafe {part} {value!r} in a recording's file name: {reason}. {_FIXES[part]} Unsafe names are "
                "refused, not rewritten, so that a name always matches the recordings "
                "made with it.")
        super().__init__(message)


def _why_unsafe(text: str) -> str:
    if not text:
        return "it is empty"
    if text in (".", ".."):
        return "{!r} names {} directory in a path".format(text, "this" if text == "." else "the parent")
    char = _UNSAFE_CHAR.search(text).group()  # type: ignore[union-attr]
    if char in "/\\":
        return f"it holds {char!r}, a path separator, which would put the file in another directory"
    if char == ":":
        return "it holds ':', which Windows reads as a drive letter (C:) or an alternate data stream"
    return f"it holds the control character {char!r}, which file systems refuse or mangle"


def check_part(value: object, part: str) -> str:
    """The text ``value`` puts in file names, or :class:`UnsafeNameError` if it
    is unsafe. ``part`` (``"prefix"``, ``"service"`` or ``"operation"``) is for
    the message."""
    text = value if isinstance(value, str) else str(value)
    if _SAFE_PART.match(text) is None:
        raise UnsafeNameError(value, part, _why_unsafe(text))
    return text


class ParsedName(NamedTuple):
    stem: str  # "[prefix.]service"
    operation: str
    number: int
    extension: str


def service_key(service_model: ServiceModel) -> str:
    """The ``<service>`` part of the file names for calls to this service."""
    name: str = service_model.service_name
    prefix: str = service_model.endpoint_prefix
    if name == prefix:
        return prefix
    if name in TOLD_APART or endpoint_prefix(prefix) == prefix:
        return name
    return prefix


def read_keys(service_model: ServiceModel) -> tuple[str, ...]:
    """The ``<service>`` names playback looks under, in order of preference."""
    key = service_key(service_model)
    if key != service_model.endpoint_prefix:
        return (key, service_model.endpoint_prefix)
    return (key,)


@functools.lru_cache(maxsize=4096)
def recording_stem(prefix: str | None, service: str) -> str:
    """``[prefix.]service``; :class:`UnsafeNameError` if either part is unsafe.
    Remembered, so each name is checked once however many calls use it."""
    service = check_part(service, "service")
    return "{}.{}".format(check_part(prefix, "prefix"), service) if prefix else service


def recording_filename(
    prefix: str | None, service: str, operation: str, number: int, extension: str
) -> str:
    """``[prefix.]service.Operation_N.extension``: the one place names are built.

    Raises :class:`UnsafeNameError` if a part is unsafe (see the module's docstring).
    """
    stem = recording_stem(prefix, service)
    return "{}.{}_{}.{}".format(stem, check_part(operation, "operation"), number, extension)


def parse_recording_filename(name: str) -> ParsedName | None:
    """Split a file name made by :func:`recording_filename`; ``None`` if it isn't one.

    A name that :func:`recording_filename` would refuse to build (a ``:`` or a
    control character in it, say) isn't one, so such files are ignored."""
    match = _NAME_RE.match(name)
    if match is None or _SAFE_PART.match(match.group("stem")) is None:
        return None
    return ParsedName(
        match.group("stem"),
        match.group("operation"),
        int(match.group("number")),
        match.group("extension"),
    )


def contained(directory: str, path: str) -> bool:
    """Whether ``path`` lies inside ``directory`` (not the directory itself),
    once ``..`` and symbolic links in either are resolved."""
    if "\x00" in os.fspath(directory) or "\x00" in os.fspath(path):
        return False
    root = os.path.realpath(directory)
    target = os.path.realpath(path)
    try:
        common = os.path.commonpath([root, target])
    except ValueError:  # on different drives
        return False
    return os.path.normcase(common) == os.path.normcase(root) and \
        os.path.normcase(target) != os.path.normcase(root)


def ensure_inside(directory: str, path: str) -> str:
    """``path`` itself if it lies inside ``directory`` (see :func:`contained`),
    else :class:`UnsafeNameError`."""
    if not contained(directory, path):
        reason = f"it is not inside the recordings directory {directory}"
        if "\x00" not in os.fspath(path):
            real = os.path.realpath(path)
            if real != os.path.abspath(path):
                reason += f" (it leads to {real})"
        raise UnsafeNameError(path, "path", reason)
    return path
