"""botocore's models of services and operations, found by the names people use.

Recording files name a service by its endpoint prefix (``monitoring``), code
by its client name (``cloudwatch``); operations are ``ListFunctions`` in the
API and ``list_functions`` on a client. :func:`resolve` accepts any of these
and returns the models, for checking hand-written responses and requests and
for redacting what the model marks secret. It knows nothing of botocore events.

Models are read through the package's one botocore loader
(:func:`placebo_unittest.catalog.loader`, also importable from here). A
client name reads only that service's model; any other name is looked up
among the endpoint prefixes of every service, which reads every model file
once per process (about a second) and keeps only the prefixes.
"""
from __future__ import annotations

import difflib
import functools
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from botocore import xform_name
from botocore.loaders import Loader
from botocore.model import OperationModel, ServiceModel
from botocore.utils import SERVICE_NAME_ALIASES

from .catalog import loader
from .errors import UnknownOperationError
from .naming import service_key

__all__ = ["Resolved", "resolve", "file_service", "loader", "service_model", "candidate_services"]


@dataclass(frozen=True)
class Resolved:
    """A service and one of its operations, as botocore models them."""

    service_model: ServiceModel
    operation_model: OperationModel
    operation: str  # the operation's name in the model: "ListFunctions"

    @property
    def service(self) -> str:
        """botocore's name for the service: the one ``session.client()`` takes."""
        return str(self.service_model.service_name)


_MODEL_TYPE = "service-2"
_by_prefix: dict[str, tuple[str, ...]] | None = None
_by_prefix_lock = threading.Lock()


@functools.cache
def service_model(name: str) -> ServiceModel | None:
    """botocore's model of the service whose client name is ``name``, or ``None``."""
    models_loader = loader()
    if name not in models_loader.list_available_services(_MODEL_TYPE):
        return None
    return ServiceModel(models_loader.load_service_model(name, _MODEL_TYPE), service_name=name)


@functools.cache
def _snake_names(service_name: str) -> dict[str, str]:
    """``{"list_functions": "ListFunctions", ...}``: the names clients give methods."""
    model = service_model(service_name)
    names = model.operation_names if model is not None else []
    return {xform_name(name): name for name in names}


def _services_by_prefix() -> dict[str, tuple[str, ...]]:
    """``{endpoint prefix: (client names of the services using it, sorted)}``.

    Built once, by reading every model file. The files are read directly, not
    through the loader's cache, so that only the prefixes stay in memory.
    """
    global _by_prefix
    if _by_prefix is None:
        with _by_prefix_lock:
            if _by_prefix is None:
                models_loader = loader()
                found: dict[str, list[str]] = {}
                for name in models_loader.list_available_services(_MODEL_TYPE):
                    prefix = _endpoint_prefix(models_loader, name)
                    if prefix:
                        found.setdefault(prefix, []).append(name)
                _by_prefix = {prefix: tuple(sorted(names)) for prefix, names in found.items()}
    return _by_prefix


def _endpoint_prefix(loader: Loader, name: str) -> str | None:
    version = loader.determine_latest_version(name, _MODEL_TYPE)
    for search_path in loader.search_paths:
        data = loader.file_loader.load_file(
            os.path.join(search_path, name, version, _MODEL_TYPE)
        )
        if data is not None:
            prefix = data.get("metadata", {}).get("endpointPrefix")
            return prefix if isinstance(prefix, str) else None
    return None


def _candidate_services(service: str) -> list[ServiceModel]:
    """The services ``service`` may mean, best first; usually one, or none.

    A client name means that service. Otherwise ``service`` is read as an
    endpoint prefix: the one service using it, or, among several, those whose
    recordings are filed under that very name (``elasticloadbalancing`` is
    elb's; elbv2 files its own as ``elbv2``).
    """
    name = SERVICE_NAME_ALIASES.get(service, service)
    model = service_model(name)
    if model is not None:
        return [model]
    sharing = [service_model(other) for other in _services_by_prefix().get(service, ())]
    models = [m for m in sharing if m is not None]
    if len(models) <= 1:
        return models
    return [m for m in models if service_key(m) == service]


