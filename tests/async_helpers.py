"""Helpers for the async tests (tests/test_async_*.py): aiobotocore sessions,
bodies read the way async code reads them, and a record-then-replay round trip
for async scenarios, the async twin of recording_helpers.RoundTrip."""
import asyncio
import io
import time

import aiobotocore.response
import aiobotocore.session
from botocore.response import StreamingBody

import placebo_unittest

from conftest import FAKE_CREDENTIALS, make_session, network_blocked
from recording_helpers import DEAD_ENDPOINT, assert_same

#: aiobotocore's streaming body class: what a live async call gives.
AsyncBody = aiobotocore.response.StreamingBody

IDENTITY = {"UserId": "AIDAPLACEBOASYNC", "Account": "123456789012",
            "Arn": "arn:aws:iam::123456789012:user/async"}


def aio_session(region="us-east-1"):
    """An aiobotocore session that never looks for real credentials."""
    session = aiobotocore.session.get_session()
    session.set_credentials(FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"])
    session.set_config_variable("region", region)
    return session


def body(data):
    """A botocore StreamingBody holding ``data``, for save_response."""
    return StreamingBody(io.BytesIO(data), len(data))


async def read_async_body(value):
    """``("async", bytes)`` for aiobotocore's exact StreamingBody, read with
    ``await body.read()``; anything else fails."""
    assert type(value) is AsyncBody, f"expected aiobotocore's StreamingBody, got {type(value)!r}"
    return await value.read()


async def bodies_read(response):
    """``response`` with its streaming body (``Body``) read: the bytes, after
    checking the body's exact type."""
    out = dict(response)
    if "Body" in out:
        out["Body"] = await read_async_body(out["Body"])
    return out


def sync_bodies_read(response):
    """The sync twin of :func:`bodies_read`."""
    out = dict(response)
    if "Body" in out:
        assert type(out["Body"]) is StreamingBody
        out["Body"] = out["Body"].read()
    return out


async def caught(awaitable):
    """The exception ``awaitable`` raises (failing if it raises none)."""
    try:
        result = await awaitable
    except Exception as exc:  # noqa: BLE001 - the exception is the result here
        return exc
    raise AssertionError(f"raised nothing, returned {result!r}")


class AsyncRoundTrip:
    """Run an async scenario live under a recording pill, then offline under a
    replaying one, each in a session of its own.

    ``scenario(session, endpoint_url)`` is a coroutine function: the code under
    test. ``make`` makes the session (an aiobotocore one by default)."""

    def __init__(self, directory, moto_url, make=aio_session, **options):
        self.directory = str(directory)
        self.moto_url = moto_url
        self.make = make
        self.options = {"redact": False, **options}
        self.live = self.replayed = None
        self.record_pill = self.replay_pill = None

    def record(self, scenario):
        session = self.make()
        self.record_pill = placebo_unittest.attach(session, self.directory, **self.options)
        self.record_pill.record()
        self.live = asyncio.run(scenario(session, self.moto_url))
        self.record_pill.stop()
        assert self.record_pill.recorded, "the scenario recorded nothing"
        return self.live

    def replay(self, scenario, **options):
        session = self.make()
        self.replay_pill = placebo_unittest.attach(session, self.directory, **options)
        self.replay_pill.playback()
        with network_blocked():
            self.replayed = asyncio.run(scenario(session, DEAD_ENDPOINT))
        return self.replayed

    def run(self, scenario):
        """Record, replay, and check that the replay used every recording and equals the live run."""
        self.record(scenario)
        self.replay(scenario)
        assert self.replay_pill.replayed == len(self.record_pill.recorded)
        assert self.replay_pill.unused_recordings() == []
        assert_same(self.live, self.replayed)
        return self.live, self.replayed


class Clock:
    """Wall time of a block: ``with Clock() as clock: ...; clock.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.perf_counter() - self.start


__all__ = ["AsyncBody", "AsyncRoundTrip", "Clock", "IDENTITY", "aio_session", "body", "bodies_read",
           "caught", "make_session", "read_async_body", "sync_bodies_read", "DEAD_ENDPOINT"]
