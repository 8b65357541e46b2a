"""SQL behind the stand-up and the briefing: issues as they stood at a moment.

Reports are computed "as of" a moment T from the event history, never from
the current row alone: an issue's state at T is its last status event at or
before T (ordered by ``at``, then ``id``; ``new`` before the first one), and
each column shown (title, priority, assignee, resolved_at) is the value set
by its last event at or before T. An issue exists from its reported time,
even when its first event was logged later.

Speed (a stand-up over 100,000 issues and 1,000,000 events must take a
fraction of a second): ``updated_at`` is the latest ``at`` of an issue's
events (core and the importers only ever move it forward), so an issue with
``updated_at <= T`` has no event after T and its row *is* the fold of its
events up to T. Those issues are read from the row, through the
``issues(status, priority)`` index. Only the issues changed after T (none
when T is now) are looked up in the history, each by correlated subqueries
that seek the ``events(issue_id, at)`` index backwards from T. No query loads
every event. ``+i.reported_at`` keeps SQLite off the ``reported_at`` index
where most rows match and a plain scan is faster.

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

_COLUMNS = ("title", "priority", "assignee", "resolved_at")


def _quoted(states: Sequence[str]) -> str:
    # States come from the fixed vocabulary, never from the user, so they
    # can be written into the SQL (a bound list would need json_each).
    assert all(state in STATUSES for state in states), states
    return ", ".join(f"'{state}'" for state in states)


_OPEN = _quoted(OPEN_STATUSES)
_DONE_TO_OPEN = f"from_status IN ('resolved', 'closed') AND to_status IN ({_OPEN})"


def _column_at(column: str) -> str:
    """SQL for the value of ``column`` of issue ``i`` at ``:at`` from its events.

    An issue exists from its reported time, even when its first event was
    logged later: until an event at or before ``:at`` sets the column, the
    value is the one its first event set.
    """
    latest = (
        f"(SELECT json_extract(e.changes, '$.{column}') FROM events e "
        "WHERE e.issue_id = i.id AND e.at <= :at "
        f"AND json_type(e.changes, '$.{column}') IS NOT NULL "
        "ORDER BY e.at DESC, e.id DESC LIMIT 1)"
    )
    first = (
        f"(SELECT json_extract(e.changes, '$.{column}') FROM events e "
        "WHERE e.issue_id = i.id ORDER BY e.id LIMIT 1)"
    )
    return f"coalesce({latest}, {first})"


# The state before the first status event at or before :at is `new`.
_STATUS_AT = (
    "coalesce((SELECT e.to_status FROM events e WHERE e.issue_id = i.id "
    "AND e.at <= :at AND e.to_status IS NOT NULL ORDER BY e.at DESC, e.id DESC "
    "LIMIT 1), 'new')"
)
_LAST_EVENT_AT = (
    "coalesce((SELECT max(e.at) FROM events e WHERE e.issue_id = i.id "
    "AND e.at <= :at), i.reported_at)"
)

# Issues whose row is their state at :at, and issues changed after :at.
_SETTLED = "i.updated_at <= :at AND i.reported_at <= :at"
_CHANGED = "i.updated_at > :at AND +i.reported_at <= :at"


def _settled_sql(where: str) -> str:
    columns = ", ".join(f"i.{column}" for column in _COLUMNS)
    return (
        f"SELECT i.id, i.status, i.reported_at, {columns}, "
        f"i.updated_at AS last_event_at FROM issues i WHERE {_SETTLED} AND {where}"
    )


def _changed_sql(where: str, states: str | None) -> str:
    # The state first, materialized, so the other columns are looked up
    # only for the issues kept.
    columns = ", ".join(f"{_column_at(column)} AS {column}" for column in _COLUMNS)
    keep = f"WHERE s.status IN ({states})" if states else ""
    return (
        f"SELECT * FROM (WITH s AS MATERIALIZED (SELECT i.id, {_STATUS_AT} AS status "
        f"FROM issues i WHERE {_CHANGED} AND {where}) "
        f"SELECT s.id, s.status, i.reported_at, {columns}, "
        f"{_LAST_EVENT_AT} AS last_event_at "
        f"FROM s JOIN issues i ON i.id = s.id {keep})"
    )


def snapshot(
    conn: sqlite3.Connection, ids: Sequence[int], at: str
) -> dict[int, dict[str, Any]]:
    """Issues ``ids`` as they stood at ``at`` (only those reported by then)."""
    if not ids:
        return {}
    where = "i.id IN (SELECT value FROM json_each(:ids))"
    sql = f"{_settled_sql(where)} UNION ALL {_changed_sql(where, None)}"
    rows = conn.execute(sql, {"at": at, "ids": json.dumps(list(ids))})
    return {row["id"]: dict(row) for row in rows}


def in_states_at(
    conn: sqlite3.Connection, at: str, states: Sequence[str] = OPEN_STATUSES
) -> list[dict[str, Any]]:
    """Every issue whose state at ``at`` is one of ``states``, oldest first."""
    wanted = _quoted(states)
    sql = (
        f"{_settled_sql(f'i.status IN ({wanted})')} UNION ALL "
        f"{_changed_sql('1', wanted)} ORDER BY reported_at, id"
    )
    return [dict(row) for row in conn.execute(sql, {"at": at})]


def open_counts_at(conn: sqlite3.Connection, at: str) -> dict[str | None, int]:
    """How many issues were open at ``at``, per priority (None: untriaged)."""
    settled = (
        "SELECT i.priority AS priority, count(*) AS n FROM issues i "
        f"WHERE i.status IN ({_OPEN}) AND {_SETTLED} GROUP BY 1"
    )
    changed = (
        f"SELECT {_column_at('priority')} AS priority, count(*) AS n FROM ("
        f"SELECT i.id, {_STATUS_AT} AS status FROM issues i WHERE {_CHANGED}) s "
        f"JOIN issues i ON i.id = s.id WHERE s.status IN ({_OPEN}) GROUP BY 1"
    )
    counts: dict[str | None, int] = {}
    for sql in (settled, changed):
        for row in conn.execute(sql, {"at": at}):
            counts[row["priority"]] = counts.get(row["priority"], 0) + row["n"]
    return counts


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
    """Issues resolved at ``until`` whose resolution falls in ``(since, until]``.

    A resolution is a move into ``resolved``, or into ``closed`` straight from
    a state other than ``resolved``; the issue's resolution moment is its
    last one up to ``until``. Any resolution after one inside the window is
    inside it too, so the latest in the window is that moment. An issue
    reopened after it (and so open again at ``until``) is not resolved.
    """
    rows = conn.execute(
        "SELECT issue_id, resolved_at FROM ("
        " SELECT issue_id, max(at) AS resolved_at FROM events"
        " WHERE at > :since AND at <= :until AND (to_status = 'resolved'"
        " OR (to_status = 'closed' AND coalesce(from_status, '') <> 'resolved'))"
        " GROUP BY issue_id) r "
        "WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.issue_id = r.issue_id"
        f" AND e.at > r.resolved_at AND e.at <= :until AND e.{_DONE_TO_OPEN}) "
        "ORDER BY resolved_at, issue_id",
        {"since": since, "until": until},
    )
    return [(row[0], row[1]) for row in rows]


def reopened_between(
    conn: sqlite3.Connection, since: str, until: str
) -> list[tuple[int, str, int]]:
    """Issues reopened in ``(since, until]``: (id, last reopen, reopens in window)."""
    rows = conn.execute(
        "SELECT issue_id, max(at) AS reopened_at, count(*) AS n FROM events "
        f"WHERE at > ? AND at <= ? AND {_DONE_TO_OPEN} "
        "GROUP BY issue_id ORDER BY reopened_at, issue_id",
        (since, until),
    )
    return [(row[0], row[1], row[2]) for row in rows]
