"""The knowledge gathered from resolutions, and "looks like" suggestions.

Knowledge entries are issues resolved with ``--kb``: their resolution and
workaround are what the team learnt. Similarity is local text matching with
rapidfuzz (no network, no model download): a title counts most, then the
description, then whether the area is the same. rapidfuzz is imported only
when there is something to compare, so ``log`` on an empty database stays
fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypercare.errors import InputError
from hypercare.models import Issue
from hypercare.store import messages as rows
from hypercare.store.db import Store

# Below this a "similar" issue is more noise than help.
SUGGEST_CUTOFF = 70.0
SEARCH_CUTOFF = 60.0
# Title scoring runs over every issue in C; the full score only over the best.
_SHORTLIST = 25
_WEIGHTS = {"title": 0.7, "description": 0.2, "area": 0.1}


@dataclass(frozen=True)
class Match:
    """An existing issue and how much it looks like the one compared."""

    id: int
    title: str
    area: str | None
    status: str
    is_kb: bool
    score: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "area": self.area,
            "status": self.status,
            "is_kb": self.is_kb,
            "score": round(self.score, 1),
        }


def similar(store: Store, issue: Issue, limit: int = 3) -> list[Match]:
    """Up to ``limit`` existing issues that look like ``issue``, best first."""
    candidates = rows.similarity_candidates(store.conn, exclude_id=issue.id)
    if not candidates:
        return []
    from rapidfuzz import fuzz, utils

    query = utils.default_process(issue.title)
    titles = [utils.default_process(c["title"]) for c in candidates]
    matches = []
    for index in _shortlist(query, titles):
        candidate = candidates[index]
        title_score = _title_score(query, titles[index])
        parts = [(title_score, _WEIGHTS["title"])]
        if issue.description and (other := _described(candidate)):
            text_score = fuzz.token_set_ratio(
                issue.description, other, processor=utils.default_process
            )
            parts.append((text_score, _WEIGHTS["description"]))
        if issue.area and candidate["area"]:
            same = issue.area.casefold() == candidate["area"].casefold()
            parts.append((100.0 if same else 0.0, _WEIGHTS["area"]))
        score = sum(s * w for s, w in parts) / sum(w for _, w in parts)
        if score >= SUGGEST_CUTOFF:
            matches.append(_match(candidate, score))
    matches.sort(key=lambda m: (-m.score, m.id))
    return matches[:limit]


def entries(store: Store, search: str | None = None) -> list[dict[str, Any]]:
    """Knowledge entries; with ``search``, those matching it, best first."""
    found = rows.knowledge(store.conn)
    if not search or not search.strip():
        return found
    from rapidfuzz import fuzz, utils

    needle = utils.default_process(search)
    if not needle.strip():
        # Punctuation alone is stripped to nothing, which every text contains.
        raise InputError(
            f"--search '{search}' has no letters or digits to look for; give a "
            "word from the title, resolution or workaround"
        )
    scored = []
    for entry in found:
        text = utils.default_process(
            " ".join(
                str(entry[key])
                for key in ("title", "area", "description", "resolution", "workaround")
                if entry[key]
            )
        )
        if needle in text:
            score = 100.0
        else:
            score = max(
                fuzz.partial_ratio(needle, text), fuzz.token_set_ratio(needle, text)
            )
        if score >= SEARCH_CUTOFF:
            scored.append({**entry, "score": round(score, 1)})
    scored.sort(key=lambda e: (-e["score"], e["id"]))
    return scored


def _shortlist(query: str, titles: list[str]) -> set[int]:
    """The best titles by either measure, found in C over every issue."""
    from rapidfuzz import fuzz, process

    cutoff = SUGGEST_CUTOFF * _WEIGHTS["title"]
    found: set[int] = set()
    for scorer in (fuzz.token_set_ratio, fuzz.partial_ratio):
        best = process.extract(
            query, titles, scorer=scorer, limit=_SHORTLIST, score_cutoff=cutoff
        )
        found.update(index for _, _, index in best)
    return found


def _title_score(query: str, choice: str) -> float:
    """Words in common, and one title inside the other ("times out" ~ "timeout")."""
    from rapidfuzz import fuzz

    return (fuzz.token_set_ratio(query, choice) + fuzz.partial_ratio(query, choice)) / 2


def _described(candidate: dict[str, Any]) -> str:
    parts = (candidate["description"], candidate["resolution"], candidate["workaround"])
    return " ".join(part for part in parts if part)


def _match(candidate: dict[str, Any], score: float) -> Match:
    return Match(
        id=candidate["id"],
        title=candidate["title"],
        area=candidate["area"],
        status=candidate["status"],
        is_kb=bool(candidate["is_kb"]),
        score=score,
    )
