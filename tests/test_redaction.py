"""Redaction against botocore's real models: each secret AWS hands out or takes
is gone from the result, everything else is untouched, types are kept, the
input is never changed, and redacting is idempotent and deterministic.
Account-id anonymisation round-trips from recording to playback."""
import base64
import copy
import datetime as dt
import decimal
import io
import json
import os
import re
import urllib.parse
from unittest import mock

import pytest
from botocore.response import StreamingBody
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placebo_unittest.accounts import ACCOUNT_ID_PLACEHOLDER, AccountIdAnonymizer
from placebo_unittest.errors import ConfigurationError, PlaceboError, RedactionError
from placebo_unittest.redaction import (
    ACCESS_KEY_SECRET_PLACEHOLDER,
    BUILTIN_REDACTORS,
    BYTES_PLACEHOLDER,
    CREDENTIAL_MEMBERS,
    SESSION_TOKEN_PLACEHOLDER,
    TEXT_PLACEHOLDER,
    CredentialMember,
    Credentials,
    Defaults,
    Kind,
    ResponseMetadata,
    SensitiveMembers,
    default_redactors,
    get_operation_model,
    get_service_model,
    placeholder,
    redact_request,
    redact_response,
    redactor_name,
    redactors_named,
    resolve_redactors,
)

PROPERTY = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
UTC = dt.timezone.utc
ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQDfakefakefake" + "x9Q" * 60
EXPIRES = dt.datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
DEFAULTS = default_redactors()
MODEL_ONLY = [SensitiveMembers()]
PERSONAL = redactors_named(["personal_data"])
CURATED_ONLY = [Credentials()]


# ---------------------------------------------------------------- helpers

