"""Exit statuses are named and pinned: 0 ok, 2 bad input, 3 bug."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hypercare.cli.exit_codes import ExitCode
from tests.conftest import run


def _into(stream: Any, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m hypercare ARGS`` with its stdout on ``stream`` (a full
    disk, a closed pipe), stderr captured."""
    return subprocess.run(
        [sys.executable, "-m", "hypercare", *args],
        stdout=stream,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )


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


def _logged(project: Path, count: int) -> Path:
    for number in range(count):
        run("-q", "log", f"Issue {number}", "-d", "x" * 2000)
    db = project / "hypercare.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return db


def test_a_damaged_database_is_bad_input(project: Path) -> None:
    db = _logged(project, 10)
    with db.open("r+b") as raw:
        raw.seek(4096 * 3)  # a page of the issues table, past the schema
        raw.write(b"\xff" * 4096)

    result = run("list", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        f"Error: {db} is damaged (database disk image is malformed); restore it "
        "from a backup, or run 'hypercare init' in a new folder\n"
    )


def test_a_database_missing_a_table_is_bad_input(project: Path) -> None:
    db = _logged(project, 1)
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE events")
    conn.commit()
    conn.close()

    result = run("log", "x", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        f"Error: {db} is not a complete hypercare database (no such table: "
        "events); restore it from a backup or run 'hypercare init' in a new folder\n"
    )


def test_an_issue_number_too_large_for_sqlite_is_bad_input(project: Path) -> None:
    result = run("show", "99999999999999999999999", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        "Error: a number given is too large (the largest is 9223372036854775807); "
        "check the issue number or count\n"
    )


def test_text_that_is_not_utf8_is_bad_input(project: Path) -> None:
    # How Python hands a program an argument whose bytes are not UTF-8.
    result = run("log", "bad\udcff", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        "Error: some text given is not valid UTF-8; retype it, or check that the "
        "terminal or file uses UTF-8\n"
    )
    assert run("list", "--format", "json").json() == []


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ("triage", "1", "--impact"),
            "Error: Option '--impact' requires an argument "
            "(see 'hypercare triage --help')",
        ),
        (
            ("--bogus", "list"),
            "Error: No such option: --bogus (Possible options: --verbose) "
            "(see 'hypercare --help')",
        ),
    ],
)
def test_a_usage_error_is_one_line_naming_the_right_help(
    project: Path, args: tuple[str, ...], line: str
) -> None:
    assert run(*args, expect=ExitCode.BAD_INPUT).stderr == line + "\n"


def test_a_device_given_as_the_database_is_named(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYPERCARE_DB", "/dev/null")

    result = run("list", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        "Error: /dev/null is not a regular file (a device, a pipe, or a link to "
        "one); pass --db the hypercare.db file\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("list", "--format", "rich"),
        ("kpi", "--format", "rich"),
        ("standup", "--format", "table"),
        ("exit-check", "--format", "table", "--allow-unknown", "--only", "mttr-p1"),
    ],
)
def test_table_and_rich_name_the_same_terminal_form(
    project: Path, args: tuple[str, ...]
) -> None:
    run(*args)


@pytest.mark.parametrize(
    ("args", "closed", "code"),
    [
        (["list"], 1, ExitCode.OK),  # output to a closed stdout goes nowhere
        (["triage"], 0, ExitCode.BAD_INPUT),  # no input: no terminal to ask
    ],
)
def test_a_standard_stream_closed_by_the_shell(
    project: Path, args: list[str], closed: int, code: int
) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "hypercare", *args],
        preexec_fn=lambda: os.close(closed),  # the shell's `>&-` or `<&-`
        stderr=subprocess.PIPE,
        check=False,
        text=True,
    )

    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr


def test_a_folder_given_as_a_mapping_file_is_named(project: Path) -> None:
    (project / "export.csv").write_text("Case ID,Activity\n1,x\n", encoding="utf-8")

    result = run("import", "csv", "export.csv", "--mapping", ".", expect=2)

    assert result.stderr == "Error: . is a folder; give the path of a file\n"


