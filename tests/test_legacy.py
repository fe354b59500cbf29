"""Replaying recordings made by placebo 0.10.0 and by cloud-custodian's wrapper.

The files under tests/fixtures/legacy/ were written by hand in those formats.
They have no ``placebo_unittest`` section, so datetimes read as UTC, and base64
strings become bytes (ISO strings datetimes) only where the botocore model of
the operation says blob (timestamp).
"""
import base64
import datetime as dt
import os
import pickle
import shutil

import placebo.pill
import pytest
from botocore.response import StreamingBody
from dateutil.tz import tzutc

import placebo_unittest
from placebo_unittest.errors import PickleNotAllowedError, RecordingNotFoundError

from unit_helpers import fast_session

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "legacy")
DEAD_ENDPOINT = "http://127.0.0.1:9"
UTC = dt.timezone.utc


def utc(*fields):
    return dt.datetime(*fields, tzinfo=UTC)


def assert_utc(value, expected):
    assert type(value) is dt.datetime, type(value)
    assert value.tzinfo is not None and value.utcoffset() == dt.timedelta(0), value
    assert value == expected
    assert value.replace(tzinfo=None) == expected.replace(tzinfo=None)


def snapshot(directory):
    """Every file in ``directory`` and its bytes."""
    files = {}
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name), "rb") as handle:
            files[name] = handle.read()
    return files


@pytest.fixture(autouse=True)
def clean_env(clean_placebo_env):
    """Every test here starts with none of placebo_unittest's variables set."""


@pytest.fixture
def replay(tmp_path, no_network_here):
    """replay(kind, prefix=None) -> a session whose clients replay the copied fixtures."""
    made = []

    def start(kind, prefix=None, legacy_types=True, **kwargs):
        directory = str(tmp_path / kind)
        if not os.path.isdir(directory):
            shutil.copytree(os.path.join(FIXTURES, kind), directory)
        session = fast_session()
        pill = placebo_unittest.attach(session, directory, prefix=prefix, legacy_types=legacy_types,
                                       **kwargs)
        pill.playback()
        made.append((directory, snapshot(directory)))
        return session

    yield start
    for directory, before in made:
        assert snapshot(directory) == before, "playback changed or added files in " + directory


def client(session, name):
    return session.client(name, endpoint_url=DEAD_ENDPOINT)


# -- placebo 0.10.0 -------------------------------------------------------------------------
def test_placebo_blob_is_bytes(replay):
    kms = client(replay("placebo"), "kms")
    response = kms.encrypt(KeyId="alias/app", Plaintext=b"secret")
    assert type(response["CiphertextBlob"]) is bytes
    assert response["CiphertextBlob"] == b"\x01\x02\x03\x04kms-ciphertext\xfe\xff"
    assert type(response["KeyId"]) is str and response["KeyId"].startswith("arn:aws:kms:")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_placebo_blob_only_where_the_model_says_blob(replay):
    response = client(replay("placebo"), "kms").decrypt(CiphertextBlob=b"x")
    assert response["Plaintext"] == b"\n \x8f\x9e\xa1\x00secret"
    assert type(response["Plaintext"]) is bytes
    assert response["KeyId"] == "dGVzdA=="  # looks like base64, but the model says string


def test_placebo_streaming_body_and_datetime(replay):
    s3 = client(replay("placebo"), "s3")
    response = s3.get_object(Bucket="bucket", Key="hello.txt")
    assert isinstance(response["Body"], StreamingBody)
    assert response["Body"].read() == b"hello placebo\n"
    assert response["ContentLength"] == 14
    assert_utc(response["LastModified"], utc(2024, 6, 3, 9, 8, 7))
    assert response["Metadata"] == {}


def test_placebo_streaming_checksum_body(replay):
    s3 = client(replay("placebo"), "s3")
    s3.get_object(Bucket="bucket", Key="hello.txt")
    response = s3.get_object(Bucket="bucket", Key="checked.bin")
    assert isinstance(response["Body"], StreamingBody)
    assert response["Body"].read() == b"checked body"
    assert response["ChecksumCRC32"] == "YGkU9g=="
    assert_utc(response["LastModified"], utc(2025, 1, 31, 23, 59, 58))


def test_placebo_lambda_payload(replay):
    response = client(replay("placebo"), "lambda").invoke(FunctionName="f")
    assert isinstance(response["Payload"], StreamingBody)
    assert response["Payload"].read() == b'{"ok": true}'
    assert response["StatusCode"] == 200


