"""Default redaction keeps content: Lambda payloads, Bedrock bodies and Cognito
users replay as they were live; the opt-in ``personal_data`` redactor takes them out.

Each scenario runs live against a server on 127.0.0.1 (moto's for Cognito, the
tests' own for Lambda and Bedrock, which moto can't answer with a chosen
payload) under a pill with the default redactors, then replays offline.
"""
import hashlib
import json
import os
from unittest import mock

import pytest

import placebo_unittest
from placebo_unittest import DEFAULT_REDACTORS, PlaceboTestCase, RequestMismatchError

from conftest import make_session, network_blocked
from eventstream_server import EventStreamServer
from recording_helpers import DEAD_ENDPOINT, RoundTrip, load_file, read_body, recording_files
from testcase_helpers import assert_passed, environment, moto_env, run

pytestmark = pytest.mark.recording

ANSWER = {"result": 42, "user": "alice@example.com"}
MODEL_ANSWER = {"content": [{"type": "text", "text": "The capital of France is Paris."}],
                "usage": {"input_tokens": 12, "output_tokens": 9}}
EMAIL = "alice.placebo@example.com"


@pytest.fixture
def server():
    with EventStreamServer() as running:
        yield running


def lambda_scenario(session, url):
    client = session.client("lambda", endpoint_url=url)
    response = client.invoke(FunctionName="answer", Payload=json.dumps({"question": "life"}).encode())
    return {"response": response, "parsed": json.loads(read_body(response["Payload"]))}


def bedrock_scenario(session, url):
    client = session.client("bedrock-runtime", endpoint_url=url)
    response = client.invoke_model(modelId="anthropic.claude-v2", contentType="application/json",
                                   body=json.dumps({"prompt": "Capital of France?"}))
    return {"response": response, "parsed": json.loads(read_body(response["body"]))}


def cognito_scenario(session, url):
    client = session.client("cognito-idp", endpoint_url=url)
    pool = client.create_user_pool(PoolName="people")["UserPool"]["Id"]
    client.admin_create_user(UserPoolId=pool, Username="alice", TemporaryPassword="Temp-Passw0rd!",
                             UserAttributes=[{"Name": "email", "Value": EMAIL},
                                             {"Name": "name", "Value": "Alice Placebo"}])
    return {"users": client.list_users(UserPoolId=pool)}


def answer_lambda(server):
    server.answer_body("Invoke", json.dumps(ANSWER).encode(),
                       initial={"StatusCode": 200, "ExecutedVersion": "$LATEST"})


def answer_bedrock(server):
    server.answer_body("InvokeModel", json.dumps(MODEL_ANSWER).encode(),
                       initial={"contentType": "application/json"})


def directory_text(directory):
    """Every recording file under ``directory``, as text."""
    found = []
    for root, _dirs, _files in os.walk(str(directory)):
        for name in recording_files(root):
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                found.append(handle.read())
    return "".join(found)


def test_a_lambda_payload_replays_as_it_was_live(tmp_path, server):
    answer_lambda(server)
    trip = RoundTrip(tmp_path, server.url, redact=True)
    live, replayed = trip.run(lambda_scenario)
    assert replayed["parsed"] == live["parsed"] == ANSWER
    assert replayed["response"]["StatusCode"] == 200
    assert json.loads(server.requests[0].body) == {"question": "life"}


def test_a_bedrock_body_replays_as_it_was_live(tmp_path, server):
    answer_bedrock(server)
    live, replayed = RoundTrip(tmp_path, server.url, redact=True).run(bedrock_scenario)
    assert replayed["parsed"] == live["parsed"] == MODEL_ANSWER
    assert replayed["response"]["contentType"] == "application/json"


def test_cognito_users_replay_as_they_were_live(tmp_path, moto):
    live, replayed = RoundTrip(tmp_path, moto.url, redact=True).run(cognito_scenario)
    for each in (live, replayed):
        user = each["users"]["Users"][0]
        assert user["Username"] == "alice"
        assert {a["Name"]: a["Value"] for a in user["Attributes"]}["email"] == EMAIL
    assert EMAIL in directory_text(tmp_path)


def test_requests_keep_their_content_too(tmp_path, server):
    answer_lambda(server)
    trip = RoundTrip(tmp_path, server.url, redact=True)
    trip.record(lambda_scenario)
    (name,) = recording_files(str(tmp_path))
    stored = load_file(tmp_path, name)["placebo_unittest"]["request"]
    # The payload is stored as a digest of what was sent, not of a placeholder,
    # so request-aware playback tells one payload from another.
    sent = json.dumps({"question": "life"}).encode()
    assert stored["Payload"]["sha256"] == hashlib.sha256(sent).hexdigest()
    pill = placebo_unittest.attach(make_session(), str(tmp_path), match="verify")
    pill.playback()
    client = pill.session.client("lambda", endpoint_url=DEAD_ENDPOINT)
    with network_blocked():
        assert client.invoke(FunctionName="answer", Payload=sent)["StatusCode"] == 200
        with pytest.raises(RequestMismatchError):
            client.invoke(FunctionName="answer", Payload=b'{"question": "other"}')


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_the_personal_data_redactor_takes_content_out(tmp_path, server, moto, how):
    answer_lambda(server)
    answer_bedrock(server)
    redact = [*DEFAULT_REDACTORS, "personal_data"] if how == "argument" else True
    environ = {"PLACEBO_REDACT": "personal_data"} if how == "environment" else {}
    with mock.patch.dict(os.environ, environ):
        for name, scenario, url in (("lambda", lambda_scenario, server.url),
                                    ("bedrock", bedrock_scenario, server.url),
                                    ("cognito", cognito_scenario, moto.url)):
            RoundTrip(tmp_path / name, url, redact=redact).record(scenario)
    text = directory_text(tmp_path)
    for private in ("alice", "Alice Placebo", EMAIL):
        assert private not in text
    for name in ("lambda", "bedrock"):
        (file_name,) = recording_files(str(tmp_path / name))
        body = load_file(tmp_path / name, file_name)["data"]
        payload = body.get("Payload") or body.get("body")
        assert payload["__class__"] == "StreamingBody" and payload["body"] == "UkVEQUNURUQ="  # b"REDACTED"


def test_a_placebo_test_case_follows_placebo_redact(tmp_path, moto):
    seen = []

    class People(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")

        def test_list_users(self):
            users = cognito_scenario(self.session, None)["users"]["Users"]
            seen.append((self.placebo_mode, users[0]["Username"]))

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record", PLACEBO_REDACT="personal_data")):
        assert_passed(run(People))
    text = directory_text(tmp_path / "placebo")
    assert EMAIL not in text and '"alice"' not in text
    listed = load_file(tmp_path / "placebo" / "People.test_list_users", "cognito-idp.ListUsers_1.json")
    assert listed["data"]["ResponseMetadata"] == {"HTTPStatusCode": 200}  # the class's own default too
    # Replayed with the same setting, the calls' redacted parameters match the recorded ones.
    with environment(tmp_path, PLACEBO_MODE="playback", PLACEBO_REDACT="personal_data"), network_blocked():
        assert_passed(run(People))
    assert seen == [("record", "alice"), ("playback", "REDACTED")]
