"""The test-name rule: which directory holds a test's recordings.

A test's recordings live in ``<placebo_dir>/<ClassName>.<test_method_name>``,
the name placebo's decorator used, so existing recordings keep working. Names
that are not safe on every file system (path separators, ``..``, characters
Windows forbids, control characters, reserved device names, very long names)
are rewritten, and a short hash of the original is appended whenever anything
was changed, so two different tests never share a directory. Names that end
like such a stand-in, or like the folders kept beside a test's directory
(``.failed``), are rewritten too.

A rewritten name holds no path separator, ``..``, ``:``, control character or
reserved device name, so it is always one directory directly inside
``placebo_dir``. Names stay short enough to check out on systems with short
path limits: a test's directory, and each folder kept beside it, has a name
under 150 characters (see :data:`MAX_NAME_BYTES`).
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["safe_name", "directory_for_test", "subtest_label", "MAX_NAME_BYTES",
           "MAX_DIRECTORY_NAME", "LONGEST_TAIL"]

#: Longest name of a test's directory, or of a folder kept beside it, in characters
#: and in UTF-8 bytes alike: under 150, so recordings can be checked out where
#: paths must be short (Windows' 260 characters), far under the 255 bytes most
#: file systems allow.
MAX_DIRECTORY_NAME = 149
#: The longest tail added to a test's directory name for the folders kept beside
#: it: ``.recording-`` and 12 hex digits (``.old-`` has 17 characters, ``.failed`` 7).
LONGEST_TAIL = len(".recording-") + 12
#: Longest test directory name we produce, in UTF-8 bytes (so in characters too):
#: 126, leaving room for the longest tail under :data:`MAX_DIRECTORY_NAME`.
#: A longer name is cut, and a hash of the whole name appended.
MAX_NAME_BYTES = MAX_DIRECTORY_NAME - LONGEST_TAIL

# Control characters (C0, DEL, C1), lone surrogates (not encodable as UTF-8),
# whitespace, and what Windows forbids.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f\ud800-\udfff<>:"/\\|?*\s]')
#: The tail :func:`safe_name` adds to a rewritten name. A name that already ends
#: like that is rewritten too, so it can't be mistaken for another name's stand-in.
_DIGEST_TAIL = re.compile(r"-[0-9a-f]{10}\Z")
#: The tails PlaceboContext gives the folders beside a test's directory (the
#: failed attempt, the staging and the old directory while recording). A name
#: ending like that (a subtest called "failed") would be taken for, and
#: deleted with, one of those folders, so it is rewritten.
_BOOKKEEPING_TAIL = re.compile(r"\.(failed|recording-[0-9a-f]{12}|old-[0-9a-f]{12})\Z")
#: Windows' device names (with the superscript digits it also reserves), with
#: or without an extension.
_RESERVED = re.compile(
    r"^(con|prn|aux|nul|conin\$|conout\$|(com|lpt)[0-9\u00b9\u00b2\u00b3])(\.|$)", re.IGNORECASE)


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]


def safe_name(name: str) -> str:
    """``name`` itself if it is a safe directory name, else a safe, unique stand-in."""
    cleaned = _UNSAFE.sub("_", name)
    cleaned = re.sub(r"\.{2,}", "_", cleaned).strip(". ")
    if not cleaned or _RESERVED.match(cleaned):
        cleaned = "_" + cleaned
    if (cleaned == name and len(cleaned.encode("utf-8")) <= MAX_NAME_BYTES
            and not _DIGEST_TAIL.search(name) and not _BOOKKEEPING_TAIL.search(name)):
        return name
    suffix = "-" + _digest(name)
    budget = MAX_NAME_BYTES - len(suffix)
    encoded = cleaned.encode("utf-8")[:budget]
    return encoded.decode("utf-8", "ignore").rstrip(". ") + suffix


def directory_for_test(class_name: str, test_name: str) -> str:
    """``<ClassName>.<test_name>``, made safe as a whole."""
    return safe_name(f"{class_name}.{test_name}")


def subtest_label(msg: Any = None, params: Mapping[str, Any] | None = None) -> str:
    """The part a ``subTest(msg, **params)`` adds to its test's directory name."""
    parts = []
    if msg is not None:
        parts.append(str(msg))
    for key, value in sorted((params or {}).items()):
        parts.append(f"{key}={value!r}")
    return " ".join(parts) or "subtest"
