"""Request-aware playback through the Pill: recordings keep the call's
parameters, and playback serves by order, verifies them, or matches on them.

Recording runs talk to moto's server on 127.0.0.1; every replay runs with the
network blocked.
"""
import hashlib
import io
import json
import os
import shutil
import threading

import pytest
from boto3.s3.transfer import TransferConfig

import placebo_unittest
from placebo_unittest import Call, RequestMismatchError

from conftest import make_session, network_blocked
from recording_helpers import DEAD_ENDPOINT, load_file, recording_files

LEGACY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "legacy", "placebo")


def record(directory, moto_url, scenario, **options):
    session = make_session()
    pill = placebo_unittest.attach(session, str(directory), **options)
    pill.record()
    result = scenario(session, moto_url)
    pill.stop()
    return pill, result


def replay(directory, scenario, **options):
    session = make_session()
    pill = placebo_unittest.attach(session, str(directory), **options)
    pill.playback()
    with network_blocked():
        result = scenario(session, DEAD_ENDPOINT)
    return pill, result


# -- requests are stored with each recording -------------------------------------------
@pytest.mark.recording
def test_each_recording_stores_the_parameters_as_the_caller_wrote_them(tmp_path, moto):
    body = bytes(range(256)) * 64

    def scenario(session, url):
        s3 = session.client("s3", endpoint_url=url)
        s3.create_bucket(Bucket="requests")
        s3.put_object(Bucket="requests", Key="blob", Body=body)
        handle = io.BytesIO(b"from a file")
        s3.put_object(Bucket="requests", Key="file", Body=handle)
        ec2 = session.client("ec2", endpoint_url=url)
        ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1)  # a ClientToken is added
        return handle.tell()

    pill, position = record(tmp_path, moto.url, scenario)
    stored = load_file(tmp_path, "s3.PutObject_1.json")["placebo_unittest"]["request"]
    assert stored["Bucket"] == "requests" and stored["Key"] == "blob"
    assert stored["Body"]["length"] == len(body)
    assert stored["Body"]["sha256"] == hashlib.sha256(body).hexdigest()
    text = (tmp_path / "s3.PutObject_1.json").read_text()
    assert body[:64].hex() not in text  # the content is not stored
    from_file = load_file(tmp_path, "s3.PutObject_2.json")["placebo_unittest"]["request"]["Body"]
    assert from_file["sha256"] == hashlib.sha256(b"from a file").hexdigest()
    assert position == len(b"from a file")  # the upload itself read the whole file
    run = load_file(tmp_path, "ec2.RunInstances_1.json")["placebo_unittest"]["request"]
    assert run == {"ImageId": "ami-12c6146b", "MaxCount": 1, "MinCount": 1}  # no ClientToken
    assert [c.operation for c in pill.calls] == ["CreateBucket", "PutObject", "PutObject", "RunInstances"]


# -- order, verify, params --------------------------------------------------------------
def queue_urls(names):
    def scenario(session, url):
        sqs = session.client("sqs", endpoint_url=url)
        for name in ("alpha", "beta", "gamma"):
            if url != DEAD_ENDPOINT:
                sqs.create_queue(QueueName=name)
        return [sqs.get_queue_url(QueueName=name)["QueueUrl"] for name in names]
    return scenario


@pytest.mark.recording
def test_reordered_calls_replay_correctly_under_params(tmp_path, moto):
    _pill, live = record(tmp_path, moto.url, queue_urls(["alpha", "beta", "gamma"]))
    by_name = dict(zip(["alpha", "beta", "gamma"], live, strict=True))

    _pill, replayed = replay(tmp_path, queue_urls(["gamma", "alpha", "beta"]), match="params")
    assert replayed == [by_name["gamma"], by_name["alpha"], by_name["beta"]]

    _pill, in_order = replay(tmp_path, queue_urls(["gamma", "alpha", "beta"]), match="order")
    assert in_order == live  # placebo's way: served by position, whatever was asked

    with pytest.raises(RequestMismatchError) as caught:
        replay(tmp_path, queue_urls(["gamma", "alpha", "beta"]), match="verify")
    message = str(caught.value)
    assert "sqs.GetQueueUrl call 1" in message
    assert "QueueName: recorded 'alpha', called with 'gamma'" in message
    assert caught.value.differences[0].path == "QueueName"


