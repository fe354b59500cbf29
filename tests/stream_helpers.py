"""Events of each streaming operation, and how tests read and compare streams.

Shared by the tests of the event-stream codec (test_eventstreams.py) and of
recording and replaying streams through a pill (test_eventstream_recording.py).
"""
import datetime
import json

from botocore.exceptions import EventStreamError

UTC = datetime.timezone.utc
CONVERSE_EVENTS = [
    {"messageStart": {"role": "assistant"}},
    {"contentBlockDelta": {"delta": {"text": "Let me "}, "contentBlockIndex": 0}},
    {"contentBlockDelta": {"delta": {"text": "check."}, "contentBlockIndex": 0}},
    {"contentBlockStop": {"contentBlockIndex": 0}},
    {"contentBlockStart": {"start": {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather"}},
                           "contentBlockIndex": 1}},
    {"contentBlockDelta": {"delta": {"toolUse": {"input": '{"city": "Par'}}, "contentBlockIndex": 1}},
    {"contentBlockDelta": {"delta": {"toolUse": {"input": 'is"}'}}, "contentBlockIndex": 1}},
    {"contentBlockStop": {"contentBlockIndex": 1}},
    {"messageStop": {"stopReason": "tool_use", "additionalModelResponseFields": {"stop_sequence": None,
                                                                                 "scores": [0.5, 1, "x"]}}},
    {"metadata": {"usage": {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19},
                  "metrics": {"latencyMs": 321}}},
]
CHUNKS = [{"chunk": {"bytes": json.dumps({"type": "content_block_delta", "delta": {"text": word}}).encode()}}
          for word in ("Once", " upon", " a", " time", ".")]
LAMBDA_EVENTS = [
    {"PayloadChunk": {"Payload": b'{"partial": '}},
    {"PayloadChunk": {"Payload": bytes(range(256))}},
    {"PayloadChunk": {"Payload": b""}},
    {"InvokeComplete": {"LogResult": "U1RBUlQgUmVxdWVzdElk"}},
]
KINESIS_EVENTS = [
    {"SubscribeToShardEvent": {
        "Records": [
            {"SequenceNumber": "4960", "Data": b"\x00first\xff", "PartitionKey": "a",
             "ApproximateArrivalTimestamp": datetime.datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC)},
            {"SequenceNumber": "4961", "Data": b"second", "PartitionKey": "b", "EncryptionType": "NONE",
             "ApproximateArrivalTimestamp": datetime.datetime(2024, 5, 6, 7, 8, 10, tzinfo=UTC)},
        ],
        "ContinuationSequenceNumber": "4961", "MillisBehindLatest": 0}},
    {"SubscribeToShardEvent": {"Records": [], "ContinuationSequenceNumber": "4961", "MillisBehindLatest": 1500,
                               "ChildShards": [{"ShardId": "shardId-000000000001", "ParentShards": ["s0"],
                                                "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": "9"}}]}},
]
S3_EVENTS = [
    {"Records": {"Payload": b"ada,36\nalan,41\n"}},
    {"Progress": {"Details": {"BytesScanned": 40, "BytesProcessed": 40, "BytesReturned": 15}}},
    {"Stats": {"Details": {"BytesScanned": 40, "BytesProcessed": 40, "BytesReturned": 15}}},
    {"Cont": {}},
    {"End": {}},
]

def read(stream):
    """What a reader of ``stream`` gets: the events, and the EventStreamError that stopped it (or None)."""
    events = []
    try:
        for event in stream:
            events.append(event)
    except EventStreamError as error:
        return events, error
    return events, None


def assert_replayed(expected, replayed, path="events"):
    """``replayed`` equals ``expected`` with the same type at every node; a datetime is the same
    instant, aware on both sides (botocore gives its own time zone to what it parses)."""
    assert type(replayed) is type(expected), f"{path}: {type(replayed)} is not {type(expected)}"
    if isinstance(expected, dict):
        assert list(replayed) == list(expected) or set(replayed) == set(expected), f"{path}: keys differ"
        for key in expected:
            assert_replayed(expected[key], replayed[key], f"{path}[{key!r}]")
    elif isinstance(expected, list):
        assert len(replayed) == len(expected), f"{path}: {len(replayed)} items, not {len(expected)}"
        for index, (a, b) in enumerate(zip(expected, replayed, strict=True)):
            assert_replayed(a, b, f"{path}[{index}]")
    elif isinstance(expected, datetime.datetime):
        assert replayed.tzinfo is not None and replayed == expected, f"{path}: {replayed!r} != {expected!r}"
    else:
        assert replayed == expected, f"{path}: {replayed!r} != {expected!r}"
