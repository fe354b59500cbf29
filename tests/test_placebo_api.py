"""The names and hooks code written against placebo 0.10.0 touches, one by one.

Module-level names in ``pill`` and ``serializer``, the attributes subclasses
read, the overridable record and replay steps, and how files written by
placebo replay (as placebo did, unless ``legacy_types`` is chosen).
"""
import datetime as dt
import io
import json
import logging
import os
import pickle
import shutil
import unittest

import pytest
from botocore.response import StreamingBody

import placebo_unittest as placebo
from placebo_unittest import pill, serializer
from placebo_unittest.errors import PickleNotAllowedError, UnknownFormatError
from placebo_unittest.utils import placebo_session

from unit_helpers import fake_aws, fast_session

DEAD_ENDPOINT = "http://127.0.0.1:9"
LEGACY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "legacy", "placebo")
KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))


@pytest.fixture(autouse=True)
def clean_env(clean_placebo_env):
    """No placebo_unittest variables set."""


def legacy_copy(tmp_path):
    directory = str(tmp_path / "legacy")
    shutil.copytree(LEGACY, directory)
    return directory


# -- module-level names --------------------------------------------------------------
def test_pill_module_names_are_placebos():
    assert isinstance(pill.LOG, logging.Logger) and pill.LOG.name == "placebo_unittest"
    assert pill.serialize is serializer.serialize
    assert pill.deserialize is serializer.deserialize
    assert pill.Format is serializer.Format
    assert pill.get_serializer is serializer.get_serializer
    assert pill.get_deserializer is serializer.get_deserializer
    assert placebo.pill.Pill is placebo.Pill


def test_fake_http_response_raw_can_be_set_on_the_class(monkeypatch):
    assert pill.FakeHttpResponse(200).raw is None
    marker = object()
    monkeypatch.setattr(pill.FakeHttpResponse, "raw", marker)
    response = pill.FakeHttpResponse(404)
    assert response.raw is marker and response.status_code == 404


def test_serializer_format_is_placebos():
    fmt = serializer.Format
    assert (fmt.JSON, fmt.PICKLE, fmt.DEFAULT, fmt.ALLOWED) == ("json", "pickle", "json", ["json", "pickle"])
    assert (fmt.read_mode("json"), fmt.write_mode("json")) == ("r", "w")
    assert (fmt.read_mode("pickle"), fmt.write_mode("pickle")) == ("rb", "wb")


def test_get_serializer_and_deserializer_round_trip_each_format(tmp_path):
    when = dt.datetime(2021, 6, 1, 12, 30, tzinfo=serializer.utc)
    document = {"status_code": 200, "data": {"When": when, "Blob": b"\x00\xff", "N": 1}}
    path = str(tmp_path / "doc.json")
    with open(path, serializer.Format.write_mode("json")) as handle:
        serializer.get_serializer("json")(document, handle)
    with open(path, serializer.Format.read_mode("json")) as handle:
        back = serializer.get_deserializer("json")(handle)
    assert back["data"]["When"] == when and back["data"]["When"].utcoffset() == dt.timedelta(0)
    assert back["data"]["Blob"] == "AP8="  # placebo writes bytes as base64 and reads back the text
    assert back["data"]["N"] == 1

    pickled = str(tmp_path / "doc.pickle")
    with open(pickled, "wb") as handle:
        serializer.get_serializer("pickle")(document, handle)
    with open(pickled, "rb") as handle:
        assert serializer.get_deserializer("pickle")(handle) == document


@pytest.mark.parametrize("factory", [serializer.get_serializer, serializer.get_deserializer])
def test_an_unknown_serializer_format_is_an_error(factory):
    with pytest.raises(UnknownFormatError) as caught:
        factory("yaml")
    assert "'json'" in str(caught.value) and "'yaml'" in str(caught.value)


def test_serialize_writes_what_placebo_writes_and_prints_nothing(capsys):
    body = StreamingBody(io.BytesIO(b"hello\x00"), 6)
    text = json.dumps({"Body": body, "Blob": b"\x01", "When": dt.datetime(2020, 2, 3, 4, 5, 6, 7)},
                      default=serializer.serialize, sort_keys=True)
    assert json.loads(text) == {
        "Blob": "AQ==",
        "Body": {"__class__": "StreamingBody", "__module__": "botocore.response", "body": "aGVsbG8A"},
        "When": {"__class__": "datetime", "year": 2020, "month": 2, "day": 3, "hour": 4,
                 "minute": 5, "second": 6, "microsecond": 7},
    }
    assert body.read() == b"hello\x00"  # rewound for its owner
    assert capsys.readouterr() == ("", "")
    with pytest.raises(TypeError):
        serializer.serialize(object())


