"""Commands that set a hypercare up: init and matrix."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hypercare.cli import output
from hypercare.cli.context import current
from hypercare.cli.options import TableFormat, check_format, path_given


def init(
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            help="The project's name (default: Hypercare).",
            show_default=False,
        ),
    ] = None,
    go_live: Annotated[
        str | None,
        typer.Option("--go-live", help="When the system went live (default: now)."),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            help="Time zone for dates without one (default: UTC).",
            show_default=False,
        ),
    ] = None,
    folder: Annotated[
        Path,
        typer.Option(
            "--dir",
            help="Folder for hypercare.toml and the database.",
            parser=path_given,
            metavar="<path>",
        ),
    ] = Path("."),
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite an existing config with the defaults, keeping its "
            "name, go-live and time zone unless given.",
        ),
    ] = False,
) -> None:
    """Write hypercare.toml with the default matrix, targets and exit criteria,
    and create the database.

    Example: hypercare init --name "Payroll" --go-live 2026-03-02 --tz Europe/Berlin
    """
    from hypercare.core.setup import Project, init_project

    env = current()
    wanted = Project(name=name, go_live=go_live, timezone=tz)
    started = init_project(folder.resolve(), wanted, now=env.now(), is_forced=force)
    output.echo(f"Wrote {started.settings.path}")
    if started.was_unreadable:
        output.warn("the old config could not be read, so nothing of it was kept")
    if started.kept:
        output.echo(f"Kept the old config's {_and(started.kept)}")
    if started.is_database_new:
        output.echo(f"Created {started.settings.database_path}")
    else:
        output.echo(f"Kept {started.settings.database_path} and the data in it")


def _and(words: tuple[str, ...]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def matrix(fmt: TableFormat = "table") -> None:
    """Show the priority matrix in force (impact × urgency → priority).

    Example: hypercare matrix --format md
    """
    check_format(fmt, ("table", "json", "csv", "md"))
    settings = current().settings()
    if settings.path is None:
        output.echo_err(
            "No hypercare.toml here: this is the default matrix; 'hypercare "
            "init' writes it into a config you can edit."
        )
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
