"""Recording directories as a whole: find them, describe, check, redact and convert their files.

This is the library behind the ``placebo-unittest`` command (see
:mod:`placebo_unittest.cli`), usable on its own. It works on files already on
disk, and knows nothing of botocore events or of the Pill.

- :func:`find_recording_dirs` finds the directories holding recordings under
  some paths, and the recording files in each.
- :func:`describe_file` tells what one file is: its format (``json`` or
  ``pickle``) and form (:data:`FORMS`), its size and status code.
- :func:`check_file` and :func:`numbering_gaps` find what is wrong:
  unreadable files, pickle files, numbers skipped, secrets left in a file,
  and responses that no longer fit botocore's model of their operation.
  Each :class:`Problem` names the file and says what to do.
- :func:`redact_file` applies redactors to a file in place, and
  :func:`convert_file` rewrites a pickle file or a file written by placebo or
  cloud-custodian in the current JSON form. Both write atomically, and only
  when something changes.

Pickle files are never loaded except by :func:`convert_file`, because loading
a pickle can run arbitrary code: converting a file is choosing to trust it.

Two redactors are defined here besides the built-in ones of
:mod:`placebo_unittest.redaction`, for files already written:
:class:`AccessKeyIds` (AWS access key ids, ``AKIA...`` and ``ASIA...``) and
:class:`CredentialFields` (members named like a password, a secret key or a
session token, for services whose model doesn't mark them). :func:`check_file`
looks for secrets with :func:`detection_redactors`, the built-in defaults and
these two, and :func:`redact_file` is given the same list by the command line,
so a file that has been redacted passes the check.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import botocore

from .codec import SECTION, show_path
from .errors import (
    ConfigurationError,
    CorruptRecordingError,
    InvalidResponseError,
    PlaceboError,
    UnknownOperationError,
    UnserializableValueError,
)
from .models import Resolved, candidate_services, resolve
from .naming import parse_recording_filename
from .params import TAG, normalize
from .redaction import (
    BUILTIN_REDACTORS,
    Data,
    Kind,
    Redactor,
    default_redactors,
    placeholder,
    redactor_name,
    resolve_redactors,
)
from .serializer import Loaded, Recording, dumps, encode, loads, materialize
from .storage import RecordingStore
from .validation import validate_response

__all__ = [
    "FORMS",
    "PROBLEM_KINDS",
    "RecordingFile",
    "RecordingDir",
    "FileInfo",
    "Problem",
    "Outcome",
    "OperationSummary",
    "find_recording_dirs",
    "split_stem",
    "describe_file",
    "summarize",
    "check_file",
    "numbering_gaps",
    "AccessKeyIds",
    "CredentialFields",
    "EXTRA_REDACTORS",
    "detection_redactors",
    "load_redactor",
    "redact_file",
    "convert_file",
]

#: The forms a recording file can be in: ``current`` (JSON with a
#: ``placebo_unittest`` section), ``placebo`` and ``cloud-custodian`` (JSON
#: without one, as placebo and cloud-custodian's wrapper write; told apart by
#: the emptied ``ResponseMetadata`` cloud-custodian leaves), ``pickle``, and
#: ``unreadable`` for a file that can't be read as a recording.
FORMS = ("current", "placebo", "cloud-custodian", "pickle", "unreadable")

#: What :func:`check_file` and :func:`numbering_gaps` report: a file that
#: can't be read, a pickle file, a number skipped, a secret left in a file,
#: personal data left in a file (when the ``personal_data`` redactor is
#: configured), and a response (or an operation) that botocore's model no
#: longer has.
PROBLEM_KINDS = ("corrupt", "pickle", "gap", "secret", "personal", "stale")

#: Directories never searched for recordings (besides hidden ones, whose
#: names start with a dot).
SKIPPED_DIRECTORIES = frozenset({"__pycache__", "node_modules", "site-packages"})

#: The part of a staging directory's name that PlaceboTestCase records into
#: before moving it into place: transient, so never searched.
_STAGING_MARK = ".recording-"


# -- finding files -----------------------------------------------------------------

@dataclass(frozen=True)
class RecordingFile:
    """One file named like a recording: ``[prefix.]<service>.<Operation>_<N>.<extension>``.

    ``stem`` is ``[prefix.]<service>`` as in the name; ``size`` is in bytes
    (0 for a directory standing where a recording should be).
    """

    path: str
    stem: str
    operation: str
    number: int
    extension: str
    size: int

    @property
    def name(self) -> str:
        """The file's name, without its directory."""
        return os.path.basename(self.path)

    @property
    def directory(self) -> str:
        """The directory holding the file."""
        return os.path.dirname(self.path) or os.curdir

    @property
    def key(self) -> tuple[str, str]:
        """``(stem, operation)``: the recordings numbered together."""
        return (self.stem, self.operation)


