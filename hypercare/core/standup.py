"""The daily stand-up: what changed since the last one, and what is burning.

Everything is computed as of one moment (``as_of``) from the event history
(``store.reports``), so a stand-up for a past morning reads as it would have
then. The window runs from the previous stand-up to ``as_of``: the previous
stand-up is the configured time of day on the last stand-up day before
``as_of``'s day, in the config's time zone, so Monday's covers the weekend and
a late or early run still covers the right span. ``since`` overrides it.

The SLA clocks, KPIs and exit criteria come from ``core.sla``,
``core.measures`` and ``core.criteria``; this module only picks and arranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.config import Settings
from hypercare.core import measures
from hypercare.core import report_render as render
from hypercare.core.criteria import evaluate
from hypercare.core.measures import Kpis, Ratio, compute_kpis
from hypercare.core.report_render import Document, Section
from hypercare.core.sla import IssueClocks
from hypercare.core.when import format_span, format_time, from_iso, to_iso
from hypercare.core.words import counted
from hypercare.errors import InputError
from hypercare.models import PRIORITIES
from hypercare.store import reports as sql
from hypercare.store.db import Store

# Order of priorities in the human tables; untriaged issues come last.
_RANK = {priority: rank for rank, priority in enumerate(PRIORITIES)}
# Clock states that need attention, as named by core.sla.
MISSED = "missed"
AT_RISK = "at_risk"


@dataclass(frozen=True)
class Standup:
    """One stand-up report; ``as_dict`` is its JSON form (keys pinned by tests)."""

    project: str
    as_of: str
    since: str
    day: int | None
    open_by_priority: dict[str, dict[str, int]]
    new: list[dict[str, Any]]
    resolved: list[dict[str, Any]]
    reopened: list[dict[str, Any]]
    open_p1_p2: list[dict[str, Any]]
    breaches: list[dict[str, Any]]
    at_risk: list[dict[str, Any]]
    stale: list[dict[str, Any]]
    awaiting_confirmation: list[dict[str, Any]]
    kpis: dict[str, Any]
    exit_criteria: list[dict[str, Any]]
    trends: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    # Mean time to resolve per priority, unrounded, for people (not in JSON,
    # whose kpis.mttr_hours are rounded to a tenth of an hour).
    mttr_minutes: dict[str, float | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "as_of": self.as_of,
            "window": {"since": self.since, "until": self.as_of},
            "day": self.day,
            "open_by_priority": self.open_by_priority,
            "new": self.new,
            "resolved": self.resolved,
            "reopened": self.reopened,
            "open_p1_p2": self.open_p1_p2,
            "breaches": self.breaches,
            "at_risk": self.at_risk,
            "stale": self.stale,
            "awaiting_confirmation": self.awaiting_confirmation,
            "kpis": self.kpis,
            "exit_criteria": self.exit_criteria,
            "trends": self.trends,
        }


def previous_standup(settings: Settings, as_of: datetime) -> datetime:
    """The stand-up before the one run at ``as_of`` (UTC)."""
    tz = settings.tz
    day = as_of.astimezone(tz).date()
    for _ in range(7):
        day -= timedelta(days=1)
        if day.weekday() in settings.standup_days:
            break
    else:
        # No stand-up days configured: cover the last day.
        day = as_of.astimezone(tz).date() - timedelta(days=1)
    return datetime.combine(day, settings.standup_time, tzinfo=tz).astimezone(
        as_of.tzinfo
    )


def hypercare_day(settings: Settings, as_of: datetime) -> int | None:
    """Day N of hypercare in the config's time zone; go-live day is day 1."""
    if settings.go_live is None:
        return None
    tz = settings.tz
    return (
        as_of.astimezone(tz).date() - settings.go_live.astimezone(tz).date()
    ).days + 1


