"""Exact, placebo-compatible encoding of botocore responses.

A JSON recording looks like placebo's::

    {"status_code": 200, "data": {...}, "placebo_unittest": {"format": 1, "types": [...]}}

``data`` holds exactly what placebo would have written: datetimes as
``{"__class__": "datetime", "year": ...}`` dicts (in UTC here, so placebo's
reader gets the right instant), bytes as plain base64 strings, streaming bodies
as ``{"__class__": "StreamingBody", "body": <base64>}``. What placebo's format
can't say lives in the ``placebo_unittest`` section, which placebo ignores: a
list of ``[path, kind, argument]`` entries marking the base64 strings that are
bytes, the datetimes whose UTC offset isn't zero, literal dicts that happen
to hold a ``__class__`` key, and strings holding a high and a low surrogate
side by side as two code points (JSON would join them into one character).
With it every value comes back with its type.

Files without that section (written by placebo or by wrappers such as
cloud-custodian's) are read as placebo reads them. When the caller passes the
operation's output shape to :func:`materialize` (the Pill's ``legacy_types``
option), base64 strings also become bytes, and ISO strings datetimes, where
the botocore model says blob or timestamp.

placebo's own serializer API (``serialize``, ``deserialize``, ``Format``,
``get_serializer``, ``get_deserializer``, ``utc``) is importable from here
too, for code written against ``placebo.serializer``.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import io
import json
import pickle
import re
from typing import Any, Dict, List, Optional, Tuple

from botocore.response import StreamingBody
from dateutil.tz import tzutc

from .errors import CorruptRecordingError, UnserializableValueError
from .placebo_format import (  # placebo's public serializer names, for code that imports them
    UTC,
    Format,
    deserialize,
    get_deserializer,
    get_serializer,
    serialize,
    utc,
)

__all__ = [
    "Recording", "encode", "decode", "dumps", "loads", "materialize", "FORMAT_VERSION",
    # placebo 0.10.0's API (see placebo_unittest.placebo_format)
    "serialize", "deserialize", "Format", "get_serializer", "get_deserializer", "utc", "UTC",
]

FORMAT_VERSION = 1
SECTION = "placebo_unittest"
_UTC = tzutc()
_DATETIME_FIELDS = ("year", "month", "day", "hour", "minute", "second", "microsecond")
_STREAMING_MODULE = "botocore.response"
# A high surrogate followed by a low one: two code points in Python, but one
# character once written as JSON (``"\ud83d\ude00"``) and read back.
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")

Path = List[Any]


class Recording:
    """One response, encoded: ``tree`` is JSON-ready, ``types`` says what it can't.

    ``request`` is the call's parameters in their stored form (see
    :func:`placebo_unittest.matching.normalize`), or None; ``accounts``, when
    account ids were anonymised in it, is ``{"replacement": <the id used>,
    "fingerprints": [<digests of the real ids>]}``.
    """

    __slots__ = ("status_code", "tree", "types", "request", "accounts")

    def __init__(self, status_code: int, tree: Any, types: List[list]):
        self.status_code = status_code
        self.tree = tree
        self.types = types
        self.request: Any = None
        self.accounts: Optional[Dict[str, Any]] = None

    def section(self) -> Dict[str, Any]:
        """The ``placebo_unittest`` section of the file."""
        section: Dict[str, Any] = {"format": FORMAT_VERSION}
        if self.request is not None:
            section["request"] = self.request
        if self.accounts:
            section["accounts"] = self.accounts
        section["types"] = self.types
        return section

    def add(self, key: str, value: Any) -> None:
        """Encode ``value`` as the top-level member ``key`` of the response."""
        self.tree[key] = _Encoder(self.types).encode(value, [key], None, None)


def encode(data: Any, status_code: int = 200) -> Recording:
    """Encode a response. Streaming bodies are read and replaced, in ``data``,
    by fresh ``StreamingBody`` objects holding the same bytes, so the caller can
    still read them. Raises :class:`UnserializableValueError` naming the field
    of any value that can't be stored exactly."""
    types: List[list] = []
    tree = _Encoder(types).encode(data, [], None, None)
    return Recording(int(status_code), tree, types)


