"""Shared fixtures: a real moto server on 127.0.0.1, a network guard, time zones."""
import contextlib
import importlib.util
import logging
import os
import socket
import time

import boto3
import pytest

#: The async tests need aiobotocore, aioboto3 and s3fs (the test extra brings
#: them); without them, as in CI's run on the newest botocore, they aren't collected.
if importlib.util.find_spec("aiobotocore") is None:
    collect_ignore = ["test_async_pill.py", "test_async_testcase.py", "test_async_sealed.py",
                      "test_async_pytest_plugin.py", "test_async_eventstreams.py"]

# No test waits out botocore's retries: a call that fails (a refused
# connection, say) fails at once. No test relies on a retry.
os.environ.setdefault("AWS_MAX_ATTEMPTS", "1")

FAKE_CREDENTIALS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")
NETWORK_CUT = os.environ.get("PLACEBO_TEST_NETWORK") == "cut"


def make_session(region="us-east-1"):
    """A boto3 session that never looks for real credentials."""
    return boto3.Session(region_name=region, **FAKE_CREDENTIALS)


class MotoServer:
    def __init__(self):
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        assert host == "127.0.0.1"
        self.url = f"http://{host}:{port}"

    def reset(self):
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(self.url + "/moto-api/reset", method="POST")).read()

    def stop(self):
        self._server.stop()


@pytest.fixture(scope="session")
def moto_server():
    """moto's server mode on a free loopback port, started and stopped by the tests."""
    if NETWORK_CUT:
        pytest.skip("the network is cut for this run")
    server = MotoServer()
    yield server
    server.stop()


@pytest.fixture
def moto(moto_server):
    """The moto server, emptied before the test."""
    moto_server.reset()
    return moto_server


@contextlib.contextmanager
def network_blocked():
    """Any attempt to open a connection fails, loopback included."""
    real_connect = socket.socket.__dict__.get("connect")
    real_connect_ex = socket.socket.__dict__.get("connect_ex")
    real_create = socket.create_connection

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access during playback: {args[1:] or args!r}")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    try:
        yield
    finally:
        for name, value in (("connect", real_connect), ("connect_ex", real_connect_ex)):
            if value is None:
                delattr(socket.socket, name)
            else:
                setattr(socket.socket, name, value)
        socket.create_connection = real_create


@pytest.fixture
def no_network():
    with network_blocked():
        yield


@contextlib.contextmanager
def offline():
    """No connection can be opened inside: :func:`network_blocked`, unless
    it is already in force (the session-wide guard of PLACEBO_TEST_GUARD=1),
    because nesting it breaks the outer one's teardown."""
    if "connect_ex" in vars(socket.socket):  # network_blocked() is on
        yield
    else:
        with network_blocked():
            yield


@pytest.fixture
def no_network_here():
    """The test runs with the network blocked (see :func:`offline`)."""
    with offline():
        yield


PLACEBO_VARIABLES = ("PLACEBO_MODE", "PLACEBO_DIR", "PLACEBO_FORMAT", "PLACEBO_PROFILE", "PLACEBO_MATCH",
                     "PLACEBO_MAX_RECORDING_MB")


@pytest.fixture
def clean_placebo_env():
    """None of placebo_unittest's variables set; os.environ restored afterwards."""
    from unittest import mock

    with mock.patch.dict(os.environ):
        for name in PLACEBO_VARIABLES:
            os.environ.pop(name, None)
        yield


@pytest.fixture(params=["UTC", "Asia/Kolkata"])
def local_tz(request):
    """Run the test with this process's local time zone set to each of these."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield request.param
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


@pytest.fixture(autouse=True)
def _playback_tests_open_no_connection(request):
    """Every test not marked ``recording`` runs with connections refused, in
    every run of the suite: a test that replays must never reach a server,
    loopback included."""
    if request.node.get_closest_marker("recording") is not None:
        yield
    else:
        with offline():
            yield


@pytest.fixture(autouse=True, scope="session")
def _cut_network_when_asked():
    """With PLACEBO_TEST_NETWORK=cut (and no `unshare --net`), refuse every connection."""
    if NETWORK_CUT and os.environ.get("PLACEBO_TEST_GUARD") == "1":
        with network_blocked():
            yield
    else:
        yield


@pytest.fixture(autouse=True)
def _restore_placebo_logger():
    """``debug=True`` gives the "placebo_unittest" logger a handler and the DEBUG
    level; whatever a test does, the next one starts with the logger as it was."""
    logger = logging.getLogger("placebo_unittest")
    level, handlers = logger.level, list(logger.handlers)
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            handler.close()
    logger.handlers[:] = handlers
    logger.setLevel(level)
