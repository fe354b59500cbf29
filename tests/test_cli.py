"""``placebo-unittest``, the command line over recordings, run for real in a subprocess.

Sample projects are built in tmp_path: recordings made against moto's server
(the tests marked ``recording``), copies of the fixtures placebo and
cloud-custodian wrote, and files written with the project's own serializer.
The subprocess never opens a connection: the tool only reads and writes files.
"""
import base64
import datetime as dt
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from botocore.response import StreamingBody

import placebo_unittest
from placebo_unittest.params import normalize
from placebo_unittest.serializer import dumps, encode

from recording_helpers import DEAD_ENDPOINT, assert_same, read_body
from unit_helpers import fast_session, offline

HERE = os.path.dirname(os.path.abspath(__file__))
LEGACY = os.path.join(HERE, "fixtures", "legacy")
PACKAGE_ROOT = str(Path(placebo_unittest.__file__).resolve().parents[1])
SCRIPT = os.path.join(os.path.dirname(sys.executable), "placebo-unittest")
ACCOUNT = "123456789012"
KEY_ID = "ASIAQWERTYUIOPASDFGH"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
TOKEN = "FwoGZXIvYXdzEJr//////////wEaDLongSessionToken"


@pytest.fixture(autouse=True)
def clean_env(clean_placebo_env):
    """No PLACEBO_* variable leaks into the replays made here."""


def run(tmp_path, *args, cwd=None, module=False, environ=None):
    """Run the tool (the installed script, or ``python -m placebo_unittest.cli``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLACEBO_", "AWS_"))}
    env.update(PYTHONPATH=PACKAGE_ROOT, PYTHONDONTWRITEBYTECODE="1", PYTHONWARNINGS="error",
               AWS_CONFIG_FILE=str(tmp_path / "aws-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "aws-credentials"), **(environ or {}))
    if module or not os.path.exists(SCRIPT):
        command = [sys.executable, "-m", "placebo_unittest.cli", *args]
    else:
        command = [SCRIPT, *args]
    return subprocess.run(command, cwd=str(cwd or tmp_path), env=env, capture_output=True, text=True,
                          timeout=120)


def run_json(tmp_path, *args, **kwargs):
    done = run(tmp_path, *args, "--json", **kwargs)
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def write(directory, name, data, status=200, record_format="json", request=None):
    """Write a recording with the project's own serializer."""
    os.makedirs(str(directory), exist_ok=True)
    recording = encode(data, status)
    recording.request = request
    path = os.path.join(str(directory), name)
    with open(path, "wb") as handle:
        handle.write(dumps(recording, record_format))
    return path


def snapshot(root):
    """Every file under ``root`` and its bytes."""
    files = {}
    for folder, _dirs, names in os.walk(str(root)):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, str(root))] = handle.read()
    return files


def clean_project(root):
    """Two test directories of current-form recordings that pass every check."""
    first = root / "placebo" / "QueueTest.test_send"
    write(first, "sqs.CreateQueue_1.json", {"QueueUrl": f"http://localhost/{ACCOUNT}/jobs"})
    write(first, "sqs.ListQueues_1.json", {"QueueUrls": []})
    write(first, "sqs.ListQueues_2.json", {"QueueUrls": [f"http://localhost/{ACCOUNT}/jobs"]})
    second = root / "placebo" / "IdentityTest.test_who"
    write(second, "sts.GetCallerIdentity_1.json",
          {"Account": ACCOUNT, "UserId": "AIDAEXAMPLE", "Arn": f"arn:aws:iam::{ACCOUNT}:user/me"})
    return first, second


def assume_role_response():
    return {
        "Credentials": {"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET_KEY, "SessionToken": TOKEN,
                        "Expiration": dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)},
        "AssumedRoleUser": {"AssumedRoleId": "AROAEXAMPLE:me",
                            "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/r/me"},
    }


# -- the command itself ----------------------------------------------------------------------

