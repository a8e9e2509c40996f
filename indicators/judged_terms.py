"""One value of a series in judged terms (indicators/paths.py), and how it compares with its band.

The judged value is the reported value, or the multiple of the baseline, the compound average growth in %, or the
change on the previous year in the good direction; beside it, its grade against the band, the progress ratio and the
projection to the end of the final target. indicators/judgement.py puts these together into an Evaluation.
"""

from collections.abc import Sequence
from enum import IntEnum

from indicators.model import Direction, PathKind, TargetBasis, WithinYear
from indicators.paths import (
    EXACT,
    NO_BASELINE_DEFINED,
    Band,
    IndicatorPlan,
    JudgedTarget,
    compound_annual_rate,
    compound_average,
    missing_baseline_reason,
    no_target_reason,
    period_facts,
)
from indicators.periods import Frequency, Period
from indicators.projection import extrapolate, flow_year_end, weighted_trend
from indicators.status import Observation

_ROUNDING = 1e-9  # relative slack so that a value equal to E(t) up to float rounding meets it


class Grade(IntEnum):
    meets = 0
    close = 1  # worse than the band, within the tolerance
    far = 2


def known_baseline(plan: IndicatorPlan, series: Sequence[Observation]) -> float | None:
    """The printed baseline value, else the observation for the baseline period (its year end for a year)."""
    if plan.baseline_value is not None or plan.baseline_period is None:
        return plan.baseline_value
    baseline_year = plan.baseline_period.year
    for observation in series:
        if observation.period.year > baseline_year:
            break
        if observation.period in plan.baseline_periods:
            return observation.value
    return None


def _missing_baseline(plan: IndicatorPlan) -> str:
    if plan.baseline_period is None:
        return NO_BASELINE_DEFINED
    return missing_baseline_reason(plan.baseline_period)


def judged_actual(
    plan: IndicatorPlan, series: Sequence[Observation], index: int, baseline_value: float | None
) -> float | str:
    """The judged value in judged terms, or the reason it cannot be computed."""
    observation = series[index]
    value = observation.value
    match plan.basis:
        case TargetBasis.value:
            per_period = plan.within_year is WithinYear.per_period and plan.shape is PathKind.flow
            if per_period and observation.period.frequency is not Frequency.year:
                return _year_to_date(series, index)
            return value
        case TargetBasis.multiple_of_baseline:
            if baseline_value is None:
                return _missing_baseline(plan)
            if baseline_value == 0:
                return "giá trị gốc bằng 0, không tính được số lần (baseline value is zero)"
            return value / baseline_value
        case TargetBasis.change_per_period:
            previous_period = Period(
                observation.period.year - 1, observation.period.frequency, observation.period.index
            )
            if plan.counts_as_year(observation.period):  # a year's figure: last year's, in any year-end form
                previous = _year_value(plan, series, index, previous_period.year)
            else:
                previous = _value_for(series, index, previous_period)
            if previous is None and previous_period in plan.baseline_periods:
                previous = baseline_value
            if previous is None:
                return (
                    f"chưa có giá trị kỳ trước {previous_period} (no value for the previous period {previous_period})"
                )
            change = value - previous
            return change if plan.direction is Direction.higher else -change
        case TargetBasis.average_growth:
            if plan.growth_rate:
                rule = plan.years.get(observation.period.year) or no_target_reason(observation.period.year)
                if isinstance(rule, str):
                    return rule
                rates = _yearly_rates(plan, series, index, rule.span_first_year)
                return rates if isinstance(rates, str) else compound_average(rates)
            if baseline_value is None or plan.baseline_period is None:
                return _missing_baseline(plan)
            years = period_facts(observation.period).position - period_facts(plan.baseline_period).position
            rate = compound_annual_rate(baseline_value, value, years)
            if rate is None:
                return "không tính được tăng trưởng bình quân (average growth needs positive values after the baseline)"
            return rate


def _value_for(series: Sequence[Observation], before: int, period: Period) -> float | None:
    """The value of `period` among series[:before] (searched from the newest)."""
    position = period_facts(period).position
    for index in range(before - 1, -1, -1):
        observation = series[index]
        if observation.period == period:
            return observation.value
        if period_facts(observation.period).position < position:
            return None
    return None


def _year_to_date(series: Sequence[Observation], index: int) -> float | str:
    """A per-period flow's total from January to series[index]'s end: the sum of the year's periods so far."""
    current = series[index].period
    total = 0.0
    for part in range(1, current.index + 1):
        period = Period(current.year, current.frequency, part)
        value = series[index].value if part == current.index else _value_for(series, index, period)
        if value is None:
            return f"thiếu giá trị kỳ {period} để cộng dồn từ đầu năm (missing {period} for the year to date)"
        total += value
    return total


