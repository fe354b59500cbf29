"""The work behind each call a pill replays or records, free of botocore's events.

A :class:`CallCore` takes plain values (an ``OperationModel``, a call's
parameters, a parsed response) and does what every call needs whichever way
it is wired: it counts the call, chooses the recording that answers it, reads
it through the store, checks the request, builds the response and keeps the
books; on the recording side it redacts and anonymises a response and writes
it, numbered. Its only I/O is its :class:`~placebo_unittest.storage.RecordingStore`'s.

The :class:`~placebo_unittest.pill.Pill` is the sync shell around it: its
handlers pull the values out of botocore's event arguments, call the core and
hand back what botocore expects. An async shell calls the same core. Only the
last step differs between shells, turning a recording into the objects a
client returns (botocore's ``StreamingBody`` or aiobotocore's, a list of events
or an ``EventStream``): that step is the ``build`` the core is given (see
:data:`Build`).
"""
from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any, Literal, overload

from . import calls as _calls
from . import replay
from .accounts import AccountIdAnonymizer
from .calls import CallLog
from .config import Match, OnExhausted, RecordFormat, coerce
from .errors import (
    NotAttachedError,
    PickleNotAllowedError,
    RecordingNotFoundError,
    UnserializableValueError,
)
from .eventstreams import Capture, Recorder, event_stream, recorder_for, stream_member
from .matching import IgnoreLike, RequestMismatchError, compile_ignore
from .naming import read_keys, recording_stem, service_key
from .queue import ResponseQueue
from .redaction import RedactSpec, redact_response, resolve_redactors
from .serializer import Loaded, Recording, decode, dumps, encode, materialize
from .storage import RecordingStore

__all__ = ["CallCore", "Build", "build_response", "encode_response"]

LOG = logging.getLogger("placebo_unittest")

#: The step that turns a recording into one call's fresh ``(status, data)``:
#: ``build(loaded, model, legacy_types)``. ``model`` is the call's
#: ``OperationModel`` (None when a Pill subclass loaded a file for another
#: operation); with ``legacy_types``, a file placebo wrote gets the types the
#: model gives. A shell that needs other objects in the response wraps
#: :func:`build_response`.
Build = Callable[[Loaded, Any, bool], tuple[int, Any]]


def build_response(loaded: Loaded, model: Any, legacy_types: bool) -> tuple[int, Any]:
    """The default :data:`Build`: the response with botocore's types. An
    event stream, kept as its list of events, becomes a real
    ``botocore.eventstream.EventStream`` that yields them."""
    status, data = materialize(loaded, model.output_shape if legacy_types and model is not None else None)
    if model is not None and model.has_event_stream_output and isinstance(data, dict):
        member = stream_member(model)
        if member is not None and isinstance(data.get(member), list):
            data[member] = event_stream(model, data[member])
    return status, data


def service_key_of(model: Any) -> str:
    """The service part of the file names of ``model``'s recordings."""
    return service_key(model.service_model)


def encode_response(service: str, operation: str, data: Any, status: int) -> Recording:
    """``data`` encoded for a file; a value that can't be stored is an error naming the operation."""
    try:
        return encode(data, status)
    except UnserializableValueError as exc:
        exc.args = (f"{service}.{operation}: {exc.args[0]}",)
        raise


