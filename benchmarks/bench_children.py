"""The workloads ``bench.py`` runs, each in a fresh process (``bench.py --child``).

Every function takes the task's settings as a dict and returns a dict of
results; a measurement's ``seconds`` is the time of one unit (a call, a
test, a whole recording loop). Only the loop under measurement is timed: imports,
building responses and writing recordings happen before the clock starts.
Each function works in a temporary directory of its own and removes it.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import os
import shutil
import sys
import tempfile
import time
import unittest
from collections.abc import Callable, Iterator
from typing import Any

import bench_data


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence standard output: placebo 0.10.0 prints two lines for every datetime or bytes value it saves."""
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


@contextlib.contextmanager
def _scratch() -> Iterator[str]:
    directory = tempfile.mkdtemp(prefix="bench-")
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _settle() -> None:
    """Flush what earlier processes left to write, so that the disk's backlog
    isn't charged to a measurement of writing."""
    if hasattr(os, "sync"):
        os.sync()


def _session() -> Any:
    import boto3

    return boto3.Session(region_name=bench_data.REGION)


def _attach(engine: str, session: Any, directory: str) -> Any:
    """The engine's pill on ``session``, replaying and recording in ``directory``."""
    if engine.startswith("placebo_unittest"):
        import placebo_unittest
        from placebo_unittest import fresh

        if engine == "placebo_unittest_json":
            fresh._FAST = None  # as without the fast extra: the json module reads every file
        return placebo_unittest.attach(session, directory, match="order")
    import placebo

    return placebo.attach(session, directory)


def _save(engine: str, directory: str, operation: str, response: dict[str, Any]) -> str:
    """Save ``response`` with the engine's own ``save_response``; return the file's path."""
    os.makedirs(directory, exist_ok=True)
    pill = _attach(engine, _session(), directory)
    with _quiet():
        pill.save_response("ec2", operation, response)
    return os.path.join(directory, f"ec2.{operation}_1.json")


def _saved_copies(engine: str, directory: str, operation: str, response: dict[str, Any], copies: int) -> list[str]:
    """Save ``response`` as the engine's ``_1`` file and copy it to ``_2`` ..
    ``_<copies>``; return the paths in order."""
    first = _save(engine, directory, operation, response)
    paths = [first] + [first[:-len("_1.json")] + f"_{number}.json" for number in range(2, copies + 1)]
    for path in paths[1:]:
        shutil.copyfile(first, path)
    return paths


# 1. Playback

_RESPONSES: dict[str, tuple[str, str, Callable[[], dict[str, Any]], Callable[[dict[str, Any]], bool]]] = {
    "small": ("DescribeAddresses", "describe_addresses", bench_data.elastic_ips,
              lambda response: len(response["Addresses"]) == 5),
    "large": ("DescribeInstances", "describe_instances", bench_data.instances,
              lambda response: sum(len(r["Instances"]) for r in response["Reservations"]) == 500),
}


