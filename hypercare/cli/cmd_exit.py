"""The exit gate and the hand-over: exit-check, signoff, known, known-issues,
lesson, handover, export, and the ``metrics`` and ``jsonl`` import kinds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hypercare.cli import output
from hypercare.cli.cmd_import import show_skipped
from hypercare.cli.context import current
from hypercare.cli.exit_codes import ExitCode
from hypercare.cli.options import (
    REPORT_FORMATS,
    AsOf,
    At,
    By,
    DryRun,
    IssueNumber,
    Note,
    Output,
    ReportFormat,
    SkipBad,
    as_rich,
    check_format,
    one_of,
    path_given,
)
from hypercare.core.when import local_times
from hypercare.core.words import counted

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from hypercare.config import Criterion
    from hypercare.core.criteria import Verdict

EXIT_FORMATS = ("rich", "json", "junit", "md")
EXPORT_FORMATS = ("jsonl", "csv")
EXIT_COLUMNS = [
    ("name", "criterion"),
    ("status", "status"),
    ("measured", "measured"),
    ("threshold", "threshold"),
    ("detail", "detail"),
]
KNOWN_COLUMNS = [
    ("id", "#"),
    ("title", "title"),
    ("area", "area"),
    ("priority", "priority"),
    ("status", "status"),
    ("workaround", "workaround"),
    ("updated_at", "last update"),
]


def exit_check(
    as_of: AsOf = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help=f"{one_of(EXIT_FORMATS)}.", callback=as_rich
        ),
    ] = "rich",
    output_file: Output = None,
    allow_unknown: Annotated[
        bool,
        typer.Option(
            "--allow-unknown",
            help="Pass even when a criterion is unknown "
            "(not enough data); a failing one still fails.",
        ),
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            metavar="NAME",
            help="Evaluate only the criterion NAME (repeat for several).",
        ),
    ] = None,
    list_: Annotated[
        bool, typer.Option("--list", help="Say what each criterion checks, and stop.")
    ] = False,
) -> None:
    """Evaluate the exit criteria: exit 0 when all pass, 1 when one fails or is unknown.

    Example: hypercare exit-check --format junit --output exit-check.xml

    On GitHub Actions (GITHUB_ACTIONS=true) each failure is also an error annotation
    and the Markdown table is appended to the job summary (GITHUB_STEP_SUMMARY).
    """
    from hypercare.core import criteria

    check_format(fmt, EXIT_FORMATS)
    env = current()
    if list_:
        _list_criteria(criteria.select(env.settings(), only), fmt, output_file)
        return
    result = criteria.verdict(
        env.store(),
        env.settings(),
        env.as_of(as_of),
        only=only,
        allow_unknown=allow_unknown,
    )
    env.has_failed_check = not result.passed
    tz = env.settings().tz
    _emit_verdict(result, fmt, output_file, tz)
    # Every form but the terminal one is a document that may be redirected.
    _github(result, tz, stdout_is_data=fmt != "rich" and output_file is None)
    if not result.passed:
        raise typer.Exit(ExitCode.CHECK_FAILED)


def _list_criteria(
    chosen: tuple[Criterion, ...], fmt: str, output_file: str | None
) -> None:
    import json

    from hypercare.core.criteria import describe

    lines = [
        {
            "name": c.name,
            "rule": c.rule,
            "checks": describe(c),
            "description": c.description,
        }
        for c in chosen
    ]
    if fmt == "json":
        text = json.dumps(lines, indent=2, ensure_ascii=False)
    elif not lines:
        text = (
            "No exit criteria are configured (add [[exit_criteria]] to hypercare.toml)."
        )
    else:
        text = "\n".join(
            f"{line['name']}: {line['checks']} (rule {line['rule']})" for line in lines
        )
    _write(text + "\n", output_file)


def _emit_verdict(
    result: Verdict, fmt: str, output_file: str | None, tz: ZoneInfo
) -> None:
    from hypercare.core import criteria

    if fmt == "rich" and output_file is None:
        output.table(
            _verdict_rows(result),
            EXIT_COLUMNS,
            title="Exit criteria",
            empty="No exit criteria are configured.",
        )
        for r in result.results:
            if r.status != criteria.PASS and r.evidence:
                output.echo(f"\n{r.name} ({r.status.upper()}):")
                for line in criteria.evidence_lines(r, tz):
                    output.print_text(f"  {line}")
        output.echo(f"\n{criteria.summary_line(result, tz)}")
        return
    if fmt == "json":
        import json

        text = json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "junit":
        text = criteria.to_junit(result)
    elif fmt == "md":
        text = criteria.to_markdown(result, escape=output.md_escape, tz=tz)
    else:
        text = (
            output.render_plain_table(_verdict_rows(result), EXIT_COLUMNS)
            + f"\n\n{criteria.summary_line(result, tz)}\n"
        )
    _write(text, output_file)


def _verdict_rows(result: Verdict) -> list[dict[str, object]]:
    """One row per criterion as people read it: status in capitals, local times."""
    return [
        {
            **r.as_dict(),
            "status": r.status.upper(),
            "detail": r.detail_for_people,
        }
        for r in result.results
    ]


def _github(result: Verdict, tz: ZoneInfo, *, stdout_is_data: bool) -> None:
    """On GitHub Actions: error annotations, and the table in the job summary."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return
    from hypercare.core import criteria

    for line in criteria.github_annotations(result):
        # Workflow commands are read from stdout and stderr alike; keep stdout
        # clean when it carries the JSON, XML or Markdown report.
        (output.echo_err if stdout_is_data else output.echo)(line)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        table = criteria.to_markdown(result, escape=output.md_escape, tz=tz)
        try:
            with open(summary, "a", encoding="utf-8") as handle:
                handle.write(table + "\n")
        except OSError as exc:
            # The job summary is a courtesy; the gate's answer is the exit
            # status, which a runner's broken summary file must not change.
            output.warn(
                f"could not add the job summary to GITHUB_STEP_SUMMARY "
                f"({summary}: {exc.strerror}); the exit check is unaffected"
            )


