"""placebo 0.10.0's serializer API, for code that imports it.

Code written for placebo calls these names directly: ``json.dumps(data,
default=serialize)`` to write a response the way placebo does, and
``json.loads(text, object_hook=deserialize)`` to read one back (wrappers
such as cloud-custodian's test helpers do both inside their own Pill
subclasses). They are re-exported by :mod:`placebo_unittest.serializer` and
:mod:`placebo_unittest.pill`, where placebo had them.

They behave as placebo's do, with three differences, each a fix:

- nothing is printed (placebo prints every object it serializes);
- :func:`deserialize` ignores the ``__module__`` key that :func:`serialize`
  writes, so a datetime written by :func:`serialize` reads back (placebo's
  own reader raises ``TypeError`` on it), and it returns a botocore
  ``StreamingBody`` for a body, as boto3 does, where placebo returned a
  ``BytesIO`` (both have ``read()``);
- :func:`get_serializer` and :func:`get_deserializer` raise
  :class:`~placebo_unittest.errors.UnknownFormatError` for an unknown format,
  where placebo returned None.

These functions are not what placebo_unittest itself uses to store
recordings: see :mod:`placebo_unittest.serializer` for the exact encoder.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import io
import json
import pickle
from collections.abc import Callable
from typing import IO, Any, ClassVar

from botocore.response import StreamingBody
from dateutil.tz import tzutc

from .errors import UnknownFormatError

__all__ = [
    "UTC",
    "utc",
    "Format",
    "serialize",
    "deserialize",
    "get_serializer",
    "get_deserializer",
]

#: The time zone placebo's reader gives every datetime (dateutil's, as botocore uses).
UTC = tzutc
utc = tzutc()

_DATETIME_FIELDS = ("year", "month", "day", "hour", "minute", "second", "microsecond")


class Format:
    """The recording formats placebo knows, and the file modes each needs."""

    JSON = "json"
    PICKLE = "pickle"

    DEFAULT = JSON
    ALLOWED: ClassVar[list[str]] = [JSON, PICKLE]

    @classmethod
    def read_mode(cls, format: str) -> str:
        """``"rb"`` for pickle, ``"r"`` otherwise."""
        return "rb" if format == cls.PICKLE else "r"

    @classmethod
    def write_mode(cls, format: str) -> str:
        """``"wb"`` for pickle, ``"w"`` otherwise."""
        return "wb" if format == cls.PICKLE else "w"


def serialize(obj: Any) -> Any:
    """``json.dump``'s ``default`` hook, writing what placebo writes.

    A datetime becomes a ``{"__class__": "datetime", ...}`` dict of its
    wall-clock fields (its offset is not kept), bytes a base64 string, and a
    ``StreamingBody`` a ``{"__class__": ..., "body": <bytes>}`` dict whose
    bytes ``json`` then passes back here; the body is rewound so its owner
    can still read it. Anything else raises ``TypeError``.
    """
    result = {"__class__": type(obj).__name__}
    module = getattr(obj, "__module__", None)
    if module is not None:
        result["__module__"] = module
    if isinstance(obj, _dt.datetime):
        for field in _DATETIME_FIELDS:
            result[field] = getattr(obj, field)
        return result
    if isinstance(obj, StreamingBody):
        body = obj.read()
        result["body"] = body
        obj._raw_stream = io.BytesIO(body)
        obj._amount_read = 0
        return result
    if isinstance(obj, (bytes, bytearray)):
        return base64.b64encode(bytes(obj)).decode("ascii")
    raise TypeError(f"Type not serializable: {type(obj).__name__}")


def deserialize(obj: dict[str, Any]) -> Any:
    """``json.load``'s ``object_hook``, reading what :func:`serialize` wrote.

    ``{"__class__": "datetime", ...}`` becomes a UTC datetime, a body dict a
    ``StreamingBody``; any other dict is returned as it is.
    """
    class_name = obj.get("__class__")
    if class_name == "datetime":
        fields = {k: v for k, v in obj.items() if k not in ("__class__", "__module__")}
        return _dt.datetime(tzinfo=utc, **fields)
    if isinstance(class_name, str) and class_name.endswith("Body") and "body" in obj:
        # StreamingBody, and StreamingChecksumBody as placebo writes it for current botocore.
        body = obj["body"]
        if isinstance(body, str):
            try:
                raw = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raw = body.encode("utf-8")
        else:
            raw = bytes(body)
        return StreamingBody(io.BytesIO(raw), len(raw))
    return obj


def _serialize_json(obj: Any, fp: IO[str]) -> None:
    json.dump(obj, fp, indent=4, default=serialize)


def _deserialize_json(fp: IO[str]) -> Any:
    return json.load(fp, object_hook=deserialize)


def _serialize_pickle(obj: Any, fp: IO[bytes]) -> None:
    pickle.dump(obj, fp)


def _deserialize_pickle(fp: IO[bytes]) -> Any:
    # Loading a pickle runs code: only files you chose to trust reach here.
    return pickle.load(fp)  # noqa: S301


def get_serializer(serializer_format: str) -> Callable[[Any, Any], None]:
    """The function ``(obj, fp)`` that writes ``obj`` to ``fp`` in that format."""
    if serializer_format == Format.JSON:
        return _serialize_json
    if serializer_format == Format.PICKLE:
        return _serialize_pickle
    raise UnknownFormatError("serializer_format", serializer_format, Format.ALLOWED)


def get_deserializer(serializer_format: str) -> Callable[[Any], Any]:
    """The function ``(fp) -> obj`` that reads that format from ``fp``."""
    if serializer_format == Format.JSON:
        return _deserialize_json
    if serializer_format == Format.PICKLE:
        return _deserialize_pickle
    raise UnknownFormatError("serializer_format", serializer_format, Format.ALLOWED)