def test_deserialize_reads_its_own_output_and_module_keys():
    text = json.dumps({"When": {"__class__": "datetime", "__module__": "datetime", "year": 2019, "month": 5,
                                "day": 6, "hour": 7, "minute": 8, "second": 9, "microsecond": 10},
                       "Body": {"__class__": "StreamingBody", "__module__": "botocore.response",
                                "body": "aGk="},
                       "Other": {"__class__": "Unknown", "x": 1}})
    data = json.loads(text, object_hook=serializer.deserialize)
    assert data["When"] == dt.datetime(2019, 5, 6, 7, 8, 9, 10, tzinfo=dt.timezone.utc)
    assert type(data["Body"]) is StreamingBody and data["Body"].read() == b"hi"
    assert data["Other"] == {"__class__": "Unknown", "x": 1}


# -- attributes subclasses read --------------------------------------------------------
def test_attributes_subclasses_read(tmp_path, no_network_here):
    session = fast_session()
    quiet = placebo.attach(session, str(tmp_path), prefix="nightly")
    assert (quiet.data_path, quiet.prefix, quiet.debug) == (str(tmp_path), "nightly", False)
    match = quiet.filename_re.match("nightly.ec2.DescribeAddresses_12.json")
    assert match is not None and match.group("index") == "12"
    assert quiet.filename_re.match("ec2.DescribeAddresses_1.pickle") is None
    assert quiet._filename_re is quiet.filename_re
    assert quiet._index == {}

    quiet.save_response("ec2", "DescribeAddresses", {"Addresses": []})
    quiet.playback()
    quiet.session.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_addresses()
    assert quiet._index == {"nightly.ec2.DescribeAddresses": 2}

    loud = placebo.pill.Pill(debug=True)
    assert loud.debug is True
    pickled = placebo.pill.Pill(record_format="pickle")
    assert pickled.filename_re.match("ec2.DescribeAddresses_3.pickle").group("index") == "3"


# -- the overridable steps --------------------------------------------------------------
class PerServiceFolders(pill.Pill):
    """Overrides only the file rules: each service gets a folder of its own."""

    def get_new_file_path(self, service, operation):
        folder = os.path.join(self.data_path, service)
        number = len(os.listdir(folder)) + 1 if os.path.isdir(folder) else 1
        return os.path.join(folder, f"{operation}_{number}.json")

    def get_next_file_path(self, service, operation):
        key = f"{service}.{operation}"
        number = self._index.get(key, 1)
        self._index[key] = number + 1
        return os.path.join(self.data_path, service, f"{operation}_{number}.json"), "json"


def test_overriding_only_the_file_rules_moves_the_files(tmp_path, no_network_here):
    session = fast_session()
    recorder = PerServiceFolders()
    recorder.attach(session, str(tmp_path))
    recorder.record()
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    when = dt.datetime(2022, 1, 2, 3, 4, 5, tzinfo=KOLKATA)
    fake_aws(ec2, [{"KeyPairs": [{"KeyName": "a", "CreateTime": when}]}, {"KeyPairs": []}])
    ec2.describe_key_pairs()
    ec2.describe_key_pairs()
    assert sorted(os.listdir(str(tmp_path / "ec2"))) == ["DescribeKeyPairs_1.json", "DescribeKeyPairs_2.json"]
    assert recorder.recorded == [str(tmp_path / "ec2" / "DescribeKeyPairs_1.json"),
                                 str(tmp_path / "ec2" / "DescribeKeyPairs_2.json")]

    replay_session = fast_session()
    player = PerServiceFolders()
    player.attach(replay_session, str(tmp_path))
    player.playback()
    client = replay_session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    first = client.describe_key_pairs()["KeyPairs"][0]["CreateTime"]
    assert first == when and first.utcoffset() == when.utcoffset()  # exact types, still
    assert client.describe_key_pairs()["KeyPairs"] == []


