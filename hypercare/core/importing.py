"""Shared machinery of every help-desk import: read, replay, match, write, report.

An importer (one module per source under ``core/importers/``) turns the rows of
a file into one ``History`` per issue: the events that replay the issue's life
at their own times, the first of which (kind ``imported``) creates it. This
module does the rest, the same way for every source:

* **Reading.** ``Rows`` streams a CSV row by row (plain or gzip, UTF-8 with or
  without a byte-order mark, ``,`` ``;`` tab or ``|`` between fields, quoted
  fields over several lines) and keeps the line each row starts on. Repeated
  column names are all kept. Nothing holds the whole file: memory stays flat.
  A quote that is never closed would swallow the rest of the file into one
  field: reading is strict, so it is refused naming the row it opens on. A
  row with more fields than the header is a bad row.
* **Times.** ``TimeReader`` reads the source's known formats with
  ``strptime`` (and a hand-written fast path for ``d/m/Y H:M``), caches what
  it read, and falls back to ``core.when`` for odd values. Times without a
  zone are in the config's zone; results are stored UTC ISO text. A relative
  time, or one after the import's now, makes its row bad.
* **Matching (idempotence).** An issue is matched on ``(source,
  external_ref)``. If it is new, it is added with all its events. If it was
  imported before and its stored events are the same as the replayed ones,
  it is unchanged; if they are the start of the replayed ones (a later export
  of the same issue with more history), the new events are appended and the
  issue counts as updated. A file of one row per issue (Jira, Zendesk) is a
  snapshot: when a later export shows an issue differently, its new comments
  are appended and an event sets what differs, at the time the file gives
  for its last move, never before the stored issue's last change. A status
  moves only as the lifecycle allows: a resolved or closed issue shown open
  is reopened (to in_progress, counted); a move it does not allow keeps the
  stored status (counted). A snapshot older than the stored issue's last
  change is left out and counted: it would move the issue back. In an event
  log, a stored history that differs from the file's (the source rewrote
  history, or the file holds only part of it) is rejected like a bad row:
  history is append-only and is never rewritten.
* **Fold invariant.** The issue row written is the fold of its events'
  ``changes`` (creation event first), so it agrees with its history exactly
  as ``store.issues.add_event`` would leave it; the writes are batched
  ``executemany`` calls in ``store/importing.py`` for speed.
* **Bad rows.** A row that cannot be read is reported with its line and the
  reason. By default the whole import is refused (``ImportRowError``) and,
  since everything happens in one ``Store.write()`` transaction, nothing is
  written. With ``skip_bad`` the rest is imported and the summary lists what
  was skipped. A dry run does all the work in the transaction and rolls it
  back, so its summary is exact and nothing is written.
"""

from __future__ import annotations

import csv
import gzip
import io
import itertools
import json
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from hypercare.core.lifecycle import NEXT, reopen_changes
from hypercare.core.when import (
    CLOCK_SKEW,
    MAX_YEAR,
    MIN_YEAR,
    format_time,
    is_relative,
    parse_absolute,
    to_iso,
)
from hypercare.core.words import counted
from hypercare.errors import ImportRowError, InputError
from hypercare.models import OPEN_STATUSES
from hypercare.store import importing as sql
from hypercare.store.db import Store

MISSING = ("", "?")  # cells that mean "no value"
BATCH = 500  # issues per round of lookups and executemany writes
_SHOWN_BAD = 5  # bad lines named in the refusal message
_KEPT_BAD = 1000  # bad rows kept for the summary; the rest are only counted
_DELIMITERS = ",;\t|"
# SQLite's INTEGER is 64-bit signed: a larger Python int cannot be stored.
INTEGER_RANGE = range(-(2**63), 2**63)
# What reading a damaged .gz raises: cut short, a bad header, corrupt data.
_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=True).encode
_REOPENABLE = ("resolved", "closed")
# Columns an earlier import set that a later snapshot does not move back.
# reported_at too: the issue's history starts there, and moving it after a
# stored resolution would make its time to resolve negative.
_KEPT_ON_CATCH_UP = (
    "logged_at",
    "updated_at",
    "acknowledged_at",
    "reopen_count",
    "reported_at",
)
# Columns only a status move may change: kept when the move is not allowed.
_SET_BY_MOVES = ("status", "resolved_at", "closed_at", "hold_reason")


