"""Event streams: the events boto3 yields, as the frames AWS sends, and back.

A few operations answer with a stream of events instead of one body: Bedrock
Runtime's ``ConverseStream`` and ``InvokeModelWithResponseStream``, Lambda's
``InvokeWithResponseStream``, Kinesis's ``SubscribeToShard``, S3's
``SelectObjectContent``. botocore hands the stream over as a
``botocore.eventstream.EventStream``; iterating it yields one dict per event,
whose one key names the event::

    {"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}

That list is what this module works with. :func:`encode` turns it into the
binary frames AWS sends for the operation's protocol, and :func:`event_stream`
turns those frames back into a real ``EventStream`` read by botocore's own
parser, so a replayed stream iterates, closes and fails as a live one does.
:class:`RecordingEventStream` wraps a live stream and keeps each event its
reader was given; :func:`check_events` says what is wrong with a list written
by hand.

An error in the stream is an event too. One the model names (Bedrock's
``throttlingException``) is written ``{"throttlingException": {"message":
"..."}}``; any other, such as S3's ``InternalError``, is ``{ERROR_EVENT:
{"Code": "InternalError", "Message": "..."}}``. Replayed, either raises
botocore's ``EventStreamError`` at its place in the stream.

Everything here works from botocore's model of the operation; the module
knows nothing of botocore events or of recording files.
"""
from __future__ import annotations

import binascii
import calendar
import copy
import datetime
import difflib
import http.client
import io
import json
import reprlib
import struct
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, cast
from xml.etree import ElementTree

from botocore.eventstream import EventStream
from botocore.exceptions import EventStreamError
from botocore.model import OperationModel, Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.utils import parse_to_aware_datetime
from botocore.validate import ParamValidator
from urllib3.response import HTTPResponse

from .errors import PlaceboError

__all__ = [
    "Event", "ERROR_EVENT",
    "stream_member", "event_names", "exception_names",
    "encode", "encode_frames", "event_stream", "replayed_events", "stream_frames", "protocol_of",
    "Recorder", "RecordingEventStream", "RECORDERS", "recorder_for", "Capture", "StreamEnd", "error_event",
    "event_for_error",
    "check_events", "validate_events",
    "NoEventStreamError", "InvalidEventsError",
]

#: One event as iterating an ``EventStream`` yields it: ``{name: members}``.
Event = dict[str, Any]

#: The name under which an error the model does not name is kept:
#: ``{ERROR_EVENT: {"Code": "InternalError", "Message": "..."}}``. No model
#: can name an event so, as a name in a model never starts with a colon.
ERROR_EVENT = ":error"

#: The protocols whose streams open with an ``initial-response`` event that
#: holds the rest of the response; the others send it in the HTTP headers.
_INITIAL_RESPONSE_PROTOCOLS = frozenset({"json", "smithy-rpc-v2-cbor"})
_JSON_PROTOCOLS = frozenset({"json", "rest-json"})
_SUPPORTED_PROTOCOLS = frozenset({"json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor"})


class NoEventStreamError(PlaceboError, ValueError):
    """The operation's response holds no event stream, or one in a protocol this module can't write."""


class InvalidEventsError(PlaceboError, ValueError):
    """A list of events that does not fit the operation's event stream."""

    def __init__(self, operation: str, problems: Sequence[str]):
        self.operation = operation
        self.problems = list(problems)
        super().__init__("Events that {} cannot send:\n  {}".format(operation, "\n  ".join(self.problems)))


# --- What the model says ------------------------------------------------------

def stream_member(operation_model: OperationModel) -> str | None:
    """The member of the operation's output that is its event stream, or None.

    ``"stream"`` for ConverseStream, ``"body"`` for
    InvokeModelWithResponseStream, ``"EventStream"`` for Lambda's
    InvokeWithResponseStream and Kinesis's SubscribeToShard, ``"Payload"``
    for S3's SelectObjectContent.
    """
    output = operation_model.output_shape
    if output is None:
        return None
    for name, shape in output.members.items():
        if shape.serialization.get("eventstream"):
            return str(name)
    return None


