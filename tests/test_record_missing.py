"""``record-missing``: calls with a recording replay, the others are sent and
recorded beside the test's old files, which stay as they were.

Recordings are made against moto's server (tests marked ``recording``); the
replays that check the result run with connections refused.
"""
import json
import os

import pytest

from placebo_unittest import stats
from placebo_unittest.config import Mode, coerce, read_env
from placebo_unittest.context import PlaceboContext
from placebo_unittest.errors import ConfigurationError, RecordingNotFoundError

from conftest import network_blocked
from recording_helpers import recording_files
from test_pytest_plugin import listing, placebo_dir, replay, sample  # noqa: F401 - sample is a fixture
from test_runner import counts, placebo_unittest, seed_suite
from testcase_helpers import repo_untouched  # noqa: F401 - autouse

pytest_plugins = ["pytester"]


@pytest.fixture
def aws(monkeypatch, moto):
    """boto3 pointed at moto's server, with its fake credentials."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("PLACEBO_MODE", "PLACEBO_MATCH", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    stats.reset()
    return moto


def run(directory, mode, body, **options):
    """Run ``body(session)`` as one test in ``mode``; returns the context, finished."""
    context = PlaceboContext(str(directory), mode, **options)
    session = context.start()
    passed = False
    try:
        body(session)
        passed = True
    finally:
        message = context.finish(passed)
    assert message is None, message
    return context


def snapshot(directory):
    """Each recording's bytes and modification time, by name."""
    found = {}
    for name in recording_files(directory):
        path = os.path.join(directory, name)
        with open(path, "rb") as handle:
            found[name] = (handle.read(), os.stat(path).st_mtime_ns)
    return found


def first_calls(session):
    sqs = session.client("sqs")
    sqs.create_queue(QueueName="orders")
    return session.client("sts").get_caller_identity()


# -- the mode ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["record-missing", "RECORD-MISSING", " record_missing "])
def test_the_mode_is_named_record_missing_in_every_spelling_a_user_may_try(text):
    assert coerce(Mode, text, "placebo_mode") is Mode.RECORD_MISSING
    assert read_env({"PLACEBO_MODE": text}).mode is Mode.RECORD_MISSING
    assert str(Mode.RECORD_MISSING) == "record-missing"


def test_a_wrong_mode_lists_record_missing_among_the_valid_ones():
    with pytest.raises(ConfigurationError) as raised:
        read_env({"PLACEBO_MODE": "record-new"})
    assert "record-missing" in str(raised.value) and "PLACEBO_MODE" in str(raised.value)


# -- order and verify: calls beyond the last number -----------------------------------------------
@pytest.mark.recording
@pytest.mark.parametrize("match", ["order", "verify"])
def test_new_calls_are_recorded_beside_the_old_files_which_stay_untouched(tmp_path, aws, match):
    directory = tmp_path / "Orders.test_it"
    run(directory, "record", first_calls, match=match)
    before = snapshot(directory)
    assert sorted(before) == ["sqs.CreateQueue_1.json", "sts.GetCallerIdentity_1.json"]
    stats.reset()
    seen = {}

    def more_calls(session):
        seen["identity"] = first_calls(session)  # both replayed
        sqs = session.client("sqs")
        seen["url"] = sqs.get_queue_url(QueueName="orders")["QueueUrl"]  # new: no recording of it
        seen["again"] = session.client("sts").get_caller_identity()  # a second call: beyond the last

    context = run(directory, "record-missing", more_calls, match=match)
    assert context.mode is Mode.RECORD_MISSING
    assert isinstance(seen["url"], str) and seen["url"].endswith("/orders")
    assert seen["again"]["Account"] == seen["identity"]["Account"] == "123456789012"
    added = ["sqs.GetQueueUrl_1.json", "sts.GetCallerIdentity_2.json"]
    assert recording_files(directory) == sorted(list(before) + added)
    after = snapshot(directory)
    assert {name: after[name] for name in before} == before  # not rewritten, not even touched
    totals = stats.totals
    assert (totals.replayed, totals.recorded, totals.live, totals.missing, totals.unused) == (2, 2, 0, [], [])
    assert sorted(os.path.basename(p) for p in totals.added) == added
    assert sorted(os.path.basename(p) for p in totals.written) == added
    assert ", added to recorded tests 2" in totals.summary(1)
    (test_run,) = totals.runs
    assert test_run.mode == "record-missing"
    assert sorted(test_run.replayed) == sorted(before) and sorted(test_run.recorded) == added
    recorded = json.loads((directory / "sqs.GetQueueUrl_1.json").read_text())
    assert recorded["data"]["QueueUrl"] == seen["url"]

    # The next replay serves every call from the files, offline, and leaves none unused.
    stats.reset()
    with network_blocked():
        run(directory, "playback", more_calls, match=match)
    assert (stats.totals.replayed, stats.totals.unused, stats.totals.missing) == (4, [], [])


