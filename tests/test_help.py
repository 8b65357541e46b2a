"""Every command, group and the root have help text with an example."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from hypercare.cli.app import app
from tests.conftest import run


def _commands() -> list[tuple[str, ...]]:
    """The root, every command, every group and the commands in each group."""
    group: Any = typer.main.get_command(app)
    found: list[tuple[str, ...]] = [()]
    for name, command in group.commands.items():
        found.append((name,))
        if hasattr(command, "commands"):
            found.extend((name, sub) for sub in command.commands)
    return found


def _name(command: tuple[str, ...]) -> str:
    return " ".join(("hypercare", *command))


def test_there_are_commands_and_groups() -> None:
    assert {(), ("log",), ("import",), ("survey",), ("import", "csv")} <= set(
        _commands()
    )


@pytest.mark.parametrize("command", _commands(), ids=_name)
def test_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = run(*command, "--help")

    assert "Example: hypercare " in result.stdout, (
        f"{_name(command)} --help has no example"
    )


@pytest.mark.parametrize("command", _commands(), ids=_name)
def test_each_example_starts_its_own_line(command: tuple[str, ...]) -> None:
    lines = run(*command, "--help").stdout.splitlines()

    # A second example on the line: another "Example:" or another command.
    run_together = [
        line
        for line in lines
        if "Example:" in line.lstrip()[1:]
        or ("Example:" in line and line.count("hypercare ") > 1)
    ]
    assert run_together == [], f"{_name(command)} --help runs examples together"


def test_two_examples_are_two_paragraphs() -> None:
    lines = run("confirm", "--help").stdout.splitlines()

    assert lines[4:7] == [
        '  Example: hypercare confirm 12 --by "Ana Ruiz"',
        "",
        '  Example: hypercare confirm 12 --rejected --reason "still blank"',
    ]


def test_version() -> None:
    from hypercare import __version__

    assert run("--version").stdout == f"hypercare {__version__}\n"
