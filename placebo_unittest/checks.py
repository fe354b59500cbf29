"""Every check a recording file gets when it is first read.

:func:`placebo_unittest.serializer.loads` calls these once per file, so that
replaying it later never meets a surprise: the encoding, the JSON, the
``status_code`` and ``data`` members, every tagged ``__class__`` value, and
each entry of the ``placebo_unittest`` section against the value it
describes. A problem raises :class:`Invalid`, which ``loads`` turns into a
:class:`~placebo_unittest.errors.CorruptRecordingError` naming the file.
"""
from __future__ import annotations

import binascii
import datetime as _dt
import itertools
import json
from typing import Any

from .codec import (
    BODY_TAGS,
    DATETIME_FIELDS,
    FORMAT_VERSION,
    SECTION,
    UTC_ZONE,
    Path,
    body_bytes,
    convert,
    show_path,
    tagged,
)

__all__ = ["Invalid", "text_of", "bytes_of", "json_problem", "check_document", "check_section", "check_data",
           "named", "kind_of"]

class Invalid(Exception):
    """What is wrong with a file, found while checking it; :func:`loads` turns
    it into a :class:`CorruptRecordingError` naming the file."""


_UTF8_BOM = b"\xef\xbb\xbf"


def text_of(raw: bytes) -> str:
    """The text of a JSON file: UTF-8, without NUL bytes; a leading UTF-8 byte
    order mark, which editors on Windows often add, is dropped."""
    raw = bytes_of(raw)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid(f"it is not UTF-8 text: the byte 0x{raw[exc.start]:02x} at offset {exc.start} can't be "
                      f"decoded ({exc.reason}); save it as UTF-8") from exc


