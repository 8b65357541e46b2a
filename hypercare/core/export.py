"""Export everything losslessly (JSON lines), and read such an export back.

Format of ``hypercare export`` (``--format jsonl``), one JSON object a line:

- line 1, the header: ``{"table": "_export", "format": "hypercare-jsonl",
  "version": 1, "schema": [names of the schema steps], "tables": {name:
  row count}}``;
- then every row of every data table (``issues``, ``events``,
  ``survey_answers``, ``messages``, ``metric_samples``, ``signoff_events``,
  ``lessons``, and any table a later schema step adds), one object per row:
  ``{"table": "issues", "row": {column: value, ...}}`` with every column,
  ids included, values as stored (text, integer, real or null).

``import jsonl`` writes those rows back, ids and all, in one transaction, so
the new database holds the same rows as the old one. It refuses a database
that already holds any row (merging two hypercares could not keep the issue
numbers), an export of another format version or a different schema, and any
line it cannot read, naming the line: times (``at`` and every ``..._at``
column) must be UTC ISO 8601 as hypercare writes them and not after now, and
``changes`` a JSON object, or ``show`` and ``owed`` would fail on them later.
Foreign keys are checked at commit, so
the row order does not matter.

``--format csv`` is a flat CSV of the issues (every column), for
spreadsheets; it is not meant to be imported back.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hypercare.core.importing import (
    INTEGER_RANGE,
    DryRunRollback,
    check_readable_file,
    open_text,
)
from hypercare.core.issues import fold_mismatch
from hypercare.core.when import from_iso
from hypercare.core.words import counted
from hypercare.errors import ImportRowError, InputError
from hypercare.models import ISSUE_COLUMNS
from hypercare.store import exit as rows
from hypercare.store.db import Store
from hypercare.store.schema import MIGRATION_NAMES

FORMAT = "hypercare-jsonl"
VERSION = 1
_BATCH = 5000
_STORED_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", re.ASCII)


@dataclass(frozen=True)
class ImportSummary:
    tables: dict[str, int]
    is_dry_run: bool = False

    @property
    def total(self) -> int:
        return sum(self.tables.values())


def export_lines(store: Store) -> Iterator[str]:
    """The export, line by line (no newlines), streamed from the database."""
    tables = rows.data_tables(store.conn)
    yield json.dumps(
        {
            "table": "_export",
            "format": FORMAT,
            "version": VERSION,
            "schema": list(MIGRATION_NAMES),
            "tables": {name: rows.count_rows(store.conn, name) for name in tables},
        },
        ensure_ascii=False,
    )
    for table in tables:
        for row in rows.table_rows(store.conn, table):
            yield json.dumps({"table": table, "row": row}, ensure_ascii=False)


def issue_rows(store: Store) -> list[dict[str, Any]]:
    """Every issue with every column, by number (for the CSV export)."""
    return list(rows.table_rows(store.conn, "issues"))


CSV_COLUMNS = tuple((column, column) for column in ISSUE_COLUMNS)


def import_lines(
    store: Store, path: Path, *, now: datetime, is_dry_run: bool = False
) -> ImportSummary:
    """Read an export into this (empty) database; nothing is written on error.

    A time after ``now`` is refused: nothing hypercare wrote can be in the future.
    A dry run checks every line, the counts and foreign keys, then rolls back.
    """
    try:
        counts = _import_lines(store, path, now, is_dry_run)
    except DryRunRollback as rollback:  # raised inside the transaction
        counts = rollback.args[0]
    return ImportSummary(
        {name: count for name, count in counts.items() if count}, is_dry_run
    )


def _import_lines(
    store: Store, path: Path, now: datetime, is_dry_run: bool
) -> dict[str, int]:
    check_readable_file(path, "a file written by 'hypercare export'")
    tables = rows.data_tables(store.conn)
    filled = [name for name in tables if rows.count_rows(store.conn, name)]
    if filled:
        raise InputError(
            f"the database {store.path} already holds data (table {filled[0]}); import "
            "an export only into a new database: run 'hypercare init' in a new folder"
        )
    columns = {name: set(rows.table_columns(store.conn, name)) for name in tables}
    counts = dict.fromkeys(tables, 0)
    with open_text(path) as handle, store.write() as conn:
        rows.defer_foreign_keys(conn)
        batch: list[list[Any]] = []
        key: tuple[str, tuple[str, ...]] | None = None
        header: dict[str, Any] | None = None
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            record = _read(text, number, path)
            if header is None:
                _check_header(record, number, path)
                header = record
                continue
            table, row = _row(record, number, path, columns)
            _check_values(table, row, f"{path} line {number}", now)
            row_key = (table, tuple(row))
            if row_key != key or len(batch) >= _BATCH:
                _flush(conn, key, batch, path)
                key, batch = row_key, []
            batch.append(list(row.values()))
            counts[table] += 1
        if header is None:
            raise ImportRowError(
                f"{path} is empty; expected a file written by 'hypercare export'"
            )
        _flush(conn, key, batch, path)
        _check_counts(header, counts, path)
        if broken := rows.foreign_key_problem(conn):
            raise ImportRowError(f"{path}: {broken}; the export is incomplete")
        if mismatch := fold_mismatch(store):
            issue_id, column, value, folded = mismatch
            raise ImportRowError(
                f"{path}: issue {issue_id} has {column} = {value!r} but its events "
                f"say {folded!r}; the export was changed by hand, export it again"
            )
        if is_dry_run:
            raise DryRunRollback(counts)
    return counts


def _flush(
    conn: sqlite3.Connection,
    key: tuple[str, tuple[str, ...]] | None,
    batch: list[list[Any]],
    path: Path,
) -> None:
    if key is None or not batch:
        return
    try:
        rows.insert_rows(conn, key[0], key[1], batch)
    except sqlite3.IntegrityError as exc:
        raise ImportRowError(
            f"{path}: a row of table {key[0]} is refused ({exc})"
        ) from None


def _read(text: str, number: int, path: Path) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except ValueError as exc:  # also a number past int's 4,300-digit limit
        reason = (
            exc.msg
            if isinstance(exc, json.JSONDecodeError)
            else "a number with too many digits"
        )
        raise ImportRowError(
            f"{path} line {number}: not valid JSON ({reason})"
        ) from None
    if not isinstance(record, dict) or "table" not in record:
        raise ImportRowError(
            f"{path} line {number}: expected an object with a 'table' key"
        )
    return record


def _check_header(record: dict[str, Any], number: int, path: Path) -> None:
    if record.get("table") != "_export" or record.get("format") != FORMAT:
        raise ImportRowError(
            f"{path} line {number}: not a hypercare export (no '_export' header); "
            "write one with 'hypercare export --format jsonl'"
        )
    version = record.get("version")
    if type(version) is not int or version != VERSION:
        # A newer hypercare may lay its rows out differently: reading them
        # as version 1 could store wrong values without a complaint.
        fix = (
            "import it with the newer hypercare that wrote it"
            if type(version) is int and version > VERSION
            else "write it again with 'hypercare export --format jsonl'"
        )
        raise ImportRowError(
            f"{path} line {number}: the export is format version "
            f"{json.dumps(version)}, this hypercare reads version {VERSION}; {fix}"
        )
    schema = record.get("schema")
    if schema != list(MIGRATION_NAMES):
        raise ImportRowError(
            f"{path} line {number}: the export has schema steps {schema}, this "
            f"hypercare has {list(MIGRATION_NAMES)}; import it with the hypercare "
            "version that wrote it"
        )


def _check_counts(header: dict[str, Any], counts: dict[str, int], path: Path) -> None:
    """Every row the header announces must have been read (a cut file is refused)."""
    expected = header.get("tables") or {}
    for table, count in expected.items():
        if counts.get(table, 0) != count:
            raise ImportRowError(
                f"{path}: the header announces {counted(count, 'row')} of table "
                f"{table}, the file holds {counts.get(table, 0):,}; the export is "
                "incomplete"
            )


def _row(
    record: dict[str, Any], number: int, path: Path, columns: dict[str, set[str]]
) -> tuple[str, dict[str, Any]]:
    table = record["table"]
    row = record.get("row")
    if table not in columns:
        raise ImportRowError(
            f"{path} line {number}: unknown table '{table}'; "
            f"known: {', '.join(columns)}"
        )
    if not isinstance(row, dict) or not row:
        raise ImportRowError(f"{path} line {number}: expected a 'row' object")
    unknown = sorted(set(row) - columns[table])
    if unknown:
        raise ImportRowError(
            f"{path} line {number}: table {table} has no column '{unknown[0]}'"
        )
    for column, value in row.items():
        if isinstance(value, dict | list):
            raise ImportRowError(
                f"{path} line {number}: {table}.{column} holds a JSON "
                f"{'object' if isinstance(value, dict) else 'list'}; an export holds "
                "values as stored (text, a number or null); export it again"
            )
        if isinstance(value, int) and value not in INTEGER_RANGE:
            raise ImportRowError(
                f"{path} line {number}: {table}.{column} is a whole number too "
                "large for SQLite (beyond 64 bits); the export was changed by "
                "hand, export it again"
            )
    return table, row


def _check_values(table: str, row: dict[str, Any], where: str, now: datetime) -> None:
    """Times and ``changes`` in the form hypercare writes them (a hand edit may not)."""
    for column, value in row.items():
        if value is None:
            continue
        if column == "at" or column.endswith("_at"):
            _check_time(f"{table}.{column}", value, where, now)
        elif column == "changes" and not _is_json_object(value):
            raise ImportRowError(
                f"{where}: {table}.{column} {json.dumps(value)} is not a JSON "
                'object as text (like "{}"); the export was changed by hand, '
                "export it again"
            )


def _check_time(name: str, value: Any, where: str, now: datetime) -> None:
    try:
        is_stored = isinstance(value, str) and bool(_STORED_TIME.fullmatch(value))
        moment = from_iso(value) if is_stored else None
    except ValueError:  # the right shape but no such day or hour (2026-02-30)
        moment = None
    if moment is None:
        raise ImportRowError(
            f"{where}: {name} {json.dumps(value)} is not a UTC time as hypercare "
            "writes them (like 2026-03-02T09:00:00Z); export it again"
        )
    if moment > now:
        raise ImportRowError(
            f"{where}: {name} {value} is in the future; the export was changed by "
            "hand, export it again"
        )


def _is_json_object(value: Any) -> bool:
    try:
        return isinstance(value, str) and isinstance(json.loads(value), dict)
    except ValueError:
        return False
