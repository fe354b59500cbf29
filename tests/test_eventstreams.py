"""placebo_unittest.eventstreams: events to AWS's frames and back, and recording live streams.

Offline, lists of events go through encode() and event_stream() and come back
as they were, with their types. Marked ``recording``, real boto3 clients read
real streams over HTTP, from tests/eventstream_server.py (Bedrock Runtime,
Lambda, Kinesis) and from moto's server (S3 Select), through a
RecordingEventStream; what it captured replays exactly what the live client
yielded, error included.
"""
import datetime
import json
import threading

import botocore.session
import pytest
from botocore.eventstream import EventStream, EventStreamBuffer
from botocore.exceptions import EventStreamError
from botocore.model import ServiceModel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placebo_unittest.errors import PlaceboError
from placebo_unittest.eventstreams import (
    ERROR_EVENT,
    Capture,
    InvalidEventsError,
    NoEventStreamError,
    RecordingEventStream,
    StreamEnd,
    check_events,
    encode,
    encode_frames,
    error_event,
    event_names,
    event_stream,
    exception_names,
    stream_member,
    validate_events,
)

from conftest import NETWORK_CUT, make_session
from eventstream_server import EventStreamServer
from recording_helpers import assert_same
from stream_helpers import (
    CHUNKS,
    CONVERSE_EVENTS,
    KINESIS_EVENTS,
    LAMBDA_EVENTS,
    S3_EVENTS,
    UTC,
    assert_replayed,
    read,
)

_SESSION = botocore.session.Session()
_MODELS = {}


def model(service, operation):
    """botocore's model of an operation, read once per test run."""
    key = (service, operation)
    if key not in _MODELS:
        _MODELS[key] = _SESSION.get_service_model(service).operation_model(operation)
    return _MODELS[key]


def converse():
    return model("bedrock-runtime", "ConverseStream")


def invoke_model():
    return model("bedrock-runtime", "InvokeModelWithResponseStream")


def lambda_stream():
    return model("lambda", "InvokeWithResponseStream")


def kinesis():
    return model("kinesis", "SubscribeToShard")


def s3_select():
    return model("s3", "SelectObjectContent")


CASES = {
    "converse_stream": (converse, CONVERSE_EVENTS),
    "invoke_model_with_response_stream": (invoke_model, CHUNKS),
    "invoke_with_response_stream": (lambda_stream, LAMBDA_EVENTS),
    "subscribe_to_shard": (kinesis, KINESIS_EVENTS),
    "select_object_content": (s3_select, S3_EVENTS),
}


def messages(data):
    """The event-stream messages in ``data``, read by botocore (which checks both CRCs)."""
    buffer = EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


# --- The model ----------------------------------------------------------------

@pytest.mark.parametrize("case, member", [
    ("converse_stream", "stream"), ("invoke_model_with_response_stream", "body"),
    ("invoke_with_response_stream", "EventStream"), ("subscribe_to_shard", "EventStream"),
    ("select_object_content", "Payload"),
])
def test_stream_member(case, member):
    assert stream_member(CASES[case][0]()) == member


def test_an_operation_without_a_stream():
    list_buckets = model("s3", "ListBuckets")
    assert stream_member(list_buckets) is None
    with pytest.raises(NoEventStreamError, match="ListBuckets does not answer with an event stream") as caught:
        encode(list_buckets, [])
    assert isinstance(caught.value, PlaceboError)
    assert isinstance(caught.value, ValueError)


def test_event_and_exception_names():
    assert event_names(converse()) == (
        "messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata",
        "internalServerException", "modelStreamErrorException", "validationException", "throttlingException",
        "serviceUnavailableException")
    assert exception_names(converse()) == (
        "internalServerException", "modelStreamErrorException", "validationException", "throttlingException",
        "serviceUnavailableException")
    assert "modelTimeoutException" in exception_names(invoke_model())
    assert event_names(lambda_stream()) == ("PayloadChunk", "InvokeComplete")
    assert exception_names(lambda_stream()) == ()
    assert event_names(s3_select()) == ("Records", "Stats", "Progress", "Cont", "End")
    assert "ResourceNotFoundException" in exception_names(kinesis())


# --- Replaying events offline -------------------------------------------------

@pytest.mark.parametrize("case", sorted(CASES))
def test_replay_gives_the_events_back_with_their_types(case, local_tz):
    get_model, events = CASES[case]
    stream = event_stream(get_model(), events)
    assert type(stream) is EventStream
    replayed = list(stream)
    assert_replayed(events, replayed)
    assert replayed == events


