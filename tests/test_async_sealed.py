"""Sealed playback of sessions the code under test makes itself, async ones
included (aiobotocore's get_session(), aioboto3's Session(), s3fs), and no
network attempt of any kind in playback, credential providers included: with
no AWS credentials configured, the instance metadata service is never asked.
"""
import contextlib
import socket

import aioboto3
import aiobotocore.session
import boto3
import botocore.session
import pytest
import s3fs

import placebo_unittest.seal
from placebo_unittest import AsyncPlaceboTestCase, ForeignClientError, PlaceboTestCase
from placebo_unittest.seal import PLACEHOLDER_METHOD

from async_helpers import IDENTITY, AsyncBody
from testcase_helpers import assert_passed, environment, listing, moto_env, run, seed

LEAKY_ENV = dict(AWS_ACCESS_KEY_ID="AKIAPLACEBOLEAKCHECK", AWS_SECRET_ACCESS_KEY="leak/check/secret",
                 AWS_DEFAULT_REGION="us-east-1")


@contextlib.contextmanager
def counted_network():
    """Every attempt to reach the network (a connection, or a name lookup) is
    refused and listed in the list this yields."""
    attempts = []
    names = ("connect", "connect_ex")
    saved = {name: vars(socket.socket).get(name) for name in names}
    saved_functions = {name: getattr(socket, name) for name in ("create_connection", "getaddrinfo")}

    def refuse(kind):
        def attempt(*args, **kwargs):
            attempts.append((kind, args[1:] if kind.startswith("connect") else args))
            raise OSError(f"no network here ({kind})")
        return attempt

    for name in names:
        setattr(socket.socket, name, refuse(name))
    for name in saved_functions:
        setattr(socket, name, refuse(name))
    try:
        yield attempts
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(socket.socket, name)
            else:
                setattr(socket.socket, name, value)
        for name, value in saved_functions.items():
            setattr(socket, name, value)


@contextlib.contextmanager
def no_credentials(tmp_path):
    """No AWS credentials anywhere: no AWS_* variables, and empty config and
    credentials files."""
    (tmp_path / "aws-config").write_text("")
    (tmp_path / "aws-credentials").write_text("")
    with environment(tmp_path):
        yield


def sync_boto3():
    return boto3.Session(region_name="us-east-1").client("sts").get_caller_identity()


def sync_botocore():
    return botocore.session.get_session().create_client("sts", region_name="us-east-1").get_caller_identity()


async def async_aiobotocore():
    async with aiobotocore.session.get_session().create_client("sts", region_name="us-east-1") as sts:
        return await sts.get_caller_identity()


async def async_aioboto3():
    async with aioboto3.Session(region_name="us-east-1").client("sts") as sts:
        return await sts.get_caller_identity()


SYNC = {"boto3.Session()": sync_boto3, "botocore.session.get_session()": sync_botocore}
ASYNC = {"aiobotocore get_session()": async_aiobotocore, "aioboto3.Session()": async_aioboto3}


