"""Is each indicator on track? The board, one indicator's series, and progress reports on tasks."""

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.auth import KeyDep
from api.deps import CatalogueDep, IsoDate, PoolDep, ReadPoolDep, SettingsDep
from api.paging import Cursor, Limit, Page, decode_cursor, encode_cursor, invalid_cursor, page
from api.problems import Problem
from api.routes.catalogue import find_indicator
from api.scope import ReadScope, ReadScopeDep
from api.status_board import (
    CSV_MEDIA_TYPE,
    NDJSON_MEDIA_TYPE,
    csv_lines,
    json_response,
    ndjson_items,
    ndjson_lines,
    regions_within,
    snapshot_page,
    streamed_batches,
    streamed_csv,
)
from api.xlsx_export import XLSX_MEDIA_TYPE, series_workbook, status_workbook
from indicators.catalogue import Catalogue
from indicators.clock import vietnam_today
from indicators.task_reports import report_problems
from indicators.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from ingest.board import compute_board
from ingest.series import indicator_series
from ingest.snapshot import read_snapshot, read_snapshot_items, snapshot_info, stream_snapshot_items
from ingest.status_item import evaluation_out
from ingest.tasks_store import TaskReport, add_report, task_reports

router = APIRouter(prefix="/v1", tags=["status"])


AsOfQuery = Annotated[
    IsoDate | None,
    Query(description="Judge the periods ended by this date, with their latest revisions (default: today in Vietnam)"),
]
KnownAtQuery = Annotated[
    IsoDate | None,
    Query(
        description="Only revisions recorded by the end of this day, Vietnam time: what was known then "
        "(default: now, every revision)"
    ),
]


FormatQuery = Annotated[
    Literal["json", "xlsx"],
    Query(description="xlsx: the same as a workbook (numbers as numbers, text never a formula)"),
]
StatusFormatQuery = Annotated[
    Literal["json", "xlsx", "ndjson", "csv"] | None,
    Query(description="json (default; ndjson when Accept names application/x-ndjson), xlsx, ndjson or csv (streamed)"),
]
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
}


