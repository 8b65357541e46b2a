"""notify: messages to reporters over a real SMTP server, an outbox, or printed."""

from __future__ import annotations

import email
import socket
import sqlite3
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from hypercare.cli import output
from tests.conftest import run
from tests.test_store_fold import fold_mismatches

TITLE = "Invoice <b>totals</b> & VAT are wrong"


class Inbox:
    """An aiosmtpd handler that keeps every envelope it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.is_stopped = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(e.content, policy=policy.default)  # type: ignore[misc]
            for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(project: Path) -> Iterator[tuple[Controller, Inbox]]:
    """A real SMTP server on localhost, named in the project's [smtp] table."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    with (project / "hypercare.toml").open("a") as config:
        config.write(
            f'\n[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\n'
            'sender = "hypercare@example.org"\n'
        )
    try:
        yield controller, inbox
    finally:
        if not inbox.is_stopped:
            controller.stop()


def _issue(number: int) -> dict[str, Any]:
    issue: dict[str, Any] = run("show", str(number), "--format", "json").json()["issue"]
    return issue


def _messages(project: Path) -> list[dict[str, Any]]:
    conn = sqlite3.connect(project / "hypercare.db")
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM messages ORDER BY id")]
    conn.close()
    return rows


def _log_p2(title: str = TITLE, contact: str = "ana@example.com") -> None:
    run(
        "log",
        title,
        "--reporter",
        "Ana Ruiz",
        "--contact",
        contact,
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        "2026-03-02T10:00:00Z",
    )


def test_ack_send_delivers_one_message_and_stops_the_ack_clock(
    project: Path, smtp: tuple[Controller, Inbox]
) -> None:
    _, inbox = smtp
    _log_p2()

    result = run(
        "notify", "1", "--kind", "ack", "--send", "--at", "2026-03-02T10:20:00Z"
    )

    assert result.stdout == "Issue 1: ack message sent for ana@example.com.\n"
    assert len(inbox.envelopes) == 1
    assert inbox.envelopes[0].rcpt_tos == ["ana@example.com"]
    assert inbox.envelopes[0].mail_from == "hypercare@example.org"
    message = inbox.messages()[0]
    assert message["To"] == "ana@example.com"
    assert message["Subject"] == f"[Test] We have received your issue #1: {TITLE}"
    body = message.get_content()
    assert f'Thank you for reporting "{TITLE}"' in body
    assert "issue #1 with priority P2" in body
    assert "&amp;" not in body and "&lt;" not in body
    issue = _issue(1)
    assert issue["acknowledged_at"] == "2026-03-02T10:20:00Z"
    assert issue["updated_at"] == "2026-03-02T10:20:00Z"
    assert issue["status"] == "new"
    [row] = _messages(project)
    assert (
        row["kind"],
        row["channel"],
        row["recipient"],
        row["delivery"],
        row["at"],
    ) == ("ack", "email", "ana@example.com", "sent", "2026-03-02T10:20:00Z")
    assert row["subject"] == message["Subject"]


def test_ack_with_the_server_stopped_fails_records_and_changes_nothing_else(
    project: Path, smtp: tuple[Controller, Inbox]
) -> None:
    controller, inbox = smtp
    _log_p2()
    before = _issue(1)
    controller.stop()
    inbox.is_stopped = True

    result = run(
        "notify",
        "1",
        "--kind",
        "ack",
        "--send",
        "--at",
        "2026-03-02T10:20:00Z",
        expect=2,
    )

    assert result.stderr == (
        "Error: could not deliver the ack message for issue 1 (cannot reach the SMTP "
        f"server 127.0.0.1:{controller.port} ([Errno 111] Connection refused)); the "
        "failed attempt is recorded; check [smtp] in hypercare.toml and run the "
        "command again\n"
    )
    assert _issue(1) == before
    [row] = _messages(project)
    assert (row["kind"], row["delivery"]) == ("ack", "failed")
    assert "Connection refused" in row["error"]
    events = run("show", "1", "--format", "json").json()["events"]
    assert events[-1]["kind"] == "message"
    assert events[-1]["changes"] == {}
    assert events[-1]["note"].startswith("ack failed: cannot reach the SMTP server")
    assert fold_mismatches(project / "hypercare.db") == []


