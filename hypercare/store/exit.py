"""SQL for the exit gate and the hand-over: sign-offs, monitoring samples,
lessons, the status and priority history the criteria replay, and the
table-by-table copy behind ``export`` / ``import jsonl``.

Sign-offs are append-only events (``signoff_events``): the latest event of a
name at or before a moment is the one in force. Monitoring samples are unique
per (check, time), so importing the same file twice adds nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# Tables in the order an export writes them and an import reads them back:
# issues before the rows that point at them. Tables added later are exported
# after these, in name order.
TABLE_ORDER = (
    "issues",
    "events",
    "survey_answers",
    "messages",
    "metric_samples",
    "signoff_events",
    "lessons",
)


# --- sign-offs ---------------------------------------------------------------


def add_signoff_event(
    conn: sqlite3.Connection,
    *,
    name: str,
    action: str,
    actor: str,
    at: str,
    recorded_at: str,
    note: str | None,
) -> int:
    cursor = conn.execute(
        "INSERT INTO signoff_events (name, action, actor, at, recorded_at, note) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (name, action, actor, at, recorded_at, note),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def latest_signoff(
    conn: sqlite3.Connection, name: str, at_or_before: str
) -> dict[str, Any] | None:
    """The sign-off event of ``name`` in force at a moment, if any."""
    row = conn.execute(
        "SELECT * FROM signoff_events WHERE name = ? AND at <= ? "
        "ORDER BY at DESC, id DESC LIMIT 1",
        (name, at_or_before),
    ).fetchone()
    return dict(row) if row else None


def signoff_events(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM signoff_events ORDER BY at, id")
    return [dict(row) for row in rows]


# --- monitoring samples -------------------------------------------------------


def insert_samples(conn: sqlite3.Connection, samples: Iterable[dict[str, Any]]) -> int:
    """Insert samples not yet stored (same check and time); return how many were new."""
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO metric_samples (at, check_name, is_up, value, is_error, "
        "latency_ms) VALUES (:at, :check_name, :is_up, :value, :is_error, :latency_ms)",
        samples,
    )
    return conn.total_changes - before


_SAMPLE_VALUES = ("is_up", "value", "is_error", "latency_ms")


def stored_differently(
    conn: sqlite3.Connection, samples: Sequence[dict[str, Any]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored samples that share check and time with one of ``samples`` but
    differ in a value, by (check, at).

    One range query over the file's checks and times, compared in Python: a
    query per sample cost a third of a 100,000-sample import.
    """
    if not samples:
        return {}
    given = {
        (s["check_name"], s["at"]): tuple(s[k] for k in _SAMPLE_VALUES) for s in samples
    }
    checks = sorted({check for check, _ in given})
    stored = conn.execute(
        f"SELECT check_name, at, {', '.join(_SAMPLE_VALUES)} FROM metric_samples "
        f"WHERE check_name IN ({', '.join('?' for _ in checks)}) "
        "AND at BETWEEN ? AND ?",
        [*checks, min(at for _, at in given), max(at for _, at in given)],
    )
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for row in stored:
        key, values = (row[0], row[1]), tuple(row[2:])
        if key in given and given[key] != values:
            found[key] = dict(row)
    return found


def sample_counts(
    conn: sqlite3.Connection, check: str | None, since: str, until: str
) -> dict[str, int]:
    """Counts of samples in [since, until] for one check (None: every check)."""
    where = "at >= ? AND at <= ?"
    params: list[Any] = [since, until]
    if check is not None:
        where += " AND check_name = ?"
        params.append(check)
    row = conn.execute(
        "SELECT count(is_up) AS up_known, coalesce(sum(is_up = 1), 0) AS up, "
        "count(is_error) AS error_known, coalesce(sum(is_error = 1), 0) AS errors, "
        f"min(at) AS first_at, max(at) AS last_at FROM metric_samples WHERE {where}",
        params,
    ).fetchone()
    return dict(row)


def down_samples(
    conn: sqlite3.Connection, check: str | None, since: str, until: str, *, column: str
) -> list[dict[str, Any]]:
    """Samples in the window where the check was down or the request failed."""
    assert column in ("is_up", "is_error")
    bad = 0 if column == "is_up" else 1
    where = f"at >= ? AND at <= ? AND {column} = ?"
    params: list[Any] = [since, until, bad]
    if check is not None:
        where += " AND check_name = ?"
        params.append(check)
    rows = conn.execute(
        f"SELECT at, check_name FROM metric_samples WHERE {where} ORDER BY at LIMIT 20",
        params,
    )
    return [dict(row) for row in rows]


# --- lessons -------------------------------------------------------------------


def add_lesson(
    conn: sqlite3.Connection,
    *,
    text: str,
    actor: str | None,
    area: str | None,
    at: str,
    recorded_at: str,
) -> int:
    cursor = conn.execute(
        "INSERT INTO lessons (text, actor, area, at, recorded_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (text, actor, area, at, recorded_at),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def lessons(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM lessons ORDER BY at, id")
    return [dict(row) for row in rows]


# --- history replayed by the criteria -----------------------------------------------


def issues_ever_with_priority(
    conn: sqlite3.Connection, priority: str, reported_by: str
) -> list[dict[str, Any]]:
    """Issues reported by a moment that carried ``priority`` at some point."""
    rows = conn.execute(
        "SELECT id, title, status, reported_at, priority FROM issues "
        "WHERE reported_at <= ? "
        "AND id IN (SELECT issue_id FROM events "
        # instr() skips parsing the JSON of events that set no priority.
        "WHERE instr(changes, '\"priority\"') "
        "AND json_extract(changes, '$.priority') = ?) ORDER BY id",
        (reported_by, priority),
    )
    return [dict(row) for row in rows]


