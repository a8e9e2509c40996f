"""The chart of an off-track or missed indicator: actuals (one line per period kind, at each period's end) against the
target path and its band, and the projection. matplotlib's object API (no pyplot: no global state, thread-safe)."""

import io
from collections.abc import Iterable
from datetime import date

from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from api.report.model import IndicatorPage
from api.report.words import number

FONT = "Liberation Serif"
WIDTH_CM, HEIGHT_CM = 16.0, 8.0
DPI = 130
MAX_TICKS = 10
EPOCH = date(1970, 1, 1).toordinal()
ACTUAL_COLOURS = ("#1f4e9c", "#6a8fd0", "#9bb5e3", "#334155")


def chart_png(page: IndicatorPage) -> bytes:
    figure = Figure(figsize=(WIDTH_CM / 2.54, HEIGHT_CM / 2.54), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if page.path:
        days = _x(point[0] for point in page.path)
        expected = [_nan(point[1]) for point in page.path]
        lows = [_nan(point[2]) for point in page.path]
        highs = [_nan(point[3]) for point in page.path]
        if page.steps:
            # Each period has a target of its own: marks, not a line from one year's target to the next.
            spread = [
                [e - lo for e, lo in zip(expected, lows, strict=True)],
                [hi - e for e, hi in zip(expected, highs, strict=True)],
            ]
            axes.errorbar(days, expected, yerr=spread, fmt="s", color="#2e7d32", capsize=4, label="Kế hoạch")
        else:
            axes.fill_between(days, lows, highs, color="#2e7d32", alpha=0.15, label="Khoảng kế hoạch")
            axes.plot(days, expected, color="#2e7d32", linewidth=1.5, label="Đường chỉ tiêu")
    for colour, line in zip(ACTUAL_COLOURS, page.actuals, strict=False):
        days = _x(point[0] for point in line.points)
        values = [point[1] for point in line.points]
        axes.plot(days, values, color=colour, marker="o", linewidth=2, label=line.label)
    if page.projection is not None:
        (start_day, start), (end_day, end) = page.projection
        axes.plot(_x([start_day, end_day]), [start, end], color="#e65100", linestyle="--", marker="x", label="Dự báo")
    axes.set_title(_title(page), fontsize=11, fontfamily=FONT)
    axes.set_ylabel(page.row.unit, fontsize=10, fontfamily=FONT)
    ticks = page.ticks if len(page.ticks) <= MAX_TICKS else page.ticks[:: -(-len(page.ticks) // MAX_TICKS)]
    axes.set_xticks(_x(tick[0] for tick in ticks), [tick[1] for tick in ticks])
    axes.margins(x=0.08, y=0.15)
    axes.yaxis.set_major_formatter(ticker.FuncFormatter(lambda value, _: number(value)))
    axes.grid(True, color="#dddddd", linewidth=0.6)
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontfamily(FONT)
        label.set_fontsize(9)
    axes.legend(loc="best", fontsize=8, prop={"family": FONT, "size": 8}, frameon=False)
    figure.subplots_adjust(left=0.1, right=0.98, top=0.9, bottom=0.12)  # fixed: tight_layout draws twice
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _title(page: IndicatorPage) -> str:
    number_text = f"({page.row.number}) " if page.row.number else ""
    name = page.row.name if len(page.row.name) <= 70 else page.row.name[:67] + "..."
    return f"{number_text}{name} — {page.region_name}"


def _x(days: Iterable[date]) -> list[float]:
    """Dates as matplotlib's day numbers (days since its epoch, 1970-01-01)."""
    return [float(day.toordinal() - EPOCH) for day in days]


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value
