"""Reading times and durations typed by people, and writing them for people.

Read times are UTC. Written for people, a time is local to the config's time
zone with the zone's short name (``format_time``: "2026-03-13 09:00 CET") and
a duration is days, hours and minutes (``format_span``: "1d 6h 01m"); every
human form (tables, Markdown, HTML, text lines) uses these two, so a time or
an MTTR reads the same in every command. JSON, CSV and JUnit keep UTC
ISO-8601 (``to_iso``) and numbers: they are for programs.

Accepted WHEN forms (see ``ACCEPTED``): ISO 8601, numeric dates in the
configured day/month order, written dates ("5 Mar 2026 14:30"), and relative
forms ("now", "2h ago", "72h", "yesterday 09:00"). A time without a zone is
local to the config's time zone. A numeric date is never re-ordered to make it
valid: with day-first, "31/02/2026" is an error, not 2 March.

Nothing here reads the clock: callers pass ``now``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hypercare.errors import InputError

ACCEPTED = (
    "use ISO 8601 (2026-03-05 14:30), a written date (5 Mar 2026 14:30) "
    "or a relative form (now, 2h ago, 72h, yesterday 09:00)"
)

_UNITS = {
    "s": 1,
    "sec": 1,
    "m": 60,
    "min": 60,
    "h": 3600,
    "hr": 3600,
    "d": 86400,
    "w": 604800,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|w)\s*$", re.I)
_AGO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|w)(?:\s+ago)?\s*$", re.I)
_DAY_WORD = re.compile(
    r"^\s*(today|yesterday|tomorrow)(?:\s+(\d{1,2}:\d{2}))?\s*$", re.I
)
# Year first (2026-03-05, 2012/10/09 14:50:17.000): never re-ordered.
_YEAR_FIRST = re.compile(
    r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$"
)
_NUMERIC = re.compile(
    r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$"
)


def zone(name: str) -> ZoneInfo:
    """The time zone called ``name``; InputError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone '{name}'; use a name like Europe/Amsterdam or UTC"
        ) from None


def parse_duration(text: str) -> timedelta:
    """Read "15m", "4h", "3d", "1w" or "90s"; raise InputError otherwise."""
    match = _DURATION.match(text)
    if not match:
        raise InputError(
            f"cannot read the duration '{text}': use a number and a unit, "
            "for example 15m, 4h, 3d or 1w"
        )
    return timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2).lower()])


def to_iso(moment: datetime) -> str:
    """The stored form: UTC, ISO 8601, seconds precision, ``Z`` suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(text: str) -> datetime:
    """Read a stored timestamp back as an aware UTC datetime."""
    return datetime.fromisoformat(text).astimezone(UTC)


def format_time(moment: datetime | str, tz: ZoneInfo) -> str:
    """A time (or a stored UTC stamp) as people read it: ``2026-03-13 09:00 CET``.

    The zone's short name follows daylight saving (CET in winter, CEST in
    summer for Europe/Berlin), so a time is never ambiguous.
    """
    if isinstance(moment, str):
        moment = from_iso(moment)
    local = moment.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


def format_span(minutes: float | None) -> str:
    """A duration in minutes as people read it: ``2d 3h 04m``, ``5h 07m``, ``42m``.

    Real (wall-clock) time, rounded to the minute; "no data" for None.
    """
    if minutes is None:
        return "no data"
    total = round(minutes)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {mins:02d}m"
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, day_first: bool) -> datetime:
    """Read a WHEN typed by a person; raise InputError naming accepted forms."""
    raw = text.strip()
    if not raw:
        raise InputError(f"cannot read an empty time: {ACCEPTED}")
    if raw[0] in "+-":
        raise InputError(
            f"cannot read the time '{text}' (a sign is not a direction; "
            f"write '{raw[1:].strip()} ago'): {ACCEPTED}"
        )
    try:
        moment = _parse(raw, now=now, tz=tz, day_first=day_first)
        if moment is None:
            raise InputError(f"cannot read the time '{text}': {ACCEPTED}")
        return moment.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        reason = str(exc).split("\n")[0]
        raise InputError(
            f"cannot read the time '{text}' ({reason}): {ACCEPTED}"
        ) from None


def _parse(
    raw: str, *, now: datetime, tz: ZoneInfo, day_first: bool
) -> datetime | None:
    lowered = raw.lower()
    if lowered == "now":
        return now
    if match := _AGO.match(raw):
        seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
        return now - timedelta(seconds=seconds)
    if match := _DAY_WORD.match(raw):
        return _day_word(match.group(1).lower(), match.group(2), now=now, tz=tz)
    if match := _YEAR_FIRST.match(raw):
        year, month, day, *clock = match.groups()
        return _numeric((day, month, year, *clock), tz=tz, day_first=True)
    if match := _NUMERIC.match(raw):
        return _numeric(match.groups(), tz=tz, day_first=day_first)
    return _iso_or_written(raw, now=now, tz=tz, day_first=day_first)


def _day_word(word: str, clock: str | None, *, now: datetime, tz: ZoneInfo) -> datetime:
    offset = {"today": 0, "yesterday": -1, "tomorrow": 1}[word]
    day = now.astimezone(tz).date() + timedelta(days=offset)
    hour, minute = (int(part) for part in clock.split(":")) if clock else (0, 0)
    return _local(day, time(hour, minute), tz)


def _numeric(
    groups: tuple[str | None, ...], *, tz: ZoneInfo, day_first: bool
) -> datetime:
    first, second, year_text, hour, minute, second_s = groups
    assert first and second and year_text
    day, month = (int(first), int(second)) if day_first else (int(second), int(first))
    year = int(year_text)
    if year < 100:
        year += 2000
    clock = time(int(hour or 0), int(minute or 0), int(second_s or 0))
    return _local(date(year, month, day), clock, tz)


def _iso_or_written(
    raw: str, *, now: datetime, tz: ZoneInfo, day_first: bool
) -> datetime | None:
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        moment = _written(raw, now=now, tz=tz, day_first=day_first)
    if moment is None:
        return None
    if moment.tzinfo is None:
        return _local(moment.date(), moment.time(), tz)
    return moment


def _written(
    raw: str, *, now: datetime, tz: ZoneInfo, day_first: bool
) -> datetime | None:
    # dateutil is slow to import and only needed for written forms.
    from dateutil import parser

    default = datetime.combine(now.astimezone(tz).date(), time(0, 0))
    try:
        moment: datetime = parser.parse(raw, default=default, dayfirst=day_first)
    except parser.ParserError:
        return None
    return moment


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock).replace(tzinfo=tz)