@pytest.mark.recording
def test_a_changed_parameter_fails_under_verify_with_the_difference(tmp_path, moto):
    def get_role(name, tags=None):
        def scenario(session, url):
            iam = session.client("iam", endpoint_url=url)
            if url != DEAD_ENDPOINT:
                iam.create_role(RoleName="reader", AssumeRolePolicyDocument="{}")
            iam.list_roles(PathPrefix="/", MaxItems=10)
            return iam.get_role(RoleName=name)["Role"]["RoleName"]
        return scenario

    record(tmp_path, moto.url, get_role("reader"))
    _pill, name = replay(tmp_path, get_role("reader"), match="verify")
    assert name == "reader"

    with pytest.raises(RequestMismatchError) as caught:
        replay(tmp_path, get_role("writer"), match="verify")
    error = caught.value
    assert (error.service, error.operation, error.call_number) == ("iam", "GetRole", 1)
    assert error.path.endswith("iam.GetRole_1.json")
    assert "RoleName: recorded 'reader', called with 'writer'" in str(error)
    assert "ignore_params=['RoleName']" in str(error)

    _pill, name = replay(tmp_path, get_role("writer"), match="verify", ignore_params=["RoleName"])
    assert name == "reader"  # ignored: the recording is served as it is


def test_the_match_mode_comes_from_the_argument_then_PLACEBO_MATCH(tmp_path, monkeypatch):
    monkeypatch.setenv("PLACEBO_MATCH", "params")
    assert placebo_unittest.attach(make_session(), str(tmp_path)).match == "params"
    assert placebo_unittest.attach(make_session(), str(tmp_path), match="verify").match == "verify"
    monkeypatch.setenv("PLACEBO_MATCH", "sorted")
    with pytest.raises(placebo_unittest.ConfigurationError) as caught:
        placebo_unittest.attach(make_session(), str(tmp_path))
    assert "PLACEBO_MATCH" in str(caught.value) and "'params'" in str(caught.value)
    monkeypatch.delenv("PLACEBO_MATCH")
    assert placebo_unittest.attach(make_session(), str(tmp_path)).match == "order"


@pytest.mark.parametrize("match", ["order", "verify", "params"])
def test_files_without_stored_requests_replay_in_order_under_every_mode(tmp_path, match):
    directory = str(tmp_path / "legacy")
    shutil.copytree(LEGACY, directory)

    def scenario(session, url):
        ec2 = session.client("ec2", endpoint_url=url)
        found = [ec2.describe_addresses(PublicIps=[ip])["Addresses"]
                 for ip in ("203.0.113.99", "198.51.100.1")]
        user = session.client("iam", endpoint_url=url).get_user(UserName="anyone")["User"]
        return found, user["Arn"]

    _pill, (found, arn) = replay(directory, scenario, match=match)
    with open(os.path.join(LEGACY, "ec2.DescribeAddresses_1.json")) as first, \
            open(os.path.join(LEGACY, "ec2.DescribeAddresses_2.json")) as second:
        expected = [json.load(f)["data"]["Addresses"] for f in (first, second)]
    assert found == expected and found[0][0]["PublicIp"] == "203.0.113.10" and found[1] == []
    assert arn.startswith("arn:aws:iam::")


