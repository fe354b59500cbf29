"""Request matching: normalising call parameters, ignore specs, the structural
diff, its message, RequestMismatchError and choosing a recording by parameters.
"""
import datetime as dt
import decimal
import hashlib
import io
import json
import math
import pickle

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from botocore.response import StreamingBody
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from s3transfer.utils import ReadFileChunk

from placebo_unittest.errors import PlaceboError
from placebo_unittest.matching import (
    ABSENT,
    MAX_TEXT,
    TAG,
    Difference,
    IgnoreSpec,
    IgnoreSyntaxError,
    Kind,
    RequestMismatchError,
    Selection,
    compare,
    compile_ignore,
    format_difference,
    format_differences,
    format_path,
    matches,
    normalize,
    same_value,
    select_recording,
)

from unit_helpers import fast_session

PROPERTY = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
UTC = dt.timezone.utc
KOLKATA = dt.timezone(dt.timedelta(hours=5, minutes=30))
_MODELS = botocore.session.get_session()


def sha(data):
    return hashlib.sha256(data).hexdigest()


def bytes_tag(data):
    return {TAG: "bytes", "length": len(data), "sha256": sha(data)}


def input_shape(service, operation):
    return _MODELS.get_service_model(service).operation_model(operation).input_shape


def json_round_trip(tree):
    return json.loads(json.dumps(tree, allow_nan=False))


def assert_same_tree(actual, expected):
    """Equal, and every leaf of the same type (1 is not 1.0 is not True)."""
    assert type(actual) is type(expected), (actual, expected)
    if isinstance(expected, dict):
        assert list(actual) == list(expected)
        for key in expected:
            assert_same_tree(actual[key], expected[key])
    elif isinstance(expected, list):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected, strict=True):
            assert_same_tree(a, e)
    else:
        assert actual == expected


class ReadOnlyStream:
    """A pipe-like body: it can be read once, and can't seek or tell."""

    def __init__(self, data):
        self.data = data
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        data, self.data = self.data, b""
        return data


# -- normalize: plain values --------------------------------------------------

def test_plain_values_are_kept_with_their_types_and_keys_sorted():
    params = {"b": [1, 2.5, True, None, "x"], "a": {"Z": False, "Y": 0}, "c": (1, ("t",))}
    assert_same_tree(normalize(params), {
        "a": {"Y": 0, "Z": False},
        "b": [1, 2.5, True, None, "x"],
        "c": [1, ["t"]],
    })
    assert list(normalize(params)) == ["a", "b", "c"]


def test_subclasses_of_plain_types_become_the_plain_type():
    import enum

    class Color(str, enum.Enum):
        RED = "red"

    class Size(enum.IntEnum):
        BIG = 3

    tree = normalize({"c": Color.RED, "s": Size.BIG, Color.RED: 1})
    assert_same_tree(tree, {"c": "red", "red": 1, "s": 3})


def test_non_str_keys_become_the_strings_json_would_write():
    tree = normalize({2: "a", None: "b", True: "c", 2.5: "d"})
    assert tree == {"2": "a", "null": "b", "true": "c", "2.5": "d"}
    assert normalize(json_round_trip(tree)) == tree


# -- normalize: bodies ---------------------------------------------------------

@pytest.mark.parametrize("make", [bytes, bytearray, memoryview], ids=["bytes", "bytearray", "memoryview"])
def test_bytes_are_stored_as_length_and_sha256_never_content(make):
    data = b"\x00secret\xff" * 10
    tag = normalize({"Body": make(data)})["Body"]
    assert_same_tree(tag, {TAG: "bytes", "length": 80, "sha256": sha(data)})
    assert "secret" not in json.dumps(tag)


def test_empty_bytes():
    assert normalize(b"") == {TAG: "bytes", "length": 0, "sha256": sha(b"")}


def test_a_seekable_body_is_hashed_from_its_position_and_put_back():
    body = io.BytesIO(b"0123456789")
    body.seek(3)
    assert normalize({"Body": body})["Body"] == bytes_tag(b"3456789")
    assert body.tell() == 3
    assert body.read() == b"3456789"


def test_a_file_body_hashes_like_the_same_bytes_and_is_left_where_it_was(tmp_path):
    data = bytes(range(256)) * 600  # bigger than one read chunk
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    with open(path, "rb") as body:
        tag = normalize({"Body": body})["Body"]
        assert body.tell() == 0
        assert body.read() == data
    assert tag == bytes_tag(data) == normalize({"Body": data})["Body"]


