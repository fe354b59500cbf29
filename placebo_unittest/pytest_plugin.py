"""The pytest plugin: fixtures, a marker and an option for pytest-style tests.

pytest loads it by itself once placebo_unittest is installed (the ``pytest11``
entry point). Until a test asks for one of its fixtures, carries its marker, or
the run is given ``--placebo-mode``, it does nothing at all.

``--placebo-mode=record|playback|once|live|record-missing``
    The mode of the run. It wins over ``$PLACEBO_MODE``, which it sets for the
    run (and puts back afterwards), so ``PlaceboTestCase`` tests collected by
    pytest, and pytest-xdist's workers, run in that mode too.

Fixtures, made fresh for each test:

``placebo_session``
    A ``boto3.Session`` with a :class:`~placebo_unittest.Pill` attached. While
    the test runs it is also boto3's default session, so ``boto3.client()`` in
    the code under test is recorded and replayed too.
``placebo_pill``
    That session's :class:`~placebo_unittest.Pill`.
``placebo_client``
    A factory: ``placebo_client("ec2", region_name="eu-west-1")`` is
    ``placebo_session.client("ec2", region_name="eu-west-1")``.
``placebo_context``
    The test's :class:`~placebo_unittest.PlaceboContext` (its ``mode`` is the
    mode the test runs in, ``once`` resolved to ``record`` or ``playback``).

For async tests (under pytest-asyncio or anyio; the fixtures themselves are
plain ones, so either plugin runs them), with aiobotocore installed:

``placebo_aio_session``
    An aiobotocore ``AioSession`` with a :class:`~placebo_unittest.Pill`
    attached. boto3's default session is left alone.
``placebo_aio_pill``
    That session's :class:`~placebo_unittest.Pill`.
``placebo_aio_client``
    A factory of clients of ``placebo_aio_session``, each an async context
    manager: ``async with placebo_aio_client("s3") as s3: ...``.
``placebo_aio_context``
    The test's :class:`~placebo_unittest.PlaceboContext`, as
    ``placebo_context`` but for the aiobotocore session. A test uses one of
    the two families of fixtures, not both.

A test's recordings live in ``<folder of its file>/placebo/<module>.<test>``
(``$PLACEBO_DIR`` replaces ``<folder of its file>/placebo``), where ``<test>``
is the test's name as pytest shows it, class and parameters included:
``placebo/test_queues.TestSend.test_send[fifo]``. Names that are not safe as a
directory name are rewritten, with a hash, as for ``PlaceboTestCase``.

``@pytest.mark.placebo(...)`` sets options for one test (or for every test of
a class or module, with ``pytestmark``); a test with the marker gets
``placebo_context`` even if it asks for no fixture. Its keywords are the
options of :class:`PlaceboTestCase <placebo_unittest.PlaceboMixin>`, with or
without the ``placebo_`` prefix of its class attributes: ``match``,
``ignore_params``, ``redact``, ``anonymize_accounts``, ``validate``,
``foreign_clients``, ``legacy_types``, ``on_unused``, ``on_exhausted``,
``region``, ``profile`` and ``record_format``; and ``services`` and
``operations``, which limit what a recording run saves (as
:meth:`Pill.record <placebo_unittest.Pill.record>` does). The defaults are
those of ``PlaceboTestCase``.

The tests are as strict as ``PlaceboTestCase`` ones: a call beyond the
recordings fails, and a test that passes without replaying all its
recordings gets an error at teardown listing them. Recording replaces the
test's directory when the test passes, and keeps a failed attempt beside it
in ``<directory>.failed``. The run ends with the summary line of
``python -m placebo_unittest`` when any placebo test ran (added up over
pytest-xdist's workers), and, when tests were recorded again, a few lines on
how many changed and what changed most.

``--placebo-report=FILE``
    Write the run's report to ``FILE`` (default ``$PLACEBO_REPORT``): which
    recordings each test replayed, recorded, left unused or missed, and the
    drift of the tests recorded again, over all of pytest-xdist's workers (see
    :mod:`placebo_unittest.run_report`). A relative path is taken from the
    directory pytest was started in.
"""
from __future__ import annotations

