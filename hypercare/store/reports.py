"""SQL behind the stand-up and the briefing: issues as they stood at a moment.

Reports are computed "as of" a moment T from the event history, never from
the current row alone: an issue's state at T is its last status event at or
before T (ordered by ``at``, then ``id``), and each column shown (priority,
assignee, title) is the value set by its last event at or before T.

Speed: each lookup is a correlated subquery that seeks the
``events(issue_id, at)`` index backwards from T, so no query loads every
event. Issues whose ``updated_at`` is at or before T skip the subqueries:
``updated_at`` is the latest ``at`` of the issue's events (core never moves it
back), so all their events are at or before T and the row is their fold.

Window lists use the ``events(to_status, at)`` index. A window is
``(since, until]``: an event exactly at a stand-up belongs to the report
made at that moment, never to the next one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from hypercare.models import OPEN_STATUSES, STATUSES


def _column_at(column: str) -> str:
    """SQL for the value of ``column`` of issue ``i`` at ``:at``."""
    latest = (
        f"(SELECT json_extract(e.changes, '$.{column}') FROM events e "
        f"WHERE e.issue_id = i.id AND e.at <= :at "
        f"AND json_type(e.changes, '$.{column}') IS NOT NULL "
        "ORDER BY e.at DESC, e.id DESC LIMIT 1)"
    )
    return f"CASE WHEN i.updated_at <= :at THEN i.{column} ELSE {latest} END"


_STATUS_AT = (
    "CASE WHEN i.updated_at <= :at THEN i.status ELSE "
    "(SELECT e.to_status FROM events e WHERE e.issue_id = i.id AND e.at <= :at "
    "AND e.to_status IS NOT NULL ORDER BY e.at DESC, e.id DESC LIMIT 1) END"
)
_LAST_EVENT_AT = (
    "CASE WHEN i.updated_at <= :at THEN i.updated_at ELSE "
    "(SELECT max(e.at) FROM events e WHERE e.issue_id = i.id AND e.at <= :at) END"
)


def _snapshot_sql(where: str) -> str:
    # Status first, in an inner query, so the other columns are looked up
    # only for the rows the caller keeps.
    return (
        "SELECT i.id, s.status, i.reported_at, "
        f"{_column_at('title')} AS title, {_column_at('priority')} AS priority, "
        f"{_column_at('assignee')} AS assignee, "
        f"{_column_at('resolved_at')} AS resolved_at, "
        f"{_LAST_EVENT_AT} AS last_event_at "
        f"FROM (SELECT i.id, {_STATUS_AT} AS status FROM issues i "
        f"WHERE i.reported_at <= :at AND {where}) s "
        "JOIN issues i ON i.id = s.id "
    )


def snapshot(
    conn: sqlite3.Connection, ids: Sequence[int], at: str
) -> dict[int, dict[str, Any]]:
    """Issues ``ids`` as they stood at ``at`` (only those reported by then)."""
    if not ids:
        return {}
    sql = _snapshot_sql("i.id IN (SELECT value FROM json_each(:ids))")
    rows = conn.execute(sql, {"at": at, "ids": json.dumps(list(ids))})
    return {row["id"]: dict(row) for row in rows}


def in_states_at(
    conn: sqlite3.Connection, at: str, states: Sequence[str] = OPEN_STATUSES
) -> list[dict[str, Any]]:
    """Every issue whose state at ``at`` is one of ``states``, oldest first."""
    sql = _snapshot_sql("1") + f"WHERE s.status IN ({_quoted(states)}) "
    sql += "ORDER BY i.reported_at, i.id"
    return [dict(row) for row in conn.execute(sql, {"at": at})]


def _quoted(states: Sequence[str]) -> str:
    # States come from the fixed vocabulary, never from the user, so they
    # can be written into the SQL (a bound list would need json_each).
    assert all(state in STATUSES for state in states), states
    return ", ".join(f"'{state}'" for state in states)


def open_counts_at(conn: sqlite3.Connection, at: str) -> dict[str | None, int]:
    """How many issues were open at ``at``, per priority (None: untriaged)."""
    sql = (
        f"SELECT {_column_at('priority')} AS priority, count(*) AS n "
        f"FROM (SELECT i.id, {_STATUS_AT} AS status FROM issues i "
        "WHERE i.reported_at <= :at) s JOIN issues i ON i.id = s.id "
        f"WHERE s.status IN ({_quoted(OPEN_STATUSES)}) GROUP BY 1"
    )
    return {row["priority"]: row["n"] for row in conn.execute(sql, {"at": at})}


def reported_between(conn: sqlite3.Connection, since: str, until: str) -> list[int]:
    """Issues reported in ``(since, until]``, in the order they were reported."""
    rows = conn.execute(
        "SELECT id FROM issues WHERE reported_at > ? AND reported_at <= ? "
        "ORDER BY reported_at, id",
        (since, until),
    )
    return [row[0] for row in rows]


def resolved_between(
    conn: sqlite3.Connection, since: str, until: str
) -> list[tuple[int, str]]:
    """Issues whose last resolution up to ``until`` falls in ``(since, until]``.

    A resolution is a move into ``resolved``, or into ``closed`` straight from
    a state other than ``resolved``. Any resolution after one inside the
    window and up to ``until`` is inside the window too, so the latest
    resolution event in the window is the issue's resolution moment.
    """
    rows = conn.execute(
        "SELECT issue_id, max(at) AS resolved_at FROM events "
        "WHERE at > :since AND at <= :until AND ("
        " to_status = 'resolved' OR (to_status = 'closed'"
        " AND coalesce(from_status, '') <> 'resolved')) "
        "GROUP BY issue_id ORDER BY resolved_at, issue_id",
        {"since": since, "until": until},
    )
    return [(row[0], row[1]) for row in rows]


def reopened_between(
    conn: sqlite3.Connection, since: str, until: str
) -> list[tuple[int, str, int]]:
    """Issues reopened in ``(since, until]``: (id, last reopen, reopens in window)."""
    rows = conn.execute(
        "SELECT issue_id, max(at) AS reopened_at, count(*) AS n FROM events "
        "WHERE to_status = 'in_progress' AND at > ? AND at <= ? "
        "AND from_status IN ('resolved', 'closed') "
        "GROUP BY issue_id ORDER BY reopened_at, issue_id",
        (since, until),
    )
    return [(row[0], row[1], row[2]) for row in rows]
