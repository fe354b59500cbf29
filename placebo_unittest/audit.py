"""What is wrong with recording files: the library behind ``placebo-unittest check``.

:func:`check_file` and :func:`numbering_gaps` find unreadable files, pickle
files, numbers skipped, secrets (and, when configured, personal data) left in
a file, responses that no longer fit botocore's model of their operation,
and responses that lack members the model requires. Each :class:`Problem`
names the file and says what to do. These are checks of recordings as a
whole, over a directory; the checks every file gets when it is read are in
:mod:`placebo_unittest.checks`. A pickle file is never loaded here.
"""
from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

import botocore

from .errors import InvalidResponseError, PlaceboError, UnknownOperationError
from .models import Resolved, candidate_services, resolve
from .recordings import RecordingDir, RecordingFile, files_in, read_file, sentence, split_stem
from .redaction import BUILTIN_REDACTORS, Redactor, redactor_name
from .scrubbers import detection_redactors
from .scrubbing import redact_loaded, redaction_service
from .serializer import Loaded, materialize
from .validation import validate_response

__all__ = ["PROBLEM_KINDS", "Problem", "check_file", "numbering_gaps"]

#: What :func:`check_file` and :func:`numbering_gaps` report: a file that
#: can't be read, a pickle file, a number skipped, a secret left in a file,
#: personal data left in a file (when the ``personal_data`` redactor is
#: configured), a response (or an operation) that botocore's model no
#: longer has, and a response lacking members the model requires.
PROBLEM_KINDS = ("corrupt", "pickle", "gap", "secret", "personal", "stale", "required")


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
    files = directory.files if directory.complete else files_in(directory.path)
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
#: send values shorter than its minimums. They are not ``stale``; the first
#: are ``required`` problems of their own.
_LENIENT = ("Missing required key", "Too short at", "Too small at", "No key set in")
#: How :mod:`placebo_unittest.validation` says a required member is missing.
_MISSING = re.compile(r"Missing required key '(?P<name>[^']*)' in (?P<where>.+)\Z")
#: How many members a ``required`` problem names before counting the rest.
_SHOWN = 5


