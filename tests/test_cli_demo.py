"""``hypercare demo``: built offline from the shipped data, with its reports."""

from __future__ import annotations

import gzip
import sqlite3
import tomllib
from pathlib import Path

import pytest

from hypercare.core.demo import DATA_NAME
from tests.conftest import SERVICENOW_CSV, run

SHIPPED = Path(__file__).resolve().parents[1] / "hypercare" / "data" / DATA_NAME


def test_shipped_data_is_the_shared_servicenow_file() -> None:
    assert gzip.decompress(SHIPPED.read_bytes()) == SERVICENOW_CSV.read_bytes()


@pytest.mark.slow
def test_demo_builds_and_shows_standup_and_exit_check(isolated: Path) -> None:
    result = run("demo", "--dir", "demo-here")
    folder = isolated / "demo-here"
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Built a demo hypercare in {folder}: 3,931 issues, 32,003 events from "
        "28,071 audit rows."
    )
    assert lines[1].startswith(
        "Data: ServiceNow incident event log (UCI Machine "
        "Learning Repository), CC BY 4.0: Claudio Amaral"
    )
    assert "== Stand-up as of 2016-03-08 09:00 ==" in lines
    assert "== Exit check as of 2016-03-08 09:00 ==" in lines
    # A week after go-live the exit check fails; the demo itself still succeeds.
    assert any(
        line.startswith("Exit check as of 2016-03-08 09:00 UTC: FAIL") for line in lines
    )

    config = tomllib.loads((folder / "hypercare.toml").read_text())["project"]
    assert (config["timezone"], config["day_first"]) == ("UTC", True)
    assert (config["go_live"], config["planned_end"]) == (
        "2016-02-29T00:00:00Z",
        "2016-03-28T00:00:00Z",
    )
    conn = sqlite3.connect(folder / "hypercare.db")
    assert conn.execute("SELECT count(*) FROM issues").fetchone()[0] == 3931
    conn.close()


@pytest.mark.parametrize("force", [(), ("--force",)])
def test_demo_never_deletes_a_database_without_a_demo_config(
    isolated: Path, force: tuple[str, ...]
) -> None:
    # A project that keeps its database in a folder of its own, config elsewhere.
    run("init", "--name", "Payroll")
    run("log", "Real work")
    (isolated / "data").mkdir()
    (isolated / "hypercare.db").rename(isolated / "data" / "hypercare.db")

    result = run("demo", "--dir", "data", *force, expect=2)

    assert result.stderr.splitlines() == [
        f"Error: {isolated / 'data'} holds a hypercare that is not a demo; give "
        "--dir a new folder (--force rebuilds only a demo, deleting its database)"
    ]
    listed = run("--db", "data/hypercare.db", "list", "--format", "json").json()
    assert [issue["title"] for issue in listed] == ["Real work"]


@pytest.mark.slow
def test_a_demo_is_rebuilt_only_with_force(isolated: Path) -> None:
    run("demo", "--dir", "demo-here")
    run("--config", "demo-here/hypercare.toml", "log", "Tried something")

    refused = run("demo", "--dir", "demo-here", expect=2)
    rebuilt = run("demo", "--dir", "demo-here", "--force")

    assert refused.stderr.splitlines() == [
        f"Error: {isolated / 'demo-here'} already holds a demo; pass --force to "
        "rebuild it, or --dir with a new folder"
    ]
    assert rebuilt.stdout.splitlines()[0].endswith(
        ": 3,931 issues, 32,003 events from 28,071 audit rows."
    )


@pytest.mark.parametrize("force", [(), ("--force",)])
def test_demo_never_replaces_a_hypercare_that_is_not_a_demo(
    isolated: Path, force: tuple[str, ...]
) -> None:
    run("init", "--dir", "taken", "--name", "Payroll")
    run("--config", "taken/hypercare.toml", "log", "Real work")

    result = run("demo", "--dir", "taken", *force, expect=2)

    assert result.stderr.splitlines() == [
        f"Error: {isolated / 'taken'} holds a hypercare that is not a demo; give "
        "--dir a new folder (--force rebuilds only a demo, deleting its database)"
    ]
    listed = run("--config", "taken/hypercare.toml", "list", "--format", "json")
    assert [issue["title"] for issue in listed.json()] == ["Real work"]


@pytest.mark.parametrize(
    ("as_of", "message"),
    [
        (
            "",
            "--as-of is empty; use ISO 8601 (2026-03-05 14:30), a written date "
            "(5 Mar 2026 14:30) or a relative form (now, 2h ago, 72h, yesterday "
            "09:00)",
        ),
        (
            "2999-01-01",
            "--as-of 2999-01-01 is in the future; give a time up to now, such as "
            "the default 2016-03-08 09:00",
        ),
    ],
)
def test_demo_refuses_an_empty_or_future_as_of_before_building(
    isolated: Path, as_of: str, message: str
) -> None:
    result = run("demo", "--as-of", as_of, expect=2)

    assert result.stderr == f"Error: {message}\n"
    assert not (isolated / "hypercare-demo").exists()


def test_demo_refuses_an_unreadable_as_of_before_building(isolated: Path) -> None:
    result = run("demo", "--as-of", "someday", expect=2)
    assert result.stderr.splitlines() == [
        "Error: cannot read the time 'someday': use ISO 8601 (2026-03-05 14:30), a "
        "written date (5 Mar 2026 14:30) or a relative form (now, 2h ago, 72h, "
        "yesterday 09:00)"
    ]
    assert not (isolated / "hypercare-demo").exists()
