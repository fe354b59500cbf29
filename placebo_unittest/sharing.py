"""What the sessions made for tests share: what no test can change through boto3.

:func:`~placebo_unittest.session.new_session` makes a session per test, and
each test makes its clients. botocore builds the same things again for every
one of them: the built-in event handlers, each service's model and client
methods, its retry rules. For sessions reading models through the shared
loader (:func:`placebo_unittest.models.loader`), these are built once per
process here:

- botocore's built-in handlers, registered once into an emitter whose copies
  share its tree until they change it (see :mod:`placebo_unittest.emitters`):
  each session and client still has handlers of its own;
- each service's ``ServiceModel`` (whose caches then serve every client),
  its client methods and the map of method names to operations. Every client
  still gets a class of its own, made through its own session's
  ``creating-client-class`` event from a copy of them, so what one test's
  handlers add to a client class never reaches another's. The methods hold
  nothing of any test: their documentation comes from a private copy of
  the built-in handlers;
- each service's retry rules, as botocore works them out from its retry
  file, and the retry handler made from them, which keeps no state;
- each service's endpoint rules, turned into botocore's ``EndpointProvider``
  (its cache of resolved endpoints then serves every client).

Sessions made any other way (by code under test, with botocore's own loader)
build everything as botocore does. botocore's methods are replaced once, by
wrappers that tell the two kinds apart by the loader.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from typing import Any

import botocore.args
import botocore.client
import botocore.model
import botocore.regions
import botocore.retryhandler
import botocore.translate
from botocore import handlers
from botocore.hooks import EventAliaser, HierarchicalEmitter

from .emitters import quick_kwargs_check, share_handlers
from .models import loader

__all__ = ["builtin_events", "share_client_parts"]

_lock = threading.Lock()
_builtin: dict[type[HierarchicalEmitter], HierarchicalEmitter] = {}


def builtin_events(kind: type[HierarchicalEmitter] = HierarchicalEmitter) -> HierarchicalEmitter:
    """A new copy of an emitter of class ``kind`` holding botocore's built-in
    handlers, registered once per process and class exactly as a botocore
    Session registers them (aiobotocore's emitter swaps in its own async
    versions of some as they are registered)."""
    with _lock:
        prepared = _builtin.get(kind)
        if prepared is None:
            # Its copies share its tree until they change it, and check handlers quickly.
            prepared = quick_kwargs_check(share_handlers(kind()))
            events = EventAliaser(prepared)
            for spec in handlers.BUILTIN_HANDLERS:
                if len(spec) == 2:
                    events.register(*spec)
                elif spec[2] is handlers.REGISTER_FIRST:
                    events.register_first(spec[0], spec[1])
                elif spec[2] is handlers.REGISTER_LAST:
                    events.register_last(spec[0], spec[1])
            _builtin[kind] = prepared
        return copy.copy(prepared)


class _PerService:
    """Values built once per service description (the loader's dict, one per
    service and API version)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def get(self, service_name: str, description: Any, build: Callable[[], Any]) -> Any:
        """The value kept for ``description``, made by ``build()`` the first time."""
        key = (service_name, id(description))
        with self._lock:
            known = self._known.get(key)
        if known is None or known[0] is not description:  # the id of a description since let go
            known = (description, build())
            with self._lock:
                self._known[key] = known
        return known[1]


_models = _PerService()
_methods = _PerService()
_names = _PerService()
_installed = False


def _ours(creator: Any) -> bool:
    return getattr(creator, "_loader", None) is loader()


