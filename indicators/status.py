"""Is an indicator on track? The status of one indicator-region series as of a date (docs/status.md).

The caller gives the latest revision of each period's value as known on `as_of`; `evaluate` judges the latest value
in the target years against the band of its target path (indicators/paths.py), and adds whether a report is
overdue, the progress ratio and a projection to the end of the final target. `evaluate_board` does the same for
many series, compiling each indicator once.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from functools import cache
from typing import NamedTuple

from indicators.model import Direction, Indicator, PathKind, TargetBasis, WithinYear
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
    plan_for,
)
from indicators.periods import Frequency, Period, Span
from indicators.projection import extrapolate, flow_year_end, weighted_trend

DEFAULT_GRACE_DAYS = 30
_ROUNDING = 1e-9  # relative slack so that a value equal to E(t) up to float rounding meets it

NO_DATA = "chưa có số liệu (no data)"


class Observation(NamedTuple):
    """The latest revision of one period's value (a tuple: boards build hundreds of thousands of them)."""

    period: Period
    value: float
    recorded_at: datetime  # when that revision was stored (aware, UTC)
    revisions: int = 1  # how many revisions this period has had


class Status(StrEnum):
    achieved = "achieved"
    missed = "missed"
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    no_data = "no_data"
    not_computable = "not_computable"

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]

    @property
    def severity(self) -> int:
        """Higher needs attention sooner: sort a board by -severity to put problems first."""
        return _SEVERITY[self]


_LABELS_VI = {
    Status.achieved: "đạt",
    Status.missed: "không đạt",
    Status.on_track: "đúng tiến độ",
    Status.at_risk: "có nguy cơ",
    Status.off_track: "chậm tiến độ",
    Status.no_data: "chưa có số liệu",
    Status.not_computable: "không tính được",
}
_SEVERITY = {
    Status.missed: 6,
    Status.off_track: 5,
    Status.at_risk: 4,
    Status.no_data: 3,
    Status.not_computable: 2,
    Status.on_track: 1,
    Status.achieved: 0,
}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The status of one indicator in one region. Numbers are in judged terms (see indicators/paths.py):
    the reported value, or the multiple of the baseline, the compound average growth in %, or the change on the
    previous year in the good direction."""

    indicator: str
    region: str
    period: str | None  # the period of the value judged
    actual: float | None  # the value judged, in judged terms
    expected: float | None  # E(t) at that period: the least demanding end of the band
    low: float | None  # the band at that period (low == high for single-value targets)
    high: float | None
    target: float | None  # the final target's least demanding value
    status: Status
    report_overdue: bool
    progress_ratio: float | None
    projection: float | None
    projection_meets_target: bool | None
    reason: str | None  # why no_data / not_computable, in Vietnamese then English
    last_recorded_at: datetime | None  # when the judged value's latest revision was stored
    approximately: bool = False  # achieved an approximate target ("khoảng") within the tolerance, not at its value
    period_target: float | None = None  # the target of the judged value's period (least demanding value)
    previous: "PreviousOutcome | None" = None  # the outcome of the latest earlier target period


@dataclass(frozen=True, slots=True)
class PreviousOutcome:
    """How the target period before the current one ended: its latest value judged against its own target."""

    period: str  # the period of that value
    status: Status
    actual: float | None  # in judged terms
    target: float | None  # that period's target (least demanding value)
    approximately: bool = False


class _Grade(IntEnum):
    meets = 0
    close = 1  # worse than the band, within the tolerance
    far = 2


def evaluate(
    indicator: Indicator,
    region: str,
    series: Sequence[Observation],
    as_of: date,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> Evaluation:
    """The status of one indicator-region series as of a date; `series` sorted by period."""
    return _evaluate(plan_for(indicator), region, series, as_of, grace_days)


def evaluate_board(
    items: Iterable[tuple[Indicator, str, Sequence[Observation]]],
    as_of: date,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> list[Evaluation]:
    """Evaluate many series as of one date, in the order given (sort by -status.severity for problems first)."""
    plans: dict[int, IndicatorPlan] = {}
    evaluations = []
    for indicator, region, series in items:
        plan = plans.get(id(indicator))
        if plan is None:
            plan = plans[id(indicator)] = plan_for(indicator)
        evaluations.append(_evaluate(plan, region, series, as_of, grace_days))
    return evaluations


def expected_series(
    indicator: Indicator, region: str, series: Sequence[Observation], periods: Sequence[Period]
) -> list[tuple[Period, float | None, float | None, float | None]]:
    """(period, expected, low, high) for each period, in judged terms, as `evaluate` would judge a value there.

    None where the period cannot be judged (no target that year, qualitative target, baseline not yet known).
    `series` is the region's series: it gives the baseline value when the catalogue prints none.
    """
    plan = plan_for(indicator)
    baseline_value = _baseline_value(plan, series)
    rows: list[tuple[Period, float | None, float | None, float | None]] = []
    for period in periods:
        band = plan.band(period, baseline_value)
        if isinstance(band, str):
            rows.append((period, None, None, None))
        else:
            rows.append((period, band.expected, band.low, band.high))
    return rows


def path_baseline(indicator: Indicator, series: Sequence[Observation]) -> float | None:
    """The baseline value the series' target path is drawn from: with the catalogue, all that the path depends on."""
    return _baseline_value(plan_for(indicator), series)


