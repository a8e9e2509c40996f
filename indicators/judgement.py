"""Is an indicator on track? Judging one indicator-region series, or many, as of a date (docs/status.md).

The caller gives the latest revision of each period's value as known on `as_of`; `evaluate` judges the latest value
in the target years against the band of its target path (indicators/paths.py), and adds whether a report is
overdue, the progress ratio and a projection to the end of the final target. `evaluate_board` does the same for
many series, compiling each indicator once.
"""

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date

from indicators.judged_terms import (
    Grade,
    grade_value,
    judged_actual,
    known_baseline,
    progress_ratio,
    projection_and_target,
)
from indicators.model import Indicator
from indicators.paths import IndicatorPlan, period_facts, plan_for
from indicators.periods import Period, Span
from indicators.report_due import report_overdue
from indicators.status import DEFAULT_GRACE_DAYS, Evaluation, Observation, PreviousOutcome, Status

NO_DATA = "chưa có số liệu (no data)"


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
    baseline_value = known_baseline(plan, series)
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
    return known_baseline(plan_for(indicator), series)


def _evaluate(
    plan: IndicatorPlan,
    region: str,
    series: Sequence[Observation],
    as_of: date,
    grace_days: int,
) -> Evaluation:
    series = visible(series, as_of)
    overdue = report_overdue(plan, series, as_of, grace_days)
    final_target = plan.final.least_demanding if plan.final is not None else None

    def unjudged(status: Status, reason: str, index: int | None = None, actual: float | None = None) -> Evaluation:
        observation = series[index] if index is not None else None
        return _unjudged(plan, region, observation, status, reason, actual, overdue, final_target)

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


def _unjudged(
    plan: IndicatorPlan,
    region: str,
    observation: Observation | None,
    status: Status,
    reason: str,
    actual: float | None,
    overdue: bool,
    final_target: float | None,
) -> Evaluation:
    """An evaluation with no band to judge against: no data, or not computable, and why."""
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
        return _unjudged(plan, region, observation, Status.not_computable, reason, actual, overdue, final_target)

    baseline_value = known_baseline(plan, series)
    actual = judged_actual(plan, series, index, baseline_value)
    if isinstance(actual, str):
        return unjudged(actual)
    band = plan.band(observation.period, baseline_value)
    if isinstance(band, str):
        return unjudged(band, actual)

    # Strictness ("trên") is for the target's final period: on the path, a value exactly on E(t) is on track.
    grade = grade_value(actual, band.target, band.low, band.high, band.expected, plan.tolerance, strict=band.decisive)
    approximately = False
    if band.decisive:
        # "khoảng": within the tolerance at the final period is achieved, approximately.
        approximately = grade is Grade.close and band.target.approximate
        status = Status.achieved if grade is Grade.meets or approximately else Status.missed
    else:
        status = (Status.on_track, Status.at_risk, Status.off_track)[grade]
    projection, projection_target = projection_and_target(plan, series, index, actual, band, baseline_value)
    meets: bool | None = None
    if projection is not None and projection_target is not None:
        meets = grade_value(
            projection,
            projection_target,
            projection_target.low,
            projection_target.high,
            projection_target.least_demanding,
            plan.tolerance,
            strict=True,
        ) is (Grade.meets)
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
        progress_ratio=progress_ratio(plan, actual, band, baseline_value),
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