import argparse
import difflib
import os
import unittest
from collections.abc import Callable, Generator, Iterator
from typing import Any

import pytest

from . import stats
from .config import Match, Mode, coerce, read_env
from .context import PlaceboContext
from .errors import ConfigurationError, PlaceboError
from .pill import Pill
from .redaction import Defaults
from .rerecording import rules_for
from .run_report import RunReport, drift_lines, now, write_report
from .testnames import directory_for_test

__all__ = [
    "MARKER_KEYWORDS",
    "directory_for_item",
    "marker_settings",
    "placebo_context",
    "placebo_session",
    "placebo_pill",
    "placebo_client",
    "placebo_aio_context",
    "placebo_aio_session",
    "placebo_aio_pill",
    "placebo_aio_client",
]

#: The keywords ``@pytest.mark.placebo(...)`` takes (each may also be spelt
#: with the ``placebo_`` prefix of PlaceboTestCase's class attributes).
MARKER_KEYWORDS: tuple[str, ...] = (
    "services", "operations", "match", "ignore_params", "redact", "anonymize_accounts",
    "validate", "foreign_clients", "legacy_types", "on_unused", "on_exhausted", "region",
    "profile", "record_format", "mode",
)

#: What a test gets when its marker says nothing: PlaceboTestCase's defaults.
_DEFAULTS: dict[str, Any] = {
    "legacy_types": True,
    "redact": Defaults("response_metadata"),
    "validate": True,
    "foreign_clients": "adopt",
    "on_unused": "fail",
    "on_exhausted": "error",
}

_MARKER_HELP = (
    "placebo(**settings): record or replay this test's boto3 calls (it gets the "
    "placebo_context fixture) with these settings: " + ", ".join(MARKER_KEYWORDS) + "."
)

#: Where a worker of pytest-xdist leaves its totals for the controller.
WORKER_OUTPUT_KEY = "placebo_unittest"

_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
_SAVED_MODE = pytest.StashKey[tuple[bool, str | None]]()


