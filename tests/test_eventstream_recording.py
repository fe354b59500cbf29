"""Event streams recorded through a pill and replayed offline.

Bedrock Runtime, Lambda and Kinesis streams come from the tests' own server
on 127.0.0.1 (tests/eventstream_server.py), S3 Select from moto's. Each
scenario is the code under test: it makes a real client, reads the stream as
an application would, and returns what it saw; it runs once live under a
recording pill and once offline under a replaying one.
"""
import json
import os

import pytest
from botocore.eventstream import EventStream
from botocore.exceptions import EventStreamError

import placebo_unittest
from placebo_unittest import DEFAULT_REDACTORS, InvalidResponseError, PlaceboTestCase, RequestMismatchError

from conftest import make_session, network_blocked
from eventstream_server import EventStreamServer
from recording_helpers import DEAD_ENDPOINT, RoundTrip, assert_same, load_file, recording_files
from stream_helpers import CHUNKS, CONVERSE_EVENTS, KINESIS_EVENTS, LAMBDA_EVENTS, assert_replayed
from testcase_helpers import assert_passed, environment, run

pytestmark = pytest.mark.recording

MODEL = "amazon.nova-lite-v1:0"
QUESTION = [{"role": "user", "content": [{"text": "Weather in Paris?"}]}]
CONSUMER = "arn:aws:kinesis:us-east-1:123456789012:stream/orders/consumer/app:1"


@pytest.fixture(scope="module")
def stream_server():
    with EventStreamServer() as server:
        yield server


@pytest.fixture
def server(stream_server):
    stream_server.reset()
    yield stream_server
    assert stream_server.unanswered() == []


def read_text(directory, name):
    with open(os.path.join(str(directory), name), encoding="utf-8") as handle:
        return handle.read()


def reading(call, member, limit=None, close=False):
    """A scenario: ``call(session, url)`` makes the request; its stream ``member`` is read
    (``limit`` events at most, then left or closed), and what the reader saw is returned."""
    def scenario(session, url):
        response = call(session, url)
        stream = response[member]
        assert isinstance(stream, EventStream)
        events, error = [], None
        try:
            for event in stream:
                events.append(event)
                if limit is not None and len(events) == limit:
                    break
        except EventStreamError as exc:
            error = exc
        if close:
            stream.close()
        others = {key: value for key, value in response.items() if key not in (member, "ResponseMetadata")}
        return {"events": events, "error": error, "others": others, "stream_type": type(stream)}
    return scenario


def converse(session, url):
    client = session.client("bedrock-runtime", endpoint_url=url)
    return client.converse_stream(modelId=MODEL, messages=QUESTION)


def invoke_model(session, url):
    client = session.client("bedrock-runtime", endpoint_url=url)
    return client.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps({"prompt": "story"}))


def invoke_lambda(session, url):
    return session.client("lambda", endpoint_url=url).invoke_with_response_stream(
        FunctionName="streamer", Payload=b'{"n": 3}')


def subscribe(session, url):
    return session.client("kinesis", endpoint_url=url).subscribe_to_shard(
        ConsumerARN=CONSUMER, ShardId="shardId-000000000000", StartingPosition={"Type": "LATEST"})


SERVICES = {"ConverseStream": "bedrock-runtime", "InvokeModelWithResponseStream": "bedrock-runtime",
            "InvokeWithResponseStream": "lambda", "SubscribeToShard": "kinesis"}
STREAMS = {
    "ConverseStream": (converse, "stream", CONVERSE_EVENTS, None),
    "InvokeModelWithResponseStream": (invoke_model, "body", CHUNKS, {"contentType": "application/json"}),
    "InvokeWithResponseStream": (invoke_lambda, "EventStream", LAMBDA_EVENTS,
                                 {"StatusCode": 200, "ExecutedVersion": "$LATEST"}),
    "SubscribeToShard": (subscribe, "EventStream", KINESIS_EVENTS, None),
}


def round_trip(tmp_path, server, operation, events=None, **kwargs):
    call, member, default_events, initial = STREAMS[operation]
    server.answer(operation, default_events if events is None else events, initial=initial)
    trip = RoundTrip(tmp_path, server.url, redact=True)
    trip.record(reading(call, member, **kwargs))
    trip.replay(reading(call, member, **kwargs))
    return trip


@pytest.mark.parametrize("operation", sorted(STREAMS))
def test_a_stream_replays_as_it_was_read_live(tmp_path, server, operation, local_tz):
    trip = round_trip(tmp_path, server, operation)
    live, replayed = trip.live, trip.replayed
    assert issubclass(live["stream_type"], EventStream)
    assert replayed["stream_type"] is EventStream  # botocore's own class, not a look-alike
    assert_replayed(STREAMS[operation][2], live["events"])
    assert_same(live["events"], replayed["events"])
    assert_same(live["others"], replayed["others"])
    assert live["error"] is None and replayed["error"] is None
    (name,) = recording_files(tmp_path)
    assert name == f"{SERVICES[operation]}.{operation}_1.json"


