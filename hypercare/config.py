"""The TOML config: find it, read it, validate it into frozen ``Settings``.

``hypercare.toml`` holds the project, the priority matrix, the targets, the
calendars, the stand-up and closing-the-loop settings, people and escalation
paths, and the exit criteria. Every key is checked: an unknown key, an empty
or unknown matrix cell, a bad time zone or duration is a ``ConfigError`` that
names the key and the file, and so is a number out of its range (a duration
past 100 years, a port, a planned end not after the go-live). Core code only
ever sees ``Settings``.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from hypercare.core.text import is_one_line
from hypercare.core.when import parse_duration, to_iso, zone
from hypercare.errors import ConfigError, InputError
from hypercare.models import IMPACTS, PRIORITIES, SIGNOFF_NAME, URGENCIES

CONFIG_NAME = "hypercare.toml"
DEFAULT_DB_NAME = "hypercare.db"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_MATRIX: dict[str, dict[str, str]] = {
    "high": {"immediate": "P1", "high": "P2", "medium": "P3", "low": "P3"},
    "medium": {"immediate": "P2", "high": "P3", "medium": "P3", "low": "P4"},
    "low": {"immediate": "P3", "high": "P3", "medium": "P4", "low": "P4"},
}
DEFAULT_TARGETS: dict[str, dict[str, str]] = {
    "P1": {"acknowledge_within": "15m", "resolve_within": "4h", "calendar": "24x7"},
    "P2": {"acknowledge_within": "1h", "resolve_within": "8h", "calendar": "24x7"},
    "P3": {"acknowledge_within": "4h", "resolve_within": "3d", "calendar": "business"},
    "P4": {
        "acknowledge_within": "1d",
        "resolve_within": "none",
        "calendar": "business",
    },
}

# Each exit-criterion rule and the parameters it takes, with their types.
# The evaluation of each rule lives in hypercare.core.criteria.
RULES: dict[str, dict[str, type]] = {
    "no_open_priority": {"priority": str, "hours": float},
    "max_open_age": {"priority": str, "hours": float},
    "mttr_under": {"priority": str, "target_hours": float, "window_days": float},
    "sla_compliance": {
        "priority": str,
        "percent": float,
        "window_days": float,
        "clock": str,
    },
    "reopen_rate_under": {"percent": float, "window_days": float},
    "csat_at_least": {"percent": float, "min_responses": int, "window_days": float},
    "backlog_not_growing": {"days": int},
    "uptime_at_least": {"percent": float, "window_days": float, "check": str},
    "error_rate_under": {"percent": float, "window_days": float, "check": str},
    "signoff": {"signoff": str},
}
_CRITERION_KEYS = {"name", "rule", "description"}
# A bare address or a display name and an address in <>; host may be local.
_ADDRESS = r"[^@\s<>,;\"]+@[^@\s<>,;\"]+"
_SENDER = re.compile(rf"{_ADDRESS}|[^<>@]*<{_ADDRESS}>")
# The largest value of each number a criterion takes, with how it reads. An
# age or window past 100 years is a typing mistake, and datetime arithmetic
# overflows not far beyond (a bug's exit 3 instead of a config error).
_CRITERION_LIMITS: dict[str, tuple[float, str]] = {
    "hours": (876_000, "876000 (100 years)"),
    "target_hours": (876_000, "876000 (100 years)"),
    "days": (36_500, "36500 (100 years)"),
    "window_days": (36_500, "36500 (100 years)"),
    "percent": (100, "100"),
}
MAX_RESPONSES = 1_000_000


@dataclass(frozen=True)
class Target:
    """Acknowledge and resolve targets of one priority, on one calendar."""

    priority: str
    acknowledge: timedelta | None
    resolve: timedelta | None
    calendar: str


@dataclass(frozen=True)
class Calendar:
    """When the SLA clock runs: always (24x7) or in working hours."""

    name: str
    is_always: bool
    timezone: str
    days: tuple[int, ...] = (0, 1, 2, 3, 4)
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: tuple[str, ...] = ()

    @property
    def hours_per_day(self) -> float:
        start = self.start.hour * 60 + self.start.minute
        end = self.end.hour * 60 + self.end.minute
        return (end - start) / 60


@dataclass(frozen=True)
class Criterion:
    """One exit criterion: a named rule with its parameters."""

    name: str
    rule: str
    description: str = ""
    priority: str | None = None
    hours: float | None = None
    days: int | None = None
    target_hours: float | None = None
    window_days: float | None = None
    percent: float | None = None
    min_responses: int | None = None
    clock: str | None = None
    check: str | None = None
    signoff: str | None = None


@dataclass(frozen=True)
class Person:
    name: str
    email: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Smtp:
    host: str = "localhost"
    port: int = 25
    sender: str = "hypercare@localhost"
    starttls: bool = False
    username: str | None = None
    # False when the config has no [smtp] table: the defaults above are
    # then a guess, and sending to them would fail only after recording.
    is_configured: bool = False


@dataclass(frozen=True)
class Settings:
    """Everything the config says, validated. Times are aware UTC."""

    path: Path | None
    name: str = "Hypercare"
    go_live: datetime | None = None
    planned_end: datetime | None = None
    timezone: str = "UTC"
    day_first: bool = True
    database: str = DEFAULT_DB_NAME
    user: str | None = None
    areas: tuple[str, ...] = ()
    matrix: dict[str, dict[str, str]] = field(default_factory=lambda: DEFAULT_MATRIX)
    targets: dict[str, Target] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    standup_time: time = time(9, 0)
    standup_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    stale_after: timedelta = timedelta(hours=24)
    confirm_within: timedelta = timedelta(days=3)
    update_every: dict[str, timedelta] = field(default_factory=dict)
    people: tuple[Person, ...] = ()
    escalation: dict[str, str] = field(default_factory=dict)
    smtp: Smtp = field(default_factory=Smtp)
    criteria: tuple[Criterion, ...] = ()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def database_path(self) -> Path | None:
        if self.path is None:
            return None
        # Absolute, but a link is not followed: messages name the file as the
        # config does ("remove hypercare.db", never "remove /dev/null").
        return Path(os.path.abspath(self.path.parent / self.database))


def find_config(start: Path) -> Path | None:
    """The nearest ``hypercare.toml`` in ``start`` or a folder above it."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if candidate.exists():
            # Passing over it would end in "no hypercare database here".
            raise ConfigError(
                f"{candidate} is not a file; remove or rename it, or pass --config FILE"
            )
    return None


