"""log, triage and matrix from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run

# The brief's matrix, written out by hand: (impact, urgency) -> priority.
BRIEF_MATRIX = [
    ("high", "immediate", "P1"),
    ("high", "high", "P2"),
    ("high", "medium", "P3"),
    ("high", "low", "P3"),
    ("medium", "immediate", "P2"),
    ("medium", "high", "P3"),
    ("medium", "medium", "P3"),
    ("medium", "low", "P4"),
    ("low", "immediate", "P3"),
    ("low", "high", "P3"),
    ("low", "medium", "P4"),
    ("low", "low", "P4"),
]


def test_twelve_pairs_get_the_brief_priorities(project: Path) -> None:
    for number, (impact, urgency, _) in enumerate(BRIEF_MATRIX, start=1):
        assert run("log", f"Issue {number}").stdout == f"{number}\n"
        run("triage", str(number), "--impact", impact, "--urgency", urgency)

    issues = run("list", "--format", "json").json()

    got = [(i["impact"], i["urgency"], i["priority"]) for i in issues]
    assert got == BRIEF_MATRIX


def test_log_prints_the_number_and_json_row(project: Path) -> None:
    assert run("log", "First").stdout == "1\n"

    row = run(
        "log",
        "Invoice PDF is blank",
        "--type",
        "bug",
        "--area",
        "billing",
        "--channel",
        "email",
        "--reporter",
        "Ana Ruiz",
        "--contact",
        "ana@example.com",
        "--group",
        "end-user",
        "--reported-at",
        "2026-03-02 10:00",
        "--at",
        "2026-03-02 10:30",
        "--ref",
        "SN-1",
        "--tag",
        "pdf",
        "--tag",
        "invoices",
        "--impact",
        "high",
        "--urgency",
        "immediate",
        "--format",
        "json",
    ).json()

    assert row["id"] == 2
    assert row["status"] == "new"
    assert row["priority"] == "P1"
    assert row["reported_at"] == "2026-03-02T10:00:00Z"
    assert row["updated_at"] == "2026-03-02T10:30:00Z"
    assert row["tags"] == ["pdf", "invoices"]
    assert row["reporter_group"] == "end-user"


def test_log_reads_the_description_from_stdin(project: Path) -> None:
    run("log", "From stdin", "--description", "-", input="line one\nline two\n")

    issue = run("show", "1", "--format", "json").json()["issue"]

    assert issue["description"] == "line one\nline two\n"


def test_override_needs_a_reason_and_keeps_it(project: Path) -> None:
    run("log", "Payroll run fails")

    failed = run(
        "triage",
        "1",
        "--impact",
        "low",
        "--urgency",
        "low",
        "--priority",
        "P1",
        expect=2,
    )
    run(
        "triage",
        "1",
        "--impact",
        "low",
        "--urgency",
        "low",
        "--priority",
        "P1",
        "--reason",
        "payroll deadline tonight",
    )
    issue = run("show", "1", "--format", "json").json()["issue"]

    assert failed.stderr == (
        "Error: --priority overrides the matrix and needs --reason TEXT\n"
    )
    assert (issue["priority"], issue["priority_reason"]) == (
        "P1",
        "payroll deadline tonight",
    )


def test_triage_without_a_terminal_names_the_flags(project: Path) -> None:
    result = run("triage", expect=2)

    assert result.stderr == (
        "Error: walking the queue needs a terminal; triage one issue with "
        "'hypercare triage N --impact I --urgency U'\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("log", "x", "--impact", "severe", "--urgency", "high"),
            "Error: unknown impact 'severe'; use --impact high|medium|low",
        ),
        (
            ("log", "x", "--channel", "fax"),
            "Error: unknown channel 'fax'; use --channel "
            "helpdesk|email|chat|phone|meeting|"
            "survey|monitoring|api-gateway|llm-gateway",
        ),
        (
            ("log", "x", "--impact", "high"),
            "Error: give both --impact and --urgency to triage at once, or neither",
        ),
        (("log", "  "), "Error: the title is empty; give the issue a short title"),
        (
            ("log", "x", "--tag", "ok", "--tag", " "),
            "Error: --tag holds a line break or a control character, or nothing "
            "visible; give each tag as a word or two on one line",
        ),
        (
            ("log", "Two\n::warning::lines"),
            "Error: the title holds a line break or a control character, or nothing "
            "visible; give a one-line title and put details in --description",
        ),
        (
            ("log", "Red \x1b[31malert"),
            "Error: the title holds a line break or a control character, or nothing "
            "visible; give a one-line title and put details in --description",
        ),
        (
            ("log", "\u200b"),
            "Error: the title holds a line break or a control character, or nothing "
            "visible; give a one-line title and put details in --description",
        ),
        (
            ("log", "x", "--reporter", "Ann\nBcc: evil@x.com"),
            "Error: --reporter holds a line break or a control character, or "
            "nothing visible; give the name on one line",
        ),
        (
            ("log", "x", "--contact", "a@x.com\nBcc: e@x"),
            "Error: --contact holds a line break or a control character, or "
            "nothing visible; give one e-mail address on one line",
        ),
        (
            ("log", "x", "--contact", "a@x.com\x1b[2J"),
            "Error: --contact holds a line break or a control character, or "
            "nothing visible; give one e-mail address on one line",
        ),
        (
            ("log", "x", "--by", "Ann\nBob"),
            "Error: --by holds a line break or a control character, or nothing "
            "visible; give the name on one line",
        ),
        (
            ("log", "x", "--by", "   "),
            "Error: --by holds a line break or a control character, or nothing "
            "visible; give the name on one line",
        ),
        (
            ("triage", "1", "--impact", "high", "--urgency", "low", "--by", "\t"),
            "Error: --by holds a line break or a control character, or nothing "
            "visible; give the name on one line",
        ),
        (
            (
                "triage",
                "1",
                "--impact",
                "high",
                "--urgency",
                "low",
                "--assignee",
                "a\nb",
            ),
            "Error: --assignee holds a line break or a control character, or "
            "nothing visible; name the person or team on one line",
        ),
        (
            ("triage", "7", "--impact", "high", "--urgency", "low"),
            "Error: there is no issue 7; 'hypercare list' shows the issues",
        ),
        (
            ("triage", "1", "--impact", "severe", "--urgency", "high"),
            "Error: unknown impact 'severe'; use --impact high|medium|low",
        ),
        (
            ("triage", "1", "--impact", "high"),
            "Error: issue 1 needs --impact and --urgency (or --priority with --reason)",
        ),
    ],
)
def test_bad_capture_input_is_one_line_and_exit_2(
    project: Path, args: tuple[str, ...], message: str
) -> None:
    run("log", "Existing")

    result = run(*args, expect=2)

    assert result.stderr == message + "\n"
    assert result.stdout == ""
    assert len(run("list", "--format", "json").json()) == 1


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("log", "x", "--reported-at", ""), "--reported-at"),
        (("log", "x", "--at", " "), "--at"),
        (("list", "--since", ""), "--since"),
        (("list", "--until", ""), "--until"),
        (("kpi", "--since", ""), "--since"),
        (("standup", "--as-of", ""), "--as-of"),
    ],
)
def test_an_empty_time_is_refused_not_taken_for_now(
    project: Path, args: tuple[str, ...], flag: str
) -> None:
    run("log", "Existing")

    result = run(*args, expect=2)

    assert result.stderr == (
        f"Error: {flag} is empty; use ISO 8601 (2026-03-05 14:30), a written date "
        "(5 Mar 2026 14:30) or a relative form (now, 2h ago, 72h, yesterday "
        "09:00)\n"
    )
    assert len(run("list", "--format", "json").json()) == 1


def test_matrix_shows_the_matrix_in_force(project: Path) -> None:
    rows = run("matrix", "--format", "csv").stdout.splitlines()

    assert rows == [
        "impact,immediate,high,medium,low",
        "high,P1,P2,P3,P3",
        "medium,P2,P3,P3,P4",
        "low,P3,P3,P4,P4",
    ]


def test_matrix_without_a_config_says_it_is_the_default(isolated: Path) -> None:
    result = run("matrix", "--format", "json")

    assert result.json()["high"]["immediate"] == "P1"
    assert result.stderr == (
        "No hypercare.toml here: this is the default matrix; 'hypercare init' "
        "writes it into a config you can edit.\n"
    )


def test_matrix_from_an_edited_config(project: Path) -> None:
    config = project / "hypercare.toml"
    config.write_text(
        config.read_text().replace(
            '[matrix.low]\nimmediate = "P3"', '[matrix.low]\nimmediate = "P2"'
        )
    )
    run("log", "x")

    run("triage", "1", "--impact", "low", "--urgency", "immediate")

    assert run("show", "1", "--format", "json").json()["issue"]["priority"] == "P2"


def test_reported_after_logged_is_refused(project: Path) -> None:
    result = run(
        "log",
        "x",
        "--reported-at",
        "2026-03-03 12:00",
        "--at",
        "2026-03-03 11:00",
        expect=2,
    )

    assert result.stderr == (
        "Error: --reported-at 2026-03-03 12:00 is after the issue was logged (--at); "
        "an issue is reported before or when it is logged\n"
    )


def test_text_from_users_cannot_act_on_the_terminal(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hypercare.cli import output

    # A name with escapes is refused at input; free text may hold them.
    run("log", "Deploy :fire: [bold]now[/bold]", "--description", "Eve\x1b[2J\x07")

    plain = run("show", "1").stdout
    assert "Eve\\u001b[2J\\u0007" in plain and "\x1b" not in plain

    monkeypatch.setattr(output, "is_rich", lambda: True)
    shown = run("show", "1").stdout
    assert ":fire:" in shown and "[bold]now[/bold]" in shown
    assert "\x1b[2J" not in shown


@pytest.mark.parametrize(
    ("flag", "text", "problem"),
    [
        (
            "--at",
            "0001-01-01",
            "the year 1 is out of range; give a year from 1900 to 2999",
        ),
        (
            "--reported-at",
            "Mar 2026",
            "it names no day; a date needs day, month and "
            "year, like 5 Mar 2026 or 5 Mar 2026 14:30",
        ),
        (
            "--at",
            "5 Mar 2026 14:30 EST",
            "the time zone 'EST' is not known; give an "
            "offset instead, like -05:00 or Z",
        ),
        (
            "--at",
            "99999999999h ago",
            "it is more than 100 years (36500d) back; give a date like 2026-03-05",
        ),
    ],
)
def test_a_time_that_would_be_a_guess_is_refused_and_nothing_logged(
    project: Path, flag: str, text: str, problem: str
) -> None:
    result = run("log", "x", flag, text, expect=2)

    # One line: dateutil's warning about EST no longer reaches stderr.
    assert result.stderr == f"Error: cannot read the time '{text}': {problem}\n"
    assert run("list", "--format", "json").json() == []


def test_a_local_time_the_clocks_skip_is_refused(isolated: Path) -> None:
    run("init", "--go-live", "2026-03-02 09:00", "--tz", "Europe/Berlin")

    result = run("log", "x", "--at", "2026-03-29 02:30", expect=2)

    assert result.stderr == (
        "Error: cannot read the time '2026-03-29 02:30': 2026-03-29 02:30 does not "
        "exist in Europe/Berlin (the clocks jump from 02:00 to 03:00); give a time "
        "outside the jump\n"
    )
    assert run("list", "--format", "json").json() == []


def test_a_carriage_return_in_user_text_cannot_overwrite_a_line(project: Path) -> None:
    run("log", "x", "-d", "first\rsecond")
    run("comment", "1", "typed\r over")

    assert "\r" not in run("show", "1").stdout
    assert "\r" not in run("show", "1", "--format", "md").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("assign", "1", "Ann\nBcc: evil@x.com"),
            "Error: the assignee holds a line break or a control character, or "
            "nothing visible; name the person or team on one line",
        ),
        (
            ("assign", "1", "Ann", "--by", "Bob\r\nEve"),
            "Error: --by holds a line break or a control character, or nothing "
            "visible; give the name on one line",
        ),
        (
            ("comment", "1", "Looked at it", "--by", "  "),
            "Error: --by holds a line break or a control character, or nothing "
            "visible; give the name on one line",
        ),
    ],
)
def test_names_with_line_breaks_are_refused_and_nothing_recorded(
    project: Path, args: tuple[str, ...], message: str
) -> None:
    run("log", "Existing")

    result = run(*args, expect=2)

    assert result.stderr == message + "\n"
    events = run("show", "1", "--format", "json").json()["events"]
    assert [event["kind"] for event in events] == ["logged"]


def test_names_are_stored_without_surrounding_blanks(project: Path) -> None:
    run(
        "log",
        "x",
        "--reporter",
        " Ann Lee ",
        "--contact",
        " ann@x.com ",
        "--by",
        " Bo ",
    )

    issue = run("show", "1", "--format", "json").json()

    assert (issue["issue"]["reporter"], issue["issue"]["contact"]) == (
        "Ann Lee",
        "ann@x.com",
    )
    assert issue["events"][0]["actor"] == "Bo"


def test_a_user_name_with_a_line_break_from_the_environment_is_refused(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYPERCARE_USER", "Ann\nEve")

    result = run("log", "x", expect=2)

    assert result.stderr == (
        "Error: HYPERCARE_USER holds a line break or a control character, or "
        "nothing visible; give the name on one line\n"
    )
    assert run("list", "--format", "json").json() == []


@pytest.mark.parametrize(
    "args",
    [
        ("log", "x", "--area", "nope"),
        ("triage", "1", "--impact", "high", "--urgency", "low", "--area", "nope"),
    ],
)
def test_an_area_the_config_does_not_list_is_refused(
    project: Path, args: tuple[str, ...]
) -> None:
    config = project / "hypercare.toml"
    config.write_text(
        config.read_text().replace("areas = []", 'areas = ["billing", "payroll"]')
    )
    run("log", "Existing")

    result = run(*args, expect=2)

    assert result.stderr == (
        f"Error: unknown area 'nope'; project.areas in {config} lists billing, "
        "payroll: use one of them or add it there\n"
    )
    [issue] = run("list", "--format", "json").json()
    assert (issue["area"], issue["priority"]) == (None, None)


def test_any_area_goes_when_the_config_lists_none(project: Path) -> None:
    run("log", "x", "--area", "anything")

    assert run("list", "--format", "json").json()[0]["area"] == "anything"


def test_an_offset_of_25_hours_is_refused_and_nothing_logged(project: Path) -> None:
    result = run("log", "x", "--at", "2026-03-02T10:00:00+25:00", expect=2)

    assert result.stderr == (
        "Error: cannot read the time '2026-03-02T10:00:00+25:00': the offset must "
        "be between -14:00 and +14:00, like +01:00 or Z\n"
    )
    assert run("list", "--format", "json").json() == []