def candidate_services(service: str) -> list[ServiceModel]:
    """The services ``service`` may mean, best first; usually one, or none.

    A client name means that service first. Then ``service`` is read as an
    endpoint prefix: the services using it, those whose recordings are filed
    under that very name first (``elasticloadbalancing`` is elb's; elbv2
    files its own as ``elbv2``). The prefix index is only built when the
    name isn't a client name, or when the caller needs more candidates.
    """
    name = SERVICE_NAME_ALIASES.get(service, service)
    first = service_model(name)
    if first is not None:
        return [first]
    return _by_endpoint_prefix(service)


def _by_endpoint_prefix(service: str) -> list[ServiceModel]:
    sharing = [service_model(other) for other in _services_by_prefix().get(service, ())]
    models = [m for m in sharing if m is not None]
    return sorted(models, key=lambda m: service_key(m) != service)


def resolve(service: str, operation: str) -> Resolved | None:
    """The service and operation that ``service`` and ``operation`` name.

    ``service``: a client name (``cloudwatch``, ``elbv2``, ``iot-data``) or an
    endpoint prefix as in recording file names (``monitoring``,
    ``elasticloadbalancing``, ``data-ats.iot``). A client name wins. A prefix
    that several services share means the one whose recordings are filed
    under it (:func:`placebo_unittest.naming.service_key`); if several still
    remain (services that are copies of each other), the first by name that
    has the operation. ``operation``: the model's name (``ListFunctions``) or
    the client method's (``list_functions``).

    Returns ``None`` for a service botocore doesn't know, so the caller can
    skip checking. Raises :class:`~placebo_unittest.errors.UnknownOperationError`
    for an operation a known service doesn't have, suggesting close names.
    """
    candidates = candidate_services(service)
    if not candidates:
        return None
    for model in candidates:
        name = _operation_name(model, operation)
        if name is not None:
            return Resolved(model, model.operation_model(name), name)
    others = [m for m in _by_endpoint_prefix(service) if m.service_name != candidates[0].service_name]
    for model in others:  # "sso" is a client name and sso-admin's endpoint prefix
        name = _operation_name(model, operation)
        if name is not None:
            return Resolved(model, model.operation_model(name), name)
    raise _unknown_operation(candidates[0], operation)


def file_service(resolved: Resolved) -> str:
    """The ``<service>`` part of recording file names for this service
    (``monitoring`` for cloudwatch): where playback will look."""
    return service_key(resolved.service_model)


def _operation_name(model: ServiceModel, operation: str) -> str | None:
    if operation in model.operation_names:
        return operation
    return _snake_names(model.service_name).get(operation)


def _unknown_operation(model: ServiceModel, operation: str) -> UnknownOperationError:
    """The error for an operation ``model`` lacks, suggesting names in the
    style given: ``list_functions`` for ``list_function``, else ``ListFunctions``."""
    names = list(model.operation_names)
    snake = operation == operation.lower()
    pool = list(_snake_names(model.service_name)) if snake else names
    plain = operation.replace("_", "").lower()
    suggestions = [name for name in pool if name.replace("_", "").lower() == plain]
    suggestions += difflib.get_close_matches(operation, pool, n=3)
    suggestions = list(dict.fromkeys(suggestions))[:3]
    if suggestions:
        problem = f"did you mean {_either(suggestions)}?"
    else:
        problem = "no name is close to it; {} has {} operations, such as {}".format(
            model.service_name, len(names), ", ".join(names[:3])
        )
    return UnknownOperationError(model.service_name, operation, problem)


def _either(words: Sequence[str]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    if len(words) <= 1:
        return "".join(words)
    return "{} or {}".format(", ".join(words[:-1]), words[-1])
