"""Run reports, their merging and pruning by them, as a library: no test run, no subprocess.

What "unused" means across runs (placebo_unittest.usage), the versioned
document (placebo_unittest.run_report), drift entries read back
(placebo_unittest.rerecording) and the plan prune makes
(placebo_unittest.pruning). The same things run for real, through pytest,
the runner and the command line, are in test_suite_upkeep.py.
"""
import json
import os

import pytest

from placebo_unittest import config, stats
from placebo_unittest.claims import Claims
from placebo_unittest.context import PlaceboContext
from placebo_unittest.drift import compare_dirs
from placebo_unittest.drift_report import Status
from placebo_unittest.errors import ConfigurationError, PlaceboError
from placebo_unittest.pruning import apply_plan, closing_gaps, plan_prune
from placebo_unittest.rerecording import BadDriftError, drift_from_dict, drift_of, rules_for
from placebo_unittest.run_report import (
    REPORT_KIND,
    REPORT_VERSION,
    ReportError,
    RunReport,
    key_for,
    merge_reports,
    path_for,
    read_report,
    write_report,
)
from placebo_unittest.usage import Outcome, TestRun, TestUsage

from testcase_helpers import CALLER, listing, seed

ONE, TWO, THREE = (f"sts.GetCallerIdentity_{n}.json" for n in (1, 2, 3))


def run_of(directory, outcome=Outcome.PASSED, mode="playback", replayed=(), recorded=(), unused=(), label=None):
    return TestRun(str(directory), label or os.path.basename(str(directory)), mode, outcome,
                   tuple(replayed), tuple(recorded), tuple(unused))


def report_of(base, *runs, by="pytest"):
    return RunReport.from_runs(list(runs), by=by, base=str(base))


# -- what "unused" means ------------------------------------------------------------------------
def test_a_recording_is_unused_only_if_no_run_used_it():
    usage = TestUsage()
    usage.add(run_of("/t/A", replayed=[ONE], unused=[TWO, THREE]))
    assert usage.unused == {TWO, THREE}
    other = TestUsage()
    other.add(run_of("/t/A", replayed=[ONE, TWO], unused=[THREE]))
    usage.merge(other)
    assert usage.unused == {THREE}
    assert usage.replayed == {ONE, TWO} and usage.runs == 2 and usage.outcomes == {"passed": 2}


def test_a_failed_or_skipped_run_says_nothing_of_what_is_unused_but_what_it_used_counts():
    usage = TestUsage()
    usage.add(run_of("/t/A", Outcome.FAILED, replayed=[ONE], unused=[TWO]))
    usage.add(run_of("/t/A", Outcome.SKIPPED, unused=[THREE]))
    assert usage.unused == set() and usage.replayed == {ONE}
    usage.add(run_of("/t/A", replayed=[TWO], unused=[ONE, THREE]))  # a passing run that left ONE
    assert usage.unused == {THREE}  # ONE was used by the failed run
    assert usage.outcomes == {"failed": 1, "skipped": 1, "passed": 1}


def test_recording_again_uses_what_it_writes():
    usage = TestUsage()
    usage.add(run_of("/t/A", unused=[TWO], replayed=[ONE]))
    usage.add(run_of("/t/A", mode="record", recorded=[TWO]))
    assert usage.unused == set() and usage.modes == {"playback", "record"}


def test_merging_is_the_same_in_any_order_and_grouping(tmp_path):
    runs = [run_of(tmp_path / "p" / "A", replayed=[ONE], unused=[TWO]),
            run_of(tmp_path / "p" / "A", replayed=[TWO], unused=[ONE, THREE]),
            run_of(tmp_path / "p" / "B", Outcome.FAILED, unused=[ONE]),
            run_of(tmp_path / "p" / "B", replayed=[TWO], unused=[ONE])]
    whole = report_of(tmp_path, *runs).as_dict()
    for order in ([0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]):
        merged = RunReport()
        for index in order:
            merged.merge(RunReport.from_dict(report_of(tmp_path, runs[index]).as_dict()))
        assert merged.as_dict()["tests"] == whole["tests"]
    assert whole["tests"]["p/A"]["unused"] == [THREE]
    assert whole["tests"]["p/B"]["unused"] == [ONE]


