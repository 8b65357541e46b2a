"""The schema: what a fresh database holds, and how steps are recorded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hypercare.store.db import create_store, open_store
from hypercare.store.migrations import migrations
from hypercare.store.schema import MIGRATION_NAMES
from tests.conftest import TEST_DATA


def _schema(db: Path) -> str:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name"
        )
        return "\n".join(" ".join(row[0].split()) + ";" for row in rows) + "\n"


def test_fresh_schema_equals_the_pinned_one(tmp_path: Path) -> None:
    create_store(tmp_path / "fresh.db").close()

    assert _schema(tmp_path / "fresh.db") == (TEST_DATA / "schema.sql").read_text()


def test_step_names_readable_without_sqlite_utils_match_the_steps() -> None:
    registered = tuple(step.name for step in migrations._migrations)

    assert registered == MIGRATION_NAMES


def test_every_step_is_recorded_once(tmp_path: Path) -> None:
    create_store(tmp_path / "a.db").close()
    open_store(tmp_path / "a.db").close()

    with sqlite3.connect(tmp_path / "a.db") as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    assert names == list(MIGRATION_NAMES)


def test_a_database_missing_later_steps_is_upgraded_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    create_store(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO issues (title, status, reported_at, logged_at, updated_at) "
            "VALUES ('kept', 'new', '2026-03-02T09:00:00Z', '2026-03-02T09:00:00Z', "
            "'2026-03-02T09:00:00Z')"
        )
        # Forget the last step, as a database from the previous release would.
        conn.execute(
            "DELETE FROM _sqlite_migrations WHERE name = ?", (MIGRATION_NAMES[-1],)
        )
    if len(MIGRATION_NAMES) == 1:
        pytest.skip("one schema step so far: there is no earlier release to upgrade")

    open_store(db).close()

    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT title FROM issues").fetchall() == [("kept",)]
