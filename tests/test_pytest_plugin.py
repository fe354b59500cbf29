"""The pytest plugin, run for real on small sample projects.

Each sample runs in a pytest of its own (a subprocess, through ``pytester``),
so its options, environment and pytest-xdist workers are its own. Recording
runs talk to moto's server on 127.0.0.1 (``recording``); every other run
replays with the sample's sockets refused (its conftest cuts them) and boto3
pointed at a port where nothing listens.
"""
import json
import os
import re
import subprocess
import sys

import pytest

from placebo_unittest.testnames import directory_for_test

from recording_helpers import DEAD_ENDPOINT, load_file, recording_files
from testcase_helpers import CALLER, REPO, repo_untouched, seed  # noqa: F401 - repo_untouched is autouse

pytest_plugins = ["pytester"]

SUMMARY = re.compile(
    r"^placebo_unittest: (?P<tests>\d+) tests run; calls replayed (?P<replayed>\d+), "
    r"recorded (?P<recorded>\d+), live (?P<live>\d+); recordings written (?P<written>\d+), "
    r"unused (?P<unused>\d+), missing (?P<missing>\d+)$", re.MULTILINE)

#: The sample's conftest: with SAMPLE_NETWORK=cut, any connection attempt fails loudly.
GUARD = '''
import os, socket, sys

if os.environ.get("SAMPLE_NETWORK") == "cut":
    def refuse(*args, **kwargs):
        sys.stderr.write("NETWORK ATTEMPT\\n")
        raise OSError("network access in a playback run")

    socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
'''

INI = """\
[pytest]
addopts = -p no:cacheprovider --strict-markers
filterwarnings =
    error
    ignore:The configuration option "asyncio_default_fixture_loop_scope" is unset:pytest.PytestDeprecationWarning
    ignore::DeprecationWarning:botocore.*
    ignore::DeprecationWarning:moto.*
    ignore::DeprecationWarning:werkzeug.*
    ignore::DeprecationWarning:flask.*
"""

QUEUES = '''
import pytest


@pytest.mark.parametrize("name", ["alpha", "beta/../gamma", pytest.param("q" * 150, id="q" * 150)])
def test_queue(placebo_client, name):
    sqs = placebo_client("sqs")
    queue = name.replace("/", "-").replace(".", "-")[:60]
    url = sqs.create_queue(QueueName=queue)["QueueUrl"]
    assert sqs.get_queue_url(QueueName=queue)["QueueUrl"] == url


class TestIdentity:
    def test_caller(self, placebo_session):
        assert placebo_session.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_without_placebo():
    pass
'''

#: (directory name, service, operation) of every recording QUEUES makes.
QUEUE_DIRS = [directory_for_test("test_queues", f"test_queue[{p}]")
              for p in ("alpha", "beta/../gamma", "q" * 150)]


def summary(result):
    """The numbers of the plugin's summary line, or None if there is none."""
    found = SUMMARY.findall(result.stdout.str())
    assert len(found) <= 1, result.stdout.str()
    if not found:
        return None
    return dict(zip(("tests", "replayed", "recorded", "live", "written", "unused", "missing"),
                    (int(n) for n in found[0]), strict=True))


def counts(**values):
    base = dict(tests=0, replayed=0, recorded=0, live=0, written=0, unused=0, missing=0)
    base.update(values)
    return base


