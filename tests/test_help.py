"""Every command, group and the root have help text with an example."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from hypercare.cli.app import app
from hypercare.models import DONE_STATUSES, OPEN_STATUSES, STATUSES
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


def _option_help(command: tuple[str, ...], flag: str) -> str:
    found: Any = typer.main.get_command(app)
    for name in command:
        found = found.commands[name]
    [param] = [p for p in found.params if flag in p.opts]
    return str(param.help)


@pytest.mark.parametrize(
    ("command", "flag", "text"),
    [
        (
            ("list",),
            "--status",
            "open (new, acknowledged, in_progress, on_hold, awaiting_testing), done "
            "(resolved, closed, duplicate, rejected, deferred) or one of those "
            "states; repeatable.",
        ),
        (("list",), "--priority", "P1, P2, P3 or P4; repeatable."),
        (
            ("list",),
            "--sort",
            "id, reported, updated, priority, status or title. Statuses sort in "
            "lifecycle order; untriaged issues come last by priority.",
        ),
        (
            ("list",),
            "--channel",
            "helpdesk, email, chat, phone, meeting, survey, monitoring, api-gateway "
            "or llm-gateway; repeatable.",
        ),
        (
            ("resolve",),
            "--code",
            "A resolution code of your own, any text (there is no fixed list), "
            "e.g. fixed, workaround or config-change.",
        ),
        (
            ("kpi",),
            "--priority",
            "Only this priority: P1, P2, P3 or P4. CSAT and NPS count every answer.",
        ),
        (("kpi",), "--format", "table, json or md."),
        (
            ("notify",),
            "--kind",
            "ack, update, resolution, confirm or duplicate; omit with --owed.",
        ),
        (("survey", "add"), "--score", "The answer: 1-5 (csat) or 0-10 (nps)."),
        (("survey", "add"), "--scale", "csat or nps."),
        (("export",), "--format", "jsonl or csv."),
        (("exit-check",), "--format", "rich, json, junit or md."),
        (("known-issues",), "--format", "rich, md, html or json."),
        (("import", "jira"), "--format", "text or json."),
    ],
)
def test_an_option_names_its_allowed_values(
    command: tuple[str, ...], flag: str, text: str
) -> None:
    assert _option_help(command, flag) == text


def test_the_status_groups_name_every_state() -> None:
    assert sorted(OPEN_STATUSES + DONE_STATUSES) == sorted(STATUSES)


def test_notify_says_how_to_deliver() -> None:
    lines = run("notify", "--help").stdout.splitlines()

    assert "  Say how with exactly one of --print, --send or --outbox DIR." in lines


def test_verbose_and_quiet_show_no_default() -> None:
    lines = run("--help").stdout.splitlines()

    assert [
        line.split("  ")[-1] for line in lines if "-v, " in line or "-q, " in line
    ] == [
        "More detail on stderr (repeat for more).",
        "Less detail on stderr (repeat for less).",
    ]


@pytest.mark.parametrize(
    ("command", "example"),
    [
        (
            ("import", "survey"),
            "hypercare import survey reviews.csv "
            "-m examples/mappings/olist-survey.toml",
        ),
        (
            ("import", "csv"),
            "hypercare import csv log.csv -m examples/mappings/helpdesk-event-log.toml",
        ),
    ],
)
def test_an_example_with_a_long_path_stays_on_one_line(
    command: tuple[str, ...], example: str
) -> None:
    assert f"  Example: {example}" in run(*command, "--help").stdout.splitlines()


def test_the_survey_example_names_a_mapping_that_exists() -> None:
    root = Path(__file__).resolve().parents[1]
    assert (root / "examples" / "mappings" / "olist-survey.toml").is_file()


def test_version() -> None:
    from hypercare import __version__

    assert run("--version").stdout == f"hypercare {__version__}\n"