def typed(tree):
    """``tree`` with each leaf paired with its type, so 0 != 0.0 != False and b"x" != "x"."""
    if isinstance(tree, dict):
        return {typed(k): typed(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return (type(tree).__name__, [typed(v) for v in tree])
    if isinstance(tree, StreamingBody):
        return ("StreamingBody", id(tree))
    return (type(tree).__name__, tree)


def get(tree, path):
    for step in path:
        tree = tree[step]
    return tree


def redact(direction, redactors, service, operation, data):
    if direction == "request":
        return redact_request(service, operation, data, redactors)
    return redact_response(service, operation, data, redactors)


def check(direction, redactors, service, operation, data, secrets):
    """Redact ``data``; assert what must hold for every redaction; return the result."""
    before = typed(copy.deepcopy(data))
    result = redact(direction, redactors, service, operation, data)
    assert typed(data) == before, "the input was changed"
    assert isinstance(result, dict)
    text = json.dumps(result, default=str) + repr(result)
    for secret in secrets:
        if isinstance(secret, bytes):
            assert repr(secret)[2:-1] not in text  # as str() and repr() show bytes
            assert base64.b64encode(secret).decode() not in text
        else:
            assert secret not in text
    again = redact(direction, redactors, service, operation, result)
    assert typed(again) == typed(result), "not idempotent"
    fresh = redact(direction, redactors, service, operation, copy.deepcopy(data))
    assert typed(fresh) == typed(result), "not deterministic"
    return result


def assert_untouched(data, result, *paths):
    for path in paths:
        assert typed(get(result, path)) == typed(get(data, path)), path


def shape_at(shape, path):
    for step in path:
        if step == "[]":
            shape = shape.member
        elif shape.type_name == "map":
            shape = shape.value
        else:
            shape = shape.members[step]
    return shape


def marked_sensitive(service, operation, direction, path):
    model = get_operation_model(service, operation)
    shape = model.input_shape if direction == "request" else model.output_shape
    return bool(shape_at(shape, path).metadata.get("sensitive"))


# ------------------------------------------------- what the models say

@pytest.mark.parametrize("service, operation, direction, path", [
    ("sts", "AssumeRole", "response", ["Credentials", "SecretAccessKey"]),
    ("sts", "GetSessionToken", "response", ["Credentials", "SecretAccessKey"]),
    ("sts", "AssumeRoleWithWebIdentity", "request", ["WebIdentityToken"]),
    ("secretsmanager", "GetSecretValue", "response", ["SecretString"]),
    ("secretsmanager", "GetSecretValue", "response", ["SecretBinary"]),
    ("secretsmanager", "CreateSecret", "request", ["SecretString"]),
    ("secretsmanager", "CreateSecret", "request", ["SecretBinary"]),
    ("ssm", "GetParameter", "response", ["Parameter", "Value"]),
    ("ssm", "PutParameter", "request", ["Value"]),
    ("rds", "CreateDBInstance", "request", ["MasterUserPassword"]),
    ("rds", "CreateDBInstance", "response",
     ["DBInstance", "PendingModifiedValues", "MasterUserPassword"]),
    ("iam", "CreateLoginProfile", "request", ["Password"]),
    ("iam", "ChangePassword", "request", ["OldPassword"]),
    ("iam", "ChangePassword", "request", ["NewPassword"]),
    ("iam", "CreateAccessKey", "response", ["AccessKey", "SecretAccessKey"]),
    ("sso", "GetRoleCredentials", "response", ["roleCredentials", "secretAccessKey"]),
    ("sso", "GetRoleCredentials", "response", ["roleCredentials", "sessionToken"]),
    ("sso", "GetRoleCredentials", "request", ["accessToken"]),
    ("cognito-identity", "GetCredentialsForIdentity", "response", ["Credentials", "SecretKey"]),
    ("cognito-identity", "GetCredentialsForIdentity", "request", ["Logins", "{}"]),
])
def test_the_model_marks_these_sensitive(service, operation, direction, path):
    assert marked_sensitive(service, operation, direction, path)


@pytest.mark.parametrize("service, operation, path", [
    ("sts", "AssumeRole", ["Credentials", "SessionToken"]),
    ("sts", "GetSessionToken", ["Credentials", "SessionToken"]),
    ("sts", "GetFederationToken", ["Credentials", "SessionToken"]),
    ("sts", "AssumeRoleWithSAML", ["Credentials", "SessionToken"]),
    ("sts", "AssumeRoleWithWebIdentity", ["Credentials", "SessionToken"]),
    ("cognito-identity", "GetCredentialsForIdentity", ["Credentials", "SessionToken"]),
    ("ecr", "GetAuthorizationToken", ["authorizationData", "[]", "authorizationToken"]),
    ("ecr-public", "GetAuthorizationToken", ["authorizationData", "authorizationToken"]),
    ("codeartifact", "GetAuthorizationToken", ["authorizationToken"]),
])
def test_the_model_leaves_these_unmarked(service, operation, path):
    """The reason the curated table exists. If botocore starts marking one, its
    row in CREDENTIAL_MEMBERS should say so (see the next test)."""
    assert not marked_sensitive(service, operation, "response", path)


@pytest.mark.parametrize("row", [r for r in CREDENTIAL_MEMBERS if "*" not in r.operation + r.path],
                         ids=lambda r: f"{r.service}.{r.operation}.{r.path}")
def test_each_curated_row_says_truly_whether_the_model_marks_it(row):
    path = []
    for part in row.path.split("."):
        path += [part[:-2], "[]"] if part.endswith("[]") else [part]
    assert marked_sensitive(row.service, row.operation, "response", path) is row.marked


def test_sts_rows_cover_every_sts_operation_that_returns_credentials():
    sts = get_service_model("sts")
    returning = [name for name in sts.operation_names
                 if sts.operation_model(name).output_shape is not None
                 and "Credentials" in sts.operation_model(name).output_shape.members]
    assert {"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
            "GetSessionToken", "GetFederationToken"} <= set(returning)
    for name in returning:
        response = {"Credentials": {"AccessKeyId": "ASIAFAKE", "SecretAccessKey": SECRET_KEY,
                                    "SessionToken": SESSION_TOKEN, "Expiration": EXPIRES}}
        check("response", CURATED_ONLY, "sts", name, response, [SECRET_KEY, SESSION_TOKEN])


# ----------------------------------------------------------------- STS

def assume_role_response():
    return {
        "Credentials": {
            "AccessKeyId": "ASIAQEXAMPLE7EXAMPLE",
            "SecretAccessKey": SECRET_KEY,
            "SessionToken": SESSION_TOKEN,
            "Expiration": EXPIRES,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROA3XFRBF535PLBIFPI4:s3-access-example",
            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/xaccounts3access/s3-access-example",
        },
        "PackedPolicySize": 8,
        "SourceIdentity": "alice",
        "ResponseMetadata": {
            "RequestId": "c6104cbe-af31-11e0-8154-cbc7ccf896c7",
            "HTTPStatusCode": 200,
            "HTTPHeaders": {"x-amzn-requestid": "c6104cbe-af31-11e0-8154-cbc7ccf896c7"},
            "RetryAttempts": 0,
        },
    }


@pytest.mark.parametrize("operation", ["AssumeRole", "assume_role"])
def test_sts_assume_role(operation):
    data = assume_role_response()
    result = check("response", DEFAULTS, "sts", operation, data, [SECRET_KEY, SESSION_TOKEN])
    credentials = result["Credentials"]
    assert credentials["SecretAccessKey"] == ACCESS_KEY_SECRET_PLACEHOLDER
    assert type(credentials["SecretAccessKey"]) is str and len(credentials["SecretAccessKey"]) == 40
    assert credentials["SessionToken"] == SESSION_TOKEN_PLACEHOLDER
    assert type(credentials["SessionToken"]) is str and len(credentials["SessionToken"]) >= 100
    assert credentials["Expiration"] is EXPIRES
    assert_untouched(data, result, ["Credentials", "AccessKeyId"], ["AssumedRoleUser"],
                     ["PackedPolicySize"], ["SourceIdentity"], ["ResponseMetadata"])
    assert list(result) == list(data)


def test_sts_the_model_alone_misses_the_session_token():
    result = check("response", MODEL_ONLY, "sts", "AssumeRole", assume_role_response(), [SECRET_KEY])
    assert result["Credentials"]["SessionToken"] == SESSION_TOKEN


def test_sts_get_session_token():
    data = {"Credentials": {"AccessKeyId": "ASIAFAKEFAKEFAKE1234", "SecretAccessKey": SECRET_KEY,
                            "SessionToken": SESSION_TOKEN, "Expiration": EXPIRES},
            "ResponseMetadata": {"HTTPStatusCode": 200}}
    for operation in ("GetSessionToken", "get_session_token"):
        result = check("response", DEFAULTS, "sts", operation, data, [SECRET_KEY, SESSION_TOKEN])
        assert result["Credentials"]["SecretAccessKey"] == ACCESS_KEY_SECRET_PLACEHOLDER
        assert result["Credentials"]["SessionToken"] == SESSION_TOKEN_PLACEHOLDER
        assert_untouched(data, result, ["Credentials", "AccessKeyId"], ["Credentials", "Expiration"])


def test_sts_web_identity_token_in_the_request():
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl"
    params = {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/web", "RoleSessionName": "s",
              "WebIdentityToken": jwt, "DurationSeconds": 3600}
    result = check("request", DEFAULTS, "sts", "AssumeRoleWithWebIdentity", params, [jwt])
    assert result["WebIdentityToken"] == TEXT_PLACEHOLDER
    assert_untouched(params, result, ["RoleArn"], ["RoleSessionName"], ["DurationSeconds"])


# ----------------------------------------------------------------- IAM

def test_iam_create_access_key_model_and_table_each_catch_it():
    data = {"AccessKey": {"UserName": "bob", "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
                          "Status": "Active", "SecretAccessKey": SECRET_KEY,
                          "CreateDate": EXPIRES}}
    for redactors in (MODEL_ONLY, CURATED_ONLY, DEFAULTS):
        result = check("response", redactors, "iam", "CreateAccessKey", data, [SECRET_KEY])
        assert result["AccessKey"]["SecretAccessKey"] == ACCESS_KEY_SECRET_PLACEHOLDER
        assert_untouched(data, result, ["AccessKey", "UserName"], ["AccessKey", "AccessKeyId"],
                         ["AccessKey", "Status"], ["AccessKey", "CreateDate"])


@pytest.mark.parametrize("operation, params, secrets", [
    ("CreateLoginProfile", {"UserName": "bob", "Password": "Hunter2!correct-horse",
                            "PasswordResetRequired": True}, ["Hunter2!correct-horse"]),
    ("UpdateLoginProfile", {"UserName": "bob", "Password": "Tr0ub4dor&3"}, ["Tr0ub4dor&3"]),
    ("ChangePassword", {"OldPassword": "old-Secret-1", "NewPassword": "new-Secret-2"},
     ["old-Secret-1", "new-Secret-2"]),
])
def test_iam_passwords_in_requests(operation, params, secrets):
    result = check("request", DEFAULTS, "iam", operation, params, secrets)
    for key, value in params.items():
        if value in secrets:
            assert result[key] == TEXT_PLACEHOLDER
        else:
            assert typed(result[key]) == typed(value)


def test_iam_responses_pass_through_request_rules_untouched():
    params = {"UserName": "bob", "Password": "pw-in-a-request"}
    assert redact_response("iam", "CreateLoginProfile", params, DEFAULTS) == params


# ------------------------------------------------------ Secrets Manager

SECRET_JSON = '{"username": "admin", "password": "p4ssw0rd-very-secret", "port": 5432, "ssl": true}'


def test_secretsmanager_create_secret_request():
    params = {"Name": "prod/db", "Description": "the database", "SecretString": SECRET_JSON,
              "Tags": [{"Key": "team", "Value": "data"}]}
    result = check("request", DEFAULTS, "secretsmanager", "create_secret", params,
                   ["p4ssw0rd-very-secret"])
    # Still JSON with the same keys and value types, so code that parses it can.
    redacted = json.loads(result["SecretString"])
    assert redacted == {"username": TEXT_PLACEHOLDER, "password": TEXT_PLACEHOLDER,
                        "port": 0, "ssl": False}
    assert [type(v) for v in redacted.values()] == [str, str, int, bool]
    assert_untouched(params, result, ["Name"], ["Description"], ["Tags"])


def test_secretsmanager_create_secret_binary_request():
    secret = b"\x00\x01binary-secret\xff"
    params = {"Name": "prod/key", "SecretBinary": secret}
    result = check("request", DEFAULTS, "secretsmanager", "CreateSecret", params, [secret])
    assert type(result["SecretBinary"]) is bytes
    assert result["SecretBinary"] == BYTES_PLACEHOLDER


def get_secret_value_response(**secret):
    return dict({
        "ARN": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf",
        "Name": "prod/db",
        "VersionId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": EXPIRES,
    }, **secret)


def test_secretsmanager_get_secret_value_string():
    data = get_secret_value_response(SecretString="just-a-plain-secret-value")
    result = check("response", MODEL_ONLY, "secretsmanager", "GetSecretValue", data,
                   ["just-a-plain-secret-value"])
    assert result["SecretString"] == TEXT_PLACEHOLDER
    assert_untouched(data, result, ["ARN"], ["Name"], ["VersionId"], ["VersionStages"], ["CreatedDate"])


def test_secretsmanager_get_secret_value_binary_stays_bytes():
    secret = bytes(range(256))
    data = get_secret_value_response(SecretBinary=secret)
    result = check("response", DEFAULTS, "secretsmanager", "get_secret_value", data, [secret])
    assert type(result["SecretBinary"]) is bytes
    assert result["SecretBinary"] == BYTES_PLACEHOLDER
    assert_untouched(data, result, ["ARN"], ["Name"], ["CreatedDate"])


def test_secretsmanager_base64_blob_from_an_old_file_stays_base64():
    """placebo wrote blobs as base64 strings; the placeholder must still decode."""
    data = get_secret_value_response(SecretBinary=base64.b64encode(b"old secret").decode())
    result = check("response", DEFAULTS, "secretsmanager", "GetSecretValue", data,
                   [data["SecretBinary"]])
    assert base64.b64decode(result["SecretBinary"], validate=True) == BYTES_PLACEHOLDER


def test_secretsmanager_batch_get_secret_value_inside_a_list():
    data = {"SecretValues": [get_secret_value_response(SecretString="first-secret"),
                             get_secret_value_response(SecretString=SECRET_JSON)],
            "Errors": []}
    result = check("response", DEFAULTS, "secretsmanager", "BatchGetSecretValue", data,
                   ["first-secret", "p4ssw0rd-very-secret"])
    assert result["SecretValues"][0]["SecretString"] == TEXT_PLACEHOLDER
    assert json.loads(result["SecretValues"][1]["SecretString"])["password"] == TEXT_PLACEHOLDER
    assert_untouched(data, result, ["SecretValues", 0, "ARN"], ["SecretValues", 1, "Name"], ["Errors"])


# ------------------------------------------------------------------ SSM

def test_ssm_put_parameter_secure_string_request():
    params = {"Name": "/prod/db/password", "Value": "s3cure-String-value", "Type": "SecureString",
              "KeyId": "alias/aws/ssm", "Overwrite": True}
    result = check("request", DEFAULTS, "ssm", "put_parameter", params, ["s3cure-String-value"])
    assert result["Value"] == TEXT_PLACEHOLDER
    assert_untouched(params, result, ["Name"], ["Type"], ["KeyId"], ["Overwrite"])


def test_ssm_get_parameter_response():
    data = {"Parameter": {
        "Name": "/prod/db/password", "Type": "SecureString", "Value": "s3cure-String-value",
        "Version": 3, "LastModifiedDate": EXPIRES, "DataType": "text",
        "ARN": f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/prod/db/password",
    }}
    result = check("response", DEFAULTS, "ssm", "GetParameter", data, ["s3cure-String-value"])
    assert result["Parameter"]["Value"] == TEXT_PLACEHOLDER
    for key in ("Name", "Type", "Version", "LastModifiedDate", "DataType", "ARN"):
        assert_untouched(data, result, ["Parameter", key])


# ------------------------------------------------------------------ ECR

ECR_PASSWORD = "eyJwYXlsb2FkIjoiZmFrZS1lY3ItcGFzc3dvcmQtdmVyeS1zZWNyZXQifQ"


def ecr_response():
    token = base64.b64encode(f"AWS:{ECR_PASSWORD}".encode()).decode()
    return token, {"authorizationData": [{
        "authorizationToken": token,
        "expiresAt": EXPIRES,
        "proxyEndpoint": f"https://{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com",
    }]}


@pytest.mark.parametrize("service", ["ecr", "api.ecr"])  # client name, or the recording's <service>
def test_ecr_authorization_token_stays_valid_base64(service):
    token, data = ecr_response()
    result = check("response", DEFAULTS, service, "GetAuthorizationToken", data, [token, ECR_PASSWORD])
    redacted = result["authorizationData"][0]["authorizationToken"]
    assert type(redacted) is str
    assert base64.b64decode(redacted, validate=True).decode() == "AWS:" + TEXT_PLACEHOLDER
    assert_untouched(data, result, ["authorizationData", 0, "expiresAt"],
                     ["authorizationData", 0, "proxyEndpoint"])


def test_ecr_the_model_alone_misses_the_token():
    _, data = ecr_response()
    assert redact_response("ecr", "GetAuthorizationToken", data, MODEL_ONLY) is data


def test_ecr_public_token():
    token = base64.b64encode(b"AWS:public-secret-password").decode()
    data = {"authorizationData": {"authorizationToken": token, "expiresAt": EXPIRES}}
    result = check("response", DEFAULTS, "ecr-public", "GetAuthorizationToken", data, [token])
    assert base64.b64decode(result["authorizationData"]["authorizationToken"]) == b"AWS:REDACTED"


# ------------------------------------------------------------------ SSO

@pytest.mark.parametrize("service", ["sso", "portal.sso"])
@pytest.mark.parametrize("redactors", [MODEL_ONLY, CURATED_ONLY, DEFAULTS], ids=["model", "table", "defaults"])
def test_sso_get_role_credentials(service, redactors):
    data = {"roleCredentials": {"accessKeyId": "ASIAFAKESSOFAKESSO12", "secretAccessKey": SECRET_KEY,
                                "sessionToken": SESSION_TOKEN, "expiration": 1714566600000}}
    result = check("response", redactors, service, "GetRoleCredentials", data, [SECRET_KEY, SESSION_TOKEN])
    credentials = result["roleCredentials"]
    assert credentials["secretAccessKey"] == ACCESS_KEY_SECRET_PLACEHOLDER
    assert credentials["sessionToken"] == SESSION_TOKEN_PLACEHOLDER
    assert_untouched(data, result, ["roleCredentials", "accessKeyId"], ["roleCredentials", "expiration"])


def test_sso_access_token_in_the_request():
    params = {"roleName": "ReadOnly", "accountId": ACCOUNT, "accessToken": "aoa-sso-access-token-secret"}
    result = check("request", DEFAULTS, "sso", "get_role_credentials", params, ["aoa-sso-access-token-secret"])
    assert result["accessToken"] == TEXT_PLACEHOLDER
    assert_untouched(params, result, ["roleName"], ["accountId"])


# -------------------------------------------------------------- Cognito

def test_cognito_get_credentials_for_identity():
    data = {"IdentityId": "us-east-1:12345678-1234-1234-1234-123456789012",
            "Credentials": {"AccessKeyId": "ASIAFAKECOGNITO12345", "SecretKey": SECRET_KEY,
                            "SessionToken": SESSION_TOKEN, "Expiration": EXPIRES}}
    result = check("response", DEFAULTS, "cognito-identity", "GetCredentialsForIdentity", data,
                   [SECRET_KEY, SESSION_TOKEN])
    assert result["Credentials"]["SecretKey"] == ACCESS_KEY_SECRET_PLACEHOLDER
    assert result["Credentials"]["SessionToken"] == SESSION_TOKEN_PLACEHOLDER
    assert_untouched(data, result, ["IdentityId"], ["Credentials", "AccessKeyId"],
                     ["Credentials", "Expiration"])
    model_only = redact_response("cognito-identity", "GetCredentialsForIdentity", data, MODEL_ONLY)
    assert model_only["Credentials"]["SessionToken"] == SESSION_TOKEN


def test_cognito_login_tokens_in_a_map_keep_their_keys():
    params = {"IdentityId": "us-east-1:abc",
              "Logins": {"accounts.google.com": "google-id-token-secret",
                         "graph.facebook.com": "facebook-token-secret"}}
    result = check("request", DEFAULTS, "cognito-identity", "GetCredentialsForIdentity", params,
                   ["google-id-token-secret", "facebook-token-secret"])
    assert result["Logins"] == {"accounts.google.com": TEXT_PLACEHOLDER,
                                "graph.facebook.com": TEXT_PLACEHOLDER}


# ------------------------------------------------------------------ RDS

@pytest.mark.parametrize("operation", ["CreateDBInstance", "ModifyDBInstance"])
def test_rds_master_user_password_in_the_request(operation):
    params = {"DBInstanceIdentifier": "prod", "MasterUserPassword": "rds-master-Secret-9",
              "AllocatedStorage": 20}
    result = check("request", DEFAULTS, "rds", operation, params, ["rds-master-Secret-9"])
    assert result["MasterUserPassword"] == TEXT_PLACEHOLDER
    assert_untouched(params, result, ["DBInstanceIdentifier"], ["AllocatedStorage"])


def test_rds_pending_master_user_password_in_the_response():
    data = {"DBInstance": {"DBInstanceIdentifier": "prod", "AllocatedStorage": 20,
                           "PendingModifiedValues": {"MasterUserPassword": "pending-Secret-1"}}}
    result = check("response", DEFAULTS, "rds", "ModifyDBInstance", data, ["pending-Secret-1"])
    assert result["DBInstance"]["PendingModifiedValues"]["MasterUserPassword"] == TEXT_PLACEHOLDER
    assert_untouched(data, result, ["DBInstance", "DBInstanceIdentifier"], ["DBInstance", "AllocatedStorage"])


# ------------------------------------------------------- other behaviour

def test_a_sensitive_streaming_body_is_replaced_and_the_original_left_unread():
    original = StreamingBody(io.BytesIO(b"disk-block-secret"), 17)
    data = {"BlockData": original, "DataLength": 17, "Checksum": "abc"}
    assert redact_response("ebs", "GetSnapshotBlock", data, DEFAULTS) is data  # a disk's content: kept
    result = redact_response("ebs", "GetSnapshotBlock", data, PERSONAL)
    assert data["BlockData"] is original
    assert isinstance(result["BlockData"], StreamingBody)
    assert result["BlockData"] is not original
    assert result["BlockData"].read() == BYTES_PLACEHOLDER
    assert original.read() == b"disk-block-secret"
    assert result["DataLength"] == 17 and result["Checksum"] == "abc"


def test_a_sensitive_structure_is_replaced_leaf_by_leaf():
    params = {"ClientId": "client", "AuthFlow": "USER_PASSWORD_AUTH",
              "AuthParameters": {"USERNAME": "alice", "PASSWORD": "hunter2-placebo"},
              "UserContextData": {"IpAddress": "192.0.2.10", "EncodedData": "device-fingerprint"}}
    kept = redact_request("cognito-idp", "InitiateAuth", params, DEFAULTS)
    assert kept["UserContextData"] is params["UserContextData"]  # personal: kept by default
    assert kept["AuthParameters"] == {"USERNAME": TEXT_PLACEHOLDER, "PASSWORD": TEXT_PLACEHOLDER}  # a secret
    result = redact_request("cognito-idp", "InitiateAuth", params, PERSONAL)
    assert result["UserContextData"] == {"IpAddress": TEXT_PLACEHOLDER, "EncodedData": TEXT_PLACEHOLDER}
    assert result["AuthParameters"] is params["AuthParameters"]  # a secret: not personal_data's to remove


def test_each_member_of_a_sensitive_structure_is_classed_by_its_own_name():
    credentials = {"accessKeyId": "ASIAFAKEFAKEFAKE", "secretAccessKey": SECRET_KEY,
                   "sessionToken": SESSION_TOKEN, "expiration": EXPIRES}
    data = {"credentials": credentials}
    result = check("response", DEFAULTS, "deadline", "AssumeFleetRoleForRead", data,
                   [SECRET_KEY, SESSION_TOKEN])
    assert typed(result["credentials"]) == typed({
        "accessKeyId": "ASIAFAKEFAKEFAKE", "secretAccessKey": ACCESS_KEY_SECRET_PLACEHOLDER,
        "sessionToken": SESSION_TOKEN_PLACEHOLDER, "expiration": EXPIRES})
    personal = redact_response("deadline", "AssumeFleetRoleForRead", data, PERSONAL)
    assert typed(personal["credentials"]) == typed({
        "accessKeyId": TEXT_PLACEHOLDER, "secretAccessKey": SECRET_KEY,
        "sessionToken": SESSION_TOKEN, "expiration": dt.datetime(1970, 1, 1, tzinfo=UTC)})


@pytest.mark.parametrize("service, operation", [
    ("no-such-service", "AssumeRole"),
    ("sts", "NoSuchOperation"),
    ("../../etc", "passwd"),
])
def test_unknown_services_and_operations_are_left_alone(service, operation):
    data = {"SecretAccessKey": "not known to be secret here", "SessionToken": "x"}
    assert get_operation_model(service, operation) is None
    assert redact_response(service, operation, data, [SensitiveMembers()]) is data
    assert redact_request(service, operation, data, DEFAULTS) is data


def test_nothing_to_redact_returns_the_input_itself():
    data = {"Account": ACCOUNT, "UserId": "AIDAFAKE", "Arn": f"arn:aws:iam::{ACCOUNT}:user/bob"}
    assert redact_response("sts", "GetCallerIdentity", data, DEFAULTS) is data


def test_values_of_an_unexpected_type_are_left_for_the_model_walk():
    data = {"Credentials": "not a structure", "AssumedRoleUser": ["not", "a", "structure"]}
    assert redact_response("sts", "AssumeRole", data, MODEL_ONLY) is data


def test_models_are_cached_and_names_resolved():
    assert get_service_model("sts") is get_service_model("sts")
    assert get_service_model("api.ecr").service_name == "ecr"
    assert get_service_model("portal.sso").service_name == "sso"
    assert get_service_model("monitoring").service_name == "cloudwatch"
    assert get_service_model("no-such-service") is None
    assert get_operation_model("sts", "assume_role").name == "AssumeRole"
    assert get_operation_model("sts", "assume_role") is get_operation_model("sts", "AssumeRole")
    # "sso" is the SSO portal's name and sso-admin's endpoint prefix (its file names).
    assert get_operation_model("sso", "GetRoleCredentials").service_model.service_name == "sso"
    assert get_operation_model("sso", "ListInstances").service_model.service_name == "sso-admin"


# ----------------------------------------------------------- placeholders

@pytest.mark.parametrize("value, kind, expected", [
    ("secret", Kind.TEXT, TEXT_PLACEHOLDER),
    ("secret", Kind.ACCESS_KEY_SECRET, ACCESS_KEY_SECRET_PLACEHOLDER),
    ("secret", Kind.SESSION_TOKEN, SESSION_TOKEN_PLACEHOLDER),
    (b"secret", Kind.TEXT, BYTES_PLACEHOLDER),
    (bytearray(b"secret"), Kind.TEXT, bytearray(BYTES_PLACEHOLDER)),
    (8080, Kind.TEXT, 0),
    (3.25, Kind.TEXT, 0.0),
    (True, Kind.TEXT, False),
    (decimal.Decimal("12.5"), Kind.TEXT, decimal.Decimal(0)),
    (None, Kind.TEXT, None),
    (dt.date(2024, 5, 1), Kind.TEXT, dt.date(1970, 1, 1)),
    (dt.datetime(2024, 5, 1, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))), Kind.TEXT,
     dt.datetime(1970, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30)))),
    ("[1, \"a\", {\"b\": null}]", Kind.TEXT, '[0, "REDACTED", {"b": null}]'),
    ("{not json", Kind.TEXT, TEXT_PLACEHOLDER),
    (base64.b64encode(b"user:pw").decode(), Kind.BASIC_AUTH_TOKEN, base64.b64encode(b"user:REDACTED").decode()),
    (base64.b64encode(b"no-colon").decode(), Kind.BASIC_AUTH_TOKEN, base64.b64encode(b"REDACTED").decode()),
    ("%%% not base64", Kind.BASIC_AUTH_TOKEN, base64.b64encode(b"REDACTED").decode()),
    (base64.b64encode(b"AWS:pw"), Kind.BASIC_AUTH_TOKEN, base64.b64encode(b"AWS:REDACTED")),
])
def test_placeholders_keep_the_type(value, kind, expected):
    result = placeholder(value, kind)
    assert typed(result) == typed(expected)
    assert typed(placeholder(result, kind)) == typed(result)


