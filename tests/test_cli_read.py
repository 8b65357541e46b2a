"""list and show: filters, formats, and the JSON keys scripts rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from hypercare.models import SORT_KEYS
from tests.conftest import run

ISSUE_KEYS = [
    "id",
    "title",
    "status",
    "reported_at",
    "logged_at",
    "updated_at",
    "description",
    "type",
    "area",
    "channel",
    "reporter",
    "contact",
    "reporter_group",
    "external_ref",
    "source",
    "tags",
    "impact",
    "urgency",
    "priority",
    "priority_reason",
    "cause",
    "hold_reason",
    "assignee",
    "escalation_level",
    "duplicate_of",
    "workaround",
    "resolution",
    "resolution_code",
    "users_affected",
    "is_known",
    "is_kb",
    "reopen_count",
    "reassignment_count",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
]
EVENT_KEYS = [
    "id",
    "issue_id",
    "kind",
    "at",
    "recorded_at",
    "actor",
    "from_status",
    "to_status",
    "note",
    "changes",
]


def test_show_json_keys_are_stable(project: Path) -> None:
    run("log", "x")

    shown = run("show", "1", "--format", "json").json()

    assert list(shown) == ["issue", "events", "clocks"]
    assert list(shown["issue"]) == ISSUE_KEYS
    assert list(shown["events"][0]) == EVENT_KEYS
    assert list(shown["clocks"]) == [
        "issue_id",
        "priority",
        "status",
        "acknowledge",
        "resolve",
        "cycles",
        "resolve_total_minutes",
    ]


def test_show_gives_both_clocks_with_every_resolve_cycle(project: Path) -> None:
    # A P2 (24x7: acknowledge in 1 h, resolve in 8 h) reported 10:00 UTC,
    # acknowledged 10:30, on hold 12:00-14:00, resolved 20:00: 10 h less the
    # 2 h on hold is 8 h, just within target. Reopened at 09:00 the next day
    # and open at 19:00: a second cycle of 10 h, 2 h past its due time 17:00.
    run(
        "log",
        "Payslip blank",
        "--reported-at",
        "2026-03-03 10:00",
        "--at",
        "2026-03-03 10:00",
        "--impact",
        "medium",
        "--urgency",
        "immediate",
    )
    for move, at, *extra in [
        ("ack", "2026-03-03 10:30"),
        ("hold", "2026-03-03 12:00", "--reason", "vendor"),
        ("start", "2026-03-03 14:00"),
        ("resolve", "2026-03-03 20:00"),
        ("reopen", "2026-03-04 09:00", "--reason", "blank again"),
    ]:
        run(move, "1", "--at", at, *extra)

    lines = run("show", "1", "--as-of", "2026-03-04 19:00").stdout.splitlines()

    start = lines.index("SLA clocks")
    table = [line.split("  ") for line in lines[start + 1 : start + 6]]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in table]
    assert cells == [
        ["clock", "state", "target", "elapsed", "left", "due"],
        ["acknowledge", "met", "1h 00m", "30m", "30m", "2026-03-03 11:00 UTC"],
        ["resolve, cycle 1", "met", "8h 00m", "8h 00m", "0m", "2026-03-03 20:00 UTC"],
        [
            "resolve, cycle 2",
            "missed",
            "8h 00m",
            "10h 00m",
            "2h 00m over",
            "2026-03-04 17:00 UTC",
        ],
        ["resolve, all cycles", "18h 00m"],
    ]


def test_list_json_keys_are_stable(project: Path) -> None:
    run("log", "x")

    (row,) = run("list", "--format", "json").json()

    assert sorted(row) == sorted(ISSUE_KEYS)


def test_flags_are_true_or_false_in_json_and_yes_for_a_person(
    project: Path,
) -> None:
    run("log", "Blank payslip", "--at", "2026-03-02 10:00")
    run("log", "Other", "--at", "2026-03-02 10:00")
    run("resolve", "1", "--resolution", "Embedded", "--kb", "--at", "2026-03-02 11:00")

    shown = run("show", "1", "--format", "json").json()
    listed = run("list", "--format", "json").json()
    table = run("show", "1").stdout.splitlines()

    assert (shown["issue"]["is_kb"], shown["issue"]["is_known"]) == (True, False)
    assert [(row["is_kb"], row["is_known"]) for row in listed] == [
        (True, False),
        (False, False),
    ]
    assert [line.split() for line in table if line.startswith("is_kb")] == [
        ["is_kb", "yes"]
    ]
    assert table[-1].endswith(
        "is_kb=yes, resolution=Embedded, resolved_at=2026-03-02 11:00 UTC"
    )


def test_tags_are_a_list_in_json_and_joined_for_a_person(project: Path) -> None:
    run("log", "Login fails", "--tag", "sso", "--tag", "eu")
    run("log", "No tags")

    shown = run("show", "1", "--format", "json").json()
    listed = run("list", "--format", "json").json()
    table = run("show", "1").stdout

    assert shown["issue"]["tags"] == ["sso", "eu"]
    assert [row["tags"] for row in listed] == [["sso", "eu"], []]
    assert "sso, eu" in table


def _seed() -> None:
    run(
        "log",
        "Payroll export slow",
        "--type",
        "performance",
        "--area",
        "payroll",
        "--channel",
        "email",
        "--at",
        "2026-03-02 10:00",
    )
    run(
        "log",
        "Login fails",
        "--type",
        "bug",
        "--area",
        "sso",
        "--channel",
        "chat",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-03 10:00",
    )
    run(
        "log",
        "Report typo",
        "--type",
        "usability",
        "--area",
        "payroll",
        "--at",
        "2026-03-04 10:00",
    )
    run("resolve", "3", "--at", "2026-03-04 11:00")
    run("assign", "1", "Team A", "--at", "2026-03-04 12:00")


@pytest.mark.parametrize(
    ("args", "ids"),
    [
        ((), [1, 2, 3]),
        (("--status", "open"), [1, 2]),
        (("--status", "done"), [3]),
        (("--status", "resolved"), [3]),
        (("--priority", "P1"), [2]),
        (("--type", "bug"), [2]),
        (("--area", "payroll"), [1, 3]),
        (("--channel", "email"), [1]),
        (("--assignee", "Team A"), [1]),
        (("--assignee", "team a"), [1]),
        (("--assignee", " TEAM A "), [1]),
        (("--search", "export"), [1]),
        (("--search", "_"), []),  # no title holds "_": not a wildcard
        (("--search", "%"), []),
        (("--since", "2026-03-03 00:00"), [2, 3]),
        (("--until", "2026-03-03 00:00"), [1]),
        (("--sort", "reported", "--desc"), [3, 2, 1]),
        # Issues 1 and 3 are untriaged: after the triaged ones either way.
        (("--sort", "priority"), [2, 1, 3]),
        (("--sort", "priority", "--desc"), [2, 3, 1]),
        (("--limit", "2"), [1, 2]),
    ],
)
def test_filters(project: Path, args: tuple[str, ...], ids: list[int]) -> None:
    _seed()

    rows = run("list", *args, "--format", "json").json()

    assert [row["id"] for row in rows] == ids


@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_sort_key_in_the_help_sorts(project: Path, key: str) -> None:
    _seed()

    rows = run("list", "--sort", key, "--format", "json").json()

    assert sorted(row["id"] for row in rows) == [1, 2, 3]


def test_assignee_matches_beyond_ascii_letters(project: Path) -> None:
    run("log", "x", "--at", "2026-03-02 10:00")
    run("assign", "1", "Ärne Øster", "--at", "2026-03-02 11:00")

    rows = run("list", "--assignee", "ärne øster", "--format", "json").json()

    assert [row["id"] for row in rows] == [1]


def test_since_after_until_is_refused(project: Path) -> None:
    result = run("list", "--since", "2026-03-05", "--until", "2026-03-01", expect=2)

    assert result.stderr == (
        "Error: --since 2026-03-05 is not before --until 2026-03-01; nothing could "
        "match, so give an earlier --since or a later --until\n"
    )


def test_status_sorts_in_lifecycle_order(project: Path) -> None:
    for title in ("Stays new", "Gets closed", "Gets tested"):
        run("log", title, "--at", "2026-03-02 10:00")
    run("resolve", "2", "--at", "2026-03-02 11:00")
    run("close", "2", "--at", "2026-03-02 12:00")
    run("start", "3", "--at", "2026-03-02 11:00")
    run("test", "3", "--at", "2026-03-02 12:00")

    rows = run("list", "--sort", "status", "--format", "json").json()

    # new, awaiting_testing, closed: not awaiting_testing, closed, new.
    assert [row["id"] for row in rows] == [1, 3, 2]


def test_csv_and_markdown(project: Path) -> None:
    run("log", "Pipe | and [link]", "--at", "2026-03-02 10:00")

    csv_lines = run("list", "--format", "csv").stdout.splitlines()
    md_lines = run("list", "--format", "md").stdout.splitlines()

    assert csv_lines[0] == (
        "id,priority,status,title,type,area,channel,assignee,reported_at,updated_at"
    )
    assert csv_lines[1] == (
        "1,,new,Pipe | and [link],,,,,2026-03-02T10:00:00Z,2026-03-02T10:00:00Z"
    )
    assert md_lines[2].startswith("| 1 |  | new | Pipe \\| and \\[link\\] |")


def test_people_read_local_times_and_programs_read_utc(isolated: Path) -> None:
    # Berlin is UTC+1 until the clocks go forward at 01:00 UTC on Sunday
    # 29 March 2026, UTC+2 after: 09:00 on 13 March is 08:00Z, 09:00 on
    # 30 March is 07:00Z.
    run("init", "--go-live", "2026-03-02 09:00", "--tz", "Europe/Berlin")
    run("log", "Winter", "--at", "2026-03-13 09:00")
    run("log", "Summer", "--at", "2026-03-30 09:00")

    md_lines = run("list", "--format", "md").stdout.splitlines()
    table_lines = run("list").stdout.splitlines()
    csv_lines = run("list", "--format", "csv").stdout.splitlines()
    rows = run("list", "--format", "json").json()
    shown = run("show", "2", "--format", "md").stdout
    timeline = shown.split("## Timeline\n\n", 1)[1].splitlines()

    assert md_lines[2:] == [
        "| 1 |  | new | Winter |  |  |  |  | 2026-03-13 09:00 CET | "
        "2026-03-13 09:00 CET |",
        "| 2 |  | new | Summer |  |  |  |  | 2026-03-30 09:00 CEST | "
        "2026-03-30 09:00 CEST |",
    ]
    assert table_lines[2].endswith("2026-03-30 09:00 CEST  2026-03-30 09:00 CEST")
    assert csv_lines[1:] == [
        "1,,new,Winter,,,,,2026-03-13T08:00:00Z,2026-03-13T08:00:00Z",
        "2,,new,Summer,,,,,2026-03-30T07:00:00Z,2026-03-30T07:00:00Z",
    ]
    assert [row["reported_at"] for row in rows] == [
        "2026-03-13T08:00:00Z",
        "2026-03-30T07:00:00Z",
    ]
    assert timeline[2] == "| 2026-03-30 09:00 CEST | tester | logged |  |"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--priority", "P9"), "unknown priority 'P9'; use --priority P1|P2|P3|P4"),
        (
            ("--status", "opened"),
            "unknown status 'opened'; use open, done or one of: "
            "new, acknowledged, in_progress, on_hold, awaiting_testing, resolved, "
            "closed, duplicate, rejected, deferred",
        ),
        (("--limit", "-1"), "--limit -1 is not a number of issues; give 1 or more"),
        (
            ("--sort", "colour"),
            "unknown sort key 'colour'; use --sort "
            "id|reported|updated|priority|status|title",
        ),
        (("--format", "xml"), "unknown format 'xml'; use --format table|json|csv|md"),
    ],
)
def test_bad_list_options(project: Path, args: tuple[str, ...], message: str) -> None:
    result = run("list", *args, expect=2)

    assert result.stderr == f"Error: {message}\n"


def test_show_counts_business_clocks_in_working_hours(isolated: Path) -> None:
    run("init", "--go-live", "2026-03-02 09:00", "--tz", "Europe/Berlin")
    # A P3 (business calendar, 09:00-17:00 Berlin) reported Friday 16:00.
    run(
        "log",
        "Typo on payslip",
        "--reported-at",
        "2026-03-13 16:00",
        "--at",
        "2026-03-13 16:00",
        "--impact",
        "medium",
        "--urgency",
        "medium",
    )

    lines = run("show", "1", "--as-of", "2026-03-16 10:30").stdout.splitlines()

    # By Monday 10:30: Friday 16-17 and Monday 09-10:30, 2h 30m of work.
    # Acknowledge in 4 working hours: due Monday 12:00. Resolve in 3 working
    # days (24 h): Fri 1 h, Mon 8 h, Tue 8 h, Wed 7 h, so Wednesday 16:00.
    start = lines.index("SLA clocks")
    cells = [
        [cell.strip() for cell in line.split("  ") if cell.strip()]
        for line in lines[start + 2 : start + 4]
    ]
    assert cells == [
        [
            "acknowledge",
            "running",
            "4h 00m working",
            "2h 30m working",
            "1h 30m working",
            "2026-03-16 12:00 CET",
        ],
        [
            "resolve",
            "running",
            "24h 00m working",
            "2h 30m working",
            "21h 30m working",
            "2026-03-18 16:00 CET",
        ],
    ]


def test_show_refuses_clocks_before_the_issue_was_reported(project: Path) -> None:
    run("log", "x", "--reported-at", "2026-03-03 10:00", "--at", "2026-03-03 10:00")

    result = run("show", "1", "--as-of", "2026-03-03 09:00", expect=2)

    assert result.stderr == (
        "Error: --as-of 2026-03-03 09:00 UTC is before issue 1 was reported "
        "(2026-03-03 10:00 UTC); its clocks had not started\n"
    )


def test_show_says_an_untriaged_issue_has_no_target(project: Path) -> None:
    run("log", "x", "--reported-at", "2026-03-03 10:00", "--at", "2026-03-03 10:00")

    lines = run("show", "1", "--as-of", "2026-03-03 11:00").stdout.splitlines()

    row = lines[lines.index("SLA clocks") + 2]
    assert row.split()[:4] == ["acknowledge", "no", "target", "none"]


def test_a_hold_reason_is_said_once_in_the_timeline(project: Path) -> None:
    run("log", "x", "--at", "2026-03-03 10:00")
    run("hold", "1", "--reason", "waiting for vendor", "--at", "2026-03-03 11:00")

    rows = run("show", "1", "--format", "csv").stdout.splitlines()

    assert rows[-1] == (
        "2026-03-03T11:00:00Z,tester,status,new → on_hold; "
        "acknowledged_at=2026-03-03T11:00:00Z; waiting for vendor"
    )


def test_the_timeline_reads_in_the_order_things_happened(project: Path) -> None:
    run("log", "x", "--at", "2026-03-03 10:00")
    run("ack", "1", "--at", "2026-03-03 12:00")
    run("comment", "1", "Called at eleven", "--at", "2026-03-03 11:00")

    rows = run("show", "1", "--format", "csv").stdout.splitlines()[1:]

    assert [row.split(",")[0] for row in rows] == [
        "2026-03-03T10:00:00Z",
        "2026-03-03T11:00:00Z",
        "2026-03-03T12:00:00Z",
    ]


def test_show_in_markdown_has_the_fields_the_clocks_and_the_timeline(
    project: Path,
) -> None:
    run("log", "x", "--at", "2026-03-03 10:00")

    text = run("show", "1", "--as-of", "2026-03-03 11:00", "--format", "md").stdout

    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Issue 1", "## SLA clocks", "## Timeline"]
    assert "| title | x |" in text


def test_list_and_show_give_an_issue_with_the_same_keys_in_the_same_order(
    project: Path,
) -> None:
    run("log", "Invoice PDF blank", "--tag", "billing")
    run("triage", "1", "--impact", "high", "--urgency", "high")

    [listed] = run("list", "--format", "json").json()
    shown = run("show", "1", "--format", "json").json()["issue"]

    assert list(listed) == list(shown)
    assert listed == shown
    assert listed["tags"] == ["billing"]


def test_show_json_gives_the_timeline_in_the_order_things_happened(
    project: Path,
) -> None:
    run("log", "Invoice PDF blank", "--at", "2026-03-02 10:00")
    run("ack", "1", "--at", "2026-03-02 10:05")
    run("comment", "1", "Called the reporter back", "--at", "2026-03-02 10:01")

    events = run("show", "1", "--format", "json").json()["events"]

    assert [(e["id"], e["at"]) for e in events] == [
        (1, "2026-03-02T10:00:00Z"),
        (3, "2026-03-02T10:01:00Z"),
        (2, "2026-03-02T10:05:00Z"),
    ]


@pytest.mark.parametrize(
    ("args", "where", "name", "typed"),
    [
        (["show", "abc"], "show", "number", "abc"),
        (["show", "\u00b2"], "show", "number", "\u00b2"),  # a digit int() refuses
        (["duplicate", "1", "--of", "one"], "duplicate", "--of", "one"),
        (["triage", "1x"], "triage", "number", "1x"),
    ],
)
def test_what_is_not_an_issue_number_is_named_so(
    project: Path, args: list[str], where: str, name: str, typed: str
) -> None:
    result = run(*args, expect=2)

    assert result.stderr == (
        f"Error: Invalid value for '{name}': '{typed}' is not an issue number; give "
        f"the number 'hypercare list' shows (see 'hypercare {where} --help')\n"
    )


@pytest.mark.parametrize(
    ("args", "flag", "where"),
    [
        (["list", "--limit", "x"], "'--limit' / '-n'", "list"),
        (["survey", "add", "1", "--score", "4.5"], "'--score' / '-s'", "survey add"),
    ],
)
def test_what_is_not_a_count_or_score_is_named_so(
    project: Path, args: list[str], flag: str, where: str
) -> None:
    run("log", "x")

    result = run(*args, expect=2)

    typed = args[-1]
    assert result.stderr == (
        f"Error: Invalid value for {flag}: '{typed}' is not a whole number, like 5 "
        f"(see 'hypercare {where} --help')\n"
    )
