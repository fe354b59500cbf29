"""Helpers for the record-against-moto, replay-offline tests (tests/test_recording_*.py).

The central piece is :func:`assert_same`: deep equality *and* identical types at
every node, so a replay that gives ``str`` where the live call gave ``bytes``,
``1`` where it gave ``True``, or the right instant in the wrong UTC offset fails.
"""
import datetime
import io
import json
import math
import os
import weakref

from botocore.exceptions import BotoCoreError, ClientError
from botocore.response import StreamingBody

import placebo_unittest

from conftest import make_session, network_blocked

#: Where playback clients point: nothing listens on the discard port, and the
#: network guard turns any connection attempt into a test failure anyway.
DEAD_ENDPOINT = "http://127.0.0.1:9"

_bodies = weakref.WeakKeyDictionary()


def read_body(body):
    """Read a StreamingBody to the end, the way code under test does (``.read()``).

    The bytes are remembered, so reading the same body again (here or in
    :func:`assert_same`) gives them back instead of ``b""``.
    """
    if not isinstance(body, StreamingBody):
        raise AssertionError(f"expected a StreamingBody, got {type(body)!r}")
    if body in _bodies:
        return _bodies[body]
    data = body.read()
    _bodies[body] = data
    return data


def caught(call, *args, **kwargs):
    """Call ``call`` and return the exception it raises (failing if it raises none)."""
    try:
        result = call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the exception is the result here
        return exc
    raise AssertionError(f"{call!r} raised nothing, returned {result!r}")


def _where(path):
    return "".join(f"[{step!r}]" for step in path) or "<top>"


def assert_same(live, replayed, path=()):
    """Assert ``replayed`` equals ``live`` with the same type at every node.

    dicts: same keys, in any order; lists and tuples: same length, item by
    item; datetimes: same instant, same awareness and same ``utcoffset()``;
    StreamingBody: exactly ``botocore.response.StreamingBody`` on both sides,
    same bytes (read with :func:`read_body`); exceptions: same class, message
    and, for ClientError, the same ``response`` and ``operation_name`` (for
    other botocore errors the same ``kwargs``, and for WaiterError the same
    ``last_response``).
    """
    where = _where(path)
    if isinstance(live, StreamingBody) or isinstance(replayed, StreamingBody):
        assert type(live) is StreamingBody, f"{where}: live value is a {type(live)!r}, not a StreamingBody"
        assert type(replayed) is StreamingBody, f"{where}: replayed value is a {type(replayed)!r}, not a StreamingBody"
        live_bytes, replayed_bytes = read_body(live), read_body(replayed)
        assert live_bytes == replayed_bytes, (
            f"{where}: bodies differ ({len(live_bytes)} live bytes, {len(replayed_bytes)} replayed)")
        return
    if isinstance(live, BaseException):
        # Each boto3 Session builds its own modeled exception classes, so the
        # live and replayed classes are distinct objects: compare them by name.
        assert _class_names(live) == _class_names(replayed), f"{where}: {type(replayed)!r} is not {type(live)!r}"
        assert str(live) == str(replayed), f"{where}: messages differ: {str(live)!r} != {str(replayed)!r}"
        if isinstance(live, ClientError):
            assert live.operation_name == replayed.operation_name, where
            assert_same(live.response, replayed.response, path + ("response",))
        if isinstance(live, BotoCoreError):
            assert_same(live.kwargs, replayed.kwargs, path + ("kwargs",))
        if hasattr(live, "last_response"):  # WaiterError
            assert_same(live.last_response, replayed.last_response, path + ("last_response",))
        return
    assert type(live) is type(replayed), (
        f"{where}: live {live!r} is a {type(live).__name__}, replayed {replayed!r} is a {type(replayed).__name__}")
    if isinstance(live, dict):
        missing = sorted(set(live) - set(replayed), key=repr)
        extra = sorted(set(replayed) - set(live), key=repr)
        assert not missing and not extra, f"{where}: keys missing on replay {missing}, extra on replay {extra}"
        for key in live:
            assert_same(live[key], replayed[key], path + (key,))
        return
    if isinstance(live, (list, tuple)):
        assert len(live) == len(replayed), f"{where}: {len(live)} live items, {len(replayed)} replayed"
        for index, (a, b) in enumerate(zip(live, replayed, strict=True)):
            assert_same(a, b, path + (index,))
        return
    if isinstance(live, (set, frozenset)):
        typed_live = {(type(v), v) for v in live}
        typed_replayed = {(type(v), v) for v in replayed}
        assert typed_live == typed_replayed, f"{where}: sets differ: {live!r} != {replayed!r}"
        return
    if isinstance(live, datetime.datetime):
        assert (live.tzinfo is None) == (replayed.tzinfo is None), \
            f"{where}: one of {live!r}, {replayed!r} is naive"
        assert live == replayed, f"{where}: {live!r} != {replayed!r}"
        assert live.utcoffset() == replayed.utcoffset(), (
            f"{where}: UTC offsets differ: {live.utcoffset()!r} vs {replayed.utcoffset()!r}")
        return
    if isinstance(live, float) and math.isnan(live):
        assert math.isnan(replayed), f"{where}: {replayed!r} != nan"
        return
    assert live == replayed, f"{where}: {live!r} != {replayed!r}"


def _class_names(value):
    return [(c.__module__, c.__qualname__) for c in type(value).__mro__]


def recording_files(directory):
    """Names of the recording files in ``directory``, sorted."""
    if not os.path.isdir(str(directory)):
        return []
    return sorted(n for n in os.listdir(str(directory)) if n.endswith(".json"))


def load_file(directory, name):
    with open(os.path.join(str(directory), name), encoding="ascii") as handle:
        return json.load(handle)


def fresh_body(data):
    return StreamingBody(io.BytesIO(data), len(data))


class RoundTrip:
    """Run one scenario live under a recording pill, then offline under a replaying one.

    ``scenario(session, endpoint_url)`` is the code under test: it makes its
    clients from ``session`` and returns whatever it wants compared. It runs
    once against moto (recorded into ``directory``) and once in a new session
    whose pill replays, with every socket connection refused.
    """

    def __init__(self, directory, moto_url, region="us-east-1", redact=False):
        self.redact = redact  # these runs compare values exactly: secrets are kept unless asked
        self.directory = str(directory)
        self.moto_url = moto_url
        self.region = region
        self.live = self.replayed = None
        self.record_pill = self.replay_pill = None

    def record(self, scenario):
        session = make_session(self.region)
        self.record_pill = placebo_unittest.attach(session, self.directory, redact=self.redact)
        self.record_pill.record()
        self.live = scenario(session, self.moto_url)
        self.record_pill.stop()
        assert self.record_pill.recorded, "the scenario recorded nothing"
        return self.live

    def replay(self, scenario):
        session = make_session(self.region)
        self.replay_pill = placebo_unittest.attach(session, self.directory)
        self.replay_pill.playback()
        with network_blocked():
            self.replayed = scenario(session, DEAD_ENDPOINT)
        return self.replayed

    def run(self, scenario):
        """Record, replay, and check that the replay used every recording and equals the live run."""
        self.record(scenario)
        self.replay(scenario)
        assert self.replay_pill.replayed == len(self.record_pill.recorded)
        assert self.replay_pill.unused_recordings() == []
        assert_same(self.live, self.replayed)
        return self.live, self.replayed
