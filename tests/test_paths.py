"""Names can't lead out of the recordings directory.

Hostile prefixes, services and operations go through the real entry points
(``attach``, ``pill.prefix``, ``save_response``, ``load_response``,
``queue_response``, client calls while recording and replaying) and are
refused with :class:`UnsafeNameError`, and nothing is read or written outside
the recordings directory. Hostile and very long test names (classes, methods,
subtests, decorated functions) give one directory directly inside
``placebo_dir``, with a name under 150 characters, different for different
tests.
"""
import contextlib
import os
import unittest
from pathlib import Path

import botocore.loaders
import pytest

import placebo_unittest
from placebo_unittest import PlaceboError, PlaceboTestCase, RecordingNotFoundError, UnknownOperationError
from placebo_unittest.naming import (
    UnsafeNameError,
    check_part,
    contained,
    ensure_inside,
    parse_recording_filename,
    recording_filename,
    recording_stem,
)
from placebo_unittest.testnames import LONGEST_TAIL, MAX_NAME_BYTES, safe_name
from placebo_unittest.utils import placebo_session

from testcase_helpers import (  # noqa: F401 - repo_untouched is an autouse fixture
    CALLER,
    assert_passed,
    assert_safe_name,
    environment,
    listing,
    network_blocked,
    repo_untouched,
    run,
    seed,
)
from unit_helpers import fake_aws, fast_session

#: Each of these, as a prefix, a service or an operation, is refused.
HOSTILE = ["../x", "..", ".", "a/../../b", "/etc/passwd", "C:evil", "c:\\x", "x\\..\\y",
           "\\\\server\\share", "a\x00b", "\n", "a\x7fb", "a\x85b", ""]
WHY = {"/": "path separator", "\\": "path separator", ":": "drive letter", "\x00": "control character",
       "\n": "control character", "\x7f": "control character", "\x85": "control character"}

#: Prefixes placebo users have, which keep working.
SAFE_PREFIXES = ["nightly", "TestUtils.test_decorator", "my-prefix", "a_1", "with space",
                 "\u00fcn\u00efc\u00f6d\u00e9", "Prefix.Op_1.json", "...", "a..b", "trailing."]

ENDPOINT = "http://127.0.0.1:9"  # nothing listens there, and the network is cut anyway


def tree(root):
    """Every path under ``root``, relative to it."""
    return {p.relative_to(root).as_posix() for p in Path(root).rglob("*")}


class Sandbox:
    """A root directory with the recordings three levels down, so that any
    ``../`` a name could add still lands inside the root, where it is seen."""

    def __init__(self, tmp_path):
        self.root = tmp_path / "root"
        self.rec = self.root / "a" / "b" / "rec"
        self.rec.parent.mkdir(parents=True)
        self.before = tree(self.root)
        self._watched = []

    def naive(self, name):
        """Where a file called ``name`` would land if names were only joined on."""
        path = os.path.normpath(os.path.join(str(self.rec), name))
        self._watched.append(path)
        return path

    def outside(self):
        """What appeared outside ``rec`` since the sandbox was made."""
        rec = self.rec.relative_to(self.root).as_posix()
        new = tree(self.root) - self.before
        stray = sorted(p for p in new if p != rec and not p.startswith(rec + "/"))
        stray += [p for p in self._watched if os.path.lexists(p) and not contained(str(self.rec), p)]
        return stray

    def inside(self):
        return listing(self.rec)

    def cleanup(self):
        for path in self._watched:  # a failure must not leave files in /etc
            if os.path.lexists(path) and not path.startswith(str(self.root)):
                os.unlink(path)


@pytest.fixture
def box(tmp_path):
    sandbox = Sandbox(tmp_path)
    yield sandbox
    sandbox.cleanup()


def naive_names(hostile):
    """The file names a hostile part would give, if it were put in as it is."""
    if "\x00" in hostile:
        return []
    return [f"{hostile}.ec2.DescribeInstances_1.json", f"{hostile}.Op_1.json",
            f"ec2.{hostile}_1.json"]


