"""Charts of trends: a compact text chart for the terminal, a PNG for HTML.

A ``Chart`` is data only (a title, one label per point, one or more series);
``text_chart`` draws it with plotext and ``png_data_uri`` with matplotlib,
so any report (stand-up, briefing, hand-over pack) can show the same chart in
both places. Both libraries are imported inside the functions: a command that
draws no chart does not pay for them. matplotlib draws through its Agg
canvas on a bare ``Figure`` (no pyplot, no global state, no display).

A missing value (``None``) is a gap, never a zero: a week with no resolved
issue has no MTTR.
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass

# Markers and colours per series, in order: distinct without colour too.
_MARKERS = ("●", "◆", "▲", "■")
_COLOURS = ("#c0392b", "#e67e22", "#2c7fb8", "#7f8c8d")


@dataclass(frozen=True)
class Series:
    label: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """One chart: ``labels[i]`` names point ``i`` of every series."""

    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]
    unit: str = ""
    kind: str = "line"  # line or bar

    @property
    def has_data(self) -> bool:
        return any(v is not None for s in self.series for v in s.values)

    def as_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "unit": self.unit,
            "labels": list(self.labels),
            "series": {s.label: list(s.values) for s in self.series},
        }


def text_chart(chart: Chart, *, width: int = 72, height: int = 10) -> str:
    """The chart as plain text (no colour codes), ``width`` x ``height`` cells."""
    if not chart.has_data:
        return f"{chart.title}: no data yet."
    import plotext

    figure = plotext.figure
    figure.clear()
    figure.plot_size(width, height)
    figure.theme("colorless")
    figure.title(_title(chart) + _legend(chart))
    values = [v for s in chart.series for v in s.values if v is not None]
    # Counts and durations start at 0; an all-zero series still gets an axis.
    top = max(1.0, max(values))
    figure.ruler("y").lim(0, top)
    levels = _y_ticks(top)
    # plotext writes 1400 as 1.4e3; people read 1,400.
    labels = [f"{t:,.0f}" if t >= 1 else f"{t:g}" for t in levels]
    figure.ruler("y").ticks(levels, labels)
    for index, series in enumerate(chart.series):
        points = [(x, v) for x, v in enumerate(series.values) if v is not None]
        if not points:
            continue
        xs, ys = [x for x, _ in points], [v for _, v in points]
        if chart.kind == "bar" and len(chart.series) == 1:
            signal = figure.bar([chart.labels[x] for x in xs], ys)
        else:
            marker = _MARKERS[index % len(_MARKERS)]
            signal = figure.signal(xs, ys, marker=marker).lines()
        figure.draw(signal)
    if chart.kind != "bar" or len(chart.series) > 1:
        ticks = _tick_positions(len(chart.labels))
        figure.ruler("x").ticks(ticks, [chart.labels[i] for i in ticks])
    text = str(plotext.uncolorize(figure.build()))
    figure.clear()
    return "\n".join(line.rstrip() for line in text.splitlines())


def png_data_uri(chart: Chart, *, width: float = 7.0, height: float = 2.6) -> str:
    """The chart as a PNG image in a ``data:`` URI, for a self-contained page."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=96, layout="constrained")
    axes = figure.subplots()
    xs = list(range(len(chart.labels)))
    count = len(chart.series)
    for index, series in enumerate(chart.series):
        values = [math.nan if v is None else v for v in series.values]
        colour = _COLOURS[index % len(_COLOURS)]
        if chart.kind == "bar":
            step = 0.8 / count
            shifted = [x - 0.4 + step * (index + 0.5) for x in xs]
            axes.bar(shifted, values, width=step, color=colour, label=series.label)
        else:
            axes.plot(
                xs, values, marker="o", markersize=3, color=colour, label=series.label
            )
    ticks = _tick_positions(len(chart.labels))
    axes.set_xticks(ticks, [chart.labels[i] for i in ticks], fontsize=8)
    axes.tick_params(axis="y", labelsize=8)
    axes.set_title(_title(chart), fontsize=10, loc="left")
    axes.set_ylim(bottom=0)
    values = [v for s in chart.series for v in s.values if v is not None]
    if all(float(v).is_integer() for v in values):
        # Counts: no 2.5 issues on the axis.
        from matplotlib.ticker import MaxNLocator

        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    if count > 1:
        axes.legend(fontsize=8, frameon=False)

    buffer = io.BytesIO()
    # No timestamp or version in the file: the same data gives the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(
        "ascii"
    )


def _legend(chart: Chart) -> str:
    """The key in the title line: plotext's own legend box covers the plot."""
    if len(chart.series) < 2:
        return ""
    keys = (
        f"{_MARKERS[i % len(_MARKERS)]} {s.label}" for i, s in enumerate(chart.series)
    )
    return ":  " + "  ".join(keys)


def _title(chart: Chart) -> str:
    return f"{chart.title} ({chart.unit})" if chart.unit else chart.title


def _y_ticks(top: float, most: int = 4) -> list[float]:
    """0 and round steps (1, 2 or 5 times a power of ten) up to ``top``."""
    raw = top / most
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(int(top // step) + 1)]


def _tick_positions(count: int, most: int = 7) -> list[int]:
    """Up to ``most`` evenly spread positions, always the first and the last."""
    if count <= most:
        return list(range(count))
    step = (count - 1) / (most - 1)
    return sorted({round(i * step) for i in range(most)})