@dataclass
class RecordingDir:
    """A directory holding recordings (usually one test's), and its recording files, sorted."""

    path: str
    files: list[RecordingFile] = field(default_factory=list)
    #: False when only some files of the directory were asked for.
    complete: bool = True

    def size(self) -> int:
        """The total size of the files, in bytes."""
        return sum(f.size for f in self.files)


def _recording_entry(path: str) -> RecordingFile | None:
    parsed = parse_recording_filename(os.path.basename(path))
    if parsed is None:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    size = info.st_size if stat.S_ISREG(info.st_mode) else 0
    return RecordingFile(path, parsed.stem, parsed.operation, parsed.number, parsed.extension, size)


def _sort_key(item: RecordingFile) -> tuple[str, str, int, str]:
    return (item.stem, item.operation, item.number, item.extension)


def _files_in(directory: str) -> list[RecordingFile]:
    found = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        entry = _recording_entry(os.path.normpath(os.path.join(directory, name)))
        if entry is not None:
            found.append(entry)
    return sorted(found, key=_sort_key)


def _searched(name: str) -> bool:
    return not (name.startswith(".") or name in SKIPPED_DIRECTORIES or _STAGING_MARK in name)


def find_recording_dirs(paths: Iterable[str]) -> list[RecordingDir]:
    """The directories holding recordings under ``paths``, each with its files.

    A directory is searched with everything below it, except hidden
    directories, ``__pycache__``, ``node_modules``, ``site-packages`` and the
    staging directories a recording test writes into; symbolic links to
    directories are not followed. A file must be named like a recording, and
    then only that file of its directory is taken (the directory is then not
    :attr:`~RecordingDir.complete`). A directory named like a recording is
    taken as a file, so that checking it says what it is.

    Raises ``FileNotFoundError`` for a path that doesn't exist and
    ``ValueError`` for a file that isn't named like a recording.
    """
    found: dict[str, RecordingDir] = {}
    for given in paths:
        path = os.path.normpath(given)
        if not os.path.lexists(path):
            raise FileNotFoundError(f"No such file or directory: {given}")
        entry = _recording_entry(path)
        if os.path.isdir(path) and entry is None:
            for root, directories, _names in os.walk(path):
                root = os.path.normpath(root)
                directories[:] = sorted(d for d in directories if _searched(d)
                                        and parse_recording_filename(d) is None)
                files = _files_in(root)
                if files:
                    known = found.get(root)
                    if known is None or not known.complete:
                        found[root] = RecordingDir(root, files)
            continue
        if entry is None:
            raise ValueError(f"{given} is not named like a recording ([prefix.]service.Operation_N.json "
                             "or .pickle)")
        directory = os.path.dirname(path) or os.curdir
        known = found.setdefault(directory, RecordingDir(directory, [], complete=False))
        if entry not in known.files:
            known.files.append(entry)
            known.files.sort(key=_sort_key)
    return [found[key] for key in sorted(found)]


# -- what a file is ------------------------------------------------------------------

def _read(item: RecordingFile) -> Loaded:
    """The file as it is now on disk, read and checked through a
    :class:`RecordingStore`, so that every check of the store applies (the
    size limit, a directory or a device standing where a file should be).
    Nothing is cached: files may change between two calls."""
    return RecordingStore(item.directory).load_path(item.path, item.extension)


def _save(path: str, payload: bytes) -> None:
    """Put ``payload`` at ``path`` atomically, replacing what is there."""
    RecordingStore(os.path.dirname(path) or os.curdir).save_as(path, payload)


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


def _form_of(loaded: Loaded) -> str:
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
        loaded = _read(item)
    except PlaceboError as exc:
        return FileInfo(item, "unreadable", error=str(exc))
    except OSError as exc:
        return FileInfo(item, "unreadable", error=f"{item.path} can't be read: {exc}")
    return FileInfo(item, _form_of(loaded), loaded.status_code, loaded.request is not None)


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


# -- services and models ---------------------------------------------------------------

_splits: dict[tuple[str, str], tuple[str | None, str, Resolved | None]] = {}