def bytes_of(raw: bytes) -> bytes:
    """The bytes of a JSON file that :func:`text_of` decodes: checked for
    what can be seen without decoding them, a leading byte order mark dropped."""
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM):]
    if not raw or raw.isspace():  # isspace stops at the first other byte; strip would copy it all
        raise Invalid("it is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Invalid("it is UTF-16 or UTF-32 text (it starts with that byte order mark), but "
                       "recordings are UTF-8: save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        if not raw.strip(b"\x00"):
            raise Invalid(f"it holds nothing but NUL bytes ({len(raw)} of them), as a file does when a crash "
                           "or a full disk stopped it being written")
        raise Invalid(f"it holds a NUL byte at offset {nul}, which JSON text never does: the file was "
                       "damaged (a crash or a full disk can leave NUL bytes) or saved as UTF-16 or "
                       "UTF-32 rather than UTF-8")
    return raw


def json_problem(text: str, exc: json.JSONDecodeError) -> str:
    if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
        return (f"it is not valid JSON: it stops in the middle of a value (line {exc.lineno}, column "
                f"{exc.colno}), so it was probably cut short while being written ({named(exc)}: {exc})")
    return f"it is not valid JSON ({named(exc)}: {exc})"


def check_document(document: Any, is_json: bool) -> int:
    """The status code of a whole recording, once its shape is checked."""
    if not isinstance(document, dict):
        raise Invalid(f'it holds {kind_of(document, is_json)}, not an object with "status_code" and "data" '
                      "members, so it is not a recording")
    if "data" not in document:
        members = ", ".join(_brief(key) for key in list(document)[:8]) or "none"
        raise Invalid(f'it has no "data" member, so it is not a recording (its members: {members})')
    if "status_code" not in document:
        raise Invalid('it has no "status_code" member: a recording gives the HTTP status of its '
                       'response there, as in "status_code": 200')
    status = document["status_code"]
    if type(status) is not int:
        raise Invalid(f"its status_code {_brief(status)} is not an integer: it must be the HTTP status of the "
                       "response, such as 200")
    if not 100 <= status <= 599:
        raise Invalid(f"its status_code {status} is not an HTTP status code, which lies between 100 and "
                       "599")
    return status


_KINDS = ("bytes", "datetime", "datetime-local", "dict", "str")


_DAY = 86400  # seconds: a UTC offset lies strictly within a day either way


def check_section(section: Any) -> list[list[Any]]:
    """The ``types`` entries of a well-formed section of a format this module reads."""
    malformed = f"its {SECTION} section is malformed: "
    if not isinstance(section, dict):
        raise Invalid(malformed + f"it is {kind_of(section, True)}, not an object")
    version = section.get("format", 0)
    if type(version) is not int:
        raise Invalid(malformed + f'its "format" is {_brief(version)}, not an integer')
    if version > FORMAT_VERSION:
        raise Invalid(f"it was written by a newer placebo_unittest (format {version}); upgrade "
                       "placebo_unittest to read it")
    entries = section.get("types")
    if not isinstance(entries, list):
        raise Invalid(malformed + f'its "types" is {_brief(entries)}, not a list')
    seen: dict[tuple[Any, ...], int] = {}
    for number, entry in enumerate(entries, 1):
        problem = _entry_problem(entry)
        if problem:
            raise Invalid(malformed + f"types entry {number} ({_brief(entry)}) {problem}")
        key = tuple(entry[0])
        if key in seen:
            raise Invalid(malformed + f"types entries {seen[key]} and {number} both describe {show_path(entry[0])}")
        seen[key] = number
    return entries


def _entry_problem(entry: Any) -> str | None:
    if type(entry) is not list or len(entry) != 3:
        return "is not a [path, kind, argument] list"
    path, kind, argument = entry
    if type(path) is not list:
        return "has a path that is not a list"
    for step in path:
        if type(step) is not str and not (type(step) is int and step >= 0):
            return f"has the path step {_brief(step)}, which is neither a key nor a list index"
    if type(kind) is not str or kind not in _KINDS:
        return "has the unknown kind {}; format {} knows {}".format(
            _brief(kind), FORMAT_VERSION, ", ".join(_KINDS))
    if kind in ("bytes", "dict"):
        return None if argument is None else f"has an argument, where a {kind} entry has null"
    if kind == "str":
        if (type(argument) is not list or not argument
                or any(type(p) is not int or p < 0 for p in argument)
                or any(a >= b for a, b in itertools.pairwise(argument))):
            return "needs a list of increasing character positions as its argument"
        return None
    if argument is None and kind == "datetime":
        return None
    if type(argument) not in (int, float) or not -_DAY < argument < _DAY:
        return "needs a UTC offset in seconds, less than a day either way, as its argument"
    return None


_NEEDS_DATETIME = "a datetime holds exactly the integers {}".format(", ".join(DATETIME_FIELDS))


def check_data(data: Any, entries: list[list[Any]], legacy: bool) -> None:
    """Every tagged value in ``data`` can be decoded, and every entry fits its value."""
    literal_paths = {tuple(path) for path, kind, _argument in entries if kind == "dict"}
    nodes = [_resolve(data, path, kind, literal_paths) for path, kind, _argument in entries]
    literal = {id(node) for node, entry in zip(nodes, entries, strict=True) if entry[1] == "dict"}
    _check_tags(data, literal, legacy)
    for node, (path, kind, argument) in zip(nodes, entries, strict=True):
        _check_entry(node, path, kind, argument)


def _mismatch(problem: str) -> Invalid:
    return Invalid(f"its {SECTION} section doesn't match its data: {problem}")


def _resolve(data: Any, path: list[Any], kind: str, literal_paths: set[tuple[Any, ...]]) -> Any:
    """The value ``path`` leads to, as both decoders will find it."""
    node = data
    for depth, step in enumerate(path):
        if type(node) is dict and "__class__" in node and tuple(path[:depth]) not in literal_paths:
            raise _mismatch(f"it marks {show_path(path)} as {kind}, inside the tagged value at "
                            f"{show_path(path[:depth])}")
        if type(node) is dict and type(step) is str and step in node:
            node = node[step]
        elif type(node) is list and type(step) is int and step < len(node):
            node = node[step]
        else:
            raise _mismatch(f"it marks {show_path(path)} as {kind}, but there is no such value")
    return node


def _check_tags(data: Any, literal: set[int], legacy: bool) -> None:
    stack = [data]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            if "__class__" in node and id(node) not in literal:
                problem = _tag_problem(node, legacy)
                if problem:
                    raise Invalid(f"{show_path(_locate(data, node))} {problem}")
                continue  # a tag holds no containers: nothing inside to check
            stack.extend(reversed(node.values()))
        elif kind is list:
            stack.extend(reversed(node))


def _locate(data: Any, target: Any) -> Path:
    """The path to ``target`` (found by identity) in ``data``; used only to report an error."""
    stack: list[tuple[Any, Path]] = [(data, [])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if type(node) is dict:
            stack.extend((value, path + [key]) for key, value in node.items())
        elif type(node) is list:
            stack.extend((value, path + [index]) for index, value in enumerate(node))
    return []


def _tag_problem(obj: dict[str, Any], legacy: bool) -> str | None:
    """What is wrong with a ``{"__class__": ...}`` value, or None if it decodes."""
    name = obj["__class__"]
    if type(name) is not str or (name != "datetime" and name not in BODY_TAGS):
        if legacy:
            return (f'has "__class__": {_brief(name)}, a type placebo never writes (it writes only "datetime", '
                    '"StreamingBody" and "StreamingChecksumBody"), so it can\'t be replayed: the file '
                    "was edited by hand or written by another tool")
        return (f'has "__class__": {_brief(name)}, which is neither a value placebo_unittest writes ("datetime" or '
                f'"StreamingBody") nor a plain dict marked "dict" in its {SECTION} section')
    invalid = f'is not a valid "{name}" value'
    if type(obj.get("__module__", "")) is not str:
        return '{} (TypeError: its "__module__" is {}, not a string)'.format(invalid, _brief(obj["__module__"]))
    if name == "datetime":
        return _datetime_problem(obj, invalid)
    extra = [key for key in obj if key not in ("__class__", "__module__", "body")]
    if "body" not in obj:
        return f'{invalid} (TypeError: it has no "body" member holding its bytes)'
    if extra:
        return f"{invalid} (TypeError: it has the extra {_members(extra)})"
    body = obj["body"]
    if type(body) is not str:
        return f'{invalid} (TypeError: its "body" is {_brief(body)}, not a base64 string)'
    try:
        body_bytes(body, strict=not legacy)
    except ValueError as exc:
        what = "not valid base64" if not legacy else "neither base64 nor text UTF-8 can hold"
        return f'{invalid} ({named(exc)}: its "body" is {what}: {exc})'
    return None


def _datetime_problem(obj: dict[str, Any], invalid: str) -> str | None:
    fields = {key: value for key, value in obj.items() if key not in ("__class__", "__module__")}
    missing = [field for field in DATETIME_FIELDS if field not in fields]
    if missing:
        return f"{invalid} (TypeError: it lacks the {_members(missing)}; {_NEEDS_DATETIME})"
    extra = [key for key in fields if key not in DATETIME_FIELDS]
    if extra:
        return f"{invalid} (TypeError: it has the extra {_members(extra)}; {_NEEDS_DATETIME})"
    for field in DATETIME_FIELDS:
        if type(fields[field]) is not int:
            return (f"{invalid} (TypeError: its {_brief(field)} is {_brief(fields[field])}, not an integer; "
                    f"{_NEEDS_DATETIME})")
    try:
        _dt.datetime(tzinfo=UTC_ZONE, **fields)
    except (ValueError, OverflowError) as exc:
        return f"{invalid} ({named(exc)}: {exc})"
    return None


def _check_entry(node: Any, path: list[Any], kind: str, argument: Any) -> None:
    where = show_path(path)
    if kind == "dict":
        if type(node) is not dict:
            raise _mismatch(f"it marks {where} as a plain dict, but that is {kind_of(node, True)}")
        return
    if kind in ("bytes", "str"):
        if type(node) is not str:
            raise _mismatch(f"it marks {where} as {kind}, but that is {kind_of(node, True)}, not a string")
        if kind == "str" and argument[-1] >= len(node):
            raise _mismatch(f"it marks character {argument[-1]} of {where} to split, but the string is "
                            f"{len(node)} long")
    elif type(node) is not dict or node.get("__class__") != "datetime":
        raise _mismatch(f"it marks {where} as a datetime, but that is {kind_of(node, True)}")
    else:
        node = tagged(node, "datetime")
    try:
        convert(node, kind, argument)
    except (binascii.Error, ValueError, OverflowError) as exc:
        if kind == "bytes":
            raise _mismatch(f"it marks {where} as bytes, but {_brief(node)} is not valid base64 "
                            f"({named(exc)}: {exc})") from exc
        raise _mismatch(f"its {kind} entry for {where} can't be applied ({named(exc)}: {exc})") from exc


def _brief(value: Any) -> str:
    """``value`` as JSON (or Python, for a pickle), cut short if long."""
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def named(exc: BaseException) -> str:
    """The name of an exception's class, with its module unless it is a builtin."""
    kind = type(exc)
    if kind.__module__ in ("builtins", "json.decoder", "_pickle"):
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


def _members(names: list[str]) -> str:
    shown = ", ".join(_brief(name) for name in names[:8]) + (", ..." if len(names) > 8 else "")
    return ("member " if len(names) == 1 else "members ") + shown


def kind_of(value: Any, is_json: bool) -> str:
    if not is_json:
        return f"a {type(value).__module__}.{type(value).__qualname__}"
    if value is None or type(value) is bool:
        return json.dumps(value)
    if type(value) in (int, float):
        return f"the number {_brief(value)}"
    names: dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
    return names.get(type(value), "a value")
