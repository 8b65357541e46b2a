"""Moving issues through the lifecycle, and the timeline that records it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run


def test_walk_every_state_then_reopen_and_close_again(project: Path) -> None:
    run(
        "log",
        "Orders stuck",
        "--reported-at",
        "2026-03-02 08:00",
        "--at",
        "2026-03-02 08:05",
    )
    steps = [
        (
            "triage",
            "1",
            "--impact",
            "high",
            "--urgency",
            "high",
            "--at",
            "2026-03-02 08:10",
        ),
        ("ack", "1", "--at", "2026-03-02 08:15"),
        ("assign", "1", "Orders team", "--at", "2026-03-02 08:20"),
        ("start", "1", "--at", "2026-03-02 08:30"),
        ("hold", "1", "--reason", "vendor patch", "--at", "2026-03-02 09:00"),
        ("start", "1", "--at", "2026-03-02 10:00"),
        ("escalate", "1", "--level", "L3", "--at", "2026-03-02 10:30"),
        ("comment", "1", "Patch applied in test", "--at", "2026-03-02 11:00"),
        ("test", "1", "--at", "2026-03-02 11:30"),
        (
            "resolve",
            "1",
            "--code",
            "fixed",
            "--resolution",
            "Patched",
            "--at",
            "2026-03-02 12:00",
        ),
        ("close", "1", "--at", "2026-03-03 09:00"),
        ("reopen", "1", "--reason", "Came back", "--at", "2026-03-04 09:00"),
        ("resolve", "1", "--resolution", "Patched again", "--at", "2026-03-04 12:00"),
        ("close", "1", "--at", "2026-03-05 09:00"),
    ]
    for step in steps:
        run(*step)

    shown = run("show", "1", "--format", "json").json()
    moves = [
        (e["from_status"], e["to_status"], e["at"])
        for e in shown["events"]
        if e["kind"] == "status"
    ]

    assert moves == [
        ("new", "acknowledged", "2026-03-02T08:15:00Z"),
        ("acknowledged", "in_progress", "2026-03-02T08:30:00Z"),
        ("in_progress", "on_hold", "2026-03-02T09:00:00Z"),
        ("on_hold", "in_progress", "2026-03-02T10:00:00Z"),
        ("in_progress", "awaiting_testing", "2026-03-02T11:30:00Z"),
        ("awaiting_testing", "resolved", "2026-03-02T12:00:00Z"),
        ("resolved", "closed", "2026-03-03T09:00:00Z"),
        ("closed", "in_progress", "2026-03-04T09:00:00Z"),
        ("in_progress", "resolved", "2026-03-04T12:00:00Z"),
        ("resolved", "closed", "2026-03-05T09:00:00Z"),
    ]
    kinds = [e["kind"] for e in shown["events"]]
    assert kinds[:4] == ["logged", "triaged", "status", "assigned"]
    assert "escalated" in kinds and "comment" in kinds
    issue = shown["issue"]
    assert issue["status"] == "closed"
    assert issue["reopen_count"] == 1
    assert issue["acknowledged_at"] == "2026-03-02T08:15:00Z"
    assert issue["resolved_at"] == "2026-03-04T12:00:00Z"
    assert issue["closed_at"] == "2026-03-05T09:00:00Z"
    assert issue["escalation_level"] == "L3"
    assert issue["assignee"] == "Orders team"
    assert issue["updated_at"] == "2026-03-05T09:00:00Z"


def test_timeline_text_shows_each_step(project: Path) -> None:
    run("log", "Orders stuck", "--at", "2026-03-02 08:05")
    run("ack", "1", "--at", "2026-03-02 08:15", "--by", "lead")

    text = run("show", "1").stdout

    assert (
        "2026-03-02 08:15 UTC  lead    status  new → acknowledged; "
        "acknowledged_at=2026-03-02 08:15 UTC\n"
    ) in text


def test_close_on_a_new_issue_names_the_allowed_states(project: Path) -> None:
    run("log", "x")

    result = run("close", "1", expect=2)

    assert result.stderr == (
        "Error: issue 1 is new; cannot close it. Allowed next states: acknowledged, "
        "in_progress, on_hold, resolved, duplicate, rejected, deferred (commands: ack, "
        "start, hold, resolve, duplicate, reject, defer)\n"
    )
    assert run("show", "1", "--format", "json").json()["issue"]["status"] == "new"


@pytest.mark.parametrize(
    ("setup", "command", "message"),
    [
        (
            [],
            ("reopen", "1", "--reason", "x"),
            "Error: issue 1 is new; cannot reopen it. Allowed next states: "
            "acknowledged, "
            "in_progress, on_hold, resolved, duplicate, rejected, deferred "
            "(commands: ack, "
            "start, hold, resolve, duplicate, reject, defer)",
        ),
        (
            [("reject", "1", "--reason", "not a fault")],
            ("start", "1"),
            "Error: issue 1 is rejected; cannot start it. Allowed next states: none "
            "(it is final)",
        ),
        (
            [],
            ("duplicate", "1", "--of", "1"),
            "Error: issue 1 cannot be a duplicate of itself",
        ),
        (
            [],
            ("duplicate", "1", "--of", "9"),
            "Error: there is no issue 9; 'hypercare list' shows the issues",
        ),
        (
            [],
            ("escalate", "1", "--level", "L9"),
            "Error: unknown level 'L9'; use --level L1|L2|L3|vendor",
        ),
        (
            [],
            ("ack", "1", "--at", "2026-03-01 00:00"),
            "Error: --at 2026-03-01 00:00 UTC is before issue 1 was reported "
            "(2026-03-02 10:00 UTC); give a later time",
        ),
    ],
)
def test_refused_moves_change_nothing(
    project: Path, setup: list[tuple[str, ...]], command: tuple[str, ...], message: str
) -> None:
    run("log", "x", "--at", "2026-03-02 10:00")
    for step in setup:
        run(*step)
    before = run("show", "1", "--as-of", "2026-03-03 10:00", "--format", "json").json()

    result = run(*command, expect=2)

    assert result.stderr == message + "\n"
    assert (
        run("show", "1", "--as-of", "2026-03-03 10:00", "--format", "json").json()
        == before
    )


def test_a_time_in_the_future_is_refused(project: Path) -> None:
    run("log", "x")

    result = run("ack", "1", "--at", "2100-01-01 00:00", expect=2)

    assert result.stderr == (
        "Error: --at 2100-01-01 00:00 is in the future (2100-01-01 00:00 UTC); give a "
        "time up to now\n"
    )


def test_a_move_before_the_last_change_of_state_is_refused(project: Path) -> None:
    run("log", "x", "--at", "2026-03-02 08:00")
    run("ack", "1", "--at", "2026-03-02 10:00")

    late = run("start", "1", "--at", "2026-03-02 09:00", expect=2)
    run("comment", "1", "noted earlier", "--at", "2026-03-02 09:00")

    assert late.stderr == (
        "Error: --at 2026-03-02 09:00 UTC is before issue 1's last change of state "
        "(2026-03-02 10:00 UTC); a new state must come after it\n"
    )


@pytest.mark.parametrize("action", ["hold", "reopen", "reject"])
def test_an_empty_reason_is_refused(project: Path, action: str) -> None:
    run("log", "x")
    if action == "reopen":
        run("resolve", "1")

    result = run(action, "1", "--reason", "  ", expect=2)

    assert (
        result.stderr == f"Error: {action} needs a reason; say why with --reason TEXT\n"
    )


def test_duplicate_points_at_the_master(project: Path) -> None:
    for title in ("Master", "Dup A", "Dup B"):
        run("log", title)

    run("duplicate", "2", "--of", "1")
    run("duplicate", "3", "--of", "2")

    issues = {i["id"]: i for i in run("list", "--format", "json").json()}
    assert (issues[2]["status"], issues[2]["duplicate_of"]) == ("duplicate", 1)
    assert (issues[3]["status"], issues[3]["duplicate_of"]) == ("duplicate", 1)


def test_an_issue_with_duplicates_cannot_become_one(project: Path) -> None:
    for title in ("Master", "Dup", "Other"):
        run("log", title)
    run("duplicate", "2", "--of", "1")

    result = run("duplicate", "1", "--of", "3", expect=2)

    assert result.stderr == (
        "Error: issue 1 has duplicates of its own (#2), so it cannot become a "
        "duplicate; mark issue 3 a duplicate of issue 1 instead\n"
    )
    assert run("show", "1", "--format", "json").json()["issue"]["status"] == "new"


def test_reassignment_is_counted(project: Path) -> None:
    run("log", "x")

    run("assign", "1", "Ana")
    run("assign", "1", "Ben")
    run("assign", "1", "Ben")

    issue = run("show", "1", "--format", "json").json()["issue"]
    assert (issue["assignee"], issue["reassignment_count"]) == ("Ben", 1)


def test_by_defaults_to_the_configured_user(project: Path) -> None:
    config = project / "hypercare.toml"
    config.write_text(
        config.read_text().replace("[project]\n", '[project]\nuser = "lead"\n')
    )
    run("log", "x")

    events = run("show", "1", "--format", "json").json()["events"]

    assert events[0]["actor"] == "lead"


def test_a_field_cannot_be_set_before_its_last_change(project: Path) -> None:
    run("log", "a", "--at", "2026-03-03 07:00")
    run(
        "triage",
        "1",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        "2026-03-03 10:00",
    )

    result = run(
        "triage",
        "1",
        "--impact",
        "low",
        "--urgency",
        "low",
        "--at",
        "2026-03-03 09:00",
        expect=2,
    )

    assert result.stderr == (
        "Error: --at 2026-03-03 09:00 UTC is before issue 1's last change of "
        "impact (2026-03-03 10:00 UTC); a new value must come after it\n"
    )
    # A comment changes no field: it may be dated earlier.
    run("comment", "1", "Called the reporter", "--at", "2026-03-03 08:00")
    assert run("show", "1", "--format", "json").json()["issue"]["priority"] == "P2"


def test_a_refusal_shows_times_in_the_configs_zone(isolated: Path) -> None:
    run("init", "--go-live", "2026-03-02T08:00:00Z", "--tz", "Europe/Amsterdam")
    run("log", "x", "--at", "2026-03-02 10:00")  # 09:00 UTC

    early = run("ack", "1", "--at", "2026-03-02 09:30", expect=2)
    future = run("ack", "1", "--at", "2100-07-01 12:00", expect=2)

    assert early.stderr == (
        "Error: --at 2026-03-02 09:30 CET is before issue 1 was reported "
        "(2026-03-02 10:00 CET); give a later time\n"
    )
    assert future.stderr == (
        "Error: --at 2100-07-01 12:00 is in the future (2100-07-01 12:00 CEST); "
        "give a time up to now\n"
    )
