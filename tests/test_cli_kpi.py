"""``hypercare kpi``: formats, pinned JSON keys, "no data", errors, real data."""

from __future__ import annotations

import csv
import shutil
import statistics
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import SERVICENOW_CSV, run

AS_OF = ("--as-of", "2026-03-04 09:00")


def _issue(number: int, resolved: str | None) -> None:
    run(
        "log",
        f"issue {number}",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--reported-at",
        "2026-03-02 10:00",
        "--at",
        "2026-03-02 10:00",
    )
    if resolved:
        run("resolve", str(number), "--at", resolved)


def test_json_keys_are_pinned(project: Path) -> None:
    data = run("kpi", *AS_OF, "--format", "json").json()
    assert list(data) == [
        "as_of",
        "since",
        "priority",
        "p1_p2",
        "mttr",
        "sla",
        "fcr",
        "reopen_rate",
        "volume",
        "backlog",
        "aging",
        "csat",
        "nps",
        "explain",
    ]
    assert list(data["p1_p2"]) == ["opened", "open", "per_day"]
    assert list(data["mttr"]) == ["P1", "P2", "P3", "P4", "all"]
    assert list(data["mttr"]["P1"]) == [
        "count",
        "mean_minutes",
        "median_minutes",
        "p90_minutes",
    ]
    assert list(data["sla"]) == ["acknowledge", "resolve"]
    assert list(data["sla"]["resolve"]["P2"]) == ["numerator", "denominator", "percent"]
    assert list(data["volume"]) == ["total", "by_type", "by_channel"]
    assert list(data["backlog"]) == ["open", "open_by_priority", "per_day"]
    assert list(data["csat"]) == ["numerator", "denominator", "percent", "responses"]
    assert list(data["nps"]) == [
        "score",
        "responses",
        "promoters",
        "passives",
        "detractors",
    ]
    assert list(data["explain"][0]) == [
        "figure",
        "rule",
        "included",
        "excluded",
        "count",
    ]
    assert data["as_of"] == "2026-03-04T09:00:00Z"
    assert data["since"] == "2026-03-02T09:00:00Z"  # the go-live


def test_no_data_is_null_never_zero(project: Path) -> None:
    data = run("kpi", *AS_OF, "--format", "json").json()
    assert data["mttr"]["P1"] == {
        "count": 0,
        "mean_minutes": None,
        "median_minutes": None,
        "p90_minutes": None,
    }
    assert data["sla"]["acknowledge"]["all"]["percent"] is None
    assert data["csat"] == {
        "numerator": 0,
        "denominator": 0,
        "percent": None,
        "responses": 0,
    }
    assert data["nps"]["score"] is None
    assert data["fcr"]["percent"] is None


def test_text_says_no_data_and_durations(project: Path) -> None:
    _issue(1, "2026-03-02 12:30")
    text = run("kpi", *AS_OF).stdout
    assert "KPIs from 2026-03-02 09:00 UTC to 2026-03-04 09:00 UTC" in text
    # P1 resolved in 2h30m; P2 has no data.
    section = text.split("Time to resolve\n")[1].split("\n\n")[0]
    rows = [line.split("  ") for line in section.splitlines()]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert cells[1] == ["P1", "1", "2h 30m", "2h 30m", "2h 30m"]
    assert cells[2] == ["P2", "0", "no data", "no data", "no data"]
    assert "CSAT (share of 4-5 answers)  no data  0 of 0" in text


def test_an_untriaged_open_issue_reads_untriaged(project: Path) -> None:
    run("log", "No priority yet", "--at", "2026-03-03 10:00")

    text = run("kpi", *AS_OF, "--format", "md").stdout
    data = run("kpi", *AS_OF, "--format", "json").json()

    backlog = text.split("## Open backlog\n\n")[1].split("\n\n")[0]
    assert backlog.splitlines()[-1] == "| untriaged | 1 |"
    assert "| priority | reported in window | open now |" in text
    assert data["backlog"]["open_by_priority"]["unset"] == 1  # JSON as it was


def test_priority_and_since_filter(project: Path) -> None:
    _issue(1, "2026-03-02 11:00")
    _issue(2, "2026-03-03 11:00")
    data = run(
        "kpi",
        *AS_OF,
        "--priority",
        "P1",
        "--since",
        "2026-03-03 00:00",
        "--format",
        "json",
    ).json()
    assert data["priority"] == "P1"
    assert list(data["mttr"]) == ["P1", "all"]
    # Only issue 2 was resolved after --since: 25 hours.
    assert data["mttr"]["P1"]["count"] == 1
    assert data["mttr"]["P1"]["mean_minutes"] == 1500.0


