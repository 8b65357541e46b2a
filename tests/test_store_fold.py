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


def test_fold_mismatch_agrees_with_the_independent_fold(project: Path) -> None:
    from hypercare.core.issues import fold_mismatch
    from hypercare.store.db import open_store

    run("log", "A")
    run("ack", "1")
    store = open_store(project / "hypercare.db")
    try:
        assert fold_mismatch(store) is None
        store.conn.execute("UPDATE issues SET status = 'bogus' WHERE id = 1")
        assert fold_mismatch(store) == (1, "status", "bogus", "acknowledged")
    finally:
        store.close()


def test_an_export_edited_by_hand_is_refused(project: Path, tmp_path: Path) -> None:
    run("log", "A")
    run("export", "--output", "all.jsonl")
    lines = (project / "all.jsonl").read_text().splitlines()
    edited = [
        line.replace('"status": "new"', '"status": "bogus"', 1)
        if line.startswith('{"table": "issues"')
        else line
        for line in lines
    ]
    (project / "edited.jsonl").write_text("\n".join(edited) + "\n")
    fresh = tmp_path / "fresh"
    run("init", "--dir", str(fresh))

    result = run(
        "--config",
        str(fresh / "hypercare.toml"),
        "import",
        "jsonl",
        "edited.jsonl",
        expect=2,
    )

    assert result.stderr == (
        "Error: edited.jsonl: issue 1 has status = 'bogus' but its events say 'new'; "
        "the export was changed by hand, export it again\n"
    )
    listed = run("--config", str(fresh / "hypercare.toml"), "list", "--format", "json")
    assert listed.json() == []
