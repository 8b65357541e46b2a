"""Reading times and durations typed by people, and writing them for people.

Read times are UTC. Written for people, a time is local to the config's time
zone with the zone's short name (``format_time``: "2026-03-13 09:00 CET") and
a duration is days, hours and minutes (``format_span``: "1d 6h 01m"); every
human form (tables, Markdown, HTML, text lines) uses these two, so a time or
an MTTR reads the same in every command. JSON, CSV and JUnit keep UTC
ISO-8601 (``to_iso``) and numbers: they are for programs.

Accepted WHEN forms (see ``ACCEPTED``): ISO 8601, numeric dates in the
configured day/month order, written dates ("5 Mar 2026 14:30"), and relative
forms ("now", "2h ago", "72h", "yesterday 09:00", and "09:40" for today at
09:40). A time without a zone is
local to the config's time zone. Nothing is guessed:

* a numeric date is never re-ordered to make it valid: with day-first,
  "31/02/2026" is an error, not 2 March;
* a date names its day, month and year ("Mar 2026" is refused, not filled in
  from today); only the time may be left out (midnight);
* a year is written with 2 digits (20xx) or 4, from ``MIN_YEAR`` to ``MAX_YEAR``;
* a zone is an offset (+01:00, Z) or UTC/GMT: an abbreviation such as EST
  names different zones in different places, so it is refused;
* a local time that the clocks skip (spring) or pass twice (autumn) in the
  config's zone is refused, naming the jump: only an offset can say which
  moment was meant. A time in a file (``parse_recorded``) must be absolute;
  there a repeated time is read as its first pass, since an export cannot be
  asked and real ones hold such times.

Spans (durations and relative forms) are at most ``MAX_SPAN``. Nothing here
reads the clock: callers pass ``now``.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hypercare.errors import InputError

ACCEPTED = (
    "use ISO 8601 (2026-03-05 14:30), a written date (5 Mar 2026 14:30) "
    "or a relative form (now, 2h ago, 72h, yesterday 09:00)"
)
# A file's times are absolute: the relative forms are not offered there.
ACCEPTED_IN_FILES = "use ISO 8601 (2026-03-05 14:30) or a written date (5 Mar 2026)"
# Longer spans are typing mistakes, and datetime arithmetic overflows soon
# after (timedelta stops at 999999999 days).
MAX_SPAN = timedelta(days=36500)
SPAN_LIMIT = "100 years (36500d)"
# Far enough either way for any go-live, and far from datetime's limits (year
# 9999), which reports that add weeks to --as-of would otherwise reach.
MIN_YEAR, MAX_YEAR = 1900, 2999
# How far ahead of this machine's clock a time that already happened may be
# (another machine's clock, a meeting note rounded up) before it is refused.
CLOCK_SKEW = timedelta(minutes=5)

# Each unit's seconds, under every name people type for it ("m" is minutes:
# months and years vary in length, so they are not spans).
_UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 604800),
}
# Longest names first, so "min" is not read as "m" followed by "in".
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_PART = re.compile(rf"(\d+(?:\.\d+)?)\s*({_UNIT})(?![a-z])", re.I)
# One or more parts ("90m", "1h30m", "2 hours 30 minutes"), optionally "ago".
_SPAN = rf"(?:\d+(?:\.\d+)?\s*(?:{_UNIT})(?![a-z])[\s,]*)+"
_DURATION = re.compile(rf"^\s*({_SPAN})\s*$", re.I)
_AGO = re.compile(rf"^\s*({_SPAN})(?:\s*ago)?\s*$", re.I)
_CALENDAR_SPAN = re.compile(
    r"^\s*\d+(?:\.\d+)?\s*(?:y|yr|yrs|years?|mo|mos|months?)(?:\s*ago)?\s*$", re.I
)
_SPAN_UNITS = "s, m (minutes), h, d or w, like 90m, 1h30m or 2 hours"
_DAY_WORD = re.compile(
    r"^\s*(today|yesterday|tomorrow)(?:\s+(\d{1,2}:\d{2}))?\s*$", re.I
)
# A time of day alone ("09:40") is today at that time, as on a wall clock.
_TIME_ONLY = re.compile(r"^\s*(\d{1,2}:\d{2})\s*$")
# Year first (2026-03-05, 2012/10/09 14:50:17.000): never re-ordered.
_YEAR_FIRST = re.compile(
    r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$"
)
_NUMERIC = re.compile(
    r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$"
)
# dateutil reads "UTC+3" the POSIX way, as three hours *behind* UTC.
_NAMED_OFFSET = re.compile(r"\b(?:UTC|GMT)\s*[+-]\s*\d", re.I)
_UTC_NAMES = {"UTC", "GMT", "Z"}
_STARTS_WITH_YEAR = re.compile(r"^\s*\d{4}[/.-]\d{1,2}[/.-]\d{1,2}(?!\d)")
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY = re.compile(r"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", re.I)
# Two defaults that differ in day, month and year: a field that differs
# between the two readings of a written date was not in the text.
_PROBES = (datetime(2001, 1, 1), datetime(2002, 2, 2))


class _Refused(Exception):
    """A time that was read but must not be used; the message says why."""


class _Repeated(_Refused):
    """A local time the clocks pass twice; ``first`` is its first pass."""

    def __init__(self, message: str, first: datetime) -> None:
        super().__init__(message)
        self.first = first


def zone(name: str, *, key: str | None = None) -> ZoneInfo:
    """The time zone called ``name``; InputError when there is none.

    ``key`` (a config key) opens the message, as for ``parse_duration``.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        fix = "use a name like Europe/Amsterdam or UTC"
        if key is not None:
            raise InputError(
                f"{key} '{name}' is not a known time zone; {fix}"
            ) from None
        raise InputError(f"unknown time zone '{name}'; {fix}") from None


