"""Sessions for tests: how they are made, the default session, waiter delays.

Each test gets a boto3 Session of its own. Making one from scratch costs a
fifth of a second, nearly all of it reading service models from disk and
registering botocore's built-in event handlers, which are the same for every
session. :func:`new_session` shares what never changes: one data loader
(service models, endpoints and partitions, read once per process), and a
prepared copy of the built-in handlers (each session gets its own copy, so a
handler one test registers never reaches another). Credentials, config,
clients and every handler added later stay the session's own.
"""
from __future__ import annotations

import contextlib
import copy
import os
import threading
import time as _time
import types
from typing import Any, Dict, Iterator, Optional

import boto3
import botocore.session
import botocore.waiter
from botocore import handlers
from botocore.hooks import EventAliaser, HierarchicalEmitter

from .config import Mode
from .models import loader

__all__ = ["FAKE_CREDENTIALS", "new_session", "botocore_session", "default_session", "no_waiter_delays"]

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
_builtin_handlers: Optional[HierarchicalEmitter] = None


def _builtin_events() -> HierarchicalEmitter:
    """A new copy of an emitter holding botocore's built-in handlers, registered
    once per process exactly as a botocore Session registers them."""
    global _builtin_handlers
    with _builtin_lock:
        if _builtin_handlers is None:
            emitter = HierarchicalEmitter()
            events = EventAliaser(emitter)
            for spec in handlers.BUILTIN_HANDLERS:
                if len(spec) == 2:
                    events.register(*spec)
                elif spec[2] is handlers.REGISTER_FIRST:
                    events.register_first(spec[0], spec[1])
                elif spec[2] is handlers.REGISTER_LAST:
                    events.register_last(spec[0], spec[1])
            _builtin_handlers = emitter
        return copy.copy(_builtin_handlers)


def botocore_session(session_vars: Optional[Dict[str, Any]] = None) -> botocore.session.Session:
    """A new botocore session that shares the loader and starts from a copy
    of the built-in handlers (see the module's docstring)."""
    core = botocore.session.Session(session_vars=session_vars, event_hooks=_builtin_events(),
                                    include_builtin_handlers=False)
    core.register_component("data_loader", loader())
    return core


def new_session(mode: Mode, region: str, profile: Optional[str] = None) -> boto3.Session:
    """A boto3 Session for one test.

    In playback it has fixed fake credentials and no profile; in record and
    live modes it finds credentials the usual way, from ``profile`` if given.
    """
    if mode is Mode.PLAYBACK:
        # No profile, no config or credentials files: AWS_PROFILE naming a
        # profile this machine lacks must not break replay.
        core = botocore_session(_HERMETIC_VARIABLES)
        return boto3.Session(botocore_session=core, region_name=region, **FAKE_CREDENTIALS)
    return boto3.Session(botocore_session=botocore_session(), region_name=region, profile_name=profile)


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

    def __getattr__(self, name: str):
        return getattr(_time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        return None


_waiter_lock = threading.Lock()
_waiter_depth = 0


@contextlib.contextmanager
def no_waiter_delays() -> Iterator[None]:
    """botocore waiters poll without sleeping for the duration (playback only:
    the answers are already recorded, so waiting would only slow tests down)."""
    global _waiter_depth
    with _waiter_lock:
        if _waiter_depth == 0:
            botocore.waiter.time = _NoSleepTime("time")
        _waiter_depth += 1
    try:
        yield
    finally:
        with _waiter_lock:
            _waiter_depth -= 1
            if _waiter_depth == 0:
                botocore.waiter.time = _time
