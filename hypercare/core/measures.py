"""The measures of the product brief, computed from the event history as of a moment.

Every figure is computed from events with ``at <= as_of`` (never from the
current row alone), so a report for a past moment is reproducible. A figure
with no data is ``None`` (``null`` in JSON, "no data" in text), never 0.

Definitions (see PRODUCT.md "Measures"):

- *State at T*: the to_status of the last status event at or before T
  (``new`` before the first one); an issue exists from its reported time.
- *Resolution moment as of T*: the last move into ``resolved`` at or before
  T; if the issue reached ``closed`` in that cycle without passing
  ``resolved``, the closing move. Only issues resolved or closed at T have
  one (an issue reopened and still open at T is not resolved).
- *Time to resolve*: reported → resolution moment, real time, the whole span
  of a reopened issue. *MTTR*: mean over issues whose resolution moment lies
  in [since, as_of], with median and 90th percentile (linear interpolation
  between closest ranks); duplicates and rejected issues excluded; grouped by
  the priority in force at T.
- *SLA compliance*: met / (met + missed) per priority and clock, over issues
  whose clock stopped in [since, as_of] plus open issues past target; open
  issues not yet due are not counted; duplicate, rejected and deferred
  issues are excluded. A resolve clock counts as missed if any cycle missed.
- *FCR*: of the issues resolved in the window, the share never escalated
  (no ``escalated`` event, no L2/L3/vendor level) and never reassigned.
- *Reopen rate*: of the issues with a resolution move in the window, the
  share reopened after it (by as_of).
- *CSAT*: share of 1-5 answers that are 4 or 5; *NPS*: % of 0-10 answers
  9-10 minus % 0-6; both over answers given in [since, as_of].
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from hypercare.config import Settings
from hypercare.core.sla import (
    IssueClocks,
    Outcome,
    Timeline,
    clock_outcomes,
    clocks_from_timeline,
    load_timelines,
)
from hypercare.core.when import from_iso, to_iso
from hypercare.models import OPEN_STATUSES, PRIORITIES, Event
from hypercare.store.db import Store

EXCLUDED_FROM_MEASURES = ("duplicate", "rejected")
NOT_RESOLUTIONS = ("duplicate", "rejected", "deferred")
# Age buckets of open issues: (label, upper bound in hours; None is open-ended).
AGE_BUCKETS: tuple[tuple[str, float | None], ...] = (
    ("under 1 day", 24),
    ("1-3 days", 72),
    ("3-7 days", 168),
    ("7-14 days", 336),
    ("over 14 days", None),
)
CLOCKS = ("acknowledge", "resolve")


@dataclass(frozen=True)
class Stats:
    """Count, mean, median and 90th percentile of durations, in minutes."""

    count: int
    mean_minutes: float | None
    median_minutes: float | None
    p90_minutes: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "mean_minutes": _round(self.mean_minutes),
            "median_minutes": _round(self.median_minutes),
            "p90_minutes": _round(self.p90_minutes),
        }


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator as a percentage; percent None when nothing to count."""

    numerator: int
    denominator: int
    percent: float | None

    @classmethod
    def of(cls, numerator: int, denominator: int) -> Ratio:
        percent = 100 * numerator / denominator if denominator else None
        return cls(numerator, denominator, percent)

    def as_dict(self) -> dict[str, Any]:
        return {
            "numerator": self.numerator,
            "denominator": self.denominator,
            "percent": _round(self.percent),
        }


@dataclass(frozen=True)
class Nps:
    """Net promoter score (-100..100) from 0-10 answers."""

    score: float | None
    responses: int
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": _round(self.score),
            "responses": self.responses,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
        }


@dataclass(frozen=True)
class Explanation:
    """How one figure was computed: rule, what counted, what did not, how many."""

    figure: str
    rule: str
    included: str
    excluded: str
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.figure,
            "rule": self.rule,
            "included": self.included,
            "excluded": self.excluded,
            "count": self.count,
        }


