"""Pill subclasses written for placebo keep working with ``import placebo_unittest as placebo``.

The three subclasses below are shaped like the ones large placebo users keep
in their own test helpers: one scrubs what it records (save_response), one
keeps recordings in a zip archive (save_response, load_response and both file
rules), one reports unused and doubly used files (playback, stop and
get_next_file_path). They record through moto's server and replay offline.
"""
import datetime as dt
import fnmatch
import json
import os
import re
import zipfile

import pytest

import placebo_unittest as placebo
from placebo_unittest import pill

from conftest import make_session, network_blocked
from recording_helpers import DEAD_ENDPOINT, load_file, read_body, recording_files

pytestmark = pytest.mark.recording

MOTO_ACCOUNT = "123456789012"
SCRUBBED_ACCOUNT = "000011112222"


# -- a scrubbing pill: overrides save_response only -------------------------------
def scrub_serialize(obj):
    """The subclass's own JSON hook, assigned over pill.serialize as wrappers do."""
    if isinstance(obj, dt.datetime):
        return {"__class__": "datetime", "year": obj.year, "month": obj.month, "day": obj.day,
                "hour": obj.hour, "minute": obj.minute, "second": obj.second,
                "microsecond": obj.microsecond}
    return placebo.serializer.serialize(obj)


class ScrubbingPill(pill.Pill):
    skip_services = ("sts-skipped",)

    def save_response(self, service, operation, response_data, http_response=200):
        if service in self.skip_services:
            return
        if "ResponseMetadata" in response_data:
            response_data["ResponseMetadata"] = {}
        text = json.dumps(response_data, default=pill.serialize)
        text = re.sub(r"\b\d{12}\b", SCRUBBED_ACCOUNT, text)
        response_data = json.loads(text, object_hook=pill.deserialize)
        super(ScrubbingPill, self).save_response(service, operation, response_data, http_response)


def all_bytes(directory):
    found = b""
    for name in sorted(os.listdir(str(directory))):
        with open(os.path.join(str(directory), name), "rb") as handle:
            found += handle.read()
    return found


