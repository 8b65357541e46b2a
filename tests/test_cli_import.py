"""``hypercare import servicenow|jira|zendesk|csv`` on the real exports and fixtures.

Expected values are worked out from the files themselves with the ``csv``
module (or by hand for the small fixtures), never taken from the importer.
The ServiceNow file is imported once per session and copied for each test.
"""

from __future__ import annotations

import csv
import gzip
import json
import shutil
import sqlite3
import statistics
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import HELPDESK_CSV, REFUSED, SERVICENOW_CSV, TEST_DATA, run

MAPPING = Path(__file__).resolve().parents[1] / "examples" / "mappings"
HELPDESK_MAP = MAPPING / "helpdesk-event-log.toml"
BAD_DATE_CSV = TEST_DATA / "servicenow-bad-date.csv"
# The first 40 lines of the real ServiceNow export, copied as they are, so the
# tests of bad rows run where ../shared/data is not beside the clone.
SERVICENOW_FIRST40 = TEST_DATA / "servicenow-first40.csv"


# --- independent readings of the real file -------------------------------------------


def _incidents() -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    with SERVICENOW_CSV.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            found.setdefault(row["number"], []).append(row)
    return found


def _minutes_to_resolve(rows: list[dict[str, str]]) -> float:
    """The issue's rule: resolved_at, else last row in Resolved, else closed_at."""

    def read(text: str) -> datetime:
        return datetime.strptime(text, "%d/%m/%Y %H:%M")

    last = rows[-1]
    if last["resolved_at"] != "?":
        resolved = read(last["resolved_at"])
    else:
        in_resolved = [r for r in rows if r["incident_state"] == "Resolved"]
        resolved = read(
            (in_resolved[-1]["sys_updated_at"]) if in_resolved else last["closed_at"]
        )
    return (resolved - read(last["opened_at"])).total_seconds() / 60


@pytest.fixture(scope="session")
def incidents() -> dict[str, list[dict[str, str]]]:
    return _incidents()


@pytest.fixture(scope="session")
def servicenow_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hypercare (UTC, go-live 2016-02-29) with the real file imported once."""
    folder = tmp_path_factory.mktemp("servicenow")
    run(
        "init", "--dir", str(folder), "--go-live", "2016-02-29T00:00:00Z", "--tz", "UTC"
    )
    config = folder / "hypercare.toml"
    result = run(
        "--config",
        str(config),
        "import",
        "servicenow",
        str(SERVICENOW_CSV),
        "--format",
        "json",
    )
    (folder / "summary.json").write_text(result.stdout)
    return folder


@pytest.fixture
def servicenow(servicenow_folder: Path, isolated: Path) -> Path:
    """This test's own copy of the imported hypercare, in its folder."""
    for name in ("hypercare.toml", "hypercare.db", "summary.json"):
        shutil.copy(servicenow_folder / name, isolated / name)
    return isolated


def _db(folder: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(folder / "hypercare.db")
    conn.row_factory = sqlite3.Row
    return conn


def _counts(folder: Path) -> tuple[int, int]:
    conn = _db(folder)
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM events)"
    ).fetchone()
    conn.close()
    return counts[0], counts[1]


# --- ServiceNow ----------------------------------------------------------------------


@pytest.mark.slow
def test_servicenow_issues_match_the_file(
    servicenow: Path, incidents: dict[str, list[dict[str, str]]]
) -> None:
    conn = _db(servicenow)
    rows = {r["external_ref"]: dict(r) for r in conn.execute("SELECT * FROM issues")}

    assert len(rows) == len(incidents) == 3931
    priorities = Counter(r["priority"] for r in rows.values())
    expected = Counter("P" + group[-1]["priority"][0] for group in incidents.values())
    assert priorities == expected == {"P1": 36, "P2": 82, "P3": 3566, "P4": 247}
    assert Counter(r["status"] for r in rows.values()) == {"closed": 3931}
    assert sum(r["reopen_count"] > 0 for r in rows.values()) == 60
    assert {ref: r["reopen_count"] for ref, r in rows.items()} == {
        ref: int(group[-1]["reopen_count"]) for ref, group in incidents.items()
    }
    assert Counter(r["channel"] for r in rows.values()) == {"phone": 3915, "email": 16}
    assert all(r["source"] == "servicenow" for r in rows.values())


@pytest.mark.slow
def test_servicenow_row_fields_come_from_the_last_row(
    servicenow: Path, incidents: dict[str, list[dict[str, str]]]
) -> None:
    issue = dict(
        _db(servicenow)
        .execute("SELECT * FROM issues WHERE external_ref = 'INC0000045'")
        .fetchone()
    )
    # Worked out by hand from the file's 4 rows of INC0000045.
    assert issue["reported_at"] == "2016-02-29T01:16:00Z"
    assert issue["resolved_at"] == "2016-02-29T11:29:00Z"
    assert issue["closed_at"] == "2016-03-05T12:00:00Z"
    assert issue["acknowledged_at"] == "2016-02-29T08:53:00Z"
    # "2 - Medium" urgency is our "high" (see the summary's notes).
    assert (issue["impact"], issue["urgency"], issue["priority"]) == (
        "medium",
        "high",
        "P3",
    )
    assert (issue["area"], issue["reporter"], issue["resolution_code"]) == (
        "Category 55",
        "Caller 2403",
        "code 5",
    )
    assert issue["priority_reason"] is None


