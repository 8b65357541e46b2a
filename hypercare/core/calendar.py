"""Working time on an SLA calendar: how much counted time lies between two moments.

A ``24x7`` calendar counts all real time. A working-hours calendar counts only
its working days (minus holidays) between ``start`` and ``end`` of each day,
read in the calendar's own time zone. Each day's window is turned into UTC
before anything is subtracted, so a window or a span across a daylight-saving
change counts real elapsed time, never wall-clock differences.

Inputs and outputs are aware datetimes; results are UTC.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from hypercare.config import Calendar

# A clock that never reaches its target on a calendar without working days
# would loop for ever; no real calendar has a gap this long.
_MAX_DAYS = 3660
_ZERO = timedelta(0)


def working_time(calendar: Calendar, start: datetime, end: datetime) -> timedelta:
    """Counted time between ``start`` and ``end`` (zero when end <= start)."""
    seconds = working_seconds(calendar, start.timestamp(), end.timestamp())
    return timedelta(seconds=seconds)


def add_working_time(calendar: Calendar, start: datetime, span: timedelta) -> datetime:
    """The moment at which ``span`` of counted time has passed since ``start``."""
    stamp = add_working_seconds(calendar, start.timestamp(), span.total_seconds())
    return datetime.fromtimestamp(stamp, tz=UTC)


def working_seconds(calendar: Calendar, start: float, end: float) -> float:
    """``working_time`` on POSIX timestamps, for callers that sum many intervals."""
    if end <= start:
        return 0.0
    if calendar.is_always:
        return end - start
    index = _index(calendar, start)
    return index.counted(end) - index.counted(start)


def add_working_seconds(calendar: Calendar, start: float, seconds: float) -> float:
    """``add_working_time`` on POSIX timestamps."""
    if calendar.is_always or seconds <= 0:
        return start + max(seconds, 0.0)
    index = _index(calendar, start)
    return index.moment(index.counted(start) + seconds)


def is_working(calendar: Calendar, moment: datetime) -> bool:
    """Whether the clock runs at ``moment`` on this calendar."""
    if calendar.is_always:
        return True
    window = _day_window(
        calendar, moment.astimezone(ZoneInfo(calendar.timezone)).date()
    )
    return window is not None and window[0] <= moment < window[1]


class _Index:
    """Working seconds counted from a base day, per local day of one calendar.

    ``counted(t)`` is the working time from the base day's local midnight to
    ``t``, so the working time between two moments is one subtraction however
    many days lie between them. Each day is kept as UTC timestamps (its local
    midnight, opening and closing), so finding a moment's day is a bisection
    rather than a time-zone conversion. Days are added on demand, in blocks.
    """

    def __init__(self, calendar: Calendar, first: date) -> None:
        self.calendar = calendar
        self.tz = ZoneInfo(calendar.timezone)
        self.first = first
        self.starts: list[float] = []  # each day's local midnight
        self.opens: list[float] = []
        self.closes: list[float] = []
        self.before: list[float] = [0.0]  # working seconds before each day
        self._extend(_BLOCK)

    def _extend(self, days: int) -> None:
        for _ in range(days + 1):
            day = self.first + timedelta(days=len(self.starts))
            midnight = datetime.combine(day, time(0), tzinfo=self.tz)
            self.starts.append(midnight.timestamp())
            window = _day_window(self.calendar, day)
            opens, closes = (
                (window[0].timestamp(), window[1].timestamp()) if window else (0.0, 0.0)
            )
            self.opens.append(opens)
            self.closes.append(closes)
            self.before.append(self.before[-1] + closes - opens)
        # The last day only marks where the one before it ends.
        for column in (self.opens, self.closes):
            column.pop()
        self.before.pop()
        self.starts_end = self.starts.pop()

    def counted(self, stamp: float) -> float:
        while stamp >= self.starts_end:
            self._extend(_BLOCK)
        day = bisect_right(self.starts, stamp) - 1
        opens, closes = self.opens[day], self.closes[day]
        return self.before[day] + min(max(stamp - opens, 0.0), closes - opens)

    def moment(self, counted: float) -> float:
        while self.before[-1] < counted:
            if len(self.opens) > _MAX_DAYS:
                name = self.calendar.name
                raise ValueError(f"calendar '{name}' has no working time in 10 years")
            self._extend(_BLOCK)
        # The first day whose end reaches `counted` (an exact fill ends at closing).
        day = bisect_left(self.before, counted) - 1
        return self.opens[day] + counted - self.before[day]


_BLOCK = 366
# Indexes by calendar identity; each keeps its calendar, so while it is cached
# its id cannot be reused by another calendar.
_INDEXES: dict[int, _Index] = {}


def _index(calendar: Calendar, earliest: float) -> _Index:
    """The calendar's index, starting on or before ``earliest``."""
    index = _INDEXES.get(id(calendar))
    if index is None or index.calendar is not calendar or earliest < index.starts[0]:
        local = datetime.fromtimestamp(earliest, tz=ZoneInfo(calendar.timezone)).date()
        index = _Index(calendar, local - timedelta(days=_BLOCK))
        _INDEXES[id(calendar)] = index
    return index


@lru_cache(maxsize=4096)
def _day_window(calendar: Calendar, day: date) -> tuple[datetime, datetime] | None:
    """One day's working hours as a UTC interval; None on a day off or holiday."""
    if day.weekday() not in calendar.days or day.isoformat() in calendar.holidays:
        return None
    tz = ZoneInfo(calendar.timezone)
    opens = datetime.combine(day, calendar.start, tzinfo=tz).astimezone(UTC)
    closes = datetime.combine(day, calendar.end, tzinfo=tz).astimezone(UTC)
    return (opens, closes) if closes > opens else None
