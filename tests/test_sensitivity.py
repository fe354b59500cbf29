"""Every member botocore marks sensitive gets a class: secret or personal.

The walk covers every service model botocore ships, so a botocore release
that adds sensitive members is checked the day it is installed: its new
members get a class, and the ones no rule knows fall on the safe side.
"""
import collections
import os
import re

import botocore
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placebo_unittest import models
from placebo_unittest.sensitivity import (
    CURATED,
    SensitiveMember,
    Sensitivity,
    Verdict,
    classify,
    sensitive_members,
    words,
)

SECRET, PERSONAL = Sensitivity.SECRET, Sensitivity.PERSONAL
RULES = {"curated", "type", "names", "secret word", "content word", "context", "unknown"}


@pytest.fixture(scope="module")
def every_member():
    """Every sensitive member of every service model botocore has."""
    found = []
    for name in models.loader().list_available_services("service-2"):
        found.extend(sensitive_members(models.service_model(name)))
    return found


def test_every_sensitive_member_of_every_model_gets_a_class(every_member):
    assert len(every_member) > 5000  # botocore marks thousands
    for member in every_member:
        assert type(member) is SensitiveMember
        assert type(member.verdict) is Verdict
        assert type(member.verdict.sensitivity) is Sensitivity
        assert member.verdict.rule in RULES, member
        assert member.verdict.because, member
    counts = collections.Counter(m.verdict.sensitivity for m in every_member)
    assert counts[SECRET] > 500 and counts[PERSONAL] > 3000


def test_the_rule_knows_nearly_every_member_and_the_rest_are_secrets(every_member):
    unknown = [m for m in every_member if m.verdict.rule == "unknown"]
    assert all(m.verdict.sensitivity is SECRET for m in unknown)
    # A new botocore may bring words the rule hasn't seen; they stay few.
    assert len(unknown) <= len(every_member) // 50, [f"{m.service}:{m.container}.{m.member}" for m in unknown]


def test_each_member_is_listed_once(every_member):
    keys = [(m.service, m.container, m.member) for m in every_member]
    assert len(keys) == len(set(keys))


def documented_botocore():
    """The botocore release docs/hygiene.rst gives the counts of, and that the curated table was checked with."""
    with open(DOCS, encoding="utf-8") as handle:
        text = " ".join(handle.read().split())
    stated = re.search(r"With botocore ([0-9.]+) the rule classes \*\*([0-9,]+)\*\* sensitive members", text)
    assert stated, "docs/hygiene.rst states the counts for a botocore release"
    return stated.group(1), int(stated.group(2).replace(",", "")), text


def test_every_curated_row_is_used(every_member):
    used = {(m.service, m.verdict.because) for m in every_member if m.verdict.rule == "curated"}
    unused = [row for row in CURATED
              if not any(row.service in ("*", service) and row.why == why for service, why in used)]
    if unused and documented_botocore()[0] != botocore.__version__:
        pytest.skip(f"botocore {botocore.__version__} lacks members the table names: {unused}")
    assert not unused


def find(every_member, service, container, member):
    for each in every_member:
        if (each.service, each.container, each.member) == (service, container, member):
            return each.verdict.sensitivity
    if documented_botocore()[0] != botocore.__version__:
        pytest.skip(f"{service}:{container}.{member} is not sensitive in botocore {botocore.__version__}")
    raise AssertionError(f"{service}:{container}.{member} is not a sensitive member")


