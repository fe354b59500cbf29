"""KMS, IAM, EC2, SQS, DynamoDB, CloudWatch, IoT data plane and CloudFormation, recorded
against moto's server and replayed offline, under UTC and a +05:30 local zone."""
import datetime
from collections import OrderedDict
from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import Binary
from botocore.exceptions import ClientError
from botocore.response import StreamingBody

from recording_helpers import RoundTrip, caught, load_file, read_body, recording_files

pytestmark = pytest.mark.recording

KOLKATA = datetime.timedelta(hours=5, minutes=30)
SECRET = bytes(range(256))


def _offset(local_tz):
    return KOLKATA if local_tz == "Asia/Kolkata" else datetime.timedelta(0)


# -- KMS ---------------------------------------------------------------------
def kms_scenario(session, url):
    kms = session.client("kms", endpoint_url=url)
    out = {"create": kms.create_key(Description="placebo")}
    key_id = out["create"]["KeyMetadata"]["KeyId"]
    out["encrypt"] = kms.encrypt(KeyId=key_id, Plaintext=SECRET)
    out["decrypt"] = kms.decrypt(CiphertextBlob=out["encrypt"]["CiphertextBlob"])
    out["data_key"] = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    return out


def test_kms_blobs_stay_bytes(tmp_path, moto, local_tz):
    live, replayed = RoundTrip(tmp_path, moto.url).run(kms_scenario)
    for run in (live, replayed):
        assert type(run["encrypt"]["CiphertextBlob"]) is bytes
        assert type(run["decrypt"]["Plaintext"]) is bytes
        assert run["decrypt"]["Plaintext"] == SECRET
        assert type(run["data_key"]["Plaintext"]) is bytes and len(run["data_key"]["Plaintext"]) == 32
        assert type(run["data_key"]["CiphertextBlob"]) is bytes
        created = run["create"]["KeyMetadata"]["CreationDate"]  # an epoch number on the wire
        assert created.utcoffset() == _offset(local_tz)
    assert replayed["encrypt"]["CiphertextBlob"] == live["encrypt"]["CiphertextBlob"]


# -- IAM ---------------------------------------------------------------------
TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", ' \
    '"Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'


def iam_scenario(session, url):
    iam = session.client("iam", endpoint_url=url)
    out = {"create": iam.create_role(RoleName="placebo-role", AssumeRolePolicyDocument=TRUST, Path="/svc/")}
    out["get"] = iam.get_role(RoleName="placebo-role")
    out["list"] = iam.list_roles()
    error = caught(iam.get_role, RoleName="no-such-role")
    out["missing"] = error
    out["missing_is_modeled"] = isinstance(error, iam.exceptions.NoSuchEntityException)
    return out


def test_iam_roles_and_modeled_error(tmp_path, moto, local_tz):
    live, replayed = RoundTrip(tmp_path, moto.url).run(iam_scenario)
    for run in (live, replayed):
        role = run["get"]["Role"]
        assert isinstance(role["CreateDate"], datetime.datetime)
        assert role["CreateDate"].utcoffset() is not None
        # botocore's after-call handler turns the url-encoded policy into a dict, both times.
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Action"] == "sts:AssumeRole"
        assert [r["RoleName"] for r in run["list"]["Roles"]] == ["placebo-role"]
        assert run["missing_is_modeled"] is True
        error = run["missing"]
        assert type(error).__name__ == "NoSuchEntityException"
        assert error.response["Error"]["Code"] == "NoSuchEntity"
        assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert "no-such-role" in error.response["Error"]["Message"]
    assert str(replayed["missing"]) == str(live["missing"])
    # On disk the policy is what the wire gave; botocore decodes it on replay too.
    stored = load_file(tmp_path, "iam.GetRole_1.json")["data"]["Role"]["AssumeRolePolicyDocument"]
    assert isinstance(stored, str) and "sts%3AAssumeRole" in stored
    assert load_file(tmp_path, "iam.GetRole_2.json")["status_code"] == 404


