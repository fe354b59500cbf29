"""What the benchmarks replay: synthetic EC2 responses and generated test suites.

The responses have the shapes and types botocore gives a real caller (aware
datetimes in UTC, nested lists and dicts, tags, network interfaces), so each
engine does the work it would do with a response recorded from AWS. They are
deterministic: the same index always gives the same instance.
"""
from __future__ import annotations

import datetime
import os
from typing import Any

from dateutil.tz import tzutc

ACCOUNT = "123456789012"
REGION = "us-east-1"
UTC = tzutc()  # what botocore's parser puts on every timestamp


def _metadata(request_id: str) -> dict[str, Any]:
    return {
        "RequestId": request_id,
        "HTTPStatusCode": 200,
        "HTTPHeaders": {
            "x-amzn-requestid": request_id,
            "cache-control": "no-cache, no-store",
            "strict-transport-security": "max-age=31536000; includeSubDomains",
            "content-type": "text/xml;charset=UTF-8",
            "transfer-encoding": "chunked",
            "vary": "accept-encoding",
            "date": "Mon, 03 Jun 2024 09:15:27 GMT",
            "server": "AmazonEC2",
        },
        "RetryAttempts": 0,
    }


def _ip(number: int, first: int = 10) -> str:
    return f"{first}.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255 or 1}"


def _tags(number: int, count: int) -> list[dict[str, str]]:
    tags = [
        {"Key": "Name", "Value": f"web-{number:04d}"},
        {"Key": "Environment", "Value": ("production", "staging", "development")[number % 3]},
        {"Key": "Team", "Value": ("payments", "search", "platform", "data")[number % 4]},
        {"Key": "CostCenter", "Value": f"cc-{1000 + number % 37:05d}"},
        {"Key": "aws:cloudformation:stack-name", "Value": f"stack-{number % 50:03d}"},
    ]
    return tags[:count]


def elastic_ips(count: int = 5) -> dict[str, Any]:
    """A ``describe_addresses`` response with ``count`` Elastic IPs."""
    addresses = []
    for number in range(count):
        addresses.append({
            "InstanceId": f"i-{0x0ABC000 + number:017x}",
            "PublicIp": _ip(number + 7, first=54),
            "AllocationId": f"eipalloc-{0x51000 + number:017x}",
            "AssociationId": f"eipassoc-{0x61000 + number:017x}",
            "Domain": "vpc",
            "NetworkInterfaceId": f"eni-{0x71000 + number:017x}",
            "NetworkInterfaceOwnerId": ACCOUNT,
            "PrivateIpAddress": _ip(number + 20),
            "Tags": _tags(number, 2),
            "PublicIpv4Pool": "amazon",
            "NetworkBorderGroup": REGION,
        })
    return {"Addresses": addresses, "ResponseMetadata": _metadata("5ab1c5e2-0d1a-4cf4-9a8e-0c6fb3c8e001")}


def _network_interface(number: int, launched: datetime.datetime) -> dict[str, Any]:
    private_ip = _ip(number + 100)
    private_dns = "ip-{}.ec2.internal".format(private_ip.replace(".", "-"))
    public_ip = _ip(number + 1000, first=3)
    return {
        "Association": {
            "IpOwnerId": "amazon",
            "PublicDnsName": "ec2-{}.compute-1.amazonaws.com".format(public_ip.replace(".", "-")),
            "PublicIp": public_ip,
        },
        "Attachment": {
            "AttachTime": launched,
            "AttachmentId": f"eni-attach-{number:017x}",
            "DeleteOnTermination": True,
            "DeviceIndex": 0,
            "Status": "attached",
        },
        "Groups": [{"GroupName": f"web-{number % 12}", "GroupId": f"sg-{number % 12:017x}"}],
        "MacAddress": "0e:" + ":".join(f"{(number >> shift) & 255:02x}" for shift in (24, 16, 8, 0)) + ":3c",
        "NetworkInterfaceId": f"eni-{number:017x}",
        "OwnerId": ACCOUNT,
        "PrivateDnsName": private_dns,
        "PrivateIpAddress": private_ip,
        "SourceDestCheck": True,
        "Status": "in-use",
        "SubnetId": f"subnet-{number % 6:017x}",
        "VpcId": f"vpc-{number % 3:017x}",
    }