def split_stem(stem: str, operation: str) -> tuple[str | None, str, Resolved | None]:
    """``(prefix, service, resolved)`` for a file's stem ``[prefix.]service``.

    The service is the longest dotted suffix of the stem that botocore knows
    (``data-ats.iot`` is one service, ``TestFoo.test_it.monitoring`` is
    ``monitoring`` with a prefix). ``resolved`` is the operation's model, or
    None when botocore doesn't know the service or has no such operation (the
    service is then the last part of the stem, or the suffix that was known).
    """
    key = (stem, operation)
    if key in _splits:
        return _splits[key]
    parts = stem.split(".")
    result: tuple[str | None, str, Resolved | None] = (
        ".".join(parts[:-1]) or None, parts[-1], None)
    for start in range(len(parts)):
        candidate = ".".join(parts[start:])
        prefix = ".".join(parts[:start]) or None
        try:
            resolved = resolve(candidate, operation)
        except UnknownOperationError:
            result = (prefix, candidate, None)
            break
        if resolved is not None:
            result = (prefix, candidate, resolved)
            break
    _splits[key] = result
    return result


def _unknown_operation(stem: str, operation: str) -> UnknownOperationError | None:
    """The error :func:`resolve` gives when the stem's service lacks ``operation``."""
    _prefix, service, resolved = split_stem(stem, operation)
    if resolved is not None:
        return None
    try:
        resolve(service, operation)
    except UnknownOperationError as exc:
        return exc
    return None


# -- problems ----------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One thing wrong with a recording: ``kind`` (one of :data:`PROBLEM_KINDS`),
    the file's ``path``, what is wrong (``message``) and what to do (``fix``)."""

    kind: str
    path: str
    message: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.message}"
        if self.fix:
            text += " " + self.fix
        return text

    def as_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"kind": self.kind, "path": self.path, "message": self.message, "fix": self.fix}


def numbering_gaps(directory: RecordingDir) -> list[Problem]:
    """A problem for each operation whose numbers skip one (``_1``, ``_3``
    without ``_2``): playback stops at the gap, so the files after it are
    never replayed. The whole directory is looked at, even when only some
    of its files were asked for."""
    files = directory.files if directory.complete else _files_in(directory.path)
    asked = {item.key for item in directory.files}
    numbers: dict[tuple[str, str], dict[int, RecordingFile]] = {}
    for item in files:
        if item.key in asked:
            numbers.setdefault(item.key, {}).setdefault(item.number, item)
    problems = []
    for (stem, operation), found in sorted(numbers.items()):
        highest = max(found)
        missing = [n for n in range(1, highest + 1) if n not in found]
        if not missing:
            continue
        first_after = min(n for n in found if n > missing[0])
        after = sorted(found[n].name for n in found if n > missing[0])
        message = "{}.{} skips {} ({}): playback stops at _{}, so {} never replayed.".format(
            stem, operation, _plural(len(missing), "number"),
            ", ".join(f"_{n}" for n in missing), missing[0],
            _list_names(after) + (" is" if len(after) == 1 else " are"))
        fix = ("Rename the files to close the gap if the calls are still made in that order, "
               f"or delete the recordings of {stem}.{operation} and record the test again.")
        problems.append(Problem("gap", found[first_after].path, message, fix))
    return problems


def _list_names(names: Sequence[str]) -> str:
    if len(names) <= 3:
        return ", ".join(names)
    return "{} and {} more".format(", ".join(names[:3]), len(names) - 3)


def _plural(count: int, word: str) -> str:
    return "{} {}{}".format(count, word, "" if count == 1 else "s")


#: Findings of botocore's validator that say a recording is incomplete rather
#: than stale: AWS, and moto, leave out members the model calls required, and
#: send values shorter than its minimums. They are not reported.
_LENIENT = ("Missing required key", "Too short at", "Too small at", "No key set in")