@pytest.mark.slow
def test_servicenow_each_row_is_an_event_and_the_row_is_their_fold(
    servicenow: Path,
) -> None:
    conn = _db(servicenow)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(issues)")]
    events: dict[int, list[dict[str, Any]]] = {}
    for event in conn.execute("SELECT issue_id, changes FROM events ORDER BY id"):
        events.setdefault(event["issue_id"], []).append(json.loads(event["changes"]))
    defaults = {"is_known": 0, "is_kb": 0, "reopen_count": 0, "reassignment_count": 0}
    for row in conn.execute("SELECT * FROM issues"):
        folded = {**defaults, "id": row["id"]}
        for changes in events[row["id"]]:
            folded.update(changes)
        assert {c: folded.get(c) for c in columns} == dict(row)
    # One event per audit row, one creation per incident, and one extra for the
    # incident that went from Resolved straight to Awaiting User Info (reopen,
    # then hold).
    assert _counts(servicenow) == (3931, 28071 + 3931 + 1)


@pytest.mark.slow
def test_servicenow_resolution_moment_follows_the_rule(
    servicenow: Path, incidents: dict[str, list[dict[str, str]]]
) -> None:
    conn = _db(servicenow)
    # MTTR is computed from events: the last move into resolved, or a close
    # straight from an open state.
    moments = dict(
        conn.execute(
            "SELECT i.external_ref, (SELECT max(at) FROM events e "
            "WHERE e.issue_id = i.id "
            "AND (to_status = 'resolved' OR (to_status = 'closed' "
            "AND coalesce(from_status, '') <> 'resolved'))) FROM issues i"
        ).fetchall()
    )
    reported = dict(conn.execute("SELECT external_ref, reported_at FROM issues"))
    for ref, group in incidents.items():
        span = datetime.fromisoformat(moments[ref]) - datetime.fromisoformat(
            reported[ref]
        )
        assert span.total_seconds() / 60 == _minutes_to_resolve(group), ref


@pytest.mark.slow
def test_kpi_mttr_matches_the_file(
    servicenow: Path, incidents: dict[str, list[dict[str, str]]]
) -> None:
    by_priority: dict[str, list[float]] = {}
    for group in incidents.values():
        priority = "P" + group[-1]["priority"][0]
        by_priority.setdefault(priority, []).append(_minutes_to_resolve(group))

    kpi = run(
        "kpi",
        "--format",
        "json",
        "--since",
        "2016-02-29 00:00",
        "--as-of",
        "2017-03-01 00:00",
    ).json()
    for priority, spans in by_priority.items():
        measured = kpi["mttr"][priority]
        assert measured["count"] == len(spans)
        assert measured["mean_minutes"] == pytest.approx(
            statistics.mean(spans), abs=0.1
        )
        assert measured["median_minutes"] == statistics.median(spans)


@pytest.mark.slow
def test_second_import_adds_nothing(servicenow: Path) -> None:
    before = _counts(servicenow)
    summary = run(
        "import", "servicenow", str(SERVICENOW_CSV), "--format", "json"
    ).json()
    assert summary["issues"] == {
        "added": 0,
        "updated": 0,
        "unchanged": 3931,
        "rejected": 0,
    }
    assert summary["events"]["added"] == 0
    assert summary["events"]["unchanged"] == before[1]
    assert _counts(servicenow) == before


@pytest.mark.slow
def test_first_import_summary(servicenow: Path) -> None:
    summary = json.loads((servicenow / "summary.json").read_text())
    assert summary == {
        "source": "servicenow",
        "file": str(SERVICENOW_CSV),
        "dry_run": False,
        "rows_read": 28071,
        "issues": {"added": 3931, "updated": 0, "unchanged": 0, "rejected": 0},
        "events": {"added": 32003, "updated": 0, "unchanged": 0, "rejected": 0},
        # Urgency 1-2-3 reads as immediate-high-low: only low impact with
        # urgency "2 - Medium" (our low x high, P3) differs from the source's
        # P4. 30 incidents end so (counted from each one's last row in the file).
        "notes": {"priority_differs_from_matrix": 30},
        "skipped": [],
        "skipped_count": 0,
    }


def test_bad_date_on_line_7_refuses_everything(project: Path) -> None:
    result = run("import", "servicenow", str(BAD_DATE_CSV), expect=2)
    assert result.stderr.splitlines() == [
        f"Error: {BAD_DATE_CSV} line 7: cannot read sys_updated_at '31/2/2016 05:30'; "
        "expected a day-first date like 29/2/2016 01:16; nothing was imported. Fix the "
        "file, or pass --skip-bad to import the rest"
    ]
    assert _counts(project) == (0, 0)


