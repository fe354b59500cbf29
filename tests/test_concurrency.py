"""Threads, processes and crashes: nothing recorded is lost, doubled or half-written.

Recording runs talk to moto's server on 127.0.0.1; replays run with the
network blocked.
"""
import os
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

import placebo_unittest

from conftest import make_session, network_blocked
from recording_helpers import DEAD_ENDPOINT, load_file, recording_files
from testcase_helpers import REPO

THREADS = 8
CALLS = 200


def run_threads(session, url, shared):
    """Each thread asks for its own queue's URL CALLS times; returns {thread: [urls]}."""
    common = session.client("sqs", endpoint_url=url) if shared else None
    results = {}
    errors = []

    def work(number):
        try:
            sqs = common or session.client("sqs", endpoint_url=url)
            results[number] = [sqs.get_queue_url(QueueName=f"queue-{number}")["QueueUrl"]
                               for _ in range(CALLS)]
        except Exception as error:  # noqa: BLE001 - reported below, with the thread's number
            errors.append((number, error))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.recording
@pytest.mark.parametrize("shared", [True, False], ids=["shared-client", "client-per-thread"])
def test_threads_record_every_response_once_and_replay_their_own(tmp_path, moto, shared):
    session = make_session()
    setup = session.client("sqs", endpoint_url=moto.url)
    for number in range(THREADS):
        setup.create_queue(QueueName=f"queue-{number}")
    pill = placebo_unittest.attach(session, str(tmp_path))
    pill.record()
    live = run_threads(session, moto.url, shared)
    pill.stop()

    names = recording_files(tmp_path)
    total = THREADS * CALLS
    assert names == sorted(f"sqs.GetQueueUrl_{n}.json" for n in range(1, total + 1))
    assert len(pill.recorded) == total == len(set(pill.recorded))
    asked = {}
    for name in names:  # each file holds one call's request and its own response
        document = load_file(tmp_path, name)
        queue = document["placebo_unittest"]["request"]["QueueName"]
        assert document["data"]["QueueUrl"].endswith("/" + queue)
        asked[queue] = asked.get(queue, 0) + 1
    assert asked == {f"queue-{n}": CALLS for n in range(THREADS)}

    replay_session = make_session()
    player = placebo_unittest.attach(replay_session, str(tmp_path), match="params", on_exhausted="error")
    player.playback()
    with network_blocked():
        replayed = run_threads(replay_session, DEAD_ENDPOINT, shared)
    assert replayed == live
    assert player.unused_recordings() == []


# -- processes ---------------------------------------------------------------------------
SUITE = textwrap.dedent('''
    import os
    import signal

    from placebo_unittest import PlaceboTestCase


    class Queues(PlaceboTestCase):
        def test_{name}(self):
            sqs = self.client("sqs")
            url = sqs.create_queue(QueueName="{name}")["QueueUrl"]
            for number in range({calls}):
                sqs.send_message(QueueUrl=url, MessageBody="{name}-%d" % number)
                if number == {kill_at}:
                    os.kill(os.getpid(), signal.SIGKILL)
''')


def write_suite(directory, name, calls=40, kill_at=-1):
    (directory / f"test_{name}.py").write_text(SUITE.format(name=name, calls=calls, kill_at=kill_at))


def unittest_process(directory, moto, name, mode="record", **env):
    environment = dict(os.environ, PLACEBO_MODE=mode, AWS_ACCESS_KEY_ID="testing",
                       AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
                       PYTHONPATH=str(REPO), **env)
    if moto is not None:
        environment["AWS_ENDPOINT_URL"] = moto.url
    environment.pop("PLACEBO_DIR", None)
    return subprocess.Popen([sys.executable, "-m", "unittest", f"test_{name}"], cwd=str(directory),
                            env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process):
    _out, err = process.communicate(timeout=300)
    return process.returncode, err


@pytest.mark.recording
def test_two_processes_recording_into_one_directory_lose_nothing(tmp_path, moto):
    for name in ("alpha", "beta"):
        write_suite(tmp_path, name)
    processes = [unittest_process(tmp_path, moto, name) for name in ("alpha", "beta")]
    for process in processes:
        status, err = finish(process)
        assert status == 0, err
    placebo_dir = tmp_path / "placebo"
    assert sorted(os.listdir(str(placebo_dir))) == ["Queues.test_alpha", "Queues.test_beta"]
    for name in ("alpha", "beta"):
        files = recording_files(placebo_dir / f"Queues.test_{name}")
        assert files == sorted(["sqs.CreateQueue_1.json"] +
                               [f"sqs.SendMessage_{n}.json" for n in range(1, 41)])


# -- crashes -----------------------------------------------------------------------------
def snapshot(directory):
    return {name: (directory / name).read_bytes() for name in sorted(os.listdir(str(directory)))}


