"""Recording files on disk: atomic writes, the in-memory index, numbering, refresh()."""
import errno
import os
import threading

import pytest

import placebo_unittest
from placebo_unittest.naming import parse_recording_filename
from placebo_unittest.serializer import dumps, encode, loads, materialize
from placebo_unittest.storage import RecordingStore

from unit_helpers import fast_session


def payload(value):
    return dumps(encode({"Value": value}), "json")


def value_of(path):
    with open(path, "rb") as handle:
        raw = handle.read()
    return materialize(loads(raw, path, "json"))[1]["Value"]


def files(directory):
    return sorted(os.listdir(str(directory)))


@pytest.fixture
def store(tmp_path):
    return RecordingStore(str(tmp_path / "recordings"))


# -- atomic writes ------------------------------------------------------------------------
def test_a_failed_link_leaves_no_file_and_no_temporary(store, monkeypatch):
    first = store.save("ec2", "DescribeInstances", payload("first"), "json")
    with open(first, "rb") as handle:
        before = handle.read()

    def broken_link(source, target, *args, **kwargs):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(os, "link", broken_link)
    with pytest.raises(OSError) as caught:
        store.save("ec2", "DescribeInstances", payload("second"), "json")
    assert caught.value.errno == errno.EIO
    assert files(store.directory) == ["ec2.DescribeInstances_1.json"]
    with open(first, "rb") as handle:
        assert handle.read() == before
    monkeypatch.undo()
    # The failed save used up no number.
    second = store.save("ec2", "DescribeInstances", payload("second"), "json")
    assert os.path.basename(second) == "ec2.DescribeInstances_2.json"
    assert value_of(second) == "second"


def test_a_write_failing_midway_leaves_no_half_file(store, monkeypatch):
    store.save("ec2", "DescribeInstances", payload("first"), "json")
    real_fdopen = os.fdopen
    seen_during_write = []

    class HalfWriter:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc_info):
            self.handle.close()

        def write(self, data):
            self.handle.write(data[: len(data) // 2])
            self.handle.flush()
            seen_during_write.extend(files(store.directory))
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fdopen", lambda fd, *a, **k: HalfWriter(real_fdopen(fd, *a, **k)))
    with pytest.raises(OSError) as caught:
        store.save("ec2", "DescribeInstances", payload("x" * 10000), "json")
    assert caught.value.errno == errno.ENOSPC
    # While the half-written bytes existed, they were in a temporary file that
    # no index would take for a recording, never under a recording's name.
    temporaries = [n for n in seen_during_write if n != "ec2.DescribeInstances_1.json"]
    assert len(temporaries) == 1 and temporaries[0].startswith(".")
    assert parse_recording_filename(temporaries[0]) is None
    assert files(store.directory) == ["ec2.DescribeInstances_1.json"]
    assert value_of(os.path.join(store.directory, "ec2.DescribeInstances_1.json")) == "first"


def test_a_failing_save_through_a_pill_keeps_earlier_recordings(tmp_path, monkeypatch):
    pill = placebo_unittest.attach(fast_session(), str(tmp_path))
    pill.save_response("ec2", "DescribeAddresses", {"Addresses": []})
    monkeypatch.setattr(os, "link", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.EROFS, "read-only")))
    with pytest.raises(OSError):
        pill.save_response("ec2", "DescribeAddresses", {"Addresses": [{"PublicIp": "192.0.2.1"}]})
    assert files(tmp_path) == ["ec2.DescribeAddresses_1.json"]
    assert pill.recorded == [str(tmp_path / "ec2.DescribeAddresses_1.json")]


@pytest.mark.parametrize("code", [errno.EPERM, errno.ENOTSUP, errno.EXDEV])
def test_without_hard_links_the_file_is_renamed_into_place(store, monkeypatch, code):
    def no_links(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_links)
    first = store.save("ec2", "DescribeInstances", payload("first"), "json")
    assert value_of(first) == "first"
    # Even then an existing file is never replaced.
    behind_the_back = os.path.join(store.directory, "ec2.DescribeInstances_2.json")
    with open(behind_the_back, "wb") as handle:
        handle.write(payload("someone else's"))
    third = store.save("ec2", "DescribeInstances", payload("third"), "json")
    assert os.path.basename(third) == "ec2.DescribeInstances_3.json"
    assert value_of(behind_the_back) == "someone else's"
    assert value_of(third) == "third"
    assert files(store.directory) == ["ec2.DescribeInstances_1.json", "ec2.DescribeInstances_2.json",
                                      "ec2.DescribeInstances_3.json"]


# -- the index ---------------------------------------------------------------------------
def test_the_directory_is_listed_once_for_any_number_of_saves_and_replays(tmp_path, monkeypatch, no_network_here):
    directory = str(tmp_path / "recordings")
    listings = []
    real_scandir, real_listdir = os.scandir, os.listdir

    def counting_scandir(path=".", *args):
        if os.fspath(path) == directory:
            listings.append("scandir")
        return real_scandir(path, *args)

    def counting_listdir(path=".", *args):
        if os.fspath(path) == directory:
            listings.append("listdir")
        return real_listdir(path, *args)

    monkeypatch.setattr(os, "scandir", counting_scandir)
    monkeypatch.setattr(os, "listdir", counting_listdir)

    session = fast_session()
    pill = placebo_unittest.attach(session, directory)
    for number in range(1, 26):
        for operation in ("DescribeAddresses", "DescribeInstances"):
            path = pill.save_response("ec2", operation, {"Number": number})
            assert os.path.basename(path) == f"ec2.{operation}_{number}.json"
    pill.playback()
    ec2 = session.client("ec2", endpoint_url="http://127.0.0.1:9")
    assert [ec2.describe_addresses()["Number"] for _ in range(26)] == list(range(1, 26)) + [1]
    assert listings == ["scandir"]
    monkeypatch.undo()
    assert len(files(directory)) == 50


