"""The Pill on async clients: aiobotocore and aioboto3 sessions recorded against
moto's server and replayed offline, with the same files as boto3's, exact types
(aiobotocore's StreamingBody, read whole, in chunks or with ``async with``),
paginators, request-aware playback, redaction, strictness and the spy API."""
import asyncio

import aioboto3
import botocore.session
import pytest
from botocore.exceptions import ClientError

import placebo_unittest
from placebo_unittest import (
    RecordingExhaustedError,
    RecordingNotFoundError,
    RequestMismatchError,
    aio,
    pill,
)

from async_helpers import (
    DEAD_ENDPOINT,
    IDENTITY,
    AsyncBody,
    AsyncRoundTrip,
    aio_session,
    bodies_read,
    body,
    caught,
    make_session,
    read_async_body,
    sync_bodies_read,
)
from conftest import FAKE_CREDENTIALS, network_blocked
from recording_helpers import assert_same, load_file, recording_files

BUCKET = "placebo-async"
PAYLOAD = bytes(range(256)) * 12  # 3,072 bytes, not UTF-8
KEYS = ("a.txt", "b.txt", "c.txt", "d.txt", "e.txt")


# -- any session ---------------------------------------------------------------------
def _boto3():
    return make_session()


def _botocore():
    session = botocore.session.get_session()
    session.set_credentials(FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"])
    session.set_config_variable("region", "us-east-1")
    return session


def _aioboto3():
    return aioboto3.Session(region_name="us-east-1", **FAKE_CREDENTIALS)


async def _async_identity(make_client):
    async with make_client("sts") as sts:
        return await sts.get_caller_identity()


SESSIONS = {
    "boto3.Session": (_boto3, lambda s: s.client("sts").get_caller_identity()),
    "botocore Session": (_botocore, lambda s: s.create_client("sts").get_caller_identity()),
    "aiobotocore AioSession": (aio_session, lambda s: asyncio.run(_async_identity(s.create_client))),
    "aioboto3 Session": (_aioboto3, lambda s: asyncio.run(_async_identity(s.client))),
}


@pytest.mark.parametrize("kind", sorted(SESSIONS))
def test_attach_takes_every_kind_of_session(tmp_path, kind, no_network_here):
    make, call = SESSIONS[kind]
    session = make()
    pill_ = placebo_unittest.attach(session, str(tmp_path))
    pill_.save_response("sts", "GetCallerIdentity", IDENTITY)
    pill_.playback()
    answer = call(session)
    assert {k: answer[k] for k in IDENTITY} == IDENTITY
    assert [(c.service, c.operation, c.source) for c in pill_.calls] == [("sts", "GetCallerIdentity", "recording")]
    assert pill_.replayed == 1 and pill_.unused_recordings() == []
    assert pill_.session is session


# -- S3 through aiobotocore, live and replayed -----------------------------------------
async def s3_scenario(session, url):
    """Code under test: bodies read whole, in chunks and with ``async with``, a
    paginator, an error, a waiter."""
    out = {}
    async with session.create_client("s3", endpoint_url=url) as s3:
        out["create"] = await s3.create_bucket(Bucket=BUCKET)
        out["put"] = await s3.put_object(Bucket=BUCKET, Key="payload.bin", Body=PAYLOAD)
        for key in KEYS:
            await s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
        whole = await s3.get_object(Bucket=BUCKET, Key="payload.bin")
        out["whole"] = await bodies_read(whole)
        chunked = await s3.get_object(Bucket=BUCKET, Key="payload.bin")
        assert type(chunked["Body"]) is AsyncBody
        chunks = [chunk async for chunk in chunked["Body"].iter_chunks(1000)]
        out["chunks"] = [type(chunk).__name__ + str(len(chunk)) for chunk in chunks]
        out["chunked"] = b"".join(chunks)
        ranged = await s3.get_object(Bucket=BUCKET, Key="payload.bin", Range="bytes=250-260")
        assert type(ranged["Body"]) is AsyncBody
        async with ranged["Body"] as stream:
            out["ranged"] = await stream.read()
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, PaginationConfig={"PageSize": 2})
        out["pages"] = [[item["Key"] for item in page.get("Contents", [])] async for page in pages]
        out["missing"] = await caught(s3.head_object(Bucket=BUCKET, Key="missing"))
        await s3.get_waiter("object_exists").wait(Bucket=BUCKET, Key="a.txt")
        out["head"] = await s3.head_object(Bucket=BUCKET, Key="a.txt")
    return out


