"""PlaceboTestCase: unittest tests whose boto3 calls are recorded and replayed.

Each test gets a boto3 Session with a Pill attached, recording into or
replaying from ``<placebo_dir>/<ClassName>.<test_method_name>``; while the test
runs, that session is also boto3's default session, so ``boto3.client()`` in
the code under test is covered too. Everything is undone with ``addCleanup``.

AsyncPlaceboTestCase does the same for async tests
(``unittest.IsolatedAsyncioTestCase``) with an aiobotocore session.
"""
from __future__ import annotations

import contextlib
import inspect
import os
import re
import sys
import unittest
from collections.abc import Iterator, Sequence
from typing import Any

from .config import Match, Mode, OnExhausted, OnUnused, RecordFormat, coerce, read_env
from .context import PlaceboContext
from .errors import AsyncSupportMissingError, ConfigurationError
from .matching import compile_ignore
from .pill import Pill
from .redaction import Defaults, resolve_redactors
from .seal import ForeignClients
from .testnames import directory_for_test, safe_name, subtest_label

__all__ = ["PlaceboMixin", "PlaceboTestCase", "AsyncPlaceboTestCase"]

_NOT_GIVEN: Any = object()


class PlaceboMixin:
    """The machinery of :class:`PlaceboTestCase`, for mixing into any TestCase.

    Class attributes (all optional) override the environment:

    ``placebo_mode``
        ``"playback"``, ``"record"``, ``"once"``, ``"live"`` or
        ``"record-missing"``; default ``$PLACEBO_MODE``, else ``"playback"``.
    ``placebo_dir``
        Where test directories live; default ``$PLACEBO_DIR``, else a
        ``placebo`` folder beside the test module's file.
    ``placebo_region``
        Default ``$AWS_DEFAULT_REGION``, else ``us-east-1``.
    ``placebo_profile``
        Profile for record and live modes; default ``$PLACEBO_PROFILE``.
    ``placebo_record_format``
        ``"json"`` (default) or ``"pickle"``.
    ``placebo_on_exhausted``
        A call beyond the recorded ones: ``"error"`` (default), ``"cycle"``
        or ``"repeat_last"``.
    ``placebo_on_unused``
        Recordings never replayed: ``"fail"`` (default), ``"warn"`` or ``"ignore"``.
    ``placebo_legacy_types``
        Files written by placebo or other tools get the types the botocore
        model says (bytes for blobs, datetimes for ISO timestamps); default
        True. Set it to False to replay them exactly as placebo did.
    ``placebo_match``
        How each replayed call's parameters are checked: ``"verify"`` (the
        default here, or ``$PLACEBO_MATCH``), ``"params"`` or ``"order"``.
    ``placebo_ignore_params``
        Parameters left out of that check, by name (``ClientToken``) or
        path (``Tags[*].Value``).
    ``placebo_redact``
        What is removed before recordings are written; default
        (``Defaults("response_metadata")``): secrets, what
        ``$PLACEBO_REDACT`` adds, and all of ``ResponseMetadata`` but
        ``HTTPStatusCode``.
    ``placebo_anonymize_accounts``
        ``True`` (or a 12-digit id) replaces the recording account's id.
    ``placebo_validate``
        Responses given to :meth:`save_response` are checked against the
        botocore model; default True.
    ``placebo_foreign_clients``
        Clients the test's pill doesn't know (made by another session, or
        before the test): ``"adopt"`` them (the default), ``"refuse"`` them,
        or ``"allow"`` them to reach AWS (see :mod:`placebo_unittest.seal`).
    """

    #: On the class: the mode to run in. On a running test: the mode it runs
    #: in, ``once`` resolved to ``record`` or ``playback``.
    placebo_mode: str | Mode | None = None
    placebo_dir: str | None = None
    placebo_region: str | None = None
    placebo_profile: str | None = None
    placebo_record_format: str | None = None
    placebo_on_exhausted: str = OnExhausted.ERROR.value
    placebo_on_unused: str = OnUnused.FAIL.value
    placebo_legacy_types: bool = True
    placebo_match: str | Match | None = None
    placebo_ignore_params: Sequence[str] = ()
    placebo_redact: Any = Defaults("response_metadata")
    placebo_anonymize_accounts: bool | str = False
    placebo_validate: bool = True
    placebo_foreign_clients: str = "adopt"
    #: True where ``self.session`` is an aiobotocore session (AsyncPlaceboTestCase).
    placebo_async: bool = False

    session: Any
    pill: Pill

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Check the class's settings (and the environment) as the class is
        defined, so a misspelt value stops the run before any test starts."""
        super().__init_subclass__(**kwargs)
        if cls.__module__ != __name__:  # PlaceboTestCase itself is checked at each test
            check_settings(cls)

    # -- hooks -------------------------------------------------------------
    def placebo_test_name(self) -> str:
        """The name of this test's directory: ``<ClassName>.<test_method_name>``."""
        return directory_for_test(type(self).__name__, self._testMethodName)  # type: ignore[attr-defined]

    def placebo_base_dir(self) -> str:
        """The folder holding every test directory of this class."""
        if self.placebo_dir:
            return self.placebo_dir
        configured = read_env().directory
        if configured:
            return configured
        module = sys.modules.get(type(self).__module__)
        source = getattr(module, "__file__", None) or inspect.getfile(type(self))
        return os.path.join(os.path.dirname(os.path.abspath(source)), "placebo")

    def placebo_directory(self) -> str:
        """This test's directory of recordings."""
        return os.path.join(self.placebo_base_dir(), self.placebo_test_name())

    # -- life cycle --------------------------------------------------------
    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self._placebo_passed = False
        self._placebo_skipped = False
        self._placebo_context = self._placebo_start(self.placebo_directory())
        self.addCleanup(self._placebo_finish, self._placebo_context)  # type: ignore[attr-defined]

    def _placebo_start(self, directory: str) -> PlaceboContext:
        cls = type(self)
        context = PlaceboContext(
            directory,
            cls.placebo_mode,
            region=cls.placebo_region,
            profile=cls.placebo_profile,
            record_format=cls.placebo_record_format,
            on_exhausted=cls.placebo_on_exhausted,
            on_unused=cls.placebo_on_unused,
            label=self.id(),  # type: ignore[attr-defined]
            legacy_types=cls.placebo_legacy_types,
            match=coerce(Match, cls.placebo_match or read_env().match or Match.VERIFY, "placebo_match"),
            ignore_params=cls.placebo_ignore_params,
            redact=cls.placebo_redact,
            anonymize_accounts=cls.placebo_anonymize_accounts,
            validate=cls.placebo_validate,
            foreign_clients=coerce(ForeignClients, cls.placebo_foreign_clients, "placebo_foreign_clients"),
            asynchronous=cls.placebo_async,
        )
        self.session = context.start()
        self.pill = context.pill  # type: ignore[assignment]
        self.placebo_mode = context.mode
        return context

    def _placebo_finish(self, context: PlaceboContext) -> None:
        message = context.finish(self._placebo_passed, skipped=self._placebo_skipped)
        if message:
            raise self.failureException(message)  # type: ignore[attr-defined]

    def _callTestMethod(self, method: Any) -> None:
        try:
            super()._callTestMethod(method)  # type: ignore[misc]
        except unittest.SkipTest:
            self._placebo_skipped = True
            raise
        outcome = getattr(self, "_outcome", None)
        self._placebo_passed = outcome is None or outcome.success

    def _callTearDown(self) -> None:
        try:
            super()._callTearDown()  # type: ignore[misc]
        except BaseException:
            self._placebo_passed = False
            raise

    @contextlib.contextmanager
    def subTest(self, msg: Any = _NOT_GIVEN, **params: Any) -> Iterator[None]:
        """Like unittest's ``subTest``; each subtest records into a directory of
        its own, ``<ClassName>.<test_method_name>.<msg and params>``."""
        parent = getattr(self, "_placebo_context", None)
        args = () if msg is _NOT_GIVEN else (msg,)
        with super().subTest(*args, **params):  # type: ignore[misc]
            if parent is None or parent.pill is None:
                yield
                return
            label = subtest_label(None if msg is _NOT_GIVEN else msg, params)
            name = safe_name(f"{self.placebo_test_name()}.{label}")
            directory = os.path.join(self.placebo_base_dir(), name)
            outer_session, outer_pill, outer_mode = self.session, self.pill, parent.pill.mode
            outer_placebo_mode = self.placebo_mode
            parent.pill.stop()
            child = self._placebo_start(directory)
            for client in outer_pill.clients:
                child.pill.add_client(client)  # type: ignore[union-attr]
            passed = False
            try:
                yield
                passed = True
            finally:
                self.session, self.pill = outer_session, outer_pill
                self.placebo_mode = outer_placebo_mode
                message = child.finish(passed)
                parent.pill.resume(outer_mode)
                if message:
                    raise self.failureException(message)  # type: ignore[attr-defined]

    # -- helpers -----------------------------------------------------------
    def client(self, service_name: str, **kwargs: Any) -> Any:
        """``self.session.client(service_name, **kwargs)``."""
        return self.session.client(service_name, **kwargs)

    def resource(self, service_name: str, **kwargs: Any) -> Any:
        """``self.session.resource(service_name, **kwargs)``."""
        return self.session.resource(service_name, **kwargs)

    def record(self, services: Any = "*", operations: Any = "*") -> None:
        """Switch this test's pill to recording (see :meth:`Pill.record`)."""
        self.pill.record(services, operations)

    def playback(self) -> None:
        """Switch this test's pill to playback (see :meth:`Pill.playback`)."""
        self.pill.playback()

    def save_response(self, service: str, operation: str, data: Any,
                      http_response: int = 200, persist: bool = False,
                      expected_params: dict[str, Any] | None = None) -> str | None:
        """Give the next ``service.operation`` call this response.

        By default the response is queued in memory for this test only, as
        botocore's Stubber does, so running a test never writes into your
        recordings; with ``expected_params`` the call must pass exactly those
        parameters. With ``persist=True`` it is written as a recording file
        in the test's directory, and its path returned. Either way the
        response is first checked against the botocore model (unless
        ``placebo_validate`` is False).
        """
        if persist:
            return self.pill.save_response(service, operation, data, http_response)
        self.pill.queue_response(service, operation, data, http_response,
                                 expected_params=expected_params)
        return None

    def assertCalled(self, service: str, operation: str, params: dict[str, Any] | None = None,
                     times: int | None = None) -> None:
        """Fail unless the test called ``service.operation`` (``iam``,
        ``GetRole`` or ``get_role``): at least once, or exactly ``times``
        times; with ``params``, with exactly those parameters. The message
        lists every call the test made."""
        made = self.pill.find_calls(service, operation)
        if params is not None:
            made = [call for call in made if call.params == params]
        if (times is None and made) or (times is not None and len(made) == times):
            return
        wanted = f"{service}.{operation}"
        if params is not None:
            wanted += f" with {params!r}"
        count = "at least once" if times is None else f"{times} time(s)"
        raise self.failureException(  # type: ignore[attr-defined]
            f"Expected {wanted} to be called {count}, but it was called {len(made)} time(s). "
            f"Calls made:\n{self.pill.describe_calls()}")

    def adopt(self, *clients: Any) -> None:
        """Bring clients made before the test (at import time, say) under this
        test's pill until the test ends."""
        for client in clients:
            self.pill.add_client(client)
            self.addCleanup(self.pill.remove_client, client)  # type: ignore[attr-defined]