def event_names(operation_model: OperationModel) -> tuple[str, ...]:
    """Every name an event of the operation's stream may have, in the model's
    order, the error events it models among them (see :func:`exception_names`)."""
    return tuple(_stream_shape(operation_model).members)


def exception_names(operation_model: OperationModel) -> tuple[str, ...]:
    """The names among :func:`event_names` that are errors the model names
    (their shapes are marked ``exception``): replayed, each raises
    ``EventStreamError`` with the name as its code."""
    return tuple(name for name, shape in _stream_shape(operation_model).members.items()
                 if shape.metadata.get("exception"))


def _stream_shape(operation_model: OperationModel) -> Shape:
    member = stream_member(operation_model)
    if member is None:
        raise NoEventStreamError(f"{operation_model.name} does not answer with an event stream")
    return operation_model.output_shape.members[member]


def _protocol(operation_model: OperationModel) -> str:
    service = operation_model.service_model
    # Newer botocore picks one of the protocols a service lists; older ones knew only `protocol`.
    protocol = getattr(service, "resolved_protocol", None) or service.protocol
    if protocol not in _SUPPORTED_PROTOCOLS:
        raise NoEventStreamError(f"{operation_model.name} uses the {protocol!r} protocol, whose event streams "
                                 f"this module can't write (it writes {', '.join(sorted(_SUPPORTED_PROTOCOLS))})")
    return str(protocol)


# --- Events to frames ---------------------------------------------------------

def encode(operation_model: OperationModel, events: Sequence[Mapping[str, Any]], *,
           initial_response: Mapping[str, Any] | None = None) -> bytes:
    """The bytes of the event stream AWS would send for these events.

    ``events`` are one-key dicts as iterating the stream yields them.
    ``initial_response`` is, for the protocols that send one (``json``, as
    Kinesis uses, and ``smithy-rpc-v2-cbor``), the rest of the response's
    members, sent in the ``initial-response`` event that opens the stream;
    the other protocols send those in HTTP headers, so there it must be
    empty. Raises :class:`InvalidEventsError` for events the operation can't
    send.
    """
    return b"".join(encode_frames(operation_model, events, initial_response=initial_response))


def encode_frames(operation_model: OperationModel, events: Sequence[Mapping[str, Any]], *,
                  initial_response: Mapping[str, Any] | None = None) -> list[bytes]:
    """:func:`encode`, one frame (one event-stream message) per item."""
    writer = _FrameWriter(operation_model)
    return writer.frames(events, initial_response or {})


