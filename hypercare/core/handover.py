"""The hand-over pack for business-as-usual (BAU) support.

``write_pack`` writes four files into a folder:

- ``handover.md`` and ``handover.html``: the hypercare summary (dates,
  volumes, KPIs, trend charts, the exit check), the open issues with owner and
  next step, the known issues and their workarounds, the knowledge gathered
  from resolutions (issues resolved with ``--kb``), escalation paths and
  people from the config, and the lessons learned. Both come from the same
  ``Pack`` through jinja2 templates (``templates/handover.*.j2``); HTML is
  autoescaped and self-contained (charts are PNG ``data:`` URIs), Markdown
  escapes user text so a title cannot break a table.
- ``open-issues.csv``: the open issues in the column names of the ServiceNow
  ``incident`` table (``short_description``, ``impact``, ``urgency``,
  ``priority``, ``state``...), so an Import Set's "auto map matching fields"
  maps every column; values use ServiceNow's numeric choices (see
  ``SERVICENOW_COLUMNS``). Jira's CSV importer maps any column by hand.
- ``hypercare.jsonl``: the lossless export (``hypercare export``), which
  ``hypercare import jsonl`` reads back into an identical database.

Open issues, volumes, KPIs and the exit check are as of ``as_of``; known
issues, knowledge and lessons are the current records.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.config import Settings
from hypercare.core.when import format_span, format_time, from_iso, to_iso
from hypercare.core.words import counted
from hypercare.errors import InputError
from hypercare.models import OPEN_STATUSES
from hypercare.store import exit as rows
from hypercare.store.db import Store

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

# What the BAU team does next with an open issue, by its state.
NEXT_STEP = {
    "new": "Acknowledge and triage",
    "acknowledged": "Start the investigation",
    "in_progress": "Finish the fix",
    "on_hold": "Waiting",
    "awaiting_testing": "Test the fix and resolve",
}

# open-issues.csv: ServiceNow incident field -> how it is filled.
SERVICENOW_COLUMNS = (
    "correlation_id",  # hypercare-<number>, to find the issue in the pack
    "correlation_display",  # the project name
    "short_description",
    "description",
    "state",  # 1 New, 2 In Progress, 3 On Hold
    "impact",  # 1 High, 2 Medium, 3 Low
    "urgency",  # 1 High (immediate and high), 2 Medium, 3 Low
    "priority",  # 1 Critical .. 4 Low (P1..P4)
    "category",  # the area
    "assigned_to",
    "caller_id",  # the reporter's name, no contact details
    "contact_type",  # phone, email, self-service, ...
    "opened_at",  # UTC, yyyy-MM-dd HH:mm:ss
    "work_notes",  # next step, workaround, hold reason
)
_STATE = {
    "new": "1",
    "acknowledged": "2",
    "in_progress": "2",
    "awaiting_testing": "2",
    "on_hold": "3",
}
_IMPACT = {"high": "1", "medium": "2", "low": "3"}
_URGENCY = {"immediate": "1", "high": "1", "medium": "2", "low": "3"}
_PRIORITY = {"P1": "1", "P2": "2", "P3": "3", "P4": "4"}
_CONTACT = {
    "helpdesk": "self-service",
    "email": "email",
    "phone": "phone",
    "chat": "chat",
    "monitoring": "monitoring",
    "api-gateway": "monitoring",
    "llm-gateway": "monitoring",
    "meeting": "walk-in",
    "survey": "email",
}


@dataclass(frozen=True)
class Pack:
    """Everything the hand-over documents show."""

    project: str
    as_of: str
    go_live: str | None
    planned_end: str | None
    day: int | None
    volumes: dict[str, Any]
    kpis: list[dict[str, Any]]
    exit_check: dict[str, Any]
    open_issues: list[dict[str, Any]]
    known: list[dict[str, Any]]
    knowledge: list[dict[str, Any]]
    escalation: list[dict[str, Any]]
    people: list[dict[str, Any]]
    lessons: list[dict[str, Any]]
    charts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["charts"] = [
            {k: v for k, v in c.items() if k != "png"} for c in self.charts
        ]
        return data


def build_pack(
    store: Store, settings: Settings, as_of: datetime, *, charts: bool = True
) -> Pack:
    """Gather the pack's content as of ``as_of``."""
    from hypercare.core import criteria, known, lessons, measures
    from hypercare.core.brief import mttr_per_week
    from hypercare.core.standup import hypercare_day

    kpis = measures.compute_kpis(store, settings, as_of=as_of).as_dict()
    verdict = criteria.verdict(store, settings, as_of)
    open_issues = [
        _open_issue(row, as_of)
        for row in rows.issues_as_of(store.conn, to_iso(as_of))
        if row["status_then"] in OPEN_STATUSES
    ]
    day = hypercare_day(settings, as_of)
    return Pack(
        project=settings.name,
        as_of=to_iso(as_of),
        go_live=to_iso(settings.go_live) if settings.go_live else None,
        planned_end=to_iso(settings.planned_end) if settings.planned_end else None,
        day=day,
        volumes=_volumes(kpis, open_issues),
        kpis=_kpi_lines(kpis),
        exit_check={
            **verdict.as_dict(),
            "criteria": [
                {**r.as_dict(), "detail": r.detail_for_people} for r in verdict.results
            ],
            "summary": criteria.summary_line(verdict, settings.tz),
        },
        open_issues=open_issues,
        known=[entry.as_dict() for entry in known.known_issues(store)],
        knowledge=[_knowledge(row) for row in rows.kb_issues(store.conn)],
        escalation=[
            {"level": level, "who": who} for level, who in settings.escalation.items()
        ],
        people=[
            {"name": p.name, "role": p.role, "email": p.email} for p in settings.people
        ],
        lessons=[lesson.as_dict() for lesson in lessons.all_lessons(store)],
        charts=_charts(kpis, mttr_per_week(store, settings, as_of)) if charts else [],
    )


