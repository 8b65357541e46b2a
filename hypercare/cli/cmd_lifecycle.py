"""Moving an issue through its lifecycle, and working on it."""

from __future__ import annotations

from typing import Annotated

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import At, By, IssueNumber, Note, issue_number
from hypercare.errors import InputError
from hypercare.models import LEVELS


def _moved(
    number: int, action: str, at: str | None, by: str | None, detail: object = None
) -> None:
    from hypercare.core.issues import move

    env = current()
    issue = move(env.store(), number, action, env.stamp(at, by), detail)  # type: ignore[arg-type]
    output.echo(f"Issue {issue.id} is now {issue.status}.")


def _note(text: str | None) -> object:
    from hypercare.core.issues import Move

    return Move(note=text)


def ack(number: IssueNumber, note: Note = None, at: At = None, by: By = None) -> None:
    """Acknowledge an issue (stops its acknowledge clock).

    Example: hypercare ack 12 --at "09:40"
    """
    _moved(number, "ack", at, by, _note(note))


def start(number: IssueNumber, note: Note = None, at: At = None, by: By = None) -> None:
    """Start work on an issue, or resume it from on hold or testing.

    Example: hypercare start 12
    """
    _moved(number, "start", at, by, _note(note))


def hold(
    number: IssueNumber,
    reason: Annotated[str, typer.Option("--reason", help="What it waits for.")],
    at: At = None,
    by: By = None,
) -> None:
    """Put an issue on hold (waiting on the reporter or a vendor); pauses its clock.

    Example: hypercare hold 12 --reason "waiting for the vendor's patch"
    """
    _moved(number, "hold", at, by, _note(reason))


def test(number: IssueNumber, note: Note = None, at: At = None, by: By = None) -> None:
    """Mark an issue's fix as awaiting testing.

    Example: hypercare test 12 --note "fix deployed to UAT"
    """
    _moved(number, "test", at, by, _note(note))


def resolve(
    number: IssueNumber,
    resolution: Annotated[
        str | None, typer.Option("--resolution", help="What fixed it.")
    ] = None,
    code: Annotated[
        str | None,
        typer.Option(
            "--code",
            help="A resolution code of your own, any text (there is no fixed "
            "list), e.g. fixed, workaround or config-change.",
        ),
    ] = None,
    workaround: Annotated[
        str | None, typer.Option("--workaround", help="How users can get by meanwhile.")
    ] = None,
    kb: Annotated[
        bool | None,
        typer.Option(
            "--kb/--no-kb",
            help="Keep the resolution in the knowledge base, or take it out. "
            "Without either, an issue already there stays there.",
        ),
    ] = None,
    at: At = None,
    by: By = None,
) -> None:
    """Resolve an issue.

    Example: hypercare resolve 12 --code fixed --resolution "Fixed the tax table" --kb
    """
    from hypercare.core.issues import Move, Resolution

    detail = Move(
        resolution=Resolution(
            code=code, text=resolution, workaround=workaround, is_kb=kb
        )
    )
    _moved(number, "resolve", at, by, detail)


def close(
    number: Annotated[
        int | None, typer.Argument(help="The issue number.", parser=issue_number)
    ] = None,
    note: Note = None,
    unconfirmed: Annotated[
        str | None,
        typer.Option(
            "--unconfirmed-older-than",
            help="Instead, close every resolved "
            "issue its reporter left unconfirmed this long, e.g. 3d.",
        ),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Close them without asking.")
    ] = False,
    at: At = None,
    by: By = None,
) -> None:
    """Close a resolved issue, or all those left unconfirmed too long.

    Example: hypercare close 12

    Example: hypercare close --unconfirmed-older-than 3d --yes
    """
    if unconfirmed is not None:
        from hypercare.cli.cmd_loop import close_unconfirmed

        close_unconfirmed(unconfirmed, yes, number, at, by)
        return
    if number is None:
        raise InputError("say which issue to close: hypercare close N")
    _moved(number, "close", at, by, _note(note))


def reopen(
    number: IssueNumber,
    reason: Annotated[str, typer.Option("--reason", help="Why it is reopened.")],
    at: At = None,
    by: By = None,
) -> None:
    """Reopen a resolved or closed issue (back to in_progress; counted as a reopen).

    Example: hypercare reopen 12 --reason "still fails for Belgian invoices"
    """
    _moved(number, "reopen", at, by, _note(reason))


def duplicate(
    number: IssueNumber,
    of: Annotated[
        int,
        typer.Option("--of", help="The issue it duplicates.", parser=issue_number),
    ],
    at: At = None,
    by: By = None,
) -> None:
    """End an issue as a duplicate of another.

    Example: hypercare duplicate 14 --of 12
    """
    from hypercare.core.issues import Move

    _moved(number, "duplicate", at, by, Move(duplicate_of=of))


def reject(
    number: IssueNumber,
    reason: Annotated[str, typer.Option("--reason", help="Why it is rejected.")],
    at: At = None,
    by: By = None,
) -> None:
    """End an issue without a fix (not a fault, works as designed).

    Example: hypercare reject 15 --reason "works as designed"
    """
    _moved(number, "reject", at, by, _note(reason))


def defer(number: IssueNumber, note: Note = None, at: At = None, by: By = None) -> None:
    """Move an enhancement to the post-hypercare backlog.

    Example: hypercare defer 16 --note "planned for release 2"
    """
    _moved(number, "defer", at, by, _note(note))


def assign(
    number: IssueNumber,
    who: Annotated[str, typer.Argument(help="The person or team.")],
    at: At = None,
    by: By = None,
) -> None:
    """Assign an issue to a person or team.

    Example: hypercare assign 12 "Payroll team"
    """
    from hypercare.core.issues import assign as give

    env = current()
    issue = give(env.store(), number, who, env.stamp(at, by))
    output.echo(f"Issue {issue.id} is assigned to {issue.assignee}.")


def comment(
    number: IssueNumber,
    text: Annotated[str, typer.Argument(help="The comment.")],
    at: At = None,
    by: By = None,
) -> None:
    """Add a comment to an issue's timeline.

    Example: hypercare comment 12 "Reproduced on the test system"
    """
    from hypercare.core.issues import comment as add_comment

    env = current()
    issue = add_comment(env.store(), number, text, env.stamp(at, by))
    output.echo(f"Comment added to issue {issue.id}.")


def escalate(
    number: IssueNumber,
    level: Annotated[str, typer.Option("--level", help="|".join(LEVELS))],
    note: Note = None,
    at: At = None,
    by: By = None,
) -> None:
    """Escalate an issue to a support level.

    Example: hypercare escalate 12 --level L3 --note "needs a code change"
    """
    from hypercare.core.issues import escalate as raise_level

    env = current()
    issue = raise_level(env.store(), number, level, env.stamp(at, by), note)
    output.echo(f"Issue {issue.id} is escalated to {issue.escalation_level}.")


def register(app: typer.Typer) -> None:
    for command in (
        ack,
        start,
        hold,
        test,
        resolve,
        close,
        reopen,
        duplicate,
        reject,
        defer,
        assign,
        comment,
        escalate,
    ):
        app.command()(command)
