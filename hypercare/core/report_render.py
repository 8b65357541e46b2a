"""Rendering a report as Markdown, HTML, JSON or parts for the terminal.

A report (``Standup``, ``Brief``) is first laid out as a ``Document``: a title,
a few header lines and sections, each holding bullet lines, a table and
charts. The renderers only walk that layout, so every format says the same
thing, and the layout is the one place that decides wording and order.

Safety of user text (titles, owners): Markdown escapes ``| [ ] < >`` and
friends with ``md_escape`` so a title cannot break a table, make a link or
inject HTML into a chat or wiki; HTML goes through jinja2 with autoescape on,
so nothing typed by a user is ever markup. Charts are PNG ``data:`` URIs:
the HTML file is self-contained and safe to e-mail.

Times in a document are already local to the config's time zone, in the one
form people read everywhere (``when.format_time``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from hypercare.core.charts import Chart, Series, png_data_uri, text_chart
from hypercare.core.text import aligned
from hypercare.core.when import format_span, local_times

if TYPE_CHECKING:
    from hypercare.core.brief import Brief
    from hypercare.core.standup import Standup

# Human formats show at most this many rows per table; JSON has them all.
MAX_ROWS = 25

Column = tuple[str, str]
_LONE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# Values coloured in HTML tables: clock states and criterion results (the
# results shown in capitals, as everywhere people read them).
_STATES = ("missed", "at_risk", "met", "FAIL", "UNKNOWN", "PASS")


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    more: int = 0  # rows left out of the human formats


@dataclass(frozen=True)
class Section:
    """One heading with what is under it; ``empty`` is said when it has nothing."""

    title: str
    lines: tuple[tuple[str, str], ...] = ()  # (label, text); label may be ""
    table: Table | None = None
    charts: tuple[Chart, ...] = ()
    empty: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.lines or (self.table and self.table.rows) or self.charts)


@dataclass(frozen=True)
class Document:
    kind: str  # standup or brief: picks the HTML template
    title: str
    header: tuple[str, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)


# --- formats -----------------------------------------------------------------


def json_chunks(data: Any) -> Iterator[str]:
    """A report as indented JSON, in pieces, so a large report is written as it
    is encoded instead of being held whole in memory."""
    return json.JSONEncoder(indent=2, ensure_ascii=False).iterencode(data)


def to_markdown(document: Document) -> str:
    """Markdown that pastes cleanly into chat and wikis (no charts)."""
    parts = [f"# {_md(document.title)}", "", *(f"{_md(h)}  " for h in document.header)]
    for section in document.sections:
        parts += ["", _section_md(section)]
    return "\n".join(parts).rstrip()


def to_rich_parts(document: Document) -> list[tuple[str, str]]:
    """What the terminal shows, in order: ("md", Markdown) and ("text", chart)."""
    head = [f"# {_md(document.title)}", "", *(f"{_md(h)}  " for h in document.header)]
    parts: list[tuple[str, str]] = [("md", "\n".join(head) + "\n")]
    for section in document.sections:
        parts.append(("md", _section_md(section) + "\n"))
        parts += [("text", text_chart(chart)) for chart in section.charts]
    return parts


def to_plain(document: Document) -> str:
    """Plain text, for a pipe or a file: user text as typed, tables aligned.

    The terminal form without Rich: headings underlined, bullet lines, every
    table cell whole (nothing cut), and the text charts.
    """
    parts = [_underlined(document.title, "="), *document.header]
    for section in document.sections:
        parts += ["", _underlined(section.title, "-")]
        if section.is_empty:
            parts.append(section.empty)
        parts += [
            f"- {label}: {text}" if label else f"- {text}"
            for label, text in section.lines
        ]
        table = section.table
        if table and table.rows:
            if section.lines:
                parts.append("")
            header = [title for _, title in table.columns]
            cells = [
                [_cell(row.get(key)) for key, _ in table.columns] for row in table.rows
            ]
            parts.append(aligned([header, *cells]))
            if table.more:
                parts.append(f"… and {table.more} more (--format json lists all).")
        for chart in section.charts:
            parts += ["", text_chart(chart)]
    return "\n".join(parts).rstrip()


def _underlined(title: str, rule: str) -> str:
    return f"{title}\n{rule * len(title)}"


def to_html(document: Document) -> str:
    """One self-contained HTML page: inline CSS, charts as PNG data URIs."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("hypercare", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    template = environment.get_template(f"{document.kind}.html.j2")
    return template.render(document=document, image=_image, cell=_cell, css=_css)


def _image(chart: Chart) -> str | None:
    return png_data_uri(chart) if chart.has_data else None