@pytest.mark.recording
def test_a_test_with_no_recordings_at_all_is_recorded_whole(tmp_path, aws):
    directory = tmp_path / "New.test_it"
    run(directory, "record-missing", first_calls)
    assert recording_files(directory) == ["sqs.CreateQueue_1.json", "sts.GetCallerIdentity_1.json"]
    assert len(stats.totals.added) == 2 and stats.totals.replayed == 0
    with network_blocked():
        run(directory, "playback", first_calls)


@pytest.mark.recording
def test_a_call_whose_recording_is_there_never_reaches_the_server(tmp_path, aws):
    directory = tmp_path / "Seen.test_it"
    run(directory, "record", first_calls)
    aws.reset()  # moto forgets the queue: a call sent now would fail
    seen = {}

    def body(session):
        seen["url"] = session.client("sqs").create_queue(QueueName="orders")["QueueUrl"]
        with pytest.raises(session.client("sqs").exceptions.QueueDoesNotExist):
            session.client("sqs").get_queue_url(QueueName="elsewhere")  # sent: moto has no such queue

    run(directory, "record-missing", body, on_unused="ignore")
    assert seen["url"].endswith("/orders")
    error = json.loads((directory / "sqs.GetQueueUrl_1.json").read_text())
    assert error["status_code"] == 400  # the error is recorded, as record mode records it
    with network_blocked():
        run(directory, "playback", body, on_unused="ignore")


# -- params: calls whose parameters match no recording -----------------------------------------------
@pytest.mark.recording
def test_under_params_matching_a_call_with_new_parameters_is_recorded(tmp_path, aws):
    directory = tmp_path / "Params.test_it"

    def one(session):
        session.client("sqs").create_queue(QueueName="alpha")

    run(directory, "record", one, match="params")
    before = snapshot(directory)
    urls = {}

    def both(session):
        sqs = session.client("sqs")
        urls["beta"] = sqs.create_queue(QueueName="beta")["QueueUrl"]  # no recording has these parameters
        urls["alpha"] = sqs.create_queue(QueueName="alpha")["QueueUrl"]  # replayed, though it comes second

    stats.reset()
    run(directory, "record-missing", both, match="params")
    assert urls["beta"].endswith("/beta") and urls["alpha"].endswith("/alpha")
    assert recording_files(directory) == ["sqs.CreateQueue_1.json", "sqs.CreateQueue_2.json"]
    assert {name: snapshot(directory)[name] for name in before} == before
    stored = json.loads((directory / "sqs.CreateQueue_2.json").read_text())["placebo_unittest"]["request"]
    assert stored == {"QueueName": "beta"}
    assert (stats.totals.replayed, len(stats.totals.added)) == (1, 1)
    aws.reset()
    with network_blocked():
        run(directory, "playback", both, match="params")


# -- failures and mistakes ---------------------------------------------------------------------------------
@pytest.mark.recording
def test_a_failed_test_leaves_its_directory_as_it_was_and_sets_the_new_recordings_aside(tmp_path, aws):
    directory = tmp_path / "Fails.test_it"
    run(directory, "record", first_calls)
    before = snapshot(directory)
    context = PlaceboContext(str(directory), "record-missing")
    session = context.start()
    first_calls(session)
    session.client("sqs").list_queues()
    assert context.finish(passed=False) is None
    assert snapshot(directory) == before
    assert recording_files(str(directory) + ".failed") == ["sqs.ListQueues_1.json"]
    assert stats.totals.added == []


