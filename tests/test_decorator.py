"""The placebo-compatible decorator: ``placebo_unittest.utils.placebo_session``.

On a test method it injects ``session=``, on a plain function too, on a
TestCase class it gives each test ``self.session`` and ``self.pill``; it is
configured by the environment only, as placebo's was.
"""
import os
import unittest

import boto3
import pytest

from placebo_unittest import ConfigurationError, PickleNotAllowedError, PlaceboContext, RecordingNotFoundError
from placebo_unittest.utils import placebo_session

from testcase_helpers import (  # noqa: F401 - repo_untouched is an autouse fixture
    CALLER,
    VALID_MODES,
    assert_passed,
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


@placebo_session
def module_level_fetch(label, session):
    """A plain function at module level whose first argument is not ``self``."""
    return label, session.client("sts").get_caller_identity()["UserId"]


def method_class(seen, calls=1):
    class Deco(unittest.TestCase):
        @placebo_session
        def test_calls(self, session):
            seen.append(session)
            sts = session.client("sts")
            for _ in range(calls):
                self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")

    return Deco


# -- on a test method ------------------------------------------------------------------
@pytest.mark.recording
def test_a_method_gets_session_and_records_then_replays_under_class_dot_function(tmp_path, moto):
    seen = []
    Deco = method_class(seen)
    test_dir = tmp_path / "recordings" / "Deco.test_calls"
    env = dict(PLACEBO_DIR=str(tmp_path / "recordings"))
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record", **env)):
        assert_passed(run(Deco))
    assert listing(test_dir) == ["sts.GetCallerIdentity_1.json"]
    with environment(tmp_path, **env), network_blocked():
        assert_passed(run(Deco))
    assert all(isinstance(s, boto3.Session) for s in seen) and seen[0] is not seen[1]
    assert listing(tmp_path) == ["recordings"]


@pytest.mark.recording
def test_recording_again_appends_and_replay_cycles_as_placebo_did(tmp_path, moto):
    Deco = method_class([])
    test_dir = tmp_path / "Deco.test_calls"
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record", PLACEBO_DIR=str(tmp_path))):
        assert_passed(run(Deco))
        assert_passed(run(Deco))
    assert listing(test_dir) == ["sts.GetCallerIdentity_1.json", "sts.GetCallerIdentity_2.json"]
    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        assert_passed(run(method_class([], calls=5)))  # cycles: 1, 2, 1, 2, 1
        assert_passed(run(method_class([], calls=1)))  # an unused recording is fine


def test_the_default_directory_is_placebo_in_the_working_directory(tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with environment(tmp_path), network_blocked():
        with pytest.raises(RecordingNotFoundError) as caught:
            module_level_fetch("x")
        text = only_problem(run(method_class([])), "errors")
    assert caught.value.path == str(work / "placebo" / "module_level_fetch" / "sts.GetCallerIdentity_1.json")
    assert str(work / "placebo" / "Deco.test_calls" / "sts.GetCallerIdentity_1.json") in text
    assert listing(work) == []  # playback wrote nothing


def test_the_environment_sets_region_and_a_wrong_mode_is_refused(tmp_path):
    seen = []

    @placebo_session
    def regional(session):
        seen.append(session.region_name)

    with environment(tmp_path, PLACEBO_DIR=str(tmp_path), AWS_DEFAULT_REGION="sa-east-1"):
        regional()
    with environment(tmp_path, PLACEBO_DIR=str(tmp_path), PLACEBO_MODE="sometimes"):
        with pytest.raises(ConfigurationError) as caught:
            regional()
        text = only_problem(run(method_class(seen)), "errors")
    assert seen == ["sa-east-1"]
    for message in (str(caught.value), text):
        assert "PLACEBO_MODE" in message and "'sometimes'" in message
        for mode in VALID_MODES:
            assert mode in message
    assert listing(tmp_path) == []


def test_PLACEBO_PROFILE_is_used_when_recording(tmp_path):
    (tmp_path / "aws-config").write_text("[profile recorder]\nregion = eu-west-3\n")
    (tmp_path / "aws-credentials").write_text(
        "[recorder]\naws_access_key_id = AKIARECORDER\naws_secret_access_key = s\n")
    seen = []

    @placebo_session
    def profiled(session):
        seen.append((session.profile_name, session.get_credentials().access_key))

    with environment(tmp_path, PLACEBO_DIR=str(tmp_path), PLACEBO_PROFILE="recorder",
                     PLACEBO_MODE="record"), network_blocked():
        profiled()
    assert seen == [("recorder", "AKIARECORDER")]


# -- on a plain function -----------------------------------------------------------------
def test_plain_functions_record_under_their_own_name(tmp_path):
    seed(tmp_path / "module_level_fetch", "sts", "GetCallerIdentity", dict(CALLER, UserId="module"))
    seed(tmp_path / "local_fetch", "sts", "GetCallerIdentity", dict(CALLER, UserId="local"))

    @placebo_session
    def local_fetch(session):
        return session.client("sts").get_caller_identity()["UserId"]

    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        assert local_fetch() == "local"  # no arguments at all: no IndexError
        assert module_level_fetch(42) == (42, "module")  # 42 is not a "self"
        assert module_level_fetch(label="again") == ("again", "module")  # cycles
    assert listing(tmp_path) == ["local_fetch", "module_level_fetch"]


# -- on a TestCase class -----------------------------------------------------------------
def test_a_decorated_class_gives_each_test_its_own_session_and_pill(tmp_path):
    seed(tmp_path / "Decorated.test_one", "sts", "GetCallerIdentity", dict(CALLER, UserId="one"))
    seed(tmp_path / "Decorated.test_two", "sts", "GetCallerIdentity", dict(CALLER, UserId="two"))
    seen = []

    @placebo_session
    class Decorated(unittest.TestCase):
        def setUp(self):
            seen.append(("setUp", boto3.DEFAULT_SESSION is self.session))

        def check(self, expected):
            seen.append((self.pill.data_path, self.pill.mode))
            sts = self.session.client("sts")
            self.assertEqual(sts.get_caller_identity()["UserId"], expected)
            self.assertEqual(boto3.client("sts").get_caller_identity()["UserId"], expected)

        def test_one(self):
            self.check("one")

        def test_two(self):
            self.check("two")

    before = boto3.DEFAULT_SESSION
    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        assert_passed(run(Decorated), tests=2)
    assert boto3.DEFAULT_SESSION is before
    assert seen == [("setUp", True), (str(tmp_path / "Decorated.test_one"), "playback"),
                    ("setUp", True), (str(tmp_path / "Decorated.test_two"), "playback")]


def test_a_decorated_class_finishes_each_test_with_its_outcome(tmp_path, monkeypatch):
    # A failed test's run must not count its unreached recordings as unused (see run reports).
    seen = []
    finish = PlaceboContext.finish

    def spy(self, passed, skipped=False):
        seen.append((self.label, passed, skipped))
        return finish(self, passed, skipped)

    monkeypatch.setattr(PlaceboContext, "finish", spy)

    @placebo_session
    class Outcomes(unittest.TestCase):
        def test_passes(self):
            pass

        def test_fails(self):
            self.fail("on purpose")

        def test_skips(self):
            self.skipTest("later")

    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        result = run(Outcomes)
    assert (len(result.failures), len(result.skipped)) == (1, 1)
    assert sorted(seen) == [("Outcomes.test_fails", False, False), ("Outcomes.test_passes", True, False),
                            ("Outcomes.test_skips", False, True)]


def test_only_functions_and_testcase_classes_can_be_decorated():
    with pytest.raises(TypeError, match="TestCase"):
        placebo_session(type("NotATest", (), {}))


# -- PLACEBO_FORMAT=pickle ----------------------------------------------------------------
@pytest.mark.recording
def test_PLACEBO_FORMAT_pickle_records_and_replays_pickle_files(tmp_path, moto):
    Deco = method_class([])
    env = dict(PLACEBO_DIR=str(tmp_path), PLACEBO_FORMAT="pickle")
    with environment(tmp_path, **moto_env(moto, PLACEBO_MODE="record", **env)):
        assert_passed(run(Deco))
    assert listing(tmp_path / "Deco.test_calls") == ["sts.GetCallerIdentity_1.pickle"]
    with environment(tmp_path, **env), network_blocked():
        assert_passed(run(Deco))
    # Without PLACEBO_FORMAT=pickle a pickle file is never loaded.
    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        result = run(Deco)
    text = only_problem(result, "errors")
    assert PickleNotAllowedError.__name__ in text and "PLACEBO_FORMAT=pickle" in text, report(result)
    assert os.path.isfile(str(tmp_path / "Deco.test_calls" / "sts.GetCallerIdentity_1.pickle"))


# -- under pytest ------------------------------------------------------------------------
def test_the_injected_session_is_hidden_from_signature_reading_runners():
    import inspect

    assert "session" not in inspect.signature(module_level_fetch).parameters
    assert list(inspect.signature(method_class([]).test_calls).parameters) == ["self"]


def test_a_decorated_function_collected_by_pytest_gets_its_session(tmp_path):
    """pytest must not look for a ``session`` fixture (placebo's decorator made it)."""
    import subprocess
    import sys
    import textwrap

    (tmp_path / "test_plain.py").write_text(textwrap.dedent('''
        from placebo_unittest.utils import placebo_session

        @placebo_session
        def test_gets_a_session(session):
            assert session.region_name == "eu-west-2"
            assert session.get_credentials().access_key == "PLACEBOFAKEACCESSKEY"
    '''))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLACEBO_", "AWS_"))}
    env.update(AWS_DEFAULT_REGION="eu-west-2", PLACEBO_DIR=str(tmp_path / "placebo"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_plain.py"],
        cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
