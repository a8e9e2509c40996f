"""The part of a series a judgement reads: a board need not bring ten years of months into memory to judge today.

`judgement_window` states, per indicator and date, which observations to read: those of periods starting on or after
the window's start, and those of the baseline periods wherever they fall. `window_holds_judgement` then says, from
what was read, whether the judgement of `indicators.judgement.evaluate` could have looked further back (a series that
stopped reporting, a gap longer than the window, too few points for the projection): only those series need the rest
of their history. Reading the window first and the rest for those few gives exactly the live judgement.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from indicators.judgement import judged_index, visible
from indicators.model import Indicator, PathKind, TargetBasis, WithinYear
from indicators.paths import IndicatorPlan, plan_for
from indicators.periods import Period
from indicators.status import Observation

PROJECTION_POINTS = 5  # judged_terms.projection_and_target: the judged value and the 4 observations before it


@dataclass(frozen=True)
class JudgementWindow:
    start: date  # observations of periods starting on or after this day
    baseline_periods: frozenset[Period]  # and those of these periods, whenever they are


def judgement_window(indicator: Indicator, as_of: date) -> JudgementWindow:
    """The observations the judgement as of `as_of` needs when the series reports regularly: the latest period due
    (within the target years) and the projection's earlier points, the judged year from January for a flow summed
    over the year, the year before for a change on the previous year; with several target periods, the same for the
    previous target period's last period, whose outcome is shown beside."""
    plan = plan_for(indicator)
    last_day = min(as_of, date(plan.final_year, 12, 31))
    latest = Period.containing(last_day, plan.frequency)
    if latest.end > last_day:
        latest = latest.previous()
    start = _reads_from(plan, latest)
    if plan.several_target_periods:
        previous_key = max(
            (key for key in plan.period_keys.values() if key < plan.period_key(latest.year)), default=None
        )
        if previous_key is not None:
            start = min(start, _reads_from(plan, Period.containing(date(previous_key, 12, 31), plan.frequency)))
    if plan.growth_rate and plan.basis is TargetBasis.average_growth:  # yearly rates counted from the target's span
        start = min(start, date(plan.first_year - 1, 1, 1))
    # The baseline periods only when the series gives the baseline value (the catalogue prints none).
    return JudgementWindow(start, plan.baseline_periods if plan.baseline_value is None else frozenset())


def window_holds_judgement(
    indicator: Indicator, window: JudgementWindow, series: Sequence[Observation], as_of: date
) -> bool:
    """Does the windowed `series` (sorted by period) hold everything the judgement reads? False: read the rest."""
    plan = plan_for(indicator)
    series_seen = visible(series, as_of)
    first = next((i for i, o in enumerate(series_seen) if o.period.start >= window.start), len(series_seen))
    index = judged_index(plan, series_seen)
    if index is None:
        # No value in the target years in the window: conclusive only if the window reaches back before them.
        return any(o.period.year < plan.first_year for o in series_seen[first:])
    if not _reads_within(plan, series_seen, index, first, window):
        return False
    if not plan.several_target_periods:
        return True
    judged_key = plan.period_key(series_seen[index].period.year)
    if judged_key < plan.period_key(as_of.year):
        return True  # judged alone, no earlier outcome beside it
    for earlier in range(index - 1, first - 1, -1):
        year = series_seen[earlier].period.year
        if year < plan.first_year:
            return True
        if plan.period_key(year) < judged_key:
            return _reads_within(plan, series_seen, earlier, first, window)
    return False  # the earlier target period's value may be before the window


def _reads_from(plan: IndicatorPlan, period: Period) -> date:
    """The first day judging a value of `period` reads: the projection's 4 earlier points if the series reports every
    period, January for a year-to-date sum, the year before for a change on the previous year."""
    ppy = plan.frequency.periods_per_year
    position = period.year * ppy + period.index - 1 - (PROJECTION_POINTS - 1)
    start = Period(position // ppy, plan.frequency, position % ppy + 1).start
    return min(start, _year_reads_from(plan, period))


def _year_reads_from(plan: IndicatorPlan, period: Period) -> date:
    """The first day of the values of other periods that judging `period` scans for (by period, not by count)."""
    if plan.basis is TargetBasis.change_per_period:
        return date(period.year - 1, 1, 1)
    if plan.within_year is WithinYear.per_period and plan.shape is PathKind.flow:
        return date(period.year, 1, 1)
    return period.start


def _reads_within(
    plan: IndicatorPlan, series: Sequence[Observation], index: int, first: int, window: JudgementWindow
) -> bool:
    """Judging series[index] reads the projection's points and the values its scans look for (by period: a scan stops
    at the first older period, found or not): are those all in the window?"""
    return index - (PROJECTION_POINTS - 1) >= first and _year_reads_from(plan, series[index].period) >= window.start
