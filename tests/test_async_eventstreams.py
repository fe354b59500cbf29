"""Event streams read with ``async for``: aiobotocore's streams recorded and
replayed, and the same recordings read by sync and async code alike.

Bedrock Runtime and Kinesis streams come from the tests' own server on
127.0.0.1 (tests/eventstream_server.py); moto doesn't serve them.
"""
import asyncio

import pytest
from aiobotocore.eventstream import AioEventStream
from botocore.eventstream import EventStream
from botocore.exceptions import EventStreamError

import placebo_unittest

from async_helpers import AsyncRoundTrip, aio_session
from conftest import make_session, network_blocked
from eventstream_server import EventStreamServer
from recording_helpers import DEAD_ENDPOINT, assert_same, load_file
from stream_helpers import CONVERSE_EVENTS, KINESIS_EVENTS

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


async def read_async(stream, limit=None):
    """What ``async for`` gives a reader: the events, and the error that stopped it."""
    events = []
    try:
        async for event in stream:
            events.append(event)
            if limit is not None and len(events) == limit:
                break
    except EventStreamError as error:
        return events, error
    return events, None


def converse_reading(limit=None):
    async def scenario(session, url):
        async with session.create_client("bedrock-runtime", endpoint_url=url) as client:
            response = await client.converse_stream(modelId=MODEL, messages=QUESTION)
            stream = response["stream"]
            assert isinstance(stream, AioEventStream)
            events, error = await read_async(stream, limit)
            stream.close()
            return {"events": events, "error": error, "type": type(stream)}
    return scenario


async def subscribe(session, url):
    async with session.create_client("kinesis", endpoint_url=url) as client:
        response = await client.subscribe_to_shard(ConsumerARN=CONSUMER, ShardId="shardId-000000000000",
                                                   StartingPosition={"Type": "LATEST"})
        events, error = await read_async(response["EventStream"])
        return {"events": events, "error": error, "type": type(response["EventStream"])}


def test_an_async_stream_replays_as_it_was_read_live(tmp_path, server):
    server.answer("ConverseStream", CONVERSE_EVENTS)
    trip = AsyncRoundTrip(tmp_path, server.url)
    trip.record(converse_reading())
    trip.replay(converse_reading())
    assert trip.replayed["type"] is AioEventStream  # aiobotocore's own class
    assert_same(CONVERSE_EVENTS, trip.live["events"])
    assert_same(trip.live["events"], trip.replayed["events"])
    assert trip.replayed["error"] is None


def test_the_json_protocols_stream_replays_past_its_initial_response(tmp_path, server, local_tz):
    server.answer("SubscribeToShard", KINESIS_EVENTS)
    trip = AsyncRoundTrip(tmp_path, server.url)
    trip.record(subscribe)
    trip.replay(subscribe)
    assert trip.replayed["type"] is AioEventStream
    assert_same(trip.live["events"], trip.replayed["events"])


def test_an_error_mid_stream_and_a_partial_read(tmp_path, server):
    server.answer("ConverseStream", [*CONVERSE_EVENTS[:2], {"throttlingException": {"message": "slow down"}}])
    server.answer("ConverseStream", CONVERSE_EVENTS)
    erring, partial = tmp_path / "erring", tmp_path / "partial"
    AsyncRoundTrip(erring, server.url).record(converse_reading())
    AsyncRoundTrip(partial, server.url).record(converse_reading(limit=3))
    for directory, count in ((erring, 2), (partial, 3)):
        trip = AsyncRoundTrip(directory, server.url)
        replayed = trip.replay(converse_reading())
        assert len(replayed["events"]) == count
    replayed_error = AsyncRoundTrip(erring, server.url).replay(converse_reading())["error"]
    assert type(replayed_error) is EventStreamError
    assert replayed_error.response["Error"] == {"Code": "throttlingException", "Message": "slow down"}
    stored = load_file(partial, "bedrock-runtime.ConverseStream_1.json")["data"]["stream"]
    assert len(stored) == 3


def test_a_sync_recording_replays_for_async_code_and_back(tmp_path, server):
    server.answer("ConverseStream", CONVERSE_EVENTS)
    sync_dir, async_dir = tmp_path / "sync", tmp_path / "async"
    recorder = placebo_unittest.attach(make_session(), str(sync_dir))
    recorder.record()
    client = recorder.session.client("bedrock-runtime", endpoint_url=server.url)
    live = list(client.converse_stream(modelId=MODEL, messages=QUESTION)["stream"])
    recorder.stop()
    replayed = AsyncRoundTrip(sync_dir, server.url).replay(converse_reading())
    assert_same(live, replayed["events"])

    server.answer("ConverseStream", CONVERSE_EVENTS)
    AsyncRoundTrip(async_dir, server.url).record(converse_reading())
    pill = placebo_unittest.attach(make_session(), str(async_dir))
    pill.playback()
    with network_blocked():
        stream = pill.session.client("bedrock-runtime", endpoint_url=DEAD_ENDPOINT).converse_stream(
            modelId=MODEL, messages=QUESTION)["stream"]
        assert type(stream) is EventStream
        assert_same(CONVERSE_EVENTS, list(stream))


def test_a_hand_written_stream_answers_an_async_call(tmp_path):
    scripted = CONVERSE_EVENTS[:3]
    session = aio_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.queue_response("bedrock-runtime", "converse_stream", {"stream": scripted})

    async def ask():
        async with session.create_client("bedrock-runtime", endpoint_url=DEAD_ENDPOINT) as client:
            response = await client.converse_stream(modelId=MODEL, messages=QUESTION)
            return [event async for event in response["stream"]], type(response["stream"])

    with network_blocked():
        events, kind = asyncio.run(ask())
    assert kind is AioEventStream and events == scripted
