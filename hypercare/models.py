"""Frozen records shared by every layer: issues, events and the vocabularies.

An *issue* is what was reported; an *event* is one change in its history.
The vocabularies below are the only accepted values; the CLI offers them as
choices and the store keeps them as plain text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields
from typing import Any

STATUSES = (
    "new",
    "acknowledged",
    "in_progress",
    "on_hold",
    "awaiting_testing",
    "resolved",
    "closed",
    "duplicate",
    "rejected",
    "deferred",
)
# States in which an issue still needs work; everything else is finished.
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "on_hold", "awaiting_testing")
DONE_STATUSES = ("resolved", "closed", "duplicate", "rejected", "deferred")

TYPES = ("bug", "performance", "usability", "enhancement", "question")
CHANNELS = (
    "helpdesk",
    "email",
    "chat",
    "phone",
    "meeting",
    "survey",
    "monitoring",
    "api-gateway",
    "llm-gateway",
)
GROUPS = ("end-user", "business-owner", "it-ops", "project-team")
IMPACTS = ("high", "medium", "low")
URGENCIES = ("immediate", "high", "medium", "low")
PRIORITIES = ("P1", "P2", "P3", "P4")
CAUSES = (
    "code-defect",
    "configuration",
    "data",
    "infrastructure",
    "third-party",
    "user-error",
    "unknown",
)
LEVELS = ("L1", "L2", "L3", "vendor")
MESSAGE_KINDS = ("ack", "update", "resolution", "confirm", "duplicate")
# A sign-off name as `hypercare signoff NAME` takes it and a criterion names it.
SIGNOFF_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Each survey scale with its lowest and highest score.
SURVEY_SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10)}
# Issue columns SQLite stores as 0/1; commands show them as true/false (JSON)
# or yes/no (for people).
FLAGS = ("is_known", "is_kb")
# What `list --sort` accepts; store/issues.py maps each to its ORDER BY.
SORT_KEYS = ("id", "reported", "updated", "priority", "status", "title")

# Event kinds. A status change carries from_status/to_status; the others
# carry only the fields they changed.
EVENT_KINDS = (
    "logged",
    "triaged",
    "status",
    "assigned",
    "escalated",
    "comment",
    "edited",
    "message",
    "known",
    "imported",
)


@dataclass(frozen=True)
class Issue:
    """The current state of one issue: the fold of its events."""

    id: int
    title: str
    status: str
    reported_at: str
    logged_at: str
    updated_at: str
    description: str | None = None
    type: str | None = None
    area: str | None = None
    channel: str | None = None
    reporter: str | None = None
    contact: str | None = None
    reporter_group: str | None = None
    external_ref: str | None = None
    source: str | None = None
    tags: str | None = None
    impact: str | None = None
    urgency: str | None = None
    priority: str | None = None
    priority_reason: str | None = None
    cause: str | None = None
    hold_reason: str | None = None
    assignee: str | None = None
    escalation_level: str | None = None
    duplicate_of: int | None = None
    workaround: str | None = None
    resolution: str | None = None
    resolution_code: str | None = None
    users_affected: int | None = None
    is_known: int = 0
    is_kb: int = 0
    reopen_count: int = 0
    reassignment_count: int = 0
    acknowledged_at: str | None = None
    resolved_at: str | None = None
    closed_at: str | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Issue:
        return cls(**{k: v for k, v in row.items() if k in _ISSUE_NAMES})

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def public(self) -> dict[str, Any]:
        """The row as commands print it: tags as a list, not stored JSON text,
        and the flags as true or false, not SQLite's 0 or 1."""
        row = {**self.as_dict(), "tags": self.tag_list}
        return {**row, **{flag: bool(row[flag]) for flag in FLAGS}}

    @property
    def tag_list(self) -> list[str]:
        return list(json.loads(self.tags)) if self.tags else []

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


ISSUE_COLUMNS = tuple(f.name for f in fields(Issue))
_ISSUE_NAMES = frozenset(ISSUE_COLUMNS)


@dataclass(frozen=True)
class Event:
    """One change in an issue's history.

    ``at`` is when it happened (``--at``); ``recorded_at`` is when it was
    written. ``changes`` maps issue columns to their new values.
    """

    id: int
    issue_id: int
    kind: str
    at: str
    recorded_at: str
    actor: str | None
    from_status: str | None = None
    to_status: str | None = None
    note: str | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Event:
        data = dict(row)
        data["changes"] = json.loads(data.get("changes") or "{}")
        return cls(**data)

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
