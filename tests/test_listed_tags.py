"""Files that list their tags: read by msgspec when it is installed, exactly as ever.

A file this version writes lists the paths of its tagged values (the
section's ``tagged`` member). With msgspec (the ``fast`` extra) such a file
is parsed by msgspec and only the listed tags are visited; the list is
trusted only when it accounts for every ``"__class__"`` in the file's bytes
and no printable character is escaped. Everything else goes the json
module's way, and what a damaged file raises is unchanged. Each test here
runs with msgspec and without it (``fresh._FAST`` set to None), whichever
is installed.
"""
import datetime as dt
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings

from placebo_unittest import fresh
from placebo_unittest.codec import UTC_ZONE
from placebo_unittest.errors import CorruptRecordingError
from placebo_unittest.placebo_format import deserialize
from placebo_unittest.serializer import KEEP_BYTES_BELOW, dumps, encode, loads, materialize
from placebo_unittest.storage import RecordingStore

from unit_helpers import assert_exact, build, responses

PROPERTY = settings(max_examples=100, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

STAMP = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC_ZONE)
PARSERS = ["msgspec", "json"]


@pytest.fixture(params=PARSERS)
def parser(request, monkeypatch):
    """Which parser reads listed files: msgspec (skipped without it) or the json module."""
    if request.param == "msgspec":
        if fresh._FAST is None:
            pytest.skip("msgspec is not installed")
    else:
        monkeypatch.setattr(fresh, "_FAST", None)
    return request.param


def instances(count=3):
    return {"Reservations": [{"Instances": [
        {"InstanceId": f"i-{n}", "LaunchTime": STAMP + dt.timedelta(minutes=n),
         "BlockDeviceMappings": [{"Ebs": {"AttachTime": STAMP, "VolumeId": f"vol-{n}"}}],
         "Big": 123456789012345678901234567890, "Ratio": 0.1}
        for n in range(count)]}], "ResponseMetadata": {"HTTPStatusCode": 200}}


def document_of(raw):
    return json.loads(raw)


def rewritten(document):
    """A file of ``document`` as a person or another tool might write it."""
    return json.dumps(document, indent=2).encode()


def test_a_file_lists_the_paths_of_its_tagged_values():
    raw = dumps(encode(instances(2)), "json")
    tagged = document_of(raw)["placebo_unittest"]["tagged"]
    assert tagged == [["Reservations", 0, "Instances", 0, "LaunchTime"],
                      ["Reservations", 0, "Instances", 0, "BlockDeviceMappings", 0, "Ebs", "AttachTime"],
                      ["Reservations", 0, "Instances", 1, "LaunchTime"],
                      ["Reservations", 0, "Instances", 1, "BlockDeviceMappings", 0, "Ebs", "AttachTime"]]
    assert raw.count(b'"__class__"') == len(tagged)
    # placebo's reader ignores the section and decodes every tag itself.
    data = json.loads(raw, object_hook=deserialize)["data"]
    assert data["Reservations"][0]["Instances"][1]["LaunchTime"] == STAMP + dt.timedelta(minutes=1)


def test_a_file_without_tags_lists_none():
    raw = dumps(encode({"Queues": ["a", "b"]}), "json")
    assert "tagged" not in document_of(raw)["placebo_unittest"]


def test_listed_files_replay_exactly(parser):
    raw = dumps(encode(instances()), "json")
    if parser == "msgspec":
        assert fresh._parse_listed(raw) is not None  # the list is trusted
    loaded = loads(raw, "memory.json", "json")
    assert loaded.fast
    for _ in range(3):
        assert_exact(materialize(loaded)[1], instances())


@PROPERTY
@given(description=responses)
def test_every_response_replays_exactly_by_either_parser(parser, description):
    raw = dumps(encode(build(description)), "json")
    loaded = loads(raw, "memory.json", "json")
    for _ in range(2):
        assert_exact(materialize(loaded)[1], description)


def unlisted(document):
    """``document`` with a datetime tag added that its list doesn't name."""
    document["data"]["Added"] = {"__class__": "datetime", "year": 2020, "month": 1, "day": 2, "hour": 3,
                                 "minute": 4, "second": 5, "microsecond": 6}
    return document


def mislisted(document):
    """``document`` whose list names a value that is not a tag, in place of one."""
    document["placebo_unittest"]["tagged"][0] = ["ResponseMetadata"]
    return document


def listed_twice(document):
    """``document`` whose list names one tag twice and leaves another out."""
    tagged = document["placebo_unittest"]["tagged"]
    tagged[1] = tagged[0]
    return document


def escaped_key(document):
    """``document`` with a tag whose key is written with escapes, as no tool of ours writes it."""
    added = unlisted(document)["data"]["Added"]
    added["KEY"] = added.pop("__class__")
    raw = rewritten(document).replace(b'"KEY"', b'"\\u005f_class__"')
    assert json.loads(raw)["data"]["Added"]["__class__"] == "datetime"
    return raw


def value_named_like_the_key(document):
    """``document`` holding the string "__class__" as a value."""
    document["data"]["Note"] = "__class__"
    return document


@pytest.mark.parametrize("spoil", [unlisted, mislisted, listed_twice, escaped_key, value_named_like_the_key],
                         ids=["unlisted tag", "mislisted", "listed twice", "escaped key", "value"])
