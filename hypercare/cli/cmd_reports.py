"""The reports people read: the daily stand-up and the stakeholder briefing."""

from __future__ import annotations

from pathlib import Path

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import AsOf, Output, ReportFormat, Since, check_format

REPORT_FORMATS = ("rich", "md", "html", "json")


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
    start = env.when(since, now=moment) if since else None
    report = build_standup(env.store(), env.settings(), moment, start)
    _emit(
        report.as_dict(), standup_document(report, env.settings().tz), fmt, output_file
    )


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
    start = env.when(since, now=moment) if since else None
    report = build_brief(env.store(), env.settings(), moment, start)
    _emit(report.as_dict(), brief_document(report, env.settings().tz), fmt, output_file)


def _emit(data: object, document: object, fmt: str, output_file: str | None) -> None:
    """Render one report in ``fmt``, to the terminal or to ``output_file``."""
    from hypercare.core import report_render as render

    if fmt == "rich" and output_file is None:
        for kind, text in render.to_rich_parts(document):  # type: ignore[arg-type]
            output.print_rich_markdown(text) if kind == "md" else output.echo(text)
        return
    text = {
        "json": lambda: render.to_json(data),
        "md": lambda: render.to_markdown(document),  # type: ignore[arg-type]
        "rich": lambda: render.to_plain(document),  # type: ignore[arg-type]
        "html": lambda: render.to_html(document),  # type: ignore[arg-type]
    }[fmt]()
    if output_file is None:
        output.echo(text)
        return
    Path(output_file).write_text(text + "\n", encoding="utf-8")
    output.echo(f"Wrote {output_file}")


def register(app: typer.Typer) -> None:
    app.command()(standup)
    app.command()(brief)
