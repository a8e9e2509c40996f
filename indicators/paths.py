"""Target paths: the expected value E(t) at the end of a period and the band around it (docs/status.md).

An indicator is compiled once into an IndicatorPlan: for every target year, the target in the terms its values are
judged in and, for linear and compound paths, the segment of the path that leads to it. Evaluating a series then
needs no pydantic work, which keeps a board of thousands of series fast.

Terms: values are judged in the terms of the final target's basis. `value`: the reported value; `multiple_of_baseline`:
value / baseline value; `average_growth`: the compound average yearly rate, in %; `change_per_period`: the improvement
on the same period of the previous year (judged as higher-is-better against the stated change).
"""

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from indicators.model import (
    BandKind,
    Direction,
    Indicator,
    Measure,
    PathKind,
    Target,
    TargetBasis,
    TargetKind,
    WithinYear,
)
from indicators.periods import Frequency, Period
from indicators.units import UNITS

HIGHER = 1  # at least the band's low end is good
LOWER = -1  # at most the band's high end is good
EXACT = 0  # within the tolerance either side of the value is good

_PLAN_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class PeriodFacts:
    position: float  # end of the period in fractional years (2023 -> 2024.0)
    end: date
    year_end: bool  # the last period of its year: it ends on 31 December
    uniform_share: float  # share of the year elapsed at its end


@cache
def period_facts(period: Period) -> PeriodFacts:
    return PeriodFacts(
        position=period.position,
        end=period.end,
        year_end=period.index == period.frequency.periods_per_year,
        uniform_share=period.year_fraction,
    )


def year_end_period(year: int, frequency: Frequency) -> Period:
    return Period(year, frequency, frequency.periods_per_year)


@dataclass(frozen=True, slots=True)
class JudgedTarget:
    """A target in judged terms: which way is better, its band (low == high for single values), strictness."""

    sense: int  # HIGHER, LOWER or EXACT
    low: float
    high: float
    strict: bool  # "trên": at the target's final period, equal is not enough (on the path it is)
    two_sided: bool = False  # a band that is not met beyond either end (a structural share)
    approximate: bool = False  # "khoảng": within the tolerance at the final period counts as achieved

    @property
    def least_demanding(self) -> float:
        return self.high if self.sense == LOWER else self.low


def judge_target(target: Target, better: Direction) -> JudgedTarget:
    """The target of a computable kind as a JudgedTarget; `better` is the direction of the judged terms."""
    if not target.computable:
        raise ValueError("a qualitative target has no values to judge")
    low, high = target.bounds
    direction_sense = HIGHER if better is Direction.higher else LOWER
    match target.kind:
        case TargetKind.at_least:
            sense = HIGHER
        case TargetKind.at_most:
            sense = LOWER
        case TargetKind.exact:
            sense = EXACT
        case _:  # approx and range read in the direction
            sense = direction_sense
    return JudgedTarget(
        sense,
        low,
        high,
        target.strict,
        two_sided=target.band is BandKind.two_sided,
        approximate=target.kind is TargetKind.approx,
    )


def qualitative_reason(target: Target) -> str:
    return f"chỉ tiêu định tính: {target.reason} (qualitative target, not computable)"


def missing_baseline_reason(period: Period) -> str:
    word = "năm gốc" if period.frequency is Frequency.year else "kỳ gốc"
    return f"chưa có giá trị {word} {period} (no baseline value)"


def no_target_reason(year: int) -> str:
    return f"không có chỉ tiêu cho năm {year} (no target for {year})"


NO_BASELINE_DEFINED = "chỉ tiêu chưa khai báo năm gốc (the indicator has no baseline)"
NON_POSITIVE_COMPOUND = "đường tăng trưởng kép cần giá trị dương (a compound path needs positive values)"


def interpolate_linear(fraction: float, start: float, end: float) -> float:
    return start + (end - start) * fraction


def interpolate_compound(fraction: float, start: float, end: float) -> float | None:
    """start * (end/start)^fraction; None when a value is not positive (no geometric path through it)."""
    if start <= 0 or end <= 0:
        return None
    return start * math.pow(end / start, fraction)


def compound_average(rates: Sequence[float]) -> float:
    """The compound average of yearly rates in %: (prod(1 + r/100))^(1/n) - 1, in %."""
    growth = 1.0
    for rate in rates:
        growth *= 1 + rate / 100
    if growth <= 0:
        return -100.0
    return (math.pow(growth, 1 / len(rates)) - 1) * 100


def compound_annual_rate(start: float, end: float, years: float) -> float | None:
    """The constant yearly rate in % that takes start to end in `years`; None when it does not exist."""
    if start <= 0 or end <= 0 or years <= 0:
        return None
    return (math.pow(end / start, 1 / years) - 1) * 100


