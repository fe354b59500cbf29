"""AsyncPlaceboTestCase and the decorator on async tests, run the way unittest
runs them: recorded against moto's server, replayed offline, and as strict as
PlaceboTestCase (an extra call fails, unused recordings fail, recording again
is clean)."""
import os
import unittest
from unittest import mock

import aiobotocore.session
import pytest

from placebo_unittest import AsyncPlaceboTestCase, Mode, Pill, RecordingExhaustedError
from placebo_unittest.utils import placebo_session

from async_helpers import IDENTITY, AsyncBody, Clock, body
from testcase_helpers import (
    assert_passed,
    environment,
    listing,
    moto_env,
    network_blocked,
    only_problem,
    report,
    run,
    seed,
)


def queues_class(tmp_path, calls=2, **attributes):
    class Queues(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            sqs = await self.client("sqs")
            for _ in range(self.calls):
                await sqs.list_queues()
            if self.fail_it:
                self.fail("broken while recording")

    Queues.calls = calls
    Queues.fail_it = False
    for name, value in attributes.items():
        setattr(Queues, name, value)
    return Queues


@pytest.mark.recording
def test_record_then_replay_offline(tmp_path, moto):
    seen = []

    class Buckets(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_buckets(self):
            seen.append((self.placebo_mode, type(self.session), type(self.pill)))
            s3 = await self.client("s3")
            await s3.create_bucket(Bucket="async-case")
            await s3.put_object(Bucket="async-case", Key="k", Body=b"recorded")
            got = await s3.get_object(Bucket="async-case", Key="k")
            self.assertIs(type(got["Body"]), AsyncBody)
            self.assertEqual(await got["Body"].read(), b"recorded")
            names = [b["Name"] for b in (await s3.list_buckets())["Buckets"]]
            self.assertEqual(names, ["async-case"])
            self.assertCalled("s3", "get_object", {"Bucket": "async-case", "Key": "k"}, times=1)

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Buckets), 1)
    assert listing(tmp_path / "Buckets.test_buckets") == [
        "s3.CreateBucket_1.json", "s3.GetObject_1.json", "s3.ListBuckets_1.json", "s3.PutObject_1.json"]
    with environment(tmp_path), network_blocked():
        assert_passed(run(Buckets), 1)
    assert seen == [(Mode.RECORD, aiobotocore.session.AioSession, Pill),
                    (Mode.PLAYBACK, aiobotocore.session.AioSession, Pill)]


@pytest.mark.recording
def test_a_resource_records_and_replays(tmp_path, moto):
    class Resource(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            s3 = await self.resource("s3")
            bucket = await s3.Bucket("async-resource")
            await bucket.create()
            self.assertEqual([b.name async for b in s3.buckets.all()], ["async-resource"])

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Resource), 1)
    with environment(tmp_path), network_blocked():
        assert_passed(run(Resource), 1)


@pytest.mark.recording
def test_recording_again_is_clean_and_a_failed_attempt_is_kept_aside(tmp_path, moto):
    Queues = queues_class(tmp_path)
    test_dir, failed_dir = tmp_path / "Queues.test_it", tmp_path / "Queues.test_it.failed"
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Queues))
        assert listing(test_dir) == ["sqs.ListQueues_1.json", "sqs.ListQueues_2.json"]
        Queues.calls, Queues.fail_it = 1, True
        only_problem(run(Queues), "failures")
        assert listing(test_dir) == ["sqs.ListQueues_1.json", "sqs.ListQueues_2.json"]
        assert listing(failed_dir) == ["sqs.ListQueues_1.json"]
        Queues.fail_it = False
        assert_passed(run(Queues))
    assert listing(tmp_path) == ["Queues.test_it"]
    assert listing(test_dir) == ["sqs.ListQueues_1.json"]
    with environment(tmp_path), network_blocked():
        assert_passed(run(Queues))


def test_an_extra_call_fails_the_test(tmp_path):
    Queues = queues_class(tmp_path, calls=2)
    seed(tmp_path / "Queues.test_it", "sqs", "ListQueues", {"QueueUrls": []})
    with environment(tmp_path), network_blocked():
        text = only_problem(run(Queues), "errors")
    assert RecordingExhaustedError.__name__ in text and "Queues.test_it" in text and "ListQueues" in text


def test_unused_recordings_fail_the_test(tmp_path):
    Queues = queues_class(tmp_path, calls=1)
    seed(tmp_path / "Queues.test_it", "sqs", "ListQueues", {"QueueUrls": []}, {"QueueUrls": []})
    with environment(tmp_path), network_blocked():
        text = only_problem(run(Queues), "failures")
    assert "never replayed" in text and "sqs.ListQueues_2.json" in text


