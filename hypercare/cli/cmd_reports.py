"""The reports people read: the daily stand-up and the stakeholder briefing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import (
    REPORT_FORMATS,
    AsOf,
    Output,
    ReportFormat,
    Since,
    check_format,
)

if TYPE_CHECKING:
    from hypercare.core.brief import Brief
    from hypercare.core.report_render import Document
    from hypercare.core.standup import Standup

    Report = Standup | Brief


def standup(
    as_of: AsOf = None,
    since: Since = None,
    fmt: ReportFormat = "rich",
    output_file: Output = None,
) -> None:
    """Show the daily stand-up: what changed since the last one and what is burning.

    The window runs from the previous stand-up (config [standup] time and
    days; Monday's covers the weekend) to --as-of, unless --since is given.

    Example: hypercare standup --as-of "2026-03-10 09:00" --format md -o standup.md
    """
    from hypercare.core.report_render import standup_document
    from hypercare.core.standup import build_standup

    check_format(fmt, REPORT_FORMATS)
    env = current()
    moment = env.as_of(as_of)
    start = env.when(since, "--since", now=moment) if since is not None else None
    report = build_standup(env.store(), env.settings(), moment, start)
    _emit(report, standup_document, fmt, output_file)


def brief(
    as_of: AsOf = None,
    since: Since = None,
    fmt: ReportFormat = "rich",
    output_file: Output = None,
) -> None:
    """Show the stakeholder briefing: health, trends, changes, risks, readiness.

    "What changed" compares with the briefing one week before --as-of,
    unless --since is given.

    Example: hypercare brief --format html -o briefing.html
    """
    from hypercare.core.brief import build_brief
    from hypercare.core.report_render import brief_document

    check_format(fmt, REPORT_FORMATS)
    env = current()
    moment = env.as_of(as_of)
    start = env.when(since, "--since", now=moment) if since is not None else None
    report = build_brief(env.store(), env.settings(), moment, start)
    _emit(report, brief_document, fmt, output_file)


def _emit(
    report: Report,
    layout: Callable[[Any, ZoneInfo], Document],
    fmt: str,
    output_file: str | None,
) -> None:
    """Render one report in ``fmt``, to the terminal or to ``output_file``."""
    from hypercare.core import report_render as render

    if fmt == "json":
        # Streamed: a stand-up over a large hypercare is tens of megabytes.
        output.write_chunks(render.json_chunks(report.as_dict()), output_file)
        return
    document = layout(report, current().settings().tz)
    if fmt == "rich" and output_file is None and output.is_rich():
        for kind, part in render.to_rich_parts(document):
            if kind == "md":
                output.print_rich_markdown(part)
            else:
                output.echo(part)
        return
    renderers = {
        "md": render.to_markdown,
        "html": render.to_html,
        "rich": render.to_plain,
    }
    text = renderers[fmt](document)
    if output_file is None:
        output.echo(text)
        return
    output.write_file(output_file, text + "\n")


def register(app: typer.Typer) -> None:
    app.command()(standup)
    app.command()(brief)