@dataclass(frozen=True, slots=True)
class Segment:
    """The stretch of a linear or compound path that leads to one target: from (start, band) to (end, band)."""

    start: float
    start_low: float | None  # None: the baseline value, known only from the series
    start_high: float | None
    end: float
    end_low: float
    end_high: float


@dataclass(frozen=True, slots=True)
class YearRule:
    target: JudgedTarget  # target_for(year) in judged terms
    span_first_year: int  # first year of that target's span (average growth is counted from there)
    last_year: int  # last year of that target: its final period settles it, and it names the target period
    segment: Segment | None  # linear and compound paths only


@dataclass(frozen=True, slots=True)
class Band:
    """The band a value is judged against at the end of one period, in judged terms."""

    expected: float  # E(t): the least demanding end
    low: float
    high: float
    target: JudgedTarget  # gives the sense and strictness
    decisive: bool  # a value judged against this band is final for its target: achieved or missed


@dataclass(frozen=True, slots=True)
class IndicatorPlan:
    """Everything the status engine needs from one Indicator, precomputed."""

    code: str
    kind: PathKind  # the indicator's path kind
    shape: PathKind  # the path applied to judged terms: constant for average growth and change per period
    basis: TargetBasis  # the final target's basis: the judged terms
    better: Direction  # direction of the judged terms (higher for change per period)
    direction: Direction  # the indicator's own direction
    growth_rate: bool  # the measure is a growth rate
    tolerance: float
    frequency: Frequency
    seasonal_profile: tuple[float, ...] | None
    first_year: int  # first target year
    final_year: int  # last year of the final target
    final_first_year: int  # first year of the final target's span
    final: JudgedTarget | None  # None when the final target is qualitative
    never_computable: str | None  # reason when no target at all is computable
    years: dict[int, YearRule | str]  # a reason when that year cannot be judged
    baseline_period: Period | None
    baseline_value: float | None  # the printed value; None: look it up in the series
    baseline_periods: frozenset[Period]  # periods of the series that give the baseline value
    milestones: tuple[tuple[float, float], ...]  # (position, value) in judged terms
    within_year: WithinYear  # what a sub-annual value covers
    period_keys: dict[int, int]  # year -> last year of the target period it belongs to (see period_key)

    @property
    def target_position(self) -> float:
        """End of the final target period (31 December of its last year) in fractional years."""
        return self.final_year + 1.0

    @property
    def per_year(self) -> bool:
        """Targets that apply to each year on their own: a year-end value is achieved or missed for that year."""
        return self.shape in (PathKind.constant, PathKind.flow) and self.basis is not TargetBasis.average_growth

    @property
    def several_target_periods(self) -> bool:
        return len(set(self.period_keys.values())) > 1

    def period_key(self, year: int) -> int:
        """The target period a year belongs to, named by its last year: the year's own target, or for a year with
        none (between targets, qualitative) the next one; before the first target the first, after the last the
        final one. Two years with the same key are judged against the same target."""
        key = self.period_keys.get(year)
        if key is not None:
            return key
        return self.period_keys[self.first_year] if year < self.first_year else self.final_year

    def counts_as_year(self, period: Period) -> bool:
        """Does the period's value stand for its whole year? The year itself, and the year's last quarter, month
        or half when sub-annual values are year to date or levels (not when they are per period)."""
        if period.frequency.periods_per_year == 1:
            return True
        return period_facts(period).year_end and self.within_year is not WithinYear.per_period

    def year_share(self, period: Period) -> float:
        """Share of the annual flow expected by the end of the period (seasonal profile when given)."""
        if self.seasonal_profile is None:
            return period_facts(period).uniform_share
        return self.seasonal_profile[period.index * period.months - 1]

    def band(self, period: Period, baseline_value: float | None) -> Band | str:
        """The band at the end of `period`, or the reason it cannot be computed."""
        rule = self.years.get(period.year)
        if rule is None:
            return no_target_reason(period.year)
        if isinstance(rule, str):
            return rule
        facts = period_facts(period)
        if facts.year_end and period.year == self.final_year:
            # A qualitative final target leaves the final year's own target to settle it.
            final = self.final or rule.target
            return Band(final.least_demanding, final.low, final.high, final, decisive=True)
        target = rule.target
        low, high = target.low, target.high
        if self.shape is PathKind.flow:
            share = self.year_share(period)
            low, high = low * share, high * share
        elif self.shape is PathKind.milestones:
            low = high = self.milestone_value(facts.position)
        elif rule.segment is not None:
            segment_band = self._segment_band(rule.segment, facts.position, baseline_value)
            if isinstance(segment_band, str):
                return segment_band
            low, high = segment_band
        expected = high if target.sense == LOWER else low
        # Each year settles a per-year target; any other target is settled by its own last year's year end.
        decisive = facts.year_end and (self.per_year or period.year == rule.last_year)
        return Band(expected, low, high, target, decisive=decisive)

    def _segment_band(
        self, segment: Segment, position: float, baseline_value: float | None
    ) -> tuple[float, float] | str:
        start_low = segment.start_low if segment.start_low is not None else baseline_value
        start_high = segment.start_high if segment.start_high is not None else baseline_value
        if start_low is None or start_high is None:
            assert self.baseline_period is not None
            return missing_baseline_reason(self.baseline_period)
        length = segment.end - segment.start
        fraction = 1.0 if length <= 0 else min(1.0, max(0.0, (position - segment.start) / length))
        if self.shape is PathKind.linear:
            return (
                interpolate_linear(fraction, start_low, segment.end_low),
                interpolate_linear(fraction, start_high, segment.end_high),
            )
        low = interpolate_compound(fraction, start_low, segment.end_low)
        high = interpolate_compound(fraction, start_high, segment.end_high)
        if low is None or high is None:
            return NON_POSITIVE_COMPOUND
        return low, high

    def milestone_value(self, position: float) -> float:
        """Piecewise linear through the milestones; flat before the first and after the last."""
        points = self.milestones
        if position <= points[0][0]:
            return points[0][1]
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            if position <= x1:
                return interpolate_linear((position - x0) / (x1 - x0), y0, y1)
        return points[-1][1]