@pytest.fixture
def sample(pytester, monkeypatch, tmp_path):
    """A sample project with the network guard; none of our or AWS's variables set."""
    for name in list(os.environ):
        if name.startswith(("PLACEBO_", "AWS_")) or name in ("SAMPLE_NETWORK", "PYTEST_ADDOPTS"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    pytester.makeconftest(GUARD)
    pytester.makefile(".ini", pytest=INI)
    return pytester


def replay(sample, monkeypatch, *args, mode="playback"):
    """Run the sample offline (``mode`` as --placebo-mode unless None)."""
    monkeypatch.setenv("SAMPLE_NETWORK", "cut")
    monkeypatch.setenv("AWS_ENDPOINT_URL", DEAD_ENDPOINT)
    options = ("--placebo-mode=" + mode,) if mode else ()
    result = sample.runpytest_subprocess(*options, *args, timeout=300)
    assert "NETWORK ATTEMPT" not in result.stderr.str() + result.stdout.str()
    return result


def record(sample, monkeypatch, moto, *args):
    """Run the sample against moto, recording."""
    monkeypatch.delenv("SAMPLE_NETWORK", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    return sample.runpytest_subprocess("--placebo-mode=record", *args, timeout=300)


def placebo_dir(sample):
    return sample.path / "placebo"


def listing(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# -- recording against moto, replaying offline -----------------------------------------------
@pytest.mark.recording
def test_record_then_replay_offline(sample, monkeypatch, moto):
    sample.makepyfile(test_queues=QUEUES)
    recorded = record(sample, monkeypatch, moto)
    recorded.assert_outcomes(passed=5)
    names = sorted(QUEUE_DIRS + ["test_queues.TestIdentity.test_caller"])
    assert listing(placebo_dir(sample)) == names  # one each, nothing left beside them
    assert len(set(names)) == 4
    assert "test_queues.test_queue[alpha]" in names  # a safe name is kept as it is
    for name in QUEUE_DIRS:
        assert recording_files(placebo_dir(sample) / name) == ["sqs.CreateQueue_1.json",
                                                                "sqs.GetQueueUrl_1.json"]
    created = load_file(placebo_dir(sample) / "test_queues.test_queue[alpha]", "sqs.CreateQueue_1.json")
    assert created["data"]["QueueUrl"].endswith("/alpha")
    assert created["placebo_unittest"]["request"] == {"QueueName": "alpha"}
    caller = load_file(placebo_dir(sample) / "test_queues.TestIdentity.test_caller",
                       "sts.GetCallerIdentity_1.json")
    assert caller["data"]["Account"] == "123456789012"
    assert summary(recorded) == counts(tests=5, recorded=7, written=7)

    replayed = replay(sample, monkeypatch)
    replayed.assert_outcomes(passed=5)
    assert summary(replayed) == counts(tests=5, replayed=7)


@pytest.mark.recording
def test_recording_again_replaces_the_directory_and_a_failed_attempt_is_kept_aside(
        sample, monkeypatch, moto):
    test = '''
import os

def test_calls(placebo_client):
    sts = placebo_client("sts")
    for _ in range(int(os.environ["SAMPLE_CALLS"])):
        sts.get_caller_identity()
    assert os.environ.get("SAMPLE_FAIL") != "1"
'''
    sample.makepyfile(test_calls=test)
    directory = placebo_dir(sample) / "test_calls.test_calls"
    monkeypatch.setenv("SAMPLE_CALLS", "3")
    record(sample, monkeypatch, moto).assert_outcomes(passed=1)
    assert len(recording_files(directory)) == 3

    monkeypatch.setenv("SAMPLE_CALLS", "1")
    monkeypatch.setenv("SAMPLE_FAIL", "1")
    record(sample, monkeypatch, moto).assert_outcomes(failed=1)
    assert len(recording_files(directory)) == 3  # untouched
    assert recording_files(placebo_dir(sample) / "test_calls.test_calls.failed") == [
        "sts.GetCallerIdentity_1.json"]

    monkeypatch.setenv("SAMPLE_FAIL", "0")
    result = record(sample, monkeypatch, moto)
    result.assert_outcomes(passed=1)
    assert recording_files(directory) == ["sts.GetCallerIdentity_1.json"]  # replaced as a whole
    assert listing(placebo_dir(sample)) == ["test_calls.test_calls"]  # the failed attempt is gone
    assert summary(result) == counts(tests=1, recorded=1, written=1)


@pytest.mark.recording
def test_once_records_what_is_missing_and_replays_the_rest(sample, monkeypatch, moto):
    sample.makepyfile(test_queues=QUEUES)
    seed(placebo_dir(sample) / "test_queues.TestIdentity.test_caller", "sts", "GetCallerIdentity", CALLER)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    result = sample.runpytest_subprocess("--placebo-mode=once", timeout=300)
    result.assert_outcomes(passed=5)
    assert summary(result) == counts(tests=5, replayed=1, recorded=6, written=6)


# -- strictness -------------------------------------------------------------------------------
IDENTITY = '''
import boto3

def test_who(placebo_client):
    sts = placebo_client("sts")
    for _ in range({calls}):
        assert sts.get_caller_identity()["Account"] == "123456789012"
'''


def test_playback_replays_offline_and_sums_up(sample, monkeypatch):
    sample.makepyfile(test_ids=IDENTITY.format(calls=2) + "\n\ndef test_other():\n    pass\n")
    seed(placebo_dir(sample) / "test_ids.test_who", "sts", "GetCallerIdentity", CALLER, CALLER)
    result = replay(sample, monkeypatch)
    result.assert_outcomes(passed=2)
    assert summary(result) == counts(tests=2, replayed=2)


def test_an_extra_call_fails_the_test(sample, monkeypatch):
    sample.makepyfile(test_ids=IDENTITY.format(calls=2))
    seed(placebo_dir(sample) / "test_ids.test_who", "sts", "GetCallerIdentity", CALLER)
    result = replay(sample, monkeypatch)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RecordingExhaustedError*Call 2 of sts.GetCallerIdentity has no recording*"])
    assert summary(result) == counts(tests=1, replayed=1, missing=1)


def test_a_call_with_no_recording_at_all_fails_the_test(sample, monkeypatch):
    sample.makepyfile(test_ids=IDENTITY.format(calls=1))
    result = replay(sample, monkeypatch)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RecordingNotFoundError*"])


def test_an_unused_recording_fails_the_test_at_teardown(sample, monkeypatch):
    sample.makepyfile(test_ids=IDENTITY.format(calls=1))
    written = seed(placebo_dir(sample) / "test_ids.test_who", "sts", "GetCallerIdentity", CALLER, CALLER)
    result = replay(sample, monkeypatch)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_who*",
        "test_ids.py::test_who: 1 recorded response(s) were never replayed: *GetCallerIdentity_2.json*",
    ])
    assert summary(result) == counts(tests=1, replayed=1, unused=1)
    assert f"  unused: {written[1]}" in result.stdout.str()


def test_a_failing_test_is_not_also_blamed_for_unused_recordings(sample, monkeypatch):
    sample.makepyfile(test_ids=IDENTITY.format(calls=1) + "    assert False, 'the code is wrong'\n")
    seed(placebo_dir(sample) / "test_ids.test_who", "sts", "GetCallerIdentity", CALLER, CALLER)
    result = replay(sample, monkeypatch)
    result.assert_outcomes(failed=1)
    assert "never replayed" not in result.stdout.str()


def test_a_skipped_test_keeps_its_recordings_and_is_not_blamed(sample, monkeypatch):
    test = IDENTITY.format(calls=1) + "    import pytest\n    pytest.skip('not today')\n"
    sample.makepyfile(test_ids=test)
    directory = placebo_dir(sample) / "test_ids.test_who"
    seed(directory, "sts", "GetCallerIdentity", CALLER, CALLER)
    replay(sample, monkeypatch).assert_outcomes(skipped=1)
    # Recording, the attempt is thrown away and the old recordings are kept.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sample.makepyfile(test_ids="import pytest\n\ndef test_who(placebo_pill):\n    pytest.skip('no')\n")
    result = replay(sample, monkeypatch, mode="record")
    result.assert_outcomes(skipped=1)
    assert listing(placebo_dir(sample)) == ["test_ids.test_who"]
    assert len(recording_files(directory)) == 2


# -- the option --------------------------------------------------------------------------------
MODE_PROBE = '''
import os

def test_mode(placebo_context):
    assert placebo_context.mode.value == os.environ["SAMPLE_EXPECTED"]
    assert os.environ["PLACEBO_MODE"] == os.environ["SAMPLE_EXPECTED"]
'''


@pytest.mark.parametrize("option, env, expected", [
    ("live", "playback", "live"),
    ("playback", "record", "playback"),
    ("LIVE", "", "live"),
    (None, "live", "live"),
])
def test_the_option_wins_over_the_environment(sample, monkeypatch, option, env, expected):
    sample.makepyfile(test_mode=MODE_PROBE)
    monkeypatch.setenv("PLACEBO_MODE", env)
    monkeypatch.setenv("SAMPLE_EXPECTED", expected)
    result = replay(sample, monkeypatch, mode=option)
    result.assert_outcomes(passed=1)
    assert summary(result) == counts(tests=1)


def test_without_option_or_environment_the_mode_is_playback(sample, monkeypatch):
    sample.makepyfile(test_mode="def test_mode(placebo_context):\n"
                                "    assert placebo_context.mode.value == 'playback'\n")
    replay(sample, monkeypatch, mode=None).assert_outcomes(passed=1)


@pytest.mark.parametrize("value", ["sometimes", ""])
def test_an_invalid_mode_is_a_usage_error(sample, monkeypatch, value):
    sample.makepyfile(test_mode=MODE_PROBE)
    result = replay(sample, monkeypatch, "--placebo-mode=" + value, mode=None)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert ("argument --placebo-mode: must be one of 'record', 'playback', 'once', 'live', 'record-missing', "
            f"not {value!r}") in result.stderr.str()
    assert "passed" not in result.stdout.str()


def test_the_option_is_put_back_after_the_run(pytester, monkeypatch):
    """In this process: $PLACEBO_MODE is the run's, then what it was before."""
    monkeypatch.setenv("PLACEBO_MODE", "playback")
    pytester.makepyfile(test_env="import os\n\ndef test_env():\n"
                                 "    assert os.environ['PLACEBO_MODE'] == 'live'\n")
    options = ("--placebo-mode=live", "-p", "no:cacheprovider", "-p", "no:asyncio")  # no ini: no loop scope
    result = pytester.runpytest_inprocess(*options)
    result.assert_outcomes(passed=1)
    assert os.environ["PLACEBO_MODE"] == "playback"
    monkeypatch.delenv("PLACEBO_MODE")
    pytester.runpytest_inprocess(*options).assert_outcomes(passed=1)
    assert "PLACEBO_MODE" not in os.environ


# -- PlaceboTestCase under pytest ---------------------------------------------------------------
CASE = '''
import os

from placebo_unittest import PlaceboTestCase


class IdentityTest(PlaceboTestCase):
    def test_who(self):
        self.assertEqual(os.environ["PLACEBO_MODE"], os.environ["SAMPLE_EXPECTED"])
        self.assertEqual(self.placebo_mode, os.environ["SAMPLE_EXPECTED"])
        if self.placebo_mode == "playback":
            self.assertEqual(self.client("sts").get_caller_identity()["Account"], "123456789012")
'''


@pytest.mark.parametrize("option, env, expected, replayed", [
    ("playback", "record", "playback", 1),
    ("live", "playback", "live", 0),
])
def test_placebo_test_case_honours_the_option(sample, monkeypatch, option, env, expected, replayed):
    sample.makepyfile(test_case=CASE)
    seed(placebo_dir(sample) / "IdentityTest.test_who", "sts", "GetCallerIdentity", CALLER)
    monkeypatch.setenv("PLACEBO_MODE", env)
    monkeypatch.setenv("SAMPLE_EXPECTED", expected)
    result = replay(sample, monkeypatch, mode=option)
    result.assert_outcomes(passed=1)
    assert summary(result) == counts(tests=1, replayed=replayed)


# -- the marker ---------------------------------------------------------------------------------
def test_marker_settings_are_applied(sample, monkeypatch):
    test = '''
import boto3
import pytest

pytestmark = pytest.mark.placebo(region="ap-south-1", match="order")


@pytest.mark.placebo(region="eu-west-1", match="params", placebo_ignore_params=["ClientToken"],
                     on_exhausted="repeat_last", validate=False, foreign_clients="refuse")
def test_settings(placebo_context, placebo_session, placebo_pill):
    assert placebo_session.region_name == "eu-west-1"  # the closest marker wins
    assert placebo_pill.match == "params"
    assert placebo_pill.on_exhausted == "repeat_last"
    assert placebo_context.foreign_clients.value == "refuse"
    assert placebo_context.validate is False
    sts = placebo_session.client("sts")
    for _ in range(3):  # one recording, repeated
        sts.get_caller_identity()


def test_module_marker(placebo_session, placebo_pill):
    assert placebo_session.region_name == "ap-south-1"
    assert placebo_pill.match == "order"


@pytest.mark.placebo(placebo_on_unused="ignore")
def test_unused_ignored(placebo_client):
    placebo_client("sts").get_caller_identity()


@pytest.mark.placebo
def test_marker_alone_gives_a_context():
    # No fixture asked for: the code's own boto3.client() is replayed.
    assert boto3.client("sts").get_caller_identity()["Account"] == "123456789012"
'''
    sample.makepyfile(test_marked=test)
    seed(placebo_dir(sample) / "test_marked.test_settings", "sts", "GetCallerIdentity", CALLER)
    for name in ("test_unused_ignored", "test_marker_alone_gives_a_context"):
        seed(placebo_dir(sample) / f"test_marked.{name}", "sts", "GetCallerIdentity",
             CALLER, CALLER)
    result = replay(sample, monkeypatch)
    # test_unused_ignored leaves one unused and passes; the marker-only test fails on its own.
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_marker_alone_gives_a_context*",
                                 "*1 recorded response(s) were never replayed*"])
    assert summary(result) == counts(tests=4, replayed=3 + 1 + 1, unused=2)