def history_events(
    conn: sqlite3.Connection, issue_ids: Sequence[int], until: str
) -> dict[int, list[dict[str, Any]]]:
    """Per issue, its events up to a moment that change the status or the priority.

    Each row has ``at``, ``id``, ``to_status`` (or None) and ``priority`` (the
    priority the event set, or None when it set none), in (at, id) order.
    """
    history: dict[int, list[dict[str, Any]]] = {issue_id: [] for issue_id in issue_ids}
    if not history:
        return history
    # One statement for all the issues; instr() spares SQLite parsing the JSON
    # of the status events, which set no priority.
    has_priority = "instr(changes, '\"priority\"')"
    rows = conn.execute(
        "SELECT issue_id, id, at, to_status, "
        f"CASE WHEN {has_priority} THEN json_extract(changes, '$.priority') END "
        "AS priority, "
        f"CASE WHEN {has_priority} THEN json_type(changes, '$.priority') END "
        "AS priority_type FROM events "
        "WHERE issue_id IN (SELECT value FROM json_each(?)) AND at <= ? "
        f"AND (to_status IS NOT NULL OR ({has_priority} "
        "AND json_type(changes, '$.priority') IS NOT NULL)) "
        "ORDER BY issue_id, at, id",
        (json.dumps(list(history)), until),
    )
    for row in rows:
        history[row["issue_id"]].append(dict(row))
    return history


def first_event_at(
    conn: sqlite3.Connection, issue_ids: Sequence[int]
) -> dict[int, str]:
    """Per issue, the time of its earliest event."""
    found: dict[int, str] = {}
    for chunk in _chunks(list(issue_ids), 500):
        marks = ", ".join("?" for _ in chunk)
        rows = conn.execute(
            f"SELECT issue_id, min(at) FROM events WHERE issue_id IN ({marks}) "
            "GROUP BY issue_id",
            chunk,
        )
        found.update({row[0]: row[1] for row in rows})
    return found


def count_issues_reported(conn: sqlite3.Connection, by: str) -> int:
    return int(
        conn.execute(
            "SELECT count(*) FROM issues WHERE reported_at <= ?", (by,)
        ).fetchone()[0]
    )


def _chunks(values: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# --- hand-over and known issues ----------------------------------------------------


def known_open_issues(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM issues WHERE is_known = 1 AND status IN ('new', 'acknowledged', "
        "'in_progress', 'on_hold', 'awaiting_testing') "
        "ORDER BY coalesce(priority, 'P9'), id"
    )
    return [dict(row) for row in rows]


def kb_issues(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM issues WHERE is_kb = 1 ORDER BY coalesce(area, ''), id"
    )
    return [dict(row) for row in rows]


def last_comment(conn: sqlite3.Connection, issue_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT at, actor, note FROM events WHERE issue_id = ? AND kind = 'comment' "
        "ORDER BY at DESC, id DESC LIMIT 1",
        (issue_id,),
    ).fetchone()
    return dict(row) if row else None


# --- export / import ----------------------------------------------------------------


def data_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table holding hypercare data, in export order."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_%' ESCAPE '\\' "
            "ORDER BY name"
        )
    ]
    known = [name for name in TABLE_ORDER if name in names]
    return known + [name for name in names if name not in TABLE_ORDER]


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')]


def table_rows(conn: sqlite3.Connection, table: str) -> Iterator[dict[str, Any]]:
    """Every row of a table, by rowid, streamed."""
    cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    for row in cursor:
        yield dict(row)


def count_rows(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def insert_rows(
    conn: sqlite3.Connection,
    table: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    names = ", ".join(f'"{column}"' for column in columns)
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)


def defer_foreign_keys(conn: sqlite3.Connection) -> None:
    """Check foreign keys at commit, so rows may arrive in any order."""
    conn.execute("PRAGMA defer_foreign_keys = ON")


def foreign_key_problem(conn: sqlite3.Connection) -> str | None:
    """The first row pointing at a row that does not exist, in words; None if none."""
    row = conn.execute("PRAGMA foreign_key_check").fetchone()
    if row is None:
        return None
    return f"row {row[1]} of table {row[0]} points at a missing row of table {row[2]}"


def issues_as_of(conn: sqlite3.Connection, at: str) -> list[dict[str, Any]]:
    """Issues reported by a moment, with their status, priority and assignee then.

    ``status_then`` is the to_status of the last status event at or before the
    moment (``new`` before any); ``priority_then`` and ``assignee_then`` the
    last values set at or before it.
    """
    rows = conn.execute(
        """
        SELECT i.*,
          coalesce((SELECT e.to_status FROM events e WHERE e.issue_id = i.id
                    AND e.to_status IS NOT NULL AND e.at <= :at
                    ORDER BY e.at DESC, e.id DESC LIMIT 1), 'new') AS status_then,
          (SELECT json_extract(e.changes, '$.priority') FROM events e
           WHERE e.issue_id = i.id AND e.at <= :at
           AND json_type(e.changes, '$.priority') IS NOT NULL
           ORDER BY e.at DESC, e.id DESC LIMIT 1) AS priority_then,
          (SELECT json_extract(e.changes, '$.assignee') FROM events e
           WHERE e.issue_id = i.id AND e.at <= :at
           AND json_type(e.changes, '$.assignee') IS NOT NULL
           ORDER BY e.at DESC, e.id DESC LIMIT 1) AS assignee_then
        FROM issues i WHERE i.reported_at <= :at
        ORDER BY coalesce(priority_then, 'P9'), i.id
        """,
        {"at": at},
    )
    return [dict(row) for row in rows]