def assert_refused(caught, value, part):
    error = caught.value
    assert isinstance(error, PlaceboError) and isinstance(error, ValueError)
    assert (error.value, error.part) == (value, part)
    message = str(error)
    assert repr(value) in message and part in message
    assert "refused, not rewritten" in message
    reason = next((WHY[char] for char in value if char in WHY), None)  # the first unsafe character
    if reason is None:
        reason = "empty" if value == "" else "directory"
    assert reason in error.reason and error.reason in message


# -- the rule itself ----------------------------------------------------------------
@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("part", ["prefix", "service", "operation"])
def test_each_unsafe_part_is_refused_by_the_one_function_that_builds_names(value, part):
    parts = dict(prefix="nightly", service="ec2", operation="DescribeInstances")
    parts[part] = value
    if part == "prefix" and value == "":
        # An empty prefix means no prefix, as in placebo.
        assert recording_filename(value, "ec2", "DescribeInstances", 1, "json") == \
            "ec2.DescribeInstances_1.json"
        return
    with pytest.raises(UnsafeNameError) as caught:
        recording_filename(parts["prefix"], parts["service"], parts["operation"], 1, "json")
    assert_refused(caught, value, part)
    if part != "operation":
        with pytest.raises(UnsafeNameError):
            recording_stem(parts["prefix"], parts["service"])


@pytest.mark.parametrize("prefix", SAFE_PREFIXES + [None, ""])
def test_safe_prefixes_keep_their_names(prefix):
    name = recording_filename(prefix, "data-ats.iot", "Publish", 3, "json")
    assert name == (f"{prefix}." if prefix else "") + "data-ats.iot.Publish_3.json"
    assert parse_recording_filename(name).stem == recording_stem(prefix, "data-ats.iot")


def test_every_botocore_service_and_operation_name_is_safe():
    loader = botocore.loaders.create_loader()
    names = loader.list_available_services("service-2")
    assert len(names) > 300
    for name in names:
        model = loader.load_service_model(name, "service-2")
        check_part(name, "service")
        check_part(model["metadata"]["endpointPrefix"], "service")
        for operation in model["operations"]:
            check_part(operation, "operation")


def test_a_prefix_that_is_not_a_string_is_checked_as_the_text_it_gives():
    assert recording_stem(7, "ec2") == "7.ec2"  # placebo formatted whatever it was given
    with pytest.raises(UnsafeNameError):
        recording_stem(Path("/etc/x"), "ec2")


@pytest.mark.parametrize("name", ["a:b.ec2.Op_1.json", "a\\b.ec2.Op_1.json", "a\nb.ec2.Op_1.json",
                                  "...Op_1.json", "..Op_1.json"])
def test_files_whose_names_could_not_have_been_built_are_not_recordings(tmp_path, name):
    (tmp_path / name).write_text("{}")
    assert parse_recording_filename(name) is None
    pill = placebo_unittest.attach(fast_session(), str(tmp_path))
    assert pill.unused_recordings() == []  # ignored, not rebuilt into an unsafe name


