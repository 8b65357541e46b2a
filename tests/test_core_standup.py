"""The stand-up's window, day count and sections, on a hand-made hypercare.

The project fixture goes live on Monday 2026-03-02 09:00 UTC. The scenario
below is read as of Wednesday 2026-03-04 09:00, so the window is Tuesday
09:00 → Wednesday 09:00. Every expected value is worked out by hand in the
comments.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hypercare.config import Settings
from hypercare.core.standup import build_standup, hypercare_day, previous_standup
from hypercare.store.db import open_store
from tests.conftest import run

AS_OF = "2026-03-04 09:00"
AS_OF_UTC = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def log(title: str, impact: str, urgency: str, reported: str) -> None:
    run(
        "log",
        title,
        "--impact",
        impact,
        "--urgency",
        urgency,
        "--reported-at",
        reported,
        "--at",
        reported,
    )


def build_scenario() -> None:
    """Seven issues; what each shows as of Wednesday 09:00 is noted beside it."""
    run("init", "--name", "Test", "--go-live", "2026-03-02T09:00:00Z", "--tz", "UTC")
    # 1: P1 reported in the window, acknowledged in 5 minutes; its 4 h resolve
    #    target passed Tuesday 14:00 -> new, open P1, breach (resolve missed).
    log("Login fails | SSO [prod] <b>bold</b>", "high", "immediate", "2026-03-03 10:00")
    run("ack", "1", "--at", "2026-03-03 10:05")
    run("assign", "1", "alice", "--at", "2026-03-03 10:05")
    # 2: P3 reported Monday 10:00 and never touched: 4 business hours to
    #    acknowledge were up Monday 14:00 -> breach; idle 47 h -> stale.
    log("Old report slow", "medium", "medium", "2026-03-02 10:00")
    # 3: P2 resolved Tuesday 15:00, 27 h after it was reported (target 8 h)
    #    -> resolved in the window, late (breach), awaiting confirmation.
    log("Export broken", "high", "high", "2026-03-02 12:00")
    run("ack", "3", "--at", "2026-03-02 12:10")
    run("resolve", "3", "--at", "2026-03-03 15:00")
    # 4: P4 closed before the window, reopened inside it -> reopened, open.
    log("Printer jam", "low", "low", "2026-03-02 11:00")
    run("ack", "4", "--at", "2026-03-02 11:30")
    run("resolve", "4", "--at", "2026-03-02 16:00")
    run("close", "4", "--at", "2026-03-03 08:00")
    run("reopen", "4", "--reason", "jams again", "--at", "2026-03-03 12:00")
    # 5: reported after the as-of moment -> nowhere.
    log("Future issue", "high", "immediate", "2026-03-04 10:00")
    # 6: P3 resolved only on Thursday: as of Wednesday it is open, new, and not
    #    awaiting confirmation (its current row says resolved).
    log("Typo on page", "medium", "medium", "2026-03-03 11:00")
    run("ack", "6", "--at", "2026-03-03 11:30")
    run("resolve", "6", "--at", "2026-03-05 10:00")
    # 7: P2 reported 02:00: 7 of its 8 hours used, under 25% left -> at risk.
    log("Slow search", "high", "high", "2026-03-04 02:00")
    run("ack", "7", "--at", "2026-03-04 02:05")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scenario, built once per module (each test gets a copy)."""
    folder = tmp_path_factory.mktemp("scenario")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("NO_COLOR", "1")
        patch.setenv("HYPERCARE_USER", "tester")
        patch.delenv("HYPERCARE_DB", raising=False)
        patch.delenv("HYPERCARE_CONFIG", raising=False)
        build_scenario()
    return folder


@pytest.fixture
def scenario(built: Path, isolated: Path) -> Path:
    for name in ("hypercare.toml", "hypercare.db"):
        shutil.copy(built / name, isolated / name)
    return isolated


def standup_json(*extra: str) -> dict[str, Any]:
    data: dict[str, Any] = run(
        "standup", "--as-of", AS_OF, "--format", "json", *extra
    ).json()
    return data


def ids(lines: list[dict[str, Any]]) -> list[int]:
    return [line["id"] for line in lines]


# --- the window and the day -----------------------------------------------------


def settings(
    timezone: str = "UTC", days: tuple[int, ...] = (0, 1, 2, 3, 4)
) -> Settings:
    return Settings(
        path=None,
        timezone=timezone,
        standup_time=time(9, 0),
        standup_days=days,
        go_live=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # Wednesday at stand-up time: Tuesday's stand-up.
        ("2026-03-04T09:00:00Z", "2026-03-03T09:00:00Z"),
        # Late and early runs still cover the span since the day before.
        ("2026-03-04T11:30:00Z", "2026-03-03T09:00:00Z"),
        ("2026-03-04T08:50:00Z", "2026-03-03T09:00:00Z"),
        # Monday covers the weekend: Friday's stand-up.
        ("2026-03-09T09:00:00Z", "2026-03-06T09:00:00Z"),
        # A Saturday run: Friday.
        ("2026-03-07T10:00:00Z", "2026-03-06T09:00:00Z"),
    ],
)
def test_previous_standup_in_utc(as_of: str, expected: str) -> None:
    moment = datetime.fromisoformat(as_of)
    assert previous_standup(settings(), moment) == datetime.fromisoformat(expected)


