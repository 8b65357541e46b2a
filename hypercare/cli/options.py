"""Options shared by several commands, defined once so they read the same."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

from hypercare.cli.output import FORMATS_TABULAR

TEXT_FORMATS = ("text", "json")
REPORT_FORMATS = ("rich", "md", "html", "json")


def one_of(values: Iterable[str]) -> str:
    """Allowed values for a help text, 'a, b or c' (spaces let the help wrap)."""
    names = list(values)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _digits(text: str) -> int | None:
    """``text`` as a whole number of ASCII digits (blanks around), else None."""
    digits = text.strip()
    return int(digits) if digits.isascii() and digits.isdigit() else None


def issue_number(text: str) -> int:
    """An issue number as typed; a usage error that says so for anything else."""
    number = _digits(text)
    if number is None:
        raise typer.BadParameter(
            f"'{text}' is not an issue number; give the number 'hypercare list' shows"
        )
    return number


def whole_number(text: str) -> int:
    """A count or a score as typed; a usage error that says so for anything else.

    A minus sign is read, so the command can say which numbers it takes.
    """
    sign, digits = (-1, text.strip()[1:]) if text.strip().startswith("-") else (1, text)
    number = _digits(digits)
    if number is None:
        raise typer.BadParameter(f"'{text}' is not a whole number, like 5")
    return sign * number


def path_given(text: str | Path) -> Path:
    """A path as typed; an empty one (an unset shell variable) is a usage error.

    Path("") is the current folder, so without this check "--dir ''" would
    write into it and an import of "" would name "." as a folder. A default
    arrives as a Path already.
    """
    if isinstance(text, Path):
        return text
    if not text.strip():
        raise typer.BadParameter("it is empty; give a path")
    return Path(text)


IssueNumber = Annotated[
    int,
    typer.Argument(help="The issue number.", show_default=False, parser=issue_number),
]
At = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened (default: now), e.g. '2026-03-05 14:30' or '2h ago'.",
        show_default=False,
    ),
]
By = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who did it (default: project.user, else your login).",
        show_default=False,
    ),
]
AsOf = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Compute as of this moment (default: now), for reproducible output.",
        show_default=False,
    ),
]
Note = Annotated[str | None, typer.Option("--note", help="A note kept with the event.")]


# Listings call the terminal form "table" and reports "rich"; each takes the
# other's word too, so a user need not remember which command says which.
def as_table(value: str) -> str:
    return "table" if value == "rich" else value


def as_rich(value: str) -> str:
    return "rich" if value == "table" else value


TableFormat = Annotated[
    str,
    typer.Option(
        "--format", "-f", help=f"{one_of(FORMATS_TABULAR)}.", callback=as_table
    ),
]
ReportFormat = Annotated[
    str,
    typer.Option("--format", "-f", help=f"{one_of(REPORT_FORMATS)}.", callback=as_rich),
]
TextFormat = Annotated[
    str, typer.Option("--format", "-f", help=f"{one_of(TEXT_FORMATS)}.")
]


def _dash_is_stdout(value: str | None) -> str | None:
    if value == "":
        raise typer.BadParameter("give a file name, or - for standard output")
    return None if value == "-" else value


Output = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="Write to this file instead of standard output ('-' for it).",
        callback=_dash_is_stdout,
    ),
]
Since = Annotated[
    str | None,
    typer.Option("--since", help="Start of the window (a WHEN).", show_default=False),
]


def check_format(value: str, allowed: tuple[str, ...]) -> str:
    """Refuse an unknown --format with the accepted ones."""
    if value not in allowed:
        from hypercare.errors import InputError

        raise InputError(f"unknown format '{value}'; use --format {'|'.join(allowed)}")
    return value


# The imports share these, so each reads the same in every --help.
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Report what would happen; write nothing.")
]
SkipBad = Annotated[
    bool,
    typer.Option(
        "--skip-bad",
        help="Import the rows that can be "
        "read and list the others (default: refuse all).",
    ),
]