def test_replayed_types_are_exact():
    chunk, = list(event_stream(invoke_model(), CHUNKS[:1]))
    assert type(chunk["chunk"]["bytes"]) is bytes
    lambda_events = list(event_stream(lambda_stream(), LAMBDA_EVENTS))
    assert type(lambda_events[1]["PayloadChunk"]["Payload"]) is bytes
    assert lambda_events[2] == {"PayloadChunk": {"Payload": b""}}
    first = next(iter(event_stream(kinesis(), KINESIS_EVENTS)))["SubscribeToShardEvent"]["Records"][0]
    assert type(first["Data"]) is bytes
    assert type(first["ApproximateArrivalTimestamp"]) is datetime.datetime
    assert first["ApproximateArrivalTimestamp"].utcoffset() is not None
    assert first["ApproximateArrivalTimestamp"] == KINESIS_EVENTS[0]["SubscribeToShardEvent"]["Records"][0][
        "ApproximateArrivalTimestamp"]
    stats = list(event_stream(s3_select(), S3_EVENTS))[2]["Stats"]["Details"]
    assert type(stats["BytesScanned"]) is int
    metadata = list(event_stream(converse(), CONVERSE_EVENTS))[-1]["metadata"]
    assert type(metadata["usage"]["inputTokens"]) is int
    assert type(metadata["metrics"]["latencyMs"]) is int


def test_a_replayed_stream_is_read_lazily_and_can_be_resumed():
    stream = event_stream(invoke_model(), CHUNKS)
    for event in stream:
        assert event == CHUNKS[0]
        break
    assert list(stream) == CHUNKS[1:]  # a second loop goes on where the first stopped, as live
    assert list(stream) == []


def test_an_empty_stream():
    for get_model, _ in CASES.values():
        assert list(event_stream(get_model(), [])) == []


@pytest.mark.parametrize("error", [
    {"throttlingException": {"message": "Too many requests, please wait."}},
    {"modelStreamErrorException": {"message": "The model failed.", "originalStatusCode": 500,
                                   "originalMessage": "upstream"}},
    {"validationException": {}},
])
def test_a_modelled_error_event_raises_where_it_stands(error):
    name, members = next(iter(error.items()))
    stream = event_stream(converse(), [*CONVERSE_EVENTS[:3], error])
    events, raised = read(stream)
    assert events == CONVERSE_EVENTS[:3]
    assert type(raised) is EventStreamError
    assert raised.response == {"Error": {"Code": name, "Message": members.get("message", "")}}
    assert raised.operation_name == "ConverseStream"
    assert list(stream) == []  # nothing follows an error, as AWS sends nothing after one


def test_an_error_the_model_does_not_name():
    stream = event_stream(s3_select(), [S3_EVENTS[0], {ERROR_EVENT: {"Code": "InternalError",
                                                                     "Message": "We encountered an error."}}])
    events, raised = read(stream)
    assert events == S3_EVENTS[:1]
    assert raised.response == {"Error": {"Code": "InternalError", "Message": "We encountered an error."}}
    assert str(raised) == ("An error occurred (InternalError) when calling the SelectObjectContent operation: "
                           "We encountered an error.")


def test_error_event_is_the_event_that_replays_an_error():
    assert error_event(converse(), "throttlingException", "slow") == {"throttlingException": {"message": "slow"}}
    assert error_event(converse(), "throttlingException", "") == {"throttlingException": {}}
    assert error_event(converse(), "InternalFailure", "x") == {ERROR_EVENT: {"Code": "InternalFailure",
                                                                             "Message": "x"}}
    for code, message in (("throttlingException", "slow"), ("validationException", ""), ("Other", "m")):
        _, raised = read(event_stream(converse(), [error_event(converse(), code, message)]))
        assert raised.response["Error"] == {"Code": code, "Message": message}


def test_json_protocol_streams_open_with_an_initial_response():
    frames = encode_frames(kinesis(), KINESIS_EVENTS)
    first = messages(frames[0])[0]
    assert first.headers == {":message-type": "event", ":event-type": "initial-response",
                             ":content-type": "application/json"}
    assert first.payload == b"{}"
    assert len(frames) == 1 + len(KINESIS_EVENTS)
    # botocore's parser has read the initial response, as it has of a live stream.
    assert [type(e) for e in event_stream(kinesis(), [])] == []
    with pytest.raises(InvalidEventsError, match="sends the members beside its stream in the HTTP response"):
        encode(lambda_stream(), [], initial_response={"StatusCode": 200})


def test_the_frames_are_those_aws_sends():
    converse_message, = messages(encode(converse(), CONVERSE_EVENTS[:1]))
    assert converse_message.headers == {":message-type": "event", ":event-type": "messageStart",
                                        ":content-type": "application/json"}
    assert json.loads(converse_message.payload) == {"role": "assistant"}
    chunk, = messages(encode(invoke_model(), [{"chunk": {"bytes": b"\x00\x01"}}]))
    assert json.loads(chunk.payload) == {"bytes": "AAE="}  # a blob member of a JSON body is base64
    payload_chunk, = messages(encode(lambda_stream(), LAMBDA_EVENTS[1:2]))
    assert payload_chunk.headers[":content-type"] == "application/octet-stream"
    assert payload_chunk.payload == bytes(range(256))  # the event's payload member is the raw payload
    records, _, stats, cont, end = messages(encode(s3_select(), S3_EVENTS))
    assert records.payload == S3_EVENTS[0]["Records"]["Payload"]
    assert stats.headers[":content-type"] == "text/xml"
    assert b"<Stats><BytesScanned>40</BytesScanned>" in stats.payload
    assert end.headers == {":message-type": "event", ":event-type": "End"} and end.payload == b""
    assert cont.headers[":event-type"] == "Cont"
    throttled, = messages(encode(converse(), [{"throttlingException": {"message": "slow"}}]))
    assert throttled.headers == {":message-type": "exception", ":exception-type": "throttlingException",
                                 ":content-type": "application/json"}
    assert json.loads(throttled.payload) == {"message": "slow"}
    failed, = messages(encode(s3_select(), [{ERROR_EVENT: {"Code": "InternalError", "Message": "m"}}]))
    assert failed.headers == {":message-type": "error", ":error-code": "InternalError", ":error-message": "m"}
    kinesis_event = messages(encode(kinesis(), KINESIS_EVENTS[:1]))[1]
    record = json.loads(kinesis_event.payload)["Records"][0]
    assert record["ApproximateArrivalTimestamp"] == 1714979289.123  # epoch seconds, as the JSON protocols send
    assert record["Data"] == "AGZpcnN0/w=="


