"""Request matching: does a live call carry the parameters that were recorded?

The pill keeps, in each recording, the parameters the caller passed to the
client method, in the stored form :func:`placebo_unittest.params.normalize`
gives them, and at playback compares them with the live call's. This module
does the comparing, and knows nothing of botocore events or files:

- :func:`compile_ignore` reads an ignore spec (parameters that change from run
  to run, such as ``ClientToken``), once.
- :func:`compare` lists the :class:`Difference` objects between recorded and
  live parameters; :func:`format_differences` prints them, recorded vs called,
  one path per line.
- :func:`select_recording` picks, among an operation's recordings, the first
  unused one whose parameters match (for calls made in no fixed order).
- :class:`RequestMismatchError` is what the pill raises when none does.

Ignore specs
------------
An ignore spec is a list of entries, each either a name or a path:

- a bare name (``ClientToken``) ignores that key at any depth;
- a path ignores exactly one location: keys joined by ``.``, list indexes in
  brackets (``Filters[0].Values``, ``a.b``). ``[*]`` matches any index and
  ``*`` any key (``Tags[*].Value``, ``*.Token``). A key holding ``.``,
  brackets or quotes, or a key that must match only at the top level, is
  written as a JSON string in brackets: ``Attributes["a.b"]``,
  ``["ClientToken"]``.

The paths in mismatch messages use the same syntax, so one can be copied into
``ignore_params`` as it is. An ignored location is left out whole: its
children, and its absence on either side.
"""
from __future__ import annotations

import enum
import json
import re
import reprlib
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import PlaceboError
from .params import MAX_TEXT, TAG, is_tag, normalize

__all__ = [
    "TAG",
    "MAX_TEXT",
    "normalize",
    "IgnoreSpec",
    "IgnoreSyntaxError",
    "compile_ignore",
    "format_path",
    "Kind",
    "ABSENT",
    "Difference",
    "compare",
    "matches",
    "same_value",
    "format_difference",
    "format_differences",
    "Selection",
    "select_recording",
    "fingerprint",
    "RequestMismatchError",
]

Segment = str | int
Path = tuple[Segment, ...]


# -- ignore specs ------------------------------------------------------------

class _Wild(enum.Enum):
    KEY = "*"
    INDEX = "[*]"


PatternSegment = str | int | _Wild


class IgnoreSyntaxError(PlaceboError, ValueError):
    """An ignore spec entry that isn't a name or a path."""

    def __init__(self, entry: str, position: int, problem: str):
        self.entry = entry
        self.position = position
        self.problem = problem
        super().__init__(
            f"Can't read the ignore entry {entry!r} at character {position}: {problem}. Write a key name "
            "(ClientToken) or a path (Filters[0].Values, Tags[*].Value, "
            "Attributes[\"a.b\"])."
        )

    def __reduce__(self) -> Any:
        return (type(self), (self.entry, self.position, self.problem))


@dataclass(frozen=True)
class IgnoreSpec:
    """A compiled ignore spec: key names ignored at any depth, and path patterns."""

    names: frozenset[str] = frozenset()
    patterns: tuple[tuple[PatternSegment, ...], ...] = ()
    entries: tuple[str, ...] = ()

    def ignores(self, path: Sequence[Segment]) -> bool:
        """Whether the location at ``path`` is left out of comparisons."""
        if path and isinstance(path[-1], str) and path[-1] in self.names:
            return True
        return any(_pattern_matches(pattern, path) for pattern in self.patterns)

    def __bool__(self) -> bool:
        return bool(self.names or self.patterns)


IgnoreLike = IgnoreSpec | str | Iterable[str] | None

_SEGMENT = re.compile(r"""
    (?P<dot>\.)?
    (?:
        \[ (?: (?P<index>\d+) | (?P<any_index>\*) | (?P<quoted>"(?:[^"\\]|\\.)*") ) \]
      | (?P<name>[^.\[\]"]+)
    )""", re.VERBOSE)


