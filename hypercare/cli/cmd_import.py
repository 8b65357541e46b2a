"""``hypercare import KIND FILE``: bring existing records in.

Each kind is a sub-command of ``import_app``. Other command modules attach
their own kinds here (``survey``, ``metrics``, ``jsonl``). The help-desk kinds
(``servicenow``, ``jira``, ``zendesk``, ``csv``) share one core entry point,
``core.importing.import_file``, and one summary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import (
    TEXT_FORMATS,
    By,
    DryRun,
    SkipBad,
    TextFormat,
    check_format,
    path_given,
)
from hypercare.core.words import counted

if TYPE_CHECKING:
    from collections.abc import Sequence

    from hypercare.core.importing import BadRow, Summary

import_app = typer.Typer(
    name="import",
    help="Bring in help-desk exports, survey answers, monitoring samples or an export."
    "\n\nExample: hypercare import servicenow incident_event_log.csv --dry-run",
    no_args_is_help=True,
    rich_markup_mode=None,
)

File = Annotated[
    Path,
    typer.Argument(
        help="The exported CSV file (.csv or .csv.gz).",
        show_default=False,
        parser=path_given,
    ),
]
_PROGRESS_AFTER_S = 1.0


def servicenow(
    file: File,
    dry_run: DryRun = False,
    skip_bad: SkipBad = False,
    by: By = None,
    fmt: TextFormat = "text",
) -> None:
    """Import a ServiceNow incident audit export (one row per audit event).

    Each incident becomes one issue with its whole history replayed as events at
    their own times. Importing the same file again changes nothing.

    Example: hypercare import servicenow incident_event_log.csv --dry-run
    """
    _run("servicenow", file, None, dry_run, skip_bad, by, fmt)


def jira(
    file: File,
    dry_run: DryRun = False,
    skip_bad: SkipBad = False,
    by: By = None,
    fmt: TextFormat = "text",
) -> None:
    """Import a Jira CSV export (repeated Labels, Comment and Sprint columns kept).

    Example: hypercare import jira "Jira Export.csv"
    """
    _run("jira", file, None, dry_run, skip_bad, by, fmt)


def zendesk(
    file: File,
    dry_run: DryRun = False,
    skip_bad: SkipBad = False,
    by: By = None,
    fmt: TextFormat = "text",
) -> None:
    """Import a Zendesk tickets CSV export.

    Example: hypercare import zendesk tickets.csv --skip-bad
    """
    _run("zendesk", file, None, dry_run, skip_bad, by, fmt)


def csv(
    file: File,
    mapping: Annotated[
        Path,
        typer.Option(
            "--mapping",
            "-m",
            help="TOML file naming the columns and value maps.",
            show_default=False,
            parser=path_given,
            metavar="<path>",
        ),
    ],
    dry_run: DryRun = False,
    skip_bad: SkipBad = False,
    by: By = None,
    fmt: TextFormat = "text",
) -> None:
    """Import any CSV of issues or of issue events, as a TOML mapping describes it.

    \b
    Example: hypercare import csv log.csv -m examples/mappings/helpdesk-event-log.toml
    """
    _run("csv", file, mapping, dry_run, skip_bad, by, fmt)


def _run(
    kind: str,
    file: Path,
    mapping: Path | None,
    dry_run: bool,
    skip_bad: bool,
    by: str | None,
    fmt: str,
) -> None:
    from hypercare.core.importing import Request, import_file
    from hypercare.core.when import to_iso

    check_format(fmt, TEXT_FORMATS)
    env = current()
    request = Request(
        kind=kind,
        path=file,
        recorded_at=to_iso(env.now()),
        now=env.now(),
        is_dry_run=dry_run,
        skip_bad=skip_bad,
        mapping=mapping,
        actor=by,
    )
    with _late_progress(file, f"Importing {file.name}") as advance:
        summary = import_file(env.store(), env.settings(), request, advance)
    show_summary(summary, fmt)


@contextmanager
def _late_progress(file: Path, label: str) -> Iterator[Callable[[int], None]]:
    """A progress callback that shows a bar only once the import passes 1 s."""
    started = time.monotonic()
    total = file.stat().st_size if file.is_file() else None
    with ExitStack() as stack:
        bar: list[Callable[..., Any]] = []
        done = [0]

        def advance(position: int) -> None:
            if not bar:
                if time.monotonic() - started < _PROGRESS_AFTER_S:
                    return
                bar.append(stack.enter_context(output.progress(total, label)))
            bar[0](position - done[0])
            done[0] = position

        yield advance


def show_summary(summary: Summary, fmt: str) -> None:
    """Print an import summary as text or JSON (keys pinned by tests)."""
    if fmt == "json":
        output.emit_json(summary.as_dict())
        return
    data = summary.as_dict()
    verb = "Would import" if summary.is_dry_run else "Imported"
    rows = counted(summary.rows_read, "row")
    output.echo(f"{verb} {summary.path} ({summary.source}): {rows}")
    for what in ("issues", "events"):
        counts = ", ".join(f"{count:,} {name}" for name, count in data[what].items())
        output.echo(f"  {what}: {counts}")
    for name, count in summary.notes.items():
        if count:  # JSON keeps every note; people need only those that happened
            output.echo(f"  {name.replace('_', ' ')}: {count:,}")
    show_skipped(summary.bad_rows, summary.bad_count, is_dry_run=summary.is_dry_run)


def show_skipped(
    bad_rows: Sequence[BadRow], count: int, *, is_dry_run: bool = False
) -> None:
    """List the rows --skip-bad left out, and say when nothing was written."""
    if count:
        output.echo(f"Skipped {counted(count, 'bad row')}:")
        for bad in bad_rows:
            output.echo(f"  line {bad.line}: {bad.reason}")
        if count > len(bad_rows):
            output.echo(f"  ... and {count - len(bad_rows):,} more")
    if is_dry_run:
        output.echo("Dry run: nothing was written.")


def register(app: typer.Typer) -> None:
    for command in (servicenow, jira, zendesk, csv):
        import_app.command(command.__name__)(command)
    app.add_typer(import_app, name="import")
