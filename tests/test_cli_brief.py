"""hypercare brief: health, changes, risks, readiness, trends and formats.

The project fixture goes live on Monday 2026-03-02 09:00 UTC; the briefings
here are as of Monday 2026-03-09 09:00 (day 8), so the previous briefing is
the go-live moment itself. Expected values are worked out in the comments.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from tests.conftest import run

AS_OF = "2026-03-09 09:00"
HOSTILE = "Bad | title [link](http://evil.example) <script>alert(1)</script>"
SIGNOFF = {"name": "support-trained", "rule": "signoff", "signoff": "support-trained"}


def set_criteria(folder: Path, *criteria: dict[str, Any]) -> None:
    path = folder / "hypercare.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    document["exit_criteria"] = list(criteria)
    path.write_text(tomli_w.dumps(document), encoding="utf-8")


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


def brief(*extra: str) -> dict[str, Any]:
    data: dict[str, Any] = run(
        "brief", "--as-of", AS_OF, "--format", "json", *extra
    ).json()
    return data


def test_json_keys_are_pinned(project: Path) -> None:
    data = brief()
    assert set(data) == {
        "project",
        "as_of",
        "since",
        "day",
        "health",
        "open_by_priority",
        "changes",
        "top_risks",
        "readiness",
        "kpis",
        "exit_criteria",
        "trends",
    }
    assert set(data["health"]) == {"status", "summary"}
    assert set(data["changes"]) == {"new", "resolved", "reopened"}
    assert set(data["readiness"]) == {
        "is_ready",
        "total",
        "passing",
        "failing",
        "unknown",
    }
    assert set(data["trends"]) == {"p1p2_per_day", "backlog_per_day", "mttr_per_week"}
    assert (data["as_of"], data["since"], data["day"]) == (
        "2026-03-09T09:00:00Z",
        "2026-03-02T09:00:00Z",
        8,
    )


def test_green_when_nothing_is_open_and_nothing_fails(project: Path) -> None:
    set_criteria(project)
    health = brief()["health"]
    assert health == {
        "status": "green",
        "summary": "0 P1 and 0 P2 open, 0 open in total (±0 since 2026-03-02 09:00); "
        "0 of 0 exit criteria pass",
    }


def test_red_while_a_p1_is_open(project: Path) -> None:
    set_criteria(project)
    log("Payroll fails", "high", "immediate", "2026-03-09 08:50")
    assert brief()["health"]["status"] == "red"


def test_amber_while_a_p2_is_open(project: Path) -> None:
    set_criteria(project)
    # Reported 10 minutes ago: far from its 8-hour target, but open.
    log("Export slow", "high", "high", "2026-03-09 08:50")
    data = brief()
    assert data["health"]["status"] == "amber"
    assert data["top_risks"] == []


def test_amber_while_an_exit_criterion_fails(project: Path) -> None:
    set_criteria(project, SIGNOFF)
    data = brief()
    assert data["health"]["status"] == "amber"
    assert data["readiness"] == {
        "is_ready": False,
        "total": 1,
        "passing": [],
        "failing": ["support-trained"],
        "unknown": [],
    }
    assert [risk["kind"] for risk in data["top_risks"]] == ["exit_criterion"]


def test_ready_once_every_criterion_passes(project: Path) -> None:
    set_criteria(project, SIGNOFF)
    run("signoff", "support-trained", "--at", "2026-03-06 12:00")
    data = brief()
    assert data["readiness"]["is_ready"] is True
    assert data["health"]["status"] == "green"
    text = run("brief", "--as-of", AS_OF, "--format", "md").stdout
    assert "- Ready: all 1 exit criteria pass." in text


def test_changes_and_top_risks(project: Path) -> None:
    set_criteria(project)
    # 1: P1 reported Tuesday, past its 4 h target; owner alice -> first risk.
    log(HOSTILE, "high", "immediate", "2026-03-03 10:00")
    run("assign", "1", "alice", "--at", "2026-03-03 10:05")
    # 2: P3 reported and resolved in the week.
    log("Typo", "medium", "medium", "2026-03-04 10:00")
    run("resolve", "2", "--at", "2026-03-04 12:00")
    data = brief()
    assert data["changes"] == {"new": 2, "resolved": 1, "reopened": 0}
    assert data["open_by_priority"]["P1"] == {"open": 1, "previous": 0, "change": 1}
    assert data["top_risks"] == [
        {
            "kind": "sla_missed",
            "issue_id": 1,
            "text": f"#1 P1 {HOSTILE}: past its SLA target, owner alice",
        }
    ]
    assert data["health"]["status"] == "red"


def test_mttr_per_week(project: Path) -> None:
    set_criteria(project)
    # Week 1 (Mon 2 09:00 - Mon 9 09:00): resolved after 2 h and after 4 h.
    log("A", "medium", "medium", "2026-03-03 10:00")
    run("resolve", "1", "--at", "2026-03-03 12:00")
    log("B", "medium", "medium", "2026-03-04 10:00")
    run("resolve", "2", "--at", "2026-03-04 14:00")
    weeks = run("brief", "--as-of", "2026-03-10 09:00", "--format", "json").json()[
        "trends"
    ]["mttr_per_week"]
    assert weeks == [
        {
            "week": "W1",
            "since": "2026-03-02T09:00:00Z",
            "until": "2026-03-09T09:00:00Z",
            "resolved": 2,
            "mean_hours": 3.0,
        },
        {
            "week": "W2",
            "since": "2026-03-09T09:00:00Z",
            "until": "2026-03-10T09:00:00Z",
            "resolved": 0,
            "mean_hours": None,
        },
    ]
    text = run("brief", "--as-of", "2026-03-10 09:00", "--format", "md").stdout
    assert "- **MTTR per week:** W1 3h 00m · W2 no data\n" in text


def test_since_sets_the_previous_briefing(project: Path) -> None:
    data = brief("--since", "2026-03-06 09:00")
    assert data["since"] == "2026-03-06T09:00:00Z"


def test_plain_text_shows_user_text_as_typed(project: Path) -> None:
    log(HOSTILE, "high", "immediate", "2026-03-03 10:00")

    text = run("brief", "--as-of", AS_OF).stdout

    assert text.startswith("Briefing: Test\n==============\n")
    assert f"P1 {HOSTILE}: past its SLA target" in text
    for heading in ("Health", "Top risks", "Readiness for hand-over"):
        assert f"\n{heading}\n{'-' * len(heading)}\n" in text


def test_markdown_escapes_user_text(project: Path) -> None:
    log(HOSTILE, "high", "immediate", "2026-03-03 10:00")
    text = run("brief", "--as-of", AS_OF, "--format", "md").stdout
    assert text.startswith("# Briefing: Test\n")
    assert r"Bad \| title \[link\](http://evil.example) \<script\>" in text
    assert "<script>" not in text
    for heading in (
        "## Health",
        "## Trends",
        "## What changed since the last briefing",
        "## Top risks",
        "## Readiness for hand-over",
        "## Key KPIs",
    ):
        assert heading in text


def test_html_escapes_and_embeds_three_charts(project: Path) -> None:
    log(HOSTILE, "high", "immediate", "2026-03-03 10:00")  # open: a top risk
    log("Typo", "medium", "medium", "2026-03-04 10:00")
    run("resolve", "2", "--at", "2026-03-04 12:00")  # gives week 1 an MTTR
    page = run("brief", "--as-of", AS_OF, "--format", "html").stdout
    assert "<script" not in page
    assert "Bad | title [link](http://evil.example) &lt;script&gt;alert(1)" in page
    # P1/P2 per day, backlog per day, MTTR per week.
    assert page.count('src="data:image/png;base64,') == 3


def test_unknown_format(project: Path) -> None:
    result = run("brief", "--format", "pdf", expect=2)
    assert result.stderr.strip() == (
        "Error: unknown format 'pdf'; use --format rich|md|html|json"
    )


def test_the_backlog_trend_names_its_day_end_baseline(project: Path) -> None:
    # A and B open at the end of 2 March; A resolved and C reported on the
    # 3rd: 2 open at the end of the 2nd, and 2 (B, C) on the 4th at 09:00.
    run("log", "A", "--at", "2026-03-02 10:00")
    run("log", "B", "--at", "2026-03-02 11:00")
    run("log", "C", "--at", "2026-03-03 10:00")
    run("resolve", "1", "--at", "2026-03-03 12:00")

    text = run("brief", "--as-of", "2026-03-04 09:00", "--format", "md").stdout

    assert "- **Open backlog:** 2 now, ±0 since the end of 2026-03-02\n" in text


def test_a_stale_untriaged_issue_beside_a_triaged_one(project: Path) -> None:
    # Both stale by 5 March (no update for over a day); one has no priority.
    run("log", "a", "--at", "2026-03-02 10:00")
    run("log", "b", "--at", "2026-03-02 10:00", "--impact", "low", "--urgency", "low")

    run("brief", "--as-of", "2026-03-05 10:00", "--format", "json")