@pytest.mark.recording
def test_s3_through_aiobotocore_round_trips_exactly(tmp_path, moto):
    live, replayed = AsyncRoundTrip(tmp_path, moto.url).run(s3_scenario)
    for run in (live, replayed):
        assert type(run["whole"]["Body"]) is bytes and run["whole"]["Body"] == PAYLOAD
        assert run["chunks"] == ["bytes1000", "bytes1000", "bytes1000", "bytes72"]
        assert run["chunked"] == PAYLOAD
        assert run["ranged"] == PAYLOAD[250:261]
        assert run["pages"] == [["a.txt", "b.txt"], ["c.txt", "d.txt"], ["e.txt", "payload.bin"]]
        assert isinstance(run["missing"], ClientError)
        assert run["missing"].response["Error"]["Code"] == "404"
    names = recording_files(tmp_path)
    assert "s3.GetObject_3.json" in names and "s3.ListObjectsV2_3.json" in names
    stored = load_file(tmp_path, "s3.GetObject_1.json")["data"]["Body"]
    assert stored["__class__"] == "StreamingBody"  # the same form boto3's recordings have


@pytest.mark.recording
def test_aioboto3_clients_and_resources_round_trip(tmp_path, moto):
    async def scenario(session, url):
        out = {}
        async with session.resource("s3", endpoint_url=url) as s3:
            bucket = await s3.Bucket(BUCKET)
            await bucket.create()
            obj = await s3.Object(BUCKET, "hello.txt")
            await obj.put(Body=b"hello, async world")
            got = await obj.get()
            out["body"] = await read_async_body(got["Body"])
            out["keys"] = [item.key async for item in bucket.objects.all()]
        async with session.client("sts", endpoint_url=url) as sts:
            out["identity"] = await sts.get_caller_identity()
        return out

    live, _replayed = AsyncRoundTrip(tmp_path, moto.url, make=_aioboto3).run(scenario)
    assert live["body"] == b"hello, async world" and live["keys"] == ["hello.txt"]


# -- the same files for sync and async code -------------------------------------------------
def sync_files(session, url):
    s3 = session.client("s3", endpoint_url=url)
    out = {"create": s3.create_bucket(Bucket=BUCKET)}
    s3.put_object(Bucket=BUCKET, Key="payload.bin", Body=PAYLOAD)
    out["get"] = sync_bodies_read(s3.get_object(Bucket=BUCKET, Key="payload.bin"))
    out["list"] = s3.list_objects_v2(Bucket=BUCKET)
    return out


async def async_files(session, url):
    async with session.create_client("s3", endpoint_url=url) as s3:
        out = {"create": await s3.create_bucket(Bucket=BUCKET)}
        await s3.put_object(Bucket=BUCKET, Key="payload.bin", Body=PAYLOAD)
        out["get"] = await bodies_read(await s3.get_object(Bucket=BUCKET, Key="payload.bin"))
        out["list"] = await s3.list_objects_v2(Bucket=BUCKET)
    return out


@pytest.mark.recording
def test_a_sync_recording_replays_for_async_code_and_back(tmp_path, moto):
    # Recorded by boto3, replayed by aiobotocore.
    by_sync = tmp_path / "by-sync"
    session = make_session()
    recorder = placebo_unittest.attach(session, str(by_sync), redact=False)
    recorder.record()
    live = sync_files(session, moto.url)
    replayer = AsyncRoundTrip(by_sync, moto.url)
    replayed = replayer.replay(async_files)
    assert replayer.replay_pill.unused_recordings() == []
    assert_same(live, replayed)

    # Recorded by aiobotocore, replayed by boto3.
    moto.reset()
    by_async = tmp_path / "by-async"
    live = AsyncRoundTrip(by_async, moto.url).record(async_files)
    session = make_session()
    player = placebo_unittest.attach(session, str(by_async))
    player.playback()
    with network_blocked():
        replayed = sync_files(session, DEAD_ENDPOINT)
    assert player.unused_recordings() == []
    assert_same(live, replayed)
    assert recording_files(by_sync) == recording_files(by_async)