def test_skip_bad_imports_the_rest_and_lists_the_line(project: Path) -> None:
    summary = run(
        "import", "servicenow", str(BAD_DATE_CSV), "--skip-bad", "--format", "json"
    ).json()
    # Lines 2-12: INC0000045 (lines 2-5), INC0000047 (6-12) without line 7.
    assert summary["issues"]["added"] == 2
    assert summary["events"] == {
        "added": 2 + 10,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    assert summary["skipped"] == [
        {
            "line": 7,
            "reason": "cannot read sys_updated_at '31/2/2016 05:30'; expected a "
            "day-first date like 29/2/2016 01:16",
        }
    ]
    assert _counts(project) == (2, 12)


def test_skip_bad_text_lists_what_was_skipped(project: Path) -> None:
    out = run("import", "servicenow", str(BAD_DATE_CSV), "--skip-bad").stdout
    assert "Skipped 1 bad row:\n  line 7: cannot read sys_updated_at" in out


def test_dry_run_writes_nothing(project: Path) -> None:
    out = run(
        "import", "servicenow", str(BAD_DATE_CSV), "--skip-bad", "--dry-run"
    ).stdout
    assert out.splitlines()[0] == (f"Would import {BAD_DATE_CSV} (servicenow): 11 rows")
    assert out.splitlines()[-1] == "Dry run: nothing was written."
    assert "  issues: 2 added, 0 updated, 0 unchanged, 0 rejected" in out
    assert _counts(project) == (0, 0)


def test_no_progress_bar_when_not_a_terminal(project: Path) -> None:
    result = run("import", "servicenow", str(BAD_DATE_CSV), "--skip-bad")
    assert result.stderr == ""


def _servicenow_head(path: Path, line: int, extra: str) -> Path:
    """The first 40 lines of the real export, with ``extra`` added to ``line``."""
    with SERVICENOW_FIRST40.open(newline="", encoding="utf-8") as handle:
        lines = handle.readlines()
    lines[line - 1] = lines[line - 1].rstrip("\n") + extra + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_quote_left_open_is_refused_naming_its_line(project: Path) -> None:
    # Without strict reading, lines 5-40 became one field of line 5's row:
    # 39 rows read, one issue stored, and no complaint.
    path = _servicenow_head(project / "quote.csv", 5, ',"unterminated')

    result = run("import", "servicenow", str(path), "--skip-bad", expect=2)

    assert result.stderr.splitlines() == [
        f"Error: {path} line 5: a quoted field starts on this row and is never "
        "closed, so every line after it would be read into it; nothing was "
        'imported. Close the quote or remove the stray "'
    ]
    assert _counts(project) == (0, 0)


def test_a_row_wider_than_the_header_is_a_bad_row(project: Path) -> None:
    path = _servicenow_head(project / "wide.csv", 5, ",extra")

    result = run("import", "servicenow", str(path), expect=2)

    assert result.stderr.splitlines() == [
        f"Error: {path} line 5: the row has 37 fields, the header 36; check the "
        "delimiters and quoting; nothing was imported. Fix the file, or pass "
        "--skip-bad to import the rest"
    ]
    assert _counts(project) == (0, 0)
    summary = run(
        "import", "servicenow", str(path), "--skip-bad", "--format", "json"
    ).json()
    assert summary["skipped"] == [
        {
            "line": 5,
            "reason": "the row has 37 fields, the header 36; check the delimiters "
            "and quoting",
        }
    ]
    # Lines 2-40 hold 39 events; the one on line 5 is left out.
    assert summary["events"]["rejected"] == 1
    assert _counts(project)[1] - summary["issues"]["added"] == 39 - 1


def _damaged_gzip(path: Path, damage: str) -> Path:
    packed = bytearray(gzip.compress(BAD_DATE_CSV.read_bytes(), mtime=0))
    if damage == "cut":
        packed = packed[: len(packed) // 2]
    else:
        packed[40:60] = b"x" * 20  # inside the deflate stream
    path.write_bytes(packed)
    return path


@pytest.mark.parametrize(
    ("damage", "what"),
    [("cut", "it ends early"), ("corrupt", "it cannot be decompressed")],
)
def test_a_damaged_gzip_file_is_refused_naming_it(
    project: Path, damage: str, what: str
) -> None:
    path = _damaged_gzip(project / "bad.csv.gz", damage)

    result = run("import", "servicenow", str(path), "--skip-bad", expect=2)

    assert result.stderr.splitlines() == [
        f"Error: {path} is a damaged gzip file ({what}); compress the export again, "
        "or import the uncompressed file"
    ]
    assert _counts(project) == (0, 0)


def test_reimport_of_a_shorter_history_is_rejected(
    project: Path, tmp_path: Path
) -> None:
    run("import", "servicenow", str(BAD_DATE_CSV), "--skip-bad")
    partial = tmp_path / "partial.csv"
    lines = BAD_DATE_CSV.read_text().splitlines(keepends=True)
    partial.write_text("".join(lines[:6]))  # INC0000045 whole, INC0000047's first row
    result = run("import", "servicenow", str(partial), expect=2)
    assert result.stderr.startswith(
        f"Error: {partial} line 6: issue 2 (INC0000047) was imported before with a "
        "different history (from its event 3); history is never rewritten"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["servicenow", "missing.csv"],
            "missing.csv: no such file; give the path of the export",
        ),
        (
            ["csv", str(HELPDESK_CSV)],
            "Missing option '--mapping' / '-m' (see 'hypercare import csv --help')",
        ),
    ],
)
def test_usage_errors(project: Path, args: list[str], message: str) -> None:
    result = run("import", *args, expect=2)
    assert message in result.stderr


def test_servicenow_file_without_its_columns(project: Path) -> None:
    other = TEST_DATA / "zendesk-export.csv"
    result = run("import", "servicenow", str(other), expect=2)
    assert result.stderr.splitlines() == [
        f"Error: {other} has no column 'number'; its columns are: Id, Requester, "
        "Requester email, Assignee, Group, Subject, Tags, Status, Priority, Via, "
        "Ticket type, Created at, Updated at, Solved at, Tags"
    ]


# --- Jira and Zendesk -------------------------------------------------------------


def _issues(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        r["external_ref"]: dict(r) for r in _db(folder).execute("SELECT * FROM issues")
    }