def compile_plan(indicator: Indicator) -> IndicatorPlan:
    final_target = indicator.final_target
    basis = final_target.basis
    kind = indicator.path_kind
    changes = basis is TargetBasis.change_per_period or kind is PathKind.change_per_period
    if changes:
        basis = TargetBasis.change_per_period
    shape = PathKind.constant if changes or basis is TargetBasis.average_growth else kind
    better = Direction.higher if changes else indicator.direction
    baseline = indicator.baseline
    final_year = final_target.period.last_year
    first_year = min(target.period.first_year for target in indicator.targets)
    if shape in (PathKind.linear, PathKind.compound, PathKind.milestones):
        # A path runs from the baseline (or the first milestone): the years on the way are judged too.
        if baseline is not None:
            first_year = min(first_year, baseline.period.year + 1)
        if indicator.path is not None and indicator.path.milestones:
            first_year = min(first_year, *(m.period.year for m in indicator.path.milestones))

    computable = [t for t in indicator.targets if t.computable]
    never_computable = None if computable else qualitative_reason(indicator.targets[0])
    anchors = sorted(
        (t for t in computable if _basis_of(t, changes) is basis),
        key=lambda t: (t.period.last_year, t.period.first_year),
    )
    baseline_start = _baseline_start(indicator, basis)
    years: dict[int, YearRule | str] = {}
    for year in range(first_year, final_year + 1):
        years[year] = _year_rule(indicator, year, shape, basis, better, changes, anchors, baseline_start)

    milestones: tuple[tuple[float, float], ...] = ()
    if indicator.path is not None and shape is PathKind.milestones:
        milestones = tuple(sorted((m.period.position, m.value) for m in indicator.path.milestones))
    profile = indicator.path.seasonal_profile if indicator.path is not None else None

    within_year = indicator.values_within_year
    baseline_periods: frozenset[Period] = frozenset()
    if baseline is not None and not baseline.assigned:  # an assigned figure is entered, never observed
        baseline_periods = frozenset({baseline.period})
        if baseline.period.frequency is Frequency.year and within_year is not WithinYear.per_period:
            baseline_periods |= {year_end_period(baseline.period.year, indicator.frequency)}

    return IndicatorPlan(
        code=indicator.code,
        kind=kind,
        shape=shape,
        basis=basis,
        better=better,
        direction=indicator.direction,
        growth_rate=indicator.measure is Measure.growth_rate,
        tolerance=indicator.tolerance,
        frequency=indicator.frequency,
        seasonal_profile=tuple(profile) if profile is not None else None,
        first_year=first_year,
        final_year=final_year,
        final_first_year=final_target.period.first_year,
        final=judge_target(final_target, better) if final_target.computable else None,
        never_computable=never_computable,
        years=years,
        baseline_period=baseline.period if baseline is not None else None,
        baseline_value=baseline.value if baseline is not None else None,
        baseline_periods=baseline_periods,
        milestones=milestones,
        within_year=within_year,
        period_keys=_period_keys(years, first_year, final_year),
    )


def _period_keys(years: dict[int, "YearRule | str"], first_year: int, final_year: int) -> dict[int, int]:
    """For each target year, the last year of the target period it belongs to (a year without a judgeable target
    belongs to the next one that has, or to the final target)."""
    keys: dict[int, int] = {}
    following = final_year
    for year in range(final_year, first_year - 1, -1):
        rule = years.get(year)
        if isinstance(rule, YearRule):
            following = rule.last_year
        keys[year] = following
    return keys


