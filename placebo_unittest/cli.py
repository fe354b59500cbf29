"""``placebo-unittest``: list, check, redact, convert and compare recordings on disk.

The command line over :mod:`placebo_unittest.inventory`; this module only
parses arguments and prints. Every subcommand takes paths (files or
directories, searched recursively; the current directory by default) and
``--json``, which prints one JSON document on standard output instead of
text. A progress bar is shown on standard error when it is a terminal and
there are many files.

.. code-block:: console

    placebo-unittest list tests/placebo
    placebo-unittest check tests/          # exit status 1 when anything is wrong
    placebo-unittest redact --dry-run tests/placebo
    placebo-unittest convert tests/placebo
    placebo-unittest diff --against HEAD tests/placebo   # what changed since the last commit
    placebo-unittest report merge shard-*.json -o merged.json
    placebo-unittest prune --dry-run --report merged.json --pytest "tests"

``diff`` compares through :mod:`placebo_unittest.drift`, and
:mod:`placebo_unittest.revisions` for git; ``report`` reads and merges run
reports (:mod:`placebo_unittest.run_report`), and ``prune`` removes what a
merged one shows no test needs (:mod:`placebo_unittest.pruning`, with
:mod:`placebo_unittest.claims` to collect the suite).

Exit status: 0 when all is well, 1 when ``check`` found problems, a file
couldn't be redacted, converted or pruned, or ``diff`` found differences, 2
for a wrong argument, a report that can't be read or a suite that can't be
collected.

``python -m placebo_unittest`` is something else: the test runner (see
:mod:`placebo_unittest.runner`). This module runs as
``python -m placebo_unittest.cli``.
"""
from __future__ import annotations

import contextlib
import difflib
import json
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import click

from . import __version__, drift, inventory, models, revisions
from .claims import Claims, CollectionError, collect_pytest, collect_unittest
from .errors import ConfigurationError, PlaceboError
from .inventory import FileInfo, Outcome, Problem, RecordingDir, RecordingFile
from .pruning import PrunePlan, apply_plan, plan_prune, shown
from .redaction import Redactor
from .run_report import ReportError, RunReport, merge_reports, path_for, read_report, summary_lines, write_report
from .sensitivity import SensitiveMember, Sensitivity, sensitive_members

__all__ = ["cli", "main", "PROGRESS_THRESHOLD"]

#: The number of files from which a progress bar is shown (on a terminal only).
PROGRESS_THRESHOLD = 100

T = TypeVar("T")

_PATHS_HELP = "Files or directories to look in (directories are searched recursively). Default: '.'."


@contextlib.contextmanager
def _progress(items: Sequence[T], label: str) -> Iterator[Sequence[T]]:
    """``items``, behind a progress bar on standard error when it is a
    terminal and there are at least :data:`PROGRESS_THRESHOLD` of them."""
    if len(items) >= PROGRESS_THRESHOLD and sys.stderr.isatty():
        with click.progressbar(items, label=label, file=sys.stderr) as bar:
            yield bar  # type: ignore[misc]  # a ProgressBar iterates like the sequence
    else:
        yield items


def _find(paths: tuple[str, ...]) -> list[RecordingDir]:
    try:
        return inventory.find_recording_dirs(paths or (".",))
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from exc


def _files(directories: Sequence[RecordingDir]) -> list[RecordingFile]:
    return [item for directory in directories for item in directory.files]


def _emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, sort_keys=False))


def _size(count: int) -> str:
    """``812 B``, ``3.2 KiB``, ``1.1 MiB``."""
    size = float(count)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024 or unit == "MiB":
            return "{} {}".format(int(size) if unit == "B" else f"{size:.1f}", unit)
        size /= 1024
    return f"{count} B"  # not reached


def _plural(count: int, word: str, plural: str = "") -> str:
    """``1 file``, ``2 files``; ``plural`` for words that don't just take an s."""
    return "{} {}".format(count, word if count == 1 else plural or word + "s")


def _detection_redactors() -> list[Redactor]:
    """The redactors applied by default, or a usage error for a wrong ``PLACEBO_REDACT``."""
    try:
        return inventory.detection_redactors()
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from exc