def _evaluate(
    plan: IndicatorPlan,
    region: str,
    series: Sequence[Observation],
    as_of: date,
    grace_days: int,
) -> Evaluation:
    series = visible(series, as_of)
    overdue = _report_overdue(plan, series, as_of, grace_days)
    final_target = plan.final.least_demanding if plan.final is not None else None

    def unjudged(status: Status, reason: str, index: int | None = None, actual: float | None = None) -> Evaluation:
        observation = series[index] if index is not None else None
        return Evaluation(
            indicator=plan.code,
            region=region,
            period=str(observation.period) if observation is not None else None,
            actual=actual,
            expected=None,
            low=None,
            high=None,
            target=final_target,
            status=status,
            report_overdue=overdue,
            progress_ratio=None,
            projection=None,
            projection_meets_target=None,
            reason=reason,
            last_recorded_at=observation.recorded_at if observation is not None else None,
        )

    index = judged_index(plan, series)
    if plan.never_computable is not None:
        latest = series[index].value if index is not None else None
        return unjudged(Status.not_computable, plan.never_computable, index, latest)
    if index is None:
        if not series:
            return unjudged(Status.no_data, NO_DATA)
        span = Span(plan.first_year, plan.final_year)
        return unjudged(
            Status.no_data, f"chưa có số liệu cho các năm chỉ tiêu {span} (no value for the target years {span})"
        )
    if not plan.several_target_periods:
        return _judge(plan, region, series, index, overdue, final_target)

    # The board judges the current target period; the latest earlier one's outcome goes beside it.
    current = plan.period_key(as_of.year)
    judged_key = plan.period_key(series[index].period.year)
    if judged_key < current:
        previous = _previous(_judge(plan, region, series[: index + 1], index, overdue, final_target))
        span = _period_span(plan, current)
        return replace(
            unjudged(
                Status.no_data,
                f"chưa có số liệu cho chỉ tiêu {span} (no value yet for the {span} target)",
            ),
            previous=previous,
        )
    evaluation = _judge(plan, region, series, index, overdue, final_target)
    for earlier in range(index - 1, -1, -1):
        year = series[earlier].period.year
        if year < plan.first_year:
            break
        if plan.period_key(year) < judged_key:
            earlier_evaluation = _judge(plan, region, series[: earlier + 1], earlier, overdue, final_target)
            return replace(evaluation, previous=_previous(earlier_evaluation))
    return evaluation


def _period_span(plan: IndicatorPlan, key: int) -> Span:
    """The years of the target period named `key` (its last year)."""
    years = [year for year, year_key in plan.period_keys.items() if year_key == key]
    return Span(min(years, default=key), key)


def _previous(evaluation: Evaluation) -> PreviousOutcome:
    assert evaluation.period is not None
    return PreviousOutcome(
        evaluation.period, evaluation.status, evaluation.actual, evaluation.period_target, evaluation.approximately
    )


def _judge(
    plan: IndicatorPlan,
    region: str,
    series: Sequence[Observation],
    index: int,
    overdue: bool,
    final_target: float | None,
) -> Evaluation:
    """Judge series[index] against the band of its period."""
    observation = series[index]

    def unjudged(reason: str, actual: float | None = None) -> Evaluation:
        return Evaluation(
            indicator=plan.code,
            region=region,
            period=str(observation.period),
            actual=actual,
            expected=None,
            low=None,
            high=None,
            target=final_target,
            status=Status.not_computable,
            report_overdue=overdue,
            progress_ratio=None,
            projection=None,
            projection_meets_target=None,
            reason=reason,
            last_recorded_at=observation.recorded_at,
        )

    baseline_value = _baseline_value(plan, series)
    actual = _judged_actual(plan, series, index, baseline_value)
    if isinstance(actual, str):
        return unjudged(actual)
    band = plan.band(observation.period, baseline_value)
    if isinstance(band, str):
        return unjudged(band, actual)

    # Strictness ("trên") is for the target's final period: on the path, a value exactly on E(t) is on track.
    grade = _grade(actual, band.target, band.low, band.high, band.expected, plan.tolerance, strict=band.decisive)
    approximately = False
    if band.decisive:
        # "khoảng": within the tolerance at the final period is achieved, approximately.
        approximately = grade is _Grade.close and band.target.approximate
        status = Status.achieved if grade is _Grade.meets or approximately else Status.missed
    else:
        status = (Status.on_track, Status.at_risk, Status.off_track)[grade]
    projection, projection_target = _projection(plan, series, index, actual, band, baseline_value)
    meets: bool | None = None
    if projection is not None and projection_target is not None:
        meets = _grade(
            projection,
            projection_target,
            projection_target.low,
            projection_target.high,
            projection_target.least_demanding,
            plan.tolerance,
            strict=True,
        ) is (_Grade.meets)
    return Evaluation(
        indicator=plan.code,
        region=region,
        period=str(observation.period),
        actual=actual,
        expected=band.expected,
        low=band.low,
        high=band.high,
        target=final_target,
        status=status,
        report_overdue=overdue,
        progress_ratio=_progress_ratio(plan, actual, band, baseline_value),
        projection=projection,
        projection_meets_target=meets,
        reason=None,
        last_recorded_at=observation.recorded_at,
        approximately=approximately,
        period_target=band.target.least_demanding,
    )


