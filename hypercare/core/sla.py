"""SLA clocks: how long each issue has been waiting against its targets.

Each issue has an *acknowledge* clock (reported → first acknowledgement: the
first move out of ``new`` or the first message to the reporter) and a
*resolve* clock (reported → resolution). Everything is computed from the
issue's events with ``at <= as_of``, in time order, so a clock can be read for
any past moment:

- the targets and calendar come from the priority in force as of ``as_of``;
  the running intervals come from the status history, so a pause already
  accrued survives a change of priority;
- time ``on_hold`` does not count against the resolve clock;
- the resolve clock stops at the first move into a finished state
  (resolved, closed, duplicate, rejected, deferred); a reopen starts a new
  cycle, the earlier cycles are kept, and ``IssueClocks.resolve_total`` adds
  them up;
- a clock is ``met`` or ``missed`` once stopped; while it runs it is
  ``running``, ``at_risk`` (under 25% of the target left), ``paused`` (on
  hold) or ``missed`` (past target); ``none`` when the priority has no target.

Counted time is calendar time (see ``core.calendar``): real elapsed time
inside the calendar's working hours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypercare.config import Calendar, Settings
from hypercare.core.calendar import add_working_seconds, working_seconds
from hypercare.core.when import from_iso, to_iso
from hypercare.models import Event, Issue
from hypercare.store.db import Store

# States that stop the resolve clock; a later move to an open state reopens.
STOPPING = ("resolved", "closed", "duplicate", "rejected", "deferred")
PAUSING = "on_hold"
AT_RISK_SHARE = 0.25
_ZERO = timedelta(0)
# Issue columns whose history the clocks and measures need.
TRACKED = (
    "priority",
    "acknowledged_at",
    "reported_at",
    "reassignment_count",
    "escalation_level",
)

Interval = tuple[datetime, datetime]
_read_iso = datetime.fromisoformat
_WORDS: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Clock:
    """One clock of one issue, as of a moment.

    ``remaining`` is negative once the target is passed (by how much).
    ``due_at`` is None when there is no target, or while the clock is paused
    (it depends on when the pause ends).
    """

    name: str
    target: timedelta | None
    elapsed: timedelta
    remaining: timedelta | None
    state: str
    stopped_at: datetime | None
    # The due time as a POSIX timestamp: a float is half the size of a
    # datetime, and a report over many issues shows few due times.
    due_stamp: float | None = field(default=None, repr=False)

    @property
    def due_at(self) -> datetime | None:
        """When the target is (or was, or would have been) reached."""
        if self.due_stamp is None:
            return None
        return datetime.fromtimestamp(self.due_stamp, tz=UTC)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "state": self.state,
            "target_minutes": _minutes(self.target),
            "elapsed_minutes": _minutes(self.elapsed),
            "remaining_minutes": _minutes(self.remaining),
            "due_at": to_iso(self.due_at) if self.due_at else None,
            "stopped_at": to_iso(self.stopped_at) if self.stopped_at else None,
        }


@dataclass(frozen=True, slots=True)
class IssueClocks:
    """Both clocks of one issue; ``resolve`` is the current (last) cycle."""

    issue_id: int
    priority: str | None
    acknowledge: Clock
    resolve: Clock
    cycles: tuple[Clock, ...]
    status: str = "new"
    resolve_total: timedelta = _ZERO

    @property
    def is_resolve_missed(self) -> bool:
        """Whether any resolve cycle missed its target."""
        return any(cycle.state == "missed" for cycle in self.cycles)

    def as_dict(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "priority": self.priority,
            "status": self.status,
            "acknowledge": self.acknowledge.as_dict(),
            "resolve": self.resolve.as_dict(),
            "cycles": [cycle.as_dict() for cycle in self.cycles],
            "resolve_total_minutes": _minutes(self.resolve_total),
        }


@dataclass(slots=True)
class Timeline:
    """What the measures need of one issue's history up to a moment.

    ``moves`` are the status changes (at, from, to) with ``at <= as_of``, in
    time order; the other fields are folded from the events' changes.
    """

    issue_id: int
    reported_at: datetime
    priority: str | None = None
    status: str = "new"
    acknowledged_at: datetime | None = None
    moves: list[tuple[datetime, str | None, str]] = field(default_factory=list)
    is_escalated: bool = False
    reassignment_count: int = 0
    type: str | None = None  # current values: volume is counted by them
    channel: str | None = None


def timeline_from_steps(
    issue_id: int, reported_at: str, steps: Iterable[Sequence[Any]]
) -> Timeline:
    """Fold ``(at, kind, from_status, to_status, changes)`` steps, in time order.

    ``changes`` is a dict, JSON text or None; only ``TRACKED`` keys matter.
    Callers pass only steps with ``at <= as_of``.
    """
    line = Timeline(issue_id=issue_id, reported_at=from_iso(reported_at))
    for at_text, kind, from_status, to_status, raw in steps:
        _fold(line, at_text, kind, from_status, to_status, raw)
    return line


def _fold(
    line: Timeline,
    at_text: str,
    kind: str,
    from_status: str | None,
    to_status: str | None,
    raw: str | dict[str, Any] | None,
) -> None:
    """Apply one step to a timeline (the hot loop of every report)."""
    if to_status == "new" and line.status == "new":
        # A move into `new` while new (the logging event's) changes nothing
        # any rule reads; not keeping it saves a move per issue.
        to_status = None
    if to_status:
        # Stored times end in Z, so this is already an aware UTC datetime.
        at = _read_iso(at_text)
        # One shared string per state: a large history holds millions of them.
        to_status = _WORDS.setdefault(to_status, to_status)
        if from_status is not None:
            from_status = _WORDS.setdefault(from_status, from_status)
        line.moves.append((at, from_status, to_status))
        line.status = to_status
        if from_status == "new" and to_status != "new":
            line.acknowledged_at = _earliest(line.acknowledged_at, at)
    if kind == "escalated":
        line.is_escalated = True
    if not raw:
        return
    changes = json.loads(raw) if isinstance(raw, str) else raw
    if "priority" in changes:
        priority = changes["priority"]
        line.priority = _WORDS.setdefault(priority, priority) if priority else None
    if changes.get("acknowledged_at"):
        line.acknowledged_at = _earliest(
            line.acknowledged_at, from_iso(changes["acknowledged_at"])
        )
    if changes.get("reported_at"):
        reported = from_iso(changes["reported_at"])
        if reported != line.reported_at:  # else keep the one datetime
            line.reported_at = reported
    if "reassignment_count" in changes:
        line.reassignment_count = int(changes["reassignment_count"] or 0)
    if changes.get("escalation_level") in ("L2", "L3", "vendor"):
        line.is_escalated = True


def timeline_for(issue: Issue, events: Sequence[Event], as_of: datetime) -> Timeline:
    """The timeline of one issue from its events, as of ``as_of``."""
    cutoff = to_iso(as_of)
    ordered = sorted((e for e in events if e.at <= cutoff), key=lambda e: (e.at, e.id))
    steps = ((e.at, e.kind, e.from_status, e.to_status, e.changes) for e in ordered)
    return timeline_from_steps(issue.id, issue.reported_at, steps)


def clocks_for(
    issue: Issue, events: Sequence[Event], settings: Settings, as_of: datetime
) -> IssueClocks:
    """Both clocks of one issue as of ``as_of``."""
    return clocks_from_timeline(timeline_for(issue, events, as_of), settings, as_of)


def clocks_for_all(
    store: Store,
    settings: Settings,
    as_of: datetime,
    issue_ids: Iterable[int] | None = None,
) -> dict[int, IssueClocks]:
    """Clocks of every issue reported by ``as_of`` (or of ``issue_ids``)."""
    lines = load_timelines(store, as_of, issue_ids)
    return {
        issue_id: clocks_from_timeline(line, settings, as_of)
        for issue_id, line in lines.items()
    }


def load_timelines(
    store: Store,
    as_of: datetime,
    issue_ids: Iterable[int] | None = None,
    *,
    facts: Sequence[Sequence[Any]] | None = None,
) -> dict[int, Timeline]:
    """The timeline of every issue reported by ``as_of`` (or of ``issue_ids``).

    ``facts`` are the ``store.measures.issue_facts`` rows when the caller
    already has them.
    """
    from hypercare.store import measures as sql

    cutoff = to_iso(as_of)
    wanted = None if issue_ids is None else list(issue_ids)
    if facts is None:
        facts = sql.issue_facts(store.conn, cutoff, wanted)
    words = _WORDS
    lines = {
        row[0]: Timeline(
            issue_id=row[0],
            reported_at=_read_iso(row[1]),
            type=words.setdefault(row[2], row[2]) if row[2] else None,
            channel=words.setdefault(row[3], row[3]) if row[3] else None,
        )
        for row in facts
    }
    for issue_id, at_text, kind, from_status, to_status, raw in sql.step_rows(
        store.conn, cutoff, wanted
    ):
        line = lines.get(issue_id)
        if line is not None:
            _fold(line, at_text, kind, from_status, to_status, raw)
    return lines


def clocks_from_timeline(
    line: Timeline, settings: Settings, as_of: datetime
) -> IssueClocks:
    """Both clocks from a folded timeline."""
    target = settings.targets.get(line.priority) if line.priority else None
    calendar = _calendar(settings, target.calendar if target else None)

    ack_end = line.acknowledged_at if line.acknowledged_at else as_of
    acknowledge = _clock(
        "acknowledge",
        target.acknowledge if target else None,
        calendar,
        [(line.reported_at, max(ack_end, line.reported_at))],
        stopped_at=line.acknowledged_at,
        is_paused=False,
        as_of=as_of,
    )

    cycles = tuple(
        _clock(
            "resolve",
            target.resolve if target else None,
            calendar,
            intervals,
            stopped_at=stopped,
            is_paused=paused,
            as_of=as_of,
        )
        for intervals, stopped, paused in _resolve_cycles(line, as_of)
    )
    return IssueClocks(
        issue_id=line.issue_id,
        priority=line.priority,
        acknowledge=acknowledge,
        resolve=cycles[-1],
        cycles=cycles,
        status=line.status,
        resolve_total=sum((c.elapsed for c in cycles), _ZERO),
    )


# What SLA compliance needs of one clock: ("met" | "missed", the moment to
# test against the window), or None when the clock is not counted (no target,
# or running and not yet past it).
Outcome = tuple[str, datetime] | None


def clock_outcomes(
    line: Timeline, settings: Settings, as_of: datetime
) -> tuple[Outcome, Outcome]:
    """The (acknowledge, resolve) outcomes of ``clocks_from_timeline``'s clocks.

    The same counted time as the clocks, without building them or working out
    due times, for the measures that only tally met and missed over many
    issues. A clock is missed once its counted time exceeds the target (the
    moment: when it stopped, else ``as_of``) and met when it stopped within
    it; a resolve clock is missed if any cycle missed (the moment: the latest
    such cycle's).
    """
    target = settings.targets.get(line.priority) if line.priority else None
    if target is None:
        return None, None
    calendar = _calendar(settings, target.calendar)

    acknowledge: Outcome = None
    if target.acknowledge is not None:
        goal = target.acknowledge.total_seconds()
        stopped = line.acknowledged_at
        end = max(stopped if stopped else as_of, line.reported_at)
        elapsed = working_seconds(
            calendar, line.reported_at.timestamp(), end.timestamp()
        )
        if _is_missed(elapsed, goal, calendar, as_of, is_running=stopped is None):
            acknowledge = ("missed", stopped or as_of)
        elif stopped is not None:
            acknowledge = ("met", stopped)

    resolve: Outcome = None
    if target.resolve is not None:
        goal = target.resolve.total_seconds()
        missed_at: datetime | None = None
        last_stop: datetime | None = None
        for intervals, stopped_at, is_paused in _resolve_cycles(line, as_of):
            elapsed = sum(
                working_seconds(calendar, a.timestamp(), b.timestamp())
                for a, b in intervals
            )
            is_running = stopped_at is None and not is_paused
            if _is_missed(elapsed, goal, calendar, as_of, is_running=is_running):
                moment = stopped_at or as_of
                missed_at = moment if missed_at is None else max(missed_at, moment)
            last_stop = stopped_at
        if missed_at is not None:
            resolve = ("missed", missed_at)
        elif last_stop is not None:
            resolve = ("met", last_stop)
    return acknowledge, resolve


def _is_missed(
    elapsed: float,
    goal: float,
    calendar: Calendar,
    as_of: datetime,
    *,
    is_running: bool,
) -> bool:
    """Whether a clock has gone past its target as of ``as_of``.

    Counted time above the target is missed. A running clock that has counted
    exactly the target is missed too when its calendar is not counting at
    ``as_of`` (evening, weekend, holiday): it stood still at the target since
    its due moment, which has passed. In working time it is due right now.
    """
    if elapsed > goal:
        return True
    if not is_running or elapsed < goal:
        return False
    moment = as_of.timestamp()
    return working_seconds(calendar, moment - 1, moment) == 0


def _resolve_cycles(
    line: Timeline, as_of: datetime
) -> list[tuple[list[Interval], datetime | None, bool]]:
    """Each resolve cycle: its running intervals, when it stopped, whether paused."""
    cycles: list[tuple[list[Interval], datetime | None, bool]] = []
    intervals: list[Interval] = []
    running_since: datetime | None = line.reported_at
    is_in_cycle = True

    for at, _, to_status in line.moves:
        at = max(at, line.reported_at)
        if not is_in_cycle:
            if to_status not in STOPPING:
                # A reopen: a new cycle starts at the move.
                is_in_cycle, intervals = True, []
                running_since = None if to_status == PAUSING else at
            continue
        if running_since is not None and (
            to_status in STOPPING or to_status == PAUSING
        ):
            intervals.append((running_since, at))
            running_since = None
        if to_status in STOPPING:
            cycles.append((intervals, at, False))
            is_in_cycle = False
        elif to_status != PAUSING and running_since is None:
            running_since = at

    if is_in_cycle:
        if running_since is not None:
            intervals.append((running_since, max(as_of, running_since)))
        cycles.append((intervals, None, running_since is None))
    return cycles


def _clock(
    name: str,
    target: timedelta | None,
    calendar: Calendar,
    intervals: list[Interval],
    *,
    stopped_at: datetime | None,
    is_paused: bool,
    as_of: datetime,
) -> Clock:
    # Timestamps and seconds, not datetimes: this runs for every issue of a report.
    stamps = [(a.timestamp(), b.timestamp()) for a, b in intervals]
    spans = [working_seconds(calendar, a, b) for a, b in stamps]
    elapsed = sum(spans)
    if target is None:
        return Clock(name, None, timedelta(seconds=elapsed), None, "none", stopped_at)

    goal = target.total_seconds()
    remaining = goal - elapsed
    if stopped_at is not None:
        state = "met" if elapsed <= goal else "missed"
    elif _is_missed(elapsed, goal, calendar, as_of, is_running=not is_paused):
        state = "missed"
    elif is_paused:
        state = "paused"
    elif remaining < goal * AT_RISK_SHARE:
        state = "at_risk"
    else:
        state = "running"
    return Clock(
        name,
        target,
        timedelta(seconds=elapsed),
        timedelta(seconds=remaining),
        state,
        stopped_at,
        _due_stamp(calendar, stamps, spans, goal, stopped_at, is_paused, as_of),
    )


def _due_stamp(
    calendar: Calendar,
    stamps: list[tuple[float, float]],
    spans: list[float],
    target: float,
    stopped_at: datetime | None,
    is_paused: bool,
    as_of: datetime,
) -> float | None:
    """When counted time reaches the target, replaying the running intervals."""
    counted = 0.0
    for (start, _), span in zip(stamps, spans, strict=True):
        if counted + span >= target:
            return add_working_seconds(calendar, start, target - counted)
        counted += span
    if stopped_at is not None:
        # Met: when it would have fallen due had it kept running.
        return add_working_seconds(calendar, stopped_at.timestamp(), target - counted)
    if is_paused:
        return None
    return add_working_seconds(calendar, as_of.timestamp(), target - counted)


def counts_working_time(settings: Settings, priority: str | None) -> bool:
    """Whether the clocks of ``priority`` count working hours, not real time."""
    target = settings.targets.get(priority or "")
    return not _calendar(settings, target.calendar if target else None).is_always


def _calendar(settings: Settings, name: str | None) -> Calendar:
    if name and name in settings.calendars:
        return settings.calendars[name]
    return settings.calendars.get("24x7") or Calendar(
        name="24x7", is_always=True, timezone=settings.timezone
    )


def _earliest(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or candidate < current else current


def _minutes(span: timedelta | None) -> float | None:
    return None if span is None else round(span.total_seconds() / 60, 1)