def test_a_value_with_no_placeholder_is_refused():
    with pytest.raises(RedactionError) as caught:
        placeholder(object())
    assert isinstance(caught.value, PlaceboError) and isinstance(caught.value, ValueError)
    assert "builtins.object" in str(caught.value)


def test_a_file_passed_as_a_sensitive_request_parameter_is_not_read():
    secret_file = io.BytesIO(b"block data")
    params = {"BlockData": secret_file, "BlockIndex": 1}
    assert redact_request("ebs", "PutSnapshotBlock", params, DEFAULTS) is params
    result = redact_request("ebs", "PutSnapshotBlock", params, PERSONAL)
    assert result["BlockData"].read() == BYTES_PLACEHOLDER
    assert secret_file.tell() == 0


# ------------------------------------------------------ ResponseMetadata

def test_response_metadata_keeps_only_the_status_code():
    data = assume_role_response()
    result = check("response", [ResponseMetadata()], "sts", "AssumeRole", data,
                   ["c6104cbe-af31-11e0-8154-cbc7ccf896c7"])
    assert result["ResponseMetadata"] == {"HTTPStatusCode": 200}
    assert_untouched(data, result, ["Credentials"], ["AssumedRoleUser"])
    without = {"Name": "x"}
    assert ResponseMetadata()("s3", "ListBuckets", without) is without
    assert redact_request("sts", "AssumeRole", data, [ResponseMetadata()]) is data


