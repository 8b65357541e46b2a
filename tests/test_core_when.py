"""Reading times typed by people, and writing times and durations for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hypercare.core.when import (
    format_span,
    format_time,
    parse_duration,
    parse_when,
    to_iso,
)
from hypercare.errors import InputError

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)  # a Tuesday
BERLIN = ZoneInfo("Europe/Berlin")  # UTC+1 in March before the 29th


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("2026-03-05 14:30", True, "2026-03-05T13:30:00Z"),
        ("2026-03-05T14:30:00Z", True, "2026-03-05T14:30:00Z"),
        ("2026-03-05T14:30:00+05:00", True, "2026-03-05T09:30:00Z"),
        ("2026-03-05", True, "2026-03-04T23:00:00Z"),
        ("5/3/2026 14:30", True, "2026-03-05T13:30:00Z"),
        ("5/3/2026 14:30", False, "2026-05-03T12:30:00Z"),  # summer time: UTC+2
        ("29/2/2016 01:16", True, "2016-02-29T00:16:00Z"),
        ("5 Mar 2026 14:30", True, "2026-03-05T13:30:00Z"),
        ("March 5, 2026 2:30 PM", True, "2026-03-05T13:30:00Z"),
        ("now", True, "2026-03-10T15:30:00Z"),
        ("2h ago", True, "2026-03-10T13:30:00Z"),
        ("90m ago", True, "2026-03-10T14:00:00Z"),
        ("72h", True, "2026-03-07T15:30:00Z"),
        ("yesterday 09:00", True, "2026-03-09T08:00:00Z"),
        ("today", True, "2026-03-09T23:00:00Z"),
        # Year first is never re-read as year-day-month, whatever day_first says.
        ("2012/10/09 14:50:17.000", True, "2012-10-09T12:50:17Z"),
        ("2026-03-05", False, "2026-03-04T23:00:00Z"),
    ],
)
def test_accepted_forms(text: str, day_first: bool, expected: str) -> None:
    moment = parse_when(text, now=NOW, tz=BERLIN, day_first=day_first)

    assert to_iso(moment) == expected


@pytest.mark.parametrize(
    ("text", "day_first"),
    [
        ("31/02/2026", True),  # no 31 February, and not re-read as month-first
        ("13/02/2026", False),  # month 13 is not quietly swapped to day 13
        ("next blue moon", True),
        ("", True),
        ("2026-13-01", True),  # month 13: not read as 12 January
        ("2026-31-05 10:01", True),
        ("2026-03-05T14:30:00+25:00", True),  # no such offset
        ("-5h", True),  # a sign is not a direction
    ],
)
def test_unreadable_times_are_refused(text: str, day_first: bool) -> None:
    with pytest.raises(InputError) as caught:
        parse_when(text, now=NOW, tz=BERLIN, day_first=day_first)

    assert "2h ago" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("4h", timedelta(hours=4)),
        ("3d", timedelta(days=3)),
        ("1w", timedelta(weeks=1)),
        ("90s", timedelta(seconds=90)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_bad_duration_names_the_forms() -> None:
    with pytest.raises(InputError, match="for example 15m, 4h, 3d or 1w"):
        parse_duration("soon")


@pytest.mark.parametrize(
    ("stored", "zone_name", "shown"),
    [
        ("2026-03-13T08:00:00Z", "Europe/Berlin", "2026-03-13 09:00 CET"),
        ("2026-03-13T08:00:00Z", "UTC", "2026-03-13 08:00 UTC"),
        # The local day can differ from the UTC one.
        ("2026-03-13T23:30:00Z", "Europe/Berlin", "2026-03-14 00:30 CET"),
        # Berlin moves to summer time at 01:00 UTC on Sunday 29 March 2026.
        ("2026-03-29T00:59:00Z", "Europe/Berlin", "2026-03-29 01:59 CET"),
        ("2026-03-29T01:00:00Z", "Europe/Berlin", "2026-03-29 03:00 CEST"),
        ("2026-03-30T07:00:00Z", "Europe/Berlin", "2026-03-30 09:00 CEST"),
        ("2026-03-13T08:00:45Z", "Europe/Berlin", "2026-03-13 09:00 CET"),
    ],
)
def test_times_for_people_are_local_with_the_zone_name(
    stored: str, zone_name: str, shown: str
) -> None:
    assert format_time(stored, ZoneInfo(zone_name)) == shown


def test_a_datetime_is_shown_like_a_stored_stamp() -> None:
    moment = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)

    assert format_time(moment, BERLIN) == "2026-03-13 09:00 CET"


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (None, "no data"),
        (0, "0m"),
        (42, "42m"),
        (59.6, "1h 00m"),  # rounded to the minute
        (307, "5h 07m"),
        (24 * 60, "1d 0h 00m"),
        (30 * 60 + 1, "1d 6h 01m"),
        (2 * 24 * 60 + 3 * 60 + 4, "2d 3h 04m"),
    ],
)
def test_durations_for_people(minutes: float | None, shown: str) -> None:
    assert format_span(minutes) == shown