def test_placebo_nested_datetimes_and_strings_that_only_look_typed(replay):
    ec2 = client(replay("placebo"), "ec2")
    instance = ec2.describe_instances()["Reservations"][0]["Instances"][0]
    assert_utc(instance["LaunchTime"], utc(2024, 5, 17, 8, 30, 5))
    assert_utc(instance["NetworkInterfaces"][0]["Attachment"]["AttachTime"], utc(2024, 5, 17, 8, 30, 5))
    tags = {tag["Key"]: tag["Value"] for tag in instance["Tags"]}
    assert tags == {"Name": "web-1", "expires": "2025-01-01T00:00:00Z", "token": "aGVsbG8="}
    assert all(type(value) is str for value in tags.values())
    assert instance["NetworkInterfaces"][0]["Attachment"]["DeleteOnTermination"] is True


def test_placebo_iso_string_in_a_timestamp_field_is_a_datetime(replay):
    user = client(replay("placebo"), "iam").get_user()["User"]
    assert_utc(user["CreateDate"], utc(2015, 3, 4, 5, 6, 7))
    assert_utc(user["PasswordLastUsed"], utc(2024, 2, 29, 23, 59, 59))
    assert user["UserName"] == "dGVzdA=="


def test_placebo_files_named_by_endpoint_prefix(replay):
    cloudwatch = client(replay("placebo"), "cloudwatch")
    response = cloudwatch.get_metric_statistics(
        Namespace="AWS/EC2", MetricName="CPUUtilization", StartTime=utc(2024, 6, 1),
        EndTime=utc(2024, 6, 2), Period=300, Statistics=["Average"])
    stamps = [point["Timestamp"] for point in response["Datapoints"]]
    for stamp, expected in zip(stamps, [utc(2024, 6, 1, 0, 0), utc(2024, 6, 1, 0, 5)], strict=True):
        assert_utc(stamp, expected)
    assert [point["Average"] for point in response["Datapoints"]] == [12.5, 7.25]


def test_placebo_file_under_a_shared_endpoint_prefix(replay):
    """placebo named elbv2's recordings after the endpoint prefix elb shares; they still replay."""
    session = replay("placebo")
    balancer = client(session, "elbv2").describe_load_balancers()["LoadBalancers"][0]
    assert balancer["LoadBalancerName"] == "web"
    assert_utc(balancer["CreatedTime"], utc(2023, 10, 5, 14, 2, 11, 540000))


def test_placebo_sequence_replays_in_order_then_cycles(replay):
    ec2 = client(replay("placebo"), "ec2")
    ips = [[a["PublicIp"] for a in ec2.describe_addresses()["Addresses"]] for _ in range(5)]
    assert ips == [["203.0.113.10"], [], ["203.0.113.10"], [], ["203.0.113.10"]]


def test_placebo_prefix(replay):
    prefixed = client(replay("placebo", prefix="foo"), "ec2")
    assert [a["PublicIp"] for a in prefixed.describe_addresses()["Addresses"]] == ["198.51.100.7"]
    assert [a["PublicIp"] for a in prefixed.describe_addresses()["Addresses"]] == ["198.51.100.7"]
    plain = client(replay("placebo"), "ec2")
    assert [a["PublicIp"] for a in plain.describe_addresses()["Addresses"]] == ["203.0.113.10"]
    # The prefixed pill has no other recordings.
    with pytest.raises(RecordingNotFoundError):
        prefixed.describe_instances()


def test_placebo_files_through_load_response(tmp_path):
    """Pill.load_response, placebo's API, on placebo's files: placebo's values, bodies readable."""
    directory = str(tmp_path / "placebo")
    shutil.copytree(os.path.join(FIXTURES, "placebo"), directory)
    pill = placebo_unittest.attach(fast_session(), directory)
    pill.playback()
    http_response, data = pill.load_response("s3", "GetObject")
    assert http_response.status_code == 200
    assert data["Body"].read() == b"hello placebo\n"
    assert_utc(data["LastModified"], utc(2024, 6, 3, 9, 8, 7))


def test_placebo_files_read_the_same_by_placebo(tmp_path):
    """The fixtures really are placebo's format: placebo's own reader takes them."""
    directory = str(tmp_path / "placebo")
    shutil.copytree(os.path.join(FIXTURES, "placebo"), directory)
    theirs = placebo.pill.Pill()
    theirs.attach(fast_session(), directory)
    _http, data = theirs.load_response("kms", "Encrypt")
    assert base64.b64decode(data["CiphertextBlob"]) == b"\x01\x02\x03\x04kms-ciphertext\xfe\xff"
    _http, data = theirs.load_response("s3", "GetObject")
    assert data["Body"].read() == b"hello placebo\n"
    assert data["LastModified"] == utc(2024, 6, 3, 9, 8, 7)


# -- cloud-custodian ---------------------------------------------------------------------------
def test_custodian_datetimes_with_keys_in_any_order(replay):
    ec2 = client(replay("custodian"), "ec2")
    reservation = ec2.describe_instances()["Reservations"][0]
    assert reservation["OwnerId"] == "644160558196"
    instance = reservation["Instances"][0]
    assert_utc(instance["LaunchTime"], utc(2016, 3, 14, 22, 3, 43))
    assert instance["IamInstanceProfile"]["Arn"] == "arn:aws:iam::644160558196:instance-profile/ecsInstanceRole"
    assert instance["EbsOptimized"] is False