def test_a_relative_since_counts_back_from_as_of(project: Path) -> None:
    _issue(1, "2026-03-02 11:00")
    _issue(2, "2026-03-03 11:00")

    # As of 2026-03-04 09:00, "yesterday 09:00" is 2026-03-03 09:00, as in
    # standup and brief: only issue 2 was resolved since.
    data = run("kpi", *AS_OF, "--since", "yesterday 09:00", "--format", "json")

    assert data.json()["since"] == "2026-03-03T09:00:00Z"
    assert data.json()["mttr"]["P1"]["count"] == 1


@pytest.mark.parametrize("command", ["kpi", "standup", "exit-check", "show"])
def test_a_report_as_of_the_future_is_refused(project: Path, command: str) -> None:
    _issue(1, "2026-03-02 11:00")
    args = (command, "1") if command == "show" else (command,)

    result = run(*args, "--as-of", "2999-01-01 09:00", expect=2)

    assert result.stderr == (
        "Error: --as-of 2999-01-01 09:00 is in the future (2999-01-01 09:00 UTC); "
        "reports and checks are computed from what has happened: give a time up "
        "to now\n"
    )


def _p1_and_p2() -> None:
    """Issue 1: a P1 reported 2026-03-02 10:00; issue 2: a P2 at 11:00."""
    for title, urgency, at in (
        ("down", "immediate", "2026-03-02 10:00"),
        ("slow", "high", "2026-03-02 11:00"),
    ):
        run("log", title, "--impact", "high", "--urgency", urgency, "--at", at)


def test_priority_narrows_the_p1_p2_figures(project: Path) -> None:
    _p1_and_p2()

    data = run("kpi", *AS_OF, "--priority", "P2", "--format", "json").json()

    # Only issue 2 counts: reported on the 2nd, open at the end of every day.
    assert data["p1_p2"] == {
        "opened": {"P2": 1},
        "open": {"P2": 1},
        "per_day": [
            {"date": "2026-03-02", "opened": 1, "open": 1},
            {"date": "2026-03-03", "opened": 0, "open": 1},
            {"date": "2026-03-04", "opened": 0, "open": 1},
        ],
    }
    assert data["explain"][0]["rule"].startswith("P2 issues (priority in force")
    assert data["explain"][0]["count"] == 1


def test_priority_p2_shows_no_p1_row(project: Path) -> None:
    _p1_and_p2()

    lines = run("kpi", *AS_OF, "--priority", "P2").stdout.splitlines()

    assert lines[2:5] == [
        "P2 issues",
        "priority  reported in window  open now",
        "P2        1                   1",
    ]
    per_day = lines.index("Per day")
    assert lines[per_day + 1] == "date        P2 reported  P2 open  open backlog"
    # Issue 2 (P2) reported on the 2nd; the backlog too counts P2 alone.
    assert lines[per_day + 2].split() == ["2026-03-02", "1", "1", "1"]


def test_priority_p3_has_no_p1_p2_figures(project: Path) -> None:
    _p1_and_p2()

    data = run("kpi", *AS_OF, "--priority", "P3", "--format", "json").json()
    text = run("kpi", *AS_OF, "--priority", "P3").stdout

    assert (data["p1_p2"]["opened"], data["p1_p2"]["open"]) == ({}, {})
    assert [day["opened"] for day in data["p1_p2"]["per_day"]] == [0, 0, 0]
    assert data["explain"][0]["included"].startswith(
        "priority P3 only, so no P1 or P2 issue; "
    )
    assert "\nP1/P2 issues: nothing.\n" in text


def test_without_priority_both_p1_and_p2_are_shown(project: Path) -> None:
    _p1_and_p2()

    data = run("kpi", *AS_OF, "--format", "json").json()

    assert (data["p1_p2"]["opened"], data["p1_p2"]["open"]) == (
        {"P1": 1, "P2": 1},
        {"P1": 1, "P2": 1},
    )


