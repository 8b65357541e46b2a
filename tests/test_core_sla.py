"""SLA clocks of hand-made issues, built through the CLI and read as of a moment.

Default targets: P1 15m / 4h on 24x7; P3 4 business hours / 3 business days
(24 working hours) on Monday-Friday 09:00-17:00. 2026-03-02 is a Monday.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hypercare.config import load_settings
from hypercare.core.issues import timeline
from hypercare.core.sla import IssueClocks, clocks_for, clocks_for_all
from hypercare.store.db import open_store
from tests.conftest import run

P1 = ("--impact", "high", "--urgency", "immediate")
P3 = ("--impact", "medium", "--urgency", "medium")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def clocks(as_of: datetime, issue_id: int = 1) -> IssueClocks:
    store = open_store(Path("hypercare.db"))
    try:
        return clocks_for_all(store, load_settings(Path("hypercare.toml")), as_of)[
            issue_id
        ]
    finally:
        store.close()


def log(*flags: str, at: str) -> None:
    run("log", "an issue", *flags, "--reported-at", at, "--at", at)


def test_hold_does_not_count_against_resolve(project: Path) -> None:
    # Reported 10:00, on hold 12:00-14:00, resolved 20:00: 10h span, 8h counted.
    log(*P1, at="2026-03-02 10:00")
    run("ack", "1", "--at", "2026-03-02 10:10")
    run("hold", "1", "--reason", "vendor", "--at", "2026-03-02 12:00")
    run("start", "1", "--at", "2026-03-02 14:00")
    run("resolve", "1", "--at", "2026-03-02 20:00")

    result = clocks(utc(3, 9))
    assert result.resolve.elapsed == timedelta(hours=8)
    assert result.resolve.state == "missed"
    assert result.resolve.stopped_at == utc(2, 20)
    # Due when 4h had counted: 10:00-12:00 plus 2h after the hold ended.
    assert result.resolve.due_at == utc(2, 16)
    assert result.acknowledge.elapsed == timedelta(minutes=10)
    assert result.acknowledge.state == "met"
    assert result.acknowledge.due_at == utc(2, 10, 15)


def test_paused_clock_and_its_state_during_the_hold(project: Path) -> None:
    log(*P1, at="2026-03-02 10:00")
    run("hold", "1", "--reason", "reporter", "--at", "2026-03-02 11:00")

    result = clocks(utc(2, 18))
    assert result.resolve.state == "paused"
    assert result.resolve.elapsed == timedelta(hours=1)
    assert result.resolve.remaining == timedelta(hours=3)
    assert result.resolve.due_at is None
    # The move to on_hold left `new`, so it acknowledged the issue too.
    assert result.acknowledge.stopped_at == utc(2, 11)
    assert result.acknowledge.state == "missed"


@pytest.mark.parametrize(
    ("as_of", "state", "remaining_minutes"),
    [
        (utc(2, 11), "running", 180),  # 1h of 4h used
        (utc(2, 13, 1), "at_risk", 59),  # under 25% (1h) left
        (utc(2, 14), "running", 0),  # exactly at target: not yet missed, not at risk
        (utc(2, 15), "missed", -60),  # still open past target
    ],
)
def test_running_states(
    project: Path, as_of: datetime, state: str, remaining_minutes: int
) -> None:
    log(*P1, at="2026-03-02 10:00")
    result = clocks(as_of)
    expected_state = "at_risk" if remaining_minutes == 0 else state
    assert result.resolve.state == expected_state
    assert result.resolve.remaining == timedelta(minutes=remaining_minutes)
    assert result.resolve.due_at == utc(2, 14)


def test_reopen_keeps_the_first_cycle_and_a_total(project: Path) -> None:
    log(*P1, at="2026-03-02 10:00")
    run("resolve", "1", "--at", "2026-03-02 12:00")
    run("reopen", "1", "--reason", "came back", "--at", "2026-03-03 09:00")
    run("resolve", "1", "--at", "2026-03-03 09:30")

    result = clocks(utc(4, 9))
    first, second = result.cycles
    assert first.elapsed == timedelta(hours=2) and first.state == "met"
    assert second.elapsed == timedelta(minutes=30) and second.state == "met"
    assert result.resolve == second
    assert result.resolve_total == timedelta(hours=2, minutes=30)

    # As of the morning after the first resolve there was one stopped cycle.
    earlier = clocks(utc(3, 8))
    assert len(earlier.cycles) == 1 and earlier.resolve.state == "met"


def test_pause_survives_a_change_of_priority(project: Path) -> None:
    # P1 at first, on hold 11:00-13:00, then lowered to P2 (8h on 24x7).
    log(*P1, at="2026-03-02 10:00")
    run("hold", "1", "--reason", "vendor", "--at", "2026-03-02 11:00")
    run("start", "1", "--at", "2026-03-02 13:00")
    run(
        "triage",
        "1",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        "2026-03-02 14:00",
    )

    result = clocks(utc(2, 16))
    assert result.priority == "P2"
    assert result.resolve.target == timedelta(hours=8)
    assert result.resolve.elapsed == timedelta(hours=4)  # 10-11 and 13-16
    assert result.resolve.due_at == utc(2, 20)


def test_priority_as_of_a_past_moment(project: Path) -> None:
    log(*P3, at="2026-03-02 10:00")
    run(
        "triage",
        "1",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-02 12:00",
    )
    assert clocks(utc(2, 11)).priority == "P3"
    assert clocks(utc(2, 13)).priority == "P1"


def test_friday_afternoon_is_due_monday_noon_in_the_config_zone(isolated: Path) -> None:
    run("init", "--name", "B", "--go-live", "2026-03-02 09:00", "--tz", "Europe/Berlin")
    # Friday 16:00 Berlin (15:00 UTC), P3: 4 business hours to acknowledge.
    log(*P3, at="2026-03-06 16:00")

    result = clocks(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))  # Monday 09:00 Berlin
    assert result.acknowledge.due_at == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert result.acknowledge.elapsed == timedelta(hours=1)
    assert result.acknowledge.state == "running"


def test_24x7_clock_across_the_spring_change_counts_real_hours(isolated: Path) -> None:
    run("init", "--name", "B", "--go-live", "2026-03-02 09:00", "--tz", "Europe/Berlin")
    # 22:00 to 06:00 local on the night the clocks go forward: 7 real hours.
    log(*P1, at="2026-03-28 22:00")
    run("resolve", "1", "--at", "2026-03-29 06:00")

    result = clocks(datetime(2026, 3, 30, tzinfo=UTC))
    assert result.resolve.elapsed == timedelta(hours=7)


def test_no_target_and_untriaged(project: Path) -> None:
    log(at="2026-03-02 10:00")  # untriaged
    log("--impact", "low", "--urgency", "low", at="2026-03-02 10:00")  # P4: no resolve
    untriaged, p4 = clocks(utc(2, 12), 1), clocks(utc(2, 12), 2)
    assert untriaged.priority is None and untriaged.resolve.state == "none"
    assert untriaged.resolve.elapsed == timedelta(hours=2)
    assert p4.resolve.state == "none" and p4.resolve.target is None
    assert p4.acknowledge.state == "running"


def test_clocks_for_one_issue_matches_the_bulk_reader(project: Path) -> None:
    log(*P1, at="2026-03-02 10:00")
    run("hold", "1", "--reason", "vendor", "--at", "2026-03-02 12:00")
    run("start", "1", "--at", "2026-03-02 14:00")
    store = open_store(Path("hypercare.db"))
    settings = load_settings(Path("hypercare.toml"))
    issue, events = timeline(store, 1)
    one = clocks_for(issue, events, settings, utc(2, 15))
    bulk = clocks_for_all(store, settings, utc(2, 15), issue_ids=[1])
    store.close()
    assert one == bulk[1]
    assert one.resolve.elapsed == timedelta(hours=3)
