"""Load: long replays run in bounded memory.

No timing is asserted here; ``benchmarks/load.py`` measures time and peak
RSS for the same workloads. What is asserted is that memory stops growing:
the number of live Python memory blocks after 50,000 calls is what it was
after 10,000, give or take a little.
"""
import gc
import json
import os
import sys

import pytest

import placebo_unittest

from conftest import make_session, network_blocked
from recording_helpers import DEAD_ENDPOINT


def live_blocks():
    gc.collect()
    return sys.getallocatedblocks()


@pytest.mark.parametrize("match", ["order", "verify", "params"])
def test_a_50000_call_test_replays_in_bounded_memory(tmp_path, match):
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path), match=match, on_exhausted="cycle")
    for number in range(3):
        pill.save_response("sqs", "GetQueueUrl", {"QueueUrl": f"https://q/{number}"})
    pill.playback()
    sqs = session.client("sqs", endpoint_url=DEAD_ENDPOINT)
    with network_blocked():
        for _ in range(10_000):
            sqs.get_queue_url(QueueName="jobs")
        after_10k = live_blocks()
        for _ in range(40_000):
            sqs.get_queue_url(QueueName="jobs")
        after_50k = live_blocks()
    assert pill.replayed == 50_000
    assert len(pill.calls) == 10_000  # the call log keeps the latest calls only
    assert after_50k - after_10k < 2_000, (after_10k, after_50k)


def test_a_10000_recording_directory_replays_each_call_its_own_response(tmp_path):
    for number in range(1, 10_001):
        document = {"status_code": 200, "data": {"QueueUrl": f"https://q/{number}"},
                    "placebo_unittest": {"format": 1, "request": {"QueueName": f"q{number}"},
                                         "types": []}}
        (tmp_path / f"sqs.GetQueueUrl_{number}.json").write_text(json.dumps(document))
    session = make_session()
    pill = placebo_unittest.attach(session, str(tmp_path), match="params", on_exhausted="error")
    pill.playback()
    sqs = session.client("sqs", endpoint_url=DEAD_ENDPOINT)
    with network_blocked():
        for number in range(10_000, 0, -1):  # the reverse of the recorded order
            assert sqs.get_queue_url(QueueName=f"q{number}")["QueueUrl"] == \
                f"https://q/{number}"
    assert pill.unused_recordings() == []
    assert len(os.listdir(str(tmp_path))) == 10_000  # nothing written