class Capturing(pill.Pill):
    """save_response sees each response, then changes its copy."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def save_response(self, service, operation, response_data, http_response=200):
        self.seen.append((service, operation, response_data, http_response))
        response_data["KeyPairs"][0]["KeyName"] = "changed-in-the-file"
        return super().save_response(service, operation, response_data, http_response)


def test_save_response_gets_an_exact_copy_it_may_change(tmp_path, no_network_here):
    session = fast_session()
    recorder = Capturing()
    recorder.attach(session, str(tmp_path))
    recorder.record()
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    when = dt.datetime(2022, 1, 2, 3, 4, 5, tzinfo=KOLKATA)
    fake_aws(ec2, [{"KeyPairs": [{"KeyName": "original", "CreateTime": when}]}])
    live = ec2.describe_key_pairs()

    assert live["KeyPairs"][0]["KeyName"] == "original"  # the caller's response is untouched
    [(service, operation, data, status)] = recorder.seen
    assert (service, operation, status) == ("ec2", "DescribeKeyPairs", 200)
    created = data["KeyPairs"][0]["CreateTime"]
    assert type(created) is dt.datetime and created.utcoffset() == when.utcoffset() and created == when
    assert data is not live
    with open(str(tmp_path / "ec2.DescribeKeyPairs_1.json")) as handle:
        assert json.load(handle)["data"]["KeyPairs"][0]["KeyName"] == "changed-in-the-file"


class Annotating(pill.Pill):
    """load_response post-processes what the default step read."""

    def load_response(self, service, operation):
        http_response, data = super().load_response(service, operation)
        data["Annotated"] = True
        return http_response, data


def test_load_response_overrides_are_honoured_and_keep_legacy_typing(tmp_path, no_network_here):
    session = fast_session()
    player = Annotating(legacy_types=True)
    player.attach(session, legacy_copy(tmp_path))
    player.playback()
    user = session.client("iam", endpoint_url=DEAD_ENDPOINT).get_user()
    assert user["Annotated"] is True
    assert user["User"]["CreateDate"] == dt.datetime(2015, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)
    assert player.replayed == 1
    unused = [os.path.basename(p) for p in player.unused_recordings()]
    assert "iam.GetUser_1.json" not in unused and "kms.Decrypt_1.json" in unused


class PicklePointer(pill.Pill):
    def get_next_file_path(self, service, operation):
        return os.path.join(self.data_path, f"{service}.{operation}_1.pickle"), "pickle"


def test_a_subclass_cannot_make_json_playback_load_a_pickle(tmp_path, no_network_here):
    with open(str(tmp_path / "ec2.DescribeAddresses_1.pickle"), "wb") as handle:
        pickle.dump({"status_code": 200, "data": {"Addresses": []}}, handle)
    session = fast_session()
    player = PicklePointer()
    player.attach(session, str(tmp_path))
    player.playback()
    with pytest.raises(PickleNotAllowedError) as caught:
        session.client("ec2", endpoint_url=DEAD_ENDPOINT).describe_addresses()
    assert "ec2.DescribeAddresses_1.pickle" in str(caught.value)
    assert "record_format='pickle'" in str(caught.value)


# -- legacy files: placebo's types unless legacy_types --------------------------------------
def test_attach_replays_placebo_files_as_placebo_did(tmp_path, no_network_here):
    session = fast_session()
    player = placebo.attach(session, legacy_copy(tmp_path))
    player.playback()
    user = session.client("iam", endpoint_url=DEAD_ENDPOINT).get_user()["User"]
    assert user["CreateDate"] == "2015-03-04T05:06:07Z"  # an ISO string stays a string
    assert user["PasswordLastUsed"] == dt.datetime(2024, 2, 29, 23, 59, 59, tzinfo=dt.timezone.utc)
    plaintext = session.client("kms", endpoint_url=DEAD_ENDPOINT).decrypt(CiphertextBlob=b"x")["Plaintext"]
    assert plaintext == "CiCPnqEAc2VjcmV0"  # base64 text, as placebo gave it


def test_legacy_types_give_the_models_types(tmp_path, no_network_here):
    session = fast_session()
    player = placebo.attach(session, legacy_copy(tmp_path), legacy_types=True)
    player.playback()
    user = session.client("iam", endpoint_url=DEAD_ENDPOINT).get_user()["User"]
    assert user["CreateDate"] == dt.datetime(2015, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)
    plaintext = session.client("kms", endpoint_url=DEAD_ENDPOINT).decrypt(CiphertextBlob=b"x")["Plaintext"]
    assert plaintext == b"\n \x8f\x9e\xa1\x00secret"


def test_placebo_session_keeps_placebos_types_and_placebo_test_case_the_models(tmp_path, monkeypatch):
    base = tmp_path / "base"
    for name in ("Legacy.test_user", "LegacyCase.test_user"):
        shutil.copytree(LEGACY, str(base / name))
    monkeypatch.setenv("PLACEBO_DIR", str(base))
    seen = {}

    class Legacy(unittest.TestCase):
        @placebo_session
        def test_user(self, session):
            seen["decorator"] = session.client("iam", endpoint_url=DEAD_ENDPOINT).get_user()["User"]["CreateDate"]

    class LegacyCase(placebo.PlaceboTestCase):
        placebo_on_unused = "ignore"

        def test_user(self):
            seen["testcase"] = self.client("iam", endpoint_url=DEAD_ENDPOINT).get_user()["User"]["CreateDate"]

    suite = unittest.TestSuite([Legacy("test_user"), LegacyCase("test_user")])
    result = unittest.TextTestRunner(stream=io.StringIO()).run(suite)
    assert result.wasSuccessful(), result.errors + result.failures
    assert seen == {"decorator": "2015-03-04T05:06:07Z",
                    "testcase": dt.datetime(2015, 3, 4, 5, 6, 7, tzinfo=dt.timezone.utc)}