# ------------------------------------------------------------- registry

def test_the_registry():
    assert sorted(BUILTIN_REDACTORS) == ["credentials", "personal_data", "response_metadata",
                                         "sensitive_members"]
    for name, redactor in BUILTIN_REDACTORS.items():
        assert redactor.name == name == redactor_name(redactor)
    assert [r.name for r in default_redactors()] == ["sensitive_members", "credentials"]
    with pytest.raises(TypeError):
        BUILTIN_REDACTORS["mine"] = SensitiveMembers()  # read-only


def test_default_redactors_is_a_fresh_list_to_edit():
    mine = default_redactors()
    mine.remove(BUILTIN_REDACTORS["credentials"])
    assert [r.name for r in default_redactors()] == ["sensitive_members", "credentials"]

    def drop_source_identity(service, operation, data):
        return {k: v for k, v in data.items() if k != "SourceIdentity"}

    mine.append(drop_source_identity)
    assert redactor_name(drop_source_identity) == "drop_source_identity"
    result = redact_response("sts", "AssumeRole", assume_role_response(), mine)
    assert "SourceIdentity" not in result
    assert result["Credentials"]["SessionToken"] == SESSION_TOKEN  # "credentials" was dropped
    # A plain function has no .request: redact_request skips it.
    params = {"RoleArn": "a", "RoleSessionName": "b", "SourceIdentity": "c"}
    assert redact_request("sts", "AssumeRole", params, mine) is params