def test_jira_export_keeps_every_value(project: Path) -> None:
    summary = run(
        "import", "jira", str(TEST_DATA / "jira-export.csv"), "--format", "json"
    ).json()
    assert summary["issues"]["added"] == 4
    issues = _issues(project)

    pay1 = issues["PAY-1"]
    assert json.loads(pay1["tags"]) == ["go-live", "pdf", "Sprint 1", "Sprint 2"]
    assert pay1["description"] == (
        "Opening an invoice shows\na blank page.\n\nSteps: open any invoice."
    )
    assert (pay1["status"], pay1["priority"], pay1["type"]) == ("resolved", "P1", "bug")
    assert pay1["resolved_at"] == "2026-03-03T14:05:00Z"
    assert (pay1["area"], pay1["assignee"], pay1["reporter"]) == (
        "Billing",
        "Dana Evans",
        "Ana Ruiz",
    )
    comments = [
        tuple(r)
        for r in _db(project).execute(
            "SELECT at, actor, note FROM events WHERE kind = 'comment' "
            "AND issue_id = ? ORDER BY id",
            (pay1["id"],),
        )
    ]
    assert comments == [
        (
            "2026-03-02T10:00:00Z",
            "dana.evans",
            "Reproduced on staging.\nLooking at the renderer.",
        ),
        ("2026-03-03T14:00:00Z", "dana.evans", "Fixed; font was missing."),
    ]
    assert (issues["PAY-2"]["status"], issues["PAY-2"]["priority"]) == (
        "in_progress",
        "P3",
    )
    assert issues["PAY-3"]["title"] == 'Report totals, "draft" rows'
    assert issues["PAY-3"]["status"] == "new"
    pay4 = issues["PAY-4"]
    assert (pay4["status"], pay4["resolved_at"], pay4["closed_at"]) == (
        "closed",
        "2026-03-03T09:00:00Z",
        "2026-03-04T09:10:00Z",
    )
    assert json.loads(pay4["tags"]) == ["sso", "duplicate", "go-live"]


def test_zendesk_solved_before_created_is_a_bad_row(project: Path) -> None:
    Path("tickets.csv").write_text(
        "Id,Subject,Status,Created at,Updated at,Solved at\n"
        "201,Fine,solved,2026-03-02 09:00,2026-03-02 12:00,2026-03-02 11:00\n"
        "202,Early,solved,2026-03-02 09:00,2026-03-02 12:00,2026-03-01 08:00\n",
        encoding="utf-8",
    )
    reason = (
        "resolved_at 2026-03-01T08:00:00Z is before reported_at "
        "2026-03-02T09:00:00Z; an issue cannot be resolved before it was reported"
    )

    result = run("import", "zendesk", "tickets.csv", expect=2)

    assert result.stderr == (
        f"Error: tickets.csv line 3: {reason}; nothing was imported. Fix the file, "
        "or pass --skip-bad to import the rest\n"
    )
    assert _issues(project) == {}
    skipped = run("import", "zendesk", "tickets.csv", "--skip-bad").stdout
    assert f"  line 3: {reason}\n" in skipped
    assert sorted(_issues(project)) == ["201"]


def test_zendesk_export_with_bom_and_semicolons(project: Path) -> None:
    run("import", "zendesk", str(TEST_DATA / "zendesk-export.csv"))
    issues = _issues(project)
    assert sorted(issues) == ["101", "102", "103", "104"]
    first = issues["101"]
    # The subject's line break is folded: a title is one line everywhere.
    assert first["title"] == "Checkout fails; error 500 on pay"
    assert json.loads(first["tags"]) == ["checkout", "urgent", "go-live"]
    assert (first["channel"], first["priority"], first["status"]) == (
        "email",
        "P1",
        "resolved",
    )
    assert first["contact"] == "ana@example.com"
    assert [issues[k]["channel"] for k in ("102", "103", "104")] == [
        "helpdesk",
        "phone",
        "chat",
    ]
    assert [issues[k]["status"] for k in ("102", "103", "104")] == [
        "new",
        "on_hold",
        "closed",
    ]
    assert issues["104"]["resolved_at"] == "2026-03-02T11:00:00Z"


def test_jira_twice_changes_nothing(project: Path) -> None:
    first = run("import", "jira", str(TEST_DATA / "jira-export.csv")).stdout
    # The fixture's 4 issues; notes that are all 0 are left out for people.
    assert first.splitlines()[1] == (
        "  issues: 4 added, 0 updated, 0 unchanged, 0 rejected"
    )
    assert "reopened" not in first and "older than stored" not in first
    before = _counts(project)
    summary = run(
        "import", "jira", str(TEST_DATA / "jira-export.csv"), "--format", "json"
    ).json()
    assert summary["issues"]["unchanged"] == 4
    assert _counts(project) == before


# --- mapped CSV ------------------------------------------------------------------