def _changes_json(changes: dict[str, Any]) -> str:
    """``changes`` as stored JSON; the most common shapes are written directly."""
    if not changes:
        return "{}"
    if len(changes) == 1 and "updated_at" in changes:
        # A stored time is plain ISO text: nothing in it needs escaping.
        return '{"updated_at": "' + str(changes["updated_at"]) + '"}'
    return _encode(changes)


def whole_number(text: str) -> int | None:
    """The number ``text`` spells in ASCII digits, if SQLite can store it, else None.

    ``str.isdigit`` alone accepts digits ``int`` cannot read (such as "²").
    """
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if number in INTEGER_RANGE else None


# --- what importers produce ----------------------------------------------------


@dataclass(slots=True)
class Draft:
    """One event to write: ``changes`` maps issue columns to their new values.

    Not frozen: tens of thousands are made per import, and a frozen
    dataclass pays for every field it sets. Nothing changes one once made.
    """

    kind: str
    at: str
    actor: str | None
    changes: dict[str, Any]
    note: str | None = None
    from_status: str | None = None
    to_status: str | None = None

    def signature(self) -> tuple[Any, ...]:
        return (
            self.kind,
            self.at,
            self.actor,
            self.from_status,
            self.to_status,
            self.note,
            _changes_json(self.changes),
        )


@dataclass
class History:
    """One issue as the file tells it: its reference and its events, in order.

    ``as_of`` is, for a snapshot row, when the source says it last changed
    the issue (Jira's Updated), which may be later than any of its events.
    """

    ref: str
    line: int
    events: list[Draft]
    as_of: str | None = None
    # False when a move in it has no time of its own in the file (a status
    # without an update, resolve or close time): fine for a first import,
    # but a later export cannot say when the change it shows happened.
    is_dated: bool = True


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


class Importer(Protocol):
    """What each source module provides (see ``core/importers/``)."""

    source: str
    rows_are_events: bool  # one row per event (else one row per issue)

    def histories(self, rows: Rows) -> Iterator[History | BadRow]: ...

    def notes(self) -> dict[str, int]: ...


@dataclass
class Summary:
    """What an import did (or, in a dry run, would do)."""

    source: str
    path: str
    is_dry_run: bool
    rows_read: int = 0
    issues: dict[str, int] = field(default_factory=lambda: _counts())
    events: dict[str, int] = field(default_factory=lambda: _counts())
    bad_rows: list[BadRow] = field(default_factory=list)
    bad_count: int = 0
    notes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "file": self.path,
            "dry_run": self.is_dry_run,
            "rows_read": self.rows_read,
            "issues": dict(self.issues),
            "events": dict(self.events),
            "notes": dict(self.notes),
            "skipped": [
                {"line": bad.line, "reason": bad.reason} for bad in self.bad_rows
            ],
            "skipped_count": self.bad_count,
        }


def _counts() -> dict[str, int]:
    return {"added": 0, "updated": 0, "unchanged": 0, "rejected": 0}


# --- reading -------------------------------------------------------------------


