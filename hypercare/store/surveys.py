"""SQL for ``survey_answers``: satisfaction answers (CSAT 1-5, NPS 0-10).

An imported answer is keyed by ``(source, external_ref)`` (a unique index), so
importing the same file twice adds nothing: ``insert_answers`` uses
``INSERT OR IGNORE`` and reports how many rows were new. Answers typed in by
hand have no external reference and are never merged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

COLUMNS = (
    "issue_id",
    "scale",
    "score",
    "comment",
    "respondent",
    "sent_at",
    "answered_at",
    "source",
    "external_ref",
    "recorded_at",
    "actor",
)


def insert_answers(conn: sqlite3.Connection, rows: Iterable[dict[str, Any]]) -> int:
    """Insert answers not yet stored; return how many were new."""
    before = conn.total_changes
    conn.executemany(
        f"INSERT OR IGNORE INTO survey_answers ({', '.join(COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in COLUMNS)})",
        ([row.get(column) for column in COLUMNS] for row in rows),
    )
    return conn.total_changes - before


def known_refs(conn: sqlite3.Connection, source: str) -> dict[str, int]:
    """The score of each answer already imported from ``source``, by reference."""
    rows = conn.execute(
        "SELECT external_ref, score FROM survey_answers WHERE source = ? "
        "AND external_ref IS NOT NULL",
        (source,),
    )
    return {row[0]: row[1] for row in rows}


def issue_ids_by_ref(conn: sqlite3.Connection) -> dict[str, int]:
    """Issue ids by external reference (the first issue wins on a clash)."""
    rows = conn.execute(
        "SELECT external_ref, min(id) FROM issues WHERE external_ref IS NOT NULL "
        "GROUP BY external_ref"
    )
    return {row[0]: row[1] for row in rows}


def reported_at(conn: sqlite3.Connection, issue_id: int) -> str | None:
    """When the issue was reported (UTC ISO); None when there is no such issue."""
    row = conn.execute(
        "SELECT reported_at FROM issues WHERE id = ?", (issue_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def issue_exists(conn: sqlite3.Connection, issue_id: int) -> bool:
    row = conn.execute("SELECT 1 FROM issues WHERE id = ?", (issue_id,)).fetchone()
    return row is not None


def get_answer(conn: sqlite3.Connection, answer_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM survey_answers WHERE id = ?", (answer_id,)
    ).fetchone()
    return dict(row) if row else None


def last_answer_id(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT max(id) FROM survey_answers").fetchone()
    return int(row[0] or 0)