def test_previous_standup_is_local_across_the_clock_change() -> None:
    # Amsterdam moves from UTC+1 to UTC+2 on Sunday 2026-03-29. Monday 30th
    # 09:00 local is 07:00Z; Friday 27th 09:00 local was 08:00Z.
    moment = datetime(2026, 3, 30, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    got = previous_standup(settings("Europe/Amsterdam"), moment.astimezone(UTC))
    assert got == datetime(2026, 3, 27, 8, 0, tzinfo=UTC)


def test_previous_standup_follows_the_configured_days() -> None:
    # Stand-ups on Monday and Thursday only: Monday's report reaches back to
    # Thursday, Thursday's to Monday.
    mon_thu = settings(days=(0, 3))
    monday = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
    thursday = datetime(2026, 3, 12, 9, 0, tzinfo=UTC)
    assert previous_standup(mon_thu, monday) == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
    assert previous_standup(mon_thu, thursday) == monday


@pytest.mark.parametrize(
    ("as_of", "day"),
    [
        ("2026-03-02T09:00:00Z", 1),  # the go-live moment is day 1
        ("2026-03-02T23:59:00Z", 1),
        ("2026-03-03T00:00:00Z", 2),
        ("2026-03-04T09:00:00Z", 3),
        ("2026-03-01T12:00:00Z", 0),  # before the go-live
    ],
)
def test_hypercare_day(as_of: str, day: int) -> None:
    assert hypercare_day(settings(), datetime.fromisoformat(as_of)) == day


def test_day_is_none_without_a_go_live() -> None:
    assert hypercare_day(Settings(path=None), AS_OF_UTC) is None


# --- the sections -----------------------------------------------------------------


def test_window_and_day(scenario: Path) -> None:
    data = standup_json()
    assert data["window"] == {
        "since": "2026-03-03T09:00:00Z",
        "until": "2026-03-04T09:00:00Z",
    }
    assert data["as_of"] == "2026-03-04T09:00:00Z"
    assert data["day"] == 3


def test_new_resolved_reopened(scenario: Path) -> None:
    data = standup_json()
    # Reported in (Tue 09:00, Wed 09:00], oldest first; 5 is after as-of.
    assert ids(data["new"]) == [1, 6, 7]
    assert ids(data["resolved"]) == [3]
    assert ids(data["reopened"]) == [4]
    resolved = data["resolved"][0]
    assert resolved["resolved_at"] == "2026-03-03T15:00:00Z"
    assert resolved["hours_to_resolve"] == 27.0  # Mon 12:00 -> Tue 15:00
    assert resolved["sla_resolve"] == "missed"
    reopened = data["reopened"][0]
    assert (reopened["reopened_at"], reopened["reopens"]) == ("2026-03-03T12:00:00Z", 1)
    assert reopened["status"] == "in_progress"


def test_open_counts_by_priority_with_the_change(scenario: Path) -> None:
    # Now: 1 (P1), 7 (P2), 2 and 6 (P3), 4 (P4). At Tuesday 09:00: 3 (P2),
    # 2 (P3); 4 was closed, 1, 6 and 7 not yet reported.
    assert standup_json()["open_by_priority"] == {
        "P1": {"open": 1, "previous": 0, "change": 1},
        "P2": {"open": 1, "previous": 1, "change": 0},
        "P3": {"open": 2, "previous": 1, "change": 1},
        "P4": {"open": 1, "previous": 0, "change": 1},
        "total": {"open": 5, "previous": 2, "change": 3},
    }


def test_open_p1_p2_with_owner_age_and_sla(scenario: Path) -> None:
    lines = standup_json()["open_p1_p2"]
    assert ids(lines) == [1, 7]
    first, second = lines
    assert (first["assignee"], first["age_hours"]) == ("alice", 23.0)
    assert (first["sla_acknowledge"], first["sla_resolve"]) == ("met", "missed")
    assert first["resolve_due_at"] == "2026-03-03T14:00:00Z"
    assert (second["assignee"], second["age_hours"]) == (None, 7.0)
    assert second["sla_resolve"] == "at_risk"


def test_breaches_at_risk_stale_awaiting(scenario: Path) -> None:
    data = standup_json()
    # Open past a target (oldest reported first), then resolved too late.
    assert ids(data["breaches"]) == [2, 1, 3]
    assert data["breaches"][0]["sla_acknowledge"] == "missed"
    assert ids(data["at_risk"]) == [7]
    # Only 2 has had no event for over 24 h (last one Monday 10:00).
    assert ids(data["stale"]) == [2]
    assert data["stale"][0]["idle_hours"] == 47.0
    # 6 is resolved now but was not on Wednesday: only 3 awaits.
    assert ids(data["awaiting_confirmation"]) == [3]
    awaiting = data["awaiting_confirmation"][0]
    assert (awaiting["waiting_hours"], awaiting["is_overdue"]) == (18.0, False)


def test_people_read_durations_as_spans(scenario: Path) -> None:
    text = run("standup", "--as-of", AS_OF, "--format", "md").stdout
    lines = text.splitlines()
    resolved = "| 3 | P2 | Export broken | 2026-03-03 15:00 UTC | 1d 3h 00m | missed |"
    stale = "| 2 | P3 | Old report slow | new | — | 2026-03-02 10:00 UTC | 1d 23h 00m |"
    waiting = "| 3 | P2 | Export broken | — | 2026-03-03 15:00 UTC | 18h 00m | no |"
    section = text.split("## Open P1 and P2 (2)\n\n", 1)[1].split("\n\n", 1)[0]
    ages = [row.split(" | ")[5] for row in section.splitlines()[2:]]

    # 3 took 27 h (Monday 12:00 to Tuesday 15:00) and waits 18 h since;
    # 2 is idle 47 h (since Monday 10:00); 1 is 23 h old, 7 is 7 h old.
    assert resolved in lines
    assert stale in lines
    assert waiting in lines
    assert ages == ["23h 00m", "7h 00m"]
    # The only P2 resolved since go-live is 3, after 27 h.
    assert "P2 1d 3h 00m (n=1)" in text


def test_since_widens_the_window(scenario: Path) -> None:
    data = standup_json("--since", "2026-03-02 09:00")
    assert data["window"]["since"] == "2026-03-02T09:00:00Z"
    assert ids(data["new"]) == [2, 4, 3, 1, 6, 7]
    # 4 was resolved Monday but reopened since: not resolved now.
    assert ids(data["resolved"]) == [3]


def test_a_later_as_of_sees_the_later_history(scenario: Path) -> None:
    data = run("standup", "--as-of", "2026-03-05 12:00", "--format", "json").json()
    # Window Wed 09:00 -> Thu 12:00: 5 reported, 6 resolved (now awaiting).
    assert ids(data["new"]) == [5]
    assert ids(data["resolved"]) == [6]
    assert ids(data["awaiting_confirmation"]) == [3, 6]


def test_core_reads_the_store_directly(scenario: Path) -> None:
    from hypercare.cli.context import current

    store = open_store(scenario / "hypercare.db")
    try:
        report = build_standup(store, current().settings(), AS_OF_UTC)
    finally:
        store.close()
    assert report.day == 3
    assert ids(report.new) == [1, 6, 7]
    assert len(report.exit_criteria) == 10  # the default criteria


def test_an_empty_hypercare_has_empty_sections(project: Path) -> None:
    data = standup_json()
    for key in (
        "new",
        "resolved",
        "reopened",
        "open_p1_p2",
        "breaches",
        "at_risk",
        "stale",
        "awaiting_confirmation",
    ):
        assert data[key] == [], key
    assert data["open_by_priority"]["total"] == {"open": 0, "previous": 0, "change": 0}


def test_an_issue_logged_after_the_fact_counts_from_its_reported_time(
    project: Path,
) -> None:
    # Reported Tuesday 10:00 but logged (triaged as P2) on Thursday: as of
    # Wednesday 09:00 it is new, open, a P2, and idle since it was reported.
    run(
        "log",
        "Late report",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--reported-at",
        "2026-03-03 10:00",
        "--at",
        "2026-03-05 12:00",
    )
    data = standup_json()
    assert ids(data["new"]) == [1]
    assert data["new"][0]["status"] == "new"
    assert data["open_by_priority"]["P2"]["open"] == 1
    assert ids(data["open_p1_p2"]) == [1]
    assert data["open_p1_p2"][0]["last_event_at"] == "2026-03-03T10:00:00Z"


def test_untriaged_issues_have_their_own_headline_row(project: Path) -> None:
    run(
        "log",
        "Not triaged yet",
        "--reported-at",
        "2026-03-03 10:00",
        "--at",
        "2026-03-03 10:00",
    )
    counts = standup_json()["open_by_priority"]
    assert counts["untriaged"] == {"open": 1, "previous": 0, "change": 1}
    assert counts["total"] == {"open": 1, "previous": 0, "change": 1}


def test_window_in_the_configured_zone(isolated: Path) -> None:
    # Amsterdam, Monday after the spring clock change: 09:00 local is 07:00Z;
    # the window starts at Friday 09:00 local, 08:00Z. Times shown are local.
    run(
        "init",
        "--name",
        "Ams",
        "--go-live",
        "2026-03-02 09:00",
        "--tz",
        "Europe/Amsterdam",
    )
    data = run("standup", "--as-of", "2026-03-30 09:00", "--format", "json").json()
    assert data["window"] == {
        "since": "2026-03-27T08:00:00Z",
        "until": "2026-03-30T07:00:00Z",
    }
    assert data["day"] == 29
    text = run("standup", "--as-of", "2026-03-30 09:00", "--format", "md").stdout
    # After the clock change on Sunday 29 March Amsterdam is on CEST (UTC+2).
    assert "day 29 of hypercare · as of 2026-03-30 09:00 CEST" in text
    assert "since the last stand-up: 2026-03-27 09:00 CET" in text
    assert "## Key KPIs since 2026-03-02 09:00 CET" in text