def test_a_text_mode_body_is_a_text_tag_of_its_utf8():
    body = io.StringIO("héllo wörld")
    body.seek(1)
    position = body.tell()
    tag = normalize({"Body": body})["Body"]
    assert tag == {TAG: "text", "length": 10, "sha256": sha("éllo wörld".encode())}
    assert body.tell() == position
    assert body.read() == "éllo wörld"


def test_the_upload_still_sends_the_whole_body_after_normalize(tmp_path):
    """A real client builds and "sends" the request after the body was hashed."""
    data = b"payload-" * 1000
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    client = fast_session().client("s3", config=Config(request_checksum_calculation="when_required"))
    sent = []

    class Raw:
        def stream(self, **kwargs):
            return iter([b""])

    def capture(request, **kwargs):
        body = request.body
        sent.append((request.headers["Content-Length"], body.read() if hasattr(body, "read") else body))
        return AWSResponse(request.url, 200, {}, Raw())

    client.meta.events.register("before-send.s3.PutObject", capture)
    with open(path, "rb") as body:
        params = {"Bucket": "b", "Key": "k", "Body": body}
        assert normalize(params)["Body"] == bytes_tag(data)
        client.put_object(**params)
    assert sent == [(str(len(data)), data)]


def test_an_unseekable_stream_is_not_consumed():
    stream = ReadOnlyStream(b"only once")
    assert normalize({"Body": stream}) == {"Body": {TAG: "unseekable_stream"}}
    assert stream.reads == 0
    assert stream.read() == b"only once"


def test_a_streaming_body_is_unseekable_and_still_readable():
    body = StreamingBody(io.BytesIO(b"from get_object"), len(b"from get_object"))
    assert normalize({"Body": body}) == {"Body": {TAG: "unseekable_stream"}}
    assert body.read() == b"from get_object"


def test_a_closed_file_is_an_unseekable_stream():
    body = io.BytesIO(b"x")
    body.close()
    assert normalize(body) == {TAG: "unseekable_stream"}


