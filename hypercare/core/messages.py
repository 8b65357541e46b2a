"""Messages to reporters: render them from templates, deliver, and record.

A message is rendered with Jinja2 from ``<kind>.j2``: first the templates
folder beside ``hypercare.toml`` (``templates/ack.j2`` overrides the default
by file name), then the defaults shipped in ``hypercare/templates/messages``.
A template's first line is ``Subject: ...``, then a blank line, then the
plain-text body. User text is escaped for that channel: plain-text e-mail
shows ``<b>`` and ``&`` as typed, so nothing is HTML-escaped, but control
characters are dropped and the subject is kept to one line (no header
injection).

Every attempt is recorded twice, in one transaction: a ``messages`` row and a
``message`` event on the issue. A delivered message (sent, or written to an
outbox) sets ``acknowledged_at`` when it is still empty, which stops the
acknowledge clock, and moves ``updated_at``. A failed one changes nothing on
the issue row; it is committed first and then reported as a DeliveryError.

Duplicates fan out: an update or resolution of a master issue also goes to
the reporters of every issue closed as its duplicate, one message each,
recorded on each duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypercare.config import Settings
from hypercare.core.delivery import Outgoing, send_smtp, write_outbox
from hypercare.core.issues import Stamp, check_after_report, get_issue
from hypercare.core.text import one_line
from hypercare.core.when import from_iso
from hypercare.errors import ConfigError, DeliveryError, InputError, TransitionError
from hypercare.models import MESSAGE_KINDS, Issue
from hypercare.store import issues as issue_rows
from hypercare.store import messages as message_rows
from hypercare.store.db import Store

if TYPE_CHECKING:
    import jinja2

MODES = ("print", "send", "outbox")
# Kinds that also go to the reporters of the issue's duplicates.
FAN_OUT_KINDS = ("update", "resolution")
DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "messages"

# Anything below a space except newline and tab; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


@dataclass(frozen=True)
class Request:
    """What ``notify`` was asked to do.

    ``only`` limits a fan-out to these issue numbers (used when walking
    what is owed, so a reporter already told is not told twice).
    """

    issue_id: int
    kind: str
    mode: str
    note: str | None = None
    outbox: Path | None = None
    only: frozenset[int] | None = None


@dataclass(frozen=True)
class Message:
    """One rendered message and, once tried, how its delivery went."""

    issue_id: int
    kind: str
    recipient: str | None
    subject: str
    body: str
    delivery: str = "pending"
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "issue_id": self.issue_id,
            "kind": self.kind,
            "recipient": self.recipient,
            "subject": self.subject,
            "body": self.body,
            "delivery": self.delivery,
            "error": self.error,
        }


@dataclass(frozen=True)
class Outcome:
    """The messages tried, and the duplicates skipped for want of an address."""

    messages: tuple[Message, ...]
    skipped: tuple[int, ...] = ()


def notify(
    store: Store,
    settings: Settings,
    request: Request,
    stamp: Stamp,
    password: str | None = None,
) -> Outcome:
    """Render, deliver and record a message (and its fan-out).

    Raises InputError/TransitionError/ConfigError before anything is sent
    or written; DeliveryError after recording, when a delivery failed.
    """
    if request.mode == "send" and settings.smtp.username and password is None:
        raise ConfigError(
            f"smtp.username is {settings.smtp.username} but HYPERCARE_SMTP_PASSWORD "
            "is not set; set it in the environment (never in the config file)"
        )
    prepared = prepare(store, settings, request, stamp)
    if request.mode == "send" and not settings.smtp.is_configured:
        raise ConfigError(
            f"{settings.path or 'the config'} has no [smtp] table, so --send has "
            "no server to use; add one with host, port and sender (see the "
            "README), or write .eml files with --outbox DIR"
        )

    at = from_iso(stamp.at)
    outgoing = [
        Outgoing(
            m.recipient or "", m.subject, m.body, at, f"issue-{m.issue_id}-{m.kind}"
        )
        for m in prepared.messages
    ]
    if request.mode == "send":
        errors = send_smtp(settings.smtp, password, outgoing)
    elif request.mode == "outbox":
        assert request.outbox is not None
        errors = write_outbox(request.outbox, settings.smtp.sender, outgoing)
    else:
        errors = [None for _ in outgoing]
    done = tuple(
        _with_delivery(message, request.mode, error)
        for message, error in zip(prepared.messages, errors, strict=True)
    )

    record(store, done, stamp)
    failed = [m for m in done if m.delivery == "failed"]
    if failed:
        raise DeliveryError(_failure_line(request, failed, len(done)))
    return Outcome(done, prepared.skipped)


def prepare(
    store: Store, settings: Settings, request: Request, stamp: Stamp
) -> Outcome:
    """Check the request and render every message it makes; writes nothing."""
    if request.kind not in MESSAGE_KINDS:
        kinds = "|".join(MESSAGE_KINDS)
        raise InputError(f"unknown kind '{request.kind}'; use --kind {kinds}")
    issue = get_issue(store, request.issue_id)
    _check_kind(issue, request.kind)
    check_after_report(issue, stamp.at, stamp.tz)
    master = get_issue(store, issue.duplicate_of) if issue.duplicate_of else None

    recipients = [(issue, master)]
    if request.kind in FAN_OUT_KINDS and master is None:
        duplicates = message_rows.duplicates_of(store.conn, issue.id)
        recipients += [(Issue.from_row(row), issue) for row in duplicates]
    if request.only is not None:
        recipients = [pair for pair in recipients if pair[0].id in request.only]

    # The issue asked for must be reachable; a duplicate without an address
    # is skipped (and reported) rather than holding up everyone else.
    skipped: list[int] = []
    if request.mode != "print":
        if recipients and recipients[0][0].id == issue.id:
            _check_contact(issue)
        skipped = [who.id for who, _ in recipients if not has_address(who.contact)]
        recipients = [pair for pair in recipients if pair[0].id not in skipped]

    env = template_env(settings)
    messages = []
    for who, about in recipients:
        subject, body = render(env, settings, request.kind, who, about, request.note)
        # The To: header gets the address on one line, as has_address checked it.
        to = one_line(who.contact) if who.contact is not None else None
        messages.append(Message(who.id, request.kind, to, subject, body))
    return Outcome(tuple(messages), tuple(skipped))


def record(store: Store, messages: tuple[Message, ...], stamp: Stamp) -> None:
    """Write a messages row and a ``message`` event per message, in one transaction."""
    with store.write() as conn:
        for message in messages:
            issue = get_issue(store, message.issue_id)
            channel = "terminal" if message.delivery == "printed" else "email"
            message_rows.insert_message(
                conn,
                {
                    **message.as_dict(),
                    "channel": channel,
                    "at": stamp.at,
                    "actor": stamp.actor,
                },
            )
            issue_rows.add_event(
                conn,
                issue_id=issue.id,
                kind="message",
                at=stamp.at,
                recorded_at=stamp.now,
                actor=stamp.actor,
                changes=_changes(issue, message, stamp),
                note=_event_note(message),
            )


def template_env(settings: Settings) -> jinja2.Environment:
    """Jinja2 over the project's templates folder, then the shipped defaults."""
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    folders = [DEFAULT_TEMPLATES]
    if settings.path is not None:
        folders.insert(0, settings.path.parent / "templates")
    # Sandboxed: a template edited by the team can read the issue's fields,
    # not Python's internals.
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in folders]),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text: shown as typed, see the module docstring
        finalize=_plain,
        keep_trailing_newline=False,
    )


