"""Compatibility with placebo 0.10.0, both ways that matter here.

1. Files written by placebo_unittest are read by placebo's own reader
   (``placebo.serializer._deserialize_json`` and ``placebo.pill.Pill``) without
   error, giving the right values for everything placebo understands.
2. Code written for placebo runs with ``import placebo_unittest as placebo``.
"""
import base64
import contextlib
import datetime as dt
import io
import json
import os

import placebo as real_placebo
import placebo.pill
import placebo.serializer
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, example, given, settings

import placebo_unittest
from placebo_unittest.errors import UnknownFormatError

from unit_helpers import Body, Buffer, assert_exact, build, fast_session, keys, streaming_body, trees

DEAD_ENDPOINT = "http://127.0.0.1:9"
UTC = dt.timezone.utc
KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))


def placebo_reads(path):
    """What placebo's reader makes of one file: the whole document."""
    with open(path) as handle:
        return placebo.serializer._deserialize_json(handle)


def placebo_view(value):
    """What placebo's reader should give for a value placebo_unittest recorded."""
    if isinstance(value, Body):
        return Buffer(value.data)
    if type(value) is dict:
        return {k: placebo_view(v) for k, v in value.items()}
    if type(value) is list:
        return [placebo_view(v) for v in value]
    if type(value) is bytes:
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # placebo reads every datetime as UTC
        try:
            return value.astimezone(UTC)  # the right instant
        except OverflowError:
            return value.replace(tzinfo=UTC)  # no UTC form exists: the wall clock is kept
    if type(value) is str:
        return json.loads(json.dumps(value))  # JSON joins surrogate pairs
    return value