def test_a_test_not_run_in_a_report_has_no_entry_there(tmp_path):
    shard = report_of(tmp_path, run_of(tmp_path / "p" / "A", replayed=[ONE], unused=[TWO]))
    assert set(shard.tests) == {"p/A"}  # B did not run here: it has no say
    other = report_of(tmp_path, run_of(tmp_path / "p" / "A", replayed=[ONE, TWO]),
                      run_of(tmp_path / "p" / "B", replayed=[ONE]))
    shard.merge(other)
    assert shard.unused() == []
    assert shard.totals() == {"tests": 2, "runs": 3, "passed": 3, "failed": 0, "skipped": 0, "replayed": 3,
                              "recorded": 0, "unused": 0, "missing": 0}


# -- the document --------------------------------------------------------------------------------
def test_the_document_is_versioned_and_names_directories_from_the_base(tmp_path):
    outside = tmp_path.parent / "elsewhere" / "X.test_x"
    report = report_of(tmp_path / "project", run_of(tmp_path / "project" / "tests" / "placebo" / "T.test_a",
                                                    replayed=[ONE], unused=[TWO], label="test_a"),
                       run_of(outside, replayed=[ONE]))
    document = report.as_dict()
    assert document["report"] == REPORT_KIND and document["version"] == REPORT_VERSION == 1
    assert list(document) == ["report", "version", "runs", "roots", "totals", "tests", "drift"]
    (run,) = document["runs"]
    assert run["by"] == "pytest" and run["base"] == str(tmp_path / "project") and run["tests"] == 2
    assert len(run["id"]) == 32 and run["started"].endswith("+00:00")
    assert document["roots"] == sorted(["tests/placebo", str(outside.parent)])
    assert document["tests"]["tests/placebo/T.test_a"] == {
        "labels": ["test_a"], "runs": 1, "passed": 1, "failed": 0, "skipped": 0, "modes": ["playback"],
        "replayed": [ONE], "recorded": [], "unused": [TWO], "missing": []}
    assert str(outside) in document["tests"]
    assert document["drift"]["changed"] is False and document["drift"]["errors"] == []
    json.dumps(document)  # JSON-ready
    again = RunReport.from_dict(json.loads(json.dumps(document)))
    assert again.as_dict() == document


def test_keys_and_paths_are_inverse(tmp_path):
    base = str(tmp_path)
    for directory in (tmp_path / "a" / "b.c[d]", tmp_path.parent / "x"):
        assert path_for(key_for(str(directory), base), base) == str(directory)
    assert key_for(str(tmp_path / "a" / "b"), base) == "a/b"


def test_write_then_read_and_merge_files(tmp_path):
    first = tmp_path / "first.json"
    second = tmp_path / "second.json"
    write_report(report_of(tmp_path, run_of(tmp_path / "p" / "A", replayed=[ONE], unused=[TWO])), str(first))
    write_report(report_of(tmp_path, run_of(tmp_path / "p" / "A", replayed=[TWO])), str(second))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    merged = merge_reports([str(first), str(second)])
    assert len(merged.runs) == 2 and merged.unused() == []
    assert read_report(str(first)).unused() == [("p/A", TWO)]


@pytest.mark.parametrize("content, problem, fix", [
    (None, "there is no such file", "Run the tests with --placebo-report FILE"),
    ("{not json", "is not JSON", "Write it again with --placebo-report FILE"),
    ('{"version": 1}', "is not a placebo_unittest run report", "Give a file written by --placebo-report"),
    (json.dumps({"report": REPORT_KIND, "version": 2, "runs": []}),
     "is a report of version 2, written by a newer placebo_unittest", "Upgrade placebo_unittest"),
    (json.dumps({"report": REPORT_KIND, "version": "1"}), "has no valid version ('1')", "Write it again"),
    (json.dumps({"report": REPORT_KIND, "version": 1, "runs": [], "tests": {}}), "it lists no runs", ""),
    (json.dumps({"report": REPORT_KIND, "version": 1, "runs": [{"id": "x"}],
                 "tests": {"p/A": {"runs": -1}}}), "tests['p/A']: runs must be a count, not -1", ""),
])
def test_a_report_that_cant_be_read_is_an_error_naming_the_file_and_the_fix(tmp_path, content, problem, fix):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ReportError) as caught:
        read_report(str(path))
    assert isinstance(caught.value, PlaceboError) and isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and problem in message and fix in message


def test_the_same_run_merged_twice_is_refused(tmp_path):
    path = tmp_path / "shard.json"
    write_report(report_of(tmp_path, run_of(tmp_path / "p" / "A", replayed=[ONE])), str(path))
    copy = tmp_path / "copy.json"
    copy.write_text(path.read_text())
    with pytest.raises(ReportError, match=r"copy.json: holds a run \(id [0-9a-f]{32}\) that .*shard.json holds too"
                                          r"\. Give each report once"):
        merge_reports([str(path), str(copy)])


