"""The Pill: records boto3 responses to files and plays them back.

All botocore event wiring lives here, driven by the one table ``_WIRING``.
Each client made by the attached session gets the three handlers once, when
it is created; they then do whatever the pill's current mode says, so
switching between record, playback and stop never re-registers anything.
"""
from __future__ import annotations

import fnmatch
import itertools
import logging
import os
import threading
import weakref
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from .config import Mode, OnExhausted, RecordFormat, coerce, read_env
from .errors import ConfigurationError
from .errors import (
    NotAttachedError,
    PickleNotAllowedError,
    RecordingExhaustedError,
    RecordingNotFoundError,
    UnserializableValueError,
)
from .naming import read_keys, recording_filename, recording_stem, service_key
from .serializer import Loaded, Recording, dumps, encode, loads, materialize
from .storage import RecordingStore

__all__ = ["Pill", "FakeHttpResponse", "attach"]

LOG = logging.getLogger("placebo_unittest")
_DEBUG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_pill_ids = itertools.count(1)

# (event, Pill method, how it is registered). before-call returns a recorded
# response, which makes botocore skip the HTTP request. after-call.*.* runs
# before botocore's own after-call handlers and records what the wire gave;
# the last handler on "after-call" then adds the members those handlers could
# only get from the raw HTTP body (s3 GetBucketLocation's LocationConstraint),
# and writes the file.
_WIRING = (
    ("before-call.*.*", "_before_call", "register_first"),
    ("after-call.*.*", "_after_call", "register_first"),
    ("after-call", "_after_call_done", "register_last"),
)

Names = Union[str, Iterable[str]]


class FakeHttpResponse:
    """What botocore's after-call handlers see in place of an HTTP response on replay.

    ``raw`` is None, as for a response whose body has been consumed, so
    handlers that would re-parse the body skip; the recording already holds
    what they produced.
    """

    def __init__(self, status_code: int, headers: Optional[Dict[str, str]] = None):
        self.status_code = status_code
        self.headers = dict(headers or {})
        self.raw = None
        self.content = b""
        self.text = ""

    def __repr__(self) -> str:
        return "FakeHttpResponse(status_code={})".format(self.status_code)


def _split(names: Names) -> Tuple[str, ...]:
    if isinstance(names, str):
        names = names.split(",")
    return tuple(n.strip() for n in names if n and n.strip())


