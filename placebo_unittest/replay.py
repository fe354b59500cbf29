"""Request-aware playback: which recording answers a call, and does it match?

The pill captures each call's parameters as the caller wrote them. This
module turns them into their stored form (redacted, then normalised, as they
were when recorded), finds the recording numbered for a call, picks the one
for a call under ``match="params"``, and checks a recording against the call
under ``match="verify"``. It knows nothing of botocore events: the
:class:`~placebo_unittest.core.CallCore` hands it the operation model, the
parameters and the store, and keeps the books.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from . import messages
from .accounts import AccountIdAnonymizer
from .config import OnExhausted
from .matching import (
    IgnoreSpec,
    RequestMismatchError,
    compare,
    fingerprint,
    normalize,
    select_recording,
)
from .models import resolve
from .redaction import Redactor, redact_request
from .serializer import Loaded
from .storage import RecordingStore

__all__ = ["stored_form", "expected_form", "for_recording", "check", "numbered_file", "ParamsIndex"]


def stored_form(model: Any, params: dict[str, Any], redactors: Sequence[Redactor]) -> Any:
    """``params`` of a call to ``model`` as a recording stores them: redacted
    by ``redactors`` (their ``request`` methods), then normalised."""
    if redactors:
        params = redact_request(model.service_model.service_name, model.name, params, redactors)
    return normalize(params, model.input_shape)


def expected_form(service: str, operation: str, params: dict[str, Any], redactors: Sequence[Redactor]) -> Any:
    """Parameters given by hand (a queued response's ``expected_params``), in
    the form live calls are compared in."""
    resolved = resolve(service, operation)
    if resolved is None:
        return normalize(params)
    return stored_form(resolved.operation_model, params, redactors)


@functools.lru_cache(maxsize=64)
def _anonymizer(replacement: str, fingerprints: tuple[str, ...]) -> AccountIdAnonymizer:
    return AccountIdAnonymizer.from_fingerprints(fingerprints, replacement=replacement)


def for_recording(live: Any, loaded: Loaded) -> Any:
    """``live`` as the recording would have stored it: with the account ids the
    recording anonymised replaced the same way."""
    accounts = loaded.accounts
    if not accounts or not accounts.get("fingerprints"):
        return live
    return _anonymizer(accounts["replacement"], tuple(accounts["fingerprints"])).anonymize(live)


def check(loaded: Loaded, live: Any, ignore: IgnoreSpec, *, service: str, operation: str,
          call: int, label: str | None) -> None:
    """Raise :class:`RequestMismatchError` if the call's parameters differ from
    the ones ``loaded`` recorded. A recording with no stored request passes."""
    if loaded.request is None:
        return
    differences = compare(loaded.request, for_recording(live, loaded), ignore)
    if differences:
        raise RequestMismatchError(service, operation, call, differences, path=loaded.path, test=label)


def numbered_file(store: RecordingStore, stem: str, operation: str, call: int, on_exhausted: OnExhausted,
                  order: Sequence[str], extension: str, label: str | None, prefix: str | None) -> tuple[str, str]:
    """``(path, format)`` of the recording answering call number ``call`` of
    ``stem.operation`` under ``match="order"`` or ``"verify"``: the file of that
    number, or past the last one what ``on_exhausted`` says, in the first
    format of ``order`` that exists. Raises
    :class:`~placebo_unittest.errors.RecordingNotFoundError` (or its
    subclasses) saying what is there and what to do; ``extension`` is the
    format a missing file would have been recorded in."""
    count = store.count(stem, operation)
    number = call
    if call > count:
        if count == 0:
            raise messages.not_found(store, label, prefix, stem, operation, call, extension)
        if on_exhausted is OnExhausted.ERROR:
            raise messages.exhausted(store, label, prefix, stem, operation, call, count, extension)
        number = (call - 1) % count + 1 if on_exhausted is OnExhausted.CYCLE else count
    available = store.extensions(stem, operation, number)
    for chosen in order:
        if chosen in available:
            return store.path(stem, operation, number, chosen), chosen
    raise messages.pickle_refused(store, label, prefix, stem, operation, call, number)


class ParamsIndex:
    """One operation's recordings, indexed by their stored parameters, for
    ``match="params"``: a call finds its recording by a dictionary lookup,
    so replaying N calls costs O(N), not O(N²). Built once per playback."""

    def __init__(self, store: RecordingStore, stem: str, operation: str, extensions: Sequence[str],
                 ignore: IgnoreSpec, label: str | None, prefix: str | None):
        self.store, self.stem, self.operation = store, stem, operation
        self.extensions, self.ignore, self.label, self.prefix = tuple(extensions), ignore, label, prefix
        self.count = store.count(stem, operation)
        self.loaded: dict[int, Loaded] = {}
        self.buckets: dict[str, list[int]] = {}
        self.anyone: list[int] = []  # recordings with no stored parameters: they match any call
        self.used: set[int] = set()
        self._cursors: dict[str, int] = {}
        for number in range(1, self.count + 1):
            available = store.extensions(stem, operation, number)
            extension = next((e for e in self.extensions if e in available), None)
            if extension is None:
                raise messages.pickle_refused(store, label, prefix, stem, operation, 1, number)
            loaded = store.load(stem, operation, number, extension)
            self.loaded[number] = loaded
            if loaded.request is None:
                self.anyone.append(number)
            else:
                self.buckets.setdefault(fingerprint(loaded.request, ignore), []).append(number)
        self.anonymising = next((each for each in self.loaded.values() if each.accounts), None)

    def _first_unused(self, key: str, numbers: list[int]) -> int | None:
        cursor = self._cursors.get(key, 0)
        while cursor < len(numbers) and numbers[cursor] in self.used:
            cursor += 1
        self._cursors[key] = cursor
        return numbers[cursor] if cursor < len(numbers) else None

    def choose(self, live: Any, on_exhausted: OnExhausted, call: int) -> tuple[int, str]:
        """``(number, extension)`` of the first unused recording whose
        parameters match ``live``, ties broken by order; recordings without
        stored parameters match any call. Once every recording is used,
        ``on_exhausted`` decides: ``cycle`` starts over, ``repeat_last``
        serves the last match, ``error`` raises."""
        if self.count == 0:
            raise messages.not_found(self.store, self.label, self.prefix, self.stem, self.operation, call,
                                     self.extensions[-1])
        if self.anonymising is not None:  # one test's recordings share their accounts
            live = for_recording(live, self.anonymising)
        key = fingerprint(live, self.ignore)
        found = [n for n in (self._first_unused(key, self.buckets.get(key, [])),
                             self._first_unused("", self.anyone)) if n is not None]
        number = min(found) if found else self._scan(live, on_exhausted, call)
        self.used.add(number)
        return number, self.loaded[number].extension

    def _scan(self, live: Any, on_exhausted: OnExhausted, call: int) -> int:
        """The slow way, by comparing with each recording: for matches by a
        looser rule than equality, the exhausted case, and the error."""
        candidates = [(n, each.request) for n, each in self.loaded.items()]
        selection = select_recording(candidates, live, frozenset(self.used), self.ignore)
        if selection.number is None and len(self.used) >= self.count:
            if on_exhausted is OnExhausted.ERROR:
                raise messages.exhausted(self.store, self.label, self.prefix, self.stem, self.operation,
                                         call, self.count, self.extensions[-1])
            if on_exhausted is OnExhausted.CYCLE:
                self.used.clear()
                self._cursors.clear()
            order = list(reversed(candidates)) if on_exhausted is OnExhausted.REPEAT_LAST else candidates
            selection = select_recording(order, live, frozenset(), self.ignore)
        if selection.number is None:
            closest = selection.closest
            path = self.loaded[closest].path if closest is not None else ""
            raise RequestMismatchError(
                messages.service_of(self.prefix, self.stem), self.operation, call, selection.differences,
                path=path, test=self.label, recording_number=closest, mode="params")
        return selection.number