# -- prefixes, through the real entry points -------------------------------------------
@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("how", ["attach", "attribute"])
def test_a_hostile_prefix_never_writes_outside(box, hostile, how, no_network_here):
    for name in naive_names(hostile):
        box.naive(name)
    session = fast_session()
    if how == "attach":
        pill = placebo_unittest.attach(session, str(box.rec), prefix=hostile)
    else:
        pill = placebo_unittest.attach(session, str(box.rec))
        pill.prefix = hostile
    client = session.client("ec2", endpoint_url=ENDPOINT)
    pill.record()
    fake_aws(client, [{"Reservations": []}])
    if hostile == "":  # no prefix: the files land in the directory
        pill.save_response("ec2", "DescribeInstances", {"Reservations": []})
        client.describe_instances()
        assert box.inside() == ["ec2.DescribeInstances_1.json", "ec2.DescribeInstances_2.json"]
    else:
        with pytest.raises(UnsafeNameError) as caught:
            pill.save_response("ec2", "DescribeInstances", {"Reservations": []})
        assert_refused(caught, hostile, "prefix")
        with pytest.raises(UnsafeNameError):
            pill.get_new_file_path("ec2", "DescribeInstances")
        with pytest.raises(UnsafeNameError):
            client.describe_instances()  # a recorded call
        assert box.inside() == [] and pill.recorded == []
    assert box.outside() == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_prefix_never_reads_outside(box, hostile, no_network_here):
    session = fast_session()
    pill = placebo_unittest.attach(session, str(box.rec), prefix=hostile)
    pill.playback()
    client = session.client("ec2", endpoint_url=ENDPOINT)
    if hostile == "":
        with pytest.raises(RecordingNotFoundError) as missing:
            client.describe_instances()
        assert missing.value.path == str(box.rec / "ec2.DescribeInstances_1.json")
    else:
        with pytest.raises(UnsafeNameError) as caught:
            client.describe_instances()
        assert_refused(caught, hostile, "prefix")
        with pytest.raises(UnsafeNameError):
            pill.load_response("ec2", "DescribeInstances")
        with pytest.raises(UnsafeNameError):
            pill.get_next_file_path("ec2", "DescribeInstances")
        with pytest.raises(UnsafeNameError):
            pill.queue_response("ec2", "DescribeInstances", {"Reservations": []})
    assert pill.replayed == 0 and box.inside() == [] and box.outside() == []


@pytest.mark.parametrize("escape", ["../x", "../../../root/planted", "a/../../b", "ABSOLUTE"])
def test_a_recording_planted_where_a_prefix_would_lead_is_never_replayed(box, escape, no_network_here):
    if escape == "ABSOLUTE":
        escape = str(box.root / "planted")
    target = Path(box.naive(f"{escape}.ec2.DescribeInstances_1.json"))
    assert not contained(str(box.rec), str(target)) and str(target).startswith(str(box.root))
    seed(target.parent, "ec2", "DescribeInstances", {"Reservations": [{"ReservationId": "r-outside"}]})
    os.replace(str(target.parent / "ec2.DescribeInstances_1.json"), str(target))
    session = fast_session()
    pill = placebo_unittest.attach(session, str(box.rec), prefix=escape)
    pill.playback()
    with pytest.raises(UnsafeNameError):
        session.client("ec2", endpoint_url=ENDPOINT).describe_instances()
    assert pill.replayed == 0 and pill.calls == []


# -- services and operations given by hand ------------------------------------------------
@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("validate", [False, True])
def test_a_hostile_service_is_refused(box, hostile, validate):
    for name in naive_names(hostile):
        box.naive(name)
    pill = placebo_unittest.attach(fast_session(), str(box.rec), validate=validate)
    with pytest.raises(UnsafeNameError) as caught:
        pill.save_response(hostile, "Op", {})
    assert_refused(caught, hostile, "service")
    with pytest.raises(UnsafeNameError):
        pill.load_response(hostile, "Op")
    # botocore doesn't know the service, so nothing checks it before the name rule.
    with pytest.raises(UnsafeNameError):
        pill.queue_response(hostile, "Op", {})
    assert pill.unused_responses() == []
    assert box.inside() == [] and box.outside() == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_operation_is_refused(box, hostile):
    for name in naive_names(hostile):
        box.naive(name)
    pill = placebo_unittest.attach(fast_session(), str(box.rec))
    with pytest.raises(UnsafeNameError) as caught:
        pill.save_response("ec2", hostile, {})
    assert_refused(caught, hostile, "operation")
    with pytest.raises(UnsafeNameError):
        pill.load_response("ec2", hostile)
    assert box.inside() == [] and box.outside() == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_hostile_operation_is_never_queued_to_disk(box, hostile):
    pill = placebo_unittest.attach(fast_session(), str(box.rec))
    # A service botocore knows has no such operation.
    with pytest.raises(UnknownOperationError):
        pill.queue_response("ec2", hostile, {})
    # One it doesn't know is not checked; the queue is in memory and builds no path.
    with contextlib.suppress(UnsafeNameError):
        pill.queue_response("nosuchservice", hostile, {})
    assert tree(box.root) == box.before