def test_a_services_marker_limits_what_is_recorded(sample, monkeypatch):
    # In live mode nothing is recorded anyway; in record mode the pill is told the services.
    test = '''
import pytest


@pytest.mark.placebo(services="sqs", operations=["CreateQueue"])
def test_limited(placebo_pill, placebo_context):
    assert placebo_context.mode.value == "record"
    assert placebo_pill.events == ["after-call.sqs.CreateQueue"]


def test_everything(placebo_pill):
    assert placebo_pill.events == ["after-call.*.*"]
'''
    sample.makepyfile(test_services=test)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    replay(sample, monkeypatch, mode="record").assert_outcomes(passed=2)


@pytest.mark.parametrize("marker, message", [
    ('regoin="eu-west-1"', "a keyword of @pytest.mark.placebo must be one of 'services', "
                           "'operations', *, not 'regoin'. Did you mean 'region'?"),
    ('"verify"', "@pytest.mark.placebo must be one of *It takes keyword arguments only*"),
    ('match="sometimes"', "match must be one of 'order', 'verify', 'params', not 'sometimes'."),
    ('redact=["no_such_redactor"]', "*no_such_redactor*"),
])
def test_a_wrong_marker_is_a_clear_error(sample, monkeypatch, marker, message):
    sample.makepyfile(test_wrong=f'''
import pytest

@pytest.mark.placebo({marker})
def test_wrong(placebo_session):
    pass


def test_fine(placebo_session):
    pass
''')
    result = replay(sample, monkeypatch)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of test_wrong*",
                                 "test_wrong.py::test_wrong: " + message])