@pytest.mark.slow
def test_helpdesk_event_log_through_the_shipped_mapping(project: Path) -> None:
    with HELPDESK_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows = [tuple(row) for row in reader]
    cases = {row[0] for row in rows}
    repeats = len(rows) - len(set(rows))

    summary = run(
        "import",
        "csv",
        str(HELPDESK_CSV),
        "--mapping",
        str(HELPDESK_MAP),
        "--format",
        "json",
    ).json()
    assert summary["issues"]["added"] == len(cases) == 4580
    assert summary["notes"] == {"duplicate_rows_skipped": repeats}
    issues = _issues(project)
    assert issues["Case 1"]["title"] == "Ticket Case 1 on Value 1"
    assert issues["Case 1"]["reported_at"] == "2012-10-09T14:50:17Z"
    # Worked out from the file alone: walking each case's rows (exact repeats
    # dropped, activities through the mapping's [status] table), 4,568 cases
    # end resolved or closed (Case 2436 was reopened and is still open), and
    # 1,541 of them never changed Resource while open. A new name on the
    # final "Closed" row is no reassignment.
    fcr = run(
        "kpi", "--since", "2000-01-01", "--as-of", "2020-01-01", "--format", "json"
    ).json()["fcr"]
    assert (fcr["numerator"], fcr["denominator"]) == (1541, 4568)


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            'source = "x"\ncolour = "red"\n[columns]\nkey = "a"\nreported_at = "b"\n',
            "colour is not a known key; known keys: channel, columns, "
            "drop_duplicate_rows, impact, priority, rows, source, status, "
            "tag_separator, time_formats, type, urgency",
        ),
        (
            'source = "x"\n[columns]\nkey = "a"\nreported_at = "b"\nsize = "c"\n',
            "columns.size is not a known field",
        ),
        (
            'source = "x"\nrows = "events"\n[columns]\nkey = "a"\n',
            'columns.time is needed when rows = "events"',
        ),
        (
            'source = "x"\n[columns]\nkey = "a"\nreported_at = "b"\n'
            '[status]\nopen = "wip"\n',
            "status.'open' maps to unknown status 'wip'",
        ),
        # An empty list used to end in IndexError (exit 3).
        *(
            (
                f'source = "x"\n[columns]\n{columns}\n',
                f"columns.{field} is an empty list; name at least one column",
            )
            for field, columns in (
                ("title", 'key = "a"\nreported_at = "b"\ntitle = []'),
                ("key", 'key = []\nreported_at = "b"'),
                ("reported_at", 'key = "a"\nreported_at = []'),
            )
        ),
    ],
)
def test_mapping_errors_name_the_key_and_file(
    project: Path, mapping: str, message: str
) -> None:
    path = project / "map.toml"
    path.write_text(mapping)
    data = project / "data.csv"
    data.write_text("a,b\nK-1,2026-03-02 10:00\n")
    result = run("import", "csv", str(data), "--mapping", str(path), expect=2)
    assert result.stderr.startswith(f"Error: {path}: {message}")
    assert run("list", "--format", "json").stdout.strip() == "[]"


def test_mapped_value_missing_from_the_map_is_a_bad_row(project: Path) -> None:
    path = project / "map.toml"
    path.write_text(
        'source = "x"\n[columns]\nkey = "id"\nreported_at = "at"\n'
        'status = "state"\n[status]\nopen = "new"\n'
    )
    data = project / "data.csv"
    data.write_text(
        "id;at;state\nK-1;2026-03-02 10:00;open\nK-2;2026-03-02 11:00;odd\n"
    )
    result = run("import", "csv", str(data), "--mapping", str(path), expect=2)
    assert result.stderr.splitlines() == [
        f"Error: {data} line 3: status 'odd' is not in the [status] map of {path}; add "
        "it there; nothing was imported. Fix the file, or pass --skip-bad to import "
        "the rest"
    ]


@pytest.mark.xfail(
    strict=True,
    reason="An event log whose rows are sorted by time, with the rows of one issue "
    "apart, is refused: the importer streams one issue at a time and needs each "
    "issue's rows together.",
)
def test_event_log_sorted_by_time_imports(project: Path) -> None:
    path = project / "map.toml"
    path.write_text(
        'source = "log"\nrows = "events"\n[columns]\nkey = "id"\n'
        'time = "at"\nstatus = "what"\n'
    )
    data = project / "log.csv"
    data.write_text(
        "id,at,what\nA,2026-03-02 10:00,new\nB,2026-03-02 10:05,new\n"
        "A,2026-03-02 11:00,resolved\n"
    )
    run("import", "csv", str(data), "--mapping", str(path))


def test_later_jira_export_updates_what_changed(project: Path, tmp_path: Path) -> None:
    original = TEST_DATA / "jira-export.csv"
    run("import", "jira", str(original))
    with original.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    pay2 = rows[2]
    pay2[header.index("Status")] = "Done"
    pay2[header.index("Resolved")] = "06/Mar/26 10:00 AM"
    pay2[header.index("Updated")] = "06/Mar/26 10:30 AM"
    pay2[header.index("Comment")] = "05/Mar/26 4:00 PM;omar.patel;Fixed the redirect."
    later = tmp_path / "later.csv"
    with later.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)

    summary = run(
        "import", "jira", str(later), "--by", "sync", "--format", "json"
    ).json()
    assert summary["issues"] == {
        "added": 0,
        "updated": 1,
        "unchanged": 3,
        "rejected": 0,
    }
    assert summary["events"]["added"] == 2
    issue = _issues(project)["PAY-2"]
    assert (issue["status"], issue["resolved_at"], issue["updated_at"]) == (
        "resolved",
        "2026-03-06T10:00:00Z",
        "2026-03-06T10:00:00Z",
    )
    added = [
        tuple(r)
        for r in _db(project).execute(
            "SELECT kind, at, actor, from_status, to_status, note FROM events "
            "WHERE issue_id = ? ORDER BY id DESC LIMIT 2",
            (issue["id"],),
        )
    ]
    assert added == [
        ("status", "2026-03-06T10:00:00Z", "sync", "in_progress", "resolved", None),
        (
            "comment",
            "2026-03-05T16:00:00Z",
            "omar.patel",
            None,
            None,
            "Fixed the redirect.",
        ),
    ]
    again = run("import", "jira", str(later), "--format", "json").json()
    assert again["issues"]["unchanged"] == 4
    assert again["events"]["added"] == 0
    # The row is still the fold of its events.
    folded: dict[str, Any] = {}
    for (changes,) in _db(project).execute(
        "SELECT changes FROM events WHERE issue_id = ? ORDER BY id", (issue["id"],)
    ):
        folded.update(json.loads(changes))
    assert all(issue[name] == value for name, value in folded.items())


