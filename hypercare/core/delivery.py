"""Delivering rendered messages: by SMTP, or as ``.eml`` files in an outbox.

Built on the standard ``email`` and ``smtplib`` packages only. Delivery never
raises for a refused or unreachable server: each message comes back with the
error text (or None), so the caller can record every attempt, failed ones
included, before it reports the failure. The SMTP password is passed in by
the CLI (from ``HYPERCARE_SMTP_PASSWORD``); nothing here reads the
environment or the clock.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from hypercare.config import Smtp
from hypercare.errors import InputError

log = logging.getLogger(__name__)

# Long enough for a slow relay, short enough that a dead one fails promptly.
SMTP_TIMEOUT_SECONDS = 20
# The RFC 5322 hard limit rather than the 78-column default: with the default,
# Python folds a subject holding "<b>" onto a second line right after
# "Subject:", and readers then show it with a leading space.
_POLICY = policy.default.clone(max_line_length=998)


@dataclass(frozen=True)
class Outgoing:
    """One message ready to go: who to, what, and when it is dated."""

    recipient: str
    subject: str
    body: str
    at: datetime
    label: str  # names the file in an outbox, e.g. "issue-12-ack"


def build_email(sender: str, outgoing: Outgoing) -> EmailMessage:
    """A standard plain-text e-mail (UTF-8) for ``outgoing``."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = outgoing.recipient
    message["Subject"] = outgoing.subject
    message["Date"] = format_datetime(outgoing.at)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message.set_content(outgoing.body)
    return message


def send_smtp(
    smtp: Smtp, password: str | None, messages: list[Outgoing]
) -> list[str | None]:
    """Send over one SMTP session; per message, None or why it failed."""
    if not messages:
        return []
    try:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS)
    except (OSError, smtplib.SMTPException, UnicodeError) as exc:
        # UnicodeError: a host name that cannot be encoded ("mail..example").
        reason = f"cannot reach the SMTP server {smtp.host}:{smtp.port} ({_why(exc)})"
        return [reason for _ in messages]

    errors: list[str | None] = []
    with client:
        try:
            _start(client, smtp, password)
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"the SMTP server {smtp.host}:{smtp.port} refused us ({_why(exc)})"
            return [reason for _ in messages]
        for outgoing in messages:
            errors.append(_send_one(client, smtp, outgoing))
    return errors


def check_outbox(folder: Path) -> None:
    """InputError unless ``folder`` is a folder, or one that can be made in an
    existing folder: a typo must not create a tree of folders, nor record a
    failed delivery for what is a bad path."""
    if folder.exists() and not folder.is_dir():
        raise InputError(
            f"--outbox {folder} is not a folder; give a folder for the .eml files"
        )
    if not folder.exists() and not folder.absolute().parent.is_dir():
        raise InputError(
            f"--outbox {folder}: the folder {folder.absolute().parent} does not "
            "exist; create it, or give an outbox in an existing folder"
        )


def write_outbox(
    folder: Path, sender: str, messages: list[Outgoing]
) -> list[str | None]:
    """Write each message as a ``.eml`` file in ``folder``; None or the error."""
    errors: list[str | None] = []
    for outgoing in messages:
        try:
            folder.mkdir(exist_ok=True)
            path = _write_new(folder, outgoing, bytes(build_email(sender, outgoing)))
            log.info("wrote %s", path)
            errors.append(None)
        except OSError as exc:
            errors.append(f"cannot write to the outbox {folder} ({_why(exc)})")
    return errors


def _start(client: smtplib.SMTP, smtp: Smtp, password: str | None) -> None:
    if smtp.starttls:
        client.starttls()
    if smtp.username:
        if password is None:
            raise smtplib.SMTPException(
                f"smtp.username is {smtp.username} but HYPERCARE_SMTP_PASSWORD "
                "is not set"
            )
        client.login(smtp.username, password)


def _send_one(client: smtplib.SMTP, smtp: Smtp, outgoing: Outgoing) -> str | None:
    try:
        refused = client.send_message(build_email(smtp.sender, outgoing))
    except (OSError, smtplib.SMTPException) as exc:
        return (
            f"the SMTP server refused the message to {outgoing.recipient} ({_why(exc)})"
        )
    if refused:
        return f"the SMTP server refused the recipient {outgoing.recipient}"
    return None


def _write_new(folder: Path, outgoing: Outgoing, data: bytes) -> Path:
    """Write ``data`` to a new file, never over an earlier message.

    The name is taken by creating the file exclusively, so two processes
    writing to one outbox at once cannot pick the same name.
    """
    stem = f"{outgoing.label}-{outgoing.at.strftime('%Y%m%dT%H%M%SZ')}"
    counter = 1
    while True:
        path = folder / (f"{stem}.eml" if counter == 1 else f"{stem}-{counter}.eml")
        try:
            with path.open("xb") as handle:
                handle.write(data)
            return path
        except FileExistsError:
            counter += 1


def _domain(address: str) -> str:
    return address.rpartition("@")[2].strip(">") or "localhost"


def _why(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())
