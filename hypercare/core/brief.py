"""The stakeholder briefing: health in one line, trends, changes, risks, readiness.

The briefing is the stand-up seen from further away. It reuses the stand-up's
figures over a longer window (by default the week before ``as_of``: the
previous briefing) and adds a verdict:

- health is ``red`` while a P1 is open or an open P1/P2 has missed its SLA,
  ``amber`` while a P2 is open, anything is past or near its SLA target, the
  backlog grew over the window or an exit criterion fails, else ``green``;
- the top risks are, in this order, open P1/P2 issues past target (P1
  first, oldest first), then at risk, then without an update for longer
  than the config allows, then failing exit criteria, at most ``MAX_RISKS``;
- hand-over readiness is the exit criteria: ready when every one passes.

MTTR per week counts the issues resolved in each hypercare week (7 days from
the go-live), as known at the end of that week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.config import Settings
from hypercare.core import report_render as render
from hypercare.core.measures import mttr
from hypercare.core.report_render import Document, Section
from hypercare.core.standup import (
    Standup,
    build_standup,
    criteria_section,
    kpi_section,
)
from hypercare.core.when import format_time, from_iso, to_iso
from hypercare.models import OPEN_STATUSES
from hypercare.store.db import Store

MAX_RISKS = 5
# The MTTR chart shows at most this many of the latest weeks.
MAX_WEEKS = 12
_URGENT = ("P1", "P2")


@dataclass(frozen=True)
class Brief:
    """One briefing; ``as_dict`` is its JSON form (keys pinned by tests)."""

    standup: Standup
    health: dict[str, Any]
    risks: list[dict[str, Any]]
    readiness: dict[str, Any]
    trends: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        s = self.standup
        return {
            "project": s.project,
            "as_of": s.as_of,
            "since": s.since,
            "day": s.day,
            "health": self.health,
            "open_by_priority": s.open_by_priority,
            "changes": {
                "new": len(s.new),
                "resolved": len(s.resolved),
                "reopened": len(s.reopened),
            },
            "top_risks": self.risks,
            "readiness": self.readiness,
            "kpis": s.kpis,
            "exit_criteria": s.exit_criteria,
            "trends": self.trends,
        }


def build_brief(
    store: Store, settings: Settings, as_of: datetime, since: datetime | None = None
) -> Brief:
    """The briefing as of ``as_of``, compared with ``since`` (default: a week ago)."""
    # Weekly MTTR first: the measures keep one snapshot of the history, and
    # the last week ends at as_of, so the stand-up below reuses it.
    weeks = mttr_per_week(store, settings, as_of)
    start = since if since is not None else as_of - timedelta(days=7)
    standup = build_standup(store, settings, as_of, start)

    readiness = _readiness(standup.exit_criteria)
    return Brief(
        standup=standup,
        health=_health(standup, readiness, settings.tz),
        risks=_risks(standup)[:MAX_RISKS],
        readiness=readiness,
        trends={**standup.trends, "mttr_per_week": weeks},
    )


def mttr_per_week(
    store: Store, settings: Settings, as_of: datetime
) -> list[dict[str, Any]]:
    """Mean time to resolve of each hypercare week up to ``as_of``, in hours."""
    if settings.go_live is None or as_of <= settings.go_live:
        return []
    count = (as_of - settings.go_live) // timedelta(days=7) + 1
    first = max(0, count - MAX_WEEKS)
    weeks = []
    for number in range(first, count):
        start = settings.go_live + timedelta(days=7 * number)
        end = min(start + timedelta(days=7), as_of)
        stats = mttr(store, settings, as_of=end, since=start, priority=None)
        mean = None if stats.mean_minutes is None else round(stats.mean_minutes / 60, 1)
        weeks.append(
            {
                "week": f"W{number + 1}",
                "since": to_iso(start),
                "until": to_iso(end),
                "resolved": stats.count,
                "mean_hours": mean,
            }
        )
    return weeks


def _readiness(criteria: list[dict[str, Any]]) -> dict[str, Any]:
    names = {
        status: [c["name"] for c in criteria if c["status"] == status]
        for status in ("pass", "fail", "unknown")
    }
    return {
        "is_ready": bool(criteria) and not names["fail"] and not names["unknown"],
        "total": len(criteria),
        "passing": names["pass"],
        "failing": names["fail"],
        "unknown": names["unknown"],
    }


def _health(
    standup: Standup, readiness: dict[str, Any], tz: ZoneInfo
) -> dict[str, Any]:
    counts = standup.open_by_priority
    p1, p2 = counts["P1"]["open"], counts["P2"]["open"]
    total = counts["total"]
    urgent_missed = [line for line in standup.breaches if line["priority"] in _URGENT]
    if p1 or any(line["status"] in OPEN_STATUSES for line in urgent_missed):
        status = "red"
    elif (
        p2
        or standup.breaches
        or standup.at_risk
        or total["change"] > 0
        or readiness["failing"]
    ):
        status = "amber"
    else:
        status = "green"
    # The JSON summary keeps its pinned form: local time without the zone name.
    since = from_iso(standup.since).astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return {"status": status, "summary": _summary(standup, readiness, since)}


def _summary(standup: Standup, readiness: dict[str, Any], since: str) -> str:
    """The health in one line; ``since`` is the start of the window, as shown."""
    counts = standup.open_by_priority
    total = counts["total"]
    return (
        f"{counts['P1']['open']} P1 and {counts['P2']['open']} P2 open, "
        f"{total['open']} open in total "
        f"({render.signed(total['change'])} since {since}); "
        f"{len(readiness['passing'])} of {readiness['total']} exit criteria pass"
    )


def _risks(standup: Standup) -> list[dict[str, Any]]:
    risks: list[dict[str, Any]] = []
    seen: set[int] = set()

    def add(kind: str, lines: list[dict[str, Any]], why: str) -> None:
        # P1 before P2, oldest first within each; untriaged ones (no
        # priority) sort last and are not risks of this kind anyway.
        for line in sorted(
            lines, key=lambda line: (line["priority"] or "P9", line["reported_at"])
        ):
            if line["priority"] in _URGENT and line["id"] not in seen:
                seen.add(line["id"])
                risks.append(
                    {
                        "kind": kind,
                        "issue_id": line["id"],
                        "text": f"#{line['id']} {line['priority']} {line['title']}: "
                        f"{why}, owner {line['assignee'] or 'none'}",
                    }
                )

    open_breaches = [
        line for line in standup.breaches if line["status"] in OPEN_STATUSES
    ]
    add("sla_missed", open_breaches, "past its SLA target")
    add("sla_at_risk", standup.at_risk, "close to its SLA target")
    add("stale", standup.stale, "no update for too long")
    for criterion in standup.exit_criteria:
        if criterion["status"] == "fail":
            risks.append(
                {
                    "kind": "exit_criterion",
                    "issue_id": None,
                    "text": f"exit criterion {criterion['name']} fails: "
                    f"{criterion['measured']} (needs {criterion['threshold']})",
                }
            )
    return risks


# --- layout -------------------------------------------------------------------


def layout(report: Brief, tz: ZoneInfo) -> Document:
    """The briefing as sections, most important first."""
    s = report.standup
    since, until = format_time(s.since, tz), format_time(s.as_of, tz)
    day = f"day {s.day} of hypercare · " if s.day and s.day > 0 else ""
    changes = (
        ("New issues", str(len(s.new))),
        ("Resolved", str(len(s.resolved))),
        ("Reopened", str(len(s.reopened))),
    )
    rows = tuple(
        {
            "priority": key,
            "open": c["open"],
            "previous": c["previous"],
            "change": render.signed(c["change"]),
        }
        for key, c in s.open_by_priority.items()
    )
    columns = (
        ("priority", "priority"),
        ("open", "open now"),
        ("previous", "at last briefing"),
        ("change", "change"),
    )
    return Document(
        kind="brief",
        title=f"Briefing: {s.project}",
        header=(f"{day}as of {until}", f"since the last briefing: {since}"),
        sections=(
            Section(
                "Health",
                lines=(
                    (
                        report.health["status"].upper(),
                        _summary(s, report.readiness, since),
                    ),
                ),
            ),
            render.trend_section(report.trends),
            Section(
                "What changed since the last briefing",
                lines=changes,
                table=render.Table(columns, rows),
            ),
            Section(
                "Top risks",
                lines=tuple(("", risk["text"]) for risk in report.risks),
                empty="No open P1/P2 issue is near or past its target, and no exit "
                "criterion fails.",
            ),
            _readiness_section(report.readiness, s.exit_criteria),
            kpi_section(s, tz),
        ),
    )


def _readiness_section(
    readiness: dict[str, Any], criteria: list[dict[str, Any]]
) -> Section:
    if readiness["is_ready"]:
        verdict = f"Ready: all {readiness['total']} exit criteria pass."
    elif not readiness["total"]:
        verdict = "No exit criteria are configured, so readiness cannot be judged."
    else:
        verdict = f"Not ready: {len(readiness['passing'])} of {readiness['total']} pass"
        if readiness["failing"]:
            verdict += f"; failing: {', '.join(readiness['failing'])}"
        if readiness["unknown"]:
            verdict += f"; not enough data: {', '.join(readiness['unknown'])}"
        verdict += "."
    glance = criteria_section(criteria)
    return Section(
        "Readiness for hand-over", lines=(("", verdict),), table=glance.table
    )
