"""``placebo_session``: the environment-driven decorator of placebo, kept compatible.

On a test method (or any function) it injects ``session=``; on a TestCase
class it gives every test ``self.session`` and ``self.pill``. The mode comes
from ``PLACEBO_MODE`` (``record``, ``playback``, ``once``, ``live``, ``record-missing``; default
playback), recordings live in ``<PLACEBO_DIR or ./placebo>/<Class>.<function>``
(``<function>`` alone for a plain function), and like placebo's decorator it
adds to existing recordings when recording and cycles through them on replay.

Used with arguments, ``@placebo_session(match="verify", ignore_params=[...])``,
it passes them to the test's :class:`~placebo_unittest.Pill`: ``match``,
``ignore_params``, ``redact``, ``anonymize_accounts``, ``validate`` and
``legacy_types``, and ``foreign_clients`` to the test's seal.

On an ``async def`` function (or a ``unittest.IsolatedAsyncioTestCase``
class) the session is an aiobotocore ``AioSession`` instead, which needs
aiobotocore (``pip install 'placebo_unittest[async]'``).
"""
from __future__ import annotations

import functools
import inspect
import os
import unittest
from collections.abc import Callable
from typing import Any, TypeVar

from .config import OnExhausted, OnUnused, read_env
from .context import PlaceboContext
from .testnames import directory_for_test, safe_name

__all__ = ["placebo_session"]

T = TypeVar("T", bound=Callable[..., Any] | type)


def _base_dir() -> str:
    return read_env().directory or os.path.join(os.getcwd(), "placebo")


_OPTIONS = ("match", "ignore_params", "redact", "anonymize_accounts", "validate", "legacy_types",
            "foreign_clients")


def _context(name: str, options: dict[str, Any], asynchronous: bool = False) -> PlaceboContext:
    return PlaceboContext(
        os.path.join(_base_dir(), name),
        clean_record=False,
        on_exhausted=OnExhausted.CYCLE,
        on_unused=OnUnused.IGNORE,
        label=name,
        asynchronous=asynchronous,
        **options,
    )


def _is_method(function: Callable[..., Any]) -> bool:
    parts = function.__qualname__.split(".")
    return len(parts) > 1 and parts[-2] != "<locals>"


def placebo_session(target: T | None = None, **options: Any) -> Any:
    """Record or replay the boto3 calls of a test, as placebo's decorator does.

    Use it bare (``@placebo_session``) or with the pill's options
    (``@placebo_session(match="verify")``)."""
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise TypeError("placebo_session() got unexpected option(s) {}; it takes {}".format(
            ", ".join(unknown), ", ".join(_OPTIONS)))
    if target is None:
        PlaceboContext(os.devnull, "playback", **options)  # a wrong value fails now, not in a test
        return lambda decorated: placebo_session(decorated, **options)
    if isinstance(target, type):
        return _decorate_class(target, options)
    function: Callable[..., Any] = target

    def name_for(args: tuple[Any, ...]) -> str:
        if _is_method(function) and args:
            return directory_for_test(type(args[0]).__name__, function.__name__)
        return safe_name(function.__name__)

    wrapper: Any
    if inspect.iscoroutinefunction(function):
        @functools.wraps(function)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            context = _context(name_for(args), options, asynchronous=True)
            kwargs["session"] = context.start()
            passed = False
            try:
                result = await function(*args, **kwargs)
                passed = True
                return result
            finally:
                context.finish(passed)

        wrapper = async_wrapper
    else:
        @functools.wraps(function)
        def sync_wrapper(*args: Any, **kwargs: Any) -> Any:
            context = _context(name_for(args), options)
            kwargs["session"] = context.start()
            passed = False
            try:
                result = function(*args, **kwargs)
                passed = True
                return result
            finally:
                context.finish(passed)

        wrapper = sync_wrapper

    # The wrapper supplies ``session`` itself: hide it from signature-reading
    # test runners (pytest would otherwise look for a "session" fixture).
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        signature = None
    if signature is not None and "session" in signature.parameters:
        wrapper.__signature__ = signature.replace(
            parameters=[p for p in signature.parameters.values() if p.name != "session"])
    return wrapper


def _finish(test: unittest.TestCase, context: Any) -> None:
    """Finish a decorated class's test with its outcome, as unittest knows it
    when the test's cleanups run: a failed test's attempt is kept aside, and
    a skipped one's discarded, as for PlaceboTestCase."""
    outcome = getattr(test, "_outcome", None)
    result = getattr(outcome, "result", None)

    def listed(kind: str) -> bool:
        return any(case is test for case, _detail in getattr(result, kind, None) or ())

    def noted(kind: str) -> bool:
        # Python 3.10 keeps a test's parts on the outcome until the test ends.
        return any(case is test and detail is not None
                   for case, detail in getattr(outcome, kind, None) or ())

    skipped = listed("skipped") or noted("skipped")
    failed = (listed("failures") or listed("errors") or noted("errors")
              or not getattr(outcome, "success", True))
    context.finish(not failed and not skipped, skipped=skipped)


def _decorate_class(cls: type, options: dict[str, Any]) -> type:
    if not (isinstance(cls, type) and issubclass(cls, unittest.TestCase)):
        raise TypeError("placebo_session decorates functions and unittest.TestCase "
                        f"classes, not {cls!r}")
    original_setup = cls.setUp
    asynchronous = issubclass(cls, unittest.IsolatedAsyncioTestCase)

    @functools.wraps(original_setup)
    def setUp(self: unittest.TestCase) -> None:
        context = _context(directory_for_test(type(self).__name__, self._testMethodName), options,
                           asynchronous)
        self.session = context.start()  # type: ignore[attr-defined]
        self.pill = context.pill  # type: ignore[attr-defined]
        self.addCleanup(_finish, self, context)
        original_setup(self)

    cls.setUp = setUp  # type: ignore[method-assign]
    return cls
