"""ServiceNow incident audit exports: one row per audit event, replayed per incident.

Each incident (``number``) becomes one issue with source ``servicenow`` and
its number as ``external_ref``. Its rows must be together in the file (an
export groups them); within an incident they are replayed in file order,
because ``sys_mod_count`` goes backwards in places. Each row is one event at
its ``sys_updated_at`` (an event stamped before ``opened_at``, clock skew
seen on 6 incidents of the sample, is moved to ``opened_at``).

Mapping: ``incident_state`` New → new, Active → in_progress, Awaiting User
Info / Problem / Vendor / Evidence → on_hold with that reason, Resolved →
resolved, Closed → closed; a return from Resolved or Closed to an open state
is a reopen (status event to ``in_progress``, ``reopen_count`` + 1, then on to
``on_hold`` if that is where it went). ``-100`` (a placeholder state in some
exports) keeps the current state. The priority is kept as recorded (``1 -
Critical`` → P1 ...); impact ``1 - High/2 - Medium/3 - Low`` → high/medium/
low, urgency → immediate/high/low (see ``_URGENCIES``); an issue whose
recorded priority differs from our matrix gets a ``priority_reason`` saying
so and is counted in the summary
(``priority_differs_from_matrix``). category → area, caller_id → reporter,
contact_type → channel, assigned_to → assignee, closed_code →
resolution_code (set when the issue is resolved), reassignment_count is
the source's own count. ``opened_at`` is both ``reported_at`` and
``logged_at`` (when the desk logged it); ``?`` is a missing value.

The resolution moment: ``resolved_at``, else the last row in state Resolved,
else the closing time. So that measures computed from events agree with it,
the LAST move into ``resolved`` is placed exactly there: the final run of
Resolved rows makes its status event at its last row, stamped ``resolved_at``
when the file gives it (in the sample ``resolved_at`` always equals that
row's time); the rows of the run before it are plain updates (the first of
them sets ``acknowledged_at`` if the incident had not yet left New). Likewise the
final move into ``closed`` is at the last Closed row (= ``closed_at``). An
incident closed without any Resolved row gets a synthetic ``resolved`` event
at ``resolved_at`` before its closing event, or, without ``resolved_at``,
its closing event sets ``resolved_at`` to the closing time. ``issues.
resolved_at`` and ``closed_at`` therefore equal the resolution and closing
moments, and ``acknowledged_at`` is the first move out of ``new``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypercare.core.importing import (
    INTEGER_RANGE,
    MISSING,
    BadRow,
    Draft,
    History,
    Rows,
    TimeReader,
    UnfitTime,
    whole_number,
)
from hypercare.core.lifecycle import reopen_changes

SOURCE = "servicenow"
FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")

_STATES: dict[str, tuple[str, str | None]] = {
    "new": ("new", None),
    "active": ("in_progress", None),
    "awaiting user info": ("on_hold", "Awaiting User Info"),
    "awaiting problem": ("on_hold", "Awaiting Problem"),
    "awaiting vendor": ("on_hold", "Awaiting Vendor"),
    "awaiting evidence": ("on_hold", "Awaiting Evidence"),
    "resolved": ("resolved", None),
    "closed": ("closed", None),
}
_KEEP_STATE = "-100"
_LEVELS = {"1": "high", "2": "medium", "3": "low"}
# ServiceNow's urgency has three levels and ours four. Its top level is the
# top of our scale: read so, our default matrix gives the priority ServiceNow
# recorded in 8 of its 9 cells (all but low impact x medium urgency, P4 there,
# P3 here), where reading 1-2-3 as high-medium-low would make every P1 a P2.
_URGENCIES = {"1": "immediate", "2": "high", "3": "low"}
_PRIORITIES = {"1": "P1", "2": "P2", "3": "P3", "4": "P4"}
_CHANNELS = {
    "phone": "phone",
    "ivr": "phone",
    "email": "email",
    "self service": "helpdesk",
    "direct opening": "helpdesk",
    "chat": "chat",
    "walk-in": "meeting",
}
_DONE = ("resolved", "closed")
# Issue columns an audit row may change, compared row to row.
_TRACKED = (
    "impact",
    "urgency",
    "priority",
    "priority_reason",
    "area",
    "reporter",
    "channel",
    "assignee",
    "reassignment_count",
)


@dataclass(slots=True)
class _Row:
    """One audit row, read and checked."""

    line: int
    state: str  # our status, or "" for "keep the current one"
    hold_reason: str | None
    at: str
    actor: str | None
    fields: dict[str, Any]
    stamp: _Stamp


@dataclass(slots=True)
class _Stamp:
    """The cells that repeat on every row of an incident, read once."""

    opened_at: str
    opened_by: str | None
    resolved_at: str | None
    closed_at: str | None
    closed_code: str | None
    title: str


class ServiceNowImporter:
    source = SOURCE
    rows_are_events = True

    def __init__(self, times: TimeReader, matrix: dict[str, dict[str, str]]) -> None:
        self.times = times
        self.matrix = matrix
        self.priority_differs = 0

    def notes(self) -> dict[str, int]:
        return {"priority_differs_from_matrix": self.priority_differs}

    def histories(self, rows: Rows) -> Iterator[History | BadRow]:
        reader = _RowReader(rows, self.times, self.matrix)
        seen: set[str] = set()
        number: str | None = None
        group: list[_Row] = []
        for line, cells in rows:
            current = cells[reader.number].strip()
            if current in MISSING:
                yield BadRow(line, "the number is missing")
                continue
            if current != number:
                if group and number is not None:
                    yield self._history(number, group)
                group = []
                if current in seen:
                    yield BadRow(
                        line,
                        f"the rows of {current} are not together; sort "
                        "the export by number",
                    )
                    continue
                seen.add(current)
                number = current
            parsed = reader.read(line, cells)
            if isinstance(parsed, BadRow):
                yield parsed
            else:
                group.append(parsed)
        if group and number is not None:
            yield self._history(number, group)

    def _history(self, number: str, group: list[_Row]) -> History:
        history = _replay(number, group)
        final = history.events[0].changes | {}
        for draft in history.events[1:]:
            final.update(draft.changes)
        if final.get("priority_reason"):
            self.priority_differs += 1
        return history


class _RowReader:
    """Reads the cells of one audit row; BadRow with the reason when it cannot.

    Most cells repeat on every row of an incident (opened_at, caller, the
    final resolved_at ...), so the part of a row that rarely changes is read
    once and reused while it stays the same: that halves the import time.
    """

    def __init__(
        self, rows: Rows, times: TimeReader, matrix: dict[str, dict[str, str]]
    ) -> None:
        self.times = times
        self.matrix = matrix
        self.number = rows.need("number")
        self._row_part = operator.itemgetter(*(rows.need(name) for name in _REQUIRED))
        stamp = [rows.need("opened_at"), *(rows.find(name) for name in _STAMP[1:])]
        fields = [rows.find(name) for name in _FIELDS]
        # A column the file lacks reads as "?" from one cell added to each row.
        pad = len(rows.header)
        self._is_padded = None in stamp or None in fields
        self._stamp_part = operator.itemgetter(
            *(pad if p is None else p for p in stamp)
        )
        self._fields_part = operator.itemgetter(
            *(pad if p is None else p for p in fields)
        )
        self._stamp_key: tuple[str, ...] = ()
        self._stamp: _Stamp | BadRow = BadRow(0, "")
        self._fields_key: tuple[str, ...] = ()
        self._fields: dict[str, Any] | BadRow = BadRow(0, "")

    def read(self, line: int, cells: list[str]) -> _Row | BadRow:
        if self._is_padded:
            cells = [*cells, "?"]
        state_text, updated_text, updated_by = self._row_part(cells)
        key = self._stamp_part(cells)
        if key != self._stamp_key:
            self._stamp_key = key
            self._stamp = self._read_stamp(_texts(_STAMP, key))
        key = self._fields_part(cells)
        if key != self._fields_key:
            self._fields_key = key
            self._fields = self._read_fields(_texts(_FIELDS, key))
        stamp, fields = self._stamp, self._fields
        if isinstance(stamp, BadRow) or isinstance(fields, BadRow):
            bad = stamp if isinstance(stamp, BadRow) else fields
            assert isinstance(bad, BadRow)
            return BadRow(line, bad.reason)

        state_key = state_text.strip().lower()
        if state_key == _KEEP_STATE:
            state, reason = "", None
        elif state_key in _STATES:
            state, reason = _STATES[state_key]
        else:
            return BadRow(
                line,
                f"unknown incident_state '{state_text}'; known: "
                "New, Active, Awaiting User Info/Problem/Vendor/Evidence, "
                "Resolved, Closed",
            )
        try:
            updated = self._time("sys_updated_at", updated_text.strip())
        except ValueError as exc:
            return BadRow(line, str(exc))
        if updated is None:
            return BadRow(line, "sys_updated_at is missing")
        if updated < stamp.opened_at:
            updated = stamp.opened_at
        actor: str | None = updated_by.strip()
        if actor in MISSING:
            actor = None
        # Positional: this runs once per audit row.
        return _Row(line, state, reason, updated, actor, fields, stamp)

    def _read_stamp(self, text: dict[str, str | None]) -> _Stamp | BadRow:
        """The cells that are the same on every row of an incident."""
        try:
            opened = self._time("opened_at", text["opened_at"])
            resolved = self._time("resolved_at", text["resolved_at"])
            closed = self._time("closed_at", text["closed_at"])
        except ValueError as exc:
            return BadRow(0, str(exc))
        if opened is None:
            return BadRow(0, "opened_at is missing")
        parts = (text["category"], text["subcategory"], text["u_symptom"])
        return _Stamp(
            opened_at=opened,
            resolved_at=resolved,
            closed_at=closed,
            opened_by=text["opened_by"],
            closed_code=text["closed_code"],
            title=" / ".join(part for part in parts if part) or "ServiceNow incident",
        )

    def _read_fields(self, text: dict[str, str | None]) -> dict[str, Any] | BadRow:
        try:
            return self._field_values(text)
        except ValueError as exc:
            return BadRow(0, str(exc))

    def _time(self, name: str, text: str | None) -> str | None:
        if text is None or text in MISSING:
            return None
        try:
            return self.times.read(text)
        except UnfitTime as exc:
            raise ValueError(f"{name} {exc}") from None
        except ValueError:
            raise ValueError(
                f"cannot read {name} '{text}'; expected a day-first date like "
                "29/2/2016 01:16"
            ) from None

    def _field_values(self, text: dict[str, str | None]) -> dict[str, Any]:
        impact = _coded(text["impact"], _LEVELS, "impact", _LEVEL_FORMS)
        urgency = _coded(text["urgency"], _URGENCIES, "urgency", _LEVEL_FORMS)
        priority = _coded(
            text["priority"],
            _PRIORITIES,
            "priority",
            "1 - Critical, 2 - High, 3 - Moderate or 4 - Low",
        )
        reason = None
        if priority and impact and urgency:
            expected = self.matrix[impact][urgency]
            if expected != priority:
                reason = f"kept as recorded by ServiceNow; the matrix gives {expected}"
        contact = text["contact_type"]
        count = text["reassignment_count"]
        reassignments = 0 if count is None else whole_number(count)
        if reassignments is None:
            raise ValueError(
                f"reassignment_count '{count}' is not a whole number from 0 to "
                f"{INTEGER_RANGE[-1]}"
            )
        return {
            "impact": impact,
            "urgency": urgency,
            "priority": priority,
            "priority_reason": reason,
            "area": text["category"],
            "reporter": text["caller_id"],
            "channel": _CHANNELS.get(contact.lower()) if contact else None,
            "assignee": text["assigned_to"],
            "reassignment_count": reassignments,
        }


_REQUIRED = ("incident_state", "sys_updated_at", "sys_updated_by")
# Cells that repeat on every row of an incident, and cells an update may change.
# Columns other than opened_at may be missing from a file; they read as "?".
_STAMP = (
    "opened_at",
    "opened_by",
    "resolved_at",
    "closed_at",
    "closed_code",
    "category",
    "subcategory",
    "u_symptom",
)
_FIELDS = (
    "impact",
    "urgency",
    "priority",
    "category",
    "caller_id",
    "contact_type",
    "assigned_to",
    "reassignment_count",
)


def _texts(names: tuple[str, ...], cells: tuple[str, ...]) -> dict[str, str | None]:
    """Cells by column name, stripped, with missing values as None."""
    found: dict[str, str | None] = {}
    for name, cell in zip(names, cells, strict=True):
        text = cell.strip()
        found[name] = None if text in MISSING else text
    return found


_LEVEL_FORMS = "1 - High, 2 - Medium or 3 - Low"


def _coded(
    text: str | None, codes: dict[str, str], name: str, accepted: str
) -> str | None:
    if text is None:
        return None
    found = codes.get(text.split(" ", 1)[0])
    if found is None:
        raise ValueError(f"unknown {name} '{text}'; expected {accepted}")
    return found


# --- replay ----------------------------------------------------------------------


def _replay(number: str, group: list[_Row]) -> History:
    """The events of one incident, from its rows in file order."""
    first, last = group[0], group[-1]
    reported = first.stamp.opened_at
    changes: dict[str, Any] = {
        "title": first.stamp.title,
        "status": "new",
        "reported_at": reported,
        "logged_at": reported,
        "updated_at": reported,
        "source": SOURCE,
        "external_ref": number,
        **first.fields,
    }
    changes = {
        key: val
        for key, val in changes.items()
        if val is not None and not (key == "reassignment_count" and val == 0)
    }
    state = _State(changes)
    events = [
        Draft("imported", reported, first.stamp.opened_by, changes, to_status="new")
    ]

    final_resolved = _last_run(group, "resolved")
    final_closed = _last_run(group, "closed")
    resolution = last.stamp.resolved_at
    for index, row in enumerate(group):
        target = row.state or state.status
        is_deferred = (
            target == "resolved" and final_resolved and index in final_resolved[:-1]
        ) or (target == "closed" and final_closed and index in final_closed[:-1])
        if is_deferred or target == state.status:
            events.append(state.update(row))
        elif target == "resolved":
            at = (
                resolution
                if final_resolved and index == final_resolved[-1] and resolution
                else row.at
            )
            events += state.move(
                row, "resolved", at=max(at, reported), code=last.stamp.closed_code
            )
        elif target == "closed":
            events += _close(
                state, row, last, resolution, reported, final_closed, index
            )
        else:
            events += state.move(row, target)
    return History(number, first.line, events)


def _close(
    state: _State,
    row: _Row,
    last: _Row,
    resolution: str | None,
    reported: str,
    final_closed: list[int],
    index: int,
) -> list[Draft]:
    is_final = bool(final_closed) and index == final_closed[-1]
    at = max(last.stamp.closed_at or row.at, reported) if is_final else row.at
    drafts: list[Draft] = []
    extra: dict[str, Any] = {}
    if is_final and state.status != "resolved":
        if resolution:
            # Closed without a Resolved row: the source's resolved_at still marks
            # the resolution, so replay it as its own event.
            drafts += state.move(
                row,
                "resolved",
                at=max(resolution, reported),
                code=last.stamp.closed_code,
                is_synthetic=True,
            )
        else:
            extra = {"resolved_at": at}
            if last.stamp.closed_code:
                extra["resolution_code"] = last.stamp.closed_code
    return drafts + state.move(row, "closed", at=at, extra=extra)


def _last_run(group: list[_Row], status: str) -> list[int]:
    """Row positions of the last run of consecutive rows in ``status``."""
    end = next(
        (i for i in range(len(group) - 1, -1, -1) if group[i].state == status), None
    )
    if end is None:
        return []
    start = end
    while start > 0 and group[start - 1].state in (status, ""):
        start -= 1
    return list(range(start, end + 1))


class _State:
    """The issue as replayed so far; produces the drafts that move it on."""

    def __init__(self, created: dict[str, Any]) -> None:
        self.status = "new"
        self.updated_at: str = created["updated_at"]
        self.fields = {name: created.get(name) for name in _TRACKED}
        self.fields["reassignment_count"] = created.get("reassignment_count", 0)
        self.reopen_count = 0
        self.is_acknowledged = False
        self.hold_reason: str | None = None
        self.seen_fields: dict[str, Any] | None = None

    def _diff(self, row: _Row, at: str) -> dict[str, Any]:
        if row.fields is self.seen_fields:
            # The row reader reuses the same dict while the cells repeat.
            changes: dict[str, Any] = {}
        else:
            changes = {
                name: val
                for name, val in row.fields.items()
                if self.fields[name] != val
            }
            self.fields.update(changes)
            self.seen_fields = row.fields
        if at > self.updated_at:
            changes["updated_at"] = at
            self.updated_at = at
        return changes

    def update(self, row: _Row) -> Draft:
        """A row that changes no state: its field changes, if any."""
        changes = self._diff(row, row.at)
        if not self.is_acknowledged and row.state not in ("new", ""):
            # A row of a deferred Resolved run: the incident has left New in
            # the source, so it is acknowledged here even though the move
            # into resolved comes at the run's last row.
            changes["acknowledged_at"] = row.at
            self.is_acknowledged = True
        if self.status == "on_hold" and row.hold_reason not in (None, self.hold_reason):
            changes["hold_reason"] = self.hold_reason = row.hold_reason
        if "priority" in changes or "impact" in changes or "urgency" in changes:
            kind = "triaged"
        elif "assignee" in changes:
            kind = "assigned"
        else:
            kind = "edited"
        return Draft(kind, row.at, row.actor, changes)

    def move(
        self,
        row: _Row,
        target: str,
        *,
        at: str | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        is_synthetic: bool = False,
    ) -> list[Draft]:
        """Status event(s) taking the issue to ``target`` (a reopen when from done)."""
        at = at or row.at
        if self.status in _DONE and target not in _DONE:
            reopen = self._step(
                row,
                "in_progress",
                at,
                True,
                reopen_changes(self.reopen_count),
            )
            self.reopen_count += 1
            if target == "in_progress":
                return [reopen]
            return [reopen, self._step(row, target, at, False, {})]
        more: dict[str, Any] = dict(extra or {})
        if target == "resolved":
            more["resolved_at"] = at
            if code:
                more["resolution_code"] = code
        elif target == "closed":
            more["closed_at"] = at
        note = "resolved_at given without a Resolved state" if is_synthetic else None
        return [self._step(row, target, at, not is_synthetic, more, note)]

    def _step(
        self,
        row: _Row,
        target: str,
        at: str,
        fields: bool,
        more: dict[str, Any],
        note: str | None = None,
    ) -> Draft:
        changes = self._diff(row, at) if fields else self._touch(at)
        changes["status"] = target
        if not self.is_acknowledged:
            changes["acknowledged_at"] = at
            self.is_acknowledged = True
        if target == "on_hold":
            changes["hold_reason"] = self.hold_reason = row.hold_reason
        elif self.status == "on_hold":
            changes["hold_reason"] = self.hold_reason = None
        changes.update(more)
        draft = Draft(
            "status",
            at,
            row.actor,
            changes,
            note=note,
            from_status=self.status,
            to_status=target,
        )
        self.status = target
        return draft

    def _touch(self, at: str) -> dict[str, Any]:
        if at > self.updated_at:
            self.updated_at = at
            return {"updated_at": at}
        return {}