def test_a_list_that_doesnt_account_for_every_tag_is_not_trusted(parser, spoil):
    original = instances()
    document = document_of(dumps(encode(original), "json"))
    spoiled = spoil(document)
    raw = spoiled if isinstance(spoiled, bytes) else rewritten(spoiled)
    expected = json.loads(raw)
    if parser == "msgspec":
        assert fresh._parse_listed(raw) is None  # the json module reads it
    loaded = loads(raw, "memory.json", "json")
    data = materialize(loaded)[1]
    # Every tag in the file is decoded, wherever the list says it is.
    for index in range(3):
        instance = data["Reservations"][0]["Instances"][index]
        assert instance["LaunchTime"] == STAMP + dt.timedelta(minutes=index)
        assert instance["BlockDeviceMappings"][0]["Ebs"]["AttachTime"] == STAMP
    if "Added" in expected["data"]:
        assert data["Added"] == dt.datetime(2020, 1, 2, 3, 4, 5, 6, tzinfo=UTC_ZONE)
    assert data["Reservations"][0]["Instances"][0]["Big"] == 123456789012345678901234567890


def test_files_written_before_the_list_still_read(parser):
    document = document_of(dumps(encode(instances()), "json"))
    del document["placebo_unittest"]["tagged"]
    loaded = loads(rewritten(document), "memory.json", "json")
    assert_exact(materialize(loaded)[1], instances())
    placebos = {"status_code": 200, "data": document["data"]}  # no section at all
    assert materialize(loads(rewritten(placebos), "memory.json", "json"))[1]["Reservations"][0]["Instances"][0][
        "LaunchTime"] == STAMP


@pytest.mark.parametrize("text, expected", [
    (b'{"status_code": 200, "data": {"N": NaN}}', "nan"),
    (b'{"status_code": 200, "data": {"N": 1e400}}', "inf"),
    (b'{"status_code": 200, "data": {"N": "\\ud800"}}', "'\\ud800'"),
    (b'{"status_code": 200, "data": {"N": 123456789012345678901234567890}}', "123456789012345678901234567890"),
    (b'{"status_code": 200, "data": {"N": -0.0}}', "-0.0"),
], ids=["nan", "infinity", "lone surrogate", "big integer", "negative zero"])
def test_what_msgspec_refuses_or_reads_differently_is_read_as_the_json_module_reads_it(parser, text, expected):
    assert repr(materialize(loads(text, "memory.json", "json"))[1]["N"]) == expected


@pytest.mark.parametrize("raw, problem", [
    (b"", "it is empty"),
    (b'{"status_code": 200, "data": {}', "cut short"),
    (b'{"status_code": 200, "data": {"x": "\xff"}}', "not UTF-8"),
    (b'{"status_code": 200, "data": {"x": {"__class__": "datetime", "year": 2020}}, '
     b'"placebo_unittest": {"format": 1, "types": [], "tagged": [["x"]]}}', "datetime"),
    (b'{"status_code": 200, "data": {"x": {"__class__": "datetime", "year": 2020, "month": 13, "day": 1, '
     b'"hour": 0, "minute": 0, "second": 0, "microsecond": 0}}, '
     b'"placebo_unittest": {"format": 1, "types": [], "tagged": [["x"]]}}', "month"),
    (b'{"status_code": 99, "data": {}}', "status_code 99"),
], ids=["empty", "cut short", "not utf-8", "partial tag", "impossible date", "status"])
def test_a_damaged_file_gets_the_same_precise_error(parser, raw, problem):
    with pytest.raises(CorruptRecordingError, match=problem):
        loads(raw, "memory.json", "json")


# -- large files are read again for a second replay -------------------------------------------
def large_response():
    return {"Items": [{"Id": f"item-{n:05d}", "Created": STAMP, "Blob": b"\x00\x01" * 3} for n in range(800)]}


def stored(tmp_path, response):
    path = tmp_path / "ec2.DescribeThings_1.json"
    path.write_bytes(dumps(encode(response), "json"))
    assert (os.path.getsize(path) >= KEEP_BYTES_BELOW) == (response is not None and "Items" in response)
    return RecordingStore(str(tmp_path)), str(path)


def test_a_large_file_keeps_no_bytes_and_is_read_again_for_its_second_replay(tmp_path, parser):
    store, path = stored(tmp_path, large_response())
    loaded = store.load_path(path, "json")
    assert loaded.raw == b"" and loaded.again is not None
    for _ in range(4):
        assert_exact(materialize(loaded)[1], large_response())
    assert loaded.kept is not None and loaded.again is None


def test_a_small_file_keeps_its_bytes(tmp_path, parser):
    store, path = stored(tmp_path, {"Small": STAMP})
    loaded = store.load_path(path, "json")
    assert loaded.raw
    for _ in range(3):
        assert materialize(loaded)[1] == {"Small": STAMP}


@pytest.mark.parametrize("change", ["removed", "rewritten"])
def test_a_large_file_changed_after_its_first_replay_is_an_error_on_the_second(tmp_path, parser, change):
    store, path = stored(tmp_path, large_response())
    loaded = store.load_path(path, "json")
    materialize(loaded)
    if change == "removed":
        os.remove(path)
    else:
        with open(path, "ab") as handle:
            handle.write(b" ")
    with pytest.raises(CorruptRecordingError, match="removed or changed while the test replayed it"):
        materialize(loaded)
