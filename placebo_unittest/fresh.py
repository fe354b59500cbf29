"""Fresh responses from a recording read once: the fast path of every replay.

A recording file is read and checked once (:func:`placebo_unittest.serializer.loads`).
Each replay must then hand the caller objects nobody else holds, because
botocore's handlers and the test itself may change them. This module makes
that cheap:

* :func:`parse` reads a file's JSON and turns its datetime tags into
  datetimes in the same pass (the json module calls a small hook per object),
  with the cyclic garbage collector paused while the tree is built. With
  msgspec installed (the ``fast`` extra), a file that lists where its tags
  are (the section's ``tagged`` paths, which this version writes) is
  parsed by msgspec instead, in about two thirds of the time, and only the
  listed tags are visited. The list is trusted only when it accounts for
  every ``"__class__"`` in the file's bytes and no printable character is
  written as an escape (which could spell that key otherwise); anything
  else is read the json module's way;
* :func:`snapshot` keeps a decoded tree in memory, as a compiled function
  (small trees) or pickle bytes (large ones) made here from values this
  module decoded itself, never from a file; calling the :class:`Kept` it
  returns builds a new tree per replay, again with the collector paused
  when the tree is large.

Anything unusual (bodies, literal ``__class__`` dicts, a damaged tag, an entry
that doesn't fit) makes :func:`parse` raise :class:`Unusual`; the caller then
takes the slow, fully checked path, which also gives the precise error.

Why pause the collector: building a large response allocates tens of
thousands of dicts and lists, and each few hundred of them start a collection
that scans every object alive, botocore's service models included. With the
collector paused the same tree builds in about a quarter of the time. The
pause is counted, so nested or concurrent pauses end correctly, and a
collector the program turned off itself is left off.

When the pause ends, the new tree would still be young: the next collection
of the youngest generation would scan all of it (a millisecond or more for a
3 MB response, several on Python 3.13), and the one after would scan it again
in the middle generation. Instead, everything young at that moment is moved
to the oldest generation at once (``gc.freeze()`` then ``gc.unfreeze()``:
two splices of the collector's lists, whatever their length). Nothing is
lost: the oldest generation is still collected, so a cycle among those
objects is freed by the next full collection rather than a young one. This
is skipped where objects are frozen already, since ``gc.unfreeze()`` would
release them: the program's own, the shared models that test sessions
freeze (see :mod:`placebo_unittest.session`), or those Python 3.12 freezes
as it starts; the young collections then scan the new tree once. It is
skipped too on Python built without the GIL, where freezing visits every
object.
"""
from __future__ import annotations

import ast
import collections
import contextlib
import copyreg
import datetime as _dt
import functools
import gc
import io
import itertools
import json
import operator
import pickle
import re
import sysconfig
import threading
from collections.abc import Callable, Iterator
from typing import Any

from dateutil.tz import tzutc

from .codec import DATETIME_FIELDS, SECTION, TAGGED, UTC_ZONE, convert

__all__ = ["Unusual", "Kept", "gc_paused", "parse", "apply_entries", "snapshot", "PAUSE_FROM", "COMPILE_BELOW"]


class Unusual(Exception):
    """The file needs the slow path: it has a value the fast path doesn't decode."""


# -- the garbage collector's pause -----------------------------------------------------

