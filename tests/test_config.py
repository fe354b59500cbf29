"""Settings from keyword arguments and the environment."""
import os
from unittest import mock

import pytest

import placebo_unittest
from placebo_unittest.config import Mode, OnExhausted, RecordFormat, Settings, coerce, read_env
from placebo_unittest.errors import ConfigurationError, PlaceboError, UnknownFormatError

from unit_helpers import fast_session

VARIABLES = ("PLACEBO_MODE", "PLACEBO_DIR", "PLACEBO_FORMAT", "PLACEBO_PROFILE", "AWS_DEFAULT_REGION",
             "PLACEBO_MATCH", "PLACEBO_MAX_RECORDING_MB", "PLACEBO_GC_FREEZE")


@pytest.fixture(autouse=True)
def clean_env():
    """Each test starts with none of our variables set, and leaves os.environ as it was."""
    with mock.patch.dict(os.environ):
        for name in VARIABLES:
            os.environ.pop(name, None)
        yield


def test_nothing_set():
    assert read_env({}) == Settings()
    assert read_env() == Settings(None, None, None, None, None)


def test_every_variable_is_read():
    settings = read_env({
        "PLACEBO_MODE": "playback", "PLACEBO_DIR": "/data/recordings", "PLACEBO_FORMAT": "pickle",
        "PLACEBO_PROFILE": "dev", "AWS_DEFAULT_REGION": "eu-west-3",
    })
    assert settings.mode is Mode.PLAYBACK and settings.mode == "playback"
    assert settings.directory == "/data/recordings"
    assert settings.record_format is RecordFormat.PICKLE and settings.record_format.extension == "pickle"
    assert settings.profile == "dev"
    assert settings.region == "eu-west-3"


def test_read_env_reads_os_environ_by_default():
    os.environ.update(PLACEBO_MODE="record", PLACEBO_DIR="somewhere", AWS_DEFAULT_REGION="ap-south-1")
    settings = read_env()
    assert (settings.mode, settings.directory, settings.region) == (Mode.RECORD, "somewhere", "ap-south-1")


@pytest.mark.parametrize("text, mode", [
    ("record", Mode.RECORD), ("playback", Mode.PLAYBACK), ("once", Mode.ONCE), ("live", Mode.LIVE),
    ("PLAYBACK", Mode.PLAYBACK), (" Record\n", Mode.RECORD),
])
def test_modes(text, mode):
    assert read_env({"PLACEBO_MODE": text}).mode is mode


@pytest.mark.parametrize("name", VARIABLES)
@pytest.mark.parametrize("empty", ["", "   ", "\t\n"])
def test_empty_means_unset(name, empty):
    assert read_env({name: empty}) == Settings()


@pytest.mark.parametrize("value", ["replay", "recording", "1", "true"])
def test_a_wrong_mode_names_the_variable_and_the_valid_values(value):
    with pytest.raises(ConfigurationError) as caught:
        read_env({"PLACEBO_MODE": value})
    error = caught.value
    message = str(error)
    assert "PLACEBO_MODE" in message and repr(value) in message
    for valid in ("'record'", "'playback'", "'once'", "'live'"):
        assert valid in message
    assert error.name == "PLACEBO_MODE" and error.value == value
    assert error.valid == ("record", "playback", "once", "live", "record-missing")
    assert isinstance(error, ValueError) and isinstance(error, PlaceboError)
    assert not isinstance(error, UnknownFormatError)


@pytest.mark.parametrize("value", ["yaml", "jsn", "pkl"])
def test_a_wrong_format_names_the_variable_and_the_valid_values(value):
    with pytest.raises(UnknownFormatError) as caught:
        read_env({"PLACEBO_FORMAT": value})
    message = str(caught.value)
    assert "PLACEBO_FORMAT" in message and repr(value) in message
    assert "'json'" in message and "'pickle'" in message
    assert isinstance(caught.value, ConfigurationError)


