"""Sealed tests: in playback no request reaches the network, whichever session
or client the code under test uses.

Every playback here runs with fake AWS credentials in the environment, so a
leaking call would really try to reach AWS, and with the socket guard on (in
CI also inside a network namespace with no network at all).
"""
import io
import os
from unittest import mock

import boto3
import botocore.client
import botocore.endpoint
import botocore.session
import pytest
from boto3.s3.transfer import TransferConfig

from placebo_unittest import ConfigurationError, PlaceboTestCase
from placebo_unittest.seal import ForeignClientError, NetworkInPlaybackError
from placebo_unittest.utils import placebo_session

from testcase_helpers import assert_passed, environment, listing, moto_env, network_blocked, report, run

# AWS_MAX_ATTEMPTS: a call refused by the socket guard fails at once, not after retries with backoff.
LEAKY_ENV = dict(AWS_ACCESS_KEY_ID="AKIAPLACEBOLEAKCHECK", AWS_SECRET_ACCESS_KEY="leak/check/secret",
                 AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1")
IDENTITY = {"UserId": "AIDAPLACEBOSEALED01", "Account": "123456789012",
            "Arn": "arn:aws:iam::123456789012:user/sealed"}
BOTOCORE = (botocore.client.BaseClient.__dict__["_make_api_call"],
            botocore.session.Session.__dict__["create_client"],
            botocore.endpoint.Endpoint.__dict__["make_request"])


def botocore_untouched():
    return (botocore.client.BaseClient.__dict__["_make_api_call"],
            botocore.session.Session.__dict__["create_client"],
            botocore.endpoint.Endpoint.__dict__["make_request"]) == BOTOCORE


MAKERS = {
    "boto3.session.Session()": lambda: boto3.session.Session().client("sts"),
    "boto3.Session()": lambda: boto3.Session(region_name="eu-west-1").client("sts"),
    "botocore.session.get_session()": lambda: botocore.session.get_session().create_client(
        "sts", region_name="us-east-1"),
}


def replaying(tmp_path, body, **attributes):
    """A PlaceboTestCase whose recording is GetCallerIdentity, saved by hand."""
    class Sealed(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def setUp(self):
            super().setUp()
            self.pill.save_response("sts", "GetCallerIdentity", IDENTITY)

        def test_it(self):
            body(self)

    for name, value in attributes.items():
        setattr(Sealed, name, value)
    with environment(tmp_path, **LEAKY_ENV), network_blocked():
        result = run(Sealed)
    assert botocore_untouched()
    return result


@pytest.mark.parametrize("maker", sorted(MAKERS))
def test_a_client_of_another_session_is_adopted_and_replays(tmp_path, maker):
    seen = []

    def body(test):
        seen.append(MAKERS[maker]().get_caller_identity()["UserId"])

    result = replaying(tmp_path, body)
    assert result.wasSuccessful(), report(result)
    assert seen == ["AIDAPLACEBOSEALED01"]


@pytest.mark.parametrize("maker", sorted(MAKERS))
def test_a_client_of_another_session_can_be_refused_instead(tmp_path, maker):
    def body(test):
        client = MAKERS[maker]()
        with test.assertRaises(ForeignClientError) as caught:
            client.get_caller_identity()
        test.assertIn("a call to sts.GetCallerIdentity", str(caught.exception))
        test.assertIn("Sealed.test_it", str(caught.exception))
        test.pill.save_response("sts", "GetCallerIdentity", IDENTITY)  # keep strictness happy
        test.client("sts").get_caller_identity()
        test.client("sts").get_caller_identity()

    result = replaying(tmp_path, body, placebo_foreign_clients="refuse")
    assert result.wasSuccessful(), report(result)


def test_a_client_made_before_the_test_is_adopted_then_released(tmp_path):
    with environment(tmp_path, **LEAKY_ENV):
        made_at_import = boto3.session.Session().client("sts")  # as a module would, at import
    seen = []

    def body(test):
        seen.append(made_at_import.get_caller_identity()["Account"])
        seen.append(test.pill)

    result = replaying(tmp_path, body)
    assert result.wasSuccessful(), report(result)
    account, pill = seen
    assert account == "123456789012"
    assert not pill.has_client(made_at_import) and made_at_import not in pill.clients
    # Released: outside any test, the client is on its own again and its call is not replayed.
    with environment(tmp_path, **LEAKY_ENV), network_blocked(), pytest.raises(Exception) as caught:
        made_at_import.get_caller_identity()
    assert "placebo" not in type(caught.value).__module__


def test_a_request_that_escapes_the_pill_is_stopped_before_the_network(tmp_path):
    def body(test):
        sts = test.client("sts")
        test.pill.remove_client(sts)
        sts.get_caller_identity()  # adopted again on its way, so still replayed
        operation = sts.meta.service_model.operation_model("GetCallerIdentity")
        request = {"url_path": "/", "query_string": "", "method": "POST", "headers": {}, "body": b"",
                   "url": sts.meta.endpoint_url, "context": {}}
        with test.assertRaises(NetworkInPlaybackError) as caught:  # straight to the endpoint
            sts._endpoint.make_request(operation, request)
        test.assertIn("sts.GetCallerIdentity was about to be sent to", str(caught.exception))

    result = replaying(tmp_path, body)
    assert result.wasSuccessful(), report(result)


def test_allow_turns_the_seal_off(tmp_path):
    def body(test):
        test.assertTrue(botocore_untouched())
        with mock.patch.dict(os.environ, AWS_MAX_ATTEMPTS="1"):  # refused once, not retried with backoff
            client = MAKERS["boto3.session.Session()"]()
        with test.assertRaises(Exception) as caught:  # the socket guard, not the pill, stops it
            client.get_caller_identity()
        test.assertNotIsInstance(caught.exception, (ForeignClientError, NetworkInPlaybackError))
        test.client("sts").get_caller_identity()

    result = replaying(tmp_path, body, placebo_foreign_clients="allow")
    assert result.wasSuccessful(), report(result)


def test_a_wrong_policy_fails_with_the_valid_values(tmp_path):
    result = replaying(tmp_path, lambda test: None, placebo_foreign_clients="maybe")  # set after definition
    assert len(result.errors) == 1
    assert "placebo_foreign_clients must be one of 'adopt', 'refuse', 'allow'" in report(result)
    with pytest.raises(ConfigurationError) as caught:
        type("Defined", (PlaceboTestCase,), {"placebo_foreign_clients": "maybe"})
    assert str(caught.value).startswith("Defined.placebo_foreign_clients must be one of")


def test_the_decorator_seals_too(tmp_path):
    (tmp_path / "Deco.test_it").mkdir()
    import placebo_unittest

    session = boto3.Session(region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    placebo_unittest.attach(session, str(tmp_path / "Deco.test_it")).save_response(
        "sts", "GetCallerIdentity", IDENTITY)
    seen = []

    import unittest

    class Deco(unittest.TestCase):
        @placebo_session
        def test_it(self, session):
            seen.append(boto3.session.Session().client("sts").get_caller_identity()["Arn"])

    with environment(tmp_path, PLACEBO_DIR=str(tmp_path), **LEAKY_ENV), network_blocked():
        assert_passed(run(Deco))
    assert seen == [IDENTITY["Arn"]]
    assert botocore_untouched()


# -- recording: foreign sessions are recorded too; s3transfer replays --------------------
@pytest.mark.recording
def test_recording_adopts_other_sessions_and_transfers_replay(tmp_path, moto):
    content = os.urandom(3 * 1024 * 1024 + 7)
    config = TransferConfig(multipart_threshold=1024 * 1024, multipart_chunksize=1024 * 1024,
                            max_concurrency=1)
    seen = []

    class Transfer(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")
        placebo_match = "params"

        def test_it(self):
            own = boto3.session.Session().client("s3")  # not the test's session
            if self.placebo_mode == "record":
                own.create_bucket(Bucket="sealed")
            own.upload_fileobj(io.BytesIO(content), "sealed", "big", Config=config)
            target = io.BytesIO()
            boto3.client("s3").download_fileobj("sealed", "big", target, Config=config)
            seen.append((self.placebo_mode, target.getvalue() == content))

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Transfer))
    names = listing(tmp_path / "placebo" / "Transfer.test_it")
    assert "s3.CreateMultipartUpload_1.json" in names, names
    assert "s3.UploadPart_1.json" in names, names  # s3transfer's parts are at least 5 MiB
    assert len([n for n in names if n.startswith("s3.GetObject_")]) == 4, names

    (tmp_path / "placebo" / "Transfer.test_it" / "s3.CreateBucket_1.json").unlink()
    with environment(tmp_path, PLACEBO_MODE="playback", **LEAKY_ENV), network_blocked():
        result = run(Transfer)
    assert result.wasSuccessful(), report(result)
    assert seen == [("record", True), ("playback", True)]


def test_an_adopted_client_with_no_recording_gets_the_usual_error(tmp_path):
    from placebo_unittest import RecordingNotFoundError

    def body(test):
        test.client("sts").get_caller_identity()
        with test.assertRaises(RecordingNotFoundError) as caught:
            boto3.session.Session().client("iam").list_roles()
        test.assertIn("No recorded response for call 1 of iam.ListRoles", str(caught.exception))

    result = replaying(tmp_path, body)
    assert len(result.failures) == 0 and len(result.errors) == 0, report(result)
