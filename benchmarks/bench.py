"""placebo_unittest against placebo 0.10.0, botocore's Stubber and moto, side by side.

    python benchmarks/bench.py                      # full: 5 runs a measurement, ~16 min on 2 cores
    python benchmarks/bench.py --quick              # 2 runs, small sizes, about a minute
    python benchmarks/bench.py --only playback      # one section: playback, setup, recording or suite
    python benchmarks/bench.py --only suite --suite-tests 300    # a smaller suite, a few minutes

Every measurement runs in a fresh Python process (this script again, with
``--child``), so no engine benefits from another's imports or caches.
Engines are interleaved (A B C A B C ...), so a burst of load from something
else on the machine hits them all alike, and each measurement is repeated
(``--repeats``); the table shows the median of the runs, their spread, and
ratios of medians. The children get fake AWS credentials and
``AWS_DEFAULT_REGION=us-east-1``, and none of the caller's ``AWS_*`` or
``PLACEBO_*`` variables; they need no network: everything is replayed,
stubbed, or answered by moto inside the process. Their files live in one
temporary directory, removed at the end.

The sections
------------

1. playback: time per call of a client replaying a response, over 2,000
   calls (small) or 20 calls (large) after a warm-up, in each process; in
   the first two groups every call replays one recording, which each engine
   has read (placebo reads it again for every call), and in the last two
   every call is the first replay of a file of its own.
   ``small`` is ``ec2.describe_addresses`` answered with 5 Elastic IPs;
   ``large`` is ``ec2.describe_instances`` answered with 500 instances (25
   fields each, three of them datetimes, with tags and a network interface:
   about 3 MB of JSON). placebo_unittest (``attach(session, dir,
   match="order")``) and placebo (``placebo.attach``) replay files written by
   their own ``save_response``. botocore's ``Stubber`` needs ``add_response``
   (which checks the response against the model) once for every call: the
   row the target uses times it with the call, as a Stubber test pays both;
   the row below it adds every response first and times the calls alone.
   In the ``small`` group, with aiobotocore installed, one more row replays
   the same file for an aiobotocore client (``await client.describe_addresses()``
   in one event loop): async replay per call beside sync replay, whose
   ratio is the async target. In the first-replay groups, with msgspec (the
   ``fast`` extra) installed, one more row reads the files with the json
   module only, as placebo_unittest does without the extra, and another,
   the floor, only reads each file and parses it with msgspec: no tag
   made a datetime, nothing checked, no client. A first replay of any engine
   does at least that much.
2. setup: what a test pays to get one EC2 client, set-up and tear-down
   included: a generated module of trivial tests run by unittest, total time
   over the number of tests. ``PlaceboTestCase`` (``self.client("ec2")``),
   placebo's ``@placebo_session`` decorator, moto's ``@mock_aws`` decorator,
   and, as the floor, ``boto3.Session().client("ec2")`` with no test
   framework.
3. recording: time to save 100, 1,000 and 5,000 responses of one operation
   into one empty directory with ``pill.save_response``, and the time for
   5,000 over the time for 1,000: 5.0 means the cost of a save doesn't grow
   with the directory.
4. suite: ``python -m unittest discover`` on a generated suite of
   ``--suite-tests`` tests (1,000 by default), each making the same three EC2
   calls (``describe_addresses``, ``describe_key_pairs``,
   ``describe_vpcs``) and checking the answers: PlaceboTestCase replaying
   recordings, placebo's decorator replaying recordings, moto's
   ``@mock_aws``, and the floor: the same tests with botocore's ``Stubber``
   on one client shared by the whole run, each test queueing its three
   responses (written out in a helper module, so no file is read and no
   session is made per test). The recordings hold what moto answers, saved
   by each library's own ``save_response`` in the layout it reads,
   ``<dir>/<ClassName>.<test_name>/ec2.DescribeVpcs_1.json``. Wall time
   includes starting Python and importing everything; peak RSS is the
   ``unittest`` process's maximum resident set size. The suite is run once
   per engine by default (``--suite-repeats``): moto and placebo's decorator
   take 0.2 to 0.6 s a test here, and a run that long averages over its
   tests anyway.

``--quick`` keeps the shapes and shrinks the sizes: 300 and 4 calls, 6
tests, 20/100/500 responses, a 20-test suite, 2 runs of everything.

Reading the table
-----------------

``median``, ``min`` and ``max`` are over the runs. ``ratio`` is the engine's
median divided by placebo_unittest's median in the same group of rows:
``12.00x`` means that engine takes twelve times as long as placebo_unittest,
``0.50x`` half as long. Each ``target:`` line compares medians with one of
the project's goals and says PASS or FAIL; a FAIL is a finding, not an
error: the script exits 0 whatever the targets say, and non-zero only when
something breaks (a child fails, a suite test fails). Every sample, the
medians, the targets, the settings and the machine are also written as JSON
(``--json-out``; by default ``benchmarks/results.json``, or a temporary
file with ``--quick``).
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULT_MARK = "BENCH-RESULT "
SECTIONS = ("playback", "setup", "recording", "suite")
OVERRIDES = ("repeats", "suite_tests", "suite_repeats")  # settings the command line can change

# The suite is the slow part (see "4. suite" above): the 1,000-test suite the targets are
# set for takes about 11 minutes to run once per engine here, most of it moto's.
FULL = {"repeats": 5, "small_calls": 2000, "small_warmup": 100, "large_calls": 20, "large_warmup": 2,
        "setup_tests": 30, "setup_warmup": 2, "recording_sizes": [100, 1000, 5000],
        "suite_tests": 1000, "suite_repeats": 1}
QUICK = {"repeats": 2, "small_calls": 300, "small_warmup": 30, "large_calls": 4, "large_warmup": 1,
         "setup_tests": 6, "setup_warmup": 1, "recording_sizes": [20, 100, 500],
         "suite_tests": 20, "suite_repeats": 2}

ENGINES = {
    "playback": {"placebo_unittest": "placebo_unittest attach(match=order)",
                 "placebo_unittest_async": "placebo_unittest, aiobotocore client",
                 "placebo_unittest_json": "placebo_unittest, json module only",
                 "parse_floor": "floor: read + msgspec parse only",
                 "placebo": "placebo 0.10.0 attach",
                 "stubber": "Stubber: add_response + call",
                 "stubber_preloaded": "Stubber: call, responses added before"},
    "setup": {"placebo_unittest": "PlaceboTestCase",
              "placebo": "placebo 0.10.0 @placebo_session",
              "moto": "moto @mock_aws",
              "bare": "boto3.Session().client, no framework"},
    "recording": {"placebo_unittest": "placebo_unittest save_response",
                  "placebo": "placebo 0.10.0 save_response"},
    "suite": {"placebo_unittest": "PlaceboTestCase",
              "placebo": "placebo 0.10.0 @placebo_session",
              "moto": "moto @mock_aws",
              "stubber": "Stubber floor: one shared client"},
}

# (section, row group, engine the ratio is taken against, what is compared, limit, "<=" or ">=")
# A ">=" target is a speed-up: the other engine's median over placebo_unittest's. Where the
# engine is a pair (a, b), the value is a's median over b's.
TARGETS: list[tuple[str, str, str | tuple[str, str] | None, str, float, str]] = [
    ("suite", "suite", "placebo", "suite of {tests}: placebo_unittest faster than placebo's decorator", 10.0, ">="),
    ("suite", "suite", "moto", "suite of {tests}: placebo_unittest faster than moto", 25.0, ">="),
    ("suite", "suite", ("placebo_unittest", "stubber"), "suite of {tests}: PlaceboTestCase / Stubber floor suite",
     3.0, "<="),
    ("setup", "one client", "placebo", "set-up+tear-down: PlaceboTestCase / placebo's decorator", 0.1, "<="),
    ("setup", "one client", "moto", "set-up+tear-down: PlaceboTestCase / moto's mock_aws", 0.1, "<="),
    ("playback", "small", "stubber", "playback small: placebo_unittest / Stubber (add_response + call)", 1.3,
     "<="),
    ("playback", "large", "placebo", "playback large: placebo_unittest / placebo", 0.2, "<="),
    ("playback", "small, first replays", "placebo", "first replay small: placebo_unittest / placebo", 0.8, "<="),
    ("playback", "large, first replays", "placebo", "first replay large: placebo_unittest / placebo", 0.5, "<="),
    ("playback", "small", ("placebo_unittest_async", "placebo_unittest"),
     "playback small: async replay / sync replay (placebo_unittest)", 1.5, "<="),
    ("recording", "linearity", None, "recording: placebo_unittest largest / middle size", 6.0, "<="),
]


class BenchError(RuntimeError):
    """A child process failed: the benchmark can't be trusted, so the script stops."""