def build_standup(
    store: Store, settings: Settings, as_of: datetime, since: datetime | None = None
) -> Standup:
    """The stand-up as of ``as_of``, covering ``since`` (default: last stand-up)."""
    start = since if since is not None else previous_standup(settings, as_of)
    until, after = to_iso(as_of), to_iso(start)
    if after >= until:
        tz = settings.tz
        raise InputError(
            f"--since ({format_time(start, tz)}) is not before --as-of "
            f"({format_time(as_of, tz)}); give a later --as-of or an earlier --since"
        )
    conn = store.conn

    kpis = compute_kpis(store, settings, as_of=as_of)
    criteria = criteria_at(store, settings, as_of)
    open_now = sql.in_states_at(conn, until)
    found = sql.resolved_between(conn, after, until)
    # Clocks only for the issues shown with one: open now, or resolved in the
    # window (not for every issue since go-live).
    clocks = measures.clocks_as_of(
        store,
        settings,
        as_of,
        [row["id"] for row in open_now] + [issue_id for issue_id, _ in found],
    )
    # The measures are done with the history: free it before the long lists.
    measures.release_snapshot()
    open_lines = [_open_line(row, as_of, clocks.get(row["id"])) for row in open_now]
    resolved = _resolved(store, clocks, found, until)
    stale_before = to_iso(as_of - settings.stale_after)
    return Standup(
        project=settings.name,
        as_of=until,
        since=after,
        day=hypercare_day(settings, as_of),
        open_by_priority=_headline(open_now, sql.open_counts_at(conn, after)),
        new=_lines(store, sql.reported_between(conn, after, until), until),
        resolved=resolved,
        reopened=_reopened(store, after, until),
        open_p1_p2=[line for line in open_lines if line["priority"] in ("P1", "P2")],
        breaches=_breaches(open_lines, resolved),
        at_risk=[line for line in open_lines if AT_RISK in _states(line)],
        stale=[
            {**line, "idle_hours": _hours(as_of, line["last_event_at"])}
            for line in open_lines
            if line["last_event_at"] < stale_before
        ],
        awaiting_confirmation=_awaiting(store, settings, as_of),
        kpis=key_kpis(kpis),
        exit_criteria=criteria,
        trends=trends(kpis),
        mttr_minutes={key: stats.mean_minutes for key, stats in kpis.mttr.items()},
    )


def _headline(
    open_now: list[dict[str, Any]], before: dict[str | None, int]
) -> dict[str, dict[str, int]]:
    now: dict[str | None, int] = {}
    for row in open_now:
        now[row["priority"]] = now.get(row["priority"], 0) + 1
    counts = {}
    for priority in (*PRIORITIES, None):
        if priority is None and not (now.get(None) or before.get(None)):
            continue
        was, is_ = before.get(priority, 0), now.get(priority, 0)
        key = priority or "untriaged"
        counts[key] = {"open": is_, "previous": was, "change": is_ - was}
    total_now, total_before = len(open_now), sum(before.values())
    counts["total"] = {
        "open": total_now,
        "previous": total_before,
        "change": total_now - total_before,
    }
    return counts


def _base(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "priority": row["priority"],
        "status": row["status"],
        "assignee": row["assignee"],
        "reported_at": row["reported_at"],
    }


def _lines(store: Store, ids: list[int], at: str) -> list[dict[str, Any]]:
    rows = sql.snapshot(store.conn, ids, at)
    return [_base(rows[i]) for i in ids if i in rows]


def _resolved(
    store: Store,
    clocks: dict[int, IssueClocks],
    found: list[tuple[int, str]],
    until: str,
) -> list[dict[str, Any]]:
    rows = sql.snapshot(store.conn, [issue_id for issue_id, _ in found], until)
    lines = []
    for issue_id, resolved_at in found:
        line = _base(rows[issue_id])
        line["resolved_at"] = resolved_at
        line["hours_to_resolve"] = _hours(from_iso(resolved_at), line["reported_at"])
        line["sla_resolve"] = _state(clocks.get(issue_id), "resolve")
        lines.append(line)
    return lines


