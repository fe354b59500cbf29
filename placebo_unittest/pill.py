"""The Pill: records boto3 responses to files and plays them back.

All botocore event wiring lives here, driven by the one table ``_WIRING``.
Each client made by the attached session gets the three handlers once, when
it is created; they then do whatever the pill's current mode says, so
switching between record, playback and stop never re-registers anything.

The handlers go through the same overridable methods as placebo's Pill, so a
subclass written for placebo keeps working: every recorded response is handed
to :meth:`Pill.save_response`, which asks :meth:`Pill.get_new_file_path`
where to write, and every replayed one comes from :meth:`Pill.load_response`,
which asks :meth:`Pill.get_next_file_path` what to read.
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import threading
import weakref
from collections.abc import Sequence
from typing import Any

from . import calls as _calls
from . import replay
from .accounts import AccountIdAnonymizer
from .calls import Call, CallLog, copy_params
from .config import Match, Mode, OnExhausted, RecordFormat, coerce, read_env
from .errors import (
    ConfigurationError,
    InvalidResponseError,
    NotAttachedError,
    PickleNotAllowedError,
    RecordingNotFoundError,
    UnserializableValueError,
)
from .filters import Names, RecordFilter
from .matching import IgnoreLike, compile_ignore
from .naming import read_keys, recording_stem, service_key

# placebo's pill module had these names, and code that wraps it uses them
# (``pill.serialize`` in a subclass's save_response, say).
from .placebo_format import (  # noqa: F401
    Format,
    deserialize,
    get_deserializer,
    get_serializer,
    serialize,
)
from .queue import ResponseQueue
from .redaction import (
    RedactSpec,
    redact_response,
    resolve_redactors,
)
from .serializer import Recording, decode, dumps, encode, materialize
from .storage import RecordingStore
from .validation import check_manual_response

__all__ = ["Pill", "FakeHttpResponse", "attach"]

#: The logger placebo_unittest writes to (``pill.LOG``, as in placebo).
LOG = logging.getLogger("placebo_unittest")
_DEBUG_FORMAT = "%(asctime)s - %(name)s - %(levelname)s - %(message)s"
_pill_ids = itertools.count(1)

# (event, Pill method, how it is registered). provide-client-params sees the
# parameters as the caller passed them, before botocore adds anything.
# before-call returns a recorded response, which makes botocore skip the HTTP
# request. after-call.*.* runs
# before botocore's own after-call handlers and records what the wire gave;
# the last handler on "after-call" then adds the members those handlers could
# only get from the raw HTTP body (s3 GetBucketLocation's LocationConstraint),
# and hands the response to save_response.
_WIRING = (
    ("provide-client-params.*.*", "_capture_params", "register_first"),
    ("before-call.*.*", "_before_call", "register_first"),
    ("after-call.*.*", "_after_call", "register_first"),
    ("after-call", "_after_call_done", "register_last"),
)

_OWN_READERS: dict[Any, bool] = {}  # Pill and its subclasses: do they keep Pill's playback steps?


def _reads_own_files(cls: Any) -> bool:
    known = _OWN_READERS.get(cls)
    if known is None:
        known = _OWN_READERS[cls] = (cls.load_response is Pill.load_response
                                     and cls.get_next_file_path is Pill.get_next_file_path)
    return known


class FakeHttpResponse:
    """What botocore's after-call handlers see in place of an HTTP response on replay.

    ``raw`` is None, as for a response whose body has been consumed, so
    handlers that would re-parse the body skip; the recording already holds
    what they produced. It is a class attribute, as code written for placebo
    sets it there.
    """

    raw: Any = None

    def __init__(self, status_code: int, headers: dict[str, str] | None = None):
        self.status_code = status_code
        self.headers = dict(headers or {})
        self.content = b""
        self.text = ""

    def __repr__(self) -> str:
        return f"FakeHttpResponse(status_code={self.status_code})"


class Pill:
    """Records the responses of a boto3 session's clients, or replays them.

    Use :func:`placebo_unittest.attach` to make one. ``record_format`` is
    ``"json"`` (the default, or ``$PLACEBO_FORMAT``) or ``"pickle"``;
    ``on_exhausted`` says what playback does once an operation's recordings
    have all been used: ``"cycle"`` back to the first (placebo's behaviour),
    ``"repeat_last"``, or ``"error"``. With ``legacy_types`` a file written by
    placebo (or another tool) gets the types the botocore model gives:
    base64 strings in blob fields become bytes, ISO strings in timestamp
    fields datetimes; without it they replay as placebo replays them.

    ``match`` says how playback checks each call's parameters against the
    recorded ones: ``"order"`` (placebo's way, the default, or
    ``$PLACEBO_MATCH``), ``"verify"`` or ``"params"`` (see
    :class:`~placebo_unittest.Match`); ``ignore_params`` names parameters left
    out of the comparison (see :func:`~placebo_unittest.matching.compile_ignore`).
    ``redact`` lists what is removed from responses and requests before they
    are written (default: every secret; see
    :func:`~placebo_unittest.redaction.resolve_redactors`), and
    ``anonymize_accounts`` (``True`` or a 12-digit id) replaces the recording
    account's id with a fixed one. With ``validate``, responses saved by hand
    with :meth:`save_response` are checked against the botocore model.

    Subclasses may override :meth:`save_response`, :meth:`load_response`,
    :meth:`get_new_file_path`, :meth:`get_next_file_path`, :meth:`record`,
    :meth:`playback` and :meth:`stop`, as they did placebo's Pill.
    """

    #: The clients this pill watches (each pill has its own list, made in
    #: ``__init__``; declared here because placebo's Pill declares it here).
    clients: list[Any] = []  # noqa: RUF012

    def __init__(
        self,
        prefix: str | None = None,
        debug: bool = False,
        record_format: str | RecordFormat | None = None,
        on_exhausted: str | OnExhausted = OnExhausted.CYCLE,
        legacy_types: bool = False,
        match: str | Match | None = None,
        ignore_params: IgnoreLike = None,
        redact: RedactSpec = True,
        anonymize_accounts: bool | str = False,
        validate: bool = False,
    ):
        if debug:
            _enable_debug_logging()
        settings = read_env()
        if record_format is None:
            record_format = settings.record_format or RecordFormat.JSON
        self._record_format = coerce(RecordFormat, record_format, "record_format")
        self._on_exhausted = coerce(OnExhausted, on_exhausted, "on_exhausted")
        #: Put before the service in every file name: ``<prefix>.<service>.<Operation>_<N>``.
        self.prefix = prefix
        self.debug = debug
        self.legacy_types = bool(legacy_types)
        self.validate = bool(validate)
        if match is None:
            match = settings.match or Match.ORDER
        self._match = coerce(Match, match, "match")
        self._ignore = compile_ignore(ignore_params)
        self._redactors = resolve_redactors(redact)
        self._anonymizer: AccountIdAnonymizer | None = None
        if anonymize_accounts:
            replacement = anonymize_accounts if isinstance(anonymize_accounts, str) else None
            self._anonymizer = (AccountIdAnonymizer(replacement=replacement) if replacement
                                else AccountIdAnonymizer())
            self._redactors.append(self._anonymizer)
        extension = self._record_format.extension
        #: Matches a recording's file name; its ``index`` group is the number.
        self.filename_re = re.compile(rf"^.+\..+_(?P<index>[0-9]+)\.{re.escape(extension)}$")
        self._filename_re = self.filename_re
        self._serializer = get_serializer(extension)
        #: ``"[prefix.]service.Operation"`` -> the number of the next call in playback.
        self._index: dict[str, int] = {}
        self._routes: dict[Any, tuple[str | None, tuple[tuple[str, str], ...]]] = {}
        #: The botocore events this pill acts on, in placebo's notation.
        self.events: list[str] = []
        self._id = next(_pill_ids)
        self._pending_key = f"placebo_unittest.pending.{self._id}"
        self._params_key = f"placebo_unittest.params.{self._id}"
        self._stored_key = f"placebo_unittest.request.{self._id}"
        self._calls = CallLog()
        self._params_indexes: dict[tuple[str, str], replay.ParamsIndex] = {}
        self._choose_lock = threading.Lock()
        self._mode: Mode | None = None
        self._session: Any = None
        self._data_path: str | None = None
        self._store: RecordingStore | None = None
        self._filter = RecordFilter()
        self._served: set[str] = set()
        self._recorded: list[str] = []
        self._replayed = 0
        self._live_calls = 0
        self._missing: list[str] = []
        self._queued = ResponseQueue()
        self._lock = threading.Lock()
        self._local = threading.local()
        self.clients = []
        self._known: weakref.WeakSet[Any] = weakref.WeakSet()
        #: Names the test (or code) using this pill in error messages, if set.
        self.label: str | None = None

    # -- properties ------------------------------------------------------
    @property
    def mode(self) -> Mode | None:
        """``Mode.RECORD``, ``Mode.PLAYBACK`` (both equal their strings), or None."""
        return self._mode

    @property
    def data_path(self) -> str | None:
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
    def recorded(self) -> list[str]:
        """Paths of the files this pill has written, in order."""
        return list(self._recorded)

    @property
    def replayed(self) -> int:
        """How many calls this pill has answered from recordings (queued responses not counted)."""
        return self._replayed

    @property
    def live_calls(self) -> int:
        """How many calls went over HTTP, unrecorded, while this pill was attached."""
        return self._live_calls

    @property
    def missing(self) -> list[str]:
        """Paths playback looked for and did not find, in order."""
        return list(self._missing)

    @property
    def match(self) -> str:
        """``"order"``, ``"verify"`` or ``"params"``."""
        return self._match.value

    @property
    def calls(self) -> list[Call]:
        """The calls made through this pill's clients, in order (see
        :class:`~placebo_unittest.Call`): the last 10,000 of them."""
        return list(self._calls)

    def find_calls(self, service: str | None = None, operation: str | None = None) -> list[Call]:
        """The calls to ``operation`` (``GetRole`` or ``get_role``) of
        ``service`` (botocore's name: ``iam``); either may be left out."""
        return self._calls.find(service, operation)

    def describe_calls(self) -> str:
        """Every call this pill has seen, one a line, for failure messages."""
        return self._calls.describe()

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
            unique_id=f"placebo_unittest-client-{self._id}",
        )
        LOG.debug("attached to %r, recordings in %s", session, self._data_path)

    def _creating_client_class(self, class_attributes: Any, base_classes: list[type], **kwargs: Any) -> None:
        base_classes.insert(0, self._mixin)

    def add_client(self, client: Any) -> None:
        """Bring ``client`` (a botocore client) under this pill; harmless if it already is."""
        events = client.meta.events
        for event, method, how in _WIRING:
            getattr(events, how)(
                event, getattr(self, method),
                unique_id=f"placebo_unittest-{self._id}-{event}",
            )
        if client not in self._known:
            self._known.add(client)
            self.clients.append(client)

    def has_client(self, client: Any) -> bool:
        """True if ``client`` is under this pill."""
        return client in self._known

    def remove_client(self, client: Any) -> None:
        """Undo :meth:`add_client`."""
        for event, _method, _how in _WIRING:
            client.meta.events.unregister(
                event, unique_id=f"placebo_unittest-{self._id}-{event}"
            )
        self._known.discard(client)
        self.clients = [c for c in self.clients if c is not client]

    # -- modes -----------------------------------------------------------
    def record(self, services: Names = "*", operations: Names = "*") -> None:
        """Record from now on. ``services`` and ``operations`` (comma-separated
        strings or lists, ``*`` wildcards allowed) limit what is saved; other
        calls go through unrecorded. A service matches by its event name
        (``elastic-load-balancing``), botocore name (``elb``) or endpoint prefix.
        Called again while recording, it records what either call asked for,
        as placebo's does."""
        self._attached()
        if self._mode is Mode.RECORD:
            chosen = self._filter.add(services, operations)
        else:
            chosen = self._filter.reset(services, operations)
            self.events = []
        self.events.extend(f"after-call.{s}.{o}" for s in chosen[0] for o in chosen[1])
        self._mode = Mode.RECORD
        LOG.debug("recording %s / %s", chosen[0], chosen[1])

    def playback(self) -> None:
        """Replay recordings from now on, each operation starting again at ``_1``."""
        self._attached()
        with self._lock:
            self._index.clear()
            self._served.clear()
            self._params_indexes.clear()
        self.events = ["before-call.*.*"]
        self._mode = Mode.PLAYBACK
        LOG.debug("playing back from %s", self._data_path)

    def resume(self, mode: str | Mode | None) -> None:
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
        self.events = []

    def _attached(self) -> RecordingStore:
        """The recording store, or NotAttachedError if there is none yet."""
        if self._store is None:
            raise NotAttachedError(
                "This Pill is not attached to a session: use placebo_unittest.attach(session, "
                "data_path), or call pill.attach(session, data_path) first.")
        return self._store

    def _is_default(self, name: str) -> bool:
        """True unless a subclass (or the instance) replaced the method ``name``."""
        return getattr(getattr(self, name), "__func__", None) is getattr(Pill, name)

    def _route(self, store: RecordingStore, model: Any) -> tuple[str, str]:
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
            for service, stem in names:
                if store.has(stem, model.name):
                    return service, stem
        return names[0]

    def _reads_own_files(self) -> bool:
        """True unless a subclass (or the instance) replaced how playback finds files."""
        instance = self.__dict__
        return ("load_response" not in instance and "get_next_file_path" not in instance
                and _reads_own_files(type(self)))

    # -- event handlers ----------------------------------------------------
    def _capture_params(self, params: Any, model: Any, context: Any = None, **kwargs: Any) -> None:
        if context is None:
            return
        context[self._params_key] = copy_params(params)
        mode = self._mode
        if (
            (mode is Mode.RECORD and self._filter.wants(model))
            or (mode is Mode.PLAYBACK and self._match is not Match.ORDER)
            or self._queued.expects_params
        ):
            # Now, before the upload reads any body: its digest is taken here.
            context[self._stored_key] = replay.stored_form(model, params, self._redactors)

    def _log(self, model: Any, context: Any, source: str, path: str | None) -> None:
        params = context.get(self._params_key) if context else None
        self._calls.log(model.service_model.service_name, model.name, params or {}, source, path)

    def _before_call(self, model: Any, context: Any = None, **kwargs: Any) -> Any:
        live = context.get(self._stored_key) if context else None
        if self._queued:
            response = self._reply_queued(model, context, live)
            if response is not None:
                return response
        if self._mode is not Mode.PLAYBACK:
            return None
        operation = model.name
        store = self._attached()
        if self._match is not Match.PARAMS and self._reads_own_files():
            # The default steps, taken directly: the same work as load_response.
            service, stem = self._route(store, model)
            call = self._next_call(stem, operation)
            path, file_format = self._numbered_file(store, stem, operation, call)
            response = self._serve(store, path, file_format, service, operation, model, live, call)
            with self._lock:
                self._replayed += 1
            self._log(model, context, _calls.RECORDING, path)
            return response
        prefix = self.prefix
        keys = read_keys(model.service_model)
        found = [k for k in keys if store.has(recording_stem(prefix, k), operation)]
        if self._reads_own_files():
            services = found[:1] or list(keys[:1])
        else:
            services = found or list(keys)  # the subclass keeps files elsewhere: try each name
        self._local.call = (model, live)
        self._local.served = None
        try:
            for attempt, service in enumerate(services, 1):
                try:
                    response = self.load_response(service, operation)
                    break
                except OSError:
                    if attempt == len(services):
                        raise
        finally:
            self._local.call = None
        with self._lock:
            self._replayed += 1
        self._log(model, context, _calls.RECORDING, self._local.served)
        return response

    def _reply_queued(self, model: Any, context: Any, live: Any) -> tuple[FakeHttpResponse, Any] | None:
        """The response queued for this call with :meth:`queue_response`, if there is one."""
        operation = model.name
        keys = read_keys(model.service_model)
        queued = self._queued.pop([recording_stem(self.prefix, k) for k in keys], operation)
        if queued is None:
            return None
        replay.check(queued, live, self._ignore, service=keys[0], operation=operation,
                     call=len(self._calls.find(model.service_model.service_name, operation)) + 1,
                     label=self.label)
        status, data = materialize(queued, model.output_shape)
        self._log(model, context, _calls.QUEUED, queued.path)
        return self._http_response(status, data), data

    def _after_call(self, http_response: Any, parsed: Any, model: Any, context: Any = None, **kwargs: Any) -> None:
        if isinstance(http_response, FakeHttpResponse):
            return  # a replayed response
        if self._mode is not Mode.RECORD or context is None or not self._filter.wants(model):
            with self._lock:
                self._live_calls += 1  # went to AWS and is not being recorded
            self._log(model, context, _calls.LIVE, None)
            return
        try:
            recording = encode(parsed, getattr(http_response, "status_code", 200))
        except UnserializableValueError as exc:
            exc.args = (f"{service_key(model.service_model)}.{model.name}: {exc.args[0]}",)
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
        recording = self._redacted(model, recording, context.get(self._stored_key))
        service = service_key(model.service_model)
        path = None
        if self._is_default("save_response"):
            path = self._write(service, model.name, recording)
        else:
            # A copy: what the subclass changes is what gets saved, never what the caller sees.
            self._local.recording = recording
            try:
                self.save_response(service, model.name, decode(recording), recording.status_code)
            finally:
                self._local.recording = None
        self._log(model, context, _calls.RECORDED, path)

    def _redacted(self, model: Any, recording: Recording, request: Any) -> Recording:
        """``recording`` with the redactors applied, and its request attached."""
        if self._redactors:
            data = redact_response(model.service_model.service_name, model.name, decode(recording),
                                   self._redactors)
            recording = encode(data, recording.status_code)
        anonymizer = self._anonymizer
        if anonymizer is not None:
            if request is not None:  # ids learned from this very response count too
                request = anonymizer.anonymize(request)
            if anonymizer.account_ids:
                recording.accounts = {"replacement": anonymizer.replacement,
                                      "fingerprints": anonymizer.fingerprints()}
        recording.request = request
        return recording

    # -- recording: the overridable steps ----------------------------------
    def save_response(self, service: str, operation: str, response_data: Any, http_response: int = 200) -> str:
        """Store ``response_data`` as the next recorded response of
        ``service.operation`` and return the file's path. ``service`` is the
        name used in file names (botocore's endpoint prefix: ``ec2``,
        ``monitoring``); ``http_response`` is the HTTP status code. Responses
        saved for one operation are replayed in the order they were saved.

        With ``validate``, a response saved by hand is first checked against
        the botocore model, and ``service`` and ``operation`` may be given as
        a client name (``cloudwatch``) and a method name (``list_metrics``).

        While recording, every response passes through here (as a redacted
        copy the override may change), so a subclass can scrub or redirect it."""
        LOG.debug("save_response: %s.%s", service, operation)
        hooked: Recording | None = getattr(self._local, "recording", None)
        if hooked is None:
            _check_status(service, operation, http_response)
        try:
            recording = encode(response_data, http_response)
        except UnserializableValueError as exc:
            exc.args = (f"{service}.{operation}: {exc.args[0]}",)
            raise
        if hooked is not None:  # a recorded call, passing through a subclass
            recording.request, recording.accounts = hooked.request, hooked.accounts
        elif self.validate:
            service, operation = check_manual_response(service, operation, response_data, http_response)
        return self._write(service, operation, recording)

    def get_new_file_path(self, service: str, operation: str) -> str:
        """The path the next recording of ``service.operation`` would be written to."""
        store = self._attached()
        stem = recording_stem(self.prefix, service)
        return store.path(stem, operation, store.next_number(stem, operation), self._record_format.extension)

    def _write(self, service: str, operation: str, recording: Recording) -> str:
        store = self._attached()
        payload = dumps(recording, self._record_format.value)
        if self._is_default("get_new_file_path"):
            # The store numbers the file as it creates it, so concurrent writers never collide.
            path = store.save(recording_stem(self.prefix, service), operation, payload,
                              self._record_format.extension)
        else:
            path = store.save_as(os.fspath(self.get_new_file_path(service, operation)), payload)
        with self._lock:
            self._recorded.append(path)
        return path

    # -- playback: the overridable steps -----------------------------------
    def load_response(self, service: str, operation: str) -> tuple[FakeHttpResponse, Any]:
        """The next recorded ``(http_response, data)`` of ``service.operation``:
        the file :meth:`get_next_file_path` names, read and checked."""
        store = self._attached()
        found: Any = self.get_next_file_path(service, operation)  # a subclass may return a path alone
        if isinstance(found, (str, os.PathLike)):  # a subclass that returns only the path
            path, file_format = os.fspath(found), os.path.splitext(found)[1].lstrip(".")
        else:
            path, file_format = os.fspath(found[0]), found[1]
        model, live = getattr(self._local, "call", None) or (None, None)
        if model is not None and model.name != operation:
            model = live = None  # a subclass asked for another operation
        response = self._serve(store, path, file_format, service, operation, model, live,
                               getattr(self._local, "number", 0))
        self._local.served = path
        return response

    def _serve(self, store: RecordingStore, path: str, file_format: str, service: str, operation: str,
               model: Any, live: Any, call: int) -> tuple[FakeHttpResponse, Any]:
        """The response the recording at ``path`` holds, checked against the call under ``match="verify"``."""
        if file_format == "pickle" and self._record_format is not RecordFormat.PICKLE:
            raise PickleNotAllowedError(
                f"{path} is a pickle file, and pickle files are loaded only when you choose "
                "pickle, because loading one runs code. If you trust it, pass "
                "record_format='pickle'.",
                service=service, operation=operation, path=path)
        loaded = store.load_path(path, file_format)
        with self._lock:
            self._served.add(path)  # reached, even if the check below fails the call
        if self._match is Match.VERIFY and live is not None:
            replay.check(loaded, live, self._ignore, service=service, operation=operation,
                         call=call, label=self.label)
        status, data = materialize(loaded, model.output_shape if self.legacy_types and model is not None else None)
        LOG.debug("replayed %s", path)
        return self._http_response(status, data), data

    def get_next_file_path(self, service: str, operation: str) -> tuple[str, str]:
        """``(path, format)`` of the recording that answers the next call of
        ``service.operation``, following ``on_exhausted`` past the last one.
        Raises :class:`~placebo_unittest.errors.RecordingNotFoundError` (a
        ``FileNotFoundError``) when there is none."""
        store = self._attached()
        stem = recording_stem(self.prefix, service)
        call = self._next_call(stem, operation)
        self._local.number = call
        model, live = getattr(self._local, "call", None) or (None, None)
        if self._match is Match.PARAMS and live is not None and model is not None and model.name == operation:
            with self._choose_lock:
                try:
                    index = self._params_indexes.get((stem, operation))
                    if index is None:
                        index = replay.ParamsIndex(store, stem, operation, self._order(), self._ignore,
                                                   self.label, self.prefix)
                        self._params_indexes[(stem, operation)] = index
                    number, extension = index.choose(live, self._on_exhausted, call)
                except RecordingNotFoundError as missing:
                    with self._lock:
                        self._missing.append(missing.path)
                    raise
            return store.path(stem, operation, number, extension), extension
        return self._numbered_file(store, stem, operation, call)

    def _next_call(self, stem: str, operation: str) -> int:
        """The number of this call of ``stem.operation``, counting from 1."""
        key = stem + "." + operation  # placebo's key: subclasses read _index
        with self._lock:
            call = self._index.get(key, 1)
            self._index[key] = call + 1
        return call

    def _order(self) -> Sequence[str]:
        """The file formats playback reads, in order of preference."""
        return ("pickle", "json") if self._record_format is RecordFormat.PICKLE else ("json",)

    def _numbered_file(self, store: RecordingStore, stem: str, operation: str, call: int) -> tuple[str, str]:
        """``(path, format)`` of the recording for ``call``, with ``on_exhausted`` applied."""
        try:
            return replay.numbered_file(store, stem, operation, call, self._on_exhausted, self._order(),
                                        self._record_format.extension, self.label, self.prefix)
        except PickleNotAllowedError:
            raise  # there is a recording: it is only of a format not chosen
        except RecordingNotFoundError as missing:
            with self._lock:
                self._missing.append(missing.path)
            raise

    @staticmethod
    def find_file_format(file_name: str) -> tuple[str | None, str | None]:
        """``(path, format)`` of ``file_name`` plus the first extension that
        exists (``.json``, then ``.pickle``), or ``(None, None)``."""
        for file_format in Format.ALLOWED:
            file_path = f"{file_name}.{file_format}"
            if os.path.exists(file_path):
                return file_path, file_format
        return None, None

    # -- in-memory responses -----------------------------------------------
    def queue_response(self, service: str, operation: str, response_data: Any, http_response: int = 200,
                       expected_params: dict[str, Any] | None = None) -> None:
        """Answer the next ``service.operation`` call with ``response_data``,
        from memory: nothing is written. Queued responses answer before
        recordings, in every mode, in the order they were queued. With
        ``expected_params``, the call must pass exactly those parameters, or
        it fails with :class:`~placebo_unittest.matching.RequestMismatchError`."""
        _check_status(service, operation, http_response)
        service, operation = check_manual_response(service, operation, response_data, http_response)
        try:
            recording = encode(response_data, http_response)
        except UnserializableValueError as exc:
            exc.args = (f"{service}.{operation}: {exc.args[0]}",)
            raise
        request = None
        if expected_params is not None:
            request = replay.expected_form(service, operation, expected_params, self._redactors)
        self._queued.add(recording_stem(self.prefix, service), operation, recording, request)

    def unused_responses(self) -> list[str]:
        """Responses queued with :meth:`queue_response` that no call has used."""
        return self._queued.unused()

    def unused_recordings(self) -> list[str]:
        """Recordings in :attr:`data_path` not replayed since :meth:`playback` was called."""
        store = self._attached()
        with self._lock:
            served = set(self._served)
        return [p for p in store.all_paths() if p not in served]

    @staticmethod
    def _http_response(status: int, data: Any) -> FakeHttpResponse:
        headers = None
        if isinstance(data, dict):
            metadata = data.get("ResponseMetadata")
            if isinstance(metadata, dict) and isinstance(metadata.get("HTTPHeaders"), dict):
                headers = metadata["HTTPHeaders"]
        return FakeHttpResponse(status, headers)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} mode={self._mode} data_path={self._data_path!r}>"