def check_file(
    item: RecordingFile,
    *,
    secrets: bool = True,
    stale: bool = True,
    pickle: bool = True,
    redactors: Sequence[Redactor] | None = None,
) -> list[Problem]:
    """What is wrong with one recording file.

    - ``corrupt``: it can't be read as playback reads it (the message is the
      :class:`~placebo_unittest.errors.CorruptRecordingError`, or another
      :class:`~placebo_unittest.errors.PlaceboError`, naming the file and the fix);
    - ``pickle``: it is a pickle file (not loaded: loading one can run code);
    - ``secret``: a value that one of ``redactors`` (by default
      :func:`detection_redactors`) would replace, in the response or in the
      stored request. The secret itself is never shown, only where it is;
    - ``stale``: its operation is not in botocore's model of the service, or
      its response has keys, or values of types, that the model of the
      operation's output doesn't (checked with botocore's validator, as
      :func:`placebo_unittest.validation.validate_response` does; members
      the model calls required but the response lacks are not reported).

    ``secrets``, ``stale`` and ``pickle`` turn those checks off.
    """
    if item.extension == "pickle":
        if not pickle:
            return []
        return [Problem(
            "pickle", item.path,
            "is a pickle file: a JSON pill never reads it, and loading it can run arbitrary code, "
            "so it was not checked.",
            f"Convert it to JSON with `placebo-unittest convert {_quote(item.path)}` (it keeps the same "
            "responses).")]
    try:
        loaded = _read(item)
        problems: list[Problem] = []
        if stale:
            problems.extend(_stale(item, loaded))
        if secrets:
            problems.extend(_secrets(item, loaded, detection_redactors() if redactors is None else redactors))
        return problems
    except PlaceboError as exc:
        return [Problem("corrupt", item.path, _sentence(str(exc)))]
    except OSError as exc:
        return [Problem("corrupt", item.path, f"can't be read: {exc}.",
                        "Check the file's permissions, or restore it from version control.")]


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def _quote(path: str) -> str:
    return f"'{path}'" if re.search(r"[^\w@%+=:,./-]", path) else path


def _stale(item: RecordingFile, loaded: Loaded) -> list[Problem]:
    unknown = _unknown_operation(item.stem, item.operation)
    if unknown is not None:
        return [Problem(
            "stale", item.path,
            "botocore {} has no operation {} in {}{}".format(
                botocore.__version__, item.operation, unknown.service,
                ": " + unknown.problems[0] if unknown.problems else "."),
            "Rename the file if the operation is misspelt, or delete it and record the test again.")]
    _prefix, _service, resolved = split_stem(item.stem, item.operation)
    if resolved is None:
        return []  # a service botocore doesn't know: there is no model to check against
    first: tuple[Resolved, list[str]] | None = None
    for candidate in _sharing(resolved, _service):
        found = _misfits(candidate, loaded)
        if not found:
            return []
        if first is None:
            first = (candidate, found)
    assert first is not None
    candidate, found = first
    return [Problem(
        "stale", item.path,
        "doesn't fit botocore {}'s model of {} {}: {}.".format(
            botocore.__version__, candidate.service, candidate.operation,
            "; ".join(p.rstrip(".") for p in found)),
        "Record the test again, or remove what the model lacks by hand if the test "
        "doesn't need it.")]


def _sharing(resolved: Resolved, service: str) -> list[Resolved]:
    """``resolved``, then the same operation of the other services whose
    recordings playback may read under the same name: a file named after a
    shared endpoint prefix (``elasticloadbalancing``) is read by elb, and by
    elbv2 when elbv2 has none of its own."""
    found = [resolved]
    for model in candidate_services(service):
        if model.service_name != resolved.service and resolved.operation in model.operation_names:
            found.append(Resolved(model, model.operation_model(resolved.operation), resolved.operation))
    return found


def _misfits(resolved: Resolved, loaded: Loaded) -> list[str]:
    """What botocore's validator finds wrong with the file's response, leniently."""
    shape = resolved.operation_model.output_shape if loaded.legacy else None
    _status, data = materialize(loaded, shape)
    try:
        validate_response(resolved, data, loaded.status_code)
    except InvalidResponseError as exc:
        return [p for p in exc.problems if not p.startswith(_LENIENT)]
    return []


def _secrets(item: RecordingFile, loaded: Loaded, redactors: Sequence[Redactor]) -> list[Problem]:
    service = _redaction_service(item)
    found: dict[str, dict[str, list[str]]] = {"secret": {}, "personal": {}}
    for redactor in redactors:
        kind = "personal" if redactor is BUILTIN_REDACTORS["personal_data"] else "secret"
        result = _redact_loaded(loaded, service, item.operation, [redactor])
        for where in result.fields:
            found[kind].setdefault(where, []).append(redactor_name(redactor))
    fix = f"Run `placebo-unittest redact {_quote(item.directory or os.curdir)}`, then check that the test still passes."
    problems = []
    for kind, what, plural in (("secret", "a secret", "secrets"), ("personal", "personal data", "personal data")):
        if found[kind]:
            places = ["{} ({})".format(where, ", ".join(names)) for where, names in found[kind].items()]
            count = what if len(places) == 1 else f"{len(places)} pieces of {plural}" if kind == "personal" \
                else f"{len(places)} {plural}"
            problems.append(Problem(kind, item.path, "holds {} that redaction would replace: {}.".format(
                count, "; ".join(places)), fix))
    return problems