def check_settings(cls: type) -> None:
    """Raise :class:`~placebo_unittest.errors.ConfigurationError`, naming the
    attribute and listing the valid values, for any ``placebo_*`` class
    attribute of ``cls`` (or environment variable) that can't be used."""
    read_env()
    name = cls.__name__
    choices = (
        ("placebo_mode", Mode), ("placebo_record_format", RecordFormat),
        ("placebo_on_exhausted", OnExhausted), ("placebo_on_unused", OnUnused),
        ("placebo_match", Match), ("placebo_foreign_clients", ForeignClients),
    )
    for attribute, kind in choices:
        value = getattr(cls, attribute, None)
        if value is not None:
            coerce(kind, value, f"{name}.{attribute}")
    resolve_redactors(getattr(cls, "placebo_redact", True))
    compile_ignore(getattr(cls, "placebo_ignore_params", ()))
    accounts = getattr(cls, "placebo_anonymize_accounts", False)
    if not isinstance(accounts, bool) and not (isinstance(accounts, str) and re.fullmatch(r"[0-9]{12}", accounts)):
        raise ConfigurationError(f"{name}.placebo_anonymize_accounts", accounts,
                                 (True, False, "123456789012"), "Give True, False or a 12-digit account id.")


class PlaceboTestCase(PlaceboMixin, unittest.TestCase):
    """A ``unittest.TestCase`` whose boto3 calls are recorded and replayed.

    Use ``self.session`` (or ``self.client(...)``, ``self.resource(...)``, or
    plain ``boto3.client(...)``) in the test. See :class:`PlaceboMixin` for the
    class attributes that configure it.
    """


