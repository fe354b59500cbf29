"""Recordings as they are at a git revision: the old side of ``placebo-unittest diff --against``.

:func:`recordings_at` copies the recording files under some paths, as they
are at a revision, into a temporary directory, at their paths in the
repository, by running ``git`` (``rev-parse``, ``ls-tree`` and one
``cat-file --batch`` for all the files); :func:`diff_against` compares them
with the working tree's (see :mod:`placebo_unittest.drift`). Only files named
like recordings are copied, and only regular files (no symbolic links or
submodules). A path outside a git repository, a revision git doesn't know,
and a missing ``git`` raise :class:`RevisionError`, saying what to do.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from .drift import DriftReport, IgnoreRules, RootPair, compare_roots
from .errors import PlaceboError
from .naming import contained, parse_recording_filename

__all__ = ["RevisionError", "Snapshot", "recordings_at", "diff_against"]

_FILE_MODES = ("100644", "100755")


class RevisionError(PlaceboError, ValueError):
    """git can't give the recordings at a revision: the path is not in a git
    repository, git knows no such revision, or git is not installed."""


@dataclass(frozen=True)
class Snapshot:
    """Recordings copied from git: ``revision`` as given, the ``commit`` it
    names, the repository's ``top`` directory, and ``root``, the temporary
    directory holding the files at their paths under ``top``."""

    revision: str
    commit: str
    top: str
    root: str

    def relative(self, path: str) -> str:
        """``path`` (in the working tree) relative to the repository's top, with ``/``."""
        relative = os.path.relpath(os.path.realpath(path), self.top)
        return "." if relative == os.curdir else relative.replace(os.sep, "/")

    def old_path(self, path: str) -> str:
        """Where ``path`` of the working tree is in the copy."""
        return os.path.normpath(os.path.join(self.root, self.relative(path)))

    def shown(self, path: str) -> str:
        """``path`` as the report names it on the revision's side: ``REV:tests/placebo``."""
        relative = self.relative(path)
        return f"{self.revision}:" if relative == "." else f"{self.revision}:{relative}"


def _git(arguments: Sequence[str], cwd: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *arguments], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise RevisionError(
            "git is not installed (or not on PATH): `diff --against` reads the old recordings with git. "
            "Install git, or compare two directories with `placebo-unittest diff OLD NEW`.") from exc


def _said(done: subprocess.CompletedProcess[bytes]) -> str:
    text = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return text[-1] if text else f"exit status {done.returncode}"


def _existing(path: str) -> str:
    """The nearest directory at or above ``path`` that exists."""
    current = os.path.abspath(path)
    while not os.path.isdir(current):
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return current


def _top(path: str) -> str:
    start = _existing(path)
    done = _git(["rev-parse", "--show-toplevel"], start)
    if done.returncode != 0:
        raise RevisionError(
            f"{path} is not in a git repository (git says: {_said(done)}). `diff --against` compares "
            "recordings with those of a git revision; to compare two directories, run "
            "`placebo-unittest diff OLD NEW`.")
    return os.path.realpath(done.stdout.decode("utf-8", "surrogateescape").strip())


def _commit(revision: str, top: str) -> str:
    if not revision or revision.startswith("-"):
        raise RevisionError(f"{revision!r} is not a git revision. Give a branch, a tag or a commit: HEAD, "
                            "main, HEAD~1, v1.2.")
    done = _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], top)
    if done.returncode != 0:
        raise RevisionError(
            f"git knows no commit {revision!r} in {top}. Give a branch, a tag or a commit that exists there "
            "(`git log --oneline` lists them): HEAD, main, HEAD~1, v1.2.")
    return done.stdout.decode("ascii").strip()


def _listed(commit: str, top: str, relatives: Sequence[str]) -> list[tuple[str, str]]:
    """``(object id, path)`` of each recording file under ``relatives`` at ``commit``."""
    done = _git(["--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", commit, "--", *relatives], top)
    if done.returncode != 0:
        raise RevisionError(f"git can't list the files of {commit} in {top}: {_said(done)}.")
    found = []
    for entry in done.stdout.split(b"\0"):
        if not entry:
            continue
        info, _tab, name = entry.partition(b"\t")
        mode, kind, object_id = info.decode("ascii").split(" ")
        path = name.decode("utf-8", "surrogateescape")
        if kind == "blob" and mode in _FILE_MODES and parse_recording_filename(path.rsplit("/", 1)[-1]):
            found.append((object_id, path))
    return found