def playback(task: dict[str, Any]) -> dict[str, Any]:
    """Time per call over ``calls`` calls, after ``warmup`` calls.

    placebo_unittest and placebo replay files their own ``save_response``
    wrote. With ``files="one"``, every call replays the same recording (both
    engines go back to the first file when they run out); with
    ``files="own"``, each call replays a file of its own (one saved, copied
    to ``_2``, ``_3``, ...), so every call is a first replay.

    botocore's Stubber needs ``add_response`` once for every call, which
    checks the response against the model: ``stubber`` times that and the
    call together, as a test using the Stubber pays them; ``stubber_preloaded``
    adds every response before timing and times the calls alone.

    ``placebo_unittest_async`` replays placebo_unittest's file for an
    aiobotocore client, every call awaited in one event loop.

    ``parse_floor`` (first replays only) reads and parses the same files and
    does nothing else (see :func:`_parse_floor`).
    """
    engine, calls, warmup = task["engine"], task["calls"], task["warmup"]
    copies = warmup + calls if task.get("files", "own") == "own" else 1
    operation, method, build, looks_right = _RESPONSES[task["response"]]
    response = build()
    file_bytes = None
    with _scratch() as directory:
        if engine == "placebo_unittest_async":
            first = _saved_copies(engine, directory, operation, response, copies)[0]
            elapsed, last = asyncio.run(_async_calls(directory, method, calls, warmup))
            if not looks_right(last):
                raise AssertionError(f"{engine} replayed a wrong {method} response")
            return {"seconds": elapsed / calls, "file_bytes": os.path.getsize(first)}
        if engine == "parse_floor":
            return _parse_floor(directory, operation, response, copies, calls, warmup)
        if engine == "stubber":
            return _stubber_each_call(method, response, calls, warmup, looks_right)
        if engine == "stubber_preloaded":
            from botocore.stub import Stubber

            client = _session().client("ec2", endpoint_url=bench_data.DEAD_ENDPOINT)
            stubber = Stubber(client)
            for _ in range(warmup + calls):
                stubber.add_response(method, response)
            stubber.activate()
        else:
            file_bytes = os.path.getsize(_saved_copies(engine, directory, operation, response, copies)[0])
            session = _session()  # a new pill, which sees the copies
            _attach(engine, session, directory).playback()
            client = session.client("ec2", endpoint_url=bench_data.DEAD_ENDPOINT)
        call = getattr(client, method)
        for _ in range(warmup):
            call()
        started = time.perf_counter()
        for _ in range(calls):
            last = call()
        elapsed = time.perf_counter() - started
    if not looks_right(last):
        raise AssertionError(f"{engine} replayed a wrong {method} response")
    return {"seconds": elapsed / calls, "file_bytes": file_bytes}


def _parse_floor(directory: str, operation: str, response: dict[str, Any], copies: int, calls: int,
                 warmup: int) -> dict[str, Any]:
    """Read each of placebo_unittest's copies and parse it with msgspec, with
    the garbage collector off, and nothing more: no tag turned into a
    datetime, no check, no client. Every engine that replays a file reads and
    parses all of it, so this is the least a first replay can cost here; the
    previous result is dropped after the next is made, as the other engines'
    responses are."""
    import msgspec

    paths = _saved_copies("placebo_unittest", directory, operation, response, copies)
    decode = msgspec.json.Decoder().decode

    def read(path: str) -> Any:
        with open(path, "rb", buffering=0) as handle:
            return decode(handle.read())

    for path in paths[:warmup]:
        last = read(path)
    gc.disable()
    try:
        started = time.perf_counter()
        for path in paths[warmup:warmup + calls]:
            last = read(path)
        elapsed = time.perf_counter() - started
    finally:
        gc.enable()
    if "data" not in last:
        raise AssertionError("the parse floor read a wrong file")
    return {"seconds": elapsed / calls, "file_bytes": os.path.getsize(paths[0])}


async def _async_calls(directory: str, method: str, calls: int, warmup: int) -> tuple[float, Any]:
    """``(seconds, last response)`` of ``calls`` awaited calls of an aiobotocore
    client replaying from ``directory``, after ``warmup`` calls."""
    import aiobotocore.session

    session = aiobotocore.session.get_session()
    _attach("placebo_unittest", session, directory).playback()
    async with session.create_client("ec2", region_name=bench_data.REGION,
                                     endpoint_url=bench_data.DEAD_ENDPOINT) as client:
        call = getattr(client, method)
        for _ in range(warmup):
            await call()
        started = time.perf_counter()
        for _ in range(calls):
            last = await call()
        return time.perf_counter() - started, last