class _FrameWriter:
    """Writes the frames of one operation's stream with botocore's serializer for its protocol."""

    def __init__(self, operation_model: OperationModel):
        self.operation_model = operation_model
        self.shape = _stream_shape(operation_model)
        self.protocol = _protocol(operation_model)
        self.serializer = create_serializer(self.protocol, include_validation=False)
        # Epoch timestamps to the microsecond, as newer botocore writes them by
        # default; older releases round them to the second.
        self.serializer._timestamp_unixtimestamp = _epoch_seconds

    def frames(self, events: Sequence[Mapping[str, Any]], initial_response: Mapping[str, Any]) -> list[bytes]:
        name = self.operation_model.name
        problems = _shape_problems(self.operation_model, events, deep=False)
        if problems:
            raise InvalidEventsError(name, problems)
        frames = []
        if self.protocol in _INITIAL_RESPONSE_PROTOCOLS:
            try:
                frames.append(self.initial_response(initial_response))
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                raise InvalidEventsError(name, [f"initial_response {dict(initial_response)!r}: {error!r}"]) from error
        elif initial_response:
            raise InvalidEventsError(name, [
                f"initial_response: {name} sends the members beside its stream in the HTTP response, "
                f"not in an initial-response event; got {sorted(initial_response)}"])
        for index, event in enumerate(events):
            (event_name, value), = event.items()
            try:
                frames.append(self.event(event_name, value))
            except (AttributeError, KeyError, TypeError, ValueError) as error:
                found = check_events(self.operation_model, [event])
                detail = "; ".join(p.split(": ", 1)[-1] for p in found) or repr(error)
                raise InvalidEventsError(name, [f"event {index} ({event_name}): {detail}"]) from error
        return frames

    def event(self, name: str, value: Mapping[str, Any]) -> bytes:
        if name == ERROR_EVENT:
            headers = [(":message-type", "string", "error"), (":error-code", "string", value["Code"])]
            if value.get("Message") is not None:
                headers.append((":error-message", "string", value["Message"]))
            return _frame(headers, b"")
        shape = self.shape.members[name]
        if shape.metadata.get("exception"):
            # The whole structure is the payload: that is all botocore reads of an error.
            payload, body_type = self.body(shape, value)
            return _frame([(":message-type", "string", "exception"), (":exception-type", "string", name),
                           (":content-type", "string", body_type)], payload)
        headers = [(":message-type", "string", "event"), (":event-type", "string", name)]
        payload_member = next((member for member, member_shape in shape.members.items()
                               if member_shape.serialization.get("eventpayload")), None)
        in_body = {}
        for member, item in value.items():
            member_shape = shape.members[member]
            if member_shape.serialization.get("eventheader"):
                headers.append((member, member_shape.type_name, item))
            elif member != payload_member:
                in_body[member] = item
        content_type: str | None
        if payload_member is not None:
            if in_body:
                raise ValueError(f"{sorted(in_body)} are neither headers nor {name}'s payload, {payload_member!r}")
            payload, content_type = self.payload(shape.members[payload_member], value.get(payload_member))
        elif in_body:
            payload, content_type = self.body(shape, in_body)
        else:
            payload, content_type = b"", None  # as S3 sends its End event
        if content_type is not None:
            headers.append((":content-type", "string", content_type))
        return _frame(headers, payload)

    def initial_response(self, members: Mapping[str, Any]) -> bytes:
        payload, content_type = self.body(self.operation_model.output_shape, members)
        return _frame([(":message-type", "string", "event"), (":event-type", "string", "initial-response"),
                       (":content-type", "string", content_type)], payload)

    def payload(self, shape: Shape, value: Any) -> tuple[bytes, str]:
        """The payload of an event with a member marked ``eventpayload``: that member alone."""
        if shape.type_name == "blob":
            data = value.encode("utf-8") if isinstance(value, str) else bytes(value or b"")
            return data, "application/octet-stream"
        if shape.type_name == "string":
            return (value or "").encode("utf-8"), "text/plain"
        return self.body(shape, value or {})

    def body(self, shape: Shape, value: Mapping[str, Any]) -> tuple[bytes, str]:
        """A structure serialized as the protocol serializes a body (blobs in
        base64, timestamps in the protocol's format), with botocore's serializer."""
        # The serializers' per-type methods are botocore's own; only the
        # request envelope around them (URL, headers) does not apply here.
        if self.protocol in _JSON_PROTOCOLS:
            serialized: dict[str, Any] = {}
            self.serializer._serialize(serialized, value, shape)
            return json.dumps(serialized, separators=(",", ":")).encode("utf-8"), "application/json"
        if self.protocol == "rest-xml":
            root = ElementTree.Element("")
            self.serializer._serialize(shape, value, root, shape.serialization.get("name", shape.name))
            return ElementTree.tostring(next(iter(root)), encoding="utf-8"), "text/xml"
        data = bytearray()
        self.serializer._serialize_data_item(data, value, shape)
        return bytes(data), "application/cbor"


