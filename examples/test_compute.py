"""EC2: launching instances and reading them back page by page."""
import inventory

from placebo_unittest import PlaceboTestCase


class ComputeTest(PlaceboTestCase):
    def test_running_instances_across_pages(self):
        ec2 = self.client("ec2")
        images = ec2.describe_images(
            Owners=["amazon"], Filters=[{"Name": "name", "Values": ["ubuntu/images/*trusty*"]}]
        )["Images"]
        image_id = images[0]["ImageId"]
        launched = ec2.run_instances(ImageId=image_id, MinCount=7, MaxCount=7, InstanceType="t3.micro")
        expected = sorted(i["InstanceId"] for i in launched["Instances"])
        self.assertEqual(inventory.running_instance_ids(ec2), expected)

    def test_unknown_instance_is_an_error(self):
        ec2 = self.client("ec2")
        with self.assertRaises(ec2.exceptions.ClientError) as caught:
            ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"])
        self.assertEqual(caught.exception.response["Error"]["Code"], "InvalidInstanceID.NotFound")