PACK_FILES = ("handover.md", "handover.html", "open-issues.csv", "hypercare.jsonl")


def write_pack(
    store: Store,
    settings: Settings,
    as_of: datetime,
    folder: Path,
    *,
    is_forced: bool = False,
) -> list[Path]:
    """Write the pack's four files into ``folder``; return their paths.

    Raises InputError, before writing anything, when one of them exists and
    ``is_forced`` is False: a pack someone edited is not replaced unasked.
    """
    from hypercare.core.export import export_lines

    _check_writable(folder)
    there = [name for name in PACK_FILES if (folder / name).exists()]
    if there and not is_forced:
        raise InputError(
            f"{folder / there[0]} already exists; pass --force to replace the "
            "pack, or give another --dir"
        )
    pack = build_pack(store, settings, as_of)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in (
        ("handover.md", render_markdown(pack, settings.tz)),
        ("handover.html", render_template("handover.html.j2", settings.tz, pack=pack)),
    ):
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    path = folder / "open-issues.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SERVICENOW_COLUMNS)
        writer.writeheader()
        writer.writerows(
            servicenow_row(issue, settings.name) for issue in pack.open_issues
        )
    written.append(path)

    path = folder / "hypercare.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for line in export_lines(store):
            handle.write(line + "\n")
    written.append(path)
    return written