def share_client_parts() -> None:
    """Replace botocore's ``ClientCreator`` methods with ones that share
    what they build among sessions reading the shared loader (see the
    module's docstring); once per process."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    creator_class = botocore.client.ClientCreator
    load_model = creator_class._load_service_model
    create_methods = creator_class._create_methods
    name_mapping = creator_class._create_name_mapping
    register_retries = creator_class._register_retries

    def _load_service_model(creator: Any, service_name: str, api_version: Any = None) -> Any:
        if not _ours(creator):
            return load_model(creator, service_name, api_version)
        description = creator._loader.load_service_model(service_name, "service-2", api_version=api_version)
        return _models.get(service_name, description,
                           lambda: botocore.model.ServiceModel(description, service_name=service_name))

    def _create_methods(creator: Any, service_model: Any) -> dict[str, Any]:
        if not _ours(creator):
            methods: dict[str, Any] = create_methods(creator, service_model)
            return methods

        def build() -> dict[str, Any]:
            private = copy.copy(creator)
            private._event_emitter = EventAliaser(builtin_events())  # docs, not any test's handlers
            built: dict[str, Any] = create_methods(private, service_model)
            return built

        return dict(_methods.get(service_model.service_name, service_model._service_description, build))

    def _create_name_mapping(creator: Any, service_model: Any) -> dict[str, str]:
        if not _ours(creator):
            mapping: dict[str, str] = name_mapping(creator, service_model)
            return mapping
        return dict(_names.get(service_model.service_name, service_model._service_description,
                               lambda: name_mapping(creator, service_model)))

    def _register_retries(creator: Any, client: Any) -> None:
        if _ours(creator):
            if creator._retry_config_translator is botocore.translate:
                creator._retry_config_translator = _RETRY_RULES
            if creator._retry_handler_factory is botocore.retryhandler:
                creator._retry_handler_factory = _RETRY_HANDLERS
        register_retries(creator, client)

    build_resolver = botocore.args.ClientArgsCreator._build_endpoint_resolver

    def _build_endpoint_resolver(args_creator: Any, *args: Any, **kwargs: Any) -> Any:
        if getattr(args_creator, "_loader", None) is not loader():
            return build_resolver(args_creator, *args, **kwargs)
        _building.ours = True
        try:
            return build_resolver(args_creator, *args, **kwargs)
        finally:
            _building.ours = False

    creator_class._load_service_model = _load_service_model
    creator_class._create_methods = _create_methods
    creator_class._create_name_mapping = _create_name_mapping
    creator_class._register_retries = _register_retries
    botocore.args.ClientArgsCreator._build_endpoint_resolver = _build_endpoint_resolver
    botocore.regions.EndpointProvider = _Providers(botocore.regions.EndpointProvider)


class _RetryRules:
    """botocore's ``translate`` module as a client creator uses it, with each
    service's retry rules worked out once. botocore deep-copies and resolves
    the rules for every client; the handler made from them only reads them."""

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
        self._lock = threading.Lock()

    def build_retry_config(self, endpoint_prefix: str, retry_model: Any, definitions: Any,
                           client_retry_config: Any = None) -> Any:
        try:
            settings = tuple(sorted((client_retry_config or {}).items()))
            key = (endpoint_prefix, id(retry_model), id(definitions), settings)
            hash(key)
        except TypeError:  # settings that can't be a key: work them out every time
            return botocore.translate.build_retry_config(endpoint_prefix, retry_model, definitions,
                                                         client_retry_config)
        with self._lock:
            known = self._known.get(key)
        if known is None or known[0] is not retry_model or known[1] is not definitions:
            rules = botocore.translate.build_retry_config(endpoint_prefix, retry_model, definitions,
                                                          client_retry_config)
            known = (retry_model, definitions, rules)
            with self._lock:
                self._known[key] = known
        return known[2]


_RETRY_RULES = _RetryRules()


class _RetryHandlers:
    """botocore's ``retryhandler`` module as a client creator uses it, with one
    handler per service's retry rules (kept by :class:`_RetryRules`): the
    handler keeps no state between calls."""

    def __init__(self) -> None:
        self._known: dict[tuple[int, str], tuple[Any, Any]] = {}
        self._lock = threading.Lock()

    def create_retry_handler(self, config: Any, operation_name: Any = None) -> Any:
        key = (id(config), str(operation_name))
        with self._lock:
            known = self._known.get(key)
        if known is None or known[0] is not config:
            known = (config, botocore.retryhandler.create_retry_handler(config, operation_name))
            with self._lock:
                self._known[key] = known
        return known[1]


_RETRY_HANDLERS = _RetryHandlers()

_building = threading.local()  # ours: True while a client of a session reading the shared loader is made


class _Providers:
    """Stands for botocore's ``EndpointProvider`` class in ``botocore.regions``:
    while a client of a session reading the shared loader is made, each
    service's endpoint rules are turned into a provider once (its cache of
    endpoints, keyed by the parameters, then serves every client); for any
    other client, a provider of its own as in botocore."""

    def __init__(self, make: Callable[..., Any]):
        self._make = make
        self._known: dict[tuple[Any, ...], tuple[Any, Any, Any]] = {}
        self._lock = threading.Lock()

    def __call__(self, ruleset_data: Any, partition_data: Any, **settings: Any) -> Any:
        # Newer botocore releases pass more settings (``excluded_params``, say):
        # a provider is shared only between clients whose settings are equal.
        if not getattr(_building, "ours", False):
            return self._make(ruleset_data=ruleset_data, partition_data=partition_data, **settings)
        try:
            extra = tuple(sorted(settings.items()))
            key = (id(ruleset_data), id(partition_data), extra)
            hash(key)
        except TypeError:  # settings that can't be a key: a provider of its own
            return self._make(ruleset_data=ruleset_data, partition_data=partition_data, **settings)
        with self._lock:
            known = self._known.get(key)
        if known is None or known[0] is not ruleset_data or known[1] is not partition_data:
            known = (ruleset_data, partition_data,
                     self._make(ruleset_data=ruleset_data, partition_data=partition_data, **settings))
            with self._lock:
                self._known[key] = known
        return known[2]