def test_help_names_every_subcommand(tmp_path):
    done = run(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    for name in ("list", "check", "redact", "convert"):
        assert name in done.stdout
    module = run(tmp_path, "check", "--help", module=True)
    assert module.returncode == 0 and "--json" in module.stdout and "stale" in module.stdout


def test_a_file_not_named_like_a_recording_is_a_usage_error(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    done = run(tmp_path, "list", "notes.txt")
    assert done.returncode == 2
    assert "notes.txt is not named like a recording" in done.stderr


def test_an_unknown_redactor_is_a_usage_error(tmp_path):
    clean_project(tmp_path)
    for spec, words in (("nosuchmodule:scrub", "Can't import nosuchmodule"),
                        ("no_such_builtin", "access_key_ids")):
        done = run(tmp_path, "redact", "--redactor", spec)
        assert done.returncode == 2, done.stdout + done.stderr
        assert words in done.stderr


def run_with_terminal_stderr(tmp_path, *args):
    """Run the tool with its standard error on a pseudo-terminal; return (status, stdout, stderr)."""
    import pty
    import threading

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLACEBO_", "AWS_"))}
    env.update(PYTHONPATH=PACKAGE_ROOT, PYTHONDONTWRITEBYTECODE="1", TERM="dumb", COLUMNS="80")
    master, slave = pty.openpty()
    chunks = []

    def drain():
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end was closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        done = subprocess.run([sys.executable, "-m", "placebo_unittest.cli", *args], cwd=str(tmp_path),
                              env=env, stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120)
    finally:
        os.close(slave)
        reader.join(30)
        os.close(master)
    return done.returncode, done.stdout, b"".join(chunks).decode("utf-8", "replace")


def test_a_progress_bar_only_for_many_files_on_a_terminal(tmp_path):
    many = tmp_path / "many"
    for number in range(1, 121):
        write(many, f"sqs.ListQueues_{number}.json", {"QueueUrls": []})
    write(tmp_path / "few", "sqs.ListQueues_1.json", {"QueueUrls": []})

    status, out, err = run_with_terminal_stderr(tmp_path, "check", "many")
    assert status == 0 and "Checked 120 recordings in 1 directory: no problems." in out
    assert "Checking recordings" in err
    status, out, err = run_with_terminal_stderr(tmp_path, "check", "few")
    assert status == 0 and "Checking recordings" not in err
    piped = run(tmp_path, "check", "many")  # standard error is not a terminal
    assert piped.returncode == 0 and piped.stderr == ""


# -- list -----------------------------------------------------------------------------------

def test_list_counts_recordings_calls_sizes_and_forms(tmp_path):
    project = tmp_path / "project"
    clean_project(project)
    shutil.copytree(os.path.join(LEGACY, "placebo"), str(project / "legacy" / "placebo"))
    shutil.copytree(os.path.join(LEGACY, "custodian"), str(project / "legacy" / "custodian"))
    write(project / "placebo" / "KeyTest.test_decrypt", "kms.Decrypt_1.pickle",
          {"Plaintext": b"x"}, record_format="pickle")

    status, listing = run_json(tmp_path, "list", "project")
    assert status == 0
    by_path = {entry["path"]: entry for entry in listing["directories"]}
    assert sorted(by_path) == [
        os.path.join("project", "legacy", "custodian"), os.path.join("project", "legacy", "placebo"),
        os.path.join("project", "placebo", "IdentityTest.test_who"),
        os.path.join("project", "placebo", "KeyTest.test_decrypt"),
        os.path.join("project", "placebo", "QueueTest.test_send"),
    ]
    queue = by_path[os.path.join("project", "placebo", "QueueTest.test_send")]
    assert (queue["recordings"], queue["calls"], queue["services"]) == (3, 3, ["sqs"])
    operations = {op["operation"]: op for op in queue["operations"]}
    assert operations["ListQueues"]["calls"] == 2 and operations["ListQueues"]["numbers"] == [1, 2]
    assert operations["ListQueues"]["forms"] == {"current": 2}
    assert queue["size"] == sum(os.path.getsize(str(project / "placebo" / "QueueTest.test_send" / name))
                                for name in os.listdir(str(project / "placebo" / "QueueTest.test_send")))

    custodian = by_path[os.path.join("project", "legacy", "custodian")]
    assert custodian["recordings"] == 8 and custodian["calls"] == 8
    assert custodian["services"] == ["ec2", "iam", "kms", "monitoring", "s3", "sts"]
    assert {f["form"] for f in custodian["files"]} == {"cloud-custodian"}
    placebo = by_path[os.path.join("project", "legacy", "placebo")]
    assert placebo["recordings"] == 12
    prefixed = [op for op in placebo["operations"] if op["stem"] == "foo.ec2"]
    assert [(op["prefix"], op["service"], op["calls"]) for op in prefixed] == [("foo", "ec2", 1)]
    assert {f["form"] for f in placebo["files"]} == {"placebo"}
    pickled = by_path[os.path.join("project", "placebo", "KeyTest.test_decrypt")]
    assert pickled["files"][0]["format"] == "pickle" and pickled["files"][0]["form"] == "pickle"

    totals = listing["totals"]
    assert totals["directories"] == 5 and totals["recordings"] == 3 + 1 + 8 + 12 + 1
    assert totals["forms"] == {"current": 4, "cloud-custodian": 8, "placebo": 12, "pickle": 1}
    assert totals["formats"] == {"json": 24, "pickle": 1}

    text = run(tmp_path, "list", "project")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert any(line.startswith(os.path.join("project", "placebo", "QueueTest.test_send"))
               and "3 recordings, 3 calls" in line and "services: sqs" in line for line in lines)
    assert any("sqs.ListQueues" in line and "2 calls" in line and "json" in line for line in lines)
    assert any("s3.GetObject" in line and "2 calls" in line and "cloud-custodian form" in line
               for line in lines)
    assert any("kms.Decrypt" in line and "pickle" in line for line in lines)
    assert lines[-1].startswith("5 directories, 25 recordings, 25 calls")


def test_list_of_one_file(tmp_path):
    first, _second = clean_project(tmp_path)
    status, listing = run_json(tmp_path, "list", str(first / "sqs.ListQueues_2.json"))
    assert status == 0
    (entry,) = listing["directories"]
    assert entry["complete"] is False and entry["recordings"] == 1
    assert entry["operations"][0]["numbers"] == [2]


# -- check ----------------------------------------------------------------------------------

def test_check_of_a_clean_project_exits_0(tmp_path):
    clean_project(tmp_path)
    done = run(tmp_path, "check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "Checked 4 recordings in 2 directories: no problems."
    status, report = run_json(tmp_path, "check", "placebo")
    assert status == 0 and report == {"ok": True, "checked": 4, "directories": 2, "problems": []}


def test_check_reports_every_kind_of_problem(tmp_path):
    first, second = clean_project(tmp_path)
    corrupt = first / "sqs.GetQueueUrl_1.json"
    corrupt.write_text('{"status_code": 200, "data": {"QueueUrl": "http://loc')
    write(first, "sqs.ListQueues_4.json", {"QueueUrls": []})  # _3 is missing
    secret = write(second, "sts.AssumeRole_1.json", assume_role_response())
    stale = write(second, "sts.GetSessionToken_1.json",
                  {"Credentials": {"AccessKeyId": "ASIA" + "REDACTED" * 2,
                                   "SecretAccessKey": "REDACTED" * 5, "SessionToken": "REDACTED" * 16,
                                   "Expiration": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)},
                   "FormerlyKnownAs": "a key botocore never had"})
    removed = write(second, "sts.GetCallerIdentityz_1.json", {"Account": ACCOUNT})
    pickled = write(second, "sts.GetCallerIdentity_2.pickle", {"Account": ACCOUNT}, record_format="pickle")

    done = run(tmp_path, "check", "placebo")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()

    def line_for(path, kind):
        found = [line for line in lines if line.startswith(os.path.relpath(str(path), str(tmp_path)))
                 and line.endswith(f"[{kind}]")]
        assert len(found) == 1, (path, kind, lines)
        return found[0]

    assert "stops in the middle of a value" in line_for(corrupt, "corrupt")
    assert "Delete it and record the test again" in line_for(corrupt, "corrupt")
    gap = line_for(first / "sqs.ListQueues_4.json", "gap")
    assert "skips 1 number (_3)" in gap and "sqs.ListQueues_4.json is never replayed" in gap
    secrets = line_for(secret, "secret")
    for where in ("data['Credentials']['SecretAccessKey'] (sensitive_members, credentials",
                  "data['Credentials']['SessionToken'] (credentials"):
        assert where in secrets
    assert "AccessKeyId" not in secrets  # an identifier, not a secret: recording keeps it too
    assert SECRET_KEY not in done.stdout and TOKEN not in done.stdout and KEY_ID not in done.stdout
    further = run(tmp_path, "check", "placebo", "--redactor", "access_key_ids").stdout
    assert "data['Credentials']['AccessKeyId'] (access_key_ids)" in further and KEY_ID not in further
    assert "placebo-unittest redact" in secrets
    assert "Unknown key 'FormerlyKnownAs'" in line_for(stale, "stale")
    assert "Record the test again" in line_for(stale, "stale")
    assert "has no operation GetCallerIdentityz in sts: did you mean GetCallerIdentity" in \
        line_for(removed, "stale")
    assert "placebo-unittest convert" in line_for(pickled, "pickle")
    assert lines[-1] == "Checked 10 recordings in 2 directories: 6 problems in 6 files."

    status, report = run_json(tmp_path, "check", "placebo")
    assert status == 1 and report["ok"] is False and report["checked"] == 10
    kinds = sorted(problem["kind"] for problem in report["problems"])
    assert kinds == ["corrupt", "gap", "pickle", "secret", "stale", "stale"]
    assert all(problem["fix"] or problem["kind"] == "corrupt" for problem in report["problems"])

    skipping = run(tmp_path, "check", "placebo", "--skip", "secret", "--skip", "stale", "--skip", "gap",
                   "--skip", "pickle")
    assert skipping.returncode == 1 and skipping.stdout.count("[corrupt]") == 1
    assert "[secret]" not in skipping.stdout and "[stale]" not in skipping.stdout


def test_check_of_the_legacy_fixtures_finds_their_unredacted_values(tmp_path):
    shutil.copytree(os.path.join(LEGACY, "placebo"), str(tmp_path / "placebo"))
    status, report = run_json(tmp_path, "check", "placebo")
    assert status == 1
    # The elbv2 response filed under elb's endpoint prefix fits elbv2's model: not stale.
    # A Lambda payload is content: kept by recording, so not reported by default.
    assert [(os.path.basename(p["path"]), p["kind"]) for p in report["problems"]] == [
        ("kms.Decrypt_1.json", "secret")]


@pytest.mark.parametrize("how", ["environment", "option"])
def test_check_reports_personal_data_where_personal_data_is_redacted(tmp_path, how):
    shutil.copytree(os.path.join(LEGACY, "placebo"), str(tmp_path / "placebo"))
    if how == "environment":  # as recording is configured: the same variable
        status, report = run_json(tmp_path, "check", "placebo", environ={"PLACEBO_REDACT": "personal_data"})
    else:
        status, report = run_json(tmp_path, "check", "placebo", "--redactor", "personal_data")
    assert status == 1
    assert [(os.path.basename(p["path"]), p["kind"]) for p in report["problems"]] == [
        ("kms.Decrypt_1.json", "secret"), ("lambda.Invoke_1.json", "personal")]
    personal = report["problems"][1]
    assert "personal data" in personal["message"] and "data['Payload']['body'] (personal_data)" in personal["message"]
    skipped = run(tmp_path, "check", "placebo", "--skip", "personal", environ={"PLACEBO_REDACT": "personal_data"})
    assert "[personal]" not in skipped.stdout and "[secret]" in skipped.stdout

    done = run(tmp_path, "redact", "placebo", environ={"PLACEBO_REDACT": "personal_data"})
    assert done.returncode == 0, done.stderr
    invoke = json.loads((tmp_path / "placebo" / "lambda.Invoke_1.json").read_text())
    assert base64.b64decode(invoke["data"]["Payload"]["body"]) == b"REDACTED"
    assert run(tmp_path, "check", "placebo", environ={"PLACEBO_REDACT": "personal_data"}).returncode == 0


def test_a_wrong_placebo_redact_is_a_clear_error(tmp_path):
    os.makedirs(str(tmp_path / "placebo"))
    done = run(tmp_path, "check", "placebo", environ={"PLACEBO_REDACT": "personal"})
    assert done.returncode == 2
    assert "PLACEBO_REDACT" in done.stderr and "'personal_data'" in done.stderr


# -- redact ---------------------------------------------------------------------------------

#: The redactor of access key ids, which check and redact apply only when asked.
KEY_IDS = ("--redactor", "access_key_ids")


def test_redact_dry_run_then_redact_then_again(tmp_path):
    # Access key ids too, which recording keeps unless asked: see KEY_IDS.
    _first, second = clean_project(tmp_path)
    path = write(second, "sts.AssumeRole_1.json", assume_role_response())
    secret_request = normalize({"Name": "db", "SecretString": "hunter2", "SecretBinary": b"\x00\x01"})
    created = write(second, "secretsmanager.CreateSecret_1.json",
                    {"ARN": f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db", "Name": "db"},
                    request=secret_request)
    before = snapshot(tmp_path)

    dry = run(tmp_path, "redact", "--dry-run", "placebo", *KEY_IDS)
    assert dry.returncode == 0, dry.stderr
    assert snapshot(tmp_path) == before
    assert f"would be redacted {os.path.relpath(path, str(tmp_path))}" in dry.stdout
    assert "placebo_unittest.request['SecretString']" in dry.stdout
    assert "2 files would be redacted, 4 unchanged; nothing was written (dry run)." in dry.stdout

    done = run(tmp_path, "redact", "placebo", *KEY_IDS)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "2 files redacted, 4 unchanged."
    assert run(tmp_path, "check", "placebo").returncode == 0
    with open(path) as handle:
        text = handle.read()
    assert SECRET_KEY not in text and TOKEN not in text and KEY_ID not in text
    stored = json.loads(Path(created).read_text())["placebo_unittest"]["request"]
    assert stored["SecretString"] == "REDACTED" and stored["Name"] == "db"
    assert stored["SecretBinary"] == normalize(b"REDACTED")
    after = snapshot(tmp_path)

    again = run(tmp_path, "redact", "placebo", *KEY_IDS)
    assert again.returncode == 0 and again.stdout.strip() == "Nothing to redact: 6 files checked, none changed."
    assert snapshot(tmp_path) == after
    status, report = run_json(tmp_path, "redact", "placebo", *KEY_IDS)
    assert status == 0 and report["counts"] == {"redacted": 0, "unchanged": 6, "skipped": 0, "failed": 0}

    # The redacted file replays, placeholders in place of the secrets, with their types.
    session = fast_session()
    pill = placebo_unittest.attach(session, str(second))
    pill.playback()
    with offline():
        credentials = session.client("sts", endpoint_url=DEAD_ENDPOINT).assume_role(
            RoleArn=f"arn:aws:iam::{ACCOUNT}:role/r", RoleSessionName="me")["Credentials"]
    assert credentials["AccessKeyId"] == "ASIAREDACTEDREDACTED"
    assert credentials["SecretAccessKey"] == "REDACTED" * 5 and credentials["SessionToken"] == "REDACTED" * 16
    assert credentials["Expiration"] == dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)


def test_redact_keeps_the_form_of_legacy_files(tmp_path):
    shutil.copytree(os.path.join(LEGACY, "placebo"), str(tmp_path / "placebo"))
    done = run(tmp_path, "redact", "placebo")
    assert done.returncode == 0, done.stderr
    assert "1 file redacted, 11 unchanged." in done.stdout
    decrypt = json.loads((tmp_path / "placebo" / "kms.Decrypt_1.json").read_text())
    assert "placebo_unittest" not in decrypt and decrypt["data"]["Plaintext"] == "UkVEQUNURUQ="
    status, listing = run_json(tmp_path, "list", "placebo")
    assert status == 0
    assert listing["totals"]["forms"] == {"placebo": 12}
    assert run(tmp_path, "check", "placebo").returncode == 0


def test_redact_with_a_redactor_of_ones_own(tmp_path):
    first, _second = clean_project(tmp_path)
    (tmp_path / "scrubbing.py").write_text(textwrap.dedent('''
        def queue_names(service, operation, data):
            if service == "sqs" and "QueueUrls" in data:
                data = dict(data, QueueUrls=[url.rsplit("/", 1)[0] + "/queue" for url in data["QueueUrls"]])
            return data
    '''))
    done = run(tmp_path, "redact", "--redactor", "scrubbing:queue_names", "--no-default-redactors")
    assert done.returncode == 0, done.stderr
    assert "redacted {}: data['QueueUrls'][0]".format(
        os.path.join("placebo", "QueueTest.test_send", "sqs.ListQueues_2.json")) in done.stdout
    data = json.loads((first / "sqs.ListQueues_2.json").read_text())["data"]
    assert data["QueueUrls"] == [f"http://localhost/{ACCOUNT}/queue"]
    again = run(tmp_path, "redact", "--redactor", "scrubbing:queue_names")
    assert again.returncode == 0 and again.stdout.startswith("Nothing to redact")


def test_redact_skips_pickle_files(tmp_path):
    write(tmp_path / "t", "sts.AssumeRole_1.pickle", assume_role_response(), record_format="pickle")
    before = snapshot(tmp_path)
    status, report = run_json(tmp_path, "redact", "t")
    assert status == 0 and report["counts"]["skipped"] == 1
    assert "convert" in report["files"][0]["detail"]
    assert snapshot(tmp_path) == before


# -- convert --------------------------------------------------------------------------------

def body(data):
    return StreamingBody(io.BytesIO(data), len(data))


KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))


