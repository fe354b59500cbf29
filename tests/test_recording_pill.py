"""The Pill's own behaviour against real HTTP: which clients it sees, file names
for services sharing an endpoint prefix, mode switches, record filters."""
import os
import shutil

import pytest

import placebo_unittest

from conftest import make_session, network_blocked
from recording_helpers import (
    DEAD_ENDPOINT,
    RoundTrip,
    assert_same,
    load_file,
    read_body,
    recording_files,
)

pytestmark = pytest.mark.recording


# -- 7: clients and resources made before and after record() / playback() ---------
def test_clients_and_resources_made_at_any_time_after_attach(tmp_path, moto):
    def run(endpoint, mode):
        session = make_session()
        outsider = session.client("sqs", endpoint_url=endpoint)  # made before attach()
        pill = placebo_unittest.attach(session, str(tmp_path))
        early_client = session.client("sqs", endpoint_url=endpoint)
        early_resource = session.resource("s3", endpoint_url=endpoint)
        getattr(pill, mode)()
        late_client = session.client("sqs", endpoint_url=endpoint)
        late_resource = session.resource("s3", endpoint_url=endpoint)

        if mode == "record":
            # Not under the pill yet: goes to moto, and nothing is saved.
            outsider.create_queue(QueueName="outsider")
            assert recording_files(tmp_path) == []
        else:
            assert not any(c is outsider for c in pill.clients)
        pill.add_client(outsider)
        pill.add_client(outsider)  # harmless twice

        out = {
            "early_create": early_client.create_queue(QueueName="early"),
            "late_url": late_client.get_queue_url(QueueName="early"),
            "outsider_list": outsider.list_queues(),
            "early_resource_bucket": early_resource.create_bucket(Bucket="early-bucket").name,
        }
        late_resource.Bucket("early-bucket").put_object(Key="k", Body=b"\x00\x01")
        out["late_resource_buckets"] = [b.name for b in late_resource.buckets.all()]
        out["early_resource_body"] = read_body(early_resource.Object("early-bucket", "k").get()["Body"])
        clients = [outsider, early_client, late_client,
                   early_resource.meta.client, late_resource.meta.client]
        assert all(any(c is known for known in pill.clients) for c in clients)
        assert len(pill.clients) == len(clients)
        return pill, out

    record_pill, live = run(moto.url, "record")
    assert sorted(live["outsider_list"]["QueueUrls"]) == [
        moto.url + "/123456789012/early", moto.url + "/123456789012/outsider"]
    assert live["early_resource_body"] == b"\x00\x01"
    assert recording_files(tmp_path) == [
        "s3.CreateBucket_1.json", "s3.GetObject_1.json", "s3.ListBuckets_1.json", "s3.PutObject_1.json",
        "sqs.CreateQueue_1.json", "sqs.GetQueueUrl_1.json", "sqs.ListQueues_1.json"]
    assert [os.path.basename(p) for p in record_pill.recorded] == [
        "sqs.CreateQueue_1.json", "sqs.GetQueueUrl_1.json", "sqs.ListQueues_1.json",
        "s3.CreateBucket_1.json", "s3.PutObject_1.json", "s3.ListBuckets_1.json", "s3.GetObject_1.json"]

    with network_blocked():
        replay_pill, replayed = run(DEAD_ENDPOINT, "playback")
    assert_same(live, replayed)
    assert replay_pill.unused_recordings() == []


def test_client_made_before_attach_is_ignored_until_added(tmp_path, moto):
    session = make_session()
    before = session.client("s3", endpoint_url=moto.url)
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.record()
    before.create_bucket(Bucket="not-recorded")
    assert pill.recorded == [] and pill.clients == []
    pill.add_client(before)
    before.list_buckets()
    assert recording_files(tmp_path) == ["s3.ListBuckets_1.json"]
    pill.remove_client(before)
    before.list_buckets()
    assert recording_files(tmp_path) == ["s3.ListBuckets_1.json"]


# -- 8: elb and elbv2 share the endpoint prefix elasticloadbalancing ----------
def load_balancers(session, url):
    ec2 = session.client("ec2", endpoint_url=url)
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for cidr, zone in (("10.1.1.0/24", "us-east-1a"), ("10.1.2.0/24", "us-east-1b"))
    ]
    elb = session.client("elb", endpoint_url=url)
    elbv2 = session.client("elbv2", endpoint_url=url)
    out = {
        "classic_create": elb.create_load_balancer(
            LoadBalancerName="classic-lb", AvailabilityZones=["us-east-1a"],
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}]),
        "v2_create": elbv2.create_load_balancer(Name="app-lb", Subnets=subnets),
    }
    out["classic"] = elb.describe_load_balancers()
    out["v2"] = elbv2.describe_load_balancers()
    return out


