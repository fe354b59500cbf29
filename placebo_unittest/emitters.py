"""Copies of botocore's event emitters that share what neither copy changes.

Every botocore session starts with botocore's built-in handlers (a few
hundred of them), and every client starts with a copy of its session's
handlers. botocore copies an emitter by copying its whole tree of event
names, node by node: twice per test here (the test's session, then its
client), which costs more than anything else a test does with its session.

:class:`SharedTrie` is botocore's tree of handlers, copied on write: a copy
shares every node with the tree it came from, and a tree about to change a
node it shares first copies that node and the nodes above it (a handful: an
event name has at most four parts), never the rest. Each copy still sees
exactly the handlers registered on it, as with botocore's own copy: what one
test's session or client registers never reaches another's.

Each tree marks the nodes it may change with a token of its own; copying a
tree gives both trees new tokens, so from then on neither changes a node in
place that the other can see. Reading (``prefix_search``) is botocore's own.
"""
from __future__ import annotations

import copy
import inspect
from typing import Any

from botocore.hooks import _MIDDLE, EventAliaser, NodeList, _PrefixTrie

__all__ = ["SharedTrie", "SharedAliaser", "share_handlers", "quick_kwargs_check"]

_OWNER = "placebo_unittest.owner"  # the node key holding the token of the tree that may change the node


class SharedTrie(_PrefixTrie):  # type: ignore[misc]  # botocore is untyped
    """botocore's prefix tree of handlers, copied on write (see the module's docstring)."""

    _root: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self._token = object()
        self._root[_OWNER] = self._token

    def __copy__(self) -> SharedTrie:
        twin = self.__class__.__new__(self.__class__)
        twin.__dict__ = dict(self.__dict__)
        twin._token = object()
        self._token = object()  # the nodes are both trees' now: neither changes them in place
        return twin

    def _owned(self, node: dict[str, Any]) -> dict[str, Any]:
        """``node``, or a copy of it this tree may change (its own children
        dict and handler lists, the children themselves still shared)."""
        if node.get(_OWNER) is self._token:
            return node
        mine = dict(node)
        mine["children"] = dict(node["children"])
        if node["values"] is not None:
            mine["values"] = copy.copy(node["values"])  # NodeList copies its three lists
        mine[_OWNER] = self._token
        return mine

    def _own_path(self, parts: list[str]) -> tuple[dict[str, Any], int]:
        """Make the nodes along ``parts``, as far as they exist, this tree's
        own; return the last of them and how many parts it took."""
        node = self._root = self._owned(self._root)
        depth = 0
        for part in parts:
            child = node["children"].get(part)
            if child is None:
                break
            node["children"][part] = node = self._owned(child)
            depth += 1
        return node, depth

    def append_item(self, key: str, value: Any, section: int = _MIDDLE) -> None:
        parts = key.split(".")
        node, depth = self._own_path(parts)
        for part in parts[depth:]:
            child = {"chunk": part, "values": None, "children": {}, _OWNER: self._token}
            node["children"][part] = child
            node = child
        if node["values"] is None:
            node["values"] = NodeList([], [], [])
        node["values"][section].append(value)

    def remove_item(self, key: str, value: Any) -> None:
        self._own_path(key.split("."))
        super().remove_item(key, value)


def share_handlers(emitter: Any) -> Any:
    """``emitter`` (a botocore ``HierarchicalEmitter``, empty) with a
    :class:`SharedTrie` in place of its tree, so that its copies share it."""
    if type(getattr(emitter, "_handlers", None)) is _PrefixTrie and not emitter._handlers._root["children"]:
        emitter._handlers = SharedTrie()
    return emitter


class SharedAliaser(EventAliaser):  # type: ignore[misc]  # botocore is untyped
    """botocore's ``EventAliaser`` whose copies share its cache of aliased
    event names. botocore works each name out again for every new session
    and client; with botocore's own aliases (the only ones this is used
    with) a name always gets the same alias, so one cache serves them all."""

    def __init__(self, event_emitter: Any, event_aliases: Any = None, names: dict[str, str] | None = None,
                 defer_http: bool = False):
        super().__init__(event_emitter, event_aliases)
        self._alias_name_cache = _ALIASED if names is None else names
        #: True for a replaying session's emitters: its clients set up their
        #: HTTP connections only if they send (see :mod:`placebo_unittest.lazyhttp`).
        self.defer_http = defer_http

    def __copy__(self) -> SharedAliaser:
        return self.__class__(copy.copy(self._emitter), copy.copy(self._event_aliases), self._alias_name_cache,
                              self.defer_http)


_ALIASED: dict[str, str] = {}


def quick_kwargs_check(emitter: Any) -> Any:
    """``emitter`` (and so its copies) checking that a handler (a function, a
    method, or an object with a ``__call__`` method) takes ``**kwargs`` from
    its code's flags, where botocore builds its whole signature with
    :mod:`inspect` for every handler registered. What that doesn't show
    (builtins, partials, a handler without ``**kwargs``) is checked botocore's
    way, which also raises botocore's error."""
    original = emitter._verify_accept_kwargs

    def verify_accept_kwargs(func: Any) -> Any:
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        if code is None and not isinstance(func, type):  # an object with a __call__ method
            code = getattr(vars(type(func)).get("__call__"), "__code__", None)
        if code is not None and code.co_flags & inspect.CO_VARKEYWORDS:
            return None
        return original(func)

    emitter._verify_accept_kwargs = verify_accept_kwargs
    return emitter
