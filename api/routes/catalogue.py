"""The catalogue as loaded: programmes, regions, indicators with their targets and paths, tasks."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.auth import ReaderDep
from api.deps import CatalogueDep, IsoDate, PoolDep
from api.problems import Problem
from api.scope import ReadScopeDep
from indicators.catalogue import Catalogue
from indicators.clock import vietnam_today
from indicators.model import Group, Indicator
from indicators.numbers import format_vi
from indicators.units import UNITS
from ingest.tasks_store import list_tasks

router = APIRouter(prefix="/v1", tags=["catalogue"])


def indicator_out(catalogue: Catalogue, indicator: Indicator) -> dict[str, Any]:
    unit = UNITS[indicator.unit]
    return {
        "code": indicator.code,
        "programme": indicator.programme,
        "number": indicator.number,
        "name_vi": indicator.name_vi,
        "name_en": indicator.name_en,
        "group": indicator.group.value,
        "unit": indicator.unit,
        "unit_vi": unit.symbol_vi,
        "direction": indicator.direction.value,
        "measure": indicator.measure.value,
        "frequency": indicator.frequency.value,
        "owner": indicator.owner,
        "regions": catalogue.regions_of(indicator),
        "parent": indicator.parent,
        "baseline": indicator.baseline.model_dump(mode="json") if indicator.baseline else None,
        "targets": [
            {
                "period": str(t.period),
                "kind": t.kind.value,
                "value": t.value,
                "low": t.low,
                "high": t.high,
                "strict": t.strict,
                "basis": t.basis.value,
                "quote": t.quote,
                "reason": t.reason,
            }
            for t in indicator.targets
        ],
        "path": {
            "kind": indicator.path_kind.value,
            **(indicator.path.model_dump(mode="json") if indicator.path else {}),
        },
        "tolerance": indicator.tolerance,
    }


@router.get("/programmes", summary="Chương trình, nghị quyết (programmes)")
def get_programmes(catalogue: CatalogueDep, _: ReaderDep) -> list[dict[str, Any]]:
    return [
        {**p.model_dump(mode="json"), "source": catalogue.sources[p.id], "indicators": _count(catalogue, p.id)}
        for p in catalogue.programmes.values()
    ]


def _count(catalogue: Catalogue, programme: str) -> int:
    return sum(1 for i in catalogue.indicators.values() if i.programme == programme)


@router.get("/regions", summary="Địa bàn (regions)")
def get_regions(catalogue: CatalogueDep, _: ReaderDep) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in catalogue.regions.values()]


@router.get("/indicators", summary="Chỉ tiêu (indicators), with targets and paths")
def get_indicators(
    catalogue: CatalogueDep,
    scope: ReadScopeDep,
    programme: str | None = None,
    group: Group | None = None,
    region: str | None = None,
) -> list[dict[str, Any]]:
    scope.require(programme, region)
    return [
        indicator_out(catalogue, i)
        for i in catalogue.indicators.values()
        if scope.reaches(i)
        and (programme is None or i.programme == programme)
        and (group is None or i.group is group)
        and (region is None or region in catalogue.regions_of(i))
    ]


def find_indicator(catalogue: Catalogue, code: str) -> Indicator:
    indicator = catalogue.indicators.get(code)
    if indicator is None:
        raise Problem(404, "Không tìm thấy chỉ tiêu (indicator not found)", f"No indicator {code!r}.", slug="not-found")
    return indicator


@router.get("/indicators/{code}", summary="Một chỉ tiêu (one indicator)")
def get_indicator(code: str, catalogue: CatalogueDep, scope: ReadScopeDep) -> dict[str, Any]:
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
) -> list[dict[str, Any]]:
    scope.require(programme, None)
    with pool.connection() as conn:
        tasks = list_tasks(conn, as_of or vietnam_today(), programme=programme, lead=lead, due_before=due_before)
    tasks = [task for task in tasks if scope.reaches_tasks_of(task.programme)]
    return [{**task.__dict__, "attributes": [attribute_out(a) for a in task.attributes]} for task in tasks]


def attribute_out(attribute: dict[str, Any]) -> dict[str, Any]:
    """A task's physical specification with its unit and a Vietnamese reading: "khoảng 2.000 MW"."""
    unit = UNITS[attribute["unit"]]
    text = f"{format_vi(attribute['value'])} {unit.symbol_vi}"
    return {**attribute, "unit_vi": unit.symbol_vi, "text_vi": f"khoảng {text}" if attribute["approximate"] else text}
