"""Text from users made safe to show: nothing in it can act on a terminal.

A title or comment may hold control characters (an escape sequence pasted
from a log, a bell). Printed raw, they recolour or clear a terminal, break
XML (which forbids most of them) or, with a line break, start a line that a
CI runner reads as a command. ``visible`` writes each one as a ``\\u00..``
escape and keeps line breaks (LF, CR) and tabs; ``one_line`` also folds line
breaks, for places that show a title on one line. ``is_one_line`` and
``check_one_line`` are the one rule for what may be typed where one line is
shown (titles, names, addresses, the actor).

The escape is JSON's own: JSON text escapes C0 controls itself, and a DEL or
C1 control inside a JSON string becomes an escape of the same character, so
JSON stays valid and loses nothing.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import overload

from hypercare.errors import InputError

# C0 controls but tab, line feed and carriage return (the line ends of
# multi-line fields in CRLF exports), DEL, and the C1 controls.
_CONTROLS = [
    *range(0x00, 0x09),
    0x0B,
    0x0C,
    *range(0x0E, 0x20),
    *range(0x7F, 0xA0),
]
_VISIBLE = {code: f"\\u{code:04x}" for code in _CONTROLS}


def visible(text: str) -> str:
    """``text`` with every control character but tab, LF and CR escaped."""
    return text.translate(_VISIBLE)


def one_line(text: str) -> str:
    """``text`` on one line: visible, line breaks and tabs folded to spaces."""
    return " ".join(visible(text).split())


_LINE_ENDS = {ord("\n"): "\\n", ord("\r"): "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def escaped_line(text: str) -> str:
    """``text`` visible and on one line, its line breaks written as ``\\n``.

    For messages that quote what was typed: ``'a\\nb' is not ...`` shows
    exactly what was given, and stays one line.
    """
    return visible(text).translate(_LINE_ENDS)


def aligned(lines: Sequence[Sequence[str]]) -> str:
    """Rows of cells as plain text in aligned columns, two spaces apart.

    Nothing is cut: a column is as wide as its widest cell. Line breaks in a
    cell are folded to spaces so that each row stays one line.
    """
    cells = [[" ".join(cell.splitlines()) for cell in line] for line in lines]
    if not cells:
        return ""
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    return "\n".join(
        "  ".join(
            value.ljust(width) for value, width in zip(line, widths, strict=True)
        ).rstrip()
        for line in cells
    )


def is_one_line(text: str) -> bool:
    """Whether ``text`` shows as one line with something visible on it.

    No control characters or line and paragraph separators; and not only
    blanks or format characters (a zero-width space alone looks empty).
    """
    categories = [unicodedata.category(char) for char in text]
    if any(c in ("Cc", "Zl", "Zp") for c in categories):
        return False
    return any(c[0] not in ("Z", "C") for c in categories)


@overload
def check_one_line(value: str, name: str, fix: str) -> str: ...
@overload
def check_one_line(value: None, name: str, fix: str) -> None: ...
def check_one_line(value: str | None, name: str, fix: str) -> str | None:
    """``value`` stripped, if it shows as one line; InputError naming it otherwise.

    A name, address or title is shown on one line everywhere (lists, e-mail
    headers, error lines): line breaks, tabs, escape sequences and invisible
    characters have no place in it.
    """
    if value is None:
        return None
    if not is_one_line(value.strip()):
        raise InputError(
            f"{name} holds a line break or a control character, or nothing "
            f"visible; {fix}"
        )
    return value.strip()
