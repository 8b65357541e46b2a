"""Exit statuses are named and pinned: 0 ok, 2 bad input, 3 bug."""

from __future__ import annotations

from pathlib import Path

import pytest

from hypercare.cli.exit_codes import ExitCode
from tests.conftest import run


def test_the_codes() -> None:
    assert [int(c) for c in ExitCode] == [0, 1, 2, 3, 130]


def test_success_is_zero(project: Path) -> None:
    run("list", expect=ExitCode.OK)


def test_usage_error_is_two(project: Path) -> None:
    result = run("log", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        "Error: Missing argument 'title' (see 'hypercare log --help')\n"
    )


def test_bad_input_is_two_without_traceback(project: Path) -> None:
    result = run("show", "42", expect=ExitCode.BAD_INPUT)

    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


def test_a_bug_is_three(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hypercare.core.issues as issues

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(issues, "log_issue", broken)

    result = run("log", "x", expect=ExitCode.BUG)

    assert result.stderr == (
        "Error: internal error (RuntimeError: boom); this is a bug in hypercare. "
        "Run again "
        "with --debug for the traceback and report it.\n"
    )


def test_a_bug_shows_a_traceback_with_debug(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hypercare.core.issues as issues

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(issues, "log_issue", broken)

    result = run("--debug", "log", "x", expect=ExitCode.BUG)

    assert "Traceback (most recent call last)" in result.stderr