# -- EC2 ---------------------------------------------------------------------
AMI = "ami-12c6146b"  # one of moto's built-in images


def ec2_scenario(session, url):
    ec2 = session.client("ec2", endpoint_url=url)
    out = {"run": ec2.run_instances(
        ImageId=AMI, MinCount=2, MaxCount=2, InstanceType="t2.micro",
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "placebo"}]}],
    )}
    out["more"] = [ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1) for _ in range(6)]
    ids = [i["InstanceId"] for i in out["run"]["Instances"]]
    out["describe"] = ec2.describe_instances(InstanceIds=ids)
    out["pages"] = list(ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}))
    out["missing"] = caught(ec2.describe_instances, InstanceIds=["i-0123456789abcdef0"])
    # botocore base64-decodes Output in an after-call handler, live and on replay.
    out["console"] = ec2.get_console_output(InstanceId=ids[0])
    return out


def test_ec2_instances_and_paginator(tmp_path, moto, local_tz):
    live, replayed = RoundTrip(tmp_path, moto.url).run(ec2_scenario)
    for run in (live, replayed):
        reservations = run["describe"]["Reservations"]
        assert len(reservations) == 1 and len(reservations[0]["Instances"]) == 2
        instance = reservations[0]["Instances"][0]
        assert isinstance(instance["LaunchTime"], datetime.datetime)
        assert instance["Tags"] == [{"Key": "team", "Value": "placebo"}]
        assert [len(p["Reservations"]) for p in run["pages"]] == [5, 2]
        assert "NextToken" in run["pages"][0] and "NextToken" not in run["pages"][1]
        assert run["missing"].response["Error"]["Code"] == "InvalidInstanceID.NotFound"
        assert run["console"]["Output"].startswith("Linux version")
    assert [n for n in recording_files(tmp_path) if n.startswith("ec2.DescribeInstances")] == [
        f"ec2.DescribeInstances_{n}.json" for n in (1, 2, 3, 4)]


# -- SQS ---------------------------------------------------------------------
def sqs_scenario(session, url):
    sqs = session.client("sqs", endpoint_url=url)
    out = {"create": sqs.create_queue(QueueName="placebo-queue", Attributes={"VisibilityTimeout": "30"})}
    queue = out["create"]["QueueUrl"]
    out["send"] = sqs.send_message(
        QueueUrl=queue, MessageBody="h\u00e9llo",
        MessageAttributes={
            "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff\x80"},
            "count": {"DataType": "Number", "StringValue": "3"},
        },
    )
    out["receive"] = sqs.receive_message(
        QueueUrl=queue, MessageAttributeNames=["All"], AttributeNames=["All"], WaitTimeSeconds=0)
    out["attributes"] = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])
    error = caught(sqs.get_queue_url, QueueName="no-such-queue")
    out["missing"] = error
    out["missing_is_modeled"] = isinstance(error, sqs.exceptions.QueueDoesNotExist)
    return out


def test_sqs_messages_and_modeled_error(tmp_path, moto):
    live, replayed = RoundTrip(tmp_path, moto.url).run(sqs_scenario)
    for run in (live, replayed):
        (message,) = run["receive"]["Messages"]
        assert message["Body"] == "h\u00e9llo"
        blob = message["MessageAttributes"]["blob"]["BinaryValue"]
        assert type(blob) is bytes and blob == b"\x00\xff\x80"
        assert run["missing_is_modeled"] is True
        assert type(run["missing"]).__name__ == "QueueDoesNotExist"
        assert run["missing"].response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- DynamoDB ----------------------------------------------------------------
TABLE = "placebo-table"


