"""``python -m placebo_unittest``: unittest's command line, with a mode and a summary.

::

    python -m placebo_unittest [--record|--playback|--once|--live] [--moto] [unittest arguments]

It sets ``PLACEBO_MODE`` for the run, hands the rest of the arguments to
unittest's own command line (so ``discover -s tests``, test names, ``-v``,
``-k`` all work as with ``python -m unittest``) and ends with a summary of
calls replayed, recorded and live, and of recordings written, unused and
missing. ``--moto`` starts moto's server on 127.0.0.1 for the run and points
boto3 at it with fake credentials, so recordings can be made with no AWS
account (it needs ``pip install "moto[server]"``).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
import unittest
from collections.abc import Iterator, Sequence

from . import stats
from .config import Mode

__all__ = ["main"]

USAGE = """\
usage: python -m placebo_unittest [--record | --playback | --once | --live] [--moto]
                                  [unittest arguments ...]

Runs unittest (as `python -m unittest` would) with PLACEBO_MODE set, then prints
what placebo_unittest did. With no unittest arguments it discovers tests in the
current directory.

  --record     record every test's boto3 calls again, replacing old recordings
  --playback   replay recordings (the default unless PLACEBO_MODE says otherwise)
  --once       record tests that have no recordings yet, replay the rest
  --live       call AWS for real; nothing is recorded or replayed
  --moto       run moto's server on 127.0.0.1 for the run and send calls there
               (fake credentials; needs moto[server])
"""

_MODE_FLAGS = {"--" + mode.value: mode for mode in Mode}


def _split_arguments(argv: Sequence[str]) -> tuple[Mode | None, bool, list[str]]:
    mode: Mode | None = None
    moto = False
    rest: list[str] = []
    for argument in argv:
        if argument in _MODE_FLAGS:
            if mode is not None and mode is not _MODE_FLAGS[argument]:
                raise SystemExit("placebo_unittest: choose one of {}".format(", ".join(_MODE_FLAGS)))
            mode = _MODE_FLAGS[argument]
        elif argument == "--moto":
            moto = True
        elif argument in ("-h", "--help") and not rest:
            sys.stdout.write(USAGE)
            raise SystemExit(0)
        else:
            rest.append(argument)
    return mode, moto, rest


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
    mode, moto, rest = _split_arguments(sys.argv[1:] if argv is None else argv)
    environment = {}
    if mode is not None:
        environment["PLACEBO_MODE"] = mode.value
    stats.reset()
    with contextlib.ExitStack() as stack:
        if moto:
            environment.update(stack.enter_context(_moto_server()))
        stack.enter_context(_environment(environment))
        from .config import read_env
        from .errors import PlaceboError

        try:
            read_env()  # a wrong PLACEBO_MODE etc. fails here, before any test runs
        except PlaceboError as exc:
            sys.stderr.write(f"placebo_unittest: {exc}\n")
            return 2
        program = unittest.main(module=None, argv=["python -m placebo_unittest"] + rest, exit=False)
    sys.stderr.write(stats.totals.summary(program.result.testsRun) + "\n")
    for title, paths in (("unused", stats.totals.unused), ("missing", stats.totals.missing)):
        for path in paths:
            sys.stderr.write(f"  {title}: {path}\n")
    result = program.result
    if not result.wasSuccessful():
        return 1
    if result.testsRun == 0:
        return 5
    return 0
