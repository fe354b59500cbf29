"""The same kind of tests in pytest's style, with the plugin's fixtures.

::

    python -m pytest examples/test_pytest_style.py --placebo-mode=playback
    python -m pytest examples/test_pytest_style.py --placebo-mode=record   # against AWS or moto

Each test's recordings are in ``placebo/test_pytest_style.<test name>``.
``python -m placebo_unittest discover -s examples`` imports this module too,
and finds no unittest tests in it.
"""
import boto3
import inventory
import pytest

BUCKET = "example-pytest-reports"
TRUSTY = [{"Name": "name", "Values": ["ubuntu/images/*trusty*"]}]


@pytest.fixture
def s3(placebo_client):
    """A bucket made for the test, through the test's session (so recorded too)."""
    client = placebo_client("s3")
    client.create_bucket(Bucket=BUCKET)
    return client


def test_legacy_code_uses_the_default_session(s3, placebo_session):
    assert boto3.DEFAULT_SESSION is placebo_session
    report = {"instances": 3, "owner": "ops"}
    inventory.archive_report(BUCKET, "reports/today.json", report)
    assert inventory.load_report(BUCKET, "reports/today.json") == report


@pytest.mark.parametrize("region, count", [("eu-west-1", 2), ("ap-southeast-2", 6)])
def test_running_instances_across_pages(placebo_client, region, count):
    """One directory of recordings for each case; six launches take two pages."""
    ec2 = placebo_client("ec2", region_name=region)
    image_id = ec2.describe_images(Owners=["amazon"], Filters=TRUSTY)["Images"][0]["ImageId"]
    launched = [
        ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro")
        for _ in range(count)
    ]
    expected = sorted(r["Instances"][0]["InstanceId"] for r in launched)
    assert inventory.running_instance_ids(ec2) == expected


@pytest.mark.placebo(region="eu-central-1", match="params")
def test_queues_in_a_region_of_their_own(placebo_client, placebo_session, placebo_pill):
    """The marker sets the region, and replays each call by its parameters."""
    assert placebo_session.region_name == "eu-central-1"
    sqs = placebo_client("sqs")
    urls = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("pytest-jobs", "pytest-done")}
    for name, url in sorted(urls.items()):
        assert sqs.get_queue_url(QueueName=name)["QueueUrl"] == url
    assert len(placebo_pill.find_calls("sqs", "create_queue")) == 2


def test_unknown_instance_is_an_error(placebo_client):
    ec2 = placebo_client("ec2", region_name="eu-west-2")
    with pytest.raises(ec2.exceptions.ClientError) as caught:
        ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
    assert caught.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
