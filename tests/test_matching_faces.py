"""How each face sets request matching: PlaceboTestCase's class attributes and
default, the decorator's arguments, and PLACEBO_MATCH.

The recordings are written by hand with ``save_response`` (no network) and
given a stored request the way recording would, so each test is about the
setting, not about recording.
"""
import json
import unittest
from pathlib import Path

import pytest

from placebo_unittest import ConfigurationError, PlaceboTestCase, RequestMismatchError
from placebo_unittest.utils import placebo_session

from testcase_helpers import environment, network_blocked, report, run

QUEUE = {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"}


def recorded(directory, *names):
    """Recordings of GetQueueUrl for each queue name, with their stored requests."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, name in enumerate(names, 1):
        document = {
            "status_code": 200,
            "data": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/" + name},
            "placebo_unittest": {"format": 1, "request": {"QueueName": name}, "types": []},
        }
        (directory / f"sqs.GetQueueUrl_{number}.json").write_text(json.dumps(document))


def queue_case(tmp_path, asked, **attributes):
    seen = []

    def test_it(self):
        sqs = self.client("sqs")
        seen.extend(sqs.get_queue_url(QueueName=name)["QueueUrl"].rsplit("/", 1)[1] for name in asked)

    body = dict(placebo_dir=str(tmp_path), test_it=test_it)
    body.update(attributes)
    return type("Queues", (PlaceboTestCase,), body), seen


def outcome(cls, **env):
    with environment(Path(cls.placebo_dir), **env), network_blocked():
        return run(cls)


def test_placebo_test_case_verifies_by_default(tmp_path):
    recorded(tmp_path / "Queues.test_it", "jobs", "mail")
    Queues, _seen = queue_case(tmp_path, ["mail", "jobs"])
    result = outcome(Queues)
    assert len(result.failures) == 1, report(result)
    assert "QueueName: recorded 'jobs', called with 'mail'" in report(result)
    assert "Queues.test_it" in report(result)


def test_placebo_match_params_on_the_class(tmp_path):
    recorded(tmp_path / "Queues.test_it", "jobs", "mail")
    Queues, seen = queue_case(tmp_path, ["mail", "jobs"], placebo_match="params")
    result = outcome(Queues)
    assert result.wasSuccessful(), report(result)
    assert seen == ["mail", "jobs"]


def test_placebo_ignore_params_on_the_class(tmp_path):
    recorded(tmp_path / "Queues.test_it", "jobs", "mail")
    Queues, seen = queue_case(tmp_path, ["mail", "jobs"], placebo_ignore_params=["QueueName"])
    result = outcome(Queues)
    assert result.wasSuccessful(), report(result)
    assert seen == ["jobs", "mail"]  # served in order, names not compared


@pytest.mark.parametrize("value, expected", [("order", ["jobs", "mail"]), ("params", ["mail", "jobs"])])
def test_PLACEBO_MATCH_replaces_the_default(tmp_path, value, expected):
    recorded(tmp_path / "Queues.test_it", "jobs", "mail")
    Queues, seen = queue_case(tmp_path, ["mail", "jobs"])
    result = outcome(Queues, PLACEBO_MATCH=value)
    assert result.wasSuccessful(), report(result)
    assert seen == expected


def test_a_wrong_placebo_match_fails_as_the_class_is_defined(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        queue_case(tmp_path, [], placebo_match="exact")
    assert str(caught.value).startswith("Queues.placebo_match must be one of 'order', 'verify', 'params'")


def test_the_decorator_takes_matching_options(tmp_path):
    recorded(tmp_path / "Deco.test_plain", "jobs", "mail")
    recorded(tmp_path / "Deco.test_verify", "jobs", "mail")
    recorded(tmp_path / "Deco.test_params", "jobs", "mail")
    seen = {}

    class Deco(unittest.TestCase):
        @placebo_session
        def test_plain(self, session):  # placebo's way: order, nothing checked
            sqs = session.client("sqs")
            seen["plain"] = [sqs.get_queue_url(QueueName=n)["QueueUrl"][-4:] for n in ("mail", "jobs")]

        @placebo_session(match="verify")
        def test_verify(self, session):
            with self.assertRaises(RequestMismatchError):
                session.client("sqs").get_queue_url(QueueName="mail")

        @placebo_session(match="params", ignore_params=["Attributes"])
        def test_params(self, session):
            sqs = session.client("sqs")
            seen["params"] = [sqs.get_queue_url(QueueName=n)["QueueUrl"][-4:] for n in ("mail", "jobs")]

    with environment(tmp_path, PLACEBO_DIR=str(tmp_path)), network_blocked():
        result = run(Deco)
    assert result.wasSuccessful(), report(result)
    assert seen == {"plain": ["jobs", "mail"], "params": ["mail", "jobs"]}


def test_the_decorator_refuses_unknown_options_and_values_at_once():
    with pytest.raises(TypeError) as caught:
        placebo_session(matching="verify")
    assert "matching" in str(caught.value) and "match" in str(caught.value)
    with pytest.raises(ConfigurationError) as wrong:
        placebo_session(match="exact")
    assert "'verify'" in str(wrong.value)