_pause_lock = threading.Lock()
_pauses = 0
_we_disabled = False


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a tree of new objects."""
    global _pauses, _we_disabled
    with _pause_lock:
        if _pauses == 0:
            _we_disabled = gc.isenabled()
            if _we_disabled:
                gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _we_disabled:
                _we_disabled = False
                _promote_young()
                gc.enable()


#: Whether :func:`_promote_young` may use ``gc.freeze()``: not on a build
#: without the GIL, whose freeze marks every object in the heap one by one.
_CAN_PROMOTE = not sysconfig.get_config_var("Py_GIL_DISABLED")


def _promote_young() -> None:
    """Move every object in the young generations to the oldest, unscanned,
    unless the program keeps frozen objects of its own (see the module's notes)."""
    if _CAN_PROMOTE and gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


# -- reading ---------------------------------------------------------------------------

_YEAR, _MONTH, _DAY, _HOUR, _MINUTE, _SECOND, _MICRO = DATETIME_FIELDS
_PLAIN_KEYS = frozenset(("__class__",) + DATETIME_FIELDS)
_MODULE_KEYS = _PLAIN_KEYS | {"__module__"}


def _hook(obj: dict[str, Any]) -> Any:
    if "__class__" not in obj:
        return obj
    if obj["__class__"] != "datetime" or len(obj) not in (8, 9):
        raise Unusual
    keys = obj.keys()
    if not (keys == _PLAIN_KEYS or (keys == _MODULE_KEYS and type(obj["__module__"]) is str)):
        raise Unusual
    fields = (obj[_YEAR], obj[_MONTH], obj[_DAY], obj[_HOUR], obj[_MINUTE], obj[_SECOND], obj[_MICRO])
    for field in fields:
        if type(field) is not int:
            raise Unusual
    try:
        return _dt.datetime(*fields, tzinfo=UTC_ZONE)
    except (ValueError, OverflowError) as exc:
        raise Unusual from exc


#: Below this many bytes a tree is built too quickly for the pause to pay.
PAUSE_FROM = 32 * 1024


def parse(raw: bytes) -> Any:
    """A recording file's bytes (as :func:`~placebo_unittest.checks.bytes_of`
    gives them) as JSON, with its datetime tags already datetimes.

    Raises :class:`Unusual` for any other tag or a tag that isn't exactly
    right, and lets the json module's own errors through (a
    ``UnicodeDecodeError`` too: all are ``ValueError``)."""
    if _FAST is not None:
        document = _parse_listed(raw)
        if document is not None:
            return document
    text = raw.decode("utf-8")
    if len(text) < PAUSE_FROM:
        return _DECODER.decode(text)
    with gc_paused():
        return _DECODER.decode(text)


# One decoder for every file: json.loads would build a decoder and its scanner per call.
_DECODER = json.JSONDecoder(object_hook=_hook)

# msgspec (the ``fast`` extra) parses JSON in about two thirds of the json
# module's time, and exactly as it does, big integers included; what it
# refuses (NaN, lone surrogates, numbers out of a float's range, deep
# nesting) goes to the json module. It has no hook for objects, so it reads
# only files that say where their tags are.
try:
    import msgspec

    _FAST: Any = msgspec.json.Decoder()
    _FAST_ERRORS: tuple[type[Exception], ...] = (msgspec.MsgspecError, ValueError, RecursionError)
except ImportError:  # the json module reads every file
    _FAST = None
    _FAST_ERRORS = ()

_TAG = b'"__class__"'
# A printable ASCII character written as an escape (\u0041): how a key could
# spell __class__ without the bytes above. Our writer never does.
_ESCAPED_ASCII = re.compile(rb"\\u00[2-7]")


def _parse_listed(raw: bytes) -> Any:
    """The document, read by msgspec, when the file's tags are exactly those
    its ``tagged`` list names (each converted here); None when it can't say
    so cheaply (a file written by placebo or an earlier version, or edited),
    and the json module must read it."""
    tags = raw.count(_TAG)
    if raw.find(b"\\") >= 0 and _ESCAPED_ASCII.search(raw) is not None:
        return None
    try:
        if len(raw) < PAUSE_FROM:
            document = _FAST.decode(raw)
        else:
            with gc_paused():
                document = _FAST.decode(raw)
    except _FAST_ERRORS:
        return None
    if not tags:
        return document
    section = document.get(SECTION) if type(document) is dict else None
    listed = section.get(TAGGED) if type(section) is dict else None
    if type(listed) is not list or len(listed) != tags or "data" not in document:
        return None
    try:
        _convert_listed(document["data"], listed)
    except (LookupError, TypeError, AttributeError):
        return None  # a path that leads nowhere, or not to a plain datetime tag
    return document


_ALL_BUT_LAST = operator.itemgetter(slice(None, -1))
_LAST = operator.itemgetter(-1)
_CLASS = operator.itemgetter("__class__")
_FIELDS = operator.itemgetter(*DATETIME_FIELDS)
_IN_UTC = functools.partial(_dt.datetime, tzinfo=UTC_ZONE)


def _convert_listed(data: Any, listed: list[Any]) -> None:
    """Turn the tags at the paths ``listed`` into datetimes, in place, or raise
    before changing anything. Each step runs over all the tags at once, in C
    (``map`` over ``operator`` functions), which costs a fifth of a loop of
    Python statements per tag. Raises ``LookupError``, ``TypeError`` or
    ``AttributeError`` for a path that doesn't lead to a plain datetime tag
    (a body, a ``__module__`` key, a value of another type), and
    :class:`Unusual` for a tag no datetime can hold."""
    if set(map(type, listed)) != {list} or not all(listed):
        raise TypeError("a tagged entry is not a path into data")
    parents = list(map(functools.reduce, itertools.repeat(operator.getitem), map(_ALL_BUT_LAST, listed),
                       itertools.repeat(data)))
    keys = list(map(_LAST, listed))
    nodes = list(map(operator.getitem, parents, keys))
    # Eight keys, among them __class__ and the seven fields (_FIELDS raises
    # KeyError otherwise): exactly a datetime tag's keys.
    if set(map(len, nodes)) != {8} or set(map(type, nodes)) != {dict} or set(map(_CLASS, nodes)) != {"datetime"}:
        raise TypeError("a tagged value is not a plain datetime tag")
    if len(set(map(id, nodes))) != len(nodes):
        raise LookupError("a tag is listed twice")  # so one of the counted tags is not listed
    fields = list(map(_FIELDS, nodes))
    if set(map(type, itertools.chain.from_iterable(fields))) != {int}:
        raise TypeError("a datetime field is not an integer")
    try:
        values = list(itertools.starmap(_IN_UTC, fields))
    except (ValueError, OverflowError) as exc:
        raise Unusual from exc  # the checked path says which and why
    collections.deque(map(operator.setitem, parents, keys, values), maxlen=0)


def apply_entries(data: Any, entries: list[list[Any]]) -> Any:
    """``data`` with the section's ``types`` entries applied (each checked
    against its value on the way). Raises :class:`Unusual` on anything the
    slow path should explain, such as a literal ``__class__`` dict."""
    for path, kind, argument in entries:
        if kind == "dict":
            raise Unusual
        parent: Any = None
        node = data
        for step in path:
            parent = node
            if type(node) is dict and type(step) is str and step in node:
                node = node[step]
            elif type(node) is list and type(step) is int and step < len(node):
                node = node[step]
            else:
                raise Unusual
        if kind in ("bytes", "str"):
            if type(node) is not str or (kind == "str" and argument[-1] >= len(node)):
                raise Unusual
        elif type(node) is not _dt.datetime:
            raise Unusual
        try:
            value = convert(node, kind, argument)
        except (ValueError, OverflowError, TypeError) as exc:  # binascii.Error is a ValueError
            raise Unusual from exc
        if parent is None:
            data = value
        else:
            parent[path[-1]] = value
    return data


# -- copies ------------------------------------------------------------------------------

def _same_utc() -> tzutc:
    return UTC_ZONE


def _reduce_utc(zone: tzutc) -> Any:
    return _same_utc, ()


_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[tzutc] = _reduce_utc


class Kept:
    """A decoded tree, kept in the form new copies are built from fastest.

    Calling it builds a new tree, equal to the kept one and sharing nothing
    mutable with it. A small tree is kept as a function compiled from a
    syntax tree made here (never from text): its strings and numbers are the
    function's constants, its datetimes names bound to the decoded datetimes
    (immutable, so every copy may share them), and each call builds new dicts
    and lists around them. A large tree, whose function would take too long
    to compile, is kept as pickle bytes.
    """

    __slots__ = ("build", "size")

    def __init__(self, build: Callable[[], Any], size: int):
        #: Makes one new tree.
        self.build = build
        #: The size in bytes of the file the tree was read from.
        self.size = size

    def __call__(self) -> Any:
        return self.build()


#: Recordings smaller than this many bytes are kept as compiled functions.
COMPILE_BELOW = 32 * 1024


def snapshot(tree: Any, size: int) -> Kept | None:
    """``tree``, whose file held ``size`` bytes, kept for new copies, or None
    when it holds something that can't be kept."""
    if size < COMPILE_BELOW:
        names: dict[str, Any] = {"__builtins__": {}}
        try:
            function = ast.Lambda(args=_NO_ARGUMENTS, body=_expression(tree, names))
            code = compile(ast.fix_missing_locations(ast.Expression(function)),
                           "<placebo_unittest recording>", "eval")
            return Kept(eval(code, names), size)  # noqa: S307 - compiled above from constants only
        except (RecursionError, MemoryError, SyntaxError, ValueError, TypeError):
            pass  # nested too deeply to compile: pickle it
    _share_equal_strings(tree)
    pickled = _pickled(tree)
    if pickled is None:
        return None
    return Kept(functools.partial(_unpickle if size < PAUSE_FROM else _unpickle_paused, pickled), size)


_NO_ARGUMENTS = ast.arguments(posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[],
                              kwarg=None, defaults=[])


def _share_equal_strings(tree: Any) -> None:
    """Make equal strings in ``tree`` one object, so that pickle keeps each
    once and every copy builds it once (a large response repeats many values)."""
    seen: dict[str, str] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            for key, value in node.items():
                if type(value) is str:
                    node[key] = seen.setdefault(value, value)
                elif type(value) is dict or type(value) is list:
                    stack.append(value)
        elif type(node) is list:
            for index, value in enumerate(node):
                if type(value) is str:
                    node[index] = seen.setdefault(value, value)
                elif type(value) is dict or type(value) is list:
                    stack.append(value)


def _unpickle(pickled: bytes) -> Any:
    return pickle.loads(pickled)  # noqa: S301 - bytes this process made itself, never read from a file


def _unpickle_paused(pickled: bytes) -> Any:
    with gc_paused():
        return pickle.loads(pickled)  # noqa: S301 - as above


def _expression(node: Any, names: dict[str, Any]) -> ast.expr:
    kind = type(node)
    if kind is dict:
        return ast.Dict(keys=[ast.Constant(key) for key in node],
                        values=[_expression(value, names) for value in node.values()])
    if kind is list:
        return ast.List(elts=[_expression(value, names) for value in node], ctx=ast.Load())
    if kind in _CONSTANTS:
        return ast.Constant(node)
    name = f"_{len(names)}"  # a datetime, or any other value: shared by every copy
    if kind is not _dt.datetime:
        raise TypeError(f"{kind.__name__} is not immutable")
    names[name] = node
    return ast.Name(id=name, ctx=ast.Load())


_CONSTANTS = frozenset((str, int, float, bool, bytes, type(None)))


def _pickled(tree: Any) -> bytes | None:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH  # datetimes in UTC get back the very same zone
    try:
        pickler.dump(tree)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError, ValueError):
        return None
    return buffer.getvalue()