def _check_writable(folder: Path) -> None:
    """InputError, before any file is written, for what would stop the pack
    half way: a file where the folder should be, or a folder (or device)
    where one of its files should be."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--dir {folder} is not a folder; give a folder for the pack")
    for name in PACK_FILES:
        path = folder / name
        if path.exists() and not path.is_file():
            raise InputError(
                f"{path} is not a file (a folder?); remove or rename it, or give "
                "another --dir"
            )


def render_markdown(pack: Pack, tz: ZoneInfo) -> str:
    return render_template("handover.md.j2", tz, pack=pack, is_markdown=True)


def render_template(
    name: str, tz: ZoneInfo, *, is_markdown: bool = False, **context: Any
) -> str:
    """Render one of hypercare's templates; HTML ones are autoescaped.

    The ``time`` filter shows a stored UTC time in ``tz`` (empty for None).
    """
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=not is_markdown,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = md_escape
    env.filters["time"] = lambda moment: format_time(moment, tz) if moment else ""
    return env.get_template(name).render(**context)


def md_escape(value: Any) -> str:
    """User text made safe for a Markdown line or table cell."""
    if value is None:
        return ""
    text = str(value).replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    for char in "|[]<>*_`#":
        text = text.replace(char, "\\" + char)
    return text


def servicenow_row(issue: dict[str, Any], project: str) -> dict[str, str]:
    """One open issue as a row of ServiceNow incident fields."""
    notes = [f"Next step: {issue['next_step']}"]
    if issue.get("workaround"):
        notes.append(f"Workaround: {issue['workaround']}")
    return {
        "correlation_id": f"hypercare-{issue['id']}",
        "correlation_display": project,
        "short_description": issue["title"],
        "description": issue.get("description") or "",
        "state": _STATE.get(issue["status"], "2"),
        "impact": _IMPACT.get(issue.get("impact") or "", ""),
        "urgency": _URGENCY.get(issue.get("urgency") or "", ""),
        "priority": _PRIORITY.get(issue.get("priority") or "", ""),
        "category": issue.get("area") or "",
        "assigned_to": issue.get("assignee") or "",
        "caller_id": issue.get("reporter") or "",
        "contact_type": _CONTACT.get(issue.get("channel") or "", ""),
        "opened_at": from_iso(issue["reported_at"]).strftime("%Y-%m-%d %H:%M:%S"),
        "work_notes": "\n".join(notes),
    }


def _open_issue(row: dict[str, Any], as_of: datetime) -> dict[str, Any]:
    status = row["status_then"]
    step = NEXT_STEP[status]
    if status == "on_hold" and row.get("hold_reason"):
        step = f"Waiting: {row['hold_reason']}"
    age = as_of - from_iso(row["reported_at"])
    return {
        "id": row["id"],
        "title": row["title"],
        "priority": row["priority_then"],
        "status": status,
        "area": row["area"],
        "assignee": row["assignee_then"],
        "escalation_level": row["escalation_level"],
        "reported_at": row["reported_at"],
        "age": format_span(age / timedelta(minutes=1)),
        "next_step": step,
        "workaround": row["workaround"],
        "description": row["description"],
        "impact": row["impact"],
        "urgency": row["urgency"],
        "reporter": row["reporter"],
        "channel": row["channel"],
    }


def _knowledge(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "area": row["area"],
        "resolution": row["resolution"],
        "workaround": row["workaround"],
        "resolution_code": row["resolution_code"],
        "resolved_at": row["resolved_at"],
    }


def _volumes(kpis: dict[str, Any], open_issues: list[dict[str, Any]]) -> dict[str, Any]:
    by_priority: dict[str, int] = {}
    for issue in open_issues:
        key = issue["priority"] or "untriaged"
        by_priority[key] = by_priority.get(key, 0) + 1
    return {
        "reported": kpis["volume"]["total"],
        "by_type": kpis["volume"]["by_type"],
        "by_channel": kpis["volume"]["by_channel"],
        "open": len(open_issues),
        "open_by_priority": dict(sorted(by_priority.items())),
    }


def _kpi_lines(kpis: dict[str, Any]) -> list[dict[str, Any]]:
    """The KPIs as (figure, value) lines; "no data" where there is none."""
    lines = []
    for key, stats in kpis["mttr"].items():
        if stats["count"]:
            value = (
                f"{format_span(stats['mean_minutes'])} mean, "
                f"{format_span(stats['median_minutes'])} median, "
                f"{format_span(stats['p90_minutes'])} p90 ({stats['count']} resolved)"
            )
        else:
            value = "no data"
        lines.append({"figure": f"MTTR {key}", "value": value})
    for clock, per in kpis["sla"].items():
        for key, ratio in per.items():
            lines.append({"figure": f"SLA {clock} {key}", "value": _ratio_text(ratio)})
    lines.append(
        {"figure": "First contact resolution", "value": _ratio_text(kpis["fcr"])}
    )
    lines.append({"figure": "Reopen rate", "value": _ratio_text(kpis["reopen_rate"])})
    lines.append(
        {"figure": "CSAT (answers of 4 or 5)", "value": _ratio_text(kpis["csat"])}
    )
    nps = kpis["nps"]
    lines.append(
        {
            "figure": "NPS",
            "value": "no data"
            if nps["score"] is None
            else f"{nps['score']:g} ({counted(nps['responses'], 'answer')})",
        }
    )
    return lines


def _ratio_text(ratio: dict[str, Any]) -> str:
    if ratio.get("percent") is None:
        return "no data"
    return f"{ratio['percent']:g}% ({ratio['numerator']} of {ratio['denominator']})"


def _charts(kpis: dict[str, Any], weeks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trend charts: open backlog per day, P1/P2 per day, MTTR per week."""
    from hypercare.core.charts import Chart, Series, png_data_uri, text_chart

    backlog = kpis["backlog"]["per_day"]
    p1p2 = kpis["p1_p2"]["per_day"]
    charts = [
        Chart(
            title="Open issues at the end of each day",
            labels=tuple(d["date"][5:] for d in backlog),
            series=(Series("open", tuple(float(d["open"]) for d in backlog)),),
        ),
        Chart(
            title="P1 and P2 issues per day",
            labels=tuple(d["date"][5:] for d in p1p2),
            series=(
                Series("reported", tuple(float(d["opened"]) for d in p1p2)),
                Series("open at end of day", tuple(float(d["open"]) for d in p1p2)),
            ),
        ),
        Chart(
            title="Mean time to resolve per hypercare week",
            labels=tuple(w["week"] for w in weeks),
            series=(Series("mean", tuple(w["mean_hours"] for w in weeks)),),
            unit="hours",
            kind="bar",
        ),
    ]
    return [
        {
            "title": chart.title,
            "text": text_chart(chart),
            "png": png_data_uri(chart) if chart.has_data else None,
        }
        for chart in charts
    ]