def test_the_frames_carry_real_crcs():
    data = bytearray(encode(converse(), CONVERSE_EVENTS[:1]))
    assert len(messages(bytes(data))) == 1
    data[20] ^= 0xFF
    with pytest.raises(Exception, match="Checksum mismatch"):
        messages(bytes(data))


def test_encode_joins_the_frames():
    assert encode(lambda_stream(), LAMBDA_EVENTS) == b"".join(encode_frames(lambda_stream(), LAMBDA_EVENTS))
    assert encode(lambda_stream(), []) == b""


def test_encode_refuses_events_the_operation_cannot_send():
    with pytest.raises(InvalidEventsError) as caught:
        encode(converse(), [{"messageStart": {"role": "assistant"}, "metadata": {}}])
    assert "event 0: must be a dict with one key" in str(caught.value)
    with pytest.raises(InvalidEventsError, match="did you mean 'contentBlockDelta'"):
        encode(converse(), [{"contentBlockDelt": {}}])
    with pytest.raises(InvalidEventsError, match=r"event 0 \(messageStart\): .*Unknown parameter in input: \"rol\""):
        encode(converse(), [{"messageStart": {"rol": "assistant"}}])


# --- Event headers, which no AWS model uses yet -------------------------------

def header_model(protocol):
    """An operation whose events put members in headers, each type of header there is."""
    def member(shape, **traits):
        return {"shape": shape, **traits}

    header = dict(eventheader=True)
    shapes = {
        "WatchOutput": {"type": "structure", "members": {"events": member("Events")}, "payload": "events"},
        "Events": {"type": "structure", "eventstream": True, "members": {
            "tick": member("Tick"), "raw": member("Raw"), "text": member("Text"), "nested": member("Nested"),
            "oops": member("Oops")}},
        "Tick": {"type": "structure", "event": True, "members": {
            "on": member("Bool", **header), "off": member("Bool", **header), "b": member("Byte", **header),
            "s": member("Short", **header), "i": member("Int", **header), "l": member("Long", **header),
            "bin": member("Blob", **header), "str": member("Str", **header), "at": member("Time", **header),
            "note": member("Str"), "count": member("Int")}},
        "Raw": {"type": "structure", "event": True, "members": {
            "id": member("Str", **header), "data": member("Blob", eventpayload=True),
            "note": member("Str")}},  # which no model should have: neither header nor payload
        "Text": {"type": "structure", "event": True, "members": {"data": member("Str", eventpayload=True)}},
        "Nested": {"type": "structure", "event": True, "members": {
            "seq": member("Long", **header), "body": member("Body", eventpayload=True)}},
        "Body": {"type": "structure", "members": {"when": member("Time"), "tags": member("Tags")}},
        "Tags": {"type": "list", "member": member("Str")},
        "Oops": {"type": "structure", "exception": True, "members": {"Message": member("Str")}},
        "Bool": {"type": "boolean"}, "Byte": {"type": "byte"}, "Short": {"type": "short"},
        "Int": {"type": "integer"}, "Long": {"type": "long"}, "Blob": {"type": "blob"},
        "Str": {"type": "string"}, "Time": {"type": "timestamp"},
    }
    service = ServiceModel({
        "metadata": {"protocol": protocol, "protocols": [protocol], "apiVersion": "2024-01-01",
                     "endpointPrefix": "watch", "serviceId": "Watch", "signatureVersion": "v4",
                     "jsonVersion": "1.1", "targetPrefix": "Watch"},
        "operations": {"Watch": {"name": "Watch", "http": {"method": "POST", "requestUri": "/watch"},
                                 "output": {"shape": "WatchOutput"}}},
        "shapes": shapes,
    }, service_name="watch")
    return service.operation_model("Watch")


HEADER_EVENTS = [
    {"tick": {"on": True, "off": False, "b": -7, "s": 1234, "i": -123456, "l": 2**40, "bin": b"\x00\xff",
              "str": "hé", "at": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
              "note": "body text", "count": 3}},
    {"raw": {"id": "r1", "data": b"\x01\x02"}},
    {"text": {"data": "plain text"}},
    {"nested": {"seq": 9, "body": {"when": datetime.datetime(2024, 1, 2, tzinfo=UTC), "tags": ["a", "b"]}}},
    {"oops": {"Message": "it broke"}},
]


