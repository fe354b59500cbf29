"""Exactness of the recording format: every value comes back with its type.

Property tests run arbitrary responses through ``encode`` -> ``dumps`` ->
``loads`` -> ``materialize`` (JSON and pickle) and through a real Pill and a
boto3 client in playback, comparing node by node with types and UTC offsets.
"""
import base64
import datetime as dt
import decimal
import io
import json
import os
import time
from unittest import mock

import pytest
from botocore.eventstream import EventStream
from botocore.exceptions import FlexibleChecksumError
from botocore.httpchecksum import Crc32Checksum, StreamingChecksumBody
from botocore.response import StreamingBody
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import placebo_unittest
from placebo_unittest.errors import PlaceboError, UnserializableValueError
from placebo_unittest.serializer import FORMAT_VERSION, dumps, encode, loads, materialize

from conftest import make_session
from unit_helpers import (
    Body,
    assert_exact,
    build,
    checksum_body,
    fake_aws,
    fast_session,
    offline,
    responses,
    streaming_body,
    trees,
)

DEAD_ENDPOINT = "http://127.0.0.1:9"
PROPERTY = settings(max_examples=200, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

UTC = dt.timezone.utc
KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))

# Hand-picked values every run sees, whatever hypothesis draws.
EDGE_RESPONSES = [
    {"first": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=23, minutes=59))),
     "last": dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.timezone(-dt.timedelta(hours=23))),
     "first_naive": dt.datetime(1, 1, 1), "last_naive": dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
     "first_utc": dt.datetime(1, 1, 1, tzinfo=UTC)},
    {"sub_minute": dt.datetime(2020, 2, 29, 12, 0, tzinfo=dt.timezone(dt.timedelta(seconds=37))),
     "sub_second": dt.datetime(2020, 2, 29, 12, 0, tzinfo=dt.timezone(dt.timedelta(microseconds=-1))),
     "kolkata": dt.datetime(2021, 6, 1, 9, 30, 15, 123456, tzinfo=KOLKATA)},
    {"astral": "\U0001f600\U0010ffff", "lone": "a\ud800b\udfff", "pair_as_two": "\ud83d\ude00",
     "high_high_low": "\ud800\ud83d\ude00", "pairs_and_astral": "\ud83d\ude00\U0001f600x\udbff\udfff",
     "nul": "\x00", "\ud800key": "x", "\U0001f600": "astral key"},
    {"big": 2 ** 200, "neg": -(2 ** 100), "inf": float("inf"), "ninf": float("-inf"),
     "negzero": -0.0, "tiny": 5e-324, "t": True, "f": False, "none": None, "one": 1, "onef": 1.0},
    {"__class__": "datetime"},
    {"x": {"__class__": "datetime", "year": 2020, "month": 1, "day": 1, "hour": 0, "minute": 0,
           "second": 0, "microsecond": 0}},
    {"x": {"__class__": "StreamingBody", "__module__": "botocore.response", "body": "aGVsbG8="}},
    {"x": {"__class__": 5, "body": 7}, "y": [{"__class__": None}], "z": {"__class__": "Body", "body": None}},
    {"x": {"__class__": "datetime", "nested": {"__class__": "datetime", "b": b"\x00\xff"}}},
    {"Body": Body(b"\x00\x01binary\xff"), "Checked": Body(b"checked", checksum=True), "Empty": Body(b"")},
    {"blob": b"", "blobs": [b"\x00", b"\xff" * 20], "str_that_looks_b64": "aGVsbG8="},
    {"nested": [[[{"deep": [b"x", dt.datetime(2000, 1, 1)]}]]]},
]
EDGE_VALUES = [[], "just a string", b"just bytes", dt.datetime(2020, 1, 1, tzinfo=KOLKATA), None, 7, [b"a", {}]]


# -- helpers ------------------------------------------------------------------
def replay(raw, extension):
    loaded = loads(raw, "memory." + extension, extension)
    return loaded, materialize(loaded)