def test_markdown_and_explain(project: Path) -> None:
    _issue(1, "2026-03-02 11:00")
    text = run("kpi", *AS_OF, "--format", "md", "--explain").stdout
    assert text.startswith("# KPIs from 2026-03-02 09:00 UTC")
    assert "## Time to resolve" in text
    assert "| P1 | 1 | 1h 00m | 1h 00m | 1h 00m |" in text
    assert "## How each figure was computed" in text
    assert "- mttr: reported -\\> resolution moment" in text
    plain = run("kpi", *AS_OF, "--explain").stdout
    assert "- csat: answers of 4 or 5 / all answers on the 1-5 scale." in plain
    assert "Count: 1." in plain


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--priority", "P9"),
            "Error: unknown priority 'P9'; use --priority P1|P2|P3|P4",
        ),
        (
            ("--format", "xml"),
            "Error: unknown format 'xml'; use --format table|json|md",
        ),
    ],
)
def test_bad_options(project: Path, args: tuple[str, ...], message: str) -> None:
    result = run("kpi", *args, expect=2)
    assert result.stderr.strip().splitlines()[-1] == message


def test_a_window_that_runs_backwards_is_refused(project: Path) -> None:
    before_go_live = run("kpi", "--as-of", "2020-01-01", expect=2)
    since_after = run(
        "kpi", "--since", "2026-03-05", "--as-of", "2026-03-04 09:00", expect=2
    )

    assert before_go_live.stderr == (
        "Error: the go-live (2026-03-02 09:00 UTC) is not before --as-of "
        "(2020-01-01 00:00 UTC); give a later --as-of or an earlier --since\n"
    )
    assert since_after.stderr.startswith(
        "Error: --since (2026-03-05 00:00 UTC) is not before --as-of"
    )


def test_a_reopen_in_the_minute_of_the_resolution_counts(project: Path) -> None:
    _issue(1, "2026-03-02 11:00")
    run("reopen", "1", "--reason", "not fixed", "--at", "2026-03-02 11:00")

    kpis = run("kpi", *AS_OF, "--format", "json").json()

    assert kpis["reopen_rate"]["numerator"] == 1
    assert kpis["reopen_rate"]["denominator"] == 1


def test_without_a_database() -> None:
    result = run("kpi", expect=2)
    assert result.stderr.startswith("Error: no hypercare database here")


# --- the ServiceNow sample: MTTR per priority to the minute -------------------


@pytest.fixture(scope="module")
def servicenow_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("servicenow")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setenv("HYPERCARE_USER", "tester")
        patch.delenv("HYPERCARE_DB", raising=False)
        patch.delenv("HYPERCARE_CONFIG", raising=False)
        run("init", "--name", "SN", "--go-live", "2016-02-29T00:00:00Z", "--tz", "UTC")
        run("import", "servicenow", str(SERVICENOW_CSV))
    yield folder


def _expected_mttr() -> dict[str, tuple[int, float, float]]:
    """Per final priority: count, mean and median minutes, straight from the CSV.

    The issue's rule: resolved_at, else the last event in state Resolved, else
    closed_at; day-first dates read as UTC.
    """

    def read(text: str) -> datetime:
        return datetime.strptime(text, "%d/%m/%Y %H:%M")

    incidents: dict[str, list[dict[str, str]]] = {}
    with SERVICENOW_CSV.open(newline="") as handle:
        for row in csv.DictReader(handle):
            incidents.setdefault(row["number"], []).append(row)
    spans: dict[str, list[float]] = {}
    for rows in incidents.values():
        last = rows[-1]
        resolved = [r for r in rows if r["incident_state"] == "Resolved"]
        if last["resolved_at"] != "?":
            moment = read(last["resolved_at"])
        elif resolved:
            moment = read(resolved[-1]["sys_updated_at"])
        else:
            moment = read(last["closed_at"])
        minutes = (moment - read(last["opened_at"])).total_seconds() / 60
        spans.setdefault(f"P{last['priority'][0]}", []).append(minutes)
    return {
        key: (len(values), statistics.fmean(values), statistics.median(values))
        for key, values in spans.items()
    }


@pytest.mark.slow
def test_servicenow_mttr_matches_the_csv(servicenow_db: Path, isolated: Path) -> None:
    for name in ("hypercare.toml", "hypercare.db"):
        shutil.copy(servicenow_db / name, isolated / name)
    data = run("kpi", "--as-of", "2017-06-01", "--format", "json").json()
    expected = _expected_mttr()
    assert sorted(expected) == ["P1", "P2", "P3", "P4"]
    for priority, (count, mean, median) in expected.items():
        got = data["mttr"][priority]
        assert got["count"] == count, priority
        assert abs(got["mean_minutes"] - mean) < 1, priority
        assert abs(got["median_minutes"] - median) < 1, priority
