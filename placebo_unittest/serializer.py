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

A file is read in two steps. :func:`loads`, once per file, checks all of it:
UTF-8 text (a leading byte order mark is dropped), JSON holding an integer
``status_code`` from 100 to 599 and a ``data`` member, every ``__class__``
value a known one that decodes, every ``types`` entry fitting the value it
points to. Anything else raises :class:`CorruptRecordingError` naming the
file and the problem. :func:`materialize`, on every replay, then only decodes.

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
    """A recording file read into memory and checked, ready to be turned into fresh responses."""

    __slots__ = ("path", "extension", "raw", "status_code", "types", "legacy", "request", "accounts",
                 "data_json", "decoder")

    def __init__(self, path: str, extension: str, raw: bytes):
        self.path = path
        self.extension = extension
        #: The file's bytes, kept for a pickle file only (a JSON file keeps ``data_json``).
        self.raw = raw
        self.status_code = 200
        self.types: Optional[List[list]] = None
        self.legacy = False
        #: The stored request parameters, or None when the file has none.
        self.request: Any = None
        #: How account ids were anonymised in this recording, if they were.
        self.accounts: Optional[Dict[str, Any]] = None
        #: ``data`` as compact JSON (JSON files only): what each replay decodes.
        self.data_json = ""
        #: For a file holding literal ``__class__`` dicts, its decoder, built once.
        self.decoder: Optional[_Decoder] = None


class _Invalid(Exception):
    """What is wrong with a file, found while checking it; :func:`loads` turns
    it into a :class:`CorruptRecordingError` naming the file."""


def loads(raw: bytes, path: str, extension: str) -> Loaded:
    """Check a recording file's bytes, all of them, and keep what every replay needs.

    Everything :func:`materialize` will rely on is checked here, once: the
    encoding, the JSON, the ``status_code`` and ``data`` members, every tagged
    ``__class__`` value, and each entry of the ``placebo_unittest`` section
    against the value it describes. Anything wrong raises
    :class:`CorruptRecordingError` naming the file and the problem.
    """
    loaded = Loaded(path, extension, raw)
    try:
        if extension == "pickle":
            _load_pickle(loaded)
        else:
            _load_json(loaded)
    except _Invalid as problem:
        raise CorruptRecordingError(path, str(problem)) from problem.__cause__
    return loaded


def _load_pickle(loaded: Loaded) -> None:
    document = _unpickle(loaded.raw)
    section = document.get(SECTION)
    if section is not None:
        if not isinstance(section, dict):
            raise _Invalid("its {} section is {}, not a dict".format(SECTION, _kind_of(section, False)))
        _read_request(loaded, section)
    loaded.status_code = document["status_code"]


def _unpickle(raw: bytes) -> dict:
    if not raw.strip():
        raise _Invalid("it is empty")
    try:
        document = pickle.loads(raw)  # noqa: S301 - only files the user chose to trust get here
    except Exception as exc:  # a damaged pickle can fail in any way at all
        raise _Invalid("it is not a valid pickle ({}: {})".format(_named(exc), exc)) from exc
    _check_document(document, False)
    return document


def _load_json(loaded: Loaded) -> None:
    text = _text(loaded.raw)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Invalid(_json_problem(text, exc)) from exc
    except (ValueError, RecursionError) as exc:  # an integer too long to read, or nesting too deep
        raise _Invalid("it is not valid JSON that Python can read ({}: {})".format(
            _named(exc), exc)) from exc
    loaded.status_code = _check_document(document, True)
    section = document.get(SECTION)
    entries: List[list] = []
    if section is None:
        loaded.legacy = True
    else:
        entries = _check_section(section)
        loaded.types = entries
        _read_request(loaded, section)
    data = document["data"]
    _check_data(data, entries, loaded.legacy)
    if any(kind == "dict" for _path, kind, _argument in entries):
        loaded.decoder = _Decoder(entries)
    try:
        loaded.data_json = json.dumps(data, separators=(",", ":"))
    except (ValueError, RecursionError) as exc:
        raise _Invalid("its data can't be copied ({}: {})".format(_named(exc), exc)) from exc
    loaded.raw = b""  # everything a replay needs is in data_json