def _year_value(plan: IndicatorPlan, series: Sequence[Observation], before: int, year: int) -> float | None:
    """The full-year value of `year` among series[:before]: the year's own figure, or its year-end quarter, month
    or half when those stand for the year (2021 and 2021-Q4 alike). The year's figure sorts after its Q4 and wins."""
    for index in range(before - 1, -1, -1):
        period = series[index].period
        if period.year < year:
            return None
        if period.year == year and plan.counts_as_year(period):
            return series[index].value
    return None


def _yearly_rates(plan: IndicatorPlan, series: Sequence[Observation], index: int, first_year: int) -> list[float] | str:
    """The year-end rates of first_year .. the judged year - 1, then the judged value (this year's rate so far)."""
    current = series[index]
    rates = []
    for year in range(first_year, current.period.year):
        rate = _year_value(plan, series, index, year)
        if rate is None:
            return f"thiếu giá trị năm {year} để tính tăng trưởng bình quân (missing the {year} value for the average)"
        rates.append(rate)
    rates.append(current.value)
    return rates


def grade_value(
    actual: float, target: JudgedTarget, low: float, high: float, expected: float, tolerance: float, *, strict: bool
) -> Grade:
    """How `actual` compares with the band [low, high] at its period; `strict` applies the target's "trên"."""
    slack = _ROUNDING * max(1.0, abs(expected))
    if target.sense == EXACT:
        return Grade.meets if abs(actual - expected) <= tolerance * abs(expected) + slack else Grade.far
    if target.two_sided:
        outside = max(low - actual, actual - high)  # positive: that far beyond the nearer end
        if outside <= slack:
            return Grade.meets
        nearer = low if actual < low else high
        return Grade.close if outside <= tolerance * abs(nearer) + slack else Grade.far
    gap = (actual - expected) * target.sense  # positive: better than expected
    if gap > slack or (gap >= -slack and not (strict and target.strict)):
        return Grade.meets
    if gap >= -tolerance * abs(expected) - slack:
        return Grade.close
    return Grade.far


def progress_ratio(plan: IndicatorPlan, actual: float, band: Band, baseline_value: float | None) -> float | None:
    """Observed change since the baseline / required change to date (UN SDG Progress Chart); flows: actual / E."""
    if plan.shape is PathKind.flow:
        return actual / band.expected if band.expected != 0 else None
    if plan.shape not in (PathKind.linear, PathKind.compound, PathKind.milestones):
        return None
    if plan.basis is TargetBasis.multiple_of_baseline:
        start: float | None = 1.0
    elif plan.basis is TargetBasis.value:
        start = baseline_value
    else:
        return None
    if start is None or band.expected == start:
        return None
    return (actual - start) / (band.expected - start)


def projection_and_target(
    plan: IndicatorPlan,
    series: Sequence[Observation],
    index: int,
    actual: float,
    band: Band,
    baseline_value: float | None,
) -> tuple[float | None, JudgedTarget | None]:
    """The value expected at the end of the final target (in judged terms) and the target it is compared with."""
    observation = series[index]
    period = observation.period
    if band.decisive and period.year == plan.final_year:
        return actual, plan.final
    if plan.shape is PathKind.flow and plan.basis is TargetBasis.value:
        # A flow target is a yearly amount: project this year's total against this year's target.
        return flow_year_end(actual, plan.year_share(period)), band.target

    target = plan.final
    points = [(period_facts(o.period).position, o.value) for o in series[max(0, index - 4) : index + 1]]
    match plan.basis:
        case TargetBasis.value:
            if plan.growth_rate and plan.shape is PathKind.constant:
                return observation.value, target
            return extrapolate(points, plan.target_position), target
        case TargetBasis.multiple_of_baseline:
            level = extrapolate(points, plan.target_position)
            if level is None or not baseline_value:
                return None, target
            return level / baseline_value, target
        case TargetBasis.change_per_period:
            line = weighted_trend(points)
            if line is None:
                return None, target
            return (line.slope if plan.direction is Direction.higher else -line.slope), target
        case TargetBasis.average_growth:
            if plan.growth_rate:
                return _projected_average(plan, series, index), target
            level = extrapolate(points, plan.target_position)
            if level is None or baseline_value is None or plan.baseline_period is None:
                return None, target
            years = plan.target_position - period_facts(plan.baseline_period).position
            return compound_annual_rate(baseline_value, level, years), target


def _projected_average(plan: IndicatorPlan, series: Sequence[Observation], index: int) -> float | None:
    """The final span's compound average if the years not yet reported grow at the latest rate."""
    current = series[index]
    year = current.period.year
    if year < plan.final_first_year:
        return current.value
    rates = _yearly_rates(plan, series, index, plan.final_first_year)
    if isinstance(rates, str):
        return None
    return compound_average(rates + [current.value] * (plan.final_year - year))
