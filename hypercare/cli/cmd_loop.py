"""Closing the loop with reporters: notify, confirm, owed, kb.

Also the two helpers other commands call: ``suggest_similar`` (after
``log``) and ``close_unconfirmed`` (``close --unconfirmed-older-than``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import (
    TEXT_FORMATS,
    AsOf,
    At,
    By,
    IssueNumber,
    TableFormat,
    TextFormat,
    check_format,
    issue_number,
    one_of,
    path_given,
)
from hypercare.core.when import local_times
from hypercare.core.words import article, counted
from hypercare.errors import InputError
from hypercare.models import MESSAGE_KINDS

if TYPE_CHECKING:
    from hypercare.core.messages import Outcome
    from hypercare.core.owed import Owed
    from hypercare.models import Issue

PASSWORD_VARIABLE = "HYPERCARE_SMTP_PASSWORD"
OWED_COLUMNS = [
    ("reporter", "reporter"),
    ("contact", "contact"),
    ("issue", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("message", "message"),
    ("due_at", "due since"),
    ("overdue", "overdue"),
    # A duplicate's reporter hears of the resolution with its master's message.
    ("via", "sent with issue"),
]
KB_COLUMNS = [
    ("id", "#"),
    ("title", "title"),
    ("area", "area"),
    ("resolution", "resolution"),
    ("workaround", "workaround"),
    ("resolved_at", "resolved"),
]


def notify(
    number: Annotated[
        int | None,
        typer.Argument(
            help="The issue; omit with --owed.", show_default=False, parser=issue_number
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", "-k", help=f"{one_of(MESSAGE_KINDS)}; omit with --owed."
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="A paragraph added to the message.")
    ] = None,
    print_: Annotated[
        bool,
        typer.Option("--print", help="Show the message only (recorded as printed)."),
    ] = False,
    send: Annotated[
        bool, typer.Option("--send", help="E-mail it over [smtp].")
    ] = False,
    outbox: Annotated[
        Path | None,
        typer.Option(
            "--outbox", help="Write .eml files to this folder.", parser=path_given
        ),
    ] = None,
    owed_: Annotated[
        bool, typer.Option("--owed", help="Walk every message that is owed.")
    ] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="With --owed: all of them, without asking.")
    ] = False,
    fmt: TextFormat = "text",
    at: At = None,
    by: By = None,
) -> None:
    """Write, deliver and record a message to an issue's reporter.

    Say how with exactly one of --print, --send or --outbox DIR.

    Updates and resolutions of an issue also go to the reporters of its
    duplicates. The SMTP password is read from HYPERCARE_SMTP_PASSWORD.

    Example: hypercare notify 12 --kind ack --send
    """
    check_format(fmt, TEXT_FORMATS)
    mode = _mode(print_, send, outbox)
    if owed_:
        if number is not None or kind is not None:
            raise InputError(
                "--owed walks every owed message; drop the number and --kind"
            )
        _walk_owed(mode, outbox, note, all_, at, by)
        return
    if number is None or kind is None:
        raise InputError(
            "say which message: hypercare notify N --kind KIND (or --owed)"
        )
    _show_outcome(_deliver(number, kind, mode, outbox, note, at, by, None), mode, fmt)


def confirm(
    number: IssueNumber,
    rejected: Annotated[
        bool, typer.Option("--rejected", help="The reporter says it is not solved.")
    ] = False,
    reason: Annotated[
        str | None, typer.Option("--reason", help="Why (with --rejected).")
    ] = None,
    at: At = None,
    by: By = None,
) -> None:
    """Record the reporter's answer: confirmed closes the issue, rejected reopens it.

    Example: hypercare confirm 12 --by "Ana Ruiz"

    Example: hypercare confirm 12 --rejected --reason "still blank"
    """
    from hypercare.core import owed

    env = current()
    if rejected:
        if reason is None:
            raise InputError(
                "say why the reporter rejects the resolution: --reason TEXT"
            )
        issue = owed.reject(env.store(), number, reason, env.stamp(at, by))
        output.echo(f"Issue {issue.id} is reopened ({issue.status}).")
        return
    if reason is not None:
        raise InputError(
            "--reason goes with --rejected; a confirmation needs no reason"
        )
    issue = owed.confirm(env.store(), number, env.stamp(at, by))
    output.echo(f"Issue {issue.id} is confirmed and now {issue.status}.")


def owed(as_of: AsOf = None, fmt: TableFormat = "table") -> None:
    """List who is owed which message, per reporter and issue, and since when.

    A duplicate's reporter hears of the resolution with the message of the
    issue it duplicates: the column 'sent with issue' names the issue to
    notify (in JSON and CSV, 'via').

    Example: hypercare owed --as-of "2026-03-05 09:00" --format md
    """
    from hypercare.core.owed import owed as find_owed
    from hypercare.core.owed import unconfirmed

    check_format(fmt, output.FORMATS_TABULAR)
    env = current()
    moment = env.as_of(as_of)
    due = find_owed(env.store(), env.settings(), moment)
    is_for_people = fmt in ("table", "md")
    output.emit_rows(
        [o.as_row(moment, is_for_people=is_for_people) for o in due],
        OWED_COLUMNS,
        fmt,
        title="Messages owed",
        empty="No reporter is owed a message.",
        tz=env.settings().tz,
    )

    window = env.settings().confirm_within
    stale = unconfirmed(env.store(), window, moment)
    if stale and fmt == "table":
        output.echo_err(
            f"{counted(len(stale), 'resolved issue')} unconfirmed for longer than "
            f"{_days(window)}: {', '.join(str(i.id) for i in stale)}; close "
            f"{'it' if len(stale) == 1 else 'them'} with "
            f"'hypercare close --unconfirmed-older-than {_days(window)}'"
        )


def kb(
    search: Annotated[
        str | None, typer.Option("--search", "-s", help="Words to look for (fuzzy).")
    ] = None,
    fmt: TableFormat = "table",
) -> None:
    """List the knowledge kept from resolutions (resolve --kb), or search it.

    Example: hypercare kb --search "payroll export"
    """
    from hypercare.core.knowledge import entries

    check_format(fmt, output.FORMATS_TABULAR)
    env = current()
    found = entries(env.store(), search)
    columns = KB_COLUMNS + ([("score", "score")] if search else [])
    output.emit_rows(
        found,
        columns,
        fmt,
        title="Knowledge",
        empty="No knowledge entries match."
        if search
        else "No knowledge yet; keep a resolution with 'hypercare resolve N --kb'.",
        tz=env.settings().tz,
    )


def suggest_similar(issue: Issue) -> None:
    """After ``log``: up to three look-alike issues on stderr."""
    from hypercare.core.knowledge import similar

    matches = similar(current().store(), issue)
    if not matches:
        return
    output.echo_err(
        f"Looks like (mark a duplicate with 'hypercare duplicate {issue.id} --of N'):"
    )
    for match in matches:
        label = ", ".join(
            part
            for part in (
                match.status,
                "knowledge" if match.is_kb else "",
                match.area or "",
            )
            if part
        )
        output.echo_err(f"  #{match.id} {match.title}  [{label}]  {match.score:.0f}%")


def close_unconfirmed(
    older_than: str,
    is_confirmed: bool,
    number: int | None,
    at: str | None,
    by: str | None,
) -> None:
    """``close --unconfirmed-older-than``: show, ask (or --yes), close in one go."""
    from hypercare.core.owed import close_unconfirmed as close_all
    from hypercare.core.owed import unconfirmed
    from hypercare.core.when import parse_duration

    if number is not None:
        raise InputError("give an issue number or --unconfirmed-older-than, not both")
    env = current()
    stamp = env.stamp(at, by)
    span = parse_duration(older_than, name="--unconfirmed-older-than")
    stale = unconfirmed(env.store(), span, env.when(at, "--at"))
    if not stale:
        output.echo(f"No resolved issue is unconfirmed for longer than {older_than}.")
        return
    output.table(
        [local_times(i.as_dict(), env.settings().tz) for i in stale],
        [
            ("id", "#"),
            ("title", "title"),
            ("reporter", "reporter"),
            ("resolved_at", "resolved"),
        ],
        title=f"Resolved, unconfirmed for longer than {older_than}",
    )

    if not is_confirmed:
        if not output.is_interactive():
            raise InputError(
                "closing needs a yes in a terminal; add --yes to close them"
            )
        these = "this issue" if len(stale) == 1 else f"these {len(stale)} issues"
        if not typer.confirm(f"Close {these}?", default=False):
            output.echo("Nothing closed.")
            return
    closed = close_all(env.store(), stale, older_than, stamp)
    output.echo(
        f"Closed {counted(len(closed), 'issue')}: "
        f"{', '.join(str(i.id) for i in closed)}."
    )


def _mode(print_: bool, send: bool, outbox: Path | None) -> str:
    chosen = [
        name
        for name, on in (
            ("print", print_),
            ("send", send),
            ("outbox", outbox is not None),
        )
        if on
    ]
    if len(chosen) != 1:
        raise InputError(
            "say how to deliver the message: one of --print, --send or --outbox DIR"
        )
    if outbox is not None:
        from hypercare.core.delivery import check_outbox

        check_outbox(outbox)
    return chosen[0]


def _deliver(
    number: int,
    kind: str,
    mode: str,
    outbox: Path | None,
    note: str | None,
    at: str | None,
    by: str | None,
    only: frozenset[int] | None,
) -> Outcome:
    from hypercare.core.messages import Request
    from hypercare.core.messages import notify as send_message

    env = current()
    request = Request(number, kind, mode, note, outbox, only)
    password = os.environ.get(PASSWORD_VARIABLE) if mode == "send" else None
    outcome = send_message(
        env.store(), env.settings(), request, env.stamp(at, by), password
    )
    for skipped in outcome.skipped:
        output.warn(f"issue {skipped} has no e-mail contact; its reporter was not told")
    return outcome


def _show_outcome(outcome: Outcome, mode: str, fmt: str) -> None:
    if fmt == "json":
        output.emit_json([m.as_dict() for m in outcome.messages])
        return
    for message in outcome.messages:
        if mode == "print":
            output.print_text(
                f"To: {message.recipient or '(no contact)'}\n"
                f"Subject: {message.subject}\n\n{message.body}"
            )
        else:
            where = "written to the outbox" if mode == "outbox" else "sent"
            output.echo(
                f"Issue {message.issue_id}: {message.kind} message {where} "
                f"for {message.recipient}."
            )


def _walk_owed(
    mode: str,
    outbox: Path | None,
    note: str | None,
    is_all: bool,
    at: str | None,
    by: str | None,
) -> None:
    from hypercare.core.owed import owed_for_sending
    from hypercare.errors import DeliveryError

    if not is_all and not output.is_interactive():
        raise InputError(
            "walking what is owed needs a terminal; send everything with "
            "'hypercare notify --owed --all --send'"
        )
    env = current()
    failure: DeliveryError | None = None
    moment = env.when(at, "--at")
    with owed_for_sending(
        env.store(), env.settings(), moment, holds_lock=is_all
    ) as due:
        groups = _groups(due, mode)
        if not groups:
            output.echo("No reporter is owed a message.")
            return
        for (issue_id, kind), ids in groups.items():
            if not is_all and not _ask(issue_id, kind, ids, due, mode):
                continue
            # An update goes to every duplicate's reporter too; a resolution
            # only to those not yet told.
            only = None if kind == "update" else ids
            try:
                outcome = _deliver(issue_id, kind, mode, outbox, note, at, by, only)
            except DeliveryError as exc:
                failure = exc  # recorded as failed; end the block to keep it
                break
            _show_outcome(outcome, mode, "text")
    if failure is not None:
        raise failure


def _groups(due: list[Owed], mode: str) -> dict[tuple[int, str], frozenset[int]]:
    """One notify per issue and kind; a master's covers its duplicates."""
    from hypercare.core.messages import has_address

    groups: dict[tuple[int, str], set[int]] = {}
    for item in due:
        if mode != "print" and not has_address(item.contact):
            output.warn(
                f"issue {item.issue_id} is owed {article(item.kind)} message but has "
                "no e-mail contact; skipped"
            )
            continue
        groups.setdefault((item.sender_issue, item.kind), set()).add(item.issue_id)
    return {key: frozenset(ids) for key, ids in groups.items()}


def _ask(
    issue_id: int, kind: str, ids: frozenset[int], due: list[Owed], mode: str
) -> bool:
    """Show one owed message and ask; 'q' stops the walk."""
    whom = [
        f"{o.reporter or '?'} <{o.contact or '?'}> (#{o.issue_id})"
        for o in due
        if o.issue_id in ids and o.kind == kind
    ]
    output.echo(f"\n{kind} for issue {issue_id} to {', '.join(whom)}")
    verb = {"send": "send it", "outbox": "write it", "print": "print it"}[mode]
    answer = typer.prompt(f"  {verb}? [y/n/q]", default="n", show_default=False)
    answer = answer.strip()
    if answer == "q":
        raise typer.Exit()
    return answer.lower() in ("y", "yes")


def _days(span: Any) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours / 24:g}d" if hours % 24 == 0 else f"{hours:g}h"


def register(app: typer.Typer) -> None:
    for command in (notify, confirm, owed, kb):
        app.command()(command)
