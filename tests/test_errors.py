"""What goes wrong, and what the user is told: missing, exhausted, refused and corrupt
recordings, bad settings; plus the library's output (none on stdout, debug logging)."""
import datetime as dt
import json
import logging
import os

import pytest

import placebo_unittest
from placebo_unittest.errors import (
    ConfigurationError,
    CorruptRecordingError,
    PickleNotAllowedError,
    PlaceboError,
    RecordingExhaustedError,
    RecordingNotFoundError,
    UnknownFormatError,
)

from unit_helpers import fake_aws, fast_session

DEAD_ENDPOINT = "http://127.0.0.1:9"
LOG = logging.getLogger("placebo_unittest")


@pytest.fixture(autouse=True)
def clean_env(clean_placebo_env):
    """Every test here starts with none of placebo_unittest's variables set."""


def playback(directory, **kwargs):
    """A session replaying from ``directory`` and its ec2 client."""
    session = fast_session()
    pill = placebo_unittest.attach(session, str(directory), **kwargs)
    pill.playback()
    return pill, session.client("ec2", endpoint_url=DEAD_ENDPOINT)


def record(directory, responses, **kwargs):
    """Save ``responses`` for ec2.DescribeAddresses in order."""
    pill = placebo_unittest.attach(fast_session(), str(directory), **kwargs)
    return [pill.save_response("ec2", "DescribeAddresses", r) for r in responses]


def ids(client):
    return client.describe_addresses()["Id"]


# -- missing recordings ----------------------------------------------------------------------
def test_missing_recording_says_what_where_and_how_to_record(tmp_path, no_network_here):
    record(tmp_path, [{"Id": 1}])
    other = (tmp_path / "ec2.DescribeAddresses_1.json").read_bytes()
    (tmp_path / "foo.ec2.DescribeInstances_1.json").write_bytes(other)
    _pill, ec2 = playback(tmp_path)
    with pytest.raises(RecordingNotFoundError) as caught:
        ec2.describe_instances()
    error = caught.value
    message = str(error)
    expected_path = str(tmp_path / "ec2.DescribeInstances_1.json")
    assert "ec2.DescribeInstances" in message
    assert "call 1 " in message
    assert expected_path in message
    assert "foo.ec2.DescribeInstances_1.json" in message  # what there is instead
    assert "record" in message and "PLACEBO_MODE=record" in message
    assert "save_response('ec2', 'DescribeInstances'" in message
    assert (error.service, error.operation, error.call_number, error.path) == (
        "ec2", "DescribeInstances", 1, expected_path)
    assert error.existing == ("foo.ec2.DescribeInstances_1.json",)
    assert isinstance(error, FileNotFoundError) and isinstance(error, OSError)
    assert isinstance(error, PlaceboError)
    assert error.filename == expected_path
    assert not message.startswith("[Errno")


def test_missing_recording_with_none_of_that_operation(tmp_path, no_network_here):
    record(tmp_path, [{"Id": 1}])
    _pill, ec2 = playback(tmp_path)
    with pytest.raises(RecordingNotFoundError) as caught:
        ec2.describe_regions()
    assert "no recordings of DescribeRegions" in str(caught.value)
    assert caught.value.existing == ()


def test_missing_directory(tmp_path, no_network_here):
    directory = tmp_path / "never-recorded"
    _pill, ec2 = playback(directory)
    with pytest.raises(RecordingNotFoundError) as caught:
        ec2.describe_addresses()
    assert str(directory) in str(caught.value)
    assert "does not exist" in str(caught.value)
    assert not directory.exists()


def test_load_response_raises_the_same_error(tmp_path):
    pill = placebo_unittest.attach(fast_session(), str(tmp_path))
    pill.playback()
    with pytest.raises(FileNotFoundError) as caught:
        pill.load_response("ec2", "DescribeAddresses")
    assert isinstance(caught.value, RecordingNotFoundError)
    assert caught.value.call_number == 1


# -- running out ----------------------------------------------------------------------------------
def test_cycle_is_the_default(tmp_path, no_network_here):
    record(tmp_path, [{"Id": 1}, {"Id": 2}])
    pill, ec2 = playback(tmp_path)
    assert pill.on_exhausted == "cycle"
    assert [ids(ec2) for _ in range(5)] == [1, 2, 1, 2, 1]


def test_repeat_last(tmp_path, no_network_here):
    record(tmp_path, [{"Id": 1}, {"Id": 2}])
    _pill, ec2 = playback(tmp_path, on_exhausted="repeat_last")
    assert [ids(ec2) for _ in range(5)] == [1, 2, 2, 2, 2]


