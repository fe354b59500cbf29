"""The async shell: aiobotocore clients, recorded and replayed with the same files.

An aiobotocore client fires the events a botocore client fires, and its
emitter awaits a handler that returns a coroutine. So a
:class:`~placebo_unittest.Pill` watches an aiobotocore client (or an
aioboto3 one, which is the same thing) with the handlers of pill.py's
``_WIRING``, and through them the same :class:`~placebo_unittest.core.CallCore`:
the same numbering, matching, redaction, strictness and spy API. Only two
handlers are replaced, by the ones in :data:`_ASYNC` below, and only for
what an async client returns differently, its streaming bodies:

- replaying, a response built with botocore's ``StreamingBody`` gets
  aiobotocore's ``StreamingBody`` instead, over the same bytes, so the
  caller awaits ``read()`` as it would on a live one;
- recording, the live body is read (``await body.read()``) before the sync
  handler stores the response, and the caller gets an equivalent fresh body.

Everything else (choosing the recording, checking the request, building the
response, writing it) is the sync handlers' work, which they hand to the core.
Importing this module without aiobotocore raises
:class:`~placebo_unittest.errors.AsyncSupportMissingError`.
"""
from __future__ import annotations

import inspect
import io
import weakref
from collections.abc import AsyncIterator
from typing import Any

from botocore.response import StreamingBody as SyncStreamingBody

from .config import Mode
from .errors import AsyncSupportMissingError
from .eventstreams import (
    RECORDERS,
    Event,
    Recorder,
    StreamEnd,
    protocol_of,
    replayed_events,
    stream_frames,
    stream_member,
)
from .pill import FakeHttpResponse, Pill
from .session import cover_async_waiters
from .shortcut import marked, resolved_endpoint, unsent_request

try:
    from aiobotocore.client import AioBaseClient
    from aiobotocore.eventstream import AioEventStream
    from aiobotocore.parsers import create_parser as create_async_parser
    from aiobotocore.response import StreamingBody
except ImportError as exc:  # no async extra: the message says what to install
    raise AsyncSupportMissingError() from exc

__all__ = ["AsyncShell", "AsyncPlaybackShortcut", "wiring", "is_async_client", "is_async_class",
           "async_body", "RecordedResponse", "async_event_stream",
           "AsyncRecordingEventStream"]

#: The events whose handlers an aiobotocore client gets from :class:`AsyncShell`
#: (by method name) in place of the Pill's; the other events of ``_WIRING``
#: keep the Pill's own handlers.
_ASYNC = {
    "before-call.*.*": "before_call",
    "after-call.*.*": "after_call",
}

_shells: weakref.WeakKeyDictionary[Pill, AsyncShell] = weakref.WeakKeyDictionary()


def is_async_client(client: Any) -> bool:
    """True for an aiobotocore client (aioboto3's and s3fs's included)."""
    return isinstance(client, AioBaseClient)


def is_async_class(cls: Any) -> bool:
    """True for aiobotocore's client class and its subclasses."""
    return isinstance(cls, type) and issubclass(cls, AioBaseClient)


class AsyncPlaybackShortcut:
    """:class:`~placebo_unittest.shortcut.PlaybackShortcut` for aiobotocore
    clients, whose two request-building steps are coroutines."""

    meta: Any

    async def _resolve_endpoint_ruleset(self, *args: Any, **kwargs: Any) -> Any:
        original = super()._resolve_endpoint_ruleset  # type: ignore[misc]
        if marked(args, kwargs, "request_context", 2) is not None:
            return resolved_endpoint(self, original)
        return await original(*args, **kwargs)

    async def _convert_to_request_dict(self, *args: Any, **kwargs: Any) -> Any:
        context = marked(args, kwargs, "context", 3)
        if context is not None:
            return unsent_request(self, args, kwargs, context)
        return await super()._convert_to_request_dict(*args, **kwargs)  # type: ignore[misc]


def wiring(pill: Pill, client: Any, handlers: list[tuple[str, Any, str]]) -> list[tuple[str, Any, str]]:
    """``handlers`` (``(event, handler, how)``, as the pill registers them)
    for ``client``: unchanged for a botocore client, with :data:`_ASYNC`'s
    replacements for an aiobotocore one."""
    if not is_async_client(client):
        return handlers
    shell = _shells.get(pill)
    if shell is None:
        shell = _shells[pill] = AsyncShell(pill)
        cover_async_waiters()  # aiobotocore may have been loaded after playback began
    return [(event, getattr(shell, _ASYNC[event]) if event in _ASYNC else handler, how)
            for event, handler, how in handlers]


class RecordedResponse:
    """What an aiobotocore ``StreamingBody`` reads from on replay, where a live
    one reads from aiohttp's response: the recorded bytes. It offers the part
    of ``aiohttp.ClientResponse`` that the body uses (``content.read(n)``,
    ``async with``, ``close()``, ``release()``)."""

    url = "placebo-unittest:recording"

    def __init__(self, data: bytes):
        self.content = _RecordedContent(data)
        self.closed = False

    async def read(self) -> bytes:
        """The bytes not read yet."""
        return await self.content.read()

    def release(self) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> RecordedResponse:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()