def test_redactors_named():
    assert redactors_named(["response_metadata", "credentials"]) == [
        BUILTIN_REDACTORS["response_metadata"], BUILTIN_REDACTORS["credentials"]]
    with pytest.raises(ConfigurationError) as caught:
        redactors_named(["secrets"])
    assert "'sensitive_members'" in str(caught.value) and "'secrets'" in str(caught.value)


def test_a_custom_credentials_table():
    table = Credentials([CredentialMember("sqs", "*", "**.MessageBody", Kind.TEXT, False)])
    data = {"Messages": [{"MessageId": "m1", "Body": "keep", "MessageBody": "secret-body"}]}
    result = check("response", [table], "sqs", "ReceiveMessage", data, ["secret-body"])
    assert result["Messages"][0] == {"MessageId": "m1", "Body": "keep", "MessageBody": TEXT_PLACEHOLDER}


# ----------------------------------------------------------- account ids

QUEUE_URL = f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders"
POLICY = urllib.parse.quote(json.dumps({"Statement": [{"Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}}]}))


def test_account_ids_discovered_and_replaced_everywhere():
    data = {
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/app",
        "QueueUrl": QUEUE_URL,
        "OwnerId": OTHER_ACCOUNT,
        "Reservations": [{"OwnerId": OTHER_ACCOUNT, "Note": f"account {ACCOUNT} here"}],
        "ByAccount": {ACCOUNT: {"Count": 3}},
        "Policy": POLICY,
        "Timestamp": "1700000000" + ACCOUNT,  # longer digit run: not an account id
        "Size": int(ACCOUNT),  # numbers are left alone
        "Blob": ACCOUNT.encode(),
    }
    anonymizer = AccountIdAnonymizer()
    result = check("response", [anonymizer], "ec2", "DescribeInstances", data, [])
    text = json.dumps({k: v for k, v in result.items() if k not in ("Timestamp", "Size", "Blob")})
    assert ACCOUNT not in text and OTHER_ACCOUNT not in text
    assert result["Arn"] == "arn:aws:iam::123456789012:role/app"
    assert result["QueueUrl"] == "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
    assert result["OwnerId"] == ACCOUNT_ID_PLACEHOLDER
    assert result["ByAccount"] == {ACCOUNT_ID_PLACEHOLDER: {"Count": 3}}
    assert OTHER_ACCOUNT not in urllib.parse.unquote(result["Policy"])
    assert result["Timestamp"] == data["Timestamp"] and result["Size"] == int(ACCOUNT)
    assert result["Blob"] == ACCOUNT.encode()
    assert anonymizer.account_ids == anonymizer.replaced == {ACCOUNT, OTHER_ACCOUNT}


def test_account_member_names_discovered():
    for key in ("Account", "AccountId", "awsAccountId", "SourceAccount", "OwnerIds"):
        anonymizer = AccountIdAnonymizer()
        value = [ACCOUNT] if key.endswith("s") else ACCOUNT
        result = anonymizer("x", "Y", {key: value, "Other": "id " + ACCOUNT})
        assert result[key] == ([ACCOUNT_ID_PLACEHOLDER] if key.endswith("s") else ACCOUNT_ID_PLACEHOLDER)
        assert result["Other"] == "id " + ACCOUNT_ID_PLACEHOLDER, key
    # A 12-digit value elsewhere is no account id until something says it is.
    anonymizer = AccountIdAnonymizer()
    data = {"OrderNumber": ACCOUNT}
    assert anonymizer("x", "Y", data) is data and anonymizer.account_ids == frozenset()


def test_an_account_in_a_url_encoded_policy_is_discovered():
    anonymizer = AccountIdAnonymizer()
    result = anonymizer("iam", "GetRolePolicy", {"PolicyName": "p", "PolicyDocument": POLICY})
    assert anonymizer.account_ids == {OTHER_ACCOUNT}
    assert urllib.parse.unquote(result["PolicyDocument"]) == urllib.parse.unquote(POLICY).replace(
        OTHER_ACCOUNT, ACCOUNT_ID_PLACEHOLDER)


def test_given_ids_keep_and_no_discovery():
    anonymizer = AccountIdAnonymizer([ACCOUNT], discover=False, keep=[OTHER_ACCOUNT])
    data = {"QueueUrl": QUEUE_URL, "Arn": f"arn:aws:iam::{OTHER_ACCOUNT}:root",
            "Third": "arn:aws:iam::999988887777:root"}
    result = anonymizer.request("sqs", "SendMessage", data)
    assert result == {"QueueUrl": QUEUE_URL.replace(ACCOUNT, ACCOUNT_ID_PLACEHOLDER),
                      "Arn": data["Arn"], "Third": data["Third"]}
    assert anonymizer.account_ids == {ACCOUNT}


def test_learned_ids_apply_to_later_calls_and_to_requests():
    anonymizer = AccountIdAnonymizer()
    anonymizer("sts", "GetCallerIdentity", {"Account": ACCOUNT})
    params = {"QueueUrl": QUEUE_URL, "MessageBody": "hello"}
    assert redact_request("sqs", "SendMessage", params, [anonymizer]) == {
        "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/orders", "MessageBody": "hello"}


def test_fingerprints_round_trip_to_playback_without_the_ids():
    recorder = AccountIdAnonymizer()
    recorded_params = recorder.request("sqs", "SendMessage", {
        "QueueUrl": QUEUE_URL, "MessageAttributes": {"from": {"StringValue": f"arn:aws:iam::{ACCOUNT}:user/a"}}})
    fingerprints = recorder.fingerprints()
    assert len(fingerprints) == 1 and fingerprints == recorder.fingerprints()
    stored = json.dumps(fingerprints)
    assert ACCOUNT not in stored
    assert fingerprints == AccountIdAnonymizer([ACCOUNT]).fingerprints()  # deterministic
    # Playback: a new process, the real id unknown, the same live params.
    player = AccountIdAnonymizer.from_fingerprints(json.loads(stored))
    assert player.account_ids == frozenset()
    live = {"QueueUrl": QUEUE_URL,
            "MessageAttributes": {"from": {"StringValue": f"arn:aws:iam::{ACCOUNT}:user/a"}}}
    assert player.anonymize(live) == recorded_params
    assert player.replaced == {ACCOUNT}
    # An id it has no fingerprint for is left alone, even in an ARN.
    other = {"Arn": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}
    assert player.request("iam", "GetRole", other) is other


def test_account_anonymizer_errors():
    with pytest.raises(ConfigurationError):
        AccountIdAnonymizer(replacement="12345")
    with pytest.raises(ConfigurationError):
        AccountIdAnonymizer(["1234"])
    with pytest.raises(RedactionError):
        AccountIdAnonymizer(fingerprints=["sha256:abc"])
    anonymizer = AccountIdAnonymizer([ACCOUNT, OTHER_ACCOUNT])
    data = {"ByAccount": {ACCOUNT: 1, OTHER_ACCOUNT: 2}}
    with pytest.raises(RedactionError) as caught:
        anonymizer("x", "Y", data)
    assert "separate" in str(caught.value)
    assert data == {"ByAccount": {ACCOUNT: 1, OTHER_ACCOUNT: 2}}


def test_the_replacement_is_never_learned_nor_replaced():
    anonymizer = AccountIdAnonymizer(replacement="210987654321")
    data = {"Account": "210987654321"}
    assert anonymizer("sts", "GetCallerIdentity", data) is data
    assert anonymizer.account_ids == frozenset()


# ----------------------------------------------------------- properties

leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                   st.text(), st.binary(), st.datetimes(timezones=st.just(UTC)))
trees = st.recursive(leaves, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12)


@PROPERTY
@given(secret=trees, token=trees, extra=st.dictionaries(st.text(max_size=10), trees, max_size=3),
       secret_string=st.one_of(st.text(), trees.map(lambda t: json.dumps(t, default=str))))
def test_redacting_is_idempotent_and_leaves_the_input_alone(secret, token, extra, secret_string):
    redactors = default_redactors() + [ResponseMetadata()]
    for service, operation, data in (
        ("sts", "AssumeRole", dict(extra, Credentials={"SecretAccessKey": secret, "SessionToken": token})),
        ("secretsmanager", "GetSecretValue", dict(extra, SecretString=secret_string, SecretBinary=secret)),
        ("ecr", "GetAuthorizationToken", {"authorizationData": [{"authorizationToken": token}]}),
    ):
        before = typed(copy.deepcopy(data))
        once = redact_response(service, operation, data, redactors)
        assert typed(data) == before
        assert typed(redact_response(service, operation, once, redactors)) == typed(once)
        assert typed(redact_response(service, operation, copy.deepcopy(data), redactors)) == typed(once)


@PROPERTY
@given(secret=st.text(min_size=12).filter(lambda s: "REDACTED" not in s and s.strip() not in ("", "0")))
def test_a_secret_string_never_survives(secret):
    data = {"SecretString": secret, "Name": "n"}
    result = redact_response("secretsmanager", "GetSecretValue", data, DEFAULTS)
    assert secret not in json.dumps(result) and secret not in repr(result)
    assert type(result["SecretString"]) is str and result["Name"] == "n"


ids = st.sampled_from([ACCOUNT, OTHER_ACCOUNT, "999988887777"])
texts = st.lists(st.one_of(ids, st.text(alphabet="ab/:-0", max_size=6)), max_size=6).map("".join)


@settings(max_examples=100, deadline=None, database=None)
@given(arn_ids=st.lists(ids, max_size=2), values=st.lists(texts, max_size=4))
def test_account_anonymizer_is_idempotent(arn_ids, values):
    anonymizer = AccountIdAnonymizer()
    data = {"Arns": [f"arn:aws:iam::{i}:root" for i in arn_ids], "Values": values}
    once = anonymizer("x", "Y", data)
    assert anonymizer("x", "Y", once) == once
    assert AccountIdAnonymizer(arn_ids)("x", "Y", data) == once
    assert once["Arns"] == ["arn:aws:iam::123456789012:root"] * len(arn_ids)
    known = "|".join(arn_ids) or "(?!)"
    bounded = re.compile(rf"(?<![0-9])(?:{known})(?![0-9])")
    assert once["Values"] == [bounded.sub(ACCOUNT_ID_PLACEHOLDER, v) for v in values]


# --------------------------------------------- secrets and personal data

def test_default_redaction_keeps_content_and_removes_secrets():
    invoke = {"StatusCode": 200, "Payload": b'{"result": 42}'}
    assert redact_response("lambda", "Invoke", invoke, DEFAULTS) is invoke
    users = {"Users": [{"Username": "alice", "Attributes": [{"Name": "email", "Value": "a@example.com"}]}]}
    assert redact_response("cognito-idp", "ListUsers", users, DEFAULTS) is users
    function = {"Configuration": {"FunctionName": "f", "Environment": {"Variables": {"DB_PASSWORD": "pw"}}}}
    result = redact_response("lambda", "GetFunction", function, DEFAULTS)
    assert result["Configuration"]["Environment"]["Variables"] == {"DB_PASSWORD": TEXT_PLACEHOLDER}
    assert result["Configuration"]["FunctionName"] == "f"
    assert redact_response("kms", "Decrypt", {"Plaintext": b"key"}, DEFAULTS) == {"Plaintext": BYTES_PLACEHOLDER}


def test_personal_data_removes_content_and_keeps_secrets():
    users = {"Users": [{"Username": "alice", "Attributes": [{"Name": "email", "Value": "a@example.com"}]}]}
    result = check("response", PERSONAL, "cognito-idp", "ListUsers", users, ["alice", "a@example.com"])
    assert result == {"Users": [{"Username": TEXT_PLACEHOLDER,
                                 "Attributes": [{"Name": "email", "Value": TEXT_PLACEHOLDER}]}]}
    secret = {"SecretString": "hunter2", "Name": "db"}
    assert redact_response("secretsmanager", "GetSecretValue", secret, PERSONAL) is secret
    params = {"FunctionName": "f", "Payload": b'{"question": 1}'}
    assert redact_request("lambda", "Invoke", params, PERSONAL)["Payload"] == BYTES_PLACEHOLDER
    assert redact_request("lambda", "Invoke", params, DEFAULTS) is params


def test_one_member_kept_or_removed_whatever_its_class():
    keep_plaintext = [SensitiveMembers(keep=["kms:Plaintext"]), Credentials()]
    assert redact_response("kms", "Decrypt", {"Plaintext": b"key"}, keep_plaintext) == {"Plaintext": b"key"}
    assert redact_response("kms", "GenerateDataKey", {"Plaintext": b"key"}, keep_plaintext)["Plaintext"] == b"key"
    only_decrypt = SensitiveMembers(keep=["kms:DecryptResponse.Plaintext"])
    assert only_decrypt("kms", "Decrypt", {"Plaintext": b"key"}) == {"Plaintext": b"key"}
    assert only_decrypt("kms", "GenerateDataKey", {"Plaintext": b"key"}) == {"Plaintext": BYTES_PLACEHOLDER}
    drop_names = SensitiveMembers(remove=["cognito-idp:UserType.Username"])
    users = {"Users": [{"Username": "alice", "Attributes": [{"Name": "email", "Value": "a@example.com"}]}]}
    assert drop_names("cognito-idp", "ListUsers", users) == {
        "Users": [{"Username": TEXT_PLACEHOLDER, "Attributes": [{"Name": "email", "Value": "a@example.com"}]}]}


@pytest.mark.parametrize("spec", ["Plaintext", "kms:", ":Plaintext", "kms:.Plaintext"])
def test_a_member_is_named_service_colon_member(spec):
    with pytest.raises(ConfigurationError) as caught:
        SensitiveMembers(keep=[spec])
    assert repr(spec) in str(caught.value) and "kms:Plaintext" in str(caught.value)


def test_a_class_must_be_secret_or_personal():
    with pytest.raises(ConfigurationError) as caught:
        SensitiveMembers(classes=["secrets"])
    assert "'secret', 'personal'" in str(caught.value)


def test_placebo_redact_adds_to_the_defaults():
    with mock.patch.dict(os.environ, {"PLACEBO_REDACT": "personal_data, response_metadata"}):
        assert [r.name for r in default_redactors()] == [
            "sensitive_members", "credentials", "personal_data", "response_metadata"]
        assert [r.name for r in resolve_redactors(True)][-2:] == ["personal_data", "response_metadata"]
    with mock.patch.dict(os.environ, {"PLACEBO_REDACT": "personal"}), \
            pytest.raises(ConfigurationError) as caught:
        default_redactors()
    assert "PLACEBO_REDACT" in str(caught.value) and "'personal_data'" in str(caught.value)


def test_defaults_and_more():
    def scrub(service, operation, data):
        return data

    spec = Defaults("response_metadata", scrub)
    assert isinstance(spec, tuple) and repr(spec).startswith("Defaults('response_metadata', <function")
    assert [redactor_name(r) for r in resolve_redactors(spec)] == [
        "sensitive_members", "credentials", "response_metadata", "scrub"]
    with mock.patch.dict(os.environ, {"PLACEBO_REDACT": "personal_data"}):
        assert [redactor_name(r) for r in resolve_redactors(Defaults())] == [
            "sensitive_members", "credentials", "personal_data"]
        # A plain list is what it says: the environment adds nothing to it.
        assert [redactor_name(r) for r in resolve_redactors(["sensitive_members"])] == ["sensitive_members"]