# -- request-aware playback, redaction, accounts ----------------------------------------------
async def heads(session, url, keys=KEYS[:3]):
    async with session.create_client("s3", endpoint_url=url) as s3:
        if url != DEAD_ENDPOINT:
            await s3.create_bucket(Bucket=BUCKET)
            for key in keys:
                await s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode() * len(key))
        return [(key, (await s3.head_object(Bucket=BUCKET, Key=key))["ContentLength"]) for key in keys]


@pytest.mark.recording
def test_request_aware_playback_checks_async_calls(tmp_path, moto):
    trip = AsyncRoundTrip(tmp_path, moto.url)
    live = trip.record(heads)
    assert live == [("a.txt", 25), ("b.txt", 25), ("c.txt", 25)]

    async def reversed_heads(session, url):
        return await heads(session, url, keys=tuple(reversed(KEYS[:3])))

    # "params": each call gets the recording of its own parameters, in any order.
    trip.replay(reversed_heads, match="params", on_exhausted="error")
    assert trip.replayed == list(reversed(live))
    assert [call.params["Key"] for call in trip.replay_pill.find_calls("s3", "head_object")] == ["c.txt", "b.txt",
                                                                                                "a.txt"]
    # "verify": the recordings in order, and a call that differs fails, saying how.
    with pytest.raises(RequestMismatchError) as mismatch:
        trip.replay(reversed_heads, match="verify")
    assert "Key" in str(mismatch.value) and "c.txt" in str(mismatch.value) and "a.txt" in str(mismatch.value)


@pytest.mark.recording
def test_async_recordings_are_redacted_and_anonymised(tmp_path, moto):
    async def scenario(session, url):
        async with session.create_client("sts", endpoint_url=url) as sts:
            return {"identity": await sts.get_caller_identity(), "token": await sts.get_session_token()}

    trip = AsyncRoundTrip(tmp_path, moto.url, redact=True, anonymize_accounts="111122223333")
    live = trip.record(scenario)
    secret = live["token"]["Credentials"]["SecretAccessKey"]
    identity = load_file(tmp_path, "sts.GetCallerIdentity_1.json")["data"]
    token = load_file(tmp_path, "sts.GetSessionToken_1.json")
    assert identity["Account"] == "111122223333" and live["identity"]["Account"] != "111122223333"
    assert secret not in str(token)
    replayed = trip.replay(scenario)
    assert replayed["identity"]["Account"] == "111122223333"
    assert replayed["token"]["Credentials"]["SecretAccessKey"] != secret


# -- playback alone ---------------------------------------------------------------------------
def replaying(tmp_path, **options):
    session = aio_session()
    pill_ = placebo_unittest.attach(session, str(tmp_path), **options)
    return session, pill_


def test_a_replayed_body_is_aiobotocores_own_and_reads_every_way(tmp_path, no_network_here):
    session, pill_ = replaying(tmp_path)
    for _ in range(4):
        pill_.save_response("s3", "GetObject", {"Body": body(PAYLOAD), "ContentLength": len(PAYLOAD)})
    pill_.playback()

    async def reads():
        async with session.create_client("s3") as s3:
            out = []
            got = await s3.get_object(Bucket=BUCKET, Key="k")
            out.append(await got["Body"].read())
            got = await s3.get_object(Bucket=BUCKET, Key="k")
            out.append(b"".join([await got["Body"].read(100), await got["Body"].read()]))
            got = await s3.get_object(Bucket=BUCKET, Key="k")
            out.append(b"".join([line async for line in got["Body"].iter_lines(keepends=True)]))
            got = await s3.get_object(Bucket=BUCKET, Key="k")
            async with got["Body"] as stream:
                out.append(await stream.read())
            assert type(got["Body"]) is AsyncBody and got["ContentLength"] == len(PAYLOAD)
            return out

    assert asyncio.run(reads()) == [PAYLOAD] * 4