def pickle_project(directory):
    write(directory, "kms.Decrypt_1.pickle",
          {"KeyId": "k", "Plaintext": b"\x00secret\xff", "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
          record_format="pickle")
    write(directory, "s3.GetObject_1.pickle",
          {"Body": body(b"line one\nline two\n"), "ContentLength": 18,
           "LastModified": dt.datetime(2024, 5, 1, 18, 0, tzinfo=KOLKATA), "Metadata": {}},
          record_format="pickle")


def pickle_scenario(session, url):
    kms = session.client("kms", endpoint_url=url)
    s3 = session.client("s3", endpoint_url=url)
    out = {"decrypt": kms.decrypt(CiphertextBlob=b"x"), "get": s3.get_object(Bucket="b", Key="k")}
    read_body(out["get"]["Body"])
    return out


def replay(directory, scenario, **options):
    session = fast_session()
    pill = placebo_unittest.attach(session, str(directory), **options)
    pill.playback()
    with offline():
        result = scenario(session, DEAD_ENDPOINT)
    assert pill.unused_recordings() == []
    return result


def test_convert_pickle_to_json_replays_the_same(tmp_path):
    original, converted = tmp_path / "original", tmp_path / "converted"
    pickle_project(original)
    shutil.copytree(str(original), str(converted))
    dry = run(tmp_path, "convert", "--dry-run", "converted")
    assert dry.returncode == 0 and sorted(os.listdir(str(converted))) == sorted(os.listdir(str(original)))
    assert "2 files would be converted" in dry.stdout

    status, report = run_json(tmp_path, "convert", "converted")
    assert status == 0 and report["counts"]["converted"] == 2
    assert sorted(os.listdir(str(converted))) == ["kms.Decrypt_1.json", "s3.GetObject_1.json"]
    assert all(entry["removed"] and entry["written"].endswith(".json") for entry in report["files"])

    before = replay(original, pickle_scenario, record_format="pickle")
    after = replay(converted, pickle_scenario)
    assert_same(before, after)
    assert after["decrypt"]["Plaintext"] == b"\x00secret\xff"
    assert after["get"]["LastModified"].utcoffset() == dt.timedelta(hours=5, minutes=30)

    again = run(tmp_path, "convert", "converted")
    assert again.returncode == 0 and again.stdout.strip() == \
        "Nothing to convert: 2 files already in the current form."
    status, report = run_json(tmp_path, "check", "converted")  # the pickle hid a secret
    assert [(os.path.basename(p["path"]), p["kind"]) for p in report["problems"]] == [
        ("kms.Decrypt_1.json", "secret")]
    assert "data['Plaintext'] (sensitive_members)" in report["problems"][0]["message"]


def test_convert_can_keep_the_pickle_files(tmp_path):
    pickle_project(tmp_path / "t")
    done = run(tmp_path, "convert", "--keep-old", "t")
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(str(tmp_path / "t"))) == [
        "kms.Decrypt_1.json", "kms.Decrypt_1.pickle", "s3.GetObject_1.json", "s3.GetObject_1.pickle"]
    # Converting again removes each pickle, now that its JSON twin holds the same response.
    again = run(tmp_path, "convert", "t")
    assert again.returncode == 0, again.stdout
    assert sorted(os.listdir(str(tmp_path / "t"))) == ["kms.Decrypt_1.json", "s3.GetObject_1.json"]


