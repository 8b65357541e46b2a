"""The demo hypercare: a config and a database built from real, shipped data.

``build_demo`` writes ``hypercare.toml`` into a folder (time zone UTC,
day-first dates, go-live 2016-02-29 00:00, planned end 2016-03-28, the
default matrix, targets and exit criteria) and imports the ServiceNow
incident sample shipped inside the package (``hypercare/data/
servicenow-incidents.csv.gz``, a gzip copy of the UCI "Incident management
process enriched event log" sample, CC BY 4.0, by Claudio Amaral, Marcelo
Fantinato and Sarajane Peres, University of São Paulo). Nothing is fetched:
it works offline on a fresh install.

The folder is the demo's own: an existing hypercare there is refused unless
``is_forced``, which deletes its database and config first, and only when
that hypercare is itself a demo (its name and go-live say so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from hypercare.config import CONFIG_NAME, DEFAULT_DB_NAME, Settings, load_settings
from hypercare.core.importing import Request, Summary, import_file
from hypercare.core.when import to_iso
from hypercare.errors import HypercareError, InputError

DATA_NAME = "servicenow-incidents.csv.gz"
GO_LIVE = datetime(2016, 2, 29, 0, 0, tzinfo=UTC)
DEFAULT_AS_OF = "2016-03-08 09:00"  # a Tuesday inside the sample's fortnight
ATTRIBUTION = (
    "ServiceNow incident event log (UCI Machine Learning Repository), CC BY 4.0: "
    "Claudio Amaral, Marcelo Fantinato, Sarajane Peres, University of São Paulo"
)


DEMO_NAME = "ServiceNow demo"


def _is_demo(config: Path) -> bool:
    """Whether ``config`` is a demo's (its name and go-live), not real work."""
    try:
        settings = load_settings(config)
    except HypercareError:
        return False
    return (settings.name, settings.go_live) == (DEMO_NAME, GO_LIVE)


@dataclass(frozen=True)
class Demo:
    settings: Settings
    summary: Summary


def build_demo(folder: Path, *, now: datetime, is_forced: bool) -> Demo:
    """Write the demo config and import the shipped data; InputError if one exists."""
    from hypercare.core.setup import Project, init_project
    from hypercare.store.db import open_store

    config = folder / CONFIG_NAME
    databases = [folder / f"{DEFAULT_DB_NAME}{end}" for end in ("", "-wal", "-shm")]
    # A database without a demo's config beside it is someone's work (a
    # project may keep its config elsewhere): never deleted.
    is_foreign = any(path.exists() for path in databases) and not config.exists()
    if is_foreign or (config.exists() and not _is_demo(config)):
        raise InputError(
            f"{folder} holds a hypercare that is not a demo; give --dir a new "
            "folder (--force rebuilds only a demo, deleting its database)"
        )
    if config.exists() and not is_forced:
        raise InputError(
            f"{folder} already holds a demo; pass --force to rebuild it, or --dir "
            "with a new folder"
        )
    for path in databases:
        path.unlink(missing_ok=True)

    demo = Project(name=DEMO_NAME, go_live=to_iso(GO_LIVE), timezone="UTC")
    settings = init_project(folder, demo, now=now, is_forced=True).settings
    assert settings.database_path is not None
    store = open_store(settings.database_path)
    try:
        with resources.as_file(
            resources.files("hypercare") / "data" / DATA_NAME
        ) as data:
            request = Request(
                kind="servicenow", path=data, recorded_at=to_iso(now), now=now
            )
            summary = import_file(store, settings, request)
    finally:
        store.close()
    return Demo(settings, summary)


def describe(demo: Demo) -> dict[str, Any]:
    """What the demo built, for the CLI to print."""
    return {
        "folder": str(demo.settings.path.parent if demo.settings.path else ""),
        "issues": demo.summary.issues["added"],
        "events": demo.summary.events["added"],
        "rows": demo.summary.rows_read,
        "data": ATTRIBUTION,
    }
