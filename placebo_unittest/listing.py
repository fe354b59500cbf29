"""What recording files are: the library behind ``placebo-unittest list``.

:func:`describe_file` tells what one file is: its format (``json`` or
``pickle``) and form (:data:`FORMS`), its size and status code; and
:func:`summarize` groups a directory's files by operation. A pickle file is
never loaded here.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import PlaceboError
from .recordings import RecordingFile, read_file, split_stem
from .serializer import Loaded, materialize

__all__ = ["FORMS", "FileInfo", "OperationSummary", "describe_file", "summarize"]

#: The forms a recording file can be in: ``current`` (JSON with a
#: ``placebo_unittest`` section), ``placebo`` and ``cloud-custodian`` (JSON
#: without one, as placebo and cloud-custodian's wrapper write; told apart by
#: the emptied ``ResponseMetadata`` cloud-custodian leaves), ``pickle``, and
#: ``unreadable`` for a file that can't be read as a recording.
FORMS = ("current", "placebo", "cloud-custodian", "pickle", "unreadable")


@dataclass(frozen=True)
class FileInfo:
    """What :func:`describe_file` found out about one file.

    ``form`` is one of :data:`FORMS`; ``status_code`` is None for a pickle
    file (it is not loaded) or an unreadable one, whose ``error`` says why.
    """

    file: RecordingFile
    form: str
    status_code: int | None = None
    has_request: bool = False
    error: str | None = None

    @property
    def format(self) -> str:
        """``json`` or ``pickle``, from the file's extension."""
        return self.file.extension

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the facts."""
        return {
            "name": self.file.name,
            "path": self.file.path,
            "stem": self.file.stem,
            "operation": self.file.operation,
            "number": self.file.number,
            "format": self.format,
            "form": self.form,
            "size": self.file.size,
            "status_code": self.status_code,
            "has_request": self.has_request,
            "error": self.error,
        }


def form_of(loaded: Loaded) -> str:
    """The form (see :data:`FORMS`) of a file read as JSON."""
    if not loaded.legacy:
        return "current"
    _status, data = materialize(loaded)
    if isinstance(data, dict) and data.get("ResponseMetadata") == {}:
        return "cloud-custodian"
    return "placebo"


def describe_file(item: RecordingFile) -> FileInfo:
    """The format, form and status code of a recording file.

    A JSON file is read and checked as playback would read it; a pickle file
    is not loaded at all.
    """
    if item.extension == "pickle":
        return FileInfo(item, "pickle")
    try:
        loaded = read_file(item)
    except PlaceboError as exc:
        return FileInfo(item, "unreadable", error=str(exc))
    except OSError as exc:
        return FileInfo(item, "unreadable", error=f"{item.path} can't be read: {exc}")
    return FileInfo(item, form_of(loaded), loaded.status_code, loaded.request is not None)


@dataclass
class OperationSummary:
    """The recordings of one ``[prefix.]service.Operation`` in one directory."""

    stem: str
    service: str
    prefix: str | None
    operation: str
    numbers: list[int] = field(default_factory=list)
    size: int = 0
    formats: dict[str, int] = field(default_factory=dict)
    forms: dict[str, int] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        """How many calls are recorded: the distinct numbers."""
        return len(set(self.numbers))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "stem": self.stem,
            "service": self.service,
            "prefix": self.prefix,
            "operation": self.operation,
            "calls": self.calls,
            "numbers": sorted(set(self.numbers)),
            "size": self.size,
            "formats": dict(sorted(self.formats.items())),
            "forms": dict(sorted(self.forms.items())),
        }


def summarize(infos: Sequence[FileInfo]) -> list[OperationSummary]:
    """The files of one directory, described, grouped by stem and operation."""
    groups: dict[tuple[str, str], OperationSummary] = {}
    for info in infos:
        item = info.file
        summary = groups.get(item.key)
        if summary is None:
            prefix, service, _resolved = split_stem(item.stem, item.operation)
            summary = groups[item.key] = OperationSummary(item.stem, service, prefix, item.operation)
        summary.numbers.append(item.number)
        summary.size += item.size
        summary.formats[info.format] = summary.formats.get(info.format, 0) + 1
        summary.forms[info.form] = summary.forms.get(info.form, 0) + 1
    return [groups[key] for key in sorted(groups)]
