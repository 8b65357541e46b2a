"""Capturing, triaging and working on issues; every change is an event.

Each public function that changes an issue reads, checks and writes it under
the write lock (``under_write_lock``): the event(s) and the matching
issue-row update go in one transaction, so a refused command changes
nothing and two processes cannot both move an issue out of one state.
``Stamp`` carries when the change happened (``at``, from ``--at``), when it
was recorded (``now``) and who made it.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import MISSING, dataclass, field, fields
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.config import Settings
from hypercare.core.lifecycle import check_move, priority_for, reopen_changes
from hypercare.core.text import check_one_line
from hypercare.core.when import format_time
from hypercare.errors import InputError, NotFoundError
from hypercare.models import (
    CAUSES,
    CHANNELS,
    GROUPS,
    IMPACTS,
    LEVELS,
    PRIORITIES,
    TYPES,
    URGENCIES,
    Event,
    Issue,
)
from hypercare.store import issues as rows
from hypercare.store.db import Store, under_write_lock


@dataclass(frozen=True)
class Stamp:
    """When a change happened, when it was recorded (UTC ISO), and by whom.

    ``tz`` is the zone of the config, in which a refusal shows these times.
    """

    at: str
    now: str
    actor: str
    tz: ZoneInfo = ZoneInfo("UTC")


@dataclass(frozen=True)
class NewIssue:
    title: str
    reported_at: str
    description: str | None = None
    type: str | None = None
    area: str | None = None
    channel: str | None = None
    reporter: str | None = None
    contact: str | None = None
    reporter_group: str | None = None
    external_ref: str | None = None
    tags: tuple[str, ...] = ()
    impact: str | None = None
    urgency: str | None = None


@dataclass(frozen=True)
class Triage:
    impact: str | None = None
    urgency: str | None = None
    priority: str | None = None
    reason: str | None = None
    type: str | None = None
    area: str | None = None
    cause: str | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class Resolution:
    code: str | None = None
    text: str | None = None
    workaround: str | None = None
    # None keeps what the issue had: knowledge survives a reopen and re-resolve.
    is_kb: bool | None = None


@dataclass(frozen=True)
class Move:
    """Extra detail a lifecycle move may carry."""

    note: str | None = None
    resolution: Resolution | None = None
    duplicate_of: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def check_choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    """Return ``value`` if it is one of ``allowed``; InputError naming the flag."""
    if value is None or value in allowed:
        return value
    raise InputError(
        f"unknown {flag.lstrip('-')} '{value}'; use {flag} {'|'.join(allowed)}"
    )


def check_area(settings: Settings, area: str | None) -> str | None:
    """``area`` if the config lists it (any area when it lists none)."""
    if area is None or not settings.areas or area in settings.areas:
        return area
    raise InputError(
        f"unknown area '{area}'; project.areas in {settings.path} lists "
        f"{', '.join(settings.areas)}: use one of them or add it there"
    )


def get_issue(store: Store, issue_id: int) -> Issue:
    row = rows.get_issue(store.conn, issue_id)
    if row is None:
        raise NotFoundError(
            f"there is no issue {issue_id}; 'hypercare list' shows the issues"
        )
    return Issue.from_row(row)


def fold_mismatch(store: Store) -> tuple[int, str, Any, Any] | None:
    """The first issue column that disagrees with the fold of its events.

    Returns (issue, column, value in the row, value from the events), or None
    when every row equals its events' changes applied in order.
    """
    defaults = {f.name: f.default for f in fields(Issue) if f.default is not MISSING}
    events = itertools.groupby(
        rows.changes_in_order(store.conn), key=lambda pair: pair[0]
    )
    pending = next(events, None)
    for row in rows.issues_in_order(store.conn):
        while pending is not None and pending[0] < row["id"]:
            pending = next(events, None)
        state = dict(defaults)
        if pending is not None and pending[0] == row["id"]:
            for _, changes in pending[1]:
                state.update(json.loads(changes))
            pending = next(events, None)
        for column, value in row.items():
            if column != "id" and state.get(column) != value:
                return row["id"], column, value, state.get(column)
    return None


def timeline(store: Store, issue_id: int) -> tuple[Issue, list[Event]]:
    issue = get_issue(store, issue_id)
    return issue, [Event.from_row(row) for row in rows.events_for(store.conn, issue_id)]


def log_issue(store: Store, settings: Settings, new: NewIssue, stamp: Stamp) -> Issue:
    """Record a new issue (triaged at once when impact and urgency are given)."""
    if not new.title.strip():
        raise InputError("the title is empty; give the issue a short title")
    check_one_line(
        new.title,
        "the title",
        "give a one-line title and put details in --description",
    )
    reporter = check_one_line(new.reporter, "--reporter", "give the name on one line")
    tags = tuple(
        check_one_line(tag, "--tag", "give each tag as a word or two on one line")
        for tag in new.tags
    )
    contact = check_one_line(
        new.contact, "--contact", "give one e-mail address on one line"
    )
    check_choice(new.type, TYPES, "--type")
    check_area(settings, new.area)
    check_choice(new.channel, CHANNELS, "--channel")
    check_choice(new.reporter_group, GROUPS, "--group")
    check_choice(new.impact, IMPACTS, "--impact")
    check_choice(new.urgency, URGENCIES, "--urgency")
    if (new.impact is None) != (new.urgency is None):
        raise InputError(
            "give both --impact and --urgency to triage at once, or neither"
        )

    row: dict[str, Any] = {
        "title": new.title.strip(),
        "description": new.description,
        "status": "new",
        "type": new.type,
        "area": new.area,
        "channel": new.channel,
        "reporter": reporter,
        "contact": contact,
        "reporter_group": new.reporter_group,
        "reported_at": new.reported_at,
        "logged_at": stamp.at,
        "updated_at": stamp.at,
        "external_ref": new.external_ref,
        "tags": json.dumps(list(tags)) if tags else None,
    }
    if new.impact and new.urgency:
        row.update(
            impact=new.impact,
            urgency=new.urgency,
            priority=priority_for(settings.matrix, new.impact, new.urgency),
        )
    row = {key: value for key, value in row.items() if value is not None}

    with store.write() as conn:
        issue_id = rows.insert_issue(
            conn,
            {
                "title": row["title"],
                "status": "new",
                "reported_at": row["reported_at"],
                "logged_at": row["logged_at"],
                "updated_at": row["updated_at"],
            },
        )
        # The issue is `new` from when it was reported, not from when it was
        # typed in: moves recorded after the fact (--at between the two) must
        # replay after this event, or every measure would see it new again.
        rows.add_event(
            conn,
            issue_id=issue_id,
            kind="logged",
            at=new.reported_at,
            recorded_at=stamp.now,
            actor=stamp.actor,
            changes=row,
            to_status="new",
        )
    return get_issue(store, issue_id)


@under_write_lock
def triage(
    store: Store, settings: Settings, issue_id: int, t: Triage, stamp: Stamp
) -> Issue:
    """Classify an issue; the priority comes from the matrix unless overridden."""
    check_choice(t.impact, IMPACTS, "--impact")
    check_choice(t.urgency, URGENCIES, "--urgency")
    check_choice(t.priority, PRIORITIES, "--priority")
    check_choice(t.type, TYPES, "--type")
    check_choice(t.cause, CAUSES, "--cause")
    check_area(settings, t.area)
    if t.priority and not (t.reason and t.reason.strip()):
        raise InputError("--priority overrides the matrix and needs --reason TEXT")
    assignee = check_one_line(
        t.assignee, "--assignee", "name the person or team on one line"
    )
    issue = get_issue(store, issue_id)
    _check_at(issue, stamp)

    impact = t.impact or issue.impact
    urgency = t.urgency or issue.urgency
    if t.priority:
        priority, reason = t.priority, t.reason
    elif impact and urgency:
        priority, reason = priority_for(settings.matrix, impact, urgency), None
    else:
        raise InputError(
            f"issue {issue_id} needs --impact and --urgency (or --priority with "
            "--reason)"
        )
    wanted = {
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "priority_reason": reason,
        "type": t.type,
        "area": t.area,
        "cause": t.cause,
    }
    changes = {
        k: v
        for k, v in wanted.items()
        if (v is not None or k == "priority_reason") and getattr(issue, k) != v
    }
    changes.update(_assignee_changes(issue, assignee))
    return _record(store, issue, "triaged", stamp, changes, note=reason)


@under_write_lock
def move(
    store: Store, issue_id: int, action: str, stamp: Stamp, detail: Move | None = None
) -> Issue:
    """Move an issue through the lifecycle; TransitionError when not allowed."""
    detail = detail or Move()
    issue = get_issue(store, issue_id)
    target = check_move(issue_id, issue.status, action)
    _check_at(issue, stamp)
    if action in _NEEDS_REASON and not (detail.note and detail.note.strip()):
        raise InputError(f"{action} needs a reason; say why with --reason TEXT")
    changes = _move_changes(store, issue, action, target, stamp, detail)
    return _record(
        store, issue, "status", stamp, changes, note=detail.note, to_status=target
    )


def _move_changes(
    store: Store, issue: Issue, action: str, target: str, stamp: Stamp, detail: Move
) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": target, **detail.extra}
    if issue.acknowledged_at is None and issue.status == "new":
        # Any move out of `new` means the team has picked the issue up.
        changes["acknowledged_at"] = stamp.at
    if issue.status == "on_hold":
        changes["hold_reason"] = None
    if action == "hold":
        changes["hold_reason"] = detail.note
    elif action == "resolve":
        resolution = detail.resolution or Resolution()
        known = (resolution.text, resolution.workaround, issue.workaround)
        if resolution.is_kb and not any(text and text.strip() for text in known):
            raise InputError(
                "--kb keeps the resolution in the knowledge base; say what fixed "
                "it with --resolution TEXT (or how to get by, with --workaround)"
            )
        changes.update(
            resolved_at=stamp.at,
            resolution=resolution.text,
            resolution_code=resolution.code,
        )
        if resolution.is_kb is not None:
            changes["is_kb"] = int(resolution.is_kb)
        if resolution.workaround:
            changes["workaround"] = resolution.workaround
    elif action == "close":
        changes["closed_at"] = stamp.at
    elif action == "reopen":
        changes.update(reopen_changes(issue.reopen_count))
    elif action == "duplicate":
        changes["duplicate_of"] = _master_of(store, issue.id, detail.duplicate_of)
    return changes


def _master_of(store: Store, issue_id: int, other: int | None) -> int:
    if other is None:
        raise InputError("say which issue this duplicates: --of M")
    if other == issue_id:
        raise InputError(f"issue {issue_id} cannot be a duplicate of itself")
    # Duplicates point straight at their master, one level deep, so that a
    # resolution reaches every reporter (a chain would leave the far end out).
    own = rows.duplicate_ids(store.conn, issue_id)
    if own:
        listed = ", ".join(f"#{number}" for number in own)
        raise InputError(
            f"issue {issue_id} has duplicates of its own ({listed}), so it cannot "
            f"become a duplicate; mark issue {other} a duplicate of issue "
            f"{issue_id} instead"
        )
    master = get_issue(store, other)
    # Point at the issue that carries the work, not at another duplicate.
    while master.duplicate_of is not None:
        master = get_issue(store, master.duplicate_of)
    if master.id == issue_id:
        raise InputError(f"issue {other} is already a duplicate of issue {issue_id}")
    return master.id


@under_write_lock
def assign(store: Store, issue_id: int, who: str, stamp: Stamp) -> Issue:
    if not who.strip():
        raise InputError("the assignee is empty; name the person or team")
    name = check_one_line(who, "the assignee", "name the person or team on one line")
    issue = get_issue(store, issue_id)
    _check_at(issue, stamp)
    return _record(store, issue, "assigned", stamp, _assignee_changes(issue, name))


@under_write_lock
def comment(store: Store, issue_id: int, text: str, stamp: Stamp) -> Issue:
    if not text.strip():
        raise InputError("the comment is empty; write what happened")
    issue = get_issue(store, issue_id)
    _check_at(issue, stamp)
    return _record(store, issue, "comment", stamp, {}, note=text)


@under_write_lock
def escalate(
    store: Store, issue_id: int, level: str, stamp: Stamp, note: str | None = None
) -> Issue:
    check_choice(level, LEVELS, "--level")
    issue = get_issue(store, issue_id)
    _check_at(issue, stamp)
    changes = {"escalation_level": level}
    return _record(store, issue, "escalated", stamp, changes, note=note)


@under_write_lock
def set_known(
    store: Store,
    issue_id: int,
    is_known: bool,
    stamp: Stamp,
    workaround: str | None = None,
) -> Issue:
    """Mark or unmark an issue as a published known issue."""
    issue = get_issue(store, issue_id)
    changes: dict[str, Any] = {"is_known": int(is_known)}
    if workaround:
        changes["workaround"] = workaround
    return _record(store, issue, "known", stamp, changes)


def _record(
    store: Store,
    issue: Issue,
    kind: str,
    stamp: Stamp,
    changes: dict[str, Any],
    *,
    note: str | None = None,
    to_status: str | None = None,
) -> Issue:
    """Write one event (and its changes to the row) in its own transaction."""
    _check_field_order(store, issue, stamp, changes)
    with store.write() as conn:
        rows.add_event(
            conn,
            issue_id=issue.id,
            kind=kind,
            at=stamp.at,
            recorded_at=stamp.now,
            actor=stamp.actor,
            changes=_touch(issue, changes, stamp),
            note=note,
            from_status=issue.status if to_status else None,
            to_status=to_status,
        )
    return get_issue(store, issue.id)


def _assignee_changes(issue: Issue, who: str | None) -> dict[str, Any]:
    if who is None or who == issue.assignee:
        return {}
    changes: dict[str, Any] = {"assignee": who}
    if issue.assignee is not None and issue.is_open:
        # Handing on a closed issue (the one who files it away) is no
        # reassignment: it says nothing about how the issue was resolved.
        changes["reassignment_count"] = issue.reassignment_count + 1
    return changes


def _touch(issue: Issue, changes: dict[str, Any], stamp: Stamp) -> dict[str, Any]:
    """Add ``updated_at``; it never moves back for an event logged after the fact."""
    if stamp.at > issue.updated_at:
        return {**changes, "updated_at": stamp.at}
    return changes


# Moves whose reason is part of the record (the CLI asks for --reason).
_NEEDS_REASON = ("hold", "reopen", "reject")


def _check_field_order(
    store: Store, issue: Issue, stamp: Stamp, changes: dict[str, Any]
) -> None:
    """A field cannot be set at a time before its last change.

    The issue row applies events in the order they are written, the measures
    replay them by time; a value dated before the one it replaces would make
    the two disagree (the row says P4, the KPIs still P2). Comments change
    no field and may be dated anywhere after the report.
    """
    fields = set(changes) - {"updated_at"}
    if not fields:
        return
    latest: dict[str, str] = {}  # each clashing field's last change
    for event in rows.events_for(store.conn, issue.id):
        if event["at"] > stamp.at:
            for name in fields & set(json.loads(event["changes"] or "{}")):
                latest[name] = max(latest.get(name, ""), event["at"])
    at = format_time(stamp.at, stamp.tz)
    if "status" in latest:
        raise InputError(
            f"--at {at} is before issue {issue.id}'s last change of state "
            f"({format_time(latest['status'], stamp.tz)}); a new state must come "
            "after it"
        )
    if latest:
        name = min(latest)
        raise InputError(
            f"--at {at} is before issue {issue.id}'s last change of {name} "
            f"({format_time(latest[name], stamp.tz)}); a new value must come after it"
        )


def _check_at(issue: Issue, stamp: Stamp) -> None:
    check_after_report(issue, stamp.at, stamp.tz)


def check_after_report(
    issue: Issue, at: str, tz: ZoneInfo, fix: str = "give a later time"
) -> None:
    """Refuse ``at`` (UTC ISO) before ``issue`` was reported; shown in ``tz``."""
    if at < issue.reported_at:
        raise InputError(
            f"--at {format_time(at, tz)} is before issue {issue.id} was reported "
            f"({format_time(issue.reported_at, tz)}); {fix}"
        )