class CallCore:
    """What one pill knows and does per call, with no botocore events in sight.

    The arguments are the :class:`~placebo_unittest.pill.Pill`'s of the same
    names; ``build`` is the step that makes each response (see :data:`Build`).
    :attr:`store` is None until the pill is attached. What it counts and
    lists (:attr:`index`, :attr:`served`, :attr:`missing`, :attr:`recorded`,
    :attr:`replayed`, :attr:`live_calls`, :attr:`calls`) is updated under a
    lock, so calls may come from several threads at once.
    """

    def __init__(
        self,
        *,
        prefix: str | None = None,
        record_format: str | RecordFormat = RecordFormat.JSON,
        on_exhausted: str | OnExhausted = OnExhausted.CYCLE,
        match: str | Match = Match.ORDER,
        ignore_params: IgnoreLike = None,
        redact: RedactSpec = True,
        anonymize_accounts: bool | str = False,
        legacy_types: bool = False,
        build: Build = build_response,
    ):
        self.record_format = coerce(RecordFormat, record_format, "record_format")
        self.on_exhausted = coerce(OnExhausted, on_exhausted, "on_exhausted")
        self.match = coerce(Match, match, "match")
        self.ignore = compile_ignore(ignore_params)
        self.redactors = resolve_redactors(redact)
        self.anonymizer: AccountIdAnonymizer | None = None
        if anonymize_accounts:
            replacement = anonymize_accounts if isinstance(anonymize_accounts, str) else None
            self.anonymizer = (AccountIdAnonymizer(replacement=replacement) if replacement
                               else AccountIdAnonymizer())
            self.redactors.append(self.anonymizer)
        #: The file formats playback reads, in order of preference.
        self.formats = ("pickle", "json") if self.record_format is RecordFormat.PICKLE else ("json",)
        self.prefix = prefix
        #: Names the test (or code) in error messages, if set.
        self.label: str | None = None
        self.legacy_types = bool(legacy_types)
        self.build = build
        self.store: RecordingStore | None = None
        #: ``"[prefix.]service.Operation"`` -> the number of the next call in playback.
        self.index: dict[str, int] = {}
        self.calls = CallLog()
        self.queued = ResponseQueue()
        self.served: set[str] = set()  # recordings reached since playback began
        self.missing: list[str] = []  # paths looked for and not found
        self.recorded: list[str] = []  # paths written
        self.replayed = 0
        self.live_calls = 0
        #: Set in ``record-missing`` mode: :meth:`answer_if_recorded` answers
        #: calls, and what :meth:`write` writes counts as served.
        self.fill_missing = False
        self._open_streams: set[Recorder] = set()  # recorded streams not yet ended
        self._params_indexes: dict[tuple[str, str], replay.ParamsIndex] = {}
        self._routes: dict[Any, tuple[str | None, tuple[tuple[str, str], ...]]] = {}
        self._lock = threading.Lock()
        self._choose_lock = threading.Lock()

    def attached(self) -> RecordingStore:
        """The recording store, or NotAttachedError if there is none yet. (The
        per-call steps write ``self.store or self.attached()``, which makes
        the call only when it raises.)"""
        store = self.store
        if store is None:
            raise NotAttachedError(
                "This Pill is not attached to a session: use placebo_unittest.attach(session, "
                "data_path), or call pill.attach(session, data_path) first.")
        return store

    def restart(self) -> None:
        """Start playback over: each operation from its first recording, none served yet."""
        with self._lock:
            self.index.clear()
            self.served.clear()
            self._params_indexes.clear()

    # -- the books ---------------------------------------------------------
    def log(self, model: Any, params: Any, source: str, path: str | None) -> None:
        """Add a call of ``model`` to :attr:`calls`; ``params`` as the caller passed them."""
        self.calls.log(model.service_model.service_name, model.name, params or {}, source, path)

    def replayed_from(self, model: Any, params: Any, path: str | None) -> None:
        """Count a call answered by the recording at ``path``."""
        with self._lock:
            self.replayed += 1
        self.calls.log(model.service_model.service_name, model.name, params or {}, _calls.RECORDING, path)

    def went_live(self, model: Any, params: Any) -> None:
        """Count a call that went over HTTP and was not recorded."""
        with self._lock:
            self.live_calls += 1
        self.log(model, params, _calls.LIVE, None)

    def unused_recordings(self) -> list[str]:
        """Recordings in the store not reached since playback began."""
        store = self.attached()
        with self._lock:
            served = set(self.served)
        return [p for p in store.all_paths() if p not in served]

    # -- playback ----------------------------------------------------------
    def stored_form(self, model: Any, params: dict[str, Any]) -> Any:
        """A call's ``params`` as a recording stores them, to compare with one."""
        return replay.stored_form(model, params, self.redactors)

    def answer(self, model: Any, live: Any, params: Any) -> tuple[int, Any]:
        """``(status, data)`` for the next call of ``model``, from its recording.

        ``live`` is the call's parameters in stored form (or None), ``params``
        as the caller passed them, for :attr:`calls`."""
        response = self._answer(model, live, params, missing_ok=False)
        assert response is not None  # without missing_ok, a call with no recording raises
        return response

    def answer_if_recorded(self, model: Any, live: Any, params: Any) -> tuple[int, Any] | None:
        """:meth:`answer`, or None when the call has no recording (``record-missing``
        mode), so that it is sent and recorded. Under ``match="params"`` a call
        has none when its parameters match no unused recording (past the last,
        ``on_exhausted`` decides); otherwise, when it is beyond the last number.
        A call that has none is not counted as missing."""
        return self._answer(model, live, params, missing_ok=True)

    def _answer(self, model: Any, live: Any, params: Any, missing_ok: bool) -> tuple[int, Any] | None:
        store = self.store or self.attached()  # raises, before the call is counted
        service, stem = self.route(model)
        operation = model.name
        call = self.next_call(stem, operation)
        chosen: tuple[str, str] | None
        if missing_ok and self.match is Match.PARAMS and live is not None:
            chosen = self._by_params(store, stem, operation, call, live, missing_ok=True)
        elif missing_ok and call > store.count(stem, operation):
            chosen = None
        else:
            chosen = self.choose(stem, operation, call, live)
        if chosen is None:
            return None
        path, file_format = chosen
        response = self.serve(path, file_format, service, operation, model, live, call)
        self.replayed_from(model, params, path)
        return response

    def route(self, model: Any) -> tuple[str, str]:
        """``(service, stem)`` playback reads ``model``'s recordings under: the
        first of its names that has recordings, else its own name."""
        prefix = self.prefix
        known = self._routes.get(model)
        if known is None or known[0] != prefix:
            keys = read_keys(model.service_model)
            known = (prefix, tuple((key, recording_stem(prefix, key)) for key in keys))
            self._routes[model] = known
        names = known[1]
        if len(names) > 1:
            store = self.attached()
            for service, stem in names:
                if store.has(stem, model.name):
                    return service, stem
        return names[0]

    def next_call(self, stem: str, operation: str) -> int:
        """The number of this call of ``stem.operation``, counting from 1."""
        key = stem + "." + operation  # placebo's key: Pill subclasses read it
        with self._lock:
            call = self.index.get(key, 1)
            self.index[key] = call + 1
        return call

    def choose(self, stem: str, operation: str, call: int, live: Any = None) -> tuple[str, str]:
        """``(path, format)`` of the recording that answers call number ``call``
        of ``stem.operation``: under ``match="params"``, when the call's
        parameters ``live`` are known, the first unused one they match;
        otherwise the one of that number, ``on_exhausted`` applied past the
        last. A recording that isn't there is added to :attr:`missing`, and
        raises :class:`~placebo_unittest.errors.RecordingNotFoundError`."""
        store = self.store or self.attached()
        if self.match is Match.PARAMS and live is not None:
            return self._by_params(store, stem, operation, call, live)
        try:
            return replay.numbered_file(store, stem, operation, call, self.on_exhausted, self.formats,
                                        self.record_format.extension, self.label, self.prefix)
        except PickleNotAllowedError:
            raise  # there is a recording: it is only of a format not chosen
        except RecordingNotFoundError as missing:
            self._missed(missing.path)
            raise

    @overload
    def _by_params(self, store: RecordingStore, stem: str, operation: str, call: int, live: Any,
                   missing_ok: Literal[False] = False) -> tuple[str, str]: ...

    @overload
    def _by_params(self, store: RecordingStore, stem: str, operation: str, call: int, live: Any,
                   missing_ok: bool) -> tuple[str, str] | None: ...

    def _by_params(self, store: RecordingStore, stem: str, operation: str, call: int,
                   live: Any, missing_ok: bool = False) -> tuple[str, str] | None:
        with self._choose_lock:
            try:
                index = self._params_indexes.get((stem, operation))
                if index is None:  # read once per playback, then a lookup a call
                    index = replay.ParamsIndex(store, stem, operation, self.formats, self.ignore,
                                               self.label, self.prefix)
                    self._params_indexes[(stem, operation)] = index
                number, extension = index.choose(live, self.on_exhausted, call)
            except (RecordingNotFoundError, RequestMismatchError) as missing:
                if missing_ok and not isinstance(missing, PickleNotAllowedError):
                    return None
                if isinstance(missing, RecordingNotFoundError):
                    self._missed(missing.path)
                raise
        return store.path(stem, operation, number, extension), extension

    def _missed(self, path: str) -> None:
        with self._lock:
            self.missing.append(path)

    def unmiss(self, noted: int) -> None:
        """Forget the paths added to :attr:`missing` since it held ``noted``
        (calls ``record-missing`` records instead)."""
        with self._lock:
            del self.missing[noted:]

    def serve(self, path: str, file_format: str, service: str, operation: str, model: Any, live: Any,
              call: int) -> tuple[int, Any]:
        """The response the recording at ``path`` holds, built for ``model``;
        under ``match="verify"``, first checked against the call's ``live``
        parameters. The recording counts as served even if the check fails."""
        if file_format == "pickle" and self.record_format is not RecordFormat.PICKLE:
            raise PickleNotAllowedError(
                f"{path} is a pickle file, and pickle files are loaded only when you choose "
                "pickle, because loading one runs code. If you trust it, pass "
                "record_format='pickle'.",
                service=service, operation=operation, path=path)
        loaded = (self.store or self.attached()).load_path(path, file_format)
        with self._lock:
            self.served.add(path)
        if self.match is Match.VERIFY and live is not None:
            replay.check(loaded, live, self.ignore, service=service, operation=operation,
                         call=call, label=self.label)
        response = self.build(loaded, model, self.legacy_types)
        LOG.debug("replayed %s", path)
        return response

    # -- queued responses --------------------------------------------------
    def queue(self, service: str, operation: str, recording: Recording,
              expected_params: dict[str, Any] | None = None) -> None:
        """Answer the next call of ``service.operation`` with ``recording``; with
        ``expected_params``, only a call passing those parameters."""
        request = None
        if expected_params is not None:
            request = replay.expected_form(service, operation, expected_params, self.redactors)
        self.queued.add(recording_stem(self.prefix, service), operation, recording, request)

    def answer_queued(self, model: Any, live: Any, params: Any) -> tuple[int, Any] | None:
        """``(status, data)`` from the response queued for this call of
        ``model``, checked against ``live`` if it expects parameters; None
        when nothing is queued for it."""
        operation = model.name
        keys = read_keys(model.service_model)
        queued = self.queued.pop([recording_stem(self.prefix, k) for k in keys], operation)
        if queued is None:
            return None
        replay.check(queued, live, self.ignore, service=keys[0], operation=operation,
                     call=len(self.calls.find(model.service_model.service_name, operation)) + 1,
                     label=self.label)
        response = self.build(queued, model, self.legacy_types)
        self.log(model, params, _calls.QUEUED, queued.path)
        return response

    # -- recording ---------------------------------------------------------
    def finish(self, model: Any, recording: Recording, request: Any) -> Recording:
        """``recording`` (a response of ``model``) redacted and anonymised, with
        ``request``, the call's parameters in stored form, attached."""
        if self.redactors:
            data = redact_response(model.service_model.service_name, model.name, decode(recording),
                                   self.redactors)
            recording = encode(data, recording.status_code)
        anonymizer = self.anonymizer
        if anonymizer is not None:
            if request is not None:  # ids learned from this very response count too
                request = anonymizer.anonymize(request)
            if anonymizer.account_ids:
                recording.accounts = {"replacement": anonymizer.replacement,
                                      "fingerprints": anonymizer.fingerprints()}
        recording.request = request
        return recording

    def record_stream(self, model: Any, live: Any, recording: Recording, request: Any,
                      save: Callable[[Recording, str | None, bool], str | None]) -> Recorder:
        """Record the event stream ``live`` (botocore's ``EventStream``) of a
        response of ``model``, whose other members ``recording`` holds.

        Returns the stream to hand the caller in its place: it reads as the
        live one and keeps each event read. The response is saved once at
        once, so that the call takes its number now, with no events, and
        again when the stream ends, is closed, or :meth:`end_streams` is
        called, with the events read by then. ``save(recording, path, final)``
        writes a finished recording: the first time ``path`` is None and
        ``final`` False; then ``path`` is what the first save returned, and
        ``final`` True."""
        member = stream_member(model)
        base = decode(recording)
        status = recording.status_code

        def finished(events: list[Any]) -> Recording:
            data = dict(base)
            data[member] = events
            return self.finish(model, encode_response(service_key_of(model), model.name, data, status), request)

        stream = recorder_for(live)(live, model)
        path = save(finished([]), None, False)

        def ended(capture: Capture) -> None:
            with self._lock:
                self._open_streams.discard(stream)
            save(finished(capture.events), path, True)

        with self._lock:
            self._open_streams.add(stream)
        stream.when_finished(ended)
        return stream

    def end_streams(self) -> None:
        """End the capture of every recorded stream still open (read only in
        part, say), saving each as far as it was read, and close it, which
        releases its connection."""
        with self._lock:
            open_streams = list(self._open_streams)
        for stream in open_streams:
            stream.finish()
            stream.close()

    def rewrite(self, path: str, recording: Recording) -> str:
        """Write ``recording`` over the recording at ``path``, atomically."""
        return self.attached().save_as(path, dumps(recording, self.record_format.value))

    def new_path(self, service: str, operation: str) -> str:
        """The path the next recording of ``service.operation`` would be written to."""
        store = self.attached()
        stem = recording_stem(self.prefix, service)
        return store.path(stem, operation, store.next_number(stem, operation), self.record_format.extension)

    def write(self, service: str, operation: str, recording: Recording,
              where: Callable[[str, str], Any] | None = None) -> str:
        """Write ``recording`` as the next recording of ``service.operation``
        and return its path. The store numbers the file as it creates it, so
        concurrent writers never collide; ``where(service, operation)``, when
        given, names the path instead (a Pill subclass's ``get_new_file_path``)."""
        store = self.attached()
        payload = dumps(recording, self.record_format.value)
        if where is None:
            path = store.save(recording_stem(self.prefix, service), operation, payload,
                              self.record_format.extension)
        else:
            path = store.save_as(os.fspath(where(service, operation)), payload)
        with self._lock:
            self.recorded.append(path)
            if self.fill_missing:  # added to a replayed directory: not an unused recording
                self.served.add(path)
        return path
