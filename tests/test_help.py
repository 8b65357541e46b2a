"""Every command has help text with an example."""

from __future__ import annotations

from typing import Any

import pytest
import typer

from hypercare.cli.app import app
from tests.conftest import run


def _commands() -> list[tuple[str, ...]]:
    group: Any = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            found.extend((name, sub) for sub in command.commands)
        else:
            found.append((name,))
    return found


def test_there_are_commands() -> None:
    assert ("log",) in _commands()


@pytest.mark.parametrize("command", _commands(), ids=" ".join)
def test_command_has_help_with_an_example(command: tuple[str, ...]) -> None:
    result = run(*command, "--help")

    assert "Example" in result.stdout, (
        f"hypercare {' '.join(command)} --help has no example"
    )


def test_version() -> None:
    from hypercare import __version__

    assert run("--version").stdout == f"hypercare {__version__}\n"
