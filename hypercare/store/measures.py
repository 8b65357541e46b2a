"""SQL behind the measures: the slice of history that clocks and KPIs need.

Reading every event with its JSON would dominate a KPI run over a large
hypercare, so ``step_rows`` asks SQLite for only the events that matter
(status moves, escalations, and events whose ``changes`` touch a tracked
column; comments never do), already in time order per issue, and hands back
the JSON text only for the rows that need it. ``instr`` is a cheap prefilter;
the caller parses the JSON, so a note that merely mentions "priority" changes
nothing. ``core.sla.load_timelines`` folds these rows into timelines.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

_TRACKED_SQL = " OR ".join(
    f"instr(changes, '\"{key}\"')"
    for key in (
        "priority",
        "acknowledged_at",
        "reported_at",
        "reassignment_count",
        "escalation_level",
    )
)

_STEPS = f"""
SELECT issue_id, at, kind, from_status, to_status,
       CASE WHEN {_TRACKED_SQL} THEN changes END AS changes
FROM events
WHERE at <= :as_of
  AND (to_status IS NOT NULL OR kind = 'escalated'
       OR (kind <> 'comment' AND ({_TRACKED_SQL})))
  {{only}}
ORDER BY issue_id, at, id
"""

_ISSUES = """
SELECT id, reported_at, type, channel FROM issues
WHERE reported_at <= :as_of {only}
ORDER BY id
"""


def _only(ids: Iterable[int] | None, column: str) -> tuple[str, dict[str, Any]]:
    if ids is None:
        return "", {}
    import json

    return (
        f"AND {column} IN (SELECT value FROM json_each(:ids))",
        {"ids": json.dumps(sorted(set(ids)))},
    )


def issue_facts(
    conn: sqlite3.Connection, as_of: str, ids: Iterable[int] | None = None
) -> list[tuple[Any, ...]]:
    """Issues reported by ``as_of``: (id, reported_at, type, channel) tuples."""
    where, params = _only(ids, "id")
    cursor = conn.cursor()
    cursor.row_factory = None
    return cursor.execute(
        _ISSUES.format(only=where), {"as_of": as_of, **params}
    ).fetchall()


def step_rows(
    conn: sqlite3.Connection, as_of: str, ids: Iterable[int] | None = None
) -> sqlite3.Cursor:
    """(issue_id, at, kind, from_status, to_status, changes) of the relevant
    events up to ``as_of``, per issue in time order; ``changes`` only when it
    touches a tracked column."""
    where, params = _only(ids, "issue_id")
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: faster, and rows are unpacked
    return cursor.execute(_STEPS.format(only=where), {"as_of": as_of, **params})


def survey_scores(
    conn: sqlite3.Connection, scale: str, since: str | None, as_of: str
) -> list[int]:
    """Scores of one scale answered in [since, as_of]."""
    sql = "SELECT score FROM survey_answers WHERE scale = ? AND answered_at <= ?"
    params: list[Any] = [scale, as_of]
    if since is not None:
        sql += " AND answered_at >= ?"
        params.append(since)
    return [row[0] for row in conn.execute(sql, params)]


def data_version(conn: sqlite3.Connection) -> tuple[int, int]:
    """Changes by this connection and by others: a cache key for snapshots."""
    version = conn.execute("PRAGMA data_version").fetchone()[0]
    return conn.total_changes, int(version)