def test_a_master_with_two_duplicates_sends_three_resolution_messages(
    project: Path, smtp: tuple[Controller, Inbox]
) -> None:
    _, inbox = smtp
    _log_p2("Payroll export timeout at month end", "ana@example.com")
    run(
        "log",
        "Payroll export fails",
        "--contact",
        "bo@example.com",
        "--at",
        "2026-03-02T10:05:00Z",
    )
    run(
        "log",
        "Export hangs",
        "--contact",
        "cy@example.com",
        "--at",
        "2026-03-02T10:06:00Z",
    )
    run("duplicate", "2", "--of", "1", "--at", "2026-03-02T10:30:00Z")
    run("duplicate", "3", "--of", "1", "--at", "2026-03-02T10:31:00Z")
    run(
        "resolve",
        "1",
        "--resolution",
        "Raised the export timeout",
        "--at",
        "2026-03-02T12:00:00Z",
    )

    run("notify", "1", "--kind", "resolution", "--send", "--at", "2026-03-02T12:10:00Z")

    assert sorted(e.rcpt_tos[0] for e in inbox.envelopes) == [
        "ana@example.com",
        "bo@example.com",
        "cy@example.com",
    ]
    for message in inbox.messages():
        assert "Raised the export timeout" in message.get_content()
    by_issue = {m["issue_id"]: m for m in _messages(project)}
    assert sorted(by_issue) == [1, 2, 3]
    assert {m["kind"] for m in by_issue.values()} == {"resolution"}
    assert "which your report #2 joined" in by_issue[2]["body"]
    assert fold_mismatches(project / "hypercare.db") == []


def test_update_of_a_duplicate_without_contact_is_skipped_with_a_warning(
    project: Path, smtp: tuple[Controller, Inbox]
) -> None:
    _, inbox = smtp
    _log_p2()
    run("log", "Same thing", "--at", "2026-03-02T10:05:00Z")
    run("duplicate", "2", "--of", "1", "--at", "2026-03-02T10:30:00Z")

    result = run(
        "notify",
        "1",
        "--kind",
        "update",
        "--note",
        "Fix in test",
        "--send",
        "--at",
        "2026-03-02T11:00:00Z",
    )

    assert len(inbox.envelopes) == 1
    assert result.stderr == (
        "Warning: issue 2 has no e-mail contact; its reporter was not told\n"
    )


def test_outbox_writes_a_standard_eml_file(project: Path) -> None:
    _log_p2()

    run(
        "notify",
        "1",
        "--kind",
        "ack",
        "--outbox",
        "out",
        "--at",
        "2026-03-02T10:20:00Z",
    )

    [path] = (project / "out").iterdir()
    assert path.name == "issue-1-ack-20260302T102000Z.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "ana@example.com"
    assert message["Date"] == "Mon, 02 Mar 2026 10:20:00 +0000"
    assert TITLE in message.get_content()
    assert _issue(1)["acknowledged_at"] == "2026-03-02T10:20:00Z"
    assert _messages(project)[0]["delivery"] == "outbox"


def test_print_shows_the_message_and_does_not_acknowledge(project: Path) -> None:
    _log_p2()

    result = run(
        "notify",
        "1",
        "--kind",
        "ack",
        "--note",
        "We are on it.",
        "--print",
        "--at",
        "2026-03-02T10:20:00Z",
    )

    assert result.stdout.startswith(
        "To: ana@example.com\n"
        f"Subject: [Test] We have received your issue #1: {TITLE}\n\n"
        "Hello Ana Ruiz,\n"
    )
    assert "\nWe are on it.\n" in result.stdout
    assert _issue(1)["acknowledged_at"] is None
    assert _messages(project)[0]["delivery"] == "printed"


def test_template_beside_the_config_overrides_the_default(project: Path) -> None:
    _log_p2()
    (project / "templates").mkdir()
    (project / "templates" / "ack.j2").write_text(
        "Subject: Got it: {{ issue.title }}\n\n"
        "Hi {{ issue.reporter }}, #{{ issue.id }}.\n"
    )

    result = run("notify", "1", "--kind", "ack", "--print")

    assert result.stdout == (
        f"To: ana@example.com\nSubject: Got it: {TITLE}\n\nHi Ana Ruiz, #1.\n\n"
    )


def test_duplicate_notice_names_the_issue_joined(project: Path) -> None:
    _log_p2("Payroll export timeout at month end")
    run("log", "Export slow", "--contact", "bo@example.com")
    run("duplicate", "2", "--of", "1")

    result = run("notify", "2", "--kind", "duplicate", "--print")

    assert (
        "Subject: [Test] Your issue #2 joins issue #1: "
        "Payroll export timeout at month end" in result.stdout
    )
    assert "You will hear from us when issue #1 moves on" in result.stdout


