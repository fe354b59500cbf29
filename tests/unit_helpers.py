"""Helpers for the unit tests: sessions, and for the exactness tests response
descriptions, builders, strategies and the comparison.

A *description* is a response tree in which every streaming body is a
:class:`Body` marker. :func:`build` turns it into a real response (fresh
``StreamingBody`` objects each time) and :func:`assert_exact` checks a value
against it: same types, same values, same UTC offsets, same key order, and
for a marker a ``StreamingBody`` whose ``read()`` gives exactly those bytes.
"""
import atexit
import base64
import contextlib
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import warnings
from typing import ClassVar

import boto3
import botocore.loaders
import botocore.session
from botocore.httpchecksum import Crc32Checksum, StreamingChecksumBody
from botocore.response import StreamingBody
from hypothesis import configuration as hypothesis_configuration
from hypothesis import strategies as st

from conftest import FAKE_CREDENTIALS, network_blocked, offline  # noqa: F401 - offline for the test modules

# hypothesis caches things (constants of local modules, Unicode tables) in
# ./.hypothesis, and its pytest plugin does it at collection time, before any
# fixture runs: point it at a temporary directory instead, unless the user chose one.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    _HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="placebo_unittest-hypothesis-")
    atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, True)
    hypothesis_configuration.set_hypothesis_home_dir(_HYPOTHESIS_HOME)

# When a hypothesis test fails, its pytest plugin imports libcst, whose import
# emits a DeprecationWarning (from mypy_extensions) that `filterwarnings = error`
# turns into an INTERNALERROR hiding the failure. Import it now, quietly.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    with contextlib.suppress(ImportError):  # libcst is optional for hypothesis
        import libcst  # noqa: F401


def fake_aws(client, responses):
    """Stand in for AWS on ``client``, with no network: each call gets the next
    of ``responses`` from a ``before-call`` handler registered after the pill's,
    so a pill in record mode records them as if they came over the wire.
    Returns a function that takes the stand-in away."""
    class Response:
        status_code = 200
        headers: ClassVar[dict] = {}
        raw = None
        content = b""

    pending = list(responses)

    def answer(**kwargs):
        return Response(), pending.pop(0)

    client.meta.events.register("before-call.*.*", answer, unique_id="test-fake-aws")
    return lambda: client.meta.events.unregister("before-call.*.*", unique_id="test-fake-aws")


_LOADER = botocore.loaders.create_loader()


def fast_session(region="us-east-1"):
    """Like ``conftest.make_session()`` (fake credentials, never looks for real
    ones), but every such session shares one botocore data loader, so each
    service model is parsed once per run rather than once per test."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.Session(botocore_session=core, region_name=region, **FAKE_CREDENTIALS)


class Body:
    """Stands for a streaming body holding ``data`` (a StreamingChecksumBody if ``checksum``)."""

    __slots__ = ("data", "checksum")

    def __init__(self, data, checksum=False):
        self.data = data
        self.checksum = checksum

    def __repr__(self):
        return "Body({!r}{})".format(self.data, ", checksum=True" if self.checksum else "")


class Buffer:
    """Stands for an ``io.BytesIO`` holding ``data``: how placebo's reader gives a body."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    def __repr__(self):
        return f"Buffer({self.data!r})"


def streaming_body(data):
    return StreamingBody(io.BytesIO(data), len(data))


def checksum_body(data):
    """A StreamingChecksumBody, as botocore returns for s3 GetObject with checksums on."""
    digest = Crc32Checksum()
    digest.update(data)
    expected = base64.b64encode(digest.digest()).decode("ascii")
    return StreamingChecksumBody(io.BytesIO(data), len(data), Crc32Checksum(), expected)


def build(description):
    """A real response for ``description``, with new containers and bodies."""
    if isinstance(description, Body):
        maker = checksum_body if description.checksum else streaming_body
        return maker(description.data)
    if type(description) is dict:
        return {k: build(v) for k, v in description.items()}
    if type(description) is list:
        return [build(v) for v in description]
    return description