def test_error_when_exhausted(tmp_path, no_network_here):
    record(tmp_path, [{"Id": 1}, {"Id": 2}])
    pill, ec2 = playback(tmp_path, on_exhausted="error")
    assert [ids(ec2), ids(ec2)] == [1, 2]
    for call in (3, 4):
        with pytest.raises(RecordingExhaustedError) as caught:
            ec2.describe_addresses()
        error = caught.value
        assert isinstance(error, RecordingNotFoundError) and isinstance(error, FileNotFoundError)
        assert error.call_number == call
        assert f"Call {call} of ec2.DescribeAddresses" in str(error)
        assert "only 2 responses" in str(error) and "ec2.DescribeAddresses_2.json" in str(error)
        assert "on_exhausted" in str(error) and "'repeat_last'" in str(error)
    # playback() starts every operation again at _1.
    pill.playback()
    assert ids(ec2) == 1


def test_each_operation_counts_on_its_own(tmp_path, no_network_here):
    record(tmp_path, [{"Id": 1}, {"Id": 2}])
    pill = placebo_unittest.attach(fast_session(), str(tmp_path))
    pill.save_response("ec2", "DescribeInstances", {"Reservations": []})
    _pill, ec2 = playback(tmp_path, on_exhausted="error")
    assert ids(ec2) == 1
    assert ec2.describe_instances() == {"Reservations": []}
    assert ids(ec2) == 2


@pytest.mark.parametrize("policy, expected", [("cycle", [1, 1, 1]), ("repeat_last", [1, 1, 1])])
def test_a_gap_ends_the_sequence(tmp_path, no_network_here, policy, expected):
    """_1 and _3 without _2: as with placebo, only _1 is ever replayed."""
    record(tmp_path, [{"Id": 1}, {"Id": 2}, {"Id": 3}])
    os.remove(str(tmp_path / "ec2.DescribeAddresses_2.json"))
    _pill, ec2 = playback(tmp_path, on_exhausted=policy)
    assert [ids(ec2) for _ in range(3)] == expected


def test_a_gap_with_on_exhausted_error_names_what_is_there(tmp_path, no_network_here):
    record(tmp_path, [{"Id": 1}, {"Id": 2}, {"Id": 3}])
    os.remove(str(tmp_path / "ec2.DescribeAddresses_2.json"))
    _pill, ec2 = playback(tmp_path, on_exhausted="error")
    assert ids(ec2) == 1
    with pytest.raises(RecordingExhaustedError) as caught:
        ec2.describe_addresses()
    assert caught.value.call_number == 2
    assert "ec2.DescribeAddresses_3.json" in caught.value.existing


@pytest.mark.parametrize("value", ["", "loop", "last", None])
def test_invalid_on_exhausted(tmp_path, value):
    with pytest.raises(ConfigurationError) as caught:
        placebo_unittest.attach(fast_session(), str(tmp_path), on_exhausted=value)
    message = str(caught.value)
    assert "on_exhausted" in message
    assert "'cycle'" in message and "'repeat_last'" in message and "'error'" in message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, PlaceboError)


def test_on_exhausted_accepts_the_enum_and_any_case(tmp_path):
    pill = placebo_unittest.attach(fast_session(), str(tmp_path), on_exhausted="REPEAT_LAST")
    assert pill.on_exhausted == "repeat_last"
    pill = placebo_unittest.attach(fast_session(), str(tmp_path), on_exhausted=placebo_unittest.OnExhausted.ERROR)
    assert pill.on_exhausted == "error"


# -- pickle -----------------------------------------------------------------------------------------
PICKLED = {"Id": 7, "Blob": b"\x00\xff", "When": dt.datetime(2020, 1, 1, 9, tzinfo=dt.timezone(dt.timedelta(hours=9)))}


def test_pickle_is_refused_unless_chosen(tmp_path, no_network_here):
    paths = record(tmp_path, [PICKLED], record_format="pickle")
    assert paths == [str(tmp_path / "ec2.DescribeAddresses_1.pickle")]
    _pill, ec2 = playback(tmp_path)
    with pytest.raises(PickleNotAllowedError) as caught:
        ec2.describe_addresses()
    error = caught.value
    assert isinstance(error, RecordingNotFoundError) and isinstance(error, FileNotFoundError)
    assert error.path == paths[0]
    assert paths[0] in str(error)
    assert "record_format='pickle'" in str(error) and "PLACEBO_FORMAT=pickle" in str(error)