def _reopened(store: Store, after: str, until: str) -> list[dict[str, Any]]:
    found = sql.reopened_between(store.conn, after, until)
    rows = sql.snapshot(store.conn, [issue_id for issue_id, _, _ in found], until)
    return [
        {**_base(rows[issue_id]), "reopened_at": at, "reopens": count}
        for issue_id, at, count in found
    ]


def _open_line(
    row: dict[str, Any], as_of: datetime, clock: IssueClocks | None
) -> dict[str, Any]:
    line = _base(row)
    line["age_hours"] = _hours(as_of, row["reported_at"])
    line["last_event_at"] = row["last_event_at"]
    line["sla_acknowledge"] = _state(clock, "acknowledge")
    line["sla_resolve"] = _state(clock, "resolve")
    line["resolve_due_at"] = _due(clock, "resolve")
    return line


def _awaiting(
    store: Store, settings: Settings, as_of: datetime
) -> list[dict[str, Any]]:
    rows = sql.in_states_at(store.conn, to_iso(as_of), ("resolved",))
    lines = []
    for row in rows:
        line = _base(row)
        line["resolved_at"] = row["resolved_at"]
        waited = as_of - from_iso(row["resolved_at"] or row["last_event_at"])
        line["waiting_hours"] = round(waited / timedelta(hours=1), 1)
        line["is_overdue"] = waited > settings.confirm_within
        lines.append(line)
    return lines


def _breaches(
    open_lines: list[dict[str, Any]], resolved: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Open issues past a target, then issues resolved in the window too late."""
    breaches = [line for line in open_lines if MISSED in _states(line)]
    seen = {line["id"] for line in breaches}
    late = [
        {**line, "sla_acknowledge": None}
        for line in resolved
        if line["sla_resolve"] == MISSED and line["id"] not in seen
    ]
    return breaches + late


def _states(line: dict[str, Any]) -> tuple[Any, Any]:
    return line["sla_acknowledge"], line["sla_resolve"]


def _hours(later: datetime, earlier: str) -> float:
    return round((later - from_iso(earlier)) / timedelta(hours=1), 1)


# --- figures owned by other modules -----------------------------------------


def _state(clocks: IssueClocks | None, which: str) -> str | None:
    if clocks is None:
        return None
    return str(getattr(clocks, which).state)


def _due(clocks: IssueClocks | None, which: str) -> str | None:
    due = None if clocks is None else getattr(clocks, which).due_at
    return to_iso(due) if due is not None else None


def key_kpis(kpis: Kpis) -> dict[str, Any]:
    """The KPIs worth a line in a report, from the full set (since go-live)."""
    return {
        "since": to_iso(kpis.since) if kpis.since else None,
        "mttr_hours": {
            key: {
                "count": stats.count,
                "mean": _in_hours(stats.mean_minutes),
                "median": _in_hours(stats.median_minutes),
                "p90": _in_hours(stats.p90_minutes),
            }
            for key, stats in kpis.mttr.items()
        },
        "sla_percent": {clock: _percent(per["all"]) for clock, per in kpis.sla.items()},
        "reopen_rate": _percent(kpis.reopen_rate),
        "first_contact_resolution": _percent(kpis.fcr),
        "csat": _percent(kpis.csat),
        "nps": {"score": kpis.nps.score, "responses": kpis.nps.responses},
    }


def trends(kpis: Kpis) -> dict[str, list[dict[str, Any]]]:
    """The per-day series behind the charts, from the KPIs."""
    return {
        "p1p2_per_day": [
            {"date": day.isoformat(), "opened": opened, "open": still}
            for day, opened, still in kpis.p1p2_per_day
        ],
        "backlog_per_day": [
            {"date": day.isoformat(), "open": count}
            for day, count in kpis.backlog_per_day
        ],
    }


def criteria_at(
    store: Store, settings: Settings, as_of: datetime
) -> list[dict[str, Any]]:
    """The exit criteria evaluated at ``as_of``, in the config's order."""
    return [
        {
            "name": result.name,
            "status": result.status,
            "measured": result.measured,
            "threshold": result.threshold,
            "detail": result.detail,
        }
        for result in evaluate(store, settings, as_of)
    ]


def _percent(ratio: Ratio) -> dict[str, Any]:
    percent = None if ratio.percent is None else round(ratio.percent, 1)
    return {"percent": percent, "of": ratio.denominator}


def _in_hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 1)