def dynamodb_scenario(session, url):
    ddb = session.client("dynamodb", endpoint_url=url)
    out = {"create": ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST",
    )}
    out["puts"] = [
        ddb.put_item(TableName=TABLE, Item={
            "pk": {"S": "p"}, "sk": {"N": str(i)}, "blob": {"B": bytes([i, 0, 255])},
            "price": {"N": f"{i}.25"}, "tags": {"SS": ["a", "b"]}, "flag": {"BOOL": i % 2 == 0},
        })
        for i in range(10)
    ]
    out["query_pages"] = list(ddb.get_paginator("query").paginate(
        TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
        PaginationConfig={"PageSize": 3}))
    out["scan_pages"] = list(ddb.get_paginator("scan").paginate(
        TableName=TABLE, PaginationConfig={"PageSize": 4}))
    out["describe"] = ddb.describe_table(TableName=TABLE)
    # A modeled error that carries a member of its own (the old item).
    out["conditional"] = caught(
        ddb.put_item, TableName=TABLE, Item={"pk": {"S": "p"}, "sk": {"N": "0"}},
        ConditionExpression="attribute_not_exists(pk)", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    out["conditional_is_modeled"] = isinstance(
        out["conditional"], ddb.exceptions.ConditionalCheckFailedException)

    table = session.resource("dynamodb", endpoint_url=url).Table(TABLE)
    table.put_item(Item={"pk": "r", "sk": 1, "amount": Decimal("12.5"), "blob": b"\x01\x02",
                         "nums": {Decimal(1), Decimal("2.5")}})
    out["resource_get"] = table.get_item(Key={"pk": "r", "sk": 1})
    out["resource_query"] = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").lt(3))
    out["resource_created"] = table.creation_date_time  # loads the table: DescribeTable_2
    return out


def test_dynamodb_pages_resource_and_epoch_datetimes(tmp_path, moto, local_tz):
    live, replayed = RoundTrip(tmp_path, moto.url).run(dynamodb_scenario)
    for run in (live, replayed):
        assert [p["Count"] for p in run["query_pages"]] == [3, 3, 3, 1]
        assert [int(i["sk"]["N"]) for p in run["query_pages"] for i in p["Items"]] == list(range(10))
        assert [p["Count"] for p in run["scan_pages"]] == [4, 4, 2]
        first = run["query_pages"][0]["Items"][0]
        assert type(first["blob"]["B"]) is bytes and first["blob"]["B"] == b"\x00\x00\xff"
        assert first["flag"] == {"BOOL": True}
        assert run["conditional_is_modeled"] is True
        assert run["conditional"].response["Item"]["blob"] == {"B": b"\x00\x00\xff"}
        created = run["describe"]["Table"]["CreationDateTime"]
        assert created.utcoffset() == _offset(local_tz)  # epoch on the wire, local time in botocore
        assert run["resource_created"] == created

        item = run["resource_get"]["Item"]
        assert type(item["amount"]) is Decimal and item["amount"] == Decimal("12.5")
        assert type(item["sk"]) is Decimal
        assert type(item["blob"]) is Binary and item["blob"].value == b"\x01\x02"
        assert item["nums"] == {Decimal(1), Decimal("2.5")}
        assert [i["sk"] for i in run["resource_query"]["Items"]] == [Decimal(0), Decimal(1), Decimal(2)]
        assert all(type(i["price"]) is Decimal for i in run["resource_query"]["Items"])
    # What was recorded is the wire form; boto3's resource layer converts it again on replay.
    stored = load_file(tmp_path, "dynamodb.GetItem_1.json")["data"]["Item"]
    assert stored["amount"] == {"N": "12.5"}
    assert [n for n in recording_files(tmp_path) if n.startswith("dynamodb.Query")] == [
        f"dynamodb.Query_{n}.json" for n in (1, 2, 3, 4, 5)]


# -- CloudWatch ----------------------------------------------------------------
def cloudwatch_scenario(session, url):
    cw = session.client("cloudwatch", endpoint_url=url)
    now = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
    out = {"put": cw.put_metric_data(Namespace="Placebo", MetricData=[
        {"MetricName": "Latency", "Value": 1.5, "Unit": "Seconds", "Timestamp": now,
         "Dimensions": [{"Name": "Stage", "Value": "test"}]},
        {"MetricName": "Latency", "Value": 2.0, "Unit": "Seconds", "Timestamp": now,
         "Dimensions": [{"Name": "Stage", "Value": "test"}]},
    ])}
    out["list"] = cw.list_metrics(Namespace="Placebo")
    out["stats"] = cw.get_metric_statistics(
        Namespace="Placebo", MetricName="Latency", Dimensions=[{"Name": "Stage", "Value": "test"}],
        StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=5),
        Period=600, Statistics=["Sum", "Maximum", "SampleCount"])
    return out


