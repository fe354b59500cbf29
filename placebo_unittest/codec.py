"""The value codec of recording files, shared by writing, checking and replaying.

placebo's tagged dicts (``{"__class__": "datetime", ...}`` and bodies), and the
conversions the ``placebo_unittest`` section asks for (bytes, datetimes with
their offset, split surrogate pairs, literal ``__class__`` dicts): how each is
turned back into a Python value. See :mod:`placebo_unittest.serializer` for
the file format as a whole.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import io
from typing import Any

from botocore.response import StreamingBody
from dateutil.tz import tzutc

__all__ = [
    "FORMAT_VERSION", "SECTION", "TAGGED", "UTC_ZONE", "DATETIME_FIELDS", "BODY_TAGS", "Path",
    "object_hook", "tagged", "body_bytes", "apply_entry", "convert", "split_pairs", "Decoder", "show_path",
]

FORMAT_VERSION = 1


SECTION = "placebo_unittest"


#: The member of the section listing where ``data`` holds tagged values (see
#: :mod:`placebo_unittest.fresh`).
TAGGED = "tagged"


UTC_ZONE = tzutc()


DATETIME_FIELDS = ("year", "month", "day", "hour", "minute", "second", "microsecond")


Path = list[Any]


def show_path(path: Path) -> str:
    return "data" + "".join(f"[{p!r}]" for p in path)


BODY_TAGS = ("StreamingBody", "StreamingChecksumBody")


def object_hook(obj: dict[str, Any]) -> Any:
    class_name = obj.get("__class__")
    if type(class_name) is not str:
        return obj
    return tagged(obj, class_name)


def tagged(obj: dict[str, Any], class_name: str) -> Any:
    if class_name == "datetime":
        fields = {k: v for k, v in obj.items() if k not in ("__class__", "__module__")}
        return _dt.datetime(tzinfo=UTC_ZONE, **fields)
    if class_name in BODY_TAGS:
        # StreamingBody, and StreamingChecksumBody as placebo wrote it for current botocore.
        raw = body_bytes(obj["body"], strict=False)
        return StreamingBody(io.BytesIO(raw), len(raw))
    return obj


def body_bytes(body: str, strict: bool) -> bytes:
    """The bytes of a body tag's base64 ``body``; very old placebo files kept
    the text itself, which is read as UTF-8 unless ``strict``."""
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        if strict:
            raise
        return body.encode("utf-8")


def apply_entry(data: Any, path: list[Any], kind: str, argument: Any) -> Any:
    if not path:
        return convert(data, kind, argument)
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = convert(node[path[-1]], kind, argument)
    return data


def convert(value: Any, kind: str, argument: Any) -> Any:
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    if kind == "datetime":
        if argument is None:
            return value.replace(tzinfo=None)
        return value.astimezone(_dt.timezone(_dt.timedelta(seconds=argument)))
    if kind == "datetime-local":
        return value.replace(tzinfo=_dt.timezone(_dt.timedelta(seconds=argument)))
    if kind == "str":
        return split_pairs(value, argument)
    return value


def split_pairs(value: str, positions: list[int]) -> str:
    """Turn the astral characters at ``positions`` back into two surrogates each."""
    parts = []
    start = 0
    for position in positions:
        code = ord(value[position]) - 0x10000
        if code < 0:
            raise ValueError(f"character {position} of {value!r} is not an astral character")
        parts.append(value[start:position])
        parts.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
        start = position + 1
    parts.append(value[start:])
    return "".join(parts)


class Decoder:
    """The slow path: walks the tree, for files holding literal ``__class__`` dicts."""

    def __init__(self, types: list[list[Any]]):
        self.trie: dict[Any, Any] = {}
        for path, kind, argument in types:
            node = self.trie
            for step in path:
                node = node.setdefault(step, {})
            node[_KIND] = (kind, argument)

    def decode(self, tree: Any) -> Any:
        return self._walk(tree, self.trie)

    def _walk(self, node: Any, trie: dict[Any, Any] | None) -> Any:
        mark = trie.get(_KIND) if trie else None
        kind = type(node)
        if kind is dict:
            literal = mark is not None and mark[0] == "dict"
            if not literal and type(node.get("__class__")) is str:
                value = tagged(node, node["__class__"])
            else:
                value = {k: self._walk(v, trie.get(k) if trie else None) for k, v in node.items()}
        elif kind is list:
            value = [self._walk(v, trie.get(i) if trie else None) for i, v in enumerate(node)]
        else:
            value = node
        if mark is not None and mark[0] != "dict":
            value = convert(value, mark[0], mark[1])
        return value


_KIND = object()
