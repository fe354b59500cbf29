"""The per-call core on its own: no session, no client, no botocore events.

Each test drives a :class:`CallCore` with an ``OperationModel`` from
botocore's loader and a temporary directory, as a sync or async shell would.
"""
import datetime as dt
import io
import json
import os

import botocore.loaders
import pytest
from botocore.model import ServiceModel
from botocore.response import StreamingBody

from placebo_unittest import calls
from placebo_unittest.config import Match, OnExhausted, RecordFormat
from placebo_unittest.core import CallCore, build_response, encode_response
from placebo_unittest.errors import (
    NotAttachedError,
    PickleNotAllowedError,
    RecordingExhaustedError,
    RecordingNotFoundError,
    UnserializableValueError,
)
from placebo_unittest.matching import RequestMismatchError
from placebo_unittest.serializer import Loaded
from placebo_unittest.storage import RecordingStore

_LOADER = botocore.loaders.create_loader()
_SERVICES = {}


def operation(service, name):
    if service not in _SERVICES:
        _SERVICES[service] = ServiceModel(_LOADER.load_service_model(service, "service-2"), service)
    return _SERVICES[service].operation_model(name)


ADDRESSES = operation("ec2", "DescribeAddresses")
QUEUE_URL = operation("sqs", "GetQueueUrl")
GET_OBJECT = operation("s3", "GetObject")


def make_core(directory, **options):
    core = CallCore(**options)
    core.store = RecordingStore(str(directory))
    return core


def record(core, model, data, params=None, status=200, service=None):
    """Write ``data`` as the next recording of ``model``, as the pill's record path does."""
    service = service or model.service_model.endpoint_prefix
    request = core.stored_form(model, params) if params is not None else None
    recording = core.finish(model, encode_response(service, model.name, data, status), request)
    return core.write(service, model.name, recording)


def ip(data):
    return data["Addresses"][0]["PublicIp"]


@pytest.fixture
def recorded(tmp_path):
    """Three recordings of ec2.DescribeAddresses, and the directory they are in."""
    writer = make_core(tmp_path)
    for n in (1, 2, 3):
        record(writer, ADDRESSES, {"Addresses": [{"PublicIp": f"10.0.0.{n}"}]})
    return tmp_path


