"""The Pill: records boto3 responses to files and plays them back.

All botocore event wiring lives here, driven by the one table ``_WIRING``.
Each client made by the attached session gets the handlers once, when it is
created; they then do whatever the pill's current mode says, so switching
between record, playback and stop never re-registers anything.

The handlers are thin: they pull the values they need out of botocore's
arguments and hand them to the pill's :class:`~placebo_unittest.core.CallCore`,
which chooses, checks, builds and writes recordings. They go through the
same overridable methods as placebo's Pill, so a subclass written for
placebo keeps working: every recorded response is handed to
:meth:`Pill.save_response`, which asks :meth:`Pill.get_new_file_path` where
to write, and every replayed one comes from :meth:`Pill.load_response`, which
asks :meth:`Pill.get_next_file_path` what to read. When none of them is
overridden, the handlers call the core directly.
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import sys
import threading
import weakref
from typing import Any

from botocore.eventstream import EventStream

from . import calls as _calls
from .calls import Call, copy_params
from .config import Match, Mode, OnExhausted, RecordFormat, coerce, read_env
from .core import CallCore, encode_response
from .errors import ConfigurationError, InvalidResponseError, RecordingNotFoundError
from .eventstreams import stream_member
from .filters import Names, RecordFilter
from .matching import IgnoreLike
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
from .redaction import RedactSpec
from .serializer import Recording, decode
from .shortcut import ANSWERED, PlaybackShortcut
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
        if match is None:
            match = settings.match or Match.ORDER
        #: What the pill does per call, whatever botocore event brought it.
        self._core = core = CallCore(
            prefix=prefix, record_format=record_format, on_exhausted=on_exhausted, match=match,
            ignore_params=ignore_params, redact=redact, anonymize_accounts=anonymize_accounts,
            legacy_types=legacy_types)
        self.debug = debug
        self.validate = bool(validate)
        extension = core.record_format.extension
        #: Matches a recording's file name; its ``index`` group is the number.
        self.filename_re = re.compile(rf"^.+\..+_(?P<index>[0-9]+)\.{re.escape(extension)}$")
        self._filename_re = self.filename_re
        self._serializer = get_serializer(extension)
        #: The botocore events this pill acts on, in placebo's notation.
        self.events: list[str] = []
        self._id = next(_pill_ids)
        self._pending_key = f"placebo_unittest.pending.{self._id}"
        self._params_key = f"placebo_unittest.params.{self._id}"
        self._stored_key = f"placebo_unittest.request.{self._id}"
        self._fill_key = f"placebo_unittest.fill.{self._id}"
        self._mode: Mode | None = None
        self._session: Any = None
        self._data_path: str | None = None
        self._filter = RecordFilter()
        self._local = threading.local()
        self.clients = []
        self._known: weakref.WeakSet[Any] = weakref.WeakSet()

    # -- properties ------------------------------------------------------
    @property
    def prefix(self) -> str | None:
        """Put before the service in every file name: ``<prefix>.<service>.<Operation>_<N>``."""
        return self._core.prefix

    @prefix.setter
    def prefix(self, prefix: str | None) -> None:
        self._core.prefix = prefix

    @property
    def label(self) -> str | None:
        """Names the test (or code) using this pill in error messages, if set."""
        return self._core.label

    @label.setter
    def label(self, label: str | None) -> None:
        self._core.label = label

    @property
    def legacy_types(self) -> bool:
        """Whether files placebo wrote replay with the types the botocore model gives."""
        return self._core.legacy_types

    @legacy_types.setter
    def legacy_types(self, legacy_types: bool) -> None:
        self._core.legacy_types = bool(legacy_types)

    @property
    def _index(self) -> dict[str, int]:
        """``"[prefix.]service.Operation"`` -> the number of the next call in
        playback: placebo's attribute, which subclasses read and change."""
        return self._core.index

    @_index.setter
    def _index(self, index: dict[str, int]) -> None:
        self._core.index = index

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
        return self._core.record_format.value

    @property
    def on_exhausted(self) -> str:
        return self._core.on_exhausted.value

    @property
    def recorded(self) -> list[str]:
        """Paths of the files this pill has written, in order."""
        return list(self._core.recorded)

    @property
    def replayed(self) -> int:
        """How many calls this pill has answered from recordings (queued responses not counted)."""
        return self._core.replayed

    @property
    def live_calls(self) -> int:
        """How many calls went over HTTP, unrecorded, while this pill was attached."""
        return self._core.live_calls

    @property
    def missing(self) -> list[str]:
        """Paths playback looked for and did not find, in order."""
        return list(self._core.missing)

    @property
    def match(self) -> str:
        """``"order"``, ``"verify"`` or ``"params"``."""
        return self._core.match.value

    @property
    def calls(self) -> list[Call]:
        """The calls made through this pill's clients, in order (see
        :class:`~placebo_unittest.Call`): the last 10,000 of them."""
        return list(self._core.calls)

    def find_calls(self, service: str | None = None, operation: str | None = None) -> list[Call]:
        """The calls to ``operation`` (``GetRole`` or ``get_role``) of
        ``service`` (botocore's name: ``iam``); either may be left out."""
        return self._core.calls.find(service, operation)

    def describe_calls(self) -> str:
        """Every call this pill has seen, one a line, for failure messages."""
        return self._core.calls.describe()

    # -- wiring ----------------------------------------------------------
    def attach(self, session: Any, data_path: str) -> None:
        """Watch ``session`` and keep recordings in ``data_path``. ``session`` is a
        ``boto3.Session``, a ``botocore.session.Session``, an aiobotocore
        ``AioSession`` or an aioboto3 ``Session``.

        Every client the session creates from now on, and the clients behind
        its resources, are recorded or replayed. A client made before this call
        can be brought in with :meth:`add_client`.
        """
        self._session = session
        self._data_path = os.fspath(data_path)
        self._core.store = RecordingStore(self._data_path)
        self._mixins: dict[type, type] = {}
        # boto3's and aioboto3's sessions hold the emitter as .events; botocore's
        # and aiobotocore's sessions take registrations themselves.
        getattr(session, "events", session).register(
            "creating-client-class", self._creating_client_class,
            unique_id=f"placebo_unittest-client-{self._id}",
        )
        LOG.debug("attached to %r, recordings in %s", session, self._data_path)

    def _creating_client_class(self, class_attributes: Any, base_classes: list[type], **kwargs: Any) -> None:
        shortcut: type = PlaybackShortcut
        if sys.modules.get("aiobotocore.client") is not None:  # an async client skips its requests with awaits
            from .aio import AsyncPlaybackShortcut, is_async_class

            if any(is_async_class(base) for base in base_classes):
                shortcut = AsyncPlaybackShortcut
        base_classes.insert(0, self._client_mixin(shortcut))

    def _client_mixin(self, shortcut: type) -> type:
        """The class put first among the bases of each client class the
        session makes: it brings the client under this pill as it is made,
        and lets calls this pill answers skip building their requests
        (see :mod:`placebo_unittest.shortcut`)."""
        known = self._mixins.get(shortcut)
        if known is not None:
            return known
        pill = weakref.ref(self)
        made: list[type] = []

        def __init__(client: Any, *args: Any, **kwargs: Any) -> None:
            super(made[0], client).__init__(*args, **kwargs)  # type: ignore[arg-type]  # mypy: a dynamic class
            owner = pill()
            if owner is not None:
                owner.add_client(client)

        made.append(type("PlaceboClientMixin", (shortcut,), {"__init__": __init__}))
        self._mixins[shortcut] = made[0]
        return made[0]

    def add_client(self, client: Any) -> None:
        """Bring ``client`` (a botocore or aiobotocore client) under this pill;
        harmless if it already is."""
        events = client.meta.events
        handlers = [(event, getattr(self, method), how) for event, method, how in _WIRING]
        if sys.modules.get("aiobotocore.client") is not None:  # an async client: the async shell's handlers
            from .aio import wiring

            handlers = wiring(self, client, handlers)
        for event, handler, how in handlers:
            getattr(events, how)(event, handler, unique_id=f"placebo_unittest-{self._id}-{event}")
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
        self._core.fill_missing = False
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
        self._core.restart()
        self._core.fill_missing = False
        self.events = ["before-call.*.*"]
        self._mode = Mode.PLAYBACK
        LOG.debug("playing back from %s", self._data_path)

    def record_missing(self) -> None:
        """Replay what has a recording and record what hasn't, from now on:
        playback (:attr:`mode` is ``Mode.PLAYBACK``), except that a call with
        no recording is sent and its response saved as the next number of its
        operation, beside the files already there, which are left as they
        are. Under ``match="params"`` a call has no recording when its
        parameters match no unused one; otherwise when it is beyond the last
        number. Every call is recorded, whatever :meth:`record` chose."""
        self.playback()
        self._core.fill_missing = True
        self._filter.reset("*", "*")
        self.events.append("after-call.*.*")
        LOG.debug("recording what is missing in %s", self._data_path)

    @property
    def records_missing(self) -> bool:
        """True in playback started by :meth:`record_missing`."""
        return self._mode is Mode.PLAYBACK and self._core.fill_missing

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
        """Neither record nor replay: calls go to AWS as if no pill were attached.
        A recorded event stream not yet read to its end is saved as far as it was read."""
        LOG.debug("stopping, mode=%s", self._mode)
        self._core.end_streams()
        self._mode = None
        self.events = []

    def _attached(self) -> RecordingStore:
        """The recording store, or NotAttachedError if there is none yet."""
        return self._core.attached()

    def _is_default(self, name: str) -> bool:
        """True unless a subclass (or the instance) replaced the method ``name``."""
        return getattr(getattr(self, name), "__func__", None) is getattr(Pill, name)

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
        core = self._core
        filling = core.fill_missing  # a call may be sent: its request is built
        if (mode is Mode.PLAYBACK and not filling and self._reads_own_files()
                and not context.get("is_presign_request")):
            context[ANSWERED] = True  # answered here, or an error: botocore needn't build the request
        if (
            (mode is Mode.RECORD and self._filter.wants(model))
            or (mode is Mode.PLAYBACK and (core.match is not Match.ORDER or filling))
            or core.queued.expects_params
        ):
            # Now, before the upload reads any body: its digest is taken here.
            context[self._stored_key] = core.stored_form(model, params)

    def _before_call(self, model: Any, context: Any = None, **kwargs: Any) -> Any:
        live = params = None
        if context:
            live = context.get(self._stored_key)
            params = context.get(self._params_key)
        core = self._core
        if core.queued:
            queued = core.answer_queued(model, live, params)
            if queued is not None:
                status, data = queued
                return self._http_response(status, data), data
        if self._mode is not Mode.PLAYBACK:
            return None
        if core.fill_missing:
            return self._answer_or_send(model, live, params, context)
        if self._reads_own_files():  # Pill's own steps: the core takes them directly
            status, data = core.answer(model, live, params)
            return self._http_response(status, data), data
        return self._load_through_subclass(model, live, params)

    def _answer_or_send(self, model: Any, live: Any, params: Any, context: Any) -> Any:
        """In :meth:`record_missing`'s playback: the recorded answer, or None
        (the call is sent) with the call marked to be recorded."""
        core = self._core
        if self._reads_own_files():
            answer = core.answer_if_recorded(model, live, params)
            if answer is not None:
                status, data = answer
                return self._http_response(status, data), data
        else:
            noted = len(core.missing)
            try:
                return self._load_through_subclass(model, live, params)
            except RecordingNotFoundError:
                core.unmiss(noted)  # it is recorded now, not missing
        if context is None:  # botocore always gives one; without it the call can't be told apart
            LOG.warning("%s.%s has no recording and no call context: it is sent, and not recorded",
                        model.service_model.service_name, model.name)
            return None
        context[self._fill_key] = True
        LOG.debug("%s.%s has no recording: sending it, to record it", model.service_model.service_name, model.name)
        return None

    def _load_through_subclass(self, model: Any, live: Any, params: Any) -> Any:
        """Replay through the load_response or get_next_file_path a subclass
        replaced, trying each name of the service the files may be under."""
        operation = model.name
        store = self._attached()
        prefix = self.prefix
        keys = read_keys(model.service_model)
        services = [k for k in keys if store.has(recording_stem(prefix, k), operation)] or list(keys)
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
        self._core.replayed_from(model, params, self._local.served)
        return response

    def _after_call(self, http_response: Any, parsed: Any, model: Any, context: Any = None, **kwargs: Any) -> None:
        if isinstance(http_response, FakeHttpResponse):
            return  # a replayed response
        filling = context is not None and context.get(self._fill_key) is True
        if not filling and (self._mode is not Mode.RECORD or context is None or not self._filter.wants(model)):
            # went to AWS and is not being recorded
            self._core.went_live(model, context.get(self._params_key) if context else None)
            return
        member = stream_member(model) if model.has_event_stream_output else None
        live_stream = parsed.get(member) if member is not None else None
        if isinstance(live_stream, EventStream):  # recorded as it is read: see CallCore.record_stream
            parsed = {key: value for key, value in parsed.items() if key != member}
        else:
            live_stream = None
        recording = encode_response(service_key(model.service_model), model.name, parsed,
                                    getattr(http_response, "status_code", 200))
        context[self._pending_key] = (recording, frozenset(parsed), live_stream)

    def _after_call_done(self, parsed: Any, model: Any, context: Any = None, **kwargs: Any) -> None:
        pending = context.pop(self._pending_key, None) if context else None
        if pending is None:
            return
        recording, keys_before, live_stream = pending
        member = stream_member(model) if live_stream is not None else None
        for key in parsed:  # what botocore's own after-call handlers added
            if key not in keys_before and key != member:
                recording.add(key, parsed[key])
        service = service_key(model.service_model)
        request = context.get(self._stored_key)
        if live_stream is not None:
            parsed[member] = self._core.record_stream(
                model, live_stream, recording, request,
                lambda finished, path, final: self._save(service, model.name, finished, path, final))
            path = None
        else:
            path = self._save(service, model.name, self._core.finish(model, recording, request), None, True)
        self._core.log(model, context.get(self._params_key), _calls.RECORDED, path)

    def _save(self, service: str, operation: str, recording: Recording, path: str | None,
              final: bool) -> str | None:
        """Write a recorded response: through :meth:`save_response` when a
        subclass replaced it, else as the next number, or over ``path`` (a
        recorded stream saved again, ``final`` once it has ended). A subclass
        sees only final saves."""
        if not self._is_default("save_response"):
            if not final:
                return None
            # A copy: what the subclass changes is what gets saved, never what the caller sees.
            self._local.recording = recording
            try:
                self.save_response(service, operation, decode(recording), recording.status_code)
            finally:
                self._local.recording = None
            return None
        if path is not None:
            return self._core.rewrite(path, recording)
        return self._write(service, operation, recording)

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
        recording = encode_response(service, operation, response_data, http_response)
        if hooked is not None:  # a recorded call, passing through a subclass
            recording.request, recording.accounts = hooked.request, hooked.accounts
        elif self.validate:
            service, operation = check_manual_response(service, operation, response_data, http_response)
        return self._write(service, operation, recording)

    def get_new_file_path(self, service: str, operation: str) -> str:
        """The path the next recording of ``service.operation`` would be written to."""
        return self._core.new_path(service, operation)

    def _write(self, service: str, operation: str, recording: Recording) -> str:
        where = None if self._is_default("get_new_file_path") else self.get_new_file_path
        return self._core.write(service, operation, recording, where)

    # -- playback: the overridable steps -----------------------------------
    def load_response(self, service: str, operation: str) -> tuple[FakeHttpResponse, Any]:
        """The next recorded ``(http_response, data)`` of ``service.operation``:
        the file :meth:`get_next_file_path` names, read and checked."""
        self._attached()
        found: Any = self.get_next_file_path(service, operation)
        if isinstance(found, (str, os.PathLike)):  # a subclass that returns only the path
            path, file_format = os.fspath(found), os.path.splitext(found)[1].lstrip(".")
        else:
            path, file_format = os.fspath(found[0]), found[1]
        model, live = getattr(self._local, "call", None) or (None, None)
        if model is not None and model.name != operation:
            model = live = None  # a subclass asked for another operation
        status, data = self._core.serve(path, file_format, service, operation, model, live,
                                        getattr(self._local, "number", 0))
        self._local.served = path
        return self._http_response(status, data), data

    def get_next_file_path(self, service: str, operation: str) -> tuple[str, str]:
        """``(path, format)`` of the recording that answers the next call of
        ``service.operation``, following ``on_exhausted`` past the last one.
        Raises :class:`~placebo_unittest.errors.RecordingNotFoundError` (a
        ``FileNotFoundError``) when there is none."""
        core = self._core
        core.attached()
        stem = recording_stem(self.prefix, service)
        call = core.next_call(stem, operation)
        self._local.number = call
        model, live = getattr(self._local, "call", None) or (None, None)
        if model is None or model.name != operation:
            live = None  # not the call being answered: choose by number
        return core.choose(stem, operation, call, live)

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
        recording = encode_response(service, operation, response_data, http_response)
        self._core.queue(service, operation, recording, expected_params)

    def unused_responses(self) -> list[str]:
        """Responses queued with :meth:`queue_response` that no call has used."""
        return self._core.queued.unused()

    def unused_recordings(self) -> list[str]:
        """Recordings in :attr:`data_path` not replayed since :meth:`playback` was called."""
        return self._core.unused_recordings()

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