def _load_redactors(specs: Sequence[str]) -> list[Redactor]:
    redactors = []
    for spec in specs:
        try:
            redactors.append(inventory.load_redactor(spec))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--redactor'") from exc
    return redactors


_JSON_OPTION = click.option(
    "--json", "as_json", is_flag=True,
    help="Print one machine-readable JSON document on standard output instead of text.")
_PATHS_ARGUMENT = click.argument(
    "paths", nargs=-1, type=click.Path(exists=True, file_okay=True, dir_okay=True, path_type=str))
_REDACTOR_OPTION = click.option(
    "--redactor", "redactor_specs", multiple=True, metavar="SPEC",
    help="A redactor to apply besides the defaults; repeatable. Either a built-in's name "
         "(sensitive_members, credentials, response_metadata, access_key_ids, credential_fields) "
         "or module:callable naming a callable (service, operation, data) -> data, as the Pill's "
         "redact option accepts; the module is looked for in the current directory first.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="placebo-unittest")
def cli() -> None:
    """List, check, redact, convert, compare and prune placebo_unittest recordings.

    Recordings are the files a Pill writes, one per call,
    [prefix.]<service>.<Operation>_<N>.json (or .pickle), in one directory
    per test. Each subcommand takes files or directories (searched
    recursively; default: the current directory) and --json for
    machine-readable output. diff compares two sets of recordings of the
    same tests, or the working tree's with a git revision's. report merges
    the reports test runs write (--placebo-report), and prune removes what a
    merged report shows no test uses.

    To run a test suite in playback or record mode, use
    'python -m placebo_unittest' instead.
    """


# -- list ------------------------------------------------------------------------------

def _form_label(form: str, count: int, several: bool) -> str:
    label = {"current": "json", "placebo": "json (placebo form)",
             "cloud-custodian": "json (cloud-custodian form)", "pickle": "pickle",
             "unreadable": "unreadable"}.get(form, form)
    return f"{count} {label}" if several else label


@cli.command("list")
@_PATHS_ARGUMENT
@_JSON_OPTION
def list_command(paths: tuple[str, ...], as_json: bool) -> None:
    """Show the recordings in each test directory.

    For each directory: its services, and for each operation how many calls
    are recorded, their size, and their format: json in the current form,
    json in the form placebo or cloud-custodian wrote, or pickle. Pickle
    files are not loaded.
    """
    directories = _find(paths)
    files = _files(directories)
    infos: dict[str, FileInfo] = {}
    with _progress(files, "Reading recordings") as items:
        for item in items:
            infos[item.path] = inventory.describe_file(item)
    report: list[dict[str, Any]] = []
    totals: dict[str, Any] = {"directories": len(directories), "recordings": 0, "calls": 0,
                              "size": 0, "formats": {}, "forms": {}}
    for directory in directories:
        described = [infos[item.path] for item in directory.files]
        operations = inventory.summarize(described)
        calls = sum(op.calls for op in operations)
        entry: dict[str, Any] = {
            "path": directory.path,
            "complete": directory.complete,
            "recordings": len(directory.files),
            "calls": calls,
            "size": directory.size(),
            "services": sorted({op.service for op in operations}),
            "operations": [op.as_dict() for op in operations],
            "files": [info.as_dict() for info in described],
        }
        report.append(entry)
        totals["recordings"] += len(directory.files)
        totals["calls"] += calls
        totals["size"] += directory.size()
        for info in described:
            totals["formats"][info.format] = totals["formats"].get(info.format, 0) + 1
            totals["forms"][info.form] = totals["forms"].get(info.form, 0) + 1
    if as_json:
        _emit_json({"directories": report, "totals": totals})
        return
    if not directories:
        click.echo("No recordings found in {}.".format(", ".join(paths or (".",))))
        return
    for entry, directory in zip(report, directories, strict=True):
        click.echo("{}  ({}, {}, {}; services: {})".format(
            directory.path, _plural(entry["recordings"], "recording"), _plural(entry["calls"], "call"),
            _size(entry["size"]), ", ".join(entry["services"])))
        listed: list[dict[str, Any]] = entry["operations"]
        width = max(len("{}.{}".format(op["stem"], op["operation"])) for op in listed)
        for op in listed:
            forms = op["forms"]
            label = ", ".join(_form_label(form, count, len(forms) > 1) for form, count in forms.items())
            click.echo("  {:<{width}}  {:>9}  {:>9}  {}".format(
                "{}.{}".format(op["stem"], op["operation"]), _plural(op["calls"], "call"),
                _size(op["size"]), label, width=width))
    click.echo("{}, {}, {}, {}.".format(
        _plural(totals["directories"], "directory", "directories"),
        _plural(totals["recordings"], "recording"), _plural(totals["calls"], "call"),
        _size(totals["size"])))


# -- check -----------------------------------------------------------------------------

@cli.command("check")
@_PATHS_ARGUMENT
@click.option("--skip", "skipped", multiple=True,
              type=click.Choice(["pickle", "gap", "secret", "personal", "stale", "required"]),
              help="Leave out one kind of check; repeatable. Unreadable files are always reported.")
@_REDACTOR_OPTION
@_JSON_OPTION
def check_command(paths: tuple[str, ...], skipped: tuple[str, ...], redactor_specs: tuple[str, ...],
                  as_json: bool) -> None:
    """Find recordings that are broken, unsafe or out of date.

    Every file is read as playback reads it, and these are reported, each
    with the file and what to do:

    \b
    corrupt  a file that can't be read (truncated, not JSON, not a recording)
    pickle   a .pickle file (a JSON pill never reads it; loading one can run code)
    gap      numbers skipped (_1, _3 without _2): files after a gap never replay
    secret   a value recording's redaction would replace: a secret the model
             marks, a credential (so a fresh recording passes); add
             --redactor access_key_ids or credential_fields to look further
    personal content or personal data the model marks (a payload, a user's
             email), only where the personal_data redactor is configured, as
             for recording: PLACEBO_REDACT=personal_data, or --redactor
             personal_data
    stale    an operation, a key or a value type that botocore's model of the
             operation no longer has
    required members the model of the operation requires and the response
             lacks (one problem per file, each member named once)

    Exits with status 1 when anything is found, 0 when all is clean, so CI can
    run it.
    """
    directories = _find(paths)
    files = _files(directories)
    redactors = _detection_redactors() + _load_redactors(redactor_specs)
    problems: list[Problem] = []
    with _progress(files, "Checking recordings") as items:
        for item in items:
            problems.extend(inventory.check_file(
                item, secrets=bool({"secret", "personal"} - set(skipped)), stale="stale" not in skipped,
                required="required" not in skipped,
                pickle="pickle" not in skipped, redactors=redactors))
    problems = [p for p in problems if p.kind not in skipped]
    if "gap" not in skipped:
        for directory in directories:
            problems.extend(inventory.numbering_gaps(directory))
    problems.sort(key=lambda p: (p.path, inventory.PROBLEM_KINDS.index(p.kind)))
    if as_json:
        _emit_json({"ok": not problems, "checked": len(files), "directories": len(directories),
                    "problems": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            click.echo(f"{problem} [{problem.kind}]")
        where = "{} in {}".format(_plural(len(files), "recording"),
                                  _plural(len(directories), "directory", "directories"))
        if problems:
            click.echo("Checked {}: {} in {}.".format(
                where, _plural(len(problems), "problem"), _plural(len({p.path for p in problems}), "file")))
        else:
            click.echo(f"Checked {where}: no problems.")
    if problems:
        sys.exit(1)


# -- redact ----------------------------------------------------------------------------

def _outcome_line(outcome: Outcome, verb: str, would: str) -> str | None:
    if outcome.action in ("redacted", "converted"):
        text = f"{would if outcome.dry_run else verb} {outcome.path}"
        if outcome.fields:
            text += ": " + ", ".join(outcome.fields)
        elif outcome.detail:
            text += f" ({outcome.detail})"
        if outcome.written and outcome.written != outcome.path:
            text += f" -> {outcome.written}"
        if outcome.removed:
            text += "; {} {}".format("would remove" if outcome.dry_run else "removed", outcome.removed)
        return text
    if outcome.action == "skipped":
        return f"skipped {outcome.path}: {outcome.detail}"
    if outcome.action == "failed":
        return f"FAILED {outcome.path}: {outcome.detail}"
    return None


def _finish(outcomes: list[Outcome], as_json: bool, dry_run: bool, done: str, nothing: str,
            extra: dict[str, Any] | None = None) -> None:
    counts = {action: sum(1 for o in outcomes if o.action == action)
              for action in (done, "unchanged", "skipped", "failed")}
    if as_json:
        document: dict[str, Any] = {"dry_run": dry_run, "counts": counts,
                                    "files": [o.as_dict() for o in outcomes]}
        document.update(extra or {})
        _emit_json(document)
    else:
        for outcome in outcomes:
            line = _outcome_line(outcome, done, "would be " + done if dry_run else done)
            if line:
                click.echo(line)
        if not outcomes:
            click.echo("No recordings found.")
        elif not counts[done] and not counts["failed"]:
            click.echo(nothing.format(_plural(len(outcomes), "file")))
        else:
            summary = ["{} {}".format(_plural(counts[done], "file"),
                                      "would be " + done if dry_run else done)]
            for action in ("unchanged", "skipped", "failed"):
                if counts[action]:
                    summary.append(f"{counts[action]} {action}")
            click.echo(", ".join(summary) + ("; nothing was written (dry run)." if dry_run else "."))
    if counts["failed"]:
        sys.exit(1)


@cli.command("redact")
@_PATHS_ARGUMENT
@_REDACTOR_OPTION
@click.option("--no-default-redactors", "no_defaults", is_flag=True,
              help="Apply only the --redactor ones, not the defaults.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@_JSON_OPTION
def redact_command(paths: tuple[str, ...], redactor_specs: tuple[str, ...], no_defaults: bool,
                   dry_run: bool, as_json: bool) -> None:
    """Remove secrets from recordings already written, in place.

    Each JSON recording's response and stored request pass through the
    redactors as a Pill's do while recording: by default the built-in ones
    (sensitive_members and credentials, plus what $PLACEBO_REDACT adds), then
    any --redactor, such as access_key_ids (AKIA... and ASIA... ids) or
    credential_fields (members named like a password, a secret key or a
    session token). A file is rewritten
    atomically, and only if a value changed: running it twice changes nothing
    the second time. Files keep their form (placebo's and cloud-custodian's
    stay theirs). Pickle files are skipped: convert them first.
    """
    redactors = ([] if no_defaults else _detection_redactors()) + _load_redactors(redactor_specs)
    if not redactors:
        raise click.UsageError("No redactors: --no-default-redactors needs at least one --redactor.")
    directories = _find(paths)
    files = _files(directories)
    outcomes = []
    with _progress(files, "Redacting recordings") as items:
        for item in items:
            outcomes.append(inventory.redact_file(item, redactors, dry_run=dry_run))
    _finish(outcomes, as_json, dry_run, "redacted",
            "Nothing to redact: {} checked, none changed.",
            {"redactors": [_name(r) for r in redactors]})


def _name(redactor: Redactor) -> str:
    from .redaction import redactor_name

    return redactor_name(redactor)


# -- convert ---------------------------------------------------------------------------

@cli.command("sensitive")
@click.argument("services", nargs=-1, metavar="[SERVICE]...")
@click.option("--class", "wanted", type=click.Choice([s.value for s in Sensitivity]),
              help="Only the members of this class.")
@_JSON_OPTION
def sensitive_command(services: tuple[str, ...], wanted: str | None, as_json: bool) -> None:
    """Show how recording treats what botocore's models mark sensitive.

    Every member the model of each SERVICE (botocore's names, as
    boto3.client takes them; all services if none are given) marks
    sensitive is listed with its class and the rule that gave it:

    \b
    secret    redacted by default (sensitive_members)
    personal  content and personal data, kept by default; the opt-in
              personal_data redactor (PLACEBO_REDACT=personal_data)
              removes it
    """
    known = models.loader().list_available_services("service-2")
    for name in services:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            hint = " Did you mean {}?".format(" or ".join(close)) if close else ""
            raise click.BadParameter(f"botocore has no service {name!r}.{hint}", param_hint="'SERVICE'")
    members: list[SensitiveMember] = []
    for name in services or known:
        model = models.service_model(name)
        if model is not None:
            members.extend(m for m in sensitive_members(model)
                           if wanted is None or m.verdict.sensitivity.value == wanted)
    counts = {s.value: sum(m.verdict.sensitivity is s for m in members) for s in Sensitivity}
    if as_json:
        _emit_json({"counts": counts, "members": [
            {"service": m.service, "structure": m.container, "member": m.member, "shape": m.shape,
             "type": m.type_name, "class": m.verdict.sensitivity.value, "rule": m.verdict.rule,
             "because": m.verdict.because} for m in members]})
        return
    for m in members:
        click.echo(f"{m.verdict.sensitivity.value:8}  {m.service} {m.container}.{m.member}  "
                   f"[{m.verdict.rule}: {m.verdict.because}]")
    click.echo("{} sensitive: {} secret, {} personal.".format(
        _plural(len(members), "member"), counts["secret"], counts["personal"]))


@cli.command("convert")
@_PATHS_ARGUMENT
@click.option("--keep-old", is_flag=True,
              help="Keep each .pickle file beside the .json file written from it (by default it is "
                   "removed once the .json file has been written and read back).")
@click.option("--legacy-types/--no-legacy-types", default=True, show_default=True,
              help="Give values in placebo and cloud-custodian files the types botocore's model says "
                   "(base64 strings in blob members become bytes, timestamp strings datetimes), as "
                   "a Pill with legacy_types=True replays them. Without it they keep the types "
                   "placebo's reader gives.")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@_JSON_OPTION
def convert_command(paths: tuple[str, ...], keep_old: bool, legacy_types: bool, dry_run: bool,
                    as_json: bool) -> None:
    """Rewrite pickle, placebo and cloud-custodian recordings as current JSON.

    A .pickle file becomes the .json file of the same name, holding the same
    response with the same types; the .pickle file is removed once the new
    file has been read back, unless --keep-old. Converting a pickle file
    loads it, and loading a pickle can run code: convert only files you
    trust. A JSON file written by placebo or cloud-custodian is rewritten in
    place in the current form. Every file is written atomically; files
    already in the current form are left alone.
    """
    directories = _find(paths)
    files = _files(directories)
    outcomes = []
    with _progress(files, "Converting recordings") as items:
        for item in items:
            outcomes.append(inventory.convert_file(item, keep_old=keep_old, legacy_types=legacy_types,
                                                   dry_run=dry_run))
    _finish(outcomes, as_json, dry_run, "converted",
            "Nothing to convert: {} already in the current form.")


# -- diff ------------------------------------------------------------------------------

class _CantCompare(click.ClickException):
    """A comparison that can't be made (a recording that can't be read, git
    failing): exit status 2, as for a wrong argument, since 1 means "they differ"."""

    exit_code = 2


@cli.command("diff")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str), metavar="OLD NEW | [PATHS]...")
@click.option("--against", "revision", metavar="REV",
              help="Compare the recordings under PATHS (directories; default '.') with those at the git "
                   "revision REV (a branch, a tag or a commit), instead of comparing OLD with NEW.")
@click.option("--ignore", "ignored", multiple=True, metavar="PATTERN",
              help="Leave this out of the comparison besides the defaults; repeatable. A key name at any "
                   "depth (NextToken) or a path as the report prints it (data.Items[*].Expires, "
                   "request.Token).")
@click.option("--no-default-ignores", "no_defaults", is_flag=True,
              help="Compare everything but the --ignore ones: request ids, dates, ETags, tokens and "
                   "generated ids included.")
@_JSON_OPTION
def diff_command(paths: tuple[str, ...], revision: str | None, ignored: tuple[str, ...], no_defaults: bool,
                 as_json: bool) -> None:
    """Show what changed between two sets of recordings of the same tests.

    \b
    placebo-unittest diff OLD NEW           two directories or trees of them
    placebo-unittest diff --against REV [PATHS]...
                                            the working tree against git's REV

    Test directories are paired by their path under OLD and NEW, and their
    recordings by name ([prefix.]service.Operation_N). For each call in
    both, the fields of its response (data...) and of its stored request
    (request...) that were added, removed or changed are listed by path.
    Values that change on every recording are left out by default: request
    ids and ResponseMetadata, datetimes, ETags, pagination and idempotency
    tokens, SQS receipt handles, and strings that differ only in generated
    ids (UUIDs, i-0123456789abcdef0).

    Exits with status 0 when nothing differs, 1 when something does, 2 for a
    wrong argument or a recording that can't be read.
    """
    try:
        rules = drift.ignore_rules(ignored, defaults=not no_defaults)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--ignore'") from exc
    try:
        if revision is not None:
            report = revisions.diff_against(revision, paths, rules)
        else:
            if len(paths) != 2:
                raise click.UsageError("diff takes two directories, OLD and NEW (or --against REV and "
                                       f"directories), not {_plural(len(paths), 'path')}.")
            for path in paths:
                if not os.path.isdir(path):
                    raise click.BadParameter(
                        f"{path} is {'not a directory' if os.path.exists(path) else 'not there'}: OLD and NEW "
                        "are directories of recordings (a test's, or a tree of them).", param_hint="OLD/NEW")
            report = drift.compare_trees(paths[0], paths[1], rules)
    except (PlaceboError, OSError) as exc:
        raise _CantCompare(str(exc)) from exc
    if as_json:
        _emit_json(report.as_dict())
    else:
        click.echo(report.render())
    if report.changed:
        sys.exit(1)


# -- report ----------------------------------------------------------------------------

class _Refused(click.ClickException):
    """A report that can't be read or written, or a suite that can't be
    collected: exit status 2, as for a wrong argument."""

    exit_code = 2


@cli.group("report")
def report_group() -> None:
    """Show and merge the reports of test runs.

    A run writes its report with --placebo-report FILE (pytest, or
    python -m placebo_unittest) or PLACEBO_REPORT=FILE: which recordings
    each test replayed, recorded, left unused or missed, and what recording
    tests again changed. Merge the reports of several processes or CI
    shards before pruning with them.
    """


@report_group.command("merge")
@click.argument("reports", nargs=-1, required=True, metavar="REPORT...")
@click.option("-o", "--output", metavar="FILE",
              help="Write the merged report to FILE (atomically) and print its summary. Without it, the "
                   "merged report is printed on standard output.")
def report_merge_command(reports: tuple[str, ...], output: str | None) -> None:
    """Merge the reports of several runs into one.

    The reports of CI shards (a matrix, pytest-split) or of separate
    processes become the report of the whole suite: a recording is unused
    only if some run of its test passed without it and no run of that test,
    in any report, used it. A test a shard did not run has no say there.
    Giving the same report twice is refused.
    """
    try:
        merged = merge_reports(reports)
    except ReportError as exc:
        raise _Refused(str(exc)) from exc
    if output is None:
        _emit_json(merged.as_dict())
        return
    try:
        write_report(merged, output)
    except ReportError as exc:
        raise _Refused(str(exc)) from exc
    for line in summary_lines(merged):
        click.echo(line)
    click.echo("Merged {} into {}.".format(_plural(len(reports), "report"), output))


@report_group.command("show")
@click.argument("report_path", metavar="REPORT")
@_JSON_OPTION
def report_show_command(report_path: str, as_json: bool) -> None:
    """Sum up a run report: the runs it covers, the recordings unused and
    missing, and the drift of the tests recorded again."""
    try:
        report = read_report(report_path)
    except ReportError as exc:
        raise _Refused(str(exc)) from exc
    if as_json:
        _emit_json(report.as_dict())
        return
    for line in summary_lines(report, limit=1000):
        click.echo(line)


# -- prune -----------------------------------------------------------------------------

_NO_REPORT = (
    "prune needs --report FILE: a run report of the whole suite, so that nothing a test uses is removed. "
    "Write one with `pytest --placebo-report FILE` or `python -m placebo_unittest --placebo-report FILE` "
    "(or PLACEBO_REPORT=FILE), and merge the reports of CI shards with `placebo-unittest report merge`.")


def _roots(paths: tuple[str, ...], report: RunReport, base: str, report_path: str) -> list[str]:
    if paths:
        for path in paths:
            if not os.path.isdir(path):
                raise click.BadParameter(
                    f"{path} is {'not a directory' if os.path.exists(path) else 'not there'}: PATHS are the "
                    "folders holding test directories (tests/placebo).", param_hint="PATHS")
        return [os.path.abspath(path) for path in paths]
    roots = [path_for(root, base) for root in sorted(report.roots)]
    existing = [root for root in roots if os.path.isdir(root)]
    if not existing:
        bases = sorted({run.base for run in report.runs if run.base})
        raise click.UsageError(
            "None of the recordings roots {} names ({}) is a folder under {}. Run prune from the directory the "
            "tests ran in{}, or give it with --base DIR, or give the roots as PATHS.".format(
                report_path, ", ".join(sorted(report.roots)) or "none", base,
                " ({})".format(", ".join(bases)) if bases else ""))
    return existing


def _claims(unittest_start: str | None, pattern: str | None, top_level_dir: str | None,
            pytest_args: str | None) -> Claims | None:
    if unittest_start is None and (pattern is not None or top_level_dir is not None):
        raise click.UsageError("--pattern and --top-level-dir go with --unittest START_DIR.")
    found: Claims | None = None
    try:
        if unittest_start is not None:
            found = collect_unittest(unittest_start, pattern or "test*.py", top_level_dir)
        if pytest_args is not None:
            collected = collect_pytest(shlex.split(pytest_args))
            found = collected if found is None else found | collected
    except CollectionError as exc:
        raise _Refused(str(exc)) from exc
    except ValueError as exc:  # shlex: an unmatched quote
        raise click.BadParameter(str(exc), param_hint="'--pytest'") from exc
    return found


def _prune_lines(plan: PrunePlan, dry_run: bool, failed: list[tuple[str, str]]) -> list[str]:
    remove, rename = ("would remove", "would rename") if dry_run else ("removed", "renamed")
    problems = dict(failed)
    lines = []
    for item in plan.directories:
        if item.directory in problems:
            lines.append(f"FAILED {shown(item.directory)}: {problems[item.directory]}")
        elif item.whole and item.why == "orphaned":
            lines.append(f"{remove} {shown(item.directory)}{os.sep}  (orphaned: no test records into it; "
                         f"{_plural(len(item.remove), 'file')})")
        elif item.whole:
            lines.append(f"{remove} {shown(item.directory)}{os.sep}  (unused: every recording in it)")
        else:
            lines.extend(f"{remove} {shown(os.path.join(item.directory, name))}  (unused)" for name in item.remove)
            lines.extend(f"{rename} {shown(os.path.join(item.directory, old))} -> {new}  (closing the gap)"
                         for old, new in item.renames)
    lines.extend(f"skipped {shown(s.directory)}: {s.reason}" for s in plan.skipped)
    if plan.claims is None:
        lines.append("Orphaned directories were not looked for: give --unittest START_DIR or --pytest ARGS to "
                     "collect the suite.")
    done = [plan for plan in plan.directories if plan.directory not in problems]
    files = sum(len(p.remove) for p in done if not p.whole)
    orphans = sum(1 for p in done if p.whole and p.why == "orphaned")
    emptied = sum(1 for p in done if p.whole and p.why == "unused")
    parts = [_plural(files, "recording")]
    if emptied:
        parts.append(_plural(emptied, "directory of unused recordings", "directories of unused recordings"))
    if plan.claims is not None:
        parts.append(_plural(orphans, "orphaned directory", "orphaned directories"))
    collected = " ({} collected with {})".format(_plural(plan.claims.tests, "test"), plan.claims.by) \
        if plan.claims else ""
    if dry_run:
        lines.append("{} would be removed{}; nothing was changed (dry run).".format(", ".join(parts), collected))
    else:
        lines.append("{} removed{}.".format(", ".join(parts), collected))
    return lines


@cli.command("prune")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str), metavar="[PATHS]...")
@click.option("--report", "report_path", metavar="FILE",
              help="The run report (merged over every shard) that says which recordings the suite uses. "
                   "Required.")
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@click.option("--base", metavar="DIR", type=click.Path(file_okay=False, path_type=str),
              help="The directory the report's test directories are named from: where the tests ran "
                   "(pytest's rootdir, the runner's working directory). Default: the current directory.")
