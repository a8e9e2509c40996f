"""An office downloads its reporting template: exactly the rows its key may write, due in the period asked for."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.auth import KeyDep
from api.deps import CatalogueDep, PoolDep, SettingsDep
from api.problems import Problem
from api.xlsx_export import XLSX_MEDIA_TYPE
from api.xlsx_template import template_workbook
from indicators.clock import vietnam_today
from indicators.forms import period_range
from indicators.periods import PeriodError
from ingest.templates import build_form

router = APIRouter(prefix="/v1", tags=["observations"])


@router.get(
    "/templates",
    summary="Biểu mẫu báo cáo (the office's reporting template, .xlsx)",
    description=(
        "One row per (indicator, region, period) due in the period (default: this year) that the key may write, with "
        "the indicator's number and name, unit, target and last reported value; fill the value, status and note cells "
        "and send the workbook back to `POST /v1/observations` (or `chitieu push form.xlsx`)."
    ),
    response_class=Response,
    responses={
        200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}},
        404: {"description": "Unknown programme", "content": {"application/problem+json": {}}},
        422: {"description": "Invalid period", "content": {"application/problem+json": {}}},
    },
)
def get_template(
    key: KeyDep,
    pool: PoolDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    programme: str | None = None,
    period: Annotated[str | None, Query(description="2025, 2025-H1, 2025-Q3 or 2025-09")] = None,
    first: Annotated[str | None, Query(alias="from", description="first period of a range")] = None,
    last: Annotated[str | None, Query(alias="to", description="last period of a range")] = None,
) -> Response:
    if programme is not None and programme not in catalogue.programmes:
        raise Problem(404, "Không tìm thấy chương trình (programme not found)", f"No programme {programme!r}.",
                      slug="not-found")  # fmt: skip
    try:
        start, end = period_range(period, first, last, vietnam_today())
    except PeriodError as error:
        raise Problem(422, "Kỳ báo cáo không hợp lệ (invalid period)", str(error), slug="invalid-request") from None
    with pool.connection() as conn:
        form = build_form(conn, catalogue, [key], start, end, programme)
    content = template_workbook(form, catalogue, settings.report_grace_days)
    name = f"bieu-mau-{programme or 'chitieu'}-{start}{'' if start == end else f'_{end}'}.xlsx"
    return Response(
        content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
