"""What a reporting form asks an office for: each (indicator, region, period) due within a range of days.

A period is due when it ends within the range, lies within its programme's years and is of the indicator's own
frequency. The regions are those the indicator is tracked in that the office may write, and the office's own regions
lying under a tracked one (a district office reports its district for a provincial indicator).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from indicators.catalogue import Catalogue
from indicators.model import Indicator, Target, TargetBasis, TargetKind
from indicators.periods import Frequency, Period, PeriodError

MayWrite = Callable[[str, list[str]], bool]  # (programme, region and its ancestors) -> may the office write there


@dataclass(frozen=True, slots=True)
class DueRow:
    indicator: Indicator
    region: str
    period: Period
    target: Target | None  # the target covering the period's year, for reference


def periods_between(first: date, last: date, indicator: Indicator) -> Iterator[Period]:
    """The indicator's periods ending within [first, last]."""
    period = Period.containing(first, indicator.frequency)
    while period.end < first:
        period = period.next()
    while period.end <= last:
        yield period
        period = period.next()


def region_chain(catalogue: Catalogue, code: str) -> list[str]:
    """The region and its ancestors, nearest first."""
    chain = [code]
    region = catalogue.regions.get(code)
    while region is not None and region.parent and region.parent not in chain:
        chain.append(region.parent)
        region = catalogue.regions.get(region.parent)
    return chain


def due_rows(
    catalogue: Catalogue,
    first: date,
    last: date,
    *,
    may_write: MayWrite,
    office_regions: list[str],
    programme: str | None = None,
) -> list[DueRow]:
    rows: list[DueRow] = []
    for indicator in catalogue.indicators.values():
        if programme is not None and indicator.programme != programme:
            continue
        span = catalogue.programmes[indicator.programme]
        tracked = catalogue.regions_of(indicator)
        regions = [code for code in tracked if may_write(indicator.programme, region_chain(catalogue, code))]
        for code in office_regions:
            chain = region_chain(catalogue, code)
            under_tracked = code in catalogue.regions and not set(tracked).isdisjoint(chain[1:])
            if code not in regions and under_tracked and may_write(indicator.programme, chain):
                regions.append(code)
        if not regions:
            continue
        periods = [p for p in periods_between(first, last, indicator) if span.start_year <= p.year <= span.end_year]
        for region in regions:
            rows.extend(DueRow(indicator, region, period, indicator.target_for(period.year)) for period in periods)
    return rows


def target_reference(target: Target | None) -> float | str | None:
    """The target as a form shows it: a number when it is one value of the indicator itself, else its quote."""
    if target is None:
        return None
    single = target.kind in (TargetKind.at_least, TargetKind.at_most, TargetKind.approx, TargetKind.exact)
    if single and target.basis is TargetBasis.value and target.value is not None:
        return target.value
    return target.quote


def period_range(period: str | None, first: str | None, last: str | None, today: date) -> tuple[Period, Period]:
    """The periods a form covers: `period`, or `first` to `last` (one alone: that period), or `today`'s year."""
    if period is not None and (first is not None or last is not None):
        raise PeriodError("cho period hoặc from/to, không cả hai (give a period, or from and to, not both)")
    if period is None and first is None and last is None:
        year = Period(today.year, Frequency.year)
        return year, year
    start = Period.parse(period or first or last or "")
    end = Period.parse(period or last or first or "")
    if end.end < start.start:
        raise PeriodError(f"{end} nằm trước {start} (the range ends before it starts)")
    return start, end
