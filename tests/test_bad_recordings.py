"""Bad recording files: each is refused, through real playback, with a
PlaceboError that names the file, says what is wrong and how to fix it, and the
directory is left exactly as it was. A fuzz test then feeds the loader
arbitrary bytes, arbitrary JSON and damaged recordings: nothing but a
PlaceboError may come out of it, and a file it accepts must replay.
"""
import base64
import functools
import glob
import hashlib
import json
import os
import pickle
import stat
from unittest import mock

import pytest
from botocore.response import StreamingBody
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import placebo_unittest
from placebo_unittest import storage
from placebo_unittest.config import DEFAULT_MAX_RECORDING_MB, read_env
from placebo_unittest.errors import (
    ConfigurationError,
    CorruptRecordingError,
    InvalidLimitError,
    PlaceboError,
    RecordingIsDirectoryError,
    RecordingTooLargeError,
)
from placebo_unittest.serializer import dumps, encode, loads, materialize
from placebo_unittest.storage import RecordingStore

from unit_helpers import build, fast_session, responses

DEAD_ENDPOINT = "http://127.0.0.1:9"
FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "legacy")
FIX = "Delete it and record the test again"
SECTION = {"format": 1, "types": []}
DATETIME = {"__class__": "datetime", "year": 2024, "month": 5, "day": 1, "hour": 12, "minute": 30,
            "second": 0, "microsecond": 0}
