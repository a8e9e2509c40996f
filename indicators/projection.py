"""Where an indicator is heading: a time-weighted linear trend of its recent values (ESCAP-style).

The line is a weighted least-squares fit with weights 1, 2, ..., n from the oldest to the newest of the last
RECENT_POINTS values, so recent years count most. x is the end of each period in fractional years
(Period.position), so the slope is a change per year.
"""

from collections.abc import Sequence
from dataclasses import dataclass

RECENT_POINTS = 5


@dataclass(frozen=True, slots=True)
class TrendLine:
    slope: float  # change per year
    intercept: float

    def at(self, position: float) -> float:
        return self.intercept + self.slope * position


def weighted_trend(points: Sequence[tuple[float, float]]) -> TrendLine | None:
    """The time-weighted least-squares line through (position, value) points sorted by position.

    Only the last RECENT_POINTS points are used; None with fewer than two distinct positions.
    """
    recent = points[-RECENT_POINTS:]
    if len(recent) < 2:
        return None
    weight_sum = len(recent) * (len(recent) + 1) / 2
    mean_x = sum(weight * x for weight, (x, _) in enumerate(recent, start=1)) / weight_sum
    mean_y = sum(weight * y for weight, (_, y) in enumerate(recent, start=1)) / weight_sum
    spread = 0.0
    covariance = 0.0
    for weight, (x, y) in enumerate(recent, start=1):
        spread += weight * (x - mean_x) ** 2
        covariance += weight * (x - mean_x) * (y - mean_y)
    if spread == 0:
        return None
    slope = covariance / spread
    return TrendLine(slope, mean_y - slope * mean_x)


def extrapolate(points: Sequence[tuple[float, float]], position: float) -> float | None:
    """The trend's value at `position`; None when there is no trend (fewer than two points)."""
    line = weighted_trend(points)
    return None if line is None else line.at(position)


def flow_year_end(year_to_date: float, year_share: float) -> float | None:
    """The whole year's total if the rest of the year keeps the pace so far: year-to-date / share elapsed."""
    if year_share <= 0:
        return None
    return year_to_date / year_share
