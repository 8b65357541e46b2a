"""Reading times typed by people, and writing times and durations for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hypercare.core.when import (
    format_span,
    format_time,
    parse_absolute,
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
        # Units in words and spans in parts, as people write them.
        ("2 hours ago", True, "2026-03-10T13:30:00Z"),
        ("2h30m ago", True, "2026-03-10T13:00:00Z"),
        ("1 day 2 hours ago", True, "2026-03-09T13:30:00Z"),
        ("45 minutes ago", True, "2026-03-10T14:45:00Z"),
        ("1 week ago", True, "2026-03-03T15:30:00Z"),
        ("yesterday 09:00", True, "2026-03-09T08:00:00Z"),
        ("today", True, "2026-03-09T23:00:00Z"),
        # Year first is never re-read as year-day-month, whatever day_first says.
        ("2012/10/09 14:50:17.000", True, "2012-10-09T12:50:17Z"),
        ("2026-03-05", False, "2026-03-04T23:00:00Z"),
        # Two-digit years are 20xx wherever they are written.
        ("5/3/26 14:30", True, "2026-03-05T13:30:00Z"),
        ("5 Mar 26 14:30", True, "2026-03-05T13:30:00Z"),
        # UTC by name and offsets are zones; the local time is then ignored.
        ("5 Mar 2026 14:30 UTC", True, "2026-03-05T14:30:00Z"),
        ("5 Mar 2026 14:30 +03:00", True, "2026-03-05T11:30:00Z"),
        # Either side of the clocks' jumps in Berlin, and with an offset inside.
        ("2026-03-29 01:59", True, "2026-03-29T00:59:00Z"),
        ("2026-03-29 03:00", True, "2026-03-29T01:00:00Z"),
        ("2026-10-25 02:30+02:00", True, "2026-10-25T00:30:00Z"),
        ("2026-10-25 02:30+01:00", True, "2026-10-25T01:30:00Z"),
        # A time of day alone is today's (Tuesday 10 March, CET: UTC+1).
        ("09:40", True, "2026-03-10T08:40:00Z"),
        # Year first stays year-month-day with day-first set, zone named too.
        ("2026-03-05 14:30 UTC", True, "2026-03-05T14:30:00Z"),
        ("2026-03-05T14:30:00 GMT", True, "2026-03-05T14:30:00Z"),
        # A weekday that agrees with the date (5 March 2026 is a Thursday).
        ("Thu 5 Mar 2026 14:30", True, "2026-03-05T13:30:00Z"),
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
        ("1h30m", timedelta(minutes=90)),
        ("2 hours", timedelta(hours=2)),
        ("3 days, 4 hours", timedelta(days=3, hours=4)),
        ("1 min", timedelta(minutes=1)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_bad_duration_names_the_forms() -> None:
    with pytest.raises(InputError) as caught:
        parse_duration("soon")

    assert str(caught.value) == (
        "cannot read the duration 'soon': use numbers with units in s, "
        "m (minutes), h, d or w, like 90m, 1h30m or 2 hours"
    )


def test_a_duration_in_months_says_why_it_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_duration("2 months", name="--unconfirmed-older-than")

    assert str(caught.value) == (
        "--unconfirmed-older-than '2 months': months and years differ in length; "
        "count in s, m (minutes), h, d or w, like 90m, 1h30m or 2 hours"
    )


@pytest.mark.parametrize("text", ["2 months ago", "150y ago", "1 year"])
def test_months_and_years_are_not_spans(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_when(text, now=NOW, tz=BERLIN, day_first=True)

    assert str(caught.value) == (
        f"cannot read the time '{text}': months and years differ in length; "
        "count in s, m (minutes), h, d or w, like 90m, 1h30m or 2 hours, or "
        "give a date like 2026-03-05"
    )


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
        # Half a minute always rounds up, so shown parts add up: 20.5 elapsed
        # against a 15m target is 21m, 5.5 over is 6m (not 20m and 6m).
        (20.5, "21m"),
        (5.5, "6m"),
        (40.5, "41m"),
        (45.5, "46m"),
        (0.49, "0m"),
    ],
)
def test_durations_for_people(minutes: float | None, shown: str) -> None:
    assert format_span(minutes) == shown


_FORMS = (
    "use ISO 8601 (2026-03-05 14:30), a written date (5 Mar 2026 14:30) or a "
    "relative form (now, 2h ago, 72h, yesterday 09:00)"
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # Year 0 and 1 were read as 2000 and 2001.
        (
            "0000-01-01",
            "cannot read the time '0000-01-01': the year 0 is out of range; give a "
            "year from 1900 to 2999",
        ),
        (
            "0001-01-01",
            "cannot read the time '0001-01-01': the year 1 is out of range; give a "
            "year from 1900 to 2999",
        ),
        (
            "5 Mar 0001",
            "cannot read the time '5 Mar 0001': the year 1 is out of range; give a "
            "year from 1900 to 2999",
        ),
        (
            "1/1/026",
            "cannot read the time '1/1/026': write the year with 4 digits (2026) or "
            "2 (26)",
        ),
        # The missing parts were filled in from today.
        (
            "Mar 2026",
            "cannot read the time 'Mar 2026': it names no day; a date needs day, "
            "month and year, like 5 Mar 2026 or 5 Mar 2026 14:30",
        ),
        (
            "2026",
            "cannot read the time '2026': it names no day or month; a date needs "
            "day, month and year, like 5 Mar 2026 or 5 Mar 2026 14:30",
        ),
        (
            "5 March",
            "cannot read the time '5 March': it names no year; a date needs day, "
            "month and year, like 5 Mar 2026 or 5 Mar 2026 14:30",
        ),
        # An abbreviation was dropped, and the time read as local.
        (
            "5 Mar 2026 14:30 EST",
            "cannot read the time '5 Mar 2026 14:30 EST': the time zone 'EST' is "
            "not known; give an offset instead, like -05:00 or Z",
        ),
        (
            "5 Mar 2026 14:30 UTC+3",
            "cannot read the time '5 Mar 2026 14:30 UTC+3': write the offset on its "
            "own, like 14:30+03:00 (UTC+3 is read the POSIX way, as 3 hours behind "
            "UTC)",
        ),
        # Berlin skips 02:00-03:00 on 29 March and passes it twice on 25 October.
        (
            "2026-03-29 02:30",
            "cannot read the time '2026-03-29 02:30': 2026-03-29 02:30 does not "
            "exist in Europe/Berlin (the clocks jump from 02:00 to 03:00); give a "
            "time outside the jump",
        ),
        (
            "29 Mar 2026 2:00",
            "cannot read the time '29 Mar 2026 2:00': 2026-03-29 02:00 does not "
            "exist in Europe/Berlin (the clocks jump from 02:00 to 03:00); give a "
            "time outside the jump",
        ),
        (
            "2026-10-25 02:30",
            "cannot read the time '2026-10-25 02:30': 2026-10-25 02:30 happens twice "
            "in Europe/Berlin (the clocks go back from 03:00 to 02:00); add the "
            "offset: 2026-10-25 02:30+02:00 for the first, 2026-10-25 02:30+01:00 "
            "for the second",
        ),
        # Spans past 100 years, and numbers past what a date can hold.
        (
            "99999999999h ago",
            "cannot read the time '99999999999h ago': it is more than 100 years "
            "(36500d) back; give a date like 2026-03-05",
        ),
        (
            "36501d",
            "cannot read the time '36501d': it is more than 100 years (36500d) "
            "back; give a date like 2026-03-05",
        ),
        (
            "5 Mar 99999999999",
            "cannot read the time '5 Mar 99999999999': a number in it is too "
            f"large; {_FORMS}",
        ),
        # The hint once said '5h ago ago'.
        (
            "-5h ago",
            "cannot read the time '-5h ago' (a sign is not a direction; write "
            f"'5h ago'): {_FORMS}",
        ),
        # A weekday that disagrees with the date: which one was meant?
        (
            "Mon 5 Mar 2026 10:00",
            "cannot read the time 'Mon 5 Mar 2026 10:00': 5 Mar 2026 is a "
            "Thursday, not a Mon; check the date, or leave the weekday out",
        ),
    ],
)
def test_times_that_would_be_guesses_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_when(text, now=NOW, tz=BERLIN, day_first=True)

    assert str(caught.value) == message


def test_a_span_of_100_years_is_still_read() -> None:
    moment = parse_when("36500d ago", now=NOW, tz=BERLIN, day_first=True)

    # 100 calendar years back is 36525 days (25 leap days), so 25 days short.
    assert to_iso(moment) == "1926-04-04T15:30:00Z"


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (
            "99999999999999d",
            None,
            "the duration '99999999999999d' is longer than 100 years (36500d); give "
            "a shorter one",
        ),
        (
            "5300w",
            "--older-than",
            "--older-than '5300w' is longer than 100 years (36500d); give a shorter "
            "one",
        ),
        (
            "soon",
            "--older-than",
            "--older-than 'soon' is not a duration like 15m, 4h or 3d",
        ),
    ],
)
def test_durations_past_100_years_are_refused(
    text: str, name: str | None, message: str
) -> None:
    with pytest.raises(InputError) as caught:
        parse_duration(text, name=name)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-02T10:00:00+25:00",
        "2026-03-02 10:00 -25:00",
        "5 Mar 2026 10:00 +25:00",
        "2026-03-02T10:00:00+15:00",
    ],
)
def test_an_offset_beyond_14_hours_is_refused_in_plain_words(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_when(text, now=NOW, tz=BERLIN, day_first=True)

    assert str(caught.value) == (
        f"cannot read the time '{text}': the offset must be between -14:00 and "
        "+14:00, like +01:00 or Z"
    )


def test_an_offset_of_14_hours_is_read() -> None:
    moment = parse_when("2026-03-02T10:00:00+14:00", now=NOW, tz=BERLIN, day_first=True)

    assert to_iso(moment) == "2026-03-01T20:00:00Z"


def test_an_unreadable_time_offers_the_forms_its_place_accepts() -> None:
    with pytest.raises(InputError) as typed:
        parse_when("soonish", now=NOW, tz=BERLIN, day_first=True)
    with pytest.raises(InputError) as in_file:
        parse_absolute("soonish", tz=BERLIN, day_first=True)

    assert str(typed.value) == (
        "cannot read the time 'soonish': use ISO 8601 (2026-03-05 14:30), a written "
        "date (5 Mar 2026 14:30) or a relative form (now, 2h ago, 72h, yesterday "
        "09:00)"
    )
    # A file's times are absolute: a relative form would be refused there.
    assert str(in_file.value) == (
        "cannot read the time 'soonish': use ISO 8601 (2026-03-05 14:30) or a "
        "written date (5 Mar 2026)"
    )
