"""Recording upkeep at suite scale, run for real: run reports from pytest (with
pytest-xdist) and the runner, CI shards merged with ``placebo-unittest report
merge``, ``placebo-unittest prune`` by a merged report, and the drift summary
of tests recorded again.

Sample projects run in a pytest (or runner) of their own, in a subprocess, as
in test_pytest_plugin.py and test_runner.py: replays with their sockets
refused, recordings against moto's server (marked ``recording``).
"""
import json
import os

import pytest
from click.testing import CliRunner

from placebo_unittest.cli import cli
from placebo_unittest.run_report import RunReport, write_report
from placebo_unittest.usage import Outcome, TestRun

from recording_helpers import recording_files
from test_pytest_plugin import (
    listing,
    placebo_dir,
    record,
    replay,
    sample,  # noqa: F401 - a fixture
)
from test_runner import SUITE, placebo_unittest, seed_suite
from testcase_helpers import CALLER, repo_untouched, seed  # noqa: F401 - repo_untouched is autouse

pytest_plugins = ["pytester"]

ONE, TWO = "sts.GetCallerIdentity_1.json", "sts.GetCallerIdentity_2.json"


def cli_run(*args):
    """``placebo-unittest ARGS``, in this process, in the current directory."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def read(path):
    return json.loads(path.read_text())


# -- pytest-xdist -------------------------------------------------------------------------------
XDIST = '''
import pytest


@pytest.mark.placebo(on_unused="ignore")
@pytest.mark.parametrize("n", range(4))
def test_who(placebo_client, n):
    sts = placebo_client("sts")
    for _ in range(n):
        sts.get_caller_identity()


def test_plain():
    pass
'''


def test_xdist_workers_write_one_report_through_the_controller(sample, monkeypatch):  # noqa: F811 - the fixture
    sample.makepyfile(test_ids=XDIST)
    for n in range(4):
        seed(placebo_dir(sample) / f"test_ids.test_who[{n}]", "sts", "GetCallerIdentity", *[CALLER] * (n + 1))
    result = replay(sample, monkeypatch, "-n", "2", "--placebo-report=out/report.json")
    assert result.ret == pytest.ExitCode.USAGE_ERROR  # out/ doesn't exist: refused before any test runs
    result.stderr.fnmatch_lines(["*--placebo-report: the report can't be written to *out*report.json: its folder "
                                 "doesn't exist. Create it, or give another path.*"])
    result = replay(sample, monkeypatch, "-n", "2", "--placebo-report=report.json")
    result.assert_outcomes(passed=5)
    result.stdout.fnmatch_lines(["*2 workers*", f"placebo_unittest: report written to {sample.path}*report.json"])
    report = read(sample.path / "report.json")
    (run,) = report["runs"]  # the controller's, holding both workers' tests
    assert run["by"] == "pytest" and run["tests"] == 4 and run["base"] == str(sample.path)
    assert report["roots"] == ["placebo"]
    assert sorted(report["tests"]) == [f"placebo/test_ids.test_who[{n}]" for n in range(4)]
    for n in range(4):
        entry = report["tests"][f"placebo/test_ids.test_who[{n}]"]
        names = [f"sts.GetCallerIdentity_{i}.json" for i in range(1, n + 2)]
        assert entry["replayed"] == names[:n] and entry["unused"] == names[n:], entry
        assert entry["labels"] == [f"test_ids.py::test_who[{n}]"] and entry["runs"] == 1 and entry["passed"] == 1
    assert report["totals"] == {"tests": 4, "runs": 4, "passed": 4, "failed": 0, "skipped": 0, "replayed": 6,
                                "recorded": 0, "unused": 4, "missing": 0}


# -- CI shards, merged, then pruned ----------------------------------------------------------------
SHARDED = '''
import os

import pytest

pytestmark = pytest.mark.placebo(on_unused="ignore")


def test_a(placebo_client):
    sts = placebo_client("sts")
    for _ in range(int(os.environ["SAMPLE_CALLS"])):
        sts.get_caller_identity()


def test_b(placebo_client):
    placebo_client("sts").get_caller_identity()
'''


def test_shards_merged_give_one_unused_list_and_prune_removes_exactly_that(sample, monkeypatch):  # noqa: F811 - the fixture
    sample.makepyfile(test_shards=SHARDED)
    recordings = placebo_dir(sample)
    for name in ("test_shards.test_a", "test_shards.test_b"):
        seed(recordings / name, "sts", "GetCallerIdentity", CALLER, CALLER)
    seed(recordings / "test_shards.test_removed", "sts", "GetCallerIdentity", CALLER)  # its test is gone
    # Shard 1 runs test_a, which makes one call there; shard 2 runs both, and test_a makes two.
    monkeypatch.setenv("SAMPLE_CALLS", "1")
    replay(sample, monkeypatch, "-k", "test_a", "--placebo-report=shard1.json").assert_outcomes(passed=1)
    monkeypatch.setenv("SAMPLE_CALLS", "2")
    monkeypatch.setenv("PLACEBO_REPORT", "shard2.json")
    replay(sample, monkeypatch).assert_outcomes(passed=2)
    monkeypatch.delenv("PLACEBO_REPORT")
    shard1 = read(sample.path / "shard1.json")  # written by the option; shard2.json by the variable
    assert list(shard1["tests"]) == ["placebo/test_shards.test_a"]  # test_b didn't run there: no say
    assert shard1["tests"]["placebo/test_shards.test_a"]["unused"] == [TWO]

    done = cli_run("report", "merge", "shard1.json", "shard2.json", "-o", "merged.json")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "2 test directories in 2 runs (pytest on {}): recordings replayed 3, recorded 0, unused 1, "
        "missing 0.".format(shard1["runs"][0]["host"]),
        f"  unused: placebo/test_shards.test_b/{TWO}",
        "Merged 2 reports into merged.json."]
    merged = read(sample.path / "merged.json")
    assert merged["tests"]["placebo/test_shards.test_a"]["unused"] == []  # used in shard 2
    assert merged["tests"]["placebo/test_shards.test_a"]["runs"] == 2
    assert len(merged["runs"]) == 2

    before = sorted(str(p.relative_to(recordings)) for p in recordings.rglob("*"))
    dry = cli_run("prune", "--dry-run", "--report", "merged.json", "--pytest", "")
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines() == [
        f"would remove {os.path.join('placebo', 'test_shards.test_b', TWO)}  (unused)",
        f"would remove {os.path.join('placebo', 'test_shards.test_removed')}{os.sep}  (orphaned: no test records "
        "into it; 1 file)",
        "1 recording, 1 orphaned directory would be removed (2 tests collected with pytest); nothing was changed "
        "(dry run)."]
    assert sorted(str(p.relative_to(recordings)) for p in recordings.rglob("*")) == before

    done = cli_run("prune", "--report", "merged.json", "--pytest", "", "--json")
    assert done.exit_code == 0, done.output
    pruned = json.loads(done.output)
    assert pruned["removed_files"] == [str(recordings / "test_shards.test_b" / TWO)]
    assert pruned["removed_directories"] == [{"path": str(recordings / "test_shards.test_removed"),
                                              "why": "orphaned"}]
    assert pruned["collected"] == {"by": "pytest", "tests": 2} and pruned["failed"] == pruned["skipped"] == []
    assert listing(recordings) == ["test_shards.test_a", "test_shards.test_b"]  # nothing left beside them
    assert recording_files(recordings / "test_shards.test_a") == [ONE, TWO]
    assert recording_files(recordings / "test_shards.test_b") == [ONE]


def test_prune_refuses_to_act_without_a_usable_report_or_collection(sample, monkeypatch):  # noqa: F811 - the fixture
    sample.makepyfile(test_shards=SHARDED)
    seed(placebo_dir(sample) / "test_shards.test_removed", "sts", "GetCallerIdentity", CALLER)
    before = listing(placebo_dir(sample))

    done = cli_run("prune", "--pytest", "")
    assert done.exit_code == 2
    assert "prune needs --report FILE: a run report of the whole suite" in done.output
    assert "pytest --placebo-report FILE" in done.output and "placebo-unittest report merge" in done.output

    done = cli_run("prune", "--report", "missing.json")
    assert done.exit_code == 2
    assert "missing.json: there is no such file. Run the tests with --placebo-report FILE" in done.output

    (sample.path / "other.json").write_text('{"runs": []}')
    done = cli_run("prune", "--report", "other.json")
    assert done.exit_code == 2 and "other.json: is not a placebo_unittest run report" in done.output

    directory = placebo_dir(sample) / "test_shards.test_a"
    write_report(RunReport.from_runs([TestRun(str(directory), "test_shards.py::test_a", "playback", Outcome.PASSED)],
                                     by="pytest", base=str(sample.path)), str(sample.path / "report.json"))
    sample.makepyfile(test_broken="def test_broken(:\n")
    done = cli_run("prune", "--report", "report.json", "--pytest", "")
    assert done.exit_code == 2, done.output
    assert "`pytest --collect-only` failed (exit status 2), so it is not known which tests exist. Fix the " \
        "collection first; it said:" in done.output
    assert "1 error during collection" in done.output
    (sample.path / "test_broken.py").unlink()

    done = cli_run("prune", "--report", "report.json", "--pytest", "-k nothing_matches")
    assert done.exit_code == 2 and "found no test at all" in done.output

    done = cli_run("prune", "--report", "report.json", "--base", "elsewhere")
    assert done.exit_code == 2
    assert "None of the recordings roots report.json names (placebo) is a folder under" in done.output
    assert listing(placebo_dir(sample)) == before  # nothing was touched


# -- the runner ----------------------------------------------------------------------------------
def test_the_runner_writes_a_report_and_prune_collects_with_unittest(tmp_path, monkeypatch):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_queues.py").write_text(SUITE.replace("class QueueTest(PlaceboTestCase):",
                                                        "class QueueTest(PlaceboTestCase):\n"
                                                        "    placebo_on_unused = 'ignore'"))
    recordings = seed_suite(suite)
    seed(recordings / "QueueTest.test_identity", "sts", "GetCallerIdentity", CALLER)  # _2, never replayed
    seed(recordings / "QueueTest.test_deleted", "sts", "GetCallerIdentity", CALLER)
    status, _out, err, _numbers = placebo_unittest(tmp_path, "--placebo-report", "report.json", cwd=suite)
    assert status == 0, err
    assert err.rstrip().splitlines()[-1] == "placebo_unittest: report written to report.json"
    report = read(suite / "report.json")
    assert report["runs"][0]["by"] == "unittest" and report["roots"] == ["placebo"]
    assert report["tests"]["placebo/QueueTest.test_identity"]["unused"] == [TWO]
    assert report["tests"]["placebo/QueueTest.test_create"]["replayed"] == [
        "sqs.CreateQueue_1.json", "sqs.GetQueueUrl_1.json"]
    monkeypatch.chdir(suite)
    done = cli_run("prune", "--dry-run", "--report", "report.json", "--unittest", ".")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[-1] == ("1 recording, 1 orphaned directory would be removed (2 tests collected "
                                            "with unittest); nothing was changed (dry run).")
    done = cli_run("prune", "--report", "report.json", "--unittest", ".", "placebo")
    assert done.exit_code == 0, done.output
    assert listing(recordings) == ["QueueTest.test_create", "QueueTest.test_identity"]
    assert recording_files(recordings / "QueueTest.test_identity") == [ONE]


@pytest.mark.parametrize("args, message", [
    (("--placebo-report", "missing/report.json"), "placebo_unittest: the report can't be written to "
                                                  "missing/report.json: its folder doesn't exist. Create it, or "
                                                  "give another path."),
    (("--placebo-report",), "placebo_unittest: --placebo-report needs a file name: --placebo-report report.json"),
], ids=["missing-folder", "no-file-name"])
def test_the_runner_refuses_a_report_it_cant_write_before_any_test_runs(tmp_path, args, message):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_queues.py").write_text(SUITE)
    status, _out, err, numbers = placebo_unittest(tmp_path, *args, cwd=suite)
    assert status == 2 and err.strip() == message and numbers is None


# -- recording again ---------------------------------------------------------------------------
QUEUE = '''
import os

import pytest


@pytest.mark.placebo(redact=True)  # the full ResponseMetadata: request ids that change every time
def test_delay(placebo_client):
    sqs = placebo_client("sqs")
    url = sqs.create_queue(QueueName="drifting", Attributes={"DelaySeconds": os.environ["SAMPLE_DELAY"]})["QueueUrl"]
    sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])


def test_steady(placebo_client):
    placebo_client("sts").get_caller_identity()
'''


@pytest.mark.recording
def test_recording_again_sums_up_the_drift_and_reports_the_changed_fields(sample, monkeypatch, moto):  # noqa: F811 - the fixture
    sample.makepyfile(test_queue=QUEUE)
    monkeypatch.setenv("SAMPLE_DELAY", "0")
    first = record(sample, monkeypatch, moto)
    first.assert_outcomes(passed=2)
    first.stdout.fnmatch_lines(["placebo_unittest drift: Drift in 2 of 2 tests (2 added): calls 3 added."])
    moto.reset()
    monkeypatch.setenv("SAMPLE_DELAY", "5")
    again = record(sample, monkeypatch, moto, "--placebo-report=drift.json")
    again.assert_outcomes(passed=2)
    lines = again.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("placebo_unittest drift: "))
    assert lines[start].startswith("placebo_unittest drift: Drift in 1 of 2 tests (1 changed): calls 2 changed; "
                                   "fields 2 changed; "), lines[start]
    assert lines[start].endswith(" volatile values ignored.")  # the request ids
    assert lines[start + 1:start + 4] == ["  Changed most:",
                                          "    sqs.CreateQueue request.Attributes.DelaySeconds  (1 call)",
                                          "    sqs.GetQueueAttributes data.Attributes.DelaySeconds  (1 call)"]
    drift = read(sample.path / "drift.json")["drift"]
    assert drift["totals"]["tests"] == 2 and drift["totals"]["tests_changed"] == 1 and drift["totals"]["ignored"] > 0
    (test,) = drift["tests"]
    assert test["name"] == "placebo/test_queue.test_delay"
    changes = {call["name"]: call["changes"] for call in test["calls"]}
    assert changes == {
        "sqs.CreateQueue_1": [{"path": "request.Attributes.DelaySeconds", "change": "changed", "old": "0",
                               "new": "5"}],
        "sqs.GetQueueAttributes_1": [{"path": "data.Attributes.DelaySeconds", "change": "changed", "old": "0",
                                      "new": "5"}]}