def test_s3transfer_read_file_chunk_is_hashed_and_put_back(tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(b"abcdefghij")
    with open(path, "rb") as raw:
        raw.seek(4)
        chunk = ReadFileChunk(raw, chunk_size=3, full_file_size=10, enable_callbacks=False)
        assert normalize(chunk) == bytes_tag(b"efg")
        assert chunk.tell() == 0
        assert chunk.read() == b"efg"


def test_an_unseekable_stream_matches_any_body_but_not_a_missing_one():
    recorded = normalize({"Body": ReadOnlyStream(b"a")})
    assert compare(recorded, normalize({"Body": b"anything"})) == []
    assert compare(normalize({"Body": b"anything"}), recorded) == []
    assert compare(recorded, {}) == [
        Difference(("Body",), Kind.MISSING, {TAG: "unseekable_stream"}, ABSENT)]


def test_large_strings_are_stored_as_length_and_sha256():
    small, large = "é" * MAX_TEXT, "é" * (MAX_TEXT + 1)
    assert normalize({"Policy": small}) == {"Policy": small}
    assert normalize({"Policy": large}) == {"Policy": {
        TAG: "text", "length": MAX_TEXT + 1, "sha256": sha(large.encode("utf-8"))}}
    assert normalize("abcd", max_text=3) == {TAG: "text", "length": 4, "sha256": sha(b"abcd")}


def test_surrogate_pairs_are_joined_as_json_would_join_them():
    split = "\ud83d\ude00 and a lone \ud800"
    assert json.loads(json.dumps(split)) != split  # why the joining is needed
    tree = normalize({"k\ud83d\ude00": split})
    assert tree == {"k\U0001f600": "\U0001f600 and a lone \ud800"}
    assert normalize(json_round_trip(tree)) == tree


# -- normalize: other types ------------------------------------------------------

def test_an_aware_datetime_is_tagged_in_utc_so_equal_instants_compare_equal():
    kolkata = dt.datetime(2024, 1, 2, 8, 34, 5, 6, tzinfo=KOLKATA)
    utc = dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert normalize(kolkata) == normalize(utc) == {
        TAG: "datetime", "value": "2024-01-02T03:04:05.000006+00:00"}
    assert compare(normalize({"T": kolkata}), normalize({"T": utc})) == []


def test_a_naive_datetime_stays_naive_and_differs_from_an_aware_one():
    naive = dt.datetime(2024, 1, 2, 3, 4, 5)
    assert normalize(naive) == {TAG: "datetime", "value": "2024-01-02T03:04:05.000000"}
    differences = compare(normalize({"T": naive}), normalize({"T": naive.replace(tzinfo=UTC)}))
    assert [(d.path, d.kind) for d in differences] == [("T", Kind.CHANGED)]


def test_a_datetime_whose_utc_instant_is_out_of_range_keeps_its_offset():
    early = dt.datetime(1, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    tag = normalize(early)
    assert tag == {TAG: "datetime", "value": "0001-01-01T01:00:00.000000+05:00"}
    assert normalize(json_round_trip(tag)) == tag


def test_decimal_is_a_tagged_string_keeping_its_exponent():
    assert normalize(decimal.Decimal("1.50")) == {TAG: "decimal", "value": "1.50"}
    assert not matches(normalize(decimal.Decimal("1.5")), normalize(decimal.Decimal("1.50")))


def test_sets_are_sorted_so_their_order_does_not_matter():
    assert normalize({"b", "a", "c"}) == {TAG: "set", "items": ["a", "b", "c"]}
    assert normalize(frozenset({3, 1})) == {TAG: "set", "items": [1, 3]}
    assert compare(normalize({"S": {"x", "y"}}), normalize({"S": {"y", "x"}})) == []
    assert compare(normalize({"S": {"x", "y"}}), normalize({"S": ["x", "y"]})) != []


def test_non_finite_floats_are_tagged_so_nan_matches_itself():
    tree = normalize([float("nan"), float("inf"), float("-inf"), -0.0])
    assert tree[:3] == [{TAG: "float", "value": v} for v in ("nan", "inf", "-inf")]
    assert tree[3] == 0.0 and math.copysign(1, tree[3]) == -1
    assert compare(tree, normalize([float("nan"), float("inf"), float("-inf"), -0.0])) == []
    json.dumps(tree, allow_nan=False)


def test_other_objects_are_tagged_by_type_and_repr_without_addresses():
    class Thing:
        pass

    tag = normalize(Thing())
    assert tag == {TAG: "object", "type": f"{__name__}.{Thing.__qualname__}",
                   "repr": f"<{__name__}.{Thing.__qualname__} object>"}
    assert normalize(Thing()) == tag  # a new instance, at another address


def test_a_user_dict_holding_the_reserved_key_cannot_pass_for_a_tag():
    fake = {TAG: "bytes", "length": 3}  # not a complete bytes tag
    tree = normalize({"x": fake})
    assert tree == {"x": {TAG: "dict", "items": {TAG: "bytes", "length": 3}}}
    assert normalize(tree) == tree
    changed = normalize({"x": {TAG: "bytes", "length": 4}})
    assert [(d.path, d.expected, d.actual) for d in compare(tree, changed)] == [
        ('x.length', 3, 4)]


def test_a_bool_is_not_equal_to_a_number():
    assert not same_value(True, 1)
    assert not same_value(0, False)
    assert same_value(1, 1.0)
    assert [d.kind for d in compare({"a": True}, {"a": 1})] == [Kind.CHANGED]


# -- normalize with the operation's input shape ---------------------------------

def test_with_a_shape_a_str_blob_hashes_as_its_utf8_bytes():
    shape = input_shape("sqs", "SendMessage")
    as_str = normalize({"MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": "ab"}}}, shape)
    as_bytes = normalize({"MessageAttributes": {"a": {"DataType": "Binary", "BinaryValue": b"ab"}}}, shape)
    assert as_str == as_bytes
    assert as_str["MessageAttributes"]["a"]["BinaryValue"] == bytes_tag(b"ab")
    # Without the shape, a str is a str.
    assert normalize({"MessageAttributes": {"a": {"BinaryValue": "ab"}}}) == {
        "MessageAttributes": {"a": {"BinaryValue": "ab"}}}