def _basis_of(target: Target, changes: bool) -> TargetBasis:
    return TargetBasis.change_per_period if changes else target.basis


def _baseline_start(indicator: Indicator, basis: TargetBasis) -> tuple[float, float | None] | None:
    """Where a path starts when no earlier target does: (position, value; None to read it from the series)."""
    if indicator.baseline is None:
        return None
    position = indicator.baseline.period.position
    if basis is TargetBasis.multiple_of_baseline:
        return position, 1.0
    return position, indicator.baseline.value


def _year_rule(
    indicator: Indicator,
    year: int,
    shape: PathKind,
    basis: TargetBasis,
    better: Direction,
    changes: bool,
    anchors: list[Target],
    baseline_start: tuple[float, float | None] | None,
) -> YearRule | str:
    target = indicator.target_for(year)
    on_a_path = shape in (PathKind.linear, PathKind.compound, PathKind.milestones)
    if target is None and on_a_path:
        # A year between two targets of a path: judged on the way to the next one.
        target = next((t for t in anchors if t.period.last_year >= year), None)
    if target is None:
        return no_target_reason(year)
    if not target.computable:
        return qualitative_reason(target)
    if _basis_of(target, changes) is not basis:
        return (
            f"chỉ tiêu năm {year} tính theo cơ sở khác chỉ tiêu cuối kỳ "
            f"(the target for {year} has a different basis from the final target)"
        )
    judged = judge_target(target, better)
    segment = None
    if shape in (PathKind.linear, PathKind.compound):
        end_low, end_high = target.bounds
        earlier = [t for t in anchors if t.period.last_year < year]
        if earlier:
            start_low, start_high = earlier[-1].bounds
            segment = Segment(
                earlier[-1].period.last_year + 1.0, start_low, start_high, _end_position(target), end_low, end_high
            )
        elif baseline_start is not None:
            position, value = baseline_start
            segment = Segment(position, value, value, _end_position(target), end_low, end_high)
        else:
            return NO_BASELINE_DEFINED
    return YearRule(judged, target.period.first_year, target.period.last_year, segment)


def _end_position(target: Target) -> float:
    """The end of a target period (31 December of its last year) in fractional years."""
    return target.period.last_year + 1.0


def plan_for(indicator: Indicator) -> IndicatorPlan:
    """The compiled plan of an indicator, cached by object identity (Indicator models are not hashable)."""
    entry = _plans.get(id(indicator))
    if entry is not None and entry[0] is indicator:
        return entry[1]
    if len(_plans) >= _PLAN_CACHE_SIZE:
        _plans.clear()
    plan = compile_plan(indicator)
    _plans[id(indicator)] = (indicator, plan)
    return plan


_plans: dict[int, tuple[Indicator, IndicatorPlan]] = {}


def path_periods(indicator: Indicator, first_year: int, last_year: int) -> list[Period]:
    """Every reporting period of the indicator within the years, in order: the periods its target path is drawn for."""
    periods = []
    period = Period(first_year, indicator.frequency, 1)
    while period.year <= last_year:
        periods.append(period)
        period = period.next()
    return periods


@dataclass(frozen=True)
class Judgement:
    """How the status engine judges an indicator's values (its compiled plan): the one rule for the Prometheus rules'
    texts and for the dashboards, which read it from the snapshot (indicator_judgements) instead of re-deriving it."""

    basis: TargetBasis  # the final target's basis: the judged terms
    unit_vi: str  # the judged unit in words, for the alerts
    unit_en: str
    symbol_vi: str  # the judged unit as a table's unit column shows it
    decimals: int  # judged values in the indicator's own unit keep its decimals (none for counts), others 2
    final_year: int  # the last year of the final target


def judgement(indicator: Indicator) -> Judgement:
    plan = plan_for(indicator)
    unit = UNITS[indicator.unit]
    match plan.basis:
        case TargetBasis.multiple_of_baseline:
            words, symbol = ("lần so với năm gốc", "times the baseline"), "lần"
        case TargetBasis.average_growth:
            words, symbol = ("%/năm (bình quân)", "% a year on average"), "%/năm"
        case TargetBasis.change_per_period:
            words = (
                f"{unit.symbol_vi} (mức cải thiện so với cùng kỳ năm trước)",
                f"{unit.name_en} of improvement on the previous year",
            )
            # A change of a percentage is in points.
            symbol = "điểm %" if unit.bounded or unit.code == "percent_change" else unit.symbol_vi
        case _:
            words, symbol = (unit.symbol_vi, unit.name_en), unit.symbol_vi
    decimals = unit.decimals if plan.basis is TargetBasis.value else 2
    return Judgement(plan.basis, words[0], words[1], symbol, decimals, plan.final_year)
