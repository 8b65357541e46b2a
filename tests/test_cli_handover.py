"""hypercare known, known-issues, lesson and handover."""

from __future__ import annotations

import csv
import json
import shutil
import tomllib
from pathlib import Path

import pytest
import tomli_w

from tests.conftest import run

TITLE = "Totals | wrong [see] <script>alert(1)</script>"


def add_people(folder: Path) -> None:
    path = folder / "hypercare.toml"
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    document["people"] = {"Dana Lee": {"email": "dana@example.com", "role": "BAU lead"}}
    path.write_text(tomli_w.dumps(document), encoding="utf-8")


def build(*config: str) -> None:
    """1: P2 in progress, known, with a workaround; 2: resolved into the KB;
    3: new, untriaged; 4: on hold; 5: resolved after the as-of moment."""
    run(
        *config,
        "log",
        TITLE,
        "--impact",
        "high",
        "--urgency",
        "high",
        "--area",
        "billing",
        "--reporter",
        "Ana Ruiz",
        "--contact",
        "ana@example.com",
        "--description",
        "internal: customer 4711 is angry",
        "--at",
        "2026-03-02 10:00",
    )
    run(*config, "assign", "1", "Billing team", "--at", "2026-03-02 10:30")
    run(*config, "start", "1", "--at", "2026-03-02 11:00")
    run(*config, "comment", "1", "secret internal note", "--at", "2026-03-02 11:05")
    run(
        *config,
        "known",
        "1",
        "--workaround",
        "Add the totals by hand",
        "--at",
        "2026-03-02 12:00",
    )
    run(
        *config,
        "log",
        "Login loops",
        "--impact",
        "medium",
        "--urgency",
        "medium",
        "--area",
        "auth",
        "--at",
        "2026-03-02 13:00",
    )
    run(
        *config,
        "resolve",
        "2",
        "--resolution",
        "Cleared the session cache",
        "--kb",
        "--workaround",
        "Use a private window",
        "--at",
        "2026-03-02 15:00",
    )
    run(*config, "log", "Logo blurry", "--at", "2026-03-03 09:00")
    run(
        *config,
        "log",
        "Vendor API slow",
        "--impact",
        "low",
        "--urgency",
        "low",
        "--at",
        "2026-03-03 10:00",
    )
    run(
        *config,
        "hold",
        "4",
        "--reason",
        "vendor ticket V-77",
        "--at",
        "2026-03-03 11:00",
    )
    run(
        *config,
        "log",
        "Export empty",
        "--impact",
        "medium",
        "--urgency",
        "low",
        "--at",
        "2026-03-03 12:00",
    )
    run(*config, "resolve", "5", "--at", "2026-03-06 12:00")
    run(
        *config,
        "lesson",
        "Load-test the month-end batch",
        "--area",
        "billing",
        "--by",
        "Kim",
        "--at",
        "2026-03-04 09:00",
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with people, built once, with its hand-over pack in ``pack``."""
    folder = tmp_path_factory.mktemp("handover")
    run(
        "init",
        "--dir",
        str(folder),
        "--name",
        "Test",
        "--go-live",
        "2026-03-02T09:00:00Z",
        "--tz",
        "UTC",
    )
    add_people(folder)
    config = ("--config", str(folder / "hypercare.toml"))
    build(*config)
    out = run(
        *config,
        "handover",
        "--dir",
        str(folder / "pack"),
        "--as-of",
        "2026-03-05 09:00",
    ).stdout
    assert out.splitlines() == [
        f"Wrote {folder / 'pack' / name}"
        for name in (
            "handover.md",
            "handover.html",
            "open-issues.csv",
            "hypercare.jsonl",
        )
    ]
    return folder


@pytest.fixture
def built(project: Path, site: Path) -> Path:
    """The project fixture holding the built database."""
    shutil.copy(site / "hypercare.db", project / "hypercare.db")
    return project


# --- known issues -----------------------------------------------------------------


def test_known_issues_lists_only_open_known_issues_without_internal_detail(
    built: Path,
) -> None:

    rows = json.loads(run("known-issues", "--format", "json").stdout)

    assert rows == [
        {
            "id": 1,
            "title": TITLE,
            "area": "billing",
            "priority": "P2",
            "status": "in_progress",
            "workaround": "Add the totals by hand",
            "updated_at": "2026-03-02T12:00:00Z",
        }
    ]


@pytest.mark.parametrize("fmt", ["rich", "md", "html", "json"])
def test_no_format_leaks_reporters_contacts_or_comments(built: Path, fmt: str) -> None:
    out = run("known-issues", "--format", fmt).stdout

    for private in (
        "Ana Ruiz",
        "ana@example.com",
        "customer 4711",
        "secret internal",
        "Billing team",
    ):
        assert private not in out


def test_known_issues_in_markdown_and_html_escape_the_title(built: Path) -> None:
    md = run("known-issues", "--format", "md").stdout
    html = run("known-issues", "--format", "html", "--output", "known.html").stdout

    assert "Totals \\| wrong \\[see\\] \\<script\\>" in md
    page = (built / "known.html").read_text(encoding="utf-8")
    assert html == ""
    assert "Totals | wrong [see] &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page


def test_unmark_takes_an_issue_off_the_list(built: Path) -> None:
    assert (
        run("known", "1", "--unmark").stdout == "Issue 1 is no longer a known issue.\n"
    )

    assert run("known-issues", "--format", "json").json() == []
    assert run("known-issues").stdout == "No known issues.\n"


def test_only_open_issues_can_be_marked_known(built: Path) -> None:
    result = run("known", "2", expect=2)

    assert result.stderr == (
        "Error: issue 2 is resolved; only open issues are published as known issues\n"
    )


def test_lesson_needs_text(project: Path) -> None:
    result = run("lesson", "  ", expect=2)

    assert result.stderr == "Error: the lesson is empty; write what the team learned\n"


# --- the hand-over pack ------------------------------------------------------------


@pytest.fixture
def pack(site: Path) -> Path:
    return site / "pack"


def test_the_markdown_has_every_section(pack: Path) -> None:
    text = (pack / "handover.md").read_text(encoding="utf-8")

    for heading in (
        "## Summary",
        "### Key figures",
        "### Exit check",
        "## Open issues",
        "## Known issues and workarounds",
        "## Knowledge from resolutions",
        "## Escalation paths and contacts",
        "## Lessons learned",
    ):
        assert heading in text
    assert "As of 2026-03-05 09:00 UTC (day 4 of hypercare)." in text
    assert "- Issues reported since go-live: 5" in text
    # 1, 3, 4 and 5 were open as of 2026-03-05 09:00 (5 was resolved later).
    assert "- Open now: 4" in text
    # Issue 1 was reported 2026-03-02 10:00: 71 hours before the as-of moment.
    assert (
        "| 1 | P2 | in_progress | Totals \\| wrong \\[see\\] \\<script\\>alert(1)"
        "\\</script\\> | billing | Billing team |  | 2d 23h 00m | Finish the fix |"
    ) in text
    # Issue 2 (P3) was resolved 2 hours after it was reported, the only one.
    assert "| MTTR P3 | 2h 00m mean, 2h 00m median, 2h 00m p90 (1 resolved) |" in text
    assert "| 4 | P4 | on_hold | Vendor API slow |" in text
    assert "| Waiting: vendor ticket V-77 |" in text
    assert "| 3 | untriaged | new | Logo blurry |" in text
    assert (
        "**#2 Login loops** (auth): Cleared the session cache Workaround: Use a "
        "private window"
    ) in text
    assert "| L3 | Development team |" in text
    assert "| Dana Lee | BAU lead | dana@example.com |" in text
    assert (
        "- Load-test the month-end batch (billing), Kim, 2026-03-04 09:00 UTC" in text
    )
    assert "Exit check as of 2026-03-05 09:00 UTC: FAIL" in text


def test_the_html_is_escaped_and_self_contained(pack: Path) -> None:
    page = (pack / "handover.html").read_text(encoding="utf-8")

    assert "<script>" not in page
    assert "Totals | wrong [see] &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('<img src="data:image/png;base64,') == 3
    assert "http://" not in page and "https://" not in page


def test_open_issues_csv_uses_servicenow_incident_columns(pack: Path) -> None:
    with (pack / "open-issues.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))

    assert list(rows[0]) == [
        "correlation_id",
        "correlation_display",
        "short_description",
        "description",
        "state",
        "impact",
        "urgency",
        "priority",
        "category",
        "assigned_to",
        "caller_id",
        "contact_type",
        "opened_at",
        "work_notes",
    ]
    assert [row["correlation_id"] for row in rows] == [
        "hypercare-1",
        "hypercare-4",
        "hypercare-5",
        "hypercare-3",
    ]
    first = rows[0]
    assert first["short_description"] == TITLE
    assert (first["state"], first["impact"], first["urgency"], first["priority"]) == (
        "2",
        "1",
        "1",
        "2",
    )
    assert first["opened_at"] == "2026-03-02 10:00:00"
    assert (
        first["work_notes"]
        == "Next step: Finish the fix\nWorkaround: Add the totals by hand"
    )
    assert rows[1]["state"] == "3"


def test_the_pack_holds_the_lossless_export(site: Path, pack: Path) -> None:
    exported = run("--config", str(site / "hypercare.toml"), "export").stdout

    assert (pack / "hypercare.jsonl").read_text(encoding="utf-8") == exported


def test_unmarking_an_issue_that_is_not_known_is_refused(built: Path) -> None:
    result = run("known", "3", "--unmark", expect=2)

    assert result.stderr == "Error: issue 3 is not a known issue; nothing to unmark\n"


def test_an_existing_pack_is_replaced_only_with_force(project: Path) -> None:
    (project / "handover").mkdir()
    (project / "handover" / "handover.md").write_text("edited by hand\n")

    result = run("handover", "--dir", "handover", expect=2)

    assert result.stderr == (
        f"Error: {Path('handover') / 'handover.md'} already exists; pass --force "
        "to replace the pack, or give another --dir\n"
    )
    assert sorted(p.name for p in (project / "handover").iterdir()) == ["handover.md"]
    run("handover", "--dir", "handover", "--force")
    assert (project / "handover" / "handover.md").read_text() != "edited by hand\n"


def test_a_pack_that_could_be_written_only_in_part_is_not_begun(
    project: Path,
) -> None:
    # hypercare.jsonl, the last of the four files, cannot be written: a folder
    # has its name. Nothing of the pack may be written before that is found.
    (project / "pack").mkdir()
    (project / "pack" / "hypercare.jsonl").mkdir()

    result = run("handover", "--dir", "pack", "--force", expect=2)

    assert result.stderr == (
        f"Error: {Path('pack') / 'hypercare.jsonl'} is not a file (a folder?); "
        "remove or rename it, or give another --dir\n"
    )
    assert sorted(p.name for p in (project / "pack").iterdir()) == ["hypercare.jsonl"]


def test_a_pack_into_a_file_is_refused(project: Path) -> None:
    result = run("handover", "--dir", "hypercare.toml", expect=2)

    assert result.stderr == (
        "Error: --dir hypercare.toml is not a folder; give a folder for the pack\n"
    )