def _redaction_service(item: RecordingFile) -> str:
    """The service name redactors are given: botocore's, when it knows the service."""
    _prefix, service, resolved = split_stem(item.stem, item.operation)
    return resolved.service if resolved is not None else service


# -- redactors for files already written -----------------------------------------------

#: An AWS access key id: ``AKIA`` (long-term) or ``ASIA`` (temporary) and 16 more.
ACCESS_KEY_ID = re.compile(r"(?<![A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}(?![A-Za-z0-9])")
#: What :class:`AccessKeyIds` puts in place of an access key id's last 16 characters.
ACCESS_KEY_ID_PLACEHOLDER = "REDACTEDREDACTED"


def _is_placeholder_key(match: re.Match[str]) -> bool:
    text = match.group(0)
    return text.endswith(ACCESS_KEY_ID_PLACEHOLDER) or text.endswith("EXAMPLE")


class AccessKeyIds:
    """Replaces AWS access key ids (``AKIA`` or ``ASIA`` and 16 letters or
    digits) found anywhere in a string, keeping the first four characters:
    ``ASIAREDACTEDREDACTED``. Ids ending in ``EXAMPLE``, as in AWS's
    documentation, are left alone. Applied to requests too, so that a call
    passing back an id that a redacted response gave still matches."""

    name = "access_key_ids"

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        result: Data = _map_strings(data, self._replace)
        return result

    def request(self, service: str, operation: str, params: Data) -> Data:
        result: Data = _map_strings(params, self._replace)
        return result

    @staticmethod
    def _replace(text: str) -> str:
        if "IA" not in text:
            return text
        return ACCESS_KEY_ID.sub(
            lambda m: m.group(0) if _is_placeholder_key(m) else m.group(1) + ACCESS_KEY_ID_PLACEHOLDER, text)

    def __repr__(self) -> str:
        return f"<redactor {self.name}>"


def _map_strings(value: Any, fn: Callable[[str], str]) -> Any:
    """``value`` with ``fn`` applied to every string in it (not to dict keys);
    the same object wherever nothing changed."""
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        changed = {}
        for key, child in value.items():
            new = _map_strings(child, fn)
            if new is not child:
                changed[key] = new
        if not changed:
            return value
        return {key: changed.get(key, child) for key, child in value.items()}
    if isinstance(value, list):
        items = [_map_strings(child, fn) for child in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


#: Member names (compared without regard to case, by their end) that hold a
#: credential, and the kind of placeholder each gets.
CREDENTIAL_NAMES: tuple[tuple[str, Kind], ...] = (
    ("sessiontoken", Kind.SESSION_TOKEN),
    ("secretaccesskey", Kind.ACCESS_KEY_SECRET),
    ("secretkey", Kind.ACCESS_KEY_SECRET),
    ("password", Kind.TEXT),
)


class CredentialFields:
    """Replaces the string or bytes value of every member whose name ends like
    a credential's (``SessionToken``, ``SecretAccessKey``, ``SecretKey``,
    ``Password``, in any case), at any depth, with the placeholder of
    :func:`placebo_unittest.redaction.placeholder`. It covers services whose
    model doesn't mark such members, and services botocore doesn't know.
    Responses only: the models mark the passwords requests carry."""

    name = "credential_fields"

    def __call__(self, service: str, operation: str, data: Data) -> Data:
        result: Data = self._walk(data)
        return result

    def _walk(self, value: Any) -> Any:
        if isinstance(value, dict):
            changed = {}
            for key, child in value.items():
                kind = _credential_kind(key) if isinstance(key, str) else None
                if kind is not None and isinstance(child, (str, bytes)):
                    new = placeholder(child, kind)
                else:
                    new = self._walk(child)
                if new is not child and new != child:
                    changed[key] = new
            if not changed:
                return value
            return {key: changed.get(key, child) for key, child in value.items()}
        if isinstance(value, list):
            items = [self._walk(child) for child in value]
            return value if all(a is b for a, b in zip(items, value, strict=True)) else items
        return value

    def __repr__(self) -> str:
        return f"<redactor {self.name}>"


def _credential_kind(name: str) -> Kind | None:
    lowered = name.lower()
    for ending, kind in CREDENTIAL_NAMES:
        if lowered.endswith(ending):
            return kind
    return None


#: The redactors defined here, by name; :func:`load_redactor` knows them too.
EXTRA_REDACTORS: dict[str, Redactor] = {
    AccessKeyIds.name: AccessKeyIds(),
    CredentialFields.name: CredentialFields(),
}


def detection_redactors() -> list[Redactor]:
    """The redactors that define a secret for :func:`check_file`, and that
    the command line's ``redact`` applies by default: the ones recording
    applies by default (:func:`~placebo_unittest.redaction.default_redactors`:
    the secrets, and what ``$PLACEBO_REDACT`` adds, such as ``personal_data``),
    then :class:`AccessKeyIds` and :class:`CredentialFields`."""
    return default_redactors() + list(EXTRA_REDACTORS.values())


def load_redactor(spec: str) -> Redactor:
    """The redactor ``spec`` names: a built-in's name (see
    :data:`~placebo_unittest.redaction.BUILTIN_REDACTORS` and
    :data:`EXTRA_REDACTORS`), or ``module:attribute`` naming a callable
    ``(service, operation, data) -> data``, as the Pill's ``redact`` option
    accepts (``attribute`` may be dotted). The current directory is searched
    for the module first, as ``python -m`` would.

    Raises ``ValueError`` (a :class:`~placebo_unittest.errors.ConfigurationError`
    for an unknown built-in) saying what is wrong.
    """
    if spec in EXTRA_REDACTORS:
        return EXTRA_REDACTORS[spec]
    if ":" not in spec:
        if spec in BUILTIN_REDACTORS:
            return resolve_redactors([spec])[0]
        raise ConfigurationError("redactor", spec, sorted([*BUILTIN_REDACTORS, *EXTRA_REDACTORS]),
                                 "Or name a callable of your own as module:attribute.")
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"{spec!r} is not module:attribute, such as mypackage.redactors:scrub")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"Can't import {module_name} for the redactor {spec!r}: {exc}") from exc
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError as exc:
            raise ValueError(f"{module_name} has no attribute {attribute!r} (from the redactor {spec!r})") from exc
    if not callable(target):
        raise ValueError(f"The redactor {spec!r} is a {type(target).__name__}, not a callable "
                         "(service, operation, data) -> data")
    return resolve_redactors([target])[0]


