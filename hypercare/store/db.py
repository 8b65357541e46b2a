"""Opening the hypercare database and writing to it safely.

Every connection uses WAL (readers never block the writer) and a long busy
timeout. Writes go through ``Store.write()``, which starts ``BEGIN
IMMEDIATE``: the write lock is taken at the start of the transaction, so a
process that reads and then writes never fails with "database is locked"
while another writer holds the lock; it waits its turn instead. One command
is one transaction: an error inside ``write()`` rolls everything back.

The hot path (log, triage, list) uses the standard ``sqlite3`` module only;
sqlite-utils is imported when migrations are pending or a module asks for
``Store.utils``.
"""

from __future__ import annotations

import functools
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from hypercare.errors import StoreError
from hypercare.store.schema import MIGRATION_NAMES, MIGRATION_SET, MIGRATIONS_TABLE

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 60_000
P = ParamSpec("P")
R = TypeVar("R")


class Store:
    """An open hypercare database."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        # Whether a write was committed: a failure after it (the output) must
        # not read as "nothing happened, run it again".
        self.has_written = False

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction that holds the write lock from its start."""
        if self.conn.in_transaction:
            # Nested use joins the outer transaction.
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")
        self.has_written = True

    @property
    def utils(self) -> sqlite_utils.Database:
        """The same connection wrapped by sqlite-utils (imported on demand)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        return [dict(row) for row in self.conn.execute(sql, params)]

    def close(self) -> None:
        self.conn.close()


def under_write_lock(
    func: Callable[Concatenate[Store, P], R],
) -> Callable[Concatenate[Store, P], R]:
    """Run ``func(store, ...)`` inside one ``store.write()`` transaction.

    For a change that reads before it writes (a move checks the current
    status): read outside the lock, two processes could both see ``new`` and
    both record ``new -> acknowledged``. Under the lock the second one reads
    what the first wrote and is refused. A refusal rolls back, as ever.
    """

    @functools.wraps(func)
    def locked(store: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with store.write():
            return func(store, *args, **kwargs)

    return locked


def _casefold(text: str | None) -> str | None:
    return text.casefold() if isinstance(text, str) else text


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    # SQLite's own lower() and NOCASE fold ASCII letters only.
    conn.create_function("casefold", 1, _casefold, deterministic=True)
    # In WAL mode NORMAL keeps the file consistent on a crash and skips an
    # fsync per commit; a power cut may lose the last command, never corrupt.
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def create_store(path: Path) -> Store:
    """Create (or open) the database at ``path`` and bring its schema up to date."""
    _check_not_special(
        path,
        in_folder="remove or rename it, or name another file in project.database",
        otherwise="remove it, or name another file in project.database",
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = _connect(path)
        conn.execute("PRAGMA journal_mode = WAL")
        store = Store(conn, path)
        _migrate(store, is_new_allowed=True)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from None
    return store


def open_store(path: Path) -> Store:
    """Open an existing database; raise StoreError when it is missing or foreign."""
    _check_not_special(
        path,
        in_folder="pass --db the hypercare.db file in it",
        otherwise="pass --db the hypercare.db file",
    )
    if not path.is_file():
        raise StoreError(
            f"database {path} does not exist; run 'hypercare init' to create it "
            "or pass --db with an existing file"
        )
    wal = path.with_name(path.name + "-wal")
    if path.stat().st_size == 0 and not (wal.exists() and wal.stat().st_size):
        # SQLite would take an empty file for a new database and a read-only
        # command would quietly make it one; it is more likely a mistake.
        raise StoreError(
            f"{path} is empty, not a hypercare database; run 'hypercare init' to "
            "create one or pass --db with a hypercare database"
        )
    try:
        conn = _connect(path)
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from None
    store = Store(conn, path)
    _migrate(store, is_new_allowed=False)
    return store


def _check_not_special(path: Path, *, in_folder: str, otherwise: str) -> None:
    """StoreError, with the fix given, when ``path`` is a folder or not a
    regular file (SQLite on /dev/null fails late, as a disk I/O error)."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a database file; {in_folder}")
    if path.exists() and not path.is_file():
        raise StoreError(
            f"{path} is not a regular file (a device, a pipe, or a link to one); "
            f"{otherwise}"
        )


def _unreadable(path: Path, exc: Exception) -> StoreError:
    # WAL mode needs to write beside the file, even to read it.
    is_writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
    if not is_writable:
        return StoreError(
            f"cannot open {path}: the file or its folder is read-only, and the "
            "database needs to write beside it; copy it somewhere writable"
        )
    return StoreError(
        f"{path} is not a readable SQLite database ({exc}); restore it from "
        "a backup or run 'hypercare init' in a new folder"
    )


def _applied(conn: sqlite3.Connection) -> list[str]:
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
        (MIGRATIONS_TABLE,),
    ).fetchone()
    if not exists:
        return []
    rows = conn.execute(
        f"SELECT name FROM {MIGRATIONS_TABLE} WHERE migration_set = ?", (MIGRATION_SET,)
    )
    return [row[0] for row in rows]


def _migrate(store: Store, *, is_new_allowed: bool) -> None:
    """Apply pending migrations; refuse a file written by a newer hypercare.

    Only ``init`` (``is_new_allowed``) makes a schema in a database that has
    none: a command that opens one must not quietly turn an empty SQLite file
    into a hypercare.
    """
    try:
        applied = _applied(store.conn)
        if not applied:
            # A non-empty file without our migrations is something else.
            tables = store.conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
            if tables or not is_new_allowed:
                raise StoreError(
                    f"{store.path} is not a hypercare database; pass --db with a "
                    "hypercare database or run 'hypercare init' in a new folder"
                )
    except sqlite3.DatabaseError as exc:
        raise _unreadable(store.path, exc) from None

    unknown = sorted(set(applied) - set(MIGRATION_NAMES))
    if unknown:
        raise StoreError(
            f"{store.path} was written by a newer hypercare (schema step "
            f"'{unknown[0]}'); upgrade hypercare to open it"
        )
    if len(applied) == len(MIGRATION_NAMES):
        return

    from hypercare.store.migrations import migrations

    with store.write():
        # Re-read under the write lock: another process may have migrated.
        migrations.apply(store.utils)