@pytest.mark.parametrize("how", ["kwarg", "env"])
def test_pickle_is_read_when_chosen(tmp_path, no_network_here, how):
    record(tmp_path, [PICKLED, {"Id": 8}], record_format="pickle")
    if how == "env":
        os.environ["PLACEBO_FORMAT"] = "pickle"
        pill, ec2 = playback(tmp_path)
    else:
        pill, ec2 = playback(tmp_path, record_format="pickle")
    assert pill.record_format == "pickle"
    first = ec2.describe_addresses()
    assert first == PICKLED and type(first["Blob"]) is bytes
    assert first["When"].utcoffset() == dt.timedelta(hours=9)
    assert ids(ec2) == 8


def test_json_is_preferred_unless_pickle_is_chosen(tmp_path, no_network_here):
    record(tmp_path, [{"Id": "json"}])
    pickled = tmp_path / "pickled"
    record(pickled, [{"Id": "pickle"}], record_format="pickle")
    os.rename(str(pickled / "ec2.DescribeAddresses_1.pickle"), str(tmp_path / "ec2.DescribeAddresses_1.pickle"))
    assert ids(playback(tmp_path)[1]) == "json"
    assert ids(playback(tmp_path, record_format="pickle")[1]) == "pickle"


@pytest.mark.parametrize("how", ["kwarg", "env"])
def test_unknown_format(tmp_path, how):
    if how == "env":
        os.environ["PLACEBO_FORMAT"] = "yaml"
        name, kwargs = "PLACEBO_FORMAT", {}
    else:
        name, kwargs = "record_format", {"record_format": "yaml"}

    def call():
        placebo_unittest.attach(fast_session(), str(tmp_path), **kwargs)

    with pytest.raises(UnknownFormatError) as caught:
        call()
    message = str(caught.value)
    assert name in message and "'yaml'" in message
    assert "'json'" in message and "'pickle'" in message
    assert isinstance(caught.value, ConfigurationError) and isinstance(caught.value, ValueError)
    assert caught.value.valid == ("json", "pickle")


# -- corrupt recordings --------------------------------------------------------------------------------
GOOD = json.dumps({"status_code": 200, "data": {"Id": 1}, "placebo_unittest": {"format": 1, "types": []}}).encode()