# -- redacting --------------------------------------------------------------------

@dataclass
class Outcome:
    """What :func:`redact_file` or :func:`convert_file` did (or, in a dry run,
    would do) to one file.

    ``action`` is ``redacted``, ``converted``, ``unchanged``, ``skipped`` or
    ``failed``; ``fields`` lists where values were replaced; ``detail`` says
    why a file was skipped or failed, or what was written.
    """

    path: str
    action: str
    fields: list[str] = field(default_factory=list)
    detail: str = ""
    written: str | None = None
    removed: str | None = None
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """Whether the file was (or would be) rewritten."""
        return self.action in ("redacted", "converted")

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"path": self.path, "action": self.action, "fields": list(self.fields),
                "detail": self.detail, "written": self.written, "removed": self.removed,
                "dry_run": self.dry_run}


class _Redacted:
    __slots__ = ("data", "request", "fields", "changed", "recording")

    def __init__(self) -> None:
        self.data: Any = None
        self.request: Any = None
        self.fields: list[str] = []
        self.changed = False
        self.recording: Recording | None = None


def _redact_loaded(loaded: Loaded, service: str, operation: str,
                   redactors: Sequence[Redactor]) -> _Redacted:
    """Apply ``redactors`` to a JSON file's response and stored request; say where they changed it."""
    result = _Redacted()
    status, before = materialize(loaded)
    original = encode(before, status)
    _status, data = materialize(loaded)
    for redactor in redactors:
        data = redactor(service, operation, data)
    recording = encode(data, status)
    result.fields = [show_path(p) for p in _differences(original.tree, recording.tree, [])]
    if recording.types != original.types and not result.fields:
        result.fields = ["data (the types of its values)"]
    request = loaded.request
    if request is not None:
        request = _redact_request(request, service, operation, redactors)
        result.fields += [_show_request(p) for p in _differences(loaded.request, request, [])]
    recording.request = request
    recording.accounts = loaded.accounts
    result.data, result.request, result.recording = data, request, recording
    result.changed = bool(result.fields)
    return result


def _show_request(path: list[Any]) -> str:
    return f"{SECTION}.request" + "".join(f"[{p!r}]" for p in path)


