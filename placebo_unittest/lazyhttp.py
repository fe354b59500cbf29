"""Replaying clients set up their HTTP connections only if they send.

botocore gives every client an HTTP session when it makes the client: a
connection pool, an SSL context, and the proxies found in the environment,
which it reads twice. A client of a replaying test's session never sends
(its pill answers every call, or the seal refuses the request), so for those
clients :func:`defer` hands botocore a :class:`DeferredHttpSession` instead:
it makes botocore's own session, exactly as botocore would have made it
(proxies from the environment then, if none were configured), the first time
a request is sent, and never otherwise.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import botocore.endpoint
from botocore.utils import get_environ_proxies

__all__ = ["DeferredHttpSession", "defer"]


class DeferredHttpSession:
    """Stands in for botocore's ``URLLib3Session`` until a request is sent."""

    def __init__(self, make: Callable[..., Any], endpoint_url: str, proxies_given: bool, **kwargs: Any):
        self._make = make
        self._endpoint_url = endpoint_url
        self._proxies_given = proxies_given
        self._kwargs = kwargs
        self._real: Any = None
        self._lock = threading.Lock()

    def _session(self) -> Any:
        with self._lock:
            if self._real is None:
                kwargs = dict(self._kwargs)
                if not self._proxies_given:
                    kwargs["proxies"] = get_environ_proxies(self._endpoint_url)
                self._real = self._make(**kwargs)
            return self._real

    def send(self, request: Any) -> Any:
        return self._session().send(request)

    def close(self) -> None:
        if self._real is not None:
            self._real.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session(), name)


_original: Callable[..., Any] | None = None
_install_lock = threading.Lock()


def defer() -> None:
    """Make botocore's endpoints defer their HTTP session when their client's
    emitter asks for it (``defer_http``); every other client is left as it was."""
    global _original
    with _install_lock:
        if _original is not None:
            return
        _original = original = botocore.endpoint.EndpointCreator.create_endpoint

    def create_endpoint(creator: Any, service_model: Any, region_name: Any, endpoint_url: Any = None,
                        *args: Any, **kwargs: Any) -> Any:
        if args or not getattr(creator._event_emitter, "defer_http", False):
            return original(creator, service_model, region_name, endpoint_url, *args, **kwargs)
        proxies = kwargs.get("proxies")
        make = kwargs.get("http_session_cls", botocore.endpoint.URLLib3Session)

        def deferred(**settings: Any) -> DeferredHttpSession:
            return DeferredHttpSession(make, endpoint_url, proxies is not None, **settings)

        kwargs["http_session_cls"] = deferred
        kwargs["proxies"] = {} if proxies is None else proxies  # read from the environment when sending, if at all
        return original(creator, service_model, region_name, endpoint_url, **kwargs)

    botocore.endpoint.EndpointCreator.create_endpoint = create_endpoint