def instance(number: int) -> dict[str, Any]:
    """One running instance as ``describe_instances`` returns it: 25 fields, three datetimes."""
    launched = datetime.datetime(2024, 1, 1, 8, 0, 0, tzinfo=UTC) + datetime.timedelta(minutes=97 * number)
    primary = _network_interface(number, launched)
    return {
        "AmiLaunchIndex": number % 4,
        "ImageId": f"ami-{0xA000 + number % 9:017x}",
        "InstanceId": f"i-{0x0ABC000 + number:017x}",
        "InstanceType": ("t3.micro", "m5.large", "c6i.xlarge", "r6g.2xlarge")[number % 4],
        "KeyName": f"deploy-{number % 5}",
        "LaunchTime": launched,
        "Monitoring": {"State": "enabled" if number % 5 == 0 else "disabled"},
        "Placement": {"AvailabilityZone": "us-east-1" + "abcdef"[number % 6], "GroupName": "", "Tenancy": "default"},
        "PrivateDnsName": primary["PrivateDnsName"],
        "PrivateIpAddress": primary["PrivateIpAddress"],
        "PublicDnsName": primary["Association"]["PublicDnsName"],
        "PublicIpAddress": primary["Association"]["PublicIp"],
        "State": {"Code": 16, "Name": "running"},
        "SubnetId": primary["SubnetId"],
        "VpcId": primary["VpcId"],
        "Architecture": "arm64" if number % 4 == 3 else "x86_64",
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"AttachTime": launched + datetime.timedelta(seconds=2),
                                                "DeleteOnTermination": True, "Status": "attached",
                                                "VolumeId": f"vol-{number:017x}"}},
        ],
        "EbsOptimized": number % 4 != 0,
        "IamInstanceProfile": {
            "Arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/web-{number % 7}",
            "Id": f"AIPA{number % 7:017d}",
        },
        "NetworkInterfaces": [primary],
        "RootDeviceName": "/dev/xvda",
        "SecurityGroups": primary["Groups"],
        "Tags": _tags(number, 5),
        "CpuOptions": {"CoreCount": 1 + number % 4, "ThreadsPerCore": 2},
        "PlatformDetails": "Linux/UNIX",
    }


def instances(count: int = 500, per_reservation: int = 4) -> dict[str, Any]:
    """A ``describe_instances`` response with ``count`` instances (500: about 3 MB of JSON)."""
    reservations = []
    for first in range(0, count, per_reservation):
        reservations.append({
            "ReservationId": f"r-{first // per_reservation:017x}",
            "OwnerId": ACCOUNT,
            "Groups": [],
            "Instances": [instance(number) for number in range(first, min(first + per_reservation, count))],
        })
    return {"Reservations": reservations, "ResponseMetadata": _metadata("8f0d6e3a-7c55-4d8e-b3f1-2d9e0a4c7b10")}


# Generated test modules. Each engine's tests do the same thing; only the way
# they get their client differs.

SUITE_CALLS = (("DescribeAddresses", "describe_addresses"),
               ("DescribeKeyPairs", "describe_key_pairs"),
               ("DescribeVpcs", "describe_vpcs"))
TESTS_PER_MODULE = 50
DEAD_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there; playback never sends

#: The three calls of a suite test, checked against what moto answers in a
#: fresh account (and what the recordings hold): no addresses or key pairs,
#: and the default VPC.
SUITE_BODY = (
    '        self.assertEqual(ec2.describe_addresses()["Addresses"], [])\n'
    '        self.assertEqual(ec2.describe_key_pairs()["KeyPairs"], [])\n'
    '        self.assertEqual(len(ec2.describe_vpcs()["Vpcs"]), 1)\n'
)
#: A test that only makes its client: what set-up and tear-down cost.
CLIENT_ONLY_BODY = '        self.assertIsNotNone(ec2)\n'