def _differences(old: Any, new: Any, path: list[Any]) -> list[list[Any]]:
    """The paths where two JSON trees differ."""
    if type(old) is dict and type(new) is dict:
        found = []
        for key in list(old) + [k for k in new if k not in old]:
            if key not in old or key not in new:
                found.append(path + [key])
            else:
                found.extend(_differences(old[key], new[key], path + [key]))
        return found
    if type(old) is list and type(new) is list and len(old) == len(new):
        found = []
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            found.extend(_differences(a, b, path + [index]))
        return found
    if type(old) is not type(new) or old != new:
        return [path]
    return []


def _redact_request(stored: Any, service: str, operation: str, redactors: Sequence[Redactor]) -> Any:
    """A stored request (see :mod:`placebo_unittest.params`) passed through the
    redactors' ``request`` methods.

    Stored requests hold tags where the call passed bytes, bodies and other
    values JSON can't hold. Each tag is handed to the redactors as a stand-in
    (bytes for a bytes tag, a string for the others); a stand-in a redactor
    leaves alone becomes its tag again, and what a redactor put in its place
    is stored as playback would store it, so that a call redacted the same
    way at playback still matches.
    """
    methods = [method for method in (getattr(r, "request", None) for r in redactors) if callable(method)]
    if not methods:
        return stored
    tags: dict[Any, Any] = {}
    params = _stand_ins(stored, tags)
    for method in methods:
        params = method(service, operation, params)
    return normalize(_restore(params, tags))


def _stand_ins(value: Any, tags: dict[Any, Any]) -> Any:
    if isinstance(value, dict):
        if TAG in value:
            number = len(tags)
            stand_in: Any = (f"\ue000placebo_unittest tag {number}\ue000")
            if value.get(TAG) == "bytes":
                stand_in = stand_in.encode("utf-8")
            tags[stand_in] = value
            return stand_in
        return {key: _stand_ins(child, tags) for key, child in value.items()}
    if isinstance(value, list):
        return [_stand_ins(child, tags) for child in value]
    return value


def _restore(value: Any, tags: dict[Any, Any]) -> Any:
    if isinstance(value, (str, bytes)) and value in tags:
        return tags[value]
    if isinstance(value, dict):
        return {key: _restore(child, tags) for key, child in value.items()}
    if isinstance(value, (list, tuple)):
        return [_restore(child, tags) for child in value]
    return value


def redact_file(item: RecordingFile, redactors: Sequence[Redactor], *, dry_run: bool = False) -> Outcome:
    """Apply ``redactors`` to one recording file, in place.

    The response and the stored request are passed through the redactors as
    the Pill passes them while recording (a redactor receives the service's
    botocore name, the operation's name and the response with its exact
    types). The file is rewritten, atomically, only if a value changed, so
    redacting twice changes nothing the second time. A file in placebo's or
    cloud-custodian's form stays in that form unless a redactor put in a
    value that form can't hold (bytes, say). Pickle files and unreadable
    files are skipped or failed, not touched.
    """
    if item.extension == "pickle":
        return Outcome(item.path, "skipped", detail="a pickle file, not loaded (loading one can run "
                       "code): convert it to JSON with `placebo-unittest convert` first",
                       dry_run=dry_run)
    try:
        loaded = _read(item)
        result = _redact_loaded(loaded, _redaction_service(item), item.operation, redactors)
    except (PlaceboError, OSError) as exc:
        return Outcome(item.path, "failed", detail=_sentence(str(exc)), dry_run=dry_run)
    except Exception as exc:  # noqa: BLE001 - a redactor of the user's own failed: say which file
        return Outcome(item.path, "failed", detail=f"a redactor failed on it ({type(exc).__name__}: {exc})",
                       dry_run=dry_run)
    if not result.changed:
        return Outcome(item.path, "unchanged", dry_run=dry_run)
    assert result.recording is not None
    if not dry_run:
        payload = _payload(result.recording, legacy=loaded.legacy)
        _save(item.path, payload)
    return Outcome(item.path, "redacted", result.fields, written=None if dry_run else item.path,
                   dry_run=dry_run)


def _payload(recording: Recording, legacy: bool) -> bytes:
    """The bytes of a JSON recording; for a file that had no section, none is
    added unless its values need one."""
    if legacy and not recording.types and recording.request is None and not recording.accounts:
        document = {"status_code": recording.status_code, "data": recording.tree}
        return (json.dumps(document, indent=4, ensure_ascii=True) + "\n").encode("ascii")
    return dumps(recording, "json")


# -- converting ------------------------------------------------------------------------

