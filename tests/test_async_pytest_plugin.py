"""The pytest plugin's fixtures for async tests, run for real on a sample
project under pytest-asyncio and anyio: recorded against moto's server,
replayed offline, and as strict as the sync fixtures (an extra call fails,
unused recordings fail, recording again is clean)."""
import pytest

from recording_helpers import recording_files
from test_pytest_plugin import (
    counts,
    listing,
    placebo_dir,
    record,
    replay,
    sample,  # noqa: F401 - a fixture
    summary,
)
from testcase_helpers import CALLER, repo_untouched, seed  # noqa: F401 - repo_untouched is autouse

pytest_plugins = ["pytester"]

ASYNC_TESTS = '''
import os

import pytest

from aiobotocore.response import StreamingBody


@pytest.mark.asyncio
async def test_under_pytest_asyncio(placebo_aio_client, placebo_aio_pill):
    async with placebo_aio_client("s3") as s3:
        await s3.create_bucket(Bucket="async-fixtures")
        await s3.put_object(Bucket="async-fixtures", Key="k", Body=b"from a fixture")
        got = await s3.get_object(Bucket="async-fixtures", Key="k")
        assert type(got["Body"]) is StreamingBody
        assert await got["Body"].read() == b"from a fixture"
    assert [call.operation for call in placebo_aio_pill.calls] == ["CreateBucket", "PutObject", "GetObject"]


@pytest.mark.anyio
async def test_under_anyio(placebo_aio_session):
    async with placebo_aio_session.create_client("sqs") as sqs:
        for _ in range(int(os.environ.get("SAMPLE_CALLS", "1"))):
            await sqs.list_queues()


@pytest.mark.asyncio
@pytest.mark.placebo(match="params")
async def test_marked(placebo_aio_context):
    assert placebo_aio_context.pill.match == "params"
    async with placebo_aio_context.session.create_client("sts") as sts:
        assert (await sts.get_caller_identity())["Account"] == "123456789012"
'''

STRICT_TESTS = '''
import pytest


@pytest.mark.asyncio
async def test_strict_extra_call(placebo_aio_client):
    async with placebo_aio_client("sts") as sts:
        await sts.get_caller_identity()
        await sts.get_caller_identity()


@pytest.mark.anyio
async def test_strict_unused(placebo_aio_client):
    async with placebo_aio_client("sts") as sts:
        await sts.get_caller_identity()


def test_strict_both_families(placebo_session, placebo_aio_session):
    pass
'''


@pytest.mark.recording
def test_async_fixtures_record_replay_and_are_strict(sample, monkeypatch, moto):  # noqa: F811
    sample.makepyfile(test_async=ASYNC_TESTS, test_strict=STRICT_TESTS)
    base = placebo_dir(sample)
    # An earlier recording with one call more: recording again replaces the directory as a whole.
    seed(base / "test_async.test_under_anyio[asyncio]", "sqs", "ListQueues", {"QueueUrls": []}, {"QueueUrls": []})
    monkeypatch.setenv("SAMPLE_CALLS", "1")
    record(sample, monkeypatch, moto, "test_async.py").assert_outcomes(passed=3)
    assert listing(base) == ["test_async.test_marked", "test_async.test_under_anyio[asyncio]",
                             "test_async.test_under_pytest_asyncio"]
    assert recording_files(base / "test_async.test_under_anyio[asyncio]") == ["sqs.ListQueues_1.json"]
    assert recording_files(base / "test_async.test_under_pytest_asyncio") == [
        "s3.CreateBucket_1.json", "s3.GetObject_1.json", "s3.PutObject_1.json"]

    seed(base / "test_strict.test_strict_extra_call", "sts", "GetCallerIdentity", CALLER)
    seed(base / "test_strict.test_strict_unused[asyncio]", "sts", "GetCallerIdentity", CALLER, CALLER)
    result = replay(sample, monkeypatch)
    result.assert_outcomes(passed=4, failed=1, errors=2)
    output = result.stdout.str()
    assert "RecordingExhaustedError" in output and "test_strict_extra_call" in output
    assert "recorded response(s) were never replayed" in output and "sts.GetCallerIdentity_2.json" in output
    assert "use the placebo_* fixtures or the placebo_aio_* ones, not both" in output
    assert summary(result) == counts(tests=6, replayed=7, unused=1, missing=1)
