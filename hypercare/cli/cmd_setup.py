"""Commands that set a hypercare up: init and matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import TableFormat, check_format


def init(
    name: Annotated[
        str, typer.Option("--name", help="The project's name.")
    ] = "Hypercare",
    go_live: Annotated[
        str | None,
        typer.Option("--go-live", help="When the system went live (default: now)."),
    ] = None,
    tz: Annotated[
        str, typer.Option("--tz", help="Time zone for dates without one.")
    ] = "UTC",
    folder: Annotated[
        Path, typer.Option("--dir", help="Folder for hypercare.toml and the database.")
    ] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing config.")
    ] = False,
) -> None:
    """Write hypercare.toml with the default matrix, targets and exit criteria,
    and create the database.

    Example: hypercare init --name "Payroll" --go-live 2026-03-02 --tz Europe/Berlin
    """
    from hypercare.core.setup import init_project
    from hypercare.core.when import parse_when, zone

    env = current()
    local = zone(tz)
    when = env.now()
    if go_live is not None:
        when = parse_when(go_live, now=env.now(), tz=local, day_first=True)
    started = init_project(
        folder.resolve(), name=name, go_live=when, timezone=tz, is_forced=force
    )
    output.echo(f"Wrote {started.settings.path}")
    if started.is_database_new:
        output.echo(f"Created {started.settings.database_path}")
    else:
        output.echo(f"Kept {started.settings.database_path} and the data in it")


def matrix(fmt: TableFormat = "table") -> None:
    """Show the priority matrix in force (impact × urgency → priority).

    Example: hypercare matrix --format md
    """
    check_format(fmt, ("table", "json", "csv", "md"))
    settings = current().settings()
    if fmt == "json":
        output.emit_json(settings.matrix)
        return
    rows = [{"impact": impact, **cells} for impact, cells in settings.matrix.items()]
    columns = [("impact", "impact \\ urgency")] + [
        (u, u) for u in next(iter(settings.matrix.values()))
    ]
    output.emit_rows(rows, columns, fmt, title="Priority matrix")


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(matrix)