def xlsx_download(content: bytes, name: str) -> Response:
    return Response(
        content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get(
    "/status",
    summary="Bảng tình hình thực hiện chỉ tiêu (status board)",
    response_model=None,
    responses={
        200: {
            "content": {
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
                NDJSON_MEDIA_TYPE: {"schema": {"type": "string"}},
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            }
        }
    },
)
def get_status(
    request: Request,
    pool: ReadPoolDep,
    catalogue: CatalogueDep,
    settings: SettingsDep,
    scope: ReadScopeDep,
    programme: str | None = None,
    region: str | None = None,
    as_of: AsOfQuery = None,
    known_at: KnownAtQuery = None,
    format: StatusFormatQuery = None,
    limit: Annotated[
        int | None, Query(ge=1, le=10000, description="At most this many items; `next` is the cursor")
    ] = None,
    cursor: Annotated[str | None, Query(max_length=2000, description="The `next` of the page before")] = None,
) -> dict[str, Any] | Response:
    """Today's board from the snapshot (`source: snapshot`, `computed_at`); another `as_of`, or `known_at`, is judged
    live. Paged with `limit` and `cursor` (`{"items": [...], "next": ...}`); `format=ndjson` or `Accept:
    application/x-ndjson` streams every item one a line, `format=csv` as CSV."""
    today = vietnam_today()
    day = as_of or today
    if programme is not None and programme not in catalogue.programmes:
        raise Problem(
            404, "Không tìm thấy chương trình (programme not found)", f"No programme {programme!r}.", slug="not-found"
        )
    scope.require(programme, region)
    after = None
    if cursor is not None:
        key = decode_cursor(cursor, 2)
        if key is None:
            raise invalid_cursor()
        after = (key[0], key[1])
    if format is None:
        format = "ndjson" if NDJSON_MEDIA_TYPE in request.headers.get("accept", "") else "json"
    indicators = None
    if programme is not None:
        indicators = [code for code, i in catalogue.indicators.items() if i.programme == programme]
    regions = regions_within(catalogue, region) if region is not None else None
    with pool.connection() as conn:
        info = snapshot_info(conn) if known_at is None and day == today else None
        from_snapshot = info is not None and info.as_of == today
        if not from_snapshot:
            board = compute_board(
                conn,
                catalogue,
                day,
                programme=programme,
                region=region if regions == [region] else None,
                grace_days=settings.report_grace_days,
                known_at=known_at,
            )
            board = sorted(
                (
                    e
                    for e in board
                    if (regions is None or e.region in regions) and (after is None or (e.indicator, e.region) > after)
                ),
                key=lambda e: (e.indicator, e.region),
            )
        elif format in ("ndjson", "csv"):
            board = []
        elif format == "json":
            # Today's page straight from the items the refresh encoded, as the stream: no Python object per value.
            indicators, regions = _within_reach(scope, catalogue, indicators, regions)
            rows = read_snapshot_items(
                conn, indicators=indicators, regions=regions, after=after, limit=limit + 1 if limit else None
            )
            more = limit is not None and len(rows) > limit
            page_rows = rows[:limit] if limit is not None else rows
            computed_at = info.computed_at if info is not None else None
            head = {"as_of": day, "known_at": None, "source": "snapshot", "computed_at": computed_at}
            next_cursor = encode_cursor(page_rows[-1][:2]) if more else None
            return snapshot_page(head, [item for _, _, item in page_rows], next_cursor)
        else:
            board = read_snapshot(
                conn, indicators=indicators, regions=regions, after=after, limit=limit + 1 if limit else None
            )
    if format in ("ndjson", "csv"):
        if from_snapshot:
            indicators, regions = _within_reach(scope, catalogue, indicators, regions)
            if format == "csv":
                chunks = streamed_csv(pool.connection, indicators, regions)
                return StreamingResponse(chunks, media_type=CSV_MEDIA_TYPE)
            batches = streamed_batches(
                pool.connection, lambda c: stream_snapshot_items(c, indicators=indicators, regions=regions)
            )
            return StreamingResponse(ndjson_items(batches), media_type=NDJSON_MEDIA_TYPE)
        items = (evaluation_out(e) for e in scope.visible(board))
        if format == "csv":
            return StreamingResponse(csv_lines(items), media_type=CSV_MEDIA_TYPE)
        return StreamingResponse(ndjson_lines(items), media_type=NDJSON_MEDIA_TYPE)
    if format == "xlsx":
        workbook = status_workbook(catalogue, list(scope.visible(board)), day)
        return xlsx_download(workbook, f"tinh-hinh-{programme or 'chitieu'}-{day}.xlsx")
    page = scope.visible(board[:limit] if limit is not None else board)
    more = limit is not None and len(board) > limit
    body = {
        "as_of": day,
        "known_at": known_at,
        "source": "snapshot" if from_snapshot else "live",
        "computed_at": info.computed_at if from_snapshot and info is not None else None,
        "items": [evaluation_out(e) for e in page],
        "next": encode_cursor([board[limit - 1].indicator, board[limit - 1].region]) if more and limit else None,
    }
    # Encoded here: FastAPI's generic encoder walks every value of every item (about 0.3 ms an item, 3 s a province).
    return json_response(body)


def _within_reach(
    scope: ReadScope, catalogue: Catalogue, indicators: list[str] | None, regions: list[str] | None
) -> tuple[list[str] | None, list[str] | None]:
    """The indicators and regions asked for, narrowed to a limited key's reach: the query's filter, not a test of
    every row."""
    if scope.unlimited:
        return indicators, regions
    reached = [c for c in (catalogue.indicators if indicators is None else indicators) if scope.reaches_programme_of(c)]
    return reached, [r for r in (catalogue.regions if regions is None else regions) if scope.region_ok(r)]


@router.get(
    "/indicators/{code}/series",
    summary="Chuỗi số liệu một chỉ tiêu (series: actuals, path, status)",
    response_model=None,
    responses=XLSX_RESPONSE,
)
def get_series(
    code: str,
    pool: ReadPoolDep,
    catalogue: CatalogueDep,
    scope: ReadScopeDep,
    region: str | None = None,
    as_of: AsOfQuery = None,
    known_at: KnownAtQuery = None,
    format: FormatQuery = "json",
) -> dict[str, Any] | Response:
    indicator = find_indicator(catalogue, code)
    region = region or catalogue.regions_of(indicator)[0]
    scope.require(indicator.programme, region)
    if region not in catalogue.regions:
        raise Problem(404, "Không tìm thấy địa bàn (region not found)", f"No region {region!r}.", slug="not-found")
    day = as_of or vietnam_today()
    with pool.connection() as conn:
        points = indicator_series(conn, catalogue, indicator, region, day, known_at)
    if format == "xlsx":
        return xlsx_download(series_workbook(catalogue, indicator, region, points), f"chuoi-{code}-{region}-{day}.xlsx")
    return {
        "indicator": code,
        "region": region,
        "as_of": day,
        "known_at": known_at,
        "points": [
            {
                "period": p.period,
                "actual": p.actual,
                "revisions": [asdict(r) for r in p.revisions],
                "expected": p.expected,
                "low": p.low,
                "high": p.high,
                "status": p.evaluation.status.value if p.evaluation else None,
                "approximately": p.evaluation.approximately if p.evaluation else False,
            }
            for p in points
        ],
    }


class TaskReportIn(BaseModel):
    reported_on: date = Field(
        description="Ngày báo cáo (date of the report): from the year before the programme to the year after it, "
        "not after today"
    )
    state: Literal["not_started", "in_progress", "done", "cancelled"]
    percent_done: float | None = Field(
        default=None, ge=0, le=100, description="0-100; `done` needs 100 (or none), `not_started` 0 (or none)"
    )
    note: str | None = Field(default=None, max_length=2000)


@router.post(
    "/tasks/{code}/reports",
    summary="Báo cáo tiến độ nhiệm vụ (task progress report)",
    status_code=201,
    responses={403: {"content": {"application/problem+json": {}}}, 404: {"content": {"application/problem+json": {}}}},
)
def post_task_report(
    code: str, report: TaskReportIn, key: KeyDep, pool: PoolDep, catalogue: CatalogueDep
) -> dict[str, Any]:
    task = catalogue.tasks.get(code)
    if task is None:
        raise Problem(404, "Không tìm thấy nhiệm vụ (task not found)", f"No task {code!r}.", slug="not-found")
    province = catalogue.programmes[task.programme].province
    if not key.may_write(task.programme, [province]):
        raise Problem(
            403,
            "Ngoài phạm vi được giao (out of scope)",
            f"Khóa {key.id} không được báo cáo nhiệm vụ {code} (key {key.id} may not report on {code}).",
            slug="out-of-scope",
        )
    errors = [
        {"field": field, "message": message}
        for field, message in report_problems(
            catalogue.programmes[task.programme], report.state, report.percent_done, report.reported_on, vietnam_today()
        )
    ]
    if report.note and has_control_characters(report.note):
        errors.append({"field": "note", "message": CONTROL_CHARACTERS_MESSAGE})
    if errors:
        raise Problem(
            422,
            "Báo cáo tiến độ không hợp lệ (invalid progress report)",
            "; ".join(error["message"] for error in errors),
            slug="invalid-request",
            errors=errors,
        )
    with pool.connection() as conn:
        saved = add_report(
            conn,
            code,
            reported_on=report.reported_on,
            state=report.state,
            percent_done=report.percent_done,
            note=report.note,
            key_id=key.id,
        )
        conn.commit()  # before answering: the pool's own commit on the way out is skipped on a lost connection
    return asdict(saved)


@router.get("/tasks/{code}/reports", summary="Các báo cáo tiến độ của một nhiệm vụ (progress reports)")
def get_task_reports(
    code: str,
    pool: PoolDep,
    catalogue: CatalogueDep,
    scope: ReadScopeDep,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Page[TaskReport]:
    if code not in catalogue.tasks:
        raise Problem(404, "Không tìm thấy nhiệm vụ (task not found)", f"No task {code!r}.", slug="not-found")
    programme = catalogue.tasks[code].programme
    scope.require(programme, catalogue.programmes[programme].province)
    with pool.connection() as conn:
        reports = task_reports(conn, code)
    return page(reports, lambda report: str(report.id), limit, cursor)