def compile_ignore(spec: IgnoreLike) -> IgnoreSpec:
    """Read an ignore spec once: None, one entry, or an iterable of entries.

    An :class:`IgnoreSpec` is returned as it is. Raises
    :class:`IgnoreSyntaxError` for an entry that can't be read.
    """
    if isinstance(spec, IgnoreSpec):
        return spec
    if spec is None:
        return IgnoreSpec()
    entries = (spec,) if isinstance(spec, str) else tuple(spec)
    names = set()
    patterns = []
    for entry in entries:
        if not isinstance(entry, str):
            raise IgnoreSyntaxError(repr(entry), 0, "an entry must be a str")
        text = entry.strip()
        segments = _parse_path(text)
        if len(segments) == 1 and isinstance(segments[0], str) and not text.startswith("["):
            names.add(segments[0])
        else:
            patterns.append(segments)
    return IgnoreSpec(frozenset(names), tuple(patterns), entries)


def _parse_path(text: str) -> tuple[PatternSegment, ...]:
    segments: list[PatternSegment] = []
    position = 0
    while position < len(text):
        found = _SEGMENT.match(text, position)
        if found is None:
            raise IgnoreSyntaxError(text, position, "expected a key, '.', '[n]', '[*]' or '[\"key\"]'")
        if found.group("name") is not None:
            if bool(found.group("dot")) != bool(segments):
                problem = "a key after the first needs a '.' before it" if segments \
                    else "a path can't start with '.'"
                raise IgnoreSyntaxError(text, position, problem)
            name = found.group("name")
            segments.append(_Wild.KEY if name == "*" else name)
        else:
            if found.group("dot"):
                raise IgnoreSyntaxError(text, position, "no '.' goes before '['")
            if found.group("index") is not None:
                segments.append(int(found.group("index")))
            elif found.group("any_index") is not None:
                segments.append(_Wild.INDEX)
            else:
                try:
                    segments.append(json.loads(found.group("quoted")))
                except ValueError:
                    raise IgnoreSyntaxError(text, position, "the quoted key isn't a JSON string") from None
        position = found.end()
    if not segments:
        raise IgnoreSyntaxError(text, 0, "it is empty")
    return tuple(segments)


def _pattern_matches(pattern: Sequence[PatternSegment], path: Sequence[Segment]) -> bool:
    if len(pattern) != len(path):
        return False
    for want, have in zip(pattern, path, strict=True):
        if want is _Wild.KEY:
            ok = isinstance(have, str)
        elif want is _Wild.INDEX:
            ok = isinstance(have, int)
        else:
            ok = type(want) is type(have) and want == have
        if not ok:
            return False
    return True


_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


def format_path(path: Sequence[Segment]) -> str:
    """``("Filters", 0, "Values")`` -> ``Filters[0].Values``, in the ignore syntax."""
    parts = []
    for segment in path:
        if isinstance(segment, int):
            parts.append(f"[{segment}]")
        elif _PLAIN_KEY.match(segment):
            parts.append("." + segment if parts else segment)
        else:
            parts.append(f"[{json.dumps(segment, ensure_ascii=False)}]")
    return "".join(parts)


# -- compare -----------------------------------------------------------------

class Kind(str, enum.Enum):
    """How a location differs between the recording and the call."""

    CHANGED = "changed"         #: in both, with different values
    MISSING = "missing"         #: in the recording, not in the call
    UNEXPECTED = "unexpected"   #: in the call, not in the recording


class _Absent(enum.Enum):
    ABSENT = "absent"

    def __repr__(self) -> str:
        return "<absent>"


#: The ``expected`` of an UNEXPECTED difference, the ``actual`` of a MISSING one.
ABSENT = _Absent.ABSENT