def _write(text: str, output_file: str | None) -> None:
    if output_file is None:
        output.echo(text.rstrip("\n"))
        return
    output.write_file(output_file, text)


def signoff(
    name: Annotated[str, typer.Argument(help="The sign-off, e.g. support-trained.")],
    note: Note = None,
    revoke: Annotated[
        bool, typer.Option("--revoke", help="Withdraw the sign-off instead.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Record a name that no exit criterion uses."),
    ] = False,
    at: At = None,
    by: By = None,
) -> None:
    """Record a person's attestation that an exit criterion holds (or withdraw it).

    Example: hypercare signoff support-trained --by "Dana Lee" --note "12 agents"
    """
    from hypercare.core.signoffs import record
    from hypercare.core.when import format_time

    env = current()
    used = [c.signoff for c in env.settings().criteria if c.signoff is not None]
    done = record(
        env.store(),
        name,
        env.stamp(at, by),
        note=note,
        revoke=revoke,
        listed=None if force else used,
    )
    when = format_time(done.at, env.settings().tz)
    output.echo(f"Sign-off '{done.name}' {done.action} by {done.actor} at {when}.")


def known(
    number: IssueNumber,
    unmark: Annotated[
        bool, typer.Option("--unmark", help="Take the issue off the known-issues list.")
    ] = False,
    workaround: Annotated[
        str | None, typer.Option("--workaround", help="How users can get by meanwhile.")
    ] = None,
    at: At = None,
    by: By = None,
) -> None:
    """Mark an open issue as a known issue, published with its workaround.

    Example: hypercare known 12 --workaround "Print the invoice from the CSV export"
    """
    from hypercare.core.known import mark

    env = current()
    issue = mark(
        env.store(), number, env.stamp(at, by), unmark=unmark, workaround=workaround
    )
    state = "is now a known issue" if issue.is_known else "is no longer a known issue"
    output.echo(f"Issue {issue.id} {state}.")