def _epoch_seconds(value: datetime.datetime) -> float | int:
    """``value`` as seconds since the epoch, with its microseconds (rounded once)."""
    seconds = calendar.timegm(value.timetuple())
    return (seconds * 10**6 + value.microsecond) / 10**6 if value.microsecond else seconds


_PRELUDE = struct.Struct("!II")
_CRC = struct.Struct("!I")
# Header value types of the event-stream encoding, by the model's type name.
_FIXED_HEADERS = {"byte": (2, "!b"), "short": (3, "!h"), "integer": (4, "!i"), "long": (5, "!q"),
                  "timestamp": (8, "!q")}
_SIZED_HEADERS = {"blob": 6, "string": 7}
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _frame(headers: Sequence[tuple[str, str, Any]], payload: bytes) -> bytes:
    """One message: prelude (total and headers length, their CRC32), headers, payload, CRC32 of all before.

    botocore reads these (``botocore.eventstream.EventStreamBuffer``) but has
    no writer; this is its inverse.
    """
    header_bytes = b"".join(_header(name, type_name, value) for name, type_name, value in headers)
    prelude = _PRELUDE.pack(_PRELUDE.size + _CRC.size + len(header_bytes) + len(payload) + _CRC.size,
                            len(header_bytes))
    message = prelude + _CRC.pack(binascii.crc32(prelude)) + header_bytes + payload
    return message + _CRC.pack(binascii.crc32(message))


def _header(name: str, type_name: str, value: Any) -> bytes:
    raw_name = name.encode("utf-8")
    start = struct.pack("!B", len(raw_name)) + raw_name
    if type_name == "boolean":
        return start + struct.pack("!B", 0 if value else 1)
    if type_name == "timestamp":  # milliseconds since the epoch, as botocore reads them
        value = (parse_to_aware_datetime(value) - _EPOCH) // datetime.timedelta(milliseconds=1)
    if type_name in _FIXED_HEADERS:
        code, layout = _FIXED_HEADERS[type_name]
        return start + struct.pack("!B", code) + struct.pack(layout, value)
    if type_name in _SIZED_HEADERS:
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        return start + struct.pack("!BH", _SIZED_HEADERS[type_name], len(data)) + data
    raise ValueError(f"an event header can't hold a {type_name} ({name!r})")


# --- Frames to a live-like EventStream ----------------------------------------

def event_stream(operation_model: OperationModel, events: Sequence[Mapping[str, Any]], *,
                 initial_response: Mapping[str, Any] | None = None) -> EventStream:
    """A ``botocore.eventstream.EventStream`` that yields ``events`` as a live one would.

    The stream reads the frames of :func:`encode` through the pieces that
    carry a live one (urllib3's response over ``http.client``'s, a chunk per
    frame) and is made by botocore's response parser for the operation's
    protocol, so it is botocore's own class with botocore's own event parser.
    For the ``json`` protocol that parser has already read the
    ``initial-response`` event, as it has for a live stream. A recorded
    error event raises ``EventStreamError`` where it stands.
    """
    frames = encode_frames(operation_model, events, initial_response=initial_response)
    kept = [dict(event) for event in events]
    response = {
        "status_code": 200,
        "headers": {},
        "body": _replayed_body(frames),
        "context": {"operation_name": operation_model.name},
    }
    parsed = create_parser(_protocol(operation_model)).parse(response, operation_model.output_shape)
    stream: EventStream = parsed[stream_member(operation_model)]
    _REPLAYED[stream] = kept
    return stream


#: The events each stream :func:`event_stream` made was made from.
_REPLAYED: weakref.WeakKeyDictionary[EventStream, list[Event]] = weakref.WeakKeyDictionary()


def replayed_events(stream: object) -> list[Event] | None:
    """The events a stream made by :func:`event_stream` yields, or None for
    any other object: what another shell needs to make its own stream of them."""
    try:
        return _REPLAYED.get(stream)
    except TypeError:  # not weakly referable: not one of ours
        return None


