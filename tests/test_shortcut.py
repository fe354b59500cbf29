"""Replayed calls skip building the request nobody sends, and nothing else changes.

In playback a pill answers every call of its clients, so botocore's
endpoint rules, request serialization and user agent string are skipped for
them (placebo_unittest/shortcut.py). What a caller can see is what it was:
bad parameters still raise the ParamValidationError botocore raises live,
handlers of provide-client-params and before-parameter-build (S3's bucket
name check) still run, request-aware matching still sees the caller's
parameters, and presigned URLs are botocore's own. Recording, and clients
with no pill, build and sign every request as botocore does.
"""
import asyncio

import botocore.client
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from botocore.stub import Stubber

import placebo_unittest
from placebo_unittest import RequestMismatchError
from placebo_unittest.shortcut import ANSWERED, PlaybackShortcut, resolved_endpoint

from conftest import make_session, network_blocked
from recording_helpers import DEAD_ENDPOINT

ADDRESSES = {"Addresses": [{"PublicIp": "192.0.2.1", "AllocationId": "eipalloc-1"}]}


class Serializations:
    """Wraps a client's serializer and counts the requests it builds."""

    def __init__(self, client):
        self.count = 0
        self._serializer = client._serializer
        client._serializer = self

    def serialize_to_request(self, params, model):
        self.count += 1
        return self._serializer.serialize_to_request(params, model)


def replaying(tmp_path, responses=(("ec2", "DescribeAddresses", ADDRESSES),), **options):
    """A session whose pill replays ``responses`` (saved as files first)."""
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path), **options)
    for service, operation, data in responses:
        pill.save_response(service, operation, data)
    pill.playback()
    return session, pill


def live_error(call):
    """The message of the error ``call`` raises, or None."""
    try:
        call()
    except ParamValidationError as exc:
        return str(exc)
    return None


# -- playback skips the request ------------------------------------------------------
def test_a_replayed_call_builds_no_request(tmp_path, no_network_here):
    session, _pill = replaying(tmp_path)
    seen = []
    # Registered on the session before the client exists, this handler runs
    # before the pill's; it sees a small request of botocore's shape.
    session.events.register_first("before-call.*.*", lambda params, context, **kw: seen.append(
        (params, dict(context))))
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    assert isinstance(ec2, PlaybackShortcut)
    built = Serializations(ec2)
    assert ec2.describe_addresses(PublicIps=["192.0.2.1"]) == {**ADDRESSES}
    assert built.count == 0
    (request, context), = seen
    assert request["url"] == DEAD_ENDPOINT and request["headers"] == {} and request["body"] == b""
    assert request["context"]["client_region"] == "us-east-1" and context[ANSWERED] is True


@pytest.mark.parametrize("call", [
    lambda ec2: ec2.describe_addresses(PublicIps="192.0.2.1"),  # a string for a list
    lambda ec2: ec2.describe_addresses(Nonsense=1),  # an unknown parameter
    lambda ec2: ec2.describe_instance_attribute(InstanceId="i-1"),  # a required parameter left out
], ids=["wrong type", "unknown", "missing"])
def test_bad_parameters_raise_as_they_do_live(tmp_path, no_network_here, call):
    session, pill = replaying(tmp_path)
    replayed = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    live = make_session().client("ec2", endpoint_url=DEAD_ENDPOINT)  # raises before any request
    expected = live_error(lambda: call(live))
    assert expected is not None
    assert live_error(lambda: call(replayed)) == expected
    assert pill.replayed == 0  # the call never reached its recording


def test_without_parameter_validation_a_bad_parameter_replays_as_it_is_sent_live(tmp_path, no_network_here):
    session, pill = replaying(tmp_path)
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT, config=Config(parameter_validation=False))
    assert ec2.describe_addresses(Nonsense=1)["Addresses"] == ADDRESSES["Addresses"]
    assert pill.replayed == 1


def test_s3_bucket_names_are_still_checked(tmp_path, no_network_here):
    session, _pill = replaying(tmp_path, [("s3", "ListObjects", {"Contents": []})])
    s3 = session.client("s3", endpoint_url=DEAD_ENDPOINT)
    with pytest.raises(ParamValidationError, match="Invalid bucket name"):
        s3.list_objects(Bucket="not/a/bucket")
    assert s3.list_objects(Bucket="fine")["Contents"] == []


def test_handlers_that_change_the_parameters_still_run_first(tmp_path, no_network_here):
    session, pill = replaying(tmp_path, match="verify")
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    seen = []
    ec2.meta.events.register("before-parameter-build.ec2.DescribeAddresses",
                             lambda params, **kw: seen.append(dict(params)))
    ec2.describe_addresses(PublicIps=["192.0.2.1"])
    assert seen == [{"PublicIps": ["192.0.2.1"]}]
    assert pill.calls[0].params == {"PublicIps": ["192.0.2.1"]}


def test_request_aware_playback_still_sees_the_callers_parameters(tmp_path, no_network_here):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    client = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    pill.queue_response("ec2", "DescribeAddresses", ADDRESSES, expected_params={"PublicIps": ["192.0.2.1"]})
    pill.playback()
    with pytest.raises(RequestMismatchError):
        client.describe_addresses(PublicIps=["192.0.2.9"])


