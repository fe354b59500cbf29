"""The stored form of a call's parameters.

The pill keeps, in each recording, the parameters the caller passed to the
client method, and at playback compares them with the live call's (see
:mod:`placebo_unittest.matching`). :func:`normalize` turns them into a
deterministic JSON-ready tree that can be stored in a recording and compared
with ``==``. It is idempotent, so a tree read back from a recording
normalises to itself. It knows nothing of botocore events or files.

Tags
----
Values JSON can't hold, or that shouldn't be stored whole, become *tags*:
dicts whose reserved key ``"__placebo_unittest__"`` names the kind. A dict
is read as a tag only when it has exactly that kind's keys, with values of
the right types; any other dict holding the reserved key is wrapped in a
``dict`` tag, so it can't pass for one::

    {"__placebo_unittest__": "bytes", "length": 3, "sha256": "<hex>"}
        bytes, bytearray, memoryview, and a seekable binary body (an open
        file, io.BytesIO) from its current position to its end. The content
        itself is never stored.
    {"__placebo_unittest__": "text", "length": 70000, "sha256": "<hex>"}
        a str longer than ``max_text`` characters, or a seekable text-mode
        body; length in characters, sha256 of the UTF-8 encoding.
    {"__placebo_unittest__": "unseekable_stream"}
        a body that can't be read without consuming it (a botocore
        StreamingBody, a pipe). Its content is not compared: it matches any
        value.
    {"__placebo_unittest__": "datetime", "value": "2024-01-02T03:04:05.000000+00:00"}
        an aware datetime in UTC (equal instants in other zones give the same
        tag); a naive one stays naive, with no offset.
    {"__placebo_unittest__": "decimal", "value": "1.50"}
    {"__placebo_unittest__": "float", "value": "nan"}    (also "inf", "-inf")
    {"__placebo_unittest__": "set", "items": [...]}      (items sorted)
    {"__placebo_unittest__": "dict", "items": {...}}     (a dict holding the reserved key)
    {"__placebo_unittest__": "object", "type": "pkg.Class", "repr": "..."}
        anything else, by its repr with memory addresses removed.
"""
from __future__ import annotations

import datetime as _dt
import decimal
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.utils import parse_to_aware_datetime

__all__ = ["TAG", "MAX_TEXT", "normalize", "is_tag"]

#: The reserved key that marks a tag.
TAG = "__placebo_unittest__"
#: Strings longer than this many characters are stored as length and SHA-256.
MAX_TEXT = 64 * 1024
_CHUNK = 64 * 1024

# Each tag kind, and the keys (other than TAG) it holds with their types.
_TAG_FIELDS: dict[str, dict[str, type]] = {
    "bytes": {"length": int, "sha256": str},
    "text": {"length": int, "sha256": str},
    "unseekable_stream": {},
    "datetime": {"value": str},
    "decimal": {"value": str},
    "float": {"value": str},
    "set": {"items": list},
    "dict": {"items": dict},
    "object": {"type": str, "repr": str},
}
_SURROGATE = re.compile("[\ud800-\udfff]")
_ADDRESS = re.compile(r" at 0x[0-9A-Fa-f]+")



# -- normalize ---------------------------------------------------------------

def normalize(params: Any, shape: Any = None, *, max_text: int = MAX_TEXT) -> Any:
    """Turn a call's parameters into a deterministic JSON-ready tree.

    Dicts (keys sorted), lists, str, int, float, bool and None are kept;
    tuples become lists; everything else becomes a tag (see the module
    docstring). A seekable body is read to hash it, then put back where it
    was, so the upload still sends it; an unseekable one is not touched.

    ``shape``, the operation's botocore input shape, is optional. Given, it
    makes the tree say what botocore will send: a str in a blob member is
    hashed as its UTF-8 bytes, and a timestamp member (a datetime, naive ones
    taken as UTC, an ISO-8601 string or epoch seconds) becomes a UTC datetime
    tag. Use it on both sides of a comparison or on neither.
    """
    return _normalize(params, shape, max_text)


