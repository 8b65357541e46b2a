"""The import machinery: reading CSVs, reading times, and replaying histories.

Small files are written by each test; expected events are worked out by hand
from the rules in ``core/importers/servicenow.py``'s docstring.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from hypercare.config import DEFAULT_MATRIX
from hypercare.core.importers.servicenow import FORMATS, ServiceNowImporter
from hypercare.core.importing import (
    BadRow,
    History,
    Rows,
    TimeReader,
    UnfitTime,
    fold,
)
from hypercare.errors import ImportRowError

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _write(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("a,b,c\n1,2,3\n", "utf-8"),
        ("a;b;c\n1;2;3\n", "utf-8"),
        ("a\tb\tc\n1\t2\t3\n", "utf-8"),
        ("a;b;c\r\n1;2;3\r\n", "utf-8-sig"),
    ],
)
def test_rows_find_the_delimiter_and_drop_the_bom(
    tmp_path: Path, text: str, encoding: str
) -> None:
    rows = Rows(_write(tmp_path / "f.csv", text, encoding=encoding))
    assert rows.header == ["a", "b", "c"]
    assert list(rows) == [(2, ["1", "2", "3"])]


def test_rows_keep_the_line_a_row_starts_on(tmp_path: Path) -> None:
    text = 'key,text\nA,"one\ntwo\nthree"\n\nB,plain\nC,"x, ""y"""\n'
    rows = Rows(_write(tmp_path / "f.csv", text))
    assert list(rows) == [
        (2, ["A", "one\ntwo\nthree"]),
        (6, ["B", "plain"]),
        (7, ["C", 'x, "y"']),
    ]


def test_rows_keep_back_a_row_wider_than_the_header(tmp_path: Path) -> None:
    rows = Rows(_write(tmp_path / "f.csv", "a,b\n1,2\n3,4,5\n6\n"))
    assert list(rows) == [(2, ["1", "2"]), (4, ["6", ""])]
    assert rows.bad_rows == [
        BadRow(
            3, "the row has 3 fields, the header 2; check the delimiters and quoting"
        )
    ]


def test_rows_refuse_a_quote_that_never_closes(tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", 'a,b\n1,2\n3,"four\n5,6\n7,8\n')
    with pytest.raises(ImportRowError) as refused:
        list(Rows(path))
    assert str(refused.value) == (
        f"{path} line 3: a quoted field starts on this row and is never closed, so "
        "every line after it would be read into it; nothing was imported. Close the "
        'quote or remove the stray "'
    )


def test_rows_read_gzip_and_keep_repeated_columns(tmp_path: Path) -> None:
    path = tmp_path / "f.csv.gz"
    path.write_bytes(gzip.compress(b"Key,Labels,Labels,Other\nK-1,a,b,c\n"))
    rows = Rows(path)
    assert rows.find("key") == 0
    assert rows.find_all("LABELS") == [1, 2]
    assert rows.find("missing") is None
    assert list(rows) == [(2, ["K-1", "a", "b", "c"])]


@pytest.mark.parametrize(
    ("zone", "text", "stored"),
    [
        ("UTC", "29/2/2016 01:16", "2016-02-29T01:16:00Z"),
        ("UTC", "5/3/2016 12:00", "2016-03-05T12:00:00Z"),
        # Amsterdam is UTC+1 in winter and UTC+2 from 27 March 2016.
        ("Europe/Amsterdam", "29/2/2016 01:16", "2016-02-29T00:16:00Z"),
        ("Europe/Amsterdam", "28/3/2016 10:00", "2016-03-28T08:00:00Z"),
        # A form outside the list falls back to the general reader.
        ("UTC", "2016-03-01T10:00:00+01:00", "2016-03-01T09:00:00Z"),
    ],
)
def test_time_reader_reads_day_first_in_the_zone(
    zone: str, text: str, stored: str
) -> None:
    reader = TimeReader(ZoneInfo(zone), FORMATS, day_first=True, now=NOW)
    assert reader.read(text) == stored


@pytest.mark.parametrize("text", ["31/2/2016 05:30", "29/13/2016 01:00", "soon"])
def test_time_reader_refuses_what_it_cannot_read(text: str) -> None:
    reader = TimeReader(ZoneInfo("UTC"), FORMATS, day_first=True, now=NOW)
    with pytest.raises(ValueError, match="cannot read the time"):
        reader.read(text)


def test_time_reader_reads_jira_times() -> None:
    # Read on the day after: a time after the import's now is refused.
    later = datetime(2026, 12, 4, tzinfo=UTC)
    reader = TimeReader(
        ZoneInfo("UTC"), ["%d/%b/%y %I:%M %p"], day_first=True, now=later
    )
    assert reader.read("03/Dec/26 2:05 PM") == "2026-12-03T14:05:00Z"
    assert reader.read("03/Dec/26 12:05 AM") == "2026-12-03T00:05:00Z"
    assert reader.read("03/Dec/26 12:05 PM") == "2026-12-03T12:05:00Z"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "1h ago",
            "'1h ago' is relative; a file's times must be absolute, like 2026-03-05 "
            "14:30, so that importing it again gives the same times",
        ),
        (
            "now",
            "'now' is relative; a file's times must be absolute, like 2026-03-05 "
            "14:30, so that importing it again gives the same times",
        ),
        # NOW is 2 March 2026 09:00 UTC, 10:00 in Amsterdam; five minutes of
        # clock skew are allowed.
        (
            "2/3/2026 10:06",
            "'2/3/2026 10:06' is in the future (2026-03-02 10:06 CET); a file can "
            "only hold times up to now",
        ),
        (
            "2099-11-21",
            "'2099-11-21' is in the future (2099-11-21 00:00 CET); a file can only "
            "hold times up to now",
        ),
        # Read by a fast format; in a zone east of UTC it overflowed (exit 3).
        (
            "01/01/0001 00:30",
            "'01/01/0001 00:30' is in the year 1; give a year from 1900 to 2999",
        ),
    ],
)
def test_time_reader_refuses_relative_and_future_times(text: str, message: str) -> None:
    reader = TimeReader(ZoneInfo("Europe/Amsterdam"), FORMATS, day_first=True, now=NOW)

    with pytest.raises(UnfitTime) as caught:
        reader.read(text)

    assert str(caught.value) == message
    assert reader.read("2/3/2026 10:05") == "2026-03-02T09:05:00Z"