@pytest.mark.recording
def test_a_skipped_test_keeps_nothing_it_recorded(tmp_path, aws):
    directory = tmp_path / "Skips.test_it"
    run(directory, "record", first_calls)
    before = snapshot(directory)
    context = PlaceboContext(str(directory), "record-missing")
    session = context.start()
    session.client("sqs").list_queues()
    context.finish(passed=False, skipped=True)
    assert snapshot(directory) == before
    assert not os.path.exists(str(directory) + ".failed")


def test_playback_still_refuses_a_call_with_no_recording(tmp_path):
    directory = tmp_path / "Strict.test_it"
    directory.mkdir()
    with network_blocked(), pytest.raises(RecordingNotFoundError) as raised:
        run(directory, "playback", lambda session: session.client("sts").get_caller_identity())
    assert "sts.GetCallerIdentity_1.json" in str(raised.value)


# -- the faces: the runner and the pytest plugin -------------------------------------------------------
@pytest.mark.recording
def test_the_runner_records_what_is_missing_and_lists_what_it_added(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    from test_runner import SUITE

    (suite / "test_queues.py").write_text(SUITE)
    recordings = seed_suite(suite)
    for name in recording_files(recordings / "QueueTest.test_create"):
        (recordings / "QueueTest.test_create" / name).unlink()  # test_create has lost its recordings
    kept = snapshot(recordings / "QueueTest.test_identity")
    status, _out, err, numbers = placebo_unittest(tmp_path, "--record-missing", "--moto", cwd=suite, network=True)
    assert status == 0, err
    assert numbers == counts(tests=2, replayed=1, recorded=2, written=2, added=2), err
    assert recording_files(recordings / "QueueTest.test_create") == ["sqs.CreateQueue_1.json",
                                                                     "sqs.GetQueueUrl_1.json"]
    assert snapshot(recordings / "QueueTest.test_identity") == kept
    added = sorted(line.strip() for line in err.splitlines() if line.strip().startswith("added: "))
    assert added == ["added: " + str(recordings / "QueueTest.test_create" / name)
                     for name in ("sqs.CreateQueue_1.json", "sqs.GetQueueUrl_1.json")], err
    status, _out, err, numbers = placebo_unittest(tmp_path, cwd=suite)  # offline
    assert status == 0 and numbers == counts(tests=2, replayed=3), err


PYTEST_SAMPLE = '''
def test_identity(placebo_client):
    sts = placebo_client("sts")
    sts.get_caller_identity()
    sts.get_caller_identity()
'''


@pytest.mark.recording
def test_the_pytest_option_records_what_is_missing(sample, monkeypatch, moto):  # noqa: F811 - the fixture
    sample.makepyfile(test_sample=PYTEST_SAMPLE.replace("    sts.get_caller_identity()\n    sts.get_caller_identity()",
                                                        "    sts.get_caller_identity()"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    sample.runpytest_subprocess("--placebo-mode=record", timeout=300).assert_outcomes(passed=1)
    directory = placebo_dir(sample) / "test_sample.test_identity"
    before = snapshot(directory)
    sample.makepyfile(test_sample=PYTEST_SAMPLE)  # the test now makes a second call
    result = sample.runpytest_subprocess("--placebo-mode=record-missing", timeout=300)
    result.assert_outcomes(passed=1)
    assert listing(directory) == ["sts.GetCallerIdentity_1.json", "sts.GetCallerIdentity_2.json"]
    assert {name: snapshot(directory)[name] for name in before} == before
    result.stdout.fnmatch_lines(["*calls replayed 1, recorded 1, live 0; recordings written 1, unused 0, "
                                 "missing 0, added to recorded tests 1",
                                 "  added: *test_sample.test_identity*sts.GetCallerIdentity_2.json"])
    replay(sample, monkeypatch).assert_outcomes(passed=1)
