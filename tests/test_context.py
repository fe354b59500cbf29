"""PlaceboContext's end of a recording run: how new recordings replace old ones."""
import os

import pytest

from placebo_unittest import context as context_module
from placebo_unittest.context import PlaceboContext


def record_run(directory, *bodies, passed=True):
    """A record-mode run that saves one sts.GetCallerIdentity response per body."""
    run = PlaceboContext(str(directory), "record", patch_default_session=False)
    run.start()
    for body in bodies:
        run.pill.save_response("sts", "GetCallerIdentity", {"UserId": body})
    run.finish(passed)
    return run


def contents(directory):
    return {name: (directory / name).read_text() for name in sorted(os.listdir(directory))}


@pytest.fixture(params=["exchange", "two renames"])
def swap(request, monkeypatch):
    """Run each test with the atomic exchange and with the fallback."""
    calls = []
    real = context_module._exchange

    def exchange(first, second):
        calls.append((first, second))
        return real(first, second) if request.param == "exchange" else False

    monkeypatch.setattr(context_module, "_exchange", exchange)
    return request.param, calls


def test_a_passing_run_replaces_the_old_recordings_completely(tmp_path, swap):
    _mode, calls = swap
    target = tmp_path / "Case.test_it"
    record_run(target, "first", "second", "third")
    assert sorted(os.listdir(target)) == [
        "sts.GetCallerIdentity_1.json", "sts.GetCallerIdentity_2.json", "sts.GetCallerIdentity_3.json"]
    record_run(target, "only")
    files = contents(target)
    assert list(files) == ["sts.GetCallerIdentity_1.json"]
    assert '"only"' in files["sts.GetCallerIdentity_1.json"]
    assert sorted(os.listdir(tmp_path)) == ["Case.test_it"]  # no staging, .old or .failed left
    assert len(calls) == 1 and calls[0][1] == str(target)


def test_a_failing_run_keeps_the_old_recordings_and_sets_the_attempt_aside(tmp_path, swap):
    target = tmp_path / "Case.test_it"
    record_run(target, "good")
    before = contents(target)
    record_run(target, "bad", "worse", passed=False)
    assert contents(target) == before
    failed = tmp_path / "Case.test_it.failed"
    assert sorted(os.listdir(failed)) == ["sts.GetCallerIdentity_1.json", "sts.GetCallerIdentity_2.json"]
    record_run(target, "fixed")
    assert '"fixed"' in contents(target)["sts.GetCallerIdentity_1.json"]
    assert not failed.exists()


def test_a_run_that_records_nothing_leaves_no_recordings(tmp_path, swap):
    target = tmp_path / "Case.test_it"
    record_run(target, "old")
    record_run(target)
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_a_skipped_run_discards_its_attempt(tmp_path):
    target = tmp_path / "Case.test_it"
    record_run(target, "old")
    run = PlaceboContext(str(target), "record", patch_default_session=False)
    run.start()
    run.pill.save_response("sts", "GetCallerIdentity", {"UserId": "new"})
    assert run.finish(False, skipped=True) is None
    assert '"old"' in contents(target)["sts.GetCallerIdentity_1.json"]
    assert sorted(os.listdir(tmp_path)) == ["Case.test_it"]


def test_exchange_swaps_two_directories_or_says_it_cannot(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "a").write_text("A")
    (second / "b").write_text("B")
    if context_module._exchange(str(first), str(second)):
        assert os.listdir(first) == ["b"] and os.listdir(second) == ["a"]
    else:  # no renameat2 here: nothing may have moved
        assert os.listdir(first) == ["a"] and os.listdir(second) == ["b"]


def test_a_test_skipped_while_recording_keeps_its_old_recordings(tmp_path):
    import unittest

    from placebo_unittest import PlaceboTestCase

    class Case(PlaceboTestCase):
        placebo_dir = str(tmp_path)
        placebo_mode = "record"

        def test_it(self):
            self.save_response("sts", "GetCallerIdentity", {"UserId": "new"}, persist=True)
            self.skipTest("not today")

    target = tmp_path / "Case.test_it"
    record_run(target, "old")
    result = unittest.TestResult()
    Case("test_it").run(result)
    assert [reason for _test, reason in result.skipped] == ["not today"]
    assert result.wasSuccessful()
    assert '"old"' in contents(target)["sts.GetCallerIdentity_1.json"]
    assert sorted(os.listdir(tmp_path)) == ["Case.test_it"]