def test_presigned_urls_are_botocores_own(tmp_path, no_network_here):
    session, _pill = replaying(tmp_path)
    params = {"Bucket": "reports", "Key": "today.json"}
    replayed = session.client("s3", region_name="eu-west-1").generate_presigned_url(
        "get_object", Params=params, ExpiresIn=60)
    plain = make_session().client("s3", region_name="eu-west-1").generate_presigned_url(
        "get_object", Params=params, ExpiresIn=60)
    assert replayed.split("?")[0] == plain.split("?")[0] == "https://reports.s3.amazonaws.com/today.json"


# -- everything else builds its request ----------------------------------------------
def test_recording_builds_and_signs_every_request(tmp_path, no_network_here):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    built = Serializations(ec2)
    signed = []
    ec2.meta.events.register("before-sign.ec2.DescribeAddresses",
                             lambda request, **kw: signed.append(request.url))
    stubber = Stubber(ec2)  # stands in for AWS, after the request is signed
    stubber.add_response("describe_addresses", ADDRESSES)
    pill.record()
    with stubber:
        ec2.describe_addresses()
    assert built.count == 1
    assert signed == []  # the Stubber answers at before-call, as AWS would after sending
    pill.queue_response("ec2", "DescribeAddresses", ADDRESSES)
    ec2.describe_addresses()  # a queued response answers while recording, as ever
    assert built.count == 2


def test_a_client_without_a_pill_is_botocores_own(tmp_path, no_network_here):
    client = make_session().client("ec2", endpoint_url=DEAD_ENDPOINT)
    assert not isinstance(client, PlaybackShortcut)
    built = Serializations(client)
    seen = []
    client.meta.events.register_first("before-call.*.*",
                                      lambda params, **kw: seen.append(params["headers"].get("User-Agent")))
    with Stubber(client) as stubber:
        stubber.add_response("describe_addresses", ADDRESSES)
        client.describe_addresses()
    assert built.count == 1 and seen and seen[0].startswith("Boto3/")


def test_a_stopped_pill_lets_its_clients_build_requests(tmp_path, no_network_here):
    session, pill = replaying(tmp_path)
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    built = Serializations(ec2)
    pill.stop()
    with Stubber(ec2) as stubber:
        stubber.add_response("describe_addresses", ADDRESSES)
        ec2.describe_addresses()
    assert built.count == 1


def test_a_subclass_that_reads_its_own_way_gets_requests_built(tmp_path, no_network_here):
    class Custom(placebo_unittest.Pill):
        def load_response(self, service, operation):
            return super().load_response(service, operation)

    session = make_session()
    pill = Custom()
    pill.attach(session, str(tmp_path))
    pill.save_response("ec2", "DescribeAddresses", ADDRESSES)
    pill.playback()
    ec2 = session.client("ec2", endpoint_url=DEAD_ENDPOINT)
    built = Serializations(ec2)
    with network_blocked():
        assert ec2.describe_addresses()["Addresses"] == ADDRESSES["Addresses"]
    assert built.count == 1


def test_botocore_sessions_get_the_shortcut_too(tmp_path, no_network_here):
    session = botocore.session.get_session()
    session.set_credentials("testing", "testing")
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.save_response("ec2", "DescribeAddresses", ADDRESSES)
    pill.playback()
    client = session.create_client("ec2", region_name="us-east-1", endpoint_url=DEAD_ENDPOINT)
    built = Serializations(client)
    assert client.describe_addresses()["Addresses"] == ADDRESSES["Addresses"]
    assert built.count == 0


# -- async clients -------------------------------------------------------------------
def test_async_clients_skip_the_request_and_still_validate(tmp_path, no_network_here):
    pytest.importorskip("aiobotocore")
    from aiobotocore.client import AioBaseClient

    from placebo_unittest.aio import AsyncPlaybackShortcut

    from async_helpers import aio_session

    session = aio_session()
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.save_response("ec2", "DescribeAddresses", ADDRESSES)
    pill.playback()

    async def scenario():
        async with session.create_client("ec2", endpoint_url=DEAD_ENDPOINT) as ec2:
            assert isinstance(ec2, AsyncPlaybackShortcut) and isinstance(ec2, AioBaseClient)
            built = Serializations(ec2)
            answer = await ec2.describe_addresses()
            try:
                await ec2.describe_addresses(PublicIps="192.0.2.1")
            except ParamValidationError as exc:
                error = str(exc)
            return answer, built.count, error

    answer, count, error = asyncio.run(scenario())
    assert answer["Addresses"] == ADDRESSES["Addresses"] and count == 0
    live = make_session().client("ec2", endpoint_url=DEAD_ENDPOINT)
    assert error == live_error(lambda: live.describe_addresses(PublicIps="192.0.2.1"))


def test_the_skipped_endpoint_has_the_shape_of_the_releases_own():
    # botocore returns (url, headers, properties) since 2023, (url, headers) before.
    client = make_session().client("sqs", endpoint_url=DEAD_ENDPOINT)

    def older(self, operation_model, params, request_context):
        endpoint_url, additional_headers = self.meta.endpoint_url, {}
        return endpoint_url, additional_headers

    assert resolved_endpoint(client, older) == (DEAD_ENDPOINT, {})
    ours = resolved_endpoint(client, botocore.client.BaseClient._resolve_endpoint_ruleset)
    assert ours == (DEAD_ENDPOINT, {}, {})