def _jira_snapshot(name: str, status: str, updated: str) -> str:
    """A one-issue Jira export: K-1, created 2026-11-21 10:00."""
    Path(name).write_text(
        "Issue key,Summary,Status,Priority,Created,Updated\n"
        f"K-1,one,{status},High,2026-11-21 10:00,2026-11-21 {updated}\n"
    )
    return name


def _timeline() -> list[tuple[str, str, str | None, str | None]]:
    events = run("show", "1", "--format", "json").json()["events"]
    return [
        (e["kind"], e["at"][11:16], e["from_status"], e["to_status"]) for e in events
    ]


def test_a_later_export_does_not_move_the_report_after_the_resolution(
    project: Path,
) -> None:
    # K-1 created 10:00, resolved 12:00; a later export says it was created
    # at 13:00 (after its resolution) and is still Done.
    Path("first.csv").write_text(
        "Issue key,Summary,Status,Priority,Created,Updated,Resolved\n"
        "K-1,one,Done,Highest,2026-11-21 10:00,2026-11-21 12:00,2026-11-21 12:00\n"
    )
    Path("later.csv").write_text(
        "Issue key,Summary,Status,Priority,Created,Updated,Resolved\n"
        "K-1,one,Done,Highest,2026-11-21 13:00,2026-11-21 14:00,\n"
    )
    run("import", "jira", "first.csv")

    summary = run("import", "jira", "later.csv", "--format", "json").json()

    assert summary["notes"]["report_times_kept"] == 1
    issue = run("show", "1", "--format", "json").json()["issue"]
    assert (issue["reported_at"], issue["resolved_at"]) == (
        "2026-11-21T10:00:00Z",
        "2026-11-21T12:00:00Z",
    )
    kpis = run(
        "kpi", "--since", "2026-11-21", "--as-of", "2026-11-22", "--format", "json"
    )
    # Reported 10:00, resolved 12:00: 120 minutes, as first imported.
    assert kpis.json()["mttr"]["P1"]["mean_minutes"] == 120


def test_a_later_export_without_update_times_leaves_issues_as_they_are(
    project: Path,
) -> None:
    # No Updated column: when K-1 was closed is not known, so the later
    # export is not applied (it used to close K-1 at its report time, in no
    # time at all), and re-importing the first one reopens nothing.
    header = "Issue key,Summary,Status,Priority,Created\n"
    Path("first.csv").write_text(header + "K-1,one,Open,High,2026-11-21 10:00\n")
    Path("later.csv").write_text(header + "K-1,one,Done,High,2026-11-21 10:00\n")
    run("import", "jira", "first.csv")

    later = run("import", "jira", "later.csv", "--format", "json").json()
    again = run("import", "jira", "first.csv", "--format", "json").json()

    assert later["notes"]["rows_without_update_time"] == 1
    assert again["issues"]["unchanged"] == 1
    issue = run("show", "1", "--format", "json").json()["issue"]
    assert (issue["status"], issue["reopen_count"]) == ("new", 0)
    text = run("import", "jira", "later.csv").stdout
    assert "  rows without update time: 1\n" in text


def test_an_older_jira_snapshot_leaves_the_issue_as_it_is(project: Path) -> None:
    run("import", "jira", _jira_snapshot("done.csv", "Done", "12:00"))

    result = run(
        "import", "jira", _jira_snapshot("old.csv", "Open", "09:00"), "--format", "json"
    )

    # It used to store "resolved -> new" at 10:00, before the 12:00 resolve.
    summary = result.json()
    assert result.stderr == ""
    assert summary["issues"] == {
        "added": 0,
        "updated": 0,
        "unchanged": 1,
        "rejected": 0,
    }
    assert summary["events"]["added"] == 0
    assert summary["notes"] == {
        "reopened": 0,
        "rows_older_than_stored": 1,
        "status_moves_not_allowed": 0,
        "report_times_kept": 0,
        "rows_without_update_time": 0,
    }
    assert run("show", "1", "--format", "json").json()["issue"]["status"] == "resolved"
    assert _timeline() == [
        ("imported", "10:00", None, "new"),
        ("status", "12:00", "new", "resolved"),
    ]
    text = run("import", "jira", "old.csv").stdout
    assert "  rows older than stored: 1\n" in text


