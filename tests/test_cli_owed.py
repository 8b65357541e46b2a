"""owed, confirm and close --unconfirmed-older-than: the loop with each reporter."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hypercare.cli import output
from tests.conftest import SERVICENOW_CSV, run


def _owed(as_of: str) -> list[tuple[int, str, str]]:
    rows = run("owed", "--as-of", as_of, "--format", "json").json()
    return [(row["issue"], row["message"], row["due_at"]) for row in rows]


def _p2(title: str, reported: str, contact: str = "ana@example.com") -> None:
    run(
        "log",
        title,
        "--contact",
        contact,
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        reported,
    )


def test_unacknowledged_p2_after_two_hours_is_owed_an_ack(project: Path) -> None:
    # P2: acknowledge within 1 hour. Both reported at 08:00; as of 10:00.
    _p2("Left alone", "2026-03-03T08:00:00Z")
    _p2("Acknowledged in 30 minutes", "2026-03-03T08:00:00Z", "bo@example.com")
    run("ack", "2", "--at", "2026-03-03T08:30:00Z")

    assert _owed("2026-03-03T10:00:00Z") == [(1, "ack", "2026-03-03T09:00:00Z")]


def test_ack_is_not_owed_before_its_target(project: Path) -> None:
    _p2("Just in", "2026-03-03T08:00:00Z")

    assert _owed("2026-03-03T08:59:00Z") == []


def test_a_delivered_message_acknowledges(project: Path) -> None:
    _p2("Told by mail", "2026-03-03T08:00:00Z")
    run(
        "notify",
        "1",
        "--kind",
        "ack",
        "--outbox",
        "out",
        "--at",
        "2026-03-03T08:20:00Z",
    )

    assert _owed("2026-03-03T10:00:00Z") == []


def test_p2_update_is_owed_eight_hours_after_the_last_message(project: Path) -> None:
    _p2("Slow reports", "2026-03-03T08:00:00Z")
    run(
        "notify",
        "1",
        "--kind",
        "ack",
        "--outbox",
        "out",
        "--at",
        "2026-03-03T08:20:00Z",
    )
    run("start", "1", "--at", "2026-03-03T09:00:00Z")

    assert _owed("2026-03-03T16:19:00Z") == []
    assert _owed("2026-03-03T16:20:00Z") == [(1, "update", "2026-03-03T16:20:00Z")]
    run(
        "notify",
        "1",
        "--kind",
        "update",
        "--outbox",
        "out",
        "--at",
        "2026-03-03T17:00:00Z",
    )
    assert _owed("2026-03-03T18:00:00Z") == []


def test_p1_update_every_two_hours_and_p3_never(project: Path) -> None:
    run(
        "log",
        "Everything down",
        "--contact",
        "a@example.com",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-03T08:00:00Z",
    )
    run(
        "log",
        "Typo on a label",
        "--contact",
        "b@example.com",
        "--impact",
        "low",
        "--urgency",
        "high",
        "--at",
        "2026-03-03T08:00:00Z",
    )
    run("ack", "1", "--at", "2026-03-03T08:05:00Z")
    run("ack", "2", "--at", "2026-03-03T08:05:00Z")

    assert _owed("2026-03-04T08:00:00Z") == [(1, "update", "2026-03-03T10:05:00Z")]


def test_resolution_confirm_and_duplicate_notices(project: Path) -> None:
    _p2("Payroll export timeout", "2026-03-03T08:00:00Z")
    run(
        "log",
        "Export hangs",
        "--contact",
        "bo@example.com",
        "--at",
        "2026-03-03T08:10:00Z",
    )
    run("duplicate", "2", "--of", "1", "--at", "2026-03-03T08:30:00Z")
    run(
        "resolve",
        "1",
        "--resolution",
        "Raised the timeout",
        "--at",
        "2026-03-03T12:00:00Z",
    )

    assert _owed("2026-03-03T12:00:00Z") == [
        (1, "resolution", "2026-03-03T12:00:00Z"),
        (1, "confirm", "2026-03-03T12:00:00Z"),
        (2, "duplicate", "2026-03-03T08:30:00Z"),
        (2, "resolution", "2026-03-03T12:00:00Z"),
    ]
    rows = run("owed", "--as-of", "2026-03-03T12:00:00Z", "--format", "json").json()
    assert rows[3] == {
        "reporter": None,
        "contact": "bo@example.com",
        "issue": 2,
        "title": "Export hangs",
        "priority": None,
        "message": "resolution",
        "due_at": "2026-03-03T12:00:00Z",
        "overdue": "0m",
        "via": 1,
        "reason": "issue 1 resolved 2026-03-03T12:00:00Z",
    }

    md = run("owed", "--as-of", "2026-03-03T12:00:00Z", "--format", "md")
    assert md.stdout.splitlines()[0] == (
        "| reporter | contact | # | priority | title | message | due since | "
        "overdue | sent with issue |"
    )
    assert md.stdout.splitlines()[5] == (
        "|  | bo@example.com | 2 |  | Export hangs | resolution | "
        "2026-03-03 12:00 UTC | 0m | 1 |"
    )

    run(
        "notify",
        "1",
        "--kind",
        "resolution",
        "--outbox",
        "out",
        "--at",
        "2026-03-03T12:30:00Z",
    )
    # The resolution reached issue 2's reporter too, which also tells them
    # which issue theirs joined: no separate duplicate notice is owed any more.
    assert _owed("2026-03-03T13:00:00Z") == [
        (1, "confirm", "2026-03-03T12:00:00Z"),
    ]


def test_as_of_ignores_what_happened_later(project: Path) -> None:
    _p2("Late ack", "2026-03-03T08:00:00Z")
    run("ack", "1", "--at", "2026-03-03T11:00:00Z")

    assert _owed("2026-03-03T10:00:00Z") == [(1, "ack", "2026-03-03T09:00:00Z")]
    assert _owed("2026-03-03T11:30:00Z") == []


def test_owed_table_per_reporter_and_the_unconfirmed_hint(project: Path) -> None:
    run(
        "log",
        "Zed issue",
        "--reporter",
        "Zoe",
        "--contact",
        "z@example.com",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        "2026-03-03T08:00:00Z",
    )
    run(
        "log",
        "Alpha issue",
        "--reporter",
        "Al",
        "--contact",
        "al@example.com",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        "2026-03-03T08:00:00Z",
    )
    run("resolve", "1", "--at", "2026-03-03T09:00:00Z")

    result = run("owed", "--as-of", "2026-03-07T09:00:00Z")

    lines = result.stdout.splitlines()
    assert lines[0] == "Messages owed"
    assert lines[2].split()[:4] == ["Al", "al@example.com", "2", "P2"]
    # The acknowledgement was due at 09:00 on the 3rd: exactly 4 days ago.
    cells = [cell.strip() for cell in lines[2].split("  ") if cell.strip()]
    assert cells[-3:] == ["ack", "2026-03-03 09:00 UTC", "4d 0h 00m"]
    assert lines[3].split()[:3] == ["Zoe", "z@example.com", "1"]
    assert result.stderr == (
        "1 resolved issue unconfirmed for longer than 3d: 1; close it with "
        "'hypercare close --unconfirmed-older-than 3d'\n"
    )


@pytest.mark.parametrize("fmt", ["csv", "md", "table"])
def test_owed_formats_when_nothing_is_owed(project: Path, fmt: str) -> None:
    expected = {
        "csv": "reporter,contact,issue,priority,title,message,due_at,overdue,via\n",
        "md": "No reporter is owed a message.\n",
        "table": "No reporter is owed a message.\n",
    }
    assert run("owed", "--format", fmt).stdout == expected[fmt]


def test_confirm_closes_and_rejection_reopens(project: Path) -> None:
    _p2("One", "2026-03-03T08:00:00Z")
    _p2("Two", "2026-03-03T08:00:00Z")
    for number in ("1", "2"):
        run("resolve", number, "--at", "2026-03-03T10:00:00Z")

    assert run(
        "confirm", "1", "--by", "Ana", "--at", "2026-03-03T11:00:00Z"
    ).stdout == ("Issue 1 is confirmed and now closed.\n")
    run(
        "confirm",
        "2",
        "--rejected",
        "--reason",
        "still slow",
        "--at",
        "2026-03-03T11:00:00Z",
    )

    one = run("show", "1", "--format", "json").json()
    assert one["issue"]["status"] == "closed"
    assert one["issue"]["closed_at"] == "2026-03-03T11:00:00Z"
    assert one["events"][-1]["actor"] == "Ana"
    assert one["events"][-1]["note"] == "the reporter confirmed the resolution"
    two = run("show", "2", "--format", "json").json()
    assert (two["issue"]["status"], two["issue"]["reopen_count"]) == ("in_progress", 1)
    assert two["events"][-1]["note"] == (
        "the reporter rejected the resolution: still slow"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["confirm", "1"],
            "Error: issue 1 is new; only a resolved issue can be confirmed by its "
            "reporter",
        ),
        (
            ["confirm", "1", "--rejected"],
            "Error: say why the reporter rejects the resolution: --reason TEXT",
        ),
        (
            ["confirm", "2", "--reason", "fine"],
            "Error: --reason goes with --rejected; a confirmation needs no reason",
        ),
        (
            ["confirm", "7"],
            "Error: there is no issue 7; 'hypercare list' shows the issues",
        ),
        (["close"], "Error: say which issue to close: hypercare close N"),
        (
            ["close", "2", "--unconfirmed-older-than", "3d"],
            "Error: give an issue number or --unconfirmed-older-than, not both",
        ),
        (
            ["close", "--unconfirmed-older-than", "soon"],
            "Error: --unconfirmed-older-than 'soon' is not a duration like 15m, 4h "
            "or 3d",
        ),
        (
            ["close", "--unconfirmed-older-than", "99999999999d", "--yes"],
            "Error: --unconfirmed-older-than '99999999999d' is longer than 100 years "
            "(36500d); give a shorter one",
        ),
    ],
)
def test_refusals(project: Path, args: list[str], line: str) -> None:
    _p2("New one", "2026-03-03T08:00:00Z")
    _p2("Resolved one", "2026-03-03T08:00:00Z")
    run("resolve", "2", "--at", "2026-03-03T09:00:00Z")

    assert run(*args, expect=2).stderr == line + "\n"
    assert run("show", "2", "--format", "json").json()["issue"]["status"] == (
        "resolved"
    )


def _three_resolved() -> None:
    # Resolved on the 2nd, 4th and 5th of March; closing on the 6th at noon.
    for day in ("02", "04", "05"):
        _p2(f"Resolved on the {day}th", f"2026-03-{day}T08:00:00Z")
    for number, day in ((1, "02"), (2, "04"), (3, "05")):
        run("resolve", str(number), "--at", f"2026-03-{day}T10:00:00Z")


def test_close_unconfirmed_older_than_closes_them_in_one_go(project: Path) -> None:
    _three_resolved()

    result = run(
        "close",
        "--unconfirmed-older-than",
        "3d",
        "--yes",
        "--at",
        "2026-03-06T12:00:00Z",
    )

    assert result.stdout.splitlines()[-1] == "Closed 1 issue: 1."
    assert "Resolved on the 02th" in result.stdout
    statuses = {i["id"]: i["status"] for i in run("list", "--format", "json").json()}
    assert statuses == {1: "closed", 2: "resolved", 3: "resolved"}
    note = run("show", "1", "--format", "json").json()["events"][-1]["note"]
    assert note == "closed unconfirmed: no answer from the reporter within 3d"


def test_close_unconfirmed_needs_yes_without_a_terminal(project: Path) -> None:
    _three_resolved()

    result = run(
        "close",
        "--unconfirmed-older-than",
        "1d",
        "--at",
        "2026-03-06T12:00:00Z",
        expect=2,
    )

    assert result.stderr == (
        "Error: closing needs a yes in a terminal; add --yes to close them\n"
    )
    assert {i["status"] for i in run("list", "--format", "json").json()} == {"resolved"}


@pytest.mark.parametrize(
    ("answer", "statuses", "last"),
    [
        ("y\n", {"closed"}, "Closed 2 issues: 1, 2."),
        ("n\n", {"resolved"}, "Nothing closed."),
    ],
)
def test_close_unconfirmed_asks_in_a_terminal(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    statuses: set[str],
    last: str,
) -> None:
    monkeypatch.setattr(output, "is_interactive", lambda: True)
    _three_resolved()

    result = run(
        "close",
        "--unconfirmed-older-than",
        "2d",
        "--at",
        "2026-03-06T12:00:00Z",
        input=answer,
    )

    lines = result.stdout.splitlines()
    assert lines[-2:] == [f"Close these 2 issues? [y/N]: {answer.strip()}", last]
    listed: list[dict[str, Any]] = run("list", "--format", "json").json()
    assert {i["status"] for i in listed if i["id"] in (1, 2)} == statuses
    assert next(i for i in listed if i["id"] == 3)["status"] == "resolved"


def test_close_unconfirmed_asks_about_one_issue_in_the_singular(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(output, "is_interactive", lambda: True)
    _three_resolved()

    # Only issue 1 (resolved on the 2nd) is unconfirmed for longer than 3d.
    result = run(
        "close",
        "--unconfirmed-older-than",
        "3d",
        "--at",
        "2026-03-06T12:00:00Z",
        input="y\n",
    )

    assert result.stdout.splitlines()[-2:] == [
        "Close this issue? [y/N]: y",
        "Closed 1 issue: 1.",
    ]


def test_the_unconfirmed_hint_counts_several_issues(project: Path) -> None:
    _three_resolved()

    # As of the 9th at noon all three were resolved more than 3 days before.
    result = run("owed", "--as-of", "2026-03-09T12:00:00Z")

    assert result.stderr == (
        "3 resolved issues unconfirmed for longer than 3d: 1, 2, 3; close them "
        "with 'hypercare close --unconfirmed-older-than 3d'\n"
    )


def test_an_owed_ack_without_an_address_is_named_with_its_article(
    project: Path,
) -> None:
    # P2, reported at 08:00 with no contact: its ack is owed from 09:00.
    run(
        "log",
        "No address",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        "2026-03-03T08:00:00Z",
    )

    result = run(
        "notify", "--owed", "--all", "--outbox", "out", "--at", "2026-03-03T10:00:00Z"
    )

    assert result.stderr == (
        "Warning: issue 1 is owed an ack message but has no e-mail contact; skipped\n"
    )


def test_p3_ack_follows_business_hours(project: Path) -> None:
    # P3: 4 business hours. Friday 16:00 -> one hour Friday, three on Monday.
    run(
        "log",
        "Label typo",
        "--contact",
        "a@example.com",
        "--impact",
        "low",
        "--urgency",
        "high",
        "--at",
        "2026-03-06T16:00:00Z",
    )

    assert _owed("2026-03-08T23:00:00Z") == []
    assert _owed("2026-03-09T12:00:00Z") == [(1, "ack", "2026-03-09T12:00:00Z")]


def test_untriaged_issue_gets_the_p4_ack_target(project: Path) -> None:
    # P4: 1 business day = 8 working hours; Monday 10:00 -> Tuesday 10:00.
    run(
        "log",
        "Something odd",
        "--contact",
        "a@example.com",
        "--at",
        "2026-03-02T10:00:00Z",
    )

    assert _owed("2026-03-03T09:59:00Z") == []
    assert _owed("2026-03-03T10:00:00Z") == [(1, "ack", "2026-03-03T10:00:00Z")]


@pytest.fixture(scope="module")
def servicenow(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real ServiceNow sample, imported once for this module."""
    folder = tmp_path_factory.mktemp("servicenow")
    run("init", "--dir", str(folder), "--go-live", "2016-02-29T00:00:00Z")
    run(
        "--config",
        str(folder / "hypercare.toml"),
        "import",
        "servicenow",
        str(SERVICENOW_CSV),
    )
    return folder / "hypercare.db"


