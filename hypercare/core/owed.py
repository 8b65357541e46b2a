"""Closing the loop: who is owed which message, confirmations, closing unconfirmed.

``owed`` works from the recorded history as of a moment: each issue's state
is the fold of its events up to ``as_of`` and only messages delivered by
then count (sent or written to an outbox; a printed preview does not). A
reporter is owed:

- ``ack``: an open issue not acknowledged within its priority's target, on
  its calendar (the acknowledge clock of ``core.sla``); an untriaged issue
  gets the loosest target, P4's, so that it is not flagged before any
  triaged one;
- ``update``: a P1/P2 (any priority in ``[loop] update_every``) still open
  with no message for longer than the cadence;
- ``resolution`` and ``confirm``: a resolved issue whose reporter was not
  told since it was resolved; a duplicate's reporter is owed the resolution
  of its master too;
- ``duplicate``: an issue closed as a duplicate whose reporter was not told
  which issue it joined.

Confirmation closes a resolved issue; rejection reopens it. Both go through
``core.issues.move`` so the lifecycle and its events stay right.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hypercare.config import Settings
from hypercare.core.issues import Move, Stamp, get_issue, move
from hypercare.core.when import format_span, from_iso, to_iso
from hypercare.errors import InputError, TransitionError
from hypercare.models import OPEN_STATUSES, Issue
from hypercare.store import messages as message_rows
from hypercare.store.db import Store, under_write_lock

# The order in which a reporter's messages are listed (and sent).
KIND_ORDER = ("duplicate", "ack", "update", "resolution", "confirm")


@dataclass(frozen=True)
class Owed:
    """One message due to one reporter about one issue."""

    issue_id: int
    kind: str
    due_at: str
    reporter: str | None
    contact: str | None
    title: str
    priority: str | None
    reason: str
    via: int | None = None  # the master whose message this is, for a duplicate

    @property
    def sender_issue(self) -> int:
        """The issue to run ``notify`` on to send this message."""
        return self.via if self.via is not None else self.issue_id

    def as_row(self, as_of: datetime, *, is_for_people: bool = False) -> dict[str, Any]:
        """The row; for people, ``overdue`` in the one span form every report uses."""
        overdue = as_of - from_iso(self.due_at)
        return {
            "reporter": self.reporter,
            "contact": self.contact,
            "issue": self.issue_id,
            "title": self.title,
            "priority": self.priority,
            "message": self.kind,
            "due_at": self.due_at,
            "overdue": format_span(overdue / timedelta(minutes=1))
            if is_for_people
            else overdue_text(overdue),
            "via": self.via,
            "reason": self.reason,
        }


def owed(store: Store, settings: Settings, as_of: datetime) -> list[Owed]:
    """Every message due at ``as_of``, per reporter and issue."""
    moment = to_iso(as_of)
    states, duplicated_at = _states(store, moment)
    last: dict[tuple[int, str], str] = {}
    for row in message_rows.delivered_until(store.conn, moment):
        last[(row["issue_id"], row["kind"])] = row["at"]
        last[(row["issue_id"], "*")] = row["at"]
    history = _History(last, duplicated_at, _ack_due(store, settings, states, as_of))

    found: list[Owed] = []
    for state in states.values():
        issue = Issue.from_row(state)
        master = states.get(issue.duplicate_of) if issue.duplicate_of else None
        found.extend(_owed_for(settings, issue, master, history, as_of))
    # Per reporter (by name, else address; unknown last), then issue.
    return sorted(
        found,
        key=lambda o: (
            (o.reporter or o.contact) is None,
            o.reporter or o.contact or "",
            o.issue_id,
            KIND_ORDER.index(o.kind),
        ),
    )


@contextmanager
def owed_for_sending(
    store: Store, settings: Settings, as_of: datetime, *, holds_lock: bool
) -> Iterator[list[Owed]]:
    """What is owed as of ``as_of``, for sending within the ``with`` block.

    With ``holds_lock`` the list is read under the write lock, held until the
    block ends, and the messages sent in it join that transaction: two runs at
    once send each owed message once, as the second finds it no longer owed.
    A walk that asks a person passes False, so as not to hold other writers
    while they think. An exception raised in the block undoes what it
    recorded, so the caller ends the block normally after a failed delivery.
    """
    with store.write() if holds_lock else nullcontext():
        yield owed(store, settings, as_of)


def overdue_text(span: timedelta) -> str:
    """'2d 3h', '1h 45m', '20m': how long a message has been due.

    The form of ``overdue`` in JSON and CSV, kept as it is pinned there.
    """
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


@under_write_lock
def confirm(store: Store, issue_id: int, stamp: Stamp) -> Issue:
    """Record the reporter's confirmation: a resolved issue is closed."""
    _check_resolved(store, issue_id, "confirmed")
    return move(
        store,
        issue_id,
        "close",
        stamp,
        Move(note="the reporter confirmed the resolution"),
    )


@under_write_lock
def reject(store: Store, issue_id: int, reason: str, stamp: Stamp) -> Issue:
    """Record the reporter's rejection of a resolution: the issue is reopened."""
    if not reason.strip():
        raise InputError("say why the reporter rejects the resolution: --reason TEXT")
    _check_resolved(store, issue_id, "rejected")
    return move(
        store,
        issue_id,
        "reopen",
        stamp,
        Move(note=f"the reporter rejected the resolution: {reason.strip()}"),
    )


def unconfirmed(store: Store, older_than: timedelta, at: datetime) -> list[Issue]:
    """Resolved issues not confirmed (nor closed) for longer than ``older_than``."""
    cutoff = to_iso(at - older_than)
    return [
        Issue.from_row(row) for row in message_rows.resolved_before(store.conn, cutoff)
    ]


