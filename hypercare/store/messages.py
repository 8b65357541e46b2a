"""SQL for the ``messages`` table and the reads that closing the loop needs.

Every message to a reporter is a row, whether it was sent, written to an
outbox, only printed, or failed; ``delivery`` says which. Only ``sent`` and
``outbox`` count as having reached the reporter (``DELIVERED``). The matching
``message`` event on the issue is written by the caller through
``store.issues.add_event`` in the same transaction.
"""

from __future__ import annotations

import sqlite3
from typing import Any

# Deliveries that mean the reporter has (or will have) the message.
DELIVERED = ("sent", "outbox")

_COLUMNS = (
    "issue_id",
    "kind",
    "channel",
    "recipient",
    "subject",
    "body",
    "delivery",
    "error",
    "at",
    "actor",
)


def insert_message(conn: sqlite3.Connection, row: dict[str, Any]) -> int:
    """Append one message row; ``row`` holds the columns of ``messages``."""
    cursor = conn.execute(
        f"INSERT INTO messages ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in _COLUMNS)})",
        [row.get(column) for column in _COLUMNS],
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def messages_for(conn: sqlite3.Connection, issue_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM messages WHERE issue_id = ? ORDER BY id", (issue_id,)
    )
    return [dict(row) for row in rows]


def delivered_until(conn: sqlite3.Connection, as_of: str) -> list[dict[str, Any]]:
    """Messages that reached a reporter at or before ``as_of``, oldest first."""
    rows = conn.execute(
        "SELECT issue_id, kind, at FROM messages "
        f"WHERE delivery IN ({', '.join('?' for _ in DELIVERED)}) AND at <= ? "
        "ORDER BY at, id",
        (*DELIVERED, as_of),
    )
    return [dict(row) for row in rows]


def duplicates_of(conn: sqlite3.Connection, issue_id: int) -> list[dict[str, Any]]:
    """The issues closed as duplicates of ``issue_id``, in number order."""
    rows = conn.execute(
        "SELECT * FROM issues WHERE duplicate_of = ? ORDER BY id", (issue_id,)
    )
    return [dict(row) for row in rows]


def events_until(conn: sqlite3.Connection, as_of: str) -> list[dict[str, Any]]:
    """Every event that happened at or before ``as_of``, in id order."""
    rows = conn.execute(
        "SELECT issue_id, kind, at, to_status, changes FROM events "
        "WHERE at <= ? ORDER BY id",
        (as_of,),
    )
    return [dict(row) for row in rows]


def resolved_before(conn: sqlite3.Connection, cutoff: str) -> list[dict[str, Any]]:
    """Issues still resolved (not closed) whose resolution is at or before cutoff."""
    rows = conn.execute(
        "SELECT * FROM issues WHERE status = 'resolved' AND resolved_at <= ? "
        "ORDER BY resolved_at, id",
        (cutoff,),
    )
    return [dict(row) for row in rows]


def similarity_candidates(
    conn: sqlite3.Connection, exclude_id: int | None = None
) -> list[dict[str, Any]]:
    """What ``log`` compares a new issue with: every issue but duplicates.

    One query, only the columns the comparison reads, so that ``log`` stays
    fast on a database of imported issues.
    """
    rows = conn.execute(
        "SELECT id, title, area, description, status, is_kb, resolution, workaround "
        "FROM issues WHERE status != 'duplicate' AND id != ? ORDER BY id",
        (exclude_id if exclude_id is not None else -1,),
    )
    return [dict(row) for row in rows]


def knowledge(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Issues whose resolution or workaround was kept as knowledge (``--kb``)."""
    rows = conn.execute(
        "SELECT id, title, area, description, status, resolution, workaround, "
        "resolved_at FROM issues WHERE is_kb = 1 ORDER BY id"
    )
    return [dict(row) for row in rows]