class _Encoder:
    __slots__ = ("types",)

    def __init__(self, types: List[list]):
        self.types = types

    def encode(self, value: Any, path: Path, parent: Any, key: Any) -> Any:
        kind = type(value)
        if kind is str:
            if not value.isascii():
                self._string(value, path)
            return value
        if kind is int or kind is float or kind is bool or value is None:
            return value
        if kind is dict:
            out = {}
            for k, v in value.items():
                if type(k) is not str or (not k.isascii() and _SURROGATE_PAIR.search(k)):
                    # A key whose surrogates JSON would join can't be stored exactly.
                    raise UnserializableValueError(_show(path + [k]), k)
                out[k] = self.encode(v, path + [k], value, k)
            if "__class__" in out:
                self.types.append([list(path), "dict", None])
            return out
        if kind is list:
            return [self.encode(v, path + [i], value, i) for i, v in enumerate(value)]
        if kind is bytes:
            self.types.append([list(path), "bytes", None])
            return base64.b64encode(value).decode("ascii")
        if isinstance(value, _dt.datetime):
            return self._datetime(value, path)
        if isinstance(value, StreamingBody):
            body = value.read()
            if parent is not None:
                parent[key] = StreamingBody(io.BytesIO(body), len(body))
            return {
                "__class__": "StreamingBody",
                "__module__": _STREAMING_MODULE,
                "body": base64.b64encode(body).decode("ascii"),
            }
        # Anything else, str/int subclasses (enums) included, would come back changed.
        raise UnserializableValueError(_show(path), value)

    def _string(self, value: str, path: Path) -> None:
        # Where, in the string JSON gives back, the characters to split again are.
        positions = [m.start() - n for n, m in enumerate(_SURROGATE_PAIR.finditer(value))]
        if positions:
            self.types.append([list(path), "str", positions])

    def _datetime(self, value: _dt.datetime, path: Path) -> dict:
        offset = value.utcoffset()
        if offset is None:
            self.types.append([list(path), "datetime", None])
            return _datetime_dict(value)
        if not offset:
            return _datetime_dict(value)
        seconds = _seconds(offset)
        try:
            utc = value.replace(tzinfo=None) - offset
        except OverflowError:
            # The instant has no UTC wall-clock form (year 1 or 9999): keep local fields.
            self.types.append([list(path), "datetime-local", seconds])
            return _datetime_dict(value)
        self.types.append([list(path), "datetime", seconds])
        return _datetime_dict(utc)


def _datetime_dict(value: _dt.datetime) -> dict:
    out: Dict[str, Any] = {"__class__": "datetime"}
    for field in _DATETIME_FIELDS:
        out[field] = getattr(value, field)
    return out


def _seconds(offset: _dt.timedelta) -> Any:
    total = offset.total_seconds()
    return int(total) if total == int(total) else total


def _show(path: Path) -> str:
    return "data" + "".join("[{!r}]".format(p) for p in path)


def decode(recording: Recording) -> Any:
    """A fresh copy of the response ``recording`` holds, every value with its type."""
    return _Decoder(recording.types).decode(json.loads(json.dumps(recording.tree)))


def dumps(recording: Recording, record_format: str) -> bytes:
    """The bytes of a recording file. The same response always gives the same bytes."""
    if record_format == "pickle":
        # Decode a copy made through JSON: which objects are shared (and so how
        # pickle writes them) then depends only on the values, not on the caller.
        data = decode(recording)
        pickled: Dict[str, Any] = {"status_code": recording.status_code, "data": data}
        if recording.request is not None or recording.accounts:
            section = recording.section()
            del section["types"]
            pickled[SECTION] = section
        return pickle.dumps(pickled, protocol=4)
    document = {
        "status_code": recording.status_code,
        "data": recording.tree,
        SECTION: recording.section(),
    }
    return (json.dumps(document, indent=4, ensure_ascii=True) + "\n").encode("ascii")


