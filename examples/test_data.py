"""DynamoDB through boto3's resource layer, and SQS messages."""
from decimal import Decimal

from placebo_unittest import PlaceboTestCase


class TableTest(PlaceboTestCase):
    def test_items_and_scan_pages(self):
        dynamodb = self.resource("dynamodb")
        table = dynamodb.create_table(
            TableName="orders",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        table.wait_until_exists()
        with table.batch_writer() as batch:
            for number in range(12):
                batch.put_item(Item={"id": f"order-{number:02d}", "total": Decimal(number) / 4})
        self.assertEqual(table.get_item(Key={"id": "order-06"})["Item"]["total"], Decimal("1.5"))
        paginator = self.client("dynamodb").get_paginator("scan")
        pages = list(paginator.paginate(TableName="orders", PaginationConfig={"PageSize": 5}))
        self.assertEqual(sum(page["Count"] for page in pages), 12)
        self.assertGreaterEqual(len(pages), 3)


class QueueTest(PlaceboTestCase):
    def test_send_and_receive(self):
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="resize image 42")
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        self.assertEqual(messages[0]["Body"], "resize image 42")

    def test_missing_queue(self):
        sqs = self.client("sqs")
        with self.assertRaises(sqs.exceptions.QueueDoesNotExist):
            sqs.get_queue_url(QueueName="nothing-here")