def _check_status(service: str, operation: str, status: Any) -> None:
    """A response given by hand must have an HTTP status, or it could never be read back."""
    if type(status) is not int or not 100 <= status <= 599:
        raise InvalidResponseError(service, operation, [
            "http_response must be the HTTP status code of the response, an int from 100 "
            f"to 599 such as 200 or 404, not {status!r}"])


def _enable_debug_logging() -> None:
    LOG.setLevel(logging.DEBUG)
    if not any(getattr(h, "_placebo_unittest", False) for h in LOG.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(_DEBUG_FORMAT))
        handler._placebo_unittest = True  # type: ignore[attr-defined]
        LOG.addHandler(handler)


def attach(
    session: Any,
    data_path: str | None = None,
    prefix: str | None = None,
    debug: bool = False,
    record_format: str | RecordFormat | None = None,
    on_exhausted: str | OnExhausted = OnExhausted.CYCLE,
    legacy_types: bool = False,
    match: str | Match | None = None,
    ignore_params: IgnoreLike = None,
    redact: RedactSpec = True,
    anonymize_accounts: bool | str = False,
    validate: bool = False,
) -> Pill:
    """Attach a new :class:`Pill` to ``session`` and return it.

    ``data_path`` defaults to ``$PLACEBO_DIR``, else ``./placebo``;
    ``record_format`` to ``$PLACEBO_FORMAT``, else ``"json"``; ``match`` to
    ``$PLACEBO_MATCH``, else ``"order"``. The other arguments are
    :class:`Pill`'s. The pill does nothing until you call
    :meth:`Pill.record` or :meth:`Pill.playback`.
    """
    if data_path is None:
        data_path = read_env().directory or os.path.join(os.getcwd(), "placebo")
    pill = Pill(prefix=prefix, debug=debug, record_format=record_format, on_exhausted=on_exhausted,
                legacy_types=legacy_types, match=match, ignore_params=ignore_params, redact=redact,
                anonymize_accounts=anonymize_accounts, validate=validate)
    pill.attach(session, data_path)
    return pill
