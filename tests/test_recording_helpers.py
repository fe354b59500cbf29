"""The comparison used by the recording tests must itself be able to fail.

No network here: these run in the playback-only (network cut) pass too.
"""
import datetime
import decimal
import io

import pytest
from botocore.exceptions import ClientError, WaiterError
from botocore.httpchecksum import StreamingChecksumBody
from botocore.response import StreamingBody
from dateutil.tz import tzlocal, tzutc

from recording_helpers import assert_same, caught, fresh_body, read_body

UTC = datetime.timezone.utc
IST = datetime.timezone(datetime.timedelta(hours=5, minutes=30))


def _error(code, status=400, operation="GetRole"):
    return ClientError(
        {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


@pytest.mark.parametrize(
    "live, replayed",
    [
        (b"abc", "YWJj"),  # bytes come back as their base64 text
        (b"abc", bytearray(b"abc")),
        (True, 1),
        (1, 1.0),
        (decimal.Decimal("1"), 1),
        ("1", 1),
        (None, ""),
        ({"a": 1}, {"a": 1, "b": 2}),
        ({"a": 1, "b": 2}, {"a": 1}),
        ([1, 2], [1, 2, 3]),
        ([1, 2], (1, 2)),
        ({"x": [{"y": b"\x00"}]}, {"x": [{"y": b"\x01"}]}),
        ({1, 2}, {1, 2.0}),
        (datetime.datetime(2024, 1, 1), datetime.datetime(2024, 1, 1, tzinfo=UTC)),
        # Same instant, different offsets: equal datetimes, but not the same value.
        (
            datetime.datetime(2024, 1, 1, 5, 30, tzinfo=IST),
            datetime.datetime(2024, 1, 1, 0, 0, tzinfo=UTC),
        ),
        (
            datetime.datetime(2024, 1, 1, tzinfo=UTC),
            datetime.datetime(2024, 1, 1, 0, 0, 1, tzinfo=UTC),
        ),
        (datetime.datetime(2024, 1, 1, tzinfo=UTC), datetime.date(2024, 1, 1)),
        (_error("NoSuchEntity"), _error("NoSuchEntity", status=404)),
        (_error("NoSuchEntity"), _error("Other")),
        (_error("NoSuchEntity"), ValueError("m")),
        (
            WaiterError("BucketExists", "Max attempts exceeded", {"a": 1}),
            WaiterError("BucketExists", "Max attempts exceeded", {"a": 2}),
        ),
        (float("nan"), 0.0),
    ],
)
def test_assert_same_catches_differences(live, replayed):
    with pytest.raises(AssertionError):
        assert_same(live, replayed)


def test_assert_same_names_the_path_of_a_difference():
    error = caught(assert_same, {"a": [{"b": b"x"}]}, {"a": [{"b": "x"}]})
    assert "['a'][0]['b']" in str(error)


def test_assert_same_accepts_equal_values_of_equal_types():
    when = datetime.datetime(2024, 1, 1, 5, 30, tzinfo=tzlocal())
    assert_same(
        {"a": [1, True, 1.5, None, "s", b"\xff", decimal.Decimal("2.5"), {b"x"}], "nan": float("nan")},
        {"a": [1, True, 1.5, None, "s", b"\xff", decimal.Decimal("2.5"), {b"x"}], "nan": float("nan")},
    )
    # tzinfo classes may differ (tzlocal live, a fixed offset on replay): only the
    # instant and the offset count.
    assert_same(when, when.astimezone(datetime.timezone(when.utcoffset())))
    assert_same(datetime.datetime(2024, 1, 1, tzinfo=tzutc()), datetime.datetime(2024, 1, 1, tzinfo=UTC))
    assert_same(_error("X"), _error("X"))


def test_streaming_bodies_compare_by_exact_type_and_content():
    assert_same(fresh_body(b"\x00\xff"), fresh_body(b"\x00\xff"))
    with pytest.raises(AssertionError, match="bodies differ"):
        assert_same(fresh_body(b"\x00\xff"), fresh_body(b"\x00\xfe"))
    with pytest.raises(AssertionError, match="not a StreamingBody"):
        assert_same(fresh_body(b"ab"), b"ab")
    checksum_body = StreamingChecksumBody(io.BytesIO(b"ab"), 2, None, "")
    with pytest.raises(AssertionError, match="not a StreamingBody"):
        assert_same(fresh_body(b"ab"), checksum_body)


def test_read_body_remembers_what_was_read():
    body = fresh_body(b"payload")
    assert read_body(body) == b"payload"
    assert read_body(body) == b"payload"
    assert body.read() == b""  # really consumed
    assert_same(body, fresh_body(b"payload"))
    with pytest.raises(AssertionError):
        read_body(b"payload")


def test_caught_fails_when_nothing_is_raised():
    assert isinstance(caught(int, "x"), ValueError)
    with pytest.raises(AssertionError):
        caught(int, "1")


def test_streamingbody_is_what_the_helpers_build():
    assert type(fresh_body(b"")) is StreamingBody