class Rows:
    """A CSV file streamed row by row, with the line each row starts on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle, self._progress = _open_text(path)
        try:
            first = self._handle.readline()
        except UnicodeDecodeError:
            self.close()
            raise InputError(
                f"{path} is not UTF-8 text; export the file as UTF-8 (CSV UTF-8)"
            ) from None
        except _GZIP_ERRORS as exc:
            self.close()
            raise gzip_problem(path, exc) from None
        if not first.strip():
            self.close()
            raise InputError(f"{path} is empty; give a CSV file with a header row")
        delimiter = max(_DELIMITERS, key=first.count)
        lines = itertools.chain([first], self._handle)
        # Strict: a quote left open raises at the end of the file instead of
        # silently reading every line after it into one field.
        self._reader = csv.reader(lines, delimiter=delimiter, strict=True)
        self.header = [name.strip() for name in next(self._reader)]
        self.bad_rows: list[BadRow] = []  # rows the reader itself refused
        self._records = 0
        self._index: dict[str, list[int]] = {}
        for position, name in enumerate(self.header):
            self._index.setdefault(name.casefold(), []).append(position)

    @property
    def bytes_read(self) -> int:
        """How far into the file (as stored, compressed or not) reading has got."""
        return 0 if self._progress.closed else self._progress.tell()

    def find(self, *names: str) -> int | None:
        """The position of the first column called any of ``names`` (any case)."""
        for name in names:
            positions = self._index.get(name.casefold())
            if positions:
                return positions[0]
        return None

    def find_all(self, *names: str) -> list[int]:
        """Every position of columns called any of ``names``: repeats included."""
        found: list[int] = []
        for name in names:
            found += self._index.get(name.casefold(), [])
        return sorted(found)

    def need(self, name: str, *aliases: str) -> int:
        position = self.find(name, *aliases)
        if position is None:
            raise InputError(
                f"{self.path} has no column '{name}'; its columns are: "
                + ", ".join(self.header)
            )
        return position

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        """Each row with its first line; a row wider than the header is kept back.

        Such a row (a stray delimiter or quote) goes to ``bad_rows`` instead.
        """
        width = len(self.header)
        reader = self._reader
        line = reader.line_num + 1
        try:
            for cells in reader:
                self._records += any(cells)
                if len(cells) > width:
                    self.bad_rows.append(
                        BadRow(
                            line,
                            f"the row has {len(cells)} fields, the header "
                            f"{width}; check the delimiters and quoting",
                        )
                    )
                elif len(cells) < width:
                    if not any(cells):
                        line = reader.line_num + 1
                        continue  # blank line
                    cells += [""] * (width - len(cells))
                    yield line, cells
                else:
                    yield line, cells
                line = reader.line_num + 1
        except csv.Error as exc:
            raise ImportRowError(csv_problem(self.path, line, exc)) from None
        except UnicodeDecodeError:
            raise ImportRowError(
                f"{self.path} near line {reader.line_num} is not UTF-8 text; "
                "export the file as UTF-8"
            ) from None
        except _GZIP_ERRORS as exc:
            raise gzip_problem(self.path, exc) from None
        finally:
            self.close()  # read once: the file is closed when the rows end

    @property
    def rows_read(self) -> int:
        """Rows read after the header: records, however many lines each spans
        (a quoted field may hold line breaks); blank lines are not rows."""
        return self._records

    def close(self) -> None:
        self._handle.close()
        self._progress.close()  # a GzipFile leaves the file it reads open


# The csv module refuses a field over 128 KiB, but a real description or
# comment thread can be longer (a pasted log). 64 MiB keeps such rows while
# still bounding what one unclosed quote can read into memory.
FIELD_LIMIT = 64 * 1024 * 1024
csv.field_size_limit(FIELD_LIMIT)


def check_readable_file(path: Path, what: str) -> None:
    """InputError by cause unless ``path`` is a regular file; ``what`` names
    the file wanted ("the export", "a file written by 'hypercare export'").

    Imports read a file twice over (its size for progress, rows in order), so
    standard input, a pipe or a device will not do.
    """
    if str(path) == "-":
        raise InputError(
            f"imports do not read standard input; save {what} to a file and give "
            "its path"
        )
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the path of {what} in it")
    if path.exists() and not path.is_file():
        raise InputError(
            f"{path} is not a regular file (a pipe or a device); save {what} to a "
            "file and give its path"
        )
    if not path.exists():
        raise InputError(f"{path}: no such file; give the path of {what}")


def csv_problem(path: Path, line: int, exc: csv.Error) -> str:
    """The refusal for a row the csv module cannot split; ``line`` is its first."""
    if str(exc).startswith("field larger than field limit"):
        return (
            f"{path} line {line}: a field is longer than {FIELD_LIMIT // 2**20} MiB, "
            "which is most likely a quote left open; close it or remove the "
            'stray "'
        )
    if str(exc) == "unexpected end of data":
        return (
            f"{path} line {line}: a quoted field starts on this row and is never "
            "closed, so every line after it would be read into it; nothing was "
            'imported. Close the quote or remove the stray "'
        )
    return f"{path} line {line}: cannot read the CSV ({exc}); check the quoting"


@contextmanager
def open_text(path: Path) -> Iterator[IO[str]]:
    """A plain or gzip-compressed UTF-8 file as text, for readers other than Rows.

    Raises InputError naming the file when what is read is not UTF-8, or is a
    damaged gzip file.
    """
    handle, raw = _open_text(path)
    try:
        yield handle
    except UnicodeDecodeError:
        raise InputError(
            f"{path} is not UTF-8 text; export the file as UTF-8"
        ) from None
    except _GZIP_ERRORS as exc:
        raise gzip_problem(path, exc) from None
    finally:
        handle.close()
        raw.close()


def gzip_problem(path: Path, exc: Exception) -> InputError:
    """The refusal for a .gz file that cannot be decompressed to its end."""
    what = "it ends early" if isinstance(exc, EOFError) else "it cannot be decompressed"
    return InputError(
        f"{path} is a damaged gzip file ({what}); compress the export again, or "
        "import the uncompressed file"
    )


def _open_text(path: Path) -> tuple[IO[str], IO[bytes]]:
    """The file as text, and the raw file whose position tells the progress."""
    # Both are closed by Rows.close(), once the rows have been read.
    raw = path.open("rb")  # noqa: SIM115
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        binary: IO[bytes] = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
    else:
        raw.seek(0)
        binary = raw
    return io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""), raw


# --- times ---------------------------------------------------------------------


class UnfitTime(ValueError):
    """A time that was read but cannot be imported: relative, future, year 1."""


class TimeReader:
    """Reads a source's timestamps into stored UTC ISO text, fast and cached.

    A file's times are absolute and have happened: a relative form ("now",
    "1h ago") would move each time the file is imported, and a time after
    ``now`` (give or take ``CLOCK_SKEW``) has not happened yet. Both raise
    ``UnfitTime``, whose message starts with the quoted text.
    """

    def __init__(
        self, tz: ZoneInfo, formats: Iterable[str], *, day_first: bool, now: datetime
    ) -> None:
        self.tz = tz
        self.is_utc = tz.key == "UTC"
        self.formats = list(formats)
        self.day_first = day_first
        # Stored text compares in time order (four-digit years, UTC, Z).
        self.latest = to_iso(now + CLOCK_SKEW)
        self._cache: dict[str, str] = {}

    def read(self, text: str) -> str:
        """UTC ISO text for ``text``; ValueError when it cannot be read."""
        known = self._cache.get(text)
        if known is not None:
            return known
        if len(self._cache) > 50_000:
            self._cache.clear()  # keeps memory flat on huge files
        stored = self._read(text)
        if stored > self.latest:
            raise UnfitTime(
                f"'{text}' is in the future ({format_time(stored, self.tz)}); a file "
                "can only hold times up to now"
            )
        self._cache[text] = stored
        return stored

    def _read(self, text: str) -> str:
        for position, form in enumerate(self.formats):
            try:
                reader = _FAST.get(form)
                moment = reader(text) if reader else datetime.strptime(text, form)
            except ValueError:
                continue
            if position:
                # The format that matched is likely to match the next value too.
                self.formats.insert(0, self.formats.pop(position))
            if not MIN_YEAR <= moment.year <= MAX_YEAR:
                raise UnfitTime(
                    f"'{text}' is in the year {moment.year}; give a year from "
                    f"{MIN_YEAR} to {MAX_YEAR}"
                )
            return self._stored(moment)

        if is_relative(text):
            raise UnfitTime(
                f"'{text}' is relative; a file's times must be absolute, like "
                "2026-03-05 14:30, so that importing it again gives the same times"
            )
        try:
            moment = parse_absolute(text, tz=self.tz, day_first=self.day_first)
        except InputError:
            raise ValueError(f"cannot read the time '{text}'") from None
        return self._stored(moment)

    def _stored(self, moment: datetime) -> str:
        if moment.tzinfo is None:
            if self.is_utc:
                return (
                    f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
                    f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
                )
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


DMY_HM = "%d/%m/%Y %H:%M"  # ServiceNow's form, read by hand: 5x faster than strptime
JIRA = "%d/%b/%y %I:%M %p"  # Jira's export form (03/Dec/26 2:05 PM), also by hand
_MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "jan",
            "feb",
            "mar",
            "apr",
            "may",
            "jun",
            "jul",
            "aug",
            "sep",
            "oct",
            "nov",
            "dec",
        ),
        start=1,
    )
}


def _dmy_hm(text: str) -> datetime:
    day_part, _, clock = text.partition(" ")
    day, month, year = day_part.split("/")
    hour, minute = clock.split(":")
    if len(year) != 4:
        raise ValueError(text)
    return datetime(int(year), int(month), int(day), int(hour), int(minute))


def _jira(text: str) -> datetime:
    day_part, clock, half = text.split(" ")
    day, month, year = day_part.split("/")
    hour, minute = clock.split(":")
    hour_24 = int(hour) % 12 + (12 if half.upper() == "PM" else 0)
    number = _MONTHS.get(month.lower())
    if (
        number is None  # a month named in another language: Mär, janv.
        or len(year) != 2
        or half.upper() not in ("AM", "PM")
        or not 1 <= int(hour) <= 12
    ):
        raise ValueError(text)
    return datetime(2000 + int(year), number, int(day), hour_24, int(minute))


_FAST = {DMY_HM: _dmy_hm, JIRA: _jira}


# --- matching and writing ------------------------------------------------------


def fold(
    events: Iterable[Draft], start: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The issue row the events' changes make, applied in order onto ``start``."""
    row: dict[str, Any] = dict(start or {})
    for draft in events:
        row.update(draft.changes)
    return row


