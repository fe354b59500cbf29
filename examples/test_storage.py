"""S3: binary bodies, a waiter, an error, and legacy code on the default session."""
import boto3
import inventory

from placebo_unittest import PlaceboTestCase

BUCKET = "example-reports"


class StorageTest(PlaceboTestCase):
    def setUp(self):
        super().setUp()
        self.s3 = self.client("s3")
        self.s3.create_bucket(Bucket=BUCKET)

    def test_binary_object_round_trip(self):
        payload = bytes(range(256)) * 4  # not valid UTF-8
        self.s3.put_object(Bucket=BUCKET, Key="blob.bin", Body=payload)
        response = self.s3.get_object(Bucket=BUCKET, Key="blob.bin")
        self.assertEqual(response["ContentLength"], len(payload))
        self.assertEqual(response["Body"].read(), payload)

    def test_waiter_and_missing_key(self):
        self.s3.get_waiter("bucket_exists").wait(Bucket=BUCKET)
        with self.assertRaises(self.s3.exceptions.NoSuchKey) as caught:
            self.s3.get_object(Bucket=BUCKET, Key="missing.txt")
        self.assertEqual(caught.exception.response["Error"]["Code"], "NoSuchKey")

    def test_legacy_code_uses_the_default_session(self):
        self.assertIs(boto3.DEFAULT_SESSION, self.session)
        report = {"instances": 3, "owner": "ops"}
        inventory.archive_report(BUCKET, "reports/today.json", report)
        self.assertEqual(inventory.load_report(BUCKET, "reports/today.json"), report)