def test_the_marker_is_refused_on_a_unittest_test(sample, monkeypatch):
    sample.makepyfile(test_case='''
import pytest
from placebo_unittest import PlaceboTestCase


class IdentityTest(PlaceboTestCase):
    @pytest.mark.placebo(region="eu-west-1")
    def test_who(self):
        pass
''')
    result = replay(sample, monkeypatch)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*@pytest.mark.placebo is for pytest-style tests*"])


# -- names ---------------------------------------------------------------------------------------
def test_each_parametrized_case_has_a_safe_directory_of_its_own(sample, monkeypatch):
    cases = ["a", "a/b", "a_b", "..", "con", "x" * 300, "sp ace", "tab\\t"]
    sample.makepyfile(test_names=f'''
import json, os, pytest

CASES = {cases!r}

@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_name(placebo_context, case):
    with open(os.environ["SAMPLE_OUT"], "a") as out:
        out.write(json.dumps([case, placebo_context.directory]) + "\\n")


class TestGroup:
    @pytest.mark.parametrize("n", [1, 2])
    def test_inner(self, placebo_context, n):
        with open(os.environ["SAMPLE_OUT"], "a") as out:
            out.write(json.dumps([n, placebo_context.directory]) + "\\n")
''')
    out = sample.path / "dirs.jsonl"
    monkeypatch.setenv("SAMPLE_OUT", str(out))
    result = replay(sample, monkeypatch, "-v")
    result.assert_outcomes(passed=len(cases) + 2)
    seen = [json.loads(line) for line in out.read_text().splitlines()]
    directories = [d for _case, d in seen]
    assert len(set(directories)) == len(seen)
    for directory in directories:
        assert os.path.dirname(directory) == str(placebo_dir(sample))
    ids = re.findall(r"^test_names\.py::(.+?) PASSED", result.stdout.str(), re.MULTILINE)
    assert len(ids) == len(seen)
    expected = sorted(directory_for_test("test_names", i.replace("::", ".")) for i in ids)
    assert sorted(os.path.basename(d) for d in directories) == expected
    assert "test_names.TestGroup.test_inner[1]" in expected
    assert "test_names.test_name[a]" in expected