def test_duplicate_notice_of_a_resolved_issue_gives_its_resolution(
    project: Path,
) -> None:
    _log_p2("Payroll export timeout at month end")
    run("resolve", "1", "--resolution", "Raised the timeout")
    run("log", "Export slow", "--contact", "bo@example.com")
    run("duplicate", "2", "--of", "1")

    body = run("notify", "2", "--kind", "duplicate", "--print").stdout

    assert "Issue #1 is already resolved: Raised the timeout.\n" in body
    assert "You will hear from us" not in body


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["notify", "2", "--kind", "ack", "--send"],
            "Error: issue 2 has no contact address to send to; use --print and "
            "reach the reporter another way",
        ),
        (
            ["notify", "3", "--kind", "ack", "--outbox", "out"],
            "Error: issue 3's contact '+31 6 1234' is not an e-mail address; "
            "use --print and reach the reporter another way",
        ),
        (
            ["notify", "1", "--kind", "resolution", "--print"],
            "Error: issue 1 is new; a resolution message needs a resolved issue "
            "(hypercare resolve 1)",
        ),
        (
            ["notify", "1", "--kind", "duplicate", "--print"],
            "Error: issue 1 is not a duplicate; mark it with 'hypercare duplicate 1 "
            "--of M' first",
        ),
        (
            ["notify", "1", "--kind", "hello", "--print"],
            "Error: unknown kind 'hello'; use --kind "
            "ack|update|resolution|confirm|duplicate",
        ),
        (
            ["notify", "1", "--kind", "ack"],
            "Error: say how to deliver the message: one of --print, --send or "
            "--outbox DIR",
        ),
        (
            ["notify", "1", "--kind", "ack", "--print", "--send"],
            "Error: say how to deliver the message: one of --print, --send or "
            "--outbox DIR",
        ),
        (
            ["notify", "9", "--kind", "ack", "--print"],
            "Error: there is no issue 9; 'hypercare list' shows the issues",
        ),
        (
            ["notify", "1", "--kind", "ack", "--outbox", "hypercare.toml"],
            "Error: --outbox hypercare.toml is not a folder; give a folder for the "
            ".eml files",
        ),
        (
            ["notify", "1", "--kind", "ack", "--outbox", "no/such/outbox"],
            "Error: --outbox no/such/outbox: the folder {here}/no/such does not "
            "exist; create it, or give an outbox in an existing folder",
        ),
        (
            ["notify", "--owed", "--send"],
            "Error: walking what is owed needs a terminal; send everything with "
            "'hypercare notify --owed --all --send'",
        ),
    ],
)
def test_refusals(project: Path, args: list[str], line: str) -> None:
    _log_p2()
    run("log", "No contact")
    run("log", "Phone only", "--contact", "+31 6 1234")

    result = run(*args, expect=2)

    assert result.stderr == line.format(here=project) + "\n"
    assert _messages(project) == []
    assert not (project / "no").exists()


def test_send_without_an_smtp_table_is_refused_before_recording(
    project: Path,
) -> None:
    _log_p2()

    result = run("notify", "1", "--kind", "ack", "--send", expect=2)

    assert result.stderr == (
        f"Error: {project / 'hypercare.toml'} has no [smtp] table, so --send has "
        "no server to use; add one with host, port and sender (see the README), "
        "or write .eml files with --outbox DIR\n"
    )
    assert _messages(project) == []
    assert _issue(1)["acknowledged_at"] is None


