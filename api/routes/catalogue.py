"""The catalogue as loaded: programmes, regions, indicators with their targets and paths, tasks.

Every list is a page (`{"items": [...], "next": ...}`, `limit` and `cursor`, see api/paging.py), in catalogue order.
"""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import CatalogueDep, IsoDate, PoolDep
from api.paging import Cursor, Limit, Page, page
from api.problems import Problem
from api.scope import ReadScopeDep
from indicators.catalogue import Catalogue
from indicators.clock import vietnam_today
from indicators.model import Baseline, Group, Indicator, Milestone, Programme, Region
from indicators.numbers import format_vi
from indicators.units import UNITS
from ingest.tasks_store import TaskAttribute, TaskRow, list_tasks

router = APIRouter(prefix="/v1", tags=["catalogue"])


class TargetOut(BaseModel):
    period: str
    kind: str
    value: float | None
    low: float | None
    high: float | None
    strict: bool
    basis: str
    quote: str | None
    reason: str | None


class PathOut(BaseModel):
    kind: str
    milestones: list[Milestone] = []
    seasonal_profile: list[float] | None = None


class IndicatorOut(BaseModel):
    code: str
    programme: str
    number: str | None
    name_vi: str
    name_en: str
    group: str
    unit: str
    unit_vi: str
    direction: str
    measure: str
    frequency: str
    owner: str | None
    regions: list[str]
    parent: str | None
    baseline: Baseline | None
    targets: list[TargetOut]
    path: PathOut
    tolerance: float | None


class ProgrammeOut(Programme):
    source: str
    indicators: int


class AttributeOut(TaskAttribute):
    """A task's physical specification with its unit and a Vietnamese reading: "khoảng 2.000 MW"."""

    unit_vi: str
    text_vi: str


class TaskOut(TaskRow[AttributeOut]):
    """A task as ingest reads it, its attributes read out."""


def indicator_out(catalogue: Catalogue, indicator: Indicator) -> IndicatorOut:
    return IndicatorOut(
        code=indicator.code,
        programme=indicator.programme,
        number=indicator.number,
        name_vi=indicator.name_vi,
        name_en=indicator.name_en,
        group=indicator.group.value,
        unit=indicator.unit,
        unit_vi=UNITS[indicator.unit].symbol_vi,
        direction=indicator.direction.value,
        measure=indicator.measure.value,
        frequency=indicator.frequency.value,
        owner=indicator.owner,
        regions=catalogue.regions_of(indicator),
        parent=indicator.parent,
        baseline=indicator.baseline,
        targets=[
            TargetOut(
                period=str(t.period),
                kind=t.kind.value,
                value=t.value,
                low=t.low,
                high=t.high,
                strict=t.strict,
                basis=t.basis.value,
                quote=t.quote,
                reason=t.reason,
            )
            for t in indicator.targets
        ],
        path=PathOut.model_validate(
            {"kind": indicator.path_kind.value, **(indicator.path.model_dump(mode="json") if indicator.path else {})}
        ),
        tolerance=indicator.tolerance,
    )


@router.get("/programmes", summary="Chương trình, nghị quyết (programmes)")
def get_programmes(
    catalogue: CatalogueDep, scope: ReadScopeDep, limit: Limit = None, cursor: Cursor = None
) -> Page[ProgrammeOut]:
    programmes = [
        ProgrammeOut(**dict(p), source=catalogue.sources[p.id], indicators=_count(catalogue, p.id))
        for p in catalogue.programmes.values()
        if scope.programme_ok(p.id)
    ]
    return page(programmes, lambda p: p.id, limit, cursor)


def _count(catalogue: Catalogue, programme: str) -> int:
    return sum(1 for i in catalogue.indicators.values() if i.programme == programme)


@router.get("/regions", summary="Địa bàn (regions)")
def get_regions(
    catalogue: CatalogueDep, scope: ReadScopeDep, limit: Limit = None, cursor: Cursor = None
) -> Page[Region]:
    regions = [region for region in catalogue.regions.values() if scope.region_ok(region.code)]
    return page(regions, lambda r: r.code, limit, cursor)


@router.get("/indicators", summary="Chỉ tiêu (indicators), with targets and paths")
def get_indicators(
    catalogue: CatalogueDep,
    scope: ReadScopeDep,
    programme: str | None = None,
    group: Group | None = None,
    region: str | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Page[IndicatorOut]:
    scope.require(programme, region)
    indicators = [
        indicator_out(catalogue, i)
        for i in catalogue.indicators.values()
        if scope.reaches(i)
        and (programme is None or i.programme == programme)
        and (group is None or i.group is group)
        and (region is None or region in catalogue.regions_of(i))
    ]
    return page(indicators, lambda i: i.code, limit, cursor)


def find_indicator(catalogue: Catalogue, code: str) -> Indicator:
    indicator = catalogue.indicators.get(code)
    if indicator is None:
        raise Problem(404, "Không tìm thấy chỉ tiêu (indicator not found)", f"No indicator {code!r}.", slug="not-found")
    return indicator


@router.get("/indicators/{code}", summary="Một chỉ tiêu (one indicator)")
def get_indicator(code: str, catalogue: CatalogueDep, scope: ReadScopeDep) -> IndicatorOut:
    indicator = find_indicator(catalogue, code)
    scope.require_indicator(indicator)
    return indicator_out(catalogue, indicator)


@router.get("/tasks", summary="Nhiệm vụ (tasks), with the latest progress report")
def get_tasks(
    pool: PoolDep,
    scope: ReadScopeDep,
    programme: str | None = None,
    lead: Annotated[str | None, Query(description="Lead agency code")] = None,
    due_before: IsoDate | None = None,
    as_of: IsoDate | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Page[TaskOut]:
    scope.require(programme, None)
    with pool.connection() as conn:
        tasks = list_tasks(conn, as_of or vietnam_today(), programme=programme, lead=lead, due_before=due_before)
    out = [
        TaskOut(**{**dict(task), "attributes": [attribute_out(a) for a in task.attributes]})
        for task in tasks
        if scope.reaches_tasks_of(task.programme)
    ]
    return page(out, lambda t: t.code, limit, cursor)


def attribute_out(attribute: TaskAttribute) -> AttributeOut:
    unit = UNITS[attribute.unit]
    text = f"{format_vi(attribute.value)} {unit.symbol_vi}"
    return AttributeOut(
        **dict(attribute), unit_vi=unit.symbol_vi, text_vi=f"khoảng {text}" if attribute.approximate else text
    )
