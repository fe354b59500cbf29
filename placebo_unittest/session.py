"""Sessions for tests: how they are made, the default session, waiter delays."""
from __future__ import annotations

import contextlib
import threading
import time as _time
import types
from typing import Iterator, Optional

import os

import boto3
import botocore.session
import botocore.waiter

from .config import Mode

__all__ = ["FAKE_CREDENTIALS", "new_session", "default_session", "no_waiter_delays"]

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


def new_session(mode: Mode, region: str, profile: Optional[str] = None) -> boto3.Session:
    """A boto3 Session for one test.

    In playback it has fixed fake credentials and no profile; in record and
    live modes it finds credentials the usual way, from ``profile`` if given.
    """
    if mode is Mode.PLAYBACK:
        # No profile, no config or credentials files: AWS_PROFILE naming a
        # profile this machine lacks must not break replay.
        core = botocore.session.Session(session_vars=_HERMETIC_VARIABLES)
        return boto3.Session(botocore_session=core, region_name=region, **FAKE_CREDENTIALS)
    return boto3.Session(region_name=region, profile_name=profile)


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