def test_with_a_shape_timestamps_compare_as_botocore_sends_them():
    shape = input_shape("s3", "PutObject")
    want = {"Expires": {TAG: "datetime", "value": "2020-01-01T00:00:00.000000+00:00"}}
    for value in (dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 1, 5, 30, tzinfo=KOLKATA),
                  "2020-01-01T00:00:00Z", 1577836800):
        assert normalize({"Expires": value}, shape) == want, value
    assert normalize({"Expires": "not a time"}, shape) == {"Expires": "not a time"}


def test_with_a_shape_lists_and_structures_are_followed():
    shape = input_shape("lambda", "CreateFunction")
    tree = normalize({"Code": {"ZipFile": "PK"}, "Layers": ("a",)}, shape)
    assert tree == {"Code": {"ZipFile": bytes_tag(b"PK")}, "Layers": ["a"]}
    assert normalize(tree, shape) == tree


# -- idempotence -------------------------------------------------------------------

def everything():
    return {
        "Bucket": "b",
        "Body": io.BytesIO(b"body"),
        "Stream": ReadOnlyStream(b"x"),
        "When": dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=KOLKATA),
        "Naive": dt.datetime(2024, 5, 6),
        "Amount": decimal.Decimal("-0.00"),
        "Names": {"b", "a"},
        "Pair": (1, 2),
        "Nan": float("nan"),
        "Big": "x" * (MAX_TEXT + 1),
        "Escaped": {TAG: 1},
        "Filters": [{"Name": "tag:x", "Values": ["a", "b"]}],
    }


def test_normalize_is_idempotent_through_a_json_round_trip():
    tree = normalize(everything())
    assert normalize(tree) == tree
    loaded = json_round_trip(tree)
    assert_same_tree(normalize(loaded), tree)
    assert compare(loaded, normalize(everything())) == []


# Surrogates included, and often, so that pairs JSON would join turn up.
texts = st.text(st.one_of(st.characters(exclude_categories=()), st.sampled_from("\ud83d\ude00\ud800")),
                max_size=8)
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), texts, st.binary(max_size=16),
    st.datetimes(), st.datetimes(timezones=st.builds(
        dt.timezone, st.timedeltas(min_value=dt.timedelta(hours=-23, minutes=-59),
                                   max_value=dt.timedelta(hours=23, minutes=59)))),
    st.decimals(allow_nan=False), st.frozensets(st.one_of(st.integers(), texts), max_size=4),
    st.binary(max_size=16).map(io.BytesIO),
)
keys = st.one_of(texts, st.sampled_from(["Bucket", "Key", TAG, "length", "items"]))
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.lists(children, max_size=3).map(tuple),
        st.dictionaries(keys, children, max_size=4)),
    max_leaves=20)


@PROPERTY
@given(trees)
@example({TAG: "set", "items": [2, 1]})
@example({TAG: "dict", "items": {TAG: "x"}})
@example({"x": {TAG: "bytes", "length": True, "sha256": "s"}})
def test_property_normalize_is_idempotent_and_json_ready(value):
    tree = normalize(value)
    assert normalize(tree) == tree
    assert_same_tree(normalize(json_round_trip(tree)), tree)


@PROPERTY
@given(trees)
def test_property_a_tree_matches_itself_and_its_json_copy(value):
    tree = normalize(value)
    assert compare(tree, tree) == []
    assert compare(tree, json_round_trip(tree)) == []
    assert compare(json_round_trip(tree), tree) == []


@PROPERTY
@given(st.dictionaries(st.text(min_size=1), st.integers(), min_size=1), st.data())
def test_property_one_changed_value_is_one_difference_at_its_path(params, data):
    key = data.draw(st.sampled_from(sorted(params)))
    changed = dict(params, **{key: params[key] + 1})
    differences = compare(normalize(params), normalize(changed))
    assert differences == [Difference((key,), Kind.CHANGED, params[key], params[key] + 1)]
    assert compare(normalize(params), normalize(changed), ignore=[json.dumps([key])[1:-1].join("[]")]) == []


# -- compare -------------------------------------------------------------------------

def test_nested_changes_are_reported_at_their_paths():
    recorded = normalize({"Filters": [{"Name": "tag:x", "Values": ["a", "b"]}], "MaxResults": 5})
    actual = normalize({"Filters": [{"Name": "tag:x", "Values": ["a", "c"]}], "MaxResults": 6})
    assert compare(recorded, actual) == [
        Difference(("Filters", 0, "Values", 1), Kind.CHANGED, "b", "c"),
        Difference(("MaxResults",), Kind.CHANGED, 5, 6),
    ]
    assert [d.path for d in compare(recorded, actual)] == ["Filters[0].Values[1]", "MaxResults"]


