"""When the next report of a series is due, and whether it is overdue as of a date."""

from collections.abc import Sequence
from datetime import date, timedelta
from functools import cache

from indicators.model import Indicator
from indicators.paths import IndicatorPlan, period_facts, plan_for
from indicators.periods import Frequency, Period
from indicators.status import DEFAULT_GRACE_DAYS, Observation


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


def report_overdue(plan: IndicatorPlan, series: Sequence[Observation], as_of: date, grace_days: int) -> bool:
    due = _report_due(plan, series, grace_days)
    return due is not None and as_of > due[1]