def render(
    env: jinja2.Environment,
    settings: Settings,
    kind: str,
    issue: Issue,
    master: Issue | None,
    note: str | None,
) -> tuple[str, str]:
    """The subject and body of one message; ConfigError naming a bad template."""
    import jinja2

    name = f"{kind}.j2"
    context = {
        "issue": _one_line_names(issue),
        "master": _one_line_names(master) if master else None,
        "note": note,
        "kind": kind,
        "project": settings.name,
        "sender": settings.smtp.sender,
        "confirm_within": _span(settings.confirm_within),
    }
    try:
        # The subject line and the body render separately, so that a value
        # with a newline cannot end the subject early.
        head, body = _split(name, env.loader.get_source(env, name)[0])  # type: ignore[union-attr]
        subject = " ".join(env.from_string(head).render(context).split())
        text = env.from_string(body).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"template {exc.filename or name} line {exc.lineno}: {exc.message}; fix it "
            "or delete it to use the default"
        ) from None
    except jinja2.TemplateError as exc:
        raise ConfigError(
            f"template {name} cannot be rendered ({exc}); fix it or delete it to use "
            "the default"
        ) from None
    except (ArithmeticError, LookupError, TypeError, ValueError, RecursionError) as exc:
        # An expression in an edited template that fails as it runs.
        raise ConfigError(
            f"template {name} failed while rendering ({type(exc).__name__}: {exc}); "
            "fix it or delete it to use the default"
        ) from None
    return subject, text.strip("\n") + "\n"