CORRUPT = [
    pytest.param(GOOD[: len(GOOD) // 2], "JSONDecodeError", id="truncated"),
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b"  \n", "empty", id="whitespace"),
    pytest.param(b"[1, 2]", '"data"', id="list"),
    pytest.param(b'"just text"', '"data"', id="string"),
    pytest.param(b'{"status_code": 200}', '"data"', id="no-data"),
    pytest.param(b'{"status_code": "200", "data": {}}', "status_code", id="status-string"),
    pytest.param(b'{"status_code": 200.0, "data": {}}', "status_code", id="status-float"),
    pytest.param(b'{"status_code": true, "data": {}}', "status_code", id="status-bool"),
    pytest.param(b'{"status_code": null, "data": {}}', "status_code", id="status-null"),
    pytest.param(b'{"status_code": 200, "data": "\xff\xfe"}', "", id="not-utf8"),
    pytest.param(b'{"status_code": 200, "data": {}, "placebo_unittest": []}', "section", id="section-list"),
    pytest.param(b'{"status_code": 200, "data": {}, "placebo_unittest": {"format": "1", "types": []}}',
                 "section", id="format-string"),
    pytest.param(b'{"status_code": 200, "data": {}, "placebo_unittest": {"format": 1, "types": {}}}',
                 "section", id="types-dict"),
    pytest.param(b'{"status_code": 200, "data": {}, "placebo_unittest": {"format": 1, "types": [["Id"]]}}',
                 "section", id="entry-short"),
    pytest.param(b'{"status_code": 200, "data": {}, "placebo_unittest": {"format": 1, '
                 b'"types": [[["Missing"], "bytes", null]]}}', "section", id="entry-points-nowhere"),
    pytest.param(b'{"status_code": 200, "data": {"Id": "!!"}, "placebo_unittest": {"format": 1, '
                 b'"types": [[["Id"], "bytes", null]]}}', "section", id="bytes-not-base64"),
    pytest.param(b'{"status_code": 200, "data": {"T": {"__class__": "datetime", "year": 2020}}}',
                 "TypeError", id="legacy-datetime-missing-fields"),
    pytest.param(b'{"status_code": 200, "data": {"T": {"__class__": "datetime", "year": 2020, "month": 13, '
                 b'"day": 1, "hour": 0, "minute": 0, "second": 0, "microsecond": 0}}}',
                 "ValueError", id="legacy-datetime-bad-month"),
    pytest.param(b'{"status_code": 200, "data": {"B": {"__class__": "StreamingBody", "body": null}}}',
                 "TypeError", id="legacy-body-null"),
]


@pytest.mark.parametrize("content, problem", CORRUPT)
def test_corrupt_recordings_are_reported_and_left_alone(tmp_path, no_network_here, content, problem):
    path = tmp_path / "ec2.DescribeAddresses_1.json"
    path.write_bytes(content)
    os.utime(str(path), (1_000_000_000, 1_000_000_000))
    _pill, ec2 = playback(tmp_path)
    with pytest.raises(CorruptRecordingError) as caught:
        ec2.describe_addresses()
    error = caught.value
    assert error.path == str(path)
    assert str(path) in str(error) and problem in str(error)
    assert isinstance(error, ValueError) and isinstance(error, PlaceboError)
    assert path.read_bytes() == content
    assert os.stat(str(path)).st_mtime == 1_000_000_000
    assert os.listdir(str(tmp_path)) == [path.name]


def test_a_corrupt_pickle_is_reported(tmp_path, no_network_here):
    paths = record(tmp_path, [{"Id": 1}], record_format="pickle")
    with open(paths[0], "rb") as handle:
        content = handle.read()
    with open(paths[0], "wb") as handle:
        handle.write(content[:10])
    _pill, ec2 = playback(tmp_path, record_format="pickle")
    with pytest.raises(CorruptRecordingError) as caught:
        ec2.describe_addresses()
    assert paths[0] in str(caught.value)


def test_a_newer_format_asks_for_an_upgrade(tmp_path, no_network_here):
    path = tmp_path / "ec2.DescribeAddresses_1.json"
    path.write_bytes(b'{"status_code": 200, "data": {}, "placebo_unittest": {"format": 2, "types": []}}')
    _pill, ec2 = playback(tmp_path)
    with pytest.raises(CorruptRecordingError) as caught:
        ec2.describe_addresses()
    message = str(caught.value)
    assert str(path) in message and "newer" in message and "format 2" in message and "upgrade" in message


def test_literal_class_dicts_are_not_corruption(tmp_path, no_network_here):
    """Dicts that merely hold a "__class__" key are data, not broken tags."""
    response = {"A": {"__class__": "datetime"}, "B": {"__class__": 3, "body": None},
                "C": {"__class__": "StreamingBody", "body": 5}}
    record(tmp_path, [response])
    _pill, ec2 = playback(tmp_path)
    assert ec2.describe_addresses() == response


# -- output ----------------------------------------------------------------------------------------------
def test_nothing_is_printed_in_record_or_playback(tmp_path, capsys, no_network_here):
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    no_more_aws = fake_aws(ec2, [{"Addresses": [{"PublicIp": "192.0.2.1"}]}, {"Reservations": []}])
    pill.record()
    ec2.describe_addresses()
    ec2.describe_instances()
    pill.save_response("ec2", "DescribeRegions", {"Regions": [], "When": dt.datetime(2020, 1, 1)})
    no_more_aws()
    assert len(pill.recorded) == 3
    pill.playback()
    assert ec2.describe_addresses() == {"Addresses": [{"PublicIp": "192.0.2.1"}]}
    assert ec2.describe_instances() == {"Reservations": []}
    with pytest.raises(RecordingNotFoundError):
        ec2.describe_vpcs()
    pill.stop()
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_debug_logs_on_the_library_logger(tmp_path, caplog, no_network_here):
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path), debug=True)
    pill.save_response("ec2", "DescribeAddresses", {"Addresses": []})
    pill.playback()
    session.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_addresses()
    records = [r for r in caplog.records if r.name == "placebo_unittest"]
    assert records and all(r.levelno == logging.DEBUG for r in records)
    text = "\n".join(r.getMessage() for r in records)
    assert "ec2.DescribeAddresses_1.json" in text
    assert any("replayed" in r.getMessage() for r in records)


def test_debug_twice_adds_one_handler(tmp_path, capsys):
    def ours():
        return [h for h in LOG.handlers if not isinstance(h, logging.NullHandler)]

    before = len(ours())
    placebo_unittest.attach(fast_session(), str(tmp_path), debug=True)
    placebo_unittest.attach(fast_session(), str(tmp_path), debug=True)
    placebo_unittest.pill.Pill(debug=True)
    assert len(ours()) == before + 1
    assert LOG.getEffectiveLevel() == logging.DEBUG
    assert capsys.readouterr().out == ""  # debug output goes to stderr, not stdout


def test_without_debug_there_are_no_debug_records(tmp_path, caplog, no_network_here):
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.save_response("ec2", "DescribeAddresses", {"Addresses": []})
    pill.playback()
    session.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_addresses()
    assert [r for r in caplog.records if r.name == "placebo_unittest"] == []