def round_trip_both_formats(description, status_code=200):
    """Encode a fresh build of ``description`` and check both formats give it back exactly."""
    original = build(description)
    recording = encode(original, status_code)
    # The caller's response is untouched, and its bodies can still be read.
    assert_exact(original, description)
    for extension in ("json", "pickle"):
        raw = dumps(recording, extension)
        loaded, (status, data) = replay(raw, extension)
        assert type(status) is int and status == status_code
        assert_exact(data, description)
        # Each replay is a new copy, just as exact: the second decodes the file
        # again and keeps a copy, the later ones are built from that copy.
        spoil(data)
        earlier = [data]
        for _ in range(3):
            status, again = materialize(loaded)
            assert type(status) is int and status == status_code
            if isinstance(description, (dict, list)):
                assert all(again is not other for other in earlier)
            assert_exact(again, description)
            spoil(again)  # what a caller does to its copy never reaches the next one
            earlier.append(again)


def spoil(tree):
    """Change every dict and list in ``tree``, as careless code might."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            stack.extend(node.values())
            node["spoiled by the caller"] = True
        elif type(node) is list:
            stack.extend(node)
            node.append("spoiled by the caller")


# -- property tests -------------------------------------------------------------
@PROPERTY
@given(description=responses)
def test_any_response_round_trips_exactly_and_always_gives_the_same_bytes(description):
    round_trip_both_formats(description)
    for extension in ("json", "pickle"):
        first = dumps(encode(build(description)), extension)
        second = dumps(encode(build(description)), extension)
        assert first == second


@pytest.mark.parametrize("description", EDGE_RESPONSES + EDGE_VALUES,
                         ids=[f"edge-{i}" for i in range(len(EDGE_RESPONSES + EDGE_VALUES))])
def test_edge_values_round_trip_exactly(description):
    round_trip_both_formats(description)


@settings(PROPERTY, max_examples=100)
@given(description=trees().filter(lambda d: not isinstance(d, Body)),
       status_code=st.sampled_from([200, 201, 404, 500]))
def test_any_value_at_the_top_round_trips_exactly(description, status_code):
    round_trip_both_formats(description, status_code)


@pytest.fixture(scope="module")
def playback_client():
    """One session and ec2 client for every example; each example brings its own pill."""
    session = make_session()
    client = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    return session, client


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(first=responses, second=responses)
@example(first=EDGE_RESPONSES[0], second=EDGE_RESPONSES[2])
@example(first=EDGE_RESPONSES[4], second=EDGE_RESPONSES[9])
def test_any_response_replays_exactly_through_a_pill_and_a_client(playback_client, tmp_path_factory, first, second):
    session, client = playback_client
    directory = tmp_path_factory.mktemp("pill")
    pill = placebo_unittest.Pill()
    pill.attach(session, str(directory))
    pill.add_client(client)
    try:
        paths = [pill.save_response("ec2", "DescribeAddresses", build(d)) for d in (first, second)]
        assert [os.path.basename(p) for p in paths] == [
            "ec2.DescribeAddresses_1.json", "ec2.DescribeAddresses_2.json"]
        pill.playback()
        with offline():
            for expected in (first, second, first):  # in order, then cycling
                assert_exact(client.describe_addresses(), expected)
    finally:
        pill.remove_client(client)


# -- determinism ------------------------------------------------------------------
def test_equal_responses_give_the_same_bytes_whatever_objects_they_share():
    shared = "sg-" + "0" * 40
    one = {"Groups": [{"Id": shared, "Name": shared}], "When": dt.datetime(2020, 1, 1, tzinfo=UTC)}
    other = {"Groups": [{"Id": "".join(["sg-", "0" * 40]), "Name": "sg-" + "0" * 20 + "0" * 20}],
             "When": dt.datetime(2020, 1, 1, tzinfo=dt.timezone(dt.timedelta(0)))}
    assert one == other and one["Groups"][0]["Id"] is one["Groups"][0]["Name"]
    assert other["Groups"][0]["Id"] is not other["Groups"][0]["Name"]
    for extension in ("json", "pickle"):
        assert dumps(encode(one), extension) == dumps(encode(other), extension), extension


def test_saving_the_same_response_twice_writes_identical_files(tmp_path):
    response = {
        "Reservations": [{"Instances": [{"LaunchTime": dt.datetime(2016, 3, 4, 5, 6, 7, 8, tzinfo=KOLKATA),
                                         "UserData": b"#!/bin/sh\n"}]}],
        "Body": streaming_body(b"abc"),
    }
    for name in ("a", "b"):
        # The second save reads the fresh body the first one left in ``response``.
        pill = placebo_unittest.attach(make_session(), str(tmp_path / name))
        pill.save_response("ec2", "DescribeInstances", response)
    first = (tmp_path / "a" / "ec2.DescribeInstances_1.json").read_bytes()
    second = (tmp_path / "b" / "ec2.DescribeInstances_1.json").read_bytes()
    assert first == second


def test_json_file_layout_is_stable():
    """The exact bytes of a small recording: placebo's layout plus our section."""
    response = {
        "Blob": b"hi",
        "When": dt.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=KOLKATA),
        "Body": streaming_body(b"body"),
        "Name": "caf\u00e9",
    }
    raw = dumps(encode(response, 200), "json")
    expected = {
        "status_code": 200,
        "data": {
            "Blob": "aGk=",
            "When": {"__class__": "datetime", "year": 2020, "month": 1, "day": 1, "hour": 21,
                     "minute": 34, "second": 5, "microsecond": 6},
            "Body": {"__class__": "StreamingBody", "__module__": "botocore.response", "body": "Ym9keQ=="},
            "Name": "caf\u00e9",
        },
        "placebo_unittest": {"format": FORMAT_VERSION,
                             "types": [[["Blob"], "bytes", None], [["When"], "datetime", 19800]]},
    }
    # The section ends with the paths of the tagged values, one a line.
    layout = json.dumps(expected, indent=4, ensure_ascii=True).removesuffix("\n    }\n}")
    tagged = ',\n        "tagged": [\n            ["When"],\n            ["Body"]\n        ]\n    }\n}\n'
    assert raw == (layout + tagged).encode("ascii")
    assert json.loads(raw)["placebo_unittest"]["tagged"] == [["When"], ["Body"]]
    assert raw.isascii() and raw.endswith(b"}\n")