def stream_frames(operation_model: OperationModel, events: Sequence[Mapping[str, Any]]) -> list[bytes]:
    """The frames a stream object itself reads, once the response around it is
    parsed: :func:`encode_frames`, less the ``initial-response`` event that the
    ``json`` protocol's parser reads first."""
    frames = encode_frames(operation_model, events)
    return frames[1:] if _protocol(operation_model) in _INITIAL_RESPONSE_PROTOCOLS else frames


def protocol_of(operation_model: OperationModel) -> str:
    """The protocol the operation's stream is written in (``rest-json``, ``json``, ``rest-xml``...)."""
    return _protocol(operation_model)


class _RecordedSocket:
    """Just enough of a socket for ``http.client`` to read a response from bytes."""

    def __init__(self, data: bytes):
        self._data = data

    def makefile(self, mode: str) -> io.BytesIO:
        return io.BytesIO(self._data)


_HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n")


def _replayed_body(frames: Sequence[bytes]) -> HTTPResponse:
    """The frames as botocore gets a live stream's body: a urllib3 response, chunked, a frame per chunk.

    Being the same classes, it reads, closes and fails after closing as the
    live body does.
    """
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(frame), frame) for frame in frames) + b"0\r\n\r\n"
    raw = http.client.HTTPResponse(cast(Any, _RecordedSocket(_HEAD + chunks)), method="POST")
    raw.begin()
    return HTTPResponse(body=raw, headers=dict(raw.getheaders()), status=raw.status, preload_content=False,
                        decode_content=False, original_response=raw)


# --- Recording a live stream --------------------------------------------------

class StreamEnd(str, Enum):
    """How a recorded stream's capture ended."""

    COMPLETE = "complete"  # read to its end
    ERROR = "error"  # an error event ended it; that event is the last one captured
    CLOSED = "closed"  # its reader called close()
    FINISHED = "finished"  # its owner called finish() first, as at the end of a test that read part of it
    BROKEN = "broken"  # it failed with something that is not an event, such as a dropped connection


@dataclass(frozen=True)
class Capture:
    """What a :class:`RecordingEventStream` saw: ``encode(events)`` replays it."""

    events: list[Event]
    end: StreamEnd
    #: The exception that ended the stream: the ``EventStreamError`` of an
    #: error event (also in ``events``), or what broke a broken stream.
    exception: BaseException | None = None


class Recorder:
    """What a recording stream keeps, whatever reads it: the events handed to
    the reader, and how the capture ended. :class:`RecordingEventStream` is
    the one for botocore's streams; the async shell makes one for
    aiobotocore's from this and aiobotocore's stream class.

    Events are kept as each is handed over, so a reader that stops early
    leaves only what it read; an ``EventStreamError`` raised mid-stream is
    kept as its error event (see :func:`error_event`). The capture ends once:
    when the stream is read to its end or fails, when it is closed, or when
    the owner calls :meth:`finish` (from any thread); ``on_finish`` is then
    called with the :class:`Capture`. Events read after that are not kept.
    """

    # The stream class's __init__ is not called: every read goes to the live
    # stream, whose state (for the json protocol, already past its initial
    # response) can't be made again.
    def __init__(self, live: EventStream, operation_model: OperationModel,
                 on_finish: Callable[[Capture], None] | None = None):
        self._live = live
        self._operation_model = operation_model
        self._on_finish = on_finish
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._capture: Capture | None = None

    def __getattr__(self, name: str) -> Any:
        # What this class does not set (the live stream's _raw_stream, ...) is the live stream's.
        if name == "_live":
            raise AttributeError(name)
        return getattr(self._live, name)

    def close(self) -> None:
        try:
            self._live.close()
        finally:
            self._end(StreamEnd.CLOSED)

    def finish(self) -> Capture:
        """End the capture (if the stream has not ended it) and return it."""
        return self._end(StreamEnd.FINISHED)

    def when_finished(self, callback: Callable[[Capture], None]) -> None:
        """Call ``callback`` with the :class:`Capture` once it ends (at once, if it has)."""
        with self._lock:
            capture = self._capture
            if capture is None:
                self._on_finish = callback
        if capture is not None:
            callback(capture)

    @property
    def events(self) -> list[Event]:
        """A copy of the events kept so far."""
        with self._lock:
            return copy.deepcopy(self._events)

    @property
    def capture(self) -> Capture | None:
        """The capture, once it has ended."""
        return self._capture

    def _keep(self, event: Event) -> None:
        with self._lock:
            if self._capture is None:
                # A copy, so that a reader changing the dict it was given changes nothing here.
                self._events.append(copy.deepcopy(event))

    def _failed(self, error: Exception) -> None:
        """End the capture with the error reading the live stream raised: a
        modeled exception event (kept as the last event), or a broken stream."""
        if isinstance(error, EventStreamError):
            self._end(StreamEnd.ERROR, error, event_for_error(self._operation_model, error))
        else:
            self._end(StreamEnd.BROKEN, error)

    def _end(self, end: StreamEnd, exception: BaseException | None = None, last: Event | None = None) -> Capture:
        with self._lock:
            if self._capture is not None:
                return self._capture
            if last is not None:
                self._events.append(last)
            capture = self._capture = Capture(list(self._events), end, exception)
        if self._on_finish is not None:
            self._on_finish(capture)
        return capture