# --- layout -------------------------------------------------------------------

_NEW = (
    ("id", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("status", "status"),
    ("assignee", "owner"),
    ("reported_at", "reported"),
)
_RESOLVED = (
    ("id", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("resolved_at", "resolved"),
    ("hours_to_resolve", "time to resolve"),
    ("sla_resolve", "resolve SLA"),
)
_REOPENED = (
    ("id", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("reopened_at", "reopened"),
    ("status", "status"),
    ("assignee", "owner"),
)
_OPEN = (
    ("id", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("status", "status"),
    ("assignee", "owner"),
    ("age_hours", "age"),
    ("sla_acknowledge", "acknowledge SLA"),
    ("sla_resolve", "resolve SLA"),
    ("resolve_due_at", "resolve due"),
)
_AT_RISK = (
    ("id", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("assignee", "owner"),
    ("sla_acknowledge", "acknowledge SLA"),
    ("sla_resolve", "resolve SLA"),
    ("resolve_due_at", "resolve due"),
)
_STALE = (
    ("id", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("status", "status"),
    ("assignee", "owner"),
    ("last_event_at", "last update"),
    ("idle_hours", "idle"),
)
_AWAITING = (
    ("id", "#"),
    ("priority", "priority"),
    ("title", "title"),
    ("assignee", "owner"),
    ("resolved_at", "resolved"),
    ("waiting_hours", "waiting"),
    ("is_overdue", "overdue"),
)
# Hour figures people read as spans ("1d 6h 01m"), each measured again from
# its two stored times (None: the as-of moment), as the JSON hours are
# rounded; the JSON keeps the hours.
_SPANS = {
    "hours_to_resolve": ("reported_at", "resolved_at"),
    "age_hours": ("reported_at", None),
    "idle_hours": ("last_event_at", None),
    "waiting_hours": ("resolved_at", None),
}


def layout(report: Standup, tz: ZoneInfo) -> Document:
    """The stand-up as sections, in the order the team walks through them."""
    since, until = format_time(report.since, tz), format_time(report.as_of, tz)
    day = (
        f"day {report.day} of hypercare"
        if report.day and report.day > 0
        else ("before go-live" if report.day is not None else "go-live not set")
    )
    header = (f"{day} · as of {until}", f"since the last stand-up: {since}")

    def issues(
        title: str,
        lines: list[dict[str, Any]],
        columns: Any,
        empty: str,
        limit: int | None = render.MAX_ROWS,
    ) -> Section:
        # Most urgent first, so a cut-off table still shows what matters.
        ranked = sorted(lines, key=lambda line: _RANK.get(line["priority"], 9))
        ranked = [_with_spans(line, report.as_of) for line in ranked]
        return Section(
            f"{title} ({len(lines)})",
            table=render.table(ranked, columns, tz, limit),
            empty=empty,
        )

    return Document(
        kind="standup",
        title=f"Stand-up: {report.project}",
        header=header,
        sections=(
            _headline_section(report),
            issues("New", report.new, _NEW, "No new issues."),
            issues("Resolved", report.resolved, _RESOLVED, "Nothing resolved."),
            issues("Reopened", report.reopened, _REOPENED, "Nothing reopened."),
            # Every open P1 and P2 is named, however many: they are the point.
            issues(
                "Open P1 and P2",
                report.open_p1_p2,
                _OPEN,
                "No P1 or P2 open.",
                limit=None,
            ),
            issues("SLA breaches", report.breaches, _AT_RISK, "No SLA breaches."),
            issues("At risk", report.at_risk, _AT_RISK, "Nothing at risk."),
            issues(
                "Stale",
                report.stale,
                _STALE,
                "Every open issue was updated within the stale limit.",
            ),
            issues(
                "Awaiting the reporter's confirmation",
                report.awaiting_confirmation,
                _AWAITING,
                "No resolved issue awaits confirmation.",
            ),
            kpi_section(report, tz),
            criteria_section(report.exit_criteria),
            render.trend_section(report.trends),
        ),
    )


def _headline_section(report: Standup) -> Section:
    rows = tuple(
        {
            "priority": key,
            "open": counts["open"],
            "previous": counts["previous"],
            "change": render.signed(counts["change"]),
        }
        for key, counts in report.open_by_priority.items()
    )
    columns = (
        ("priority", "priority"),
        ("open", "open now"),
        ("previous", "at last stand-up"),
        ("change", "change"),
    )
    return Section("Open issues by priority", table=render.Table(columns, rows))


def _with_spans(line: dict[str, Any], as_of: str) -> dict[str, Any]:
    """The line with its hour figures as spans (see ``_SPANS``)."""
    shown = dict(line)
    for key, (start, end) in _SPANS.items():
        if line.get(key) is None:
            continue
        later = line.get(end) if end else as_of
        if line.get(start) and later:
            minutes = (from_iso(later) - from_iso(line[start])) / timedelta(minutes=1)
        else:
            minutes = line[key] * 60
        shown[key] = format_span(minutes)
    return shown


def kpi_section(report: Standup, tz: ZoneInfo) -> Section:
    """Key KPIs as labelled lines; a figure without data says so."""
    kpis = report.kpis
    mttr = " · ".join(
        f"{key} {format_span(report.mttr_minutes.get(key))} (n={stats['count']})"
        for key, stats in kpis["mttr_hours"].items()
    )
    sla = " · ".join(
        f"{clock} {_share(ratio)}" for clock, ratio in kpis["sla_percent"].items()
    )
    nps = kpis["nps"]
    lines = (
        ("MTTR, mean", mttr),
        ("SLA met", sla),
        ("Reopen rate", _share(kpis["reopen_rate"])),
        ("First contact resolution", _share(kpis["first_contact_resolution"])),
        ("CSAT", _share(kpis["csat"], "answer")),
        (
            "NPS",
            "no data"
            if nps["score"] is None
            else f"{nps['score']:+.0f} from {counted(nps['responses'], 'answer')}",
        ),
    )
    since = kpis["since"]
    title = "Key KPIs" + (f" since {format_time(since, tz)}" if since else "")
    return Section(title, lines=lines)


def criteria_section(criteria: list[dict[str, Any]]) -> Section:
    """Exit criteria at a glance: one row per criterion."""
    columns = (
        ("name", "criterion"),
        ("status", "status"),
        ("measured", "measured"),
        ("threshold", "threshold"),
    )
    counts = {
        s: sum(c["status"] == s for c in criteria) for s in ("pass", "fail", "unknown")
    }
    lines = (
        (
            (
                "",
                f"{counts['pass']} of {len(criteria)} pass, {counts['fail']} fail, "
                f"{counts['unknown']} unknown",
            ),
        )
        if criteria
        else ()
    )
    rows = tuple({**c, "status": c["status"].upper()} for c in criteria)
    return Section(
        "Exit criteria at a glance",
        lines=lines,
        table=render.Table(columns, rows),
        empty="No exit criteria are configured.",
    )


def _share(ratio: dict[str, Any], of: str = "") -> str:
    if ratio["percent"] is None:
        return "no data"
    return f"{ratio['percent']:g}% of " + (
        counted(ratio["of"], of) if of else f"{ratio['of']}"
    )