@contextlib.contextmanager
def placebo_writer_quiet():
    """placebo's serializer prints every object it writes: keep that out of the test output."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield


@pytest.fixture(scope="module")
def shared_session():
    """For pills that only save and load (no clients): one session will do."""
    return fast_session()


# placebo pops "__module__" from every dict and takes "__class__" dicts for its
# own: real responses have neither, and these tests leave them out.
compat_keys = keys.filter(lambda k: k not in ("__class__", "__module__"))
compat_responses = trees(keys=compat_keys).map(lambda tree: {"Value": tree})


@settings(max_examples=100, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(description=compat_responses)
@example(description={"Value": {
    "Naive": dt.datetime(2020, 1, 1), "Kolkata": dt.datetime(2020, 1, 1, 3, tzinfo=KOLKATA),
    "First": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    "Blob": b"\x00\xff", "Body": Body(b"streamed"), "Checked": Body(b"checked", checksum=True),
    "Pair": "\ud83d\ude00", "Lone": "\udfff", "Inf": float("inf"), "Big": 2 ** 100}})
def test_placebo_reads_any_recording_with_the_right_values(shared_session, tmp_path_factory, description):
    directory = tmp_path_factory.mktemp("compat")
    ours = placebo_unittest.attach(shared_session, str(directory))
    path = ours.save_response("ec2", "DescribeAddresses", build(description), 203)
    document = placebo_reads(path)
    assert document["status_code"] == 203
    assert_exact(document["data"], placebo_view(description))
    # And through placebo's Pill, as placebo's playback reads it.
    theirs = placebo.pill.Pill()
    theirs.attach(shared_session, str(directory))
    http_response, data = theirs.load_response("ec2", "DescribeAddresses")
    assert http_response.status_code == 203
    assert_exact(data, placebo_view(description))


def test_placebo_gets_the_right_instants_bodies_and_blobs(tmp_path):
    ours = placebo_unittest.attach(fast_session(), str(tmp_path))
    ours.save_response("ec2", "DescribeInstances", {
        "Reservations": [{"Instances": [{
            "LaunchTime": dt.datetime(2020, 1, 1, 12, 0, 0, 250, tzinfo=KOLKATA),
            "Utc": dt.datetime(2020, 1, 1, 12, 0, tzinfo=UTC),
        }]}]})
    ours.save_response("s3", "GetObject", {"Body": streaming_body(b"\x00object bytes\xff"), "ContentLength": 14})
    ours.save_response("kms", "Encrypt", {"CiphertextBlob": b"\x01\x02\x03\xfe", "KeyId": "alias/k"})

    theirs = placebo.pill.Pill()
    theirs.attach(fast_session(), str(tmp_path))
    _http, ec2 = theirs.load_response("ec2", "DescribeInstances")
    instance = ec2["Reservations"][0]["Instances"][0]
    assert instance["LaunchTime"] == dt.datetime(2020, 1, 1, 6, 30, 0, 250, tzinfo=UTC)
    assert instance["LaunchTime"].utcoffset() == dt.timedelta(0)
    assert (instance["LaunchTime"].hour, instance["LaunchTime"].minute) == (6, 30)
    assert instance["Utc"] == dt.datetime(2020, 1, 1, 12, 0, tzinfo=UTC)

    _http, s3 = theirs.load_response("s3", "GetObject")
    assert type(s3["Body"]) is io.BytesIO
    assert s3["Body"].read() == b"\x00object bytes\xff"
    assert s3["ContentLength"] == 14

    _http, kms = theirs.load_response("kms", "Encrypt")
    assert type(kms["CiphertextBlob"]) is str
    assert base64.b64decode(kms["CiphertextBlob"]) == b"\x01\x02\x03\xfe"


def test_placebo_playback_through_a_client_reads_our_recordings(tmp_path, no_network_here):
    """Recorded by placebo_unittest, replayed by placebo's own Pill through boto3."""
    ours = placebo_unittest.attach(fast_session(), str(tmp_path), "job")
    pacific = dt.timezone(-dt.timedelta(hours=7))
    ours.save_response("ec2", "DescribeInstances", {"Reservations": [{"Instances": [
        {"InstanceId": "i-1", "LaunchTime": dt.datetime(2019, 6, 1, 23, 30, tzinfo=pacific)}]}]})
    ours.save_response("ec2", "DescribeInstances", {"Reservations": []})

    session = fast_session()
    theirs = real_placebo.attach(session, str(tmp_path), "job")
    theirs.playback()
    client = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    first = client.describe_instances()
    launch = first["Reservations"][0]["Instances"][0]["LaunchTime"]
    assert launch == dt.datetime(2019, 6, 2, 6, 30, tzinfo=UTC)
    assert client.describe_instances() == {"Reservations": []}
    assert client.describe_instances()["Reservations"][0]["Instances"][0]["InstanceId"] == "i-1"


def test_our_data_is_what_placebo_itself_writes(tmp_path):
    """For what placebo can represent (UTC datetimes, bytes, bodies), our ``data`` is placebo's."""
    def response():
        return {
            "When": dt.datetime(2021, 2, 3, 4, 5, 6, 7, tzinfo=UTC),
            "Blob": b"\x00\x01",
            "Body": streaming_body(b"streamed"),
            "List": [1, 2.5, None, True, "text \u00e9"],
            "Nested": {"Inner": [dt.datetime(2000, 1, 1, tzinfo=UTC)]},
        }

    theirs = placebo.pill.Pill()
    theirs.attach(fast_session(), str(tmp_path / "placebo"))
    os.makedirs(str(tmp_path / "placebo"))
    with placebo_writer_quiet():
        theirs.save_response("ec2", "DescribeThings", response())
    ours = placebo_unittest.attach(fast_session(), str(tmp_path / "ours"))
    ours.save_response("ec2", "DescribeThings", response())

    with open(str(tmp_path / "placebo" / "ec2.DescribeThings_1.json")) as handle:
        placebo_document = json.load(handle)
    with open(str(tmp_path / "ours" / "ec2.DescribeThings_1.json")) as handle:
        our_document = json.load(handle)

    assert our_document["data"] == placebo_document["data"]
    assert list(our_document["data"]["When"]) == list(placebo_document["data"]["When"])  # same field order
    assert our_document["status_code"] == placebo_document["status_code"] == 200
    assert set(our_document) == {"status_code", "data", "placebo_unittest"}