def test_helpers_and_waiters_without_sleeping(tmp_path):
    class Helpers(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            self.save_response("sts", "GetCallerIdentity", IDENTITY, expected_params={})
            self.save_response("s3", "HeadBucket", {"Error": {"Code": "404", "Message": "Not Found"},
                                                    "ResponseMetadata": {"HTTPStatusCode": 404}}, 404)
            self.save_response("s3", "HeadBucket", {"ResponseMetadata": {"HTTPStatusCode": 200}})
            self.save_response("s3", "GetObject", {"Body": body(b"queued body")})
            sts = await self.client("sts")
            self.assertEqual((await sts.get_caller_identity())["UserId"], IDENTITY["UserId"])
            s3 = await self.client("s3")
            with Clock() as clock:  # the waiter's delay is 5 s a poll
                await s3.get_waiter("bucket_exists").wait(Bucket="b")
            self.assertLess(clock.seconds, 2)
            got = await s3.get_object(Bucket="b", Key="k")
            self.assertIs(type(got["Body"]), AsyncBody)
            self.assertEqual(await got["Body"].read(), b"queued body")
            self.assertCalled("s3", "HeadBucket", times=2)

    with environment(tmp_path), network_blocked():
        assert_passed(run(Helpers), 1)


def test_subtests_replay_from_directories_of_their_own(tmp_path):
    for account in ("111111111111", "222222222222"):
        seed(tmp_path / f"Sub.test_it.account={account!r}", "sts", "GetCallerIdentity", dict(IDENTITY, Account=account))

    class Sub(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            for account in ("111111111111", "222222222222"):
                with self.subTest(account=account):
                    sts = await self.client("sts")
                    self.assertEqual((await sts.get_caller_identity())["Account"], account)

    with environment(tmp_path), network_blocked():
        assert_passed(run(Sub), 1)


def test_a_client_made_before_the_test_can_be_adopted(tmp_path):
    seed(tmp_path / "Adopting.test_it", "sts", "GetCallerIdentity", IDENTITY)

    class Adopting(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)
        placebo_foreign_clients = "refuse"

        async def asyncSetUp(self):
            session = aiobotocore.session.get_session()
            self.early = await session.create_client("sts", region_name="us-east-1", aws_access_key_id="a",
                                                     aws_secret_access_key="b").__aenter__()
            self.addAsyncCleanup(self.early.close)

        async def test_it(self):
            self.adopt(self.early)
            self.assertEqual((await self.early.get_caller_identity())["Account"], IDENTITY["Account"])

    with environment(tmp_path), network_blocked():
        assert_passed(run(Adopting), 1)


# -- the decorator on async tests -------------------------------------------------------------
def test_the_decorator_on_async_test_methods_and_classes(tmp_path):
    seen = []

    class Methods(unittest.IsolatedAsyncioTestCase):
        @placebo_session
        async def test_method(self, session):
            seen.append(type(session))
            async with session.create_client("sts") as sts:
                seen.append((await sts.get_caller_identity())["UserId"])

    @placebo_session(match="verify")
    class Decorated(unittest.IsolatedAsyncioTestCase):
        async def test_class(self):
            seen.append(type(self.session))
            async with self.session.create_client("sts") as sts:
                seen.append((await sts.get_caller_identity())["UserId"])

    for name in ("Methods.test_method", "Decorated.test_class"):
        seed(tmp_path / name, "sts", "GetCallerIdentity", IDENTITY)
    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        assert_passed(run(Methods), 1)
        assert_passed(run(Decorated), 1)
    session_class = aiobotocore.session.AioSession
    assert seen == [session_class, IDENTITY["UserId"], session_class, IDENTITY["UserId"]]


@pytest.mark.recording
def test_the_decorator_records_an_async_function(tmp_path, moto):
    import asyncio

    @placebo_session
    async def fetch_identity(session):
        async with session.create_client("sts") as sts:
            return (await sts.get_caller_identity())["Account"]

    with environment(tmp_path, **moto_env(moto, PLACEBO_DIR=str(tmp_path), PLACEBO_MODE="record")):
        live = asyncio.run(fetch_identity())
    assert listing(tmp_path / "fetch_identity") == ["sts.GetCallerIdentity_1.json"]
    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        assert asyncio.run(fetch_identity()) == live


def test_a_failing_async_test_reports_its_own_failure(tmp_path):
    seed(tmp_path / "Failing.test_it", "sts", "GetCallerIdentity", IDENTITY)

    class Failing(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            self.fail("its own reason")

    with environment(tmp_path), network_blocked():
        text = only_problem(run(Failing), "failures")
    assert "its own reason" in text and "never replayed" not in text


def test_check_settings_applies_to_async_classes(tmp_path):
    from placebo_unittest import ConfigurationError

    with pytest.raises(ConfigurationError, match="placebo_match"):
        class Wrong(AsyncPlaceboTestCase):
            placebo_match = "sometimes"
    with mock.patch.dict(os.environ, PLACEBO_MODE="playback"):
        assert report(run(queues_class(tmp_path, calls=0, placebo_on_unused="ignore"))) == ""


@pytest.mark.recording
def test_record_missing_adds_an_async_call_and_its_body_beside_the_old_files(tmp_path, moto):
    calls = {"read": False}

    class Objects(AsyncPlaceboTestCase):
        placebo_dir = str(tmp_path)

        async def test_it(self):
            s3 = await self.client("s3")
            await s3.create_bucket(Bucket="async-missing")
            await s3.put_object(Bucket="async-missing", Key="k", Body=b"kept")
            if calls["read"]:  # the call added later: a streaming body, through the async shell
                got = await s3.get_object(Bucket="async-missing", Key="k")
                self.assertIs(type(got["Body"]), AsyncBody)
                self.assertEqual(await got["Body"].read(), b"kept")

    directory = tmp_path / "Objects.test_it"
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Objects), 1)
    old = {name: (directory / name).read_bytes() for name in listing(directory)}
    assert sorted(old) == ["s3.CreateBucket_1.json", "s3.PutObject_1.json"]
    calls["read"] = True
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record-missing")):
        assert_passed(run(Objects), 1)
    assert listing(directory) == ["s3.CreateBucket_1.json", "s3.GetObject_1.json", "s3.PutObject_1.json"]
    assert {name: (directory / name).read_bytes() for name in old} == old
    with environment(tmp_path), network_blocked():
        assert_passed(run(Objects), 1)