_UTF8_BOM = b"\xef\xbb\xbf"


def _text(raw: bytes) -> str:
    """The text of a JSON file: UTF-8, without NUL bytes; a leading UTF-8 byte
    order mark, which editors on Windows often add, is dropped."""
    if raw.startswith(_UTF8_BOM):
        raw = raw[len(_UTF8_BOM):]
    if not raw.strip():
        raise _Invalid("it is empty")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Invalid("it is UTF-16 or UTF-32 text (it starts with that byte order mark), but "
                       "recordings are UTF-8: save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        if not raw.strip(b"\x00"):
            raise _Invalid("it holds nothing but NUL bytes ({} of them), as a file does when a crash "
                           "or a full disk stopped it being written".format(len(raw)))
        raise _Invalid("it holds a NUL byte at offset {}, which JSON text never does: the file was "
                       "damaged (a crash or a full disk can leave NUL bytes) or saved as UTF-16 or "
                       "UTF-32 rather than UTF-8".format(nul))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Invalid("it is not UTF-8 text: the byte 0x{:02x} at offset {} can't be decoded ({}); "
                       "save it as UTF-8".format(raw[exc.start], exc.start, exc.reason)) from exc


def _json_problem(text: str, exc: json.JSONDecodeError) -> str:
    if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
        return ("it is not valid JSON: it stops in the middle of a value (line {}, column {}), so it "
                "was probably cut short while being written ({}: {})").format(
                    exc.lineno, exc.colno, _named(exc), exc)
    return "it is not valid JSON ({}: {})".format(_named(exc), exc)


def _check_document(document: Any, is_json: bool) -> int:
    """The status code of a whole recording, once its shape is checked."""
    if not isinstance(document, dict):
        raise _Invalid('it holds {}, not an object with "status_code" and "data" members, so it is '
                       "not a recording".format(_kind_of(document, is_json)))
    if "data" not in document:
        members = ", ".join(_brief(key) for key in list(document)[:8]) or "none"
        raise _Invalid('it has no "data" member, so it is not a recording (its members: {})'.format(members))
    if "status_code" not in document:
        raise _Invalid('it has no "status_code" member: a recording gives the HTTP status of its '
                       'response there, as in "status_code": 200')
    status = document["status_code"]
    if type(status) is not int:
        raise _Invalid("its status_code {} is not an integer: it must be the HTTP status of the "
                       "response, such as 200".format(_brief(status)))
    if not 100 <= status <= 599:
        raise _Invalid("its status_code {} is not an HTTP status code, which lies between 100 and "
                       "599".format(status))
    return status


def _read_request(loaded: Loaded, section: Dict[str, Any]) -> None:
    accounts = section.get("accounts")
    if accounts is not None and not (
        isinstance(accounts, dict) and isinstance(accounts.get("replacement"), str)
        and isinstance(accounts.get("fingerprints"), list)
        and all(isinstance(a, str) for a in accounts["fingerprints"])
    ):
        raise _Invalid("its {} accounts are malformed".format(SECTION))
    request = section.get("request")
    if request is not None and not isinstance(request, dict):
        raise _Invalid("its {} request is not an object".format(SECTION))
    loaded.request = request
    loaded.accounts = accounts


# -- the placebo_unittest section ------------------------------------------------

_KINDS = ("bytes", "datetime", "datetime-local", "dict", "str")
_DAY = 86400  # seconds: a UTC offset lies strictly within a day either way


def _check_section(section: Any) -> List[list]:
    """The ``types`` entries of a well-formed section of a format this module reads."""
    malformed = "its {} section is malformed: ".format(SECTION)
    if not isinstance(section, dict):
        raise _Invalid(malformed + "it is {}, not an object".format(_kind_of(section, True)))
    version = section.get("format", 0)
    if type(version) is not int:
        raise _Invalid(malformed + 'its "format" is {}, not an integer'.format(_brief(version)))
    if version > FORMAT_VERSION:
        raise _Invalid("it was written by a newer placebo_unittest (format {}); upgrade "
                       "placebo_unittest to read it".format(version))
    entries = section.get("types")
    if not isinstance(entries, list):
        raise _Invalid(malformed + 'its "types" is {}, not a list'.format(_brief(entries)))
    seen: Dict[tuple, int] = {}
    for number, entry in enumerate(entries, 1):
        problem = _entry_problem(entry)
        if problem:
            raise _Invalid(malformed + "types entry {} ({}) {}".format(number, _brief(entry), problem))
        key = tuple(entry[0])
        if key in seen:
            raise _Invalid(malformed + "types entries {} and {} both describe {}".format(
                seen[key], number, _show(entry[0])))
        seen[key] = number
    return entries


def _entry_problem(entry: Any) -> Optional[str]:
    if type(entry) is not list or len(entry) != 3:
        return "is not a [path, kind, argument] list"
    path, kind, argument = entry
    if type(path) is not list:
        return "has a path that is not a list"
    for step in path:
        if type(step) is not str and not (type(step) is int and step >= 0):
            return "has the path step {}, which is neither a key nor a list index".format(_brief(step))
    if type(kind) is not str or kind not in _KINDS:
        return "has the unknown kind {}; format {} knows {}".format(
            _brief(kind), FORMAT_VERSION, ", ".join(_KINDS))
    if kind in ("bytes", "dict"):
        return None if argument is None else "has an argument, where a {} entry has null".format(kind)
    if kind == "str":
        if (type(argument) is not list or not argument
                or any(type(p) is not int or p < 0 for p in argument)
                or any(a >= b for a, b in zip(argument, argument[1:]))):
            return "needs a list of increasing character positions as its argument"
        return None
    if argument is None and kind == "datetime":
        return None
    if type(argument) not in (int, float) or not -_DAY < argument < _DAY:
        return "needs a UTC offset in seconds, less than a day either way, as its argument"
    return None


# -- the data -----------------------------------------------------------------------

_BODY_TAGS = ("StreamingBody", "StreamingChecksumBody")
_NEEDS_DATETIME = "a datetime holds exactly the integers {}".format(", ".join(_DATETIME_FIELDS))


def _check_data(data: Any, entries: List[list], legacy: bool) -> None:
    """Every tagged value in ``data`` can be decoded, and every entry fits its value."""
    literal_paths = {tuple(path) for path, kind, _argument in entries if kind == "dict"}
    nodes = [_resolve(data, path, kind, literal_paths) for path, kind, _argument in entries]
    literal = {id(node) for node, entry in zip(nodes, entries) if entry[1] == "dict"}
    _check_tags(data, literal, legacy)
    for node, (path, kind, argument) in zip(nodes, entries):
        _check_entry(node, path, kind, argument)


def _mismatch(problem: str) -> _Invalid:
    return _Invalid("its {} section doesn't match its data: {}".format(SECTION, problem))


def _resolve(data: Any, path: list, kind: str, literal_paths: set) -> Any:
    """The value ``path`` leads to, as both decoders will find it."""
    node = data
    for depth, step in enumerate(path):
        if type(node) is dict and "__class__" in node and tuple(path[:depth]) not in literal_paths:
            raise _mismatch("it marks {} as {}, inside the tagged value at {}".format(
                _show(path), kind, _show(path[:depth])))
        if type(node) is dict and type(step) is str and step in node:
            node = node[step]
        elif type(node) is list and type(step) is int and step < len(node):
            node = node[step]
        else:
            raise _mismatch("it marks {} as {}, but there is no such value".format(_show(path), kind))
    return node


def _check_tags(data: Any, literal: set, legacy: bool) -> None:
    stack = [data]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is dict:
            if "__class__" in node and id(node) not in literal:
                problem = _tag_problem(node, legacy)
                if problem:
                    raise _Invalid("{} {}".format(_show(_locate(data, node)), problem))
                continue  # a tag holds no containers: nothing inside to check
            stack.extend(reversed(node.values()))
        elif kind is list:
            stack.extend(reversed(node))


def _locate(data: Any, target: Any) -> Path:
    """The path to ``target`` (found by identity) in ``data``; used only to report an error."""
    stack: List[Tuple[Any, Path]] = [(data, [])]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if type(node) is dict:
            stack.extend((value, path + [key]) for key, value in node.items())
        elif type(node) is list:
            stack.extend((value, path + [index]) for index, value in enumerate(node))
    return []


def _tag_problem(obj: dict, legacy: bool) -> Optional[str]:
    """What is wrong with a ``{"__class__": ...}`` value, or None if it decodes."""
    name = obj["__class__"]
    if type(name) is not str or (name != "datetime" and name not in _BODY_TAGS):
        if legacy:
            return ('has "__class__": {}, a type placebo never writes (it writes only "datetime", '
                    '"StreamingBody" and "StreamingChecksumBody"), so it can\'t be replayed: the file '
                    "was edited by hand or written by another tool".format(_brief(name)))
        return ('has "__class__": {}, which is neither a value placebo_unittest writes ("datetime" or '
                '"StreamingBody") nor a plain dict marked "dict" in its {} section'.format(
                    _brief(name), SECTION))
    invalid = 'is not a valid "{}" value'.format(name)
    if type(obj.get("__module__", "")) is not str:
        return '{} (TypeError: its "__module__" is {}, not a string)'.format(invalid, _brief(obj["__module__"]))
    if name == "datetime":
        return _datetime_problem(obj, invalid)
    extra = [key for key in obj if key not in ("__class__", "__module__", "body")]
    if "body" not in obj:
        return '{} (TypeError: it has no "body" member holding its bytes)'.format(invalid)
    if extra:
        return "{} (TypeError: it has the extra {})".format(invalid, _members(extra))
    body = obj["body"]
    if type(body) is not str:
        return '{} (TypeError: its "body" is {}, not a base64 string)'.format(invalid, _brief(body))
    try:
        _body_bytes(body, strict=not legacy)
    except ValueError as exc:
        what = "not valid base64" if not legacy else "neither base64 nor text UTF-8 can hold"
        return '{} ({}: its "body" is {}: {})'.format(invalid, _named(exc), what, exc)
    return None


def _datetime_problem(obj: dict, invalid: str) -> Optional[str]:
    fields = {key: value for key, value in obj.items() if key not in ("__class__", "__module__")}
    missing = [field for field in _DATETIME_FIELDS if field not in fields]
    if missing:
        return "{} (TypeError: it lacks the {}; {})".format(invalid, _members(missing), _NEEDS_DATETIME)
    extra = [key for key in fields if key not in _DATETIME_FIELDS]
    if extra:
        return "{} (TypeError: it has the extra {}; {})".format(invalid, _members(extra), _NEEDS_DATETIME)
    for field in _DATETIME_FIELDS:
        if type(fields[field]) is not int:
            return "{} (TypeError: its {} is {}, not an integer; {})".format(
                invalid, _brief(field), _brief(fields[field]), _NEEDS_DATETIME)
    try:
        _dt.datetime(tzinfo=_UTC, **fields)
    except (ValueError, OverflowError) as exc:
        return "{} ({}: {})".format(invalid, _named(exc), exc)
    return None


def _check_entry(node: Any, path: list, kind: str, argument: Any) -> None:
    where = _show(path)
    if kind == "dict":
        if type(node) is not dict:
            raise _mismatch("it marks {} as a plain dict, but that is {}".format(where, _kind_of(node, True)))
        return
    if kind in ("bytes", "str"):
        if type(node) is not str:
            raise _mismatch("it marks {} as {}, but that is {}, not a string".format(
                where, kind, _kind_of(node, True)))
        if kind == "str" and argument[-1] >= len(node):
            raise _mismatch("it marks character {} of {} to split, but the string is {} long".format(
                argument[-1], where, len(node)))
    elif type(node) is not dict or node.get("__class__") != "datetime":
        raise _mismatch("it marks {} as a datetime, but that is {}".format(where, _kind_of(node, True)))
    else:
        node = _tagged(node, "datetime")
    try:
        _convert(node, kind, argument)
    except (binascii.Error, ValueError, OverflowError) as exc:
        if kind == "bytes":
            raise _mismatch("it marks {} as bytes, but {} is not valid base64 ({}: {})".format(
                where, _brief(node), _named(exc), exc)) from exc
        raise _mismatch("its {} entry for {} can't be applied ({}: {})".format(
            kind, where, _named(exc), exc)) from exc


# -- messages --------------------------------------------------------------------------

def _brief(value: Any) -> str:
    """``value`` as JSON (or Python, for a pickle), cut short if long."""
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _named(exc: BaseException) -> str:
    """The name of an exception's class, with its module unless it is a builtin."""
    kind = type(exc)
    if kind.__module__ in ("builtins", "json.decoder", "_pickle"):
        return kind.__name__
    return "{}.{}".format(kind.__module__, kind.__qualname__)


def _members(names: List[str]) -> str:
    shown = ", ".join(_brief(name) for name in names[:8]) + (", ..." if len(names) > 8 else "")
    return ("member " if len(names) == 1 else "members ") + shown


def _kind_of(value: Any, is_json: bool) -> str:
    if not is_json:
        return "a {}.{}".format(type(value).__module__, type(value).__qualname__)
    if value is None or type(value) is bool:
        return json.dumps(value)
    if type(value) in (int, float):
        return "the number {}".format(_brief(value))
    names: Dict[type, str] = {dict: "an object", list: "an array", str: "a string"}
    return names.get(type(value), "a value")


# -- replay ------------------------------------------------------------------------------

def materialize(loaded: Loaded, output_shape: Any = None) -> Tuple[int, Any]:
    """A fresh ``(status_code, data)`` for one replay: new dicts, lists and bodies.

    :func:`loads` checked the file, so this only decodes it."""
    if loaded.extension == "pickle":
        try:
            document = _unpickle(loaded.raw)
        except _Invalid as problem:
            raise CorruptRecordingError(loaded.path, str(problem)) from problem.__cause__
        return document["status_code"], document["data"]
    try:
        if loaded.decoder is not None:
            return loaded.status_code, loaded.decoder.decode(json.loads(loaded.data_json))
        data = json.loads(loaded.data_json, object_hook=_object_hook)
        for path, kind, argument in loaded.types or ():
            data = _apply(data, path, kind, argument)
        if loaded.legacy and output_shape is not None:
            data = _legacy(data, output_shape)
    except (LookupError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
        raise CorruptRecordingError(loaded.path, "its data can't be decoded ({}: {})".format(
            _named(exc), exc)) from exc
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
    if class_name in _BODY_TAGS:
        # StreamingBody, and StreamingChecksumBody as placebo wrote it for current botocore.
        raw = _body_bytes(obj["body"], strict=False)
        return StreamingBody(io.BytesIO(raw), len(raw))
    return obj


def _body_bytes(body: str, strict: bool) -> bytes:
    """The bytes of a body tag's base64 ``body``; very old placebo files kept
    the text itself, which is read as UTF-8 unless ``strict``."""
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        if strict:
            raise
        return body.encode("utf-8")


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
        except (ValueError, TypeError, OverflowError, OSError, RuntimeError):
            return value  # botocore's parser fails in these ways on a string it can't read
    return value