def test_username_without_password_is_refused_before_sending(
    project: Path, smtp: tuple[Controller, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, inbox = smtp
    monkeypatch.delenv("HYPERCARE_SMTP_PASSWORD", raising=False)
    config = project / "hypercare.toml"
    config.write_text(config.read_text() + 'username = "hc"\n')
    _log_p2()

    result = run("notify", "1", "--kind", "ack", "--send", expect=2)

    assert result.stderr == (
        "Error: smtp.username is hc but HYPERCARE_SMTP_PASSWORD is not set; set it "
        "in the environment (never in the config file)\n"
    )
    assert inbox.envelopes == []


def test_notify_owed_all_send_sends_everything_owed(
    project: Path, smtp: tuple[Controller, Inbox]
) -> None:
    _, inbox = smtp
    # Reported 10:00, P2 (acknowledge within 1h): owed an ack at 12:00.
    _log_p2()
    run(
        "log",
        "Payroll export timeout",
        "--contact",
        "bo@example.com",
        "--at",
        "2026-03-02T10:00:00Z",
        "--impact",
        "high",
        "--urgency",
        "high",
    )
    run("ack", "2", "--at", "2026-03-02T10:30:00Z")

    result = run("notify", "--owed", "--all", "--send", "--at", "2026-03-02T12:00:00Z")

    assert [e.rcpt_tos for e in inbox.envelopes] == [["ana@example.com"]]
    assert result.stdout == "Issue 1: ack message sent for ana@example.com.\n"
    again = run("notify", "--owed", "--all", "--send", "--at", "2026-03-02T12:00:00Z")
    assert again.stdout == "No reporter is owed a message.\n"


def test_notify_owed_walks_interactively(
    project: Path, smtp: tuple[Controller, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, inbox = smtp
    monkeypatch.setattr(output, "is_interactive", lambda: True)
    _log_p2()
    run(
        "log",
        "Second",
        "--contact",
        "bo@example.com",
        "--impact",
        "high",
        "--urgency",
        "high",
        "--at",
        "2026-03-02T10:00:00Z",
    )

    result = run(
        "notify", "--owed", "--send", "--at", "2026-03-02T12:00:00Z", input="n\ny\n"
    )

    assert [e.rcpt_tos for e in inbox.envelopes] == [["bo@example.com"]]
    assert "ack for issue 1 to Ana Ruiz <ana@example.com> (#1)" in result.stdout


def test_json_output_pins_its_keys(project: Path) -> None:
    _log_p2()

    [message] = run(
        "notify", "1", "--kind", "ack", "--print", "--format", "json"
    ).json()

    assert message == {
        "issue_id": 1,
        "kind": "ack",
        "recipient": "ana@example.com",
        "subject": f"[Test] We have received your issue #1: {TITLE}",
        "body": message["body"],
        "delivery": "printed",
        "error": None,
    }


def test_notify_owed_walk_stops_at_q(
    project: Path, smtp: tuple[Controller, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, inbox = smtp
    monkeypatch.setattr(output, "is_interactive", lambda: True)
    _log_p2()

    result = run(
        "notify", "--owed", "--send", "--at", "2026-03-02T12:00:00Z", input="q\n"
    )

    assert inbox.envelopes == []
    assert "send it? [y/n/q]" in result.stdout
    assert _messages(project) == []


def test_notify_owed_update_reaches_the_duplicates_too(
    project: Path, smtp: tuple[Controller, Inbox]
) -> None:
    _, inbox = smtp
    # P2, acknowledged 10:10: an update is owed 8 hours later, at 18:10.
    _log_p2()
    run("ack", "1", "--at", "2026-03-02T10:10:00Z")
    run("log", "Same", "--contact", "bo@example.com", "--at", "2026-03-02T10:05:00Z")
    run("duplicate", "2", "--of", "1", "--at", "2026-03-02T10:20:00Z")
    run("notify", "2", "--kind", "duplicate", "--send", "--at", "2026-03-02T10:30:00Z")

    run("notify", "--owed", "--all", "--send", "--at", "2026-03-02T18:10:00Z")

    assert [e.rcpt_tos[0] for e in inbox.envelopes] == [
        "bo@example.com",
        "ana@example.com",
        "bo@example.com",
    ]
    assert "Update on issue #1" in inbox.messages()[2]["Subject"]


def _set_on_issue_row(project: Path, column: str, value: str) -> None:
    """Change issue 1's row as data logged before names were checked holds it."""
    conn = sqlite3.connect(project / "hypercare.db")
    with conn:
        conn.execute(f"UPDATE issues SET {column} = ? WHERE id = 1", (value,))
    conn.close()


def test_a_contact_with_a_line_break_is_refused_on_one_line(project: Path) -> None:
    _log_p2()
    _set_on_issue_row(project, "contact", "a@x.com\nBcc: e@x")

    result = run("notify", "1", "--kind", "ack", "--outbox", "out", expect=2)

    assert result.stderr == (
        "Error: issue 1's contact 'a@x.com Bcc: e@x' is not an e-mail address; "
        "use --print and reach the reporter another way\n"
    )
    assert not (project / "out").exists()
    assert _messages(project) == []


def test_a_reporter_with_a_line_break_is_greeted_on_one_line(project: Path) -> None:
    _log_p2()
    _set_on_issue_row(project, "reporter", "Ann\nBcc: evil@x.com")

    run("notify", "1", "--kind", "ack", "--outbox", "out")

    [path] = (project / "out").iterdir()
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert "Hello Ann Bcc: evil@x.com,\n" in message.get_content()
    assert message["Bcc"] is None
