"""Tests share only what never changes: each still gets a session of its own.

Sessions made for tests share botocore's data loader, start from a copy of
its built-in event handlers, and share each service's model, client methods
and retry rules (see placebo_unittest.sharing); their emitters are copied on
write (placebo_unittest.emitters), and replaying clients set up HTTP only if
they send (placebo_unittest.lazyhttp). These tests show that nothing a test
does to its session, its clients or its credentials reaches the next test.
"""
import os
import subprocess
import sys

import boto3
import botocore.config
import pytest

from placebo_unittest import PlaceboTestCase
from placebo_unittest.config import Mode
from placebo_unittest.session import FAKE_CREDENTIALS, new_session

from testcase_helpers import assert_passed, environment, network_blocked, run

IDENTITY = {"UserId": "AIDAPLACEBOISOLATE1", "Account": "123456789012",
            "Arn": "arn:aws:iam::123456789012:user/isolated"}


def test_consecutive_tests_share_nothing_they_change(tmp_path):
    seen = {}

    class Isolated(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def setUp(self):
            super().setUp()
            self.save_response("sts", "GetCallerIdentity", IDENTITY)

        def test_1_changes_everything(self):
            calls = []
            self.session.events.register("provide-client-params.sts.GetCallerIdentity",
                                         lambda **kwargs: calls.append("first test's handler"))
            self.session._session.set_config_variable("region", "ap-south-1")
            self.session._session.set_credentials("AKIAFIRSTTEST0000000", "first-test-secret")
            client = self.client("sts", config=botocore.config.Config(retries={"max_attempts": 9},
                                                                      user_agent_extra="first-test"))
            client.get_caller_identity()
            seen["first"] = (calls, self.session, boto3.DEFAULT_SESSION, client)

        def test_2_sees_none_of_it(self):
            calls = seen["first"][0]
            client = self.client("sts")
            client.get_caller_identity()
            seen["second"] = (list(calls), self.session, boto3.DEFAULT_SESSION, client)

    before = boto3.DEFAULT_SESSION
    with environment(tmp_path), network_blocked():
        assert_passed(run(Isolated), tests=2)
    first_calls, first_session, first_default, first_client = seen["first"]
    second_calls, second_session, second_default, second_client = seen["second"]
    assert first_calls == ["first test's handler"]
    assert second_calls == first_calls  # the handler never ran in the second test
    assert second_session is not first_session and second_default is second_session
    assert first_default is first_session and boto3.DEFAULT_SESSION is before
    assert second_session.region_name == "us-east-1"
    credentials = second_session.get_credentials()
    assert (credentials.access_key, credentials.secret_key) == (
        FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"])
    assert second_client.meta.config.retries != {"max_attempts": 9}
    assert "first-test" not in (second_client.meta.config.user_agent_extra or "")
    assert second_client.meta.events is not first_client.meta.events


def test_sessions_share_the_loader_but_not_handlers_or_credentials():
    first, second = new_session(Mode.PLAYBACK, "us-east-1"), new_session(Mode.PLAYBACK, "eu-west-1")
    assert first._session.get_component("data_loader") is second._session.get_component("data_loader")
    heard = []
    first.events.register("placebo-isolation-check", lambda **kwargs: heard.append(1))
    assert second.events.emit("placebo-isolation-check") == []
    assert heard == []
    first.events.emit("placebo-isolation-check")
    assert heard == [1]
    first._session.set_credentials("AKIAONLYTHEFIRST0000", "only-the-first")
    assert second.get_credentials().access_key == FAKE_CREDENTIALS["aws_access_key_id"]
    assert (first.region_name, second.region_name) == ("us-east-1", "eu-west-1")


class _Extra:
    def only_in_the_first_test(self):
        return "first"


def test_client_classes_are_each_sessions_own():
    """Client methods are built once per service; each client still gets a
    class of its own, shaped by its own session's handlers."""
    first, second = new_session(Mode.PLAYBACK, "us-east-1"), new_session(Mode.PLAYBACK, "us-east-1")

    def add_to_the_class(class_attributes, base_classes, **kwargs):
        class_attributes["marked_by_the_first_test"] = True
        class_attributes["describe_addresses"] = lambda self, **kwargs: "replaced in the first test"
        base_classes.insert(0, _Extra)

    first.events.register("creating-client-class.ec2", add_to_the_class)
    changed, plain = first.client("ec2"), second.client("ec2")
    assert type(changed) is not type(plain)
    assert changed.marked_by_the_first_test and changed.only_in_the_first_test() == "first"
    assert changed.describe_addresses() == "replaced in the first test"
    assert not hasattr(plain, "marked_by_the_first_test") and not isinstance(plain, _Extra)
    assert plain.describe_addresses.__name__ == "describe_addresses"
    # A third session, made after the first changed its class, gets the plain methods too.
    third = new_session(Mode.PLAYBACK, "us-east-1").client("ec2")
    assert not hasattr(third, "marked_by_the_first_test")
    assert type(third).describe_addresses is type(plain).describe_addresses
    # The shared methods' documentation is generated, from the model, for any session.
    assert "DescribeAddresses" in str(type(third).describe_addresses.__doc__) or \
        "Elastic IP" in str(type(third).describe_addresses.__doc__)


def test_sessions_made_elsewhere_build_their_own_client_methods():
    import botocore.session

    ours = new_session(Mode.PLAYBACK, "us-east-1").client("ec2")
    theirs = boto3.Session(botocore_session=botocore.session.Session(), region_name="us-east-1",
                           **FAKE_CREDENTIALS).client("ec2")
    assert type(theirs).describe_addresses is not type(ours).describe_addresses


def handlers_of(emitter, event):
    """The handlers ``emitter`` (a client's or session's) calls for ``event``, in order."""
    return list(emitter._emitter._handlers.prefix_search(event))


def test_a_handler_registered_on_one_client_reaches_no_other_client_or_session():
    session = new_session(Mode.PLAYBACK, "us-east-1")
    first, second = session.client("ec2"), session.client("ec2")
    other = new_session(Mode.PLAYBACK, "us-east-1").client("ec2")
    before = handlers_of(second.meta.events, "before-call.ec2.DescribeAddresses")

    def added(**kwargs):
        return None

    # Events whose nodes the built-in handlers' shared tree already has, and one it hasn't.
    for event in ("before-call.ec2.DescribeAddresses", "before-call.ec2", "before-call", "placebo-new.ec2"):
        first.meta.events.register(event, added)
    first.meta.events.unregister("needs-retry.ec2", unique_id="retry-config-ec2")  # botocore's own
    assert handlers_of(first.meta.events, "before-call.ec2.DescribeAddresses").count(added) == 3
    assert handlers_of(first.meta.events, "needs-retry.ec2.DescribeAddresses") == []
    for client in (second, other, session.client("ec2")):
        assert handlers_of(client.meta.events, "before-call.ec2.DescribeAddresses") == before
        assert handlers_of(client.meta.events, "placebo-new.ec2") == []
        assert len(handlers_of(client.meta.events, "needs-retry.ec2.DescribeAddresses")) == 1
    session.events.register("before-call.ec2.DescribeAddresses", added)
    assert added in handlers_of(session.client("ec2").meta.events, "before-call.ec2.DescribeAddresses")
    assert added not in handlers_of(other.meta.events, "before-call.ec2.DescribeAddresses")
    assert added not in handlers_of(new_session(Mode.PLAYBACK, "us-east-1")._session._events,
                                    "before-call.ec2.DescribeAddresses")


def test_clients_share_the_service_model_but_not_their_settings():
    first = new_session(Mode.PLAYBACK, "us-east-1").client("ec2", config=botocore.config.Config(
        retries={"max_attempts": 7, "mode": "legacy"}))
    second = new_session(Mode.PLAYBACK, "eu-west-1").client("ec2")
    assert first.meta.service_model is second.meta.service_model
    assert first.meta.region_name == "us-east-1" and second.meta.region_name == "eu-west-1"
    assert first._PY_TO_OP_NAME == second._PY_TO_OP_NAME and first._PY_TO_OP_NAME is not second._PY_TO_OP_NAME
    first._PY_TO_OP_NAME["spoiled_by_the_first"] = "Nothing"
    assert "spoiled_by_the_first" not in new_session(Mode.PLAYBACK, "us-east-1").client("ec2")._PY_TO_OP_NAME
    assert second.meta.config.retries != first.meta.config.retries
    theirs = boto3.Session(region_name="us-east-1", **FAKE_CREDENTIALS).client("ec2")
    assert theirs.meta.service_model is not first.meta.service_model


def test_replaying_clients_set_up_http_only_if_they_send():
    from botocore.httpsession import URLLib3Session

    from placebo_unittest.lazyhttp import DeferredHttpSession
    from placebo_unittest.session import botocore_session

    replaying = new_session(Mode.PLAYBACK, "us-east-1").client("ec2")
    recording = boto3.Session(botocore_session=botocore_session(), region_name="us-east-1",
                              **FAKE_CREDENTIALS).client("ec2")  # what record mode makes
    theirs = boto3.Session(region_name="us-east-1", **FAKE_CREDENTIALS).client("ec2")
    deferred = replaying._endpoint.http_session
    assert type(deferred) is DeferredHttpSession and deferred._real is None
    assert type(recording._endpoint.http_session) is URLLib3Session
    assert type(theirs._endpoint.http_session) is URLLib3Session
    # Sent anyway (with no pill answering), it makes botocore's own session then.
    with network_blocked(), pytest.raises(Exception, match=r"network access|Could not connect"):
        replaying.describe_addresses()
    assert type(deferred._real) is URLLib3Session
    replaying.close()


# Counts are compared with the interpreter's own at start, which isn't always 0
# (CPython 3.12 starts with a few hundred objects frozen).
FREEZE_PROBE = """
import gc
start = gc.get_freeze_count()
from placebo_unittest.config import Mode
from placebo_unittest.session import new_session
new_session(Mode.PLAYBACK, "us-east-1").client("sqs")  # loads the sqs model
before = gc.get_freeze_count()
new_session(Mode.PLAYBACK, "us-east-1")  # the next session freezes what is loaded
after = gc.get_freeze_count()
new_session(Mode.PLAYBACK, "us-east-1")  # nothing new loaded: nothing more frozen
print(start, before, after, gc.get_freeze_count(), gc.isenabled())
"""


@pytest.mark.parametrize("setting", [None, "0"])
def test_sessions_freeze_the_collectors_view_of_new_models_unless_told_not_to(setting):
    env = {k: v for k, v in os.environ.items() if k != "PLACEBO_GC_FREEZE"}
    if setting is not None:
        env["PLACEBO_GC_FREEZE"] = setting
    done = subprocess.run([sys.executable, "-c", FREEZE_PROBE], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    start, before, after, later, enabled = done.stdout.split()
    assert enabled == "True"
    if setting == "0":
        assert (before, after, later) == (start, start, start)
    else:
        assert int(after) > int(before) and later == after
