"""Sign-offs: a person's attestation that an exit criterion holds.

A sign-off is named (``support-trained``, ``handover-accepted``) and recorded
as an event in ``signoff_events``: ``signed`` or ``revoked``, with who, when
and an optional note. The event in force at a moment is the latest one at or
before it, so a sign-off can be withdrawn and given again, and the exit check
as of a past moment sees what was true then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hypercare.core.issues import Stamp
from hypercare.core.when import format_time, to_iso
from hypercare.errors import InputError
from hypercare.models import SIGNOFF_NAME
from hypercare.store import exit as rows
from hypercare.store.db import Store, under_write_lock


@dataclass(frozen=True)
class Signoff:
    """The sign-off event of one name in force at a moment."""

    name: str
    action: str  # signed | revoked
    actor: str
    at: str
    note: str | None

    @property
    def is_signed(self) -> bool:
        return self.action == "signed"


@under_write_lock
def record(
    store: Store,
    name: str,
    stamp: Stamp,
    *,
    note: str | None = None,
    revoke: bool = False,
    listed: Sequence[str] | None = None,
) -> Signoff:
    """Record that ``stamp.actor`` signs (or revokes) the sign-off ``name``.

    With ``listed`` (the sign-offs the exit criteria use), signing a name not
    among them is refused: a misspelt sign-off would count for nothing.
    """
    if not SIGNOFF_NAME.fullmatch(name):
        raise InputError(
            f"'{name}' is not a sign-off name; use letters, digits, '-', '_' or '.', "
            "for example support-trained"
        )
    if listed is not None and not revoke and name not in listed:
        raise InputError(
            f"no exit criterion uses sign-off '{name}' (the criteria use: "
            f"{', '.join(listed) or 'none'}); check the spelling, add a signoff "
            "criterion to hypercare.toml, or record it anyway with --force"
        )
    current = in_force(store, name, stamp.at)
    if revoke and (current is None or not current.is_signed):
        raise InputError(
            f"sign-off '{name}' is not in force at "
            f"{format_time(stamp.at, stamp.tz)}; there is nothing "
            "to revoke"
        )
    action = "revoked" if revoke else "signed"
    with store.write() as conn:
        rows.add_signoff_event(
            conn,
            name=name,
            action=action,
            actor=stamp.actor,
            at=stamp.at,
            recorded_at=stamp.now,
            note=note,
        )
    return Signoff(name=name, action=action, actor=stamp.actor, at=stamp.at, note=note)


def in_force(store: Store, name: str, at: datetime | str) -> Signoff | None:
    """The latest sign-off event of ``name`` at or before ``at``."""
    moment = at if isinstance(at, str) else to_iso(at)
    row = rows.latest_signoff(store.conn, name, moment)
    if row is None:
        return None
    return Signoff(
        name=row["name"],
        action=row["action"],
        actor=row["actor"],
        at=row["at"],
        note=row["note"],
    )