# -- what can't be stored -------------------------------------------------------------
class Custom:
    pass


def _event_stream():
    return EventStream(raw_stream=io.BytesIO(b""), output_shape=None, parser=None,
                       operation_name="SubscribeToShard")


UNSERIALIZABLE = [
    pytest.param({"Tags": {"a", "b"}}, "data['Tags']", set, id="set"),
    pytest.param({"Items": [1, decimal.Decimal("1.5")]}, "data['Items'][1]", decimal.Decimal, id="decimal"),
    pytest.param({"A": {"Day": dt.date(2020, 1, 1)}}, "data['A']['Day']", dt.date, id="date"),
    pytest.param({"A": [{"B": Custom()}]}, "data['A'][0]['B']", Custom, id="custom-object"),
    pytest.param({"A": {1: "one"}}, "data['A'][1]", int, id="non-str-key"),
    pytest.param({"A": {("k",): "tuple key"}}, "data['A'][('k',)]", tuple, id="tuple-key"),
    pytest.param({"Payload": _event_stream()}, "data['Payload']", EventStream, id="event-stream"),
    pytest.param({"A": {"\ud83d\ude00": 1}}, "data['A']['\\ud83d\\ude00']", str, id="key-with-joinable-surrogates"),
]


@pytest.mark.parametrize("response, field, kind", UNSERIALIZABLE)
def test_unserializable_values_are_refused_naming_the_field(response, field, kind):
    with pytest.raises(UnserializableValueError) as caught:
        encode(response)
    error = caught.value
    assert isinstance(error, PlaceboError) and isinstance(error, TypeError)
    assert error.field == field
    assert field in str(error)
    assert error.value_type is kind


