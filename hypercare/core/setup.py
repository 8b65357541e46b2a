"""Starting a hypercare: the config file with the brief's defaults and the database.

Writes ``hypercare.toml`` (tomli-w) and creates the database beside it. The
config is validated before anything is written, so a bad ``--tz`` leaves no
file behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import tomli_w

from hypercare.config import (
    CONFIG_NAME,
    DEFAULT_DB_NAME,
    Settings,
    default_document,
    load_settings,
    parse_settings,
)
from hypercare.core.files import write_whole
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
    # What --force took from the config it replaced: name, go-live, ...
    kept: tuple[str, ...] = ()
    # Whether the config --force replaced could not be read (nothing kept).
    was_unreadable: bool = False


def init_project(
    folder: Path, wanted: Project, *, now: datetime, is_forced: bool
) -> Started:
    """Write the config and create the database; InputError if a config exists.

    An existing database is kept, data and all: ``--force`` rewrites only the
    config, back to the defaults but for the project's name, go-live, time
    zone and database file, which are kept from the old config unless given
    (its issues were recorded against them and live there). ``now`` is the
    go-live when none is known.
    """
    path = folder / CONFIG_NAME
    if path.is_dir():
        raise InputError(f"{path} is a folder; remove or rename it, then run init")
    if path.exists() and not is_forced:
        raise InputError(f"{path} already exists; pass --force to overwrite it")
    check_one_line(wanted.name, "--name", "give the project's name on one line")
    old, was_unreadable = _readable(path)
    document, kept = _document(wanted, old, now)
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
        write_whole(path, tomli_w.dumps(document))
    except BaseException:
        if is_new:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)
        raise
    return Started(settings, is_new, kept, was_unreadable)


def _document(
    wanted: Project, old: Settings | None, now: datetime
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The config to write, and what of ``old`` it keeps.

    Given options first, then the config being replaced, then the defaults.
    """
    kept: list[str] = []
    name = wanted.name.strip() if wanted.name is not None else None
    if name is None and old is not None:
        name = old.name
        kept.append("name")
    timezone = wanted.timezone
    if timezone is None and old is not None:
        timezone = old.timezone
        kept.append("time zone")
    if timezone is None:
        timezone = "UTC"
    # Checked here, so a bad --tz is named as typed ("unknown time zone"),
    # not as a key of a config that was never written.
    tz = zone(timezone)
    go_live = now
    if wanted.go_live is not None:
        go_live = parse_when(
            wanted.go_live, now=now, tz=tz, day_first=True, flag="--go-live"
        )
    elif old is not None and old.go_live is not None:
        go_live = old.go_live
        kept.append("go-live")
    document = default_document(
        name=name or "Hypercare", go_live=go_live, timezone=timezone
    )
    if old is not None and old.database != DEFAULT_DB_NAME:
        document["project"]["database"] = old.database
        kept.append("database file")
    return document, tuple(kept)


def _readable(path: Path) -> tuple[Settings | None, bool]:
    """The config at ``path`` if there is one that reads; and whether one
    is there but does not read.

    A broken config is often why init --force is run: it is replaced whole.
    """
    if not path.is_file():
        return None, False
    try:
        return load_settings(path), False
    except HypercareError:
        return None, True