def test_convert_refuses_a_pickle_whose_json_twin_differs(tmp_path):
    write(tmp_path / "t", "sqs.ListQueues_1.pickle", {"QueueUrls": ["a"]}, record_format="pickle")
    write(tmp_path / "t", "sqs.ListQueues_1.json", {"QueueUrls": ["b"]})
    before = snapshot(tmp_path)
    done = run(tmp_path, "convert", "t")
    assert done.returncode == 1
    assert "FAILED" in done.stdout and "holds a different response" in done.stdout
    assert snapshot(tmp_path) == before


def legacy_placebo_scenario(session, url):
    def client(name):
        return session.client(name, endpoint_url=url)

    ec2 = client("ec2")
    out = {
        "addresses": [ec2.describe_addresses(), ec2.describe_addresses()],
        "instances": ec2.describe_instances(),
        "balancers": client("elbv2").describe_load_balancers(),
        "user": client("iam").get_user(),
        "decrypt": client("kms").decrypt(CiphertextBlob=b"x"),
        "encrypt": client("kms").encrypt(KeyId="k", Plaintext=b"p"),
        "invoke": client("lambda").invoke(FunctionName="f"),
        "metrics": client("cloudwatch").get_metric_statistics(
            Namespace="AWS/EC2", MetricName="CPUUtilization", StartTime=dt.datetime(2024, 6, 1),
            EndTime=dt.datetime(2024, 6, 2), Period=300, Statistics=["Average"]),
        "objects": [client("s3").get_object(Bucket="b", Key="k") for _ in range(2)],
    }
    read_body(out["invoke"]["Payload"])
    for response in out["objects"]:
        read_body(response["Body"])
    return out