class Loaded:
    """A recording file read into memory, ready to be turned into fresh responses."""

    __slots__ = ("path", "extension", "raw", "status_code", "types", "legacy", "request", "accounts")

    def __init__(self, path: str, extension: str, raw: bytes):
        self.path = path
        self.extension = extension
        self.raw = raw
        self.status_code = 200
        self.types: Optional[List[list]] = None
        self.legacy = False
        #: The stored request parameters, or None when the file has none.
        self.request: Any = None
        #: How account ids were anonymised in this recording, if they were.
        self.accounts: Optional[Dict[str, Any]] = None


def loads(raw: bytes, path: str, extension: str) -> Loaded:
    """Check a file's bytes and read what every later replay needs."""
    loaded = Loaded(path, extension, raw)
    document = _parse(loaded)
    loaded.status_code = document["status_code"]
    section = document.get(SECTION)
    if extension != "json":
        if isinstance(section, dict):
            _read_request(loaded, section)
    elif section is None:
        loaded.legacy = True
        _parse(loaded, _object_hook)  # placebo's tagged dicts must make sense
    elif section is not None:
        if (
            not isinstance(section, dict)
            or type(section.get("format", 0)) is not int
            or not isinstance(section.get("types"), list)
            or not all(_valid_entry(entry) for entry in section["types"])
        ):
            raise CorruptRecordingError(path, "its {!r} section is malformed".format(SECTION))
        if section.get("format", 0) > FORMAT_VERSION:
            raise CorruptRecordingError(
                path,
                "it was written by a newer placebo_unittest (format {}); "
                "upgrade placebo_unittest to read it".format(section.get("format")),
            )
        loaded.types = section["types"]
        _read_request(loaded, section)
    return loaded


def _read_request(loaded: Loaded, section: Dict[str, Any]) -> None:
    accounts = section.get("accounts")
    if accounts is not None and not (
        isinstance(accounts, dict) and isinstance(accounts.get("replacement"), str)
        and isinstance(accounts.get("fingerprints"), list)
        and all(isinstance(a, str) for a in accounts["fingerprints"])
    ):
        raise CorruptRecordingError(loaded.path, "its {!r} accounts are malformed".format(SECTION))
    request = section.get("request")
    if request is not None and not isinstance(request, dict):
        raise CorruptRecordingError(loaded.path, "its {!r} request is not an object".format(SECTION))
    loaded.request = request
    loaded.accounts = accounts


def _valid_entry(entry: Any) -> bool:
    return (
        type(entry) is list and len(entry) == 3
        and type(entry[0]) is list and type(entry[1]) is str
    )


def _parse(loaded: Loaded, object_hook: Any = None) -> dict:
    path = loaded.path
    try:
        if loaded.extension == "pickle":
            document = pickle.loads(loaded.raw)
        else:
            document = json.loads(loaded.raw, object_hook=object_hook)
    except (ValueError, TypeError, KeyError, EOFError, pickle.UnpicklingError,
            UnicodeDecodeError, binascii.Error) as exc:
        problem = "it is empty" if not loaded.raw.strip() else "{}: {}".format(
            type(exc).__name__, exc)
        raise CorruptRecordingError(path, problem) from exc
    if not isinstance(document, dict) or "data" not in document:
        raise CorruptRecordingError(path, 'it has no "data" member, so it is not a recording')
    status = document.get("status_code", 200)
    if type(status) is not int:
        raise CorruptRecordingError(path, "its status_code {!r} is not an integer".format(status))
    document["status_code"] = status
    return document


def materialize(loaded: Loaded, output_shape: Any = None) -> Tuple[int, Any]:
    """A fresh ``(status_code, data)`` for one replay: new dicts, lists and bodies."""
    document = _parse(loaded) if loaded.extension == "pickle" else None
    if document is not None:
        return document["status_code"], document["data"]
    types = loaded.types
    if types:
        try:
            if any(entry[1] == "dict" for entry in types):
                tree = json.loads(loaded.raw)["data"]
                return loaded.status_code, _Decoder(types).decode(tree)
            data = json.loads(loaded.raw, object_hook=_object_hook)["data"]
            for path, kind, argument in types:
                data = _apply(data, path, kind, argument)
        except (LookupError, TypeError, ValueError, AttributeError) as exc:
            raise CorruptRecordingError(
                loaded.path, "its {!r} section doesn't match its data ({}: {})".format(
                    SECTION, type(exc).__name__, exc)
            ) from exc
        return loaded.status_code, data
    data = json.loads(loaded.raw, object_hook=_object_hook)["data"]
    if loaded.legacy and output_shape is not None:
        data = _legacy(data, output_shape)
    return loaded.status_code, data