# -- the option ----------------------------------------------------------------------
def _mode_argument(text: str) -> Mode:
    """``--placebo-mode``'s value as a :class:`Mode`, or a usage error listing the modes."""
    try:
        return coerce(Mode, text, "--placebo-mode")
    except ConfigurationError:
        raise argparse.ArgumentTypeError("must be one of {}, not {!r}".format(
            ", ".join(repr(mode.value) for mode in Mode), text)) from None


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--placebo-mode`` and ``--placebo-report``."""
    group = parser.getgroup("placebo_unittest", "record and replay boto3 calls (placebo_unittest)")
    group.addoption(
        "--placebo-mode",
        dest="placebo_mode",
        type=_mode_argument,
        default=None,
        metavar="MODE",
        help="record, playback, once, live or record-missing: the mode of every placebo test of the run "
        "(wins over $PLACEBO_MODE; default $PLACEBO_MODE, else playback).",
    )
    group.addoption(
        "--placebo-report",
        dest="placebo_report",
        default=None,
        metavar="FILE",
        help="write the run's report to FILE (JSON, pytest-xdist's workers included): the "
        "recordings each test replayed, recorded, left unused or missed, and what recording "
        "again changed (default $PLACEBO_REPORT; none if unset).",
    )


def _requested_mode(config: pytest.Config) -> Mode | None:
    mode = config.getoption("placebo_mode", None)
    return mode if isinstance(mode, Mode) else None


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker, set ``$PLACEBO_MODE`` if ``--placebo-mode`` was
    given, and start keeping the run's totals (and check that the report,
    if one is asked for, can go where it is asked to)."""
    config.addinivalue_line("markers", _MARKER_HELP)
    mode = _requested_mode(config)
    if mode is not None:
        config.stash[_SAVED_MODE] = ("PLACEBO_MODE" in os.environ, os.environ.get("PLACEBO_MODE"))
        os.environ["PLACEBO_MODE"] = mode.value
    run = _Run(config)
    if run.report_path is not None and not hasattr(config, "workerinput") \
            and not os.path.isdir(os.path.dirname(run.report_path)):
        raise pytest.UsageError(f"--placebo-report: the report can't be written to {run.report_path}: its "
                                "folder doesn't exist. Create it, or give another path.")
    config.pluginmanager.register(run, "placebo_unittest-run")
    if config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistController(run), "placebo_unittest-xdist")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Put ``$PLACEBO_MODE`` back as it was before :func:`pytest_configure`."""
    saved = config.stash.get(_SAVED_MODE, None)
    if saved is None:
        return
    del config.stash[_SAVED_MODE]
    present, value = saved
    if present and value is not None:
        os.environ["PLACEBO_MODE"] = value
    else:
        os.environ.pop("PLACEBO_MODE", None)


# -- totals --------------------------------------------------------------------------
class _Run:
    """What the plugin keeps about one pytest run: the tests run, and the totals
    of placebo_unittest's statistics (:mod:`placebo_unittest.stats`) made
    during it, in this process and in pytest-xdist's workers."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.tests_run = 0
        self.from_workers = stats.Totals()
        self.started = now()
        self.report_path = _report_path(config)
        self.written: str | None = None
        self.problem: str | None = None
        self._start: stats.Totals | None = None
        self._mark = stats.Totals().mark()

    def _begin(self) -> None:
        self._start = stats.totals
        self._mark = stats.totals.mark()

    def here(self) -> stats.Totals:
        """The totals of the contexts finished in this process during the run."""
        current = stats.totals
        if current is not self._start:  # reset since the run began: all of it is ours
            return current.since(stats.Totals().mark())
        return current.since(self._mark)

    def overall(self) -> stats.Totals:
        """This process's totals plus those the workers sent."""
        return self.here().merged(self.from_workers)

    def report(self) -> RunReport:
        """The run's report (see :mod:`placebo_unittest.run_report`)."""
        try:
            extra = read_env().drift_ignore or ()
        except PlaceboError:  # reported by the tests themselves
            extra = ()
        return RunReport.from_runs(self.overall().runs, by="pytest", base=str(self.config.rootpath),
                                   started=self.started, rules=rules_for(extra))

    # hooks ------------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Note where placebo_unittest's totals stand as the run begins."""
        self._begin()

    def pytest_runtest_logfinish(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        """Count each test run (pytest-xdist forwards these to the controller)."""
        self.tests_run += 1

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """In a pytest-xdist worker: hand this worker's totals to the controller.
        Elsewhere: write the run's report, if one was asked for."""
        output = getattr(self.config, "workeroutput", None)
        if output is not None:
            output[WORKER_OUTPUT_KEY] = self.here().to_wire()
            return
        if self.report_path is None or hasattr(self.config, "workerinput"):
            return
        try:
            write_report(self.report(), self.report_path)
        except PlaceboError as exc:
            self.problem = str(exc)
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.USAGE_ERROR
        else:
            self.written = self.report_path

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """End with ``python -m placebo_unittest``'s summary if a placebo test ran,
        the drift of the tests recorded again, and where the report went."""
        if hasattr(self.config, "workerinput"):
            return
        totals = self.overall()
        if totals.tests:
            terminalreporter.write_line(totals.summary(self.tests_run))
            for title, paths in totals.listed():
                for path in paths:
                    terminalreporter.write_line(f"  {title}: {path}")
            for line in drift_lines(self.report()):
                terminalreporter.write_line(line)
        if self.written is not None:
            terminalreporter.write_line(f"placebo_unittest: report written to {self.written}")
        if self.problem is not None:
            terminalreporter.write_line(f"placebo_unittest: {self.problem}", red=True)


class _XdistController:
    """pytest-xdist's hook, registered only when pytest-xdist is installed."""

    def __init__(self, run: _Run) -> None:
        self.run = run

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object | None) -> None:
        """Add a finished worker's totals (and its tests' accounts) to the run's."""
        data = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT_KEY)
        if data:
            self.run.from_workers = self.run.from_workers.merged(stats.Totals.from_wire(data))