FUZZ = settings(max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(autouse=True)
def clean_env(clean_placebo_env):
    """No placebo_unittest variable set, the size limit's included."""
    with mock.patch.dict(os.environ):
        os.environ.pop("PLACEBO_MAX_RECORDING_MB", None)
        yield


# -- helpers ----------------------------------------------------------------------------------
def snapshot(directory):
    """Everything under ``directory``: each entry's kind, and for a file its
    size, modification time and digest."""
    found = {}
    for root, dirs, files in os.walk(str(directory)):
        for name in dirs:
            found[os.path.relpath(os.path.join(root, name), str(directory))] = "directory"
        for name in files:
            path = os.path.join(root, name)
            info = os.stat(path)
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
            found[os.path.relpath(path, str(directory))] = (info.st_size, info.st_mtime_ns, digest.hexdigest())
    return found


def document(data, status_code=200, section=None):
    """The bytes of a recording file holding ``data``."""
    content = {"status_code": status_code, "data": data}
    if section is not None:
        content["placebo_unittest"] = section
    return json.dumps(content, indent=4).encode("ascii")


def refused(directory, name, content, error=CorruptRecordingError, *, service="ec2",
            call=lambda client: client.describe_instances(), **attach):
    """Put ``content`` (bytes; None when the caller made the entry) at
    ``directory/name``, replay one call through a pill, and return the
    message of the error it raises, once checked: exactly ``error``, the
    path in its message, and the directory unchanged."""
    path = os.path.join(str(directory), name)
    if content is not None:
        with open(path, "wb") as handle:
            handle.write(content)
        os.utime(path, (1_000_000_000, 1_000_000_000))
    before = snapshot(directory)
    session = fast_session()
    pill = placebo_unittest.attach(session, str(directory), **attach)
    client = session.client(service, endpoint_url=DEAD_ENDPOINT)
    pill.playback()
    with pytest.raises(PlaceboError) as caught:
        call(client)
    pill.stop()
    exc = caught.value
    assert type(exc) is error, f"{type(exc).__name__}: {exc}"
    message = str(exc)
    assert path in message
    assert exc.path == path
    assert snapshot(directory) == before
    return message


def replayed(directory, name, content, *, service="ec2", call=lambda client: client.describe_instances(),
             **attach):
    """What one call replays from ``content`` at ``directory/name``."""
    with open(os.path.join(str(directory), name), "wb") as handle:
        handle.write(content)
    session = fast_session()
    pill = placebo_unittest.attach(session, str(directory), **attach)
    client = session.client(service, endpoint_url=DEAD_ENDPOINT)
    pill.playback()
    return call(client)


def get_object(client):
    return client.get_object(Bucket="bucket", Key="key")


NAME = "ec2.DescribeInstances_1.json"


# -- not a recording at all -------------------------------------------------------------------
@pytest.mark.parametrize("content", [b"", b"\n   \n", b"\xef\xbb\xbf"], ids=["empty", "whitespace", "bom-only"])
def test_an_empty_file(tmp_path, no_network_here, content):
    message = refused(tmp_path, NAME, content)
    assert "it is empty" in message and FIX in message


def test_truncated_json(tmp_path, no_network_here):
    whole = document({"Reservations": [{"Instances": [{"InstanceId": "i-1"}]}]}, section=SECTION)
    message = refused(tmp_path, NAME, whole[: len(whole) // 2])
    assert "not valid JSON" in message and "cut short" in message and FIX in message


@pytest.mark.parametrize("content", [b"hello world", b"<html><body>502</body></html>", b"status_code: 200\n",
                                     b"{'status_code': 200, 'data': {}}", b'{"status_code": 200, "data": {}} {}'])
def test_text_that_is_not_json(tmp_path, no_network_here, content):
    message = refused(tmp_path, NAME, content)
    assert "it is not valid JSON (JSONDecodeError" in message and "cut short" not in message


@pytest.mark.parametrize("content, words", [
    (b"[1, 2]", "it holds an array, not an object"),
    (b'"just text"', "it holds a string, not an object"),
    (b"42", "it holds the number 42, not an object"),
    (b"null", "it holds null, not an object"),
    (b'{"status_code": 200}', 'it has no "data" member'),
    (b'{"status_code": 200, "Reservations": []}', 'it has no "data" member'),
], ids=["list", "string", "number", "null", "no-data", "bare-response"])
def test_json_of_the_wrong_shape(tmp_path, no_network_here, content, words):
    message = refused(tmp_path, NAME, content)
    assert words in message and "not a recording" in message


# -- status_code --------------------------------------------------------------------------------
@pytest.mark.parametrize("section", [None, SECTION], ids=["placebo", "ours"])
def test_a_missing_status_code(tmp_path, no_network_here, section):
    content = {"data": {"Reservations": []}}
    if section:
        content["placebo_unittest"] = section
    message = refused(tmp_path, NAME, json.dumps(content).encode())
    assert 'no "status_code" member' in message and '"status_code": 200' in message


def test_every_legacy_fixture_has_a_status_code_and_loads():
    paths = glob.glob(os.path.join(FIXTURES, "*", "*.json"))
    assert len(paths) >= 15
    for path in paths:
        with open(path, "rb") as handle:
            raw = handle.read()
        assert type(json.loads(raw)["status_code"]) is int, path
        loaded = loads(raw, path, "json")
        assert loaded.legacy
        materialize(loaded)


@pytest.mark.parametrize("status, shown", [
    ('"200"', '"200"'), ("200.0", "200.0"), ("true", "true"), ("null", "null"), ("[200]", "[200]"),
], ids=["string", "float", "bool", "null", "list"])
def test_a_status_code_that_is_not_an_integer(tmp_path, no_network_here, status, shown):
    content = f'{{"status_code": {status}, "data": {{}}}}'.encode()
    message = refused(tmp_path, NAME, content)
    assert f"its status_code {shown} is not an integer" in message


@pytest.mark.parametrize("status", [0, 99, 600, 1000, -200])
def test_a_status_code_out_of_range(tmp_path, no_network_here, status):
    message = refused(tmp_path, NAME, document({}, status))
    assert f"its status_code {status} is not an HTTP status code" in message
    assert "between 100 and 599" in message


@pytest.mark.parametrize("status", [100, 203, 404, 599])
def test_status_codes_in_range_are_read(status):
    assert loads(document({}, status), "x.json", "json").status_code == status


# -- __class__ tags -------------------------------------------------------------------------------
EVIL = {"__class__": "Evil", "__module__": "os"}


def test_an_unknown_class_in_a_placebo_file(tmp_path, no_network_here):
    message = refused(tmp_path, NAME, document({"Reservations": [{"Extra": EVIL}]}))
    assert "data['Reservations'][0]['Extra']" in message and '"__class__": "Evil"' in message
    assert "placebo never writes" in message


@pytest.mark.parametrize("tag", [{"__class__": 3}, {"__class__": None, "body": "aGk="},
                                 {"__class__": "Body", "body": "aGk="}, {"__class__": "datetimes"}],
                         ids=["number", "null", "other-body", "near-miss"])
def test_other_unknown_classes_in_a_placebo_file(tmp_path, no_network_here, tag):
    message = refused(tmp_path, NAME, document({"Tag": tag}))
    assert "data['Tag'] has \"__class__\": {}".format(json.dumps(tag["__class__"])) in message


def test_an_unknown_class_in_our_own_file(tmp_path, no_network_here):
    message = refused(tmp_path, NAME, document({"Tag": EVIL}, section=SECTION))
    assert "data['Tag']" in message and '"__class__": "Evil"' in message
    assert 'plain dict marked "dict"' in message


def test_a_literal_class_dict_recorded_by_us_still_replays(tmp_path, no_network_here):
    response = {"Reservations": [], "Literal": dict(EVIL), "Lookalike": {"__class__": "datetime"}}
    pill = placebo_unittest.attach(fast_session(), str(tmp_path))
    pill.save_response("ec2", "DescribeInstances", response)
    with open(str(tmp_path / NAME)) as handle:
        kinds = [entry[1] for entry in json.load(handle)["placebo_unittest"]["types"]]
    assert kinds == ["dict", "dict"]
    session = fast_session()
    player = placebo_unittest.attach(session, str(tmp_path))
    player.playback()
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    assert ec2.describe_instances() == response


# -- datetimes ------------------------------------------------------------------------------------
def changed(**fields):
    tag = dict(DATETIME)
    for name, value in fields.items():
        if value is ...:
            del tag[name]
        else:
            tag[name] = value
    return tag


@pytest.mark.parametrize("tag, words", [
    (changed(microsecond=..., second=...), 'it lacks the members "second", "microsecond"'),
    ({"__class__": "datetime"}, 'it lacks the members "year", "month"'),
    (changed(tzinfo="UTC"), 'it has the extra member "tzinfo"'),
    (changed(year="2024"), 'its "year" is "2024", not an integer'),
    (changed(day=1.0), 'its "day" is 1.0, not an integer'),
    (changed(hour=True), 'its "hour" is true, not an integer'),
    (changed(minute=None), 'its "minute" is null, not an integer'),
    (changed(month=13), "ValueError: month must be in 1..12"),
    (changed(year=10 ** 20), "OverflowError"),
    (changed(__module__=7), 'its "__module__" is 7, not a string'),
], ids=["missing", "bare", "extra", "str", "float", "bool", "null", "month-13", "huge-year", "module"])
@pytest.mark.parametrize("section", [None, SECTION], ids=["placebo", "ours"])
def test_datetime_tags_with_bad_fields(tmp_path, no_network_here, tag, words, section):
    data = {"Reservations": [{"Instances": [{"LaunchTime": tag}]}]}
    message = refused(tmp_path, NAME, document(data, section=section))
    assert "data['Reservations'][0]['Instances'][0]['LaunchTime'] is not a valid \"datetime\" value" in message
    assert words in message


def test_datetime_tags_placebo_writes_are_read(tmp_path, no_network_here):
    tag = dict(DATETIME, __module__="datetime")
    data = {"Reservations": [{"Instances": [{"LaunchTime": tag}]}]}
    launch = replayed(tmp_path, NAME, document(data))["Reservations"][0]["Instances"][0]["LaunchTime"]
    assert launch.isoformat() == "2024-05-01T12:30:00+00:00"


# -- bytes and bodies -------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["not base64!", "aGVsbG8", "aGVs\nbG8=", "\u00e9t\u00e9"],
                         ids=["punctuation", "padding", "newline", "non-ascii"])
def test_invalid_base64_in_a_bytes_value(tmp_path, no_network_here, value):
    section = {"format": 1, "types": [[["Plaintext"], "bytes", None]]}
    content = document({"KeyId": "k", "Plaintext": value}, section=section)
    message = refused(tmp_path, "kms.Decrypt_1.json", content, service="kms",
                      call=lambda kms: kms.decrypt(CiphertextBlob=b"x"))
    assert "doesn't match its data" in message
    assert f"it marks data['Plaintext'] as bytes, but {json.dumps(value)} is not valid base64" in message


def test_a_body_that_is_not_base64_in_our_own_file(tmp_path, no_network_here):
    body = {"__class__": "StreamingBody", "__module__": "botocore.response", "body": "plain text"}
    message = refused(tmp_path, "s3.GetObject_1.json", document({"Body": body}, section=SECTION),
                      service="s3", call=get_object)
    assert "data['Body'] is not a valid \"StreamingBody\" value" in message
    assert 'its "body" is not valid base64' in message


@pytest.mark.parametrize("body, words", [
    ({"__class__": "StreamingBody"}, 'it has no "body" member'),
    ({"__class__": "StreamingBody", "body": None}, 'its "body" is null, not a base64 string'),
    ({"__class__": "StreamingChecksumBody", "body": ["aGk="]}, 'its "body" is ["aGk="], not a base64 string'),
    ({"__class__": "StreamingBody", "body": "aGk=", "length": 2}, 'it has the extra member "length"'),
    ({"__class__": "StreamingBody", "body": "\ud800"}, "neither base64 nor text UTF-8 can hold"),
], ids=["no-body", "null", "list", "extra", "lone-surrogate"])
def test_bad_body_tags_in_a_placebo_file(tmp_path, no_network_here, body, words):
    message = refused(tmp_path, "s3.GetObject_1.json", document({"Body": body}), service="s3", call=get_object)
    assert "data['Body'] is not a valid" in message and words in message


def test_a_placebo_body_kept_as_text_still_replays(tmp_path, no_network_here):
    body = {"__class__": "StreamingBody", "__module__": "botocore.response", "body": "plain text, not base64"}
    response = replayed(tmp_path, "s3.GetObject_1.json", document({"Body": body}), service="s3",
                        call=get_object, legacy_types=True)
    assert isinstance(response["Body"], StreamingBody)
    assert response["Body"].read() == b"plain text, not base64"


# -- encodings ------------------------------------------------------------------------------------
def test_bytes_that_are_not_utf8(tmp_path, no_network_here):
    content = '{"status_code": 200, "data": {"Name": "caf\u00e9"}}'.encode("latin-1")
    message = refused(tmp_path, NAME, content)
    assert "it is not UTF-8 text: the byte 0xe9 at offset" in message and "save it as UTF-8" in message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_and_utf32_files(tmp_path, no_network_here, encoding):
    content = document({"Reservations": []}).decode("ascii").encode(encoding)  # with a byte order mark
    message = refused(tmp_path, NAME, content)
    assert "UTF-16 or UTF-32" in message and "save it as UTF-8" in message


@pytest.mark.parametrize("section", [None, SECTION], ids=["placebo", "ours"])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path, no_network_here, section):
    data = {"Reservations": [{"ReservationId": "r-\u00e9"}]}
    content = b"\xef\xbb\xbf" + json.dumps({"status_code": 200, "data": data, **(
        {"placebo_unittest": section} if section else {})}, ensure_ascii=False).encode("utf-8")
    assert replayed(tmp_path, NAME, content) == data


@pytest.mark.parametrize("content, words", [
    (b'{"status_code": 200, "data": {"A": 1}}\x00\x00\x00\x00', "a NUL byte at offset 38"),
    (b'{"status_code": 200, "data": {"A": "x\x00y"}}', "a NUL byte at offset 37"),
    (b"\x00" * 4096, "nothing but NUL bytes (4096 of them)"),
    ("[1]".encode("utf-16-le"), "a NUL byte at offset 1"),
], ids=["tail", "inside-string", "only-nul", "utf16-without-bom"])
def test_nul_bytes(tmp_path, no_network_here, content, words):
    message = refused(tmp_path, NAME, content)
    assert words in message


# -- size -----------------------------------------------------------------------------------------
def test_a_file_over_the_size_limit_is_not_read(tmp_path, no_network_here, monkeypatch):
    path = str(tmp_path / NAME)
    with open(path, "wb") as handle:
        handle.truncate(50 * 1000 * 1000)  # sparse: 50 MB on paper, nothing on disk
    opened = []

    def spying_open(file, *args, **kwargs):
        opened.append(os.fspath(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(storage, "open", spying_open, raising=False)
    message = refused(tmp_path, NAME, None, RecordingTooLargeError)
    monkeypatch.undo()
    assert opened == []  # refused on the strength of os.stat, without reading it
    assert "is 47.7 MiB (50000000 bytes), more than the 32 MiB limit" in message
    assert "set PLACEBO_MAX_RECORDING_MB=48 (in MiB) or more" in message
    assert DEFAULT_MAX_RECORDING_MB == 32


def test_the_size_limit_comes_from_placebo_max_recording_mb(tmp_path, no_network_here):
    content = document({"Reservations": []}, section=SECTION)
    os.environ["PLACEBO_MAX_RECORDING_MB"] = "0.0001"  # 104 bytes
    message = refused(tmp_path, NAME, content, RecordingTooLargeError)
    assert f"({len(content)} bytes), more than the 0.0001 MiB limit" in message
    assert "PLACEBO_MAX_RECORDING_MB=1 (in MiB)" in message
    os.environ["PLACEBO_MAX_RECORDING_MB"] = " 1 "
    assert replayed(tmp_path, NAME, content) == {"Reservations": []}
    assert RecordingStore(str(tmp_path)).max_bytes() == 1024 * 1024
    assert RecordingStore(str(tmp_path), max_bytes=10).max_bytes() == 10


@pytest.mark.parametrize("value", ["lots", "0", "-5", "nan", "inf", "32MB", "0x20"])
def test_a_wrong_size_limit_names_the_variable(tmp_path, no_network_here, value):
    with pytest.raises(ConfigurationError) as caught:
        read_env({"PLACEBO_MAX_RECORDING_MB": value})
    error = caught.value
    assert type(error) is InvalidLimitError and isinstance(error, ValueError)
    assert error.name == "PLACEBO_MAX_RECORDING_MB" and error.value == value
    assert str(error) == (f"PLACEBO_MAX_RECORDING_MB must be a positive number of MiB, such as 64, not {value!r}. "
                          "Unset it for the default of 32 MiB.")
    # Through playback too, before any file is read.
    (tmp_path / NAME).write_bytes(document({"Reservations": []}))
    os.environ["PLACEBO_MAX_RECORDING_MB"] = value
    session = fast_session()
    with pytest.raises(InvalidLimitError, match="PLACEBO_MAX_RECORDING_MB"):
        pill = placebo_unittest.attach(session, str(tmp_path))
        pill.playback()
        session.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_instances()


@pytest.mark.parametrize("value, expected", [("64", 64.0), ("0.5", 0.5), ("1e3", 1000.0), ("", None), (" ", None)])
def test_size_limits_that_are_read(value, expected):
    assert read_env({"PLACEBO_MAX_RECORDING_MB": value}).max_recording_mb == expected


# -- not a file ------------------------------------------------------------------------------------
def test_a_directory_where_a_recording_should_be(tmp_path, no_network_here):
    os.mkdir(str(tmp_path / NAME))
    message = refused(tmp_path, NAME, None, RecordingIsDirectoryError)
    assert "it is a directory, not a file" in message and "move or remove the directory" in message
    assert "does not exist" not in message


def test_a_directory_after_recordings_is_reported_not_cycled_over(tmp_path, no_network_here):
    (tmp_path / NAME).write_bytes(document({"Reservations": []}))
    os.mkdir(str(tmp_path / "ec2.DescribeInstances_2.json"))
    before = snapshot(tmp_path)
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.playback()
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    assert ec2.describe_instances() == {"Reservations": []}
    with pytest.raises(RecordingIsDirectoryError) as caught:
        ec2.describe_instances()
    assert str(tmp_path / "ec2.DescribeInstances_2.json") in str(caught.value)
    assert pill.unused_recordings() == []  # a directory is not a recording
    assert snapshot(tmp_path) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_where_a_recording_should_be(tmp_path, no_network_here):
    path = str(tmp_path / "ec2.DescribeInstances_1.json")
    os.mkfifo(path)
    assert stat.S_ISFIFO(os.stat(path).st_mode)
    store = RecordingStore(str(tmp_path))
    with pytest.raises(CorruptRecordingError) as caught:  # at once: reading it would wait forever
        store.load_path(path, "json")
    assert path in str(caught.value) and "not a regular file" in str(caught.value)


# -- hand edits ------------------------------------------------------------------------------------
@pytest.mark.parametrize("types, words", [
    ([[["Missing"], "bytes", None]], "it marks data['Missing'] as bytes, but there is no such value"),
    ([[["Count"], "bytes", None]], "it marks data['Count'] as bytes, but that is the number 3, not a string"),
    ([[["When"], "datetime", 3600]], "it marks data['When'] as a datetime, but that is a string"),
    ([[["When", 0], "str", [0]]], "it marks data['When'][0] as str, but there is no such value"),
    ([[["Name"], "str", [9]]], "it marks character 9 of data['Name'] to split"),
    ([[["Name"], "str", [0]]], "its str entry for data['Name'] can't be applied"),
    ([[["Tag", "year"], "bytes", None]], "inside the tagged value at data['Tag']"),
    ([[["Count"], "dict", None]], "it marks data['Count'] as a plain dict, but that is the number 3"),
], ids=["nowhere", "number", "datetime", "into-string", "position", "not-astral", "into-tag", "dict"])
def test_a_section_that_does_not_match_its_data(tmp_path, no_network_here, types, words):
    data = {"Count": 3, "When": "2024-05-01", "Name": "abc", "Tag": dict(DATETIME)}
    message = refused(tmp_path, NAME, document(data, section={"format": 1, "types": types}))
    assert "its placebo_unittest section doesn't match its data" in message and words in message


@pytest.mark.parametrize("section, words", [
    ({"format": 1, "types": [[["A"], "bytes", None], [["A"], "bytes", None]]}, "types entries 1 and 2 both"),
    ({"format": 1, "types": [[["A"], "blob", None]]}, 'the unknown kind "blob"'),
    ({"format": 1, "types": [[[-1], "bytes", None]]}, "the path step -1"),
    ({"format": 1, "types": [[[True], "bytes", None]]}, "the path step true"),
    ({"format": 1, "types": [[["T"], "datetime", 86400]]}, "a UTC offset in seconds"),
    ({"format": 1, "types": [[["T"], "datetime-local", None]]}, "a UTC offset in seconds"),
    ({"format": 1, "types": [[["S"], "str", [2, 1]]]}, "increasing character positions"),
    ({"format": 1, "types": [[["A"], "bytes", 5]]}, "has an argument"),
    ({"format": True, "types": []}, '"format" is true'),
], ids=["duplicate", "kind", "negative-index", "bool-step", "offset", "local-offset", "positions",
        "argument", "format-bool"])
def test_a_malformed_section(tmp_path, no_network_here, section, words):
    message = refused(tmp_path, NAME, document({"A": "aGk="}, section=section))
    assert "its placebo_unittest section is malformed" in message and words in message


def test_a_datetime_offset_that_overflows(tmp_path, no_network_here):
    section = {"format": 1, "types": [[["T"], "datetime", -3600]]}
    tag = dict(DATETIME, year=1, month=1, day=1, hour=0, minute=0)
    message = refused(tmp_path, NAME, document({"T": tag}, section=section))
    assert "its datetime entry for data['T'] can't be applied (OverflowError" in message


def test_nesting_too_deep_for_python(tmp_path, no_network_here):
    content = b'{"status_code": 200, "data": ' + b"[" * 100000 + b"]" * 100000 + b"}"
    message = refused(tmp_path, NAME, content)
    assert "RecursionError" in message


# -- pickle ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value, words", [
    ([200, {}], "it holds a builtins.list, not an object"),
    ({"status_code": 200}, 'no "data" member'),
    ({"data": {}}, 'no "status_code" member'),
    ({"status_code": "200", "data": {}}, "its status_code \"200\" is not an integer"),
    ({"status_code": True, "data": {}}, "its status_code true is not an integer"),
    ({"status_code": 42, "data": {}}, "its status_code 42 is not an HTTP status code"),
    ({"status_code": 200, "data": {}, "placebo_unittest": [1]}, "placebo_unittest section is a builtins.list"),
], ids=["list", "no-data", "no-status", "status-str", "status-bool", "status-range", "section"])
def test_a_pickle_that_is_not_a_recording(tmp_path, no_network_here, value, words):
    message = refused(tmp_path, "ec2.DescribeInstances_1.pickle", pickle.dumps(value, protocol=4),
                      record_format="pickle")
    assert words in message


def test_a_damaged_pickle(tmp_path, no_network_here):
    whole = dumps(encode({"Reservations": []}), "pickle")
    message = refused(tmp_path, "ec2.DescribeInstances_1.pickle", whole[:-5], record_format="pickle")
    assert "it is not a valid pickle" in message


# -- fuzzing the loader -----------------------------------------------------------------------------
@functools.cache
def output_shapes():
    session = fast_session()._session
    return (None,) + tuple(
        session.get_service_model(service).operation_model(operation).output_shape
        for service, operation in (("ec2", "DescribeInstances"), ("s3", "GetObject"), ("kms", "Decrypt")))


def check_loader(raw, extension="json"):
    """``raw`` is refused with a PlaceboError, or read and then replayed with
    and without each output shape, without any error."""
    try:
        loaded = loads(raw, "fuzz." + extension, extension)
    except PlaceboError as exc:
        assert "fuzz." + extension in str(exc)
        return None
    for shape in output_shapes():
        materialize(loaded, shape)
    return loaded


def seed_files():
    """Good recordings to damage: the legacy fixtures, and files of our own format."""
    seeds = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*", "*.json"))):
        with open(path, "rb") as handle:
            seeds.append(handle.read())
    return seeds


SEEDS = seed_files()

json_keys = st.one_of(
    st.sampled_from(["__class__", "__module__", "body", "year", "month", "day", "hour", "minute", "second",
                     "microsecond", "data", "status_code", "placebo_unittest", "types", "format",
                     "Body", "Plaintext", "Reservations", "Instances", "LaunchTime", "KeyId", ""]),
    st.text(max_size=6),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.floats(),
    st.sampled_from(["datetime", "StreamingBody", "StreamingChecksumBody", "aGk=", "!!", "bytes", "str",
                     "dict", "datetime-local", "2024-05-01T12:30:00Z", "\ud800", "\U0001f600", 200, 0, -1]),
    st.text(max_size=8),
)
tags = st.one_of(
    st.fixed_dictionaries({"__class__": st.just("datetime")},
                          optional={field: st.one_of(st.integers(-3, 3000), json_scalars)
                                    for field in ("__module__", "year", "month", "day", "hour", "minute",
                                                  "second", "microsecond", "tz")}),
    st.fixed_dictionaries({"__class__": st.sampled_from(["StreamingBody", "StreamingChecksumBody", "Evil"])},
                          optional={"__module__": json_scalars, "body": json_scalars, "extra": json_scalars}),
    st.builds(lambda: dict(DATETIME)),  # a fresh dict: the mutation test changes what it gets
)
json_values = st.recursive(
    st.one_of(json_scalars, tags),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(json_keys, children, max_size=4)),
    max_leaves=20,
)
paths = st.lists(st.one_of(json_keys, st.integers(-1, 4), st.booleans()), max_size=3)
entries = st.lists(st.tuples(paths, st.one_of(st.sampled_from(["bytes", "datetime", "datetime-local", "dict",
                                                               "str"]), json_scalars),
                             st.one_of(st.none(), st.integers(-90000, 90000), st.floats(),
                                       st.lists(st.integers(-1, 10), max_size=3), json_scalars)),
                   max_size=4).map(lambda found: [list(entry) for entry in found])