def legacy_custodian_scenario(session, url):
    def client(name):
        return session.client(name, endpoint_url=url)

    out = {
        "instances": client("ec2").describe_instances(),
        "roles": client("iam").list_roles(),
        "encrypt": client("kms").encrypt(KeyId="k", Plaintext=b"p"),
        "metrics": client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="Invocations", StartTime=dt.datetime(2017, 1, 9),
            EndTime=dt.datetime(2017, 1, 10), Period=86400, Statistics=["Sum"]),
        "objects": [client("s3").get_object(Bucket="b", Key="k") for _ in range(2)],
        "callers": [client("sts").get_caller_identity() for _ in range(2)],
    }
    for response in out["objects"]:
        read_body(response["Body"])
    return out


@pytest.mark.parametrize("kind, scenario, unused", [
    ("placebo", legacy_placebo_scenario, ["foo.ec2.DescribeAddresses_1.json"]),
    ("custodian", legacy_custodian_scenario, []),
])
def test_convert_legacy_files_to_the_current_form_replays_the_same(tmp_path, kind, scenario, unused):
    original, converted = tmp_path / "original", tmp_path / "converted"
    shutil.copytree(os.path.join(LEGACY, kind), str(original))
    shutil.copytree(os.path.join(LEGACY, kind), str(converted))
    count = len(os.listdir(str(original)))

    done = run(tmp_path, "convert", "converted")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == f"{count} files converted."
    status, listing = run_json(tmp_path, "list", "converted")
    assert status == 0
    assert listing["totals"]["forms"] == {"current": count}

    def replay_all(directory, **options):
        session = fast_session()
        pill = placebo_unittest.attach(session, str(directory), **options)
        pill.playback()
        with offline():
            result = scenario(session, DEAD_ENDPOINT)
        assert [os.path.basename(p) for p in pill.unused_recordings()] == unused
        return result

    # What PlaceboTestCase replays from the old files, any pill replays from the new ones.
    before = replay_all(original, legacy_types=True)
    assert_same(before, replay_all(converted))
    assert_same(before, replay_all(converted, legacy_types=True))

    again = run(tmp_path, "convert", "converted")
    assert again.returncode == 0 and again.stdout.startswith("Nothing to convert")


def test_convert_without_legacy_types_keeps_placebos_types(tmp_path):
    shutil.copytree(os.path.join(LEGACY, "custodian"), str(tmp_path / "original"))
    shutil.copytree(os.path.join(LEGACY, "custodian"), str(tmp_path / "converted"))
    done = run(tmp_path, "convert", "--no-legacy-types", "converted")
    assert done.returncode == 0, done.stderr
    before = replay(tmp_path / "original", legacy_custodian_scenario)
    assert_same(before, replay(tmp_path / "converted", legacy_custodian_scenario))


# -- recorded against moto ------------------------------------------------------------------

def record(directory, moto_url, scenario, **options):
    from conftest import make_session

    session = make_session()
    pill = placebo_unittest.attach(session, str(directory), **options)
    pill.record()
    live = scenario(session, moto_url)
    pill.stop()
    return live


def queue_and_bucket_scenario(session, url):
    sqs = session.client("sqs", endpoint_url=url)
    s3 = session.client("s3", endpoint_url=url)
    out = {"create": sqs.create_queue(QueueName="jobs")}
    out["lists"] = [sqs.list_queues(), sqs.list_queues()]
    out["send"] = sqs.send_message(QueueUrl=out["create"]["QueueUrl"], MessageBody="hello")
    out["bucket"] = s3.create_bucket(Bucket="reports")
    out["put"] = s3.put_object(Bucket="reports", Key="today.txt", Body=b"all well\n")
    out["get"] = s3.get_object(Bucket="reports", Key="today.txt")
    read_body(out["get"]["Body"])
    return out


def identity_scenario(session, url):
    return {"who": session.client("sts", endpoint_url=url).get_caller_identity()}


