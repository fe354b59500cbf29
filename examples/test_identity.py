"""IAM: roles with creation dates, a modeled error, and a parameterized test."""
import datetime
import json

from parameterized import parameterized

from placebo_unittest import PlaceboTestCase

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