def run_import(
    store: Store,
    importer: Importer,
    rows: Rows,
    *,
    recorded_at: str,
    is_dry_run: bool,
    skip_bad: bool,
    on_progress: Callable[[int], None] | None = None,
    actor: str | None = None,
) -> Summary:
    """Import every issue the importer finds in ``rows``, in one transaction.

    Raises ImportRowError naming the first bad line (nothing written) unless
    ``skip_bad``. In a dry run the transaction is rolled back.
    """
    summary = Summary(importer.source, str(rows.path), is_dry_run)
    try:
        with store.write() as conn:
            writer = _Writer(conn, importer, recorded_at, summary, actor)
            pending: list[History] = []
            for item in importer.histories(rows):
                if isinstance(item, BadRow):
                    _note_bad(summary, item, importer.rows_are_events)
                    continue
                pending.append(item)
                if len(pending) >= BATCH:
                    writer.write(pending)
                    pending = []
                    if on_progress is not None:
                        on_progress(rows.bytes_read)
            writer.write(pending)
            for bad in rows.bad_rows:
                _note_bad(summary, bad, importer.rows_are_events)
            summary.bad_rows.sort(key=lambda bad: bad.line)
            summary.rows_read = rows.rows_read
            summary.notes.update(importer.notes())
            if summary.bad_count and not skip_bad:
                raise _refusal(summary)
            if is_dry_run:
                raise DryRunRollback
    except DryRunRollback:
        pass
    finally:
        rows.close()
    return summary


