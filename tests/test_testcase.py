"""PlaceboTestCase, run the way unittest runs it.

Each test defines its TestCase classes inside itself (or in a module written
to tmp_path when the folder beside the module's file matters), runs them with
``unittest.TestResult`` and checks the outcome: what passed, what failed with
which text, and which files are on disk. Recording tests talk to the moto
server on 127.0.0.1 and then replay the same class with the network cut;
playback-only tests build their recordings with ``save_response`` and never
need the network.
"""
import datetime
import importlib.util
import os
import sys
import time
import uuid
from unittest import mock

import boto3
import botocore.waiter
import pytest
from botocore.config import Config
from parameterized import parameterized

from placebo_unittest import (
    ConfigurationError,
    PlaceboTestCase,
    RecordingExhaustedError,
    RecordingNotFoundError,
    UnusedRecordingsWarning,
)
from placebo_unittest.session import FAKE_CREDENTIALS

from conftest import make_session
from testcase_helpers import (  # noqa: F401 - repo_untouched is an autouse fixture
    CALLER,
    VALID_MODES,
    assert_passed,
    assert_safe_name,
    environment,
    listing,
    moto_env,
    network_blocked,
    only_problem,
    repo_untouched,
    report,
    run,
    seed,
)


@pytest.fixture
def module_file(tmp_path):
    """Write a module into tmp_path and import it as a real file."""
    names = []

    def write(source, folder="suite", stem="test_suite_module"):
        path = tmp_path / folder / (stem + ".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
        name = f"placebo_tmp_{stem}_{uuid.uuid4().hex[:8]}"
        spec = importlib.util.spec_from_file_location(name, str(path))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        names.append(name)
        spec.loader.exec_module(module)
        return module

    yield write
    for name in names:
        sys.modules.pop(name, None)


# -- 1. where recordings live, and cleaning up ------------------------------------------
BESIDE_MODULE = f'''
from placebo_unittest import PlaceboTestCase

CALLER = {CALLER!r}


class BesideTest(PlaceboTestCase):
    seed = True
    seen = []

    def test_answer(self):
        type(self).seen.append((self.pill.data_path, self.placebo_directory()))
        if self.seed:
            self.save_response("sts", "GetCallerIdentity", CALLER, persist=True)
        sts = self.client("sts")
        self.assertEqual(sts.get_caller_identity()["Account"], CALLER["Account"])
'''


def test_recordings_live_beside_the_test_modules_file(tmp_path, module_file):
    module = module_file(BESIDE_MODULE)
    expected = tmp_path / "suite" / "placebo" / "BesideTest.test_answer"
    with environment(tmp_path), network_blocked():
        assert_passed(run(module.BesideTest))
        assert listing(expected) == ["sts.GetCallerIdentity_1.json"]
        # A second run replays the file beside the module.
        module.BesideTest.seed = False
        assert_passed(run(module.BesideTest))
    assert module.BesideTest.seen == [(str(expected), str(expected))] * 2
    assert listing(tmp_path / "suite") == ["placebo", "test_suite_module.py"]


@pytest.mark.parametrize("class_dir, env_dir, expected", [
    ("class", "env", "class"),
    (None, "env", "env"),
    (None, None, "suite/placebo"),
])
def test_class_attribute_beats_PLACEBO_DIR_beats_the_module_folder(
        tmp_path, module_file, class_dir, env_dir, expected):
    module = module_file(BESIDE_MODULE)
    if class_dir:
        module.BesideTest.placebo_dir = str(tmp_path / class_dir)
    env = {"PLACEBO_DIR": str(tmp_path / env_dir)} if env_dir else {}
    with environment(tmp_path, **env), network_blocked():
        assert_passed(run(module.BesideTest))
    test_dir = tmp_path / expected / "BesideTest.test_answer"
    assert module.BesideTest.seen[0][0] == str(test_dir)
    assert listing(test_dir) == ["sts.GetCallerIdentity_1.json"]
    for other in {"class", "env", "suite/placebo"} - {expected}:
        assert not (tmp_path / other).exists()


def test_placebo_test_name_and_placebo_directory_hooks(tmp_path):
    seen = []

    class Named(PlaceboTestCase):
        placebo_dir = str(tmp_path / "base")

        def placebo_test_name(self):
            return "custom-" + self._testMethodName

        def test_it(self):
            seen.append(self.pill.data_path)
            self.save_response("sts", "GetCallerIdentity", CALLER, persist=True)
            self.client("sts").get_caller_identity()

    class Placed(Named):
        def placebo_directory(self):
            return str(tmp_path / "elsewhere" / "exactly-here")

    with environment(tmp_path), network_blocked():
        assert_passed(run(Named))
        assert_passed(run(Placed))
    assert seen == [str(tmp_path / "base" / "custom-test_it"),
                    str(tmp_path / "elsewhere" / "exactly-here")]
    assert listing(tmp_path / "base") == ["custom-test_it"]
    assert listing(tmp_path / "elsewhere" / "exactly-here") == ["sts.GetCallerIdentity_1.json"]


@pytest.mark.parametrize("how", ["passes", "fails", "errors", "setup_errors", "teardown_errors",
                                 "unused_recording"])
def test_everything_is_undone_however_the_test_ends(tmp_path, how):
    seen = {}
    seed(tmp_path / "Ending.test_it", "sts", "GetCallerIdentity", CALLER)

    class Ending(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def setUp(self):
            super().setUp()
            seen["pill"], seen["session"] = self.pill, self.session
            seen["default"] = boto3.DEFAULT_SESSION
            seen["waiter_time"] = botocore.waiter.time
            if how == "setup_errors":
                raise RuntimeError("setUp broke")

        def tearDown(self):
            if how == "teardown_errors":
                raise RuntimeError("tearDown broke")
            super().tearDown()

        def test_it(self):
            if how != "unused_recording":
                self.client("sts").get_caller_identity()
            if how == "fails":
                self.fail("the test failed")
            if how == "errors":
                raise KeyError("the test errored")

    previous = object()
    with environment(tmp_path), network_blocked(), mock.patch.object(boto3, "DEFAULT_SESSION", previous):
        result = run(Ending)
        assert boto3.DEFAULT_SESSION is previous
    assert seen["default"] is seen["session"]
    assert seen["waiter_time"] is not time  # playback: waiters don't sleep
    assert botocore.waiter.time is time
    assert seen["pill"].mode is None  # stopped
    expected = {"passes": (0, 0), "fails": (1, 0), "errors": (0, 1), "setup_errors": (0, 1),
                "teardown_errors": (0, 1), "unused_recording": (1, 0)}[how]
    assert (len(result.failures), len(result.errors)) == expected, report(result)


# -- 2. modes, regions, credentials ---------------------------------------------------
def test_playback_is_the_default_and_never_calls_out(tmp_path):
    seen = []

    class Default(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            seen.append(self.placebo_mode)
            with self.assertRaises(RecordingNotFoundError):
                self.client("sts").get_caller_identity()

    with environment(tmp_path), network_blocked():
        assert_passed(run(Default))
    assert seen == ["playback"]
    assert listing(tmp_path) == []


def caller_class(tmp_path, name="Caller", **attributes):
    """A test that makes one STS call and checks the answer came from moto."""
    seen = []

    def test_it(self):
        seen.append(self.placebo_mode)
        answer = self.client("sts").get_caller_identity()
        self.assertEqual(answer["Account"], "123456789012")  # moto's account

    body = dict(placebo_dir=str(tmp_path / "placebo"), test_it=test_it, seen=seen)
    body.update(attributes)
    return type(name, (PlaceboTestCase,), body)


@pytest.mark.recording
@pytest.mark.parametrize("where", ["env", "class"])
def test_record_mode_records_and_playback_replays(tmp_path, moto, where):
    Caller = caller_class(tmp_path, placebo_mode="record" if where == "class" else None)
    env = {"PLACEBO_MODE": "record"} if where == "env" else {"PLACEBO_MODE": "playback"}
    with environment(tmp_path, **moto_env(moto, **env)):
        assert_passed(run(Caller))
    test_dir = tmp_path / "placebo" / "Caller.test_it"
    assert listing(test_dir) == ["sts.GetCallerIdentity_1.json"]
    assert listing(tmp_path / "placebo") == ["Caller.test_it"]  # no staging left behind
    Caller.placebo_mode = None
    with environment(tmp_path, PLACEBO_MODE="playback"), network_blocked():
        assert_passed(run(Caller))
    assert Caller.seen == ["record", "playback"]


@pytest.mark.recording
def test_once_records_the_first_time_and_replays_after(tmp_path, moto):
    Caller = caller_class(tmp_path)
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="once")):
        assert_passed(run(Caller))
    assert listing(tmp_path / "placebo" / "Caller.test_it") == ["sts.GetCallerIdentity_1.json"]
    with environment(tmp_path, PLACEBO_MODE="once"), network_blocked():
        assert_passed(run(Caller))
    assert Caller.seen == ["record", "playback"]


@pytest.mark.recording
def test_live_mode_records_nothing_and_reaches_the_server(tmp_path, moto):
    seen = []

    class Live(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")

        def test_it(self):
            seen.append(self.placebo_mode)
            self.client("sqs").create_queue(QueueName="made-live")

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="live")):
        assert_passed(run(Live))
    assert seen == ["live"]
    assert not (tmp_path / "placebo").exists()
    sqs = make_session().client("sqs", endpoint_url=moto.url)
    assert [u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]] == ["made-live"]