@pytest.mark.recording
def test_recorded_project_lists_exactly_and_checks_clean(tmp_path, moto):
    base = tmp_path / "placebo"
    record(base / "AppTest.test_queue_and_bucket", moto.url, queue_and_bucket_scenario)
    record(base / "AppTest.test_identity", moto.url, identity_scenario)

    status, listing = run_json(tmp_path, "list", "placebo")
    assert status == 0
    entries = {os.path.basename(entry["path"]): entry for entry in listing["directories"]}
    app = entries["AppTest.test_queue_and_bucket"]
    assert (app["recordings"], app["calls"], app["services"]) == (7, 7, ["s3", "sqs"])
    assert {(op["stem"], op["operation"]): op["calls"] for op in app["operations"]} == {
        ("s3", "CreateBucket"): 1, ("s3", "GetObject"): 1, ("s3", "PutObject"): 1,
        ("sqs", "CreateQueue"): 1, ("sqs", "ListQueues"): 2, ("sqs", "SendMessage"): 1}
    assert all(f["form"] == "current" and f["has_request"] for f in app["files"])
    assert entries["AppTest.test_identity"]["recordings"] == 1
    assert listing["totals"] == {"directories": 2, "recordings": 8, "calls": 8,
                                 "size": sum(len(v) for v in snapshot(base).values()),
                                 "formats": {"json": 8}, "forms": {"current": 8}}

    done = run(tmp_path, "check", "placebo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "Checked 8 recordings in 2 directories: no problems."


def credentials_scenario(session, url):
    iam = session.client("iam", endpoint_url=url)
    sts = session.client("sts", endpoint_url=url)
    iam.create_user(UserName="deployer")
    out = {"key": iam.create_access_key(UserName="deployer")}
    out["role"] = sts.assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/deployer",
                                  RoleSessionName="deploy")
    return out


@pytest.mark.recording
def test_a_fresh_recording_with_the_default_redactors_passes_check(tmp_path, moto):
    # Recording's defaults and check's agree: what recording leaves, check doesn't flag.
    directory = tmp_path / "placebo" / "DeployTest.test_keys"
    live = record(directory, moto.url, credentials_scenario)
    assert live["role"]["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert sorted(os.listdir(directory)) == ["iam.CreateAccessKey_1.json", "iam.CreateUser_1.json",
                                             "sts.AssumeRole_1.json"]
    status, report = run_json(tmp_path, "check", "placebo")
    assert status == 0 and report["problems"] == [], report
    text = (directory / "sts.AssumeRole_1.json").read_text()
    assert live["role"]["Credentials"]["SecretAccessKey"] not in text
    assert live["role"]["Credentials"]["SessionToken"] not in text


@pytest.mark.recording
def test_recorded_secrets_are_found_then_redacted(tmp_path, moto):
    directory = tmp_path / "placebo" / "DeployTest.test_keys"
    live = record(directory, moto.url, credentials_scenario, redact=False)
    key_id = live["key"]["AccessKey"]["AccessKeyId"]
    assert key_id.startswith("AKIA") and live["role"]["Credentials"]["AccessKeyId"].startswith("ASIA")

    status, report = run_json(tmp_path, "check", "placebo")
    assert status == 1
    flagged = {os.path.basename(p["path"]): p["message"] for p in report["problems"] if p["kind"] == "secret"}
    assert sorted(flagged) == ["iam.CreateAccessKey_1.json", "sts.AssumeRole_1.json"]
    assert "data['AccessKey']['SecretAccessKey']" in flagged["iam.CreateAccessKey_1.json"]
    assert "data['Credentials']['SessionToken']" in flagged["sts.AssumeRole_1.json"]
    assert key_id not in json.dumps(report)

    done = run(tmp_path, "redact", "placebo", *KEY_IDS)
    assert done.returncode == 0, done.stderr
    assert "2 files redacted, 1 unchanged." in done.stdout
    assert run(tmp_path, "check", "placebo").returncode == 0
    assert run(tmp_path, "redact", "placebo", *KEY_IDS).stdout.startswith("Nothing to redact")
    for text in snapshot(directory).values():
        assert key_id.encode() not in text
        assert live["role"]["Credentials"]["SecretAccessKey"].encode() not in text

    replayed = replay(directory, credentials_scenario)
    assert replayed["key"]["AccessKey"]["AccessKeyId"] == "AKIAREDACTEDREDACTED"
    assert replayed["role"]["Credentials"]["SecretAccessKey"] == "REDACTED" * 5


@pytest.mark.recording
def test_recorded_pickle_converts_to_json_that_replays_the_live_responses(tmp_path, moto):
    directory = tmp_path / "placebo" / "AppTest.test_queue_and_bucket"
    live = record(directory, moto.url, queue_and_bucket_scenario, record_format="pickle")
    assert all(name.endswith(".pickle") for name in os.listdir(str(directory)))
    done = run(tmp_path, "check", "placebo")
    assert done.returncode == 1 and done.stdout.count("[pickle]") == 7

    done = run(tmp_path, "convert", "placebo")
    assert done.returncode == 0, done.stdout + done.stderr
    assert all(name.endswith(".json") for name in os.listdir(str(directory)))
    assert run(tmp_path, "check", "placebo").returncode == 0
    assert_same(live, replay(directory, queue_and_bucket_scenario, match="verify"))


@pytest.mark.recording
def test_a_recorded_file_edited_with_a_field_the_model_lacks_is_stale(tmp_path, moto):
    directory = tmp_path / "placebo" / "AppTest.test_identity"
    record(directory, moto.url, identity_scenario)
    path = directory / "sts.GetCallerIdentity_1.json"
    document = json.loads(path.read_text())
    document["data"]["Organization"] = "o-1234"
    path.write_text(json.dumps(document, indent=4))
    done = run(tmp_path, "check", "placebo")
    assert done.returncode == 1
    (line,) = done.stdout.splitlines()[:-1]
    assert line.startswith(os.path.relpath(str(path), str(tmp_path)))
    assert "Unknown key 'Organization'" in line and line.endswith("[stale]")


# -- check: members the model requires ---------------------------------------------------------

