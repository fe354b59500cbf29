"""Helpers for the tests that run PlaceboTestCase classes (and decorated ones)
the way unittest runs them: a hermetic environment, running a class, reading
the outcome, and writing recordings with a Pill's ``save_response``."""
import contextlib
import os
import unicodedata
import unittest
from pathlib import Path
from unittest import mock

import pytest

import placebo_unittest
from placebo_unittest.testnames import MAX_NAME_BYTES

from conftest import make_session, network_blocked  # noqa: F401 - for the test modules

REPO = Path(__file__).resolve().parents[1]
VALID_MODES = ("'record'", "'playback'", "'once'", "'live'")

#: Everything placebo_unittest or botocore would read from the environment.
CLEARED = (
    "PLACEBO_MODE", "PLACEBO_DIR", "PLACEBO_PROFILE", "PLACEBO_FORMAT", "PLACEBO_MATCH",
    "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE",
)

CALLER = {"UserId": "AIDAPLACEBO", "Account": "123456789012",
          "Arn": "arn:aws:iam::123456789012:user/placebo"}


@contextlib.contextmanager
def environment(tmp_path, **values):
    """os.environ with nothing of ours or botocore's in it, then ``values``.

    AWS config and credentials files point into tmp_path (missing unless a
    test writes them), so ~/.aws is never read."""
    with mock.patch.dict(os.environ):
        for name in CLEARED:
            os.environ.pop(name, None)
        os.environ["AWS_CONFIG_FILE"] = str(tmp_path / "aws-config")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "aws-credentials")
        os.environ.update(values)
        yield


def moto_env(moto, **values):
    return dict(AWS_ENDPOINT_URL=moto.url, AWS_ACCESS_KEY_ID="testing",
                AWS_SECRET_ACCESS_KEY="testing", **values)


def run(cls, *names):
    """Run ``cls`` (or just the tests ``names`` of it) and return the TestResult."""
    if names:
        suite = unittest.TestSuite(cls(name) for name in names)
    else:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(cls)
    result = unittest.TestResult()
    suite.run(result)
    return result


def report(result):
    return "\n".join(text for _test, text in result.errors + result.failures)


def assert_passed(result, tests=None):
    assert result.testsRun and result.wasSuccessful(), report(result)
    if tests is not None:
        assert result.testsRun == tests


def only_problem(result, kind="failures"):
    """The text of the one failure (or error) of ``result``."""
    problems = getattr(result, kind)
    other = result.errors if kind == "failures" else result.failures
    assert len(problems) == 1 and not other, report(result)
    return problems[0][1]


def listing(directory):
    return sorted(p.name for p in Path(directory).iterdir()) if Path(directory).exists() else []


def seed(directory, service, operation, *responses, status=200):
    """Write recordings the way a test author would: with a Pill's save_response."""
    pill = placebo_unittest.attach(make_session(), str(directory))
    return [pill.save_response(service, operation, response, status) for response in responses]


@pytest.fixture(autouse=True)
def repo_untouched():
    """Nothing is ever recorded into the repository or the working directory."""
    watched = [REPO / "tests" / "placebo", REPO / "placebo", Path.cwd() / "placebo"]
    before = {p: p.exists() for p in watched}
    examples = sorted(str(p) for p in (REPO / "examples" / "placebo").rglob("*"))
    yield
    assert {p: p.exists() for p in watched} == before
    assert sorted(str(p) for p in (REPO / "examples" / "placebo").rglob("*")) == examples


FORBIDDEN = set('<>:"/\\|?*')
WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {
    f"lpt{i}" for i in range(10)}


def assert_safe_name(name):
    """One directory name, valid on Linux, macOS and Windows alike."""
    assert isinstance(name, str) and name, repr(name)
    assert name not in (".", ".."), repr(name)
    assert ".." not in name, repr(name)
    assert os.sep not in name and (os.altsep is None or os.altsep not in name), repr(name)
    bad = [c for c in name if c in FORBIDDEN or unicodedata.category(c) in ("Cc", "Cs")]
    assert not bad, f"{name!r} holds {bad!r}"
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES, (len(name.encode("utf-8")), name)
    assert not name.endswith((".", " ")), repr(name)  # Windows drops these
    assert name.split(".")[0].lower() not in WINDOWS_RESERVED, repr(name)
