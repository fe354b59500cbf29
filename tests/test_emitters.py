"""Emitters copied on write behave as botocore's copied ones (placebo_unittest.emitters).

A SharedTrie and its copies must each find exactly the handlers botocore's
own tree (copied node by node) would find, whatever is registered,
unregistered and copied in any order. The aliaser's shared cache and the
quick check of handlers change nothing botocore decides.
"""
import copy

import pytest
from botocore.hooks import EventAliaser, HierarchicalEmitter, _PrefixTrie
from hypothesis import given, settings
from hypothesis import strategies as st

from placebo_unittest.emitters import SharedAliaser, SharedTrie, quick_kwargs_check, share_handlers

NAMES = ["before-call", "before-call.ec2", "before-call.ec2.DescribeAddresses", "before-call.*.*",
         "after-call.s3", "after-call.*.GetObject", "needs-retry", "x.y.z.w"]
EVENTS = ["before-call.ec2.DescribeAddresses", "before-call.s3.GetObject", "after-call.s3.GetObject",
          "needs-retry.ec2.DescribeAddresses", "x.y.z.w", "before-call"]

# (what, tree number, name, handler number, section): "add", "remove" or "copy" (into a new tree).
steps = st.lists(st.tuples(st.sampled_from(["add", "add", "remove", "copy"]), st.integers(0, 5),
                           st.sampled_from(NAMES), st.integers(0, 3), st.integers(0, 2)), max_size=40)


@settings(max_examples=300, deadline=None, database=None)
@given(steps=steps)
def test_shared_trees_find_what_botocores_trees_find(steps):
    ours, theirs = [SharedTrie()], [_PrefixTrie()]
    for what, which, name, handler, section in steps:
        index = which % len(ours)
        if what == "copy":
            ours.append(copy.copy(ours[index]))
            theirs.append(copy.copy(theirs[index]))
        elif what == "add":
            ours[index].append_item(name, handler, section)
            theirs[index].append_item(name, handler, section)
        else:
            outcomes = []
            for tree in (ours[index], theirs[index]):
                try:
                    tree.remove_item(name, handler)
                    outcomes.append(None)
                except (ValueError, AttributeError, TypeError) as error:
                    outcomes.append(type(error))
            assert outcomes[0] == outcomes[1]
        for mine, botocores in zip(ours, theirs, strict=True):
            for event in EVENTS:
                assert list(mine.prefix_search(event)) == list(botocores.prefix_search(event)), event


def test_a_copy_costs_no_walk_and_shares_every_node_until_a_change():
    tree = SharedTrie()
    for number in range(50):
        tree.append_item(f"event-{number}.service.Operation", number)
    twin = copy.copy(tree)
    assert twin._root is tree._root
    twin.append_item("event-7.service.Operation", "only the twin's")
    assert twin._root is not tree._root
    # Only the path to the changed node was copied; every other subtree is still shared.
    assert twin._root["children"]["event-8"] is tree._root["children"]["event-8"]
    assert twin._root["children"]["event-7"] is not tree._root["children"]["event-7"]
    assert list(tree.prefix_search("event-7.service.Operation")) == [7]
    assert list(twin.prefix_search("event-7.service.Operation")) == [7, "only the twin's"]


def test_emitters_made_from_a_shared_one_keep_their_handlers_apart():
    prepared = share_handlers(HierarchicalEmitter())
    assert isinstance(prepared._handlers, SharedTrie)
    prepared.register("before-call.ec2", lambda **kwargs: "built in")
    first, second = copy.copy(prepared), copy.copy(prepared)
    first.register("before-call.ec2.RunInstances", lambda **kwargs: "first")
    second.register_first("before-call.ec2", lambda **kwargs: "second")
    assert [r for _h, r in first.emit("before-call.ec2.RunInstances")] == ["first", "built in"]
    assert [r for _h, r in second.emit("before-call.ec2.RunInstances")] == ["second", "built in"]
    assert [r for _h, r in prepared.emit("before-call.ec2.RunInstances")] == ["built in"]
    third = copy.copy(first)
    first.unregister("before-call.ec2.RunInstances", first._handlers.prefix_search("before-call.ec2.RunInstances")[0])
    assert [r for _h, r in first.emit("before-call.ec2.RunInstances")] == ["built in"]
    assert [r for _h, r in third.emit("before-call.ec2.RunInstances")] == ["first", "built in"]


def test_an_emitter_that_already_has_handlers_is_left_as_botocore_made_it():
    emitter = HierarchicalEmitter()
    emitter.register("x", lambda **kwargs: None)
    assert type(share_handlers(emitter)._handlers) is _PrefixTrie


def test_aliasers_share_aliases_and_their_copies_keep_their_settings():
    first = SharedAliaser(HierarchicalEmitter(), defer_http=True)
    assert first._alias_event_name("before-call.autoscaling.Describe") == "before-call.auto-scaling.Describe"
    second = copy.copy(first)
    assert second._alias_name_cache is first._alias_name_cache and second.defer_http is True
    assert second._emitter is not first._emitter
    plain = EventAliaser(HierarchicalEmitter())
    for name in ("before-call.autoscaling.Describe", "after-call.s3.GetObject", "needs-retry.cloudwatch"):
        assert SharedAliaser(HierarchicalEmitter())._alias_event_name(name) == plain._alias_event_name(name)


class CallableHandler:
    def __call__(self, **kwargs):
        return "called"


class StrictHandler:
    def __call__(self, event_name):
        return event_name


def method_handler(self, **kwargs):
    return None


@pytest.mark.parametrize("handler, accepted", [
    (lambda **kwargs: None, True),
    (lambda event_name, **kwargs: None, True),
    (CallableHandler(), True),
    (method_handler.__get__(object()), True),
    (len, False),
    (lambda event_name: None, False),
    (StrictHandler(), False),
], ids=["function", "named and kwargs", "callable object", "method", "builtin", "no kwargs", "strict object"])
def test_the_quick_check_accepts_and_refuses_what_botocore_does(handler, accepted):
    quick, plain = quick_kwargs_check(HierarchicalEmitter()), HierarchicalEmitter()
    outcomes = []
    for emitter in (quick, plain):
        try:
            emitter.register("event", handler)
            outcomes.append(True)
        except ValueError:
            outcomes.append(False)
    assert outcomes == [accepted, accepted]
    assert copy.copy(quick)._verify_accept_kwargs is quick._verify_accept_kwargs  # copies keep it
