"""Capture and triage: log, triage."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import (
    TEXT_FORMATS,
    At,
    By,
    TextFormat,
    check_format,
    issue_number,
    one_of,
)
from hypercare.core.when import format_time, to_iso
from hypercare.core.words import counted
from hypercare.errors import InputError
from hypercare.models import (
    CAUSES,
    CHANNELS,
    GROUPS,
    IMPACTS,
    PRIORITIES,
    TYPES,
    URGENCIES,
)


def log(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="A short title of what was reported.")],
    description: Annotated[
        str | None,
        typer.Option("--description", "-d", help="Free text; '-' reads stdin."),
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", help=one_of(TYPES))] = None,
    area: Annotated[
        str | None, typer.Option("--area", help="Affected area or module.")
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help=one_of(CHANNELS))
    ] = None,
    reporter: Annotated[
        str | None, typer.Option("--reporter", help="Who reported it.")
    ] = None,
    contact: Annotated[
        str | None,
        typer.Option("--contact", help="How to reach the reporter (e-mail)."),
    ] = None,
    group: Annotated[str | None, typer.Option("--group", help=one_of(GROUPS))] = None,
    reported_at: Annotated[
        str | None,
        typer.Option(
            "--reported-at",
            help="When the reporter reported it, if earlier than it was logged "
            "(default: the --at time). SLA clocks start here.",
        ),
    ] = None,
    ref: Annotated[
        str | None, typer.Option("--ref", help="Its id in another system.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="A tag; repeatable.")
    ] = None,
    impact: Annotated[
        str | None, typer.Option("--impact", help=one_of(IMPACTS))
    ] = None,
    urgency: Annotated[
        str | None, typer.Option("--urgency", help=one_of(URGENCIES))
    ] = None,
    at: At = None,
    by: By = None,
    fmt: TextFormat = "text",
) -> None:
    """Record a new issue and print its number (and similar issues on stderr).

    Example: hypercare log "Invoice PDF is blank" --channel email --reporter "Ana Ruiz"
    --contact ana@example.com --type bug --impact high --urgency high
    """
    from hypercare.core.issues import NewIssue, log_issue

    check_format(fmt, TEXT_FORMATS)
    env = current()
    stamp = env.stamp(at, by)
    if description == "-":
        description = sys.stdin.read()
    logged = env.past(at)
    reported = (
        env.past(reported_at, "--reported-at") if reported_at is not None else logged
    )
    if reported > logged:
        raise InputError(
            f"--reported-at {reported_at} is after the issue was logged (--at); "
            "an issue is reported before or when it is logged"
        )
    new = NewIssue(
        title=title,
        description=description,
        type=type_,
        area=area,
        channel=channel,
        reporter=reporter,
        contact=contact,
        reporter_group=group,
        reported_at=to_iso(reported),
        external_ref=ref,
        tags=tuple(tag or ()),
        impact=impact,
        urgency=urgency,
    )
    issue = log_issue(env.store(), env.settings(), new, stamp)
    if fmt == "json":
        output.emit_json(issue.public())
    else:
        output.echo(str(issue.id))
    from hypercare.cli.cmd_loop import suggest_similar

    if not ctx.find_root().params.get("quiet"):
        suggest_similar(issue)


def triage(
    number: Annotated[
        int | None,
        typer.Argument(
            help="The issue; omit to walk the untriaged queue.", parser=issue_number
        ),
    ] = None,
    impact: Annotated[
        str | None, typer.Option("--impact", help=one_of(IMPACTS))
    ] = None,
    urgency: Annotated[
        str | None, typer.Option("--urgency", help=one_of(URGENCIES))
    ] = None,
    priority: Annotated[
        str | None,
        typer.Option("--priority", help=f"{one_of(PRIORITIES)}; overrides the matrix."),
    ] = None,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why the matrix is overridden.")
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", help=one_of(TYPES))] = None,
    area: Annotated[
        str | None, typer.Option("--area", help="Affected area or module.")
    ] = None,
    cause: Annotated[
        str | None,
        typer.Option("--cause", help=f"Root-cause guess: {one_of(CAUSES)}."),
    ] = None,
    assignee: Annotated[
        str | None, typer.Option("--assignee", help="Who works on it.")
    ] = None,
    at: At = None,
    by: By = None,
) -> None:
    """Classify an issue; the priority follows from impact × urgency.

    Example: hypercare triage 7 --impact medium --urgency high --type bug --cause data

    Without a number, walks the untriaged queue (oldest first) in a terminal.
    """
    from hypercare.core.issues import Triage
    from hypercare.core.issues import triage as classify

    env = current()
    if number is None:
        _walk_queue(at, by)
        return
    t = Triage(
        impact=impact,
        urgency=urgency,
        priority=priority,
        reason=reason,
        type=type_,
        area=area,
        cause=cause,
        assignee=assignee,
    )
    issue = classify(env.store(), env.settings(), number, t, env.stamp(at, by))
    output.echo(
        f"Issue {issue.id}: {issue.priority} ({issue.impact} impact, "
        f"{issue.urgency} urgency)"
    )


def _walk_queue(at: str | None, by: str | None) -> None:
    from hypercare.core.issues import Triage, get_issue
    from hypercare.core.issues import triage as classify
    from hypercare.store.issues import untriaged_ids

    if not output.is_interactive():
        raise InputError(
            "walking the queue needs a terminal; triage one issue with "
            "'hypercare triage N --impact I --urgency U'"
        )
    env = current()
    store = env.store()
    queue = untriaged_ids(store.conn)
    if not queue:
        output.echo("No untriaged issues.")
        return
    output.echo(
        f"{counted(len(queue), 'untriaged issue')}. Enter s to skip, q (or "
        "Ctrl-D) to quit."
    )
    triaged = skipped = 0
    for issue_id in queue:
        issue = get_issue(store, issue_id)
        reported = format_time(issue.reported_at, env.settings().tz)
        output.echo(f"\n#{issue.id} {issue.title}  (reported {reported})")
        if issue.description:
            output.print_text(issue.description)
        try:
            answers = _ask_fields()
        except typer.Abort:
            # Ctrl-C: interrupted, but what was triaged so far is recorded.
            output.echo(f"\nTriaged {triaged}, skipped {skipped} before the stop.")
            raise
        if answers is None:
            break
        if not answers:
            skipped += 1
            continue
        done = classify(
            store, env.settings(), issue_id, Triage(**answers), env.stamp(at, by)
        )
        output.echo(f"Issue {done.id}: {done.priority}")
        triaged += 1
    left = len(queue) - triaged
    output.echo(f"\nTriaged {triaged}, skipped {skipped}; {left} still untriaged.")


def _ask_fields() -> dict[str, str] | None:
    """Prompt for each field; None means quit, {} means skip this issue."""
    answers: dict[str, str] = {}
    for field, allowed, is_required in (
        ("impact", IMPACTS, True),
        ("urgency", URGENCIES, True),
        ("type", TYPES, False),
        ("cause", CAUSES, False),
    ):
        while True:
            hint = "/".join(allowed)
            try:
                raw = typer.prompt(
                    f"  {field} [{hint}]",
                    default="" if not is_required else None,
                    show_default=False,
                ).strip()
            except typer.Abort as exc:
                # The prompt turns both Ctrl-C and the end of input into
                # Abort; only Ctrl-C is an interruption, Ctrl-D means done.
                if isinstance(exc.__context__, EOFError):
                    return None
                raise
            if raw == "q":
                return None
            if raw == "s":
                return {}
            if raw == "" and not is_required:
                break
            if raw in allowed:
                answers[field] = raw
                break
            output.echo(f"  '{raw}' is not one of {hint}")
    return answers


def register(app: typer.Typer) -> None:
    app.command()(log)
    app.command()(triage)
