"""SLA clocks on the business calendar after the end of the working day."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run


def _berlin_project() -> None:
    run("init", "--go-live", "2026-11-16 08:00", "--tz", "Europe/Berlin")


def test_a_clock_due_at_the_end_of_the_day_is_missed_that_evening(
    isolated: Path,
) -> None:
    _berlin_project()
    # P3 (high impact, medium urgency): 4 business hours to acknowledge. From
    # Friday 13:00 that is due Friday 17:00, worked out by hand.
    run("log", "p3", "--reported-at", "2026-11-27 13:00", "--at", "2026-11-27 13:00")
    run(
        "triage",
        "1",
        "--impact",
        "high",
        "--urgency",
        "medium",
        "--at",
        "2026-11-27 13:00",
    )

    standup = run("standup", "--as-of", "2026-11-28 12:00", "--format", "json").json()
    kpi = run("kpi", "--as-of", "2026-11-28 12:00", "--format", "json").json()

    assert [line["id"] for line in standup["breaches"]] == [1]
    assert standup["at_risk"] == []
    assert kpi["sla"]["acknowledge"]["P3"]["denominator"] == 1
    assert kpi["sla"]["acknowledge"]["P3"]["numerator"] == 0


def test_a_clock_due_now_in_working_hours_is_not_yet_missed(isolated: Path) -> None:
    _berlin_project()
    run("log", "p3", "--reported-at", "2026-11-27 13:00", "--at", "2026-11-27 13:00")
    run(
        "triage",
        "1",
        "--impact",
        "high",
        "--urgency",
        "medium",
        "--at",
        "2026-11-27 13:00",
    )

    standup = run("standup", "--as-of", "2026-11-27 16:59", "--format", "json").json()

    assert standup["breaches"] == []