class AsyncPlaceboTestCase(PlaceboMixin, unittest.IsolatedAsyncioTestCase):
    """A ``unittest.IsolatedAsyncioTestCase`` whose aiobotocore calls are
    recorded and replayed, with the same files, settings and strictness as
    :class:`PlaceboTestCase` (see :class:`PlaceboMixin`).

    ``self.session`` is an aiobotocore ``AioSession`` with ``self.pill``
    attached; ``await self.client("s3")`` is one of its clients, open until the
    test ends, and ``await self.resource("s3")`` an aioboto3 resource. Clients
    that the code under test makes itself (aiobotocore's ``get_session()``,
    aioboto3's ``Session()``, s3fs) are sealed in as for
    :class:`PlaceboTestCase`. boto3's default session is left alone.

    Needs aiobotocore (``pip install 'placebo_unittest[async]'``): without it
    each test fails with :class:`~placebo_unittest.errors.AsyncSupportMissingError`.
    """

    placebo_async = True

    async def client(self, service_name: str, **kwargs: Any) -> Any:
        """A client of ``self.session`` (``create_client(service_name, **kwargs)``),
        entered, and closed when the test ends."""
        return await self._enter(self.session.create_client(service_name, **kwargs))

    async def resource(self, service_name: str, **kwargs: Any) -> Any:
        """An aioboto3 resource over ``self.session``, entered, and closed
        when the test ends. Needs aioboto3."""
        try:
            import aioboto3
        except ImportError as exc:
            raise AsyncSupportMissingError("aioboto3", "pip install aioboto3",
                                           "AsyncPlaceboTestCase.resource()") from exc
        return await self._enter(aioboto3.Session(botocore_session=self.session).resource(service_name, **kwargs))

    async def _enter(self, manager: Any) -> Any:
        entered = await manager.__aenter__()
        self.addAsyncCleanup(manager.__aexit__, None, None, None)
        return entered