def test_a_file_created_behind_the_index_is_not_overwritten(store):
    store.save("ec2", "DescribeInstances", payload("one"), "json")
    sneaky = os.path.join(store.directory, "ec2.DescribeInstances_2.json")
    with open(sneaky, "wb") as handle:
        handle.write(payload("written by someone else"))
    path = store.save("ec2", "DescribeInstances", payload("three"), "json")
    assert os.path.basename(path) == "ec2.DescribeInstances_3.json"
    assert value_of(sneaky) == "written by someone else"
    assert value_of(path) == "three"
    assert store.count("ec2", "DescribeInstances") == 1  # the index knows only what it wrote...
    store.refresh()
    assert store.count("ec2", "DescribeInstances") == 3  # ...until it is refreshed


def test_two_stores_on_one_directory_never_overwrite_each_other(tmp_path):
    directory = str(tmp_path / "shared")
    stores = [RecordingStore(directory), RecordingStore(directory)]
    errors = []

    def work(store, worker):
        try:
            for index in range(10):
                store.save("sqs", "ReceiveMessage", payload(f"{worker}-{index}"), "json")
        except Exception as exc:  # noqa: BLE001  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(stores[i % 2], i)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    names = files(directory)
    assert sorted(parse_recording_filename(n).number for n in names) == list(range(1, 81))
    values = sorted(value_of(os.path.join(directory, n)) for n in names)
    assert values == sorted(f"{w}-{i}" for w in range(8) for i in range(10))


def test_refresh_sees_new_and_removed_files_and_rereads_content(store):
    first = store.save("ec2", "DescribeInstances", payload("one"), "json")
    assert value_of_loaded(store, 1) == "one"
    os.remove(first)
    with open(first, "wb") as handle:
        handle.write(payload("changed"))
    with open(os.path.join(store.directory, "ec2.DescribeInstances_2.json"), "wb") as handle:
        handle.write(payload("two"))
    assert store.count("ec2", "DescribeInstances") == 1
    store.refresh()
    assert store.count("ec2", "DescribeInstances") == 2
    assert value_of_loaded(store, 1) == "changed"
    assert value_of_loaded(store, 2) == "two"
    os.remove(os.path.join(store.directory, "ec2.DescribeInstances_2.json"))
    store.refresh()
    assert store.count("ec2", "DescribeInstances") == 1


def value_of_loaded(store, number):
    loaded = store.load("ec2", "DescribeInstances", number, "json")
    return materialize(loaded)[1]["Value"]


def test_the_index_takes_only_recordings(tmp_path):
    directory = tmp_path / "mixed"
    directory.mkdir()
    for name in ("ec2.DescribeInstances_1.json", "ec2.DescribeInstances_2.pickle", "notes.txt",
                 ".ec2.DescribeInstances_3.json.k2j4.tmp", "ec2.DescribeInstances_04.json",
                 "ec2.DescribeInstances_5.json.bak", "DescribeInstances_6.json"):
        (directory / name).write_bytes(payload(name))
    (directory / "ec2.DescribeInstances_7.json").mkdir()
    store = RecordingStore(str(directory))
    assert store.count("ec2", "DescribeInstances") == 2
    assert store.extensions("ec2", "DescribeInstances", 1) == ["json"]
    assert store.extensions("ec2", "DescribeInstances", 2) == ["pickle"]
    assert store.names_for("DescribeInstances") == ["ec2.DescribeInstances_1.json", "ec2.DescribeInstances_2.pickle"]
    assert store.all_paths() == [str(directory / "ec2.DescribeInstances_1.json"),
                                 str(directory / "ec2.DescribeInstances_2.pickle")]
    # The next save comes after the highest recording, whatever its format.
    path = store.save("ec2", "DescribeInstances", payload("next"), "json")
    assert os.path.basename(path) == "ec2.DescribeInstances_3.json"


def test_the_directory_is_made_on_the_first_save_only(tmp_path, no_network_here):
    directory = tmp_path / "deep" / "er" / "recordings"
    session = fast_session()
    pill = placebo_unittest.attach(session, str(directory))
    pill.playback()
    with pytest.raises(placebo_unittest.RecordingNotFoundError):
        session.client("ec2", endpoint_url="http://127.0.0.1:9").describe_addresses()
    assert not (tmp_path / "deep").exists()
    pill.save_response("ec2", "DescribeAddresses", {"Addresses": []})
    assert files(directory) == ["ec2.DescribeAddresses_1.json"]


def test_prefixes_and_services_number_separately(store):
    names = [os.path.basename(store.save(stem, op, payload(stem + op), "json")) for stem, op in [
        ("ec2", "DescribeInstances"), ("foo.ec2", "DescribeInstances"), ("ec2", "DescribeInstances"),
        ("data-ats.iot", "Publish"), ("ec2", "DescribeAddresses"), ("foo.ec2", "DescribeInstances")]]
    assert names == ["ec2.DescribeInstances_1.json", "foo.ec2.DescribeInstances_1.json",
                     "ec2.DescribeInstances_2.json", "data-ats.iot.Publish_1.json",
                     "ec2.DescribeAddresses_1.json", "foo.ec2.DescribeInstances_2.json"]
    fresh = RecordingStore(store.directory)
    assert fresh.count("ec2", "DescribeInstances") == 2
    assert fresh.count("foo.ec2", "DescribeInstances") == 2
    assert fresh.count("data-ats.iot", "Publish") == 1
