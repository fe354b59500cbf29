"""IAM: roles with creation dates, a modeled error, a parameterized test, and
a changed parameter caught on replay."""
import datetime
import json

from parameterized import parameterized

from placebo_unittest import PlaceboTestCase, RequestMismatchError

TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
})


class IdentityTest(PlaceboTestCase):
    @parameterized.expand([
        ("reader", "/app/"),
        ("writer", "/app/admin/"),
    ])
    def test_create_role(self, name, path):
        iam = self.client("iam")
        role = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST)["Role"]
        self.assertEqual(role["Path"], path)
        self.assertIsInstance(role["CreateDate"], datetime.datetime)
        self.assertIsNotNone(role["CreateDate"].utcoffset())
        fetched = iam.get_role(RoleName=name)["Role"]
        self.assertEqual(fetched["Arn"], role["Arn"])

    def test_missing_role(self):
        iam = self.client("iam")
        with self.assertRaises(iam.exceptions.NoSuchEntityException) as caught:
            iam.get_role(RoleName="nobody")
        self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_a_changed_parameter_is_caught(self):
        """PlaceboTestCase replays with match="verify": each call must pass the
        parameters it was recorded with. Here the code asks for another role
        than the one it recorded, as a typo in the code under test would."""
        iam = self.client("iam")
        iam.create_role(RoleName="auditor", AssumeRolePolicyDocument=TRUST)
        if self.placebo_mode == "record":
            iam.get_role(RoleName="auditor")  # what the recording holds
            return
        with self.assertRaises(RequestMismatchError) as caught:
            iam.get_role(RoleName="auditors")
        self.assertIn("RoleName: recorded 'auditor', called with 'auditors'", str(caught.exception))
