"""The issues row of every issue equals the fold of its events."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.conftest import run

# Column defaults of a fresh issues row, before any event applies.
DEFAULTS = {"is_known": 0, "is_kb": 0, "reopen_count": 0, "reassignment_count": 0}


def fold_mismatches(db: Path) -> list[tuple[int, str, Any, Any]]:
    """(issue, column, row value, folded value) wherever the two disagree."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    folded: dict[int, dict[str, Any]] = {}
    for event in conn.execute("SELECT issue_id, changes FROM events ORDER BY id"):
        folded.setdefault(event["issue_id"], dict(DEFAULTS)).update(
            json.loads(event["changes"])
        )
    mismatches = []
    for row in conn.execute("SELECT * FROM issues"):
        state = folded.get(row["id"], {})
        for column in row.keys():  # noqa: SIM118 (iterating a Row yields values)
            if column != "id" and row[column] != state.get(column):
                mismatches.append((row["id"], column, row[column], state.get(column)))
    conn.close()
    return mismatches


def test_rows_agree_with_events_after_every_kind_of_change(project: Path) -> None:
    run("log", "A", "--reporter", "Ana", "--tag", "x", "--at", "2026-03-02 10:00")
    run("log", "B", "--impact", "high", "--urgency", "low", "--at", "2026-03-02 10:00")
    run("triage", "1", "--impact", "medium", "--urgency", "high", "--assignee", "Ana")
    run("triage", "1", "--priority", "P1", "--reason", "exec visibility")
    run("assign", "1", "Ben")
    run("ack", "1")
    run("hold", "1", "--reason", "waiting")
    run("start", "1")
    run("escalate", "1", "--level", "vendor")
    run("comment", "1", "note")
    run("resolve", "1", "--workaround", "use CSV", "--kb")
    run("reopen", "1", "--reason", "again")
    run("duplicate", "2", "--of", "1")
    # An event logged after the fact must not move updated_at backwards.
    run("comment", "1", "late note", "--at", "2026-03-02 11:00")

    assert fold_mismatches(project / "hypercare.db") == []
