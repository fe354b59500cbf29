"""The file-name rule: which services are told apart, and building/parsing names."""
import collections

import botocore.session
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placebo_unittest import naming
from placebo_unittest.naming import (
    TOLD_APART,
    ParsedName,
    parse_recording_filename,
    read_keys,
    recording_filename,
    recording_stem,
    service_key,
)

import unit_helpers  # noqa: F401  (keeps hypothesis's cache out of the working directory)


@pytest.fixture(scope="module")
def botocore_session():
    return botocore.session.get_session()


@pytest.fixture(scope="module")
def all_services(botocore_session):
    """{service name: (endpoint prefix, service id, api version)} for the installed botocore."""
    loader = botocore_session.get_component("data_loader")
    services = {}
    for name in botocore_session.get_available_services():
        metadata = loader.load_service_model(name, "service-2")["metadata"]
        services[name] = (metadata["endpointPrefix"], metadata["serviceId"], metadata["apiVersion"])
    return services


def _shared_prefix_expectation(all_services):
    """Services that must be told apart: all but one owner of each prefix that
    different services (different service ids) share."""
    by_prefix = collections.defaultdict(list)
    for name, (prefix, _service_id, _version) in all_services.items():
        by_prefix[prefix].append(name)
    expected, ownerless = set(), set()
    for prefix, names in by_prefix.items():
        if len({all_services[n][1] for n in names}) < 2:
            continue  # the prefix isn't shared by different services
        if prefix in names:
            owner = prefix
        else:
            versions = sorted(all_services[n][2] for n in names)
            assert versions[0] != versions[1], f"no single oldest service for {prefix}: {names}"
            owner = min(names, key=lambda n: all_services[n][2])
            ownerless.update(n for n in names if n != owner)
        expected.update(n for n in names if n != owner)
    return expected, ownerless


def test_every_shared_prefix_is_told_apart(botocore_session, all_services):
    expected, _ownerless = _shared_prefix_expectation(all_services)
    told_apart = {name for name in all_services
                  if service_key(botocore_session.get_service_model(name)) != all_services[name][0]}
    assert told_apart == expected, (
        f"services recorded under their own name should be {sorted(expected)}: "
        f"add {sorted(expected - told_apart)} to naming.TOLD_APART, remove {sorted(told_apart - expected)}")
    # Every service keeps its endpoint prefix as its name unless told apart.
    assert {"elb", "ses", "kinesisvideo", "cloudwatch", "sso", "lambda"}.isdisjoint(told_apart)


def test_told_apart_lists_only_services_with_no_namesake_owner(all_services):
    """The table holds just what the namesake rule can't find by itself."""
    _expected, ownerless = _shared_prefix_expectation(all_services)
    known = TOLD_APART & set(all_services)
    assert known <= ownerless, sorted(known - ownerless)
    assert {"elbv2", "sesv2", "pinpoint-email"} <= TOLD_APART


def test_no_told_apart_name_is_an_endpoint_prefix(all_services):
    prefixes = {prefix for prefix, _sid, _version in all_services.values()}
    assert TOLD_APART.isdisjoint(prefixes)
    assert {"elbv2", "sesv2", "pinpoint-email", "connectcampaignsv2"} <= set(all_services)


@pytest.mark.parametrize("service, key, keys", [
    ("ec2", "ec2", ("ec2",)),
    ("cloudwatch", "monitoring", ("monitoring",)),
    ("iot-data", "data-ats.iot", ("data-ats.iot",)),
    ("sso", "portal.sso", ("portal.sso",)),
    ("elb", "elasticloadbalancing", ("elasticloadbalancing",)),
    ("elbv2", "elbv2", ("elbv2", "elasticloadbalancing")),
    ("ses", "email", ("email",)),
    ("sesv2", "sesv2", ("sesv2", "email")),
])
def test_service_keys(botocore_session, service, key, keys):
    model = botocore_session.get_service_model(service)
    assert service_key(model) == key
    assert read_keys(model) == keys


NAMES = [
    (None, "ec2", "DescribeInstances", 1, "json", "ec2.DescribeInstances_1.json"),
    (None, "data-ats.iot", "Publish", 12, "json", "data-ats.iot.Publish_12.json"),
    (None, "portal.sso", "GetRoleCredentials", 3, "pickle", "portal.sso.GetRoleCredentials_3.pickle"),
    ("foo", "ec2", "DescribeAddresses", 1, "json", "foo.ec2.DescribeAddresses_1.json"),
    ("foo", "data-ats.iot", "Publish", 2, "json", "foo.data-ats.iot.Publish_2.json"),
    ("tests.test_x.TestY.test_z", "portal.sso", "ListAccounts", 100, "json",
     "tests.test_x.TestY.test_z.portal.sso.ListAccounts_100.json"),
    ("a_1", "s3", "GetObject", 1, "json", "a_1.s3.GetObject_1.json"),
    ("Prefix.Op_1.json", "monitoring", "GetMetricData", 9, "json", "Prefix.Op_1.json.monitoring.GetMetricData_9.json"),
    ("", "elbv2", "DescribeLoadBalancers", 1, "json", "elbv2.DescribeLoadBalancers_1.json"),
]


@pytest.mark.parametrize("prefix, service, operation, number, extension, name", NAMES)
def test_names_build_and_parse_back(prefix, service, operation, number, extension, name):
    assert recording_filename(prefix, service, operation, number, extension) == name
    parsed = parse_recording_filename(name)
    assert parsed == ParsedName(recording_stem(prefix, service), operation, number, extension)
    assert type(parsed.number) is int
    assert recording_filename(None, parsed.stem, parsed.operation, parsed.number, parsed.extension) == name


@pytest.mark.parametrize("name", [
    "ec2.DescribeInstances_0.json",
    "ec2.DescribeInstances_01.json",
    "ec2.DescribeInstances_.json",
    "ec2.DescribeInstances.json",
    "ec2.DescribeInstances_1.yaml",
    "ec2.DescribeInstances_1.json.bak",
    ".ec2.DescribeInstances_1.json.x7k2.tmp",
    "DescribeInstances_1.json",
    "ec2.Describe-Instances_1.json",
    "ec2.1Describe_1.json",
    "",
])
def test_names_that_are_not_recordings(name):
    assert parse_recording_filename(name) is None


@settings(max_examples=100, deadline=None, database=None)
@given(
    # "." and ".." are refused as prefixes (tests/test_paths.py).
    prefix=st.one_of(st.none(), st.text(st.sampled_from("abcXYZ019._-"), min_size=1, max_size=12)
                     .filter(lambda prefix: prefix not in (".", ".."))),
    service=st.sampled_from(["ec2", "monitoring", "data-ats.iot", "portal.sso", "elbv2", "s3", "api.pricing"]),
    operation=st.builds(str.__add__, st.sampled_from("ADGLPSaz"),
                        st.text(st.sampled_from("abcXYZ0189"), max_size=20)),
    number=st.integers(min_value=1, max_value=10 ** 6),
    extension=st.sampled_from(["json", "pickle"]),
)
def test_any_name_parses_back(prefix, service, operation, number, extension):
    name = recording_filename(prefix, service, operation, number, extension)
    assert parse_recording_filename(name) == ParsedName(recording_stem(prefix, service), operation, number, extension)


def test_module_exports():
    assert set(naming.__all__) >= {"TOLD_APART", "service_key", "read_keys", "recording_filename",
                                   "parse_recording_filename"}
