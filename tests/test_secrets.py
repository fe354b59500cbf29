"""Secrets never reach the disk; hand-written responses are checked; the spy helper.

PlaceboTestCase classes are recorded against moto's server and replayed
with the network blocked, as a user's suite would be.
"""
import datetime as dt
import json
import os

import pytest

from placebo_unittest import InvalidResponseError, PlaceboTestCase, UnknownOperationError

from testcase_helpers import assert_passed, environment, moto_env, network_blocked, report, run

MOTO_ACCOUNT = "123456789012"
SECRET_STRING = "s3cr3t-placebo-value-ABC"
SECRET_BINARY = b"\x00binary-placebo-secret\xff"
PARAMETER_VALUE = "param-placebo-secure-XYZ"
PLAIN_VALUE = "plain-config-value"


def directory_bytes(directory):
    found = b""
    for root, _dirs, files in os.walk(str(directory)):
        for name in files:
            with open(os.path.join(root, name), "rb") as handle:
                found += handle.read()
    return found


def secrets_class(tmp_path, seen):
    class Secrets(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")

        def test_sts_and_iam(self):
            sts, iam = self.client("sts"), self.client("iam")
            iam.create_user(UserName="keyed")
            role = sts.assume_role(RoleArn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/r",
                                   RoleSessionName="placebo-session")
            key = iam.create_access_key(UserName="keyed")["AccessKey"]
            credentials = role["Credentials"]
            seen.setdefault(self.placebo_mode, []).extend([
                credentials["SecretAccessKey"], credentials["SessionToken"], key["SecretAccessKey"]])
            self.assertIsInstance(credentials["Expiration"], dt.datetime)
            self.assertEqual(key["UserName"], "keyed")

        def test_secrets_manager(self):
            sm = self.client("secretsmanager")
            sm.create_secret(Name="text", SecretString=SECRET_STRING)
            sm.create_secret(Name="blob", SecretBinary=SECRET_BINARY)
            text = sm.get_secret_value(SecretId="text")
            blob = sm.get_secret_value(SecretId="blob")
            seen.setdefault(self.placebo_mode, []).extend([text["SecretString"], blob["SecretBinary"]])
            self.assertIsInstance(blob["SecretBinary"], bytes)
            self.assertEqual(text["Name"], "text")

        def test_ssm(self):
            ssm = self.client("ssm")
            ssm.put_parameter(Name="/app/secure", Value=PARAMETER_VALUE, Type="SecureString")
            ssm.put_parameter(Name="/app/plain", Value=PLAIN_VALUE, Type="String")
            secure = ssm.get_parameter(Name="/app/secure", WithDecryption=True)["Parameter"]
            plain = ssm.get_parameter(Name="/app/plain")["Parameter"]
            seen.setdefault(self.placebo_mode, []).append(secure["Value"])
            self.assertEqual(plain["Value"], PLAIN_VALUE)  # not a secret: kept

    return Secrets


@pytest.mark.recording
def test_recorded_secrets_are_redacted_and_playback_still_passes(tmp_path, moto):
    seen = {}
    Secrets = secrets_class(tmp_path, seen)
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Secrets), tests=3)
    live = seen["record"]
    assert SECRET_STRING in live and SECRET_BINARY in live and PARAMETER_VALUE in live
    assert len(live) == 6 and all(live)

    stored = directory_bytes(tmp_path / "placebo")
    for secret in live:
        raw = secret if isinstance(secret, bytes) else secret.encode()
        assert raw not in stored, secret
        assert json.dumps(secret if isinstance(secret, str) else secret.decode("latin-1"))[1:-1].encode() \
            not in stored
    import base64
    assert base64.b64encode(SECRET_BINARY) not in stored
    # Metadata noise is gone: only the status code is kept.
    sample = tmp_path / "placebo" / "Secrets.test_ssm" / "ssm.GetParameter_1.json"
    metadata = json.loads(sample.read_text())["data"]["ResponseMetadata"]
    assert metadata == {"HTTPStatusCode": 200}
    request = json.loads((tmp_path / "placebo" / "Secrets.test_ssm" / "ssm.PutParameter_1.json")
                         .read_text())["placebo_unittest"]["request"]
    assert request["Name"] == "/app/secure" and request["Value"] != PARAMETER_VALUE

    with environment(tmp_path, PLACEBO_MODE="playback"), network_blocked():
        result = run(Secrets)
    assert_passed(result, tests=3)  # verify matches the redacted requests
    assert not set(seen["playback"]) & set(live)