def test_missing_and_unexpected_keys():
    differences = compare({"Bucket": "b", "Prefix": "p"}, {"Bucket": "b", "Delimiter": "/"})
    assert differences == [
        Difference(("Delimiter",), Kind.UNEXPECTED, ABSENT, "/"),
        Difference(("Prefix",), Kind.MISSING, "p", ABSENT),
    ]


def test_list_length_changes_are_per_index():
    assert compare({"L": [1, 2, 3]}, {"L": [1]}) == [
        Difference(("L", 1), Kind.MISSING, 2, ABSENT),
        Difference(("L", 2), Kind.MISSING, 3, ABSENT),
    ]
    assert compare({"L": []}, {"L": [{"a": 1}]}) == [
        Difference(("L", 0), Kind.UNEXPECTED, ABSENT, {"a": 1})]


def test_a_changed_type_is_one_difference_holding_both_values():
    assert compare({"a": {"b": 1}}, {"a": [1]}) == [
        Difference(("a",), Kind.CHANGED, {"b": 1}, [1])]
    assert compare(None, {"a": 1}) == [Difference((), Kind.CHANGED, None, {"a": 1})]
    assert compare(None, {"a": 1})[0].path == ""


def test_tags_are_compared_whole():
    differences = compare(normalize({"Body": b"aaa"}), normalize({"Body": b"aab"}))
    assert differences == [Difference(("Body",), Kind.CHANGED, bytes_tag(b"aaa"), bytes_tag(b"aab"))]


# -- ignore specs --------------------------------------------------------------------

def test_a_bare_name_is_ignored_at_any_depth():
    recorded = {"ClientToken": "1", "Spec": {"ClientToken": "2", "Other": 1}, "L": [{"ClientToken": "3"}]}
    actual = {"Spec": {"ClientToken": "x", "Other": 1}, "L": [{"ClientToken": "y"}, {"ClientToken": "z"}]}
    assert [d.path for d in compare(recorded, actual, ["ClientToken"])] == ["L[1]"]
    assert [d.path for d in compare(recorded, actual, "ClientToken")] == ["L[1]"]
    assert len(compare(recorded, actual)) == 4


def test_a_path_is_ignored_exactly_there():
    recorded = {"Filters": [{"Name": "a", "Values": ["1"]}, {"Name": "b", "Values": ["2"]}]}
    actual = {"Filters": [{"Name": "a", "Values": ["9"]}, {"Name": "b", "Values": ["8"]}]}
    assert [d.path for d in compare(recorded, actual, ["Filters[0].Values"])] == ["Filters[1].Values[0]"]
    assert compare(recorded, actual, ["Filters[*].Values"]) == []
    assert compare(recorded, actual, ["Filters[*].Values[0]"]) == []
    assert len(compare(recorded, actual, ["Filters[*].Name"])) == 2


def test_wildcard_key_and_dotted_paths():
    recorded = {"a": {"b": 1, "c": {"Token": 1}}, "d": {"Token": 1}, "Token": 1}
    actual = {"a": {"b": 2, "c": {"Token": 2}}, "d": {"Token": 2}, "Token": 2}
    assert [d.path for d in compare(recorded, actual, ["a.b"])] == ["Token", "a.c.Token", "d.Token"]
    assert [d.path for d in compare(recorded, actual, ["*.Token"])] == ["Token", "a.b", "a.c.Token"]
    assert [d.path for d in compare(recorded, actual, ["*"])] == []


