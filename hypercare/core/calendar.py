"""Working time on an SLA calendar: how much counted time lies between two moments.

A ``24x7`` calendar counts all real time. A working-hours calendar counts only
its working days (minus holidays) between ``start`` and ``end`` of each day,
read in the calendar's own time zone. Each day's window is turned into UTC
before anything is subtracted, so a window or a span across a daylight-saving
change counts real elapsed time, never wall-clock differences.

Inputs and outputs are aware datetimes; results are UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hypercare.config import Calendar

# A clock that never reaches its target on a calendar without working days
# would loop for ever; no real calendar has a gap this long.
_MAX_DAYS = 3660
_ZERO = timedelta(0)


def working_time(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Counted time between ``start`` and ``end`` (zero when end <= start)."""
    if end <= start:
        return _ZERO
    if calendar.is_always:
        return end.astimezone(UTC) - start.astimezone(UTC)

    total = _ZERO
    for window_start, window_end in _windows(calendar, start, end):
        low = max(window_start, start)
        high = min(window_end, end)
        if high > low:
            total += high - low
    return total


def add_working_time(calendar: Calendar, start: datetime, span: timedelta) -> datetime:
    """The moment at which ``span`` of counted time has passed since ``start``."""
    start = start.astimezone(UTC)
    if calendar.is_always or span <= _ZERO:
        return start + max(span, _ZERO)

    left = span
    day = _local_day(calendar, start)
    for _ in range(_MAX_DAYS):
        window = _day_window(calendar, day)
        day += timedelta(days=1)
        if window is None or window[1] <= start:
            continue
        low = max(window[0], start)
        available = window[1] - low
        if available >= left:
            return low + left
        left -= available
    raise ValueError(f"calendar '{calendar.name}' has no working time within 10 years")


def is_working(calendar: Calendar, moment: datetime) -> bool:
    """Whether the clock runs at ``moment`` on this calendar."""
    if calendar.is_always:
        return True
    window = _day_window(calendar, _local_day(calendar, moment))
    return window is not None and window[0] <= moment < window[1]


def _windows(
    calendar: Calendar, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The UTC working windows of every local day that ``start``-``end`` touches."""
    first = _local_day(calendar, start)
    last = _local_day(calendar, end)
    windows = []
    day = first
    while day <= last:
        window = _day_window(calendar, day)
        if window is not None:
            windows.append(window)
        day += timedelta(days=1)
    return windows


def _local_day(calendar: Calendar, moment: datetime) -> date:
    return moment.astimezone(_zone(calendar.timezone)).date()


@lru_cache(maxsize=65536)
def _day_window(calendar: Calendar, day: date) -> tuple[datetime, datetime] | None:
    """One day's working hours as a UTC interval; None on a day off or holiday."""
    if day.weekday() not in calendar.days or day.isoformat() in calendar.holidays:
        return None
    tz = _zone(calendar.timezone)
    opens = datetime.combine(day, calendar.start, tzinfo=tz).astimezone(UTC)
    closes = datetime.combine(day, calendar.end, tzinfo=tz).astimezone(UTC)
    return (opens, closes) if closes > opens else None


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)