def test_the_file_holds_the_events_readable_and_typed(tmp_path, server):
    round_trip(tmp_path, server, "InvokeWithResponseStream")
    document = load_file(tmp_path, "lambda.InvokeWithResponseStream_1.json")
    assert document["data"]["StatusCode"] == 200
    events = document["data"]["EventStream"]
    assert [next(iter(event)) for event in events] == ["PayloadChunk"] * 3 + ["InvokeComplete"]
    assert events[3] == {"InvokeComplete": {"LogResult": "U1RBUlQgUmVxdWVzdElk"}}
    # Payloads are bytes: base64 in the file, their type in the types table.
    assert events[0]["PayloadChunk"]["Payload"] == "eyJwYXJ0aWFsIjog"
    assert ["EventStream", 0, "PayloadChunk", "Payload"] in [entry[0] for entry in
                                                            document["placebo_unittest"]["types"]]


def test_select_object_content_from_moto(tmp_path, moto):
    def select(session, url):
        s3 = session.client("s3", endpoint_url=url)
        if url != DEAD_ENDPOINT:
            s3.create_bucket(Bucket="people")
            s3.put_object(Bucket="people", Key="people.csv", Body=b"name,age\nada,36\nalan,41\n")
        return s3.select_object_content(
            Bucket="people", Key="people.csv", ExpressionType="SQL",
            Expression="SELECT * FROM S3Object s", InputSerialization={"CSV": {}},
            OutputSerialization={"CSV": {}})

    trip = RoundTrip(tmp_path, moto.url, redact=True)
    trip.record(reading(select, "Payload"))
    trip.replay(reading(select, "Payload"))
    live, replayed = trip.live, trip.replayed
    assert [next(iter(event)) for event in live["events"]][-1] == "End"
    records = b"".join(event["Records"]["Payload"] for event in live["events"] if "Records" in event)
    assert records.startswith(b"name,age\nada,36\nalan,41\n")
    assert replayed["stream_type"] is EventStream
    assert_same(live["events"], replayed["events"])


ERRORS = [
    ("throttlingException", "Too many requests"),
    ("modelStreamErrorException", "The model stopped"),
    ("validationException", "Bad input"),
]


@pytest.mark.parametrize("code, message", ERRORS)
def test_an_error_mid_stream_raises_at_the_same_event(tmp_path, server, code, message):
    events = [*CONVERSE_EVENTS[:3], {code: {"message": message}}]
    trip = round_trip(tmp_path, server, "ConverseStream", events)
    for run_ in (trip.live, trip.replayed):
        assert len(run_["events"]) == 3
        assert type(run_["error"]) is EventStreamError
        assert run_["error"].response["Error"] == {"Code": code, "Message": message}
    assert str(trip.replayed["error"]) == str(trip.live["error"])
    assert_same(trip.live["events"], trip.replayed["events"])


def test_an_empty_stream(tmp_path, server):
    trip = round_trip(tmp_path, server, "ConverseStream", [])
    assert trip.live["events"] == trip.replayed["events"] == []


@pytest.mark.parametrize("close", [False, True])
def test_a_stream_read_in_part_is_recorded_as_far_as_it_was_read(tmp_path, server, close):
    trip = round_trip(tmp_path, server, "ConverseStream", limit=2, close=close)
    assert_same(CONVERSE_EVENTS[:2], trip.live["events"])
    assert_same(trip.live["events"], trip.replayed["events"])
    stored = load_file(tmp_path, "bedrock-runtime.ConverseStream_1.json")["data"]["stream"]
    assert len(stored) == 2
    # Replayed, the stream ends where the live reading stopped.
    replay = placebo_unittest.attach(make_session(), str(tmp_path))
    replay.playback()
    with network_blocked():
        stream = converse(replay.session, DEAD_ENDPOINT)["stream"]
        assert_same(CONVERSE_EVENTS[:2], list(stream))


def test_streams_keep_the_order_of_their_calls_whatever_order_they_are_read_in(tmp_path, server):
    first, second = CONVERSE_EVENTS[:2], CONVERSE_EVENTS[:4]
    server.answer("ConverseStream", first)
    server.answer("ConverseStream", second)
    pill = placebo_unittest.attach(make_session(), str(tmp_path))
    pill.record()
    one = converse(pill.session, server.url)["stream"]
    two = converse(pill.session, server.url)["stream"]
    assert list(two) == second and list(one) == first  # the second call's stream ends first
    pill.stop()
    assert [len(load_file(tmp_path, f"bedrock-runtime.ConverseStream_{n}.json")["data"]["stream"])
            for n in (1, 2)] == [2, 4]