def _copy(found: Sequence[tuple[str, str]], top: str, root: str) -> None:
    """Write each listed file's content at its path under ``root``, from one ``git cat-file --batch``."""
    if not found:
        return
    done = _git(["cat-file", "--batch"], top, "".join(f"{object_id}\n" for object_id, _path in found).encode())
    if done.returncode != 0:
        raise RevisionError(f"git can't read the files in {top}: {_said(done)}.")
    output, position = done.stdout, 0
    for object_id, path in found:
        end = output.index(b"\n", position)
        header = output[position:end].decode("ascii").split(" ")
        if len(header) != 3 or header[0] != object_id or header[1] != "blob":
            raise RevisionError(f"git gave no content for {path} ({' '.join(header)}).")
        size = int(header[2])
        content = output[end + 1:end + 1 + size]
        position = end + 1 + size + 1  # the content is followed by a newline
        target = os.path.join(root, *path.split("/"))
        if not contained(root, target):  # git never stores '..', but a name must not lead out
            raise RevisionError(f"git lists a file outside the repository: {path}.")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(content)


@contextlib.contextmanager
def recordings_at(revision: str, paths: Sequence[str]) -> Iterator[Snapshot]:
    """The recording files under ``paths`` (in the working tree, or at
    ``revision`` only) as they are at ``revision``, copied into a temporary
    directory that is removed on the way out.

    Every path must be in the same git repository as the first. Raises
    :class:`RevisionError` when a path is not in a repository (or not in that
    one), when git knows no commit ``revision``, and when git is missing or
    fails.
    """
    paths = list(paths) or [os.curdir]
    top = _top(paths[0])
    commit = _commit(revision, top)
    with tempfile.TemporaryDirectory(prefix="placebo-unittest-diff-") as root:
        snapshot = Snapshot(revision, commit, top, root)
        relatives = []
        for path in paths:
            relative = snapshot.relative(path)
            if relative == ".." or relative.startswith("../") or os.path.isabs(relative):
                raise RevisionError(f"{path} is not in the git repository {top}: give paths inside it.")
            relatives.append(relative)
        _copy(_listed(commit, top, relatives), top, root)
        yield snapshot


def diff_against(revision: str, paths: Sequence[str] = (), ignore: IgnoreRules | None = None) -> DriftReport:
    """How the recordings under ``paths`` (directories; the current directory
    by default) differ from those at the git ``revision``.

    A path that exists only at ``revision`` compares with nothing (all its
    tests removed), one that exists only in the working tree with nothing at
    the revision (all added). Raises :class:`RevisionError` as
    :func:`recordings_at` does, ``FileNotFoundError`` for a path neither in
    the working tree nor at the revision, ``NotADirectoryError`` for a file,
    and :class:`~placebo_unittest.errors.CorruptRecordingError` for a
    recording that can't be read.
    """
    paths = list(paths) or [os.curdir]
    with recordings_at(revision, paths) as snapshot, tempfile.TemporaryDirectory() as nothing:
        pairs = []
        for path in paths:
            old = snapshot.old_path(path)
            if os.path.exists(path) and not os.path.isdir(path):
                raise NotADirectoryError(f"{path} is a file: `diff --against` takes directories of recordings.")
            if not os.path.isdir(path) and not os.path.isdir(old):
                raise FileNotFoundError(
                    f"{path} is not in the working tree, and there are no recordings under it at {revision}.")
            new = path if os.path.isdir(path) else nothing
            pairs.append(RootPair(old if os.path.isdir(old) else nothing, new, os.path.normpath(path),
                                  old_shown=snapshot.shown(path), new_shown=os.path.normpath(path)))
        label = revision if snapshot.commit.startswith(revision) else f"{revision} ({snapshot.commit[:12]})"
        return compare_roots(pairs, ignore, old_label=label, new_label="the working tree")