# -- choosing numbered recordings ---------------------------------------------------------
@pytest.mark.parametrize(("policy", "expected"), [
    ("cycle", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2"]),
    ("repeat_last", ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.3", "10.0.0.3"]),
])
def test_numbered_recordings_past_the_last_follow_on_exhausted(recorded, policy, expected):
    core = make_core(recorded, on_exhausted=policy)
    answers = [core.answer(ADDRESSES, None, {}) for _ in expected]
    assert [ip(data) for _status, data in answers] == expected
    assert all(type(status) is int and status == 200 for status, _data in answers)
    assert core.replayed == 5 and core.missing == []
    assert core.index == {"ec2.DescribeAddresses": 6}
    assert [(c.service, c.operation, c.source) for c in core.calls] == [
        ("ec2", "DescribeAddresses", calls.RECORDING)] * 5
    assert core.calls.find()[3].path == str(recorded / f"ec2.DescribeAddresses_{expected[3][-1]}.json")


def test_on_exhausted_error_raises_past_the_last_and_counts_it_missing(recorded):
    core = make_core(recorded, on_exhausted=OnExhausted.ERROR)
    for _ in range(3):
        core.answer(ADDRESSES, None, {})
    with pytest.raises(RecordingExhaustedError) as caught:
        core.answer(ADDRESSES, None, {})
    assert caught.value.call_number == 4
    assert "only 3 responses are recorded" in str(caught.value)
    assert core.missing == [str(recorded / "ec2.DescribeAddresses_4.json")]
    assert core.replayed == 3


def test_choose_numbers_calls_from_one_and_restart_starts_over(recorded):
    core = make_core(recorded)
    stem, name = "ec2", "DescribeAddresses"
    assert [core.next_call(stem, name) for _ in range(2)] == [1, 2]
    assert core.choose(stem, name, 2) == (str(recorded / "ec2.DescribeAddresses_2.json"), "json")
    assert core.choose(stem, name, 5) == (str(recorded / "ec2.DescribeAddresses_2.json"), "json")  # cycled
    core.serve(*core.choose(stem, name, 1), "ec2", name, ADDRESSES, None, 1)
    assert core.unused_recordings() == [str(recorded / f"ec2.DescribeAddresses_{n}.json") for n in (2, 3)]
    core.restart()
    assert core.index == {} and len(core.unused_recordings()) == 3
    assert core.next_call(stem, name) == 1


def test_a_prefix_names_the_files_and_the_index_keys(tmp_path):
    writer = make_core(tmp_path, prefix="nightly")
    path = record(writer, ADDRESSES, {"Addresses": [{"PublicIp": "10.9.9.9"}]})
    assert os.path.basename(path) == "nightly.ec2.DescribeAddresses_1.json"
    core = make_core(tmp_path, prefix="nightly")
    assert ip(core.answer(ADDRESSES, None, None)[1]) == "10.9.9.9"
    assert core.index == {"nightly.ec2.DescribeAddresses": 2}


def test_the_route_prefers_the_name_that_has_recordings(tmp_path):
    sesv2 = operation("sesv2", "GetAccount")
    writer = make_core(tmp_path)
    record(writer, sesv2, {"SendingEnabled": True}, service="email")  # as placebo named it
    core = make_core(tmp_path)
    assert core.route(sesv2) == ("email", "email")
    status, data = core.answer(sesv2, None, None)
    assert (status, data["SendingEnabled"]) == (200, True)
    assert make_core(tmp_path / "empty").route(sesv2) == ("sesv2", "sesv2")


# -- missing recordings -------------------------------------------------------------------
def test_a_missing_recording_is_an_error_and_kept_in_missing(tmp_path):
    core = make_core(tmp_path)
    core.label = "Case.test_it"
    with pytest.raises(RecordingNotFoundError) as caught:
        core.answer(ADDRESSES, None, {"Filters": []})
    error = caught.value
    expected = str(tmp_path / "ec2.DescribeAddresses_1.json")
    assert isinstance(error, FileNotFoundError)
    assert (error.service, error.operation, error.call_number, error.path) == (
        "ec2", "DescribeAddresses", 1, expected)
    assert str(error).startswith("Case.test_it: No recorded response for call 1 of ec2.DescribeAddresses")
    assert core.missing == [expected]
    assert core.replayed == 0 and len(core.calls) == 0
    with pytest.raises(RecordingNotFoundError):
        core.answer(ADDRESSES, None, {})
    assert core.missing == [expected, str(tmp_path / "ec2.DescribeAddresses_2.json")]


def test_a_pickle_recording_is_refused_unless_chosen_and_not_counted_missing(tmp_path):
    writer = make_core(tmp_path, record_format=RecordFormat.PICKLE)
    path = record(writer, ADDRESSES, {"Addresses": [{"PublicIp": "10.1.1.1"}]})
    assert path.endswith("ec2.DescribeAddresses_1.pickle")
    core = make_core(tmp_path)
    with pytest.raises(PickleNotAllowedError):
        core.answer(ADDRESSES, None, {})
    assert core.missing == []
    with pytest.raises(PickleNotAllowedError):
        core.serve(path, "pickle", "ec2", "DescribeAddresses", ADDRESSES, None, 1)
    assert ip(make_core(tmp_path, record_format="pickle").answer(ADDRESSES, None, {})[1]) == "10.1.1.1"


def test_without_a_store_every_step_says_the_pill_is_not_attached():
    core = CallCore()
    for step in (lambda: core.answer(ADDRESSES, None, {}),
                 lambda: core.choose("ec2", "DescribeAddresses", 1),
                 lambda: core.new_path("ec2", "DescribeAddresses"),
                 core.unused_recordings):
        with pytest.raises(NotAttachedError, match="not attached to a session"):
            step()


# -- request-aware playback ---------------------------------------------------------------
@pytest.fixture
def queues(tmp_path):
    writer = make_core(tmp_path)
    for name in ("alpha", "beta", "gamma"):
        record(writer, QUEUE_URL, {"QueueUrl": f"https://sqs/{name}"}, params={"QueueName": name})
    return tmp_path


def live(core, **params):
    return core.stored_form(QUEUE_URL, params)


def test_params_matching_answers_each_call_with_its_own_recording(queues):
    core = make_core(queues, match="params")
    asked = ["gamma", "alpha", "beta"]
    urls = [core.answer(QUEUE_URL, live(core, QueueName=n), {"QueueName": n})[1]["QueueUrl"] for n in asked]
    assert urls == ["https://sqs/gamma", "https://sqs/alpha", "https://sqs/beta"]
    assert [c.path for c in core.calls] == [str(queues / f"sqs.GetQueueUrl_{n}.json") for n in (3, 1, 2)]
    assert core.unused_recordings() == []


def test_params_matching_with_no_match_names_the_closest_recording(queues):
    core = make_core(queues, match=Match.PARAMS)
    with pytest.raises(RequestMismatchError) as caught:
        core.answer(QUEUE_URL, live(core, QueueName="delta"), {})
    assert caught.value.operation == "GetQueueUrl" and "delta" in str(caught.value)
    assert core.replayed == 0


def test_params_matching_past_the_last_follows_on_exhausted(queues):
    cycling = make_core(queues, match="params")
    repeating = make_core(queues, match="params", on_exhausted="repeat_last")
    failing = make_core(queues, match="params", on_exhausted="error")
    for core in (cycling, repeating, failing):
        for name in ("alpha", "beta", "gamma"):
            core.answer(QUEUE_URL, live(core, QueueName=name), {})
    assert cycling.answer(QUEUE_URL, live(cycling, QueueName="beta"), {})[1]["QueueUrl"] == "https://sqs/beta"
    assert repeating.answer(QUEUE_URL, live(repeating, QueueName="beta"), {})[1]["QueueUrl"] == "https://sqs/beta"
    with pytest.raises(RecordingExhaustedError):
        failing.answer(QUEUE_URL, live(failing, QueueName="beta"), {})
    assert failing.missing == [str(queues / "sqs.GetQueueUrl_4.json")]


def test_params_matching_without_the_calls_parameters_serves_in_order(queues):
    core = make_core(queues, match="params")
    assert core.answer(QUEUE_URL, None, {})[1]["QueueUrl"] == "https://sqs/alpha"


def test_verify_fails_a_call_whose_parameters_differ_but_counts_it_served(queues):
    core = make_core(queues, match="verify")
    assert core.answer(QUEUE_URL, live(core, QueueName="alpha"), {})[1]["QueueUrl"] == "https://sqs/alpha"
    with pytest.raises(RequestMismatchError) as caught:
        core.answer(QUEUE_URL, live(core, QueueName="gamma"), {"QueueName": "gamma"})
    error = caught.value
    assert (error.service, error.operation, error.call_number) == ("sqs", "GetQueueUrl", 2)
    assert "beta" in str(error) and "gamma" in str(error)
    assert core.replayed == 1
    assert core.unused_recordings() == [str(queues / "sqs.GetQueueUrl_3.json")]


def test_order_matching_never_looks_at_the_parameters(queues):
    core = make_core(queues)
    assert core.answer(QUEUE_URL, live(core, QueueName="gamma"), {})[1]["QueueUrl"] == "https://sqs/alpha"


# -- building the response ----------------------------------------------------------------
def test_the_default_build_gives_botocores_types(tmp_path):
    writer = make_core(tmp_path)
    when = dt.datetime(2021, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    record(writer, GET_OBJECT, {"Body": StreamingBody(io.BytesIO(b"hi\x00"), 3), "LastModified": when})
    status, data = make_core(tmp_path).answer(GET_OBJECT, None, {})
    assert status == 200
    assert type(data["Body"]) is StreamingBody and data["Body"].read() == b"hi\x00"
    assert data["LastModified"] == when and data["LastModified"].utcoffset() == when.utcoffset()


def test_the_build_step_is_replaceable_and_told_about_legacy_types(recorded):
    seen = []

    def build(loaded, model, legacy_types):
        seen.append((type(loaded), model, legacy_types))
        status, data = build_response(loaded, model, legacy_types)
        return status, {"Built": data}

    core = make_core(recorded, build=build, legacy_types=True)
    status, data = core.answer(ADDRESSES, None, {})
    assert (status, ip(data["Built"])) == (200, "10.0.0.1")
    assert seen == [(Loaded, ADDRESSES, True)]


def test_legacy_types_give_a_placebo_file_the_models_types(tmp_path):
    placebos = {"status_code": 200, "data": {"Plaintext": "aGk=", "KeyId": "k"}}  # no section of ours
    (tmp_path / "kms.Decrypt_1.json").write_text(json.dumps(placebos), encoding="utf-8")
    decrypt = operation("kms", "Decrypt")
    assert make_core(tmp_path).answer(decrypt, None, {})[1]["Plaintext"] == "aGk="
    assert make_core(tmp_path, legacy_types=True).answer(decrypt, None, {})[1]["Plaintext"] == b"hi"


# -- queued responses ---------------------------------------------------------------------
def test_queued_responses_answer_first_and_check_expected_parameters(tmp_path):
    core = make_core(tmp_path)
    core.queue("sqs", "GetQueueUrl", encode_response("sqs", "GetQueueUrl", {"QueueUrl": "q1"}, 200))
    core.queue("sqs", "GetQueueUrl", encode_response("sqs", "GetQueueUrl", {"QueueUrl": "q2"}, 200),
               expected_params={"QueueName": "two"})
    assert core.queued.expects_params
    assert core.answer_queued(QUEUE_URL, live(core, QueueName="one"), {"QueueName": "one"}) == (
        200, {"QueueUrl": "q1"})
    with pytest.raises(RequestMismatchError) as caught:
        core.answer_queued(QUEUE_URL, live(core, QueueName="three"), {"QueueName": "three"})
    assert caught.value.call_number == 2
    assert core.answer_queued(QUEUE_URL, None, {}) is None
    assert [(c.source, c.path) for c in core.calls] == [
        (calls.QUEUED, "<queued response 1 for sqs.GetQueueUrl>")]
    assert core.replayed == 0


# -- recording ----------------------------------------------------------------------------
def test_recordings_are_numbered_in_order_after_those_already_there(recorded):
    core = make_core(recorded)
    assert core.new_path("ec2", "DescribeAddresses") == str(recorded / "ec2.DescribeAddresses_4.json")
    paths = [record(core, ADDRESSES, {"Addresses": []}) for _ in range(2)]
    assert paths == [str(recorded / f"ec2.DescribeAddresses_{n}.json") for n in (4, 5)]
    assert core.recorded == paths
    assert core.new_path("ec2", "DescribeAddresses") == str(recorded / "ec2.DescribeAddresses_6.json")


def test_write_can_be_told_where(tmp_path):
    core = make_core(tmp_path)
    chosen = tmp_path / "elsewhere" / "mine.json"
    recording = encode_response("ec2", "DescribeAddresses", {"Addresses": []}, 200)
    path = core.write("ec2", "DescribeAddresses", recording, lambda service, op: chosen)
    assert path == str(chosen) and core.recorded == [str(chosen)]
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle)["data"] == {"Addresses": []}


def test_finish_redacts_the_response_and_keeps_the_stored_request(tmp_path):
    core = make_core(tmp_path)
    credentials = operation("sts", "GetSessionToken")
    data = {"Credentials": {"AccessKeyId": "ASIAREALKEY", "SecretAccessKey": "real-secret",
                            "SessionToken": "real-token",
                            "Expiration": dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)}}
    request = core.stored_form(credentials, {"DurationSeconds": 900})
    recording = core.finish(credentials, encode_response("sts", "GetSessionToken", data, 200), request)
    path = core.write("sts", "GetSessionToken", recording)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    assert "real-secret" not in text and "real-token" not in text
    assert json.loads(text)["placebo_unittest"]["request"] == {"DurationSeconds": 900}
    assert make_core(tmp_path).answer(credentials, None, {})[1]["Credentials"]["Expiration"] == data[
        "Credentials"]["Expiration"]


def test_finish_anonymises_account_ids_in_the_response_and_the_request(tmp_path):
    core = make_core(tmp_path, anonymize_accounts="999999999999")
    identity = operation("sts", "GetCallerIdentity")
    data = {"Account": "123412341234", "Arn": "arn:aws:iam::123412341234:user/me", "UserId": "AIDA"}
    recording = core.finish(identity, encode_response("sts", "GetCallerIdentity", data, 200),
                            {"Note": "123412341234"})
    assert recording.request == {"Note": "999999999999"}
    assert recording.accounts["replacement"] == "999999999999"
    with open(core.write("sts", "GetCallerIdentity", recording), encoding="utf-8") as handle:
        assert "123412341234" not in handle.read()


def test_an_unserializable_value_is_an_error_naming_the_operation():
    with pytest.raises(UnserializableValueError, match=r"^ec2\.DescribeAddresses: "):
        encode_response("ec2", "DescribeAddresses", {"Addresses": [object()]}, 200)


def test_calls_that_went_live_are_counted(tmp_path):
    core = make_core(tmp_path)
    core.went_live(ADDRESSES, {"Filters": []})
    assert core.live_calls == 1
    assert core.calls.find("ec2", "describe_addresses")[0].params == {"Filters": []}