# Running children

def child_env(workdir: str) -> dict[str, str]:
    """The environment of every child: fake credentials, one region, nothing of the caller's AWS setup."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("AWS_", "PLACEBO_", "BOTO_"))}
    env.update({
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.path.join(workdir, "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": os.path.join(workdir, "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "TMPDIR": workdir,
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")])),
    })
    return env


def run_process(argv: Sequence[str], env: dict[str, str], cwd: str | None = None,
                timeout: float = 1800) -> dict[str, Any]:
    """Run ``argv``; return its exit code, output, wall time and peak RSS (MiB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            if hasattr(os, "wait4"):
                _, status, usage = os.wait4(process.pid, 0)
                wall = time.perf_counter() - started
                process.returncode = _exit_code(status)
                # ru_maxrss is in KiB on Linux, in bytes on macOS.
                peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
            else:
                process.wait()
                wall, peak = time.perf_counter() - started, None
        finally:
            watchdog.cancel()
        out.seek(0)
        err.seek(0)
        return {"returncode": process.returncode, "stdout": out.read(), "stderr": err.read(),
                "wall": wall, "peak_rss_mib": peak}


def _exit_code(status: int) -> int:
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status)
    return -os.WTERMSIG(status)


def _check(done: dict[str, Any], what: str) -> None:
    if done["returncode"] != 0:
        tail = "\n".join((done["stderr"] or done["stdout"]).strip().splitlines()[-25:])
        raise BenchError("{} failed with exit code {}:\n{}".format(what, done["returncode"], tail))