# -- the containment check -------------------------------------------------------------
def test_contained_follows_dots_and_symbolic_links(tmp_path):
    rec = tmp_path / "rec"
    rec.mkdir()
    (tmp_path / "secret").write_text("not a recording")
    (rec / "ec2.DescribeInstances_1.json").symlink_to(tmp_path / "secret")
    (rec / "sub").symlink_to(tmp_path)
    linked_rec = tmp_path / "linked"
    linked_rec.symlink_to(rec)
    assert contained(str(rec), str(rec / "ec2.Op_1.json"))
    assert contained(str(linked_rec), str(linked_rec / "ec2.Op_1.json"))  # the directory itself may be a link
    assert contained(str(rec), str(linked_rec / "ec2.Op_1.json"))
    for path in [rec / "ec2.DescribeInstances_1.json", rec / "sub" / "x.json", rec / ".." / "x.json",
                 tmp_path / "x.json", Path("/etc/passwd"), rec]:
        assert not contained(str(rec), str(path)), path
    assert not contained(str(rec), str(rec) + "/a\x00b")
    assert not contained(str(rec) + "-sibling", str(rec / "x"))
    assert not contained(str(rec), str(rec) + "-sibling/x")  # a common start is not enough

    path = str(rec / "ec2.Op_1.json")
    assert ensure_inside(str(rec), path) == path
    with pytest.raises(UnsafeNameError) as caught:
        ensure_inside(str(rec), str(rec / "ec2.DescribeInstances_1.json"))
    error = caught.value
    assert error.part == "path" and isinstance(error, ValueError)
    assert str(rec) in str(error) and os.path.realpath(str(tmp_path / "secret")) in str(error)
    assert "symbolic link" in str(error)


# -- test names ---------------------------------------------------------------------------
def named_case(placebo_dir, class_name, method_name, seeded):
    """A PlaceboTestCase class called ``class_name`` with one test, ``method_name``,
    that saves a recording (when ``seeded``) and replays it."""
    def test(self):
        if seeded:
            self.save_response("sts", "GetCallerIdentity", CALLER, persist=True)
        self.assertEqual(self.client("sts").get_caller_identity()["Account"], CALLER["Account"])

    cls = type(class_name, (PlaceboTestCase,), {"placebo_dir": str(placebo_dir), "__module__": __name__})
    setattr(cls, method_name, test)
    return cls


#: Device names Windows reserves beyond those ``assert_safe_name`` knows.
MORE_RESERVED = {"conin$", "conout$"} | {d + n for d in ("com", "lpt") for n in "\u00b9\u00b2\u00b3"}


def assert_short_safe_directory(placebo_dir, name):
    assert (placebo_dir / name).is_dir()
    assert contained(str(placebo_dir), str(placebo_dir / name))
    assert os.path.dirname(os.path.realpath(str(placebo_dir / name))) == os.path.realpath(str(placebo_dir))
    assert_safe_name(name)
    assert name.split(".")[0].lower() not in MORE_RESERVED
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    # The folders kept beside it (".failed", ".old-<hex>", ".recording-<hex>") too.
    for beside in (name + ".failed", name + ".old-" + "0" * 12, name + ".recording-" + "0" * 12):
        assert len(beside) < 150 and len(beside.encode("utf-8")) < 150


LONG = "x" * 300
TEST_NAMES = [
    ("Escape", "../../../escape"), ("..", ".."), ("Abs", "/etc/passwd"), ("/etc", "passwd"),
    ("C:", "evil"), ("Drive", "c:\\x"), ("Back", "x\\..\\y"), ("Nul", "test\x00nul"),
    ("Newline", "\n"), ("Empty", ""), ("", "test"), ("Dots", "test..."),
    ("CON", "test"), ("con", "txt"), ("COM\u00b9", "test"), ("lpt\u00b3", "x"),
    ("CONIN$", "test"), ("conout$", "x"),
    ("Long" + LONG, "test"), ("Long", "test_" + LONG), ("L" + LONG, "test_" + LONG), ("Up", "../" * 100),
    ("Wide", "test_" + "\u00e9" * 200), ("Emoji", "test_" + "\U0001f600" * 100),
]


