"""Redacting recording files in place: the library behind ``placebo-unittest redact``.

:func:`redact_file` passes a file's response and stored request through
redactors as the Pill passes them while recording, and rewrites the file
atomically, only when a value changed. ``redact_loaded`` does the work
without writing, and says where values would be replaced: that is how
:func:`placebo_unittest.audit.check_file` finds secrets. The redactors for
files already written are in :mod:`placebo_unittest.scrubbers`. Pickle files
are never loaded here.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .codec import SECTION, show_path
from .errors import PlaceboError
from .params import TAG, normalize
from .recordings import Outcome, RecordingFile, read_file, save_file, sentence, split_stem
from .redaction import Redactor
from .serializer import Loaded, Recording, dumps, encode, materialize

__all__ = ["redact_file"]


def redaction_service(item: RecordingFile) -> str:
    """The service name redactors are given: botocore's, when it knows the service."""
    _prefix, service, resolved = split_stem(item.stem, item.operation)
    return resolved.service if resolved is not None else service


class _Redacted:
    __slots__ = ("data", "request", "fields", "changed", "recording")

    def __init__(self) -> None:
        self.data: Any = None
        self.request: Any = None
        self.fields: list[str] = []
        self.changed = False
        self.recording: Recording | None = None


def redact_loaded(loaded: Loaded, service: str, operation: str,
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
        loaded = read_file(item)
        result = redact_loaded(loaded, redaction_service(item), item.operation, redactors)
    except (PlaceboError, OSError) as exc:
        return Outcome(item.path, "failed", detail=sentence(str(exc)), dry_run=dry_run)
    except Exception as exc:  # noqa: BLE001 - a redactor of the user's own failed: say which file
        return Outcome(item.path, "failed", detail=f"a redactor failed on it ({type(exc).__name__}: {exc})",
                       dry_run=dry_run)
    if not result.changed:
        return Outcome(item.path, "unchanged", dry_run=dry_run)
    assert result.recording is not None
    if not dry_run:
        payload = _payload(result.recording, legacy=loaded.legacy)
        save_file(item.path, payload)
    return Outcome(item.path, "redacted", result.fields, written=None if dry_run else item.path,
                   dry_run=dry_run)


def _payload(recording: Recording, legacy: bool) -> bytes:
    """The bytes of a JSON recording; for a file that had no section, none is
    added unless its values need one."""
    if legacy and not recording.types and recording.request is None and not recording.accounts:
        document = {"status_code": recording.status_code, "data": recording.tree}
        return (json.dumps(document, indent=4, ensure_ascii=True) + "\n").encode("ascii")
    return dumps(recording, "json")

