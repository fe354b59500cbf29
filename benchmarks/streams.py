"""How long an event stream takes to replay, beside reading it live.

    python benchmarks/streams.py                 # 1,000 events, 7 runs of each
    python benchmarks/streams.py --events 5000 --runs 3

A ``converse_stream`` answer of N events (text deltas between a start and a
stop, then token usage) is read three ways, interleaved, in one process:

- live: from the tests' Bedrock-speaking server on 127.0.0.1
  (tests/eventstream_server.py), over real HTTP, a frame per chunk;
- replayed: the same answer recorded by a pill and replayed from its file,
  a first replay each time (a fresh pill, made before the clock starts,
  reading the file);
- replayed again: one pill replaying the same recording call after call.

It prints the median of each, and the ratios to live.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import boto3  # noqa: E402

import placebo_unittest  # noqa: E402

from eventstream_server import EventStreamServer  # noqa: E402

QUESTION = [{"role": "user", "content": [{"text": "Tell me a long story."}]}]


def answer(count: int) -> list[dict[str, Any]]:
    """``count`` events of a streamed answer."""
    deltas = [{"contentBlockDelta": {"delta": {"text": f" word{n}"}, "contentBlockIndex": 0}}
              for n in range(max(count - 3, 0))]
    return [{"messageStart": {"role": "assistant"}}, *deltas, {"messageStop": {"stopReason": "end_turn"}},
            {"metadata": {"usage": {"inputTokens": 6, "outputTokens": len(deltas), "totalTokens": 6 + len(deltas)},
                          "metrics": {"latencyMs": 1}}}][:count]


def session() -> Any:
    return boto3.Session(region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def read(client: Any) -> int:
    return sum(1 for _ in client.converse_stream(modelId="amazon.nova-lite-v1:0", messages=QUESTION)["stream"])


def timed(run: Callable[[], int], expected: int) -> float:
    start = time.perf_counter()
    count = run()
    elapsed = time.perf_counter() - start
    if count != expected:
        raise SystemExit(f"read {count} events, expected {expected}")
    return elapsed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="events in the stream (default 1000)")
    parser.add_argument("--runs", type=int, default=7, help="runs of each way (default 7)")
    options = parser.parse_args(argv)
    events = answer(options.events)
    directory = tempfile.mkdtemp(prefix="bench-streams-")
    times: dict[str, list[float]] = {"live": [], "replayed (first replay)": [], "replayed again": []}
    try:
        with EventStreamServer() as server:
            server.answer("ConverseStream", events)
            recorder = placebo_unittest.attach(session(), directory)
            recorder.record()
            read(recorder.session.client("bedrock-runtime", endpoint_url=server.url))
            recorder.stop()
            live_client = session().client("bedrock-runtime", endpoint_url=server.url)
            again = placebo_unittest.attach(session(), directory, on_exhausted="cycle")
            again.playback()
            again_client = again.session.client("bedrock-runtime", endpoint_url="http://127.0.0.1:9")
            read(again_client)  # the recording read once; later calls build from what was kept

            for _ in range(options.runs):
                server.answer("ConverseStream", events)
                times["live"].append(timed(lambda: read(live_client), len(events)))
                fresh = placebo_unittest.attach(session(), directory)  # made before the clock starts
                fresh.playback()
                fresh_client = fresh.session.client("bedrock-runtime", endpoint_url="http://127.0.0.1:9")
                times["replayed (first replay)"].append(timed(lambda c=fresh_client: read(c), len(events)))
                times["replayed again"].append(timed(lambda: read(again_client), len(events)))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    live = statistics.median(times["live"])
    print(f"converse_stream, {len(events):,} events; median of {options.runs} runs, interleaved")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"  {name:26} {median * 1000:8.1f} ms   {median / live:5.2f}x live")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
