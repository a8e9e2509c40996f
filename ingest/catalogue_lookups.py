"""What a batch asks of the catalogue and of the key's scope, worked out once per question.

A batch names a few indicators, regions and periods many times over: a one-row push names one of each.
Messages are in Vietnamese with the English in brackets: they are read by the statistics office that sent the row.
"""

from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.model import Indicator
from indicators.periods import Frequency, Period
from indicators.reporting import stored_period
from ingest.keys import ApiKey
from ingest.validated_rows import ParsedPeriod


class CatalogueLookups:
    """The indicator and problems of an (indicator, region) pair, whether the key may write a programme in a region,
    and the period a value is stored as; each worked out once per batch."""

    def __init__(self, catalogue: Catalogue, key: ApiKey | None) -> None:
        self.catalogue = catalogue
        self.key = key
        self._ancestors: dict[str, list[str]] = {}
        self._tracked: dict[str, set[str]] = {}
        self._series_seen: dict[
            tuple[str | None, str | None], tuple[Indicator | None, tuple[tuple[str, str], ...]]
        ] = {}
        self._scope_seen: dict[tuple[str, str], bool] = {}
        self._stored_periods: dict[tuple[str, Period], ParsedPeriod | str] = {}

    def _chain(self, code: str) -> list[str]:
        """The region and its ancestors, nearest first."""
        if code in self._ancestors:
            return self._ancestors[code]
        chain = self._ancestors[code] = [code]
        parent = self.catalogue.regions[code].parent
        while parent and parent not in chain:
            chain.append(parent)
            region = self.catalogue.regions.get(parent)
            parent = region.parent if region else None
        return chain

    def _tracked_in(self, indicator: Indicator) -> set[str]:
        if indicator.code not in self._tracked:
            self._tracked[indicator.code] = set(self.catalogue.regions_of(indicator))
        return self._tracked[indicator.code]

    def _allowed_years(self, indicator: Indicator) -> tuple[int, int]:
        """From the year before the programme (the reference for yearly changes) or the baseline, to its end."""
        programme = self.catalogue.programmes[indicator.programme]
        first = programme.start_year - 1
        if indicator.baseline is not None:
            first = min(first, indicator.baseline.period.year)
        return first, programme.end_year

    def series(
        self, indicator_code: str | None, region_code: str | None
    ) -> tuple[Indicator | None, tuple[tuple[str, str], ...]]:
        """The indicator and the problems of an (indicator, region) pair, worked out once per pair in a batch."""
        pair = (indicator_code, region_code)
        known = self._series_seen.get(pair)
        if known is None:
            known = self._series_seen[pair] = self._judge_series(indicator_code, region_code)
        return known

    def _judge_series(
        self, indicator_code: str | None, region_code: str | None
    ) -> tuple[Indicator | None, tuple[tuple[str, str], ...]]:
        problems: list[tuple[str, str]] = []
        indicator = self.catalogue.indicators.get(indicator_code) if indicator_code else None
        if not indicator_code:
            problems.append(("indicator", "thiếu mã chỉ tiêu (indicator is required)"))
        elif indicator is None:
            problems.append(
                ("indicator", f"không có chỉ tiêu {indicator_code[:80]!r} trong danh mục (unknown indicator)")
            )
        if not region_code:
            problems.append(("region", "thiếu mã địa bàn (region is required)"))
        elif region_code not in self.catalogue.regions:
            problems.append(("region", f"không có địa bàn {region_code[:80]!r} (unknown region)"))
        elif indicator is not None and self._tracked_in(indicator).isdisjoint(self._chain(region_code)):
            problems.append(
                ("region", f"chỉ tiêu {indicator.code} không theo dõi tại {region_code} (indicator not tracked there)")
            )
        return indicator, tuple(problems)

    def may_write(self, programme: str, region_code: str) -> bool:
        pair = (programme, region_code)
        allowed = self._scope_seen.get(pair)
        if allowed is None:
            assert self.key is not None
            allowed = self._scope_seen[pair] = self.key.may_write(programme, self._chain(region_code))
        return allowed

    def stored_period(self, indicator: Indicator, parsed: ParsedPeriod) -> ParsedPeriod | str:
        """The period the value is stored as (a half-year figure of a quarterly indicator as its Q2), or the
        problem."""
        key = (indicator.code, parsed.period)
        known = self._stored_periods.get(key)
        if known is None:
            known = self._stored_periods[key] = self._judge_stored_period(indicator, parsed)
        return known

    def _judge_stored_period(self, indicator: Indicator, parsed: ParsedPeriod) -> ParsedPeriod | str:
        stored = stored_period(indicator, parsed.period)
        if isinstance(stored, str):
            return stored
        problem = self._period_problem(indicator, stored)
        if problem is not None:
            return problem
        if stored == parsed.period:
            return parsed
        return ParsedPeriod(stored, str(stored), period_bounds(stored)[0], reported=parsed.period)

    def _period_problem(self, indicator: Indicator, period: Period) -> str | None:
        if period.frequency not in (indicator.frequency, Frequency.year):
            return (
                f"chỉ tiêu {indicator.code} báo cáo theo {indicator.frequency.label_vi}, không theo "
                f"{period.frequency.label_vi} (period granularity {period.frequency.value} does not match "
                f"the indicator's frequency {indicator.frequency.value})"
            )
        first, last = self._allowed_years(indicator)
        if not first <= period.year <= last:
            return f"kỳ {period} nằm ngoài thời kỳ {first}-{last} của chương trình (outside the programme)"
        return None