def test_placebo_reads_error_responses_we_recorded(tmp_path, no_network_here):
    ours = placebo_unittest.attach(fast_session(), str(tmp_path))
    error = {"Error": {"Code": "InvalidInstanceID.NotFound", "Message": "gone"},
             "ResponseMetadata": {"HTTPStatusCode": 400}}
    ours.save_response("ec2", "DescribeInstances", error, 400)
    for module in (real_placebo, placebo_unittest):
        session = fast_session()
        pill = module.attach(session, str(tmp_path))
        pill.playback()
        with pytest.raises(ClientError) as caught:
            session.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_instances()
        assert caught.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"


# -- code written for placebo -------------------------------------------------------------
def test_code_written_for_placebo_runs_unchanged(tmp_path, no_network_here):
    import placebo_unittest as placebo  # the one line such code changes

    session = fast_session()
    pill = placebo.attach(session, str(tmp_path))  # data_path is positional, as in placebo
    assert isinstance(pill, placebo.pill.Pill)
    assert pill.data_path == str(tmp_path)
    assert pill.session is session
    assert pill.record_format == "json"
    assert pill.prefix is None
    assert pill.mode is None

    pill.save_response("ec2", "DescribeAddresses", {"Addresses": [{"PublicIp": "192.0.2.1"}]})
    pill.save_response(service="ec2", operation="DescribeAddresses",
                       response_data={"Addresses": []}, http_response=200)
    assert sorted(os.listdir(tmp_path)) == ["ec2.DescribeAddresses_1.json", "ec2.DescribeAddresses_2.json"]

    pill.playback()
    assert pill.mode == "playback"
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    assert ec2 in pill.clients
    assert ec2.describe_addresses()["Addresses"] == [{"PublicIp": "192.0.2.1"}]
    assert ec2.describe_addresses()["Addresses"] == []
    assert ec2.describe_addresses()["Addresses"] == [{"PublicIp": "192.0.2.1"}]  # placebo cycles

    # placebo's Pill.load_response: (fake HTTP response, data).
    http_response, data = pill.load_response("ec2", "DescribeAddresses")
    assert http_response.status_code == 200
    assert data == {"Addresses": []}

    pill.stop()
    assert pill.mode is None
    pill.record()
    assert pill.mode == "record"
    pill.stop()


def test_placebo_style_construction_and_prefix(tmp_path, no_network_here):
    import placebo_unittest as placebo

    pill = placebo.pill.Pill("nightly", False, "JSON")  # placebo's positional order, any case
    assert pill.prefix == "nightly" and pill.record_format == "json"
    session = fast_session()
    pill.attach(session, str(tmp_path))
    pill.save_response("ec2", "DescribeAddresses", {"Addresses": [{"PublicIp": "192.0.2.9"}]})
    assert os.listdir(tmp_path) == ["nightly.ec2.DescribeAddresses_1.json"]

    other = fast_session()
    prefixed = placebo.attach(other, str(tmp_path), "nightly")  # prefix, positional
    prefixed.playback()
    assert other.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_addresses()["Addresses"] == [
        {"PublicIp": "192.0.2.9"}]


def test_an_unknown_format_fails_instead_of_falling_back(tmp_path):
    """placebo logs a warning and writes JSON; placebo_unittest says what is valid."""
    with pytest.raises(UnknownFormatError) as caught:
        placebo_unittest.attach(fast_session(), str(tmp_path), record_format="yaml")
    assert "'json'" in str(caught.value) and "'pickle'" in str(caught.value)
    assert os.listdir(tmp_path) == []
