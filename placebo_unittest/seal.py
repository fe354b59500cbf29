"""Sealed tests: while a test records or replays, every boto3 call goes through its pill.

Code under test often makes clients the test never sees: from a session of
its own (``boto3.session.Session()``, ``boto3.Session()``,
``botocore.session.get_session()``), or at import time, before the test
started. Unsealed, such a client would reach AWS during playback. While
:func:`sealed` is in force:

- in playback, a call made on a client the pill doesn't know is either
  brought under the pill first (``"adopt"``: it then replays like any other)
  or refused with :class:`ForeignClientError` naming the call (``"refuse"``);
- in playback, any request that still gets as far as botocore's endpoint
  (a client whose handlers were removed after it was adopted, say) raises
  :class:`NetworkInPlaybackError` instead of being sent: nothing reaches the
  network;
- while recording, a client made during the test by another session is
  adopted (so its calls are recorded too) or refused in the same way.

In playback, too, a session with no credentials of its own (none set on the
session or given to ``create_client``) gets placeholder ones,
:data:`~placebo_unittest.session.FAKE_CREDENTIALS`, so that no credential
provider runs: no instance metadata service, no SSO or ``credential_process``,
nothing read from the environment or from files. The credentials are never
sent anywhere.

aiobotocore's sessions and clients (aioboto3's and s3fs's among them) are
sealed the same way, once aiobotocore is loaded.

``"allow"`` turns all of this off. Adopted clients are released when the test
ends. The seal patches a few botocore methods for its duration (client calls,
client creation, the endpoint's request, the session's credentials, and the
session's constructor, which notices aiobotocore being loaded) and their
aiobotocore counterparts, process-wide; nested seals (a subtest's) stack, the
innermost one deciding.
"""
from __future__ import annotations

import contextlib
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import botocore.client
import botocore.credentials
import botocore.endpoint
import botocore.session

from .config import _Choice
from .errors import PlaceboError
from .session import FAKE_CREDENTIALS

if TYPE_CHECKING:
    from .pill import Pill

__all__ = ["ForeignClients", "ForeignClientError", "NetworkInPlaybackError", "sealed"]


class ForeignClients(_Choice):
    """What a sealed test does with a client its pill doesn't know."""

    ADOPT = "adopt"
    REFUSE = "refuse"
    ALLOW = "allow"


class ForeignClientError(PlaceboError, RuntimeError):
    """A sealed test met a client that isn't under its pill, and the policy is ``refuse``."""


class NetworkInPlaybackError(PlaceboError, ConnectionError):
    """A request was about to leave the process during playback."""


class _Seal:
    def __init__(self, pill: Pill, policy: ForeignClients):
        self.pill = pill
        self.policy = policy
        self.adopted: weakref.WeakSet[Any] = weakref.WeakSet()
        self.lock = threading.Lock()

    @property
    def playback(self) -> bool:
        """Sealed: nothing is sent. ``record-missing`` sends what has no recording."""
        return self.pill.mode == "playback" and not getattr(self.pill, "records_missing", False)

    @property
    def recording(self) -> bool:
        return self.pill.mode == "record" or getattr(self.pill, "records_missing", False)

    def take(self, client: Any, what: str) -> None:
        """Make sure ``client`` is under the pill, or refuse it."""
        if self.pill.has_client(client):
            return
        if self.policy is ForeignClients.REFUSE:
            raise ForeignClientError(
                "{}: {} on a client this test's pill doesn't know (made by another session, "
                "such as boto3.session.Session() or botocore.session.get_session(), or before "
                "the test started), and foreign clients are refused. Make clients from the "
                "test's session (self.session, or boto3.client(), which uses it), bring this "
                "one in with self.adopt(client), or set placebo_foreign_clients='adopt'.".format(
                    self.pill.label or "placebo_unittest", what))
        with self.lock:
            self.pill.add_client(client)
            self.adopted.add(client)

    def release(self) -> None:
        with self.lock:
            adopted = list(self.adopted)
            self.adopted = weakref.WeakSet()
        for client in adopted:
            self.pill.remove_client(client)


#: The ``method`` of the placeholder credentials a sealed playback gives.
PLACEHOLDER_METHOD = "placebo-unittest-placeholder"

_active: list[_Seal] = []
_lock = threading.Lock()
# botocore's own methods, taken once, so a call in flight on another thread
# never finds them missing while a seal is being lifted. aiobotocore's join
# them the first time they are patched.
_originals: dict[str, Callable[..., Any]] = {
    "make_api_call": botocore.client.BaseClient.__dict__["_make_api_call"],
    "create_client": botocore.session.Session.__dict__["create_client"],
    "make_request": botocore.endpoint.Endpoint.__dict__["make_request"],
    "get_credentials": botocore.session.Session.__dict__["get_credentials"],
    "session_init": botocore.session.Session.__dict__["__init__"],
}
_applied: list[tuple[str, Any, str]] = []  # (key of _originals, owner, attribute) patched now


def _current() -> _Seal | None:
    return _active[-1] if _active else None


def _name(client: Any, operation_name: str) -> str:
    return f"{client.meta.service_model.service_name}.{operation_name}"