@dataclass(frozen=True)
class Kpis:
    """Everything ``hypercare kpi`` shows; ``as_dict`` is its JSON."""

    as_of: datetime
    since: datetime | None
    priority: str | None
    p1p2_opened: dict[str, int]
    p1p2_open: dict[str, int]
    p1p2_per_day: list[tuple[date, int, int]]
    mttr: dict[str, Stats]
    sla: dict[str, dict[str, Ratio]]
    fcr: Ratio
    reopen_rate: Ratio
    volume_by_type: dict[str, int]
    volume_by_channel: dict[str, int]
    open_by_priority: dict[str, int]
    backlog_per_day: list[tuple[date, int]]
    aging: list[tuple[str, int]]
    csat: Ratio
    nps: Nps
    explanations: tuple[Explanation, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": to_iso(self.as_of),
            "since": to_iso(self.since) if self.since else None,
            "priority": self.priority,
            "p1_p2": {
                "opened": self.p1p2_opened,
                "open": self.p1p2_open,
                "per_day": [
                    {"date": day.isoformat(), "opened": opened, "open": still}
                    for day, opened, still in self.p1p2_per_day
                ],
            },
            "mttr": {key: stats.as_dict() for key, stats in self.mttr.items()},
            "sla": {
                clock: {key: ratio.as_dict() for key, ratio in per.items()}
                for clock, per in self.sla.items()
            },
            "fcr": self.fcr.as_dict(),
            "reopen_rate": self.reopen_rate.as_dict(),
            "volume": {
                "total": sum(self.volume_by_type.values()),
                "by_type": self.volume_by_type,
                "by_channel": self.volume_by_channel,
            },
            "backlog": {
                "open": sum(self.open_by_priority.values()),
                "open_by_priority": self.open_by_priority,
                "per_day": [
                    {"date": day.isoformat(), "open": count}
                    for day, count in self.backlog_per_day
                ],
            },
            "aging": [{"bucket": label, "count": count} for label, count in self.aging],
            "csat": {**self.csat.as_dict(), "responses": self.csat.denominator},
            "nps": self.nps.as_dict(),
            "explain": [item.as_dict() for item in self.explanations],
        }


# --- one snapshot of the history, shared by every figure of a run -------------


@dataclass
class _Snapshot:
    store: Store
    version: tuple[int, int]
    as_of: datetime
    lines: dict[int, Timeline]
    _clocks: tuple[Settings, dict[int, IssueClocks]] | None = None
    _outcomes: tuple[Settings, dict[int, tuple[Outcome, Outcome]]] | None = None

    def clocks(
        self, settings: Settings, issue_ids: Iterable[int] | None = None
    ) -> dict[int, IssueClocks]:
        """Clocks of every issue, or of ``issue_ids`` (those reported by as_of)."""
        if issue_ids is not None:
            if self._clocks is not None and self._clocks[0] is settings:
                every = self._clocks[1]
                return {i: every[i] for i in issue_ids if i in every}
            return {
                i: clocks_from_timeline(self.lines[i], settings, self.as_of)
                for i in issue_ids
                if i in self.lines
            }
        if self._clocks is None or self._clocks[0] is not settings:
            self._clocks = (
                settings,
                {
                    issue_id: clocks_from_timeline(line, settings, self.as_of)
                    for issue_id, line in self.lines.items()
                },
            )
        return self._clocks[1]

    def outcomes(self, settings: Settings) -> dict[int, tuple[Outcome, Outcome]]:
        """(acknowledge, resolve) outcomes of the issues SLA compliance counts."""
        if self._outcomes is None or self._outcomes[0] is not settings:
            self._outcomes = (
                settings,
                {
                    issue_id: clock_outcomes(line, settings, self.as_of)
                    for issue_id, line in self.lines.items()
                    if line.status not in NOT_RESOLUTIONS
                    and line.priority in PRIORITIES
                },
            )
        return self._outcomes[1]


# The last snapshot, reused by the figures of one run (a report asks for many).
# It holds its store, so a different store can never pass for it.
_last: list[_Snapshot] = []


def _snapshot(store: Store, as_of: datetime) -> _Snapshot:
    """All timelines as of ``as_of``, reused while the database is unchanged."""
    from hypercare.store import measures as sql

    version = sql.data_version(store.conn)
    for snap in _last:
        if snap.store is store and snap.as_of == as_of and snap.version == version:
            return snap
    facts = sql.issue_facts(store.conn, to_iso(as_of))
    snap = _Snapshot(
        store=store,
        version=version,
        as_of=as_of,
        lines=load_timelines(store, as_of, facts=facts),
    )
    _last[:] = [snap]
    return snap