def test_an_unwritable_report_is_an_error(tmp_path):
    with pytest.raises(ReportError, match=r"can't be written .*Give a path in a folder that exists"):
        write_report(RunReport(), str(tmp_path / "missing" / "report.json"))


# -- drift entries -------------------------------------------------------------------------------
def test_a_directory_drift_reads_back_from_its_dict(tmp_path):
    seed(tmp_path / "old", "sts", "GetCallerIdentity", CALLER, CALLER)
    seed(tmp_path / "new", "sts", "GetCallerIdentity", dict(CALLER, UserId="AIDAOTHER"))
    seed(tmp_path / "new", "iam", "ListUsers", {"Users": []})
    drift = compare_dirs(str(tmp_path / "old"), str(tmp_path / "new"), rules_for())
    assert drift.status is Status.CHANGED
    assert drift_from_dict(json.loads(json.dumps(drift.as_dict()))) == drift
    with pytest.raises(BadDriftError, match=r"a drift entry .*status must be one of"):
        drift_from_dict(dict(drift.as_dict(), status="different"))


def test_a_first_recording_is_added_and_a_test_that_stopped_calling_is_removed(tmp_path):
    seed(tmp_path / "new", "sts", "GetCallerIdentity", CALLER)
    added = drift_of(None, str(tmp_path / "new"), "T.test", rules_for())
    assert added.status is Status.ADDED and [c.name for c in added.calls] == ["sts.GetCallerIdentity_1"]
    removed = drift_of(str(tmp_path / "new"), None, "T.test", rules_for())
    assert removed.status is Status.REMOVED and removed.calls[0].old == ONE
    assert drift_of(None, None, "T.test", rules_for()) is None


# -- settings ------------------------------------------------------------------------------------
def test_the_report_and_drift_ignore_variables_are_read_in_one_place():
    settings = config.read_env({"PLACEBO_REPORT": " out/report.json ",
                                "PLACEBO_DRIFT_IGNORE": "LastModified, data.Items[*].Expires"})
    assert settings.report == "out/report.json"
    assert settings.drift_ignore == ("LastModified", "data.Items[*].Expires")
    assert config.read_env({}).report is None and config.read_env({}).drift_ignore is None
    with pytest.raises(ConfigurationError, match=r"PLACEBO_DRIFT_IGNORE can't be 'Items\[x'.* Can't read the ignore "
                                                 r"entry .*Separate entries with commas"):
        config.read_env({"PLACEBO_DRIFT_IGNORE": "Items[x"})


# -- a context's account ---------------------------------------------------------------------------
def test_a_finished_context_leaves_its_account(tmp_path, clean_placebo_env, no_network_here):
    directory = tmp_path / "placebo" / "T.test_a"
    seed(directory, "sts", "GetCallerIdentity", CALLER, CALLER)
    mark = stats.totals.mark()
    context = PlaceboContext(str(directory), "playback", label="T.test_a", on_unused="ignore")
    context.start().client("sts", region_name="us-east-1").get_caller_identity()
    assert context.finish(True) is None
    (run,) = stats.totals.since(mark).runs
    assert run == TestRun(str(directory), "T.test_a", "playback", Outcome.PASSED, (ONE,), (), (TWO,), ())


# -- closing gaps ----------------------------------------------------------------------------------
def test_later_recordings_close_up_the_numbers_of_those_removed():
    present = ["sqs.SendMessage_1.json", "sqs.SendMessage_2.json", "sqs.SendMessage_3.json",
               "sqs.SendMessage_3.pickle", "sqs.SendMessage_5.json", ONE]
    assert closing_gaps(present, ["sqs.SendMessage_1.json"]) == [
        ("sqs.SendMessage_2.json", "sqs.SendMessage_1.json"), ("sqs.SendMessage_3.json", "sqs.SendMessage_2.json"),
        ("sqs.SendMessage_3.pickle", "sqs.SendMessage_2.pickle")]  # _5 lies past a gap: left as it is
    assert closing_gaps(present, ["sqs.SendMessage_3.json"]) == []  # the pickle keeps _3
    assert closing_gaps([ONE, TWO], [TWO]) == []


