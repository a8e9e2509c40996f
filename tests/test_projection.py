"""The time-weighted linear trend and the year-end projection of flows."""

import pytest

from indicators.projection import RECENT_POINTS, extrapolate, flow_year_end, weighted_trend


def test_points_on_a_line_give_that_line() -> None:
    line = weighted_trend([(2022.0, 10.0), (2023.0, 12.0), (2024.0, 14.0)])
    assert line is not None
    assert line.slope == pytest.approx(2.0)
    assert line.at(2031.0) == pytest.approx(28.0)


def test_recent_points_weigh_more() -> None:
    # weights 1, 2, 3: weighted means x = 4/3, y = 3/2; slope = 6 / (30/9) = 1,8 (unweighted it would be 1,5)
    line = weighted_trend([(0.0, 0.0), (1.0, 0.0), (2.0, 3.0)])
    assert line is not None
    assert line.slope == pytest.approx(1.8)
    assert line.intercept == pytest.approx(1.5 - 1.8 * 4 / 3)


def test_only_the_last_five_points_count() -> None:
    recent = [(2019.0 + i, 5.0 + 0.5 * i) for i in range(RECENT_POINTS)]
    with_old_outliers = [(2016.0, 100.0), (2017.0, -50.0), (2018.0, 70.0), *recent]
    assert RECENT_POINTS == 5
    assert extrapolate(with_old_outliers, 2031.0) == pytest.approx(extrapolate(recent, 2031.0))
    assert extrapolate(recent, 2031.0) == pytest.approx(5.0 + 0.5 * 12)


def test_no_trend_without_two_distinct_positions() -> None:
    assert weighted_trend([]) is None
    assert weighted_trend([(2023.0, 5.0)]) is None
    assert weighted_trend([(2023.0, 5.0), (2023.0, 6.0)]) is None
    assert extrapolate([(2023.0, 5.0)], 2031.0) is None


def test_flow_year_end_keeps_the_pace_so_far() -> None:
    assert flow_year_end(3900, 0.5) == pytest.approx(7800)
    assert flow_year_end(1000, 0.25) == pytest.approx(4000)
    assert flow_year_end(7600, 1.0) == 7600
    assert flow_year_end(100, 0.0) is None
