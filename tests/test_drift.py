"""The drift report: two sets of recordings of the same tests, compared call by call.

Recordings are written with the project's own serializer into tmp_path; the
git tests build a repository there. Nothing opens a connection.
"""
import datetime as dt
import io
import json
import os
import shutil
import subprocess

import pytest
from botocore.response import StreamingBody

from placebo_unittest import CorruptRecordingError, PlaceboError
from placebo_unittest.drift import (
    DEFAULT_IGNORE,
    REPORT_VERSION,
    CallDrift,
    Change,
    DirectoryDrift,
    DriftReport,
    IgnoreRules,
    RootPair,
    RootsMismatchError,
    Status,
    compare_dirs,
    compare_files,
    compare_roots,
    compare_trees,
    ignore_rules,
)
from placebo_unittest.matching import ABSENT, IgnoreSyntaxError
from placebo_unittest.params import TAG, normalize
from placebo_unittest.revisions import RevisionError, Snapshot, diff_against, recordings_at
from placebo_unittest.serializer import dumps, encode

HERE = os.path.dirname(os.path.abspath(__file__))
LEGACY = os.path.join(HERE, "fixtures", "legacy", "placebo")
UTC = dt.timezone.utc
ACCOUNT = "123456789012"


@pytest.fixture(autouse=True)
def clean_env(clean_placebo_env):
    """No PLACEBO_* variable changes how files are read."""


def write(directory, name, data, status=200, request=None, record_format="json"):
    os.makedirs(str(directory), exist_ok=True)
    recording = encode(data, status)
    recording.request = request
    path = os.path.join(str(directory), name)
    with open(path, "wb") as handle:
        handle.write(dumps(recording, record_format))
    return path


def instance(state, instance_id, launched):
    return {"InstanceId": instance_id, "State": {"Name": state}, "LaunchTime": launched,
            "Arn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance_id}"}


def describe(*instances, request_id="11111111-2222-3333-4444-555555555555", token=None):
    data = {"Reservations": [{"ReservationId": "r-0123456789abcdef0", "Instances": list(instances)}],
            "ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": 200,
                                 "HTTPHeaders": {"date": "Mon, 01 Jan 2024 00:00:00 GMT"}}}
    if token:
        data["NextToken"] = token
    return data


FIRST = dt.datetime(2024, 1, 1, 12, tzinfo=UTC)
LATER = dt.datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def paths(drift):
    return [(change.path, change.status) for change in drift.changes]


# -- one call ---------------------------------------------------------------------------------

def test_a_changed_field_is_reported_by_path_with_both_values(tmp_path):
    old = write(tmp_path / "old", "ec2.DescribeInstances_1.json",
                describe(instance("pending", "i-0123456789abcdef0", FIRST)))
    new = write(tmp_path / "new", "ec2.DescribeInstances_1.json",
                describe(instance("running", "i-0123456789abcdef0", FIRST)))
    drift = compare_files(old, new)
    assert type(drift) is CallDrift and drift.status is Status.CHANGED
    assert drift.name == "ec2.DescribeInstances_1" and drift.call == "ec2.DescribeInstances"
    assert (drift.old, drift.new) == ("ec2.DescribeInstances_1.json", "ec2.DescribeInstances_1.json")
    (change,) = drift.changes
    assert type(change) is Change
    assert change.path == "data.Reservations[0].Instances[0].State.Name"
    assert change.pattern == "data.Reservations[*].Instances[*].State.Name"
    assert (change.status, change.old, change.new) == (Status.CHANGED, "pending", "running")
    assert str(change) == "data.Reservations[0].Instances[0].State.Name: 'pending' -> 'running'"
    assert change.as_dict() == {"path": "data.Reservations[0].Instances[0].State.Name", "change": "changed",
                                "old": "pending", "new": "running"}


def test_the_same_recording_is_unchanged(tmp_path):
    data = describe(instance("running", "i-0123456789abcdef0", FIRST))
    old = write(tmp_path / "old", "ec2.DescribeInstances_1.json", data, request={"MaxResults": 5})
    new = write(tmp_path / "new", "ec2.DescribeInstances_1.json", data, request={"MaxResults": 5})
    drift = compare_files(old, new)
    assert drift.status is Status.UNCHANGED and drift.changes == () and drift.ignored == 0