@pytest.mark.parametrize("protocol", ["rest-json", "rest-xml", "json", "smithy-rpc-v2-cbor"])
def test_members_in_headers_and_payloads(protocol):
    watch = header_model(protocol)
    events, raised = read(event_stream(watch, HEADER_EVENTS))
    assert_replayed(HEADER_EVENTS[:-1], events)
    assert raised.response["Error"] == {"Code": "oops", "Message": "it broke"}
    frames = encode_frames(watch, HEADER_EVENTS)
    tick = messages(frames[-5])[0]
    assert {name: tick.headers[name] for name in ("on", "off", "b", "s", "i", "l", "bin", "str", "at")} == {
        "on": True, "off": False, "b": -7, "s": 1234, "i": -123456, "l": 2**40, "bin": b"\x00\xff", "str": "hé",
        "at": 1704164645678}
    raw = messages(frames[-4])[0]
    assert raw.payload == b"\x01\x02" and raw.headers["id"] == "r1"
    text = messages(frames[-3])[0]
    assert (text.payload, text.headers[":content-type"]) == (b"plain text", "text/plain")


def test_a_member_that_is_neither_header_nor_payload_is_refused():
    watch = header_model("rest-json")
    with pytest.raises(InvalidEventsError, match="neither headers nor raw's payload"):
        encode(watch, [{"raw": {"id": "r1", "data": b"", "note": "where would this go?"}}])


# --- Checking events written by hand ------------------------------------------

def test_check_events_accepts_good_events():
    for get_model, events in CASES.values():
        assert check_events(get_model(), events) == []
    assert check_events(converse(), [*CONVERSE_EVENTS, {"throttlingException": {"message": "slow"}}]) == []


def test_check_events_names_the_valid_events_of_a_misspelt_one():
    problem, = check_events(converse(), [{"contentBlockDelt": {"delta": {"text": "x"}, "contentBlockIndex": 0}}])
    assert problem.startswith("event 0: 'contentBlockDelt' is not an event of ConverseStream; "
                              "did you mean 'contentBlockDelta'?")
    assert "Its events: messageStart, contentBlockStart, contentBlockDelta, contentBlockStop, messageStop, " \
           "metadata; its errors: internalServerException, modelStreamErrorException" in problem
    problem, = check_events(lambda_stream(), [{"Payload": {}}])
    assert "Its events: PayloadChunk, InvokeComplete; its errors: none" in problem


def test_check_events_finds_members_of_the_wrong_type():
    problems = check_events(converse(), [
        {"contentBlockDelta": {"delta": {"text": 1}, "contentBlockIndex": "0"}},
        {"metadata": {"usage": {"inputTokens": 1}, "metrics": {"latencyMs": 1}}},
        {"chunk": {}},
    ])
    assert problems[:2] == [
        "event 0 (contentBlockDelta): Invalid type for parameter delta.text, value: 1, type: <class 'int'>, "
        "valid types: <class 'str'>",
        "event 0 (contentBlockDelta): Invalid type for parameter contentBlockIndex, value: 0, "
        "type: <class 'str'>, valid types: <class 'int'>",
    ]
    assert 'event 1 (metadata): Missing required parameter in usage: "outputTokens"' in problems
    assert problems[-1].startswith("event 2: 'chunk' is not an event of ConverseStream")
    assert check_events(invoke_model(), [{"chunk": {"bytes": "text, not bytes"}}]) == []  # botocore takes str


def test_check_events_finds_shapeless_lists():
    assert check_events(converse(), {"messageStart": {}}) == [
        "the events must be a list of one-key dicts, not dict ({'messageStart': {}})"]
    assert check_events(converse(), [{}, "messageStart", {"messageStart": "assistant"}]) == [
        "event 0: must be a dict with one key, the event's name, not dict ({})",
        "event 1: must be a dict with one key, the event's name, not str ('messageStart')",
        "event 2 (messageStart): the event's members must be a dict, not str ('assistant')",
    ]


def test_check_events_wants_errors_last_and_payloads_present():
    assert check_events(converse(), [{"throttlingException": {"message": "slow"}}, *CONVERSE_EVENTS[:2]]) == [
        "event 0 (throttlingException): an error ends the stream, so the 2 event(s) after it would never be read"]
    assert check_events(lambda_stream(), [{"PayloadChunk": {}}]) == [
        "event 0 (PayloadChunk): missing 'Payload', the event's payload, which every live "
        "InvokeResponseStreamUpdate carries"]
    assert check_events(s3_select(), [{ERROR_EVENT: {"Code": 1, "Detail": "x"}}]) == [
        "event 0 (:error): 'Code' must be a str, not int (1)",
        "event 0 (:error): unknown keys ['Detail']; an error event holds only 'Code' and 'Message'",
    ]