def test_default_redaction_keeps_model_chunks_and_lambda_payloads(tmp_path, server):
    for operation in ("InvokeModelWithResponseStream", "InvokeWithResponseStream"):
        trip = round_trip(tmp_path / operation, server, operation)
        assert_same(STREAMS[operation][2], trip.replayed["events"])


def test_personal_data_and_a_users_redactor_reach_the_events(tmp_path, server):
    def no_tool_input(service, operation, data):
        if operation == "ConverseStream":
            for event in data.get("stream", []):
                tool = event.get("contentBlockDelta", {}).get("delta", {}).get("toolUse")
                if tool:
                    tool["input"] = "{}"
        return data

    server.answer("ConverseStream", CONVERSE_EVENTS)
    server.answer("InvokeModelWithResponseStream", CHUNKS, initial={"contentType": "application/json"})
    pill = placebo_unittest.attach(make_session(), str(tmp_path),
                                   redact=[*DEFAULT_REDACTORS, "personal_data", no_tool_input])
    pill.record()
    live = list(converse(pill.session, server.url)["stream"]) + list(invoke_model(pill.session, server.url)["body"])
    pill.stop()
    assert live == CONVERSE_EVENTS + CHUNKS  # the reader got what was sent; only the files are redacted
    text = "".join(read_text(tmp_path, name) for name in recording_files(tmp_path))
    assert '\\"city\\"' not in text  # the tool's input, which the user's redactor removed
    stored = load_file(tmp_path, "bedrock-runtime.InvokeModelWithResponseStream_1.json")["data"]["body"]
    assert {event["chunk"]["bytes"] for event in stored} == {"UkVEQUNURUQ="}  # b"REDACTED"


