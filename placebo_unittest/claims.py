"""Which test directories a suite's tests record into, found by collecting the suite.

``placebo-unittest prune`` removes the test directories whose test no longer
exists. To know which do exist it collects the suite, as unittest's loader
(:func:`collect_unittest`) or pytest (:func:`collect_pytest`) would, without
running any test, and gathers the names of the directories the tests
collected would record into (a :class:`Claims`):

- a ``PlaceboTestCase`` (any :class:`~placebo_unittest.PlaceboMixin`): the
  name of :meth:`~placebo_unittest.PlaceboMixin.placebo_directory`, its own
  overrides applied;
- any ``unittest.TestCase`` test: ``<ClassName>.<test_method_name>``, where
  ``@placebo_session`` records;
- a pytest-style test: ``<module>.<test>``, where the plugin records
  (:func:`~placebo_unittest.pytest_plugin.directory_for_item`), and the
  function's own name, where ``@placebo_session`` records for a plain
  function.

A directory is claimed by its name, wherever it is, and so are the folders
named after it and a dot: a subtest's directory
(``<ClassName>.<test_method_name>.<subtest>``) and a failed attempt
(``.failed``). Claiming by name errs on the side of keeping: a test of the
same name in another folder keeps a directory alive.

Collection runs in a child process, with the current directory's Python, so
the test modules imported leave this process alone. A suite that can't be
collected (an import error, a syntax error) or holds no test at all raises
:class:`CollectionError`: no directory can be called an orphan then.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import PlaceboError

__all__ = ["Claims", "CollectionError", "collect_unittest", "collect_pytest"]


class CollectionError(PlaceboError, RuntimeError):
    """The suite could not be collected, so which tests exist is unknown."""


@dataclass(frozen=True)
class Claims:
    """The names of the directories a collected suite's tests record into.

    ``by`` is ``unittest`` or ``pytest``, ``tests`` how many tests were collected."""

    by: str
    tests: int
    names: frozenset[str]

    def claims(self, name: str) -> bool:
        """Whether a test records into a directory called ``name`` (or one it is
        named after: ``<name>.<anything>``)."""
        if name in self.names:
            return True
        parts = name.split(".")
        return any(".".join(parts[:end]) in self.names for end in range(1, len(parts)))

    def __or__(self, other: Claims) -> Claims:
        return Claims(f"{self.by} and {other.by}", self.tests + other.tests, self.names | other.names)


# -- what one test claims ------------------------------------------------------------------

def _case_names(test: unittest.TestCase) -> set[str]:
    from .testcase import PlaceboMixin
    from .testnames import directory_for_test

    found = {directory_for_test(type(test).__name__, test._testMethodName)}
    if isinstance(test, PlaceboMixin):
        found.add(os.path.basename(test.placebo_directory()))
    return found


def _item_names(item: Any) -> set[str]:
    """What a pytest item claims (see the module's docstring)."""
    from .pytest_plugin import directory_for_item
    from .testnames import safe_name

    cls = getattr(item, "cls", None)
    if isinstance(cls, type) and issubclass(cls, unittest.TestCase):
        return _case_names(cls(item.name))
    found = {os.path.basename(directory_for_item(item))}
    function = getattr(item, "function", None)
    if function is not None and getattr(function, "__name__", None):
        found.add(safe_name(function.__name__))
    return found


def _tests(suite: unittest.TestSuite | unittest.TestCase) -> Iterator[unittest.TestCase]:
    if isinstance(suite, unittest.TestSuite):
        for test in suite:
            yield from _tests(test)
    else:
        yield suite


# -- in the child process ------------------------------------------------------------------

def _write(path: str, tests: int, names: set[str], errors: Sequence[str]) -> None:
    with open(path, "w", encoding="utf-8") as stream:
        json.dump({"tests": tests, "names": sorted(names), "errors": list(errors)}, stream)


def _unittest_child(output: str, start: str, pattern: str, top: str | None) -> None:
    loader = unittest.TestLoader()
    suite = loader.discover(start, pattern=pattern, top_level_dir=top)
    names: set[str] = set()
    errors = [str(error) for error in loader.errors]  # messages, whatever typeshed says
    tests = 0
    for test in _tests(suite):
        if type(test).__name__ == "_FailedTest":  # unittest's stand-in for a module that failed to load
            errors.append(str(getattr(test, "_exception", test.id())))
            continue
        tests += 1
        names |= _case_names(test)
    _write(output, tests, names, errors)


# The pytest plugin the child pytest loads (-p placebo_unittest.claims).
def pytest_addoption(parser: Any) -> None:
    """Add ``--placebo-claims FILE``, where the child writes what it found."""
    parser.addoption("--placebo-claims", dest="placebo_claims", default=None, help=argparse.SUPPRESS)


def pytest_collection_finish(session: Any) -> None:
    """Write the names the collected items claim to ``--placebo-claims``."""
    output = session.config.getoption("placebo_claims", None)
    if not output:
        return
    names: set[str] = set()
    for item in session.items:
        names |= _item_names(item)
    _write(output, len(session.items), names, [])


# -- in this process ------------------------------------------------------------------------

def _run(command: list[str], cwd: str, by: str, what: str) -> Claims:
    descriptor, output = tempfile.mkstemp(prefix="placebo-claims-", suffix=".json")
    os.close(descriptor)
    try:
        command = [part.replace("{output}", output) for part in command]
        try:
            done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        except OSError as exc:
            raise CollectionError(f"{what} could not be started: {exc}") from None
        try:
            with open(output, encoding="utf-8") as stream:
                found = json.load(stream) if os.path.getsize(output) else None
        except (OSError, ValueError):
            found = None
    finally:
        os.unlink(output)
    told = (done.stdout + done.stderr).strip()
    tail = "\n".join(told.splitlines()[-25:])
    if found is None or (done.returncode not in (0, 5)):
        raise CollectionError(f"{what} failed (exit status {done.returncode}), so it is not known which tests "
                              f"exist. Fix the collection first; it said:\n{tail}")
    if found["errors"]:
        raise CollectionError("{} could not load every test module, so it is not known which tests exist. Fix "
                              "the collection first:\n{}".format(what, "\n".join(found["errors"])))
    if not found["tests"]:
        raise CollectionError(f"{what} found no test at all; every test directory would look orphaned, so "
                              "nothing is removed. Check the arguments given for the collection.")
    return Claims(by, int(found["tests"]), frozenset(found["names"]))


def collect_unittest(start: str, pattern: str = "test*.py", top_level_dir: str | None = None,
                     cwd: str | None = None) -> Claims:
    """Collect the suite as ``python -m unittest discover -s START -p PATTERN -t
    TOP`` would, in a child process started in ``cwd`` (default: the
    current directory). Raises :class:`CollectionError` when it can't."""
    command = [sys.executable, "-m", "placebo_unittest.claims", "unittest", "{output}", start, pattern]
    if top_level_dir is not None:
        command.append(top_level_dir)
    return _run(command, cwd or os.getcwd(), "unittest", f"unittest's discovery in {start!r}")


def collect_pytest(args: Sequence[str], cwd: str | None = None) -> Claims:
    """Collect the suite as ``python -m pytest --collect-only ARGS`` would, in a
    child process started in ``cwd`` (default: the current directory).
    Raises :class:`CollectionError` when it can't."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "placebo_unittest.claims",
               "--placebo-claims={output}", *args]
    shown = " ".join(["pytest --collect-only", *args])
    return _run(command, cwd or os.getcwd(), "pytest", f"`{shown}`")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m placebo_unittest.claims unittest OUTPUT START PATTERN [TOP]``:
    the child process of :func:`collect_unittest`."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if len(arguments) not in (4, 5) or arguments[0] != "unittest":
        sys.stderr.write("usage: python -m placebo_unittest.claims unittest OUTPUT START PATTERN [TOP]\n")
        return 2
    sys.path.insert(0, os.getcwd())  # as python -m unittest has it
    _unittest_child(arguments[1], arguments[2], arguments[3], arguments[4] if len(arguments) == 5 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
