"""The calls a pill has seen, for assertions: the spy API.

Each call made through a pill's clients while it records, replays or is
stopped is kept as a :class:`Call`: which operation, the parameters exactly
as the caller passed them, and what answered it.
"""
from __future__ import annotations

import collections
import reprlib
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple

from botocore import xform_name

__all__ = ["Call", "CallLog", "copy_params", "MAX_CALLS"]

#: What answered a call.
RECORDING = "recording"  # a recording file, replayed
QUEUED = "queued"  # a response queued in memory
RECORDED = "recorded"  # AWS (or a local endpoint), and the response was recorded
LIVE = "live"  # AWS (or a local endpoint), not recorded


class Call(NamedTuple):
    """One call made through a pill's clients.

    ``service`` is botocore's service name (``ec2``, ``elbv2``), ``operation``
    the API name (``DescribeInstances``) and ``params`` the keyword arguments
    the code passed, before botocore added anything (a copy: later changes by
    the caller or by botocore don't show). ``source`` says what answered:
    ``"recording"``, ``"queued"``, ``"recorded"`` or ``"live"``; ``path`` is
    the recording's file (or the queued response's name) when there is one.
    """

    service: str
    operation: str
    params: dict[str, Any] = {}  # noqa: RUF012 - a field's default: a NamedTuple shares it, nothing changes it
    source: str = LIVE
    path: str | None = None

    def __str__(self) -> str:
        shown = reprlib.Repr()
        shown.maxstring = 60
        shown.maxother = 60
        arguments = ", ".join(f"{k}={shown.repr(v)}" for k, v in self.params.items())
        where = f" <- {self.path}" if self.path else f" ({self.source})"
        return f"{self.service}.{self.operation}({arguments}){where}"


_new_tuple = tuple.__new__


#: How many calls a log keeps: the most recent ones. A test making more (a
#: load test replaying 50,000 calls) still runs in bounded memory.
MAX_CALLS = 10_000


class CallLog:
    """The calls one pill has seen, in the order they were made; thread-safe.
    Only the last ``max_calls`` are kept; :attr:`dropped` counts the others."""

    def __init__(self, max_calls: int = MAX_CALLS) -> None:
        self._calls: collections.deque[Call] = collections.deque(maxlen=max_calls)
        self._lock = threading.Lock()
        self.dropped = 0

    def add(self, call: Call) -> None:
        with self._lock:
            if len(self._calls) == self._calls.maxlen:
                self.dropped += 1
            self._calls.append(call)

    def log(self, service: str, operation: str, params: dict[str, Any], source: str, path: str | None) -> None:
        """Add the call these make up; :meth:`add` without building the tuple field by field."""
        call = _new_tuple(Call, (service, operation, params, source, path))
        with self._lock:
            if len(self._calls) == self._calls.maxlen:
                self.dropped += 1
            self._calls.append(call)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()
            self.dropped = 0

    def __iter__(self) -> Iterator[Call]:
        with self._lock:
            return iter(list(self._calls))

    def __len__(self) -> int:
        return len(self._calls)

    def find(self, service: str | None = None, operation: str | None = None) -> list[Call]:
        """The calls to ``operation`` (``DescribeInstances`` or
        ``describe_instances``) of ``service``; either may be left out."""
        return [c for c in self
                if (service is None or c.service == service)
                and (operation is None or _same_operation(c.operation, operation))]

    def describe(self) -> str:
        """Every call, one a line, for failure messages."""
        lines = [f"  {n}. {call}" for n, call in enumerate(self, self.dropped + 1)]
        if self.dropped:
            lines.insert(0, f"  ({self.dropped} earlier calls not kept)")
        return "\n".join(lines) if lines else "  (no calls)"


def _same_operation(api_name: str, asked: str) -> bool:
    """``asked`` names the operation ``api_name`` as the API does or as the
    client method does (``describe_db_instances`` for ``DescribeDBInstances``)."""
    return asked == api_name or asked == xform_name(api_name)


def copy_params(value: Any) -> Any:
    """A copy of the containers of ``value`` (dicts, lists, tuples), sharing
    the leaves, so files and bodies are neither copied nor read."""
    kind = type(value)
    if kind is dict:
        return {k: copy_params(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(copy_params(v) for v in value)
    return value
