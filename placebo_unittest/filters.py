"""Which calls a recording pill saves: ``record(services, operations)``."""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from typing import Any

__all__ = ["RecordFilter", "Names"]

Names = str | Iterable[str]
_ALL = ("*",)


def _split(names: Names) -> tuple[str, ...]:
    if isinstance(names, str):
        names = names.split(",")
    return tuple(n.strip() for n in names if n and n.strip()) or _ALL


class RecordFilter:
    """What ``record()`` asked for: pairs of service and operation patterns
    (``fnmatch`` wildcards); a call is saved if any pair matches it."""

    def __init__(self) -> None:
        self._pairs: list[tuple[tuple[str, ...], tuple[str, ...]]] = [(_ALL, _ALL)]

    def reset(self, services: Names = "*", operations: Names = "*") -> tuple[tuple[str, ...], tuple[str, ...]]:
        self._pairs = []
        return self.add(services, operations)

    def add(self, services: Names = "*", operations: Names = "*") -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Also save what ``services`` and ``operations`` name; return them split."""
        pair = (_split(services), _split(operations))
        self._pairs.append(pair)
        return pair

    def wants(self, model: Any) -> bool:
        """True if a call to ``model`` (a botocore operation model) is to be saved.
        A service matches by event name, botocore name or endpoint prefix."""
        service_model = model.service_model
        names = None
        for services, operations in self._pairs:
            if services != _ALL:
                if names is None:
                    names = (service_model.service_id.hyphenize(), service_model.service_name,
                             service_model.endpoint_prefix)
                if not any(fnmatch.fnmatchcase(n, p) for n in names for p in services):
                    continue
            if operations != _ALL and not any(fnmatch.fnmatchcase(model.name, p) for p in operations):
                continue
            return True
        return False
