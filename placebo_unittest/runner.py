"""``python -m placebo_unittest``: unittest's command line, with a mode and a summary.

::

    python -m placebo_unittest [--record|--playback|--once|--live|--record-missing] [--moto]
                               [--placebo-report FILE] [unittest arguments]

It sets ``PLACEBO_MODE`` for the run, hands the rest of the arguments to
unittest's own command line (so ``discover -s tests``, test names, ``-v``,
``-k`` all work as with ``python -m unittest``) and ends with a summary of
calls replayed, recorded and live, and of recordings written, unused and
missing (and, with ``--record-missing``, the recordings it added).
``--moto`` starts moto's server on 127.0.0.1 for the run and points boto3
at it with fake credentials, so recordings can be made with no AWS account
(it needs ``pip install "moto[server]"``). When tests were recorded again, a
few more lines say how many changed and what changed most.
``--placebo-report FILE`` (or ``$PLACEBO_REPORT``) writes the run's report
(:mod:`placebo_unittest.run_report`): which recordings each test replayed,
wrote, left unused or missed, and the drift of those recorded again.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import unittest
from collections.abc import Iterator, Sequence
from typing import NoReturn

from . import stats
from .config import Mode
from .run_report import RunReport, drift_lines, now, write_report
from .volatile import IgnoreRules

__all__ = ["main"]

USAGE = """\
usage: python -m placebo_unittest [--record | --playback | --once | --live | --record-missing]
                                  [--moto] [--placebo-report FILE] [unittest arguments ...]

Runs unittest (as `python -m unittest` would) with PLACEBO_MODE set, then prints
what placebo_unittest did. With no unittest arguments it discovers tests in the
current directory.

  --record     record every test's boto3 calls again, replacing old recordings
  --playback   replay recordings (the default unless PLACEBO_MODE says otherwise)
  --once       record tests that have no recordings yet, replay the rest
  --live       call AWS for real; nothing is recorded or replayed
  --record-missing
               replay the calls that have recordings, and send and record the
               others, adding their files beside the test's old ones
  --moto       run moto's server on 127.0.0.1 for the run and send calls there
               (fake credentials; needs moto[server])
  --placebo-report FILE
               write the run's report to FILE (JSON): the recordings each test
               replayed, recorded, left unused or missed, and what recording
               again changed (default: $PLACEBO_REPORT; none if unset)
"""

_MODE_FLAGS = {"--" + mode.value: mode for mode in Mode}


class _Arguments:
    """The runner's own flags, and what goes to unittest."""

    def __init__(self) -> None:
        self.mode: Mode | None = None
        self.moto = False
        self.report: str | None = None
        self.rest: list[str] = []


_REPORT_FLAG = "--placebo-report"


def _usage_error(message: str) -> NoReturn:
    sys.stderr.write(f"placebo_unittest: {message}\n")
    raise SystemExit(2)


def _split_arguments(argv: Sequence[str]) -> _Arguments:
    found = _Arguments()
    arguments = iter(argv)
    for argument in arguments:
        if argument in _MODE_FLAGS:
            if found.mode is not None and found.mode is not _MODE_FLAGS[argument]:
                _usage_error("choose one of {}".format(", ".join(_MODE_FLAGS)))
            found.mode = _MODE_FLAGS[argument]
        elif argument == "--moto":
            found.moto = True
        elif argument == _REPORT_FLAG or argument.startswith(_REPORT_FLAG + "="):
            value = argument.partition("=")[2] if "=" in argument else next(arguments, "")
            if not value.strip():
                _usage_error(f"{_REPORT_FLAG} needs a file name: {_REPORT_FLAG} report.json")
            found.report = value
        elif argument in ("-h", "--help") and not found.rest:
            sys.stdout.write(USAGE)
            raise SystemExit(0)
        else:
            found.rest.append(argument)
    return found


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _moto_server() -> Iterator[dict[str, str]]:
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise SystemExit('placebo_unittest: --moto needs moto\'s server: pip install "moto[server]"') from None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = _split_arguments(sys.argv[1:] if argv is None else argv)
    environment = {}
    if arguments.mode is not None:
        environment["PLACEBO_MODE"] = arguments.mode.value
    stats.reset()
    started = now()
    with contextlib.ExitStack() as stack:
        if arguments.moto:
            environment.update(stack.enter_context(_moto_server()))
        stack.enter_context(_environment(environment))
        from .config import read_env
        from .errors import PlaceboError

        try:
            settings = read_env()  # a wrong PLACEBO_MODE etc. fails here, before any test runs
        except PlaceboError as exc:
            sys.stderr.write(f"placebo_unittest: {exc}\n")
            return 2
        report_path = arguments.report or settings.report
        if report_path is not None and not os.path.isdir(os.path.dirname(os.path.abspath(report_path))):
            sys.stderr.write(f"placebo_unittest: the report can't be written to {report_path}: its folder "
                             "doesn't exist. Create it, or give another path.\n")
            return 2
        base = os.getcwd()
        program = unittest.main(module=None, argv=["python -m placebo_unittest"] + arguments.rest, exit=False)
    totals = stats.totals
    sys.stderr.write(totals.summary(program.result.testsRun) + "\n")
    for title, paths in totals.listed():
        for path in paths:
            sys.stderr.write(f"  {title}: {path}\n")
    report = RunReport.from_runs(totals.runs, by="unittest", base=base, started=started,
                                 rules=_rules(settings.drift_ignore))
    for line in drift_lines(report):
        sys.stderr.write(line + "\n")
    if report_path is not None:
        try:
            write_report(report, report_path)
        except PlaceboError as exc:
            sys.stderr.write(f"placebo_unittest: {exc}\n")
            return 2
        sys.stderr.write(f"placebo_unittest: report written to {report_path}\n")
    result = program.result
    if not result.wasSuccessful():
        return 1
    if result.testsRun == 0:
        return 5
    return 0


def _rules(extra: tuple[str, ...] | None) -> IgnoreRules:
    from .rerecording import rules_for

    return rules_for(extra or ())