documents = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"data": json_values},
        optional={"status_code": st.one_of(st.integers(0, 700), json_scalars),
                  "placebo_unittest": st.one_of(json_values, st.fixed_dictionaries(
                      {"types": entries}, optional={"format": st.one_of(st.integers(0, 2), json_scalars),
                                                    "request": json_values, "accounts": json_values}))}),
)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=300), st.sampled_from(SEEDS).flatmap(
    lambda seed: st.integers(0, len(seed)).map(lambda cut: seed[:cut]))))
@example(raw=b"\xef\xbb\xbf")
@example(raw=b'{"status_code": 200, "data": {"A": {"__class__": "datetime"}}}')
def test_fuzz_arbitrary_and_truncated_bytes(raw):
    check_loader(raw)


@FUZZ
@given(value=documents)
def test_fuzz_arbitrary_json_documents(value):
    raw = json.dumps(value).encode("ascii")
    check_loader(raw)
    check_loader(b"\xef\xbb\xbf" + raw)


def every_path(node, path=()):
    yield path
    if type(node) is dict:
        for key, value in node.items():
            yield from every_path(value, path + (key,))
    elif type(node) is list:
        for index, value in enumerate(node):
            yield from every_path(value, path + (index,))


def mutate(document, path, action, value):
    """``document`` with the node at ``path`` replaced, deleted or wrapped in a list."""
    if not path:
        return value if action == "replace" else [document]
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if action == "replace":
        parent[path[-1]] = value
    elif action == "wrap":
        parent[path[-1]] = [parent[path[-1]]]
    elif type(parent) is dict:
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    return document