def _report_path(config: pytest.Config) -> str | None:
    """Where the run's report goes: ``--placebo-report``, else ``$PLACEBO_REPORT``,
    taken from the directory pytest was started in; None for no report."""
    path = config.getoption("placebo_report", None)
    if not path:
        try:
            path = read_env().report
        except PlaceboError:  # another variable is wrong: the tests that use placebo say so
            return None
    if not path:
        return None
    return os.path.join(str(config.invocation_params.dir), os.path.expanduser(path))


# -- tests, their outcome, their marker --------------------------------------------------
def _is_unittest_item(item: pytest.Item) -> bool:
    cls = getattr(item, "cls", None)
    return isinstance(cls, type) and issubclass(cls, unittest.TestCase)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every pytest-style test carrying the marker the ``placebo_context`` fixture."""
    for item in items:
        if (isinstance(item, pytest.Function) and not _is_unittest_item(item)
                and item.get_closest_marker("placebo") is not None
                and not _CONTEXTS & set(item.fixturenames)):
            item.fixturenames.append("placebo_context")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Refuse the marker on unittest tests, which have class attributes for that."""
    if _is_unittest_item(item) and item.get_closest_marker("placebo") is not None:
        pytest.fail(f"{item.nodeid}: @pytest.mark.placebo is for pytest-style tests; a PlaceboTestCase "
                    "is configured with its placebo_* class attributes",
                    pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """Keep each phase's report on the test, so its context knows how the test went."""
    outcome = yield
    report = outcome.get_result()
    item.stash.setdefault(_REPORTS, {})[report.when] = report


def _outcome(item: pytest.Item) -> tuple[bool, bool]:
    """(passed, skipped) for a test whose call phase is over."""
    reports = item.stash.get(_REPORTS, {})
    setup, call = reports.get("setup"), reports.get("call")
    if (setup is not None and setup.skipped) or (call is not None and call.skipped):
        return False, True  # skipped, or an expected failure
    passed = setup is not None and setup.passed and call is not None and call.passed
    return passed, False


def marker_settings(item: pytest.Item) -> dict[str, Any]:
    """The settings of every ``@pytest.mark.placebo`` on ``item`` (the closest
    one wins for each keyword), keyed by :data:`MARKER_KEYWORDS`.

    Raises :class:`~placebo_unittest.ConfigurationError` for positional
    arguments or an unknown keyword."""
    settings: dict[str, Any] = {}
    for mark in reversed(list(item.iter_markers("placebo"))):
        if mark.args:
            raise ConfigurationError(
                "@pytest.mark.placebo", mark.args, MARKER_KEYWORDS,
                "It takes keyword arguments only, such as match=\"params\".")
        for keyword, value in mark.kwargs.items():
            name = keyword[len("placebo_"):] if keyword.startswith("placebo_") else keyword
            if name not in MARKER_KEYWORDS:
                close = difflib.get_close_matches(name, MARKER_KEYWORDS, n=1)
                hint = f"Did you mean {close[0]!r}?" if close else ""
                raise ConfigurationError("a keyword of @pytest.mark.placebo", keyword,
                                         MARKER_KEYWORDS, hint)
            settings[name] = value
    return settings


def directory_for_item(item: pytest.Item) -> str:
    """Where ``item`` keeps its recordings: ``<base>/<module>.<test>``, ``<base>``
    being ``$PLACEBO_DIR`` or the ``placebo`` folder beside the test's file,
    and ``<test>`` the test's name as pytest shows it (classes and parameters
    included), made safe by :func:`~placebo_unittest.testnames.directory_for_test`."""
    path = os.path.abspath(str(item.path))
    module = os.path.splitext(os.path.basename(path))[0]
    chain = item.listchain()
    files = [index for index, node in enumerate(chain) if isinstance(node, pytest.File)]
    test = ".".join(node.name for node in chain[files[-1] + 1:]) if files else item.name
    base = read_env().directory or os.path.join(os.path.dirname(path), "placebo")
    return os.path.join(base, directory_for_test(module, test))


#: The fixtures of a test's context: the boto3 one and the aiobotocore one.
_CONTEXTS = frozenset({"placebo_context", "placebo_aio_context"})


def _context_for(item: pytest.Item, asynchronous: bool = False) -> tuple[PlaceboContext, dict[str, Any]]:
    settings = dict(_DEFAULTS)
    settings.update(marker_settings(item))
    services = settings.pop("services", "*")
    operations = settings.pop("operations", "*")
    match = settings.pop("match", None) or read_env().match or Match.VERIFY
    mode = settings.pop("mode", None)  # the test's own, as PlaceboTestCase's placebo_mode, wins
    context = PlaceboContext(
        directory_for_item(item),
        mode if mode is not None else _requested_mode(item.config),
        label=item.nodeid,
        match=coerce(Match, match, "match"),
        asynchronous=asynchronous,
        **settings,
    )
    return context, {"services": services, "operations": operations}


# -- fixtures -----------------------------------------------------------------------
@pytest.fixture
def placebo_context(request: pytest.FixtureRequest) -> Iterator[PlaceboContext]:
    """This test's :class:`~placebo_unittest.PlaceboContext`, started.

    At teardown it is finished: recordings are swapped in (or a failed attempt
    kept aside), and a test that passed without replaying every recording
    fails with the list of them."""
    yield from _run_context(request, asynchronous=False)


def _run_context(request: pytest.FixtureRequest, asynchronous: bool) -> Iterator[PlaceboContext]:
    """Start the test's context, yield it, and finish it (see :func:`placebo_context`)."""
    item = request.node
    if set(request.fixturenames) >= _CONTEXTS:
        pytest.fail(f"{item.nodeid}: a test records or replays through one session: use the "
                    "placebo_* fixtures or the placebo_aio_* ones, not both", pytrace=False)
    try:
        context, recording = _context_for(item, asynchronous)
    except (PlaceboError, ValueError, TypeError) as exc:  # the marker's settings
        pytest.fail(f"{item.nodeid}: {exc}", pytrace=False)
    context.start()
    if context.mode is Mode.RECORD and (recording["services"], recording["operations"]) != ("*", "*"):
        assert context.pill is not None
        context.pill.stop()  # recording starts again with only what the marker asks for
        context.pill.record(recording["services"], recording["operations"])
    try:
        yield context
    finally:
        passed, skipped = _outcome(item)
        message = context.finish(passed, skipped=skipped)
    if message:
        pytest.fail(message, pytrace=False)


@pytest.fixture
def placebo_session(placebo_context: PlaceboContext) -> Any:
    """A ``boto3.Session`` whose calls this test records or replays (also
    boto3's default session while the test runs)."""
    return placebo_context.session


@pytest.fixture
def placebo_pill(placebo_context: PlaceboContext) -> Pill:
    """The :class:`~placebo_unittest.Pill` attached to ``placebo_session``."""
    assert placebo_context.pill is not None
    return placebo_context.pill


@pytest.fixture
def placebo_client(placebo_session: Any) -> Callable[..., Any]:
    """A factory of clients of ``placebo_session``:
    ``placebo_client("ec2", region_name="eu-west-1")``."""

    def make(service_name: str, **kwargs: Any) -> Any:
        return placebo_session.client(service_name, **kwargs)

    return make


# -- fixtures for async tests ----------------------------------------------------------
@pytest.fixture
def placebo_aio_context(request: pytest.FixtureRequest) -> Iterator[PlaceboContext]:
    """As :func:`placebo_context`, for the aiobotocore session of an async test."""
    yield from _run_context(request, asynchronous=True)


@pytest.fixture
def placebo_aio_session(placebo_aio_context: PlaceboContext) -> Any:
    """An aiobotocore ``AioSession`` whose calls this test records or replays."""
    return placebo_aio_context.session


@pytest.fixture
def placebo_aio_pill(placebo_aio_context: PlaceboContext) -> Pill:
    """The :class:`~placebo_unittest.Pill` attached to ``placebo_aio_session``."""
    assert placebo_aio_context.pill is not None
    return placebo_aio_context.pill


@pytest.fixture
def placebo_aio_client(placebo_aio_session: Any) -> Callable[..., Any]:
    """A factory of clients of ``placebo_aio_session``, each to be entered:
    ``async with placebo_aio_client("s3") as s3: ...``."""

    def make(service_name: str, **kwargs: Any) -> Any:
        return placebo_aio_session.create_client(service_name, **kwargs)

    return make