def assert_exact(actual, expected, where="data"):
    """``actual`` is exactly ``expected`` (a description), node by node."""
    if isinstance(expected, Buffer):
        assert type(actual) is io.BytesIO, f"{where}: {actual!r} is not a BytesIO"
        assert actual.getvalue() == expected.data, f"{where}: body {actual.getvalue()!r} != {expected.data!r}"
        return
    if isinstance(expected, Body):
        assert isinstance(actual, StreamingBody), f"{where}: {actual!r} is not a StreamingBody"
        got = actual.read()
        assert type(got) is bytes, where
        assert got == expected.data, f"{where}: body {got!r} != {expected.data!r}"
        return
    assert type(actual) is type(expected), f"{where}: {type(actual).__name__} is not {type(expected).__name__}"
    if type(expected) is dict:
        assert list(actual) == list(expected), f"{where}: keys {list(actual)!r} != {list(expected)!r}"
        for key, value in expected.items():
            assert_exact(actual[key], value, f"{where}[{key!r}]")
    elif type(expected) is list:
        assert len(actual) == len(expected), f"{where}: length {len(actual)} != {len(expected)}"
        for index, value in enumerate(expected):
            assert_exact(actual[index], value, f"{where}[{index}]")
    elif type(expected) is float:
        # repr tells -0.0 from 0.0 and keeps every digit.
        assert repr(actual) == repr(expected), f"{where}: {actual!r} != {expected!r}"
    elif isinstance(expected, dt.datetime):
        assert actual.utcoffset() == expected.utcoffset(), (
            f"{where}: offset {actual.utcoffset()!r} != {expected.utcoffset()!r}")
        # Same wall clock and same offset: the same instant, shown the same way.
        assert actual.replace(tzinfo=None) == expected.replace(tzinfo=None), f"{where}: {actual!r} != {expected!r}"
        assert actual == expected, where
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


# -- strategies ---------------------------------------------------------------

# Characters of every kind, with surrogates, astral characters and NUL made common.
_SPECIAL_CHARS = ["\ud800", "\udbff", "\udc00", "\udfff", "\U0001f600", "\U0010ffff", "\x00", "\u00e9", '"', "\\"]
characters = st.one_of(st.characters(), st.sampled_from(_SPECIAL_CHARS))
texts = st.text(characters, max_size=12)

# Keys that mean something to the file format, mixed with arbitrary ones.
_SPECIAL_KEYS = [
    "__class__", "__module__", "body", "year", "month", "microsecond", "data",
    "status_code", "placebo_unittest", "types", "format", "", "\ud800", "\U0001f600",
]
_SURROGATE_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")


def joinable_surrogates(text):
    """Whether ``text`` holds a high then a low surrogate, which JSON would join."""
    return _SURROGATE_PAIR.search(text) is not None


# Keys whose surrogates JSON would join are refused (tested on their own).
keys = st.one_of(st.sampled_from(_SPECIAL_KEYS), texts.filter(lambda k: not joinable_surrogates(k)))

# Any fixed offset datetime.timezone accepts: whole hours, minutes, seconds, microseconds.
_MAX_OFFSET = dt.timedelta(hours=24) - dt.timedelta(microseconds=1)
offsets = st.one_of(
    st.timedeltas(min_value=-_MAX_OFFSET, max_value=_MAX_OFFSET),
    st.sampled_from([dt.timedelta(0), dt.timedelta(hours=5, minutes=30), dt.timedelta(hours=-12),
                     dt.timedelta(seconds=37), dt.timedelta(seconds=-1), dt.timedelta(microseconds=1),
                     _MAX_OFFSET, -_MAX_OFFSET]),
)
timezones = st.one_of(
    st.none(),
    st.just(dt.timezone.utc),
    offsets.map(dt.timezone),
)
datetimes = st.datetimes(
    min_value=dt.datetime(1, 1, 1),
    max_value=dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    timezones=timezones,
)
# Instants at the very ends of the calendar, where UTC conversion overflows.
extreme_datetimes = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.one_of(
        st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(1, 1, 2)),
        st.datetimes(min_value=dt.datetime(9999, 12, 30), max_value=dt.datetime(9999, 12, 31, 23, 59, 59, 999999)),
    ),
    timezones,
)

scalars = st.one_of(
    texts,
    st.integers(),
    st.integers(min_value=-(2 ** 200), max_value=2 ** 200),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.binary(max_size=16),
    datetimes,
    extreme_datetimes,
)
bodies = st.builds(Body, st.binary(max_size=16), st.booleans())


def trees(leaves=st.one_of(scalars, bodies), keys=keys):
    return st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(keys, children, max_size=4),
        ),
        max_leaves=16,
    )


#: A response: a dict at the top, as botocore gives.
responses = st.dictionaries(keys, trees(), max_size=5)