class DryRunRollback(Exception):
    """Unwinds ``Store.write()`` so that a dry run rolls everything back."""


def _note_bad(summary: Summary, bad: BadRow, rows_are_events: bool) -> None:
    summary.bad_count += 1
    if len(summary.bad_rows) < _KEPT_BAD:
        summary.bad_rows.append(bad)
    if rows_are_events:
        summary.events["rejected"] += 1
    else:
        summary.issues["rejected"] += 1


def _refusal(summary: Summary) -> ImportRowError:
    first = min(summary.bad_rows, key=lambda bad: bad.line)
    message = f"{summary.path} line {first.line}: {first.reason}"
    others = sorted(bad.line for bad in summary.bad_rows if bad is not first)
    if others:
        lines = ", ".join(str(line) for line in others[:_SHOWN_BAD])
        more = "" if summary.bad_count - 1 <= _SHOWN_BAD else ", ..."
        others_text = counted(summary.bad_count - 1, "more bad row", "more bad rows")
        word = "line" if summary.bad_count == 2 else "lines"
        message += f"; {others_text} ({word} {lines}{more})"
    return refused(message)


def refused(message: str) -> ImportRowError:
    """The refusal of a file with bad rows: the problem, then the two ways on."""
    return ImportRowError(
        f"{message}; nothing was imported. Fix the file, or pass --skip-bad to "
        "import the rest"
    )


