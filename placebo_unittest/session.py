"""Sessions for tests: how they are made, the default session, waiter delays.

Each test gets a boto3 Session of its own. Making one from scratch, and a
client from it, costs a fifth of a second, nearly all of it reading service
models from disk and building, for every session and client again, what is
the same for all of them. :func:`new_session` makes sessions that share what
no test can change through boto3 (see :mod:`placebo_unittest.sharing`): one
data loader (service models, endpoints and partitions, read once per
process), botocore's built-in handlers, each service's model, client methods
and retry rules. Credentials, config, clients, client classes and every
handler added later stay the session's own, and each event emitter a copy of
its own (copied on write: see :mod:`placebo_unittest.emitters`). A replaying
session's clients also set up HTTP only if they send (see
:mod:`placebo_unittest.lazyhttp`).

The shared models are hundreds of thousands of Python objects, and each
full pass of the cyclic garbage collector walks all of them again, several
times a test, since making a session and a client allocates a lot. So when a
test session is made after new models were loaded, the collector first
collects, then freezes (:func:`gc.freeze`) what is alive: the models, modules
and other long-lived objects, which it then leaves out of its passes. Objects
made later are collected as usual; ``PLACEBO_GC_FREEZE=0`` turns this off.
"""
from __future__ import annotations

import asyncio as _asyncio
import contextlib
import gc
import os
import sys
import threading
import time as _time
import types
from collections.abc import Iterator
from typing import Any

import boto3
import botocore.session
import botocore.waiter
from botocore.hooks import EventAliaser

from .config import Mode, read_env
from .emitters import SharedAliaser
from .errors import AsyncSupportMissingError
from .lazyhttp import defer
from .models import loader
from .sharing import builtin_events, share_client_parts

__all__ = ["FAKE_CREDENTIALS", "new_session", "new_async_session", "botocore_session", "default_session",
           "no_waiter_delays"]

#: Used in playback, so no credential lookup (files, environment, instance
#: metadata) ever happens. They are never sent anywhere.
FAKE_CREDENTIALS = {
    "aws_access_key_id": "PLACEBOFAKEACCESSKEY",
    "aws_secret_access_key": "placebo/fake/secret/access/key/never/used",
}

# botocore session variables as (config name, env var, default, conversion).
_HERMETIC_VARIABLES = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
}


def botocore_session(session_vars: dict[str, Any] | None = None, replaying: bool = False,
                     ) -> botocore.session.Session:
    """A new botocore session that shares the loader and starts from a copy
    of the built-in handlers (see the module's docstring). The clients of a
    ``replaying`` one set up HTTP only if they send (see :mod:`placebo_unittest.lazyhttp`)."""
    share_client_parts()
    core = botocore.session.Session(session_vars=session_vars, event_hooks=builtin_events(),
                                    include_builtin_handlers=False)
    _share_aliases(core, replaying)
    core.register_component("data_loader", loader())
    return core


def _share_aliases(session: Any, replaying: bool = False) -> None:
    """Give ``session`` (botocore's or aiobotocore's) an event aliaser whose
    copies share one cache of aliased names (see :class:`~placebo_unittest.emitters.SharedAliaser`)."""
    events = getattr(session, "_events", None)
    if type(events) is EventAliaser and session.get_component("event_emitter") is events:
        if replaying:
            defer()
        shared = SharedAliaser(events._emitter, defer_http=replaying)
        session._events = shared
        session._components.register_component("event_emitter", shared)


_freeze_lock = threading.Lock()
_frozen_at = 0  # how many files the shared loader held when the collector last froze


def _freeze_shared() -> None:
    """Freeze the collector's view of newly loaded models (see the module's docstring)."""
    global _frozen_at
    held = len(getattr(loader(), "_cache", ()))
    if held == _frozen_at or read_env().gc_freeze is False:
        return
    with _freeze_lock:
        if held != _frozen_at:
            gc.collect()
            gc.freeze()
            _frozen_at = held


def new_session(mode: Mode, region: str, profile: str | None = None) -> boto3.Session:
    """A boto3 Session for one test.

    In playback it has fixed fake credentials and no profile; in record and
    live modes it finds credentials the usual way, from ``profile`` if given.
    """
    _freeze_shared()
    if mode is Mode.PLAYBACK:
        # No profile, no config or credentials files: AWS_PROFILE naming a
        # profile this machine lacks must not break replay.
        core = botocore_session(_HERMETIC_VARIABLES, replaying=True)
        return boto3.Session(botocore_session=core, region_name=region, **FAKE_CREDENTIALS)
    return boto3.Session(botocore_session=botocore_session(), region_name=region, profile_name=profile)


