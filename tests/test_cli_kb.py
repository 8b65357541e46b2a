"""kb, and the look-alike suggestions that log prints on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run

UNRELATED = (
    ("Login page is slow on Mondays", "portal"),
    ("Printer in room 4 jams", "office"),
    ("Invoice PDF is blank", "billing"),
    ("Leave balance shows zero", "hr"),
)


@pytest.fixture
def knowledge(project: Path) -> Path:
    for title, area in UNRELATED:
        run("-q", "log", title, "--area", area)
    run(
        "-q",
        "log",
        "Payroll export timeout at month end",
        "--area",
        "payroll",
        "-d",
        "The export to the bank file stops after 60 seconds",
    )
    run(
        "resolve",
        "5",
        "--resolution",
        "Raised the export timeout to 10 minutes",
        "--workaround",
        "Export per department",
        "--kb",
    )
    run("resolve", "3", "--resolution", "Reinstalled the PDF font")
    return project


def test_log_suggests_the_look_alike_first(knowledge: Path) -> None:
    result = run("log", "Payroll export times out", "--area", "payroll")

    assert result.stdout == "6\n"
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "Looks like (mark a duplicate with 'hypercare duplicate 6 --of N'):"
    )
    assert lines[1].startswith(
        "  #5 Payroll export timeout at month end  [resolved, knowledge, payroll]"
    )
    assert len(lines) <= 4


def test_log_json_stays_the_row_only(knowledge: Path) -> None:
    result = run("log", "Payroll export times out", "--format", "json")

    assert result.json()["id"] == 6
    assert "#5 Payroll export timeout at month end" in result.stderr


def test_log_quiet_and_nothing_alike_print_no_suggestion(knowledge: Path) -> None:
    assert run("-q", "log", "Payroll export times out").stderr == ""
    assert run("log", "Coffee machine broken in the canteen").stderr == ""


def test_log_on_an_empty_database_suggests_nothing(project: Path) -> None:
    assert run("log", "First issue").stderr == ""


def test_duplicates_are_not_suggested(knowledge: Path) -> None:
    run("-q", "log", "Payroll export times out")
    run("duplicate", "6", "--of", "5")

    result = run("log", "Payroll export timing out")

    assert "#6 " not in result.stderr
    assert "#5 Payroll export timeout at month end" in result.stderr


def test_kb_lists_only_knowledge(knowledge: Path) -> None:
    rows = run("kb", "--format", "json").json()

    assert rows == [
        {
            "id": 5,
            "title": "Payroll export timeout at month end",
            "area": "payroll",
            "description": "The export to the bank file stops after 60 seconds",
            "status": "resolved",
            "resolution": "Raised the export timeout to 10 minutes",
            "workaround": "Export per department",
            "resolved_at": rows[0]["resolved_at"],
        }
    ]


@pytest.mark.parametrize(
    ("search", "ids"),
    [
        ("payroll export", [5]),
        ("per department", [5]),
        ("bank file", [5]),
        ("payrol exprot", [5]),
        ("PDF font", []),
        ("printer", []),
    ],
)
def test_kb_search(knowledge: Path, search: str, ids: list[int]) -> None:
    rows = run("kb", "--search", search, "--format", "json").json()

    assert [row["id"] for row in rows] == ids


def test_kb_search_of_punctuation_alone_is_refused(knowledge: Path) -> None:
    result = run("kb", "--search", "[[[", expect=2)

    assert result.stderr == (
        "Error: --search '[[[' has no letters or digits to look for; give a word "
        "from the title, resolution or workaround\n"
    )


def test_kb_without_a_resolution_is_refused(project: Path) -> None:
    run("log", "Blank payslip", "--at", "2026-03-02 10:00")

    result = run("resolve", "1", "--kb", "--at", "2026-03-02 11:00", expect=2)

    assert result.stderr == (
        "Error: --kb keeps the resolution in the knowledge base; say what fixed it "
        "with --resolution TEXT (or how to get by, with --workaround)\n"
    )
    assert run("show", "1", "--format", "json").json()["issue"]["status"] == "new"


def test_kb_empty_and_markdown(project: Path) -> None:
    assert run("kb").stdout == (
        "No knowledge yet; keep a resolution with 'hypercare resolve N --kb'.\n"
    )
    run("-q", "log", "Pipes | in a title")
    run("resolve", "1", "--resolution", "Escaped <them>", "--kb")
    lines = run("kb", "--format", "md").stdout.splitlines()
    assert lines[0] == "| # | title | area | resolution | workaround | resolved |"
    assert lines[2].startswith("| 1 | Pipes \\| in a title |  | Escaped \\<them\\> |")


def test_knowledge_survives_a_reopen_and_a_resolve_without_kb(
    knowledge: Path,
) -> None:
    run("reopen", "5", "--reason", "Still times out for the largest department")
    run("resolve", "5", "--resolution", "Split the export into batches of 500")

    rows = run("kb", "--format", "json").json()
    assert [(row["id"], row["resolution"]) for row in rows] == [
        (5, "Split the export into batches of 500")
    ]

    run("reopen", "5", "--reason", "Batches fail too")
    run("resolve", "5", "--resolution", "Moved to the vendor's API", "--no-kb")
    assert run("kb", "--format", "json").json() == []