def test_check_reports_members_the_model_requires_once_per_file(tmp_path):
    import botocore

    directory = tmp_path / "placebo" / "UserTest.test_list"
    users = write(directory, "iam.ListUsers_1.json", {"Users": [{"UserName": "a"}, {"UserName": "b"}]})
    write(directory, "iam.GetUser_1.json", {"User": {
        "Path": "/", "UserName": "a", "UserId": "AIDAEXAMPLE", "Arn": f"arn:aws:iam::{ACCOUNT}:user/a",
        "CreateDate": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)}})
    done = run(tmp_path, "check", "placebo")
    assert done.returncode == 1, done.stdout + done.stderr
    (line, summary) = done.stdout.splitlines()
    assert line.startswith(os.path.relpath(users, str(tmp_path)) + ": lacks 4 members that botocore "
                           f"{botocore.__version__}'s model of iam ListUsers requires: ")
    for member in ("Users[*].Path (2 places)", "Users[*].UserId (2 places)", "Users[*].Arn (2 places)",
                   "Users[*].CreateDate (2 places)"):
        assert member in line
    assert "Record the test again" in line and "--skip required" in line and line.endswith("[required]")
    assert summary == "Checked 2 recordings in 1 directory: 1 problem in 1 file."

    status, report = run_json(tmp_path, "check", "placebo")
    (problem,) = report["problems"]
    assert status == 1 and problem["kind"] == "required" and problem["path"] == os.path.relpath(users, str(tmp_path))
    status, report = run_json(tmp_path, "check", "placebo", "--skip", "required")
    assert status == 0 and report["problems"] == []
    assert "required" in run(tmp_path, "check", "--help").stdout


def test_a_required_member_missing_at_the_top_is_named_alone_and_beside_stale_keys(tmp_path):
    directory = tmp_path / "placebo"
    path = write(directory, "iam.ListUsers_1.json", {"Formerly": "a key botocore never had"})
    status, report = run_json(tmp_path, "check", "placebo")
    assert status == 1
    assert [p["kind"] for p in report["problems"]] == ["stale", "required"]
    required = report["problems"][1]
    assert required["path"] == os.path.relpath(path, str(tmp_path))
    assert "lacks a member that botocore" in required["message"]
    assert required["message"].endswith("iam ListUsers requires: Users.")


# -- diff ------------------------------------------------------------------------------------

def diff_trees(root):
    """An old and a new tree: one test changed, one the same, one removed, one added."""
    old, new = root / "old", root / "new"
    for side, state, request_id in ((old, "pending", "aaaa"), (new, "running", "bbbb")):
        write(side / "EC2Test.test_start", "ec2.DescribeInstances_1.json",
              {"Reservations": [{"Instances": [{"InstanceId": "i-0123456789abcdef0", "State": {"Name": state}}]}],
               "ResponseMetadata": {"RequestId": request_id, "HTTPStatusCode": 200}},
              request={"InstanceIds": ["i-0123456789abcdef0"], "ClientToken": request_id})
        write(side / "QueueTest.test_same", "sqs.ListQueues_1.json", {"QueueUrls": []})
    write(old / "Gone.test_old", "sts.GetCallerIdentity_1.json", {"Account": ACCOUNT})
    write(new / "New.test_new", "sts.GetCallerIdentity_1.json", {"Account": ACCOUNT})
    return old, new


def test_diff_is_a_subcommand_with_its_own_help(tmp_path):
    assert "diff" in run(tmp_path, "--help").stdout
    done = run(tmp_path, "diff", "--help", module=True)
    assert done.returncode == 0, done.stderr
    for flag in ("--against REV", "--ignore PATTERN", "--no-default-ignores", "--json"):
        assert flag in done.stdout


def test_diff_of_two_trees_prints_the_report_and_exits_1(tmp_path):
    diff_trees(tmp_path)
    done = run(tmp_path, "diff", "old", "new")
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines() == [
        "Comparing old with new",
        "changed  EC2Test.test_start  (1 of 1 call differs)",
        "  changed  ec2.DescribeInstances_1.json",
        "      data.Reservations[0].Instances[0].State.Name: 'pending' -> 'running'",
        "removed  Gone.test_old  (1 call)",
        "added    New.test_new  (1 call)",
        "Drift in 3 of 4 tests (1 changed, 1 added, 1 removed): calls 1 changed, 1 added, 1 removed; "
        "fields 1 changed; 2 volatile values ignored.",
        "Changed most:",
        "  ec2.DescribeInstances data.Reservations[*].Instances[*].State.Name  (1 call)",
    ]
    status, report = run_json(tmp_path, "diff", "old", "new")
    assert status == 1 and report["version"] == 1 and report["changed"] is True
    assert report["totals"]["tests_changed"] == 1 and report["totals"]["ignored"] == 2
    (changed, removed, added) = report["tests"]
    assert (changed["name"], changed["old"], changed["new"]) == \
        ("EC2Test.test_start", os.path.join("old", "EC2Test.test_start"), os.path.join("new", "EC2Test.test_start"))
    assert changed["calls"][0]["changes"] == [{"path": "data.Reservations[0].Instances[0].State.Name",
                                               "change": "changed", "old": "pending", "new": "running"}]
    assert (removed["status"], added["status"]) == ("removed", "added")


def test_diff_ignores_what_it_is_told_to_and_exits_0_when_nothing_else_differs(tmp_path):
    old, new = diff_trees(tmp_path)
    test = "EC2Test.test_start"
    done = run(tmp_path, "diff", str(old / test), str(new / test), "--ignore", "Name")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [f"Comparing {old / test} with {new / test}",
                                        "No drift: 1 test and 1 call the same; 3 volatile values ignored."]
    status, report = run_json(tmp_path, "diff", str(old / test), str(new / test), "--no-default-ignores")
    assert status == 1
    assert [c["path"] for c in report["tests"][0]["calls"][0]["changes"]] == [
        "data.Reservations[0].Instances[0].State.Name", "data.ResponseMetadata.RequestId", "request.ClientToken"]
    assert report["ignore"] == {"entries": [], "datetimes": False, "generated_ids": False}


