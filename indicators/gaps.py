"""How far a series is from its target path: the gap ratio /metrics exports (chitieu_indicator_gap_ratio)."""

from indicators.model import Indicator
from indicators.paths import EXACT, HIGHER, YearRule, period_facts, plan_for
from indicators.periods import Period
from indicators.status import Evaluation


def gap_ratio(indicator: Indicator, evaluation: Evaluation) -> float | None:
    """(actual - expected) / |expected|, signed so that negative is behind the path; None when undefined."""
    if evaluation.actual is None or evaluation.expected is None or evaluation.period is None:
        return None
    if evaluation.expected == 0:
        return None
    relative = (evaluation.actual - evaluation.expected) / abs(evaluation.expected)
    sense = judged_sense(indicator, Period.parse(evaluation.period))
    return -abs(relative) if sense == EXACT else relative * sense


def judged_sense(indicator: Indicator, period: Period) -> int:
    """Which way is better for the target a value of `period` is judged against (as IndicatorPlan.band chooses)."""
    plan = plan_for(indicator)
    if period_facts(period).year_end and period.year == plan.final_year and plan.final is not None:
        return plan.final.sense
    rule = plan.years.get(period.year)
    if isinstance(rule, YearRule):
        return rule.target.sense
    return plan.final.sense if plan.final is not None else HIGHER