def iam_and_sqs(session, endpoint):
    iam = session.client("iam", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    role = iam.create_role(RoleName="scrubbed", AssumeRolePolicyDocument="{}")
    queue = sqs.create_queue(QueueName="scrubbed")
    return role, queue


def test_a_scrubbing_subclass_scrubs_everything_it_records(tmp_path, moto, monkeypatch):
    monkeypatch.setattr(pill, "serialize", scrub_serialize)  # as wrappers of placebo do
    session = make_session()
    recorder = ScrubbingPill()
    recorder.attach(session, str(tmp_path))
    recorder.record()
    role, queue = iam_and_sqs(session, moto.url)
    recorder.stop()

    # The caller got the real response: the subclass scrubbed a copy.
    assert MOTO_ACCOUNT in role["Role"]["Arn"] and MOTO_ACCOUNT in queue["QueueUrl"]
    assert role["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert recording_files(tmp_path) == ["iam.CreateRole_1.json", "sqs.CreateQueue_1.json"]
    assert MOTO_ACCOUNT.encode() not in all_bytes(tmp_path)
    assert load_file(tmp_path, "iam.CreateRole_1.json")["data"]["ResponseMetadata"] == {}
    assert load_file(tmp_path, "sqs.CreateQueue_1.json")["status_code"] == 200

    replay_session = make_session()
    player = placebo.attach(replay_session, str(tmp_path))
    player.playback()
    with network_blocked():
        replayed_role, replayed_queue = iam_and_sqs(replay_session, DEAD_ENDPOINT)
    assert replayed_role["Role"]["Arn"] == role["Role"]["Arn"].replace(MOTO_ACCOUNT, SCRUBBED_ACCOUNT)
    assert replayed_queue["QueueUrl"] == queue["QueueUrl"].replace(MOTO_ACCOUNT, SCRUBBED_ACCOUNT)
    created = replayed_role["Role"]["CreateDate"]
    assert type(created) is dt.datetime and created.utcoffset() == dt.timedelta(0)
    assert created == role["Role"]["CreateDate"]
    assert player.unused_recordings() == []


def test_a_response_the_subclass_declines_is_not_written(tmp_path, moto):
    session = make_session()
    recorder = ScrubbingPill()
    recorder.skip_services = ("sqs",)
    recorder.attach(session, str(tmp_path))
    recorder.record()
    _role, queue = iam_and_sqs(session, moto.url)
    assert queue["QueueUrl"].endswith("/scrubbed")
    assert recording_files(tmp_path) == ["iam.CreateRole_1.json"]
    assert [os.path.basename(p) for p in recorder.recorded] == ["iam.CreateRole_1.json"]


# -- a pill that keeps recordings in a zip archive ----------------------------------
class ArchivePill(pill.Pill):
    def __init__(self, path, prefix=None, debug=False):
        super(ArchivePill, self).__init__(prefix, debug)
        self.path = path
        self._used = set()
        self.archive = None

    def playback(self):
        self.archive = zipfile.ZipFile(self.path, "r")
        self._files = set(self.archive.namelist())
        return super(ArchivePill, self).playback()

    def record(self):
        self.archive = zipfile.ZipFile(self.path, "a", zipfile.ZIP_DEFLATED)
        self._files = set()
        return super(ArchivePill, self).record()

    def stop(self):
        super(ArchivePill, self).stop()
        if self.archive:
            self.archive.close()

    def _base(self, service, operation):
        base = "{0}.{1}".format(service, operation)
        return "{0}.{1}".format(self.prefix, base) if self.prefix else base

    def save_response(self, service, operation, response_data, http_response=200):
        filepath = self.get_new_file_path(service, operation)
        pill.LOG.debug("save_response: path=%s", filepath)
        document = {"status_code": http_response, "data": response_data}
        self.archive.writestr(filepath, json.dumps(document, indent=4, default=pill.serialize))
        self._files.add(filepath)

    def load_response(self, service, operation):
        response_file = self.get_next_file_path(service, operation)
        self._used.add(response_file)
        document = json.loads(self.archive.read(response_file), object_hook=pill.deserialize)
        return pill.FakeHttpResponse(document["status_code"]), document["data"]

    def get_new_file_path(self, service, operation):
        base = self._base(service, operation)
        index = 0
        for name in fnmatch.filter(self._files, os.path.join(self._data_path, base + "*")):
            match = self.filename_re.match(os.path.basename(name))
            if match:
                index = max(index, int(match.group("index")))
        return os.path.join(self._data_path, "{0}_{1}.json".format(base, index + 1))

    def get_next_file_path(self, service, operation):
        base = self._base(service, operation)
        while True:
            index = self._index.setdefault(base, 1)
            name = os.path.join(self._data_path, base + "_{0}.json".format(index))
            if name in self._files:
                self._index[base] += 1
                return name
            if index != 1:
                self._index[base] = 1
            else:
                raise IOError("response file ({0}) not found".format(name))


def attach_archive(session, archive, test_name):
    archive_pill = ArchivePill(archive, prefix=test_name)
    archive_pill.attach(session, test_name)
    return archive_pill


def s3_and_sqs(session, endpoint):
    s3 = session.client("s3", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    s3.create_bucket(Bucket="zipped")
    s3.put_object(Bucket="zipped", Key="k", Body=b"zip\x00me")
    body = read_body(s3.get_object(Bucket="zipped", Key="k")["Body"])
    sqs.create_queue(QueueName="first")
    first = sqs.list_queues()["QueueUrls"]
    sqs.create_queue(QueueName="second")
    second = sqs.list_queues()["QueueUrls"]
    when = s3.list_buckets()["Buckets"][0]["CreationDate"]
    return body, first, second, when


def test_an_archive_subclass_records_into_and_replays_from_a_zip(tmp_path, moto):
    archive = str(tmp_path / "recordings.zip")
    work = tmp_path / "work"
    work.mkdir()
    os.chdir(str(work))  # the subclass's data_path is a relative name: nothing may land here
    try:
        session = make_session()
        recorder = attach_archive(session, archive, "ZipTest.test_one")
        recorder.record()
        live = s3_and_sqs(session, moto.url)
        recorder.stop()

        with zipfile.ZipFile(archive) as check:
            names = sorted(check.namelist())
        assert names == sorted("ZipTest.test_one/ZipTest.test_one." + n for n in (
            "s3.CreateBucket_1.json", "s3.PutObject_1.json", "s3.GetObject_1.json",
            "s3.ListBuckets_1.json", "sqs.CreateQueue_1.json", "sqs.CreateQueue_2.json",
            "sqs.ListQueues_1.json", "sqs.ListQueues_2.json"))
        assert os.listdir(str(work)) == []

        replay_session = make_session()
        player = attach_archive(replay_session, archive, "ZipTest.test_one")
        player.playback()
        with network_blocked():
            replayed = s3_and_sqs(replay_session, DEAD_ENDPOINT)
        player.stop()
    finally:
        os.chdir(os.path.dirname(os.path.abspath(__file__)))
    assert replayed[0] == live[0] == b"zip\x00me"
    assert replayed[1] == live[1] and len(replayed[1]) == 1
    assert replayed[2] == live[2] and len(replayed[2]) == 2
    assert replayed[3] == live[3] and type(replayed[3]) is dt.datetime
    assert len(player._used) == 8
    assert os.listdir(str(work)) == []


# -- a pill that reports unused and doubly used files -------------------------------
class AuditPill(pill.Pill):
    def playback(self):
        super(AuditPill, self).playback()
        self._avail = self.get_available()

    def get_available(self):
        return {os.path.join(self.data_path, n) for n in fnmatch.filter(os.listdir(self.data_path), "*.json")}

    def get_next_file_path(self, service, operation):
        fn, format = super(AuditPill, self).get_next_file_path(service, operation)
        if fn in self._avail:
            self._avail.remove(fn)
        else:
            print("\ndouble use %s\n" % fn)
        return (fn, format)

    def stop(self):
        result = super(AuditPill, self).stop()
        if self._avail:
            print("Unused json files \n %s" % ("\n".join(sorted(self._avail))))
        return result


def test_an_auditing_subclass_reports_unused_and_doubly_used_files(tmp_path, moto, capsys):
    session = make_session()
    recorder = placebo.attach(session, str(tmp_path))
    recorder.record()
    sqs = session.client("sqs", endpoint_url=moto.url)
    sqs.create_queue(QueueName="audited")
    sqs.list_queues()
    sqs.get_queue_url(QueueName="audited")
    recorder.stop()
    capsys.readouterr()

    replay_session = make_session()
    auditor = AuditPill()
    auditor.attach(replay_session, str(tmp_path))
    auditor.playback()
    client = replay_session.client("sqs", endpoint_url=DEAD_ENDPOINT)
    with network_blocked():
        assert client.list_queues()["QueueUrls"][0].endswith("/audited")
        client.list_queues()  # cycles back to the one recording: a double use
        client.create_queue(QueueName="audited")
    auditor.stop()
    printed = capsys.readouterr().out
    listing = os.path.join(str(tmp_path), "sqs.ListQueues_1.json")
    unused = os.path.join(str(tmp_path), "sqs.GetQueueUrl_1.json")
    assert "double use %s" % listing in printed
    assert printed.rstrip().endswith("Unused json files \n %s" % unused)
    assert auditor.unused_recordings() == [unused]