def test_a_paginator_replays_every_page(tmp_path, no_network_here):
    session, pill_ = replaying(tmp_path)
    pill_.save_response("s3", "ListObjectsV2", {"Contents": [{"Key": "a"}, {"Key": "b"}], "IsTruncated": True,
                                                "NextContinuationToken": "next"})
    pill_.save_response("s3", "ListObjectsV2", {"Contents": [{"Key": "c"}], "IsTruncated": False})
    pill_.playback()

    async def keys():
        async with session.create_client("s3") as s3:
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            return [item["Key"] async for page in pages for item in page["Contents"]]

    assert asyncio.run(keys()) == ["a", "b", "c"]
    assert [call.params for call in pill_.calls] == [{"Bucket": BUCKET}, {"Bucket": BUCKET,
                                                                         "ContinuationToken": "next"}]


def test_a_queued_response_answers_an_async_call_with_its_types(tmp_path, no_network_here):
    session, pill_ = replaying(tmp_path)
    pill_.queue_response("s3", "GetObject", {"Body": body(b"queued")}, expected_params={"Bucket": BUCKET, "Key": "q"})

    async def get():
        async with session.create_client("s3") as s3:
            return await bodies_read(await s3.get_object(Bucket=BUCKET, Key="q"))

    assert asyncio.run(get())["Body"] == b"queued"
    assert pill_.unused_responses() == [] and [c.source for c in pill_.calls] == ["queued"]


def test_strict_playback_of_async_calls(tmp_path, no_network_here):
    session, pill_ = replaying(tmp_path, on_exhausted="error")
    pill_.save_response("sts", "GetCallerIdentity", IDENTITY)
    pill_.playback()

    async def calls():
        async with session.create_client("sts") as sts:
            await sts.get_caller_identity()
            extra = await caught(sts.get_caller_identity())
        async with session.create_client("iam") as iam:
            missing = await caught(iam.list_roles())
        return extra, missing

    extra, missing = asyncio.run(calls())
    assert type(extra) is RecordingExhaustedError and "GetCallerIdentity" in str(extra)
    assert type(missing) is RecordingNotFoundError and "iam.ListRoles_1.json" in str(missing)


def test_a_removed_async_client_is_no_longer_replayed(tmp_path):
    session, pill_ = replaying(tmp_path)
    pill_.save_response("sts", "GetCallerIdentity", IDENTITY)
    pill_.playback()

    async def calls():
        async with session.create_client("sts", endpoint_url=DEAD_ENDPOINT) as sts:
            assert pill_.has_client(sts) and aio.is_async_client(sts)
            pill_.remove_client(sts)
            assert not pill_.has_client(sts)
            with network_blocked():
                return await caught(sts.get_caller_identity())

    failure = asyncio.run(calls())
    assert not isinstance(failure, (ClientError, placebo_unittest.PlaceboError))  # it went for the network
    assert pill_.calls == []


def test_the_async_shell_replaces_only_the_pills_own_events():
    events = {event for event, _method, _how in pill._WIRING}
    assert set(aio._ASYNC) < events
    sync_client = make_session().client("sts")
    assert not aio.is_async_client(sync_client)
    handlers = [(event, object(), how) for event, _method, how in pill._WIRING]
    assert aio.wiring(placebo_unittest.Pill(), sync_client, handlers) is handlers


def test_a_sync_client_of_an_aiobotocore_process_keeps_botocores_types(tmp_path, no_network_here):
    session = make_session()
    pill_ = placebo_unittest.attach(session, str(tmp_path))
    pill_.save_response("s3", "GetObject", {"Body": body(b"sync")})
    pill_.playback()
    got = session.client("s3").get_object(Bucket=BUCKET, Key="k")
    assert type(got["Body"]) is type(body(b"")) and got["Body"].read() == b"sync"