@pytest.mark.parametrize(("args", "said"), [
    (["old"], "diff takes two directories, OLD and NEW"),
    (["old", "new", "third"], "not 3 paths"),
    (["old", "missing"], "missing is not there"),
    (["old", "old/Gone.test_old/sts.GetCallerIdentity_1.json"], "is not a directory"),
    (["old", "new", "--ignore", "Tags["], "Invalid value for '--ignore'"),
    (["old", "new/EC2Test.test_start"], "can't be paired"),
])
def test_diff_usage_errors_exit_2(tmp_path, args, said):
    diff_trees(tmp_path)
    done = run(tmp_path, "diff", *args)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert done.stdout == ""


def test_diff_of_a_corrupt_recording_names_it_and_exits_2(tmp_path):
    _old, new = diff_trees(tmp_path)
    (new / "QueueTest.test_same" / "sqs.ListQueues_1.json").write_text('{"status_code": 200, "data": {')
    done = run(tmp_path, "diff", "old", "new")
    assert done.returncode == 2, done.stdout
    assert os.path.join("new", "QueueTest.test_same", "sqs.ListQueues_1.json") in done.stderr
    assert "record the test again" in done.stderr


GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=str(cwd), check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})


def test_diff_against_a_git_revision(tmp_path):
    old, new = diff_trees(tmp_path)
    project = tmp_path / "project"
    shutil.copytree(str(old), str(project / "tests" / "placebo"))
    git(project, "init", "-q")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "first recordings")
    commit = git(project, "rev-parse", "HEAD").stdout.strip()
    environ = {**GIT_ENV, "GIT_CEILING_DIRECTORIES": str(tmp_path)}
    done = run(tmp_path, "diff", "--against", "HEAD", cwd=project, environ=environ)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "No drift: 3 tests and 3 calls the same."

    shutil.rmtree(str(project / "tests" / "placebo"))
    shutil.copytree(str(new), str(project / "tests" / "placebo"))
    done = run(tmp_path, "diff", "--against", "HEAD", "tests/placebo", cwd=project, environ=environ)
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Comparing HEAD ({commit[:12]}) with the working tree"
    assert lines[1] == "changed  tests/placebo/EC2Test.test_start  (1 of 1 call differs)"
    assert "removed  tests/placebo/Gone.test_old  (1 call)" in lines
    status, report = run_json(tmp_path, "diff", "--against", commit[:10], cwd=project / "tests", environ=environ)
    assert status == 1 and report["old"] == commit[:10] and report["new"] == "the working tree"
    assert [(t["name"], t["status"], t["old"]) for t in report["tests"]] == [
        ("placebo/EC2Test.test_start", "changed", f"{commit[:10]}:tests/placebo/EC2Test.test_start"),
        ("placebo/Gone.test_old", "removed", f"{commit[:10]}:tests/placebo/Gone.test_old"),
        ("placebo/New.test_new", "added", None)]

    unknown = run(tmp_path, "diff", "--against", "nope", cwd=project, environ=environ)
    assert unknown.returncode == 2 and "git knows no commit 'nope'" in unknown.stderr
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(str(new), str(elsewhere))
    outside = run(tmp_path, "diff", "--against", "HEAD", cwd=elsewhere, environ=environ)
    assert outside.returncode == 2 and "is not in a git repository" in outside.stderr
    assert "placebo-unittest diff OLD NEW" in outside.stderr


# -- sensitive ------------------------------------------------------------------------------

def test_sensitive_lists_each_member_with_its_class(tmp_path):
    done = run(tmp_path, "sensitive", "lambda", "secretsmanager")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith("personal  lambda InvocationResponse.Payload  [content word: payload]")
               for line in lines)
    assert any(line.startswith("secret    lambda EnvironmentResponse.Variables") for line in lines)
    assert any(line.startswith("secret    secretsmanager GetSecretValueResponse.SecretString") for line in lines)
    status, report = run_json(tmp_path, "sensitive", "lambda", "--class", "secret")
    assert status == 0 and report["counts"]["personal"] == 0 and report["counts"]["secret"] > 0
    assert {m["class"] for m in report["members"]} == {"secret"}
    assert {"service", "structure", "member", "shape", "type", "class", "rule", "because"} == \
        set(report["members"][0])


def test_sensitive_names_a_misspelt_service(tmp_path):
    done = run(tmp_path, "sensitive", "lambdaa")
    assert done.returncode == 2
    assert "no service 'lambdaa'" in done.stderr and "Did you mean lambda" in done.stderr


# -- event streams ---------------------------------------------------------------------------

def test_the_tool_reads_recorded_event_streams(tmp_path):
    chunks = [{"chunk": {"bytes": b'{"text": "Once"}'}}, {"chunk": {"bytes": b'{"text": " upon"}'}}]
    directory = tmp_path / "placebo"
    write(directory, "bedrock-runtime.InvokeModelWithResponseStream_1.json",
          {"contentType": "application/json", "body": chunks})
    write(directory, "bedrock-runtime.ConverseStream_1.json", {"stream": [{"messageStart": {"role": "assistant"}},
                                                                         {"contentBlokDelta": {}}]})
    status, listing = run_json(tmp_path, "list", "placebo")
    assert status == 0 and listing["totals"]["calls"] == 2
    status, report = run_json(tmp_path, "check", "placebo")
    assert status == 1
    (stale,) = report["problems"]
    assert stale["kind"] == "stale" and stale["path"].endswith("ConverseStream_1.json")
    assert "'contentBlokDelta' is not an event of ConverseStream; did you mean 'contentBlockDelta'?" in \
        stale["message"]
    status, report = run_json(tmp_path, "check", "placebo", "--skip", "stale",
                              environ={"PLACEBO_REDACT": "personal_data"})
    (personal,) = report["problems"]
    assert personal["kind"] == "personal" and "data['body'][1]['chunk']['bytes']" in personal["message"]
    done = run(tmp_path, "redact", "placebo", environ={"PLACEBO_REDACT": "personal_data"})
    assert done.returncode == 0, done.stderr
    redacted = json.loads((directory / "bedrock-runtime.InvokeModelWithResponseStream_1.json").read_text())
    assert [event["chunk"]["bytes"] for event in redacted["data"]["body"]] == ["UkVEQUNURUQ="] * 2