def _normalize(value: Any, shape: Any, max_text: int) -> Any:
    if shape is not None:
        converted = _by_shape(value, getattr(shape, "type_name", None))
        if converted is not None:
            return converted
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else {TAG: "float", "value": repr(float(value))}
    if isinstance(value, str):
        return _text(value, max_text)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return {TAG: "bytes", "length": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if isinstance(value, Mapping):
        return _mapping(value, shape, max_text)
    if isinstance(value, (list, tuple)):
        member = getattr(shape, "member", None)
        return [_normalize(item, member, max_text) for item in value]
    if isinstance(value, (set, frozenset)):
        return {TAG: "set", "items": _sorted(_normalize(item, None, max_text) for item in value)}
    if isinstance(value, _dt.datetime):
        return _datetime(value)
    if isinstance(value, decimal.Decimal):
        return {TAG: "decimal", "value": str(value)}
    if callable(getattr(value, "read", None)):
        return _body(value)
    kind = type(value)
    return {TAG: "object", "type": f"{kind.__module__}.{kind.__qualname__}",
            "repr": _ADDRESS.sub("", repr(value))}


def _by_shape(value: Any, type_name: str | None) -> dict[str, Any] | None:
    """The tag botocore's view of a blob or timestamp member gives, or None."""
    if type_name == "blob" and isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        return {TAG: "bytes", "length": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if type_name == "timestamp" and isinstance(value, (_dt.datetime, str, int, float)) \
            and not isinstance(value, bool):
        try:
            return _datetime(parse_to_aware_datetime(value))
        except (ValueError, TypeError, OverflowError):
            return None  # botocore will refuse it; compare it as it is
    return None


def _plain_str(value: str) -> str:
    """``value`` as a plain str, high/low surrogate pairs joined into one
    character each, as a JSON round trip joins them."""
    value = str.__str__(value)
    if _SURROGATE.search(value):
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return value


def _text(value: str, max_text: int) -> Any:
    value = _plain_str(value)
    if len(value) > max_text:
        digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        return {TAG: "text", "length": len(value), "sha256": digest}
    return value


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _plain_str(key)
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)  # what json.dumps does to such a key
    return str(key)


def _mapping(value: Mapping[Any, Any], shape: Any, max_text: int) -> dict[str, Any]:
    if is_tag(value):
        return _retag(value, max_text)
    if TAG in value:
        return {TAG: "dict", "items": _items(value, None, max_text)}
    return _items(value, shape, max_text)


def _items(value: Mapping[Any, Any], shape: Any, max_text: int) -> dict[str, Any]:
    members = getattr(shape, "members", None) if shape is not None else None
    map_value = getattr(shape, "value", None) if shape is not None else None
    pairs = []
    for key, item in value.items():
        member = members.get(key) if members is not None else map_value
        pairs.append((_key(key), _normalize(item, member, max_text)))
    pairs.sort(key=lambda pair: pair[0])
    return dict(pairs)


def is_tag(value: Any) -> bool:
    if not isinstance(value, Mapping):
        return False
    kind = value.get(TAG)
    fields = _TAG_FIELDS.get(kind) if isinstance(kind, str) else None
    if fields is None or len(value) != len(fields) + 1:
        return False
    return all(
        name in value and isinstance(value[name], kind_) and not isinstance(value[name], bool)
        for name, kind_ in fields.items()
    )


def _retag(tag: Mapping[str, Any], max_text: int) -> dict[str, Any]:
    kind = tag[TAG]
    if kind == "set":
        return {TAG: "set", "items": _sorted(_normalize(item, None, max_text) for item in tag["items"])}
    if kind == "dict":
        return {TAG: "dict", "items": _items(tag["items"], None, max_text)}
    return {TAG: kind, **{name: tag[name] for name in _TAG_FIELDS[kind]}}


def _sorted(items: Iterable[Any]) -> list[Any]:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


def _datetime(value: _dt.datetime) -> dict[str, Any]:
    if value.utcoffset() is None:
        text = value.replace(tzinfo=None).isoformat(timespec="microseconds")
    else:
        try:
            text = value.astimezone(_dt.timezone.utc).isoformat(timespec="microseconds")
        except OverflowError:  # the same instant in UTC falls outside years 1-9999
            text = value.isoformat(timespec="microseconds")
    return {TAG: "datetime", "value": text}


def _body(body: Any) -> dict[str, Any]:
    """Hash a readable body from where it stands, then put it back there."""
    try:
        start = body.tell() if _seekable(body) else None
    except (OSError, ValueError):
        start = None
    if start is None:
        return {TAG: "unseekable_stream"}
    hasher = hashlib.sha256()
    length = 0
    text = False
    try:
        while True:
            chunk = body.read(_CHUNK)
            if not chunk:
                break
            if isinstance(chunk, str):
                text = True
                length += len(chunk)
                hasher.update(chunk.encode("utf-8", "surrogatepass"))
            else:
                data = bytes(chunk)
                length += len(data)
                hasher.update(data)
    finally:
        body.seek(start)
    return {TAG: "text" if text else "bytes", "length": length, "sha256": hasher.hexdigest()}


def _seekable(body: Any) -> bool:
    seekable = getattr(body, "seekable", None)
    if callable(seekable):
        return bool(seekable())
    # Some wrappers (s3transfer's ReadFileChunk) seek without saying so.
    return callable(getattr(body, "seek", None)) and callable(getattr(body, "tell", None))