@click.option("--unittest", "unittest_start", metavar="START_DIR",
              help="Find orphaned test directories by collecting the suite with unittest's discovery from "
                   "START_DIR (as `python -m unittest discover -s START_DIR`).")
@click.option("--pattern", default=None, metavar="PATTERN",
              help="With --unittest: the test files' pattern (default test*.py).")
@click.option("--top-level-dir", default=None, metavar="DIR",
              help="With --unittest: the project's top-level directory, as unittest's -t.")
@click.option("--pytest", "pytest_args", metavar="ARGS",
              help="Find orphaned test directories by collecting the suite with pytest: ARGS (one string, "
                   "split as a shell would) are given to `pytest --collect-only`; \"\" for pytest's defaults.")
@_JSON_OPTION
def prune_command(paths: tuple[str, ...], report_path: str | None, dry_run: bool, base: str | None,
                  unittest_start: str | None, pattern: str | None, top_level_dir: str | None,
                  pytest_args: str | None, as_json: bool) -> None:
    """Remove recordings no test uses, and test directories no test records into.

    PATHS are the recordings roots, the folders holding test directories
    (tests/placebo); by default, those the report names. Nothing outside
    them is touched.

    \b
    unused    a recording that some run of its test, in the merged report,
              passed without, and that no run used
    orphaned  a test directory in a root that no test collected with
              --unittest or --pytest records into, and no run used

    Each directory changes in one step, or not at all: a directory losing
    some files is rebuilt beside itself and swapped in (later numbers are
    closed up, _3 becoming _2), one going as a whole is renamed aside, then
    deleted. A directory holding a recording the report doesn't know is
    left alone: run the suite again first.
    """
    if not report_path:
        raise click.UsageError(_NO_REPORT)
    try:
        report = read_report(report_path)
    except ReportError as exc:
        raise _Refused(str(exc)) from exc
    base = os.path.abspath(base or os.getcwd())
    roots = _roots(paths, report, base, report_path)
    claims = _claims(unittest_start, pattern, top_level_dir, pytest_args)
    plan = plan_prune(report, base=base, roots=roots, claims=claims)
    failed = [] if dry_run else apply_plan(plan)
    if as_json:
        problems = dict(failed)
        done = [item for item in plan.directories if item.directory not in problems]
        _emit_json({
            "dry_run": dry_run, "report": report_path, "base": base, "roots": plan.roots,
            "collected": {"by": claims.by, "tests": claims.tests} if claims else None,
            "removed_files": [os.path.join(i.directory, n) for i in done if not i.whole for n in i.remove],
            "renamed": [{"from": os.path.join(i.directory, old), "to": os.path.join(i.directory, new)}
                        for i in done if not i.whole for old, new in i.renames],
            "removed_directories": [{"path": i.directory, "why": i.why} for i in done if i.whole],
            "skipped": [{"path": s.directory, "reason": s.reason} for s in plan.skipped],
            "failed": [{"path": path, "problem": problem} for path, problem in failed]})
    else:
        for line in _prune_lines(plan, dry_run, failed):
            click.echo(line)
    if failed:
        sys.exit(1)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and exit."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="placebo-unittest")


if __name__ == "__main__":
    main()