@pytest.mark.parametrize("record_format", ["json", "pickle"])
@pytest.mark.parametrize("response, field, kind", UNSERIALIZABLE)
def test_unserializable_values_write_no_file(tmp_path, response, field, kind, record_format):
    directory = tmp_path / "recordings"
    pill = placebo_unittest.attach(make_session(), str(directory), record_format=record_format)
    pill.save_response("ec2", "DescribeInstances", {"Ok": 1})
    with pytest.raises(UnserializableValueError) as caught:
        pill.save_response("ec2", "DescribeInstances", response)
    assert "ec2.DescribeInstances" in str(caught.value) and field in str(caught.value)
    assert sorted(os.listdir(directory)) == ["ec2.DescribeInstances_1." + record_format]
    assert pill.recorded == [str(directory / ("ec2.DescribeInstances_1." + record_format))]
    # The next good response takes the next number.
    assert pill.save_response("ec2", "DescribeInstances", {"Ok": 2}).endswith("_2." + record_format)


# -- streaming bodies ------------------------------------------------------------------
def test_encode_reads_the_body_and_leaves_the_caller_a_fresh_one():
    body = streaming_body(b"payload \x00\xff")
    response = {"Body": body, "Parts": [streaming_body(b"one"), streaming_body(b"two")]}
    recording = encode(response)
    assert response["Body"] is not body
    assert type(response["Body"]) is StreamingBody
    assert response["Body"].read() == b"payload \x00\xff"
    assert [part.read() for part in response["Parts"]] == [b"one", b"two"]
    assert recording.tree["Body"] == {
        "__class__": "StreamingBody", "__module__": "botocore.response",
        "body": base64.b64encode(b"payload \x00\xff").decode("ascii"),
    }
    # The recording was taken before the caller read anything.
    _loaded, (_status, data) = replay(dumps(recording, "json"), "json")
    assert data["Body"].read() == b"payload \x00\xff"


def test_streaming_checksum_body_is_recorded_and_replayed_as_a_streaming_body():
    body = checksum_body(b"checked content")
    assert isinstance(body, StreamingChecksumBody)
    response = {"Body": body, "ChecksumCRC32": body._expected}
    recording = encode(response)
    assert isinstance(response["Body"], StreamingBody)
    assert response["Body"].read() == b"checked content"
    assert recording.tree["Body"]["__class__"] == "StreamingBody"
    for extension in ("json", "pickle"):
        _loaded, (_status, data) = replay(dumps(recording, extension), extension)
        assert isinstance(data["Body"], StreamingBody)
        assert data["Body"].read() == b"checked content"
        assert data["ChecksumCRC32"] == response["ChecksumCRC32"]


def test_a_body_failing_its_checksum_is_not_recorded(tmp_path):
    bad = StreamingChecksumBody(io.BytesIO(b"tampered"), 8, Crc32Checksum(), base64.b64encode(b"\0\0\0\0").decode())
    pill = placebo_unittest.attach(make_session(), str(tmp_path))
    with pytest.raises(FlexibleChecksumError):
        pill.save_response("s3", "GetObject", {"Body": bad})
    assert os.listdir(tmp_path) == []