def load_settings(path: Path | None) -> Settings:
    """Read and validate the config at ``path``; defaults when ``path`` is None."""
    if path is None:
        return parse_settings(default_document(name="Hypercare", go_live=None), None)
    try:
        # utf-8-sig: Windows editors may start the file with a byte-order mark.
        document = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file; run 'hypercare init'"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            f"{path} is a folder; pass --config the hypercare.toml file in it"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML ({exc}); fix the file or recreate it "
            "with 'hypercare init --force'"
        ) from None
    if not document:
        # Saved empty by mistake: its defaults (UTC, no go-live, no exit
        # criteria) would pass for the project's own settings.
        raise ConfigError(
            f"{path} holds no settings; restore it, or recreate it with "
            "'hypercare init --force'"
        )
    return parse_settings(document, path)


def default_document(
    *, name: str, go_live: datetime | None, timezone: str = "UTC"
) -> dict[str, Any]:
    """The config ``hypercare init`` writes: the product brief's defaults."""
    project: dict[str, Any] = {
        "name": name,
        "timezone": timezone,
        "day_first": True,
        "database": DEFAULT_DB_NAME,
        "areas": [],
    }
    if go_live is not None:
        project["go_live"] = to_iso(go_live)
        project["planned_end"] = to_iso(go_live + timedelta(days=28))
    return {
        "project": project,
        "matrix": DEFAULT_MATRIX,
        "targets": DEFAULT_TARGETS,
        "calendars": {
            "24x7": {"always": True},
            "business": {
                "days": ["mon", "tue", "wed", "thu", "fri"],
                "start": "09:00",
                "end": "17:00",
                "holidays": [],
            },
        },
        "standup": {
            "time": "09:00",
            "days": ["mon", "tue", "wed", "thu", "fri"],
            "stale_after": "24h",
        },
        "loop": {"confirm_within": "3d", "update_every": {"P1": "2h", "P2": "8h"}},
        "escalation": {
            "L1": "Service desk",
            "L2": "Application support",
            "L3": "Development team",
            "vendor": "Vendor support",
        },
        "exit_criteria": DEFAULT_CRITERIA,
    }