@pytest.mark.parametrize(
    ("status", "steps"),
    [
        ("Open", [("status", "15:00", "resolved", "in_progress")]),
        (
            "Waiting for customer",
            [
                ("status", "15:00", "resolved", "in_progress"),
                ("status", "15:00", "in_progress", "on_hold"),
            ],
        ),
    ],
)
def test_a_later_jira_snapshot_reopens_a_resolved_issue(
    project: Path, status: str, steps: list[tuple[str, str, str, str]]
) -> None:
    run("import", "jira", _jira_snapshot("done.csv", "Done", "12:00"))
    later = _jira_snapshot("later.csv", status, "15:00")

    summary = run("import", "jira", later, "--format", "json").json()

    assert summary["issues"]["updated"] == 1
    assert summary["notes"]["reopened"] == 1
    assert _timeline() == [
        ("imported", "10:00", None, "new"),
        ("status", "12:00", "new", "resolved"),
        *steps,
    ]
    issue = run("show", "1", "--format", "json").json()["issue"]
    assert (issue["reopen_count"], issue["resolved_at"]) == (1, None)
    # Jira's "Open" after a reopen stays in_progress: nothing moves back to new.
    again = run("import", "jira", later, "--format", "json").json()
    assert again["issues"]["unchanged"] == 1
    assert again["events"]["added"] == 0
    assert again["notes"]["status_moves_not_allowed"] == 0


def test_a_jira_snapshot_cannot_move_out_of_a_final_state(project: Path) -> None:
    run("import", "jira", _jira_snapshot("wont.csv", "Won't Do", "12:00"))

    summary = run(
        "import",
        "jira",
        _jira_snapshot("open.csv", "In Progress", "15:00"),
        "-f",
        "json",
    ).json()

    # The lifecycle has no move out of rejected (nor a reopen from it).
    assert summary["notes"]["status_moves_not_allowed"] == 1
    assert summary["issues"]["unchanged"] == 1
    assert run("show", "1", "--format", "json").json()["issue"]["status"] == "rejected"


def test_a_key_twice_in_one_export_is_refused(project: Path) -> None:
    Path("dup.csv").write_text(
        "Issue key,Summary,Status,Priority,Created\n"
        "D-1,one,Open,High,2026-11-21 10:00\n"
        "D-1,two,Done,Low,2026-11-21 11:00\n"
    )

    result = run("import", "jira", "dup.csv", expect=2)

    assert result.stderr == (
        "Error: dup.csv line 3: 'D-1' is already on line 2; keep one row per issue "
        "(or, in an event log, keep an issue's rows together)\n"
    )
    assert run("list", "--format", "json").json() == []


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            'key = "Ref"\ntitle = "Headline"\nreported_at = "Opened"\n'
            'reporter = "Whom"\n',
            "map.toml: columns.reporter names column 'Whom', which data.csv does not "
            "have; its columns are: Ref, Headline, Opened, Who",
        ),
        (
            'key = "Ref"\ntitle = "{Ref}: {Headline"\nreported_at = "Opened"\n',
            "map.toml: columns.title '{Ref}: {Headline' is not a template like "
            "'{Key}: {Summary}' (expected '}' before end of string)",
        ),
        # Python's format specs and conversions ran on the file's cells: a
        # huge width exhausted memory, others padded or leaked its messages.
        *(
            (
                f'key = "Ref"\ntitle = "{field}"\nreported_at = "Opened"\n',
                f"map.toml: columns.title '{field}' formats a field ({field}); use "
                "plain {Column name} fields, and {{ or }} for a brace",
            )
            for field in (
                "{Headline!r:>5000000000}",
                "{Headline:>30}",
                "{Headline:d}",
                "{Headline!s}",
            )
        ),
        (
            'key = "Ref"\ntitle = "{Ref}: {}"\nreported_at = "Opened"\n',
            "map.toml: columns.title '{Ref}: {}' has an empty field {}; name a "
            "column inside the braces",
        ),
    ],
)
def test_a_mapping_must_match_the_file(
    project: Path, columns: str, message: str
) -> None:
    Path("data.csv").write_text(
        "Ref,Headline,Opened,Who\nR-1,One,2026-11-21 10:00,Ana\n"
    )
    Path("map.toml").write_text(
        f'source = "mine"\nrows = "issues"\n[columns]\n{columns}'
    )

    result = run("import", "csv", "data.csv", "--mapping", "map.toml", expect=2)

    assert result.stderr == f"Error: {message}\n"
    assert run("list", "--format", "json").json() == []


def test_a_title_template_joins_plain_fields(project: Path) -> None:
    Path("map.toml").write_text(
        'source = "mine"\n[columns]\nkey = "Ref"\nreported_at = "Opened"\n'
        'title = "{{{Ref}}} {headline}: {Headline.upper}"\n'
    )
    Path("data.csv").write_text(
        "Ref,Headline,Opened,Headline.upper\nR-1,  One ,2026-11-21 10:00,X\n"
    )

    run("import", "csv", "data.csv", "--mapping", "map.toml")

    # Names match columns in any case; "a.b" is a column name, not an attribute.
    assert run("show", "1", "--format", "json").json()["issue"]["title"] == (
        "{R-1} One: X"
    )


def test_a_closed_jira_issue_without_an_update_time_ends_closed(project: Path) -> None:
    Path("closed.csv").write_text(
        "Issue key,Summary,Status,Priority,Created,Resolved\n"
        "Q-1,Clos,Closed,Blocker,2026-11-21 10:00,2026-11-21 12:00\n"
    )

    run("import", "jira", "closed.csv")

    issue = run("show", "1", "--format", "json").json()["issue"]
    assert (issue["status"], issue["resolved_at"], issue["closed_at"]) == (
        "closed",
        "2026-11-21T12:00:00Z",
        "2026-11-21T12:00:00Z",
    )


