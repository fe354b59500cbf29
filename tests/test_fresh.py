"""The fast path of replay: a file read once, fresh copies for every replay.

The round trips in test_serializer.py check that every copy is exact. Here:
the fast and the checked path agree on every file, copies share nothing
mutable, small and large trees are kept in their own ways, the garbage
collector's pause always ends as it began (with the new tree moved to the
oldest generation, unless the program froze objects itself), and what the
fast path declines goes down the checked path with the same result.
"""
import datetime as dt
import functools
import gc
import json
import subprocess
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings

from placebo_unittest import fresh
from placebo_unittest.checks import text_of
from placebo_unittest.codec import UTC_ZONE
from placebo_unittest.errors import CorruptRecordingError
from placebo_unittest.serializer import _load_checked, dumps, encode, loads, materialize

from unit_helpers import assert_exact, build, responses

PROPERTY = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

STAMP = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC_ZONE)


def small_response():
    return {"Addresses": [{"PublicIp": f"192.0.2.{n}", "AllocationId": f"eipalloc-{n:04d}",
                           "Tags": [{"Key": "Name", "Value": f"ip {n}"}], "Seen": STAMP}
                          for n in range(5)],
            "ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": {"server": "AmazonEC2"}}}


def large_response():
    return {"Items": [{"Id": f"item-{n:05d}", "Created": STAMP + dt.timedelta(seconds=n),
                       "Blob": b"\x00\x01" * 3, "Nested": {"List": [n, n + 1, {"Deep": str(n)}]}}
                      for n in range(2000)]}


def read(response):
    raw = dumps(encode(response), "json")
    return raw, loads(raw, "memory.json", "json")


def containers(tree):
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if type(node) in (dict, list):
            found.append(node)
            stack.extend(node.values() if type(node) is dict else node)
    return found


@pytest.mark.parametrize("make, kept_by", [(small_response, "function"), (large_response, "pickle")],
                         ids=["small", "large"])
def test_copies_share_no_container_and_keep_the_utc_zone(make, kept_by):
    _raw, loaded = read(make())
    assert loaded.fast
    first = materialize(loaded)[1]
    second = materialize(loaded)[1]  # decodes the file again and keeps a copy
    assert loaded.kept is not None and loaded.raw == b""
    is_pickled = isinstance(loaded.kept.build, functools.partial)
    assert is_pickled == (kept_by == "pickle"), loaded.kept.size
    third = materialize(loaded)[1]
    fourth = materialize(loaded)[1]
    ids = [{id(c) for c in containers(tree)} for tree in (first, second, third, fourth)]
    for index, these in enumerate(ids):
        for those in ids[index + 1:]:
            assert not these & those
    for tree in (first, second, third, fourth):
        assert_exact(tree, make())
        stamps = [item.get("Seen") or item.get("Created") for item in
                  (tree.get("Addresses") or tree.get("Items"))]
        assert all(stamp.tzinfo is UTC_ZONE for stamp in stamps)


def test_the_function_kept_for_a_small_tree_shares_only_immutable_leaves():
    _raw, loaded = read(small_response())
    materialize(loaded)
    materialize(loaded)
    one, two = loaded.kept(), loaded.kept()
    assert one == two and one is not two
    assert one["Addresses"][0]["PublicIp"] is two["Addresses"][0]["PublicIp"]  # a shared str
    one["Addresses"][0]["Tags"].clear()
    assert loaded.kept()["Addresses"][0]["Tags"] == [{"Key": "Name", "Value": "ip 0"}]


@PROPERTY
@given(description=responses)
def test_the_fast_path_and_the_checked_path_give_the_same_values(description):
    raw = dumps(encode(build(description)), "json")
    fast = loads(raw, "memory.json", "json")
    checked = loads(raw, "memory.json", "json")
    checked.fast, checked.tree = False, None
    _load_checked(checked, text_of(raw))
    assert (fast.status_code, fast.legacy, fast.request, fast.types) == (
        checked.status_code, checked.legacy, checked.request, checked.types)
    for _ in range(3):
        assert_exact(materialize(fast)[1], description)
        assert_exact(materialize(checked)[1], description)