def _object_hook(obj: dict) -> Any:
    class_name = obj.get("__class__")
    if type(class_name) is not str:
        return obj
    return _tagged(obj, class_name)


def _tagged(obj: dict, class_name: str) -> Any:
    if class_name == "datetime":
        fields = {k: v for k, v in obj.items() if k not in ("__class__", "__module__")}
        return _dt.datetime(tzinfo=_UTC, **fields)
    if class_name.endswith("Body") and "body" in obj:
        # StreamingBody, and StreamingChecksumBody as placebo wrote it for current botocore.
        body = obj["body"]
        try:
            raw = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raw = body.encode("utf-8")  # very old files kept the text itself
        return StreamingBody(io.BytesIO(raw), len(raw))
    return obj


def _apply(data: Any, path: list, kind: str, argument: Any) -> Any:
    if not path:
        return _convert(data, kind, argument)
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = _convert(node[path[-1]], kind, argument)
    return data


def _convert(value: Any, kind: str, argument: Any) -> Any:
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        if argument is None:
            return value.replace(tzinfo=None)
        return value.astimezone(_dt.timezone(_dt.timedelta(seconds=argument)))
    if kind == "datetime-local":
        return value.replace(tzinfo=_dt.timezone(_dt.timedelta(seconds=argument)))
    if kind == "str":
        return _split_pairs(value, argument)
    return value


def _split_pairs(value: str, positions: List[int]) -> str:
    """Turn the astral characters at ``positions`` back into two surrogates each."""
    parts = []
    start = 0
    for position in positions:
        code = ord(value[position]) - 0x10000
        if code < 0:
            raise ValueError("character {} of {!r} is not an astral character".format(position, value))
        parts.append(value[start:position])
        parts.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
        start = position + 1
    parts.append(value[start:])
    return "".join(parts)


class _Decoder:
    """The slow path: walks the tree, for files holding literal ``__class__`` dicts."""

    def __init__(self, types: List[list]):
        self.trie: dict = {}
        for path, kind, argument in types:
            node = self.trie
            for step in path:
                node = node.setdefault(step, {})
            node[_KIND] = (kind, argument)

    def decode(self, tree: Any) -> Any:
        return self._walk(tree, self.trie)

    def _walk(self, node: Any, trie: Optional[dict]) -> Any:
        mark = trie.get(_KIND) if trie else None
        kind = type(node)
        if kind is dict:
            literal = mark is not None and mark[0] == "dict"
            if not literal and type(node.get("__class__")) is str:
                value = _tagged(node, node["__class__"])
            else:
                value = {k: self._walk(v, trie.get(k) if trie else None) for k, v in node.items()}
        elif kind is list:
            value = [self._walk(v, trie.get(i) if trie else None) for i, v in enumerate(node)]
        else:
            value = node
        if mark is not None and mark[0] != "dict":
            value = _convert(value, mark[0], mark[1])
        return value


_KIND = object()


def _legacy(value: Any, shape: Any) -> Any:
    """Give a placebo-written value the types the botocore model says it has."""
    type_name = shape.type_name
    if type_name == "structure":
        if type(value) is dict:
            members = shape.members
            for key, item in value.items():
                member = members.get(key)
                if member is not None:
                    value[key] = _legacy(item, member)
        return value
    if type_name == "list":
        if type(value) is list:
            member = shape.member
            for index, item in enumerate(value):
                value[index] = _legacy(item, member)
        return value
    if type_name == "map":
        if type(value) is dict:
            member = shape.value
            for key, item in value.items():
                value[key] = _legacy(item, member)
        return value
    if type(value) is not str:
        return value
    if type_name == "blob":
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
        if shape.serialization.get("streaming"):
            return StreamingBody(io.BytesIO(raw), len(raw))
        return raw
    if type_name == "timestamp":
        from botocore.utils import parse_timestamp

        try:
            return parse_timestamp(value)
        except (ValueError, TypeError):
            return value
    return value