@pytest.mark.parametrize("service, container, member, expected", [
    # Content and personal data: tests assert on them, so they are kept.
    ("lambda", "InvocationResponse", "Payload", PERSONAL),
    ("lambda", "InvocationRequest", "Payload", PERSONAL),
    ("bedrock-runtime", "InvokeModelResponse", "body", PERSONAL),
    ("bedrock-runtime", "InvokeModelRequest", "body", PERSONAL),
    ("bedrock-runtime", "PayloadPart", "bytes", PERSONAL),  # InvokeModelWithResponseStream chunks
    ("bedrock-runtime", "ReasoningTextBlock", "text", PERSONAL),
    ("bedrock-runtime", "ImageSource", "bytes", PERSONAL),
    ("lambda", "InvokeResponseStreamUpdate", "Payload", PERSONAL),
    ("cognito-idp", "UserType", "Username", PERSONAL),
    ("cognito-idp", "AttributeType", "Value", PERSONAL),
    ("s3", "GetObjectOutput", "SSEKMSKeyId", PERSONAL),
    ("deadline", "AwsCredentials", "accessKeyId", PERSONAL),  # in a credentials structure: an id
    ("ebs", "GetSnapshotBlockResponse", "BlockData", PERSONAL),
    # Secrets: redacted by default.
    ("lambda", "EnvironmentResponse", "Variables", SECRET),
    ("lambda", "Environment", "Variables", SECRET),
    ("kms", "DecryptResponse", "Plaintext", SECRET),
    ("kms", "GenerateDataKeyResponse", "Plaintext", SECRET),
    ("secretsmanager", "GetSecretValueResponse", "SecretString", SECRET),
    ("secretsmanager", "GetSecretValueResponse", "SecretBinary", SECRET),
    ("ssm", "Parameter", "Value", SECRET),
    ("sts", "Credentials", "SecretAccessKey", SECRET),
    ("iam", "AccessKey", "SecretAccessKey", SECRET),
    ("deadline", "AwsCredentials", "sessionToken", SECRET),
    ("cognito-idp", "InitiateAuthRequest", "AuthParameters", SECRET),
    ("cognito-idp", "AuthenticationResultType", "IdToken", SECRET),
    ("cognito-idp", "SignUpRequest", "Password", SECRET),
    ("rds", "CreateDBInstanceMessage", "MasterUserPassword", SECRET),
    ("s3", "GetObjectRequest", "SSECustomerKey", SECRET),
    ("iam", "VirtualMFADevice", "Base32StringSeed", SECRET),
    ("rds", "CopyDBSnapshotMessage", "PreSignedUrl", SECRET),
    ("ec2", "ResponseLaunchTemplateData", "UserData", SECRET),
])
def test_the_members_people_meet_most(every_member, service, container, member, expected):
    assert find(every_member, service, container, member) is expected


@pytest.mark.parametrize("member, shape, type_name, expected, rule", [
    ("NextToken", "String", "string", PERSONAL, "content word"),  # pages: not a credential
    ("ClientRequestToken", "String", "string", PERSONAL, "content word"),
    ("WebIdentityToken", "String", "string", SECRET, "secret word"),
    ("TagKeys", "TagKeyList", "list", PERSONAL, "content word"),
    ("ApiKey", "String", "string", SECRET, "secret word"),
    ("CountryCode", "String", "string", PERSONAL, "content word"),
    ("AuthorizationCode", "String", "string", SECRET, "secret word"),
    ("SecretArn", "String", "string", PERSONAL, "names"),  # names a secret; holds none
    ("PasswordLastUsed", "DateType", "timestamp", PERSONAL, "type"),
    ("MacAddress", "String", "string", PERSONAL, "content word"),
    ("Value", "ConnectionPasswordValue", "string", SECRET, "context"),
    ("EmailAddress", "String", "string", PERSONAL, "content word"),
])
def test_the_rule_reads_the_words_of_a_name(member, shape, type_name, expected, rule):
    verdict = classify("example", "Thing", member, shape, type_name)
    assert (verdict.sensitivity, verdict.rule) == (expected, rule)


def test_a_member_no_rule_knows_is_a_secret():
    verdict = classify("new-service", "Thing", "Zorblax", "ZorblaxType", "string")
    assert verdict == Verdict(SECRET, "unknown", verdict.because)
    assert "Zorblax" in verdict.because


def test_words():
    assert words("SSEKMSKeyId") == ("ssekms", "key", "id")
    assert words("clientSecret") == ("client", "secret")
    assert words("E164PhoneNumber") == ("e", "164", "phone", "number")
    assert words("QRCodePNG") == ("qr", "code", "png")


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(st.sampled_from(["Secret", "Key", "Id", "Token", "Next", "Name", "Value", "Url",
                                 "Signed", "Code", "Country", "User", "Data", "X", "Tag"]),
                min_size=1, max_size=4))
def test_any_name_gets_one_class_deterministically(parts):
    name = "".join(parts)
    first = classify("svc", "Shape", name, "String", "string")
    assert first.sensitivity in (SECRET, PERSONAL)
    assert classify.__wrapped__("svc", "Shape", name, "String", "string") == first
    if parts[-1] in ("Secret",) or (parts[-1] == "Token" and parts[-2:-1] != ["Next"]):
        assert first.sensitivity is SECRET, name


DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "hygiene.rst")


def test_the_docs_show_the_curated_table():
    with open(DOCS, encoding="utf-8") as handle:
        text = handle.read()
    for row in CURATED:
        service = "any" if row.service == "*" else f"``{row.service}``"
        assert f"* - {service}" in text and row.why in text, row


def test_the_docs_counts_are_this_botocores(every_member):
    version, total, text = documented_botocore()
    if version != botocore.__version__:
        pytest.skip(f"the docs count botocore {version}'s members; this is {botocore.__version__}")
    counts = collections.Counter(m.verdict.sensitivity for m in every_member)
    assert total == len(every_member)
    assert f"**{counts[SECRET]:,} secrets**" in text and f"**{counts[PERSONAL]:,} personal**" in text
