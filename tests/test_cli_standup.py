"""hypercare standup: formats, hostile titles, files, errors, and the ServiceNow sample.

The section contents are tested in test_core_standup.py; here the command
itself: JSON keys (pinned), Markdown and HTML that survive a title full of
markup, every "nothing to say" line, --output and the error lines. The
last test checks the lists against the ServiceNow CSV, computed
independently with the csv module.
"""

from __future__ import annotations

import csv
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import SERVICENOW_CSV, run

HOSTILE = "Bad | title [link](http://evil.example) <script>alert(1)</script>"
AS_OF = "2026-03-04 09:00"

JSON_KEYS = {
    "project",
    "as_of",
    "window",
    "day",
    "open_by_priority",
    "new",
    "resolved",
    "reopened",
    "open_p1_p2",
    "breaches",
    "at_risk",
    "stale",
    "awaiting_confirmation",
    "kpis",
    "exit_criteria",
    "trends",
}
LINE_KEYS = {"id", "title", "priority", "status", "assignee", "reported_at"}
EMPTY_LINES = (
    "No new issues.",
    "Nothing resolved.",
    "Nothing reopened.",
    "No P1 or P2 open.",
    "No SLA breaches.",
    "Nothing at risk.",
    "Every open issue was updated within the stale limit.",
    "No resolved issue awaits confirmation.",
)


@pytest.fixture
def hostile(project: Path) -> Path:
    """One P1 with a hostile title, reported in the window and still open."""
    run(
        "log",
        HOSTILE,
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--reported-at",
        "2026-03-03 10:00",
        "--at",
        "2026-03-03 10:00",
    )
    run("assign", "1", "<b>eve</b> | [x]", "--at", "2026-03-03 10:01")
    return project


def test_json_keys_are_pinned(hostile: Path) -> None:
    data = run("standup", "--as-of", AS_OF, "--format", "json").json()
    assert set(data) == JSON_KEYS
    assert set(data["window"]) == {"since", "until"}
    assert set(data["new"][0]) == LINE_KEYS
    assert set(data["open_p1_p2"][0]) == LINE_KEYS | {
        "age_hours",
        "last_event_at",
        "sla_acknowledge",
        "sla_resolve",
        "resolve_due_at",
    }
    assert set(data["kpis"]) == {
        "since",
        "mttr_hours",
        "sla_percent",
        "reopen_rate",
        "first_contact_resolution",
        "csat",
        "nps",
    }
    assert set(data["exit_criteria"][0]) == {
        "name",
        "status",
        "measured",
        "threshold",
        "detail",
    }
    assert set(data["trends"]) == {"p1p2_per_day", "backlog_per_day"}
    # The title comes back exactly as typed.
    assert data["new"][0]["title"] == HOSTILE


def test_markdown_escapes_user_text(hostile: Path) -> None:
    text = run("standup", "--as-of", AS_OF, "--format", "md").stdout
    row = next(line for line in text.splitlines() if line.startswith("| 1 | P1 | Bad"))
    escaped = (
        r"Bad \| title \[link\](http://evil.example) "
        r"\<script\>alert(1)\</script\>"
    )
    assert escaped in row
    # Six columns: seven unescaped pipes, whatever the title holds.
    assert row.replace(r"\|", "").count("|") == 7
    assert r"\<b\>eve\</b\> \| \[x\]" in text
    assert "<script>" not in text
    assert "](http" not in text.replace(r"\](http", "")


def test_html_is_self_contained_and_escaped(hostile: Path) -> None:
    page = run("standup", "--as-of", AS_OF, "--format", "html").stdout
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;eve&lt;/b&gt; | [x]" in page
    # Nothing fetched from elsewhere: charts are inline PNGs.
    assert 'src="http' not in page and "<link" not in page
    assert page.count('src="data:image/png;base64,') == 2


