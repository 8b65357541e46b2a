"""The checked lifecycle of an issue and the priority matrix.

States and moves follow the product brief: ``new`` → ``acknowledged`` →
``in_progress`` → ``awaiting_testing`` → ``resolved`` → ``closed``, with
``on_hold`` as a side state (the resolve clock pauses) and ``duplicate``,
``rejected``, ``deferred`` as terminal outcomes. Reopening a resolved or
closed issue returns it to ``in_progress`` and is counted.
"""

from __future__ import annotations

from typing import Any

from hypercare.errors import StoreError, TransitionError

# Which states each state may move to.
NEXT: dict[str, tuple[str, ...]] = {
    "new": (
        "acknowledged",
        "in_progress",
        "on_hold",
        "resolved",
        "duplicate",
        "rejected",
        "deferred",
    ),
    "acknowledged": (
        "in_progress",
        "on_hold",
        "resolved",
        "duplicate",
        "rejected",
        "deferred",
    ),
    "in_progress": (
        "on_hold",
        "awaiting_testing",
        "resolved",
        "duplicate",
        "rejected",
        "deferred",
    ),
    "on_hold": (
        "in_progress",
        "awaiting_testing",
        "resolved",
        "duplicate",
        "rejected",
        "deferred",
    ),
    "awaiting_testing": (
        "in_progress",
        "on_hold",
        "resolved",
        "duplicate",
        "rejected",
        "deferred",
    ),
    "resolved": ("closed", "in_progress"),
    "closed": ("in_progress",),
    "duplicate": (),
    "rejected": (),
    "deferred": (),
}

# Each lifecycle command and the state it moves an issue to.
ACTIONS: dict[str, str] = {
    "ack": "acknowledged",
    "start": "in_progress",
    "hold": "on_hold",
    "test": "awaiting_testing",
    "resolve": "resolved",
    "close": "closed",
    "reopen": "in_progress",
    "duplicate": "duplicate",
    "reject": "rejected",
    "defer": "deferred",
}
# Commands that mean something narrower than "move to the target state".
_ONLY_FROM: dict[str, tuple[str, ...]] = {
    "reopen": ("resolved", "closed"),
    "start": ("new", "acknowledged", "on_hold", "awaiting_testing"),
}


def check_move(issue_id: int, status: str, action: str) -> str:
    """The state ``action`` moves to from ``status``; TransitionError if refused."""
    target = ACTIONS[action]
    if status not in NEXT:
        raise StoreError(
            f"issue {issue_id} has the status '{status}', which is not a "
            "hypercare state; the database was changed outside hypercare: "
            "restore it from a backup"
        )
    allowed = NEXT[status]
    sources = _ONLY_FROM.get(action)
    if target in allowed and (sources is None or status in sources):
        return target
    commands = [
        name
        for name, to in ACTIONS.items()
        if to in allowed and status in _ONLY_FROM.get(name, (status,))
    ]
    options = ", ".join(allowed) if allowed else "none (it is final)"
    hint = f" (commands: {', '.join(commands)})" if commands else ""
    raise TransitionError(
        f"issue {issue_id} is {status}; cannot {action} it. "
        f"Allowed next states: {options}{hint}"
    )


def priority_for(matrix: dict[str, dict[str, str]], impact: str, urgency: str) -> str:
    """The priority the matrix gives an impact × urgency pair."""
    return matrix[impact][urgency]


def reopen_changes(reopen_count: int) -> dict[str, Any]:
    """What a reopen sets, wherever it comes from: one more reopen, the
    resolution undone (a typed ``reopen`` and every importer alike)."""
    return {"reopen_count": reopen_count + 1, "resolved_at": None, "closed_at": None}
