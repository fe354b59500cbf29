"""A small piece of "legacy" application code, as found in many projects.

It calls ``boto3.client(...)`` on boto3's default session instead of taking a
session as an argument. PlaceboTestCase makes the test's session the default
session while each test runs, so these calls are recorded and replayed too.
"""
import json

import boto3


def archive_report(bucket, key, report):
    """Store ``report`` (a dict) as JSON in S3; return the object's ETag."""
    s3 = boto3.client("s3")
    body = json.dumps(report, sort_keys=True).encode("utf-8")
    return s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"]


def load_report(bucket, key):
    """Read back a report stored by :func:`archive_report`."""
    s3 = boto3.client("s3")
    with s3.get_object(Bucket=bucket, Key=key)["Body"] as body:
        return json.loads(body.read().decode("utf-8"))


def running_instance_ids(ec2=None):
    """Ids of every running EC2 instance, across all pages of results."""
    ec2 = ec2 or boto3.client("ec2")
    ids = []
    paginator = ec2.get_paginator("describe_instances")
    pages = paginator.paginate(
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}],
        PaginationConfig={"PageSize": 5},
    )
    for page in pages:
        for reservation in page["Reservations"]:
            ids.extend(i["InstanceId"] for i in reservation["Instances"])
    return sorted(ids)
