"""Starting a hypercare: the config file with the brief's defaults and the database.

Writes ``hypercare.toml`` (tomli-w) and creates the database beside it. The
config is validated before anything is written, so a bad ``--tz`` leaves no
file behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tomli_w

from hypercare.config import CONFIG_NAME, Settings, default_document, parse_settings
from hypercare.errors import InputError


@dataclass(frozen=True)
class Started:
    settings: Settings
    # False when --force rewrote the config beside a database kept as it was.
    is_database_new: bool


def init_project(
    folder: Path, *, name: str, go_live: datetime, timezone: str, is_forced: bool
) -> Started:
    """Write the config and create the database; InputError if a config exists.

    An existing database is kept, data and all: ``--force`` rewrites only the
    config.
    """
    path = folder / CONFIG_NAME
    if path.is_dir():
        raise InputError(f"{path} is a folder; remove or rename it, then run init")
    if path.exists() and not is_forced:
        raise InputError(f"{path} already exists; pass --force to overwrite it")
    document = default_document(name=name, go_live=go_live, timezone=timezone)
    settings = parse_settings(document, path)

    from hypercare.store.db import create_store

    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    database = settings.database_path
    assert database is not None
    is_new = not database.exists()
    create_store(database).close()
    return Started(settings, is_new)
