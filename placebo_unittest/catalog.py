"""botocore's data files, read through one loader shared by the package.

A loader, not a session: it is all that reading models needs, and it honours
``AWS_DATA_PATH`` as a session does. :mod:`placebo_unittest.models` reads
service models through it, :mod:`placebo_unittest.naming` asks it which
endpoint prefix a service uses, and :mod:`placebo_unittest.session` hands it
to every session it makes. It knows nothing of botocore events.
"""
from __future__ import annotations

import os
import threading

from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader, create_loader

__all__ = ["loader", "endpoint_prefix"]

_MODEL_TYPE = "service-2"
_loader: Loader | None = None
_loader_lock = threading.Lock()
_prefixes: dict[str, str | None] = {}
_prefixes_lock = threading.Lock()


def loader() -> Loader:
    """The package's one botocore loader, made on first use."""
    global _loader
    if _loader is None:
        with _loader_lock:
            if _loader is None:
                _loader = create_loader(os.environ.get("AWS_DATA_PATH"))
    return _loader


def endpoint_prefix(name: str) -> str | None:
    """The endpoint prefix of the botocore service named ``name``, or ``None``
    when botocore has no service of that name.

    Looked up once per name per process, from botocore's data files.
    """
    try:
        return _prefixes[name]
    except KeyError:
        pass
    with _prefixes_lock:
        if name not in _prefixes:
            models_loader = loader()
            prefix: str | None = None
            if name in models_loader.list_available_services(_MODEL_TYPE):
                try:
                    metadata = models_loader.load_service_model(name, _MODEL_TYPE)["metadata"]
                    prefix = metadata.get("endpointPrefix")
                except DataNotFoundError:
                    prefix = None
            _prefixes[name] = prefix
    return _prefixes[name]
