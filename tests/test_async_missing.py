"""Without aiobotocore (the ``async`` extra): placebo_unittest imports and
replays sync code as ever, and any async use fails with a clear error naming
the extra. Checked in a Python of its own, in which aiobotocore can't be
imported. (.ci/run also checks it in a virtual environment without it.)"""
import subprocess
import sys
import textwrap

from testcase_helpers import REPO

SCRIPT = textwrap.dedent('''
    import asyncio, io, os, sys, tempfile, unittest
    sys.modules["aiobotocore"] = None  # as if it weren't installed

    import boto3
    import placebo_unittest
    from placebo_unittest import AsyncPlaceboTestCase, AsyncSupportMissingError, PlaceboError, PlaceboTestCase
    from placebo_unittest.session import new_async_session
    from placebo_unittest.utils import placebo_session

    assert "aiobotocore" not in placebo_unittest.__dict__
    base = tempfile.mkdtemp()
    identity = {"UserId": "AIDANOEXTRA", "Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/x"}
    for name in ("Sync.test_it", "Async.test_it"):
        pill = placebo_unittest.attach(boto3.Session(region_name="us-east-1", aws_access_key_id="a",
                                                     aws_secret_access_key="b"), os.path.join(base, name))
        pill.save_response("sts", "GetCallerIdentity", identity)

    class Sync(PlaceboTestCase):
        placebo_dir = base

        def test_it(self):
            assert self.client("sts").get_caller_identity()["UserId"] == "AIDANOEXTRA"

    class Async(AsyncPlaceboTestCase):
        placebo_dir = base

        async def test_it(self):
            pass

    results = {}
    for case in (Sync, Async):
        result = unittest.TestResult()
        unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
        results[case.__name__] = result
    assert results["Sync"].wasSuccessful(), results["Sync"].errors
    [(_test, text)] = results["Async"].errors
    assert "AsyncSupportMissingError" in text, text

    try:
        new_async_session("playback", "us-east-1")
    except AsyncSupportMissingError as error:
        assert isinstance(error, PlaceboError) and isinstance(error, ImportError)
        assert error.package == "aiobotocore"
        assert "pip install 'placebo_unittest[async]'" in str(error), str(error)
    else:
        raise AssertionError("no error")

    try:
        import placebo_unittest.aio
    except AsyncSupportMissingError as error:
        assert "placebo_unittest[async]" in str(error)
    else:
        raise AssertionError("no error")

    @placebo_session
    async def decorated(session):
        pass

    try:
        asyncio.run(decorated())
    except AsyncSupportMissingError:
        pass
    else:
        raise AssertionError("no error")
    print("checked")
''')


def test_without_aiobotocore_sync_works_and_async_says_what_to_install(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=str(tmp_path), capture_output=True, text=True,
                          timeout=120, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO),
                                            "AWS_CONFIG_FILE": str(tmp_path / "none"),
                                            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                                            "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0 and done.stdout.strip() == "checked", done.stdout + done.stderr