def check_file(
    item: RecordingFile,
    *,
    secrets: bool = True,
    stale: bool = True,
    required: bool = True,
    pickle: bool = True,
    redactors: Sequence[Redactor] | None = None,
) -> list[Problem]:
    """What is wrong with one recording file.

    - ``corrupt``: it can't be read as playback reads it (the message is the
      :class:`~placebo_unittest.errors.CorruptRecordingError`, or another
      :class:`~placebo_unittest.errors.PlaceboError`, naming the file and the fix);
    - ``pickle``: it is a pickle file (not loaded: loading one can run code);
    - ``secret``: a value that one of ``redactors`` (by default
      :func:`~placebo_unittest.scrubbers.detection_redactors`) would replace,
      in the response or in the stored request. The secret itself is never
      shown, only where it is;
    - ``stale``: its operation is not in botocore's model of the service, or
      its response has keys, or values of types, that the model of the
      operation's output doesn't (checked with botocore's validator, as
      :func:`placebo_unittest.validation.validate_response` does);
    - ``required``: its response lacks members the model of the operation
      requires (the first model it fits, when several services share its
      name). One problem per file names every such member once, its list
      indexes as ``[*]``, with how many places lack it. Values shorter or
      smaller than the model's minimums are not reported at all.

    ``secrets``, ``stale``, ``required`` and ``pickle`` turn those checks off.
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
        loaded = read_file(item)
        problems: list[Problem] = []
        if stale or required:
            problems.extend(_model_problems(item, loaded, stale, required))
        if secrets:
            problems.extend(_secrets(item, loaded, detection_redactors() if redactors is None else redactors))
        return problems
    except PlaceboError as exc:
        return [Problem("corrupt", item.path, sentence(str(exc)))]
    except OSError as exc:
        return [Problem("corrupt", item.path, f"can't be read: {exc}.",
                        "Check the file's permissions, or restore it from version control.")]


def _quote(path: str) -> str:
    return f"'{path}'" if re.search(r"[^\w@%+=:,./-]", path) else path


def _model_problems(item: RecordingFile, loaded: Loaded, stale: bool, required: bool) -> list[Problem]:
    """The ``stale`` and ``required`` problems of a file, as asked."""
    unknown = _unknown_operation(item.stem, item.operation)
    if unknown is not None:
        return [Problem(
            "stale", item.path,
            "botocore {} has no operation {} in {}{}".format(
                botocore.__version__, item.operation, unknown.service,
                ": " + unknown.problems[0] if unknown.problems else "."),
            "Rename the file if the operation is misspelt, or delete it and record the test again.")] if stale else []
    _prefix, _service, resolved = split_stem(item.stem, item.operation)
    if resolved is None:
        return []  # a service botocore doesn't know: there is no model to check against
    first: tuple[Resolved, list[str]] | None = None
    fitting: tuple[Resolved, list[str]] | None = None
    for candidate in sharing(resolved, _service):
        found = findings(candidate, loaded)
        if first is None:
            first = (candidate, found)
        if not _misfit(found):
            fitting = (candidate, found)
            break
    assert first is not None
    problems = []
    if stale and fitting is None:
        candidate, found = first
        problems.append(Problem(
            "stale", item.path,
            "doesn't fit botocore {}'s model of {} {}: {}.".format(
                botocore.__version__, candidate.service, candidate.operation,
                "; ".join(p.rstrip(".") for p in _misfit(found))),
            "Record the test again, or remove what the model lacks by hand if the test "
            "doesn't need it."))
    if required:
        candidate, found = fitting or first
        missing = _missing(found, candidate.operation)
        if missing:
            problems.append(_required_problem(item, candidate, missing))
    return problems


def _missing(found: Sequence[str], operation: str) -> dict[str, int]:
    """The required members the findings say are missing, by path with
    indexes as ``[*]``, each with the number of places that lack it."""
    counts: dict[str, int] = {}
    for problem in found:
        match = _MISSING.match(problem)
        if match is None:
            continue
        where = match.group("where")
        path = match.group("name") if where == f"{operation}'s response" else f"{where}.{match.group('name')}"
        path = re.sub(r"\[\d+\]", "[*]", path)
        counts[path] = counts.get(path, 0) + 1
    return counts


def _required_problem(item: RecordingFile, resolved: Resolved, missing: dict[str, int]) -> Problem:
    named = ["{}{}".format(path, f" ({count} places)" if count > 1 else "")
             for path, count in list(missing.items())[:_SHOWN]]
    if len(missing) > _SHOWN:
        named.append(f"and {len(missing) - _SHOWN} more")
    return Problem(
        "required", item.path,
        "lacks {} that botocore {}'s model of {} {} requires: {}.".format(
            "a member" if len(missing) == 1 else f"{len(missing)} members", botocore.__version__,
            resolved.service, resolved.operation, "; ".join(named)),
        "Record the test again, so that the file holds what the service sends now. If the service "
        "does leave the member out (AWS and moto sometimes do), add it by hand where the code reads it, "
        "or leave this check out with `--skip required`.")


def sharing(resolved: Resolved, service: str) -> list[Resolved]:
    """``resolved``, then the same operation of the other services whose
    recordings playback may read under the same name: a file named after a
    shared endpoint prefix (``elasticloadbalancing``) is read by elb, and by
    elbv2 when elbv2 has none of its own."""
    found = [resolved]
    for model in candidate_services(service):
        if model.service_name != resolved.service and resolved.operation in model.operation_names:
            found.append(Resolved(model, model.operation_model(resolved.operation), resolved.operation))
    return found


def misfits(resolved: Resolved, loaded: Loaded) -> list[str]:
    """What botocore's validator finds wrong with the file's response, leniently."""
    return _misfit(findings(resolved, loaded))


def findings(resolved: Resolved, loaded: Loaded) -> list[str]:
    """Everything botocore's validator finds wrong with the file's response,
    as :func:`placebo_unittest.validation.validate_response` words it."""
    output = resolved.operation_model.output_shape
    _status, data = materialize(loaded, output if loaded.legacy else None)
    try:
        validate_response(resolved, data, loaded.status_code)
    except InvalidResponseError as exc:
        # The validator checks an event stream apart, so it finds the stream's
        # member missing from the rest: it is not.
        stream = getattr(output, "event_stream_name", None)
        present = f"Missing required key {stream!r} in {resolved.operation}'s response" \
            if stream and isinstance(data, dict) and stream in data else None
        return [p for p in exc.problems if p != present]
    return []


def _misfit(found: Sequence[str]) -> list[str]:
    return [p for p in found if not p.startswith(_LENIENT)]


def _secrets(item: RecordingFile, loaded: Loaded, redactors: Sequence[Redactor]) -> list[Problem]:
    service = redaction_service(item)
    found: dict[str, dict[str, list[str]]] = {"secret": {}, "personal": {}}
    for redactor in redactors:
        kind = "personal" if redactor is BUILTIN_REDACTORS["personal_data"] else "secret"
        result = redact_loaded(loaded, service, item.operation, [redactor])
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


def _unknown_operation(stem: str, operation: str) -> UnknownOperationError | None:
    """The error :func:`~placebo_unittest.models.resolve` gives when the stem's service lacks ``operation``."""
    _prefix, service, resolved = split_stem(stem, operation)
    if resolved is not None:
        return None
    try:
        resolve(service, operation)
    except UnknownOperationError as exc:
        return exc
    return None
