"""Synthetic data for the benchmarks: a catalogue of monthly indicators over many districts, and observation rows.

One synthetic programme ("bench") runs 2015-2025, so its monthly indicators accept the 144 months 2014-01..2025-12.
`indicators x districts` series give as many distinct keys as a benchmark needs: 100 x 100 series x 144 months is
1.44 million. The indicators cycle through four shapes (a rising share on a linear path, a growth rate against a
constant band, a yearly flow, a falling level) so that the status engine does the work a real catalogue gives it.
"""

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice

from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.model import (
    Baseline,
    Direction,
    Group,
    Indicator,
    Measure,
    Programme,
    ProgrammeKind,
    Region,
    RegionLevel,
    Target,
    TargetKind,
)
from indicators.periods import Frequency, Period, Span

PROGRAMME = "bench"
PROVINCE = "bench_province"
FIRST_YEAR = 2015
LAST_YEAR = 2025
MONTHS = [
    Period(year, Frequency.month, month) for year in range(FIRST_YEAR - 1, LAST_YEAR + 1) for month in range(1, 13)
]
KEY_ID = "bench"

# (indicator, region, period_start, period, revision, value, status, note, key_id): the observations table's columns
CopyRow = tuple[str, str, datetime, str, int, float, str, None, str]


@dataclass(frozen=True)
class Shape:
    """What a synthetic observation row needs: the keys and a plausible value."""

    indicator: str
    region: str
    period: Period
    value: float

    def as_json(self) -> dict[str, object]:
        return {"indicator": self.indicator, "region": self.region, "period": str(self.period), "value": self.value}

    def as_csv_line(self) -> str:
        return f"{self.indicator},{self.region},{self.period},{self.value!r},official,\n"

    def as_copy_row(self) -> CopyRow:
        start, _ = period_bounds(self.period)
        return (self.indicator, self.region, start, str(self.period), 1, self.value, "official", None, KEY_ID)


CSV_HEADER = "indicator,region,period,value,status,note\n"


def district_codes(count: int) -> list[str]:
    return [f"{PROVINCE}.d{number:04d}" for number in range(1, count + 1)]


def indicator_codes(count: int) -> list[str]:
    return [f"{PROGRAMME}.i{number:04d}" for number in range(1, count + 1)]


def _indicator(code: str, number: int, regions: list[str]) -> Indicator:
    common = {"code": code, "programme": PROGRAMME, "number": str(number), "frequency": Frequency.month}
    quote = "Chỉ tiêu tổng hợp cho đo hiệu năng (synthetic benchmark indicator)"
    match number % 4:
        case 0:
            return Indicator(
                **common, name_vi=f"Tỷ lệ tổng hợp {number}", name_en=f"Synthetic share {number}",
                group=Group.society, unit="percent", direction=Direction.higher, measure=Measure.share,
                regions=regions, baseline=Baseline(period=Period(FIRST_YEAR, Frequency.year), value=40),
                targets=[Target(period=Span(LAST_YEAR, LAST_YEAR), kind=TargetKind.at_least, value=60, quote=quote)],
            )  # fmt: skip
        case 1:
            return Indicator(
                **common, name_vi=f"Tăng trưởng tổng hợp {number}", name_en=f"Synthetic growth {number}",
                group=Group.economy, unit="percent_change", direction=Direction.higher, measure=Measure.growth_rate,
                regions=regions,
                targets=[Target(period=Span(FIRST_YEAR + 1, LAST_YEAR), kind=TargetKind.range, low=6, high=7,
                                quote=quote)],
            )  # fmt: skip
        case 2:
            return Indicator(
                **common, name_vi=f"Thu tổng hợp {number}", name_en=f"Synthetic revenue {number}",
                group=Group.economy, unit="billion_vnd", direction=Direction.higher, measure=Measure.flow,
                regions=regions,
                targets=[
                    Target(period=Span(year, year), kind=TargetKind.at_least, value=1000 + 50 * (year - FIRST_YEAR),
                           quote=quote)
                    for year in range(FIRST_YEAR + 1, LAST_YEAR + 1)
                ],
            )  # fmt: skip
        case _:
            return Indicator(
                **common, name_vi=f"Tỷ suất tổng hợp {number}", name_en=f"Synthetic rate {number}",
                group=Group.society, unit="per_10000_people", direction=Direction.lower, measure=Measure.level,
                regions=regions, baseline=Baseline(period=Period(FIRST_YEAR, Frequency.year), value=20),
                targets=[Target(period=Span(LAST_YEAR, LAST_YEAR), kind=TargetKind.at_most, value=10, quote=quote)],
            )  # fmt: skip


def extensible_copy(base: Catalogue) -> Catalogue:
    """A copy of `base` whose programmes, regions, indicators and sources can be added to without changing it."""
    return replace(
        base,
        programmes=dict(base.programmes),
        regions=dict(base.regions),
        indicators=dict(base.indicators),
        sources=dict(base.sources),
    )


def synthetic_catalogue(base: Catalogue, indicators: int, districts: int) -> Catalogue:
    """The base catalogue plus the synthetic programme: `indicators` monthly indicators, each in `districts` districts."""
    regions = district_codes(districts)
    catalogue = extensible_copy(base)
    catalogue.programmes[PROGRAMME] = Programme(
        id=PROGRAMME,
        title_vi="Chương trình tổng hợp để đo hiệu năng",
        title_en="Synthetic programme for the benchmarks",
        issuer_vi="chitieu bench",
        province=PROVINCE,
        start_year=FIRST_YEAR,
        end_year=LAST_YEAR,
        kind=ProgrammeKind.plan,
    )
    catalogue.sources[PROGRAMME] = "bench"
    catalogue.regions[PROVINCE] = Region(
        code=PROVINCE, name_vi="Tỉnh tổng hợp", name_en="Synthetic province", level=RegionLevel.province
    )
    for number, code in enumerate(regions, start=1):
        catalogue.regions[code] = Region(
            code=code, name_vi=f"Huyện {number}", name_en=f"District {number}", level=RegionLevel.district,
            parent=PROVINCE,
        )  # fmt: skip
    for number, code in enumerate(indicator_codes(indicators), start=1):
        catalogue.indicators[code] = _indicator(code, number, regions)
    catalogue.digest = hashlib.sha256(f"{base.digest}:bench:{indicators}x{districts}".encode()).hexdigest()
    return catalogue


def _value(indicator_number: int, period: Period, noise: float) -> float:
    years = period.year - FIRST_YEAR
    match indicator_number % 4:
        case 0:
            return round(min(100.0, 40 + 2 * years + noise), 2)
        case 1:
            return round(6.5 + noise, 2)
        case 2:
            return round(max(0.0, (1000 + 50 * years) * period.index / 12 * (1 + noise / 20)), 1)
        case _:
            return round(max(0.0, 20 - years + noise), 2)


def observations(indicators: int, districts: int, months: list[Period] | None = None, seed: int = 8) -> Iterator[Shape]:
    """Every (month, indicator, district) in that order: how data arrive, one month for every series at a time."""
    rng = random.Random(seed)
    codes = indicator_codes(indicators)
    regions = district_codes(districts)
    for period in months or MONTHS:
        for number, code in enumerate(codes, start=1):
            for region in regions:
                yield Shape(code, region, period, _value(number, period, rng.uniform(-1, 1)))


def first(count: int, shapes: Iterator[Shape]) -> list[Shape]:
    rows = list(islice(shapes, count))
    if len(rows) < count:
        raise ValueError(f"the synthetic catalogue holds only {len(rows)} keys, {count} were asked for")
    return rows
