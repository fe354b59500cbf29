"""Peak memory and time of long replays, each in a fresh process.

    python benchmarks/load.py [--calls 50000] [--recordings 10000]

Two workloads: one test replaying ``--calls`` calls (three recordings,
cycled), under each match mode; and a directory of ``--recordings``
recordings, each call served its own under ``match="params"``. Each runs in
a process of its own; the table gives wall time and peak RSS (the process's
``ru_maxrss``), and the RSS a bare process with boto3 and the package
imported starts at, for reference.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _child(kind: str, size: int, match: str) -> None:
    import boto3

    import placebo_unittest

    directory = tempfile.mkdtemp(prefix="placebo_unittest-load-")
    session = boto3.Session(region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s")
    started = time.perf_counter()
    if kind == "baseline":
        session.client("sqs", endpoint_url="http://127.0.0.1:9")
    elif kind == "calls":
        pill = placebo_unittest.attach(session, directory, match=match, on_exhausted="cycle")
        for number in range(3):
            pill.save_response("sqs", "GetQueueUrl", {"QueueUrl": f"https://q/{number}"})
        pill.playback()
        sqs = session.client("sqs", endpoint_url="http://127.0.0.1:9")
        started = time.perf_counter()
        for _ in range(size):
            sqs.get_queue_url(QueueName="jobs")
    else:
        for number in range(1, size + 1):
            document = {"status_code": 200, "data": {"QueueUrl": f"https://q/{number}"},
                        "placebo_unittest": {"format": 1, "request": {"QueueName": f"q{number}"},
                                             "types": []}}
            with open(os.path.join(directory, f"sqs.GetQueueUrl_{number}.json"), "w") as handle:
                json.dump(document, handle)
        pill = placebo_unittest.attach(session, directory, match=match, on_exhausted="error")
        pill.playback()
        sqs = session.client("sqs", endpoint_url="http://127.0.0.1:9")
        started = time.perf_counter()
        for number in range(size, 0, -1):
            sqs.get_queue_url(QueueName=f"q{number}")
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": elapsed, "peak_rss_mib": peak}))


def _run(kind: str, size: int, match: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, str(size), match],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(argv: list) -> int:
    if argv[:1] == ["--child"]:
        _child(argv[1], int(argv[2]), argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--recordings", type=int, default=10_000)
    options = parser.parse_args(argv)
    rows = [("bare process (boto3 + one client)", _run("baseline", 0, "order"))]
    for match in ("order", "verify", "params"):
        rows.append((f"{options.calls:,} calls, match={match}", _run("calls", options.calls, match)))
    rows.append((f"{options.recordings:,}-recording directory, match=params",
                 _run("directory", options.recordings, "params")))
    print("{:<48} {:>10} {:>14}".format("workload", "seconds", "peak RSS MiB"))
    for name, row in rows:
        print("{:<48} {:>10.2f} {:>14.1f}".format(name, row["seconds"], row["peak_rss_mib"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
