"""Sessions for tests: how they are made, the default session, waiter delays.

Each test gets a boto3 Session of its own. Making one from scratch costs a
fifth of a second, nearly all of it reading service models from disk and
registering botocore's built-in event handlers, which are the same for every
session. :func:`new_session` shares what never changes: one data loader
(service models, endpoints and partitions, read once per process), and a
prepared copy of the built-in handlers (each session gets its own copy, so a
handler one test registers never reaches another). Credentials, config,
clients and every handler added later stay the session's own.

Making a client also builds a class with one method per operation (about
600 for EC2), which costs more than the rest of the client. For sessions
sharing the loader, those methods are built once per service and process,
and each client still gets a class of its own, made through the session's
own ``creating-client-class`` event from a copy of them: what one test's
handlers add to its client class never reaches another test's. The shared
methods hold nothing of any test: their documentation is generated through
a private copy of botocore's built-in handlers.

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
import copy
import gc
import os
import sys
import threading
import time as _time
import types
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore.client
import botocore.session
import botocore.waiter
from botocore import handlers
from botocore.hooks import EventAliaser, HierarchicalEmitter

from .config import Mode, read_env
from .errors import AsyncSupportMissingError
from .models import loader

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


_builtin_lock = threading.Lock()
_builtin_handlers: dict[type[HierarchicalEmitter], HierarchicalEmitter] = {}


def _builtin_events(kind: type[HierarchicalEmitter] = HierarchicalEmitter) -> HierarchicalEmitter:
    """A new copy of an emitter of class ``kind`` holding botocore's built-in
    handlers, registered once per process and class exactly as a botocore
    Session registers them (aiobotocore's emitter swaps in its own async
    versions of some as they are registered)."""
    with _builtin_lock:
        prepared = _builtin_handlers.get(kind)
        if prepared is None:
            prepared = kind()
            events = EventAliaser(prepared)
            for spec in handlers.BUILTIN_HANDLERS:
                if len(spec) == 2:
                    events.register(*spec)
                elif spec[2] is handlers.REGISTER_FIRST:
                    events.register_first(spec[0], spec[1])
                elif spec[2] is handlers.REGISTER_LAST:
                    events.register_last(spec[0], spec[1])
            _builtin_handlers[kind] = prepared
        return copy.copy(prepared)


_methods_lock = threading.Lock()
_methods: dict[tuple[str, int], tuple[Any, dict[str, Any]]] = {}
_create_methods: Callable[[Any, Any], dict[str, Any]] | None = None


def _share_client_methods() -> None:
    """Build each service's client methods once for sessions that share the
    loader (see the module's docstring); other sessions are left alone."""
    global _create_methods
    with _methods_lock:
        if _create_methods is not None:
            return
        _create_methods = original = botocore.client.ClientCreator._create_methods

    def create_methods(creator: Any, service_model: Any) -> dict[str, Any]:
        if getattr(creator, "_loader", None) is not loader():
            methods: dict[str, Any] = original(creator, service_model)
            return methods
        description = service_model._service_description  # the loader's dict: one per service and version
        key = (service_model.service_name, id(description))
        with _methods_lock:
            known = _methods.get(key)
        if known is None or known[0] is not description:
            private = copy.copy(creator)
            private._event_emitter = EventAliaser(_builtin_events())  # docs, not any test's handlers
            known = (description, original(private, service_model))
            with _methods_lock:
                _methods[key] = known
        return dict(known[1])

    botocore.client.ClientCreator._create_methods = create_methods


def botocore_session(session_vars: dict[str, Any] | None = None) -> botocore.session.Session:
    """A new botocore session that shares the loader and starts from a copy
    of the built-in handlers (see the module's docstring)."""
    _share_client_methods()
    core = botocore.session.Session(session_vars=session_vars, event_hooks=_builtin_events(),
                                    include_builtin_handlers=False)
    core.register_component("data_loader", loader())
    return core


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
        core = botocore_session(_HERMETIC_VARIABLES)
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
    _share_client_methods()
    events = _builtin_events(AioHierarchicalEmitter)
    if mode is Mode.PLAYBACK:
        session = AioSession(session_vars=_HERMETIC_VARIABLES, event_hooks=events, include_builtin_handlers=False)
        session.set_credentials(FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"])
    else:
        session = AioSession(event_hooks=events, include_builtin_handlers=False, profile=profile)
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