def test_tags_wildcards_ignore_any_list_element():
    recorded = {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
    actual = {"Tags": [{"Key": "a", "Value": "x"}, {"Key": "b", "Value": "y"}, {"Key": "c", "Value": "z"}]}
    assert [d.path for d in compare(recorded, actual, ["Tags[*].Value"])] == ["Tags[2]"]
    assert compare(recorded, actual, ["Tags[*]"]) == []


def test_ignoring_covers_absence_on_either_side():
    assert compare({"ClientToken": "a"}, {}, ["ClientToken"]) == []
    assert compare({}, {"ClientToken": "a"}, ["ClientToken"]) == []
    assert compare({"a": {"b": 1}}, {"a": {}}, ["a.b"]) == []


def test_quoted_keys_and_top_level_only_paths():
    recorded = {"Attributes": {"a.b": 1, "c": 1}, "ClientToken": 1, "X": {"ClientToken": 1}}
    actual = {"Attributes": {"a.b": 2, "c": 1}, "ClientToken": 2, "X": {"ClientToken": 2}}
    assert [d.path for d in compare(recorded, actual, ['Attributes["a.b"]', '["ClientToken"]'])] == [
        "X.ClientToken"]


def test_the_paths_in_differences_can_be_copied_into_an_ignore_spec():
    recorded = {"A": {"x.y": [1, {"*": 2, "é": 3}]}, "b-c": {"": 4}}
    actual = {"A": {"x.y": [1, {"*": 5, "é": 6}]}, "b-c": {"": 7}}
    paths = [d.path for d in compare(recorded, actual)]
    assert paths == ['A["x.y"][1]["*"]', 'A["x.y"][1]["é"]', 'b-c[""]']
    for path in paths:
        assert len(compare(recorded, actual, [path])) == 2


def test_format_path():
    assert format_path(("Filters", 0, "Values", 12)) == "Filters[0].Values[12]"
    assert format_path(("a b", "c")) == '["a b"].c'
    assert format_path(()) == ""


def test_compile_ignore_once_and_reuse():
    spec = compile_ignore(["ClientToken", "Tags[*].Value", '["Top"]', "  a.b  "])
    assert isinstance(spec, IgnoreSpec)
    assert compile_ignore(spec) is spec
    assert spec.names == frozenset({"ClientToken"})
    assert spec.ignores(("x", 3, "ClientToken"))
    assert spec.ignores(("Tags", 7, "Value"))
    assert not spec.ignores(("Tags", 7, "Key"))
    assert not spec.ignores(("Tags", "7", "Value"))
    assert spec.ignores(("Top",)) and not spec.ignores(("x", "Top"))
    assert spec.ignores(("a", "b"))
    assert not compile_ignore(None) and not compile_ignore([]) and spec


@pytest.mark.parametrize("entry", [
    "", "   ", ".a", "a..b", "a.[0]", "a[x]", "a[0", 'a["b]', "a]", 'a"b"', "a[-1]", '["\\q"]', "a b.",
])
def test_bad_ignore_entries_are_refused_clearly(entry):
    with pytest.raises(IgnoreSyntaxError) as caught:
        compile_ignore([entry])
    assert isinstance(caught.value, PlaceboError) and isinstance(caught.value, ValueError)
    assert repr(entry.strip()) in str(caught.value)
    assert "Filters[0].Values" in str(caught.value)


def test_a_non_str_entry_is_refused():
    with pytest.raises(IgnoreSyntaxError):
        compile_ignore([3])


# -- messages --------------------------------------------------------------------------

def test_format_differences_shows_recorded_and_called_values_side_by_side():
    differences = compare(
        normalize({"Bucket": "logs-1", "Prefix": "p", "Filters": [{"Values": ["a"]}]}),
        normalize({"Bucket": "logs-2", "Delimiter": "/", "Filters": [{"Values": ["b"]}]}))
    assert format_differences(differences) == "\n".join([
        "  Bucket: recorded 'logs-1', called with 'logs-2'",
        "  Delimiter: not in the recording, called with '/'",
        "  Filters[0].Values[0]: recorded 'a', called with 'b'",
        "  Prefix: recorded 'p', not in the call",
    ])


def test_format_differences_orders_by_path_whatever_the_input_order():
    differences = compare({"b": 1, "a": [1, 2], "c": 3}, {"b": 2, "a": [1, 3], "c": 4})
    assert format_differences(reversed(differences)) == format_differences(differences)
    assert [line.split(":")[0].strip() for line in format_differences(differences).splitlines()] == [
        "a[1]", "b", "c"]


def test_tags_are_shown_readably():
    differences = compare(
        normalize({"Body": b"aaa", "T": dt.datetime(2020, 1, 1, tzinfo=UTC), "D": decimal.Decimal("1.5"),
                   "S": {"a"}, "N": float("nan")}),
        normalize({"Body": ReadOnlyStream(b""), "T": dt.datetime(2020, 1, 2), "D": decimal.Decimal("2"),
                   "S": {"b", "c"}, "N": 1.0}))
    text = format_differences(differences)
    assert "D: recorded Decimal('1.5'), called with Decimal('2')" in text
    assert "N: recorded float('nan'), called with 1.0" in text
    assert "S: recorded {'a'}, called with {'b', 'c'}" in text
    assert text.endswith("\n".join([  # too long for one line: a block
        "  T:",
        "    recorded:    <datetime 2020-01-01T00:00:00.000000+00:00>",
        "    called with: <datetime 2020-01-02T00:00:00.000000>"]))
    assert "Body" not in text  # an unseekable body matches anything
    line = format_difference(compare(normalize({"B": b"aaa"}), normalize({"B": "x"}))[0])
    assert line == "  B: recorded <3 bytes, sha256 {}...>, called with 'x'".format(sha(b"aaa")[:16])


def test_long_values_are_shortened_and_put_in_a_block():
    long_list = list(range(100))
    line = format_difference(Difference(("L",), Kind.CHANGED, long_list, "x"))
    assert line == "  L: recorded [0, 1, 2, 3, 4, 5, ...], called with 'x'"
    text = format_difference(Difference(("Doc",), Kind.CHANGED, "a" * 500, "b" * 500))
    lines = text.splitlines()
    assert lines[0] == "  Doc:"
    assert lines[1].startswith("    recorded:    'aaa") and "..." in lines[1] and len(lines[1]) < 100
    assert lines[2].startswith("    called with: 'bbb") and len(lines[2]) < 100


def test_strings_that_shorten_alike_are_shown_where_they_differ():
    recorded, actual = "a" * 200 + "X" + "b" * 200, "a" * 200 + "Y" + "b" * 200
    lines = format_difference(Difference(("Policy",), Kind.CHANGED, recorded, actual)).splitlines()
    assert lines[0] == "  Policy: (they first differ at character 200)"
    assert lines[1] == "    recorded:    ...'{}X{}'...".format("a" * 20, "b" * 29)
    assert lines[2] == "    called with: ...'{}Y{}'...".format("a" * 20, "b" * 29)


def test_format_differences_stops_at_its_limit():
    differences = compare({f"k{i:02}": i for i in range(30)},
                          {f"k{i:02}": -i - 1 for i in range(30)})
    lines = format_differences(differences, limit=5).splitlines()
    assert len(lines) == 6
    assert lines[0] == "  k00: recorded 0, called with -1"
    assert lines[-1] == "  ... and 25 more"


def test_the_whole_parameters_differing_have_a_name():
    line = format_difference(Difference((), Kind.CHANGED, None, {"a": 1}))
    assert line == "  (the parameters): recorded None, called with {'a': 1}"


# -- RequestMismatchError ----------------------------------------------------------------

def verify_error(**overrides):
    differences = compare(normalize({"Bucket": "logs-1", "ClientToken": "a"}),
                          normalize({"Bucket": "logs-2", "ClientToken": "b"}))
    arguments = dict(service="s3", operation="ListObjectsV2", call_number=2, differences=differences,
                     path="tests/placebo/T.test_x/s3.ListObjectsV2_2.json", test="T.test_x")
    arguments.update(overrides)
    return RequestMismatchError(**arguments)


def test_the_mismatch_error_names_everything_and_how_to_fix_it():
    error = verify_error()
    assert isinstance(error, PlaceboError) and isinstance(error, AssertionError)
    assert str(error) == "\n".join([
        "T.test_x: s3.ListObjectsV2 call 2 does not match the recording it replays, "
        "tests/placebo/T.test_x/s3.ListObjectsV2_2.json:",
        "  Bucket: recorded 'logs-1', called with 'logs-2'",
        "  ClientToken: recorded 'a', called with 'b'",
        "To fix it, record the test again if the call changed on purpose, or leave a parameter that "
        "changes from run to run out of the comparison with ignore_params=['Bucket', 'ClientToken'] "
        "(placebo_ignore_params on a PlaceboTestCase).",
    ])
    assert (error.service, error.operation, error.call_number, error.recording_number) == (
        "s3", "ListObjectsV2", 2, 2)
    assert error.test == "T.test_x" and error.path.endswith("s3.ListObjectsV2_2.json")
    assert [d.path for d in error.differences] == ["Bucket", "ClientToken"]


def test_the_mismatch_error_without_a_test_or_path_and_when_wrapped_around():
    error = verify_error(test=None, path="", call_number=5, recording_number=1)
    assert str(error).startswith(
        "s3.ListObjectsV2 call 5 does not match the recording it replays, recording 1:\n")
    error = verify_error(call_number=5, recording_number=1, path="d/s3.ListObjectsV2_1.json")
    assert "call 5 does not match the recording it replays, d/s3.ListObjectsV2_1.json (recording 1):" \
        in str(error)


def test_the_params_mode_error_names_the_closest_recording():
    error = verify_error(mode="params", call_number=4, recording_number=3, path="d/s3.ListObjectsV2_3.json")
    assert str(error).splitlines()[0] == (
        "T.test_x: no unused recording of s3.ListObjectsV2 matches call 4; the closest, "
        "d/s3.ListObjectsV2_3.json (recording 3), differs:")
    empty = verify_error(mode="params", differences=(), path="")
    assert str(empty).splitlines()[0] == "T.test_x: no unused recording of s3.ListObjectsV2 matches call 2."


def test_the_mismatch_error_survives_pickling():
    error = verify_error()
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RequestMismatchError
    assert str(copy) == str(error)
    assert copy.differences == error.differences
    assert copy.differences[0].expected == "logs-1"
    kinds = pickle.loads(pickle.dumps(Difference(("a",), Kind.MISSING, 1, ABSENT)))
    assert kinds.actual is ABSENT and kinds.kind is Kind.MISSING


# -- choosing a recording by its parameters --------------------------------------------

def ranged(start):
    return normalize({"Bucket": "b", "Key": "k", "Range": f"bytes={start}-{start + 99}"})


def test_reordered_calls_get_their_own_recordings():
    candidates = [(1, ranged(0)), (2, ranged(100)), (3, ranged(200))]
    used = set()
    served = []
    for start in (200, 0, 100):
        selection = select_recording(candidates, ranged(start), used)
        assert selection == Selection(selection.number)
        used.add(selection.number)
        served.append(selection.number)
    assert served == [3, 1, 2]


def test_identical_recordings_are_served_in_order_and_used_ones_skipped():
    candidates = [(1, ranged(0)), (2, ranged(100)), (3, ranged(0))]
    assert select_recording(candidates, ranged(0)) == Selection(1)
    assert select_recording(candidates, ranged(0), used={1}) == Selection(3)
    assert select_recording(candidates, ranged(0), used={1, 3}) == Selection(
        None, 2, (Difference(("Range",), Kind.CHANGED, "bytes=100-199", "bytes=0-99"),))


def test_legacy_recordings_without_params_are_served_in_order():
    candidates = [(1, None), (2, ranged(100)), (3, None)]
    assert select_recording(candidates, ranged(999)) == Selection(1)
    assert select_recording(candidates, ranged(100), used={1}) == Selection(2)
    assert select_recording(candidates, ranged(999), used={1}) == Selection(3)


def test_when_nothing_matches_the_closest_unused_one_is_reported():
    candidates = [
        (1, normalize({"a": 1, "b": 1, "c": 1})),
        (2, normalize({"a": 9, "b": 9, "c": 1})),
        (3, normalize({"a": 9, "b": 1, "c": 1})),
        (4, normalize({"a": 9, "b": 1, "c": 1})),
    ]
    call = normalize({"a": 2, "b": 1, "c": 1})
    selection = select_recording(candidates, call)
    assert selection.number is None
    assert selection.closest == 1
    assert selection.differences == (Difference(("a",), Kind.CHANGED, 1, 2),)
    assert select_recording(candidates, call, used={1}).closest == 3  # a tie goes to the earlier one


def test_when_every_recording_is_used_there_is_no_closest():
    assert select_recording([(1, ranged(0))], ranged(0), used={1}) == Selection(None, None, ())
    assert select_recording([], ranged(0)) == Selection(None)


def test_selection_applies_the_ignore_spec():
    candidates = [(1, normalize({"Key": "a", "ClientToken": "t1"})),
                  (2, normalize({"Key": "b", "ClientToken": "t2"}))]
    call = normalize({"Key": "b", "ClientToken": "t9"})
    assert select_recording(candidates, call).number is None
    assert select_recording(candidates, call, ignore=["ClientToken"]) == Selection(2)
    assert select_recording(candidates, call, ignore=compile_ignore("ClientToken")) == Selection(2)