DEFAULT_CRITERIA: list[dict[str, Any]] = [
    {
        "name": "no-p1-72h",
        "rule": "no_open_priority",
        "priority": "P1",
        "hours": 72,
        "description": "No P1 issue open at any moment in the last 72 hours",
    },
    {
        "name": "no-old-p2",
        "rule": "max_open_age",
        "priority": "P2",
        "hours": 48,
        "description": "No P2 issue open for longer than 48 hours",
    },
    {
        "name": "mttr-p1",
        "rule": "mttr_under",
        "priority": "P1",
        "target_hours": 4,
        "window_days": 7,
        "description": "Mean time to resolve P1 issues under 4 hours over 7 days",
    },
    {
        "name": "mttr-p2",
        "rule": "mttr_under",
        "priority": "P2",
        "target_hours": 8,
        "window_days": 7,
        "description": "Mean time to resolve P2 issues under 8 hours over 7 days",
    },
    {
        "name": "sla-p2",
        "rule": "sla_compliance",
        "priority": "P2",
        "percent": 90,
        "window_days": 14,
        "clock": "resolve",
        "description": "At least 90% of P2 issues resolved within target over 14 days",
    },
    {
        "name": "reopen-rate",
        "rule": "reopen_rate_under",
        "percent": 5,
        "window_days": 14,
        "description": "Under 5% of resolved issues reopened over 14 days",
    },
    {
        "name": "csat",
        "rule": "csat_at_least",
        "percent": 80,
        "min_responses": 20,
        "window_days": 14,
        "description": "CSAT at least 80% from at least 20 answers over 14 days",
    },
    {
        "name": "backlog-not-growing",
        "rule": "backlog_not_growing",
        "days": 5,
        "description": "Open backlog not growing over the last 5 days",
    },
    {
        "name": "support-trained",
        "rule": "signoff",
        "signoff": "support-trained",
        "description": "Support staff trained (signed off by a person)",
    },
    {
        "name": "handover-accepted",
        "rule": "signoff",
        "signoff": "handover-accepted",
        "description": "Handover documentation accepted (signed off by a person)",
    },
]


# --- validation -------------------------------------------------------------

_TOP_KEYS = {
    "project",
    "matrix",
    "targets",
    "calendars",
    "standup",
    "loop",
    "people",
    "escalation",
    "smtp",
    "exit_criteria",
}


_KIND_WORDS = {
    str: "text in quotes",
    float: "a number",
    int: "a whole number",
    bool: "true or false",
    list: "a list [...]",
    dict: "a table",
}


