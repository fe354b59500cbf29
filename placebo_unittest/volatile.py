"""Values that change on every recording, left out of a drift report.

Some values change each time a test is recorded without the service's answer
changing: request ids, dates, ETags, tokens, generated ids. :class:`IgnoreRules`
says what :mod:`placebo_unittest.drift` leaves out. Its entries are an ignore
spec in :mod:`placebo_unittest.matching`'s syntax, matched against the paths
a drift report prints (``data...``, ``request...``): a bare name
(``NextToken``) at any depth, a path (``data.ResponseMetadata``,
``data.Items[*].Expires``) at exactly that place. Two rules look at values
instead: ``datetimes`` ignores a value that is a datetime on both sides
(``LaunchTime``, ``CreationDate``), and ``generated_ids`` a string whose
only change is in tokens shaped like generated ids (a UUID, a resource id
such as ``i-0123456789abcdef0``, a run of 16 or more hex digits), wherever
in the string they are (an ARN, a URL). :func:`ignore_rules` builds the
default rules (:data:`DEFAULT_IGNORE` and both value rules) plus a caller's
entries; ``defaults=False`` keeps only the caller's.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .matching import IgnoreSpec, compile_ignore
from .params import TAG, is_tag

__all__ = ["DEFAULT_IGNORE", "IgnoreRules", "ignore_rules"]

#: The entries ignored by default, besides the ``datetimes`` and
#: ``generated_ids`` value rules. Each changes on every recording without the
#: service's answer changing:
#:
#: - ``data.ResponseMetadata``: the request id, host id, HTTP headers (the
#:   date, the request id again, the length) and retry count. The HTTP status
#:   is compared as ``status_code``.
#: - ``RequestId``, ``requestId``: request ids that some services return in
#:   the body as well.
#: - ``ETag``: a digest, or for multipart uploads a value that changes with
#:   the upload, not with the content a test reads.
#: - ``NextToken``, ``nextToken``, ``NextContinuationToken``,
#:   ``ContinuationToken``: opaque pagination tokens, often encrypted with the
#:   time they were made.
#: - ``ClientToken``, ``clientToken``, ``ClientRequestToken``,
#:   ``clientRequestToken``, ``IdempotencyToken``, ``idempotencyToken``:
#:   idempotency tokens, new for every call (botocore makes one up when the
#:   caller gives none).
#: - ``ReceiptHandle``: SQS gives a new one each time a message is received.
DEFAULT_IGNORE: tuple[str, ...] = (
    "data.ResponseMetadata",
    "RequestId", "requestId",
    "ETag",
    "NextToken", "nextToken", "NextContinuationToken", "ContinuationToken",
    "ClientToken", "clientToken", "ClientRequestToken", "clientRequestToken",
    "IdempotencyToken", "idempotencyToken",
    "ReceiptHandle",
)


@dataclass(frozen=True)
class IgnoreRules:
    """What a comparison leaves out: the locations ``spec`` ignores (compiled
    with :func:`~placebo_unittest.matching.compile_ignore`), and the values
    the ``datetimes`` and ``generated_ids`` rules ignore (see the module's
    docstring)."""

    spec: IgnoreSpec = field(default_factory=IgnoreSpec)
    datetimes: bool = False
    generated_ids: bool = False

    @property
    def entries(self) -> tuple[str, ...]:
        """The ignore spec's entries, as given."""
        return self.spec.entries

    def ignores_value(self, old: Any, new: Any) -> bool:
        """Whether a change of a leaf from ``old`` to ``new`` is left out by a value rule."""
        if self.datetimes and _is_datetime(old) and _is_datetime(new):
            return True
        return self.generated_ids and isinstance(old, str) and isinstance(new, str) \
            and _GENERATED_ID.sub("\x00", old) == _GENERATED_ID.sub("\x00", new)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"entries": list(self.entries), "datetimes": self.datetimes, "generated_ids": self.generated_ids}


def ignore_rules(extra: Iterable[str] = (), *, defaults: bool = True) -> IgnoreRules:
    """The rules a comparison ignores by: :data:`DEFAULT_IGNORE` and the two
    value rules (unless ``defaults`` is false), plus the entries in ``extra``.

    Raises :class:`~placebo_unittest.matching.IgnoreSyntaxError` (a
    ``ValueError``) for an entry that can't be read.
    """
    entries = (DEFAULT_IGNORE if defaults else ()) + tuple(extra)
    return IgnoreRules(compile_ignore(entries), datetimes=defaults, generated_ids=defaults)


#: An ISO 8601 date and time, as some services send timestamps inside strings.
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\Z")
#: Tokens shaped like generated ids: a UUID, an AWS resource id (``i-0abc...``,
#: ``vol-...``, ``sg-...``), or a run of 16 or more hex digits.
_GENERATED_ID = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|[a-z]{1,12}-[0-9a-f]{8,17}"
    r"|[0-9a-fA-F]{16,}"
    r")(?![0-9A-Za-z])")


def _is_datetime(value: Any) -> bool:
    if is_tag(value):
        return bool(value[TAG] == "datetime")
    return isinstance(value, str) and _ISO_DATETIME.match(value) is not None