_ENGINES = {
    # engine: (imports, base class, class attribute, decorator, extra parameter, how the test gets a client)
    "placebo_unittest": (
        "from placebo_unittest import PlaceboTestCase\n",
        "PlaceboTestCase", "    placebo_dir = {recordings!r}\n", "", "",
        'ec2 = self.client("ec2")',
    ),
    "placebo": (
        "import unittest\n\nfrom placebo.utils import placebo_session\n",
        "unittest.TestCase", "", "    @placebo_session\n", ", session",
        f'ec2 = session.client("ec2", endpoint_url="{DEAD_ENDPOINT}")',
    ),
    "moto": (
        "import unittest\n\nimport boto3\nfrom moto import mock_aws\n",
        "unittest.TestCase", "", "    @mock_aws\n", "",
        f'ec2 = boto3.client("ec2", region_name="{REGION}")',
    ),
    # The floor: no files and no session per test, one client for the whole
    # run, and botocore's Stubber answering with the same responses.
    "stubber": (
        "import unittest\n\nfrom stubbed import stubbed_client\n",
        "unittest.TestCase", "", "", "",
        "ec2 = stubbed_client()",
    ),
}

#: The helper module of the Stubber suite: one client and its Stubber for the
#: whole process; each test queues the three responses, built afresh as a
#: test that writes them out would build them.
STUBBED_MODULE = '''"""The shared client of the Stubber floor suite."""
import boto3
from botocore.stub import Stubber

_CLIENT = boto3.Session(region_name={region!r}).client("ec2", endpoint_url={endpoint!r})
_STUBBER = Stubber(_CLIENT)
_STUBBER.activate()


def _responses():
    return {responses}


def stubbed_client():
    """The shared client, with this test's three responses queued."""
    _STUBBER.assert_no_pending_responses()  # the previous test used all of its own
    for method, response in _responses():
        _STUBBER.add_response(method, response)
    return _CLIENT
'''


def write_module(path: str, engine: str, classes: list[tuple[str, list[str]]], body: str,
                 recordings: str = "") -> None:
    """Write a test module for ``engine``: ``classes`` is ``[(class name, [test names])]``.

    Every test gets an EC2 client the engine's way, then runs ``body``.
    ``recordings`` is PlaceboTestCase's ``placebo_dir``.
    """
    imports, base, attribute, decorator, parameter, make_client = _ENGINES[engine]
    parts = [imports]
    for class_name, tests in classes:
        parts.append(f"\n\nclass {class_name}({base}):\n")
        parts.append(attribute.format(recordings=recordings))
        for test in tests:
            parts.append(f"\n{decorator}    def {test}(self{parameter}):\n        {make_client}\n{body}")
    with open(path, "w") as handle:
        handle.write("".join(parts))


def suite_tests(count: int) -> list[tuple[str, str, str]]:
    """``(module, class, test)`` names of a suite of ``count`` tests, 50 to a module."""
    names = []
    for number in range(count):
        module = number // TESTS_PER_MODULE
        names.append((f"test_suite_{module:03d}", f"Suite{module:03d}Test",
                      f"test_{number:04d}"))
    return names


def write_suite(directory: str, engine: str, count: int, recordings: str = "",
                responses: list[tuple[str, Any]] | None = None) -> None:
    """Write a suite of ``count`` tests of three calls each for ``engine`` into ``directory``.

    The Stubber's suite needs ``responses``, ``[(method, response), ...]``:
    what the other engines' recordings hold."""
    os.makedirs(directory, exist_ok=True)
    if engine == "stubber":
        with open(os.path.join(directory, "stubbed.py"), "w") as handle:
            handle.write(STUBBED_MODULE.format(region=REGION, endpoint=DEAD_ENDPOINT,
                                               responses=repr(list(responses or []))))
    modules: dict[tuple[str, str], list[str]] = {}
    for module, class_name, test in suite_tests(count):
        modules.setdefault((module, class_name), []).append(test)
    for (module, class_name), tests in modules.items():
        write_module(os.path.join(directory, module + ".py"), engine, [(class_name, tests)], SUITE_BODY,
                     recordings)