def test_placebo_dir_replaces_the_folder_beside_the_test(sample, monkeypatch, tmp_path):
    sample.makepyfile(test_ids=IDENTITY.format(calls=1))
    elsewhere = tmp_path / "elsewhere"
    seed(elsewhere / "test_ids.test_who", "sts", "GetCallerIdentity", CALLER)
    monkeypatch.setenv("PLACEBO_DIR", str(elsewhere))
    replay(sample, monkeypatch).assert_outcomes(passed=1)


# -- pytest-xdist ---------------------------------------------------------------------------------
def test_xdist_playback_sums_up_the_workers(sample, monkeypatch):
    sample.makepyfile(test_ids='''
import pytest

@pytest.mark.parametrize("n", range(6))
def test_who(placebo_client, n):
    sts = placebo_client("sts")
    for _ in range(n):
        sts.get_caller_identity()


def test_plain():
    pass
''')
    unused = []
    for n in range(6):
        written = seed(placebo_dir(sample) / f"test_ids.test_who[{n}]", "sts",
                       "GetCallerIdentity", *[CALLER] * (n + (n == 5)))
        unused.extend(written[n:])
    result = replay(sample, monkeypatch, "-n", "2")
    result.assert_outcomes(passed=7, errors=1)
    assert summary(result) == counts(tests=7, replayed=15, unused=1)
    assert f"  unused: {unused[0]}" in result.stdout.str()


