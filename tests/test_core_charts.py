"""Charts: plain text for the terminal, PNG data URIs for HTML."""

from __future__ import annotations

import base64

import pytest

from hypercare.core.charts import (
    Chart,
    Series,
    _tick_positions,
    png_data_uri,
    text_chart,
)

DAYS = tuple(f"03-{day:02d}" for day in range(2, 16))
P1P2 = Chart(
    "P1/P2 issues per day",
    DAYS,
    (
        Series("opened", (1, 2, 0, 1, 3, 0, 0, 1, 2, 1, 0, 0, 1, 2)),
        Series("open at day end", (1, 3, 2, 2, 4, 3, 3, 2, 3, 2, 1, 1, 1, 2)),
    ),
)
MTTR = Chart(
    "MTTR per week",
    ("W1", "W2", "W3"),
    (Series("mean", (5.0, None, 7.5)),),
    unit="hours",
    kind="bar",
)
EMPTY = Chart("Open issues at day end", ("03-02",), (Series("open", (None,)),))


def test_text_chart_is_plain_and_compact() -> None:
    text = text_chart(P1P2, width=60, height=10)
    lines = text.splitlines()
    assert "P1/P2 issues per day" in lines[0]
    assert "\x1b" not in text  # no colour codes: safe to pipe or paste
    assert len(lines) == 10
    assert max(len(line) for line in lines) <= 60
    # The first and last days label the x axis; the legend names both series.
    assert "03-02" in lines[-1] and "03-15" in lines[-1]
    assert "opened" in text and "open at day end" in text


def test_the_key_sits_in_the_title_line_not_over_the_plot() -> None:
    lines = text_chart(P1P2, width=60, height=10).splitlines()

    assert lines[0].strip() == "P1/P2 issues per day:  ● opened  ◆ open at day end"
    assert not any("opened" in line for line in lines[1:])


def test_large_counts_read_as_whole_numbers_from_zero() -> None:
    backlog = Chart("Open issues", ("a", "b", "c"), (Series("open", (0, 700, 1400)),))

    lines = text_chart(backlog).splitlines()

    # Steps of 500 (the round step at or above 1400 / 4): 0, 500, 1,000.
    axis = [line.split("┤")[0].strip() for line in lines if "┤" in line]
    assert axis == ["1,000", "500", "0"]


def test_text_bar_chart_shows_the_unit_and_skips_gaps() -> None:
    text = text_chart(MTTR, width=50, height=8)
    assert "MTTR per week (hours)" in text
    # W2 has no data: a gap, not a zero bar with a label.
    assert "W1" in text and "W3" in text and "W2" not in text


def test_a_chart_without_data_says_so() -> None:
    assert text_chart(EMPTY) == "Open issues at day end: no data yet."
    assert not EMPTY.has_data


def test_png_data_uri_is_a_png_and_reproducible() -> None:
    uri = png_data_uri(P1P2)
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    image = base64.b64decode(uri[len(prefix) :])
    assert image[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_data_uri(P1P2) == uri  # no timestamp in the file
    assert png_data_uri(MTTR).startswith(prefix)  # a gap in a bar chart is fine


@pytest.mark.parametrize(
    ("count", "positions"),
    [
        (1, [0]),
        (5, [0, 1, 2, 3, 4]),
        (7, [0, 1, 2, 3, 4, 5, 6]),
        (13, [0, 2, 4, 6, 8, 10, 12]),
        (28, [0, 4, 9, 14, 18, 22, 27]),
    ],
)
def test_tick_positions_spread_evenly(count: int, positions: list[int]) -> None:
    assert _tick_positions(count) == positions


def test_as_dict_keeps_gaps_as_null() -> None:
    assert MTTR.as_dict() == {
        "title": "MTTR per week",
        "unit": "hours",
        "labels": ["W1", "W2", "W3"],
        "series": {"mean": [5.0, None, 7.5]},
    }