@pytest.mark.parametrize("match", ["verify", "params"])
def test_request_aware_playback_checks_a_streaming_call(tmp_path, server, match):
    server.answer("ConverseStream", CONVERSE_EVENTS)
    recorder = placebo_unittest.attach(make_session(), str(tmp_path))
    recorder.record()
    list(converse(recorder.session, server.url)["stream"])
    recorder.stop()
    pill = placebo_unittest.attach(make_session(), str(tmp_path), match=match)
    pill.playback()
    client = pill.session.client("bedrock-runtime", endpoint_url=DEAD_ENDPOINT)
    with network_blocked():
        assert_same(CONVERSE_EVENTS, list(client.converse_stream(modelId=MODEL, messages=QUESTION)["stream"]))
        with pytest.raises(RequestMismatchError) as caught:
            client.converse_stream(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Rome?"}]}])
    assert "Rome?" in str(caught.value)
    assert (pill.calls[0].operation, pill.calls[0].source) == ("ConverseStream", "recording")


def test_the_spy_api_and_account_anonymisation(tmp_path, server):
    events = [{"SubscribeToShardEvent": {
        "Records": [{"SequenceNumber": "1", "Data": b"x", "PartitionKey": "123456789012",
                     "ApproximateArrivalTimestamp": KINESIS_EVENTS[0]["SubscribeToShardEvent"]["Records"][0][
                         "ApproximateArrivalTimestamp"]}],
        "ContinuationSequenceNumber": "1", "MillisBehindLatest": 0}}]
    server.answer("SubscribeToShard", events)
    pill = placebo_unittest.attach(make_session(), str(tmp_path), anonymize_accounts="999988887777", match="verify")
    pill.record()
    list(subscribe(pill.session, server.url)["EventStream"])
    pill.stop()
    (call,) = pill.find_calls("kinesis", "subscribe_to_shard")
    assert call.source == "recorded" and call.params["ConsumerARN"] == CONSUMER
    text = read_text(tmp_path, "kinesis.SubscribeToShard_1.json")
    assert "123456789012" not in text and "999988887777" in text
    replay = placebo_unittest.attach(make_session(), str(tmp_path), match="verify")
    replay.playback()
    with network_blocked():
        replayed = list(subscribe(replay.session, DEAD_ENDPOINT)["EventStream"])
    assert replayed[0]["SubscribeToShardEvent"]["Records"][0]["PartitionKey"] == "999988887777"


# -- streams written by hand ------------------------------------------------------------------

SCRIPTED = [
    {"messageStart": {"role": "assistant"}},
    {"contentBlockDelta": {"delta": {"text": "Sunny"}, "contentBlockIndex": 0}},
    {"contentBlockStop": {"contentBlockIndex": 0}},
    {"messageStop": {"stopReason": "end_turn"}},
    {"metadata": {"usage": {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6}, "metrics": {"latencyMs": 9}}},
]


@pytest.mark.parametrize("how", ["save_response", "queue_response"])
def test_a_stream_written_by_hand_replays(tmp_path, how):
    pill = placebo_unittest.attach(make_session(), str(tmp_path), validate=True)
    if how == "save_response":
        pill.save_response("bedrock-runtime", "converse_stream", {"stream": SCRIPTED})
        pill.playback()
    else:
        pill.queue_response("bedrock-runtime", "converse_stream", {"stream": SCRIPTED})
    client = pill.session.client("bedrock-runtime", endpoint_url=DEAD_ENDPOINT)
    with network_blocked():
        stream = client.converse_stream(modelId=MODEL, messages=QUESTION)["stream"]
        assert type(stream) is EventStream
        assert list(stream) == SCRIPTED


@pytest.mark.parametrize("how", ["save_response", "queue_response"])
def test_a_misspelt_event_is_refused_with_the_valid_names(tmp_path, how):
    pill = placebo_unittest.attach(make_session(), str(tmp_path), validate=True)
    wrong = [SCRIPTED[0], {"contentBlokDelta": {"delta": {"text": "x"}, "contentBlockIndex": 0}}]
    with pytest.raises(InvalidResponseError) as caught:
        getattr(pill, how)("bedrock-runtime", "converse_stream", {"stream": wrong})
    message = str(caught.value)
    assert "'contentBlokDelta' is not an event of ConverseStream" in message
    assert "did you mean 'contentBlockDelta'" in message
    assert "messageStart, contentBlockStart, contentBlockDelta, contentBlockStop, messageStop, metadata" in message
    assert recording_files(tmp_path) == []


# -- PlaceboTestCase ---------------------------------------------------------------------------

def test_a_test_case_saves_a_stream_read_in_part_when_the_test_ends(tmp_path, server):
    seen = []

    class Chat(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")

        def test_first_words(self):
            url = server.url if self.placebo_mode == "record" else DEAD_ENDPOINT
            stream = converse(self.session, url)["stream"]
            seen.append(next(iter(stream)))  # one event read; the stream is neither finished nor closed

    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    server.answer("ConverseStream", CONVERSE_EVENTS)
    with environment(tmp_path, PLACEBO_MODE="record", **credentials):
        assert_passed(run(Chat))
    stored = load_file(tmp_path / "placebo" / "Chat.test_first_words", "bedrock-runtime.ConverseStream_1.json")
    assert stored["data"]["stream"] == [CONVERSE_EVENTS[0]]
    with environment(tmp_path, PLACEBO_MODE="playback"), network_blocked():
        assert_passed(run(Chat))
    assert seen == [CONVERSE_EVENTS[0]] * 2

    # Recorded again, the directory holds the new recording only.
    server.answer("ConverseStream", CONVERSE_EVENTS[1:])
    with environment(tmp_path, PLACEBO_MODE="record", **credentials):
        assert_passed(run(Chat))
    assert recording_files(tmp_path / "placebo" / "Chat.test_first_words") == ["bedrock-runtime.ConverseStream_1.json"]
    stored = load_file(tmp_path / "placebo" / "Chat.test_first_words", "bedrock-runtime.ConverseStream_1.json")
    assert stored["data"]["stream"] == [CONVERSE_EVENTS[1]]


def test_a_test_case_fails_a_stream_call_it_has_no_recording_for(tmp_path):
    class Chat(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")

        def test_it(self):
            list(converse(self.session, DEAD_ENDPOINT)["stream"])

    with environment(tmp_path, PLACEBO_MODE="playback"), network_blocked():
        result = run(Chat)
    assert not result.wasSuccessful()
    assert "No recorded response for call 1 of bedrock-runtime.ConverseStream" in str(result.errors or result.failures)


def test_a_stream_recorded_as_pickle_converts_to_json_and_replays_the_same(tmp_path, server):
    from placebo_unittest.converting import convert_file
    from placebo_unittest.recordings import files_in

    server.answer("InvokeWithResponseStream", LAMBDA_EVENTS, initial={"StatusCode": 200})
    pill = placebo_unittest.attach(make_session(), str(tmp_path), record_format="pickle")
    pill.record()
    live = list(invoke_lambda(pill.session, server.url)["EventStream"])
    pill.stop()
    (item,) = files_in(str(tmp_path))
    assert item.extension == "pickle"
    outcome = convert_file(item)
    assert outcome.action == "converted", outcome
    assert recording_files(tmp_path) == ["lambda.InvokeWithResponseStream_1.json"]
    replay = placebo_unittest.attach(make_session(), str(tmp_path))
    replay.playback()
    with network_blocked():
        stream = invoke_lambda(replay.session, DEAD_ENDPOINT)["EventStream"]
        assert type(stream) is EventStream
        assert_same(live, list(stream))