@pytest.mark.recording
def test_xdist_record_then_playback(sample, monkeypatch, moto):
    sample.makepyfile(test_queues=QUEUES)
    recorded = record(sample, monkeypatch, moto, "-n", "2")
    recorded.assert_outcomes(passed=5)
    assert summary(recorded) == counts(tests=5, recorded=7, written=7)
    files = sorted(str(p.relative_to(placebo_dir(sample))) for p in placebo_dir(sample).rglob("*.json"))
    assert len(files) == 7
    assert listing(placebo_dir(sample)) == sorted(QUEUE_DIRS + ["test_queues.TestIdentity.test_caller"])
    replayed = replay(sample, monkeypatch, "-n", "2")
    replayed.assert_outcomes(passed=5)
    assert summary(replayed) == counts(tests=5, replayed=7)


# -- inert unless used ---------------------------------------------------------------------------
def test_the_plugin_is_inert_when_unused(sample, monkeypatch):
    sample.makepyfile(test_plain='''
import os
import boto3


def test_nothing_of_ours():
    assert "PLACEBO_MODE" not in os.environ
    assert boto3.DEFAULT_SESSION is None
''')
    result = replay(sample, monkeypatch, "--setup-show", mode=None)
    result.assert_outcomes(passed=1)
    shown = [line for line in result.stdout.lines if not line.startswith("plugins:")]
    assert "placebo" not in "\n".join(shown)  # no fixture set up, no summary line
    assert not placebo_dir(sample).exists()


