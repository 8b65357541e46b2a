"""Measures and satisfaction answers: ``kpi``, ``survey add``, ``import survey``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hypercare.cli import output
from hypercare.cli.cmd_import import show_skipped
from hypercare.cli.context import current
from hypercare.cli.options import (
    TEXT_FORMATS,
    AsOf,
    At,
    By,
    DryRun,
    IssueNumber,
    Since,
    SkipBad,
    TextFormat,
    as_table,
    check_format,
    one_of,
    path_given,
    whole_number,
)
from hypercare.core.when import format_span, format_time
from hypercare.core.words import counted
from hypercare.models import PRIORITIES, SURVEY_SCALES

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from hypercare.core.measures import Kpis, Ratio

NO_DATA = "no data"
KPI_FORMATS = ("table", "json", "md")
PER_DAY_SHOWN = 14

survey_app = typer.Typer(
    name="survey",
    help="Record satisfaction answers (CSAT 1-5, NPS 0-10)."
    "\n\nExample: hypercare survey add 12 --score 4",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _score_ranges() -> str:
    """'1-5 (csat) or 0-10 (nps)', from the scales themselves."""
    return one_of(
        f"{low}-{high} ({name})" for name, (low, high) in SURVEY_SCALES.items()
    )


def kpi(
    as_of: AsOf = None,
    since: Since = None,
    priority: Annotated[
        str | None,
        typer.Option(
            "--priority",
            "-p",
            help=f"Only this priority: {one_of(PRIORITIES)}. CSAT and NPS "
            "count every answer.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help=f"{one_of(KPI_FORMATS)}.", callback=as_table
        ),
    ] = "table",
    explain: Annotated[
        bool, typer.Option("--explain", help="Say how each figure was computed.")
    ] = False,
) -> None:
    """Show the hypercare measures: P1/P2, MTTR, SLA, FCR, reopens, backlog, CSAT, NPS.

    The window runs from --since (default: the go-live) to --as-of (default: now).

    Example: hypercare kpi --as-of "2026-03-16 09:00" --priority P2 --explain
    """
    from hypercare.core.measures import compute_kpis
    from hypercare.core.when import format_time
    from hypercare.errors import InputError

    check_format(fmt, KPI_FORMATS)
    if priority is not None and priority not in PRIORITIES:
        raise InputError(f"unknown priority '{priority}'; use --priority P1|P2|P3|P4")
    env = current()
    end = env.as_of(as_of)
    start = (
        env.when(since, "--since", now=end)
        if since is not None
        else env.settings().go_live
    )
    if start is not None and start >= end:
        flag = "--since" if since else "the go-live"
        tz = env.settings().tz
        raise InputError(
            f"{flag} ({format_time(start, tz)}) is not before --as-of "
            f"({format_time(end, tz)}); give a later --as-of or an earlier --since"
        )
    kpis = compute_kpis(
        env.store(),
        env.settings(),
        as_of=end,
        since=start,
        priority=priority,
    )
    if fmt == "json":
        output.emit_json(kpis.as_dict())
    else:
        _render(kpis, env.settings().tz, is_md=fmt == "md", explain=explain)


def survey_add(
    number: IssueNumber,
    score: Annotated[
        int,
        typer.Option(
            "--score",
            "-s",
            help=f"The answer: {_score_ranges()}.",
            show_default=False,
            parser=whole_number,
        ),
    ],
    scale: Annotated[
        str, typer.Option("--scale", help=f"{one_of(SURVEY_SCALES)}.")
    ] = "csat",
    comment: Annotated[
        str | None, typer.Option("--comment", help="What the reporter wrote.")
    ] = None,
    at: At = None,
    by: By = None,
) -> None:
    """Record a satisfaction answer about an issue.

    Example: hypercare survey add 12 --score 4 --comment "Quick fix, thanks"
    """
    from hypercare.core.surveys import add_answer

    env = current()
    answer = add_answer(
        env.store(),
        number,
        score=score,
        scale=scale,
        comment=comment,
        at=env.past(at),
        now=env.now(),
        actor=env.actor(by),
        tz=env.settings().tz,
    )
    output.echo(f"Recorded answer {answer.id} ({scale} {score}) for issue {number}.")


def import_survey(
    file: Annotated[
        Path,
        typer.Argument(help="The survey export (CSV).", parser=path_given),
    ],
    mapping: Annotated[
        Path,
        typer.Option(
            "--mapping", "-m", help="A TOML file naming the columns.", parser=path_given
        ),
    ],
    dry_run: DryRun = False,
    skip_bad: SkipBad = False,
    fmt: TextFormat = "text",
    by: By = None,
) -> None:
    """Import satisfaction answers from a CSV export, as a mapping describes.

    Importing the same file twice adds nothing; blank scores are skipped.

    \b
    Example: hypercare import survey reviews.csv -m examples/mappings/olist-survey.toml
    """
    from hypercare.core.surveys import import_answers, load_mapping

    check_format(fmt, TEXT_FORMATS)
    env = current()
    rules = load_mapping(mapping)
    with output.progress(None, f"Importing {file.name}") as advance:
        result = import_answers(
            env.store(),
            env.settings(),
            file,
            rules,
            now=env.now(),
            actor=env.actor(by),
            is_dry_run=dry_run,
            skip_bad=skip_bad,
            advance=advance,
        )
    if fmt == "json":
        output.emit_json(result.as_dict())
        return
    verb = "Would import" if dry_run else "Imported"
    output.echo(
        f"{verb} {counted(result.added, 'answer')} from "
        f"{counted(result.rows, 'row')} of {file.name} ({result.already:,} already "
        f"imported, {counted(result.repeated, 'repeated id')}, "
        f"{counted(result.blank, 'blank score')} skipped, {result.linked:,} linked "
        "to issues)."
    )
    show_skipped(result.bad_rows, len(result.bad_rows), is_dry_run=dry_run)


# --- rendering ------------------------------------------------------------------


def _render(kpis: Kpis, tz: ZoneInfo, *, is_md: bool, explain: bool) -> None:
    """Print every section as tables (or Markdown), then the explanations."""
    since = format_time(kpis.since, tz) if kpis.since else "the beginning"
    scope = f", priority {kpis.priority}" if kpis.priority else ""
    heading = f"KPIs from {since} to {format_time(kpis.as_of, tz)}{scope}"
    output.echo(f"# {output.md_escape(heading)}" if is_md else heading)
    for title, rows, columns in _sections(kpis):
        output.echo()
        if is_md:
            output.echo(f"## {title}\n")
            output.echo(output.render_md_table(rows, columns) if rows else "Nothing.")
        else:
            output.table(rows, columns, title=title, empty=f"{title}: nothing.")
    if explain:
        output.echo()
        output.echo(
            "## How each figure was computed\n"
            if is_md
            else "How each figure was computed:"
        )
        for item in kpis.explanations:
            text = (
                f"{item.figure}: {item.rule}. Included: {item.included}. "
                f"Excluded: {item.excluded}. Count: {item.count}."
            )
            output.echo(f"- {output.md_escape(text)}" if is_md else f"- {text}")


Section = tuple[str, list[dict[str, Any]], list[tuple[str, str]]]


def _sections(kpis: Kpis) -> list[Section]:
    priorities = [kpis.priority] if kpis.priority else list(PRIORITIES)
    rates = [
        ("First contact resolution", kpis.fcr),
        ("Reopen rate", kpis.reopen_rate),
        ("CSAT (share of 4-5 answers)", kpis.csat),
    ]
    nps = NO_DATA if kpis.nps.score is None else f"{kpis.nps.score:.1f}"
    rate_rows = [
        {
            "measure": name,
            "value": _percent(ratio),
            "count": f"{ratio.numerator} of {ratio.denominator}",
        }
        for name, ratio in rates
    ]
    rate_rows.append(
        {"measure": "NPS", "value": nps, "count": counted(kpis.nps.responses, "answer")}
    )
    # With --priority P2 the P1/P2 figures are P2's alone (none for P3).
    p1p2 = "/".join(kpis.p1p2_opened) or "P1/P2"
    return [
        (
            f"{p1p2} issues",
            [
                {
                    "priority": key,
                    "opened": kpis.p1p2_opened[key],
                    "open": kpis.p1p2_open[key],
                }
                for key in kpis.p1p2_opened
            ],
            [
                ("priority", "priority"),
                ("opened", "reported in window"),
                ("open", "open now"),
            ],
        ),
        (
            "Time to resolve",
            [
                {
                    "priority": key,
                    "count": stats.count,
                    "mean": format_span(stats.mean_minutes),
                    "median": format_span(stats.median_minutes),
                    "p90": format_span(stats.p90_minutes),
                }
                for key, stats in kpis.mttr.items()
            ],
            [
                ("priority", "priority"),
                ("count", "resolved"),
                ("mean", "MTTR (mean)"),
                ("median", "median"),
                ("p90", "90th percentile"),
            ],
        ),
        (
            "SLA compliance",
            [
                {
                    "priority": key,
                    "ack": _ratio(kpis.sla["acknowledge"][key]),
                    "resolve": _ratio(kpis.sla["resolve"][key]),
                }
                for key in [*priorities, "all"]
            ],
            [
                ("priority", "priority"),
                ("ack", "acknowledged in time"),
                ("resolve", "resolved in time"),
            ],
        ),
        (
            "Rates",
            rate_rows,
            [("measure", "measure"), ("value", "value"), ("count", "count")],
        ),
        (
            "Volume by type",
            _counts(kpis.volume_by_type),
            [("name", "type"), ("count", "issues")],
        ),
        (
            "Volume by channel",
            _counts(kpis.volume_by_channel),
            [("name", "channel"), ("count", "issues")],
        ),
        (
            "Open backlog",
            # JSON says "unset" (pinned); people read "untriaged", as in standup.
            _counts(
                {
                    "untriaged" if key == "unset" else key: count
                    for key, count in kpis.open_by_priority.items()
                }
            ),
            [("name", "priority"), ("count", "open now")],
        ),
        (
            "Aging of open issues",
            [{"name": label, "count": count} for label, count in kpis.aging],
            [("name", "age"), ("count", "open issues")],
        ),
        (
            "Per day",
            _per_day(kpis),
            [
                ("date", "date"),
                ("p1p2_opened", f"{p1p2} reported"),
                ("p1p2_open", f"{p1p2} open"),
                ("open", "open backlog"),
            ],
        ),
    ]


def _per_day(kpis: Kpis) -> list[dict[str, Any]]:
    backlog = dict(kpis.backlog_per_day)
    return [
        {
            "date": day.isoformat(),
            "p1p2_opened": opened,
            "p1p2_open": still,
            "open": backlog.get(day),
        }
        for day, opened, still in kpis.p1p2_per_day
    ]


def _counts(values: dict[str, int]) -> list[dict[str, Any]]:
    return [{"name": name, "count": count} for name, count in values.items()]


def _percent(ratio: Ratio) -> str:
    return NO_DATA if ratio.percent is None else f"{ratio.percent:.1f}%"


def _ratio(ratio: Ratio) -> str:
    if ratio.percent is None:
        return NO_DATA
    return f"{ratio.percent:.1f}% ({ratio.numerator} of {ratio.denominator})"


def register(app: typer.Typer) -> None:
    from hypercare.cli.cmd_import import import_app

    app.command()(kpi)
    survey_app.command("add")(survey_add)
    app.add_typer(survey_app, name="survey")
    import_app.command("survey")(import_survey)