def known_issues(
    fmt: ReportFormat = "rich",
    output_file: Output = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The date the HTML page says it was published (default: now). "
            "The list is always the issues known and open now.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """List the open issues marked known, with workarounds, ready to publish.

    Example: hypercare known-issues --format html --output known-issues.html

    Shows number, title, area, priority, status, workaround and last update only:
    never reporters, contacts, descriptions or comments.
    """
    from hypercare.core.known import known_issues as gather
    from hypercare.core.known import render_html

    check_format(fmt, REPORT_FORMATS)
    env = current()
    tz = env.settings().tz
    published = env.as_of(as_of)  # checked in every format, used by the page
    entries = gather(env.store())
    rows = [entry.as_dict() for entry in entries]
    shown = [local_times(row, tz) for row in rows]
    if fmt == "rich" and output_file is None:
        output.table(
            shown, KNOWN_COLUMNS, title="Known issues", empty="No known issues."
        )
        return
    if fmt == "json":
        import json

        text = json.dumps(rows, indent=2, ensure_ascii=False)
    elif fmt == "html":
        text = render_html(entries, project=env.settings().name, as_of=published, tz=tz)
    elif fmt == "md":
        text = (
            output.render_md_table(shown, KNOWN_COLUMNS) if rows else "No known issues."
        )
    else:
        text = output.render_plain_table(shown, KNOWN_COLUMNS)
    _write(text + "\n", output_file)


def lesson(
    text: Annotated[str, typer.Argument(help="What the team learned.")],
    area: Annotated[
        str | None, typer.Option("--area", help="The area it concerns.")
    ] = None,
    at: At = None,
    by: By = None,
) -> None:
    """Record a lesson learned for the post-hypercare review.

    Example: hypercare lesson "Load-test the month-end batch" --area billing
    """
    from hypercare.core.lessons import add

    env = current()
    added = add(env.store(), text, env.stamp(at, by), area=area)
    output.echo(f"Lesson {added.id} recorded.")


def handover(
    folder: Annotated[
        Path,
        typer.Option(
            "--dir",
            help="Folder to write the pack into.",
            parser=path_given,
            metavar="<path>",
        ),
    ] = Path("handover"),
    as_of: AsOf = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace a pack already in the folder.")
    ] = False,
) -> None:
    """Write the hand-over pack for business-as-usual support into a folder.

    Example: hypercare handover --dir handover --as-of "2026-03-30 09:00"

    Writes handover.md and handover.html (summary, KPIs, charts, exit check, open
    issues, known issues, knowledge, escalation paths, lessons), open-issues.csv
    (ServiceNow incident columns) and hypercare.jsonl (lossless export).
    """
    from hypercare.core.handover import write_pack

    env = current()
    settings, moment = env.settings(), env.as_of(as_of)
    for path in write_pack(env.store(), settings, moment, folder, is_forced=force):
        output.echo(f"Wrote {path}")


def export(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help=f"{one_of(EXPORT_FORMATS)}.")
    ] = "jsonl",
    output_file: Output = None,
) -> None:
    """Export everything losslessly as JSON lines, or the issues as CSV.

    Example: hypercare export --output hypercare.jsonl

    Read a JSON lines export back with 'hypercare import jsonl FILE' in a new folder.
    """
    from hypercare.core import export as exporting

    check_format(fmt, EXPORT_FORMATS)
    store = current().store()
    if fmt == "csv":
        rows = exporting.issue_rows(store)
        _write(output.render_csv(rows, exporting.CSV_COLUMNS) + "\n", output_file)
        return
    lines = exporting.export_lines(store)
    if output_file is None:
        for line in lines:
            output.echo(line)
        return
    with output.replacing(output_file) as handle:
        for line in lines:
            handle.write(line + "\n")
    output.wrote(output_file)


def import_metrics(
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV or JSON lines of monitoring samples.", parser=path_given
        ),
    ],
    dry_run: DryRun = False,
    skip_bad: SkipBad = False,
) -> None:
    """Import monitoring samples (timestamp, check, up/down or value, error, latency).

    Example: hypercare import metrics uptime.csv --dry-run

    CSV header: timestamp,check,status,value,error,latency_ms (status up/down; value,
    error and latency optional). JSON lines use the same keys. Times without a zone
    are in the config's zone; relative times (1h ago) and times after now are
    refused. Importing the same file twice adds nothing.
    """
    from hypercare.core.metrics import import_samples

    env = current()
    settings = env.settings()
    summary = import_samples(
        env.store(),
        file,
        now=env.now(),
        tz=settings.tz,
        day_first=settings.day_first,
        is_dry_run=dry_run,
        skip_bad=skip_bad,
    )
    added = "would be added" if dry_run else "added"
    output.echo(
        f"Read {counted(summary.read, 'sample')}: {summary.added:,} {added}, "
        f"{summary.unchanged:,} already there."
    )
    show_skipped(summary.bad_rows, len(summary.bad_rows), is_dry_run=dry_run)


def import_jsonl(
    file: Annotated[
        Path,
        typer.Argument(
            help="A file written by 'hypercare export'.",
            parser=path_given,
        ),
    ],
    dry_run: DryRun = False,
) -> None:
    """Read a JSON lines export into this new, empty database (ids and all).

    Example: hypercare --config copy/hypercare.toml import jsonl hypercare.jsonl

    Make the new database first, e.g. 'hypercare init --dir copy'.
    """
    from hypercare.core.export import import_lines

    env = current()
    summary = import_lines(env.store(), file, now=env.now(), is_dry_run=dry_run)
    counts = ", ".join(_rows_of(table, n) for table, n in summary.tables.items())
    verb = "Would import" if dry_run else "Imported"
    output.echo(f"{verb} {counted(summary.total, 'row')} ({counts or 'nothing'}).")
    if dry_run:
        output.echo("Dry run: nothing was written.")


def _rows_of(table: str, count: int) -> str:
    """'1 lesson', '3 survey answers': every table name is a plural noun."""
    plural = table.replace("_", " ")
    return counted(count, plural.removesuffix("s"), plural)


def register(app: typer.Typer) -> None:
    from hypercare.cli.cmd_import import import_app

    app.command("exit-check")(exit_check)
    app.command()(signoff)
    app.command()(known)
    app.command("known-issues")(known_issues)
    app.command()(lesson)
    app.command()(handover)
    app.command()(export)
    import_app.command("metrics")(import_metrics)
    import_app.command("jsonl")(import_jsonl)