def parse_duration(text: str, *, name: str | None = None) -> timedelta:
    """Read "15m", "4h", "3d", "1w", "1h30m" or "2 hours", at most 100 years.

    Raises InputError; ``name`` (a flag or config key) opens the message.
    """
    match = _DURATION.match(text)
    if not match and _CALENDAR_SPAN.match(text):
        raise InputError(
            f"{name or 'the duration'} '{text}': months and years differ in "
            f"length; count in {_SPAN_UNITS}"
        )
    if not match:
        if name is not None:
            raise InputError(f"{name} '{text}' is not a duration like 15m, 4h or 3d")
        raise InputError(
            f"cannot read the duration '{text}': use numbers with units in "
            f"{_SPAN_UNITS}"
        )
    seconds = _seconds(match.group(1))
    if seconds > MAX_SPAN.total_seconds():
        raise InputError(
            f"{name or 'the duration'} '{text}' is longer than {SPAN_LIMIT}; "
            "give a shorter one"
        )
    return timedelta(seconds=seconds)


def _seconds(span: str) -> float:
    """The seconds in a span matched by ``_SPAN``: the sum of its parts."""
    return sum(
        float(number) * _UNITS[unit.lower()] for number, unit in _PART.findall(span)
    )


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


def local_times(row: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The row as people read it: its stored times (``at``, ``..._at``) in ``tz``."""
    return {
        key: format_time(value, tz)
        if (key == "at" or key.endswith("_at")) and isinstance(value, str) and value
        else value
        for key, value in row.items()
    }


def format_span(minutes: float | None, *, is_working: bool = False) -> str:
    """A duration in minutes as people read it: ``2d 3h 04m``, ``5h 07m``, ``42m``.

    Real (wall-clock) time, rounded to the minute; "no data" for None. With
    ``is_working``, working time: hours only (a working day is not 24 hours)
    and said so, ``24h 00m working``.
    """
    if minutes is None:
        return "no data"
    # Half a minute rounds up, always: round() would take 20.5 to 20 and 5.5
    # to 6, and "20m elapsed, 15m target, 6m over" would not add up.
    total = math.floor(minutes + 0.5)
    if is_working:
        return f"{total // 60}h {total % 60:02d}m working"
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {mins:02d}m"
    return f"{hours}h {mins:02d}m" if hours else f"{mins}m"


def parse_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_first: bool, flag: str | None = None
) -> datetime:
    """Read a WHEN typed by a person; raise InputError naming accepted forms.

    ``flag`` (the option it was given to) names an empty value: that is a
    mistake, an unset shell variable say, never a way to ask for now.
    """
    if flag is not None and not text.strip():
        raise InputError(f"{flag} is empty; {ACCEPTED}")
    return _read(text, now=now, tz=tz, day_first=day_first)


def parse_recorded(
    text: str, *, now: datetime, tz: ZoneInfo, day_first: bool
) -> datetime:
    """Read a time written in a file: absolute, and not after ``now``.

    A relative form would move each time the file is imported (and add its
    rows again); a time after ``now`` (give or take ``CLOCK_SKEW``) has not
    happened yet. Raises InputError naming the problem.
    """
    moment = parse_absolute(text, tz=tz, day_first=day_first)
    if moment > now + CLOCK_SKEW:
        raise InputError(
            f"the time '{text}' is in the future ({format_time(moment, tz)}); a "
            "file can only hold times up to now"
        )
    return moment


def parse_absolute(text: str, *, tz: ZoneInfo, day_first: bool) -> datetime:
    """Read a time from a file without a now: relative forms are InputErrors."""
    return _read(text, now=None, tz=tz, day_first=day_first)


def is_relative(text: str) -> bool:
    """Whether ``text`` is a relative form ("now", "2h ago", "yesterday 09:00")."""
    raw = text.strip()
    return raw.lower() == "now" or bool(
        _AGO.match(raw) or _DAY_WORD.match(raw) or _TIME_ONLY.match(raw)
    )


# Offsets in use on Earth run from -12:00 to +14:00; -14:00 keeps it symmetric.
_MAX_OFFSET = timedelta(hours=14)
_OFFSET_RANGE = "the offset must be between -14:00 and +14:00, like +01:00 or Z"


def _read(
    text: str, *, now: datetime | None, tz: ZoneInfo, day_first: bool
) -> datetime:
    """``text`` as aware UTC.

    ``now`` None means a time from a file: relative forms are refused and a
    repeated local time is read as its first pass.
    """
    accepted = ACCEPTED if now is not None else ACCEPTED_IN_FILES
    raw = text.strip()
    if not raw:
        raise InputError(f"cannot read an empty time: {accepted}")
    if raw[0] in "+-":
        unsigned = re.sub(r"\s+ago$", "", raw[1:].strip(), flags=re.I)
        raise InputError(
            f"cannot read the time '{text}' (a sign is not a direction; "
            f"write '{unsigned} ago'): {accepted}"
        )
    try:
        try:
            moment = _parse(raw, now=now, tz=tz, day_first=day_first)
        except _Repeated as repeated:
            # A person can add the offset; an export cannot be asked, and the
            # importers' fast formats read the first pass too.
            if now is not None:
                raise
            moment = repeated.first
        if moment is None:
            raise InputError(f"cannot read the time '{text}': {accepted}")
        if abs(moment.utcoffset() or timedelta(0)) > _MAX_OFFSET:
            raise _Refused(_OFFSET_RANGE)
        _check_year(moment.year)
        return moment.astimezone(UTC)
    except _Refused as exc:
        raise InputError(f"cannot read the time '{text}': {exc}") from None
    except OverflowError:
        raise InputError(
            f"cannot read the time '{text}': a number in it is too large; {accepted}"
        ) from None
    except ValueError as exc:
        reason = str(exc).split("\n")[0]
        if "offset must be a timedelta" in reason:
            # Python's own words for an offset of 24h or more name its types.
            raise InputError(
                f"cannot read the time '{text}': {_OFFSET_RANGE}"
            ) from None
        raise InputError(
            f"cannot read the time '{text}' ({reason}): {accepted}"
        ) from None


def _parse(
    raw: str, *, now: datetime | None, tz: ZoneInfo, day_first: bool
) -> datetime | None:
    if _CALENDAR_SPAN.match(raw):
        raise _Refused(
            f"months and years differ in length; count in {_SPAN_UNITS}, "
            "or give a date like 2026-03-05"
        )
    relative = _relative(raw, now=now, tz=tz)
    if relative is not None:
        return relative
    if match := _YEAR_FIRST.match(raw):
        year, month, day, *clock = match.groups()
        return _numeric((day, month, year, *clock), tz=tz, day_first=True)
    if match := _NUMERIC.match(raw):
        return _numeric(match.groups(), tz=tz, day_first=day_first)
    return _iso_or_written(raw, tz=tz, day_first=day_first)


def _relative(raw: str, *, now: datetime | None, tz: ZoneInfo) -> datetime | None:
    """A relative form read against ``now``; None when ``raw`` is not one."""
    if not is_relative(raw):
        return None
    if now is None:
        raise _Refused(
            "it is relative; a file's times must be absolute, like "
            "2026-03-05 14:30, so that importing it again gives the same times"
        )
    ago = _AGO.match(raw)
    day_word = _DAY_WORD.match(raw)
    if ago is not None:
        seconds = _seconds(ago.group(1))
        if seconds > MAX_SPAN.total_seconds():
            raise _Refused(
                f"it is more than {SPAN_LIMIT} back; give a date like 2026-03-05"
            )
        return now - timedelta(seconds=seconds)
    if day_word is not None:
        return _day_word(day_word.group(1).lower(), day_word.group(2), now=now, tz=tz)
    if time_only := _TIME_ONLY.match(raw):
        return _day_word("today", time_only.group(1), now=now, tz=tz)
    return now


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
    if len(year_text) == 3:
        raise _Refused("write the year with 4 digits (2026) or 2 (26)")
    # Two digits are this century's year; four are taken as written.
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    _check_year(year)
    clock = time(int(hour or 0), int(minute or 0), int(second_s or 0))
    return _local(date(year, month, day), clock, tz)


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _Refused(
            f"the year {year} is out of range; give a year from {MIN_YEAR} "
            f"to {MAX_YEAR}"
        )


def _iso_or_written(raw: str, *, tz: ZoneInfo, day_first: bool) -> datetime | None:
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        moment = _written(raw, day_first=day_first)
    if moment is None:
        return None
    if moment.tzinfo is None:
        _check_year(moment.year)
        return _local(moment.date(), moment.time(), tz)
    return moment


def _written(raw: str, *, day_first: bool) -> datetime | None:
    # dateutil is slow to import and only needed for written forms.
    from dateutil import parser

    if _NAMED_OFFSET.search(raw):
        raise _Refused(
            "write the offset on its own, like 14:30+03:00 (UTC+3 is read the "
            "POSIX way, as 3 hours behind UTC)"
        )
    # A date that starts with its year is year-month-day whatever the
    # config's order ("2026-03-05 14:30 UTC" is 5 March): never re-ordered.
    is_year_first = bool(_STARTS_WITH_YEAR.match(raw))
    first: datetime
    second: datetime
    try:
        first, second = (
            parser.parse(
                raw,
                _years_as_written(),
                default=probe,
                dayfirst=day_first and not is_year_first,
                yearfirst=is_year_first,
                tzinfos=_zone_named,
            )
            for probe in _PROBES
        )
    except parser.ParserError:
        return None
    missing = [
        part
        for part in ("day", "month", "year")
        if getattr(first, part) != getattr(second, part)
    ]
    if missing:
        raise _Refused(_missing(missing))
    named = _WEEKDAY.search(raw)
    if named and _WEEKDAYS.index(named.group(1).lower()) != first.weekday():
        raise _Refused(
            f"{first.day} {first:%b %Y} is a {first:%A}, not a {named.group(0)}; "
            "check the date, or leave the weekday out"
        )
    if first.year < 100:
        # "0001" is the year 1, out of range; "26" is 2026, as in 5/3/26.
        if re.search(rf"(?<!\d){first.year:04d}(?!\d)", raw):
            _check_year(first.year)
        first = first.replace(year=first.year + 2000)
    return first


@functools.cache
def _years_as_written() -> Any:
    """dateutil's reading of names and words, with years kept as written.

    dateutil moves a two-digit year to within 50 years of this machine's
    clock, and makes "0001" 2001; hypercare decides itself, without a clock.
    """
    from dateutil import parser

    def as_written(year: int, century_specified: bool = False) -> int:
        return year

    info = parser.parserinfo()
    info.convertyear = as_written
    return info


def _missing(parts: list[str]) -> str:
    named = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} or {parts[-1]}"
    hint = " (or today 14:30)" if len(parts) == 3 else ""
    return (
        f"it names no {named}; a date needs day, month and year, like 5 Mar 2026 "
        f"or 5 Mar 2026 14:30{hint}"
    )


def _zone_named(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's ``tzinfos``: an offset or UTC, never a guessed abbreviation."""
    if name is not None and name.upper() not in _UTC_NAMES:
        raise _Refused(
            f"the time zone '{name}' is not known; give an offset instead, like "
            "-05:00 or Z"
        )
    if offset is None:
        return None
    return timezone(timedelta(seconds=offset))


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The wall time ``day clock`` in ``tz``; refused if it is skipped or repeated."""
    _check_year(day.year)
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    before, after = _jump(first, second, tz)
    shown = f"{day.isoformat()} {clock.strftime('%H:%M')}"
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall:
        raise _Refused(
            f"{shown} does not exist in {tz.key} (the clocks jump from "
            f"{before} to {after}); give a time outside the jump"
        )
    raise _Repeated(
        f"{shown} happens twice in {tz.key} (the clocks go back from {before} "
        f"to {after}); add the offset: {shown}{_offset(first)} for the first, "
        f"{shown}{_offset(second)} for the second",
        first,
    )


def _jump(first: datetime, second: datetime, tz: ZoneInfo) -> tuple[str, str]:
    """The wall clock just before and just after the change of offset near here."""
    start, end = sorted((first.astimezone(UTC), second.astimezone(UTC)))
    instant = start.replace(second=0, microsecond=0)
    offset = instant.astimezone(tz).utcoffset()
    # Offsets change on a whole minute; the gap between the readings is at
    # most a day (Samoa, 2011), so this walks at most 1,440 minutes.
    while instant <= end and instant.astimezone(tz).utcoffset() == offset:
        instant += timedelta(minutes=1)
    assert offset is not None
    before = (instant + offset).strftime("%H:%M")
    after = instant.astimezone(tz).strftime("%H:%M")
    return before, after


def _offset(moment: datetime) -> str:
    return moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]