def visible(series: Sequence[Observation], as_of: date) -> Sequence[Observation]:
    """Drop periods ending after `as_of`. Revisions are the latest ones whenever stored: judging mid-2023 after a
    back-fill uses the corrected figures (the revision history keeps what was known when)."""
    end = len(series)
    while end and period_facts(series[end - 1].period).end > as_of:
        end -= 1
    return series[:end] if end < len(series) else series


def judged_index(plan: IndicatorPlan, series: Sequence[Observation]) -> int | None:
    """The latest value in the target years (values after the final target do not change its outcome)."""
    for index in range(len(series) - 1, -1, -1):
        year = series[index].period.year
        if plan.first_year <= year <= plan.final_year:
            return index
        if year < plan.first_year:
            return None
    return None


@cache
def _next_period(period: Period) -> Period:
    return period.next()


@cache
def _in_frequency(period: Period, frequency: Frequency) -> Period:
    """The period of `frequency` that ends when `period` ends (or contains its end)."""
    if period.frequency is frequency:
        return period
    return Period.containing(period.end, frequency)


def report_due(
    indicator: Indicator, series: Sequence[Observation], grace_days: int = DEFAULT_GRACE_DAYS
) -> tuple[Period, date] | None:
    """The period whose report comes next and the day after which it is overdue (None: nothing more is due)."""
    return _report_due(plan_for(indicator), series, grace_days)


def _report_due(plan: IndicatorPlan, series: Sequence[Observation], grace_days: int) -> tuple[Period, date] | None:
    """The next report is due at the end of the period after the last value, plus the grace days.

    Nothing is due after the final target year. With no value at all, the first report is due at the end of the
    first period of the first target year, plus the grace days.
    """
    if series:
        # By the indicator's own frequency: after an annual figure of a quarterly indicator, next year's Q1 is due.
        due_period = _next_period(_in_frequency(series[-1].period, plan.frequency))
        if due_period.year > plan.final_year:
            return None
    else:
        due_period = Period(plan.first_year, plan.frequency, 1)
    return due_period, period_facts(due_period).end + timedelta(days=grace_days)


def _report_overdue(plan: IndicatorPlan, series: Sequence[Observation], as_of: date, grace_days: int) -> bool:
    due = _report_due(plan, series, grace_days)
    return due is not None and as_of > due[1]


def _baseline_value(plan: IndicatorPlan, series: Sequence[Observation]) -> float | None:
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


def _judged_actual(
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


def _grade(
    actual: float, target: JudgedTarget, low: float, high: float, expected: float, tolerance: float, *, strict: bool
) -> _Grade:
    """How `actual` compares with the band [low, high] at its period; `strict` applies the target's "trên"."""
    slack = _ROUNDING * max(1.0, abs(expected))
    if target.sense == EXACT:
        return _Grade.meets if abs(actual - expected) <= tolerance * abs(expected) + slack else _Grade.far
    if target.two_sided:
        outside = max(low - actual, actual - high)  # positive: that far beyond the nearer end
        if outside <= slack:
            return _Grade.meets
        nearer = low if actual < low else high
        return _Grade.close if outside <= tolerance * abs(nearer) + slack else _Grade.far
    gap = (actual - expected) * target.sense  # positive: better than expected
    if gap > slack or (gap >= -slack and not (strict and target.strict)):
        return _Grade.meets
    if gap >= -tolerance * abs(expected) - slack:
        return _Grade.close
    return _Grade.far


def _progress_ratio(plan: IndicatorPlan, actual: float, band: Band, baseline_value: float | None) -> float | None:
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


def _projection(
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