# The issues whose latest status event by a moment is `status`, worked out
# in SQL from the events alone.
_STATUS_AS_OF = """
    SELECT issue_id FROM events AS e
    WHERE to_status IS NOT NULL AND at <= :as_of AND id = (
        SELECT max(id) FROM events
        WHERE issue_id = e.issue_id AND to_status IS NOT NULL AND at <= :as_of)
    AND to_status = :status
"""


@pytest.mark.slow
def test_owed_on_the_servicenow_sample(servicenow: Path, project: Path) -> None:
    shutil.copy(servicenow, project / "hypercare.db")
    as_of = "2016-03-01T00:00:00Z"

    rows = run("owed", "--as-of", as_of, "--format", "json").json()

    conn = sqlite3.connect(project / "hypercare.db")

    def status(name: str) -> set[int]:
        query = conn.execute(_STATUS_AS_OF, {"as_of": as_of, "status": name})
        return {row[0] for row in query}

    resolved, new = status("resolved"), status("new")
    conn.close()
    by_kind: dict[str, set[int]] = {}
    for row in rows:
        by_kind.setdefault(row["message"], set()).add(row["issue"])
    assert resolved and by_kind["resolution"] == resolved
    assert by_kind["confirm"] == resolved
    assert by_kind["ack"] and by_kind["ack"] <= new
    assert set(by_kind) <= {"ack", "update", "resolution", "confirm"}