# --- ServiceNow replay --------------------------------------------------------------

HEADER = (
    "number,incident_state,sys_updated_by,sys_updated_at,opened_at,impact,urgency,"
    "priority,contact_type,caller_id,category,assigned_to,reassignment_count,"
    "closed_code,resolved_at,closed_at"
)


def _incident(
    rows: list[tuple[str, str]],
    *,
    resolved: str = "?",
    closed: str = "5/3/2016 12:00",
    number: str = "INC1",
) -> str:
    """CSV lines for one incident: (state, updated at) per row."""
    lines = [
        f"{number},{state},Updated by 1,{at},29/2/2016 01:00,2 - Medium,2 - Medium,"
        f"3 - Moderate,Phone,Caller 1,Category 1,?,0,code 5,{resolved},{closed}"
        for state, at in rows
    ]
    return "\n".join(lines)


def _replay(tmp_path: Path, body: str) -> list[History | BadRow]:
    path = _write(tmp_path / "sn.csv", HEADER + "\n" + body + "\n")
    times = TimeReader(ZoneInfo("UTC"), FORMATS, day_first=True, now=NOW)
    importer = ServiceNowImporter(times, DEFAULT_MATRIX)
    return list(importer.histories(Rows(path)))


def _steps(history: History) -> list[tuple[str, str, Any, Any]]:
    return [(d.kind, d.at[5:16], d.from_status, d.to_status) for d in history.events]


def test_replay_defers_the_last_resolved_run_to_resolved_at(tmp_path: Path) -> None:
    body = _incident(
        [
            ("New", "29/2/2016 01:10"),
            ("Resolved", "29/2/2016 08:53"),
            ("Resolved", "29/2/2016 11:29"),
            ("Closed", "5/3/2016 12:00"),
        ],
        resolved="29/2/2016 11:29",
    )
    (history,) = _replay(tmp_path, body)
    assert isinstance(history, History)
    assert _steps(history) == [
        ("imported", "02-29T01:00", None, "new"),
        ("edited", "02-29T01:10", None, None),
        ("edited", "02-29T08:53", None, None),
        ("status", "02-29T11:29", "new", "resolved"),
        ("status", "03-05T12:00", "resolved", "closed"),
    ]
    row = fold(history.events)
    assert row["acknowledged_at"] == "2016-02-29T08:53:00Z"
    assert (row["resolved_at"], row["closed_at"]) == (
        "2016-02-29T11:29:00Z",
        "2016-03-05T12:00:00Z",
    )
    assert row["resolution_code"] == "code 5"


def test_replay_counts_a_reopen_and_clears_the_resolution(tmp_path: Path) -> None:
    body = _incident(
        [
            ("Active", "29/2/2016 02:00"),
            ("Resolved", "29/2/2016 03:00"),
            ("Awaiting User Info", "29/2/2016 04:00"),
            ("Resolved", "1/3/2016 09:00"),
            ("Closed", "5/3/2016 12:00"),
        ],
        resolved="1/3/2016 09:00",
    )
    (history,) = _replay(tmp_path, body)
    assert isinstance(history, History)
    assert _steps(history)[1:] == [
        ("status", "02-29T02:00", "new", "in_progress"),
        ("status", "02-29T03:00", "in_progress", "resolved"),
        ("status", "02-29T04:00", "resolved", "in_progress"),
        ("status", "02-29T04:00", "in_progress", "on_hold"),
        ("status", "03-01T09:00", "on_hold", "resolved"),
        ("status", "03-05T12:00", "resolved", "closed"),
    ]
    reopen = history.events[3].changes
    assert reopen["reopen_count"] == 1
    assert reopen["resolved_at"] is None
    assert history.events[4].changes["hold_reason"] == "Awaiting User Info"
    assert fold(history.events)["resolved_at"] == "2016-03-01T09:00:00Z"


