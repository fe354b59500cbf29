"""The file-name rule, used by recording and playback alike.

A recording is named ``[prefix.]<service>.<Operation>_<N>.<format>``, where
``<service>`` is botocore's endpoint prefix (``monitoring`` for CloudWatch,
``data-ats.iot`` for iot-data), as placebo names them, so existing recordings
keep their names. A few services share an endpoint prefix with an older one
(elb and elbv2 are both ``elasticloadbalancing``); those newer ones are told
apart by their botocore service name (``elbv2.DescribeLoadBalancers_1.json``),
and still read a file under the shared prefix when they have none of their own.

A service is told apart when it is listed in :data:`TOLD_APART`, or when
another botocore service is *named* after its endpoint prefix and uses that
prefix itself (``lambda-core`` beside ``lambda``): the second rule keeps
services added by later botocore releases apart without a new release of this
package.
"""
from __future__ import annotations

import re
import threading
from typing import Dict, NamedTuple, Optional, Tuple

from botocore.model import ServiceModel

__all__ = [
    "TOLD_APART",
    "service_key",
    "read_keys",
    "recording_stem",
    "recording_filename",
    "parse_recording_filename",
    "ParsedName",
]

#: Services whose endpoint prefix is shared with an older service that keeps it,
#: where no service is named after the prefix. They are recorded under their
#: botocore service name instead. Checked against botocore by the test suite.
TOLD_APART = frozenset({"connectcampaignsv2", "elbv2", "pinpoint-email", "sesv2"})

_NAME_RE = re.compile(
    r"^(?P<stem>.+)\.(?P<operation>[A-Za-z][A-Za-z0-9]*)_(?P<number>[1-9][0-9]*)"
    r"\.(?P<extension>json|pickle)$"
)


class ParsedName(NamedTuple):
    stem: str  # "[prefix.]service"
    operation: str
    number: int
    extension: str


def service_key(service_model: ServiceModel) -> str:
    """The ``<service>`` part of the file names for calls to this service."""
    name, prefix = service_model.service_name, service_model.endpoint_prefix
    if name == prefix:
        return prefix
    if name in TOLD_APART or _prefix_owner_prefix(prefix) == prefix:
        return name
    return prefix


_owners: Dict[str, Optional[str]] = {}
_owners_lock = threading.Lock()


def _prefix_owner_prefix(prefix: str) -> Optional[str]:
    """The endpoint prefix of the botocore service named ``prefix``, if there is one.

    Looked up once per prefix per process, from botocore's data files.
    """
    try:
        return _owners[prefix]
    except KeyError:
        pass
    with _owners_lock:
        if prefix not in _owners:
            from botocore.exceptions import DataNotFoundError

            from .models import loader  # the package's one loader (models needs this module)

            models_loader = loader()
            owner: Optional[str] = None
            if prefix in models_loader.list_available_services("service-2"):
                try:
                    metadata = models_loader.load_service_model(prefix, "service-2")["metadata"]
                    owner = metadata.get("endpointPrefix")
                except DataNotFoundError:
                    owner = None
            _owners[prefix] = owner
    return _owners[prefix]


def read_keys(service_model: ServiceModel) -> Tuple[str, ...]:
    """The ``<service>`` names playback looks under, in order of preference."""
    key = service_key(service_model)
    if key != service_model.endpoint_prefix:
        return (key, service_model.endpoint_prefix)
    return (key,)


def recording_stem(prefix: Optional[str], service: str) -> str:
    return "{}.{}".format(prefix, service) if prefix else service


def recording_filename(
    prefix: Optional[str], service: str, operation: str, number: int, extension: str
) -> str:
    """``[prefix.]service.Operation_N.extension``: the one place names are built."""
    return "{}.{}_{}.{}".format(recording_stem(prefix, service), operation, number, extension)


def parse_recording_filename(name: str) -> Optional[ParsedName]:
    """Split a file name made by :func:`recording_filename`; ``None`` if it isn't one."""
    match = _NAME_RE.match(name)
    if match is None:
        return None
    return ParsedName(
        match.group("stem"),
        match.group("operation"),
        int(match.group("number")),
        match.group("extension"),
    )