def test_elb_and_elbv2_recordings_do_not_collide(tmp_path, moto, local_tz):
    live, replayed = RoundTrip(tmp_path, moto.url).run(load_balancers)
    names = recording_files(tmp_path)
    assert "elasticloadbalancing.DescribeLoadBalancers_1.json" in names
    assert "elbv2.DescribeLoadBalancers_1.json" in names
    assert "elasticloadbalancing.DescribeLoadBalancers_2.json" not in names
    assert "elasticloadbalancing.CreateLoadBalancer_1.json" in names
    assert "elbv2.CreateLoadBalancer_1.json" in names
    classic = load_file(tmp_path, "elasticloadbalancing.DescribeLoadBalancers_1.json")["data"]
    v2 = load_file(tmp_path, "elbv2.DescribeLoadBalancers_1.json")["data"]
    assert [lb["LoadBalancerName"] for lb in classic["LoadBalancerDescriptions"]] == ["classic-lb"]
    assert [lb["LoadBalancerName"] for lb in v2["LoadBalancers"]] == ["app-lb"]
    for run in (live, replayed):
        assert [lb["LoadBalancerName"] for lb in run["classic"]["LoadBalancerDescriptions"]] == ["classic-lb"]
        assert "LoadBalancers" not in run["classic"]
        assert [lb["LoadBalancerName"] for lb in run["v2"]["LoadBalancers"]] == ["app-lb"]
        assert run["v2"]["LoadBalancers"][0]["CreatedTime"].utcoffset() is not None


def test_elbv2_replays_a_file_named_under_the_shared_prefix(tmp_path, moto):
    recorded = tmp_path / "recorded"
    trip = RoundTrip(recorded, moto.url)
    live = trip.record(load_balancers)
    # What placebo (which knows only endpoint prefixes) would have named it.
    fresh = tmp_path / "placebo-named"
    fresh.mkdir()
    shutil.copy(str(recorded / "elbv2.DescribeLoadBalancers_1.json"),
                str(fresh / "elasticloadbalancing.DescribeLoadBalancers_1.json"))
    pill = placebo_unittest.attach(make_session(), str(fresh))
    pill.playback()
    elbv2 = pill.session.client("elbv2", endpoint_url=DEAD_ENDPOINT)
    with network_blocked():
        replayed = elbv2.describe_load_balancers()
    assert_same(live["v2"], replayed)
    assert pill.unused_recordings() == []


# -- 10: record -> playback -> record -> playback on one pill -------------------
def test_switching_modes_on_one_pill(tmp_path, moto):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    s3 = session.client("s3", endpoint_url=moto.url)

    pill.record()
    s3.create_bucket(Bucket="first-bucket")
    first = s3.list_buckets()
    pill.playback()
    with network_blocked():
        assert_same(first, s3.list_buckets())

    pill.record()
    s3.create_bucket(Bucket="second-bucket")
    second = s3.list_buckets()
    assert [os.path.basename(p) for p in pill.recorded] == [
        "s3.CreateBucket_1.json", "s3.ListBuckets_1.json", "s3.CreateBucket_2.json", "s3.ListBuckets_2.json"]
    assert [b["Name"] for b in first["Buckets"]] == ["first-bucket"]
    assert sorted(b["Name"] for b in second["Buckets"]) == ["first-bucket", "second-bucket"]

    for _ in range(2):
        pill.playback()  # starts again at _1 every time
        with network_blocked():
            assert_same(first, s3.list_buckets())
            assert_same(second, s3.list_buckets())
            assert s3.create_bucket(Bucket="first-bucket")["Location"] == "/first-bucket"
    assert pill.unused_recordings() == [
        str(tmp_path / "s3.CreateBucket_2.json")]

    pill.stop()
    third = s3.list_buckets()  # live again: nothing saved, nothing replayed
    assert sorted(b["Name"] for b in third["Buckets"]) == ["first-bucket", "second-bucket"]
    assert len(pill.recorded) == 4 and len(recording_files(tmp_path)) == 4


def test_prefix_with_a_dotted_endpoint_prefix(tmp_path, moto):
    def publish(session, url):
        data = session.client("iot-data", endpoint_url=url)
        return data.publish(topic="placebo/prefix", payload=b"\x01")

    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path), prefix="suite")
    pill.record()
    live = publish(session, moto.url)
    assert recording_files(tmp_path) == ["suite.data-ats.iot.Publish_1.json"]
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path), prefix="suite")
    pill.playback()
    with network_blocked():
        assert_same(live, publish(session, DEAD_ENDPOINT))
    assert pill.unused_recordings() == []


