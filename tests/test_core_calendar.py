"""Working time on SLA calendars: business hours, holidays, time zones, DST.

Expected values are worked out by hand from a wall calendar: 2026-03-02 is
a Monday; Europe/Berlin moves from CET (UTC+1) to CEST (UTC+2) at 02:00 on
Sunday 2026-03-29, and back at 03:00 on Sunday 2026-10-25.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hypercare.config import Calendar
from hypercare.core.calendar import add_working_time, is_working, working_time

BERLIN = ZoneInfo("Europe/Berlin")
BUSINESS = Calendar(name="business", is_always=False, timezone="Europe/Berlin")
ALWAYS = Calendar(name="24x7", is_always=True, timezone="Europe/Berlin")
HOLIDAY_MONDAY = Calendar(
    name="business", is_always=False, timezone="Europe/Berlin", holidays=("2026-03-09",)
)
# Every day 01:00-05:00, so the spring-forward hour falls inside the window.
NIGHT_SHIFT = Calendar(
    name="night",
    is_always=False,
    timezone="Europe/Berlin",
    days=(0, 1, 2, 3, 4, 5, 6),
    start=time(1, 0),
    end=time(5, 0),
)


def berlin(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("calendar", "start", "end", "hours"),
    [
        # Inside one working day.
        (BUSINESS, berlin(2, 10), berlin(2, 12, 30), 2.5),
        # Before opening and after closing count nothing.
        (BUSINESS, berlin(2, 7), berlin(2, 9, 30), 0.5),
        (BUSINESS, berlin(2, 16), berlin(2, 20), 1),
        # Friday 16:00 to Monday 10:00: one hour each side of the weekend.
        (BUSINESS, berlin(6, 16), berlin(9, 10), 2),
        # A whole week, Monday 09:00 to next Monday 09:00: five 8-hour days.
        (BUSINESS, berlin(2, 9), berlin(9, 9), 40),
        # The same with Monday 9 March a holiday.
        (HOLIDAY_MONDAY, berlin(6, 16), berlin(10, 10), 2),
        # Business hours on the day after the clocks change are still 8 real hours.
        (BUSINESS, berlin(30, 0), berlin(31, 0), 8),
        # The night shift loses the skipped hour: 01:00 CET to 05:00 CEST is 3h.
        (NIGHT_SHIFT, berlin(29, 0), berlin(29, 6), 3),
        # ...and gains one in autumn: 01:00 CEST to 05:00 CET is 5h.
        (NIGHT_SHIFT, berlin(25, 0, month=10), berlin(25, 6, month=10), 5),
        # 24x7 across the spring change: 22:00 to 06:00 local is 7 real hours.
        (ALWAYS, berlin(28, 22), berlin(29, 6), 7),
        # An end before the start counts nothing.
        (BUSINESS, berlin(3, 12), berlin(3, 10), 0),
        (ALWAYS, berlin(3, 12), berlin(3, 10), 0),
    ],
)
def test_working_time(
    calendar: Calendar, start: datetime, end: datetime, hours: float
) -> None:
    assert working_time(calendar, start, end) == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("calendar", "start", "span_hours", "due"),
    [
        # Friday 16:00 with 4 business hours: 1h Friday, 3h Monday -> Monday 12:00.
        (BUSINESS, berlin(6, 16), 4, berlin(9, 12)),
        # Reported on Saturday: the clock starts Monday 09:00.
        (BUSINESS, berlin(7, 11), 2, berlin(9, 11)),
        # Exactly filling a day ends at closing time, not the next morning.
        (BUSINESS, berlin(2, 9), 8, berlin(2, 17)),
        # Three business days from Wednesday 10:00 -> Monday 10:00.
        (BUSINESS, berlin(4, 10), 24, berlin(9, 10)),
        # A holiday Monday pushes Friday 16:00 + 4h to Tuesday 12:00.
        (HOLIDAY_MONDAY, berlin(6, 16), 4, berlin(10, 12)),
        # 24x7 across the spring change: 22:00 + 8h is 07:00 local.
        (ALWAYS, berlin(28, 22), 8, berlin(29, 7)),
    ],
)
def test_add_working_time(
    calendar: Calendar, start: datetime, span_hours: float, due: datetime
) -> None:
    assert add_working_time(calendar, start, timedelta(hours=span_hours)) == due


def test_results_are_utc_and_inverse() -> None:
    start = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)  # Friday 16:00 in Berlin
    due = add_working_time(BUSINESS, start, timedelta(hours=4))
    assert due.utcoffset() == timedelta(0)
    assert due == datetime(2026, 3, 9, 11, 0, tzinfo=UTC)
    assert working_time(BUSINESS, start, due) == timedelta(hours=4)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [(berlin(2, 9), True), (berlin(2, 17), False), (berlin(7, 12), False)],
)
def test_is_working(moment: datetime, expected: bool) -> None:
    assert is_working(BUSINESS, moment) is expected
