"""S3 recorded against moto's server and replayed offline: bodies, location, waiters, errors."""
import base64
import io

import pytest
from botocore.exceptions import ClientError, WaiterError
from botocore.response import StreamingBody

import placebo_unittest

from conftest import make_session, network_blocked
from recording_helpers import (
    DEAD_ENDPOINT,
    RoundTrip,
    assert_same,
    caught,
    load_file,
    read_body,
    recording_files,
)

pytestmark = pytest.mark.recording

BUCKET = "placebo-bodies"
#: Every byte value, so not UTF-8: a body stored as text would come back changed.
PAYLOAD = bytes(range(256)) * 40
TEXT = b"first line\nsecond line\r\nthird line\rlast, no newline"
ODD_KEY = "dir/a b+\u00fc%20.txt"  # botocore asks for url-encoded keys and decodes them


def s3_objects(session, url):
    s3 = session.client("s3", endpoint_url=url)
    out = {"checksum_validation": s3.meta.config.response_checksum_validation}
    out["create"] = s3.create_bucket(Bucket=BUCKET)
    out["put"] = s3.put_object(Bucket=BUCKET, Key="binary.bin", Body=PAYLOAD)
    out["put_empty"] = s3.put_object(Bucket=BUCKET, Key="empty", Body=b"")
    out["put_odd"] = s3.put_object(Bucket=BUCKET, Key=ODD_KEY, Body=TEXT)
    got = s3.get_object(Bucket=BUCKET, Key="binary.bin")
    out["get_body"] = read_body(got["Body"])
    out["get"] = got
    empty = s3.get_object(Bucket=BUCKET, Key="empty")
    out["empty_body"] = read_body(empty["Body"])
    out["empty"] = empty
    ranged = s3.get_object(Bucket=BUCKET, Key="binary.bin", Range="bytes=250-260")
    out["ranged_body"] = read_body(ranged["Body"])
    out["ranged"] = ranged
    out["list"] = s3.list_objects_v2(Bucket=BUCKET)
    out["head"] = s3.head_object(Bucket=BUCKET, Key="binary.bin")
    out["head_missing"] = caught(s3.head_object, Bucket=BUCKET, Key="missing")
    out["not_modified"] = caught(s3.get_object, Bucket=BUCKET, Key="binary.bin", IfNoneMatch=got["ETag"])
    return out


def test_s3_bodies_round_trip_exactly(tmp_path, moto, local_tz):
    trip = RoundTrip(tmp_path, moto.url)
    live, replayed = trip.run(s3_objects)

    for run in (live, replayed):
        assert type(run["get_body"]) is bytes and run["get_body"] == PAYLOAD
        assert type(run["empty_body"]) is bytes and run["empty_body"] == b""
        assert run["ranged_body"] == PAYLOAD[250:261]
        assert run["ranged"]["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert [o["Key"] for o in run["list"]["Contents"]] == sorted(["binary.bin", "empty", ODD_KEY])
        assert run["head"]["ContentLength"] == len(PAYLOAD)
        assert run["head"]["LastModified"].utcoffset() is not None
        error = run["head_missing"]
        assert isinstance(error, ClientError)
        assert error.response["Error"]["Code"] == "404"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        not_modified = run["not_modified"]
        assert isinstance(not_modified, ClientError)
        assert not_modified.response["Error"]["Code"] == "304"
        assert not_modified.response["ResponseMetadata"]["HTTPStatusCode"] == 304
        for key in ("get", "empty", "ranged"):
            assert type(run[key]["Body"]) is StreamingBody

    # botocore's default response checksum validation was on, so in record mode
    # the body came wrapped in a StreamingChecksumBody, and reading it validated
    # the CRC; the recording still says StreamingBody, as placebo writes it.
    assert live["checksum_validation"] == "when_supported"
    assert live["get"]["ResponseMetadata"]["ChecksumAlgorithm"].lower() == "crc32"
    recorded = load_file(tmp_path, "s3.GetObject_1.json")
    body = recorded["data"]["Body"]
    assert body["__class__"] == "StreamingBody"
    assert base64.b64decode(body["body"]) == PAYLOAD
    assert recorded["status_code"] == 200
    assert load_file(tmp_path, "s3.GetObject_2.json")["data"]["Body"]["body"] == ""
    assert load_file(tmp_path, "s3.GetObject_3.json")["status_code"] == 206
    assert load_file(tmp_path, "s3.HeadObject_2.json")["status_code"] == 404
    # The url-encoded keys are on disk; botocore decodes them again on replay.
    listed = [o["Key"] for o in load_file(tmp_path, "s3.ListObjectsV2_1.json")["data"]["Contents"]]
    assert ODD_KEY not in listed


def _put_objects(s3):
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="binary.bin", Body=PAYLOAD)
    s3.put_object(Bucket=BUCKET, Key="text.txt", Body=TEXT)


