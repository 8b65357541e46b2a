"""The one place that prints, and the only importer of Rich.

Results go to stdout; errors, warnings and progress to stderr. Rich tables
are used only on a terminal without ``NO_COLOR``; piped output is plain text
with nothing cut or coloured. Text from users or the database is never read
as Rich markup. Rich is imported only when a table is drawn on a terminal,
so commands that print a line stay fast.

Stored times (columns ``at`` and ``..._at``) are shown to people in the
config's time zone (``local_times``); JSON and CSV keep UTC ISO-8601 for
programs.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.cli.context import current as current_env
from hypercare.core.files import new_file_mode
from hypercare.core.text import aligned, escaped_line, visible
from hypercare.core.when import local_times

FORMATS_TABULAR = ("table", "json", "csv", "md")

Column = tuple[str, str]  # (key in each row, header)


def setup_logging(verbosity: int) -> None:
    """WARNING by default; each -v one step more detail, each -q one less."""
    if verbosity == 0 and "logging" not in sys.modules:
        # Nothing has logged yet and the default is Python's own (warnings
        # to stderr): leave logging unloaded, it costs every quick command.
        return
    import logging

    level = max(logging.DEBUG, min(logging.CRITICAL, logging.WARNING - 10 * verbosity))
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s: %(message)s"
    )


def is_rich() -> bool:
    # no-color.org: NO_COLOR counts when it is set to something, not when empty.
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def echo(text: str = "") -> None:
    sys.stdout.write(visible(text) + "\n")


def echo_err(text: str) -> None:
    sys.stderr.write(visible(text) + "\n")


def error(message: str) -> None:
    # One line, always: a typed value with a line break is shown as \\n.
    echo_err(f"Error: {escaped_line(message)}")


def warn(message: str) -> None:
    echo_err(f"Warning: {escaped_line(message)}")


def emit_json(data: Any) -> None:
    echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def md_escape(text: str) -> str:
    """Escape text for a Markdown table cell or line (pipes, brackets, HTML)."""
    out = text.replace("\\", "\\\\").replace("\r", " ").replace("\n", " ")
    for char in "|[]<>*_`":
        out = out.replace(char, "\\" + char)
    return out


def render_md_table(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    lines = ["| " + " | ".join(md_escape(h) for _, h in columns) + " |"]
    lines.append("|" + "|".join(" --- " for _ in columns) + "|")
    for row in rows:
        lines.append(
            "| " + " | ".join(md_escape(_cell(row.get(k))) for k, _ in columns) + " |"
        )
    return "\n".join(lines)


def render_csv(rows: Sequence[dict[str, Any]], columns: Sequence[Column]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([key for key, _ in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _ in columns])
    return buffer.getvalue().rstrip("\n")


def render_plain_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column]
) -> str:
    header = [title for _, title in columns]
    return aligned([header, *([_cell(row.get(k)) for k, _ in columns] for row in rows)])


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    *,
    title: str | None = None,
    empty: str = "Nothing to show.",
) -> None:
    """A table for a person: Rich on a terminal, aligned plain text otherwise."""
    if not rows:
        echo(empty)
        return
    if not is_rich():
        if title:
            echo(title)
        echo(render_plain_table(rows, columns))
        return
    from rich.console import Console
    from rich.table import Table

    grid = Table(title=title, title_justify="left")
    for _, header in columns:
        # A header is never broken mid-word ("priori/ty"); cells fold instead.
        grid.add_column(header, overflow="fold", min_width=len(header))
    for row in rows:
        # Line breaks of any kind (a lone CR would overwrite the line) as
        # the table's own line breaks.
        cells = ("\n".join(_cell(row.get(key)).splitlines()) for key, _ in columns)
        grid.add_row(*(visible(cell) for cell in cells))
    # No emoji either: a title ":fire:" is shown as typed, not as a picture.
    Console(markup=False, highlight=False, emoji=False).print(grid)


def emit_rows(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[Column],
    fmt: str,
    *,
    title: str | None = None,
    empty: str = "Nothing to show.",
    tz: ZoneInfo | None = None,
) -> None:
    """Tabular output in any of table, json, csv, md.

    With ``tz``, the forms for people (table, md) show stored times in it.
    """
    if tz is not None and fmt in ("table", "md"):
        rows = [local_times(row, tz) for row in rows]
    if fmt == "json":
        emit_json(list(rows))
    elif fmt == "csv":
        echo(render_csv(rows, columns))
    elif fmt == "md":
        echo(render_md_table(rows, columns) if rows else empty)
    else:
        table(rows, columns, title=title, empty=empty)


def print_text(text: str) -> None:
    """Print user or database text as is (no markup, no highlighting)."""
    echo(text)


def print_rich_markdown(text: str) -> None:
    """Show Markdown nicely on a terminal, as is otherwise."""
    if not is_rich():
        echo(text)
        return
    from rich.console import Console
    from rich.markdown import Markdown

    Console(highlight=False, emoji=False).print(Markdown(visible(text)))


@contextmanager
def progress(total: int | None, label: str) -> Iterator[Any]:
    """A progress bar on stderr when it is a terminal; a no-op otherwise.

    Yields a callable ``advance(n)``.
    """
    if not sys.stderr.isatty():
        yield lambda n=1: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=_stderr_console()) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True, markup=False, highlight=False, emoji=False)


def is_interactive() -> bool:
    """Whether a person can answer prompts (standard input is a terminal)."""
    return sys.stdin.isatty()


def write_chunks(chunks: Iterable[str], path: str | None = None) -> None:
    """Write text given in pieces, and a final newline, to stdout or ``path``."""
    if path is None:
        _write_batched(chunks, sys.stdout)
        return
    with replacing(path) as handle:
        _write_batched(chunks, handle)
    wrote(path)


def write_file(path: str, text: str) -> None:
    """Write ``text`` to the ``--output`` file ``path``, whole or not at all."""
    with replacing(path) as handle:
        handle.write(text)
    wrote(path)


def wrote(path: str) -> None:
    """Say on stderr that ``path`` was written (stdout may carry other output)."""
    echo_err(f"Wrote {escaped_line(path)}")


@contextmanager
def replacing(path: str) -> Iterator[Any]:
    """A text file that takes the place of ``path`` only once it is complete.

    The text goes to a new file beside ``path`` that is renamed over it at
    the end, so a failure or Ctrl-C half-way leaves the old file as it was
    and no half-written one (a cut-off export would read back as a smaller,
    valid one). The new file keeps the old one's permissions, and a link is
    followed to the file it names. ``/dev/stdout`` and ``/dev/stderr`` are
    the streams themselves (appended to a file, into a pipe). Where a rename
    would not do what writing to ``path`` does, the file is written in
    place, as the shell would: a device or pipe, a file with other hard
    links, a file in a folder that cannot be written. This hypercare's
    database and config are refused: an export over hypercare.db would
    destroy it.
    """
    if path.endswith(os.sep):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", path)
    given = os.path.abspath(path)
    if given in _STANDARD_STREAMS:
        # The stream itself, as it is: appended to a file, into a pipe.
        yield _STANDARD_STREAMS[given]()
        return
    if given.startswith(("/dev/", "/proc/")):
        with open(path, "w", encoding="utf-8") as direct:  # a device, a descriptor
            yield direct
        return
    current_env().refuse_own_file(path)
    target = _followed(path)
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    if info is not None and not _is_replaceable(info):
        with open(target, "w", encoding="utf-8") as direct:
            yield direct
        return
    if info is not None and not os.access(target, os.W_OK):
        # The shell would refuse to write it; so does a rename, here.
        raise PermissionError(errno.EACCES, "Permission denied", path)
    import tempfile  # only for --output: it costs every command's start-up

    folder = os.path.dirname(target) or "."
    try:
        descriptor, part = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    except OSError as exc:
        if info is None or exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise OSError(exc.errno, exc.strerror, path) from None
        # A file that may be written in a folder that may not: in place.
        with open(target, "w", encoding="utf-8") as direct:
            yield direct
        return
    try:
        os.chmod(part, stat.S_IMODE(info.st_mode) if info else new_file_mode())
        with open(descriptor, "w", encoding="utf-8") as handle:
            yield handle
        os.replace(part, target)
    except OSError as exc:
        with suppress(OSError):
            os.unlink(part)
        # Name the file the user gave, not the one made beside it.
        raise OSError(exc.errno, exc.strerror, path) from None
    except BaseException:
        with suppress(OSError):
            os.unlink(part)
        raise


def _followed(path: str) -> str:
    """The file ``path`` names, through any links; OSError for a link loop."""
    if not os.path.islink(path):
        return path
    try:
        return os.path.realpath(path, strict=True)
    except FileNotFoundError:
        return os.path.realpath(path)  # a link to a file not made yet
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, path) from None


_STANDARD_STREAMS = {
    "/dev/stdout": lambda: sys.stdout,
    "/dev/fd/1": lambda: sys.stdout,
    "/proc/self/fd/1": lambda: sys.stdout,
    "/dev/stderr": lambda: sys.stderr,
    "/dev/fd/2": lambda: sys.stderr,
    "/proc/self/fd/2": lambda: sys.stderr,
}


def _is_replaceable(info: os.stat_result) -> bool:
    """Whether a rename over the file would do what writing to it does."""
    return stat.S_ISREG(info.st_mode) and info.st_nlink == 1


def _write_batched(chunks: Iterable[str], handle: Any, size: int = 1 << 16) -> None:
    # A JSON encoder yields millions of tiny pieces for a large report; one
    # write (and one escape pass) per piece costs more than the report itself.
    batch: list[str] = []
    length = 0
    for chunk in chunks:
        batch.append(chunk)
        length += len(chunk)
        if length >= size:
            handle.write(visible("".join(batch)))
            batch, length = [], 0
    batch.append("\n")
    handle.write(visible("".join(batch)))
