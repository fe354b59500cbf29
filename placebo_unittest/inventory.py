"""Recording directories as a whole: find them, describe, check, redact and convert their files.

This is the library behind the ``placebo-unittest`` command (see
:mod:`placebo_unittest.cli`), usable on its own. It works on files already on
disk, and knows nothing of botocore events or of the Pill. Each part is a
module of its own, and this one gathers their public names, so
``inventory.check_file`` and the rest keep working:

- :mod:`placebo_unittest.recordings` finds the directories holding
  recordings under some paths, and the recording files in each
  (:func:`~placebo_unittest.recordings.find_recording_dirs`), and tells which
  service a file's name points at.
- :mod:`placebo_unittest.listing` tells what one file is: its format
  (``json`` or ``pickle``) and form (:data:`~placebo_unittest.listing.FORMS`),
  its size and status code (:func:`~placebo_unittest.listing.describe_file`).
- :mod:`placebo_unittest.audit` finds what is wrong: unreadable files,
  pickle files, numbers skipped, secrets left in a file, and responses that
  no longer fit botocore's model of their operation
  (:func:`~placebo_unittest.audit.check_file`,
  :func:`~placebo_unittest.audit.numbering_gaps`). Each
  :class:`~placebo_unittest.audit.Problem` names the file and says what to do.
- :mod:`placebo_unittest.scrubbers` holds two redactors for files already
  written, besides the built-in ones of :mod:`placebo_unittest.redaction`:
  :class:`~placebo_unittest.scrubbers.AccessKeyIds` and
  :class:`~placebo_unittest.scrubbers.CredentialFields`. The check looks for
  secrets with :func:`~placebo_unittest.scrubbers.detection_redactors`, and
  the command line redacts with the same list, so a file that has been
  redacted passes the check.
- :mod:`placebo_unittest.scrubbing` applies redactors to a file in place
  (:func:`~placebo_unittest.scrubbing.redact_file`), and
  :mod:`placebo_unittest.converting` rewrites a pickle file or a file written
  by placebo or cloud-custodian in the current JSON form
  (:func:`~placebo_unittest.converting.convert_file`). Both write
  atomically, and only when something changes.

Pickle files are never loaded except by
:func:`~placebo_unittest.converting.convert_file`, because loading a pickle
can run arbitrary code: converting a file is choosing to trust it.
"""
from __future__ import annotations

from .audit import PROBLEM_KINDS, Problem, check_file, numbering_gaps
from .converting import convert_file
from .listing import FORMS, FileInfo, OperationSummary, describe_file, summarize
from .recordings import SKIPPED_DIRECTORIES as SKIPPED_DIRECTORIES
from .recordings import Outcome, RecordingDir, RecordingFile, find_recording_dirs, split_stem
from .scrubbers import ACCESS_KEY_ID as ACCESS_KEY_ID
from .scrubbers import ACCESS_KEY_ID_PLACEHOLDER as ACCESS_KEY_ID_PLACEHOLDER
from .scrubbers import CREDENTIAL_NAMES as CREDENTIAL_NAMES
from .scrubbers import (
    EXTRA_REDACTORS,
    AccessKeyIds,
    CredentialFields,
    detection_redactors,
    load_redactor,
)
from .scrubbing import redact_file

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

# The tables behind them stay importable from here, as before the split, but
# outside __all__ as before (hence the "import X as X" above):
# SKIPPED_DIRECTORIES, ACCESS_KEY_ID, ACCESS_KEY_ID_PLACEHOLDER, CREDENTIAL_NAMES.