@pytest.mark.parametrize("where", ["env", "class"])
def test_a_wrong_mode_fails_listing_the_valid_ones(tmp_path, where):
    """A wrong class attribute fails as the class is defined (so at import,
    before any test runs); a wrong environment fails each test before it runs."""
    ran = []

    def define():
        class Wrong(PlaceboTestCase):
            placebo_dir = str(tmp_path)
            placebo_mode = "sometimes" if where == "class" else None

            def test_it(self):
                ran.append(1)
        return Wrong

    if where == "class":
        with pytest.raises(ConfigurationError) as caught:
            define()
        text = str(caught.value)
        assert text.startswith("Wrong.placebo_mode must be one of")
    else:
        Wrong = define()
        with environment(tmp_path, PLACEBO_MODE="sometimes"), network_blocked():
            text = only_problem(run(Wrong), "errors")
        assert "ConfigurationError" in text and "PLACEBO_MODE" in text
    assert "'sometimes'" in text
    for mode in VALID_MODES:
        assert mode in text
    assert ran == []


@pytest.mark.parametrize("class_region, env_region, expected", [
    ("eu-west-1", "ap-south-1", "eu-west-1"),
    (None, "ap-south-1", "ap-south-1"),
    (None, None, "us-east-1"),
])
@pytest.mark.parametrize("mode", ["playback", "record"])
def test_region_precedence(tmp_path, mode, class_region, env_region, expected):
    seen = []

    class Regional(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        placebo_region = class_region

        def test_it(self):
            seen.append((self.session.region_name, self.client("sqs").meta.region_name,
                         boto3.client("sqs").meta.region_name))

    env = {"AWS_DEFAULT_REGION": env_region} if env_region else {}
    with environment(tmp_path, PLACEBO_MODE=mode, AWS_ACCESS_KEY_ID="testing",
                     AWS_SECRET_ACCESS_KEY="testing", **env), network_blocked():
        assert_passed(run(Regional))
    assert seen == [(expected,) * 3]


def test_playback_sessions_have_fake_credentials_whatever_the_environment_says(tmp_path):
    seen = []

    class Faked(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            credentials = self.session.get_credentials().get_frozen_credentials()
            seen.append((credentials.access_key, credentials.secret_key, credentials.token))
            self.save_response("sts", "GetCallerIdentity", CALLER)
            self.assertEqual(self.client("sts").get_caller_identity()["UserId"], "AIDAPLACEBO")

    with environment(tmp_path, AWS_PROFILE="no-such-profile-on-this-machine",
                     AWS_ACCESS_KEY_ID="AKIAFROMTHEENVIRONMENT", AWS_SECRET_ACCESS_KEY="env-secret",
                     AWS_SESSION_TOKEN="env-token", PLACEBO_PROFILE="no-such-profile-either"), \
            network_blocked():
        assert_passed(run(Faked))
    assert seen == [(FAKE_CREDENTIALS["aws_access_key_id"],
                     FAKE_CREDENTIALS["aws_secret_access_key"], None)]


@pytest.mark.parametrize("class_profile, expected", [(None, "recorder"), ("other", "other")])
def test_the_recording_profile_comes_from_PLACEBO_PROFILE_or_the_class(
        tmp_path, class_profile, expected):
    (tmp_path / "aws-config").write_text(
        "[profile recorder]\nregion = eu-west-3\n[profile other]\nregion = eu-west-3\n")
    (tmp_path / "aws-credentials").write_text(
        "[recorder]\naws_access_key_id = AKIARECORDER\naws_secret_access_key = s1\n"
        "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = s2\n")
    seen = []

    class Profiled(PlaceboTestCase):
        placebo_dir = str(tmp_path / "placebo")
        placebo_profile = class_profile

        def test_it(self):
            seen.append((self.placebo_mode, self.session.profile_name,
                         self.session.get_credentials().access_key))

    with environment(tmp_path, PLACEBO_MODE="record", PLACEBO_PROFILE="recorder"), \
            network_blocked():
        assert_passed(run(Profiled))
    assert seen == [("record", expected, "AKIA" + expected.upper())]


# -- 3. helpers -----------------------------------------------------------------------
ROLE_CREATED = datetime.datetime(2021, 3, 4, 5, 6, 7, 890000, tzinfo=datetime.timezone.utc)
ROLE = {"Role": {"Path": "/", "RoleName": "reader", "RoleId": "AROAPLACEBOEXAMPLE01",
                 "Arn": "arn:aws:iam::123456789012:role/reader", "CreateDate": ROLE_CREATED,
                 "AssumeRolePolicyDocument": "{}"}}
RANDOM = {"Plaintext": b"\x00\xff\x80 not utf-8 \xfe"}


def test_client_and_resource_are_made_by_the_tests_session(tmp_path):
    seen = []

    class Helpers(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.save_response("iam", "GetRole", ROLE)
            self.save_response("sts", "GetCallerIdentity", CALLER)
            role = self.resource("iam").Role("reader")
            seen.append((role.arn, role.create_date))
            seen.append(self.client("sts", region_name="eu-central-1").get_caller_identity()["Arn"])

    with environment(tmp_path), network_blocked():
        assert_passed(run(Helpers))
    assert seen == [(ROLE["Role"]["Arn"], ROLE_CREATED), CALLER["Arn"]]


def test_save_response_in_memory_writes_nothing_and_keeps_types(tmp_path):
    seen = []

    class InMemory(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.assertIsNone(self.save_response("kms", "GenerateRandom", RANDOM))
            self.save_response("iam", "GetRole", ROLE)
            seen.append(self.client("kms").generate_random(NumberOfBytes=13)["Plaintext"])
            seen.append(self.client("iam").get_role(RoleName="reader")["Role"]["CreateDate"])

    with environment(tmp_path), network_blocked():
        assert_passed(run(InMemory))
    assert seen == [RANDOM["Plaintext"], ROLE_CREATED]
    assert type(seen[0]) is bytes and seen[1].utcoffset() == datetime.timedelta(0)
    assert listing(tmp_path) == []


def test_save_response_persist_writes_a_recording_replayed_later(tmp_path):
    seen = []

    class Persisted(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        seed = True

        def test_it(self):
            if self.seed:
                path = self.save_response("kms", "GenerateRandom", RANDOM, persist=True)
                seen.append(path)
                self.save_response("iam", "GetRole", ROLE, persist=True)
            seen.append(self.client("kms").generate_random(NumberOfBytes=13)["Plaintext"])
            seen.append(self.client("iam").get_role(RoleName="reader")["Role"]["CreateDate"])

    with environment(tmp_path), network_blocked():
        assert_passed(run(Persisted))
        Persisted.seed = False
        assert_passed(run(Persisted))
    test_dir = tmp_path / "Persisted.test_it"
    assert seen[0] == str(test_dir / "kms.GenerateRandom_1.json")
    assert seen[1:] == [RANDOM["Plaintext"], ROLE_CREATED] * 2
    assert all(type(v) is bytes for v in seen[1::2])
    assert listing(test_dir) == ["iam.GetRole_1.json", "kms.GenerateRandom_1.json"]


def test_queued_responses_answer_before_recordings(tmp_path):
    seed(tmp_path / "Queued.test_it", "sts", "GetCallerIdentity", dict(CALLER, UserId="recorded"))
    seen = []

    class Queued(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.save_response("sts", "GetCallerIdentity", dict(CALLER, UserId="queued"))
            sts = self.client("sts")
            seen.extend(sts.get_caller_identity()["UserId"] for _ in range(2))

    with environment(tmp_path), network_blocked():
        assert_passed(run(Queued))
    assert seen == ["queued", "recorded"]


@pytest.mark.recording
def test_record_and_playback_switch_modes_within_a_test(tmp_path, moto):
    seen = []

    class Switching(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            sts = self.client("sts")
            self.record()
            seen.append(self.pill.mode)
            live = sts.get_caller_identity()
            self.playback()
            seen.append(self.pill.mode)
            with network_blocked():
                replayed = sts.get_caller_identity()
            self.assertEqual(replayed["Arn"], live["Arn"])

    with environment(tmp_path, **moto_env(moto)):
        assert_passed(run(Switching))
    assert seen == ["record", "playback"]
    assert listing(tmp_path / "Switching.test_it") == ["sts.GetCallerIdentity_1.json"]


# -- 4. code that doesn't take a session --------------------------------------------
def legacy_queue_url(name):
    """Code under test that uses boto3's default session, as much code does."""
    sqs = boto3.client("sqs")
    sqs.create_queue(QueueName=name)
    return sqs.get_queue_url(QueueName=name)["QueueUrl"]


@pytest.mark.recording
def test_boto3_client_in_the_code_under_test_is_recorded_and_replayed(tmp_path, moto):
    class Legacy(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.assertIs(boto3.DEFAULT_SESSION, self.session)
            self.assertTrue(legacy_queue_url("legacy").endswith("/legacy"))

    previous = object()
    with mock.patch.object(boto3, "DEFAULT_SESSION", previous):
        with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
            assert_passed(run(Legacy))
        assert listing(tmp_path / "Legacy.test_it") == ["sqs.CreateQueue_1.json", "sqs.GetQueueUrl_1.json"]
        with environment(tmp_path, PLACEBO_MODE="playback"), network_blocked():
            assert_passed(run(Legacy))
        assert boto3.DEFAULT_SESSION is previous


@pytest.mark.recording
def test_adopt_covers_a_client_made_before_the_test_and_lets_it_go_after(tmp_path, moto):
    # Made "at import time": before the test, by a session that is not the test's.
    client = make_session().client("sqs", endpoint_url=moto.url,
                                   config=Config(retries={"total_max_attempts": 1}))
    pills = []

    class Adopting(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.adopt(client)
            pills.append(self.pill)
            self.assertTrue(client.create_queue(QueueName="adopted")["QueueUrl"].endswith("/adopted"))

    test_dir = tmp_path / "Adopting.test_it"
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Adopting))
    assert listing(test_dir) == ["sqs.CreateQueue_1.json"]
    recorded = (test_dir / "sqs.CreateQueue_1.json").read_bytes()
    client.create_queue(QueueName="after-the-test")  # released: not recorded any more
    assert listing(test_dir) == ["sqs.CreateQueue_1.json"]
    assert (test_dir / "sqs.CreateQueue_1.json").read_bytes() == recorded
    with environment(tmp_path, PLACEBO_MODE="playback"), network_blocked():
        assert_passed(run(Adopting))
    # Released after playback too: this call reaches moto instead of replaying
    # the recording (which would answer with the "adopted" queue).
    assert client.create_queue(QueueName="after-playback")["QueueUrl"].endswith("/after-playback")
    assert [p.clients for p in pills] == [[], []]


# -- 5. parameterized tests and subtests ----------------------------------------------
AWKWARD = ["a/b", "with space", "\u00fcn\u00efc\u00f6d\u00e9 \u2603", "x" * 300, "../up",
           "tab\there", "ctrl\x01", 'win<>:"|?*', "ALL"]


def raw_name(func, number, param):
    """Keep the parameter in the test's name as it is, slashes and all."""
    return f"{func.__name__}_{param.args[0]}"


@pytest.mark.parametrize("name_func", [None, raw_name], ids=["parameterized_names", "raw_names"])
def test_parameterized_tests_each_get_a_safe_directory_of_their_own(tmp_path, name_func):
    values = [v for v in AWKWARD if v != "ALL"]

    class Expanded(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        seed = True

        @parameterized.expand([(v,) for v in values], name_func=name_func)
        def test_param(self, value):
            if self.seed:
                self.save_response("sts", "GetCallerIdentity", dict(CALLER, UserId=value), persist=True)
            self.assertEqual(self.client("sts").get_caller_identity()["UserId"], value)

    with environment(tmp_path), network_blocked():
        assert_passed(run(Expanded), tests=len(values))
        Expanded.seed = False  # now each test replays its own recording
        assert_passed(run(Expanded), tests=len(values))
    directories = listing(tmp_path)
    assert len(directories) == len(values)
    for name in directories:
        assert_safe_name(name)
        assert name.startswith("Expanded.test_param_")
        assert listing(tmp_path / name) == ["sts.GetCallerIdentity_1.json"]


def test_subtests_each_get_a_safe_directory_of_their_own(tmp_path):
    class Sub(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        seed = True

        def test_sub(self):
            for value in AWKWARD:
                with self.subTest(value=value):
                    if self.seed:
                        self.save_response("sts", "GetCallerIdentity", dict(CALLER, UserId=value),
                                           persist=True)
                    self.assertEqual(self.client("sts").get_caller_identity()["UserId"], value)
            with self.subTest("a message/with a slash", n=1):
                if self.seed:
                    self.save_response("sts", "GetCallerIdentity", dict(CALLER, UserId="m"), persist=True)
                self.assertEqual(self.client("sts").get_caller_identity()["UserId"], "m")

    with environment(tmp_path), network_blocked():
        for seeding in (True, False):
            Sub.seed = seeding
            assert_passed(run(Sub))
    directories = listing(tmp_path)
    assert len(directories) == len(AWKWARD) + 1
    for name in directories:
        assert_safe_name(name)
        assert name.startswith("Sub.test_sub.")
        assert listing(tmp_path / name) == ["sts.GetCallerIdentity_1.json"]
    assert "Sub.test_sub.value='ALL'" in directories  # a safe label is kept as it is


@pytest.mark.recording
def test_subtests_record_and_replay_each_in_their_own_directory(tmp_path, moto):
    class Sub(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_sub(self):
            self.client("sqs").list_queues()  # the test's own call
            for name in ("first/queue", "second queue"):
                with self.subTest(queue=name):
                    self.assertIs(boto3.DEFAULT_SESSION, self.session)
                    url = legacy_queue_url(name.replace("/", "-").replace(" ", "-"))
                    self.assertTrue(url.endswith(name.replace("/", "-").replace(" ", "-")))
            self.assertEqual(self.client("sqs").list_queues()["QueueUrls"][0].rsplit("/", 1)[1],
                             "first-queue")

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Sub))
    directories = listing(tmp_path)
    assert len(directories) == 3 and directories[0] == "Sub.test_sub"
    assert listing(tmp_path / "Sub.test_sub") == ["sqs.ListQueues_1.json", "sqs.ListQueues_2.json"]
    for name in directories[1:]:
        assert name.startswith("Sub.test_sub.queue=")
        assert listing(tmp_path / name) == ["sqs.CreateQueue_1.json", "sqs.GetQueueUrl_1.json"]
    with environment(tmp_path), network_blocked():
        assert_passed(run(Sub))


def test_a_subtest_called_failed_is_not_mistaken_for_a_failed_attempt(tmp_path):
    class Sub(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        seed = True

        def test_it(self):
            for label in ("failed", "ok"):
                with self.subTest(label):
                    if self.seed:
                        self.save_response("sts", "GetCallerIdentity", dict(CALLER, UserId=label),
                                           persist=True)
                    else:
                        self.assertEqual(self.client("sts").get_caller_identity()["UserId"], label)

    with environment(tmp_path, PLACEBO_MODE="record"), network_blocked():
        assert_passed(run(Sub))  # records: save_response writes into the staging directory
    assert len(listing(tmp_path)) == 2
    for name in listing(tmp_path):
        assert listing(tmp_path / name) == ["sts.GetCallerIdentity_1.json"]
    Sub.seed = False
    with environment(tmp_path), network_blocked():
        assert_passed(run(Sub))


def test_a_failing_subtest_fails_alone_with_its_own_directory_in_the_message(tmp_path):
    class Sub(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_sub(self):
            with self.subTest(n=1):
                self.save_response("sts", "GetCallerIdentity", CALLER)
                self.client("sts").get_caller_identity()
            with self.subTest(n=2):
                self.client("sts").get_caller_identity()

    with environment(tmp_path), network_blocked():
        result = run(Sub)
    assert len(result.errors) == 1 and not result.failures, report(result)
    test, text = result.errors[0]
    assert "n=2" in str(test)
    assert "RecordingNotFoundError" in text
    assert str(tmp_path / "Sub.test_sub.n=2" / "sts.GetCallerIdentity_1.json") in text


# -- 6. recording again ---------------------------------------------------------------
def counting_class(tmp_path):
    class Counting(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        calls = 2
        fail = False

        def test_it(self):
            sqs = self.client("sqs")
            for _ in range(self.calls):
                sqs.list_queues()
            if self.fail:
                self.fail("broken while recording")

    return Counting


@pytest.mark.recording
def test_recording_again_replaces_the_old_recordings(tmp_path, moto):
    Counting = counting_class(tmp_path)
    test_dir = tmp_path / "Counting.test_it"
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Counting))
        assert listing(test_dir) == ["sqs.ListQueues_1.json", "sqs.ListQueues_2.json"]
        Counting.calls = 1
        assert_passed(run(Counting))
    assert listing(test_dir) == ["sqs.ListQueues_1.json"]
    assert listing(tmp_path) == ["Counting.test_it"]
    with environment(tmp_path), network_blocked():
        assert_passed(run(Counting))


@pytest.mark.recording
@pytest.mark.parametrize("how", ["fails", "teardown_errors"])
def test_a_test_failing_while_recording_keeps_the_old_recordings(tmp_path, moto, how):
    Counting = counting_class(tmp_path)
    test_dir = tmp_path / "Counting.test_it"
    failed_dir = tmp_path / "Counting.test_it.failed"
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record")):
        assert_passed(run(Counting))
        before = {name: (test_dir / name).read_bytes() for name in listing(test_dir)}
        assert len(before) == 2
        Counting.calls = 1
        if how == "fails":
            Counting.fail = True
        else:
            Counting.tearDown = lambda self: 1 / 0
        result = run(Counting)
        assert len(result.failures + result.errors) == 1
        assert {name: (test_dir / name).read_bytes() for name in listing(test_dir)} == before
        assert listing(failed_dir) == ["sqs.ListQueues_1.json"]
        assert listing(tmp_path) == ["Counting.test_it", "Counting.test_it.failed"]
        # Playback still replays the old recordings.
        Counting.fail = False
        Counting.calls = 2
        if how != "fails":
            del Counting.tearDown
        with mock.patch.dict(os.environ, PLACEBO_MODE="playback"), network_blocked():
            assert_passed(run(Counting))
        # A later passing recording replaces them and removes the failed attempt.
        Counting.calls = 1
        assert_passed(run(Counting))
    assert listing(tmp_path) == ["Counting.test_it"]
    assert listing(test_dir) == ["sqs.ListQueues_1.json"]


# -- 7. strict playback ---------------------------------------------------------------
def test_an_unrecorded_call_names_the_test_service_operation_call_and_path(tmp_path):
    ids = []

    class Strict(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_unrecorded(self):
            ids.append(self.id())
            self.client("sts").get_caller_identity()

    with environment(tmp_path), network_blocked():
        text = only_problem(run(Strict), "errors")
    path = tmp_path / "Strict.test_unrecorded" / "sts.GetCallerIdentity_1.json"
    assert "RecordingNotFoundError" in text
    for part in (ids[0], "sts", "GetCallerIdentity", "call 1", str(path)):
        assert part in text


def test_a_call_beyond_the_recorded_ones_is_an_error(tmp_path):
    seed(tmp_path / "Strict.test_it", "sts", "GetCallerIdentity", CALLER)
    caught = []

    class Strict(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            sts = self.client("sts")
            sts.get_caller_identity()
            with self.assertRaises(RecordingExhaustedError) as context:
                sts.get_caller_identity()
            caught.append(str(context.exception))
            sts.get_caller_identity()

    with environment(tmp_path), network_blocked():
        text = only_problem(run(Strict), "errors")
    assert "RecordingExhaustedError" in text and "Call 3 of sts.GetCallerIdentity" in text
    assert "Call 2 of sts.GetCallerIdentity" in caught[0]
    assert "sts.GetCallerIdentity_1.json" in caught[0]


@pytest.mark.parametrize("policy, expected", [
    ("cycle", ["one", "two", "one", "two"]),
    ("repeat_last", ["one", "two", "two", "two"]),
])
def test_on_exhausted_cycle_and_repeat_last(tmp_path, policy, expected):
    seed(tmp_path / "Lenient.test_it", "sts", "GetCallerIdentity",
         dict(CALLER, UserId="one"), dict(CALLER, UserId="two"))
    seen = []

    class Lenient(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        placebo_on_exhausted = policy

        def test_it(self):
            sts = self.client("sts")
            seen.extend(sts.get_caller_identity()["UserId"] for _ in range(4))

    with environment(tmp_path), network_blocked():
        assert_passed(run(Lenient))
    assert seen == expected


def unused_class(tmp_path, policy=None):
    seed(tmp_path / "Unused.test_it", "sts", "GetCallerIdentity", CALLER, CALLER)
    seed(tmp_path / "Unused.test_it", "iam", "GetRole", ROLE)
    attributes = {"placebo_on_unused": policy} if policy else {}

    def test_it(self):
        self.client("sts").get_caller_identity()

    return type("Unused", (PlaceboTestCase,),
                dict(placebo_dir=str(tmp_path), test_it=test_it, **attributes))


def test_unused_recordings_fail_the_test_listing_them(tmp_path):
    with environment(tmp_path), network_blocked():
        text = only_problem(run(unused_class(tmp_path)), "failures")
    test_dir = tmp_path / "Unused.test_it"
    assert "2 recorded response(s) were never replayed" in text
    assert str(test_dir / "sts.GetCallerIdentity_2.json") in text
    assert str(test_dir / "iam.GetRole_1.json") in text
    assert "sts.GetCallerIdentity_1.json" not in text


def test_unused_recordings_warn_when_asked(tmp_path):
    with (environment(tmp_path), network_blocked(),
          pytest.warns(UnusedRecordingsWarning, match="GetCallerIdentity_2.json") as caught):
        assert_passed(run(unused_class(tmp_path, "warn")))
    assert len(caught) == 1 and "iam.GetRole_1.json" in str(caught[0].message)


def test_unused_recordings_are_ignored_when_asked(tmp_path):
    with environment(tmp_path), network_blocked():
        assert_passed(run(unused_class(tmp_path, "ignore")))  # warnings are errors here


def test_an_unused_in_memory_response_fails_the_test_too(tmp_path):
    class Queued(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.save_response("sts", "GetCallerIdentity", CALLER)

    with environment(tmp_path), network_blocked():
        text = only_problem(run(Queued), "failures")
    assert "never replayed" in text and "queued" in text and "sts.GetCallerIdentity" in text
    assert listing(tmp_path) == []


def test_a_test_that_already_failed_is_not_also_blamed_for_unused_recordings(tmp_path):
    Unused = unused_class(tmp_path)
    Unused.test_it = lambda self: self.fail("the real problem")
    with environment(tmp_path), network_blocked():
        text = only_problem(run(Unused), "failures")
    assert "the real problem" in text and "never replayed" not in text


# -- 8. waiters -----------------------------------------------------------------------
NOT_FOUND = {"Error": {"Code": "404", "Message": "Not Found"},
             "ResponseMetadata": {"HTTPStatusCode": 404}}
FOUND = {"ResponseMetadata": {"HTTPStatusCode": 200}, "BucketRegion": "us-east-1"}


def test_waiters_poll_without_sleeping_in_playback(tmp_path):
    seen = []

    class Waiting(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            self.save_response("s3", "HeadBucket", NOT_FOUND, http_response=404)
            self.save_response("s3", "HeadBucket", NOT_FOUND, http_response=404)
            self.save_response("s3", "HeadBucket", FOUND)
            seen.append(botocore.waiter.time is time)
            self.client("s3").get_waiter("bucket_exists").wait(
                Bucket="waited-for", WaiterConfig={"Delay": 30, "MaxAttempts": 5})

    with environment(tmp_path), network_blocked(), mock.patch("time.sleep") as sleep:
        assert_passed(run(Waiting))  # every queued response was used: three polls
    assert sleep.call_count == 0
    assert seen == [False]
    assert botocore.waiter.time is time


@pytest.mark.recording
@pytest.mark.parametrize("mode", ["record", "live"])
def test_waiters_sleep_for_real_when_recording_or_live(tmp_path, moto, mode):
    seen = []

    class Waiting(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_it(self):
            seen.append(botocore.waiter.time is time)
            s3 = self.client("s3")
            s3.create_bucket(Bucket="waited-for")
            # The first poll says "not yet" (from memory); the second asks moto.
            self.save_response("s3", "HeadBucket", NOT_FOUND, http_response=404)
            s3.get_waiter("bucket_exists").wait(
                Bucket="waited-for", WaiterConfig={"Delay": 7, "MaxAttempts": 3})

    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE=mode)), \
            mock.patch("time.sleep") as sleep:
        assert_passed(run(Waiting))
    assert seen == [True]
    assert mock.call(7) in sleep.call_args_list