@pytest.mark.recording
def test_account_ids_are_anonymised_and_playback_still_matches(tmp_path, moto):
    replacement = "999988887777"
    seen = []

    class Accounts(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")
        placebo_anonymize_accounts = replacement

        def test_it(self):
            sqs, sts = self.client("sqs"), self.client("sts")
            account = sts.get_caller_identity()["Account"]
            url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
            # Code that names the real account (as tests often do) still matches.
            again = sqs.get_queue_url(QueueName="jobs", QueueOwnerAWSAccountId=MOTO_ACCOUNT)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            seen.append((self.placebo_mode, account, url, again, arn))

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Accounts))
    assert MOTO_ACCOUNT.encode() not in directory_bytes(tmp_path / "placebo")
    assert replacement.encode() in directory_bytes(tmp_path / "placebo")

    with environment(tmp_path, PLACEBO_MODE="playback"), network_blocked():
        assert_passed(run(Accounts))
    (_, live_account, live_url, _, live_arn), (_, account, url, again, arn) = seen
    assert live_account == MOTO_ACCOUNT and account == replacement
    assert url == again == live_url.replace(MOTO_ACCOUNT, replacement)
    assert arn == live_arn.replace(MOTO_ACCOUNT, replacement)


# -- hand-written responses --------------------------------------------------------------
def run_manual(tmp_path, body):
    class Manual(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            body(self)

    with environment(tmp_path), network_blocked():
        return run(Manual)


def test_a_misspelt_key_in_a_manual_response_fails_clearly(tmp_path):
    def body(test):
        with test.assertRaises(InvalidResponseError) as caught:
            test.save_response("lambda", "list_functions", {"Functionz": []})
        test.assertIn("Unknown key 'Functionz' in ListFunctions's response", str(caught.exception))
        test.assertIn("valid keys: Functions, NextMarker", str(caught.exception))

    assert_passed(run_manual(tmp_path, body))


def test_a_wrong_type_in_a_manual_response_fails_clearly(tmp_path):
    def body(test):
        with test.assertRaises(InvalidResponseError) as caught:
            test.save_response("lambda", "ListFunctions", {"Functions": [{"MemorySize": "128"}]})
        test.assertIn("Functions[0].MemorySize: expected int, got str ('128')", str(caught.exception))
        with test.assertRaises(UnknownOperationError) as unknown:
            test.save_response("lambda", "ListFunction", {"Functions": []}, persist=True)
        test.assertIn("did you mean ListFunctions", str(unknown.exception))

    assert_passed(run_manual(tmp_path, body))
    assert os.listdir(str(tmp_path)) == []  # nothing half-written


def test_a_manual_response_is_filed_where_playback_looks(tmp_path):
    def body(test):
        test.save_response("cloudwatch", "list_metrics", {"Metrics": []}, persist=True)
        test.save_response("cloudwatch", "ListDashboards", {"DashboardEntries": []})
        test.assertEqual(test.client("cloudwatch").list_metrics()["Metrics"], [])
        test.assertEqual(test.client("cloudwatch").list_dashboards()["DashboardEntries"], [])

    assert_passed(run_manual(tmp_path, body))
    assert os.listdir(str(tmp_path / "Manual.test_it")) == ["monitoring.ListMetrics_1.json"]


# -- the assertion helper ------------------------------------------------------------------
def test_assert_called_checks_the_calls_and_lists_them_when_it_fails(tmp_path):
    failures = []

    class Spy(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.save_response("sqs", "GetQueueUrl", {"QueueUrl": "https://q/jobs"})
            self.client("sqs").get_queue_url(QueueName="jobs")
            self.assertCalled("sqs", "get_queue_url")
            self.assertCalled("sqs", "GetQueueUrl", {"QueueName": "jobs"}, times=1)
            for args in (("sqs", "GetQueueUrl", {"QueueName": "mail"}), ("sqs", "ListQueues")):
                try:
                    self.assertCalled(*args)
                except self.failureException as error:
                    failures.append(str(error))

    with environment(tmp_path), network_blocked():
        result = run(Spy)
    assert result.wasSuccessful(), report(result)
    assert len(failures) == 2
    assert failures[0].startswith("Expected sqs.GetQueueUrl with {'QueueName': 'mail'} to be called "
                                  "at least once, but it was called 0 time(s).")
    assert "1. sqs.GetQueueUrl(QueueName='jobs') <- <queued response 1 for sqs.GetQueueUrl>" in failures[0]
    assert "sqs.ListQueues" in failures[1]


@pytest.mark.parametrize("status", ["200", 200.0, True, 99, 600, None])
def test_a_manual_response_needs_an_http_status(tmp_path, status):
    import placebo_unittest

    from conftest import make_session

    pill = placebo_unittest.attach(make_session(), str(tmp_path))
    for save in (pill.save_response, pill.queue_response):
        with pytest.raises(InvalidResponseError) as caught:
            save("sqs", "ListQueues", {"QueueUrls": []}, status)
        assert "http_response must be the HTTP status code" in str(caught.value)
        assert repr(status) in str(caught.value)
    assert os.listdir(str(tmp_path)) == []