class _Reader:
    """Checks keys and types of one TOML document, naming the file on error."""

    def __init__(self, path: Path | None) -> None:
        self.where = str(path) if path else "the default config"

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}: {key} {problem}")

    def table(self, value: Any, key: str, allowed: set[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        if allowed is not None:
            unknown = sorted(set(value) - allowed)
            if unknown:
                raise self.fail(
                    f"{key}.{unknown[0]}" if key else unknown[0],
                    f"is not a known key; known keys: {', '.join(sorted(allowed))}",
                )
        return value

    def typed(self, value: Any, key: str, kind: type) -> Any:
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"must be {_KIND_WORDS[kind]}, not {value!r}")
        return value

    def one_line(self, value: Any, key: str) -> str:
        """A name shown on one line: no line break or control character, not blank."""
        text: str = self.typed(value, key, str)
        if not is_one_line(text.strip()):
            raise self.fail(
                key,
                f"{text!r} holds a line break or a control character, or nothing "
                "visible; give it on one line",
            )
        return text.strip()

    def duration(self, value: Any, key: str, day: timedelta | None = None) -> timedelta:
        text = self.typed(value, key, str)
        try:
            span = parse_duration(text, name=key)
        except InputError as exc:
            # The message names the key: not a duration, or over 100 years.
            raise ConfigError(f"{self.where}: {exc}") from None
        if span <= timedelta(0):
            raise self.fail(
                key,
                f"'{text}' must be more than zero; give a duration like 15m, 4h or 3d",
            )
        if day is not None and text.strip().lower().endswith("d"):
            # On a working-hours calendar a day is one working day.
            span = day * (span / timedelta(days=1))
        return span

    def clock(self, value: Any, key: str) -> time:
        text = self.typed(value, key, str)
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise self.fail(key, f"'{text}' is not a time of day like 09:00") from None

    def weekdays(self, value: Any, key: str) -> tuple[int, ...]:
        if not isinstance(value, list) or not all(v in WEEKDAYS for v in value):
            raise self.fail(key, f"must be a list of {', '.join(WEEKDAYS)}")
        return tuple(sorted(WEEKDAYS.index(v) for v in value))

    def zone(self, value: Any, key: str) -> str:
        name: str = self.typed(value, key, str)
        try:
            zone(name, key=key)
        except InputError as exc:
            raise ConfigError(f"{self.where}: {exc}") from None
        return name

    def moment(self, value: Any, key: str, tz: str) -> datetime:
        """A time as text or as a TOML date or date-time; without a zone, in ``tz``.

        init writes UTC text ("2026-03-02T08:00:00Z"); a person editing the
        file may write a TOML date (2026-03-02) or a local date-time.
        """
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime.combine(value, time())
        else:
            text = self.typed(value, key, str)
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise self.fail(
                    key, f"'{text}' is not an ISO 8601 time like 2026-03-02T08:00:00Z"
                ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(tz))
        return moment.astimezone(UTC)


def parse_settings(document: dict[str, Any], path: Path | None) -> Settings:
    """Validate a TOML document into Settings; raise ConfigError naming the key."""
    reader = _Reader(path)
    reader.table(document, "", _TOP_KEYS)
    project = reader.table(
        document.get("project", {}),
        "project",
        {
            "name",
            "go_live",
            "planned_end",
            "timezone",
            "day_first",
            "database",
            "user",
            "areas",
        },
    )
    timezone = reader.zone(project.get("timezone", "UTC"), "project.timezone")

    calendars = _calendars(reader, document.get("calendars", {}), timezone)
    standup = reader.table(
        document.get("standup", {}), "standup", {"time", "days", "stale_after"}
    )
    loop = reader.table(
        document.get("loop", {}), "loop", {"confirm_within", "update_every"}
    )
    update_every = reader.table(loop.get("update_every", {}), "loop.update_every", None)
    go_live = _optional_moment(reader, project, "go_live", timezone)
    planned_end = _optional_moment(reader, project, "planned_end", timezone)
    if go_live and planned_end and planned_end <= go_live:
        raise reader.fail(
            "project.planned_end",
            f"({to_iso(planned_end)}) must be later than project.go_live "
            f"({to_iso(go_live)})",
        )
    return Settings(
        path=path,
        name=reader.one_line(project.get("name", "Hypercare"), "project.name"),
        go_live=go_live,
        planned_end=planned_end,
        timezone=timezone,
        day_first=reader.typed(
            project.get("day_first", True), "project.day_first", bool
        ),
        database=reader.one_line(
            project.get("database", DEFAULT_DB_NAME), "project.database"
        ),
        user=reader.one_line(project["user"], "project.user")
        if "user" in project
        else None,
        areas=_areas(reader, project.get("areas", [])),
        matrix=_matrix(reader, document.get("matrix", DEFAULT_MATRIX)),
        targets=_targets(reader, document.get("targets", DEFAULT_TARGETS), calendars),
        calendars=calendars,
        standup_time=reader.clock(standup.get("time", "09:00"), "standup.time"),
        standup_days=reader.weekdays(
            standup.get("days", list(WEEKDAYS[:5])), "standup.days"
        ),
        stale_after=reader.duration(
            standup.get("stale_after", "24h"), "standup.stale_after"
        ),
        confirm_within=reader.duration(
            loop.get("confirm_within", "3d"), "loop.confirm_within"
        ),
        update_every={
            _priority(reader, p, f"loop.update_every.{p}"): reader.duration(
                v, f"loop.update_every.{p}"
            )
            for p, v in update_every.items()
        },
        people=_people(reader, document.get("people", {})),
        escalation={
            str(k): reader.typed(v, f"escalation.{k}", str)
            for k, v in reader.table(
                document.get("escalation", {}), "escalation", None
            ).items()
        },
        smtp=_smtp(reader, document.get("smtp")),
        criteria=_criteria(reader, document.get("exit_criteria", [])),
    )


def _areas(reader: _Reader, value: Any) -> tuple[str, ...]:
    """The areas issues may name: one-line strings, each once."""
    areas = reader.typed(value, "project.areas", list)
    for area in areas:
        if not isinstance(area, str) or not is_one_line(area.strip()):
            raise reader.fail(
                "project.areas",
                f'has {area!r}; each area must be a one-line string like "billing"',
            )
    return tuple(area.strip() for area in areas)


def _optional_moment(
    reader: _Reader, table: dict[str, Any], key: str, tz: str
) -> datetime | None:
    if key not in table or table[key] == "":
        return None
    return reader.moment(table[key], f"project.{key}", tz)


def _priority(reader: _Reader, value: Any, key: str) -> str:
    if value not in PRIORITIES:
        raise reader.fail(
            key, f"names unknown priority {value!r}; use P1, P2, P3 or P4"
        )
    return str(value)


def _matrix(reader: _Reader, value: Any) -> dict[str, dict[str, str]]:
    table = reader.table(value, "matrix", set(IMPACTS))
    matrix: dict[str, dict[str, str]] = {}
    for impact in IMPACTS:
        row = reader.table(table.get(impact, {}), f"matrix.{impact}", set(URGENCIES))
        matrix[impact] = {}
        for urgency in URGENCIES:
            key = f"matrix.{impact}.{urgency}"
            if urgency not in row or row[urgency] == "":
                raise reader.fail(
                    key, "is empty; every impact × urgency cell needs P1-P4"
                )
            matrix[impact][urgency] = _priority(reader, row[urgency], key)
    return matrix


def _calendars(reader: _Reader, value: Any, timezone: str) -> dict[str, Calendar]:
    table = reader.table(value, "calendars", None)
    calendars = {"24x7": Calendar(name="24x7", is_always=True, timezone=timezone)}
    calendars["business"] = Calendar(
        name="business", is_always=False, timezone=timezone
    )
    for name, spec in table.items():
        key = f"calendars.{name}"
        spec = reader.table(
            spec, key, {"always", "timezone", "days", "start", "end", "holidays"}
        )
        zone = reader.zone(spec.get("timezone", timezone), f"{key}.timezone")
        holidays = reader.typed(spec.get("holidays", []), f"{key}.holidays", list)
        calendar = Calendar(
            name=name,
            is_always=reader.typed(spec.get("always", False), f"{key}.always", bool),
            timezone=zone,
            days=reader.weekdays(spec.get("days", list(WEEKDAYS[:5])), f"{key}.days"),
            start=reader.clock(spec.get("start", "09:00"), f"{key}.start"),
            end=reader.clock(spec.get("end", "17:00"), f"{key}.end"),
            holidays=tuple(str(day) for day in holidays),
        )
        if not calendar.is_always and calendar.hours_per_day <= 0:
            raise reader.fail(f"{key}.end", "must be later than start")
        if not calendar.is_always and not calendar.days:
            raise reader.fail(f"{key}.days", "needs at least one working day")
        for day in calendar.holidays:
            try:
                date.fromisoformat(day)
            except ValueError:
                raise reader.fail(
                    f"{key}.holidays", f"has '{day}', not a date like 2026-12-25"
                ) from None
        calendars[name] = calendar
    return calendars


def _targets(
    reader: _Reader, value: Any, calendars: dict[str, Calendar]
) -> dict[str, Target]:
    table = reader.table(value, "targets", set(PRIORITIES))
    targets: dict[str, Target] = {}
    for priority in PRIORITIES:
        key = f"targets.{priority}"
        spec = reader.table(
            table.get(priority, DEFAULT_TARGETS[priority]),
            key,
            {"acknowledge_within", "resolve_within", "calendar"},
        )
        calendar_name = reader.typed(
            spec.get("calendar", "24x7"), f"{key}.calendar", str
        )
        if calendar_name not in calendars:
            raise reader.fail(
                f"{key}.calendar",
                f"names unknown calendar '{calendar_name}'; known: "
                + ", ".join(sorted(calendars)),
            )
        calendar = calendars[calendar_name]
        day = None if calendar.is_always else timedelta(hours=calendar.hours_per_day)
        spans = {}
        for clock in ("acknowledge_within", "resolve_within"):
            raw = spec.get(clock, "none")
            spans[clock] = (
                None if raw == "none" else reader.duration(raw, f"{key}.{clock}", day)
            )
        targets[priority] = Target(
            priority,
            spans["acknowledge_within"],
            spans["resolve_within"],
            calendar_name,
        )
    return targets


def _people(reader: _Reader, value: Any) -> tuple[Person, ...]:
    table = reader.table(value, "people", None)
    people = []
    for name, spec in table.items():
        spec = reader.table(spec, f"people.{name}", {"email", "role"})
        people.append(Person(name=name, email=spec.get("email"), role=spec.get("role")))
    return tuple(people)


def _smtp(reader: _Reader, value: Any) -> Smtp:
    if value is None:
        return Smtp()
    spec = reader.table(
        value, "smtp", {"host", "port", "sender", "starttls", "username"}
    )
    port = reader.typed(spec.get("port", 25), "smtp.port", int)
    if not 1 <= port <= 65535:
        raise reader.fail(
            "smtp.port", f"{port} is not a port; use 1 to 65535 (25, 587)"
        )
    return Smtp(
        host=reader.typed(spec.get("host", "localhost"), "smtp.host", str),
        port=port,
        sender=_sender(reader, spec.get("sender", "hypercare@localhost")),
        starttls=reader.typed(spec.get("starttls", False), "smtp.starttls", bool),
        username=spec.get("username"),
        is_configured=True,
    )


def _sender(reader: _Reader, value: Any) -> str:
    """The From: address: ``name@host`` or ``Name <name@host>``, on one line."""
    text: str = reader.typed(value, "smtp.sender", str)
    if not (is_one_line(text) and _SENDER.fullmatch(text.strip())):
        raise reader.fail(
            "smtp.sender",
            f"{text!r} is not an e-mail address; use one like hypercare@example.com "
            "or 'Hypercare <hypercare@example.com>'",
        )
    return text.strip()


def _check_ranges(reader: _Reader, label: str, values: dict[str, Any]) -> None:
    """Each number of a criterion above 0 (or 0 answers) and at most its limit."""
    for param, (limit, shown) in _CRITERION_LIMITS.items():
        # NaN fails both comparisons, so it is refused like inf.
        if param in values and not 0 < values[param] <= limit:
            raise reader.fail(
                f"{label}: {param}", f"must be a number above 0 and at most {shown}"
            )
    if "min_responses" in values and not 0 <= values["min_responses"] <= (
        MAX_RESPONSES
    ):
        raise reader.fail(
            f"{label}: min_responses",
            f"must be a whole number from 0 to {MAX_RESPONSES}",
        )


def _criteria(reader: _Reader, value: Any) -> tuple[Criterion, ...]:
    if not isinstance(value, list):
        raise reader.fail("exit_criteria", "must be a list of [[exit_criteria]] tables")
    criteria = []
    seen: set[str] = set()
    for index, spec in enumerate(value, start=1):
        label = f"exit_criteria[{index}]"
        if not isinstance(spec, dict):
            raise reader.fail(label, "must be a table")
        name = reader.typed(spec.get("name", ""), f"{label}: name", str)
        if not name.strip():
            raise reader.fail(label, "needs a name")
        if name in seen:
            raise reader.fail(
                f"exit criterion '{name}'",
                "is named twice; give each exit criterion its own name",
            )
        seen.add(name)
        label = f"exit criterion '{name}'"
        rule = spec.get("rule")
        if rule not in RULES:
            raise reader.fail(
                label,
                f"has unknown rule '{rule}'; known rules: {', '.join(sorted(RULES))}",
            )
        params = RULES[rule]
        reader.table(spec, label, _CRITERION_KEYS | set(params))
        values = {}
        for param, kind in params.items():
            if param not in spec:
                raise reader.fail(label, f"needs '{param}' for rule '{rule}'")
            values[param] = reader.typed(spec[param], f"{label}: {param}", kind)
        if "priority" in values:
            _priority(reader, values["priority"], f"{label}: priority")
        if "signoff" in values and not SIGNOFF_NAME.fullmatch(values["signoff"]):
            # The rule of `hypercare signoff NAME`: any other name never passes.
            raise reader.fail(
                f"{label}: signoff",
                f"{values['signoff']!r} is not a sign-off name; use letters, "
                "digits, '-', '_' or '.', for example support-trained",
            )
        if "check" in values and not is_one_line(values["check"].strip()):
            raise reader.fail(
                f"{label}: check",
                f"{values['check']!r} names no check; name the check whose "
                "samples count, or '*' for every check",
            )
        if values.get("clock", "resolve") not in ("acknowledge", "resolve"):
            raise reader.fail(f"{label}: clock", "must be 'acknowledge' or 'resolve'")
        _check_ranges(reader, label, values)
        criteria.append(
            Criterion(
                name=name, rule=rule, description=spec.get("description", ""), **values
            )
        )
    return tuple(criteria)