def test_validate_events_raises():
    validate_events(converse(), CONVERSE_EVENTS)
    with pytest.raises(InvalidEventsError) as caught:
        validate_events(converse(), [{"messageStart": {}}])
    assert caught.value.problems == ['event 0 (messageStart): Missing required parameter in input: "role"']
    assert str(caught.value) == ("Events that ConverseStream cannot send:\n"
                                 '  event 0 (messageStart): Missing required parameter in input: "role"')


# --- Recording a stream (offline: a replayed stream stands in for a live one) --

def recorded(get_model, events):
    captures = []
    stream = RecordingEventStream(event_stream(get_model(), events), get_model(), on_finish=captures.append)
    return stream, captures


def test_recording_a_stream_read_to_its_end():
    stream, captures = recorded(converse, CONVERSE_EVENTS)
    assert isinstance(stream, EventStream)
    assert list(stream) == CONVERSE_EVENTS
    capture, = captures
    assert capture == Capture(CONVERSE_EVENTS, StreamEnd.COMPLETE)
    assert stream.finish() is capture and stream.capture is capture
    stream.close()
    assert len(captures) == 1


def test_recording_keeps_only_what_the_reader_was_given():
    stream, captures = recorded(invoke_model, CHUNKS)
    reader = iter(stream)
    read_two = [next(reader), next(reader)]
    assert stream.events == CHUNKS[:2] and captures == []
    capture = stream.finish()
    assert capture.events == read_two and capture.end is StreamEnd.FINISHED
    assert next(reader) == CHUNKS[2]  # the reader may go on; the capture has ended
    assert stream.finish().events == read_two and captures == [capture]
    assert list(event_stream(invoke_model(), capture.events)) == read_two


def test_recording_a_stream_read_in_two_loops():
    stream, captures = recorded(invoke_model, CHUNKS)
    for _ in stream:
        break
    assert captures == []
    assert list(stream) == CHUNKS[1:]
    assert captures[0].events == CHUNKS and captures[0].end is StreamEnd.COMPLETE


def test_recording_copies_the_events():
    stream, captures = recorded(converse, CONVERSE_EVENTS[:2])
    for event in stream:
        event.clear()  # the code under test may change what it is given
    assert captures[0].events == CONVERSE_EVENTS[:2]


def test_recording_an_error():
    error = {"modelStreamErrorException": {"message": "The model failed.", "originalStatusCode": 500}}
    stream, captures = recorded(converse, [*CONVERSE_EVENTS[:2], error])
    events, raised = read(stream)
    capture, = captures
    assert capture.end is StreamEnd.ERROR and capture.exception is raised
    # botocore keeps the code and message of an error event, and so does the capture.
    assert capture.events == [*CONVERSE_EVENTS[:2], {"modelStreamErrorException": {"message": "The model failed."}}]
    replayed, replayed_error = read(event_stream(converse(), capture.events))
    assert_same(events, replayed)
    assert_same(raised, replayed_error)


def test_recording_a_closed_stream():
    stream, captures = recorded(lambda_stream, LAMBDA_EVENTS)
    reader = iter(stream)
    next(reader)
    stream.close()
    assert captures == [Capture(LAMBDA_EVENTS[:1], StreamEnd.CLOSED)]


def test_recording_a_broken_stream():
    class Breaks:
        def __iter__(self):
            yield CHUNKS[0]
            raise ConnectionResetError("the connection dropped")

    captures = []
    stream = RecordingEventStream(Breaks(), invoke_model(), captures.append)
    with pytest.raises(ConnectionResetError):
        list(stream)
    capture, = captures
    assert (capture.events, capture.end, type(capture.exception)) == (CHUNKS[:1], StreamEnd.BROKEN,
                                                                      ConnectionResetError)


