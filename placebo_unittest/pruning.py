"""Removing what no test needs: the library behind ``placebo-unittest prune``.

Two kinds of things go, both under the recordings roots only:

- **unused recordings**: files a merged run report
  (:mod:`placebo_unittest.run_report`) shows unused, where some run of the
  test passed in playback without them and no run used them (see
  :mod:`placebo_unittest.usage`);
- **orphaned test directories**: directories directly in a root, holding
  recordings, that no collected test records into
  (:mod:`placebo_unittest.claims`) and no run of the report used.

:func:`plan_prune` works out what to do and changes nothing; :func:`apply_plan`
does it. Each directory changes in one step or not at all: a directory that
loses some files is rebuilt beside itself (the files kept are hard links, or
copies where links can't be made) and swapped in as recording a test swaps
its new recordings in (:func:`~placebo_unittest.context.replace_directory`);
a directory that goes as a whole is first renamed aside, under a name that
no search reads, then deleted. A later recording of a call keeps its place
after an earlier one goes: numbers are closed up (``_3`` becomes ``_2``), so
no gap stops playback.

A directory is left alone, and said so, when it holds folders, is a symbolic
link, or holds a recording the report doesn't know (it changed since the
report was written: run the suite again).
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .claims import Claims
from .context import has_recordings, recover, replace_directory, staging_for
from .naming import parse_recording_filename, recording_filename
from .run_report import RunReport, key_for, path_for

__all__ = ["DirectoryPlan", "Skipped", "PrunePlan", "plan_prune", "apply_plan", "closing_gaps", "shown"]

#: The folders kept beside a test's directory while it is recorded again, or pruned.
_TRANSIENT = re.compile(r"\.(?:recording|old)-[0-9a-f]{12}\Z")


@dataclass
class DirectoryPlan:
    """What happens to one test directory: ``remove`` (file names) and
    ``renames`` (old name, new name), or, with ``whole``, the directory goes.
    ``why`` is ``unused`` or ``orphaned``."""

    directory: str
    why: str
    remove: list[str] = field(default_factory=list)
    renames: list[tuple[str, str]] = field(default_factory=list)
    whole: bool = False


@dataclass(frozen=True)
class Skipped:
    """A directory left alone, and why."""

    directory: str
    reason: str


@dataclass
class PrunePlan:
    """What :func:`apply_plan` would do under ``roots``; ``claims`` is what the
    suite's collection found (None when it wasn't collected)."""

    roots: list[str]
    claims: Claims | None
    directories: list[DirectoryPlan] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def files(self) -> int:
        """How many recordings go, in directories that stay."""
        return sum(len(plan.remove) for plan in self.directories if not plan.whole)

    @property
    def whole(self) -> list[DirectoryPlan]:
        """The directories that go as a whole."""
        return [plan for plan in self.directories if plan.whole]


def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _inside(path: str, roots: Sequence[str], strictly: bool = True) -> bool:
    real = _real(path)
    for root in roots:
        top = _real(root)
        if real == top:
            if not strictly:
                return True
            continue
        with contextlib.suppress(ValueError):
            if os.path.commonpath([real, top]) == top:
                return True
    return False


def _entries(directory: str) -> tuple[list[str], list[str], list[str]]:
    """(recording files, other files, folders) directly in ``directory``."""
    recordings, others, folders = [], [], []
    with os.scandir(directory) as found:
        for entry in found:
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            elif parse_recording_filename(entry.name) and entry.is_file(follow_symlinks=False):
                recordings.append(entry.name)
            else:
                others.append(entry.name)
    return sorted(recordings), sorted(others), sorted(folders)


def closing_gaps(present: Iterable[str], removed: Iterable[str]) -> list[tuple[str, str]]:
    """The renames that keep the recordings left of each call numbered without a
    gap once ``removed`` go from ``present``: ``(old name, new name)``. Numbers
    past a gap that was there already stay as they are (playback never reached them)."""
    gone = set(removed)
    calls: dict[tuple[str, str], dict[int, list[tuple[str, str]]]] = {}
    for name in present:
        parsed = parse_recording_filename(name)
        if parsed is not None:
            calls.setdefault((parsed.stem, parsed.operation), {}).setdefault(parsed.number, []).append(
                (name, parsed.extension))
    renames = []
    for (stem, operation), numbers in sorted(calls.items()):
        reach = 0
        while reach + 1 in numbers:
            reach += 1
        kept = [n for n in range(1, reach + 1) if any(name not in gone for name, _ in numbers[n])]
        for new, old in enumerate(kept, start=1):
            if new == old:
                continue
            for name, extension in numbers[old]:
                if name not in gone:
                    renames.append((name, recording_filename(None, stem, operation, new, extension)))
    return renames


def plan_prune(report: RunReport, *, base: str, roots: Sequence[str], claims: Claims | None) -> PrunePlan:
    """What pruning ``roots`` by ``report`` (whose relative names are taken from
    ``base``) would do, orphaned directories included when ``claims`` is given."""
    roots = sorted({os.path.abspath(root) for root in roots})
    plan = PrunePlan(roots, claims)
    planned: dict[str, DirectoryPlan] = {}
    ran = {_real(path_for(key, base)) for key in report.tests}
    if claims is not None:
        for root in roots:
            for directory in _children(root):
                name = os.path.basename(directory)
                if claims.claims(name) or _real(directory) in ran:
                    continue
                recordings, others, folders = _entries(directory)
                if folders:
                    plan.skipped.append(Skipped(directory, "orphaned, but it holds folders ({}): remove it by hand "
                                                           "if it should go".format(", ".join(folders))))
                    continue
                planned[_real(directory)] = DirectoryPlan(directory, "orphaned", recordings + others, whole=True)
    for key in sorted(report.tests):
        usage = report.tests[key]
        if not usage.unused:
            continue
        directory = path_for(key, base)
        if _real(directory) in planned or not _inside(directory, roots, strictly=False):
            continue
        if os.path.islink(directory) or not os.path.isdir(directory):
            plan.skipped.append(Skipped(directory, "not a directory any more" if not os.path.lexists(directory)
                                        else "a symbolic link, not a test's own directory"))
            continue
        recordings, others, folders = _entries(directory)
        unknown = sorted(set(recordings) - usage.known)
        if folders:
            plan.skipped.append(Skipped(directory, "it holds folders ({})".format(", ".join(folders))))
            continue
        if unknown:
            plan.skipped.append(Skipped(directory, "it changed since the report was written ({} {} not in it): run "
                                        "the suite again and prune with the new report".format(
                                            ", ".join(unknown), "is" if len(unknown) == 1 else "are")))
            continue
        remove = sorted(usage.unused & set(recordings))
        if not remove:
            continue
        whole = set(remove) == set(recordings) and not others and _inside(directory, roots)
        planned[_real(directory)] = DirectoryPlan(directory, "unused", remove,
                                                  [] if whole else closing_gaps(recordings, remove), whole)
    plan.directories = [planned[key] for key in sorted(planned)]
    return plan


def _children(root: str) -> list[str]:
    """The test directories directly in ``root``: real folders holding recordings,
    not the transient ones kept beside a directory while it changes."""
    try:
        with os.scandir(root) as found:
            names = sorted(e.name for e in found if e.is_dir(follow_symlinks=False) and not _TRANSIENT.search(e.name))
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [os.path.join(root, name) for name in names if has_recordings(os.path.join(root, name))]


def _leftovers(roots: Sequence[str]) -> None:
    """Clean up after a prune or a recording that was killed in one of ``roots``."""
    for root in roots:
        try:
            names = os.listdir(root)
        except OSError:
            continue
        for name in names:
            found = _TRANSIENT.search(name)
            if found is not None:  # recover() leaves those of live processes alone
                recover(os.path.join(root, name[:found.start()]))


def apply_plan(plan: PrunePlan) -> list[tuple[str, str]]:
    """Do what ``plan`` says, each directory in one step (see the module's
    docstring). Returns ``(directory, problem)`` for each that couldn't be
    changed, and was left as it was."""
    _leftovers(plan.roots)
    failed = []
    for item in plan.directories:
        if not _inside(item.directory, plan.roots, strictly=item.whole):
            failed.append((item.directory, "it is outside the recordings roots"))  # never: plan_prune checks
            continue
        try:
            if item.whole:
                aside = staging_for(item.directory)
                os.replace(item.directory, aside)
                shutil.rmtree(aside)
            else:
                _rebuild(item)
        except OSError as exc:
            failed.append((item.directory, str(exc)))
    return failed


def _rebuild(item: DirectoryPlan) -> None:
    staging = staging_for(item.directory)
    renames = dict(item.renames)
    gone = set(item.remove)
    os.mkdir(staging)
    try:
        with os.scandir(item.directory) as found:
            names = [e.name for e in found]
        for name in names:
            if name in gone:
                continue
            source, target = os.path.join(item.directory, name), os.path.join(staging, renames.get(name, name))
            try:
                os.link(source, target)
            except OSError:
                shutil.copy2(source, target)
        replace_directory(staging, item.directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def shown(path: str, start: str | None = None) -> str:
    """``path`` from ``start`` (the current directory) when it is below it, else as it is."""
    relative = key_for(path, start or os.getcwd())
    return relative if not os.path.isabs(relative) else path