def test_rich_output_when_piped_is_plain_text_with_charts(hostile: Path) -> None:
    text = run("standup", "--as-of", AS_OF).stdout
    assert text.startswith("Stand-up: Test\n==============\n")
    assert "day 3 of hypercare · as of 2026-03-04 09:00 UTC" in text
    assert "\nNew (1)\n-------\n" in text
    assert "\x1b[" not in text  # no colour codes when piped
    assert "P1/P2 issues per day" in text and "┤" in text  # the text chart


def test_labels_read_as_in_every_report(project: Path) -> None:
    # A P1 reported on day 2; as of day 3 the default no-P1 criterion fails.
    run(
        "log",
        "Down",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--at",
        "2026-03-03 10:00",
    )

    md = run("standup", "--as-of", AS_OF, "--format", "md").stdout
    plain = run("standup", "--as-of", AS_OF).stdout
    html = run("standup", "--as-of", AS_OF, "--format", "html").stdout

    assert "- **P1/P2:** 1 reported in the last 3 days; 1 open now\n" in md
    assert "| no-p1-72h | FAIL |" in md
    assert '<td class="state-fail">FAIL</td>' in html
    assert "reported" in plain.split("P1/P2 issues per day")[1].split("\n\n")[0]


def test_every_empty_section_says_so_in_one_line(project: Path) -> None:
    text = run("standup", "--as-of", AS_OF, "--format", "md").stdout
    for line in EMPTY_LINES:
        assert f"\n{line}\n" in text, line


def test_output_writes_the_file(hostile: Path) -> None:
    result = run("standup", "--as-of", AS_OF, "--format", "md", "-o", "standup.md")
    assert (result.stdout, result.stderr) == ("", "Wrote standup.md\n")
    assert Path("standup.md").read_text(encoding="utf-8").startswith("# Stand-up: Test")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--format", "xml"),
            "Error: unknown format 'xml'; use --format rich|md|html|json",
        ),
        (
            ("--since", "2026-03-05 00:00"),
            "Error: --since (2026-03-05 00:00 UTC) is not before --as-of "
            "(2026-03-04 09:00 UTC); give a later --as-of or an earlier --since",
        ),
        (
            ("--as-of", "someday"),
            "Error: cannot read the time 'someday': use ISO 8601 (2026-03-05 14:30), a "
            "written date (5 Mar 2026 14:30) or a relative form (now, 2h ago, 72h, "
            "yesterday 09:00)",
        ),
        (
            ("--format", "md", "--output", "missing/standup.md"),
            # Worded as every --output is: the central OSError message.
            "Error: missing/standup.md: no such file or folder; check the path and "
            "that its folder exists",
        ),
    ],
)
def test_bad_input(project: Path, args: tuple[str, ...], message: str) -> None:
    result = run("standup", "--as-of", AS_OF, *args, expect=2)
    assert result.stderr.strip() == message


def test_without_a_database(isolated: Path) -> None:
    result = run("standup", expect=2)
    assert result.stderr.startswith("Error: no hypercare database here")


# --- the ServiceNow sample -------------------------------------------------------

SINCE, UNTIL = datetime(2016, 3, 7, 9, 0), datetime(2016, 3, 8, 9, 0)
_DONE = ("Resolved", "Closed")


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


def _read(text: str) -> datetime:
    return datetime.strptime(text, "%d/%m/%Y %H:%M")