def run_child(task: dict[str, Any], workdir: str) -> dict[str, Any]:
    """Run one workload of ``bench_children`` in a fresh process and return its result."""
    done = run_process([sys.executable, os.path.abspath(__file__), "--child", json.dumps(task)],
                       child_env(workdir), cwd=workdir)
    what = "{} ({})".format(task["task"], ", ".join(f"{k}={v}" for k, v in task.items()
                                                     if k not in ("task", "directories")))
    _check(done, what)
    for line in reversed(done["stdout"].splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK):])
    raise BenchError(f"{what} printed no result")


def child_main(task_json: str) -> int:
    sys.path.insert(0, HERE)
    import bench_children

    task = json.loads(task_json)
    result = bench_children.TASKS[task["task"]](task)
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")
    return 0


# Measuring

class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done, self.started = total, 0, time.perf_counter()

    def step(self, text: str) -> None:
        self.done += 1
        sys.stderr.write(f"[{time.perf_counter() - self.started:4.0f}s {self.done}/{self.total}] {text}\n")
        sys.stderr.flush()


def interleave(section: str, groups: dict[str, Callable[[str], dict[str, Any]]], repeats: int,
               progress: Progress, engines: dict[str, Sequence[str]] | None = None,
               ) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Run every (group, engine) ``repeats`` times, in the order A B C A B C ...

    ``groups`` maps a row group's name to a function running one engine once;
    ``engines``, if given, names the engines of each group (else all of the
    section's). Returns ``{group: {engine: [result, ...]}}``.
    """
    chosen = {group: list(engines[group] if engines else ENGINES[section]) for group in groups}
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {
        group: {engine: [] for engine in chosen[group]} for group in groups}
    for repeat in range(repeats):
        for group, run in groups.items():
            for engine in chosen[group]:
                where = section if group == section else f"{section} {group}"
                progress.step(f"{where}: {engine} (run {repeat + 1}/{repeats})")
                samples[group][engine].append(run(engine))
    return samples


def summarize(samples: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Every engine's samples, median, spread and ratio to placebo_unittest, for one group of rows.

    ``seconds`` (and ``peak_rss_mib``, when there) vary from run to run; any
    other value a child reports (a file's size) is the same in every run and
    kept once.
    """
    rows: dict[str, Any] = {}
    for engine, results in samples.items():
        seconds = [result["seconds"] for result in results]
        row = {"samples": seconds, "median": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}
        if results[0].get("peak_rss_mib") is not None:
            memory = [result["peak_rss_mib"] for result in results]
            row["peak_rss_mib"] = {"samples": memory, "median": statistics.median(memory)}
        row.update((name, value) for name, value in results[0].items()
                   if name not in ("seconds", "peak_rss_mib") and value is not None)
        rows[engine] = row
    reference = rows["placebo_unittest"]["median"]
    for row in rows.values():
        row["ratio"] = row["median"] / reference
    return rows


#: The async row runs where aiobotocore (placebo_unittest's async extra) is installed.
ASYNC_ENGINES = ("placebo_unittest_async",) if importlib.util.find_spec("aiobotocore") else ()
#: Rows that need msgspec (the fast extra): first replays timed without it,
#: and the floor, the least any reading of the file costs (msgspec's parse).
MSGSPEC_ENGINES = ("placebo_unittest_json", "parse_floor") if importlib.util.find_spec("msgspec") else ()

PLAYBACK_GROUPS = {  # group: (response, files, engines)
    "small": ("small", "one", ("placebo_unittest", *ASYNC_ENGINES, "placebo", "stubber", "stubber_preloaded")),
    "large": ("large", "one", ("placebo_unittest", "placebo", "stubber", "stubber_preloaded")),
    "small, first replays": ("small", "own", ("placebo_unittest", *MSGSPEC_ENGINES, "placebo")),
    "large, first replays": ("large", "own", ("placebo_unittest", *MSGSPEC_ENGINES, "placebo")),
}


def measure_playback(settings: dict[str, Any], workdir: str, progress: Progress) -> dict[str, Any]:
    def runner(size: str, files: str) -> Callable[[str], dict[str, Any]]:
        return lambda engine: run_child({"task": "playback", "engine": engine, "response": size,
                                         "files": files, "calls": settings[size + "_calls"],
                                         "warmup": settings[size + "_warmup"]}, workdir)

    samples = interleave("playback", {group: runner(size, files)
                                      for group, (size, files, _engines) in PLAYBACK_GROUPS.items()},
                         settings["repeats"], progress,
                         engines={group: engines for group, (_s, _f, engines) in PLAYBACK_GROUPS.items()})
    summaries = {group: summarize(samples[group]) for group in PLAYBACK_GROUPS}
    megabytes = summaries["large"]["placebo_unittest"]["file_bytes"] / 1e6
    what = {"small": "ec2.describe_addresses, 5 Elastic IPs",
            "large": f"ec2.describe_instances, 500 instances ({megabytes:.1f} MB file)"}
    how = {"one": "one recording replayed by every call", "own": "each call the first replay of its own file"}
    return {
        "unit": "seconds per call",
        "groups": {
            group: {"description": "{}: {}, {:,} calls a process".format(
                what[size], how[files], settings[size + "_calls"]), "engines": summaries[group]}
            for group, (size, files, _engines) in PLAYBACK_GROUPS.items()
        },
    }


def measure_setup(settings: dict[str, Any], workdir: str, progress: Progress) -> dict[str, Any]:
    def run(engine: str) -> dict[str, Any]:
        return run_child({"task": "setup", "engine": engine, "tests": settings["setup_tests"],
                          "warmup": settings["setup_warmup"]}, workdir)

    samples = interleave("setup", {"one client": run}, settings["repeats"], progress)
    return {"unit": "seconds per test", "groups": {"one client": {
        "description": "set-up + tear-down + one EC2 client, {} tests a process".format(settings["setup_tests"]),
        "engines": summarize(samples["one client"])}}}


def measure_recording(settings: dict[str, Any], workdir: str, progress: Progress) -> dict[str, Any]:
    def runner(size: int) -> Callable[[str], dict[str, Any]]:
        return lambda engine: run_child({"task": "recording", "engine": engine, "responses": size}, workdir)

    sizes = settings["recording_sizes"]
    samples = interleave("recording", {str(size): runner(size) for size in sizes}, settings["repeats"], progress)
    groups: dict[str, dict[str, Any]] = {
        str(size): {"description": f"{size:,} responses saved into one directory",
                    "engines": summarize(samples[str(size)])} for size in sizes}
    middle, largest = groups[str(sizes[1])]["engines"], groups[str(sizes[2])]["engines"]
    linearity = {engine: {"median": largest[engine]["median"] / middle[engine]["median"]} for engine in largest}
    description = f"time for {sizes[2]:,} / time for {sizes[1]:,} (linear: {sizes[2] / sizes[1]:.1f})"
    groups["linearity"] = {"description": description, "engines": linearity}
    return {"unit": "seconds for all the responses", "groups": groups}


def measure_suite(settings: dict[str, Any], workdir: str, progress: Progress) -> dict[str, Any]:
    sys.path.insert(0, HERE)
    import bench_data

    count = settings["suite_tests"]
    root = os.path.join(workdir, "suite")
    recordings = {engine: os.path.join(root, "recordings-" + engine) for engine in ("placebo_unittest", "placebo")}
    made = run_child({"task": "suite_recordings", "tests": count, "directories": recordings}, workdir)
    suites = {}
    for engine in ENGINES["suite"]:
        suites[engine] = os.path.join(root, "tests-" + engine)
        bench_data.write_suite(suites[engine], engine, count, recordings.get(engine, ""),
                               [tuple(pair) for pair in made["responses"]])
    progress.step(f"suite: {count:,} tests written for each engine, with recordings")

    def run(engine: str) -> dict[str, Any]:
        env = child_env(workdir)
        if engine == "placebo":
            env["PLACEBO_DIR"] = recordings["placebo"]
        done = run_process([sys.executable, "-m", "unittest", "discover", "-s", suites[engine],
                            "-t", suites[engine]], env, cwd=suites[engine], timeout=max(1800, 5 * count))
        _check(done, f"the {engine} suite")
        if f"Ran {count} test" not in done["stderr"]:
            raise BenchError("the {} suite did not run {} tests:\n{}".format(engine, count, done["stderr"][-2000:]))
        return {"seconds": done["wall"], "peak_rss_mib": done["peak_rss_mib"]}

    samples = interleave("suite", {"suite": run}, settings["suite_repeats"], progress)
    return {"unit": "seconds for the whole run", "groups": {"suite": {
        "description": f"python -m unittest discover, {count:,} tests x 3 calls",
        "engines": summarize(samples["suite"])}}}


MEASURES = {"playback": measure_playback, "setup": measure_setup, "recording": measure_recording,
            "suite": measure_suite}


def evaluate_targets(sections: dict[str, Any], settings: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target whose section ran, with its measured value and PASS or FAIL."""
    targets = []
    for section, group, other, description, limit, comparison in TARGETS:
        if section not in sections:
            continue
        engines = sections[section]["groups"][group]["engines"]
        if isinstance(other, tuple):
            if other[0] not in engines:
                continue  # a row this run doesn't have (the async one, without aiobotocore)
            value = engines[other[0]]["median"] / engines[other[1]]["median"]
        elif other is None:
            value = engines["placebo_unittest"]["median"]
        elif comparison == ">=":
            value = engines[other]["median"] / engines["placebo_unittest"]["median"]
        else:
            value = engines["placebo_unittest"]["median"] / engines[other]["median"]
        passed = value >= limit if comparison == ">=" else value <= limit
        description = description.format(tests="{:,} tests".format(settings["suite_tests"]))
        targets.append({"section": section, "group": group, "description": description, "value": value,
                        "comparison": comparison, "limit": limit, "status": "PASS" if passed else "FAIL"})
    return targets


# The machine and the report

def machine() -> dict[str, Any]:
    from importlib import metadata

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    memory = None
    if os.path.exists("/proc/meminfo"):
        with open("/proc/meminfo") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cpu_count": os.cpu_count(),
        "memory_gib": memory,
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        "versions": {name: version(name) for name in ("placebo_unittest", "placebo", "boto3", "botocore", "moto",
                                                      "aiobotocore", "msgspec")},
    }


def _duration(seconds: float) -> str:
    """``seconds`` in the unit that gives it three significant digits or more."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def _ratio(value: float) -> str:
    return f"{value:.2f}x" if value >= 0.1 else f"{value:.2g}x"


def describe_machine(info: dict[str, Any]) -> list[str]:
    versions = ", ".join(f"{name} {value}" for name, value in info["versions"].items())
    return [
        "machine: {}; {}; {} CPUs; {} GiB".format(info["platform"], info["python"], info["cpu_count"],
                                                 info["memory_gib"]),
        "versions: " + versions,
        "load average at start: {}".format(info["load_average_at_start"]),
    ]


def table(report: dict[str, Any]) -> str:
    lines = describe_machine(report["machine"])
    lines.append("mode: {}; {} runs of each measurement ({} of the suite), engines interleaved; "
                 "ratio = engine median / placebo_unittest median".format(
                     report["settings"]["mode"], report["settings"]["repeats"], report["settings"]["suite_repeats"]))
    width = 40
    described = max([len(target["description"]) for target in report["targets"]] + [0])
    for number, section in enumerate(SECTIONS, 1):
        if section not in report["sections"]:
            continue
        data = report["sections"][section]
        memory = section == "suite"
        lines.append("")
        lines.append("{}. {} ({})".format(number, section, data["unit"]))
        header = "   {:<{w}} {:>10} {:>10} {:>10} {:>8}".format("", "median", "min", "max", "ratio", w=width)
        lines.append(header + ("  peak RSS" if memory else ""))
        for group in data["groups"].values():
            lines.append("   " + group["description"])
            for engine, row in group["engines"].items():
                label = ENGINES[section][engine]
                if "samples" not in row:  # recording linearity: a ratio of medians only
                    lines.append("     {:<{w}} {:>10}".format(label, _ratio(row["median"]), w=width - 2))
                    continue
                line = "     {:<{w}} {:>10} {:>10} {:>10} {:>8}".format(
                    label, _duration(row["median"]), _duration(row["min"]), _duration(row["max"]),
                    _ratio(row["ratio"]), w=width - 2)
                if memory:
                    line += "  {:>5.0f} MiB".format(row["peak_rss_mib"]["median"])
                lines.append(line)
        for target in report["targets"]:
            if target["section"] == section:
                lines.append("   target: {:<{w}} {:>7} {} {:<4} {}".format(
                    target["description"], "{:.3g}x".format(target["value"]), target["comparison"],
                    "{:g}".format(target["limit"]), target["status"], w=described))
    return "\n".join(lines)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="placebo_unittest against placebo 0.10.0, botocore's Stubber and moto, each engine "
                    "in fresh processes, interleaved, medians of repeats.")
    parser.add_argument("--quick", action="store_true",
                        help="2 repeats and small sizes (about a minute); JSON to a temporary file")
    parser.add_argument("--repeats", type=int,
                        help="runs of each measurement of sections 1-3 (default 5, --quick: 2)")
    parser.add_argument("--suite-tests", type=int, help="tests in the generated suite (default 1000, --quick: 20)")
    parser.add_argument("--suite-repeats", type=int, help="runs of the suite per engine (default 1, --quick: 2)")
    parser.add_argument("--json-out", help="where to write the JSON results "
                                           "(default benchmarks/results.json; --quick: a temporary file)")
    parser.add_argument("--only", choices=SECTIONS, help="run one section only")
    options = parser.parse_args(argv)
    for name in OVERRIDES:
        value = getattr(options, name)
        if value is not None and value < 1:
            parser.error("--{} must be at least 1".format(name.replace("_", "-")))
    return options


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["--child"]:
        return child_main(argv[1])
    options = parse_args(argv)
    settings = dict(QUICK if options.quick else FULL)
    settings["mode"] = "quick" if options.quick else "full"
    for name in OVERRIDES:
        if getattr(options, name) is not None:
            settings[name] = getattr(options, name)
    sections = [options.only] if options.only else list(SECTIONS)

    report: dict[str, Any] = {"machine": machine(), "settings": settings, "sections": {}}
    sys.stderr.write("bench.py: {} mode, sections: {}\n".format(settings["mode"], ", ".join(sections)))
    started = time.perf_counter()
    workdir = tempfile.mkdtemp(prefix="placebo_unittest-bench-")
    progress = Progress(_step_count(settings, sections))
    try:
        for section in sections:
            report["sections"][section] = MEASURES[section](settings, workdir, progress)
    except BenchError as error:
        sys.stderr.write(f"bench.py: {error}\n")
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report["targets"] = evaluate_targets(report["sections"], settings)
    report["elapsed_seconds"] = time.perf_counter() - started
    report["machine"]["load_average_at_end"] = (
        [round(value, 2) for value in os.getloadavg()] if hasattr(os, "getloadavg") else None)
    print(table(report))
    print("\nload average at end: {}; finished in {:.0f} s".format(
        report["machine"]["load_average_at_end"], report["elapsed_seconds"]))
    print(f"results written to {write_json(report, options)}")
    return 0


def write_json(report: dict[str, Any], options: argparse.Namespace) -> str:
    """Write ``report`` where ``--json-out`` says; without it, to ``benchmarks/results.json``, or,
    in the quick mode, to a new temporary file. Return the path."""
    if options.json_out:
        path = options.json_out
    elif options.quick:
        handle, path = tempfile.mkstemp(prefix="placebo_unittest-bench-", suffix=".json")
        os.close(handle)
    else:
        path = os.path.join(HERE, "results.json")
    with open(path, "w") as stream:
        json.dump(report, stream, indent=2)
        stream.write("\n")
    return path


def _step_count(settings: dict[str, Any], sections: Sequence[str]) -> int:
    playback = sum(len(engines) for _s, _f, engines in PLAYBACK_GROUPS.values())
    per_repeat = {"playback": playback, "setup": 4, "recording": 3 * 2, "suite": len(ENGINES["suite"])}
    total = sum(per_repeat[section] * settings["suite_repeats" if section == "suite" else "repeats"]
                for section in sections)
    return total + (1 if "suite" in sections else 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