def new_async_session(mode: Mode, region: str, profile: str | None = None) -> Any:
    """An aiobotocore ``AioSession`` for one async test, made as
    :func:`new_session` makes a boto3 one: in playback with the same fake
    credentials and no profile or config files, in record and live modes
    finding credentials the usual way, from ``profile`` if given. It reads
    service models through the shared loader, and starts from a copy of the
    built-in handlers (see the module's docstring).

    Raises :class:`~placebo_unittest.errors.AsyncSupportMissingError` when
    aiobotocore is not installed."""
    try:
        from aiobotocore.hooks import AioHierarchicalEmitter
        from aiobotocore.session import AioSession
    except ImportError as exc:
        raise AsyncSupportMissingError() from exc
    _freeze_shared()
    share_client_parts()
    events = builtin_events(AioHierarchicalEmitter)
    if mode is Mode.PLAYBACK:
        session = AioSession(session_vars=_HERMETIC_VARIABLES, event_hooks=events, include_builtin_handlers=False)
        session.set_credentials(FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"])
    else:
        session = AioSession(event_hooks=events, include_builtin_handlers=False, profile=profile)
    _share_aliases(session)
    session.register_component("data_loader", loader())
    session.set_config_variable("region", region)
    return session


_default_lock = threading.Lock()


@contextlib.contextmanager
def default_session(session: boto3.Session) -> Iterator[boto3.Session]:
    """Make ``session`` boto3's default session (what ``boto3.client()`` uses)
    for the duration, then put the previous one back, also on error."""
    with _default_lock:
        previous = boto3.DEFAULT_SESSION
        boto3.DEFAULT_SESSION = session
    try:
        yield session
    finally:
        with _default_lock:
            boto3.DEFAULT_SESSION = previous


class _NoSleepTime(types.ModuleType):
    """botocore.waiter's view of the time module while delays are skipped."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        return None


class _NoSleepAsyncio(types.ModuleType):
    """aiobotocore.waiter's view of the asyncio module while delays are skipped."""

    def __getattr__(self, name: str) -> Any:
        return getattr(_asyncio, name)

    @staticmethod
    async def sleep(delay: float, result: Any = None) -> Any:
        return result


async def _no_sleep(waiter: Any, seconds: float) -> None:
    return None


_waiter_lock = threading.Lock()
_waiter_depth = 0
#: aiobotocore.waiter's attributes replaced while delays are skipped: (owner, name) -> original.
_async_waits: dict[tuple[Any, str], Any] = {}


@contextlib.contextmanager
def no_waiter_delays() -> Iterator[None]:
    """botocore's and aiobotocore's waiters poll without sleeping for the
    duration (playback only: the answers are already recorded, so waiting
    would only slow tests down)."""
    global _waiter_depth
    with _waiter_lock:
        if _waiter_depth == 0:
            botocore.waiter.time = _NoSleepTime("time")
        _waiter_depth += 1
        _skip_async_waits()
    try:
        yield
    finally:
        with _waiter_lock:
            _waiter_depth -= 1
            if _waiter_depth == 0:
                botocore.waiter.time = _time
                for (owner, name), original in _async_waits.items():
                    setattr(owner, name, original)
                _async_waits.clear()


def cover_async_waiters() -> None:
    """Skip aiobotocore's waiter delays too if delays are being skipped now
    and aiobotocore was loaded after they began (the async shell calls this
    as it wires its first client)."""
    with _waiter_lock:
        if _waiter_depth:
            _skip_async_waits()


def _skip_async_waits() -> None:
    """Replace how aiobotocore's waiters sleep (the module's ``asyncio``, and
    any ``_sleep`` method of its waiter classes), if it is loaded. Called
    with ``_waiter_lock`` held."""
    module = sys.modules.get("aiobotocore.waiter")
    if module is None or _async_waits:
        return
    if isinstance(getattr(module, "asyncio", None), types.ModuleType):
        _async_waits[(module, "asyncio")] = module.asyncio
    for value in list(vars(module).values()):
        if (isinstance(value, type) and value.__module__ == module.__name__ and "_sleep" in vars(value)
                and issubclass(value, botocore.waiter.Waiter)):
            _async_waits[(value, "_sleep")] = vars(value)["_sleep"]
    for owner, name in _async_waits:
        setattr(owner, name, _NoSleepAsyncio("asyncio") if name == "asyncio" else _no_sleep)