def test_values_that_change_on_every_recording_are_ignored_by_default(tmp_path):
    old = write(tmp_path / "old", "ec2.DescribeInstances_1.json",
                describe(instance("running", "i-0123456789abcdef0", FIRST), token="AAAA"),
                request={"MaxResults": 5, "ClientToken": "first"})
    new = write(tmp_path / "new", "ec2.DescribeInstances_1.json",
                describe(instance("running", "i-0fedcba9876543210", LATER),
                         request_id="99999999-8888-7777-6666-555555555555", token="BBBB"),
                request={"MaxResults": 5, "ClientToken": "second"})
    drift = compare_files(old, new)
    assert drift.status is Status.UNCHANGED and drift.changes == ()
    # ResponseMetadata, NextToken, ClientToken, InstanceId, Arn and LaunchTime.
    assert drift.ignored == 6

    everything = compare_files(old, new, ignore_rules(defaults=False))
    assert everything.ignored == 0
    assert paths(everything) == [
        ("data.NextToken", Status.CHANGED),
        ("data.Reservations[0].Instances[0].Arn", Status.CHANGED),
        ("data.Reservations[0].Instances[0].InstanceId", Status.CHANGED),
        ("data.Reservations[0].Instances[0].LaunchTime", Status.CHANGED),
        ("data.ResponseMetadata.RequestId", Status.CHANGED),
        ("request.ClientToken", Status.CHANGED),
    ]
    launched = everything.changes[3]
    assert launched.old == {TAG: "datetime", "value": "2024-01-01T12:00:00.000000+00:00"}
    assert launched.new == {TAG: "datetime", "value": "2024-06-01T09:30:00.000000+00:00"}


def test_the_default_ignore_list_is_a_valid_ignore_spec():
    rules = ignore_rules()
    assert type(rules) is IgnoreRules and rules.entries == DEFAULT_IGNORE
    assert rules.datetimes is True and rules.generated_ids is True
    assert rules.spec.ignores(("data", "ResponseMetadata"))
    assert not rules.spec.ignores(("data", "Items", 0, "ResponseMetadata"))
    assert rules.spec.ignores(("request", "ClientToken")) and rules.spec.ignores(("data", "Contents", 3, "ETag"))
    bare = ignore_rules(["Foo"], defaults=False)
    assert bare.entries == ("Foo",) and not bare.datetimes and not bare.generated_ids
    assert rules.as_dict() == {"entries": list(DEFAULT_IGNORE), "datetimes": True, "generated_ids": True}


