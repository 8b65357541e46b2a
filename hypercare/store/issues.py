"""SQL for the ``issues`` and ``events`` tables.

Invariant: an issue row equals the fold of its events, each event's
``changes`` applied in ``id`` order onto an empty row. ``add_event`` keeps it
by writing the event and applying the same changes to the row in one
statement pair; callers run both inside ``Store.write()``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hypercare.models import ISSUE_COLUMNS, STATUSES

# Statuses sort in lifecycle order (new first, the final outcomes last), not
# alphabetically.
_STATUS_ORDER = (
    "CASE status "
    + " ".join(f"WHEN '{status}' THEN {n}" for n, status in enumerate(STATUSES))
    + " END"
)
_SORTABLE = {
    "id": "id",
    "reported": "reported_at",
    "updated": "updated_at",
    "priority": "priority",
    "status": _STATUS_ORDER,
    "title": "title",
}


@dataclass(frozen=True)
class IssueFilter:
    """What ``list`` asks for; empty fields do not filter."""

    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()
    search: str | None = None
    since: str | None = None
    until: str | None = None
    sort: str = "id"
    descending: bool = False
    limit: int | None = None
    offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def insert_issue(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
    columns = [c for c in row if c in ISSUE_COLUMNS]
    sql = (
        f"INSERT INTO issues ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    cursor = conn.execute(sql, [row[c] for c in columns])
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def add_event(
    conn: sqlite3.Connection,
    *,
    issue_id: int,
    kind: str,
    at: str,
    recorded_at: str,
    actor: str | None,
    changes: dict[str, Any],
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
) -> int:
    """Append one event and apply its changes to the issue row."""
    cursor = conn.execute(
        "INSERT INTO events (issue_id, kind, at, recorded_at, actor, from_status, "
        "to_status, note, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            issue_id,
            kind,
            at,
            recorded_at,
            actor,
            from_status,
            to_status,
            note,
            json.dumps(changes, sort_keys=True),
        ),
    )
    if changes:
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(
            f"UPDATE issues SET {assignments} WHERE id = ?",
            [*changes.values(), issue_id],
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def get_issue(conn: sqlite3.Connection, issue_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM issues WHERE id = ?", (issue_id,)).fetchone()
    return dict(row) if row else None


def find_by_ref(
    conn: sqlite3.Connection, source: str, ref: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM issues WHERE source = ? AND external_ref = ?", (source, ref)
    ).fetchone()
    return dict(row) if row else None


def issues_in_order(conn: sqlite3.Connection) -> Iterator[dict[str, Any]]:
    for row in conn.execute("SELECT * FROM issues ORDER BY id"):
        yield dict(row)


def changes_in_order(conn: sqlite3.Connection) -> Iterator[tuple[int, str]]:
    """(issue id, changes JSON) of every event, by issue then history order."""
    yield from conn.execute(
        "SELECT issue_id, changes FROM events ORDER BY issue_id, id"
    )


def duplicate_ids(conn: sqlite3.Connection, issue_id: int) -> list[int]:
    """The issues marked as duplicates of ``issue_id``."""
    rows = conn.execute(
        "SELECT id FROM issues WHERE duplicate_of = ? ORDER BY id", (issue_id,)
    )
    return [int(row[0]) for row in rows]


def events_for(conn: sqlite3.Connection, issue_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM events WHERE issue_id = ? ORDER BY id", (issue_id,)
    )
    return [dict(row) for row in rows]


def _in(column: str, values: tuple[str, ...], params: list[Any]) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def list_issues(conn: sqlite3.Connection, wanted: IssueFilter) -> list[dict[str, Any]]:
    """Issues matching every filter, sorted and paged in SQL."""
    clauses: list[str] = []
    params: list[Any] = []
    for column, values in (
        ("status", wanted.statuses),
        ("priority", wanted.priorities),
        ("type", wanted.types),
        ("area", wanted.areas),
        ("channel", wanted.channels),
        # Names are typed by people: "team ärne" finds "Team Ärne".
        (
            "casefold(assignee)",
            tuple(name.strip().casefold() for name in wanted.assignees),
        ),
    ):
        if values:
            clauses.append(_in(column, values, params))
    if wanted.search:
        clauses.append(
            "(title LIKE ? ESCAPE '\\' OR coalesce(description, '') LIKE ? ESCAPE '\\')"
        )
        # The text is matched as typed: LIKE's wildcards % and _ are escaped.
        literal = wanted.search.replace("\\", "\\\\")
        literal = literal.replace("%", "\\%").replace("_", "\\_")
        pattern = "%" + literal + "%"
        params.extend([pattern, pattern])
    if wanted.since:
        clauses.append("reported_at >= ?")
        params.append(wanted.since)
    if wanted.until:
        clauses.append("reported_at < ?")
        params.append(wanted.until)

    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    # The tie-breaker runs the same way as the sort so that an index on the
    # sort column (which ends in the rowid) can serve the whole ORDER BY.
    direction = "DESC" if wanted.descending else "ASC"
    order = f"{_SORTABLE[wanted.sort]} {direction}, id {direction}"
    if wanted.sort == "priority":
        # Untriaged issues have no priority yet: last, whichever the direction.
        order = f"priority IS NULL, {order}"
    page = ""
    if wanted.limit is not None:
        page = " LIMIT ? OFFSET ?"
        params.extend([wanted.limit, wanted.offset])
    rows = conn.execute(f"SELECT * FROM issues {where} ORDER BY {order}{page}", params)
    return [dict(row) for row in rows]


def untriaged_ids(conn: sqlite3.Connection) -> list[int]:
    """Open issues without a priority, oldest reported first."""
    rows = conn.execute(
        "SELECT id FROM issues WHERE priority IS NULL "
        "AND status IN ('new', 'acknowledged', 'in_progress', 'on_hold', "
        "'awaiting_testing') ORDER BY reported_at, id"
    )
    return [row[0] for row in rows]
