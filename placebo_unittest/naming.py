"""The file-name rule, used by recording and playback alike.

A recording is named ``[prefix.]<service>.<Operation>_<N>.<format>``, where
``<service>`` is botocore's endpoint prefix (``monitoring`` for CloudWatch,
``data-ats.iot`` for iot-data), as placebo names them, so existing recordings
keep their names. A few services share an endpoint prefix with an older one
(elb and elbv2 are both ``elasticloadbalancing``); those newer ones are told
apart by their botocore service name (``elbv2.DescribeLoadBalancers_1.json``),
and still read a file under the shared prefix when they have none of their own.
"""
from __future__ import annotations

import re
from typing import NamedTuple, Optional, Tuple

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

#: Services whose endpoint prefix is shared with an older service that keeps it.
#: They are recorded under their botocore service name instead. Checked against
#: the installed botocore by the test suite.
TOLD_APART = frozenset(
    {
        "apigatewayv2",
        "connectcampaignsv2",
        "docdb",
        "elbv2",
        "greengrassv2",
        "kinesis-video-archived-media",
        "kinesis-video-media",
        "kinesis-video-signaling",
        "kinesis-video-webrtc-storage",
        "kinesisanalyticsv2",
        "neptune",
        "opensearch",
        "pinpoint-email",
        "qconnect",
        "sesv2",
        "simpledbv2",
    }
)

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
    if service_model.service_name in TOLD_APART:
        return service_model.service_name
    return service_model.endpoint_prefix


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