def _expected() -> tuple[set[str], set[str], set[str], Counter[str]]:
    """New, resolved and reopened numbers, and open counts, from the CSV alone.

    Resolution time (the issue's rule): resolved_at, else the last row in
    state Resolved, else closed_at. An incident's earlier resolutions are the
    rows where it entered Resolved or Closed; a reopen is a row in an open
    state right after a Resolved or Closed row. As of T, an incident is
    resolved when its last resolution or reopen at or before T is a
    resolution; its priority is that of its last row at or before T.
    A window is (since, until].
    """
    incidents: dict[str, list[dict[str, str]]] = {}
    with SERVICENOW_CSV.open(newline="") as handle:
        for row in csv.DictReader(handle):
            incidents.setdefault(row["number"], []).append(row)

    new, resolved, reopened = set(), set(), set()
    open_counts: Counter[str] = Counter()
    for number, rows in incidents.items():
        opened = _read(rows[0]["opened_at"])
        if opened > UNTIL:
            continue
        if SINCE < opened <= UNTIL:
            new.add(number)

        last = rows[-1]
        in_resolved = [r for r in rows if r["incident_state"] == "Resolved"]
        if last["resolved_at"] != "?":
            final = _read(last["resolved_at"])
        elif in_resolved:
            final = _read(in_resolved[-1]["sys_updated_at"])
        else:
            final = _read(last["closed_at"])

        moments: list[tuple[datetime, str]] = []
        previous = "New"
        for row in rows:
            at, state = _read(row["sys_updated_at"]), row["incident_state"]
            if previous in _DONE and state not in _DONE:
                moments.append((at, "reopened"))
            if state in _DONE and previous not in _DONE:
                moments.append((at, "resolved"))
            previous = state
        last_resolution = max(
            i for i, (_, kind) in enumerate(moments) if kind == "resolved"
        )
        moments[last_resolution] = (final, "resolved")

        seen = [m for m in moments if m[0] <= UNTIL]
        is_resolved = bool(seen) and seen[-1][1] == "resolved"
        if is_resolved and SINCE < seen[-1][0] <= UNTIL:
            resolved.add(number)
        if any(kind == "reopened" and SINCE < at <= UNTIL for at, kind in moments):
            reopened.add(number)
        if not is_resolved:
            current = [r for r in rows if _read(r["sys_updated_at"]) <= UNTIL] or rows
            open_counts[f"P{current[-1]['priority'][0]}"] += 1
    return new, resolved, reopened, open_counts


@pytest.mark.slow
def test_servicenow_lists_match_the_csv(servicenow_db: Path, isolated: Path) -> None:
    for name in ("hypercare.toml", "hypercare.db"):
        shutil.copy(servicenow_db / name, isolated / name)
    data = run("standup", "--as-of", "2016-03-08 09:00", "--format", "json").json()
    with sqlite3.connect(isolated / "hypercare.db") as conn:
        refs = dict(conn.execute("SELECT id, external_ref FROM issues"))

    def numbers(key: str) -> set[str]:
        return {refs[line["id"]] for line in data[key]}

    new, resolved, reopened, open_counts = _expected()
    assert data["window"] == {
        "since": "2016-03-07T09:00:00Z",
        "until": "2016-03-08T09:00:00Z",
    }
    assert (len(new), len(resolved), len(reopened)) == (654, 272, 2)
    assert numbers("new") == new
    assert numbers("resolved") == resolved
    assert numbers("reopened") == reopened
    got = {key: value["open"] for key, value in data["open_by_priority"].items()}
    assert got == {**open_counts, "total": sum(open_counts.values())}


def test_every_open_p1_and_p2_is_listed_while_long_sections_are_cut(
    project: Path,
) -> None:
    # 27 P1 and 27 P3, all new: over the 25 rows a section shows.
    for number in range(27):
        for urgency in ("immediate", "medium"):
            run(
                "-q",
                "log",
                f"Issue {number} {urgency}",
                "--at",
                "2026-03-03 10:00",
                "--impact",
                "high",
                "--urgency",
                urgency,
            )

    text = run("standup", "--as-of", AS_OF, "--format", "md").stdout

    open_p1 = text.split("## Open P1 and P2 (27)\n\n", 1)[1].split("\n\n", 1)[0]
    assert len(open_p1.splitlines()) == 2 + 27  # header, rule, every issue
    new = text.split("## New (54)\n\n", 1)[1].split("\n\n", 1)[0]
    assert len(new.splitlines()) == 2 + 25
    assert "… and 29 more (--format json lists all)." in text