@FUZZ
@given(description=responses, draw=st.data())
def test_fuzz_mutated_recordings(description, draw):
    use_seed = draw.draw(st.booleans())
    raw = draw.draw(st.sampled_from(SEEDS)) if use_seed else dumps(encode(build(description)), "json")
    loaded = check_loader(raw)
    assert loaded is not None  # an untouched recording is read
    document_ = json.loads(raw)
    for _ in range(draw.draw(st.integers(1, 3))):
        path = draw.draw(st.sampled_from(list(every_path(document_))))
        action = draw.draw(st.sampled_from(["replace", "replace", "delete", "wrap"]))
        document_ = mutate(document_, path, action, draw.draw(json_values))
    check_loader(json.dumps(document_).encode("ascii"))


@FUZZ
@given(raw=st.sampled_from(SEEDS), draw=st.data())
def test_fuzz_damaged_bytes(raw, draw):
    damaged = bytearray(raw)
    for _ in range(draw.draw(st.integers(1, 4))):
        where = draw.draw(st.integers(0, max(len(damaged) - 1, 0)))
        how = draw.draw(st.sampled_from(["flip", "insert", "delete"]))
        byte = draw.draw(st.integers(0, 255))
        if how == "flip" and damaged:
            damaged[where] = byte
        elif how == "insert":
            damaged.insert(where, byte)
        elif damaged:
            del damaged[where:where + draw.draw(st.integers(1, 40))]
    check_loader(bytes(damaged))


@settings(FUZZ, max_examples=60)
@given(description=responses, cut=st.floats(0, 1))
def test_fuzz_truncated_pickles(description, cut):
    raw = dumps(encode(build(description)), "pickle")
    check_loader(raw[: int(len(raw) * cut)], "pickle")


def test_what_the_fuzz_tests_feed_in_is_valid_to_start_with():
    for seed in SEEDS:
        assert check_loader(seed) is not None
    body = base64.b64encode(b"\x00\xff").decode("ascii")
    raw = document({"Body": {"__class__": "StreamingBody", "__module__": "botocore.response", "body": body}})
    loaded = check_loader(raw)
    assert materialize(loaded)[1]["Body"].read() == b"\x00\xff"