# -- what each patch decides, for botocore and aiobotocore alike ---------------------
def _before_call(client: Any, operation_name: str) -> None:
    seal = _current()
    if seal is not None and (seal.playback or getattr(seal.pill, "records_missing", False)):
        seal.take(client, "a call to " + _name(client, operation_name))


def _after_create(client: Any) -> Any:
    seal = _current()
    if seal is not None and seal.recording:
        seal.take(client, f"creating a {client.meta.service_model.service_name} client")
    return client


def _needs_placeholder(session: Any) -> bool:
    """True when ``session`` is to get placeholder credentials: in a sealed
    playback, when it has none of its own."""
    seal = _current()
    return seal is not None and seal.playback and getattr(session, "_credentials", None) is None


# -- botocore -------------------------------------------------------------------------
def _make_api_call(client: Any, operation_name: str, api_params: Any) -> Any:
    _before_call(client, operation_name)
    return _originals["make_api_call"](client, operation_name, api_params)


def _create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
    return _after_create(_originals["create_client"](session, *args, **kwargs))


def _get_credentials(session: Any) -> Any:
    if _needs_placeholder(session):
        return botocore.credentials.Credentials(
            FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"],
            method=PLACEHOLDER_METHOD)
    return _originals["get_credentials"](session)


def _session_init(session: Any, *args: Any, **kwargs: Any) -> None:
    _originals["session_init"](session, *args, **kwargs)
    if sys.modules.get("aiobotocore.session") is not None and not _aio_sealed():
        with _lock:  # aiobotocore was loaded after the seal began
            if _active and not _aio_sealed():
                _seal_aiobotocore()


# -- aiobotocore ----------------------------------------------------------------------
async def _aio_make_api_call(client: Any, operation_name: str, api_params: Any) -> Any:
    _before_call(client, operation_name)
    return await _originals["aio_make_api_call"](client, operation_name, api_params)


async def _aio_create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
    return _after_create(await _originals["aio_create_client"](session, *args, **kwargs))


async def _aio_get_credentials(session: Any) -> Any:
    if _needs_placeholder(session):
        from aiobotocore.credentials import AioCredentials

        return AioCredentials(FAKE_CREDENTIALS["aws_access_key_id"], FAKE_CREDENTIALS["aws_secret_access_key"],
                              method=PLACEHOLDER_METHOD)
    return await _originals["aio_get_credentials"](session)


def _aio_sealed() -> bool:
    return any(key.startswith("aio_") for key, _owner, _attribute in _applied)


def _seal_aiobotocore() -> None:
    """Patch aiobotocore's client calls, client creation and credentials.
    Called with ``_lock`` held, once aiobotocore is loaded."""
    from aiobotocore.client import AioBaseClient
    from aiobotocore.session import AioSession

    for key, owner, attribute, replacement in (
        ("aio_make_api_call", AioBaseClient, "_make_api_call", _aio_make_api_call),
        ("aio_create_client", AioSession, "_create_client", _aio_create_client),
        ("aio_get_credentials", AioSession, "get_credentials", _aio_get_credentials),
    ):
        _originals.setdefault(key, owner.__dict__[attribute])
        _patch(key, owner, attribute, replacement)


def _patch(key: str, owner: Any, attribute: str, replacement: Callable[..., Any]) -> None:
    setattr(owner, attribute, replacement)
    _applied.append((key, owner, attribute))


def _make_request(endpoint: Any, operation_model: Any, request_dict: Any) -> Any:
    seal = _current()
    if seal is not None and seal.playback:
        raise NetworkInPlaybackError(
            "{}: {}.{} was about to be sent to {} during playback, and a replaying test never "
            "reaches the network. The client's calls are not being replayed: it was removed "
            "from the test's pill. Bring it back with pill.add_client(client), or record the "
            "test in record mode.".format(
                seal.pill.label or "placebo_unittest", operation_model.service_model.service_name,
                operation_model.name, getattr(endpoint, "host", "AWS")))
    return _originals["make_request"](endpoint, operation_model, request_dict)


_PATCHES = (
    ("make_api_call", botocore.client.BaseClient, "_make_api_call", _make_api_call),
    ("create_client", botocore.session.Session, "create_client", _create_client),
    ("make_request", botocore.endpoint.Endpoint, "make_request", _make_request),
    ("get_credentials", botocore.session.Session, "get_credentials", _get_credentials),
    ("session_init", botocore.session.Session, "__init__", _session_init),
)


@contextlib.contextmanager
def sealed(pill: Any, policy: ForeignClients = ForeignClients.ADOPT) -> Iterator[None]:
    """Seal the process around ``pill`` for the duration (see the module's
    docstring). It follows the pill's mode as it changes: playback is sealed,
    recording adopts (or refuses) clients made by other sessions, and a
    stopped pill leaves calls alone."""
    if policy is ForeignClients.ALLOW:
        yield
        return
    seal = _Seal(pill, policy)
    with _lock:
        if not _active:
            for key, owner, attribute, replacement in _PATCHES:
                _patch(key, owner, attribute, replacement)
            if sys.modules.get("aiobotocore.session") is not None:
                _seal_aiobotocore()
        _active.append(seal)
    try:
        yield
    finally:
        with _lock:
            _active.remove(seal)
            if not _active:
                for key, owner, attribute in _applied:
                    setattr(owner, attribute, _originals[key])
                _applied.clear()
        seal.release()
