"""Roll-ups: a region's value of each indicator made from the regions below it, with how many of them reported."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CatalogueDep, ReadPoolDep
from api.paging import Cursor, Limit, page
from api.problems import Problem
from api.routes.catalogue import find_indicator
from api.scope import ReadScopeDep
from indicators.model import RollupMethod
from indicators.numbers import format_vi
from indicators.periods import Period, PeriodError
from indicators.rollup import coverage_text
from indicators.units import UNITS
from ingest.rollups import Rollup, compute_rollups

router = APIRouter(prefix="/v1", tags=["status"])


class RollupOut(BaseModel):
    indicator: str
    name_vi: str
    unit: str
    unit_vi: str
    period: str
    method: RollupMethod = Field(description="sum, weighted_mean, or none (no roll-up: see `reason`)")
    weight: str | None = Field(description="The weight's indicator code, for a weighted mean")
    value: float | None = Field(description="null: no roll-up, or no region below reported")
    value_vi: str | None = Field(description="The value written the Vietnamese way, with its unit")
    reported: int | None = Field(
        description="Regions below that reported the period (a weighted mean: value and weight); null for none"
    )
    expected: int = Field(description="Regions below the catalogue follows the indicator in (the nearest level)")
    complete: bool | None = Field(
        description="Every expected region reported: false means a partial sum or mean; null for none"
    )
    reason: str | None = Field(description="Why there is no roll-up, Vietnamese first")
    text_vi: str = Field(description="The roll-up read out plainly, Vietnamese first, English beside")


class RollupPage(BaseModel):
    region: str
    period: str
    items: list[RollupOut]
    next: str | None = Field(description="The cursor of the next page; null on the last page.")


def rollup_out(rollup: Rollup, catalogue: CatalogueDep) -> RollupOut:
    indicator = catalogue.indicators[rollup.indicator]
    unit = UNITS[indicator.unit]
    weight = catalogue.indicators[rollup.rule.weight].name_vi if rollup.rule.weight else ""
    return RollupOut(
        indicator=indicator.code,
        name_vi=indicator.name_vi,
        unit=indicator.unit,
        unit_vi=unit.symbol_vi,
        period=rollup.period,
        method=rollup.rule.method,
        weight=rollup.rule.weight,
        value=rollup.value,
        value_vi=None if rollup.value is None else f"{format_vi(round(rollup.value, unit.decimals))} {unit.symbol_vi}",
        reported=rollup.reported,
        expected=rollup.expected,
        complete=rollup.complete,
        reason=rollup.rule.reason,
        text_vi=coverage_text(rollup.rule, rollup.reported or 0, rollup.expected, rollup.level, weight),
    )


@router.get("/rollups", summary="Tổng hợp từ địa bàn cấp dưới (roll-ups from the regions below)")
def get_rollups(
    pool: ReadPoolDep,
    catalogue: CatalogueDep,
    scope: ReadScopeDep,
    region: Annotated[str, Query(description="The region rolled up into: a province, a district...")],
    period: Annotated[str, Query(description="Kỳ báo cáo: 2025, 2025-H1, 2025-Q3 or 2025-09")],
    programme: str | None = None,
    indicator: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> RollupPage:
    """Each indicator reported at the period's frequency and followed in regions below `region`: its values there
    summed (counts and flows), averaged by a weight the catalogue names, or not combined, with the reason (growth
    rates, percentages and per-head figures without a weight). `reported` of `expected` says whether a sum is
    partial. The period is required: indicators reported at another frequency are not listed."""
    if region not in catalogue.regions:
        raise Problem(404, "Không tìm thấy địa bàn (region not found)", f"No region {region!r}.", slug="not-found")
    if programme is not None and programme not in catalogue.programmes:
        raise Problem(
            404, "Không tìm thấy chương trình (programme not found)", f"No programme {programme!r}.", slug="not-found"
        )
    try:
        wanted = Period.parse(period)
    except PeriodError as error:
        raise Problem(422, "Kỳ báo cáo không hợp lệ (invalid period)", str(error), slug="invalid-request") from None
    scope.require(programme, region)
    if indicator is not None:
        chosen = find_indicator(catalogue, indicator)
        scope.require(chosen.programme, None)
        indicators = [chosen] if programme in (None, chosen.programme) else []
    else:
        indicators = [
            i
            for i in catalogue.indicators.values()
            if programme in (None, i.programme) and scope.programme_ok(i.programme)
        ]
    with pool.connection() as conn:
        rollups = compute_rollups(conn, catalogue, region, wanted, indicators)
    items = [rollup_out(rollup, catalogue) for rollup in rollups]
    paged = page(items, lambda item: item.indicator, limit, cursor)
    return RollupPage(region=region, period=str(wanted), items=paged.items, next=paged.next)