class RecordingEventStream(Recorder, EventStream):  # type: ignore[misc]  # botocore is untyped
    """A live ``EventStream`` that keeps a copy of every event its reader is given.

    The reader iterates, closes and asks for the initial response as on the
    live stream it wraps, and it is an ``EventStream``; see :class:`Recorder`
    for what is kept. Calling ``get_initial_response()`` on a stream that has
    none drops an event on a live stream, as here; that event is not kept.
    """

    def __iter__(self) -> Iterator[Event]:
        events = iter(self._live)
        while True:
            try:
                event = next(events)
            except StopIteration:
                self._end(StreamEnd.COMPLETE)
                return
            except Exception as error:  # noted in the capture, raised as it was
                self._failed(error)
                raise
            self._keep(event)
            yield event

    def get_initial_response(self) -> Any:
        return self._live.get_initial_response()



#: The recorder class for each kind of live stream, most specific first; the
#: async shell adds aiobotocore's. See :func:`recorder_for`.
RECORDERS: list[tuple[type, type[Recorder]]] = []


def recorder_for(live: EventStream) -> type[Recorder]:
    """The :class:`Recorder` class that records ``live``: :class:`RecordingEventStream`
    for botocore's streams, or one :data:`RECORDERS` names for another kind."""
    for kind, recorder in RECORDERS:
        if isinstance(live, kind):
            return recorder
    return RecordingEventStream


def error_event(operation_model: OperationModel, code: str, message: str) -> Event:
    """The event that replays as an ``EventStreamError`` with this code and message.

    botocore keeps only the code and message of an error event. A code the
    model names becomes that event, its message in the member botocore reads
    it from; any other is kept under :data:`ERROR_EVENT`.
    """
    shape = _stream_shape(operation_model)
    if code in exception_names(operation_model):
        members = shape.members[code].members
        # botocore reads "Message", then "message".
        member = next((name for name in ("Message", "message") if name in members), None)
        if not message:
            return {code: {}}
        if member is not None and members[member].type_name == "string":
            return {code: {member: message}}
    return {ERROR_EVENT: {"Code": code, "Message": message}}


def event_for_error(operation_model: OperationModel, error: EventStreamError) -> Event:
    """The event that stands for ``error``, raised by a stream mid-way (see :func:`error_event`)."""
    details = error.response.get("Error", {})
    return error_event(operation_model, str(details.get("Code", "")), str(details.get("Message", "")))