def sync_case(tmp_path, code, **attributes):
    class Sealed(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.assertEqual(code()["UserId"], IDENTITY["UserId"])

    for name, value in attributes.items():
        setattr(Sealed, name, value)
    return Sealed


def async_case(tmp_path, code, **attributes):
    class Sealed(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            self.assertEqual((await code())["UserId"], IDENTITY["UserId"])

    for name, value in attributes.items():
        setattr(Sealed, name, value)
    return Sealed


CASES = [(sync_case, name, code) for name, code in SYNC.items()] + \
    [(async_case, name, code) for name, code in ASYNC.items()]


@pytest.mark.parametrize("case, name, code", CASES, ids=[name for _case, name, _code in CASES])
def test_no_network_attempt_in_playback_without_credentials(tmp_path, case, name, code):
    seed(tmp_path / "Sealed.test_it", "sts", "GetCallerIdentity", IDENTITY)
    with no_credentials(tmp_path), counted_network() as attempts:
        result = run(case(tmp_path, code))
    assert_passed(result, 1)
    assert attempts == []


def test_without_placeholders_the_instance_metadata_service_would_be_asked(tmp_path, monkeypatch):
    """What the placeholder credentials prevent: the counting above sees it."""
    monkeypatch.setattr(placebo_unittest.seal, "_needs_placeholder", lambda session: False)
    seed(tmp_path / "Sealed.test_it", "sts", "GetCallerIdentity", IDENTITY)
    with no_credentials(tmp_path), counted_network() as attempts:
        assert_passed(run(sync_case(tmp_path, sync_boto3)), 1)
    assert attempts and all("169.254.169.254" in repr(attempt) for attempt in attempts)


@pytest.mark.parametrize("name", sorted(ASYNC))
def test_async_clients_of_other_sessions_can_be_refused(tmp_path, name):
    seed(tmp_path / "Sealed.test_it", "sts", "GetCallerIdentity", IDENTITY)
    seen = []

    class Sealed(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)
        placebo_foreign_clients = "refuse"

        async def test_it(self):
            with self.assertRaises(ForeignClientError) as caught:
                await ASYNC[name]()
            seen.append(str(caught.exception))
            sts = await self.client("sts")
            await sts.get_caller_identity()

    with no_credentials(tmp_path), counted_network() as attempts:
        assert_passed(run(Sealed), 1)
    assert attempts == [] and "a call to sts.GetCallerIdentity" in seen[0]


def test_credentials_the_code_sets_are_kept_and_others_are_placeholders(tmp_path):
    seen = {}

    class Credentials(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            own = aiobotocore.session.get_session()
            own.set_credentials("AKIAOWNKEY", "own-secret")
            seen["own"] = (await own.get_credentials()).access_key
            seen["async"] = (await aiobotocore.session.get_session().get_credentials()).method
            seen["sync"] = boto3.Session().get_credentials().method

    with environment(tmp_path, **LEAKY_ENV), counted_network() as attempts:
        assert_passed(run(Credentials), 1)
    assert seen == {"own": "AKIAOWNKEY", "async": PLACEHOLDER_METHOD, "sync": PLACEHOLDER_METHOD}
    assert attempts == []
    # Outside a sealed playback the usual providers answer again.
    with environment(tmp_path, **LEAKY_ENV):
        assert boto3.Session().get_credentials().access_key == LEAKY_ENV["AWS_ACCESS_KEY_ID"]


@pytest.mark.recording
def test_recording_adopts_async_clients_of_other_sessions(tmp_path, moto):
    class Recorded(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            self.assertEqual((await async_aioboto3())["Account"], "123456789012")
            self.assertEqual((await async_aiobotocore())["Account"], "123456789012")

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Recorded), 1)
    assert listing(tmp_path / "Recorded.test_it") == ["sts.GetCallerIdentity_1.json",
                                                      "sts.GetCallerIdentity_2.json"]
    with no_credentials(tmp_path), counted_network() as attempts:
        assert_passed(run(Recorded), 1)
    assert attempts == []


# -- s3fs ---------------------------------------------------------------------------------
def filesystem():
    return s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False,
                             client_kwargs={"region_name": "eu-west-1"})


@pytest.mark.recording
def test_s3fs_reads_and_writes_through_recordings(tmp_path, moto):
    seen = []

    class Files(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            fs = filesystem()
            fs.mkdir("placebo-s3fs")
            fs.pipe("placebo-s3fs/notes.txt", b"first line\nsecond line\n")
            with fs.open("placebo-s3fs/data.bin", "wb") as handle:
                handle.write(bytes(range(256)) * 4)
            with fs.open("placebo-s3fs/data.bin", "rb") as handle:
                handle.seek(256)
                part = handle.read(16)
            seen.append((fs.cat("placebo-s3fs/notes.txt"), part, sorted(fs.ls("placebo-s3fs")),
                         fs.info("placebo-s3fs/data.bin")["size"]))

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Files), 1)
    assert "s3.PutObject_1.json" in listing(tmp_path / "Files.test_it")
    with no_credentials(tmp_path), counted_network() as attempts:
        assert_passed(run(Files), 1)
    assert attempts == []
    assert seen[0] == seen[1] == (b"first line\nsecond line\n", bytes(range(16)),
                                  ["placebo-s3fs/data.bin", "placebo-s3fs/notes.txt"], 1024)


@pytest.mark.recording
def test_async_s3fs_in_an_async_test(tmp_path, moto):
    seen = []

    class AsyncFiles(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            fs = s3fs.S3FileSystem(asynchronous=True, skip_instance_cache=True, use_listings_cache=False,
                                   client_kwargs={"region_name": "eu-west-1"})
            client = await fs.set_session()
            self.addAsyncCleanup(client.close)
            await fs._mkdir("placebo-async-s3fs")
            await fs._pipe_file("placebo-async-s3fs/a.txt", b"written by async code")
            seen.append(await fs._cat_file("placebo-async-s3fs/a.txt"))
            got = await client.get_object(Bucket="placebo-async-s3fs", Key="a.txt")
            self.assertIs(type(got["Body"]), AsyncBody)
            seen.append(await got["Body"].read())

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(AsyncFiles), 1)
    with no_credentials(tmp_path), counted_network() as attempts:
        assert_passed(run(AsyncFiles), 1)
    assert attempts == []
    assert seen == [b"written by async code"] * 4


def test_every_patched_method_is_put_back_when_the_seal_lifts(tmp_path):
    from aiobotocore.client import AioBaseClient
    from aiobotocore.session import AioSession

    def methods():
        return (AioBaseClient.__dict__["_make_api_call"], AioSession.__dict__["_create_client"],
                AioSession.__dict__["get_credentials"], botocore.session.Session.__dict__["get_credentials"],
                botocore.session.Session.__dict__["__init__"])

    before = methods()
    seen = []

    class Sealed(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)
        placebo_on_unused = "ignore"

        async def test_it(self):
            seen.append(methods())

    with no_credentials(tmp_path):
        assert_passed(run(Sealed), 1)
    assert methods() == before
    assert all(during is not original for during, original in zip(seen[0], before, strict=True))
