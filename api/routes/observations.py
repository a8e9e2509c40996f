"""Statistics offices push actual values: JSON or CSV, validated, idempotent, revisable, atomic by default."""

import tempfile
import time
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from api.auth import KeyDep
from api.deps import PoolDep, SettingsDep
from api.metrics import INGEST_REQUESTS, INGEST_ROWS, INGEST_SECONDS
from indicators.errors import ChitieuError
from indicators.numbers import NumberFormat
from ingest.formats import InputError
from ingest.observations import BatchRejected, OutOfScope, TooManyRows
from ingest.submit import XLSX_TYPE, SubmitOptions, Submitted, batch_format, submit_batch
from ingest.validation import ObservationStatus
from ingest.workbook_file import WorkbookTooLarge

router = APIRouter(prefix="/v1", tags=["observations"])


class ObservationIn(BaseModel):
    indicator: str = Field(description="Mã chỉ tiêu (indicator code), e.g. dthap-2023.grdp_growth")
    region: str = Field(description="Mã địa bàn (region code), e.g. dong_thap")
    period: str = Field(description="Kỳ báo cáo: 2024, 2024-H1, 2024-Q2 or 2024-06", examples=["2024-Q2"])
    value: float = Field(description="Giá trị (a JSON number; percentages as 7.5, not 0.075)")
    status: ObservationStatus = ObservationStatus.official
    note: str | None = Field(default=None, max_length=1000)


class ObservationBatch(BaseModel):
    observations: list[ObservationIn]
    dry_run: bool = False


def document(schema: dict[str, Any]) -> None:
    """Define in the OpenAPI schema the JSON body that POST /v1/observations names by $ref: the route reads the body
    itself (JSON or CSV), so FastAPI does not generate it."""
    _, definitions = models_json_schema([(ObservationBatch, "validation")], ref_template="#/components/schemas/{model}")
    schema.setdefault("components", {}).setdefault("schemas", {}).update(definitions["$defs"])


class RowErrorOut(BaseModel):
    row: int = Field(description="1-based position in `observations`; for CSV the spreadsheet row (header = 1)")
    field: str
    message: str
    cell: str | None = Field(default=None, description="for a workbook: the sheet and cell, e.g. Số liệu!D14")


class StoredAsOut(BaseModel):
    row: int
    sent: str = Field(description="the period as sent, e.g. 2024-H1")
    period: str = Field(description="the period it was stored as, e.g. 2024-Q2")
    message: str


class ImportSummaryOut(BaseModel):
    imported: int = Field(description="new values")
    updated: int = Field(description="new revisions of existing values")
    ignored: int = Field(description="identical to the current value (no-op)")
    rejected: int = Field(description="invalid rows (only with partial=true; otherwise the batch is refused)")
    errors: list[RowErrorOut]
    dry_run: bool
    warnings: list[RowErrorOut] = Field(
        default=[],
        description="values accepted that look like the wrong scale (a fraction for a %, 1000 times off); "
        "strict=true refuses them instead",
    )
    stored_as: list[StoredAsOut] = Field(
        default=[], description="rows whose period was stored as another (2024-H1 of a quarterly indicator: 2024-Q2)"
    )
    notices: list[str] = Field(default=[], description="for a workbook: what the reader did not read, and why")


CSV_EXAMPLE = (
    "indicator;region;period;value;status;note\ndthap-2023.grdp_growth;dong_thap;2023-Q2;7,3;estimate;ước 6 tháng\n"
)


# A body larger than this goes to a temporary file as it arrives: the rows are read from there as they are validated,
# so memory does not grow with the body (bench/RESULTS.md, section 5). Its size is limited by api.limits.BodyLimit.
SPOOL_IN_MEMORY_BYTES = 1 << 20

# The outcome an error is counted under in chitieu_ingest_requests_total, the first class that matches.
_OUTCOMES: tuple[tuple[type[ChitieuError], str], ...] = (
    (WorkbookTooLarge, "too_large"),
    (InputError, "unreadable"),
    (TooManyRows, "too_large"),
    (OutOfScope, "forbidden"),
    (BatchRejected, "invalid"),
)


async def spool_body(request: Request) -> IO[bytes]:
    """The request body in a file positioned at its start, kept in memory while small; the caller closes it."""
    body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
    try:
        async for chunk in request.stream():
            body.write(chunk)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body