# --- Checking events written by hand ------------------------------------------

_VALIDATOR = ParamValidator()
_REPR = reprlib.Repr()
_REPR.maxstring = 40
_REPR.maxother = 40


def check_events(operation_model: OperationModel, events: object) -> list[str]:
    """What is wrong with a list of events for this operation, in sentences; empty if nothing.

    Each must be a one-key dict: a name from :func:`event_names` (or
    :data:`ERROR_EVENT`) whose value fits that event's shape, checked with
    botocore's validator; an event whose payload is one member must have it,
    as every live one does; an error event, which ends a stream, must be last.
    """
    return _shape_problems(operation_model, events, deep=True)


def validate_events(operation_model: OperationModel, events: object) -> None:
    """Raise :class:`InvalidEventsError` if :func:`check_events` finds anything."""
    problems = check_events(operation_model, events)
    if problems:
        raise InvalidEventsError(operation_model.name, problems)


def _shape_problems(operation_model: OperationModel, events: object, deep: bool) -> list[str]:
    shape = _stream_shape(operation_model)
    if not isinstance(events, Sequence) or isinstance(events, (str, bytes)):
        return [f"the events must be a list of one-key dicts, not {_describe(events)}"]
    errors = {ERROR_EVENT, *exception_names(operation_model)}
    problems = []
    for index, event in enumerate(events):
        where = f"event {index}"
        if not isinstance(event, Mapping) or len(event) != 1:
            problems.append(f"{where}: must be a dict with one key, the event's name, not {_describe(event)}")
            continue
        (name, value), = event.items()
        if name != ERROR_EVENT and name not in shape.members:
            problems.append(f"{where}: {_unknown(operation_model, name)}")
            continue
        where = f"{where} ({name})"
        if not isinstance(value, Mapping):
            problems.append(f"{where}: the event's members must be a dict, not {_describe(value)}")
            continue
        if name == ERROR_EVENT:
            problems.extend(f"{where}: {problem}" for problem in _error_problems(value))
        elif deep:
            problems.extend(f"{where}: {problem}" for problem in _member_problems(shape.members[name], value))
        if name in errors and index != len(events) - 1:
            problems.append(f"{where}: an error ends the stream, so the {len(events) - 1 - index} event(s) "
                            "after it would never be read")
    return problems


def _unknown(operation_model: OperationModel, name: object) -> str:
    names = event_names(operation_model)
    exceptions = set(exception_names(operation_model))
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    events = ", ".join(n for n in names if n not in exceptions)
    errors = ", ".join(n for n in names if n in exceptions)
    return (f"{name!r} is not an event of {operation_model.name}{hint or '.'} Its events: {events}; its errors: "
            f"{errors or 'none'} (or {ERROR_EVENT!r} with a Code and a Message for one the model does not name)")


def _member_problems(shape: Shape, value: Mapping[str, Any]) -> list[str]:
    report = _VALIDATOR.validate(dict(value), shape)
    problems = str(report.generate_report()).splitlines() if report.has_errors() else []
    for member, member_shape in shape.members.items():
        if member_shape.serialization.get("eventpayload") and member not in value:
            problems.append(f"missing {member!r}, the event's payload, which every live {shape.name} carries")
    return problems


def _error_problems(value: Mapping[str, Any]) -> list[str]:
    problems = []
    if not isinstance(value.get("Code"), str):
        problems.append(f"'Code' must be a str, not {_describe(value.get('Code'))}")
    if "Message" in value and not isinstance(value["Message"], str):
        problems.append(f"'Message' must be a str, not {_describe(value['Message'])}")
    unknown = sorted(set(value) - {"Code", "Message"}, key=str)
    if unknown:
        problems.append(f"unknown keys {unknown}; an error event holds only 'Code' and 'Message'")
    return problems


def _describe(value: object) -> str:
    return f"{type(value).__name__} ({_REPR.repr(value)})"
