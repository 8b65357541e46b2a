"""What every command needs: the config, the database, the clock, the actor.

The root callback fills one ``Env`` per run from ``--db``, ``--config`` and
the environment; commands call ``current()``. The clock is read here and
only here, once, so a command's writes share one "now".
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hypercare.config import Settings, find_config, load_settings
from hypercare.core.when import CLOCK_SKEW, format_time, parse_when, to_iso
from hypercare.errors import InputError, StoreError

if TYPE_CHECKING:
    from hypercare.core.issues import Stamp
    from hypercare.store.db import Store


@dataclass
class Env:
    db_option: Path | None = None
    config_option: Path | None = None
    debug: bool = False
    # Set by a check before it prints: a reader that goes away early (`|
    # head -1`) must not turn a failed check into success.
    has_failed_check: bool = False
    _settings: Settings | None = None
    _store: Store | None = None
    _now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def config_path(self) -> Path | None:
        """Where the config is, looked up in order."""
        # 1. --config FILE
        if self.config_option is not None:
            return self.config_option
        # 2. the HYPERCARE_CONFIG environment variable
        if os.environ.get("HYPERCARE_CONFIG"):
            return Path(os.environ["HYPERCARE_CONFIG"])
        # 3. the nearest hypercare.toml in this folder or one above it
        return find_config(Path.cwd())

    def settings(self) -> Settings:
        if self._settings is None:
            # 4. no config anywhere: the product's defaults
            self._settings = load_settings(self.config_path())
        return self._settings

    def db_path(self) -> Path:
        """Where the database is, looked up in order."""
        # 1. --db FILE
        if self.db_option is not None:
            return self.db_option
        # 2. the HYPERCARE_DB environment variable
        if os.environ.get("HYPERCARE_DB"):
            return Path(os.environ["HYPERCARE_DB"])
        # 3. the database named by the nearest hypercare.toml
        path = self.settings().database_path
        if path is None:
            raise StoreError(
                "no hypercare database here: run 'hypercare init' to create one, "
                "or pass --db FILE or set HYPERCARE_DB"
            )
        return path

    def store(self) -> Store:
        if self._store is None:
            from hypercare.store.db import open_store

            self._store = open_store(self.db_path())
        return self._store

    def refuse_own_file(self, path: str) -> None:
        """InputError when ``path`` is this hypercare's database or config.

        An --output over them would leave a hypercare that cannot be opened.
        """
        target = os.path.realpath(path)
        db = self.opened_db()
        own: list[tuple[str, Path | None]] = [("config", self.config_path())]
        if db is not None:
            own += [("database", Path(f"{db}{end}")) for end in ("", "-wal", "-shm")]
        for what, file in own:
            if file is not None and _same_file(file, target):
                raise InputError(
                    f"{path} is this hypercare's {what}; give --output another file"
                )

    def has_written(self) -> bool:
        """Whether this command has committed a change to the database."""
        return self._store is not None and self._store.has_written

    def opened_db(self) -> Path | None:
        """The database this command has opened, if it got that far."""
        return self._store.path if self._store is not None else None

    def now(self) -> datetime:
        return self._now

    def when(
        self, text: str | None, flag: str, *, now: datetime | None = None
    ) -> datetime:
        """Read the WHEN given to ``flag``; ``None`` (not given) means now."""
        base = now or self._now
        if text is None:
            return base
        settings = self.settings()
        return parse_when(
            text, now=base, tz=settings.tz, day_first=settings.day_first, flag=flag
        )

    def as_of(self, text: str | None) -> datetime:
        """The moment a report or check is computed for (``--as-of``): up to now.

        A later moment would count open issues' clocks through time that has
        not happened, and a gate could pass on it ("no P1 for 72h") today.
        """
        return self._up_to_now(
            text,
            "--as-of",
            "reports and checks are computed from what has happened: give a time "
            "up to now",
        )

    def actor(self, by: str | None) -> str:
        """Who makes a change: --by, else project.user, HYPERCARE_USER, the login."""
        from hypercare.core.text import check_one_line

        # The actor is shown on one line in every timeline and export, so a
        # name with a line break or only blanks is refused wherever it came from.
        fix = "give the name on one line"
        if by is not None:
            return check_one_line(by, "--by", fix)
        user = self.settings().user  # checked when the config is read
        if user:
            return user
        if os.environ.get("HYPERCARE_USER"):
            return check_one_line(os.environ["HYPERCARE_USER"], "HYPERCARE_USER", fix)
        return _login()

    def past(self, text: str | None, flag: str = "--at") -> datetime:
        """A WHEN that says when something happened: now or earlier."""
        return self._up_to_now(text, flag, "give a time up to now")

    def _up_to_now(self, text: str | None, flag: str, fix: str) -> datetime:
        moment = self.when(text, flag)
        if moment > self._now + CLOCK_SKEW:
            raise InputError(
                f"{flag} {text} is in the future "
                f"({format_time(moment, self.settings().tz)}); {fix}"
            )
        return moment

    def stamp(self, at: str | None, by: str | None) -> Stamp:
        from hypercare.core.issues import Stamp

        return Stamp(
            at=to_iso(self.past(at)),
            now=to_iso(self._now),
            actor=self.actor(by),
            tz=self.settings().tz,
        )

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _same_file(file: Path, target: str) -> bool:
    """Whether ``target`` is ``file``: by path, or by inode (a hard link)."""
    if os.path.realpath(file) == target:
        return True
    try:
        return os.path.samefile(file, target)
    except OSError:  # one of them does not exist (yet)
        return False


def _login() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


_current = Env()


def current() -> Env:
    return _current


def reset(env: Env) -> None:
    global _current
    _current = env
