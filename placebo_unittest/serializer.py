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
import threading
from collections.abc import Callable
from typing import Any

from botocore.response import StreamingBody

from . import fresh
from .checks import (
    Invalid,
    bytes_of,
    check_data,
    check_document,
    check_section,
    json_problem,
    kind_of,
    named,
    text_of,
)
from .codec import (
    DATETIME_FIELDS,
    FORMAT_VERSION,
    SECTION,
    TAGGED,
    Decoder,
    Path,
    apply_entry,
    object_hook,
    show_path,
)
from .errors import CorruptRecordingError, UnserializableValueError
from .placebo_format import (  # placebo's serializer names, for code (and placebo's tests) that import them
    UTC,
    Format,
    _deserialize_json,  # noqa: F401 - private, but placebo's own tests import it
    _deserialize_pickle,  # noqa: F401
    _serialize_json,  # noqa: F401
    _serialize_pickle,  # noqa: F401
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

_STREAMING_MODULE = "botocore.response"
# A high surrogate followed by a low one: two code points in Python, but one
# character once written as JSON (``"\ud83d\ude00"``) and read back.
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


class Recording:
    """One response, encoded: ``tree`` is JSON-ready, ``types`` says what it can't.

    ``request`` is the call's parameters in their stored form (see
    :func:`placebo_unittest.matching.normalize`), or None; ``accounts``, when
    account ids were anonymised in it, is ``{"replacement": <the id used>,
    "fingerprints": [<digests of the real ids>]}``.
    """

    __slots__ = ("status_code", "tree", "types", "tagged", "request", "accounts")

    def __init__(self, status_code: int, tree: Any, types: list[list[Any]], tagged: list[Path] | None = None):
        self.status_code = status_code
        self.tree = tree
        self.types = types
        #: The paths in ``tree`` of its tagged values (``{"__class__": ...}``), in order.
        self.tagged: list[Path] = [] if tagged is None else tagged
        self.request: Any = None
        self.accounts: dict[str, Any] | None = None

    def section(self) -> dict[str, Any]:
        """The ``placebo_unittest`` section of the file."""
        section: dict[str, Any] = {"format": FORMAT_VERSION}
        if self.request is not None:
            section["request"] = self.request
        if self.accounts:
            section["accounts"] = self.accounts
        section["types"] = self.types
        if self.tagged:
            section[TAGGED] = self.tagged
        return section

    def add(self, key: str, value: Any) -> None:
        """Encode ``value`` as the top-level member ``key`` of the response."""
        self.tree[key] = _Encoder(self.types, self.tagged).encode(value, [key], None, None)


def encode(data: Any, status_code: int = 200) -> Recording:
    """Encode a response. Streaming bodies are read and replaced, in ``data``,
    by fresh ``StreamingBody`` objects holding the same bytes, so the caller can
    still read them. Raises :class:`UnserializableValueError` naming the field
    of any value that can't be stored exactly."""
    types: list[list[Any]] = []
    tagged: list[Path] = []
    tree = _Encoder(types, tagged).encode(data, [], None, None)
    return Recording(int(status_code), tree, types, tagged)


class _Encoder:
    __slots__ = ("types", "tagged")

    def __init__(self, types: list[list[Any]], tagged: list[Path]):
        self.types = types
        self.tagged = tagged

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
                    raise UnserializableValueError(show_path(path + [k]), k)
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
            self.tagged.append(list(path))
            return {
                "__class__": "StreamingBody",
                "__module__": _STREAMING_MODULE,
                "body": base64.b64encode(body).decode("ascii"),
            }
        # Anything else, str/int subclasses (enums) included, would come back changed.
        raise UnserializableValueError(show_path(path), value)

    def _string(self, value: str, path: Path) -> None:
        # Where, in the string JSON gives back, the characters to split again are.
        positions = [m.start() - n for n, m in enumerate(_SURROGATE_PAIR.finditer(value))]
        if positions:
            self.types.append([list(path), "str", positions])

    def _datetime(self, value: _dt.datetime, path: Path) -> dict[str, Any]:
        self.tagged.append(list(path))
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


def _datetime_dict(value: _dt.datetime) -> dict[str, Any]:
    out: dict[str, Any] = {"__class__": "datetime"}
    for field in DATETIME_FIELDS:
        out[field] = getattr(value, field)
    return out


def _seconds(offset: _dt.timedelta) -> Any:
    total = offset.total_seconds()
    return int(total) if total == int(total) else total


def decode(recording: Recording) -> Any:
    """A fresh copy of the response ``recording`` holds, every value with its type."""
    return Decoder(recording.types).decode(json.loads(json.dumps(recording.tree)))


def dumps(recording: Recording, record_format: str) -> bytes:
    """The bytes of a recording file. The same response always gives the same bytes."""
    if record_format == "pickle":
        # Decode a copy made through JSON: which objects are shared (and so how
        # pickle writes them) then depends only on the values, not on the caller.
        data = decode(recording)
        pickled: dict[str, Any] = {"status_code": recording.status_code, "data": data}
        if recording.request is not None or recording.accounts:
            section = recording.section()
            del section["types"]
            section.pop(TAGGED, None)
            pickled[SECTION] = section
        return pickle.dumps(pickled, protocol=4)
    section = recording.section()
    tagged = section.pop(TAGGED, None)
    document = {
        "status_code": recording.status_code,
        "data": recording.tree,
        SECTION: section,
    }
    text = json.dumps(document, indent=4, ensure_ascii=True)
    if tagged:
        # The section ends the file and tagged ends the section: one path a line.
        paths = ",\n".join("            " + json.dumps(path, ensure_ascii=True) for path in tagged)
        text = f'{text.removesuffix(_SECTION_END)},\n        "{TAGGED}": [\n{paths}\n        ]{_SECTION_END}'
    return (text + "\n").encode("ascii")


_SECTION_END = "\n    }\n}"


#: A JSON file read by the fast path keeps its bytes for a second replay when
#: it is smaller than this, or when it can't be read again.
KEEP_BYTES_BELOW = 32 * 1024


class Loaded:
    """A recording file read into memory and checked, ready to be turned into fresh responses."""

    __slots__ = ("path", "extension", "raw", "again", "status_code", "types", "legacy", "request", "accounts",
                 "data_json", "decoder", "fast", "tree", "kept")

    def __init__(self, path: str, extension: str, raw: bytes, again: Callable[[], bytes] | None = None):
        self.path = path
        self.extension = extension
        #: The file's bytes, kept for a pickle file and for a JSON file read by
        #: the fast path until its second replay has a kept copy; a large one
        #: is read ``again`` then instead, when that is given.
        self.raw = raw
        self.again = again
        self.status_code = 200
        self.types: list[list[Any]] | None = None
        self.legacy = False
        #: The stored request parameters, or None when the file has none.
        self.request: Any = None
        #: How account ids were anonymised in this recording, if they were.
        self.accounts: dict[str, Any] | None = None
        #: ``data`` as compact JSON (JSON files only): what each replay decodes.
        self.data_json = ""
        #: For a file holding literal ``__class__`` dicts, its decoder, built once.
        self.decoder: Decoder | None = None
        #: True when the fast path read the file (see :mod:`placebo_unittest.fresh`):
        #: ``tree`` is then its decoded data until the first replay takes it, and
        #: ``kept`` the copy later replays are made from, once there is one.
        self.fast = False
        self.tree: Any = None
        self.kept: fresh.Kept | None = None


def loads(raw: bytes, path: str, extension: str, again: Callable[[], bytes] | None = None) -> Loaded:
    """Check a recording file's bytes, all of them, and keep what every replay needs.

    ``again``, when given, reads the file again: a large file's bytes are then
    not kept for its second replay (most files are replayed once), which
    spares the memory, and the time a process takes to fault in new memory
    for each large file it reads.

    Everything :func:`materialize` will rely on is checked here, once: the
    encoding, the JSON, the ``status_code`` and ``data`` members, every tagged
    ``__class__`` value, and each entry of the ``placebo_unittest`` section
    against the value it describes. Anything wrong raises
    :class:`CorruptRecordingError` naming the file and the problem.
    """
    loaded = Loaded(path, extension, raw, again)
    try:
        if extension == "pickle":
            _load_pickle(loaded)
        else:
            _load_json(loaded)
    except Invalid as problem:
        raise CorruptRecordingError(path, str(problem)) from problem.__cause__
    return loaded


def _load_pickle(loaded: Loaded) -> None:
    document = _unpickle(loaded.raw)
    section = document.get(SECTION)
    if section is not None:
        if not isinstance(section, dict):
            raise Invalid(f"its {SECTION} section is {kind_of(section, False)}, not a dict")
        _read_request(loaded, section)
    loaded.status_code = document["status_code"]


def _unpickle(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise Invalid("it is empty")
    try:
        document = pickle.loads(raw)  # noqa: S301 - only files the user chose to trust get here
    except Exception as exc:  # a damaged pickle can fail in any way at all
        raise Invalid(f"it is not a valid pickle ({named(exc)}: {exc})") from exc
    check_document(document, False)
    checked: dict[str, Any] = document  # check_document made sure it is a dict
    return checked


def _load_json(loaded: Loaded) -> None:
    raw = bytes_of(loaded.raw)
    try:
        _load_fast(loaded, raw)
        return
    except fresh.Unusual:
        loaded.request = loaded.accounts = loaded.types = None
        loaded.legacy = False
    _load_checked(loaded, text_of(raw))


def _load_fast(loaded: Loaded, raw: bytes) -> None:
    """Read, check and decode the file in one pass, keeping its bytes for later
    replays; :class:`fresh.Unusual` sends it down the slow path."""
    try:
        document = fresh.parse(raw)
    except (ValueError, RecursionError) as exc:
        raise fresh.Unusual from exc  # the slow path says exactly what is wrong
    entries = _read_document(loaded, document)
    if _holds_datetime(loaded.request):
        raise fresh.Unusual  # a literal datetime-shaped dict among the parameters
    loaded.tree = fresh.apply_entries(document["data"], entries)
    loaded.fast = True
    if loaded.again is not None and len(raw) >= KEEP_BYTES_BELOW:
        loaded.raw = b""  # read again for a second replay, if there is one


def _read_document(loaded: Loaded, document: Any) -> list[list[Any]]:
    """Check a parsed file's status code and section, keep what they say on
    ``loaded``, and return the section's ``types`` entries."""
    loaded.status_code = check_document(document, True)
    section = document.get(SECTION)
    if section is None:
        loaded.legacy = True
        return []
    entries = check_section(section)
    loaded.types = entries
    _read_request(loaded, section)
    return entries


def _holds_datetime(value: Any) -> bool:
    stack = [value]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
        elif type(node) is _dt.datetime:
            return True
    return False


def _load_checked(loaded: Loaded, text: str) -> None:
    """The slow path: every value checked, with a precise message for each problem."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Invalid(json_problem(text, exc)) from exc
    except (ValueError, RecursionError) as exc:  # an integer too long to read, or nesting too deep
        raise Invalid(f"it is not valid JSON that Python can read ({named(exc)}: {exc})") from exc
    entries = _read_document(loaded, document)
    data = document["data"]
    check_data(data, entries, loaded.legacy)
    if any(kind == "dict" for _path, kind, _argument in entries):
        loaded.decoder = Decoder(entries)
    try:
        loaded.data_json = json.dumps(data, separators=(",", ":"))
    except (ValueError, RecursionError) as exc:
        raise Invalid(f"its data can't be copied ({named(exc)}: {exc})") from exc
    loaded.raw = b""  # everything a replay needs is in data_json


def _read_request(loaded: Loaded, section: dict[str, Any]) -> None:
    accounts = section.get("accounts")
    if accounts is not None and not (
        isinstance(accounts, dict) and isinstance(accounts.get("replacement"), str)
        and isinstance(accounts.get("fingerprints"), list)
        and all(isinstance(a, str) for a in accounts["fingerprints"])
    ):
        raise Invalid(f"its {SECTION} accounts are malformed")
    request = section.get("request")
    if request is not None and not isinstance(request, dict):
        raise Invalid(f"its {SECTION} request is not an object")
    loaded.request = request
    loaded.accounts = accounts


# -- the placebo_unittest section ------------------------------------------------


# -- the data -----------------------------------------------------------------------


# -- messages --------------------------------------------------------------------------


# -- replay ------------------------------------------------------------------------------

def materialize(loaded: Loaded, output_shape: Any = None) -> tuple[int, Any]:
    """A fresh ``(status_code, data)`` for one replay: new dicts, lists and bodies.

    :func:`loads` checked the file, so this only decodes it."""
    if loaded.fast:
        return loaded.status_code, _fresh_tree(loaded, output_shape)
    if loaded.extension == "pickle":
        try:
            document = _unpickle(loaded.raw)
        except Invalid as problem:
            raise CorruptRecordingError(loaded.path, str(problem)) from problem.__cause__
        return document["status_code"], document["data"]
    try:
        if loaded.decoder is not None:
            return loaded.status_code, loaded.decoder.decode(json.loads(loaded.data_json))
        data = json.loads(loaded.data_json, object_hook=object_hook)
        for path, kind, argument in loaded.types or ():
            data = apply_entry(data, path, kind, argument)
        if loaded.legacy and output_shape is not None:
            data = _legacy(data, output_shape)
    except (LookupError, TypeError, ValueError, AttributeError, OverflowError, RecursionError) as exc:
        raise CorruptRecordingError(loaded.path, f"its data can't be decoded ({named(exc)}: {exc})") from exc
    return loaded.status_code, data


_handover = threading.Lock()


def _fresh_tree(loaded: Loaded, output_shape: Any) -> Any:
    """The first replay takes the tree the file was read into; the second
    decodes the file again and keeps a copy; later ones build from that copy."""
    kept = loaded.kept
    try:
        if kept is not None:
            tree = kept()
        else:
            with _handover:
                tree, loaded.tree = loaded.tree, None
                kept = loaded.kept
            if tree is None and kept is not None:
                tree = kept()
            elif tree is None:
                with _handover:  # another thread may be making the kept copy, or have made it
                    raw, again, kept = loaded.raw, loaded.again, loaded.kept
                if kept is not None:
                    tree = kept()
                else:
                    if not raw and again is not None:
                        raw = again()
                    tree = fresh.apply_entries(fresh.parse(bytes_of(raw))["data"], loaded.types or [])
                    kept = fresh.snapshot(tree, len(raw))
                    with _handover:
                        if kept is not None:
                            loaded.kept, loaded.raw, loaded.again = kept, b"", None
                        elif not loaded.raw:
                            loaded.raw = raw  # no kept copy: every replay decodes these bytes
        if loaded.legacy and output_shape is not None:
            tree = _legacy(tree, output_shape)
    except (fresh.Unusual, Invalid, LookupError, TypeError, ValueError, AttributeError, OverflowError,
            RecursionError, pickle.UnpicklingError) as exc:
        raise CorruptRecordingError(loaded.path, f"its data can't be decoded ({named(exc)}: {exc})") from exc
    return tree


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