def close_unconfirmed(
    store: Store, issues: list[Issue], older_than: str, stamp: Stamp
) -> list[Issue]:
    """Close the given resolved issues in one transaction."""
    note = f"closed unconfirmed: no answer from the reporter within {older_than}"
    with store.write():
        return [
            move(store, issue.id, "close", stamp, Move(note=note)) for issue in issues
        ]


def _check_resolved(store: Store, issue_id: int, verb: str) -> None:
    issue = get_issue(store, issue_id)
    if issue.status != "resolved":
        raise TransitionError(
            f"issue {issue_id} is {issue.status}; only a resolved issue can be "
            f"{verb} by its reporter"
        )


def _states(
    store: Store, moment: str
) -> tuple[dict[int, dict[str, Any]], dict[int, str]]:
    """Each issue as of ``moment`` (the fold of its events), and when each
    became a duplicate."""
    conn = store.conn
    states: dict[int, dict[str, Any]] = {}
    duplicated_at: dict[int, str] = {}
    for event in message_rows.events_until(conn, moment):
        state = states.setdefault(event["issue_id"], {"id": event["issue_id"]})
        state.update(json.loads(event["changes"] or "{}"))
        if event["kind"] == "status" and event["to_status"] == "duplicate":
            duplicated_at[event["issue_id"]] = event["at"]
    # An issue whose first event is after `moment` did not exist yet.
    return {k: v for k, v in states.items() if "title" in v}, duplicated_at


@dataclass(frozen=True)
class _History:
    """What ``owed`` reads besides each issue's state, all as of one moment."""

    last: dict[tuple[int, str], str]  # (issue, kind or "*") -> last delivered at
    duplicated_at: dict[int, str]  # issue -> when it became a duplicate
    ack_due: dict[int, str]  # open, unacknowledged issue -> acknowledgement due


def _ack_due(
    store: Store, settings: Settings, states: dict[int, dict[str, Any]], as_of: datetime
) -> dict[int, str]:
    """When each open, unacknowledged issue's acknowledgement falls due.

    The acknowledge clock of ``core.sla`` follows the priority's calendar
    (business hours for P3/P4). An untriaged issue has no target there; it
    gets P4's, the loosest, so it is not flagged before any triaged one.
    """
    from hypercare.core.calendar import add_working_time
    from hypercare.core.sla import clocks_for_all

    waiting = [
        state["id"]
        for state in states.values()
        if state.get("status") in OPEN_STATUSES and not state.get("acknowledged_at")
    ]
    if not waiting:
        return {}
    clocks = clocks_for_all(store, settings, as_of, waiting)
    loosest = settings.targets.get("P4")
    due: dict[int, str] = {}
    for issue_id in waiting:
        clock = clocks.get(issue_id)
        if clock is not None and clock.acknowledge.due_at is not None:
            due[issue_id] = to_iso(clock.acknowledge.due_at)
        elif (
            states[issue_id].get("priority") is None and loosest and loosest.acknowledge
        ):
            calendar = settings.calendars[loosest.calendar]
            reported = from_iso(states[issue_id]["reported_at"])
            due[issue_id] = to_iso(
                add_working_time(calendar, reported, loosest.acknowledge)
            )
    return due


def _owed_for(
    settings: Settings,
    issue: Issue,
    master: dict[str, Any] | None,
    history: _History,
    as_of: datetime,
) -> list[Owed]:
    def due(kind: str, due_at: str, reason: str, via: int | None = None) -> Owed:
        return Owed(
            issue.id,
            kind,
            due_at,
            issue.reporter,
            issue.contact,
            issue.title,
            issue.priority,
            reason,
            via,
        )

    moment = to_iso(as_of)
    last = history.last
    found: list[Owed] = []
    if issue.status in OPEN_STATUSES:
        found.extend(_open_owed(settings, issue, history, due))
    elif issue.status == "resolved" and issue.resolved_at:
        for kind in ("resolution", "confirm"):
            if last.get((issue.id, kind), "") < issue.resolved_at:
                found.append(
                    due(kind, issue.resolved_at, f"resolved {issue.resolved_at}")
                )
    elif issue.status == "duplicate":
        joined = history.duplicated_at.get(issue.id, issue.updated_at)
        # The resolution of the master, once sent, tells the reporter too.
        told = max(last.get((issue.id, k), "") for k in ("duplicate", "resolution"))
        if told < joined:
            found.append(due("duplicate", joined, f"joined issue {issue.duplicate_of}"))
        resolved = master.get("resolved_at") if master else None
        is_told = last.get((issue.id, "resolution"), "") >= (resolved or "")
        if master and master.get("status") == "resolved" and resolved and not is_told:
            found.append(
                due(
                    "resolution",
                    resolved,
                    f"issue {master['id']} resolved {resolved}",
                    via=master["id"],
                )
            )
    return [o for o in found if o.due_at <= moment]


def _open_owed(
    settings: Settings, issue: Issue, history: _History, due: Any
) -> list[Owed]:
    if issue.acknowledged_at is None:
        deadline = history.ack_due.get(issue.id)
        if deadline is None:
            return []
        return [due("ack", deadline, "not acknowledged within its target")]

    cadence = settings.update_every.get(issue.priority or "")
    if cadence is None:
        return []
    since = max(history.last.get((issue.id, "*"), ""), issue.acknowledged_at)
    return [
        due(
            "update",
            to_iso(from_iso(since) + cadence),
            f"{issue.priority}: an update every {cadence}, last word {since}",
        )
    ]
