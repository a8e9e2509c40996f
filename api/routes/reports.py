"""GET /v1/reports/{programme}: the periodic results report as a DOCX, PDF, XLSX or HTML file."""

import unicodedata
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from api.deps import CatalogueDep, IsoDate, PoolDep, SettingsDep
from api.problems import Problem
from api.report import MEDIA_TYPES, ReportFormat, render
from api.report.load import load_report
from api.scope import ReadScopeDep
from indicators.clock import vietnam_today

router = APIRouter(prefix="/v1", tags=["reports"])
CHUNK = 64 * 1024


def content_disposition(filename: str) -> str:
    """RFC 6266 with the RFC 5987 `filename*` for the Vietnamese name, and an ASCII fallback for old clients."""
    ascii_name = unicodedata.normalize("NFKD", filename.replace("đ", "d").replace("Đ", "D"))
    ascii_name = "".join(c for c in ascii_name if c.isascii() and c not in '"\\').replace(" ", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get(
    "/reports/{programme}",
    summary="Báo cáo kết quả thực hiện chỉ tiêu (the periodic results report: DOCX, PDF, XLSX, HTML)",
    operation_id="getReport",
    responses={
        200: {
            "content": {media.split(";")[0]: {} for media in MEDIA_TYPES.values()},
            "description": "The report file, named in Vietnamese (Content-Disposition filename*)",
        },
        404: {"content": {"application/problem+json": {}}},
    },
    response_class=StreamingResponse,
)
def get_report(
    programme: str,
    pool: PoolDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    scope: ReadScopeDep,
    report_format: Annotated[ReportFormat, Query(alias="format")] = ReportFormat.pdf,
    region: str | None = None,
    as_of: Annotated[IsoDate | None, Query(description="Periods ended by this date (default today, Vietnam)")] = None,
    known_at: Annotated[IsoDate | None, Query(description="Only revisions recorded by the end of this day")] = None,
) -> StreamingResponse:
    if programme not in catalogue.programmes:
        raise Problem(
            404, "Không tìm thấy chương trình (programme not found)", f"No programme {programme!r}.", slug="not-found"
        )
    if region is not None and region not in catalogue.regions:
        raise Problem(404, "Không tìm thấy địa bàn (region not found)", f"No region {region!r}.", slug="not-found")
    # With keyed reads, a report of the whole programme needs a key for its province; a key for a part of it asks
    # for its region (the programme's tasks are the province's).
    scope.require(programme, region or catalogue.programmes[programme].province)
    with pool.connection() as conn:
        report = load_report(
            conn,
            catalogue,
            programme,
            as_of or vietnam_today(),
            region=region,
            known_at=known_at,
            grace_days=settings.report_grace_days,
            with_tasks=scope.reaches_tasks_of(programme),
        )
    rendered = render(report, report_format)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(rendered.content), CHUNK):
            yield rendered.content[start : start + CHUNK]

    return StreamingResponse(
        chunks(),
        media_type=rendered.media_type,
        headers={
            "Content-Disposition": content_disposition(rendered.filename),
            "Content-Length": str(len(rendered.content)),
        },
    )