def test_finish_from_another_thread_fires_once():
    stream, captures = recorded(invoke_model, CHUNKS)
    reader = iter(stream)
    next(reader)
    threads = [threading.Thread(target=stream.finish) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert captures == [Capture(CHUNKS[:1], StreamEnd.FINISHED)]


def test_the_recording_stream_passes_the_rest_to_the_live_one():
    live = event_stream(kinesis(), KINESIS_EVENTS)
    stream = RecordingEventStream(live, kinesis())
    assert stream._raw_stream is live._raw_stream
    with pytest.raises(Exception, match="initial-response"):  # as the live stream: botocore has read it
        stream.get_initial_response()


# --- Live streams over real HTTP ------------------------------------------------

@pytest.fixture(scope="module")
def stream_server():
    """tests/eventstream_server.py on a free loopback port, for this module."""
    if NETWORK_CUT:
        pytest.skip("the network is cut for this run")
    with EventStreamServer() as server:
        yield server


@pytest.fixture
def server(stream_server):
    stream_server.reset()
    yield stream_server
    assert stream_server.unanswered() == []


@pytest.fixture
def clients(server):
    """``clients("lambda")``: a boto3 client of the stream server, closed after the test."""
    made = []

    def make(service, **kwargs):
        client = make_session().client(service, endpoint_url=server.url, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def record_and_replay(stream, operation_model):
    """Read ``stream`` through a RecordingEventStream, replay its capture, and check the two agree."""
    captures = []
    recording = RecordingEventStream(stream, operation_model, captures.append)
    assert isinstance(recording, EventStream)
    live_events, live_error = read(recording)
    recording.close()  # which releases the connection; the capture has ended already
    capture, = captures
    replayed_events, replayed_error = read(event_stream(operation_model, capture.events))
    assert_same(live_events, replayed_events)
    assert_same(live_error, replayed_error)
    return live_events, live_error, capture


def converse_request(client):
    return client.converse_stream(modelId="amazon.nova-lite-v1:0",
                                  messages=[{"role": "user", "content": [{"text": "Weather in Paris?"}]}])


@pytest.mark.recording
def test_live_converse_stream(server, clients):
    server.answer("ConverseStream", CONVERSE_EVENTS)
    response = converse_request(clients("bedrock-runtime"))
    assert type(response["stream"]) is EventStream
    events, error, capture = record_and_replay(response["stream"], converse())
    assert error is None and capture.end is StreamEnd.COMPLETE
    assert_same(CONVERSE_EVENTS, events)
    assert [e["metadata"]["usage"]["totalTokens"] for e in events if "metadata" in e] == [19]
    request, = server.requests
    assert (request.operation, request.method, request.path) == (
        "ConverseStream", "POST", "/model/amazon.nova-lite-v1%3A0/converse-stream")
    assert json.loads(request.body)["messages"][0]["content"] == [{"text": "Weather in Paris?"}]
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=testing/")


@pytest.mark.recording
def test_live_invoke_model_with_response_stream(server, clients):
    server.answer("InvokeModelWithResponseStream", CHUNKS, initial={"contentType": "application/json"})
    response = clients("bedrock-runtime").invoke_model_with_response_stream(
        modelId="anthropic.claude-3-haiku-20240307-v1:0", body=json.dumps({"prompt": "story"}))
    assert response["contentType"] == "application/json"
    events, error, capture = record_and_replay(response["body"], invoke_model())
    assert error is None and capture.end is StreamEnd.COMPLETE
    assert_same(CHUNKS, events)
    assert all(type(e["chunk"]["bytes"]) is bytes for e in events)
    assert server.requests[0].path == "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke-with-response-stream"


@pytest.mark.recording
def test_live_lambda_invoke_with_response_stream(server, clients):
    server.answer("InvokeWithResponseStream", LAMBDA_EVENTS, initial={"StatusCode": 200,
                                                                      "ExecutedVersion": "$LATEST"})
    response = clients("lambda").invoke_with_response_stream(FunctionName="streamer", Payload=b'{"n": 3}')
    assert (response["StatusCode"], response["ExecutedVersion"]) == (200, "$LATEST")
    events, error, capture = record_and_replay(response["EventStream"], lambda_stream())
    assert error is None and capture.end is StreamEnd.COMPLETE
    assert_same(LAMBDA_EVENTS, events)
    assert server.requests[0].path == "/2021-11-15/functions/streamer/response-streaming-invocations"
    assert server.requests[0].body == b'{"n": 3}'


@pytest.mark.recording
def test_live_kinesis_subscribe_to_shard(server, clients, local_tz):
    server.answer("SubscribeToShard", KINESIS_EVENTS)
    response = clients("kinesis").subscribe_to_shard(
        ConsumerARN="arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/app:1",
        ShardId="shardId-000000000000", StartingPosition={"Type": "LATEST"})
    events, error, capture = record_and_replay(response["EventStream"], kinesis())
    assert error is None and capture.end is StreamEnd.COMPLETE
    assert_replayed(KINESIS_EVENTS, events)
    arrived = events[0]["SubscribeToShardEvent"]["Records"][0]["ApproximateArrivalTimestamp"]
    assert type(arrived) is datetime.datetime and arrived.tzinfo is not None
    request, = server.requests
    assert request.headers["x-amz-target"] == "Kinesis_20131202.SubscribeToShard"
    assert json.loads(request.body)["ShardId"] == "shardId-000000000000"


@pytest.mark.recording
@pytest.mark.parametrize("error", [
    {"throttlingException": {"message": "Too many tokens, please wait."}},
    {"modelStreamErrorException": {"message": "The model failed.", "originalStatusCode": 500,
                                   "originalMessage": "upstream"}},
    {ERROR_EVENT: {"Code": "InternalFailure", "Message": "Something broke."}},
])
def test_live_error_mid_stream(server, clients, error):
    server.answer("ConverseStream", [*CONVERSE_EVENTS[:3], error])
    response = converse_request(clients("bedrock-runtime"))
    events, raised, capture = record_and_replay(response["stream"], converse())
    assert events == CONVERSE_EVENTS[:3]
    assert type(raised) is EventStreamError
    name, members = next(iter(error.items()))
    code, message = (members["Code"], members["Message"]) if name == ERROR_EVENT else (name, members["message"])
    assert raised.response["Error"] == {"Code": code, "Message": message}
    assert capture.end is StreamEnd.ERROR and capture.events[-1] == error_event(converse(), code, message)


@pytest.mark.recording
def test_live_empty_stream(server, clients):
    server.answer("InvokeModelWithResponseStream", [])
    server.answer("SubscribeToShard", [])
    response = clients("bedrock-runtime").invoke_model_with_response_stream(modelId="m", body=b"{}")
    events, error, capture = record_and_replay(response["body"], invoke_model())
    assert (events, error, capture.events, capture.end) == ([], None, [], StreamEnd.COMPLETE)
    response = clients("kinesis").subscribe_to_shard(
        ConsumerARN="arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/app:1",
        ShardId="shardId-000000000000", StartingPosition={"Type": "LATEST"})
    assert record_and_replay(response["EventStream"], kinesis())[0] == []


@pytest.mark.recording
def test_live_stream_read_in_part(server, clients):
    server.answer("InvokeModelWithResponseStream", CHUNKS)
    response = clients("bedrock-runtime").invoke_model_with_response_stream(modelId="m", body=b"{}")
    captures = []
    recording = RecordingEventStream(response["body"], invoke_model(), captures.append)
    reader = iter(recording)
    live = [next(reader), next(reader)]
    finisher = threading.Thread(target=recording.finish)  # the owner, at the end of the test
    finisher.start()
    finisher.join()
    recording.close()
    capture, = captures
    assert (capture.events, capture.end) == (live, StreamEnd.FINISHED)
    assert_same(live, list(event_stream(invoke_model(), capture.events)))


@pytest.mark.recording
def test_live_and_replayed_streams_close_alike(server, clients):
    server.answer("InvokeWithResponseStream", LAMBDA_EVENTS)
    response = clients("lambda").invoke_with_response_stream(FunctionName="f")
    outcomes = []
    captures = []
    for stream in (RecordingEventStream(response["EventStream"], lambda_stream(), captures.append), None):
        if stream is None:
            stream = event_stream(lambda_stream(), captures[0].events + LAMBDA_EVENTS[1:])
        reader = iter(stream)
        first = next(reader)
        stream.close()
        try:
            after = ("events", list(reader))
        except Exception as error:  # noqa: BLE001 - the outcome is compared, whatever it is
            after = ("raised", type(error))
        outcomes.append((first, after))
    assert outcomes[0] == outcomes[1]
    assert captures[0] == Capture(LAMBDA_EVENTS[:1], StreamEnd.CLOSED)


@pytest.mark.recording
def test_the_server_records_an_unscripted_request(server, clients):
    from botocore.config import Config
    from botocore.exceptions import ClientError

    client = clients("lambda", config=Config(retries={"total_max_attempts": 1}))
    with pytest.raises(ClientError, match="no answer scripted for InvokeWithResponseStream"):
        client.invoke_with_response_stream(FunctionName="f")
    assert [r.operation for r in server.requests] == ["InvokeWithResponseStream"]


@pytest.mark.recording
def test_live_s3_select_object_content(moto, local_tz):
    s3 = make_session().client("s3", endpoint_url=moto.url)
    s3.create_bucket(Bucket="placebo-select")
    s3.put_object(Bucket="placebo-select", Key="people.csv", Body=b"name,age\nada,36\nalan,41\n")
    response = s3.select_object_content(
        Bucket="placebo-select", Key="people.csv", Expression="SELECT * FROM S3Object s", ExpressionType="SQL",
        InputSerialization={"CSV": {"FileHeaderInfo": "USE"}}, OutputSerialization={"JSON": {}})
    events, error, capture = record_and_replay(response["Payload"], s3_select())
    s3.close()
    assert error is None and capture.end is StreamEnd.COMPLETE
    assert [next(iter(e)) for e in events] == ["Records", "Stats", "End"]
    assert type(events[0]["Records"]["Payload"]) is bytes and b"ada" in events[0]["Records"]["Payload"]
    assert type(events[1]["Stats"]["Details"]["BytesScanned"]) is int


# --- Round trips of generated events --------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
# XML holds no control characters (it turns \r into \n) and no U+FFFE or U+FFFF.
_XML_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn"), whitelist_characters="\t\n"),
                    max_size=30)
_DOCUMENTS = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8)


