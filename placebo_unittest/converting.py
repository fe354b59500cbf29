"""Rewriting recordings in the current JSON form: the library behind ``placebo-unittest convert``.

:func:`convert_file` rewrites a pickle file, or a JSON file written by placebo
or cloud-custodian, in the current form, atomically, and only when something
changes; it reads the new file back to check that it replays as the old one
did. Pickle files are never loaded except here, because loading a pickle can
run arbitrary code: converting a file is choosing to trust it.
"""
from __future__ import annotations

import os
from typing import Any

from .audit import misfits, sharing
from .errors import CorruptRecordingError, PlaceboError, UnserializableValueError
from .listing import form_of
from .models import Resolved
from .recordings import Outcome, RecordingFile, read_file, save_file, sentence, split_stem
from .serializer import Loaded, dumps, encode, loads, materialize
from .storage import RecordingStore

__all__ = ["convert_file"]


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
        loaded = read_file(item)
        if not loaded.legacy:
            return Outcome(item.path, "unchanged", detail="already in the current form", dry_run=dry_run)
        resolved = _fitting_model(item, loaded) if legacy_types else None
        shape = resolved.operation_model.output_shape if resolved is not None else None
        status, data = materialize(loaded, shape)
        payload = dumps(encode(data, status), "json")
        form = form_of(loaded)
        if not dry_run:
            save_file(item.path, payload)
            _same_response(item.path, item.path, status, data, shape)
        return Outcome(item.path, "converted", detail=f"{form} form to current",
                       written=item.path, dry_run=dry_run)
    except (PlaceboError, OSError, UnserializableValueError) as exc:
        return Outcome(item.path, "failed", detail=sentence(str(exc)), dry_run=dry_run)


def _fitting_model(item: RecordingFile, loaded: Loaded) -> Resolved | None:
    """The model of the file's operation that its response fits: under a
    shared endpoint prefix, the service that wrote it (see
    :func:`placebo_unittest.audit.sharing`)."""
    _prefix, service, resolved = split_stem(item.stem, item.operation)
    if resolved is None:
        return None
    candidates = sharing(resolved, service)
    return next((c for c in candidates if not misfits(c, loaded)), resolved)


def _convert_pickle(item: RecordingFile, keep_old: bool, dry_run: bool) -> Outcome:
    loaded = read_file(item)
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
    save_file(target, payload)
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