@dataclass(frozen=True)
class Difference:
    """One location where the call's parameters differ from the recorded ones."""

    segments: Path
    kind: Kind
    expected: Any   #: the recorded value, or ABSENT
    actual: Any     #: the call's value, or ABSENT

    @property
    def path(self) -> str:
        """The location, as ``Filters[0].Values[1]`` ("" for the parameters as a whole)."""
        return format_path(self.segments)


def compare(recorded: Any, actual: Any, ignore: IgnoreLike = None) -> list[Difference]:
    """The differences between two normalised parameter trees, in path order.

    Dicts are compared key by key and lists index by index, so a difference
    is reported where it is, not as two whole trees; tags are compared whole.
    """
    spec = compile_ignore(ignore)
    found: list[Difference] = []
    _walk(recorded, actual, (), spec, found)
    return found


def matches(recorded: Any, actual: Any, ignore: IgnoreLike = None) -> bool:
    """Whether two normalised parameter trees match, ignoring ``ignore``."""
    return not compare(recorded, actual, ignore)


def _walk(expected: Any, actual: Any, path: Path, spec: IgnoreSpec, found: list[Difference]) -> None:
    if path and spec.ignores(path):
        return
    expected_items, actual_items = _mapping_items(expected), _mapping_items(actual)
    if expected_items is not None and actual_items is not None:
        _compare_mappings(expected_items, actual_items, path, spec, found)
    elif isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        _compare_lists(expected, actual, path, spec, found)
    elif not same_value(expected, actual):
        found.append(Difference(path, Kind.CHANGED, expected, actual))


def _compare_mappings(expected: Mapping[Any, Any], actual: Mapping[Any, Any], path: Path, spec: IgnoreSpec,
                      found: list[Difference]) -> None:
    for key in sorted(set(expected) | set(actual)):
        _compare_member(expected, actual, key, path + (key,), spec, found)


def _compare_lists(expected: Sequence[Any], actual: Sequence[Any], path: Path, spec: IgnoreSpec,
                   found: list[Difference]) -> None:
    expected_items, actual_items = dict(enumerate(expected)), dict(enumerate(actual))
    for index in range(max(len(expected), len(actual))):
        _compare_member(expected_items, actual_items, index, path + (index,), spec, found)


def _compare_member(expected: Mapping[Any, Any], actual: Mapping[Any, Any], key: Segment, path: Path,
                    spec: IgnoreSpec, found: list[Difference]) -> None:
    if key not in actual:
        if not spec.ignores(path):
            found.append(Difference(path, Kind.MISSING, expected[key], ABSENT))
    elif key not in expected:
        if not spec.ignores(path):
            found.append(Difference(path, Kind.UNEXPECTED, ABSENT, actual[key]))
    else:
        _walk(expected[key], actual[key], path, spec, found)


def _mapping_items(value: Any) -> Mapping[Any, Any] | None:
    """The members of a plain dict or of a ``dict`` tag; None for anything else."""
    if not isinstance(value, Mapping):
        return None
    if is_tag(value):
        return value["items"] if value[TAG] == "dict" else None
    return value


def same_value(recorded: Any, actual: Any) -> bool:
    """Whether two leaves match: equal, a bool only equal to a bool, and an
    unseekable stream on either side equal to anything."""
    if _is_kind(recorded, "unseekable_stream") or _is_kind(actual, "unseekable_stream"):
        return True
    if isinstance(recorded, bool) or isinstance(actual, bool):
        return type(recorded) is type(actual) and recorded == actual
    return bool(recorded == actual)


def _is_kind(value: Any, kind: str) -> bool:
    return is_tag(value) and value[TAG] == kind


# -- messages ----------------------------------------------------------------

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 100
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = 6
_REPR.maxdict = 6
_REPR.maxlevel = 4
_LINE = 100