def values(shape, xml=False, depth=0):
    """A strategy for values of a botocore shape, as boto3 gives them."""
    kind = shape.type_name
    text = _XML_TEXT if xml else _TEXT
    if kind == "structure":
        if shape.is_document_type:
            # A member that is None is one botocore leaves out, in a document as elsewhere.
            return _DOCUMENTS.filter(lambda value: value is not None)
        members = shape.members
        if shape.metadata.get("union"):
            return st.one_of([st.fixed_dictionaries({name: values(member, xml, depth + 1)})
                              for name, member in members.items()])
        required = set(shape.metadata.get("required", ()))
        required |= {name for name, member in members.items() if member.serialization.get("eventpayload")}
        optional = {} if depth > 3 else {name: values(member, xml, depth + 1)
                                         for name, member in members.items() if name not in required}
        return st.fixed_dictionaries({name: values(members[name], xml, depth + 1) for name in sorted(required)},
                                     optional=optional)
    if kind == "list":
        return st.lists(values(shape.member, xml, depth + 1), max_size=0 if depth > 3 else 3)
    if kind == "map":
        return st.dictionaries(text, values(shape.value, xml, depth + 1), max_size=0 if depth > 3 else 3)
    if kind == "string":
        return st.sampled_from(shape.enum) if shape.enum else text
    return {
        "blob": st.binary(max_size=24),
        "boolean": st.booleans(),
        "integer": st.integers(-2**31, 2**31 - 1),
        "long": st.integers(-2**63, 2**63 - 1),
        "float": st.floats(allow_nan=False, allow_infinity=False, width=32),
        "double": st.floats(allow_nan=False, allow_infinity=False),
        "timestamp": st.datetimes(datetime.datetime(1970, 1, 2), datetime.datetime(2200, 1, 1),
                                  timezones=st.just(UTC)),
    }[kind]