def release_snapshot() -> None:
    """Forget the cached history snapshot, freeing its memory.

    For a report that has taken all it needs from the measures and goes on
    to build large lists of its own; the next figure loads the history again.
    """
    _last.clear()


# --- per-issue rules ----------------------------------------------------------


def resolution_at(events: Sequence[Event], as_of: datetime) -> datetime | None:
    """The resolution moment of one issue as of ``as_of`` (see the module doc)."""
    cutoff = to_iso(as_of)
    ordered = sorted(
        (e for e in events if e.at <= cutoff and e.to_status),
        key=lambda e: (e.at, e.id),
    )
    moves = [(from_iso(e.at), e.from_status, e.to_status or "") for e in ordered]
    return _resolution(moves)


def _resolution(moves: Sequence[tuple[datetime, str | None, str]]) -> datetime | None:
    moment: datetime | None = None
    is_resolved_in_cycle = False
    status = "new"
    for at, _, to_status in moves:
        if to_status == "resolved":
            moment, is_resolved_in_cycle = at, True
        elif to_status == "closed":
            if not is_resolved_in_cycle and status != "closed":
                moment = at
        elif to_status in OPEN_STATUSES and status in ("resolved", "closed"):
            is_resolved_in_cycle = False
        status = to_status
    return moment if status in ("resolved", "closed") else None


def _resolution_moves(line: Timeline) -> list[datetime]:
    """Every move that resolved the issue (into resolved, or closed directly)."""
    moments = []
    status = "new"
    for at, _, to_status in line.moves:
        if to_status == "resolved" or (
            to_status == "closed" and status not in ("resolved", "closed")
        ):
            moments.append(at)
        status = to_status
    return moments


_REOPENED_FROM = ("resolved", "closed")  # states a reopen returns from


def _state_at(line: Timeline, moment: datetime) -> str:
    status = "new"
    for at, _, to_status in line.moves:
        if at > moment:
            break
        status = to_status
    return status


def _open_intervals(line: Timeline) -> list[tuple[datetime, datetime | None]]:
    """When the issue was open: [start, end) intervals, end None while still open."""
    intervals: list[tuple[datetime, datetime | None]] = []
    opened: datetime | None = line.reported_at
    for at, _, to_status in line.moves:
        at = max(at, line.reported_at)
        if to_status in OPEN_STATUSES and opened is None:
            opened = at
        elif to_status not in OPEN_STATUSES and opened is not None:
            intervals.append((opened, at))
            opened = None
    if opened is not None:
        intervals.append((opened, None))
    return intervals


# --- figures ------------------------------------------------------------------


def _in_window(
    moment: datetime | None, since: datetime | None, as_of: datetime
) -> bool:
    return moment is not None and moment <= as_of and (since is None or moment >= since)


def _wanted(line: Timeline, priority: str | None) -> bool:
    return priority is None or line.priority == priority


def _stats(minutes: list[float]) -> Stats:
    if not minutes:
        return Stats(0, None, None, None)
    return Stats(
        len(minutes),
        statistics.fmean(minutes),
        statistics.median(minutes),
        percentile(minutes, 90),
    )


