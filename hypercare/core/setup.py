"""Starting a hypercare: the config file with the brief's defaults and the database.

Writes ``hypercare.toml`` (tomli-w) and creates the database beside it. The
config is validated before anything is written, so a bad ``--tz`` leaves no
file behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tomli_w

from hypercare.config import (
    CONFIG_NAME,
    Settings,
    default_document,
    load_settings,
    parse_settings,
)
from hypercare.core.text import check_one_line
from hypercare.core.when import parse_when, zone
from hypercare.errors import HypercareError, InputError


@dataclass(frozen=True)
class Project:
    """What init is told of the project; None where an option was not given."""

    name: str | None = None
    go_live: str | None = None
    timezone: str | None = None


@dataclass(frozen=True)
class Started:
    settings: Settings
    # False when --force rewrote the config beside a database kept as it was.
    is_database_new: bool
    # What --force took from the config it replaced: name, go-live, time zone.
    kept: tuple[str, ...] = ()


def init_project(
    folder: Path, wanted: Project, *, now: datetime, is_forced: bool
) -> Started:
    """Write the config and create the database; InputError if a config exists.

    An existing database is kept, data and all: ``--force`` rewrites only the
    config, back to the defaults but for the project's name, go-live and time
    zone, which are kept from the old config unless given (its issues were
    recorded against them). ``now`` is the go-live when none is known.
    """
    path = folder / CONFIG_NAME
    if path.is_dir():
        raise InputError(f"{path} is a folder; remove or rename it, then run init")
    if path.exists() and not is_forced:
        raise InputError(f"{path} already exists; pass --force to overwrite it")
    name = check_one_line(wanted.name, "--name", "give the project's name on one line")
    old = _readable(path)

    # Given options first, then the config being replaced, then the defaults.
    kept: list[str] = []
    if name is None and old is not None:
        name, kept = old.name, [*kept, "name"]
    timezone = wanted.timezone
    if timezone is None and old is not None:
        timezone, kept = old.timezone, [*kept, "time zone"]
    timezone = timezone or "UTC"
    tz = zone(timezone)
    go_live = now
    if wanted.go_live is not None:
        go_live = parse_when(wanted.go_live, now=now, tz=tz, day_first=True)
    elif old is not None and old.go_live is not None:
        go_live, kept = old.go_live, [*kept, "go-live"]
    document = default_document(
        name=name or "Hypercare", go_live=go_live, timezone=timezone
    )
    settings = parse_settings(document, path)

    from hypercare.store.db import create_store

    # The database first: one that cannot be used (a folder, not SQLite, from
    # a newer hypercare) is refused before the config is touched.
    folder.mkdir(parents=True, exist_ok=True)
    database = settings.database_path
    assert database is not None
    is_new = not database.exists()
    create_store(database).close()
    try:
        _write_whole(path, tomli_w.dumps(document))
    except BaseException:
        if is_new:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        raise
    return Started(settings, is_new, tuple(kept))


def _write_whole(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` at once: never a half-written config."""
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_text(text, encoding="utf-8")
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _readable(path: Path) -> Settings | None:
    """The config at ``path`` if there is one that reads; None otherwise.

    A broken config is often why init --force is run: it is replaced whole.
    """
    if not path.is_file():
        return None
    try:
        return load_settings(path)
    except HypercareError:
        return None