def convert_file(item: RecordingFile, *, keep_old: bool = False, legacy_types: bool = True,
                 dry_run: bool = False) -> Outcome:
    """Rewrite one recording in the current JSON form, atomically.

    - A ``.pickle`` file is loaded (converting it is choosing to trust it) and
      written as the ``.json`` file of the same name and number, holding the
      same response with the same types, and the same stored request. Once
      the new file has been read back and found to hold the same response,
      the pickle file is removed, unless ``keep_old``. If a ``.json`` file of
      that number exists already, the pickle is only removed when the two
      hold the same response; otherwise nothing is done.
    - A JSON file in placebo's or cloud-custodian's form is rewritten in place
      with a ``placebo_unittest`` section. With ``legacy_types`` (the
      default), the values botocore's model types as blobs and timestamps get
      those types first (base64 strings become bytes, timestamp strings
      datetimes), as a Pill with ``legacy_types=True`` replays them; without
      it, they keep the types placebo's reader gives.
    - A file in the current form is left ``unchanged``.
    """
    try:
        if item.extension == "pickle":
            return _convert_pickle(item, keep_old, dry_run)
        loaded = _read(item)
        if not loaded.legacy:
            return Outcome(item.path, "unchanged", detail="already in the current form", dry_run=dry_run)
        resolved = _fitting_model(item, loaded) if legacy_types else None
        shape = resolved.operation_model.output_shape if resolved is not None else None
        status, data = materialize(loaded, shape)
        payload = dumps(encode(data, status), "json")
        form = _form_of(loaded)
        if not dry_run:
            _save(item.path, payload)
            _same_response(item.path, item.path, status, data, shape)
        return Outcome(item.path, "converted", detail=f"{form} form to current",
                       written=item.path, dry_run=dry_run)
    except (PlaceboError, OSError, UnserializableValueError) as exc:
        return Outcome(item.path, "failed", detail=_sentence(str(exc)), dry_run=dry_run)


def _fitting_model(item: RecordingFile, loaded: Loaded) -> Resolved | None:
    """The model of the file's operation that its response fits: under a
    shared endpoint prefix, the service that wrote it (see :func:`_sharing`)."""
    _prefix, service, resolved = split_stem(item.stem, item.operation)
    if resolved is None:
        return None
    candidates = _sharing(resolved, service)
    return next((c for c in candidates if not _misfits(c, loaded)), resolved)


def _convert_pickle(item: RecordingFile, keep_old: bool, dry_run: bool) -> Outcome:
    loaded = _read(item)
    status, data = materialize(loaded)
    recording = encode(data, status)
    recording.request, recording.accounts = loaded.request, loaded.accounts
    payload = dumps(recording, "json")
    target = item.path[: -len(".pickle")] + ".json"
    if os.path.lexists(target):
        existing = RecordingStore(item.directory).load_path(target, "json")
        if _response_of(existing) != _response_of(loads(payload, target, "json")):
            return Outcome(item.path, "failed", dry_run=dry_run, detail=(
                f"{target} exists already and holds a different response: compare the two, delete "
                "the one that is wrong, and convert again"))
        removed = None
        if not keep_old:
            removed = item.path
            if not dry_run:
                os.remove(item.path)
        return Outcome(item.path, "converted" if removed else "unchanged", removed=removed,
                       detail=f"{os.path.basename(target)} already holds the same response",
                       dry_run=dry_run)
    if dry_run:
        return Outcome(item.path, "converted", written=target, dry_run=True,
                       removed=None if keep_old else item.path, detail="pickle to JSON")
    _save(target, payload)
    _same_response(target, item.path, status, data, None)
    removed = None
    if not keep_old:
        os.remove(item.path)
        removed = item.path
    return Outcome(item.path, "converted", written=target, removed=removed, detail="pickle to JSON")


def _response_of(loaded: Loaded) -> tuple[int, Any, Any, Any]:
    status, data = materialize(loaded)
    recording = encode(data, status)
    return (status, recording.tree, recording.types, loaded.request)


def _same_response(written: str, source: str, status: int, data: Any, shape: Any) -> None:
    """Read the file just written and check it replays as ``(status, data)`` did."""
    with open(written, "rb") as handle:
        loaded = loads(handle.read(), written, "json")
    again_status, again = materialize(loaded)
    expected = encode(data, status)
    if again_status != status or encode(again, again_status).tree != expected.tree:
        raise CorruptRecordingError(written, f"it doesn't replay as {source} did after converting it; "
                                    "restore it from version control")