def _css(value: Any) -> str:
    """The class of a table cell: numbers align right, states are coloured."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return "n"
    if value in _STATES:
        return f"state-{str(value).lower()}"
    return ""


def _section_md(section: Section) -> str:
    lines = [f"## {_md(section.title)}", ""]
    if section.is_empty:
        lines.append(_md(section.empty))
    for label, text in section.lines:
        lines.append(f"- **{_md(label)}:** {_md(text)}" if label else f"- {_md(text)}")
    if section.table and section.table.rows:
        if section.lines:
            lines.append("")
        lines.append(_md_table(section.table))
        if section.table.more:
            lines += ["", f"… and {section.table.more} more (--format json lists all)."]
    return "\n".join(lines)


def _md_table(table: Table) -> str:
    header = "| " + " | ".join(_md(title) for _, title in table.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in table.columns) + "|"
    rows = [
        "| " + " | ".join(_md(_cell(row.get(key))) for key, _ in table.columns) + " |"
        for row in table.rows
    ]
    return "\n".join([header, rule, *rows])


def _md(text: str) -> str:
    """Escape text for Markdown: pipes, brackets, angle brackets, emphasis.

    An underscore inside a word (``in_progress``) is left alone: Markdown
    never reads it as emphasis, and chat shows it as typed.
    """
    out = text.replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    for char in "|[]<>*`":
        out = out.replace(char, "\\" + char)
    return _LONE_UNDERSCORE.sub(r"\\_", out)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# --- layout helpers shared by the reports ------------------------------------


def table(
    lines: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    tz: ZoneInfo,
    limit: int | None = MAX_ROWS,
) -> Table:
    """A table of issue lines, ``limit`` rows at most; times shown local."""
    limit = len(lines) if limit is None else limit
    rows = tuple(local_times(line, tz) for line in lines[:limit])
    return Table(tuple(columns), rows, max(0, len(lines) - limit))


def signed(number: int) -> str:
    return f"+{number}" if number > 0 else ("±0" if number == 0 else f"−{-number}")


def trend_section(trends: dict[str, list[dict[str, Any]]]) -> Section:
    """Charts of P1/P2 per day, open backlog per day and (if given) MTTR per week."""
    parts = [
        part
        for part in (
            _p1p2_trend(trends.get("p1p2_per_day", [])),
            _backlog_trend(trends.get("backlog_per_day", [])),
            _mttr_trend(trends.get("mttr_per_week", [])),
        )
        if part is not None
    ]
    return Section(
        "Trends",
        lines=tuple(line for line, _ in parts),
        charts=tuple(chart for _, chart in parts),
        empty="No trend yet: nothing reported since go-live.",
    )


Trend = tuple[tuple[str, str], Chart]


def _p1p2_trend(days: list[dict[str, Any]]) -> Trend | None:
    if not days:
        return None
    chart = Chart(
        "P1/P2 issues per day",
        tuple(row["date"][5:] for row in days),
        (
            Series("reported", tuple(row["opened"] for row in days)),
            Series("open at day end", tuple(row["open"] for row in days)),
        ),
    )
    week = days[-7:]
    reported = sum(row["opened"] for row in week)
    line = (
        f"{reported} reported in the last {len(week)} days; {days[-1]['open']} open now"
    )
    return ("P1/P2", line), chart


def _backlog_trend(days: list[dict[str, Any]]) -> Trend | None:
    if not days:
        return None
    chart = Chart(
        "Open issues at day end",
        tuple(row["date"][5:] for row in days),
        (Series("open", tuple(row["open"] for row in days)),),
    )
    start = days[-8] if len(days) > 7 else days[0]
    change = signed(days[-1]["open"] - start["open"])
    # Day-end figures, so the baseline is named as one: "the end of 03-01".
    line = f"{days[-1]['open']:,} now, {change} since the end of {start['date']}"
    return ("Open backlog", line), chart


def _mttr_trend(weeks: list[dict[str, Any]]) -> Trend | None:
    if not weeks:
        return None
    chart = Chart(
        "MTTR per week",
        tuple(row["week"] for row in weeks),
        (Series("mean", tuple(row["mean_hours"] for row in weeks)),),
        unit="hours",
        kind="bar",
    )
    # The weekly means come rounded to a tenth of an hour (as in the JSON).
    line = " · ".join(
        f"{row['week']} "
        + format_span(None if row["mean_hours"] is None else row["mean_hours"] * 60)
        for row in weeks
    )
    return ("MTTR per week", line), chart


def standup_document(report: Standup, tz: ZoneInfo) -> Document:
    from hypercare.core.standup import layout

    return layout(report, tz)


def brief_document(report: Brief, tz: ZoneInfo) -> Document:
    from hypercare.core.brief import layout

    return layout(report, tz)