def test_the_plugin_is_listed_and_the_marker_registered(sample, monkeypatch):
    result = replay(sample, monkeypatch, "--markers", mode=None)
    result.stdout.fnmatch_lines(["@pytest.mark.placebo(**settings): *"])
    help_text = replay(sample, monkeypatch, "--help", mode=None)
    help_text.stdout.fnmatch_lines(["*--placebo-mode=MODE*"])
    fixtures = replay(sample, monkeypatch, "--fixtures", mode=None).stdout.str()
    for name in ("placebo_session", "placebo_pill", "placebo_client", "placebo_context"):
        assert name in fixtures


# -- the example -----------------------------------------------------------------------------------
NETWORK_CUT_PYTEST = """
import runpy, socket, sys

def refuse(*args, **kwargs):
    sys.stderr.write("NETWORK ATTEMPT\\n")
    raise OSError("network access during playback")

socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
runpy.run_module("pytest", run_name="__main__", alter_sys=True)
"""


def example_env(tmp_path, **values):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLACEBO_", "AWS_"))}
    env.pop("PYTEST_ADDOPTS", None)
    env.update(PYTHONDONTWRITEBYTECODE="1", AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"))
    env.update(values)
    return env


def test_the_example_replays_offline(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", NETWORK_CUT_PYTEST, "examples/test_pytest_style.py",
         "-p", "no:cacheprovider", "--placebo-mode=playback"],
        cwd=str(REPO), env=example_env(tmp_path, AWS_ENDPOINT_URL=DEAD_ENDPOINT),
        capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "NETWORK ATTEMPT" not in done.stderr
    recordings = list((REPO / "examples" / "placebo").glob("test_pytest_style.*/*.json"))
    assert "5 passed" in done.stdout
    assert (f"placebo_unittest: 5 tests run; calls replayed {len(recordings)}, recorded 0, live 0; recordings "
            "written 0, unused 0, missing 0") in done.stdout


def test_unittest_discovery_finds_no_tests_in_the_pytest_example(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "placebo_unittest", "discover", "-s", "examples", "-p", "test_pytest_style.py"],
        cwd=str(REPO), env=example_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert done.returncode == 5, done.stderr  # no tests, and no error importing the module
    assert "Ran 0 tests" in done.stderr and "Error" not in done.stderr


@pytest.mark.recording
def test_the_example_records_the_committed_files(tmp_path, moto):
    import shutil

    shutil.copytree(str(REPO / "examples"), str(tmp_path / "examples"),
                    ignore=shutil.ignore_patterns("placebo", "__pycache__"))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "examples/test_pytest_style.py", "-p", "no:cacheprovider",
         "--placebo-mode=record"],
        cwd=str(tmp_path), capture_output=True, text=True, timeout=300,
        env=example_env(tmp_path, AWS_ENDPOINT_URL=moto.url, AWS_ACCESS_KEY_ID="testing",
                        AWS_SECRET_ACCESS_KEY="testing"))
    assert done.returncode == 0, done.stdout + done.stderr
    made = sorted(str(p.relative_to(tmp_path / "examples" / "placebo"))
                  for p in (tmp_path / "examples" / "placebo").rglob("*"))
    committed = sorted(str(p.relative_to(REPO / "examples" / "placebo"))
                       for p in (REPO / "examples" / "placebo").rglob("*") if "test_pytest_style." in str(p))
    assert made == committed