def test_recording_a_call_leaves_the_caller_a_readable_body(tmp_path, no_network_here):
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    s3 = session.client("s3", endpoint_url=DEAD_ENDPOINT)
    no_more_aws = fake_aws(s3, [{"Body": checksum_body(b"live bytes"), "ContentLength": 10},
                                {"Body": streaming_body(b"more"), "ContentLength": 4}])
    pill.record()
    first = s3.get_object(Bucket="bucket", Key="a")
    assert isinstance(first["Body"], StreamingBody) and first["Body"].read() == b"live bytes"
    assert s3.get_object(Bucket="bucket", Key="b")["Body"].read() == b"more"
    no_more_aws()
    assert [os.path.basename(p) for p in pill.recorded] == ["s3.GetObject_1.json", "s3.GetObject_2.json"]
    pill.playback()
    assert s3.get_object(Bucket="bucket", Key="a")["Body"].read() == b"live bytes"
    assert s3.get_object(Bucket="bucket", Key="b")["Body"].read() == b"more"


def test_an_event_stream_where_the_model_has_none_is_refused_and_nothing_is_written(tmp_path, no_network_here):
    # A stream is recorded event by event where the operation's model has one
    # (see test_eventstream_recording.py); anywhere else it can't be stored.
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    kinesis = session.client("kinesis", endpoint_url=DEAD_ENDPOINT)
    fake_aws(kinesis, [{"StreamDescription": {"Events": _event_stream()}, "ResponseMetadata": {"HTTPStatusCode": 200}}])
    pill.record()
    with pytest.raises(UnserializableValueError) as caught:
        kinesis.describe_stream(StreamName="s")
    assert "kinesis.DescribeStream" in str(caught.value)
    assert "data['StreamDescription']['Events']" in str(caught.value)
    assert os.listdir(str(tmp_path)) == []
    assert pill.recorded == []


def test_recorded_bodies_replay_through_an_s3_client(tmp_path, no_network_here):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.save_response("s3", "GetObject", {"Body": streaming_body(b"plain"), "ContentLength": 5})
    pill.save_response("s3", "GetObject", {"Body": checksum_body(b"checked"), "ContentLength": 7})
    s3 = session.client("s3", endpoint_url=DEAD_ENDPOINT)
    pill.playback()
    for expected in (b"plain", b"checked", b"plain"):
        response = s3.get_object(Bucket="bucket", Key="key")
        assert isinstance(response["Body"], StreamingBody)
        assert response["Body"].read() == expected
        assert response["ContentLength"] == len(expected)


# -- time zones ---------------------------------------------------------------------------
def test_datetimes_do_not_depend_on_the_local_time_zone(local_tz, tmp_path, no_network_here):
    assert time.localtime(0).tm_zone == ("UTC" if local_tz == "UTC" else "IST")
    description = {
        "Naive": dt.datetime(2021, 3, 28, 1, 30),
        "Utc": dt.datetime(2021, 3, 28, 1, 30, tzinfo=UTC),
        "Kolkata": dt.datetime(2021, 3, 28, 1, 30, tzinfo=KOLKATA),
        "Odd": dt.datetime(2021, 3, 28, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-3, seconds=-7))),
    }
    round_trip_both_formats(description)
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.save_response("ec2", "DescribeAddresses", build(description))
    pill.playback()
    assert_exact(session.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_addresses(), description)


def test_aware_utc_datetimes_come_back_aware_in_utc():
    for tz in (UTC, dt.timezone(dt.timedelta(0))):
        raw = dumps(encode({"T": dt.datetime(2020, 5, 6, 7, 8, 9, tzinfo=tz)}), "json")
        _loaded, (_status, data) = replay(raw, "json")
        assert data["T"].utcoffset() == dt.timedelta(0)
        assert data["T"] == dt.datetime(2020, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_the_local_time_zone_does_not_change_the_bytes():
    response = {"When": dt.datetime(2020, 1, 1, 12, tzinfo=KOLKATA), "Naive": dt.datetime(2020, 1, 1), "Blob": b"x"}
    outputs = []
    try:
        for tz in ("UTC", "America/New_York", "Asia/Kolkata"):
            with mock.patch.dict(os.environ, {"TZ": tz}):
                time.tzset()
                outputs.append(dumps(encode(response), "json"))
    finally:
        time.tzset()
    assert outputs[0] == outputs[1] == outputs[2]