@pytest.mark.parametrize("class_name, method_name", TEST_NAMES)
def test_a_test_name_gives_one_short_directory_inside_placebo_dir(tmp_path, class_name, method_name):
    placebo_dir = tmp_path / "root" / "placebo"
    placebo_dir.mkdir(parents=True)
    with environment(tmp_path), network_blocked():
        assert_passed(run(named_case(placebo_dir, class_name, method_name, True), method_name), tests=1)
        # Run again: the same directory is found, and its recording replayed.
        assert_passed(run(named_case(placebo_dir, class_name, method_name, False), method_name), tests=1)
    assert listing(tmp_path / "root") == ["placebo"]
    [name] = listing(placebo_dir)
    assert_short_safe_directory(placebo_dir, name)
    assert listing(placebo_dir / name) == ["sts.GetCallerIdentity_1.json"]


def test_long_test_names_that_differ_only_at_the_end_get_their_own_directories(tmp_path):
    methods = ["test_" + LONG + end for end in ("_first", "_second", "_secone", "_f\u00efrst")]
    with environment(tmp_path), network_blocked():
        for method in methods:
            assert_passed(run(named_case(tmp_path, "Long" + LONG, method, True), method))
    names = listing(tmp_path)
    assert len(names) == len(methods)
    for name in names:
        assert_short_safe_directory(tmp_path, name)
        assert name.startswith("Long" + "x" * 50)  # still readable


def test_subtests_with_hostile_or_long_labels_stay_short_and_inside(tmp_path):
    labels = ["../" * 60, "/etc/passwd", "C:\\evil", LONG, LONG + "!"]

    class Sub(PlaceboTestCase):
        placebo_dir = str(tmp_path)

        def test_sub(self):
            for label in labels:
                with self.subTest(label):
                    self.save_response("sts", "GetCallerIdentity", dict(CALLER, UserId=label), persist=True)
                    self.assertEqual(self.client("sts").get_caller_identity()["UserId"], label)

    with environment(tmp_path), network_blocked():
        assert_passed(run(Sub))
    names = listing(tmp_path)
    assert len(names) == len(labels)
    for name in names:
        assert_short_safe_directory(tmp_path, name)


@pytest.mark.parametrize("function_name", ["../../up", "/etc/passwd", "C:evil", "x" * 300])
def test_a_decorated_function_gets_one_short_directory_inside_placebo_dir(tmp_path, function_name):
    placebo_dir = tmp_path / "root" / "placebo"

    def fetch(session):
        return session.client("sts").get_caller_identity()["UserId"]

    fetch.__name__ = function_name
    decorated = placebo_session(fetch)
    with environment(tmp_path, PLACEBO_DIR=str(placebo_dir)), network_blocked():
        with pytest.raises(RecordingNotFoundError) as missing:
            decorated()
        directory = Path(os.path.dirname(missing.value.path))
        assert directory.parent == placebo_dir
        seed(directory, "sts", "GetCallerIdentity", dict(CALLER, UserId="inside"))
        assert decorated() == "inside"
    assert listing(tmp_path / "root") == ["placebo"]
    assert listing(placebo_dir) == [directory.name]
    assert_short_safe_directory(placebo_dir, directory.name)


def test_the_budget_leaves_room_for_the_longest_tail():
    assert len(".recording-0123456789ab") == LONGEST_TAIL
    assert MAX_NAME_BYTES + LONGEST_TAIL < 150
    kept = "T." + "x" * (MAX_NAME_BYTES - 2)
    assert safe_name(kept) == kept  # as long as allowed: kept as it is
    cut = safe_name(kept + "x")
    assert cut != kept + "x" and len(cut.encode("utf-8")) <= MAX_NAME_BYTES


def test_unittest_accepts_the_hostile_method_names_used_here():
    # The test-name cases above rely on unittest running a method of any name.
    cls = type("Any", (unittest.TestCase,), {})
    setattr(cls, "../\x00", lambda self: None)
    assert_passed(run(cls, "../\x00"))