@pytest.mark.parametrize(
    ("created", "reason"),
    [
        (
            "2099-11-21",
            "reported_at '2099-11-21' is in the future (2099-11-21 00:00 UTC); a file "
            "can only hold times up to now",
        ),
        (
            "1h ago",
            "reported_at '1h ago' is relative; a file's times must be absolute, like "
            "2026-03-05 14:30, so that importing it again gives the same times",
        ),
    ],
)
def test_a_relative_or_future_time_in_an_export_is_refused(
    project: Path, created: str, reason: str
) -> None:
    Path("later.csv").write_text(
        "Issue key,Summary,Status,Priority,Created\n"
        "F-1,fine,Open,High,2026-11-21 10:00\n"
        f"F-2,later,Open,High,{created}\n"
    )

    result = run("import", "jira", "later.csv", expect=2)

    assert result.stderr == (
        f"Error: later.csv line 3: {reason}; nothing was imported. Fix the file, or "
        "pass --skip-bad to import the rest\n"
    )
    assert _counts(project) == (0, 0)


def test_a_comment_dated_in_the_future_is_a_bad_row(project: Path) -> None:
    # Before, a stamp that could not be used left the whole text as the note.
    Path("noted.csv").write_text(
        "Issue key,Summary,Status,Priority,Created,Comment\n"
        "C-1,noted,Open,High,2026-11-21 10:00,2099-01-01 10:00;ana;on it\n"
    )

    result = run("import", "jira", "noted.csv", expect=2)

    assert result.stderr == (
        "Error: noted.csv line 2: a comment's time '2099-01-01 10:00' is in the "
        "future (2099-01-01 10:00 UTC); a file can only hold times up to now; "
        "nothing was imported. Fix the file, or pass --skip-bad to import the rest\n"
    )
    assert _counts(project) == (0, 0)


def test_a_jira_month_in_another_language_is_a_bad_row(project: Path) -> None:
    # Jira exports month names in the exporting user's language; "Mär" is
    # German for March, which the English form cannot read.
    text = (TEST_DATA / "jira-export.csv").read_text(encoding="utf-8-sig")
    path = project / "german.csv"
    path.write_text(text.replace("02/Mar/26 9:15 AM", "02/Mär/26 9:15 AM", 1))

    result = run("import", "jira", str(path), expect=2)

    assert result.stderr == (
        f"Error: {path} line 2: cannot read reported_at '02/Mär/26 9:15 AM'; "
        "expected a time like 2026-03-05 14:30 or a jira export's form, with "
        f"English month names{REFUSED}\n"
    )
    assert _counts(project) == (0, 0)


def test_a_description_longer_than_the_csv_modules_default_limit_imports(
    project: Path,
) -> None:
    # 200,000 characters: over the csv module's 131,072 default, as a pasted
    # log in a real description can be.
    with (project / "long.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Summary", "Issue key", "Status", "Created", "Description"])
        writer.writerow(["Big", "PAY-1", "Open", "02/Mar/26 9:15 AM", "x" * 200_000])

    run("import", "jira", "long.csv")

    issue = run("show", "1", "--format", "json").json()["issue"]
    assert len(issue["description"]) == 200_000


@pytest.mark.parametrize(
    ("kind", "given", "message"),
    [
        (
            "jira",
            "-",
            "imports do not read standard input; save the export to a file and "
            "give its path",
        ),
        ("jira", ".", ". is a folder; give the path of the export in it"),
        (
            "metrics",
            "/dev/null",
            "/dev/null is not a regular file (a pipe or a device); save the "
            "samples (CSV or JSON lines) to a file and give its path",
        ),
        (
            "jsonl",
            "gone.jsonl",
            "gone.jsonl: no such file; give the path of a file written by "
            "'hypercare export'",
        ),
    ],
)
def test_what_is_not_a_file_is_named_by_cause(
    project: Path, kind: str, given: str, message: str
) -> None:
    result = run("import", kind, given, expect=2)

    assert result.stderr == f"Error: {message}\n"


def test_rows_are_records_not_lines(project: Path) -> None:
    # The Jira export's 4 issues take 8 lines: descriptions and comments hold
    # line breaks (counted with the csv module, header left out).
    summary = run(
        "import", "jira", str(TEST_DATA / "jira-export.csv"), "--format", "json"
    ).json()

    assert summary["rows_read"] == 4


def test_one_more_bad_row_is_named_on_its_line(project: Path) -> None:
    # Rows 2 and 3 lack the reported time; "line 3", not "lines 3".
    (project / "two.csv").write_text(
        "Issue key,Summary,Status,Created\nK-1,a,Open,\nK-2,b,Open,\n"
    )

    result = run("import", "jira", "two.csv", expect=2)

    assert result.stderr == (
        "Error: two.csv line 2: the reported time is missing; 1 more bad row "
        f"(line 3){REFUSED}\n"
    )


def test_a_time_format_that_cannot_read_a_time_is_refused(project: Path) -> None:
    Path("data.csv").write_text("Ref,Opened\nR-1,2026-11-21 10:00\n")
    Path("map.toml").write_text(
        'source = "mine"\ntime_formats = ["%Q"]\n'
        '[columns]\nkey = "Ref"\nreported_at = "Opened"\n'
    )

    result = run("import", "csv", "data.csv", "--mapping", "map.toml", expect=2)

    assert result.stderr == (
        "Error: map.toml: time_formats '%Q' cannot be used ('Q' is a bad directive "
        "in format '%Q')\n"
    )