class _Writer:
    """Matches histories with what is stored and writes them in batches."""

    def __init__(
        self,
        conn: Any,
        importer: Importer,
        recorded_at: str,
        summary: Summary,
        actor: str | None,
    ) -> None:
        self.conn = conn
        self.source = importer.source
        self.is_snapshot = not importer.rows_are_events
        self.actor = actor
        self.recorded_at = recorded_at
        self.summary = summary
        self.next_id = sql.next_issue_id(conn)
        self.first_line: dict[str, int] = {}  # each issue's line in this file
        if self.is_snapshot:
            summary.notes.update(
                reopened=0,
                rows_older_than_stored=0,
                status_moves_not_allowed=0,
                report_times_kept=0,
                rows_without_update_time=0,
            )
        sql.prepare_bulk(conn)

    def write(self, histories: list[History]) -> None:
        if not histories:
            return
        stored = sql.stored_issues(self.conn, self.source, [h.ref for h in histories])
        stored_events = sql.stored_event_signatures(
            self.conn, [row["id"] for row in stored.values()]
        )
        # New issue rows grouped by the columns they set: binding only those
        # is much cheaper than binding all 37 columns, most of them empty.
        new_issues: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
        new_events: list[tuple[Any, ...]] = []
        for history in histories:
            self._check_once(history)
            row = stored.get(history.ref)
            if row is None:
                columns, values = self._add(history, new_events)
                new_issues.setdefault(columns, []).append(values)
            else:
                self._extend(history, row, stored_events.get(row["id"], []), new_events)
        for columns, rows in new_issues.items():
            sql.insert_issues(self.conn, columns, rows)
        sql.insert_events(self.conn, new_events)

    def _check_once(self, history: History) -> None:
        """A file names each issue once (an event log: in one run of rows)."""
        first = self.first_line.setdefault(history.ref, history.line)
        if first != history.line:
            raise ImportRowError(
                f"{self.summary.path} line {history.line}: '{history.ref}' is already "
                f"on line {first}; keep one row per issue (or, in an event log, keep "
                "an issue's rows together)"
            )

    def _add(
        self, history: History, new_events: list[tuple[Any, ...]]
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        issue_id = self.next_id
        self.next_id += 1
        row = fold(history.events, {"id": issue_id})
        self._queue_events(issue_id, history.events, new_events)
        self.summary.issues["added"] += 1
        # Columns left out take their defaults (NULL, or 0 for the counters).
        columns = tuple(sorted(name for name, val in row.items() if val is not None))
        return columns, tuple(row[name] for name in columns)

    def _extend(
        self,
        history: History,
        row: dict[str, Any],
        stored: list[tuple[Any, ...]],
        new_events: list[tuple[Any, ...]],
    ) -> None:
        replayed = [draft.signature() for draft in history.events[: len(stored)]]
        is_prefix = len(history.events) >= len(stored) and replayed == stored
        if not is_prefix and self.is_snapshot:
            self._catch_up(history, row, stored, new_events)
            return
        if not is_prefix:
            differs = next(
                (
                    n
                    for n, pair in enumerate(zip(replayed, stored, strict=False))
                    if pair[0] != pair[1]
                ),
                len(replayed),
            )
            _note_bad(
                self.summary,
                BadRow(
                    history.line,
                    f"issue {row['id']} ({history.ref}) was imported "
                    f"before with a different history (from its event {differs + 1}); "
                    "history is never rewritten, so it is left as it is",
                ),
                rows_are_events=False,
            )
            return
        extra = history.events[len(stored) :]
        self.summary.events["unchanged"] += len(stored)
        if extra and self.is_snapshot and not history.is_dated:
            self._undated()
            extra = []
        if not extra:
            self.summary.issues["unchanged"] += 1
            return
        changes = fold(extra)
        sql.update_issue(self.conn, row["id"], changes)
        self._queue_events(row["id"], extra, new_events)
        self.summary.issues["updated"] += 1

    def _undated(self) -> None:
        """Leave a later snapshot's change undone: when it happened is unknown.

        Dated at the report time it would be resolved in no time, and an
        older export could not be told from a newer one and would undo it.
        """
        self.summary.notes["rows_without_update_time"] += 1

    def _catch_up(
        self,
        history: History,
        row: dict[str, Any],
        stored: list[tuple[Any, ...]],
        new_events: list[tuple[Any, ...]],
    ) -> None:
        """Bring an issue imported from an earlier export up to this one.

        A file with one row per issue is a snapshot: a later export shows
        the same issue with a new status or fields, not a longer history. Its
        new comments are appended, then status events take it through the
        lifecycle to the file's status (see ``_status_steps``) and set what
        else differs from the stored row. A snapshot older than the stored
        issue's last change is left out (counted): applying it would date
        changes before ones already stored, and could move it backwards.
        """
        # A comment is known by when, who and what; its changes depend on
        # what the replay had seen before it, so they are not compared.
        known = {(s[0], s[1], s[2], s[5]) for s in stored}
        drafts = [
            Draft("comment", d.at, d.actor, {}, note=d.note)
            for d in history.events
            if d.kind == "comment" and (d.kind, d.at, d.actor, d.note) not in known
        ]
        wanted = fold(history.events)
        changes = {
            name: val
            for name, val in wanted.items()
            if name not in _KEPT_ON_CATCH_UP and row.get(name) != val
        }
        self.summary.events["unchanged"] += len(stored)
        if wanted.get("reported_at", row["reported_at"]) != row["reported_at"]:
            self.summary.notes["report_times_kept"] += 1

        as_of = max(history.as_of or "", *(d.at for d in history.events))
        if (drafts or changes) and not history.is_dated:
            self._undated()
            drafts, changes = [], {}
        elif (drafts or changes) and as_of < row["updated_at"]:
            self.summary.notes["rows_older_than_stored"] += 1
            drafts, changes = [], {}
        if changes and row["acknowledged_at"] is None and wanted.get("acknowledged_at"):
            changes["acknowledged_at"] = wanted["acknowledged_at"]
        latest = max((d.at for d in drafts), default=row["updated_at"])
        if changes:
            moves = [d for d in history.events if d.to_status is not None]
            at = moves[-1].at
            if moves[-1].kind != "status" and "status" in changes:
                at = as_of  # the file's status was reached by no move in it
            # Never before the stored issue's last change.
            at = max(at, row["updated_at"], row["reported_at"])
            drafts += self._moves(row, wanted, changes, at)
            latest = max(latest, at)
        if not drafts:
            self.summary.issues["unchanged"] += 1
            return
        if latest > row["updated_at"]:
            drafts[-1].changes["updated_at"] = latest
        sql.update_issue(self.conn, row["id"], fold(drafts))
        self._queue_events(row["id"], drafts, new_events)
        self.summary.issues["updated"] += 1

    def _moves(
        self,
        row: dict[str, Any],
        wanted: dict[str, Any],
        changes: dict[str, Any],
        at: str,
    ) -> list[Draft]:
        """The events that set ``changes`` on the stored ``row``, at ``at``."""
        steps = (
            _status_steps(row["status"], wanted["status"])
            if "status" in changes
            else []
        )
        if steps is None:
            self.summary.notes["status_moves_not_allowed"] += 1
        if not steps:
            changes = {k: v for k, v in changes.items() if k not in _SET_BY_MOVES}
            return [Draft("edited", at, self.actor, changes)] if changes else []

        drafts = []
        status = row["status"]
        for number, step in enumerate(steps, start=1):
            step_changes: dict[str, Any] = {"status": step}
            if status in _REOPENABLE:
                # A reopen: counted, and the resolution is undone.
                self.summary.notes["reopened"] += 1
                step_changes.update(reopen_changes(row["reopen_count"]))
            if status == "on_hold" and row["hold_reason"] is not None:
                step_changes["hold_reason"] = None
            if number == len(steps):
                step_changes.update({k: v for k, v in changes.items() if k != "status"})
                step_changes["status"] = step
            drafts.append(
                Draft(
                    "status",
                    at,
                    self.actor,
                    step_changes,
                    from_status=status,
                    to_status=step,
                )
            )
            status = step
        return drafts

    def _queue_events(
        self, issue_id: int, drafts: list[Draft], new_events: list[tuple[Any, ...]]
    ) -> None:
        recorded_at = self.recorded_at
        new_events.extend(
            (
                issue_id,
                d.kind,
                d.at,
                recorded_at,
                d.actor,
                d.from_status,
                d.to_status,
                d.note,
                _changes_json(d.changes),
            )
            for d in drafts
        )
        self.summary.events["added"] += len(drafts)


def _status_steps(current: str, target: str) -> list[str] | None:
    """The statuses a snapshot takes an issue through, by the lifecycle's rules.

    A resolved or closed issue shown open again is reopened to in_progress,
    then moved on to the file's status if the lifecycle allows. A move
    straight into closed is allowed from any open status, as in the first
    import. An open issue shown as new or acknowledged again stays where it
    is (no steps): work on it has started, and a tracker often shows a
    reopened issue as open. None: a move the lifecycle does not allow at
    all (out of duplicate, rejected or deferred; closed back to resolved).
    """
    if current in _REOPENABLE and target in OPEN_STATUSES:
        return ["in_progress"] + ([target] if target in NEXT["in_progress"] else [])
    if target in NEXT[current] or (current in OPEN_STATUSES and target == "closed"):
        return [target]
    if current in OPEN_STATUSES and target in ("new", "acknowledged"):
        return []
    return None


# --- entry point -----------------------------------------------------------------

KINDS = ("servicenow", "jira", "zendesk", "csv")


@dataclass(frozen=True)
class Request:
    """One ``hypercare import KIND FILE`` as the CLI read it."""

    kind: str
    path: Path
    recorded_at: str
    now: datetime
    is_dry_run: bool = False
    skip_bad: bool = False
    mapping: Path | None = None
    actor: str | None = None


def import_file(
    store: Store,
    settings: Any,
    request: Request,
    on_progress: Callable[[int], None] | None = None,
) -> Summary:
    """Import one file of ``request.kind``; see the module docstring for the rules.

    Raises InputError for a missing file or column, ConfigError for a bad
    mapping, ImportRowError for bad rows (unless skipped). Writes in one
    transaction (none in a dry run).
    """
    check_readable_file(request.path, "the export")
    importer = _importer(settings, request)
    rows = Rows(request.path)
    return run_import(
        store,
        importer,
        rows,
        recorded_at=request.recorded_at,
        is_dry_run=request.is_dry_run,
        skip_bad=request.skip_bad,
        on_progress=on_progress,
        actor=request.actor,
    )


def _importer(settings: Any, request: Request) -> Importer:
    def times(formats: Iterable[str]) -> TimeReader:
        return TimeReader(
            settings.tz, formats, day_first=settings.day_first, now=request.now
        )

    if request.kind == "servicenow":
        from hypercare.core.importers import servicenow

        return servicenow.ServiceNowImporter(times(servicenow.FORMATS), settings.matrix)

    from hypercare.core.importers import mapped

    if request.kind == "csv":
        if request.mapping is None:
            raise InputError("import csv needs --mapping MAP.toml naming the columns")
        mapping = mapped.load_mapping(request.mapping)
    else:
        mapping = mapped.preset(request.kind)
    return mapped.MappedImporter(
        mapping, times(mapping.time_formats), settings.matrix, request.actor
    )