class Pill:
    """Records the responses of a boto3 session's clients, or replays them.

    Use :func:`placebo_unittest.attach` to make one. ``record_format`` is
    ``"json"`` (the default, or ``$PLACEBO_FORMAT``) or ``"pickle"``;
    ``on_exhausted`` says what playback does once an operation's recordings
    have all been used: ``"cycle"`` back to the first (placebo's behaviour),
    ``"repeat_last"``, or ``"error"``.
    """

    def __init__(
        self,
        prefix: Optional[str] = None,
        debug: bool = False,
        record_format: Optional[Union[str, RecordFormat]] = None,
        on_exhausted: Union[str, OnExhausted] = OnExhausted.CYCLE,
    ):
        if debug:
            _enable_debug_logging()
        if record_format is None:
            record_format = read_env().record_format or RecordFormat.JSON
        self._record_format = coerce(RecordFormat, record_format, "record_format")
        self._on_exhausted = coerce(OnExhausted, on_exhausted, "on_exhausted")
        self.prefix = prefix
        self._id = next(_pill_ids)
        self._pending_key = "placebo_unittest.pending.{}".format(self._id)
        self._mode: Optional[Mode] = None
        self._session: Any = None
        self._data_path: Optional[str] = None
        self._store: Optional[RecordingStore] = None
        self._services: Tuple[str, ...] = ("*",)
        self._operations: Tuple[str, ...] = ("*",)
        self._calls: Dict[Tuple[str, str], int] = {}
        self._used: Set[str] = set()
        self._recorded: List[str] = []
        self._replayed = 0
        self._live_calls = 0
        self._missing: List[str] = []
        self._queued: Dict[Tuple[str, str], List[Loaded]] = {}
        self._queue_count = 0
        self._lock = threading.Lock()
        self.clients: List[Any] = []
        #: Names the test (or code) using this pill in error messages, if set.
        self.label: Optional[str] = None

    # -- properties ------------------------------------------------------
    @property
    def mode(self) -> Optional[Mode]:
        """``Mode.RECORD``, ``Mode.PLAYBACK`` (both equal their strings), or None."""
        return self._mode

    @property
    def data_path(self) -> Optional[str]:
        return self._data_path

    @property
    def session(self) -> Any:
        return self._session

    @property
    def record_format(self) -> str:
        return self._record_format.value

    @property
    def on_exhausted(self) -> str:
        return self._on_exhausted.value

    @property
    def recorded(self) -> List[str]:
        """Paths of the files this pill has written, in order."""
        return list(self._recorded)

    @property
    def replayed(self) -> int:
        """How many responses this pill has replayed."""
        return self._replayed

    @property
    def live_calls(self) -> int:
        """How many calls went over HTTP, unrecorded, while this pill was attached."""
        return self._live_calls

    @property
    def missing(self) -> List[str]:
        """Paths playback looked for and did not find, in order."""
        return list(self._missing)

    # -- wiring ----------------------------------------------------------
    def attach(self, session: Any, data_path: str) -> None:
        """Watch ``session`` (a ``boto3.Session``) and keep recordings in ``data_path``.

        Every client the session creates from now on, and the clients behind
        its resources, are recorded or replayed. A client made before this call
        can be brought in with :meth:`add_client`.
        """
        self._session = session
        self._data_path = os.fspath(data_path)
        self._store = RecordingStore(self._data_path)
        pill = weakref.ref(self)

        class PlaceboClientMixin:
            def __init__(client, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                owner = pill()
                if owner is not None:
                    owner.add_client(client)

        self._mixin = PlaceboClientMixin
        session.events.register(
            "creating-client-class", self._creating_client_class,
            unique_id="placebo_unittest-client-{}".format(self._id),
        )
        LOG.debug("attached to %r, recordings in %s", session, self._data_path)

    def _creating_client_class(self, class_attributes: Any, base_classes: List[type], **kwargs: Any) -> None:
        base_classes.insert(0, self._mixin)

    def add_client(self, client: Any) -> None:
        """Bring ``client`` (a botocore client) under this pill; harmless if it already is."""
        events = client.meta.events
        for event, method, how in _WIRING:
            getattr(events, how)(
                event, getattr(self, method),
                unique_id="placebo_unittest-{}-{}".format(self._id, event),
            )
        if not any(c is client for c in self.clients):
            self.clients.append(client)

    def remove_client(self, client: Any) -> None:
        """Undo :meth:`add_client`."""
        for event, _method, _how in _WIRING:
            client.meta.events.unregister(
                event, unique_id="placebo_unittest-{}-{}".format(self._id, event)
            )
        self.clients = [c for c in self.clients if c is not client]

    # -- modes -----------------------------------------------------------
    def record(self, services: Names = "*", operations: Names = "*") -> None:
        """Record from now on. ``services`` and ``operations`` (comma-separated
        strings or lists, ``*`` wildcards allowed) limit what is saved; other
        calls go through unrecorded. A service matches by its event name
        (``elastic-load-balancing``), botocore name (``elb``) or endpoint prefix."""
        self._attached()
        self._services = _split(services) or ("*",)
        self._operations = _split(operations) or ("*",)
        self._mode = Mode.RECORD
        LOG.debug("recording %s / %s", self._services, self._operations)

    def playback(self) -> None:
        """Replay recordings from now on, each operation starting again at ``_1``."""
        self._attached()
        with self._lock:
            self._calls.clear()
            self._used.clear()
        self._mode = Mode.PLAYBACK
        LOG.debug("playing back from %s", self._data_path)

    def resume(self, mode: Optional[Union[str, Mode]]) -> None:
        """Go back to ``mode`` (as :attr:`mode` returned it) without restarting
        playback's numbering, e.g. after a :meth:`stop` for a sub-task."""
        if mode is None:
            self._mode = None
            return
        mode = coerce(Mode, mode, "mode")
        if mode not in (Mode.RECORD, Mode.PLAYBACK):
            raise ConfigurationError("mode", mode.value, ("record", "playback", None))
        self._mode = mode

    def stop(self) -> None:
        """Neither record nor replay: calls go to AWS as if no pill were attached."""
        LOG.debug("stopping, mode=%s", self._mode)
        self._mode = None

    def _attached(self) -> RecordingStore:
        """The recording store, or NotAttachedError if there is none yet."""
        if self._store is None:
            raise NotAttachedError(
                "This Pill is not attached to a session: use placebo_unittest.attach(session, "
                "data_path), or call pill.attach(session, data_path) first.")
        return self._store

    # -- event handlers ----------------------------------------------------
    def _before_call(self, model: Any, **kwargs: Any) -> Any:
        if self._mode is not Mode.PLAYBACK and not self._queued:
            return None
        service_model = model.service_model
        operation = model.name
        stems = [recording_stem(self.prefix, k) for k in read_keys(service_model)]
        if self._queued:
            queued = self._pop_queued(stems, operation)
            if queued is not None:
                status, data = materialize(queued, model.output_shape)
                return self._http_response(status, data), data
            if self._mode is not Mode.PLAYBACK:
                return None
        store = self._attached()
        stem = next((s for s in stems if store.has(s, operation)), stems[0])
        status, data = self._next_response(stem, operation, model.output_shape)
        return self._http_response(status, data), data

    def _after_call(self, http_response: Any, parsed: Any, model: Any, context: Any = None, **kwargs: Any) -> None:
        if isinstance(http_response, FakeHttpResponse):
            return  # a replayed response
        if self._mode is not Mode.RECORD or context is None or not self._wants(model):
            with self._lock:
                self._live_calls += 1  # went to AWS and is not being recorded
            return
        try:
            recording = encode(parsed, getattr(http_response, "status_code", 200))
        except UnserializableValueError as exc:
            exc.args = ("{}.{}: {}".format(service_key(model.service_model), model.name, exc.args[0]),)
            raise
        context[self._pending_key] = (recording, frozenset(parsed))

    def _after_call_done(self, parsed: Any, model: Any, context: Any = None, **kwargs: Any) -> None:
        pending = context.pop(self._pending_key, None) if context else None
        if pending is None:
            return
        recording, keys_before = pending
        for key in parsed:
            if key not in keys_before:
                recording.add(key, parsed[key])
        self._write(service_key(model.service_model), model.name, recording)

    def _wants(self, model: Any) -> bool:
        service_model = model.service_model
        if self._services != ("*",):
            names = (
                service_model.service_id.hyphenize(),
                service_model.service_name,
                service_model.endpoint_prefix,
            )
            if not any(fnmatch.fnmatchcase(n, p) for n in names for p in self._services):
                return False
        if self._operations != ("*",):
            if not any(fnmatch.fnmatchcase(model.name, p) for p in self._operations):
                return False
        return True

    # -- files -----------------------------------------------------------
    def _write(self, service: str, operation: str, recording: Recording) -> str:
        self._attached()
        payload = dumps(recording, self._record_format.value)
        path = self._attached().save(
            recording_stem(self.prefix, service), operation, payload, self._record_format.extension
        )
        with self._lock:
            self._recorded.append(path)
        return path

    def save_response(self, service: str, operation: str, response_data: Any, http_response: int = 200) -> str:
        """Store ``response_data`` as the next recorded response of
        ``service.operation`` and return the file's path. ``service`` is the
        name used in file names (botocore's endpoint prefix: ``ec2``,
        ``monitoring``); ``http_response`` is the HTTP status code. Responses
        saved for one operation are replayed in the order they were saved."""
        LOG.debug("save_response: %s.%s", service, operation)
        try:
            recording = encode(response_data, http_response)
        except UnserializableValueError as exc:
            exc.args = ("{}.{}: {}".format(service, operation, exc.args[0]),)
            raise
        return self._write(service, operation, recording)

    def queue_response(self, service: str, operation: str, response_data: Any, http_response: int = 200) -> None:
        """Answer the next ``service.operation`` call with ``response_data``,
        from memory: nothing is written. Queued responses answer before
        recordings, in every mode, in the order they were queued."""
        try:
            recording = encode(response_data, http_response)
        except UnserializableValueError as exc:
            exc.args = ("{}.{}: {}".format(service, operation, exc.args[0]),)
            raise
        key = (recording_stem(self.prefix, service), operation)
        with self._lock:
            self._queue_count += 1
            name = "<queued response {} for {}.{}>".format(self._queue_count, key[0], operation)
            self._queued.setdefault(key, []).append(loads(dumps(recording, "json"), name, "json"))

    def unused_responses(self) -> List[str]:
        """Responses queued with :meth:`queue_response` that no call has used."""
        with self._lock:
            return [loaded.path for queue in self._queued.values() for loaded in queue]

    def _pop_queued(self, stems: Sequence[str], operation: str) -> Optional[Loaded]:
        with self._lock:
            for stem in stems:
                queue = self._queued.get((stem, operation))
                if queue:
                    return queue.pop(0)
        return None

    def load_response(self, service: str, operation: str) -> Tuple[FakeHttpResponse, Any]:
        """The next recorded ``(http_response, data)`` of ``service.operation``."""
        self._attached()
        status, data = self._next_response(recording_stem(self.prefix, service), operation, None)
        return self._http_response(status, data), data

    def unused_recordings(self) -> List[str]:
        """Recordings in :attr:`data_path` not replayed since :meth:`playback` was called."""
        self._attached()
        with self._lock:
            used = set(self._used)
        return [p for p in self._attached().all_paths() if p not in used]

    @staticmethod
    def _http_response(status: int, data: Any) -> FakeHttpResponse:
        headers = None
        if isinstance(data, dict):
            metadata = data.get("ResponseMetadata")
            if isinstance(metadata, dict) and isinstance(metadata.get("HTTPHeaders"), dict):
                headers = metadata["HTTPHeaders"]
        return FakeHttpResponse(status, headers)

    def _next_response(self, stem: str, operation: str, output_shape: Any) -> Tuple[int, Any]:
        store = self._attached()
        with self._lock:
            call = self._calls.get((stem, operation), 0) + 1
            self._calls[(stem, operation)] = call
        count = store.count(stem, operation)
        number = call
        if call > count:
            if count == 0:
                error = self._not_found(stem, operation, call)
                with self._lock:
                    self._missing.append(error.path)
                raise error
            if self._on_exhausted is OnExhausted.CYCLE:
                number = (call - 1) % count + 1
            elif self._on_exhausted is OnExhausted.REPEAT_LAST:
                number = count
            else:
                error = self._exhausted(stem, operation, call, count)
                with self._lock:
                    self._missing.append(error.path)
                raise error
        extensions = store.extensions(stem, operation, number)
        if self._record_format is RecordFormat.PICKLE:
            order: Sequence[str] = ("pickle", "json")
        else:
            order = ("json",)
        extension = next((e for e in order if e in extensions), None)
        if extension is None:
            raise self._pickle_refused(stem, operation, call, number)
        loaded = store.load(stem, operation, number, extension)
        result = materialize(loaded, output_shape)
        with self._lock:
            self._used.add(loaded.path)
            self._replayed += 1
        LOG.debug("replayed %s", loaded.path)
        return result

    # -- messages --------------------------------------------------------
    def _describe(self, stem: str, operation: str, number: int) -> Tuple[str, str, List[str]]:
        """The path looked for, a sentence on what exists instead, and the names that do."""
        path = self._attached().path(stem, operation, number, self._record_format.extension)
        existing = self._attached().names_for(operation)
        if existing:
            listing = "Recordings of {} in that directory: {}.".format(operation, ", ".join(existing))
        elif not os.path.isdir(self._attached().directory):
            listing = "The directory {} does not exist.".format(self._data_path)
        else:
            listing = "There are no recordings of {} in that directory.".format(operation)
        return path, listing, existing

    def _not_found(self, stem: str, operation: str, call: int) -> RecordingNotFoundError:
        path, listing, existing = self._describe(stem, operation, call)
        message = self._who() + (
            "No recorded response for call {call} of {stem}.{op}: {path} does not exist. "
            "{listing} To record it, run this code once in record mode against AWS or a "
            "local endpoint (pill.record(); for a PlaceboTestCase or @placebo_session test, "
            "PLACEBO_MODE=record or python -m placebo_unittest --record); "
            "or add a response with pill.save_response({service!r}, {op!r}, {{...}})."
        ).format(call=call, stem=stem, op=operation, path=path, listing=listing,
                 service=self._service_of(stem))
        return RecordingNotFoundError(
            message, service=self._service_of(stem), operation=operation,
            call_number=call, path=path, existing=existing,
        )

    def _exhausted(self, stem: str, operation: str, call: int, count: int) -> RecordingExhaustedError:
        path, _listing, existing = self._describe(stem, operation, call)
        last = recording_filename(None, stem, operation, count, self._record_format.extension)
        message = self._who() + (
            "Call {call} of {stem}.{op} has no recording: only {count} responses are "
            "recorded (up to {last}), and on_exhausted is 'error'. Record the test again "
            "if the code now makes more calls, or choose on_exhausted='cycle' or "
            "'repeat_last'."
        ).format(call=call, stem=stem, op=operation, count=count, last=last)
        return RecordingExhaustedError(
            message, service=self._service_of(stem), operation=operation,
            call_number=call, path=path, existing=existing,
        )

    def _pickle_refused(self, stem: str, operation: str, call: int, number: int) -> RecordingNotFoundError:
        pickle_path = self._attached().path(stem, operation, number, "pickle")
        message = self._who() + (
            "Call {call} of {stem}.{op} is recorded only as {path}, and pickle files are "
            "loaded only when you choose pickle, because loading one runs code. If you "
            "trust the file, pass record_format='pickle' to attach() or set "
            "PLACEBO_FORMAT=pickle."
        ).format(call=call, stem=stem, op=operation, path=pickle_path)
        return PickleNotAllowedError(
            message, service=self._service_of(stem), operation=operation,
            call_number=call, path=pickle_path, existing=self._attached().names_for(operation),
        )

    def _who(self) -> str:
        return "{}: ".format(self.label) if self.label else ""

    def _service_of(self, stem: str) -> str:
        if self.prefix and stem.startswith(self.prefix + "."):
            return stem[len(self.prefix) + 1:]
        return stem

    def __repr__(self) -> str:
        return "<Pill mode={} data_path={!r}>".format(self._mode, self._data_path)


def _enable_debug_logging() -> None:
    LOG.setLevel(logging.DEBUG)
    if not any(getattr(h, "_placebo_unittest", False) for h in LOG.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_DEBUG_FORMAT))
        handler._placebo_unittest = True  # type: ignore[attr-defined]
        LOG.addHandler(handler)


def attach(
    session: Any,
    data_path: Optional[str] = None,
    prefix: Optional[str] = None,
    debug: bool = False,
    record_format: Optional[Union[str, RecordFormat]] = None,
    on_exhausted: Union[str, OnExhausted] = OnExhausted.CYCLE,
) -> Pill:
    """Attach a new :class:`Pill` to ``session`` and return it.

    ``data_path`` defaults to ``$PLACEBO_DIR``, else ``./placebo``;
    ``record_format`` to ``$PLACEBO_FORMAT``, else ``"json"``. The pill does
    nothing until you call :meth:`Pill.record` or :meth:`Pill.playback`.
    """
    if data_path is None:
        data_path = read_env().directory or os.path.join(os.getcwd(), "placebo")
    pill = Pill(prefix=prefix, debug=debug, record_format=record_format, on_exhausted=on_exhausted)
    pill.attach(session, data_path)
    return pill
