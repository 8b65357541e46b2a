"""The measures on a small hand-made hypercare, with values worked out by hand.

All nine issues are reported Monday 2026-03-02 10:00 UTC (go-live 09:00):

| # | priority | history                                          | minutes to resolve |
|---|----------|--------------------------------------------------|--------------------|
| 1 | P1 bug, email | ack 10:05, resolved 11:00                   | 60                 |
| 2 | P1 bug   | ack 10:05, resolved 12:00                        | 120                |
| 3 | P1       | ack 10:05, resolved 13:00                        | 180                |
| 4 | P1       | ack 10:05, resolved 14:00 (exactly the 4h target) | 240               |
| 5 | P1       | ack 10:30 (late), resolved 20:00 (late)          | 600                |
| 6 | P1       | duplicate of 1 at 11:00                          | excluded           |
| 7 | P3       | resolved 12:00, reopened Tue 10:00, still open   | not resolved       |
| 8 | P3       | ack 10:30, assigned A then B, resolved 15:00     | 300                |
| 9 | P3       | ack 10:30, escalated to L2, resolved 16:00       | 360                |
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hypercare.config import Settings, load_settings
from hypercare.core import measures
from hypercare.core.when import to_iso
from hypercare.models import Event
from hypercare.store.db import Store, open_store
from tests.conftest import run

AS_OF = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
P1 = ("--impact", "high", "--urgency", "immediate")
P3 = ("--impact", "medium", "--urgency", "medium")


def _build() -> None:
    run("init", "--name", "M", "--go-live", "2026-03-02T09:00:00Z", "--tz", "UTC")
    flags: list[tuple[str, ...]] = [
        (*P1, "--type", "bug", "--channel", "email"),
        (*P1, "--type", "bug"),
        P1,
        P1,
        P1,
        P1,
        P3,
        P3,
        P3,
    ]
    for number, extra in enumerate(flags, start=1):
        run(
            "log",
            f"issue {number}",
            *extra,
            "--reported-at",
            "2026-03-02 10:00",
            "--at",
            "2026-03-02 10:00",
        )

    def at(when: str) -> tuple[str, str]:
        return ("--at", f"2026-03-0{when}")

    for number in (1, 2, 3, 4):
        run("ack", str(number), *at("2 10:05"))
    for number in (5, 8, 9):
        run("ack", str(number), *at("2 10:30"))
    for number, when in (
        (1, "11:00"),
        (2, "12:00"),
        (3, "13:00"),
        (4, "14:00"),
        (5, "20:00"),
        (7, "12:00"),
    ):
        run("resolve", str(number), *at(f"2 {when}"))
    run("duplicate", "6", "--of", "1", *at("2 11:00"))
    run("reopen", "7", "--reason", "back again", *at("3 10:00"))
    run("assign", "8", "A", *at("2 11:00"))
    run("assign", "8", "B", *at("2 12:00"))
    run("resolve", "8", *at("2 15:00"))
    run("escalate", "9", "--level", "L2", *at("2 11:00"))
    run("resolve", "9", *at("2 16:00"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("measures")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("NO_COLOR", "1")
        patch.setenv("HYPERCARE_USER", "tester")
        patch.delenv("HYPERCARE_DB", raising=False)
        patch.delenv("HYPERCARE_CONFIG", raising=False)
        _build()
    yield folder


@pytest.fixture
def hc(built: Path, isolated: Path) -> Iterator[tuple[Store, Settings]]:
    for name in ("hypercare.toml", "hypercare.db"):
        shutil.copy(built / name, isolated / name)
    store = open_store(isolated / "hypercare.db")
    yield store, load_settings(isolated / "hypercare.toml")
    store.close()


def test_mttr_mean_median_p90(hc: tuple[Store, Settings]) -> None:
    store, settings = hc
    by_priority = measures.mttr_by_priority(store, settings, as_of=AS_OF, since=None)
    # P1: 60, 120, 180, 240, 600. p90 rank (5-1)*0.9 = 3.6 -> 240 + 0.6*360.
    assert by_priority["P1"] == measures.Stats(5, 240.0, 180.0, 456.0)
    # P3: 300, 360 (issue 7 is open again, so not resolved).
    assert by_priority["P3"] == measures.Stats(2, 330.0, 330.0, 354.0)
    assert by_priority["P2"] == measures.Stats(0, None, None, None)
    every = by_priority["all"]
    assert every.count == 7
    assert every.mean_minutes == pytest.approx(1860 / 7)
    assert every.median_minutes == 240.0
    assert every.p90_minutes == pytest.approx(456.0)  # rank 5.4: 360 + 0.4*240
    single = measures.mttr(store, settings, as_of=AS_OF, since=None, priority="P1")
    assert single == by_priority["P1"]


def test_mttr_as_of_a_past_moment_and_window(hc: tuple[Store, Settings]) -> None:
    store, settings = hc
    # Tuesday 09:00: issue 7 was still resolved (120 minutes).
    tuesday = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
    p3 = measures.mttr(store, settings, as_of=tuesday, since=None, priority="P3")
    assert p3 == measures.Stats(3, 260.0, 300.0, 348.0)
    # Only resolutions from 13:00 on: issues 3, 4, 5 among P1.
    since = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
    p1 = measures.mttr(store, settings, as_of=AS_OF, since=since, priority="P1")
    assert p1.count == 3 and p1.mean_minutes == 340.0


def test_sla_compliance(hc: tuple[Store, Settings]) -> None:
    store, settings = hc

    def ratio(priority: str | None, clock: str) -> measures.Ratio:
        return measures.sla_compliance(
            store, settings, as_of=AS_OF, since=None, priority=priority, clock=clock
        )

    # Issue 5 was acknowledged after 30 minutes and resolved after 10 hours.
    assert ratio("P1", "acknowledge") == measures.Ratio(4, 5, 80.0)
    assert ratio("P1", "resolve") == measures.Ratio(4, 5, 80.0)
    # P3: 7 acknowledged by resolving at 12:00, 8 and 9 at 10:30: all in time.
    assert ratio("P3", "acknowledge") == measures.Ratio(3, 3, 100.0)
    # Issue 7's second cycle is running and not yet due: not counted.
    assert ratio("P3", "resolve") == measures.Ratio(2, 2, 100.0)
    assert ratio("P2", "resolve") == measures.Ratio(0, 0, None)
    assert ratio(None, "resolve") == measures.Ratio(6, 7, pytest.approx(600 / 7))


def test_open_issue_past_target_counts_as_missed(hc: tuple[Store, Settings]) -> None:
    store, settings = hc
    run(
        "log",
        "late",
        *P1,
        "--reported-at",
        "2026-03-03 08:00",
        "--at",
        "2026-03-03 08:00",
    )
    resolve = measures.sla_compliance(
        store, settings, as_of=AS_OF, since=None, priority="P1", clock="resolve"
    )
    assert resolve == measures.Ratio(4, 6, pytest.approx(400 / 6))


def test_fcr_and_reopen_rate(hc: tuple[Store, Settings]) -> None:
    store, settings = hc
    # Resolved: 1-5, 8, 9; 8 was reassigned and 9 escalated.
    fcr = measures.first_contact_resolution(store, settings, as_of=AS_OF, since=None)
    assert (fcr.numerator, fcr.denominator) == (5, 7)
    # Resolution moves in the window: 1-5, 7, 8, 9; only 7 reopened after.
    reopen = measures.reopen_rate(store, settings, as_of=AS_OF, since=None)
    assert reopen == measures.Ratio(1, 8, 12.5)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 2, 9, 59, tzinfo=UTC), {"P1": 0, "P2": 0, "P3": 0, "P4": 0}),
        (
            datetime(2026, 3, 2, 10, 30, tzinfo=UTC),
            {"P1": 6, "P2": 0, "P3": 3, "P4": 0},
        ),
        (
            datetime(2026, 3, 2, 11, 30, tzinfo=UTC),
            {"P1": 4, "P2": 0, "P3": 3, "P4": 0},
        ),
        (datetime(2026, 3, 3, 9, 0, tzinfo=UTC), {"P1": 0, "P2": 0, "P3": 0, "P4": 0}),
        (AS_OF, {"P1": 0, "P2": 0, "P3": 1, "P4": 0}),
    ],
)
def test_open_counts_at_a_past_moment(
    hc: tuple[Store, Settings], moment: datetime, expected: dict[str, int]
) -> None:
    assert measures.open_counts_by_priority(hc[0], moment) == expected


def test_backlog_and_p1p2_per_day(hc: tuple[Store, Settings]) -> None:
    store, settings = hc
    backlog = measures.backlog_per_day(store, settings, since=None, as_of=AS_OF)
    assert backlog == [
        (date(2026, 3, 2), 0),
        (date(2026, 3, 3), 1),
        (date(2026, 3, 4), 1),
    ]
    per_day = measures.p1p2_per_day(store, settings, since=None, as_of=AS_OF)
    assert per_day == [
        (date(2026, 3, 2), 6, 0),
        (date(2026, 3, 3), 0, 0),
        (date(2026, 3, 4), 0, 0),
    ]


def test_kpis_volume_and_aging(hc: tuple[Store, Settings]) -> None:
    store, settings = hc
    kpis = measures.compute_kpis(store, settings, as_of=AS_OF)
    assert kpis.volume_by_type == {"bug": 2, "unset": 7}
    assert kpis.volume_by_channel == {"email": 1, "unset": 8}
    # Issue 7 is open, reported 47 hours before as_of.
    assert dict(kpis.aging)["1-3 days"] == 1
    assert sum(count for _, count in kpis.aging) == 1
    assert kpis.p1p2_opened == {"P1": 6, "P2": 0}
    assert kpis.csat == measures.Ratio(0, 0, None)
    assert kpis.nps.score is None


def test_kpis_for_one_priority(hc: tuple[Store, Settings]) -> None:
    store, settings = hc
    kpis = measures.compute_kpis(store, settings, as_of=AS_OF, priority="P3")
    assert set(kpis.mttr) == {"P3", "all"}
    assert kpis.mttr["all"].count == 2
    assert kpis.volume_by_type == {"unset": 3}
    assert kpis.open_by_priority == {"P3": 1}


def test_csat_and_nps(hc: tuple[Store, Settings]) -> None:
    store, _ = hc
    for score in ("5", "4", "2"):
        run("survey", "add", "1", "--score", score, "--at", "2026-03-03 10:00")
    for score in ("10", "9", "8", "6", "0", "10"):
        run(
            "survey",
            "add",
            "2",
            "--scale",
            "nps",
            "--score",
            score,
            "--at",
            "2026-03-03 10:00",
        )
    csat = measures.csat(store, as_of=AS_OF, since=None)
    assert (csat.numerator, csat.denominator) == (2, 3)
    assert round(csat.percent or 0, 1) == 66.7
    # 3 promoters (10, 9, 10), 2 detractors (6, 0) of 6: 100 * 1/6.
    nps = measures.nps(store, as_of=AS_OF, since=None)
    assert nps.responses == 6 and nps.score == pytest.approx(100 / 6)
    assert (nps.promoters, nps.passives, nps.detractors) == (3, 1, 2)
    # Answers after as_of do not count yet.
    assert (
        measures.csat(store, as_of=datetime(2026, 3, 3, tzinfo=UTC), since=None).percent
        is None
    )


def _event(number: int, at: str, to_status: str, from_status: str | None) -> Event:
    return Event(
        id=number,
        issue_id=1,
        kind="status",
        at=at,
        recorded_at=at,
        actor="x",
        from_status=from_status,
        to_status=to_status,
    )


def _moment(day: int, hour: int) -> str:
    return to_iso(datetime(2026, 3, day, hour, tzinfo=UTC))


@pytest.mark.parametrize(
    ("moves", "as_of_day", "expected"),
    [
        # Resolved then closed: the resolution, not the closing.
        ([(2, 12, "resolved", "new"), (4, 9, "closed", "resolved")], 5, (2, 12)),
        # Closed without passing resolved (as imports may record): the closing.
        ([(2, 12, "in_progress", "new"), (3, 9, "closed", "in_progress")], 5, (3, 9)),
        # Reopened and resolved again: the last resolution.
        (
            [
                (2, 12, "resolved", "new"),
                (3, 9, "in_progress", "resolved"),
                (3, 15, "resolved", "in_progress"),
            ],
            5,
            (3, 15),
        ),
        # Reopened and still open at as_of: not resolved.
        ([(2, 12, "resolved", "new"), (3, 9, "in_progress", "resolved")], 5, None),
        # As of a moment before the resolution.
        ([(2, 12, "resolved", "new")], 2, None),
        # Closed after a reopen without a new resolve: the closing ends the cycle.
        (
            [
                (2, 12, "resolved", "new"),
                (3, 9, "in_progress", "resolved"),
                (4, 9, "closed", "in_progress"),
            ],
            5,
            (4, 9),
        ),
    ],
)
def test_resolution_at(
    moves: list[tuple[int, int, str, str]],
    as_of_day: int,
    expected: tuple[int, int] | None,
) -> None:
    events = [
        _event(i, _moment(day, hour), to, frm)
        for i, (day, hour, to, frm) in enumerate(moves, start=1)
    ]
    as_of = datetime(2026, 3, as_of_day, 11, tzinfo=UTC)
    result = measures.resolution_at(events, as_of)
    assert result == (
        None
        if expected is None
        else datetime(2026, 3, expected[0], expected[1], tzinfo=UTC)
    )


def test_snapshot_follows_writes_by_other_connections(
    hc: tuple[Store, Settings],
) -> None:
    store, settings = hc
    before = measures.open_counts_by_priority(store, AS_OF)
    clocks = measures.clocks_as_of(store, settings, AS_OF)
    assert set(clocks) == set(range(1, 10))
    # Another process (here: the CLI's own connection) logs one more P1.
    run(
        "log",
        "new one",
        *P1,
        "--reported-at",
        "2026-03-03 08:00",
        "--at",
        "2026-03-03 08:00",
    )
    after = measures.open_counts_by_priority(store, AS_OF)
    assert after["P1"] == before["P1"] + 1
    assert 10 in measures.clocks_as_of(store, settings, AS_OF)
