"""Lessons learned, recorded as they come up for the post-hypercare review."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypercare.core.issues import Stamp
from hypercare.errors import InputError
from hypercare.store import exit as rows
from hypercare.store.db import Store


@dataclass(frozen=True)
class Lesson:
    id: int
    text: str
    area: str | None
    actor: str | None
    at: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "area": self.area,
            "actor": self.actor,
            "at": self.at,
        }


def add(store: Store, text: str, stamp: Stamp, area: str | None = None) -> Lesson:
    """Record one lesson learned."""
    if not text.strip():
        raise InputError("the lesson is empty; write what the team learned")
    with store.write() as conn:
        lesson_id = rows.add_lesson(
            conn,
            text=text.strip(),
            actor=stamp.actor,
            area=area,
            at=stamp.at,
            recorded_at=stamp.now,
        )
    return Lesson(lesson_id, text.strip(), area, stamp.actor, stamp.at)


def all_lessons(store: Store) -> list[Lesson]:
    return [
        Lesson(row["id"], row["text"], row["area"], row["actor"], row["at"])
        for row in rows.lessons(store.conn)
    ]