@pytest.mark.parametrize(
    ("resolved", "steps", "resolved_at"),
    [
        # resolved_at given but no Resolved row: a synthetic resolved event.
        (
            "2/3/2016 10:00",
            [
                ("status", "03-02T10:00", "in_progress", "resolved"),
                ("status", "03-05T12:00", "resolved", "closed"),
            ],
            "2016-03-02T10:00:00Z",
        ),
        # Neither: the closing is the resolution.
        (
            "?",
            [("status", "03-05T12:00", "in_progress", "closed")],
            "2016-03-05T12:00:00Z",
        ),
    ],
)
def test_replay_of_an_incident_closed_without_resolved(
    tmp_path: Path, resolved: str, steps: list[tuple[str, ...]], resolved_at: str
) -> None:
    body = _incident(
        [("Active", "29/2/2016 02:00"), ("Closed", "5/3/2016 12:00")], resolved=resolved
    )
    (history,) = _replay(tmp_path, body)
    assert isinstance(history, History)
    assert _steps(history)[2:] == steps
    assert fold(history.events)["resolved_at"] == resolved_at


def test_replay_moves_an_event_before_opened_at_to_opened_at(tmp_path: Path) -> None:
    body = _incident([("Active", "28/2/2016 23:00"), ("Closed", "5/3/2016 12:00")])
    (history,) = _replay(tmp_path, body)
    assert isinstance(history, History)
    assert history.events[1].at == "2016-02-29T01:00:00Z"


def test_replay_reports_bad_rows_and_scattered_incidents(tmp_path: Path) -> None:
    body = "\n".join(
        [
            _incident([("Active", "29/2/2016 02:00")], number="INC1"),
            _incident([("Sleeping", "29/2/2016 03:00")], number="INC2"),
            _incident([("Active", "29/2/2016 04:00")], number="INC1"),
        ]
    )
    found = _replay(tmp_path, body)
    bad = [item for item in found if isinstance(item, BadRow)]
    assert bad == [
        BadRow(
            3,
            "unknown incident_state 'Sleeping'; known: New, Active, Awaiting "
            "User Info/Problem/Vendor/Evidence, Resolved, Closed",
        ),
        BadRow(4, "the rows of INC1 are not together; sort the export by number"),
    ]


def test_priority_kept_as_recorded_and_difference_counted(tmp_path: Path) -> None:
    body = _incident([("Active", "29/2/2016 02:00")]).replace(
        "3 - Moderate", "1 - Critical"
    )
    path = _write(tmp_path / "sn.csv", HEADER + "\n" + body + "\n")
    times = TimeReader(ZoneInfo("UTC"), FORMATS, day_first=True, now=NOW)
    importer = ServiceNowImporter(times, DEFAULT_MATRIX)
    (history,) = list(importer.histories(Rows(path)))
    assert isinstance(history, History)
    row = fold(history.events)
    assert row["priority"] == "P1"
    assert row["priority_reason"] == (
        "kept as recorded by ServiceNow; the matrix gives P3"
    )
    assert importer.notes() == {"priority_differs_from_matrix": 1}


def test_creation_event_carries_the_whole_first_row(tmp_path: Path) -> None:
    (history,) = _replay(tmp_path, _incident([("New", "29/2/2016 01:00")]))
    assert isinstance(history, History)
    created = history.events[0].changes
    assert json.loads(json.dumps(created)) == {
        "title": "Category 1",
        "status": "new",
        "reported_at": "2016-02-29T01:00:00Z",
        "logged_at": "2016-02-29T01:00:00Z",
        "updated_at": "2016-02-29T01:00:00Z",
        "source": "servicenow",
        "external_ref": "INC1",
        "impact": "medium",
        "urgency": "high",
        "priority": "P3",
        "area": "Category 1",
        "reporter": "Caller 1",
        "channel": "phone",
    }


@pytest.mark.parametrize(
    "count", ["99999999999999999999999", "9223372036854775808", "²"]
)
def test_replay_refuses_a_reassignment_count_sqlite_cannot_hold(
    tmp_path: Path, count: str
) -> None:
    body = _incident([("New", "29/2/2016 01:10")]).replace(",?,0,", f",?,{count},")
    assert _replay(tmp_path, body) == [
        BadRow(
            2,
            f"reassignment_count '{count}' is not a whole number from 0 to "
            "9223372036854775807",
        )
    ]
