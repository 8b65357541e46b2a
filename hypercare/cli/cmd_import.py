"""``hypercare import KIND FILE``: bring existing records in.

Each kind is a sub-command of ``import_app``. Other command modules attach
their own kinds here (``survey``, ``metrics``, ``jsonl``).
"""

from __future__ import annotations

import typer

import_app = typer.Typer(
    name="import",
    help="Bring in help-desk exports, survey answers, monitoring samples or an export.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