def test_cloudwatch_is_recorded_under_monitoring(tmp_path, moto, local_tz):
    live, replayed = RoundTrip(tmp_path, moto.url).run(cloudwatch_scenario)
    assert recording_files(tmp_path) == [
        "monitoring.GetMetricStatistics_1.json", "monitoring.ListMetrics_1.json",
        "monitoring.PutMetricData_1.json"]
    for run in (live, replayed):
        assert [m["MetricName"] for m in run["list"]["Metrics"]] == ["Latency"]
        (point,) = run["stats"]["Datapoints"]
        assert type(point["Sum"]) is float and point["Sum"] == 3.5
        assert type(point["SampleCount"]) is float
        assert isinstance(point["Timestamp"], datetime.datetime)


# -- IoT data plane: a hyphenated service name, a dotted endpoint prefix --------
def iot_data_scenario(session, url):
    iot = session.client("iot", endpoint_url=url)
    data = session.client("iot-data", endpoint_url=url)
    out = {"thing": iot.create_thing(thingName="placebo-thing")}
    out["update"] = data.update_thing_shadow(
        thingName="placebo-thing", payload=b'{"state": {"desired": {"on": true}}}')
    shadow = data.get_thing_shadow(thingName="placebo-thing")
    out["shadow_payload"] = read_body(shadow["payload"])
    out["shadow"] = shadow
    out["publish"] = data.publish(topic="placebo/test", qos=0, payload=b"\x00\xffhello")
    out["missing"] = caught(data.get_thing_shadow, thingName="no-such-thing")
    return out


def test_iot_data_files_use_its_endpoint_prefix(tmp_path, moto):
    live, replayed = RoundTrip(tmp_path, moto.url).run(iot_data_scenario)
    assert recording_files(tmp_path) == [
        "data-ats.iot.GetThingShadow_1.json", "data-ats.iot.GetThingShadow_2.json",
        "data-ats.iot.Publish_1.json", "data-ats.iot.UpdateThingShadow_1.json",
        "iot.CreateThing_1.json"]
    for run in (live, replayed):
        assert b'"on": true' in run["shadow_payload"]
        assert type(run["shadow"]["payload"]) is StreamingBody
        assert type(run["update"]["payload"]) is StreamingBody
        assert isinstance(run["missing"], ClientError)
        assert run["missing"].response["ResponseMetadata"]["HTTPStatusCode"] == 404


# -- CloudFormation: an after-call handler turns a string into an OrderedDict --
def test_cloudformation_template_is_decoded_on_replay_too(tmp_path, moto, local_tz):
    template = '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}'

    def stack(session, url):
        cfn = session.client("cloudformation", endpoint_url=url)
        out = {"create": cfn.create_stack(StackName="placebo-stack", TemplateBody=template)}
        out["describe"] = cfn.describe_stacks(StackName="placebo-stack")
        out["template"] = cfn.get_template(StackName="placebo-stack")
        return out

    live, replayed = RoundTrip(tmp_path, moto.url).run(stack)
    for run in (live, replayed):
        body = run["template"]["TemplateBody"]
        assert type(body) is OrderedDict and body == {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
        assert run["describe"]["Stacks"][0]["CreationTime"].utcoffset() is not None
    stored = load_file(tmp_path, "cloudformation.GetTemplate_1.json")["data"]["TemplateBody"]
    assert stored == template