# -- 11: record(services=..., operations=...) -------------------------------------
def mixed_calls(session, url):
    s3 = session.client("s3", endpoint_url=url)
    sqs = session.client("sqs", endpoint_url=url)
    out = {
        "create_bucket": s3.create_bucket(Bucket="filter-bucket"),
        "list_buckets": s3.list_buckets(),
        "create_queue": sqs.create_queue(QueueName="filter-queue"),
        "list_queues": sqs.list_queues(),
        "list_tables": session.client("dynamodb", endpoint_url=url).list_tables(),
        "list_metrics": session.client("cloudwatch", endpoint_url=url).list_metrics(),
        "elb": session.client("elb", endpoint_url=url).describe_load_balancers(),
        "elbv2": session.client("elbv2", endpoint_url=url).describe_load_balancers(),
    }
    return out


FILE_OF = {
    "create_bucket": "s3.CreateBucket_1.json",
    "list_buckets": "s3.ListBuckets_1.json",
    "create_queue": "sqs.CreateQueue_1.json",
    "list_queues": "sqs.ListQueues_1.json",
    "list_tables": "dynamodb.ListTables_1.json",
    "list_metrics": "monitoring.ListMetrics_1.json",
    "elb": "elasticloadbalancing.DescribeLoadBalancers_1.json",
    "elbv2": "elbv2.DescribeLoadBalancers_1.json",
}


FILTERS = [
    ("s3", "*", ["create_bucket", "list_buckets"]),
    ("sqs, dynamodb", "CreateQueue,List*", ["create_queue", "list_queues", "list_tables"]),
    (["s3", "sqs"], ["CreateBucket", "ListQueues"], ["create_bucket", "list_queues"]),
    ("*", "List*", ["list_buckets", "list_queues", "list_tables", "list_metrics"]),
    ("monitoring", "*", ["list_metrics"]),  # endpoint prefix
    ("cloudwatch", "*", ["list_metrics"]),  # botocore service name
    ("elb", "*", ["elb"]),
    ("elastic-load-balancing", "*", ["elb"]),  # service id, hyphenized
    ("elbv2", "DescribeLoadBalancers", ["elbv2"]),
    ("elasticloadbalancing", "*", ["elb", "elbv2"]),  # shared endpoint prefix
    (("sqs",), "Nothing*", []),
]


@pytest.mark.parametrize(
    "services, operations, saved", FILTERS,
    ids=[f"{services!r}/{operations!r}" for services, operations, _ in FILTERS],
)
def test_record_filters_limit_what_is_saved(tmp_path, moto, services, operations, saved):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.record(services=services, operations=operations)
    live = mixed_calls(session, moto.url)
    assert recording_files(tmp_path) == sorted(FILE_OF[k] for k in saved)
    assert len(pill.recorded) == len(saved)

    # Every call went to moto, saved or not.
    assert live["list_buckets"]["Buckets"][0]["Name"] == "filter-bucket"
    assert live["list_queues"]["QueueUrls"] == [moto.url + "/123456789012/filter-queue"]
    assert live["create_queue"]["QueueUrl"] == live["list_queues"]["QueueUrls"][0]
    check = make_session().client("sqs", endpoint_url=moto.url)  # no pill at all
    assert check.list_queues()["QueueUrls"] == live["list_queues"]["QueueUrls"]

    # What was saved replays as it was.
    session = make_session()
    replay = placebo_unittest.attach(session, str(tmp_path))
    replay.playback()
    clients = {
        "s3": session.client("s3", endpoint_url=DEAD_ENDPOINT),
        "sqs": session.client("sqs", endpoint_url=DEAD_ENDPOINT),
        "dynamodb": session.client("dynamodb", endpoint_url=DEAD_ENDPOINT),
        "cloudwatch": session.client("cloudwatch", endpoint_url=DEAD_ENDPOINT),
        "elb": session.client("elb", endpoint_url=DEAD_ENDPOINT),
        "elbv2": session.client("elbv2", endpoint_url=DEAD_ENDPOINT),
    }
    calls = {
        "create_bucket": lambda: clients["s3"].create_bucket(Bucket="filter-bucket"),
        "list_buckets": clients["s3"].list_buckets,
        "create_queue": lambda: clients["sqs"].create_queue(QueueName="filter-queue"),
        "list_queues": clients["sqs"].list_queues,
        "list_tables": clients["dynamodb"].list_tables,
        "list_metrics": clients["cloudwatch"].list_metrics,
        "elb": clients["elb"].describe_load_balancers,
        "elbv2": clients["elbv2"].describe_load_balancers,
    }
    with network_blocked():
        for key in saved:
            assert_same(live[key], calls[key]())
        for key in sorted(set(FILE_OF) - set(saved)):
            if key == "elbv2" and "elb" in saved:
                # elbv2 has no file of its own, so it reads the one under the
                # shared prefix, as it must for placebo-made recordings.
                assert "LoadBalancerDescriptions" in calls[key]()
                continue
            with pytest.raises(placebo_unittest.RecordingNotFoundError):
                calls[key]()
    assert replay.unused_recordings() == []