def is_delivered(delivery: str) -> bool:
    return delivery in message_rows.DELIVERED


def _check_kind(issue: Issue, kind: str) -> None:
    if kind in ("resolution", "confirm") and issue.status not in ("resolved", "closed"):
        raise TransitionError(
            f"issue {issue.id} is {issue.status}; a {kind} message needs a resolved "
            f"issue (hypercare resolve {issue.id})"
        )
    if kind == "duplicate" and issue.duplicate_of is None:
        raise TransitionError(
            f"issue {issue.id} is not a duplicate; mark it with "
            f"'hypercare duplicate {issue.id} --of M' first"
        )


def _check_contact(issue: Issue) -> None:
    if issue.contact is None:
        raise InputError(
            f"issue {issue.id} has no contact address to send to; use --print and "
            "reach the reporter another way"
        )
    if not has_address(issue.contact):
        raise InputError(
            f"issue {issue.id}'s contact '{one_line(issue.contact)}' is not an e-mail "
            "address; use --print and reach the reporter another way"
        )


def has_address(text: str | None) -> bool:
    """Whether ``text`` looks like one e-mail address (on one line)."""
    return text is not None and bool(_ADDRESS.fullmatch(text.strip()))


def _plain(value: Any) -> Any:
    """Every printed value: None as empty, control characters dropped."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    return value


def _one_line_names(issue: Issue) -> Issue:
    """``issue`` with its title, names and address folded onto one line.

    A template may put them anywhere (a greeting line, a header); an issue
    imported, or logged before these fields were checked, may hold a line
    break. Control characters are left for ``_plain`` to drop.
    """

    def fold(text: str | None) -> str | None:
        return " ".join(text.split()) if text is not None else None

    return replace(
        issue,
        title=fold(issue.title) or issue.title,
        reporter=fold(issue.reporter),
        contact=fold(issue.contact),
        assignee=fold(issue.assignee),
    )


def _split(name: str, source: str) -> tuple[str, str]:
    """A template's subject line (without "Subject:") and its body source."""
    head, _, body = source.partition("\n")
    if not head.lower().startswith("subject:"):
        raise ConfigError(
            f"template {name} must start with a 'Subject: ...' line, then a blank line "
            "and the body"
        )
    # The newline keeps the body's line numbers right in syntax errors.
    return head[len("subject:") :], "\n" + body


def _span(span: timedelta) -> str:
    days, seconds = span.days, span.seconds
    if seconds == 0:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = span / timedelta(hours=1)
    return f"{hours:g} hour{'s' if hours != 1 else ''}"


def _with_delivery(message: Message, mode: str, error: str | None) -> Message:
    delivery = {"send": "sent", "outbox": "outbox", "print": "printed"}[mode]
    return Message(
        message.issue_id,
        message.kind,
        message.recipient,
        message.subject,
        message.body,
        "failed" if error else delivery,
        error,
    )


def _changes(issue: Issue, message: Message, stamp: Stamp) -> dict[str, Any]:
    if not is_delivered(message.delivery):
        return {}
    changes: dict[str, Any] = {}
    if issue.acknowledged_at is None:
        # The first word to the reporter is the acknowledgement.
        changes["acknowledged_at"] = stamp.at
    if stamp.at > issue.updated_at:
        changes["updated_at"] = stamp.at
    return changes


def _event_note(message: Message) -> str:
    if message.delivery == "failed":
        return f"{message.kind} failed: {message.error}"
    if message.delivery == "printed":
        return f"{message.kind} printed"
    return f"{message.kind} {message.delivery} to {message.recipient}"


def _failure_line(request: Request, failed: list[Message], total: int) -> str:
    first = failed[0]
    count = (
        f"the {request.kind} message"
        if total == 1
        else f"{len(failed)} of {total} {request.kind} messages"
    )
    where = (
        "[smtp] in hypercare.toml" if request.mode == "send" else "the outbox folder"
    )
    return (
        f"could not deliver {count} for issue {request.issue_id} "
        f"({first.error}); the failed attempt is recorded; check {where} and run "
        "the command again"
    )
