"""Counts and articles in the sentences hypercare prints.

One place for "1 issue" / "2 issues" and "an ack" / "a resolution", so no
message falls back to "issue(s)" or "a ack". Counts carry thousands
separators ("28,071 rows"), as every import summary does.
"""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """'1 issue', '0 issues', '28,071 rows'; ``plural`` when not noun + 's'."""
    word = noun if count == 1 else (plural or f"{noun}s")
    return f"{count:,} {word}"


def article(word: str) -> str:
    """'an ack', 'an update', 'a resolution': the word with its article."""
    # Every word hypercare puts here (message kinds) sounds as it is spelled.
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
