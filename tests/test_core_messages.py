"""Rendering messages from templates, building e-mails, and small helpers."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path

import pytest

from hypercare.config import Settings, load_settings
from hypercare.core.delivery import Outgoing, build_email, send_smtp, write_outbox
from hypercare.core.messages import _span, has_address, render, template_env
from hypercare.core.owed import overdue_text
from hypercare.errors import ConfigError
from hypercare.models import Issue

ISSUE = Issue(
    id=7,
    title="Totals <b>wrong</b> & late",
    status="resolved",
    reported_at="2026-03-02T10:00:00Z",
    logged_at="2026-03-02T10:00:00Z",
    updated_at="2026-03-02T12:00:00Z",
    reporter="Ana\x1b[31m Ruiz",
    contact="ana@example.com",
    priority="P2",
    resolution="Fixed the rounding",
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    config = tmp_path / "hypercare.toml"
    config.write_text('[project]\nname = "Payroll"\n')
    return load_settings(config)


def _render(settings: Settings, kind: str, note: str | None = None) -> tuple[str, str]:
    return render(template_env(settings), settings, kind, ISSUE, None, note)


def test_user_text_is_shown_as_typed_without_control_characters(
    settings: Settings,
) -> None:
    subject, body = _render(settings, "resolution")

    assert subject == "[Payroll] Resolved: issue #7: Totals <b>wrong</b> & late"
    assert body.startswith("Hello Ana[31m Ruiz,\n\nYour issue #7 ")
    assert "What was done: Fixed the rounding\n" in body
    assert "\x1b" not in body


def test_a_note_with_a_newline_cannot_add_a_header(settings: Settings) -> None:
    (settings.path.parent / "templates").mkdir()  # type: ignore[union-attr]
    (settings.path.parent / "templates" / "update.j2").write_text(  # type: ignore[union-attr]
        "Subject: {{ note }}\n\n{{ note }}\n"
    )

    subject, body = _render(settings, "update", note="Hi\nBcc: eve@example.com")

    assert subject == "Hi Bcc: eve@example.com"
    assert body == "Hi\nBcc: eve@example.com\n"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Hello {{ issue.title }}\n", "must start with a 'Subject: ...' line"),
        ("Subject: {{ issue.nope }}\n\nx", "cannot be rendered"),
        ("Subject: {% if %}\n\nx", "line 1: Expected an expression"),
    ],
)
def test_bad_templates_are_config_errors_naming_the_file(
    settings: Settings, text: str, problem: str
) -> None:
    folder = settings.path.parent / "templates"  # type: ignore[union-attr]
    folder.mkdir()
    (folder / "ack.j2").write_text(text)

    with pytest.raises(ConfigError) as caught:
        _render(settings, "ack")

    assert "ack.j2" in str(caught.value)
    assert problem in str(caught.value)


@pytest.mark.parametrize("kind", ["ack", "update", "resolution", "confirm"])
def test_every_default_template_names_the_issue(settings: Settings, kind: str) -> None:
    subject, body = _render(settings, kind)

    assert "#7" in subject and "Totals <b>wrong</b> & late" in subject
    assert "#7" in body


def test_confirm_names_the_configured_window(settings: Settings) -> None:
    assert "close the issue in 3 days." in _render(settings, "confirm")[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ana@example.com", True),
        (" ana.ruiz+hc@sub.example.org ", True),
        ("+31 6 1234", False),
        ("ana@localhost", False),
        ("a@b.c, d@e.f", False),
        (None, False),
    ],
)
def test_has_address(text: str | None, expected: bool) -> None:
    assert has_address(text) is expected


def _outgoing(label: str = "issue-7-ack") -> Outgoing:
    at = datetime(2026, 3, 2, 10, 20, tzinfo=UTC)
    return Outgoing(
        "ana@example.com", "Totals <b>wrong</b> & late", "Héllo\n", at, label
    )


def test_build_email_is_standard_and_keeps_the_subject_on_one_line() -> None:
    raw = bytes(build_email("hc@example.org", _outgoing()))
    parsed = email.message_from_bytes(raw, policy=policy.default)

    assert b"\nSubject: Totals <b>wrong</b> & late\n" in raw
    assert parsed["From"] == "hc@example.org"
    assert parsed["Date"] == "Mon, 02 Mar 2026 10:20:00 +0000"
    assert parsed.get_content() == "Héllo\n"
    assert parsed["Message-ID"].endswith("@example.org>")


def test_outbox_never_overwrites(tmp_path: Path) -> None:
    errors = write_outbox(
        tmp_path / "out", "hc@example.org", [_outgoing(), _outgoing()]
    )

    assert errors == [None, None]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "issue-7-ack-20260302T102000Z-2.eml",
        "issue-7-ack-20260302T102000Z.eml",
    ]


def test_outbox_that_cannot_be_written_reports_each_message(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")

    errors = write_outbox(blocker, "hc@example.org", [_outgoing()])

    assert errors[0] is not None and errors[0].startswith(
        f"cannot write to the outbox {blocker}"
    )


def test_unreachable_server_fails_every_message(settings: Settings) -> None:
    from dataclasses import replace

    from hypercare.config import Smtp

    dead = replace(settings, smtp=Smtp(host="127.0.0.1", port=1, is_configured=True))
    errors = send_smtp(dead.smtp, None, [_outgoing(), _outgoing()])

    assert len(errors) == 2
    assert all(
        e and e.startswith("cannot reach the SMTP server 127.0.0.1:1 (") for e in errors
    )


def test_a_host_name_that_cannot_be_encoded_fails_as_unreachable() -> None:
    from hypercare.config import Smtp

    errors = send_smtp(
        Smtp(host="mail..example", is_configured=True), None, [_outgoing()]
    )

    assert errors[0] is not None
    assert errors[0].startswith("cannot reach the SMTP server mail..example:25 (")


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(minutes=20), "20m"),
        (timedelta(hours=1, minutes=45), "1h 45m"),
        (timedelta(days=2, hours=3, minutes=59), "2d 3h"),
        (timedelta(seconds=-5), "0m"),
    ],
)
def test_overdue_text(span: timedelta, text: str) -> None:
    assert overdue_text(span) == text


@pytest.mark.parametrize(
    ("kind", "subject", "line"),
    [
        (
            "update",
            "[Payroll] Update on issue #3: Export slow",
            'Here is news on issue #3 "Export slow", which your report #7 joined.',
        ),
        (
            "resolution",
            "[Payroll] Resolved: issue #3: Export slow",
            'Issue #3 "Export slow", which your report #7 joined, is resolved.',
        ),
        (
            "duplicate",
            "[Payroll] Your issue #7 joins issue #3: Export slow",
            'issue #3 "Export slow", so we follow it up there.',
        ),
    ],
)
def test_templates_for_a_duplicate_speak_of_the_master(
    settings: Settings, kind: str, subject: str, line: str
) -> None:
    from dataclasses import replace

    master = replace(ISSUE, id=3, title="Export slow", status="in_progress")

    rendered = render(template_env(settings), settings, kind, ISSUE, master, None)

    assert rendered[0] == subject
    assert line in rendered[1]


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (timedelta(days=1), "1 day"),
        (timedelta(days=3), "3 days"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=36), "36 hours"),
        (timedelta(minutes=90), "1.5 hours"),
    ],
)
def test_a_span_in_words(span: timedelta, text: str) -> None:
    assert _span(span) == text
