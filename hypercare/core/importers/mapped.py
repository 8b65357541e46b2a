"""CSV files described by a mapping: ``import csv --mapping``, Jira and Zendesk.

A ``Mapping`` names which column holds each hypercare field and how source
values translate (status, priority, impact, urgency, type, channel). It comes
from a TOML file (``load_mapping``; every key is checked, an unknown one is a
ConfigError naming the key and the file) or from a built-in preset for the
standard Jira and Zendesk exports (``preset``), whose columns are matched by
any of their usual names, in any case.

Two shapes of file:

* ``rows = "issues"``: one row per issue (Jira, Zendesk). The issue is
  created at its reported time; comments become ``comment`` events at their
  own times; one status event takes it to its current status, at the
  resolved / closed / updated time the row gives (a closed issue with a
  resolved time gets a ``resolved`` event first, so its resolution moment is
  kept). Repeated columns (Jira's Labels, Sprint, Comment) keep every value.
* ``rows = "events"``: one row per event of an issue (an event log). The
  rows of an issue must be together; each is one event at its own time, a
  row that is an exact repeat of an earlier row of the same issue is
  skipped (``drop_duplicate_rows``), a move from resolved or closed back to
  an open state is a reopen, and a move into closed straight from an open
  state also sets ``resolved_at`` (the closing is the resolution).

In both, a value missing from a value map is a bad row naming the value and
the map, except for ``type`` and ``channel``, which are optional labels and
are left empty. The priority comes from the priority column when mapped,
else from impact × urgency through the matrix.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from hypercare.core.importing import (
    MISSING,
    BadRow,
    Draft,
    History,
    Rows,
    TimeReader,
    UnfitTime,
)
from hypercare.core.lifecycle import reopen_changes
from hypercare.errors import ConfigError, InputError
from hypercare.models import (
    CHANNELS,
    DONE_STATUSES,
    IMPACTS,
    OPEN_STATUSES,
    PRIORITIES,
    STATUSES,
    TYPES,
    URGENCIES,
)

KEEP = "keep"  # a status value that leaves the status as it is
FIELDS = (
    "key",
    "title",
    "description",
    "time",
    "reported_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "status",
    "impact",
    "urgency",
    "priority",
    "type",
    "area",
    "reporter",
    "contact",
    "assignee",
    "channel",
    "actor",
    "resolution_code",
    "tags",
    "comments",
)
# Value maps and the vocabulary their results must belong to.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "status": (*STATUSES, KEEP),
    "priority": PRIORITIES,
    "impact": IMPACTS,
    "urgency": URGENCIES,
    "type": TYPES,
    "channel": CHANNELS,
}
_OPTIONAL_LABELS = ("type", "channel")  # unmapped values are left empty
_TOP_KEYS = {
    "source",
    "rows",
    "time_formats",
    "drop_duplicate_rows",
    "tag_separator",
    "columns",
    *VOCABULARIES,
}
_DEFAULT_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%SZ",
    "%d/%m/%Y %H:%M",
    "%d/%b/%y %I:%M %p",
)
_TRIAGE = ("impact", "urgency", "priority")


@dataclass(frozen=True)
class Mapping:
    """How the columns of one kind of CSV become issues and events."""

    source: str
    rows: str  # "issues" or "events"
    columns: dict[str, tuple[str, ...]]  # field -> column names, first present wins
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # casefolded keys
    time_formats: tuple[str, ...] = _DEFAULT_FORMATS
    drop_duplicate_rows: bool = True
    tag_separator: str | None = None
    where: str = "the mapping"
    # columns.title as a template: literal text and column names, in order.
    title_template: tuple[tuple[str, str | None], ...] | None = None
    # A mapping written by a user names columns the file must have; the
    # built-in presets list names that exports may or may not carry.
    is_strict: bool = False


# --- loading -----------------------------------------------------------------------


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping TOML file; ConfigError naming key and file."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: no such mapping file; give a TOML mapping") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc})") from None
    return dataclasses.replace(parse_mapping(document, str(path)), is_strict=True)


def parse_mapping(document: dict[str, Any], where: str) -> Mapping:
    def fail(key: str, problem: str) -> ConfigError:
        return ConfigError(f"{where}: {key} {problem}")

    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise fail(
            unknown[0],
            "is not a known key; known keys: " + ", ".join(sorted(_TOP_KEYS)),
        )
    source = document.get("source")
    if not isinstance(source, str) or not source.strip():
        raise fail("source", 'must name the source system, e.g. source = "helpdesk"')
    rows = document.get("rows", "issues")
    if rows not in ("issues", "events"):
        raise fail("rows", f'must be "issues" or "events", not {rows!r}')

    columns_table = document.get("columns")
    if not isinstance(columns_table, dict):
        raise fail("columns", "must be a table naming the column of each field")
    columns: dict[str, tuple[str, ...]] = {}
    for name, spec in columns_table.items():
        if name not in FIELDS:
            raise fail(
                f"columns.{name}",
                "is not a known field; known fields: " + ", ".join(FIELDS),
            )
        names = [spec] if isinstance(spec, str) else spec
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise fail(f"columns.{name}", "must be a column name or a list of them")
        if not names:  # every later step reads the first name
            raise fail(f"columns.{name}", "is an empty list; name at least one column")
        columns[name] = tuple(names)
    needed = ["key", "time" if rows == "events" else "reported_at"]
    for name in needed:
        if name not in columns and not (name == "reported_at" and "time" in columns):
            raise fail(f"columns.{name}", f'is needed when rows = "{rows}"')

    values: dict[str, dict[str, str]] = {}
    for name, allowed in VOCABULARIES.items():
        table = document.get(name, {})
        if not isinstance(table, dict):
            raise fail(name, "must be a table of source value = hypercare value")
        for source_value, ours in table.items():
            if ours != "" and ours not in allowed:
                raise fail(
                    f"{name}.{source_value!r}",
                    f"maps to unknown {name} "
                    f"{ours!r}; use one of: {', '.join(allowed)}",
                )
        values[name] = {str(k).strip().casefold(): v for k, v in table.items()}

    formats = document.get("time_formats", list(_DEFAULT_FORMATS))
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise fail(
            "time_formats", 'must be a list of strptime forms like "%Y-%m-%d %H:%M:%S"'
        )
    for form in formats:
        # A form that cannot read back a time it wrote (a bad directive, %Q)
        # would match nothing and be passed over without a word.
        probe = datetime(2001, 2, 3, 4, 5, 6)
        try:
            datetime.strptime(probe.strftime(form), form)
        except ValueError as exc:
            raise fail("time_formats", f"'{form}' cannot be used ({exc})") from None
    duplicates = document.get("drop_duplicate_rows", True)
    if not isinstance(duplicates, bool):
        raise fail("drop_duplicate_rows", "must be true or false")
    separator = document.get("tag_separator")
    if separator is not None and not isinstance(separator, str):
        raise fail("tag_separator", 'must be a string such as " " or ","')
    title = columns.get("title", ("",))[0]
    template = _parse_template(title, where) if "{" in title else None
    return Mapping(
        source=source.strip(),
        rows=rows,
        columns=columns,
        values=values,
        time_formats=tuple(formats),
        drop_duplicate_rows=duplicates,
        tag_separator=separator,
        where=where,
        title_template=template,
    )


def _parse_template(text: str, where: str) -> tuple[tuple[str, str | None], ...]:
    """``text`` as literal pieces and column names; ConfigError unless plain.

    Only ``{Column name}`` fields and ``{{``/``}}`` are allowed. A format spec
    or conversion would run Python's formatting on the file's cells: padding
    to any width (``{Headline:>5000000000}`` exhausts memory) or failing with
    Python's own message; the title is joined from the pieces instead.
    """
    import string

    def fail(problem: str) -> ConfigError:
        return ConfigError(f"{where}: columns.title '{text}' {problem}")

    try:
        fields = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise fail(f"is not a template like '{{Key}}: {{Summary}}' ({exc})") from None
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in fields:
        if literal:
            pieces.append((literal, None))
        if name is None:
            continue
        if spec or conversion:
            field_text = name + (f"!{conversion}" if conversion else "")
            field_text += f":{spec}" if spec else ""
            raise fail(
                f"formats a field ({{{field_text}}}); use plain {{Column name}} "
                "fields, and {{ or }} for a brace"
            )
        if not name.strip():
            raise fail("has an empty field {}; name a column inside the braces")
        pieces.append(("", name.strip()))
    return tuple(pieces)


# --- presets -----------------------------------------------------------------------

_JIRA: dict[str, Any] = {
    "source": "jira",
    "rows": "issues",
    "time_formats": [
        "%d/%b/%y %I:%M %p",
        "%d/%b/%Y %I:%M %p",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ],
    "columns": {
        "key": ["Issue key", "Key"],
        "title": ["Summary"],
        "description": ["Description"],
        "type": ["Issue Type", "Type"],
        "priority": ["Priority"],
        "status": ["Status"],
        "reported_at": ["Created"],
        "updated_at": ["Updated"],
        "resolved_at": ["Resolved", "Resolution date"],
        "area": ["Component/s", "Components", "Component"],
        "reporter": ["Reporter"],
        "assignee": ["Assignee"],
        "resolution_code": ["Resolution"],
        "tags": ["Labels", "Sprint"],
        "comments": ["Comment"],
    },
    "status": {
        "open": "new",
        "to do": "new",
        "backlog": "new",
        "new": "new",
        "selected for development": "new",
        "in progress": "in_progress",
        "in review": "in_progress",
        "in development": "in_progress",
        "reopened": "in_progress",
        "waiting for customer": "on_hold",
        "waiting for support": "on_hold",
        "pending": "on_hold",
        "on hold": "on_hold",
        "blocked": "on_hold",
        "in testing": "awaiting_testing",
        "testing": "awaiting_testing",
        "ready for testing": "awaiting_testing",
        "in qa": "awaiting_testing",
        "resolved": "resolved",
        "done": "resolved",
        "closed": "closed",
        "won't do": "rejected",
        "declined": "rejected",
        "rejected": "rejected",
        "cancelled": "rejected",
        "canceled": "rejected",
        "duplicate": "duplicate",
    },
    "priority": {
        "highest": "P1",
        "blocker": "P1",
        "high": "P2",
        "critical": "P2",
        "medium": "P3",
        "major": "P3",
        "low": "P4",
        "lowest": "P4",
        "minor": "P4",
        "trivial": "P4",
        "p1": "P1",
        "p2": "P2",
        "p3": "P3",
        "p4": "P4",
    },
    "type": {
        "bug": "bug",
        "defect": "bug",
        "improvement": "enhancement",
        "new feature": "enhancement",
        "story": "enhancement",
        "epic": "enhancement",
        "change": "enhancement",
        "question": "question",
        "support": "question",
        "service request": "question",
    },
}
_ZENDESK: dict[str, Any] = {
    "source": "zendesk",
    "rows": "issues",
    "tag_separator": " ",
    "time_formats": [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%SZ",
        "%d/%m/%Y %H:%M",
    ],
    "columns": {
        "key": ["Id", "Ticket ID", "Ticket Id"],
        "title": ["Subject"],
        "description": ["Description"],
        "type": ["Ticket type", "Type"],
        "priority": ["Priority"],
        "status": ["Status"],
        "reported_at": ["Created at", "Created"],
        "updated_at": ["Updated at", "Updated"],
        "resolved_at": ["Solved at"],
        "area": ["Category", "Field: Category", "Product"],
        "reporter": ["Requester"],
        "contact": ["Requester email"],
        "assignee": ["Assignee"],
        "channel": ["Via", "Channel"],
        "tags": ["Tags"],
        "comments": ["Comment", "Comments"],
    },
    "status": {
        "new": "new",
        "open": "in_progress",
        "pending": "on_hold",
        "on-hold": "on_hold",
        "hold": "on_hold",
        "on hold": "on_hold",
        "solved": "resolved",
        "closed": "closed",
    },
    "priority": {"urgent": "P1", "high": "P2", "normal": "P3", "low": "P4", "-": ""},
    "type": {"question": "question", "problem": "bug"},
    "channel": {
        "email": "email",
        "mail": "email",
        "web form": "helpdesk",
        "web": "helpdesk",
        "web widget": "helpdesk",
        "help center": "helpdesk",
        "api": "helpdesk",
        "web service": "helpdesk",
        "mobile sdk": "helpdesk",
        "phone": "phone",
        "voice": "phone",
        "phone call (inbound)": "phone",
        "phone call (outbound)": "phone",
        "chat": "chat",
        "messaging": "chat",
    },
}
PRESETS = {"jira": _JIRA, "zendesk": _ZENDESK}


def preset(kind: str) -> Mapping:
    """The built-in mapping of a standard export (``jira`` or ``zendesk``)."""
    return parse_mapping(PRESETS[kind], f"the built-in {kind} mapping")


# --- importing -----------------------------------------------------------------------


# LIMITATION: a 100,000-row Jira-style file imports in about 19x the time of a
# plain csv + executemany load of the same file (bench/bench_import.py), far
# from the 2.5x asked. Each row becomes an issue row with four indexes and two
# or three events with JSON changes, built in Python: the inserts alone cost
# about 8x the plain load. It shows on files of 100k+ rows (seconds, not
# minutes: 16 s for 100,000 rows). A fix needs the transformation done in
# SQL: load the raw rows into a temporary table, then INSERT ... SELECT the
# issues and events (json_object, dates parsed in SQL), and build secondary
# indexes after the load.
class MappedImporter:
    """Turns the rows of a mapped CSV into issue histories."""

    def __init__(
        self,
        mapping: Mapping,
        times: TimeReader,
        matrix: dict[str, dict[str, str]],
        actor: str | None,
    ) -> None:
        self.mapping = mapping
        self.source = mapping.source
        self.rows_are_events = mapping.rows == "events"
        self.times = times
        self.matrix = matrix
        self.actor = actor
        self.duplicates = 0

    def notes(self) -> dict[str, int]:
        return (
            {"duplicate_rows_skipped": self.duplicates} if self.rows_are_events else {}
        )

    def histories(self, rows: Rows) -> Iterator[History | BadRow]:
        cells_of = _Cells(rows, self.mapping)
        if self.rows_are_events:
            yield from self._event_histories(rows, cells_of)
            return
        for line, cells in rows:
            try:
                yield self._issue_history(line, cells_of.read(cells))
            except ValueError as exc:
                yield BadRow(line, str(exc))

    # one row per issue

    def _issue_history(self, line: int, row: dict[str, Any]) -> History:
        key = _required(row, "key")
        reported = self._time(row, "reported_at") or self._time(row, "time")
        if reported is None:
            raise ValueError("the reported time is missing")
        created = self._created(row, key, reported)
        replay = _Replay(created, self.actor)
        later = sorted(self._comments(row, reported), key=lambda draft: draft.at)

        status = self._status(row) or "new"
        updated = max(self._time(row, "updated_at") or reported, reported)
        resolved = self._time(row, "resolved_at")
        closed = self._time(row, "closed_at")
        for name, done in (("resolved_at", resolved), ("closed_at", closed)):
            # Moving it to the reported time would invent a resolution time.
            if done is not None and done < reported:
                verb = name.removesuffix("_at")
                raise ValueError(
                    f"{name} {done} is before reported_at {reported}; an issue "
                    f"cannot be {verb} before it was reported"
                )
        moves: list[tuple[str, str]] = []
        if status == "closed" and resolved:
            # Without a closing or update time, it closed when it was resolved.
            moves = [
                ("resolved", resolved),
                ("closed", closed or max(updated, resolved)),
            ]
        elif status == "closed":
            moves = [("closed", closed or updated)]
        elif status in DONE_STATUSES:
            moves = [(status, resolved or closed or updated)]
        elif status != "new":
            moves = [(status, updated)]
        for target, at in moves:
            later.append(Draft("status", max(at, reported), None, {}, to_status=target))
        later.sort(key=lambda draft: draft.at)
        events = [replay.created]
        for draft in later:
            if draft.kind == "comment":
                events.append(replay.comment(draft))
            else:
                assert draft.to_status is not None
                events += replay.move(
                    draft.to_status,
                    draft.at,
                    self.actor,
                    code=row.get("resolution_code"),
                )
        # A move dated by no time of its own (no resolved or closed time) and
        # no update time happened at an unknown moment: see History.is_dated.
        known = (self._time(row, "updated_at"), resolved, closed)
        is_dated = all(at in known for _, at in moves)
        return History(key, line, events, as_of=updated, is_dated=is_dated)

    def _created(self, row: dict[str, Any], key: str, reported: str) -> dict[str, Any]:
        fields = self._fields(row)
        title = _one_line(row, "title") or key
        created = {
            "title": title,
            "status": "new",
            "reported_at": reported,
            "logged_at": reported,
            "updated_at": reported,
            "source": self.source,
            "external_ref": key,
            "description": row.get("description"),
            "contact": _one_line(row, "contact"),
            **fields,
        }
        tags = row.get("tags")
        if tags:
            created["tags"] = json.dumps(tags)
        return {name: val for name, val in created.items() if val is not None}

    def _comments(self, row: dict[str, Any], reported: str) -> list[Draft]:
        drafts = []
        for text in row.get("comments") or ():
            at, actor, note = reported, self.actor, text
            stamp, _, rest = text.partition(";")
            if rest:
                try:
                    at = max(self.times.read(stamp.strip()), reported)
                    author, _, body = rest.partition(";")
                    actor, note = (author.strip() or actor), (body if _ else rest)
                except UnfitTime as exc:
                    raise ValueError(f"a comment's time {exc}") from None
                except ValueError:
                    pass  # no time before the first ';': the text is the note
            drafts.append(Draft("comment", at, actor, {}, note=note))
        return drafts

    # one row per event

    # LIMITATION: the rows of an issue must be together in an event log. A log
    # sorted by time (issues interleaved) is refused row by row, naming the
    # sort that fixes it. Streaming one issue at a time keeps memory flat on
    # any size; accepting interleaved rows needs a first pass that sorts the
    # file by key on disk (or into a temporary table), then this same replay.
    def _event_histories(
        self, rows: Rows, cells_of: _Cells
    ) -> Iterator[History | BadRow]:
        seen: set[str] = set()
        key: str | None = None
        replay: _Replay | None = None
        first_line = 0
        events: list[Draft] = []
        repeats: set[tuple[str, ...]] = set()
        for line, cells in rows:
            try:
                row = cells_of.read(cells)
                current = _required(row, "key")
                if current != key:
                    if key is not None and events:
                        yield History(key, first_line, events)
                    key, replay, events, repeats = current, None, [], set()
                    first_line = line
                    if current in seen:
                        raise ValueError(
                            f"the rows of {current} are not together; sort "
                            "the file by the key column"
                        )
                    seen.add(current)
                if self.mapping.drop_duplicate_rows:
                    whole = tuple(cells)
                    if whole in repeats:
                        self.duplicates += 1
                        continue
                    repeats.add(whole)
                replay, new = self._event(row, current, replay)
                events += new
            except ValueError as exc:
                yield BadRow(line, str(exc))
        if key is not None and events:
            yield History(key, first_line, events)

    def _event(
        self, row: dict[str, Any], key: str, replay: _Replay | None
    ) -> tuple[_Replay, list[Draft]]:
        at = self._time(row, "time")
        if at is None:
            raise ValueError("the event time is missing")
        status = self._status(row)
        note = row.get("status_text")
        actor = row.get("actor") or self.actor
        if replay is None:
            replay = _Replay(self._created(row, key, at), actor)
            drafts = [replay.created]
            if status and status != "new":
                drafts += replay.move(status, at, actor, note=note)
            return replay, drafts
        at = max(at, replay.reported)
        fields = self._fields(row)
        if status and status != replay.status:
            return replay, replay.move(status, at, actor, note=note, fields=fields)
        return replay, [replay.update(fields, at, actor, note)]

    # fields

    def _fields(self, row: dict[str, Any]) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name in ("impact", "urgency", "priority", "type", "channel"):
            fields[name] = self._mapped(row, name)
        if fields["priority"] is None and fields["impact"] and fields["urgency"]:
            fields["priority"] = self.matrix[fields["impact"]][fields["urgency"]]
        for name in ("area", "reporter", "assignee"):
            fields[name] = _one_line(row, name)
        return fields

    def _status(self, row: dict[str, Any]) -> str | None:
        status = self._mapped(row, "status")
        return None if status == KEEP else status

    def _mapped(self, row: dict[str, Any], name: str) -> str | None:
        raw = row.get(name)
        if raw is None:
            return None
        table = self.mapping.values.get(name, {})
        found = table.get(raw.casefold())
        if found is None:
            if raw in VOCABULARIES[name]:
                return str(raw)
            if name in _OPTIONAL_LABELS:
                return None
            # The refusal itself goes on to offer --skip-bad.
            fix = (
                "add it there"
                if self.mapping.is_strict
                else "import with 'hypercare import csv --mapping' and a "
                f"[{name}] map that names it"
            )
            raise ValueError(
                f"{name} '{raw}' is not in the [{name}] map of "
                f"{self.mapping.where}; {fix}"
            )
        return found or None

    def _time(self, row: dict[str, Any], name: str) -> str | None:
        text = row.get(name)
        if text is None:
            return None
        try:
            return self.times.read(text)
        except UnfitTime as exc:
            raise ValueError(f"{name} {exc}") from None
        except ValueError:
            # A preset's formats are the source's own, with English month names.
            other = (
                "one of the mapping's time_formats"
                if self.mapping.is_strict
                else f"a {self.source} export's form, with English month names"
            )
            raise ValueError(
                f"cannot read {name} '{text}'; expected a time like "
                f"2026-03-05 14:30 or {other}"
            ) from None


def _one_line(row: dict[str, Any], name: str) -> str | None:
    """A title, name or address as it is shown everywhere: on one line.

    Line breaks and runs of blanks become one space, as a person would have
    typed it. Other control characters are kept as the file has them; every
    output shows them as escapes, so they cannot act on a terminal or a CI log.
    """
    text = row.get(name)
    if text is None:
        return None
    return " ".join(str(text).split()) or None


def _required(row: dict[str, Any], name: str) -> str:
    found = row.get(name)
    if not found:
        raise ValueError(f"the {name} is missing")
    return str(found)


class _Cells:
    """Picks the mapped columns out of a row of cells."""

    def __init__(self, rows: Rows, mapping: Mapping) -> None:
        self.single: dict[str, int] = {}
        # The title template as literal pieces and column positions.
        self.template: list[tuple[str, int | None]] | None = None
        for name, names in mapping.columns.items():
            if name in ("tags", "comments"):
                continue
            if name == "title" and mapping.title_template is not None:
                self.template = self._positions(rows, mapping)
                continue
            position = rows.find(*names)
            if position is None:
                if name in ("key", "time", "reported_at"):
                    rows.need(names[0])  # raises, naming the column and the file
                if mapping.is_strict:
                    raise InputError(
                        f"{mapping.where}: columns.{name} names column "
                        f"'{names[0]}', which {rows.path} does not have; its "
                        f"columns are: {', '.join(rows.header)}"
                    )
                continue
            self.single[name] = position
        self.multi = {
            name: rows.find_all(*mapping.columns.get(name, ()))
            for name in ("tags", "comments")
        }
        self.separator = mapping.tag_separator

    @staticmethod
    def _positions(rows: Rows, mapping: Mapping) -> list[tuple[str, int | None]]:
        assert mapping.title_template is not None
        found: list[tuple[str, int | None]] = []
        for literal, name in mapping.title_template:
            if name is None:
                found.append((literal, None))
                continue
            position = rows.find(name)
            if position is None:
                raise InputError(
                    f"{mapping.where}: columns.title names column "
                    f"'{name}', which {rows.path} does not have"
                )
            found.append(("", position))
        return found

    def read(self, cells: list[str]) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, position in self.single.items():
            text = cells[position].strip()
            row[name] = None if text in MISSING else text
        row["status_text"] = row.get("status")
        if self.template is not None:
            row["title"] = "".join(
                text if position is None else cells[position].strip()
                for text, position in self.template
            )
        for name, positions in self.multi.items():
            found: list[str] = []
            for position in positions:
                text = cells[position].strip()
                if text in MISSING:
                    continue
                if name == "tags" and self.separator:
                    found += [part for part in text.split(self.separator) if part]
                else:
                    found.append(text)
            row[name] = found
        return row


class _Replay:
    """The issue as replayed so far; produces the drafts that move it on."""

    def __init__(self, created: dict[str, Any], actor: str | None) -> None:
        self.reported: str = created["reported_at"]
        self.updated_at = self.reported
        self.status = "new"
        self.values = dict(created)
        self.is_acknowledged = False
        self.created = Draft("imported", self.reported, actor, created, to_status="new")

    def _diff(self, fields: dict[str, Any] | None, at: str) -> dict[str, Any]:
        changes = {}
        for name, val in (fields or {}).items():
            if val is not None and self.values.get(name) != val:
                changes[name] = val
        if (
            changes.get("assignee")
            and self.values.get("assignee")
            and self.status in OPEN_STATUSES
        ):
            # Only a handover while open is a reassignment (not the closing
            # clerk's name on the final row of an event log).
            changes["reassignment_count"] = self.values.get("reassignment_count", 0) + 1
        self.values.update(changes)
        if at > self.updated_at:
            changes["updated_at"] = self.updated_at = at
        return changes

    def update(
        self, fields: dict[str, Any], at: str, actor: str | None, note: str | None
    ) -> Draft:
        changes = self._diff(fields, at)
        kind = (
            "triaged"
            if any(n in changes for n in _TRIAGE)
            else ("assigned" if "assignee" in changes else "edited")
        )
        return Draft(kind, at, actor, changes, note=note)

    def comment(self, draft: Draft) -> Draft:
        return Draft(
            "comment",
            draft.at,
            draft.actor,
            self._diff(None, draft.at),
            note=draft.note,
        )

    def move(
        self,
        target: str,
        at: str,
        actor: str | None,
        *,
        note: str | None = None,
        fields: dict[str, Any] | None = None,
        code: str | None = None,
    ) -> list[Draft]:
        drafts = []
        if self.status in ("resolved", "closed") and target in OPEN_STATUSES:
            count = self.values.get("reopen_count", 0)
            drafts.append(
                self._step(
                    "in_progress", at, actor, note, fields, reopen_changes(count)
                )
            )
            fields = None
            if target == "in_progress":
                return drafts
        more: dict[str, Any] = {}
        if target == "resolved" or (
            target == "closed" and self.status in OPEN_STATUSES
        ):
            more["resolved_at"] = at
            if code:
                more["resolution_code"] = code
        if target == "closed":
            more["closed_at"] = at
        return [*drafts, self._step(target, at, actor, note, fields, more)]

    def _step(
        self,
        target: str,
        at: str,
        actor: str | None,
        note: str | None,
        fields: dict[str, Any] | None,
        more: dict[str, Any],
    ) -> Draft:
        changes = self._diff(fields, at)
        changes["status"] = target
        if not self.is_acknowledged:
            changes["acknowledged_at"] = at
            self.is_acknowledged = True
        if self.status == "on_hold" and target != "on_hold":
            changes["hold_reason"] = None
        if target == "on_hold" and note:
            changes["hold_reason"] = note
        changes.update(more)
        self.values.update(more)
        draft = Draft(
            "status",
            at,
            actor,
            changes,
            note=note,
            from_status=self.status,
            to_status=target,
        )
        self.status = target
        return draft
