"""The published known-issues list: open issues marked known, with workarounds.

The list is meant for users outside the project team, so each entry carries
only what helps them: number, title, area, priority, status, workaround and
when it last changed. Reporters' names and contacts, descriptions, comments,
assignees and any other internal detail are left out on purpose: the entries
are built from an allow-list of columns, never by removing fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.core.issues import Stamp, get_issue, set_known
from hypercare.errors import InputError
from hypercare.models import Issue
from hypercare.store import exit as rows
from hypercare.store.db import Store

# The only columns that leave the project in the published list.
PUBLIC_COLUMNS = (
    "id",
    "title",
    "area",
    "priority",
    "status",
    "workaround",
    "updated_at",
)


@dataclass(frozen=True)
class KnownIssue:
    id: int
    title: str
    area: str | None
    priority: str | None
    status: str
    workaround: str | None
    updated_at: str

    def as_dict(self) -> dict[str, Any]:
        return {column: getattr(self, column) for column in PUBLIC_COLUMNS}


def mark(
    store: Store,
    issue_id: int,
    stamp: Stamp,
    *,
    unmark: bool = False,
    workaround: str | None = None,
) -> Issue:
    """Mark (or unmark) an issue as known, optionally giving its workaround."""
    issue = get_issue(store, issue_id)
    if workaround is not None and not workaround.strip():
        raise InputError("the workaround is empty; say how users can get by")
    if unmark and workaround:
        raise InputError("--workaround goes with marking an issue known, not --unmark")
    if unmark and not issue.is_known:
        raise InputError(f"issue {issue_id} is not a known issue; nothing to unmark")
    if not unmark and not issue.is_open:
        raise InputError(
            f"issue {issue_id} is {issue.status}; only open issues are published "
            "as known issues"
        )
    return set_known(
        store, issue_id, not unmark, stamp, workaround.strip() if workaround else None
    )


def known_issues(store: Store) -> list[KnownIssue]:
    """Open issues marked known, most urgent first."""
    return [
        KnownIssue(**{column: row[column] for column in PUBLIC_COLUMNS})
        for row in rows.known_open_issues(store.conn)
    ]


def render_html(
    entries: list[KnownIssue], *, project: str, as_of: datetime, tz: ZoneInfo
) -> str:
    """One self-contained HTML page; every value is escaped by the template.

    Times are shown in ``tz`` (the config's time zone).
    """
    from hypercare.core.handover import render_template as render

    return render(
        "known_issues.html.j2",
        tz,
        project=project,
        as_of=as_of,
        issues=[entry.as_dict() for entry in entries],
    )