# -- s3transfer: parallel ranged downloads -----------------------------------------------
@pytest.mark.recording
def test_a_threaded_multipart_download_replays_under_params(tmp_path, moto):
    content = os.urandom(6 * 1024 * 1024 + 12345)
    config = TransferConfig(multipart_threshold=1024 * 1024, multipart_chunksize=1024 * 1024,
                            max_concurrency=4, use_threads=True)
    recordings = tmp_path / "recordings"

    def scenario(session, url):
        s3 = session.client("s3", endpoint_url=url)
        if url != DEAD_ENDPOINT:
            s3.create_bucket(Bucket="transfer")
            s3.put_object(Bucket="transfer", Key="big", Body=content)
        target = tmp_path / f"downloaded-{url == DEAD_ENDPOINT}"
        threads = set()
        original = s3.get_object

        def spying_get_object(**kwargs):
            threads.add(threading.get_ident())
            return original(**kwargs)

        s3.get_object = spying_get_object
        s3.download_file("transfer", "big", str(target), Config=config)
        return target.read_bytes(), len(threads)

    record_pill, (live, live_threads) = record(recordings, moto.url, scenario)
    assert live == content
    ranges = [c.params["Range"] for c in record_pill.find_calls("s3", "get_object")]
    assert len(ranges) == 7 and len(set(ranges)) == 7
    assert live_threads > 1

    replay_pill, (replayed, _threads) = replay(recordings, scenario, match="params")
    assert replayed == content
    assert [os.path.basename(p) for p in replay_pill.unused_recordings()] == [
        "s3.CreateBucket_1.json", "s3.PutObject_1.json"]  # made before the download, not replayed
    served = {c.params["Range"]: os.path.basename(c.path) for c in replay_pill.find_calls("s3", "GetObject")}
    for name in recording_files(recordings):
        if name.startswith("s3.GetObject_"):
            request = load_file(recordings, name)["placebo_unittest"]["request"]
            assert served[request["Range"]] == name  # each range got its own recording


# -- queued responses with expected parameters ---------------------------------------------
def test_queued_responses_check_expected_params(tmp_path, no_network_here):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.queue_response("sqs", "get_queue_url", {"QueueUrl": "https://q/1"},
                        expected_params={"QueueName": "jobs"})
    pill.queue_response("sqs", "GetQueueUrl", {"QueueUrl": "https://q/2"})
    sqs = session.client("sqs", endpoint_url=DEAD_ENDPOINT)
    assert sqs.get_queue_url(QueueName="jobs")["QueueUrl"] == "https://q/1"
    assert sqs.get_queue_url(QueueName="anything")["QueueUrl"] == "https://q/2"  # no expectation

    pill.queue_response("sqs", "GetQueueUrl", {"QueueUrl": "https://q/3"},
                        expected_params={"QueueName": "jobs"})
    with pytest.raises(RequestMismatchError) as caught:
        sqs.get_queue_url(QueueName="mail")
    assert "QueueName: recorded 'jobs', called with 'mail'" in str(caught.value)


@pytest.fixture
def no_network_here():
    with network_blocked():
        yield


# -- the spy API ---------------------------------------------------------------------------
def test_every_call_is_on_the_pill_with_what_answered_it(tmp_path, no_network_here):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.save_response("iam", "ListRoles", {"Roles": [], "IsTruncated": False})
    pill.queue_response("sts", "GetCallerIdentity", {"Account": "123456789012"})
    pill.playback()
    iam = session.client("iam", endpoint_url=DEAD_ENDPOINT)
    filters = {"PathPrefix": "/app/"}
    iam.list_roles(**filters)
    filters["PathPrefix"] = "/changed-after-the-call/"
    session.client("sts", endpoint_url=DEAD_ENDPOINT).get_caller_identity()
    first, second = pill.calls
    assert first == Call("iam", "ListRoles", {"PathPrefix": "/app/"}, "recording",
                         str(tmp_path / "iam.ListRoles_1.json"))
    assert (second.service, second.operation, second.params, second.source) == (
        "sts", "GetCallerIdentity", {}, "queued")
    assert pill.find_calls("iam", "list_roles") == [first]
    assert pill.find_calls(operation="GetCallerIdentity") == [second]
    assert "iam.ListRoles(PathPrefix='/app/') <- " in pill.describe_calls()
