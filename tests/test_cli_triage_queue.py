"""Walking the untriaged queue interactively."""

from __future__ import annotations

from pathlib import Path

import pytest

from hypercare.cli import output
from tests.conftest import run


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "is_interactive", lambda: True)


def test_walks_oldest_first_with_skip_and_quit(project: Path, terminal: None) -> None:
    run("log", "Newer", "--reported-at", "2026-03-03 10:00")
    run("log", "Oldest", "--reported-at", "2026-03-02 10:00")
    run("log", "Middle", "--reported-at", "2026-03-02 12:00")
    run("log", "Already triaged", "--impact", "low", "--urgency", "low")
    # Oldest: impact high, an invalid urgency then immediate, type bug, no cause.
    # Middle: skipped. Newer: quit.
    answers = "high\nsoon\nimmediate\nbug\n\ns\nq\n"

    result = run("triage", input=answers)

    issues = {i["title"]: i for i in run("list", "--format", "json").json()}
    assert (issues["Oldest"]["priority"], issues["Oldest"]["type"]) == ("P1", "bug")
    assert issues["Middle"]["priority"] is None
    assert issues["Newer"]["priority"] is None
    assert result.stdout.splitlines()[0] == (
        "3 untriaged issues. Enter s to skip, q (or Ctrl-D) to quit."
    )
    assert result.stdout.splitlines()[-1] == (
        "Triaged 1, skipped 1; 2 still untriaged."
    )
    assert "'soon' is not one of immediate/high/medium/low" in result.stdout
    assert result.stdout.index("#2 Oldest") < result.stdout.index("#3 Middle")


def test_empty_queue(project: Path, terminal: None) -> None:
    assert run("triage").stdout == "No untriaged issues.\n"


def test_end_of_input_at_a_prompt_quits_without_triaging_that_issue(
    project: Path, terminal: None
) -> None:
    run("log", "Waiting")

    result = run("triage", input="high\n")

    assert result.stdout.splitlines()[-1] == "Triaged 0, skipped 0; 1 still untriaged."
    assert run("list", "--format", "json").json()[0]["priority"] is None


def test_ctrl_c_interrupts_and_says_what_was_triaged(
    project: Path, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import typer

    run("log", "First", "--reported-at", "2026-03-02 10:00")
    run("log", "Second", "--reported-at", "2026-03-02 11:00")
    answers = iter(["high", "high", "", ""])

    def prompt(*args: object, **kwargs: object) -> str:
        try:
            return next(answers)
        except StopIteration:
            try:
                raise KeyboardInterrupt from None
            except KeyboardInterrupt:
                raise typer.Abort() from None  # as the prompt does on Ctrl-C

    monkeypatch.setattr(typer, "prompt", prompt)

    result = run("triage", expect=130)

    assert result.stdout.splitlines()[-1] == "Triaged 1, skipped 0 before the stop."
    assert result.stderr.splitlines()[-1] == "Interrupted."
    priorities = [i["priority"] for i in run("list", "--format", "json").json()]
    assert priorities == ["P2", None]