@pytest.mark.parametrize("document", [
    {"status_code": 200, "data": {"Body": {"__class__": "StreamingBody", "body": "aGk="}}},
    {"status_code": 200, "data": {"x": {"__class__": "datetime", "year": 2020}}},
    {"status_code": 200, "data": {"x": {"__class__": "Thing"}},
     "placebo_unittest": {"format": 1, "types": [[["x"], "dict", None]]}},
    {"status_code": 200, "data": {"x": 1}, "placebo_unittest": {"format": 1, "request": {
        "When": {"__class__": "datetime", "year": 2020, "month": 1, "day": 1, "hour": 0, "minute": 0,
                 "second": 0, "microsecond": 0}}, "types": []}},
], ids=["body", "partial datetime", "literal dict", "datetime-shaped request"])
def test_what_the_fast_path_declines_takes_the_checked_path(document):
    raw = json.dumps(document).encode()
    try:
        loaded = loads(raw, "memory.json", "json")
    except CorruptRecordingError as error:  # the checked path names the problem
        assert "memory.json" in str(error) and "datetime" in str(error)
        return
    assert not loaded.fast
    if "request" in document.get("placebo_unittest", {}):
        assert type(loaded.request["When"]) is dict  # parameters are never decoded
    assert materialize(loaded)[1] is not materialize(loaded)[1]


def test_a_tree_nested_too_deeply_to_compile_is_kept_by_pickle():
    deep = current = {}
    for _ in range(400):
        current["next"] = {}
        current = current["next"]
    kept = fresh.snapshot(deep, 100)
    assert kept is not None
    assert kept() == deep and kept() is not deep


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_pause_ends_as_it_began(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with fresh.gc_paused():
            assert not gc.isenabled()
            with fresh.gc_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ZeroDivisionError), fresh.gc_paused():
            raise ZeroDivisionError
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_overlapping_pauses_in_threads_leave_the_collector_on():
    assert gc.isenabled()
    started = threading.Barrier(4)

    def pause_often():
        started.wait()
        for _ in range(300):
            with fresh.gc_paused():
                pass

    threads = [threading.Thread(target=pause_often) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


# Run in a fresh interpreter: the collector's generations are the process's
# own, and a test session made earlier in this worker may have frozen models.
PROMOTION_PROBE = """
import datetime as dt, gc, json, sys, weakref
from placebo_unittest import fresh
from placebo_unittest.serializer import dumps, encode

stamp = dt.datetime(2024, 5, 6, tzinfo=dt.timezone.utc)
raw = dumps(encode({"Items": [{"Id": f"item-{n}", "Tags": [{"Key": "k", "Value": str(n)}], "At": stamp}
                              for n in range(3000)]}), "json")
assert len(raw) >= fresh.PAUSE_FROM

class Node:
    pass

frozen_at_start = gc.get_freeze_count()  # Python 3.12 freezes objects of its own at start
frozen_by_program = sys.argv[1] == "frozen"
held = [object()]  # a tracked container the program may freeze
if frozen_by_program:
    gc.freeze()
# A cycle made before the replay and dropped: only the collector can free it.
cycle = Node()
cycle.me = cycle
gone = weakref.ref(cycle)
del cycle

tree = fresh.parse(raw)
print(json.dumps({
    "frozen_at_start": frozen_at_start,
    "enabled": gc.isenabled(),
    "generation": [g for g in range(3) if any(o is tree["data"]["Items"] for o in gc.get_objects(g))],
    "frozen": gc.get_freeze_count(),
    "held_still_frozen": not any(o is held for o in gc.get_objects()),
    "datetime": type(tree["data"]["Items"][0]["At"]).__name__,
    "cycle_freed": (gc.collect(), gone() is None)[1],
}))
"""


def _promotion(state):
    done = subprocess.run([sys.executable, "-c", PROMOTION_PROBE, state], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_large_tree_leaves_the_pause_in_the_oldest_generation_with_nothing_frozen():
    found = _promotion("plain")
    if found["frozen_at_start"]:
        # The interpreter froze objects itself (Python 3.12): they stay frozen,
        # and the tree is left to the young collections.
        assert found["frozen"] >= found["frozen_at_start"] - 10
        assert found["generation"] in ([0], [1])
    else:
        # Not in the young generations, where collection after collection would scan it.
        assert found["generation"] == [2]
        assert found["frozen"] == 0
    assert found["enabled"] is True
    assert found["datetime"] == "datetime"
    assert found["cycle_freed"] is True  # moved to the oldest generation, still collected


def test_objects_the_program_froze_stay_frozen():
    found = _promotion("frozen")
    assert found["held_still_frozen"] is True and found["frozen"] > 0
    assert found["generation"] in ([0], [1])  # left to the young collections
    assert found["enabled"] is True and found["datetime"] == "datetime"
    assert found["cycle_freed"] is True