@router.post(
    "/observations",
    summary="Gửi số liệu thực hiện (push actual values)",
    description=(
        "JSON (`application/json`, an object with `observations`) or CSV (`text/csv`; columns indicator, region, "
        "period, value, status, note; UTF-8 with or without BOM; `,` or `;` separated). CSV numbers: `?decimal=comma` "
        "(Vietnamese: 1.967,5) or `?decimal=dot` (English: 1,967.5), or the `Chitieu-Decimal` header; without either, "
        "a number that reads differently in the two formats (1.967) is rejected, never guessed.\n\n"
        "A workbook (`.xlsx`; `.xls` and `.ods` are read too): a filled template from `GET /v1/templates`, or a sheet "
        "with the CSV column names in its first row. A numeric cell is a number; a text cell follows the CSV number "
        "rules; each error names its cell (`Số liệu!D14`). Password-protected and macro-enabled workbooks are refused.\n\n"
        "A batch is atomic: one invalid row and nothing is written (422 listing every bad row), unless "
        "`partial=true`. Re-sending a value is a no-op; a different value is a new revision; an official figure is "
        "not replaced by an estimate or preliminary figure unless `force=true`.\n\n"
        "A batch may hold at most `CHITIEU_MAX_BATCH_ROWS` rows (default 1,000,000): 413 beyond. The body size "
        "(`CHITIEU_MAX_BODY_BYTES`), rate (`CHITIEU_RATE_LIMIT_PER_MINUTE`) and time (`CHITIEU_REQUEST_TIMEOUT_S`) "
        "limits of this server follow."
    ),
    response_model=ImportSummaryOut,
    responses={
        400: {"description": "The body cannot be read", "content": {"application/problem+json": {}}},
        401: {"description": "Missing, unknown, revoked or expired key", "content": {"application/problem+json": {}}},
        403: {"description": "Rows outside the key's scope", "content": {"application/problem+json": {}}},
        413: {"description": "Body or batch too large", "content": {"application/problem+json": {}}},
        415: {"description": "Not JSON, CSV or a workbook", "content": {"application/problem+json": {}}},
        422: {"description": "Invalid rows; nothing written", "content": {"application/problem+json": {}}},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ObservationBatch"}},
                "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
                XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
async def post_observations(
    request: Request,
    key: KeyDep,
    settings: SettingsDep,
    pool: PoolDep,
    partial: Annotated[bool, Query(description="Write the valid rows and report the others")] = False,
    force: Annotated[bool, Query(description="Let an estimate replace an official figure")] = False,
    dry_run: Annotated[bool, Query(description="Validate and report; write nothing")] = False,
    strict: Annotated[
        bool, Query(description="Refuse values that look like the wrong scale (warnings become errors)")
    ] = False,
    decimal: Annotated[Literal["comma", "dot"] | None, Query(description="CSV number format")] = None,
    chitieu_decimal: Annotated[Literal["comma", "dot"] | None, Header(include_in_schema=False)] = None,
) -> dict[str, Any]:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    chosen = decimal or chitieu_decimal
    options = SubmitOptions(
        max_rows=settings.max_batch_rows, partial=partial, force=force, dry_run=dry_run, strict=strict,
        number_format=NumberFormat(chosen) if chosen else None, grace_days=settings.report_grace_days,
    )  # fmt: skip
    body = await spool_body(request)
    started, outcome = time.perf_counter(), "error"
    try:
        submitted: Submitted = await run_in_threadpool(
            submit_batch, pool, body, media_type, request.app.state.catalogues, key, options
        )
    except ChitieuError as error:  # answered by api.problems
        outcome = next((name for kind, name in _OUTCOMES if isinstance(error, kind)), "error")
        if isinstance(error, BatchRejected):
            INGEST_ROWS.labels(outcome="rejected").inc(error.summary.rejected)
        raise
    else:
        summary = submitted.summary
        outcome = "dry_run" if summary.dry_run else "ok"
        if not summary.dry_run:
            for name in ("imported", "updated", "ignored", "rejected"):
                INGEST_ROWS.labels(outcome=name).inc(getattr(summary, name))
    finally:
        body.close()
        INGEST_REQUESTS.labels(format=batch_format(media_type), outcome=outcome).inc()
        INGEST_SECONDS.labels(format=batch_format(media_type)).observe(time.perf_counter() - started)
    if summary.imported or summary.updated:
        request.app.state.refresher.poke(summary.touched)
    return submitted.answer
