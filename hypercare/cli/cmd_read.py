"""Reading issues: list and show."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import (
    AsOf,
    IssueNumber,
    TableFormat,
    check_format,
    one_of,
    whole_number,
)
from hypercare.core.when import format_span, format_time, local_times, to_iso
from hypercare.errors import InputError
from hypercare.models import (
    CHANNELS,
    DONE_STATUSES,
    FLAGS,
    OPEN_STATUSES,
    PRIORITIES,
    SORT_KEYS,
    STATUSES,
    TYPES,
    Issue,
)

if TYPE_CHECKING:
    from hypercare.core.sla import Clock, IssueClocks

LIST_COLUMNS = [
    ("id", "#"),
    ("priority", "priority"),
    ("status", "status"),
    ("title", "title"),
    ("type", "type"),
    ("area", "area"),
    ("channel", "channel"),
    ("assignee", "assignee"),
    ("reported_at", "reported"),
    ("updated_at", "updated"),
]
EVENT_COLUMNS = [
    ("at", "at"),
    ("actor", "by"),
    ("kind", "event"),
    ("what", "what"),
]


def _statuses(values: list[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for value in values:
        if value == "open":
            chosen.extend(OPEN_STATUSES)
        elif value == "done":
            chosen.extend(DONE_STATUSES)
        elif value in STATUSES:
            chosen.append(value)
        else:
            raise InputError(
                f"unknown status '{value}'; use open, done or one of: "
                + ", ".join(STATUSES)
            )
    return tuple(dict.fromkeys(chosen))


def list_(
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            "-s",
            help=f"open ({', '.join(OPEN_STATUSES)}), done "
            f"({', '.join(DONE_STATUSES)}) or one of those states; repeatable.",
        ),
    ] = None,
    priority: Annotated[
        list[str] | None,
        typer.Option("--priority", "-p", help=f"{one_of(PRIORITIES)}; repeatable."),
    ] = None,
    type_: Annotated[
        list[str] | None, typer.Option("--type", help=f"{one_of(TYPES)}; repeatable.")
    ] = None,
    area: Annotated[
        list[str] | None, typer.Option("--area", help="An area; repeatable.")
    ] = None,
    channel: Annotated[
        list[str] | None,
        typer.Option("--channel", help=f"{one_of(CHANNELS)}; repeatable."),
    ] = None,
    assignee: Annotated[
        list[str] | None,
        typer.Option("--assignee", help="An assignee, in any letter case; repeatable."),
    ] = None,
    search: Annotated[
        str | None, typer.Option("--search", help="Text in the title or description.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Reported at or after this WHEN.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Reported before this WHEN.")
    ] = None,
    sort: Annotated[
        str,
        typer.Option(
            "--sort",
            help=f"{one_of(SORT_KEYS)}. Statuses sort in lifecycle order; "
            "untriaged issues come last by priority.",
        ),
    ] = "id",
    desc: Annotated[
        bool, typer.Option("--desc", help="Sort in descending order.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option("--limit", "-n", help="At most N issues.", parser=whole_number),
    ] = None,
    fmt: TableFormat = "table",
) -> None:
    """List issues, filtered and sorted.

    Example: hypercare list --status open --priority P1 --priority P2 --sort reported
    """
    from hypercare.core.issues import check_choice
    from hypercare.store.issues import IssueFilter, list_issues

    check_format(fmt, output.FORMATS_TABULAR)
    for values, allowed, flag in (
        (priority, PRIORITIES, "--priority"),
        (type_, TYPES, "--type"),
        (channel, CHANNELS, "--channel"),
    ):
        for value in values or ():
            check_choice(value, allowed, flag)
    if limit is not None and limit < 1:
        raise InputError(f"--limit {limit} is not a number of issues; give 1 or more")
    if sort not in SORT_KEYS:
        raise InputError(f"unknown sort key '{sort}'; use --sort {'|'.join(SORT_KEYS)}")
    env = current()
    start = env.when(since, "--since") if since is not None else None
    end = env.when(until, "--until") if until is not None else None
    if start is not None and end is not None and start >= end:
        raise InputError(
            f"--since {since} is not before --until {until}; nothing could match, "
            "so give an earlier --since or a later --until"
        )
    wanted = IssueFilter(
        statuses=_statuses(status or []),
        priorities=tuple(priority or ()),
        types=tuple(type_ or ()),
        areas=tuple(area or ()),
        channels=tuple(channel or ()),
        assignees=tuple(assignee or ()),
        search=search,
        since=to_iso(start) if start is not None else None,
        until=to_iso(end) if end is not None else None,
        sort=sort,
        descending=desc,
        limit=limit,
    )
    # Each issue as show gives it: the same keys in the same order, tags as a
    # list rather than the stored JSON text.
    rows = [
        Issue.from_row(row).public() for row in list_issues(env.store().conn, wanted)
    ]
    output.emit_rows(
        rows, LIST_COLUMNS, fmt, empty="No issues match.", tz=env.settings().tz
    )


def _describe(event: dict[str, object], tz: ZoneInfo | None) -> str:
    """The event in words; times set by it shown in ``tz`` (None: stored UTC)."""
    parts = []
    if event["kind"] == "status":
        parts.append(f"{event['from_status']} → {event['to_status']}")
    changes = event["changes"]
    assert isinstance(changes, dict)
    # A reason the event also carries as its note is said once, as the note.
    shown = {
        k: v
        for k, v in changes.items()
        if k not in ("updated_at", "status")
        and v is not None
        and not (k.endswith("_reason") and v == event["note"])
    }
    if tz is not None:
        shown = local_times(shown, tz)
    for flag in FLAGS:
        if flag in shown:
            shown[flag] = "yes" if shown[flag] else "no"
    if event["kind"] != "logged" and shown:
        parts.append(", ".join(f"{k}={v}" for k, v in shown.items()))
    if event["note"]:
        parts.append(str(event["note"]))
    return "; ".join(parts)


def show(number: IssueNumber, as_of: AsOf = None, fmt: TableFormat = "table") -> None:
    """Show one issue with its whole timeline and its SLA clocks.

    The SLA clocks (acknowledge, resolve) are as of --as-of, default now;
    the fields and the timeline are the issue as recorded now. Clocks on a
    working-hours calendar count working time ("24h 00m working" is three
    days of 09:00-17:00).

    Example: hypercare show 12 --as-of "2026-03-05 09:00" --format json
    """
    from hypercare.core.issues import timeline
    from hypercare.core.sla import clocks_for, counts_working_time

    check_format(fmt, output.FORMATS_TABULAR)
    env = current()
    tz = env.settings().tz
    issue, events = timeline(env.store(), number)
    moment = env.as_of(as_of)
    if to_iso(moment) < issue.reported_at:
        raise InputError(
            f"--as-of {format_time(moment, tz)} is before issue {issue.id} was "
            f"reported ({format_time(issue.reported_at, tz)}); its clocks had not "
            "started"
        )
    clocks = clocks_for(issue, events, env.settings(), moment)
    # The timeline is in the order things happened (--at), not the order they
    # were typed in, in every format; each event's id gives the recorded order.
    event_rows = sorted(
        (event.as_dict() for event in events), key=lambda row: (row["at"], row["id"])
    )
    if fmt == "json":
        shown = {"issue": issue.public(), "events": event_rows}
        output.emit_json({**shown, "clocks": clocks.as_dict()})
        return
    for row in event_rows:
        row["what"] = _describe(row, None if fmt == "csv" else tz)
    if fmt == "csv":  # for programs: the timeline alone, one row per event
        output.emit_rows(event_rows, EVENT_COLUMNS, fmt, tz=tz)
        return
    shown = {**issue.public(), "tags": ", ".join(issue.tag_list)}
    shown.update({flag: "yes" for flag in FLAGS if shown[flag]})
    fields = local_times(shown, tz).items()
    is_working = counts_working_time(env.settings(), issue.priority)
    parts = [
        (
            f"Issue {issue.id}",
            [{"field": k, "value": v} for k, v in fields if v not in (None, "", 0)],
            [("field", "field"), ("value", "value")],
        ),
        ("SLA clocks", _clock_rows(clocks, tz, is_working), CLOCK_COLUMNS),
        ("Timeline", event_rows, EVENT_COLUMNS),
    ]
    for number, (title, rows, columns) in enumerate(parts):
        if number:
            output.echo()
        if fmt == "md":
            output.echo(f"## {title}\n")
            output.emit_rows(rows, columns, "md", tz=tz)
        else:
            output.emit_rows(rows, columns, "table", title=title, tz=tz)


CLOCK_COLUMNS = [
    ("clock", "clock"),
    ("state", "state"),
    ("target", "target"),
    ("elapsed", "elapsed"),
    ("remaining", "left"),
    ("due", "due"),
]


def _clock_rows(
    clocks: IssueClocks, tz: ZoneInfo, is_working: bool
) -> list[dict[str, str]]:
    """Acknowledge, then resolve: each cycle when it was reopened, and the total."""
    named = [("acknowledge", clocks.acknowledge)]
    if len(clocks.cycles) > 1:
        named += [(f"resolve, cycle {n}", c) for n, c in enumerate(clocks.cycles, 1)]
    else:
        named.append(("resolve", clocks.resolve))

    def span(value: timedelta | None) -> str:
        if value is None:
            return ""
        return format_span(value / timedelta(minutes=1), is_working=is_working)

    rows = [_clock_row(name, clock, tz, span) for name, clock in named]
    if len(clocks.cycles) > 1:
        total = span(clocks.resolve_total)
        rows.append({"clock": "resolve, all cycles", "elapsed": total})
    return rows


def _clock_row(
    name: str, clock: Clock, tz: ZoneInfo, span: Callable[[timedelta | None], str]
) -> dict[str, str]:
    remaining = clock.remaining
    if remaining is not None and remaining < timedelta(0):
        left = f"{span(-remaining)} over"
    else:
        left = span(remaining)
    # "none": no target, because the issue is untriaged or its priority has
    # none (a P4's resolve clock during hypercare).
    state = "no target" if clock.state == "none" else clock.state.replace("_", " ")
    return {
        "clock": name,
        "state": state,
        "target": span(clock.target) or "none",
        "elapsed": span(clock.elapsed),
        "remaining": left,
        "due": format_time(clock.due_at, tz) if clock.due_at else "",
    }


def register(app: typer.Typer) -> None:
    app.command("list")(list_)
    app.command()(show)
