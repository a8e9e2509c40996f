"""Statistics offices push actual values: JSON or CSV, validated, idempotent, revisable, atomic by default."""

import tempfile
import time
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, Field
from pydantic.json_schema import models_json_schema

from api.auth import KeyDep
from api.deps import PoolDep, SettingsDep
from api.metrics import INGEST_REQUESTS, INGEST_ROWS, INGEST_SECONDS
from api.problems import Problem
from indicators.numbers import NumberFormat
from indicators.status import DEFAULT_GRACE_DAYS
from ingest.catalogue_store import CatalogueCache
from ingest.formats import InputError, read_csv
from ingest.json_stream import JsonStream
from ingest.keys import ApiKey
from ingest.observations import BatchRejected, ImportSummary, OutOfScope, TooManyRows, ingest_batch
from ingest.snapshot import refresh_pushed_series
from ingest.validation import ObservationStatus, RowValidator, string_value_parser
from ingest.workbook_file import WorkbookRefused, WorkbookTooLarge
from ingest.xlsx_reader import WorkbookRows, frequencies_in, read_workbook

router = APIRouter(prefix="/v1", tags=["observations"])
CSV_TYPES = ("text/csv", "application/csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Workbooks python-calamine reads: .xlsx, and at no extra cost .xls and .ods.
WORKBOOK_TYPES = (XLSX_TYPE, "application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet")


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
# so memory does not grow with the body (bench/RESULTS.md, section 5).
SPOOL_IN_MEMORY_BYTES = 1 << 20


async def read_body(request: Request, limit: int) -> IO[bytes]:
    """The request body, refused with 413 as soon as it passes the limit (never read whole first), in a file
    positioned at its start; the caller closes it."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            body.write(chunk)
    except BaseException:
        body.close()
        raise
    body.seek(0)
    return body


def _too_large(limit: int) -> Problem:
    return Problem(
        413,
        "Dữ liệu gửi quá lớn (payload too large)",
        f"The body is larger than {limit} bytes: split the batch.",
        slug="payload-too-large",
        limit_bytes=limit,
    )


def _ingest(
    body: IO[bytes],
    content_type: str,
    number_format: NumberFormat | None,
    catalogues: CatalogueCache,
    key: ApiKey,
    pool: ConnectionPool,
    *,
    partial: bool,
    force: bool,
    dry_run: bool,
    max_rows: int,
    strict: bool = False,
    workbook: list[WorkbookRows] | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> ImportSummary:
    """`workbook` receives the workbook read, if the body is one, so that the answer can name each error's cell.
    CSV and JSON rows are read from the body as they are validated and staged."""
    parse_string = None
    rows: Any
    if content_type in WORKBOOK_TYPES:
        rows = read_workbook(body.read(), lambda code: None)
        parse_string = string_value_parser(number_format)
        if workbook is not None:
            workbook.append(rows)
    elif content_type in CSV_TYPES:
        rows = read_csv(body)
        parse_string = string_value_parser(number_format)
    elif content_type in ("application/json", ""):
        rows = JsonStream(body)  # its dry_run, known once read, is ingest_batch's too
    else:
        raise Problem(
            415,
            "Định dạng không hỗ trợ (unsupported media type)",
            f"Send application/json, text/csv or an .xlsx workbook ({XLSX_TYPE}; .xls and .ods are read too).",
            slug="unsupported-media-type",
        )
    with pool.connection() as conn:  # one connection for the catalogue's version and the batch
        catalogue = catalogues.current(conn)
        if isinstance(rows, WorkbookRows):
            rows.frequency_of = frequencies_in(catalogue)  # a date in the period column is read by the frequency
        validator = RowValidator(catalogue, key, parse_string, strict=strict)
        summary = ingest_batch(
            conn, rows, validator, key_id=key.id, partial=partial, force=force, dry_run=dry_run, max_rows=max_rows
        )
        if (summary.imported or summary.updated) and not summary.dry_run:
            refresh_pushed_series(conn, catalogue, summary.touched, grace_days)
        return summary


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
    body = await read_body(request, settings.max_body_bytes)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    chosen = decimal or chitieu_decimal
    number_format = NumberFormat(chosen) if chosen else None
    batch_format = "csv" if content_type in CSV_TYPES else "xlsx" if content_type in WORKBOOK_TYPES else "json"
    workbook: list[WorkbookRows] = []

    def located(answer: dict[str, Any]) -> dict[str, Any]:
        return workbook[0].annotate(answer) if workbook else answer

    started, outcome = time.perf_counter(), "error"
    try:
        summary = await run_in_threadpool(
            _ingest, body, content_type, number_format, request.app.state.catalogues, key, pool,
            partial=partial, force=force, dry_run=dry_run, max_rows=settings.max_batch_rows, strict=strict,
            workbook=workbook, grace_days=settings.report_grace_days,
        )  # fmt: skip
    except WorkbookRefused as error:
        outcome = "unreadable"
        raise Problem(
            415, "Định dạng không hỗ trợ (unsupported media type)", str(error), slug="unsupported-media-type"
        ) from None
    except WorkbookTooLarge as error:
        outcome = "too_large"
        raise Problem(413, "Dữ liệu gửi quá lớn (payload too large)", str(error), slug="payload-too-large") from None
    except InputError as error:
        outcome = "unreadable"
        raise Problem(400, "Không đọc được dữ liệu (unreadable body)", str(error), slug="unreadable-body") from None
    except TooManyRows as error:
        outcome = "too_large"
        raise Problem(
            413,
            "Quá nhiều dòng trong một lần gửi (too many rows)",
            f"A batch may hold at most {error.limit} rows: split it.",
            slug="too-many-rows",
            limit_rows=error.limit,
        ) from None
    except OutOfScope as error:
        outcome = "forbidden"
        raise Problem(
            403,
            "Ngoài phạm vi được giao (out of scope)",
            f"Key {key.id} ({key.office}) may not write these rows; nothing was written.",
            slug="out-of-scope",
            errors=located(
                {"errors": [{"row": e.row, "field": e.field, "message": e.message} for e in error.errors[:1000]]}
            )["errors"],
        ) from None
    except BatchRejected as error:
        outcome = "invalid"
        INGEST_ROWS.labels(outcome="rejected").inc(error.summary.rejected)
        body_out = located(error.summary.as_dict())
        raise Problem(
            422,
            "Số liệu không hợp lệ, chưa ghi dòng nào (invalid rows, nothing written)",
            f"{error.summary.rejected} row(s) are invalid; fix them or send partial=true.",
            slug="invalid-rows",
            **body_out,
        ) from None
    else:
        outcome = "dry_run" if summary.dry_run else "ok"
        if not summary.dry_run:
            for name in ("imported", "updated", "ignored", "rejected"):
                INGEST_ROWS.labels(outcome=name).inc(getattr(summary, name))
    finally:
        body.close()
        INGEST_REQUESTS.labels(format=batch_format, outcome=outcome).inc()
        INGEST_SECONDS.labels(format=batch_format).observe(time.perf_counter() - started)
    if summary.imported or summary.updated:
        request.app.state.refresher.poke(summary.touched)
    return located(summary.as_dict())
