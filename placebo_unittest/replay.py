"""Request-aware playback: which recording answers a call, and does it match?

The pill captures each call's parameters as the caller wrote them. This
module turns them into their stored form (redacted, then normalised, as they
were when recorded), picks the recording for a call under ``match="params"``,
and checks a recording against the call under ``match="verify"``. It knows
nothing of botocore events: the pill hands it the operation model and the
parameters.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Dict, Iterable, Optional, Sequence, Set, Tuple

from . import messages
from .accounts import AccountIdAnonymizer
from .config import OnExhausted
from .matching import (
    IgnoreSpec,
    RequestMismatchError,
    compare,
    normalize,
    select_recording,
)
from .models import resolve
from .redaction import Redactor, redact_request
from .serializer import Loaded
from .storage import RecordingStore

__all__ = ["stored_form", "expected_form", "for_recording", "check", "choose"]


def stored_form(model: Any, params: Dict[str, Any], redactors: Sequence[Redactor]) -> Any:
    """``params`` of a call to ``model`` as a recording stores them: redacted
    by ``redactors`` (their ``request`` methods), then normalised."""
    if redactors:
        params = redact_request(model.service_model.service_name, model.name, params, redactors)
    return normalize(params, model.input_shape)


def expected_form(service: str, operation: str, params: Dict[str, Any], redactors: Sequence[Redactor]) -> Any:
    """Parameters given by hand (a queued response's ``expected_params``), in
    the form live calls are compared in."""
    resolved = resolve(service, operation)
    if resolved is None:
        return normalize(params)
    return stored_form(resolved.operation_model, params, redactors)


_anonymizer_lock = threading.Lock()


@functools.lru_cache(maxsize=64)
def _anonymizer(replacement: str, fingerprints: Tuple[str, ...]) -> AccountIdAnonymizer:
    with _anonymizer_lock:
        return AccountIdAnonymizer.from_fingerprints(fingerprints, replacement=replacement)


def for_recording(live: Any, loaded: Loaded) -> Any:
    """``live`` as the recording would have stored it: with the account ids the
    recording anonymised replaced the same way."""
    accounts = loaded.accounts
    if not accounts or not accounts.get("fingerprints"):
        return live
    return _anonymizer(accounts["replacement"], tuple(accounts["fingerprints"])).anonymize(live)


def check(loaded: Loaded, live: Any, ignore: IgnoreSpec, *, service: str, operation: str,
          call: int, label: Optional[str]) -> None:
    """Raise :class:`RequestMismatchError` if the call's parameters differ from
    the ones ``loaded`` recorded. A recording with no stored request passes."""
    if loaded.request is None:
        return
    differences = compare(loaded.request, for_recording(live, loaded), ignore)
    if differences:
        raise RequestMismatchError(service, operation, call, differences, path=loaded.path, test=label)


def choose(store: RecordingStore, stem: str, operation: str, *, live: Any, used: Set[int],
           ignore: IgnoreSpec, extensions: Iterable[str], on_exhausted: OnExhausted,
           call: int, label: Optional[str], prefix: Optional[str]) -> Tuple[int, str]:
    """``(number, extension)`` of the first unused recording of
    ``stem.operation`` whose parameters match ``live``, ties broken by order;
    recordings without stored parameters match any call. ``used`` is updated.

    Once every recording is used, ``on_exhausted`` decides: ``cycle`` starts
    over, ``repeat_last`` serves the last match, ``error`` raises."""
    extensions = tuple(extensions)
    count = store.count(stem, operation)
    if count == 0:
        raise messages.not_found(store, label, prefix, stem, operation, call, extensions[-1])
    loaded: Dict[int, Loaded] = {}
    for number in range(1, count + 1):
        available = store.extensions(stem, operation, number)
        extension = next((e for e in extensions if e in available), None)
        if extension is None:
            raise messages.pickle_refused(store, label, prefix, stem, operation, call, number)
        loaded[number] = store.load(stem, operation, number, extension)
    candidates = [(n, l.request) for n, l in loaded.items()]
    anonymising = next((l for l in loaded.values() if l.accounts), None)
    if anonymising is not None:  # one test's recordings share their accounts
        live = for_recording(live, anonymising)
    selection = select_recording(candidates, live, frozenset(used), ignore)
    if selection.number is None and len(used) >= count:
        if on_exhausted is OnExhausted.ERROR:
            raise messages.exhausted(store, label, prefix, stem, operation, call, count, extensions[-1])
        order = list(reversed(candidates)) if on_exhausted is OnExhausted.REPEAT_LAST else candidates
        if on_exhausted is OnExhausted.CYCLE:
            used.clear()
        selection = select_recording(order, live, frozenset(), ignore)
    if selection.number is None:
        closest = selection.closest
        path = loaded[closest].path if closest is not None else ""
        raise RequestMismatchError(
            messages.service_of(prefix, stem), operation, call, selection.differences,
            path=path, test=label, recording_number=closest, mode="params")
    used.add(selection.number)
    return selection.number, loaded[selection.number].extension