def test_replayed_body_is_a_full_streamingbody(tmp_path, moto):
    trip = RoundTrip(tmp_path, moto.url)

    def read_both(session, url):
        s3 = session.client("s3", endpoint_url=url)
        _put_objects(s3)
        return [read_body(s3.get_object(Bucket=BUCKET, Key=k)["Body"]) for k in ("binary.bin", "text.txt")]

    assert trip.record(read_both) == [PAYLOAD, TEXT]

    pill = placebo_unittest.attach(make_session(), str(tmp_path))
    s3 = pill.session.client("s3", endpoint_url=DEAD_ENDPOINT)

    def body(key):
        # GetObject_1 is binary.bin, GetObject_2 text.txt: restart playback so
        # each call gets the object it asks for.
        pill.playback()
        if key == "text.txt":
            s3.get_object(Bucket=BUCKET, Key="binary.bin")
        result = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
        assert type(result) is StreamingBody
        return result

    with network_blocked():
        assert body("binary.bin").read() == PAYLOAD

        partial = body("binary.bin")
        assert partial.read(100) == PAYLOAD[:100]
        assert partial.read(0) == b""
        assert partial.read(1000) == PAYLOAD[100:1100]
        assert partial.read() == PAYLOAD[1100:]
        assert partial.read() == b""

        chunks = list(body("binary.bin").iter_chunks(chunk_size=1000))
        assert b"".join(chunks) == PAYLOAD
        assert [len(c) for c in chunks] == [1000] * 10 + [240]
        assert b"".join(body("binary.bin")) == PAYLOAD  # __iter__: 1 KiB chunks

        assert list(body("text.txt").iter_lines()) == [
            b"first line", b"second line", b"third line", b"last, no newline"]
        assert list(body("text.txt").iter_lines(keepends=True)) == TEXT.splitlines(True)

        closed = body("binary.bin")
        assert closed.readable()
        closed.close()
        with pytest.raises(ValueError):
            closed.read()

        # As in botocore, ``with body as stream`` gives the underlying stream
        # and closes it on exit.
        managed = body("text.txt")
        with managed as stream:
            assert stream.read() == TEXT
        with pytest.raises(ValueError):
            managed.read()

        into = bytearray(len(TEXT))
        assert body("text.txt").readinto(into) == len(TEXT) and bytes(into) == TEXT


def bucket_location_and_waiters(session, url):
    s3 = session.client("s3", endpoint_url=url)
    out = {
        "create_eu": s3.create_bucket(
            Bucket="placebo-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}),
        "create_us": s3.create_bucket(Bucket="placebo-us"),
    }
    out["location_eu"] = s3.get_bucket_location(Bucket="placebo-eu")
    out["location_us"] = s3.get_bucket_location(Bucket="placebo-us")
    out["exists"] = s3.get_waiter("bucket_exists").wait(Bucket="placebo-eu")
    # A 404 is the success state of this waiter.
    out["not_exists"] = s3.get_waiter("object_not_exists").wait(Bucket="placebo-us", Key="nothing")
    # Two polls, both 404, then the waiter gives up.
    out["gives_up"] = caught(
        s3.get_waiter("bucket_exists").wait, Bucket="placebo-missing",
        WaiterConfig={"Delay": 0, "MaxAttempts": 2},
    )
    return out


def test_bucket_location_and_waiters_replay(tmp_path, moto):
    trip = RoundTrip(tmp_path, moto.url)
    live, replayed = trip.run(bucket_location_and_waiters)
    for run in (live, replayed):
        assert run["location_eu"]["LocationConstraint"] == "eu-west-1"
        assert run["location_us"]["LocationConstraint"] is None
        assert run["exists"] is None and run["not_exists"] is None
        assert isinstance(run["gives_up"], WaiterError)
        assert run["gives_up"].last_response["ResponseMetadata"]["HTTPStatusCode"] == 404
    # LocationConstraint is parsed from the raw body by a botocore after-call
    # handler; the recording must still have it, as placebo's files do.
    assert load_file(tmp_path, "s3.GetBucketLocation_1.json")["data"]["LocationConstraint"] == "eu-west-1"
    assert [n for n in recording_files(tmp_path) if n.startswith("s3.HeadBucket")] == [
        "s3.HeadBucket_1.json", "s3.HeadBucket_2.json", "s3.HeadBucket_3.json"]
    assert [load_file(tmp_path, f"s3.HeadBucket_{n}.json")["status_code"] for n in (1, 2, 3)] == [
        200, 404, 404]
    assert load_file(tmp_path, "s3.HeadObject_1.json")["status_code"] == 404


def test_body_read_in_pieces_while_recording(tmp_path, moto):
    """Code that reads the body with read(n) gets every byte, in record mode
    (where the pill has already drained botocore's StreamingChecksumBody and
    checked its CRC) and on replay."""
    trip = RoundTrip(tmp_path, moto.url)

    def in_pieces(session, url):
        s3 = session.client("s3", endpoint_url=url)
        _put_objects(s3)
        body = s3.get_object(Bucket=BUCKET, Key="binary.bin")["Body"]
        assert type(body) is StreamingBody
        pieces = []
        while True:
            piece = body.read(777)
            if not piece:
                break
            pieces.append(piece)
        return pieces

    live = trip.record(in_pieces)
    assert b"".join(live) == PAYLOAD and {len(p) for p in live[:-1]} == {777}
    assert_same(live, trip.replay(in_pieces))
    stored = load_file(tmp_path, "s3.GetObject_1.json")["data"]
    assert stored["ResponseMetadata"]["ChecksumAlgorithm"].lower() == "crc32"
    assert base64.b64decode(stored["Body"]["body"]) == PAYLOAD


def test_transfer_manager_round_trip(tmp_path, moto):
    """boto3's managed transfers run their calls on worker threads."""
    def transfer(session, url):
        s3 = session.client("s3", endpoint_url=url)
        s3.create_bucket(Bucket=BUCKET)
        s3.upload_fileobj(io.BytesIO(PAYLOAD), BUCKET, "uploaded.bin")
        target = io.BytesIO()
        s3.download_fileobj(BUCKET, "uploaded.bin", target)
        return target.getvalue()

    trip = RoundTrip(tmp_path, moto.url)
    live, replayed = trip.run(transfer)
    assert live == PAYLOAD and replayed == PAYLOAD
    assert recording_files(tmp_path) == [
        "s3.CreateBucket_1.json", "s3.GetObject_1.json", "s3.HeadObject_1.json", "s3.PutObject_1.json"]