def test_an_empty_file_given_as_the_database_is_refused(project: Path) -> None:
    (project / "empty.db").write_bytes(b"")

    result = run("--db", "empty.db", "list", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        "Error: empty.db is empty, not a hypercare database; run 'hypercare init' "
        "to create one or pass --db with a hypercare database\n"
    )
    assert (project / "empty.db").stat().st_size == 0


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["log", "--help"]])
def test_help_into_a_full_disk_is_one_line(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = _into(full, *args)

    assert done.returncode == ExitCode.BAD_INPUT
    assert done.stderr == (
        "Error: no space left to write the output; free some space and try again\n"
    )


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["log", "--help"]])
def test_help_into_a_pipe_closed_early_is_not_an_error(args: list[str]) -> None:
    reader = subprocess.Popen(["true"], stdin=subprocess.PIPE)
    reader.wait()  # the reader is gone before anything is written
    assert reader.stdin is not None
    done = _into(reader.stdin, *args)
    reader.stdin.close()

    assert (done.returncode, done.stderr) == (ExitCode.OK, "")


def test_a_group_without_its_command_shows_its_help() -> None:
    result = run("import", expect=2)

    assert result.stderr.startswith("Usage: hypercare import [OPTIONS] COMMAND")
    assert "Error:" not in result.stderr


def test_output_lost_after_a_change_says_the_change_was_recorded(
    project: Path,
) -> None:
    with open("/dev/full", "w") as full:
        done = _into(full, "-q", "log", "Blank invoice PDF")

    assert done.returncode == ExitCode.BAD_INPUT
    assert done.stderr == (
        "Error: the change was recorded, but what the command prints could not be "
        "written (No space left on device); 'hypercare list' shows the change, so "
        "do not repeat the command\n"
    )
    with sqlite3.connect(project / "hypercare.db") as conn:
        assert conn.execute("SELECT title FROM issues").fetchall() == [
            ("Blank invoice PDF",)
        ]


def _closed_early(*args: str) -> int:
    """The exit status of ``hypercare ARGS`` whose reader closes at once."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        return _into(write, *args).returncode
    finally:
        os.close(write)


def test_a_failed_check_still_fails_when_its_reader_goes_away(project: Path) -> None:
    # A P1 open now: no-p1-72h fails, whoever reads the verdict.
    run("log", "Down", "--impact", "high", "--urgency", "immediate")

    assert _closed_early("exit-check") == ExitCode.CHECK_FAILED
    assert _closed_early("exit-check", "--format", "json") == 1
    assert _closed_early("list") == ExitCode.OK


def test_a_status_hypercare_does_not_know_is_bad_input_not_a_bug(
    project: Path,
) -> None:
    run("log", "x", "--at", "2026-03-02 10:00")
    with sqlite3.connect(project / "hypercare.db") as conn:
        conn.execute("UPDATE issues SET status = 'weird'")

    result = run("ack", "1", expect=ExitCode.BAD_INPUT)

    assert result.stderr == (
        "Error: issue 1 has the status 'weird', which is not a hypercare state; "
        "the database was changed outside hypercare: restore it from a backup\n"
    )


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("handover", "--dir", ""), "'--dir'"),
        (("init", "--dir", " "), "'--dir'"),
        (("notify", "1", "--kind", "ack", "--outbox", ""), "'--outbox'"),
        (("import", "jira", ""), "'file'"),
    ],
)
def test_an_empty_path_is_a_usage_error_not_the_current_folder(
    project: Path, args: tuple[str, ...], name: str
) -> None:
    run("log", "x")

    result = run(*args, expect=ExitCode.BAD_INPUT)

    command = " ".join(args[: 2 if args[0] == "import" else 1])
    assert result.stderr == (
        f"Error: Invalid value for {name}: it is empty; give a path (see "
        f"'hypercare {command} --help')\n"
    )
    assert not (project / "handover.md").exists()
    assert not list(project.glob("*.eml"))