def percentile(values: Sequence[float], share: float) -> float:
    """The ``share``-th percentile by linear interpolation between closest ranks."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _mttr(
    snap: _Snapshot, since: datetime | None, priority: str | None
) -> dict[str, Stats]:
    """Stats per priority (as of T) plus ``all``; priorities with no data too."""
    spans: dict[str, list[float]] = {key: [] for key in PRIORITIES}
    every: list[float] = []
    for line in snap.lines.values():
        if line.status in EXCLUDED_FROM_MEASURES or not _wanted(line, priority):
            continue
        moment = _resolution(line.moves)
        if not _in_window(moment, since, snap.as_of):
            continue
        assert moment is not None
        minutes = (moment - line.reported_at).total_seconds() / 60
        every.append(minutes)
        if line.priority in spans:
            spans[line.priority].append(minutes)
    wanted = [priority] if priority else list(PRIORITIES)
    result = {key: _stats(spans[key]) for key in wanted}
    result["all"] = _stats(every)
    return result


def _sla(
    snap: _Snapshot, settings: Settings, since: datetime | None, priority: str | None
) -> dict[str, dict[str, Ratio]]:
    """met / (met + missed) per clock and priority, plus ``all``."""
    tallies = {clock: {key: [0, 0] for key in [*PRIORITIES, "all"]} for clock in CLOCKS}
    as_of = snap.as_of
    for issue_id, pair in snap.outcomes(settings).items():
        line = snap.lines[issue_id]
        key = line.priority
        if key is None or not _wanted(line, priority):
            continue
        for clock, outcome in zip(CLOCKS, pair, strict=True):
            if outcome is None or not _in_window(outcome[1], since, as_of):
                continue
            index = 0 if outcome[0] == "met" else 1
            tallies[clock][key][index] += 1
            tallies[clock]["all"][index] += 1
    wanted = [priority, "all"] if priority else [*PRIORITIES, "all"]
    return {
        clock: {key: Ratio.of(per[key][0], sum(per[key])) for key in wanted}
        for clock, per in tallies.items()
    }


def _resolved_lines(
    snap: _Snapshot, since: datetime | None, priority: str | None
) -> list[Timeline]:
    return [
        line
        for line in snap.lines.values()
        if line.status not in EXCLUDED_FROM_MEASURES
        and _wanted(line, priority)
        and _in_window(_resolution(line.moves), since, snap.as_of)
    ]


def _fcr(snap: _Snapshot, since: datetime | None, priority: str | None) -> Ratio:
    resolved = _resolved_lines(snap, since, priority)
    first_line = sum(
        1 for line in resolved if not line.is_escalated and line.reassignment_count == 0
    )
    return Ratio.of(first_line, len(resolved))


def _reopen_rate(
    snap: _Snapshot, since: datetime | None, priority: str | None
) -> Ratio:
    resolved = reopened = 0
    for line in snap.lines.values():
        if not _wanted(line, priority):
            continue
        # Walk the moves in order: a reopen in the same minute as the
        # resolution it undoes still comes after it.
        status, is_resolved, is_reopened = "new", False, False
        for at, _, to_status in line.moves:
            if is_resolved and status in _REOPENED_FROM and to_status in OPEN_STATUSES:
                is_reopened = True
                break
            if not is_resolved and _in_window(at, since, snap.as_of):
                is_resolved = to_status == "resolved" or (
                    to_status == "closed" and status not in _REOPENED_FROM
                )
            status = to_status
        resolved += is_resolved
        reopened += is_reopened
    return Ratio.of(reopened, resolved)


# LIMITATION: volume counts each issue's current type and channel, not their
# values as of as_of. A reclassified issue moves between buckets in reports
# for past moments; reclassification is rare and the counts stay right in
# total. A fix needs type and channel folded from events like the priority.
def _volume(
    snap: _Snapshot, since: datetime | None, priority: str | None
) -> tuple[dict[str, int], dict[str, int]]:
    by_type: Counter[str] = Counter()
    by_channel: Counter[str] = Counter()
    for line in snap.lines.values():
        if not _wanted(line, priority) or not _in_window(
            line.reported_at, since, snap.as_of
        ):
            continue
        kind, channel = line.type, line.channel
        by_type[kind or "unset"] += 1
        by_channel[channel or "unset"] += 1
    return dict(sorted(by_type.items())), dict(sorted(by_channel.items()))


def _open_by_priority(
    snap: _Snapshot, moment: datetime, priority: str | None
) -> dict[str, int]:
    counts = dict.fromkeys([priority] if priority else PRIORITIES, 0)
    for line in snap.lines.values():
        if line.reported_at > moment or not _wanted(line, priority):
            continue
        if _state_at(line, moment) in OPEN_STATUSES:
            key = line.priority if line.priority in PRIORITIES else "unset"
            counts[key] = counts.get(key, 0) + 1
    return counts


def _aging(snap: _Snapshot, priority: str | None) -> list[tuple[str, int]]:
    counts = {label: 0 for label, _ in AGE_BUCKETS}
    for line in snap.lines.values():
        if line.status not in OPEN_STATUSES or not _wanted(line, priority):
            continue
        hours = (snap.as_of - line.reported_at).total_seconds() / 3600
        for label, bound in AGE_BUCKETS:
            if bound is None or hours < bound:
                counts[label] += 1
                break
    return list(counts.items())


def _day_ends(
    settings: Settings, since: datetime, as_of: datetime
) -> list[tuple[date, datetime]]:
    """Each local day from since to as_of with its end (next midnight, or as_of)."""
    tz = settings.tz
    day = since.astimezone(tz).date()
    last = as_of.astimezone(tz).date()
    ends = []
    while day <= last:
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        ends.append((day, min(midnight.astimezone(as_of.tzinfo), as_of)))
        day += timedelta(days=1)
    return ends


def _open_per_day(
    lines: Iterable[Timeline], ends: list[tuple[date, datetime]]
) -> list[int]:
    """How many of ``lines`` were open at each day end (a difference array)."""
    moments = [end for _, end in ends]
    delta = [0] * (len(moments) + 1)
    for line in lines:
        for start, stop in _open_intervals(line):
            first = bisect_left(moments, start)
            last = len(moments) if stop is None else bisect_left(moments, stop)
            if first < last:
                delta[first] += 1
                delta[last] -= 1
    counts, running = [], 0
    for step in delta[:-1]:
        running += step
        counts.append(running)
    return counts


def _default_since(snap: _Snapshot, settings: Settings) -> datetime:
    if settings.go_live is not None:
        return settings.go_live
    if snap.lines:
        return min(line.reported_at for line in snap.lines.values())
    return snap.as_of


def _backlog_per_day(
    snap: _Snapshot, settings: Settings, since: datetime | None, priority: str | None
) -> list[tuple[date, int]]:
    ends = _day_ends(settings, since or _default_since(snap, settings), snap.as_of)
    lines = [line for line in snap.lines.values() if _wanted(line, priority)]
    return list(zip([day for day, _ in ends], _open_per_day(lines, ends), strict=True))


# LIMITATION: per-day P1/P2 counts use the priority in force at as_of for every
# day, so an issue raised to P1 on day 3 counts as P1 on days 1 and 2 too. The
# trend shows what is P1/P2 now; a per-day priority needs each day's fold.
def _p1p2_per_day(
    snap: _Snapshot,
    settings: Settings,
    since: datetime | None,
    priorities: tuple[str, ...] = ("P1", "P2"),
) -> list[tuple[date, int, int]]:
    ends = _day_ends(settings, since or _default_since(snap, settings), snap.as_of)
    lines = [line for line in snap.lines.values() if line.priority in priorities]
    opened = Counter(line.reported_at.astimezone(settings.tz).date() for line in lines)
    still = _open_per_day(lines, ends)
    return [
        (day, opened.get(day, 0), count)
        for (day, _), count in zip(ends, still, strict=True)
    ]


def _csat(scores: list[int]) -> Ratio:
    return Ratio.of(sum(1 for score in scores if score >= 4), len(scores))


def _nps(scores: list[int]) -> Nps:
    if not scores:
        return Nps(None, 0)
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    score = 100 * (promoters - detractors) / len(scores)
    return Nps(
        score, len(scores), promoters, len(scores) - promoters - detractors, detractors
    )


def _scores(
    store: Store, scale: str, since: datetime | None, as_of: datetime
) -> list[int]:
    from hypercare.store import measures as sql

    return sql.survey_scores(
        store.conn, scale, to_iso(since) if since else None, to_iso(as_of)
    )


# --- the public API -----------------------------------------------------------


def clocks_as_of(
    store: Store,
    settings: Settings,
    as_of: datetime,
    issue_ids: Iterable[int] | None = None,
) -> dict[int, IssueClocks]:
    """Clocks of every issue reported by ``as_of`` (or of those of ``issue_ids``).

    Read from the history snapshot shared with the KPIs of a run; asking for
    the few issues a report shows avoids building every issue's clocks.
    """
    return _snapshot(store, as_of).clocks(settings, issue_ids)


def mttr(
    store: Store,
    settings: Settings,
    *,
    as_of: datetime,
    since: datetime | None,
    priority: str | None,
) -> Stats:
    """MTTR stats of one priority (all priorities when None)."""
    result = _mttr(_snapshot(store, as_of), since, priority)
    return result[priority] if priority else result["all"]


def mttr_by_priority(
    store: Store, settings: Settings, *, as_of: datetime, since: datetime | None
) -> dict[str, Stats]:
    """MTTR stats for P1-P4 and ``all``."""
    return _mttr(_snapshot(store, as_of), since, None)


def sla_compliance(
    store: Store,
    settings: Settings,
    *,
    as_of: datetime,
    since: datetime | None,
    priority: str | None,
    clock: str,
) -> Ratio:
    """SLA compliance of one clock (acknowledge|resolve) for one priority or all."""
    if clock not in CLOCKS:
        raise ValueError(f"unknown clock {clock!r}")
    result = _sla(_snapshot(store, as_of), settings, since, priority)
    return result[clock][priority or "all"]


def reopen_rate(
    store: Store, settings: Settings, *, as_of: datetime, since: datetime | None
) -> Ratio:
    """Reopened / resolved over the window."""
    return _reopen_rate(_snapshot(store, as_of), since, None)


def first_contact_resolution(
    store: Store, settings: Settings, *, as_of: datetime, since: datetime | None
) -> Ratio:
    """Share of issues resolved in the window without escalation or reassignment."""
    return _fcr(_snapshot(store, as_of), since, None)


def csat(store: Store, *, as_of: datetime, since: datetime | None) -> Ratio:
    """Share of 1-5 answers that are 4 or 5; the denominator is the response count."""
    return _csat(_scores(store, "csat", since, as_of))


def nps(store: Store, *, as_of: datetime, since: datetime | None) -> Nps:
    """NPS from the 0-10 answers of the window."""
    return _nps(_scores(store, "nps", since, as_of))


def open_counts_by_priority(store: Store, at: datetime) -> dict[str, int]:
    """Open issues per priority at the moment ``at`` (``unset`` if untriaged)."""
    return _open_by_priority(_snapshot(store, at), at, None)


def backlog_per_day(
    store: Store, settings: Settings, *, since: datetime | None, as_of: datetime
) -> list[tuple[date, int]]:
    """Open issues at the end of each local day from ``since`` (else go-live)."""
    return _backlog_per_day(_snapshot(store, as_of), settings, since, None)


def p1p2_per_day(
    store: Store, settings: Settings, *, since: datetime | None, as_of: datetime
) -> list[tuple[date, int, int]]:
    """Per local day: P1+P2 issues reported that day, and P1+P2 open at its end.

    Priorities are those in force at ``as_of``.
    """
    return _p1p2_per_day(_snapshot(store, as_of), settings, since)


def compute_kpis(
    store: Store,
    settings: Settings,
    *,
    as_of: datetime,
    since: datetime | None = None,
    priority: str | None = None,
) -> Kpis:
    """Every figure of ``hypercare kpi``; ``since`` defaults to the go-live."""
    snap = _snapshot(store, as_of)
    since = since if since is not None else settings.go_live
    # --priority narrows the P1/P2 figures too: P2 alone, or none for P3.
    p1p2 = tuple(key for key in ("P1", "P2") if priority in (None, key))
    p1p2_opened = {
        key: sum(
            1
            for line in snap.lines.values()
            if line.priority == key and _in_window(line.reported_at, since, as_of)
        )
        for key in p1p2
    }
    open_now = _open_by_priority(snap, as_of, priority)
    open_all = _open_by_priority(snap, as_of, None)
    by_type, by_channel = _volume(snap, since, priority)
    mttr_stats = _mttr(snap, since, priority)
    sla = _sla(snap, settings, since, priority)
    fcr = _fcr(snap, since, priority)
    reopened = _reopen_rate(snap, since, priority)
    aging = _aging(snap, priority)
    csat_ratio = _csat(_scores(store, "csat", since, as_of))
    nps_score = _nps(_scores(store, "nps", since, as_of))
    kpis = Kpis(
        as_of=as_of,
        since=since,
        priority=priority,
        p1p2_opened=p1p2_opened,
        p1p2_open={key: open_all[key] for key in p1p2},
        p1p2_per_day=_p1p2_per_day(snap, settings, since, p1p2),
        mttr=mttr_stats,
        sla=sla,
        fcr=fcr,
        reopen_rate=reopened,
        volume_by_type=by_type,
        volume_by_channel=by_channel,
        open_by_priority=open_now,
        backlog_per_day=_backlog_per_day(snap, settings, since, priority),
        aging=aging,
        csat=csat_ratio,
        nps=nps_score,
    )
    return _explained(kpis)


def _explained(kpis: Kpis) -> Kpis:
    """Attach how each figure was computed (for ``--explain`` and the JSON)."""
    from dataclasses import replace

    window = "reported, resolved or answered from --since to --as-of"
    scope = f"priority {kpis.priority} only" if kpis.priority else "all priorities"
    sla_counted = sum(per["all"].denominator for per in kpis.sla.values())
    p1p2 = " and ".join(kpis.p1p2_opened) or "P1 and P2"
    p1p2_scope = scope if kpis.p1p2_opened else f"{scope}, so no P1 or P2 issue"
    items = (
        Explanation(
            "p1_p2",
            f"{p1p2} issues (priority in force at the as-of moment) reported "
            "in the window, and open at the as-of moment; per day: reported "
            "that local day, open at its end",
            f"{p1p2_scope}; issues {window}",
            "issues of other priorities or untriaged",
            sum(kpis.p1p2_opened.values()),
        ),
        Explanation(
            "mttr",
            "reported -> resolution moment (last move into resolved, or "
            "into closed without passing resolved), real time; mean, median and "
            "90th percentile (linear interpolation) per priority at the as-of moment",
            f"{scope}; issues resolved or closed at the as-of moment whose resolution "
            "moment is in the window",
            "duplicate and rejected issues; issues "
            "reopened and still open; issues not resolved",
            kpis.mttr["all"].count,
        ),
        Explanation(
            "sla",
            "met / (met + missed) per clock and priority; acknowledge: "
            "reported -> first move out of new or first message to the reporter; "
            "resolve: reported -> resolution, on_hold excluded, any missed cycle "
            "counts as missed; calendar of the priority's target",
            f"{scope}; clocks stopped in the window, and open clocks past target",
            "open clocks not yet due; priorities without a target; "
            "untriaged, duplicate, rejected and deferred issues",
            sla_counted,
        ),
        Explanation(
            "fcr",
            "share of resolved issues with no escalation (event or level "
            "L2/L3/vendor) and reassignment count 0",
            f"{scope}; issues resolved in the window",
            "duplicate and rejected issues",
            kpis.fcr.denominator,
        ),
        Explanation(
            "reopen_rate",
            "issues reopened after a resolution in the window / "
            "issues with a resolution in the window",
            scope,
            "issues with no resolution in the window",
            kpis.reopen_rate.denominator,
        ),
        Explanation(
            "volume",
            "issues reported in the window by type and by channel "
            "(current values; 'unset' when empty)",
            scope,
            "issues reported outside the window",
            sum(kpis.volume_by_type.values()),
        ),
        Explanation(
            "backlog",
            "open issues (new, acknowledged, in_progress, on_hold, "
            "awaiting_testing) at the as-of moment, and at the end of each local day",
            scope,
            "issues not yet reported",
            sum(kpis.open_by_priority.values()),
        ),
        Explanation(
            "aging",
            "open issues at the as-of moment by time since reported",
            scope,
            "finished issues",
            sum(count for _, count in kpis.aging),
        ),
        Explanation(
            "csat",
            "answers of 4 or 5 / all answers on the 1-5 scale",
            "answers given in the window (any priority)",
            "blank answers (never stored), NPS answers",
            kpis.csat.denominator,
        ),
        Explanation(
            "nps",
            "% of 0-10 answers 9-10 minus % 0-6",
            "answers given in the window (any priority)",
            "CSAT answers",
            kpis.nps.responses,
        ),
    )
    return replace(kpis, explanations=items)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