@pytest.mark.parametrize(("old", "new", "ignored"), [
    ("i-0123456789abcdef0", "i-0fedcba9876543210", True),
    (f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0",
     f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0aaaabbbbccccdddd", True),
    ("https://sqs.example/q?id=3f2b1c4d-5e6f-4a1b-9c8d-7e6f5a4b3c2d",
     "https://sqs.example/q?id=00000000-1111-2222-3333-444444444444", True),
    ("d41d8cd98f00b204e9800998ecf8427e", "0cc175b9c0f1b6a831c399e269772661", True),
    ("2024-01-01T00:00:00Z", "2024-02-03T04:05:06.789+02:00", True),
    # A change beside a generated id is not ignored, nor is one of a short name.
    (f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
     f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0", False),
    ("my-bucket", "my-other", False),
    ("running", "stopped", False),
    ("2024-01-01", "2024-01-02", False),
])
def test_the_value_rules_tell_generated_ids_and_dates_from_real_changes(old, new, ignored):
    assert ignore_rules().ignores_value(old, new) is ignored
    assert ignore_rules(defaults=False).ignores_value(old, new) is False


def test_a_datetime_appearing_or_turning_into_a_string_is_still_reported(tmp_path):
    old = write(tmp_path / "old", "sts.GetCallerIdentity_1.json", {"Account": ACCOUNT, "When": FIRST})
    new = write(tmp_path / "new", "sts.GetCallerIdentity_1.json",
                {"Account": ACCOUNT, "When": "soon", "Expires": LATER})
    drift = compare_files(old, new)
    assert paths(drift) == [("data.Expires", Status.ADDED), ("data.When", Status.CHANGED)]
    assert drift.changes[0].old is ABSENT
    assert drift.changes[0].as_dict() == {"path": "data.Expires", "change": "added",
                                          "new": {TAG: "datetime", "value": "2024-06-01T09:30:00.000000+00:00"}}


def test_ignore_entries_of_the_caller_are_added_to_the_defaults(tmp_path):
    old = write(tmp_path / "old", "dynamodb.Scan_1.json",
                {"Items": [{"id": {"S": "a"}, "price": {"N": "1"}}, {"id": {"S": "b"}, "price": {"N": "2"}}],
                 "Count": 2, "ScannedCount": 2})
    new = write(tmp_path / "new", "dynamodb.Scan_1.json",
                {"Items": [{"id": {"S": "a"}, "price": {"N": "3"}}, {"id": {"S": "b"}, "price": {"N": "4"}}],
                 "Count": 2, "ScannedCount": 3})
    assert paths(compare_files(old, new)) == [
        ("data.Items[0].price.N", Status.CHANGED), ("data.Items[1].price.N", Status.CHANGED),
        ("data.ScannedCount", Status.CHANGED)]
    drift = compare_files(old, new, ignore_rules(["data.Items[*].price", "ScannedCount"]))
    assert drift.status is Status.UNCHANGED and drift.ignored == 3


def test_a_bad_ignore_entry_is_an_error_that_shows_the_syntax():
    with pytest.raises(IgnoreSyntaxError) as caught:
        ignore_rules(["data.Items[x"])
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, PlaceboError)
    assert "Tags[*].Value" in str(caught.value)


def test_an_item_inserted_in_a_list_is_one_item_added(tmp_path):
    topics = [{"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:{name}"} for name in ("b", "c", "d")]
    old = write(tmp_path / "old", "sns.ListTopics_1.json", {"Topics": topics})
    new = write(tmp_path / "new", "sns.ListTopics_1.json",
                {"Topics": [{"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:a"}, *topics[:2]]})
    drift = compare_files(old, new)
    assert paths(drift) == [("data.Topics[0]", Status.ADDED), ("data.Topics[2]", Status.REMOVED)]
    assert drift.changes[0].new == {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:a"}
    assert drift.changes[1].old == {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:d"}
    longer = write(tmp_path / "longer", "sns.ListTopics_1.json",
                   {"Topics": [topics[0], {"TopicArn": "x"}, *topics[1:]]})
    assert paths(compare_files(old, longer)) == [("data.Topics[1]", Status.ADDED)]


def test_the_status_code_and_the_stored_request_are_compared(tmp_path):
    old = write(tmp_path / "old", "s3.HeadObject_1.json", {"ContentLength": 3}, request={"Bucket": "b", "Key": "k"})
    new = write(tmp_path / "new", "s3.HeadObject_1.json", {"Error": {"Code": "404", "Message": "Not Found"}},
                status=404, request={"Bucket": "b", "Key": "k2"})
    assert paths(compare_files(old, new)) == [
        ("data.ContentLength", Status.REMOVED), ("data.Error", Status.ADDED),
        ("request.Key", Status.CHANGED), ("status_code", Status.CHANGED)]
    bare = write(tmp_path / "bare", "s3.HeadObject_1.json", {"ContentLength": 3})
    (change,) = compare_files(bare, old).changes
    assert (change.path, change.status, change.new) == ("request", Status.ADDED, {"Bucket": "b", "Key": "k"})


def test_bytes_and_bodies_are_compared_by_content(tmp_path):
    def body(content):
        return StreamingBody(io.BytesIO(content), len(content))

    old = write(tmp_path / "old", "s3.GetObject_1.json", {"Body": body(b"hello"), "Checksum": b"\x00\x01"})
    same = write(tmp_path / "same", "s3.GetObject_1.json", {"Body": body(b"hello"), "Checksum": b"\x00\x01"})
    new = write(tmp_path / "new", "s3.GetObject_1.json", {"Body": body(b"hello!"), "Checksum": b"\x00\x02"})
    assert compare_files(old, same).status is Status.UNCHANGED
    drift = compare_files(old, new)
    assert paths(drift) == [("data.Body", Status.CHANGED), ("data.Checksum", Status.CHANGED)]
    assert drift.changes[0].old == normalize(b"hello") and drift.changes[0].new == normalize(b"hello!")
    assert str(drift.changes[0]).startswith("data.Body: <5 bytes, sha256 ")


def test_a_placebo_form_file_compares_equal_to_the_same_response_in_the_current_form(tmp_path):
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(os.path.join(LEGACY, "kms.Decrypt_1.json"), str(old))
    with open(os.path.join(LEGACY, "kms.Decrypt_1.json")) as handle:
        legacy = json.load(handle)["data"]
    current = dict(legacy, Plaintext=b"\n \x8f\x9e\xa1\x00secret")
    new = write(tmp_path / "new", "kms.Decrypt_1.json", current)
    assert compare_files(str(old / "kms.Decrypt_1.json"), new).status is Status.UNCHANGED


def test_a_corrupt_recording_raises_the_error_naming_it(tmp_path):
    old = write(tmp_path / "old", "sqs.ListQueues_1.json", {"QueueUrls": []})
    os.makedirs(str(tmp_path / "new"))
    broken = tmp_path / "new" / "sqs.ListQueues_1.json"
    broken.write_text('{"status_code": 200, "data": {"QueueUrls": [')
    with pytest.raises(CorruptRecordingError) as caught:
        compare_files(old, str(broken))
    assert caught.value.path == str(broken) and "record the test" in str(caught.value)
    with pytest.raises(CorruptRecordingError):
        compare_trees(str(tmp_path / "old"), str(tmp_path / "new"))


def test_pickle_files_are_compared_by_their_bytes_and_never_loaded(tmp_path):
    # Not a pickle at all: loading it would fail, so a comparison that works didn't load it.
    for side in ("old", "same"):
        os.makedirs(str(tmp_path / side))
        (tmp_path / side / "sqs.ListQueues_1.pickle").write_bytes(b"not a pickle")
    os.makedirs(str(tmp_path / "new"))
    (tmp_path / "new" / "sqs.ListQueues_1.pickle").write_bytes(b"not a pickle either")
    assert compare_dirs(str(tmp_path / "old"), str(tmp_path / "same")).status is Status.UNCHANGED
    drift = compare_dirs(str(tmp_path / "old"), str(tmp_path / "new"))
    (call,) = drift.calls
    assert call.status is Status.CHANGED and call.changes == ()
    assert "compared by its bytes only" in call.note and "placebo-unittest convert" in call.note


# -- one test's directory ------------------------------------------------------------------

def test_calls_are_paired_by_name_and_added_or_removed_ones_listed(tmp_path):
    old, new = tmp_path / "old" / "T.test_it", tmp_path / "new" / "T.test_it"
    for directory in (old, new):
        write(directory, "T.test_it.sqs.ListQueues_1.json", {"QueueUrls": []})
    write(old, "sqs.ListQueues_2.json", {"QueueUrls": []})
    write(new, "sqs.CreateQueue_1.json", {"QueueUrl": "http://localhost/q"})
    drift = compare_dirs(str(old), str(new))
    assert type(drift) is DirectoryDrift and drift.name == "T.test_it" and drift.status is Status.CHANGED
    assert drift.unchanged == 1
    assert [(c.name, c.status, c.old, c.new) for c in drift.calls] == [
        ("sqs.CreateQueue_1", Status.ADDED, None, "sqs.CreateQueue_1.json"),
        ("sqs.ListQueues_2", Status.REMOVED, "sqs.ListQueues_2.json", None),
    ]
    assert drift.calls[0].call == "sqs.CreateQueue"


def test_compare_dirs_names_a_missing_directory(tmp_path):
    write(tmp_path / "old", "sqs.ListQueues_1.json", {"QueueUrls": []})
    with pytest.raises(FileNotFoundError, match="missing"):
        compare_dirs(str(tmp_path / "old"), str(tmp_path / "missing"))
    with pytest.raises(NotADirectoryError):
        compare_dirs(str(tmp_path / "old" / "sqs.ListQueues_1.json"), str(tmp_path / "old"))


# -- trees ------------------------------------------------------------------------------------

def make_trees(root):
    old, new = root / "old", root / "new"
    for side, state in ((old, "pending"), (new, "running")):
        write(side / "EC2Test.test_start", "ec2.DescribeInstances_1.json",
              describe(instance(state, "i-0123456789abcdef0", FIRST), request_id=f"{state:0<8}"[:8]))
        write(side / "EC2Test.test_start", "ec2.DescribeInstances_2.json",
              describe(instance(state, "i-0123456789abcdef1", FIRST)))
        write(side / "nested" / "QueueTest.test_same", "sqs.ListQueues_1.json", {"QueueUrls": []})
    write(old / "Gone.test_old", "sts.GetCallerIdentity_1.json", {"Account": ACCOUNT})
    write(new / "New.test_new", "sts.GetCallerIdentity_1.json", {"Account": ACCOUNT})
    write(new / "New.test_new", "sts.GetCallerIdentity_2.json", {"Account": ACCOUNT})
    return str(old), str(new)


def test_trees_pair_test_directories_by_their_relative_path(tmp_path):
    old, new = make_trees(tmp_path)
    report = compare_trees(old, new)
    assert type(report) is DriftReport and report.changed is True
    assert (report.old, report.new, report.compared, report.calls) == (old, new, 4, 6)
    assert [(d.name, d.status) for d in report.directories] == [
        ("EC2Test.test_start", Status.CHANGED), ("Gone.test_old", Status.REMOVED),
        ("New.test_new", Status.ADDED)]
    assert [c.status for c in report.directories[2].calls] == [Status.ADDED, Status.ADDED]
    assert report.directories[1].new is None and report.directories[1].old == os.path.join(old, "Gone.test_old")
    totals = report.totals()
    assert totals == {"tests": 4, "tests_added": 1, "tests_removed": 1, "tests_changed": 1,
                      "calls": 6, "calls_added": 2, "calls_removed": 1, "calls_changed": 2,
                      "fields_added": 0, "fields_removed": 0, "fields_changed": 2, "ignored": 1}
    assert report.most_changed() == [
        ("ec2.DescribeInstances", "data.Reservations[*].Instances[*].State.Name", 2)]


def test_the_report_is_a_versioned_json_document(tmp_path):
    old, new = make_trees(tmp_path)
    document = json.loads(json.dumps(compare_trees(old, new).as_dict()))
    assert REPORT_VERSION == 1 and document["version"] == 1
    assert set(document) == {"version", "old", "new", "changed", "ignore", "totals", "most_changed",
                             "operations", "tests"}
    assert document["most_changed"] == [{"call": "ec2.DescribeInstances",
                                         "path": "data.Reservations[*].Instances[*].State.Name", "calls": 2}]
    assert document["operations"] == [
        {"call": "sts.GetCallerIdentity", "added": 2, "removed": 1, "changed": 0},
        {"call": "ec2.DescribeInstances", "added": 0, "removed": 0, "changed": 2}]
    test = document["tests"][0]
    assert {k: test[k] for k in ("name", "status", "unchanged_calls")} == \
        {"name": "EC2Test.test_start", "status": "changed", "unchanged_calls": 0}
    assert test["calls"][0]["changes"] == [{"path": "data.Reservations[0].Instances[0].State.Name",
                                            "change": "changed", "old": "pending", "new": "running"}]


def test_the_summary_says_how_many_tests_changed_and_what_changed_most(tmp_path):
    old, new = make_trees(tmp_path)
    report = compare_trees(old, new)
    assert report.summary() == (
        "Drift in 3 of 4 tests (1 changed, 1 added, 1 removed): calls 2 changed, 2 added, 1 removed; "
        "fields 2 changed; 1 volatile value ignored.\n"
        "Changed most:\n"
        "  ec2.DescribeInstances data.Reservations[*].Instances[*].State.Name  (2 calls)")
    text = report.render()
    assert text.splitlines()[:6] == [
        f"Comparing {old} with {new}",
        "changed  EC2Test.test_start  (2 of 2 calls differ)",
        "  changed  ec2.DescribeInstances_1.json",
        "      data.Reservations[0].Instances[0].State.Name: 'pending' -> 'running'",
        "  changed  ec2.DescribeInstances_2.json",
        "      data.Reservations[0].Instances[0].State.Name: 'pending' -> 'running'",
    ]
    assert "removed  Gone.test_old  (1 call)" in text and "added    New.test_new  (2 calls)" in text
    assert text.endswith(report.summary())


def test_identical_trees_have_no_drift(tmp_path):
    old, _new = make_trees(tmp_path)
    copy = str(tmp_path / "copy")
    shutil.copytree(old, copy)
    report = compare_trees(old, copy)
    assert report.changed is False and report.directories == ()
    assert report.summary() == "No drift: 3 tests and 4 calls the same."


def test_a_test_directory_compared_with_a_tree_is_refused(tmp_path):
    old, new = make_trees(tmp_path)
    with pytest.raises(RootsMismatchError) as caught:
        compare_trees(old, os.path.join(new, "EC2Test.test_start"))
    assert isinstance(caught.value, ValueError) and "can't be paired" in str(caught.value)
    one = compare_trees(os.path.join(old, "EC2Test.test_start"), os.path.join(new, "EC2Test.test_start"))
    assert [d.name for d in one.directories] == ["EC2Test.test_start"]


def test_several_roots_in_one_report_are_named_and_shown_as_asked(tmp_path):
    old, new = make_trees(tmp_path)
    report = compare_roots([RootPair(os.path.join(old, "nested"), os.path.join(new, "nested"), "tests/nested"),
                            RootPair(old, new, "tests", old_shown="HEAD:tests", new_shown="tests")],
                           old_label="HEAD", new_label="the working tree")
    assert report.compared == 5
    first = report.directories[0]
    assert (first.name, first.old, first.new) == \
        ("tests/EC2Test.test_start", "HEAD:tests/EC2Test.test_start", "tests/EC2Test.test_start")


# -- git ------------------------------------------------------------------------------------------

GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(repository, *args):
    subprocess.run(["git", *args], cwd=str(repository), check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})


@pytest.fixture
def repository(tmp_path, monkeypatch):
    """A git repository with one commit of recordings, then the working tree changed."""
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    root = tmp_path / "project"
    old, _new = make_trees(tmp_path)
    shutil.copytree(old, str(root / "tests" / "placebo"))
    (root / "tests" / "placebo" / "notes.txt").write_text("not a recording")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "recordings")
    shutil.rmtree(str(root / "tests" / "placebo"))
    shutil.copytree(str(tmp_path / "new"), str(root / "tests" / "placebo"))
    monkeypatch.chdir(str(root))
    return root


def test_recordings_at_a_revision_are_copied_at_their_repository_paths(repository):
    with recordings_at("HEAD", ["tests/placebo/EC2Test.test_start"]) as snapshot:
        assert type(snapshot) is Snapshot and len(snapshot.commit) == 40
        assert snapshot.top == os.path.realpath(str(repository))
        copied = snapshot.old_path("tests/placebo/EC2Test.test_start")
        assert sorted(os.listdir(copied)) == ["ec2.DescribeInstances_1.json", "ec2.DescribeInstances_2.json"]
        assert not os.path.exists(os.path.join(snapshot.root, "tests", "placebo", "Gone.test_old"))
        assert snapshot.shown("tests/placebo") == "HEAD:tests/placebo"
        root = snapshot.root
    assert not os.path.exists(root)


def test_diff_against_compares_the_working_tree_with_the_revision(repository):
    report = diff_against("HEAD", ["tests/placebo"])
    assert report.old.startswith("HEAD (") and report.new == "the working tree"
    assert [(d.name, d.status, d.old) for d in report.directories] == [
        ("tests/placebo/EC2Test.test_start", Status.CHANGED, "HEAD:tests/placebo/EC2Test.test_start"),
        ("tests/placebo/Gone.test_old", Status.REMOVED, "HEAD:tests/placebo/Gone.test_old"),
        ("tests/placebo/New.test_new", Status.ADDED, None)]
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "recorded again")
    assert diff_against("HEAD", ["tests"]).changed is False
    earlier = diff_against("HEAD~1")
    assert [d.name for d in earlier.directories] == [
        "tests/placebo/EC2Test.test_start", "tests/placebo/Gone.test_old", "tests/placebo/New.test_new"]


def test_a_directory_only_at_the_revision_is_all_removed(repository):
    shutil.rmtree(str(repository / "tests" / "placebo" / "nested"))
    report = diff_against("HEAD", ["tests/placebo/nested"])
    assert [(d.name, d.status) for d in report.directories] == [
        ("tests/placebo/nested/QueueTest.test_same", Status.REMOVED)]
    with pytest.raises(FileNotFoundError, match="no recordings under it at HEAD"):
        diff_against("HEAD", ["tests/nowhere"])


def test_an_unknown_revision_and_a_path_outside_git_are_clear_errors(repository, tmp_path):
    with pytest.raises(RevisionError) as caught:
        diff_against("no-such-branch", ["tests"])
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, PlaceboError)
    assert "git knows no commit 'no-such-branch'" in str(caught.value) and "HEAD~1" in str(caught.value)
    with pytest.raises(RevisionError, match="not a git revision"):
        diff_against("--output=/tmp/x", ["tests"])
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    with pytest.raises(RevisionError) as caught:
        diff_against("HEAD", [str(outside)])
    assert "is not in a git repository" in str(caught.value)
    assert "placebo-unittest diff OLD NEW" in str(caught.value)
