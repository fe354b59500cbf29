"""Checking hand-written responses against botocore's models: resolving the
service and operation names (placebo_unittest.models), and the messages of
InvalidResponseError (placebo_unittest.validation)."""
import datetime as dt
import io
from unittest import mock

import pytest
from botocore.model import OperationModel, ServiceModel
from botocore.response import StreamingBody

from placebo_unittest import models
from placebo_unittest.errors import InvalidResponseError, PlaceboError
from placebo_unittest.models import Resolved, file_service, resolve
from placebo_unittest.validation import validate_response

UTC = dt.timezone.utc
METADATA = {"RequestId": "abc", "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}


def resolved(service, operation):
    found = resolve(service, operation)
    assert type(found) is Resolved
    return found


def problems_of(service, operation, data, status_code=200):
    with pytest.raises(InvalidResponseError) as caught:
        validate_response(resolved(service, operation), data, status_code)
    return caught.value


def function(**extra):
    config = {
        "FunctionName": "f",
        "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Runtime": "python3.12",
        "MemorySize": 128,
        "CodeSize": 1024,
        "LastModified": "2024-01-02T03:04:05.000+0000",
    }
    config.update(extra)
    return config


# --- Resolving names ---------------------------------------------------------

def test_a_client_name_and_a_model_operation_name():
    found = resolved("lambda", "ListFunctions")
    assert type(found.service_model) is ServiceModel
    assert type(found.operation_model) is OperationModel
    assert found.service_model.service_name == "lambda"
    assert found.operation_model.name == "ListFunctions"
    assert found.operation == "ListFunctions"
    assert found.service == "lambda"
    assert file_service(found) == "lambda"


def test_a_snake_case_operation_gives_the_model_name():
    found = resolved("lambda", "list_functions")
    assert found.operation == "ListFunctions"
    assert type(found.operation) is str
    assert found.operation_model.name == "ListFunctions"


def test_cloudwatch_by_client_name_and_by_endpoint_prefix():
    by_client = resolved("cloudwatch", "DescribeAlarms")
    by_prefix = resolved("monitoring", "describe_alarms")
    assert by_client.service == "cloudwatch"
    assert by_prefix.service == "cloudwatch"
    assert by_prefix.operation == "DescribeAlarms"
    assert file_service(by_client) == "monitoring"
    assert file_service(by_prefix) == "monitoring"


def test_a_shared_prefix_means_the_service_filed_under_it():
    elb = resolved("elasticloadbalancing", "DescribeLoadBalancers")
    elbv2 = resolved("elbv2", "DescribeLoadBalancers")
    assert elb.service == "elb"
    assert elbv2.service == "elbv2"
    assert file_service(elb) == "elasticloadbalancing"
    assert file_service(elbv2) == "elbv2"
    assert resolved("email", "SendEmail").service == "ses"
    # A client name wins over the services sharing its prefix.
    assert resolved("rds", "DescribeDBClusters").service == "rds"


def test_iot_data_by_client_name_and_by_endpoint_prefix():
    by_client = resolved("iot-data", "GetThingShadow")
    by_prefix = resolved("data-ats.iot", "GetThingShadow")
    assert by_client.service == "iot-data"
    assert by_prefix.service == "iot-data"
    assert file_service(by_client) == "data-ats.iot"


def test_botocores_service_name_alias():
    assert resolved("runtime.sagemaker", "InvokeEndpoint").service == "sagemaker-runtime"


def test_services_that_copy_each_other_resolve_to_the_first_by_name():
    found = resolved("sms-voice.pinpoint", "SendVoiceMessage")
    assert found.service == "pinpoint-sms-voice"
    assert file_service(found) == "sms-voice.pinpoint"


def test_an_unknown_service_gives_none():
    assert resolve("no-such-service", "ListThings") is None
    assert resolve("", "ListThings") is None


def test_a_misspelt_operation_suggests_the_model_name():
    with pytest.raises(InvalidResponseError) as caught:
        resolve("lambda", "ListFunction")
    error = caught.value
    assert isinstance(error, PlaceboError)
    assert isinstance(error, ValueError)
    assert error.service == "lambda"
    assert error.operation == "ListFunction"
    assert type(error.problems) is list
    assert error.problems == ["did you mean ListFunctions, GetFunction or ListVersionsByFunction?"]
    assert str(error) == (
        "lambda has no operation 'ListFunction':\n"
        "  - did you mean ListFunctions, GetFunction or ListVersionsByFunction?"
    )


def test_a_misspelt_method_name_suggests_method_names():
    with pytest.raises(InvalidResponseError) as caught:
        resolve("monitoring", "describe_alarm")
    assert caught.value.service == "cloudwatch"
    assert caught.value.problems[0].startswith("did you mean describe_alarms")


def test_a_wrongly_cased_name_is_suggested_first():
    with pytest.raises(InvalidResponseError) as caught:
        resolve("lambda", "LISTFUNCTIONS")
    assert caught.value.problems == ["did you mean ListFunctions?"]


def test_an_operation_far_from_any_name():
    with pytest.raises(InvalidResponseError) as caught:
        resolve("lambda", "Qqqqqqqq")
    [problem] = caught.value.problems
    assert problem.startswith("no name is close to it; lambda has ")


def test_a_client_name_does_not_read_every_model():
    with mock.patch.object(models, "_services_by_prefix", side_effect=AssertionError):
        assert resolved("s3", "GetObject").service == "s3"


def test_models_are_read_once():
    first = resolved("lambda", "ListFunctions")
    again = resolved("lambda", "list_functions")
    assert again.service_model is first.service_model
    assert again.operation_model is first.operation_model


# --- Valid responses ---------------------------------------------------------

def test_a_valid_response_passes():
    found = resolved("lambda", "ListFunctions")
    assert validate_response(found, {"Functions": [function()], "ResponseMetadata": METADATA}) is None
    assert validate_response(found, {"Functions": [], "NextMarker": "m"}) is None
    assert validate_response(found, {}) is None


def test_datetimes_and_bytes_where_the_model_has_timestamps_and_blobs():
    get_object = resolved("s3", "GetObject")
    validate_response(get_object, {
        "Body": b"hello",
        "LastModified": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        "ContentLength": 5,
        "Metadata": {"owner": "me"},
        "ResponseMetadata": METADATA,
    })
    validate_response(resolved("kms", "Decrypt"), {"Plaintext": b"\x00\xff", "KeyId": "k"})


def test_a_streaming_body_passes_for_a_streaming_blob():
    body = StreamingBody(io.BytesIO(b"hello"), 5)
    validate_response(resolved("s3", "GetObject"), {"Body": body, "ContentLength": 5})
    assert body.read() == b"hello"  # left unread


def test_the_keys_botocore_adds_or_streams_pass():
    validate_response(resolved("s3", "GetObject"), {
        "Expires": dt.datetime(2030, 1, 1, tzinfo=UTC),
        "ExpiresString": "Tue, 01 Jan 2030 00:00:00 GMT",
    })
    validate_response(resolved("s3", "SelectObjectContent"), {"Payload": [{"Records": {"Payload": b"a,b\n"}},
                                                                       {"End": {}}]})
    # Only beside an Expires member.
    assert problems_of("lambda", "ListFunctions", {"ExpiresString": "x"}).problems == [
        "Unknown key 'ExpiresString' in ListFunctions's response; valid keys: Functions, NextMarker"
    ]


def test_an_event_stream_is_checked_as_its_list_of_events():
    select = resolved("s3", "SelectObjectContent")
    with pytest.raises(InvalidResponseError) as caught:
        validate_response(select, {"Payload": object()})
    assert caught.value.problems[0].startswith("Payload: the events must be a list of one-key dicts, not object")
    with pytest.raises(InvalidResponseError) as caught:
        validate_response(select, {"Payload": [{"Record": {"Payload": b""}}], "Unknown": 1})
    first, second = caught.value.problems
    assert first.startswith("Payload: event 0: 'Record' is not an event of SelectObjectContent; did you mean "
                            "'Records'?")
    assert second.startswith("Unknown key 'Unknown'")


def test_an_operation_without_output():
    found = resolved("s3", "DeleteBucket")
    assert found.operation_model.output_shape is None
    validate_response(found, {"ResponseMetadata": METADATA})
    with pytest.raises(InvalidResponseError) as caught:
        validate_response(found, {"Deleted": True, "ResponseMetadata": METADATA})
    assert caught.value.problems == [
        "DeleteBucket returns nothing but ResponseMetadata; unexpected keys: Deleted"
    ]


def test_an_error_response_passes():
    found = resolved("s3", "GetObject")
    error = {"Error": {"Code": "NoSuchKey", "Message": "x"}}
    assert validate_response(found, error, 404) is None
    # Other keys, and a 200 response holding an Error, are taken leniently.
    validate_response(found, dict(error, ResponseMetadata=METADATA, Key="k"), 404)
    validate_response(found, {"Error": {"Code": "InternalError"}}, 200)


# --- Invalid responses -------------------------------------------------------

def test_a_misspelt_key_names_the_valid_keys():
    error = problems_of("lambda", "ListFunctions", {"Functionz": [], "ResponseMetadata": METADATA})
    assert isinstance(error, PlaceboError)
    assert isinstance(error, ValueError)
    assert (error.service, error.operation) == ("lambda", "ListFunctions")
    assert type(error.problems) is list
    assert error.problems == [
        "Unknown key 'Functionz' in ListFunctions's response; valid keys: Functions, NextMarker"
    ]
    assert str(error) == (
        "The response given for lambda ListFunctions doesn't fit botocore's model of it:\n"
        "  - Unknown key 'Functionz' in ListFunctions's response; valid keys: Functions, NextMarker"
    )


def test_a_wrong_type_says_expected_and_got():
    error = problems_of("lambda", "ListFunctions", {"Functions": {}})
    assert error.problems == ["Wrong type at Functions: expected list or tuple, got dict ({})"]


def test_a_nested_wrong_type_gives_its_path():
    error = problems_of("lambda", "list_functions", {
        "Functions": [function(), function(MemorySize="128", Layerz=[])],
    })
    assert error.problems == [
        "Unknown key 'Layerz' in Functions[1]; valid keys: " + ", ".join(sorted(
            resolved("lambda", "ListFunctions").operation_model.output_shape
            .members["Functions"].member.members
        )),
        "Wrong type at Functions[1].MemorySize: expected int, got str ('128')",
    ]


def test_a_timestamp_and_a_blob_of_the_wrong_type():
    error = problems_of("s3", "GetObject", {"LastModified": "yesterday", "Body": 5})
    assert error.problems == [
        "Wrong type at LastModified: expected datetime or timestamp-string, got str ('yesterday')",
        "Wrong type at Body: expected bytes, bytearray or file-like object, got int (5)",
    ]


def test_a_response_that_is_not_a_dict():
    error = problems_of("lambda", "ListFunctions", [{"FunctionName": "f"}])
    assert error.problems == ["the response must be a dict, not list ([{'FunctionName': 'f'}])"]


def test_bad_error_responses():
    assert problems_of("s3", "GetObject", {}, 404).problems == [
        "an error response (HTTP 404) needs an 'Error' dict with 'Code' and 'Message'"
    ]
    assert problems_of("s3", "GetObject", {"Error": "NoSuchKey"}, 404).problems == [
        "Error must be a dict with 'Code' and 'Message', not str ('NoSuchKey')"
    ]
    assert problems_of("s3", "GetObject", {"Error": {"Code": 404, "Message": None}}, 404).problems == [
        "Wrong type at Error.Code: expected str, got int (404)",
        "Wrong type at Error.Message: expected str, got NoneType (None)",
    ]
    assert problems_of("s3", "GetObject", {"Error": {"Message": "x"}}, 500).problems == [
        "Error has no 'Code'"
    ]


def test_required_keys_and_minimum_lengths_are_checked_as_the_stubber_checks_them():
    shape = resolved("iam", "DeleteServiceLinkedRole").operation_model.output_shape
    assert shape.metadata["required"] == ["DeletionTaskId"]
    assert shape.members["DeletionTaskId"].metadata["min"] == 1
    assert problems_of("iam", "DeleteServiceLinkedRole", {}).problems == [
        "Missing required key 'DeletionTaskId' in DeleteServiceLinkedRole's response"
    ]
    assert problems_of("iam", "DeleteServiceLinkedRole", {"DeletionTaskId": ""}).problems == [
        "Too short at DeletionTaskId: length 0, the model's minimum is 1"
    ]


def test_a_map_value_of_the_wrong_type():
    error = problems_of("s3", "GetObject", {"Metadata": {"owner": 1}})
    assert error.problems == ["Wrong type at Metadata.owner: expected str, got int (1)"]


def test_a_union_holds_one_key():
    found = resolved("bedrock-runtime", "Converse")
    shape = found.operation_model.output_shape
    assert shape.members["output"].is_tagged_union
    assert list(shape.members["output"].members) == ["message"]
    response = {"stopReason": "end_turn", "metrics": {"latencyMs": 1},
                "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2}}
    assert problems_of("bedrock-runtime", "Converse", dict(response, output={})).problems == [
        "No key set in output, which must hold one of: message"
    ]
    validate_response(found, dict(response, output={"message": {"role": "assistant", "content": []}}))
