"""The test-name rule: ``<ClassName>.<test_method_name>``, made safe and kept unique."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placebo_unittest.testnames import MAX_NAME_BYTES, directory_for_test, safe_name, subtest_label

from testcase_helpers import assert_safe_name


# -- examples -------------------------------------------------------------------------
@pytest.mark.parametrize("name", [
    "ComputeTest.test_running_instances_across_pages",
    "IdentityTest.test_create_role_0_reader",
    "T.test_\u00fcnic\u00f6de_\u2603",
    "T." + "x" * (MAX_NAME_BYTES - 2),
])
def test_safe_names_are_kept_as_they_are(name):
    # Existing recordings (placebo's decorator used exactly this name) keep working.
    assert safe_name(name) == name
    assert directory_for_test(*name.split(".", 1)) == name


@pytest.mark.parametrize("name", [
    "T.test_a/b", "T.test_a\\b", "../../etc", "..", ".", "", " ", "T.test with space",
    "T.test\ttab", "T.test\nnewline", "T.test\x00nul", "T.test\x7f", "T.test\x85", "T.test\x9b",
    "T.test\ud800lone", 'T.<>:"|?*', "con", "CON.txt", "lpt1", "T.trailing.", "T.trailing ",
    "T." + "x" * 300, "T." + "\u00e9" * 300, "T." + "\U0001f600" * 100,
    "T.test\u2028line", "T.a..b",
])
def test_unsafe_names_are_rewritten_safely(name):
    result = safe_name(name)
    assert result != name
    assert_safe_name(result)


def test_long_names_keep_a_readable_prefix_and_stay_unique():
    first = "T.test_" + "x" * 300 + "_first"
    second = "T.test_" + "x" * 300 + "_second"
    a, b = safe_name(first), safe_name(second)
    assert a != b
    assert a.startswith("T.test_xxxx") and b.startswith("T.test_xxxx")
    for multibyte in ("T." + "\u00e9" * 150, "T." + "\U0001f600" * 60):
        out = safe_name(multibyte)
        assert_safe_name(out)
        assert out.startswith("T.\u00e9" if "\u00e9" in multibyte else "T.\U0001f600")


def test_names_that_clean_to_the_same_text_stay_apart():
    names = ["T.a/b", "T.a\\b", "T.a b", "T.a:b", "T.a_b", "T.a?b", "T.a\x00b", "T.a\tb"]
    results = [safe_name(n) for n in names]
    assert len(set(results)) == len(names), results


def test_a_name_that_looks_like_another_names_stand_in_gets_its_own():
    # "T.a_b-<hash of 'T.a/b'>" is safe as it is, but it is also what "T.a/b" becomes.
    stand_in = safe_name("T.a/b")
    assert safe_name(stand_in) != stand_in
    assert_safe_name(safe_name(stand_in))


@pytest.mark.parametrize("name", ["T.test.failed", "T.test.ok.failed",
                                  "T.test.recording-0123456789ab", "T.test.old-0123456789ab"])
def test_names_ending_like_the_folders_beside_a_test_are_rewritten(name):
    # "<test dir>.failed" holds a failed recording attempt and is deleted when
    # the test passes: a subtest called "failed" must not live there.
    result = safe_name(name)
    assert result != name and not result.endswith(name[name.rindex("."):])
    assert_safe_name(result)


def test_subtest_labels():
    assert subtest_label() == "subtest"
    assert subtest_label("msg") == "msg"
    assert subtest_label(None, {"b": 2, "a": "x/y"}) == "a='x/y' b=2"
    assert subtest_label("m", {"n": 1}) == "m n=1"
    # Different parameters give different labels, different values of the same
    # parameter too (repr tells 1 from '1').
    assert subtest_label(None, {"n": 1}) != subtest_label(None, {"n": "1"})


# -- properties -----------------------------------------------------------------------
#: Every code point, lone surrogates and control characters included.
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=260)
#: Few characters, many of them rewritten: distinct names that clean alike.
TRICKY_TEXT = st.text(st.sampled_from('a_./\\ :?*-.\x00\t\u00e9\U0001f600\ud800'), max_size=40)
LONG_PREFIX = "T." + "p" * 230


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(ANY_TEXT, TRICKY_TEXT, TRICKY_TEXT.map(lambda t: LONG_PREFIX + t)))
def test_safe_name_is_always_safe(name):
    result = safe_name(name)
    assert_safe_name(result)
    if result == name:  # kept only when it was safe already
        assert_safe_name(name)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.one_of(ANY_TEXT, TRICKY_TEXT, TRICKY_TEXT.map(lambda t: LONG_PREFIX + t)),
                min_size=2, max_size=8, unique=True))
def test_safe_name_is_injective(names):
    # Include every name's stand-in among the inputs, so a safe name equal to
    # another name's stand-in is tried as well.
    names = list(dict.fromkeys(names + [safe_name(n) for n in names]))
    results = [safe_name(n) for n in names]
    assert len(set(results)) == len(names), list(zip(names, results, strict=True))