def test_custodian_empty_response_metadata(replay):
    sts = client(replay("custodian"), "sts")
    first = sts.get_caller_identity()
    assert first["Account"] == "644160558196"
    assert first["ResponseMetadata"] == {}
    assert sts.get_caller_identity()["Arn"].startswith("arn:aws:sts::644160558196:assumed-role/")
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::644160558196:user/custodian"


def test_custodian_iam_roles(replay):
    roles = client(replay("custodian"), "iam").list_roles()["Roles"]
    assert_utc(roles[0]["CreateDate"], utc(2016, 4, 26, 19, 32, 46))
    # Recorded as IAM sends it (URL-encoded JSON); botocore decodes it on replay as on the wire.
    assert roles[0]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    assert roles[0]["Arn"] == "arn:aws:iam::644160558196:role/ecsInstanceRole"


def test_custodian_blob_and_bodies(replay):
    session = replay("custodian")
    kms = client(session, "kms").encrypt(KeyId="k", Plaintext=b"p")
    assert type(kms["CiphertextBlob"]) is bytes
    assert kms["CiphertextBlob"] == b"\x01\x02\x03\x04kms-ciphertext\xfe\xff"
    s3 = client(session, "s3")
    first = s3.get_object(Bucket="c7n", Key="a")
    assert isinstance(first["Body"], StreamingBody)
    assert first["Body"].read() == b"custodian object\x00\xff"
    assert_utc(first["LastModified"], utc(2017, 11, 2, 15, 45, 1))
    # Older custodian recordings kept the body as text rather than base64.
    second = s3.get_object(Bucket="c7n", Key="b")
    assert isinstance(second["Body"], StreamingBody)
    assert second["Body"].read() == b'{"Statement": [{"Effect": "Allow"}]}\n'


def test_custodian_metrics(replay):
    response = client(replay("custodian"), "cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Invocations", StartTime=utc(2017, 1, 9),
        EndTime=utc(2017, 1, 10), Period=86400, Statistics=["Sum"])
    assert_utc(response["Datapoints"][0]["Timestamp"], utc(2017, 1, 9))
    assert type(response["Datapoints"][0]["Sum"]) is float


# -- placebo's pickle format ---------------------------------------------------------------------
def write_placebo_pickle(directory):
    """A .pickle recording written by placebo 0.10.0's own writer."""
    writer = placebo.pill.Pill(record_format="pickle")
    writer.attach(fast_session(), directory)
    writer.save_response("kms", "Encrypt", {
        "CiphertextBlob": b"\x00pickled\xff",
        "KeyId": "alias/pickled",
        "ResponseMetadata": {"HTTPStatusCode": 200},
    })
    writer.save_response("ec2", "DescribeInstances", {"Reservations": [{"Instances": [
        {"InstanceId": "i-1", "LaunchTime": dt.datetime(2020, 2, 3, 4, 5, 6, 7, tzinfo=tzutc())}]}]})
    names = sorted(os.listdir(directory))
    assert names == ["ec2.DescribeInstances_1.pickle", "kms.Encrypt_1.pickle"]
    with open(os.path.join(directory, names[1]), "rb") as handle:
        assert set(pickle.load(handle)) == {"status_code", "data"}


@pytest.mark.parametrize("how", ["kwarg", "env"])
def test_placebo_pickle_is_read_when_chosen(tmp_path, no_network_here, how):
    write_placebo_pickle(str(tmp_path))
    before = snapshot(str(tmp_path))
    session = fast_session()
    if how == "env":
        os.environ["PLACEBO_FORMAT"] = "pickle"
        pill = placebo_unittest.attach(session, str(tmp_path))
    else:
        pill = placebo_unittest.attach(session, str(tmp_path), record_format="pickle")
    pill.playback()
    response = client(session, "kms").encrypt(KeyId="k", Plaintext=b"p")
    assert response["CiphertextBlob"] == b"\x00pickled\xff"
    assert type(response["CiphertextBlob"]) is bytes
    instance = client(session, "ec2").describe_instances()["Reservations"][0]["Instances"][0]
    assert_utc(instance["LaunchTime"], utc(2020, 2, 3, 4, 5, 6, 7))
    assert snapshot(str(tmp_path)) == before


def test_placebo_pickle_is_refused_unless_chosen(tmp_path, no_network_here):
    write_placebo_pickle(str(tmp_path))
    session = fast_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.playback()
    with pytest.raises(PickleNotAllowedError) as caught:
        client(session, "kms").encrypt(KeyId="k", Plaintext=b"p")
    message = str(caught.value)
    assert "kms.Encrypt_1.pickle" in message
    assert "record_format='pickle'" in message and "PLACEBO_FORMAT=pickle" in message
    assert isinstance(caught.value, RecordingNotFoundError)
