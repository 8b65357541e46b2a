"""SQL for bulk imports: many issues and events in few statements.

``core.importing`` folds each issue's events itself and hands over finished
rows, so an issue row written here always equals the fold of the events
written with it: the same invariant ``store.issues.add_event`` keeps, at a
fraction of the cost (``executemany`` instead of one UPDATE per event).
Callers run everything inside one ``Store.write()`` transaction, whose
``BEGIN IMMEDIATE`` also makes ``next_issue_id`` safe from other writers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from hypercare.models import ISSUE_COLUMNS

_INSERT_EVENT = (
    "INSERT INTO events (issue_id, kind, at, recorded_at, actor, from_status, "
    "to_status, note, changes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def next_issue_id(conn: sqlite3.Connection) -> int:
    return int(
        conn.execute("SELECT coalesce(max(id), 0) + 1 FROM issues").fetchone()[0]
    )


def stored_issues(
    conn: sqlite3.Connection, source: str, refs: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Issues of ``source`` whose external_ref is one of ``refs``, by ref."""
    rows = conn.execute(
        "SELECT * FROM issues WHERE source = ? "
        "AND external_ref IN (SELECT value FROM json_each(?))",
        (source, json.dumps(list(refs))),
    )
    return {row["external_ref"]: dict(row) for row in rows}


def stored_event_signatures(
    conn: sqlite3.Connection, issue_ids: Sequence[int]
) -> dict[int, list[tuple[Any, ...]]]:
    """Per issue, its events as (kind, at, actor, from, to, note, changes), in order."""
    if not issue_ids:
        return {}
    cursor = conn.execute(
        "SELECT issue_id, kind, at, actor, from_status, to_status, note, changes "
        "FROM events WHERE issue_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY issue_id, id",
        (json.dumps(list(issue_ids)),),
    )
    cursor.row_factory = None
    found: dict[int, list[tuple[Any, ...]]] = {}
    for issue_id, *rest in cursor:
        found.setdefault(issue_id, []).append(tuple(rest))
    return found


def insert_issues(
    conn: sqlite3.Connection, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert issue rows that all set the same ``columns`` (others keep defaults)."""
    unknown = set(columns) - set(ISSUE_COLUMNS)
    assert not unknown, unknown  # names come from code, never from a file
    conn.executemany(
        f"INSERT INTO issues ({', '.join(columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})",
        rows,
    )


def insert_events(conn: sqlite3.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert events given as (issue_id, kind, at, recorded_at, actor,
    from_status, to_status, note, changes)."""
    conn.executemany(_INSERT_EVENT, rows)


def update_issue(
    conn: sqlite3.Connection, issue_id: int, changes: dict[str, Any]
) -> None:
    """Apply folded changes of newly appended events to an issue row."""
    columns = [column for column in changes if column in ISSUE_COLUMNS]
    if not columns:
        return
    assignments = ", ".join(f"{column} = ?" for column in columns)
    conn.execute(
        f"UPDATE issues SET {assignments} WHERE id = ?",
        [*(changes[column] for column in columns), issue_id],
    )


def prepare_bulk(conn: sqlite3.Connection) -> None:
    """Give this connection a page cache big enough for bulk index inserts.

    The default (2 MB) spills pages of the issues and events indexes to disk
    many times over in an import of 100,000 issues; 32 MB keeps most of them
    in memory and stays well inside the import's 150 MB budget.
    """
    conn.execute("PRAGMA cache_size = -32768")