# -- the plan ------------------------------------------------------------------------------------
def tree(tmp_path):
    """tests/placebo with a test using 1 of 3 recordings, one using all, and an orphan."""
    root = tmp_path / "placebo"
    seed(root / "T.test_a", "sts", "GetCallerIdentity", CALLER, CALLER, CALLER)
    seed(root / "T.test_b", "sts", "GetCallerIdentity", CALLER)
    seed(root / "T.test_gone", "sts", "GetCallerIdentity", CALLER)
    report = report_of(tmp_path, run_of(root / "T.test_a", replayed=[TWO], unused=[ONE, THREE]),
                       run_of(root / "T.test_b", replayed=[ONE]))
    return root, report


def test_the_plan_lists_unused_recordings_and_orphans_and_applying_it_removes_them(tmp_path):
    root, report = tree(tmp_path)
    claims = Claims("unittest", 2, frozenset({"T.test_a", "T.test_b"}))
    plan = plan_prune(report, base=str(tmp_path), roots=[str(root)], claims=claims)
    assert [(os.path.basename(p.directory), p.why, p.remove, p.renames, p.whole) for p in plan.directories] == [
        ("T.test_a", "unused", [ONE, THREE], [(TWO, ONE)], False),
        ("T.test_gone", "orphaned", [ONE], [], True)]
    assert plan.files == 2 and plan.skipped == []
    before = listing(root / "T.test_a")
    assert before == [ONE, TWO, THREE]
    kept = (root / "T.test_a" / TWO).read_bytes()
    assert apply_plan(plan) == []
    assert listing(root) == ["T.test_a", "T.test_b"]  # nothing left beside them
    assert listing(root / "T.test_a") == [ONE] and (root / "T.test_a" / ONE).read_bytes() == kept
    assert listing(root / "T.test_b") == [ONE]


def test_without_a_collection_no_directory_is_an_orphan(tmp_path):
    root, report = tree(tmp_path)
    plan = plan_prune(report, base=str(tmp_path), roots=[str(root)], claims=None)
    assert [os.path.basename(p.directory) for p in plan.directories] == ["T.test_a"]


def test_subtests_and_failed_attempts_are_claimed_by_their_test_and_a_test_that_ran_is_never_an_orphan(tmp_path):
    root, report = tree(tmp_path)
    for name in ("T.test_b.n=1", "T.test_b.failed", "Ran.test_elsewhere"):
        seed(root / name, "sts", "GetCallerIdentity", CALLER)
    report.merge(report_of(tmp_path, run_of(root / "Ran.test_elsewhere", replayed=[ONE])))
    claims = Claims("pytest", 1, frozenset({"T.test_b"}))
    plan = plan_prune(report, base=str(tmp_path), roots=[str(root)], claims=claims)
    assert sorted(os.path.basename(p.directory) for p in plan.directories if p.why == "orphaned") == ["T.test_gone"]


def test_directories_that_changed_hold_folders_or_lie_outside_the_roots_are_left_alone(tmp_path):
    root, report = tree(tmp_path)
    seed(root / "T.test_a", "iam", "ListUsers", {"Users": []})  # new since the report
    (root / "T.test_gone" / "nested").mkdir()
    claims = Claims("unittest", 2, frozenset({"T.test_a", "T.test_b"}))
    plan = plan_prune(report, base=str(tmp_path), roots=[str(root)], claims=claims)
    assert plan.directories == []
    reasons = {os.path.basename(s.directory): s.reason for s in plan.skipped}
    assert reasons["T.test_a"].startswith("it changed since the report was written (iam.ListUsers_1.json is not "
                                          "in it): run the suite again")
    assert reasons["T.test_gone"] == "orphaned, but it holds folders (nested): remove it by hand if it should go"
    other_root = tmp_path / "other"
    other_root.mkdir()
    assert plan_prune(report, base=str(tmp_path), roots=[str(other_root)], claims=claims).directories == []


def test_a_symbolic_link_is_never_followed_out_of_the_roots(tmp_path):
    outside = tmp_path / "outside"
    seed(outside, "sts", "GetCallerIdentity", CALLER, CALLER)
    root = tmp_path / "placebo"
    root.mkdir()
    os.symlink(outside, root / "T.test_link")
    report = report_of(tmp_path, run_of(root / "T.test_link", replayed=[ONE], unused=[TWO]))
    plan = plan_prune(report, base=str(tmp_path), roots=[str(root)], claims=Claims("pytest", 1, frozenset()))
    assert plan.directories == []
    assert apply_plan(plan) == []
    assert listing(outside) == [ONE, TWO]
