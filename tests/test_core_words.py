"""Counts with the right noun, and the right article before a word."""

from __future__ import annotations

import pytest

from hypercare.core.words import article, counted


@pytest.mark.parametrize(
    ("count", "noun", "plural", "text"),
    [
        (0, "issue", None, "0 issues"),
        (1, "issue", None, "1 issue"),
        (2, "lesson", None, "2 lessons"),
        (28071, "row", None, "28,071 rows"),
        (1, "entry", "entries", "1 entry"),
        (3, "entry", "entries", "3 entries"),
    ],
)
def test_counted(count: int, noun: str, plural: str | None, text: str) -> None:
    assert counted(count, noun, plural) == text


@pytest.mark.parametrize(
    ("word", "text"),
    [
        ("ack", "an ack"),
        ("update", "an update"),
        ("resolution", "a resolution"),
        ("confirm", "a confirm"),
        ("duplicate", "a duplicate"),
    ],
)
def test_article(word: str, text: str) -> None:
    assert article(word) == text