def test_formats_in_any_case():
    assert read_env({"PLACEBO_FORMAT": "JSON"}).record_format is RecordFormat.JSON
    assert read_env({"PLACEBO_FORMAT": " Pickle "}).record_format is RecordFormat.PICKLE


def test_coerce():
    assert coerce(OnExhausted, OnExhausted.ERROR, "on_exhausted") is OnExhausted.ERROR
    assert coerce(OnExhausted, "Repeat_Last", "on_exhausted") is OnExhausted.REPEAT_LAST
    assert str(Mode.ONCE) == "once"
    with pytest.raises(ConfigurationError) as caught:
        coerce(OnExhausted, 3, "on_exhausted")
    assert "on_exhausted" in str(caught.value)


# -- attach() ---------------------------------------------------------------------------
def test_attach_defaults_to_placebo_in_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pill = placebo_unittest.attach(fast_session())
    assert pill.data_path == os.path.join(str(tmp_path), "placebo")
    assert os.listdir(str(tmp_path)) == []  # nothing is made until something is recorded
    pill.save_response("ec2", "DescribeAddresses", {"Addresses": []})
    assert os.listdir(str(tmp_path / "placebo")) == ["ec2.DescribeAddresses_1.json"]


def test_attach_uses_placebo_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.environ["PLACEBO_DIR"] = str(tmp_path / "from-env")
    pill = placebo_unittest.attach(fast_session())
    assert pill.data_path == str(tmp_path / "from-env")
    pill.save_response("ec2", "DescribeAddresses", {"Addresses": []})
    assert os.listdir(str(tmp_path)) == ["from-env"]


def test_an_explicit_directory_wins_over_placebo_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.environ["PLACEBO_DIR"] = str(tmp_path / "from-env")
    assert placebo_unittest.attach(fast_session(), str(tmp_path / "mine")).data_path == str(tmp_path / "mine")
    assert placebo_unittest.attach(fast_session(), tmp_path / "path").data_path == str(tmp_path / "path")


def test_placebo_format_is_the_default_format_and_the_argument_wins(tmp_path):
    os.environ["PLACEBO_FORMAT"] = "pickle"
    assert placebo_unittest.attach(fast_session(), str(tmp_path)).record_format == "pickle"
    assert placebo_unittest.attach(fast_session(), str(tmp_path), record_format="json").record_format == "json"
    del os.environ["PLACEBO_FORMAT"]
    assert placebo_unittest.attach(fast_session(), str(tmp_path)).record_format == "json"
    pill = placebo_unittest.attach(fast_session(), str(tmp_path), record_format=RecordFormat.PICKLE)
    assert pill.record_format == "pickle"


def test_a_wrong_variable_fails_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.environ["PLACEBO_MODE"] = "sometimes"
    with pytest.raises(ConfigurationError) as caught:
        placebo_unittest.attach(fast_session())
    assert "PLACEBO_MODE" in str(caught.value)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("text, value", [
    ("1", True), ("on", True), ("TRUE", True), ("yes", True), ("0", False), ("off", False), ("False", False),
    ("no", False), (" 0\n", False),
])
def test_gc_freeze_is_a_switch(text, value):
    assert read_env({"PLACEBO_GC_FREEZE": text}).gc_freeze is value


@pytest.mark.parametrize("value", ["2", "maybe", "disabled"])
def test_a_wrong_gc_freeze_names_the_variable_and_the_valid_values(value):
    with pytest.raises(ConfigurationError) as raised:
        read_env({"PLACEBO_GC_FREEZE": value})
    assert isinstance(raised.value, PlaceboError)
    message = str(raised.value)
    assert "PLACEBO_GC_FREEZE" in message and repr(value) in message and "'1', '0'" in message


@pytest.mark.parametrize("text, names", [
    ("personal_data", ("personal_data",)),
    (" personal_data , response_metadata ", ("personal_data", "response_metadata")),
    ("personal_data,,", ("personal_data",)),
])
def test_placebo_redact_is_a_list_of_names(text, names):
    assert read_env({"PLACEBO_REDACT": text}).redact == names
