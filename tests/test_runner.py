"""``python -m placebo_unittest``, run for real in a subprocess on a small suite.

Playback runs go through a bootstrap that cuts the subprocess's network
(connect() fails) before running the module exactly as ``-m`` would; runs
that record start moto's server inside the subprocess (``--moto``).
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import placebo_unittest

from testcase_helpers import CALLER, REPO, VALID_MODES, listing, repo_untouched, seed  # noqa: F401

SUMMARY = re.compile(
    r"^placebo_unittest: (?P<tests>\d+) tests run; calls replayed (?P<replayed>\d+), "
    r"recorded (?P<recorded>\d+), live (?P<live>\d+); recordings written (?P<written>\d+), "
    r"unused (?P<unused>\d+), missing (?P<missing>\d+)(?:, added to recorded tests (?P<added>\d+))?$", re.MULTILINE)

#: Runs ``python -m placebo_unittest`` with every outgoing connection refused.
NETWORK_CUT = """
import runpy, socket, sys

def refuse(*args, **kwargs):
    sys.stderr.write("NETWORK ATTEMPT\\n")
    raise OSError("network access during playback")

socket.socket.connect = socket.socket.connect_ex = socket.create_connection = refuse
runpy.run_module("placebo_unittest", run_name="__main__", alter_sys=True)
"""

SUITE = '''
import boto3

from placebo_unittest import PlaceboTestCase


class QueueTest(PlaceboTestCase):
    def test_create(self):
        sqs = boto3.client("sqs")  # code that uses the default session
        url = sqs.create_queue(QueueName="runner")["QueueUrl"]
        self.assertTrue(url.endswith("/runner"))
        self.assertEqual(sqs.get_queue_url(QueueName="runner")["QueueUrl"], url)

    def test_identity(self):
        self.assertEqual(self.client("sts").get_caller_identity()["Account"], "123456789012")
'''


#: The folder holding the placebo_unittest these tests import, so the
#: subprocess runs the same code (the editable install points there too).
PACKAGE_ROOT = str(Path(placebo_unittest.__file__).resolve().parents[1])


def clean_env(tmp_path, **values):
    """A copy of this process's environment without anything of ours or AWS's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLACEBO_", "AWS_"))}
    env.update(PYTHONPATH=PACKAGE_ROOT, PYTHONDONTWRITEBYTECODE="1", PYTHONWARNINGS="",
               AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"))
    env.update(values)
    return env


def placebo_unittest(tmp_path, *args, cwd, network=False, **env):
    """Run the command line; return (exit status, stdout, stderr, summary numbers)."""
    if network:
        command = [sys.executable, "-m", "placebo_unittest", *args]
    else:
        command = [sys.executable, "-c", NETWORK_CUT, *args]
    done = subprocess.run(command, cwd=str(cwd), env=clean_env(tmp_path, **env),
                          capture_output=True, text=True, timeout=120)
    if not network:
        assert "NETWORK ATTEMPT" not in done.stderr, done.stderr
    match = SUMMARY.search(done.stderr)
    numbers = {k: int(v) for k, v in match.groupdict().items() if v is not None} if match else None
    return done.returncode, done.stdout, done.stderr, numbers


def counts(**numbers):
    summary = dict(tests=0, replayed=0, recorded=0, live=0, written=0, unused=0, missing=0)
    summary.update(numbers)
    return summary


@pytest.fixture
def suite(tmp_path):
    folder = tmp_path / "suite"
    folder.mkdir()
    (folder / "test_queues.py").write_text(SUITE)
    return folder


def seed_suite(folder):
    recordings = folder / "placebo"
    url = "http://localhost/123456789012/runner"
    seed(recordings / "QueueTest.test_create", "sqs", "CreateQueue", {"QueueUrl": url})
    seed(recordings / "QueueTest.test_create", "sqs", "GetQueueUrl", {"QueueUrl": url})
    seed(recordings / "QueueTest.test_identity", "sts", "GetCallerIdentity", CALLER)
    return recordings


def test_playback_passes_exit_0_with_a_correct_summary(tmp_path, suite):
    seed_suite(suite)
    status, _out, err, numbers = placebo_unittest(tmp_path, cwd=suite)
    assert status == 0, err
    assert "Ran 2 tests" in err and "\nOK" in err
    assert numbers == counts(tests=2, replayed=3), err
    assert err.rstrip().splitlines()[-1].startswith("placebo_unittest: 2 tests run;")


def test_failures_exit_1_and_the_summary_lists_unused_and_missing(tmp_path, suite):
    recordings = seed_suite(suite)
    missing = recordings / "QueueTest.test_identity" / "sts.GetCallerIdentity_1.json"
    missing.unlink()
    unused = seed(recordings / "QueueTest.test_create", "sqs", "ListQueues", {"QueueUrls": []})[0]
    status, _out, err, numbers = placebo_unittest(tmp_path, "-v", cwd=suite)
    assert status == 1, err
    assert "FAILED (failures=1, errors=1)" in err
    assert "test_create (test_queues.QueueTest" in err  # -v went to unittest
    assert numbers == counts(tests=2, replayed=2, unused=1, missing=1), err
    assert f"  unused: {unused}\n" in err
    assert f"  missing: {missing}\n" in err


def test_test_names_are_passed_to_unittest(tmp_path, suite):
    seed_suite(suite)
    status, _out, err, numbers = placebo_unittest(
        tmp_path, "--playback", "test_queues.QueueTest.test_identity", cwd=suite)
    assert status == 0, err
    assert numbers == counts(tests=1, replayed=1), err


@pytest.mark.recording
def test_record_with_moto_then_playback(tmp_path, suite):
    old = seed(suite / "placebo" / "QueueTest.test_identity", "sts", "GetCallerIdentity",
               dict(CALLER, UserId="stale"), dict(CALLER, UserId="stale"))
    status, _out, err, numbers = placebo_unittest(tmp_path, "--record", "--moto", cwd=suite,
                                                  network=True, PLACEBO_MODE="playback")
    assert status == 0, err
    # replayed, recorded and live are disjoint: "live" is a call that went over
    # HTTP and was not recorded.
    assert numbers == counts(tests=2, recorded=3, live=0, written=3), err
    assert listing(suite / "placebo") == ["QueueTest.test_create", "QueueTest.test_identity"]
    assert listing(suite / "placebo" / "QueueTest.test_create") == [
        "sqs.CreateQueue_1.json", "sqs.GetQueueUrl_1.json"]
    assert listing(suite / "placebo" / "QueueTest.test_identity") == ["sts.GetCallerIdentity_1.json"]
    assert "stale" not in Path(old[0]).read_text()  # recorded again from moto
    # What recording again changed, in a few lines: test_create is new, test_identity changed.
    assert ("\nplacebo_unittest drift: Drift in 2 of 2 tests (1 changed, 1 added): calls 1 changed, 2 added, "
            "1 removed;") in err, err
    assert "\n  Changed most:\n    sts.GetCallerIdentity data.UserId  (1 call)\n" in err.replace(
        "    sts.GetCallerIdentity data.Arn  (1 call)\n", ""), err
    status, _out, err, numbers = placebo_unittest(tmp_path, cwd=suite)
    assert status == 0, err
    assert numbers == counts(tests=2, replayed=3), err


@pytest.mark.recording
def test_once_records_what_is_missing_and_replays_the_rest(tmp_path, suite):
    seed(suite / "placebo" / "QueueTest.test_identity", "sts", "GetCallerIdentity", CALLER)
    status, _out, err, numbers = placebo_unittest(tmp_path, "--once", "--moto", cwd=suite, network=True)
    assert status == 0, err
    assert numbers == counts(tests=2, replayed=1, recorded=2, live=0, written=2), err
    status, _out, err, numbers = placebo_unittest(tmp_path, "--once", cwd=suite)
    assert status == 0, err
    assert numbers == counts(tests=2, replayed=3), err


@pytest.mark.recording
def test_live_with_moto_records_and_replays_nothing(tmp_path, suite):
    status, _out, err, numbers = placebo_unittest(tmp_path, "--live", "--moto", cwd=suite, network=True)
    assert status == 0, err
    assert numbers == counts(tests=2, live=3), err
    assert listing(suite) == ["test_queues.py"]


def test_the_network_cut_bootstrap_works(tmp_path, suite):
    # The guard the playback runs rely on: a live call is refused and reported.
    done = subprocess.run([sys.executable, "-c", NETWORK_CUT, "--live"], cwd=str(suite),
                          env=clean_env(tmp_path, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x",
                                        AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "NETWORK ATTEMPT" in done.stderr, done.stderr


@pytest.mark.parametrize("args, env", [((), {"PLACEBO_MODE": "sometimes"}),
                                       (("--live",), {"PLACEBO_FORMAT": "yaml"})])
def test_a_wrong_setting_exits_2_listing_the_valid_values(tmp_path, suite, args, env):
    status, out, err, numbers = placebo_unittest(tmp_path, *args, cwd=suite, **env)
    assert status == 2, err
    (name, value), = env.items()
    assert err.startswith(f"placebo_unittest: {name} must be one of"), err
    assert repr(value) in err
    for valid in (VALID_MODES if name == "PLACEBO_MODE" else ("'json'", "'pickle'")):
        assert valid in err
    assert "Ran" not in err and numbers is None and out == ""


def test_two_modes_at_once_are_refused(tmp_path, suite):
    status, _out, err, _numbers = placebo_unittest(tmp_path, "--record", "--playback", cwd=suite)
    assert status != 0 and "choose one of --record, --playback, --once, --live" in err
    assert not (suite / "placebo").exists()


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(tmp_path, suite, flag):
    status, out, err, numbers = placebo_unittest(tmp_path, flag, cwd=suite)
    assert status == 0, err
    assert out.startswith("usage: python -m placebo_unittest")
    for option in ("--record", "--playback", "--once", "--live", "--moto"):
        assert option in out
    assert numbers is None


def test_the_example_suite_replays_offline(tmp_path):
    # The subprocess's sockets are refused by the bootstrap (NETWORK_CUT); with
    # PLACEBO_TEST_NETWORK=cut under `unshare --net` (CI) there is no network at all.
    recordings = [p for p in (REPO / "examples" / "placebo").rglob("*") if p.is_file()
                  and not p.parent.name.startswith(("test_pytest_style.", "test_chat."))]  # pytest's
    status, _out, err, numbers = placebo_unittest(
        tmp_path, "discover", "-s", "examples", cwd=REPO,
        PLACEBO_TEST_NETWORK=os.environ.get("PLACEBO_TEST_NETWORK", "cut"))
    assert status == 0, err
    assert "Ran 14 tests" in err
    assert "14 tests run" in err and "missing 0" in err and "unused 0" in err
    # Every recording is reached; one call (the verify example's) is refused, not replayed.
    assert numbers == counts(tests=14, replayed=len(recordings) - 1), err
