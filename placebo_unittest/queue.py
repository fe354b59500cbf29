"""Responses queued in memory, answered before any recording (as botocore's Stubber does)."""
from __future__ import annotations

import threading
from collections.abc import Sequence

from .serializer import Loaded, Recording, dumps, loads

__all__ = ["ResponseQueue"]


class ResponseQueue:
    """Queued responses per ``([prefix.]service, Operation)``, first in, first out; thread-safe."""

    def __init__(self) -> None:
        self._queues: dict[tuple[str, str], list[Loaded]] = {}
        self._count = 0
        self._lock = threading.Lock()
        #: True once a response was queued with expected parameters: calls
        #: then need their parameters in stored form to be compared.
        self.expects_params = False

    def __bool__(self) -> bool:
        return any(self._queues.values())

    def add(self, stem: str, operation: str, recording: Recording, request: object = None) -> None:
        """Queue ``recording`` for the next call of ``stem.operation``; with
        ``request`` (parameters in stored form), that call must match it."""
        with self._lock:
            self._count += 1
            name = f"<queued response {self._count} for {stem}.{operation}>"
        loaded = loads(dumps(recording, "json"), name, "json")
        if request is not None:
            loaded.request = request
            self.expects_params = True
        with self._lock:
            self._queues.setdefault((stem, operation), []).append(loaded)

    def pop(self, stems: Sequence[str], operation: str) -> Loaded | None:
        """The next queued response under the first of ``stems`` that has one."""
        with self._lock:
            for stem in stems:
                queue = self._queues.get((stem, operation))
                if queue:
                    return queue.pop(0)
        return None

    def unused(self) -> list[str]:
        """The names of the responses no call has used."""
        with self._lock:
            return [loaded.path for queue in self._queues.values() for loaded in queue]