def events_of(operation_model):
    """A strategy for lists of events (errors aside) of the operation's stream."""
    xml = operation_model.service_model.protocol == "rest-xml"
    shape = operation_model.output_shape.members[stream_member(operation_model)]
    kinds = [st.fixed_dictionaries({name: values(member, xml)}) for name, member in shape.members.items()
             if not member.metadata.get("exception")]
    return st.lists(st.one_of(kinds), max_size=4)


CONVERSE_DELTAS = st.one_of(
    st.fixed_dictionaries({"text": _TEXT}),
    st.fixed_dictionaries({"toolUse": st.fixed_dictionaries({"input": _TEXT})}),
    st.fixed_dictionaries({"reasoningContent": st.one_of(
        st.fixed_dictionaries({"text": _TEXT}), st.fixed_dictionaries({"signature": _TEXT}),
        st.fixed_dictionaries({"redactedContent": st.binary(max_size=24)}))}),
)
CONVERSE_EVENT = st.one_of(
    st.fixed_dictionaries({"messageStart": st.fixed_dictionaries({"role": st.sampled_from(["assistant", "user"])})}),
    st.fixed_dictionaries({"contentBlockDelta": st.fixed_dictionaries(
        {"delta": CONVERSE_DELTAS, "contentBlockIndex": st.integers(0, 2**31 - 1)})}),
    st.fixed_dictionaries({"contentBlockStop": st.fixed_dictionaries({"contentBlockIndex": st.integers(0, 99)})}),
    st.fixed_dictionaries({"messageStop": st.fixed_dictionaries(
        {"stopReason": st.sampled_from(["end_turn", "tool_use", "max_tokens"])},
        optional={"additionalModelResponseFields": st.dictionaries(_TEXT, _DOCUMENTS, max_size=3)})}),
    st.fixed_dictionaries({"metadata": st.fixed_dictionaries({
        "usage": st.fixed_dictionaries({"inputTokens": st.integers(0, 10**6), "outputTokens": st.integers(0, 10**6),
                                        "totalTokens": st.integers(0, 2 * 10**6)}),
        "metrics": st.fixed_dictionaries({"latencyMs": st.integers(0, 2**63 - 1)})})}),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(CONVERSE_EVENT, max_size=8))
def test_converse_stream_round_trip(events):
    assert check_events(converse(), events) == []
    replayed = list(event_stream(converse(), events))
    assert_replayed(events, replayed)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=8),
       st.sampled_from([None, "throttlingException", "modelStreamErrorException", ERROR_EVENT]),
       _TEXT)
def test_invoke_model_with_response_stream_round_trip(payloads, error, message):
    events = [{"chunk": {"bytes": payload}} for payload in payloads]
    if error is not None:
        events.append(error_event(invoke_model(), error if error != ERROR_EVENT else "Unmodelled", message))
    replayed, raised = read(event_stream(invoke_model(), events))
    assert_replayed(events[:len(payloads)], replayed)
    assert all(type(event["chunk"]["bytes"]) is bytes for event in replayed)
    if error is not None:
        assert raised.response["Error"]["Message"] == message


#: The services whose models have operations answering with an event stream.
STREAMING_SERVICES = (
    "assurance", "bedrock-agent-runtime", "bedrock-agentcore", "bedrock-runtime", "connecthealth", "context",
    "devops-agent", "healthlake", "iotsitewise", "kinesis", "lambda", "lexv2-runtime", "logs", "polly",
    "qbusiness", "s3", "sagemaker-gateway-runtime", "sagemaker-runtime",
)


def streaming_operations():
    available = set(_SESSION.get_available_services())
    found = []
    for service in STREAMING_SERVICES:
        if service not in available:
            continue
        service_model = _SESSION.get_service_model(service)
        found.extend((service, name) for name in service_model.operation_names
                     if stream_member(service_model.operation_model(name)) is not None)
    return found


@pytest.mark.parametrize("service, operation", streaming_operations())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_streaming_operation_round_trips(service, operation, data):
    operation_model = model(service, operation)
    events = data.draw(events_of(operation_model))
    replayed = list(event_stream(operation_model, events))
    assert_replayed(events, replayed)
