"""The part of a series a judgement reads: a board need not bring ten years of months into memory to judge today.

`judgement_window` states, per indicator and date, which observations to read: those of periods starting on or after
the window's first year, and those of the baseline periods wherever they fall. `window_holds_judgement` then says,
from what was read, whether the judgement of `indicators.status.evaluate` could have looked further back (a series
that stopped reporting, a gap longer than the window, too few points for the projection): only those series need
the rest of their history. Reading the window first and the rest for those few gives exactly the live judgement.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from math import ceil

from indicators.model import Indicator, TargetBasis
from indicators.paths import IndicatorPlan, plan_for
from indicators.periods import Period
from indicators.status import Observation, judged_index, visible

PROJECTION_POINTS = 5  # indicators.status._projection: the judged value and the 4 observations before it


@dataclass(frozen=True)
class JudgementWindow:
    first_year: int  # observations of periods starting on or after 1 January of this year
    baseline_periods: frozenset[Period]  # and those of these periods, whenever they are

    @property
    def start(self) -> date:
        return date(self.first_year, 1, 1)


def judgement_window(indicator: Indicator, as_of: date) -> JudgementWindow:
    """The observations the judgement as of `as_of` needs when the series reports regularly: the current target
    period's year (or, with several target periods, the previous target period's first year), the years holding the
    projection's earlier points and, for a change on the previous year, the year before."""
    plan = plan_for(indicator)
    year = max(min(as_of.year, plan.final_year), plan.first_year)
    if plan.several_target_periods:
        year = _previous_target_period_first_year(plan, year)
    lookback = ceil((PROJECTION_POINTS - 1) / plan.frequency.periods_per_year)
    first_year = year - lookback - _years_before(plan)
    if plan.growth_rate and plan.basis is TargetBasis.average_growth:  # yearly rates counted from the target's span
        first_year = min(first_year, plan.first_year - 1)
    return JudgementWindow(first_year, plan.baseline_periods)


def window_holds_judgement(
    indicator: Indicator, window: JudgementWindow, series: Sequence[Observation], as_of: date
) -> bool:
    """Does the windowed `series` (sorted by period) hold everything the judgement reads? False: read the rest."""
    plan = plan_for(indicator)
    series_seen = visible(series, as_of)
    first = next((i for i, o in enumerate(series_seen) if o.period.year >= window.first_year), len(series_seen))
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


def _reads_within(
    plan: IndicatorPlan, series: Sequence[Observation], index: int, first: int, window: JudgementWindow
) -> bool:
    """Judging series[index] reads the projection's points and values of its year (and, for a change, of the year
    before): are those all in the window? Scans by period stop at the first older period, found or not."""
    earliest_year = series[index].period.year - _years_before(plan)
    return index - (PROJECTION_POINTS - 1) >= first and earliest_year >= window.first_year


def _years_before(plan: IndicatorPlan) -> int:
    """How many years before the judged value's year its judgement reads (besides the projection's points)."""
    return 1 if plan.basis is TargetBasis.change_per_period else 0


def _previous_target_period_first_year(plan: IndicatorPlan, year: int) -> int:
    current = plan.period_key(year)
    earlier_keys = [key for key in plan.period_keys.values() if key < current]
    if not earlier_keys:
        return min(y for y, key in plan.period_keys.items() if key == current)
    previous = max(earlier_keys)
    return min(y for y, key in plan.period_keys.items() if key == previous)