@pytest.mark.recording
def test_a_run_killed_while_recording_leaves_the_old_recordings_and_the_next_run_cleans_up(tmp_path, moto):
    write_suite(tmp_path, "gamma", calls=5)
    status, err = finish(unittest_process(tmp_path, moto, "gamma"))
    assert status == 0, err
    test_dir = tmp_path / "placebo" / "Queues.test_gamma"
    before = snapshot(test_dir)

    write_suite(tmp_path, "gamma", calls=30, kill_at=12)
    status, _err = finish(unittest_process(tmp_path, moto, "gamma"))
    assert status == -signal.SIGKILL
    assert snapshot(test_dir) == before  # untouched
    leftovers = [n for n in os.listdir(str(tmp_path / "placebo")) if n != "Queues.test_gamma"]
    assert len(leftovers) == 1 and leftovers[0].startswith("Queues.test_gamma.recording-")

    write_suite(tmp_path, "gamma", calls=5)
    status, err = finish(unittest_process(tmp_path, None, "gamma", mode="playback"))
    assert status == 0, err  # the leftover doesn't get in the way of playback
    status, err = finish(unittest_process(tmp_path, moto, "gamma"))
    assert status == 0, err
    assert os.listdir(str(tmp_path / "placebo")) == ["Queues.test_gamma"]  # cleaned up


KILL_WHILE_SWAPPING = textwrap.dedent('''
    import os
    import signal
    import sys
    import unittest

    import placebo_unittest.context as context

    if sys.argv[1] == "two-renames":
        context._exchange = lambda first, second: False
        real_replace = os.replace

        def replace(source, target):
            real_replace(source, target)
            if ".old-" in str(target):  # the old recordings are aside, the new not yet in place
                os.kill(os.getpid(), signal.SIGKILL)

        context.os.replace = replace
    else:
        real_exchange = context._exchange

        def exchange(first, second):
            done = real_exchange(first, second)
            os.kill(os.getpid(), signal.SIGKILL)  # swapped, the old ones not yet removed
            return done

        context._exchange = exchange
    unittest.main(module="test_delta", argv=["x"])
''')


@pytest.mark.recording
@pytest.mark.parametrize("how", ["exchange", "two-renames"])
def test_a_run_killed_while_swapping_recordings_in_leaves_a_whole_set(tmp_path, moto, how):
    write_suite(tmp_path, "delta", calls=3)
    status, err = finish(unittest_process(tmp_path, moto, "delta"))
    assert status == 0, err
    test_dir = tmp_path / "placebo" / "Queues.test_delta"
    before = snapshot(test_dir)

    write_suite(tmp_path, "delta", calls=6)
    (tmp_path / "kill_while_swapping.py").write_text(KILL_WHILE_SWAPPING)
    environment = dict(os.environ, PLACEBO_MODE="record", AWS_ACCESS_KEY_ID="testing",
                       AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
                       AWS_ENDPOINT_URL=moto.url, PYTHONPATH=str(REPO))
    killed = subprocess.run([sys.executable, "kill_while_swapping.py", how], cwd=str(tmp_path),
                            env=environment, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    # Either set of recordings is whole: the old one, or (after an exchange) the new one.
    write_suite(tmp_path, "delta", calls=3 if how == "two-renames" else 6)
    status, err = finish(unittest_process(tmp_path, None, "delta", mode="playback"))
    assert status == 0, err
    if how == "two-renames":
        assert snapshot(test_dir) == before  # put back by the next run
    else:
        assert len(recording_files(test_dir)) == 7
    status, err = finish(unittest_process(tmp_path, moto, "delta"))
    assert status == 0, err
    assert os.listdir(str(tmp_path / "placebo")) == ["Queues.test_delta"]


# -- pytest -n 2 over the example suite, recording then replaying ---------------------------
@pytest.mark.recording
def test_the_example_suite_records_and_replays_under_pytest_xdist(tmp_path, moto):
    import shutil

    shutil.copytree(str(REPO / "examples"), str(tmp_path / "examples"),
                    ignore=shutil.ignore_patterns("placebo", "__pycache__"))
    # The chat example replays only (moto doesn't serve Bedrock): its recordings come along.
    for kept in (REPO / "examples" / "placebo").glob("*"):
        if kept.name.startswith(("ChatTest.", "test_chat.")):
            shutil.copytree(str(kept), str(tmp_path / "examples" / "placebo" / kept.name))
    base = dict(os.environ, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                AWS_DEFAULT_REGION="us-east-1", PYTHONPATH=str(REPO))
    base.pop("PLACEBO_DIR", None)
    command = [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider", "examples"]
    recorded = subprocess.run(command, cwd=str(tmp_path), capture_output=True, text=True, timeout=600,
                              env=dict(base, PLACEBO_MODE="record", AWS_ENDPOINT_URL=moto.url))
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    made = sorted(str(p.relative_to(tmp_path / "examples" / "placebo"))
                  for p in (tmp_path / "examples" / "placebo").rglob("*.json"))
    committed = sorted(str(p.relative_to(REPO / "examples" / "placebo"))
                       for p in (REPO / "examples" / "placebo").rglob("*.json"))
    assert made == committed  # the same recordings, none lost or doubled
    replayed = subprocess.run(command, cwd=str(tmp_path), capture_output=True, text=True, timeout=600,
                              env=dict(base, PLACEBO_MODE="playback", AWS_ENDPOINT_URL=DEAD_ENDPOINT))
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "21 passed" in replayed.stdout  # 14 PlaceboTestCase tests, 5 in test_pytest_style.py, 2 in test_chat.py