class _Shown:
    """Stands for a tag in a message, printed as ``text``."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _display(value: Any) -> Any:
    """``value`` with every tag replaced by a short readable stand-in."""
    if is_tag(value):
        kind = value[TAG]
        if kind == "dict":
            return _display(value["items"])
        if kind == "set":
            items = [_REPR.repr(_display(item)) for item in value["items"]]
            shown = items[:_REPR.maxset] + (["..."] if len(items) > _REPR.maxset else [])
            return _Shown("{" + ", ".join(shown) + "}" if items else "set()")
        return _Shown(_TAG_TEXT[kind](value))
    if isinstance(value, Mapping):
        return {key: _display(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_display(item) for item in value]
    return value


_TAG_TEXT: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "bytes": lambda t: "<{} bytes, sha256 {}...>".format(t["length"], t["sha256"][:16]),
    "text": lambda t: "<text of {} characters, sha256 {}...>".format(t["length"], t["sha256"][:16]),
    "unseekable_stream": lambda t: "<unseekable stream>",
    "datetime": lambda t: "<datetime {}>".format(t["value"]),
    "decimal": lambda t: "Decimal({!r})".format(t["value"]),
    "float": lambda t: "float({!r})".format(t["value"]),
    "object": lambda t: "<{}: {}>".format(t["type"], t["repr"]),
}


def _short(value: Any) -> str:
    return _REPR.repr(_display(value))


def _path_key(difference: Difference) -> tuple[tuple[int, Any], ...]:
    return tuple((0, s) if isinstance(s, int) else (1, s) for s in difference.segments)


def format_difference(difference: Difference, indent: str = "  ") -> str:
    """One difference as ``Bucket: recorded 'a', called with 'b'``, or, when
    that line would be long, as a block with the two values one above the other."""
    where = difference.path or "(the parameters)"
    expected, actual = difference.expected, difference.actual
    recorded = "not in the recording" if expected is ABSENT else _short(expected)
    called = "not in the call" if actual is ABSENT else _short(actual)
    note = ""
    if recorded == called and isinstance(expected, str) and isinstance(actual, str):
        # Shortened alike: show both around the first character that differs.
        first = next((i for i, (a, b) in enumerate(zip(expected, actual, strict=False)) if a != b),
                     min(len(expected), len(actual)))
        recorded, called = _excerpt(expected, first), _excerpt(actual, first)
        note = f" (they first differ at character {first})"
    line = "{}{}: {}, {}{}".format(
        indent, where,
        recorded if expected is ABSENT else "recorded " + recorded,
        called if actual is ABSENT else "called with " + called,
        note)
    if len(line) <= _LINE:
        return line
    return f"{indent}{where}:{note}\n{indent}  recorded:    {recorded}\n{indent}  called with: {called}"


def _excerpt(text: str, at: int, before: int = 20, after: int = 30) -> str:
    start, end = max(0, at - before), min(len(text), at + after)
    return "{}{!r}{}".format("..." if start else "", text[start:end], "..." if end < len(text) else "")


def format_differences(differences: Iterable[Difference], *, limit: int = 20, indent: str = "  ") -> str:
    """The differences, one per line (or block), sorted by path, recorded
    value before called value; past ``limit`` of them, a count of the rest."""
    ordered = sorted(differences, key=_path_key)
    lines = [format_difference(d, indent) for d in ordered[:limit]]
    if len(ordered) > limit:
        lines.append(f"{indent}... and {len(ordered) - limit} more")
    return "\n".join(lines)


# -- choosing a recording by its parameters ----------------------------------

@dataclass(frozen=True)
class Selection:
    """What :func:`select_recording` found.

    ``number`` is the recording to serve, or None. When it is None,
    ``closest`` is the unused recording with the fewest differences (None if
    every one is used) and ``differences`` are its differences from the call.
    """

    number: int | None
    closest: int | None = None
    differences: tuple[Difference, ...] = ()


def select_recording(
    candidates: Iterable[tuple[int, Any]],
    actual: Any,
    used: Container[int] = frozenset(),
    ignore: IgnoreLike = None,
) -> Selection:
    """Pick the recording to serve a call by its parameters.

    ``candidates`` are ``(number, recorded params)`` pairs in recording order;
    ``actual`` the call's normalised parameters. The first candidate whose
    number isn't in ``used`` and whose parameters match is chosen. A
    candidate whose params are None (a recording made before parameters were
    stored) matches any call, so it is served in order.
    """
    spec = compile_ignore(ignore)
    closest: tuple[int, list[Difference]] | None = None
    for number, recorded in candidates:
        if number in used:
            continue
        if recorded is None:
            return Selection(number)
        differences = compare(recorded, actual, spec)
        if not differences:
            return Selection(number)
        if closest is None or len(differences) < len(closest[1]):
            closest = (number, differences)
    if closest is None:
        return Selection(None)
    return Selection(None, closest[0], tuple(closest[1]))


def fingerprint(tree: Any, ignore: IgnoreLike = None) -> str:
    """A string equal for two normalised trees that are equal once the
    ignored locations are left out (ignored keys are dropped, ignored list
    items blanked). Trees with equal fingerprints always match; trees that
    match by a looser rule of :func:`same_value` (``1`` and ``1.0``, an
    unseekable stream) may not share one, so a lookup by fingerprint that
    finds nothing falls back to :func:`select_recording`."""
    spec = compile_ignore(ignore)
    if spec:
        tree = _masked(tree, (), spec)
    return json.dumps(tree, sort_keys=True, separators=(",", ":"))


_BLANK = "\x00ignored"


def _masked(value: Any, path: Path, spec: IgnoreSpec) -> Any:
    if isinstance(value, dict):
        return {k: _masked(v, path + (k,), spec) for k, v in value.items() if not spec.ignores(path + (k,))}
    if isinstance(value, list):
        return [_BLANK if spec.ignores(path + (i,)) else _masked(v, path + (i,), spec)
                for i, v in enumerate(value)]
    return value


# -- the error ---------------------------------------------------------------

class RequestMismatchError(PlaceboError, AssertionError):
    """A replayed call's parameters differ from those of its recording.

    ``mode`` is ``"verify"`` (the recording served in order doesn't match)
    or ``"params"`` (no unused recording matches; ``path`` and
    ``recording_number`` then name the closest one).
    """

    def __init__(
        self,
        service: str,
        operation: str,
        call_number: int,
        differences: Iterable[Difference],
        path: str = "",
        test: str | None = None,
        recording_number: int | None = None,
        mode: str = "verify",
    ):
        self.service = service
        self.operation = operation
        self.call_number = call_number
        self.differences = tuple(differences)
        self.path = path
        self.test = test
        self.recording_number = call_number if recording_number is None else recording_number
        self.mode = mode
        super().__init__(self._message())

    def __reduce__(self) -> Any:
        return (type(self), (self.service, self.operation, self.call_number, self.differences,
                             self.path, self.test, self.recording_number, self.mode))

    def _message(self) -> str:
        operation = f"{self.service}.{self.operation}"
        recording = self.path or f"recording {self.recording_number}"
        if self.path and self.recording_number != self.call_number:
            recording += f" (recording {self.recording_number})"
        if self.mode == "params":
            head = f"no unused recording of {operation} matches call {self.call_number}"
            if self.differences:
                head += f"; the closest, {recording}, differs:"
            else:
                head += "."
        else:
            head = f"{operation} call {self.call_number} does not match the recording it replays, {recording}:"
        if self.test:
            head = f"{self.test}: {head}"
        paths = list(dict.fromkeys(d.path for d in sorted(self.differences, key=_path_key) if d.path))
        example = "ignore_params=[{}]".format(", ".join(repr(p) for p in paths[:3])) if paths \
            else "ignore_params"
        hint = ("To fix it, record the test again if the call changed on purpose, or leave a "
                f"parameter that changes from run to run out of the comparison with {example} "
                "(placebo_ignore_params on a PlaceboTestCase).")
        body = format_differences(self.differences)
        return "\n".join(part for part in (head, body, hint) if part)