def _stubber_each_call(method: str, response: dict[str, Any], calls: int, warmup: int,
                       looks_right: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    from botocore.stub import Stubber

    client = _session().client("ec2", endpoint_url=bench_data.DEAD_ENDPOINT)
    stubber = Stubber(client)
    stubber.activate()
    call = getattr(client, method)
    for _ in range(warmup):
        stubber.add_response(method, response)
        call()
    started = time.perf_counter()
    for _ in range(calls):
        stubber.add_response(method, response)
        last = call()
    elapsed = time.perf_counter() - started
    if not looks_right(last):
        raise AssertionError(f"the Stubber replayed a wrong {method} response")
    return {"seconds": elapsed / calls, "file_bytes": None}


# 2. Set-up and tear-down

def setup(task: dict[str, Any]) -> dict[str, Any]:
    """Time per test of ``tests`` tests that each make one EC2 client and no call.

    The tests are a generated module run by unittest; a class of ``warmup``
    such tests runs first, untimed. ``bare`` makes a fresh boto3 session and
    client per round, with no test framework.
    """
    engine, tests, warmup = task["engine"], task["tests"], task["warmup"]
    if engine == "bare":
        import boto3

        for _ in range(warmup):
            boto3.Session().client("ec2")
        started = time.perf_counter()
        for _ in range(tests):
            boto3.Session().client("ec2")
        return {"seconds": (time.perf_counter() - started) / tests}
    with _scratch() as directory:
        os.environ["PLACEBO_DIR"] = directory  # where placebo's decorator makes its test directories
        module_name = f"bench_setup_{engine}"
        bench_data.write_module(
            os.path.join(directory, module_name + ".py"), engine,
            [("WarmUpTest", [f"test_{n:04d}" for n in range(warmup)]),
             ("SetUpTest", [f"test_{n:04d}" for n in range(tests)])],
            bench_data.CLIENT_ONLY_BODY, recordings=directory)
        sys.path.insert(0, directory)
        module = importlib.import_module(module_name)
        _run_tests(module.WarmUpTest, warmup)
        started = time.perf_counter()
        _run_tests(module.SetUpTest, tests)
        elapsed = time.perf_counter() - started
    return {"seconds": elapsed / tests}


def _run_tests(case: type, expected: int) -> None:
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    with open(os.devnull, "w") as devnull:
        result = unittest.TextTestRunner(stream=devnull, verbosity=0).run(suite)
    if not result.wasSuccessful() or result.testsRun != expected:
        problems = [text for _, text in result.errors + result.failures]
        raise AssertionError("{} ran {} of {} tests:\n{}".format(
            case.__name__, result.testsRun, expected, "\n".join(problems[:2])))


# 3. Recording

def recording(task: dict[str, Any]) -> dict[str, Any]:
    """Time to save ``responses`` responses of one operation into one empty directory."""
    engine, count = task["engine"], task["responses"]
    response = bench_data.elastic_ips()
    with _scratch() as directory:
        pill = _attach(engine, _session(), directory)
        _settle()
        with _quiet():
            started = time.perf_counter()
            for _ in range(count):
                pill.save_response("ec2", "DescribeAddresses", response)
            elapsed = time.perf_counter() - started
        written = len(os.listdir(directory))
    if written != count:
        raise AssertionError(f"{engine} wrote {written} files for {count} responses")
    return {"seconds": elapsed}


# 4. The generated suite's recordings

def suite_recordings(task: dict[str, Any]) -> dict[str, Any]:
    """Write the recordings of every suite test, for placebo_unittest and for placebo.

    The three responses are what moto answers in a fresh account, fetched
    once. Each engine saves them with its own ``save_response`` into the
    first test's directory, ``<ClassName>.<test_name>``, which is then
    copied for every other test. They are returned too, as
    ``[(method, response), ...]``, for the Stubber's suite (they hold only
    JSON's types).
    """
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("ec2", region_name=bench_data.REGION)
        responses = [(operation, getattr(client, method)()) for operation, method in bench_data.SUITE_CALLS]
    names = [f"{class_name}.{test}" for _, class_name, test in bench_data.suite_tests(task["tests"])]
    for engine, root in task["directories"].items():
        first = os.path.join(root, names[0])
        for operation, response in responses:
            _save(engine, first, operation, response)
        for name in names[1:]:
            shutil.copytree(first, os.path.join(root, name))
    methods = dict(bench_data.SUITE_CALLS)
    return {"files": len(names) * len(responses),
            "responses": [(methods[operation], response) for operation, response in responses]}


TASKS = {"playback": playback, "setup": setup, "recording": recording, "suite_recordings": suite_recordings}