class _RecordedContent:
    """The recorded bytes, read as aiohttp's ``StreamReader`` reads a body."""

    def __init__(self, data: bytes):
        self._buffer = io.BytesIO(data)
        self._size = len(data)

    async def read(self, n: int = -1) -> bytes:
        return self._buffer.read(n if n is not None and n >= 0 else -1)

    async def readany(self) -> bytes:
        return self._buffer.read()

    async def readline(self) -> bytes:
        return self._buffer.readline()

    def at_eof(self) -> bool:
        return self._buffer.tell() >= self._size


def async_body(data: bytes) -> Any:
    """A fresh aiobotocore ``StreamingBody`` holding ``data``."""
    return StreamingBody(RecordedResponse(data), len(data))


class _RecordedFrames:
    """What an aiobotocore ``AioEventStream`` reads frames from on replay, where
    a live one reads aiohttp's response: the recorded events' frames, one chunk each."""

    def __init__(self, frames: list[bytes]):
        self.content = self
        self._frames = frames
        self.closed = False

    async def iter_chunks(self) -> AsyncIterator[tuple[bytes, bool]]:
        for frame in self._frames:
            if self.closed:
                return
            yield frame, True

    def close(self) -> None:
        self.closed = True

    def release(self) -> None:
        self.closed = True


def async_event_stream(model: Any, events: list[Event]) -> Any:
    """aiobotocore's ``AioEventStream`` yielding ``events``, read by aiobotocore's
    own parser from the frames AWS would send (see :mod:`placebo_unittest.eventstreams`)."""
    member = stream_member(model)
    parser = create_async_parser(protocol_of(model))._event_stream_parser
    return AioEventStream(_RecordedFrames(stream_frames(model, events)), model.output_shape.members[member],
                          parser, model.name)


class AsyncRecordingEventStream(Recorder, AioEventStream):  # type: ignore[misc]  # aiobotocore is untyped
    """A live ``AioEventStream`` that keeps a copy of every event its reader is
    given (``async for``), as :class:`~placebo_unittest.eventstreams.RecordingEventStream`
    does for botocore's streams."""

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._read()

    async def _read(self) -> AsyncIterator[Event]:
        events = self._live.__aiter__()
        while True:
            try:
                event = await events.__anext__()
            except StopAsyncIteration:
                self._end(StreamEnd.COMPLETE)
                return
            except Exception as error:  # noted in the capture, raised as it was
                self._failed(error)
                raise
            self._keep(event)
            yield event

    async def get_initial_response(self) -> Any:
        return await self._live.get_initial_response()


RECORDERS.insert(0, (AioEventStream, AsyncRecordingEventStream))


def _payload(model: Any) -> str | None:
    """The member of ``model``'s output that is a streaming body, if any."""
    if not model.has_streaming_output:
        return None
    member: str = model.output_shape.serialization["payload"]
    return member


class AsyncShell:
    """The handlers an aiobotocore client gets in place of the Pill's (see the
    module's docstring). Each calls the Pill's own handler for the call's work."""

    def __init__(self, pill: Pill):
        self.pill = pill

    async def before_call(self, model: Any, **kwargs: Any) -> Any:
        """The Pill's answer, if it has one, with aiobotocore's streaming body."""
        response = self.pill._before_call(model, **kwargs)
        member = _payload(model) if response is not None else None
        if member is not None:
            data = response[1]
            if isinstance(data, dict) and type(data.get(member)) is SyncStreamingBody:
                data[member] = async_body(data[member].read())
        elif response is not None and model.has_event_stream_output and isinstance(response[1], dict):
            data, member = response[1], stream_member(model)
            events = replayed_events(data.get(member))
            if events is not None:  # the same events, read with aiobotocore's stream and parser
                data[member] = async_event_stream(model, events)
        return response

    async def after_call(self, http_response: Any, parsed: Any, model: Any, **kwargs: Any) -> None:
        """The Pill's recording step, given the streaming body's bytes; the
        caller gets a fresh body over them."""
        recording = ((self.pill.mode is Mode.RECORD or self.pill.records_missing)
                     and not isinstance(http_response, FakeHttpResponse))
        member = _payload(model) if recording else None
        live = parsed.get(member) if member is not None and isinstance(parsed, dict) else None
        if live is None or type(live) is SyncStreamingBody or not hasattr(live, "read"):
            self.pill._after_call(http_response=http_response, parsed=parsed, model=model, **kwargs)
            return
        read = live.read()
        data: bytes = await read if inspect.isawaitable(read) else read
        parsed[member] = SyncStreamingBody(io.BytesIO(data), len(data))
        try:
            self.pill._after_call(http_response=http_response, parsed=parsed, model=model, **kwargs)
        finally:
            parsed[member] = async_body(data)
