"""RFC 9457 problem details for every error the API returns (media type application/problem+json)."""

import html
import json
import logging
from dataclasses import dataclass
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from api.failover import DATABASE_UNAVAILABLE
from indicators.catalogue import CatalogueError
from indicators.errors import (
    CatalogueLoadRefused,
    ChitieuError,
    ConfigurationError,
    InvalidInput,
    NotFound,
    OperationFailed,
    ScopeError,
)
from ingest.observations import BatchRejected, TooManyRows
from ingest.workbook_file import WorkbookTooLarge

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("chitieu.api")


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem the API answers with; its page is served at /problems/<slug>."""

    slug: str
    status: int
    title_vi: str
    title_en: str
    what_to_do_vi: str
    what_to_do_en: str


# Every problem type the API can emit. A Problem names one by its slug; tests check that every slug in the code is here.
PROBLEM_TYPES: dict[str, ProblemType] = {
    t.slug: t
    for t in [
        ProblemType(
            "unreadable-body", 400, "Không đọc được dữ liệu", "Unreadable body",
            "Nội dung không phải JSON hoặc CSV hợp lệ (UTF-8, đủ cột, không lặp cột). Sửa tệp rồi gửi lại.",
            "The body is not valid JSON or CSV (UTF-8, the required columns, none repeated). Fix it and send again.",
        ),
        ProblemType(
            "invalid-request", 422, "Yêu cầu không hợp lệ", "Invalid request",
            "Tham số hoặc nội dung không khớp đặc tả; trường `errors` chỉ rõ trường nào sai.",
            "A parameter or the body does not match the schema; `errors` names each field at fault.",
        ),
        ProblemType(
            "invalid-rows", 422, "Số liệu không hợp lệ, chưa ghi dòng nào", "Invalid rows, nothing written",
            "Trường `errors` liệt kê từng dòng sai (số dòng, trường, lý do). Sửa các dòng đó, hoặc gửi partial=true "
            "để ghi các dòng đúng.",
            "`errors` lists each bad row (row number, field, reason). Fix them, or send partial=true to write the "
            "valid rows.",
        ),
        ProblemType(
            "invalid-value", 422, "Giá trị không hợp lệ", "Invalid value",
            "Một chuỗi chứa ký tự NUL hoặc ký tự Unicode lỗi, không lưu được.",
            "A text holds a NUL character or a lone surrogate and cannot be stored.",
        ),
        ProblemType(
            "unauthorized", 401, "Cần khóa API hợp lệ", "A valid API key is required",
            "Gửi khóa của cơ quan: `Authorization: Bearer ctk_...`. Khóa bị thu hồi hoặc hết hạn không dùng được.",
            "Send the office's key as `Authorization: Bearer ctk_...`. A revoked or expired key is refused.",
        ),
        ProblemType(
            "out-of-scope", 403, "Ngoài phạm vi được giao", "Out of scope",
            "Khóa này không được ghi hoặc đọc các địa bàn, chương trình đó; không có gì được ghi.",
            "This key may not write or read those regions or programmes; nothing was written.",
        ),
        ProblemType(
            "not-found", 404, "Không tìm thấy", "Not found",
            "Mã trong đường dẫn hoặc bộ lọc không có trong danh mục.",
            "A code in the path or a filter is not in the catalogue.",
        ),
        ProblemType(
            "method-not-allowed", 405, "Phương thức không được phép", "Method not allowed",
            "Đường dẫn này không nhận phương thức HTTP đó; xem /docs.",
            "This path does not take that HTTP method; see /docs.",
        ),
        ProblemType(
            "conflict", 409, "Xung đột với dữ liệu đã có", "Conflict with stored data",
            "Yêu cầu sẽ làm mất dữ liệu đã lưu nên bị từ chối; không có gì thay đổi. Xem `detail`.",
            "The request would lose stored data and was refused; nothing changed. See `detail`.",
        ),
        ProblemType(
            "payload-too-large", 413, "Dữ liệu gửi quá lớn", "Payload too large",
            "Chia tệp thành nhiều lần gửi nhỏ hơn giới hạn `limit_bytes`.",
            "Split the file into batches below `limit_bytes`.",
        ),
        ProblemType(
            "too-many-rows", 413, "Quá nhiều dòng trong một lần gửi", "Too many rows",
            "Chia tệp thành nhiều lần gửi, mỗi lần tối đa `limit_rows` dòng.",
            "Split the file into batches of at most `limit_rows` rows.",
        ),
        ProblemType(
            "unsupported-media-type", 415, "Định dạng không hỗ trợ", "Unsupported media type",
            "Gửi với Content-Type application/json hoặc text/csv.",
            "Send Content-Type application/json or text/csv.",
        ),
        ProblemType(
            "rate-limited", 429, "Gửi quá nhiều yêu cầu", "Too many requests",
            "Chờ số giây trong Retry-After rồi gửi lại; không có gì được ghi.",
            "Wait the seconds given in Retry-After and send again; nothing was written.",
        ),
        ProblemType(
            "client-closed", 499, "Máy khách đã ngắt kết nối", "Client closed the request",
            "Kết nối bị đóng trước khi gửi hết dữ liệu; không có gì được ghi. Gửi lại.",
            "The connection closed before the whole body arrived; nothing was written. Send again.",
        ),
        ProblemType(
            "internal-error", 500, "Lỗi hệ thống", "Internal error",
            "Lỗi phía máy chủ, đã được ghi nhật ký. Báo cho quản trị viên kèm thời điểm.",
            "A server fault, logged. Tell the administrator the time it happened.",
        ),
        ProblemType(
            "database-unavailable", 503, "Cơ sở dữ liệu tạm thời không sẵn sàng", "Database unavailable",
            "Không có gì được ghi. Gửi lại sau số giây trong Retry-After.",
            "Nothing was written. Send again after the seconds given in Retry-After.",
        ),
        ProblemType(
            "database-read-only", 503, "Cơ sở dữ liệu chỉ đọc", "Database not writable",
            "Máy chủ cơ sở dữ liệu đang là bản sao chỉ đọc (có thể đang chuyển đổi dự phòng). Thử lại sau ít phút.",
            "The database is a read-only replica, perhaps during a failover. Try again in a few minutes.",
        ),
        ProblemType(
            "not-ready", 503, "Dịch vụ chưa sẵn sàng", "Service not ready",
            "Dịch vụ đang khởi động hoặc cơ sở dữ liệu chưa cập nhật (chitieu db migrate).",
            "The service is starting or the database needs its migrations (chitieu db migrate).",
        ),
        ProblemType(
            "timeout", 504, "Yêu cầu quá thời gian", "Request timeout",
            "Một lần ghi vẫn có thể hoàn tất; gửi lại là an toàn vì giá trị trùng được bỏ qua.",
            "A write may still complete; sending it again is safe, since identical values are ignored.",
        ),
        ProblemType(
            "http-error", 400, "Lỗi HTTP", "HTTP error",
            "Yêu cầu không được chấp nhận; xem `status` và `detail`.",
            "The request was refused; see `status` and `detail`.",
        ),
    ]
}  # fmt: skip
# The type of a problem raised without one: never about:blank.
_TYPE_FOR_STATUS = {t.status: t.slug for t in reversed(PROBLEM_TYPES.values()) if t.slug != "http-error"}


# Each kind of error of the tree in indicators/errors.py -> its problem type; an error takes the entry of the nearest
# class in its ancestry, so a new subclass is answered as its parent until it gets its own line.
PROBLEM_OF_ERROR: dict[type[ChitieuError], str] = {
    BatchRejected: "invalid-rows",
    TooManyRows: "too-many-rows",
    WorkbookTooLarge: "payload-too-large",
    CatalogueError: "invalid-request",
    InvalidInput: "unreadable-body",
    CatalogueLoadRefused: "conflict",
    NotFound: "not-found",
    ScopeError: "out-of-scope",
    ConfigurationError: "not-ready",
    OperationFailed: "internal-error",
    ChitieuError: "internal-error",
}


def problem_type_of(error: ChitieuError) -> ProblemType:
    """The problem type an error of the tree is answered with."""
    slug = next(PROBLEM_OF_ERROR[kind] for kind in type(error).__mro__ if kind in PROBLEM_OF_ERROR)
    return PROBLEM_TYPES[slug]


class Problem(Exception):
    """An error answered as problem details. `slug` names the problem type: /problems/<slug>."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug
        self.headers = headers or {}
        self.extensions = extensions

    def response(self, request: Request) -> JSONResponse:
        return problem_response(
            self.status,
            self.title,
            self.detail,
            slug=self.slug,
            instance=request.url.path,
            headers=self.headers,
            **self.extensions,
        )


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    slug: str | None = None,
    instance: str,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    slug = slug or _TYPE_FOR_STATUS.get(status, "http-error")
    body: dict[str, Any] = {"type": f"/problems/{slug}", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body["instance"] = instance
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. Some problems add members: `errors`, `limit_bytes`, `limit_rows`, ...",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"row": {"type": "integer"}, "field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}
_FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def problem_doc(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    """An OpenAPI response answered with problem details."""
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if retry_after:
        response["headers"] = {
            "Retry-After": {
                "description": "Giây chờ trước khi gửi lại (seconds to wait)",
                "schema": {"type": "integer"},
            }
        }
    return response


def document(schema: dict[str, Any]) -> None:
    """Declare in the OpenAPI schema the problem answers every operation may give: 400 for a body that cannot be
    read, 422 for a request that does not match its schema, 404 for an unknown code in the path or a filter, 503 when
    the database is unavailable."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                content = response.get("content", {})
                if status == "422" and "application/json" in content:  # FastAPI's default validation answer
                    responses[status] = problem_doc("Dữ liệu không hợp lệ (the request does not match the schema)")
                elif PROBLEM_JSON in content and not content[PROBLEM_JSON].get("schema"):
                    content[PROBLEM_JSON]["schema"] = {"$ref": "#/components/schemas/Problem"}
            if "requestBody" in operation:
                responses.setdefault("400", problem_doc("Không đọc được nội dung (unreadable body)"))
            parameters = operation.get("parameters", [])
            if any(p.get("name") == "cursor" for p in parameters):
                responses.setdefault("400", problem_doc("Con trỏ không hợp lệ (a cursor that is not a page's `next`)"))
            if any(p.get("in") == "path" for p in parameters) or (method == "get" and parameters):
                responses.setdefault("404", problem_doc("Không tìm thấy (an unknown code in the path or a filter)"))
            responses.setdefault(
                "503", problem_doc("Tạm thời không sẵn sàng (database unavailable): retry later", retry_after=True)
            )
    schemas = schema["components"]["schemas"]
    for name in _FASTAPI_VALIDATION_SCHEMAS:  # unused once every 422 is a problem
        removed = schemas.pop(name, None)
        if removed is not None and f"#/components/schemas/{name}" in json.dumps(schema):
            schemas[name] = removed


# Pydantic's error types in Vietnamese; its English message follows in brackets.
_VALIDATION_VI = {
    "missing": "thiếu trường bắt buộc",
    "extra_forbidden": "trường không xác định",
    "greater_than": "giá trị quá nhỏ",
    "greater_than_equal": "giá trị quá nhỏ",
    "less_than": "giá trị quá lớn",
    "less_than_equal": "giá trị quá lớn",
    "finite_number": "phải là số hữu hạn",
    "float_parsing": "phải là số",
    "float_type": "phải là số",
    "int_parsing": "phải là số nguyên",
    "int_type": "phải là số nguyên",
    "int_from_float": "phải là số nguyên",
    "bool_parsing": "phải là true hoặc false",
    "bool_type": "phải là true hoặc false",
    "string_type": "phải là chuỗi",
    "string_too_long": "chuỗi quá dài",
    "string_too_short": "chuỗi quá ngắn",
    "literal_error": "giá trị không thuộc các lựa chọn",
    "enum": "giá trị không thuộc các lựa chọn",
    "date_parsing": "ngày không hợp lệ, viết YYYY-MM-DD",
    "date_from_datetime_parsing": "ngày không hợp lệ, viết YYYY-MM-DD",
    "date_type": "ngày không hợp lệ, viết YYYY-MM-DD",
    "datetime_parsing": "thời điểm không hợp lệ (ISO 8601)",
    "datetime_from_date_parsing": "thời điểm không hợp lệ (ISO 8601)",
    "datetime_type": "thời điểm không hợp lệ (ISO 8601)",
    "json_invalid": "JSON không hợp lệ",
    "model_type": "phải là một đối tượng JSON",
    "model_attributes_type": "phải là một đối tượng JSON",
    "dict_type": "phải là một đối tượng JSON",
    "list_type": "phải là một danh sách",
}


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    """Each field at fault, its message Vietnamese first and pydantic's English beside it."""
    errors = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        english = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        vietnamese = _VALIDATION_VI.get(str(item.get("type")))
        if vietnamese is None:  # our own validators already write "tiếng Việt (English)"
            message = english if "(" in english else f"không hợp lệ ({english})"
        else:
            message = f"{vietnamese} ({english})"
        errors.append({"field": ".".join(location[1:]) or location[0], "message": message})
    return errors


def problem_page(problem_type: ProblemType) -> str:
    """The short page a problem's `type` URI leads to, Vietnamese first, English beside."""
    t = {name: html.escape(str(value)) for name, value in vars(problem_type).items()}
    return (
        '<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{t['title_vi']} ({t['title_en']})</title></head><body>\n"
        f"<h1>{t['title_vi']}</h1>\n<p><i>{t['title_en']}</i> — HTTP {t['status']}</p>\n"
        f'<p>{t["what_to_do_vi"]}</p>\n<p lang="en"><i>{t["what_to_do_en"]}</i></p>\n'
        "<p>Mọi lỗi là RFC 9457 problem details (<code>application/problem+json</code>): "
        "<code>type</code>, <code>title</code>, <code>status</code>, <code>detail</code>.</p>\n</body></html>\n"
    )


def install(app: FastAPI) -> None:
    """Make every error the app raises, ours or the framework's, a problem+json response; serve the page of each
    problem type at its `type` URI."""

    @app.get("/problems/{slug}", include_in_schema=False, response_class=HTMLResponse)
    async def _problem_type(slug: str) -> HTMLResponse:
        problem_type = PROBLEM_TYPES.get(slug)
        if problem_type is None:
            raise Problem(404, "Không có loại lỗi này (no such problem type)", f"No problem type {slug[:80]!r}.")
        return HTMLResponse(problem_page(problem_type))

    @app.exception_handler(Problem)
    async def _problem(request: Request, problem: Problem) -> JSONResponse:
        return problem.response(request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return Problem(
            422,
            "Dữ liệu không hợp lệ (invalid request)",
            "Yêu cầu không khớp đặc tả, xem errors (the request does not match the schema; see errors).",
            slug="invalid-request",
            errors=_validation_errors(error),
        ).response(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        titles = {
            400: "Không đọc được dữ liệu (unreadable body)",
            404: "Không tìm thấy (not found)",
            405: "Phương thức không được phép (method not allowed)",
        }
        return Problem(
            error.status_code,
            titles.get(error.status_code, str(error.detail)),
            str(error.detail) if error.status_code in titles else None,
            headers=dict(error.headers or {}),
        ).response(request)

    async def _database_down(request: Request, error: Exception) -> JSONResponse:
        setattr(request.state, DATABASE_UNAVAILABLE, True)
        log.warning("database unavailable: %s", str(error).splitlines()[0] if str(error) else error)
        return Problem(
            503,
            "Cơ sở dữ liệu tạm thời không sẵn sàng (database unavailable)",
            "Nothing was written. Retry after the delay given in Retry-After.",
            slug="database-unavailable",
            headers={"Retry-After": "5"},
        ).response(request)

    app.add_exception_handler(psycopg.OperationalError, _database_down)
    app.add_exception_handler(PoolTimeout, _database_down)
    # A write that reached a replica while HAProxy had not yet seen the failover: the database is not writable now.
    app.add_exception_handler(psycopg.errors.ReadOnlySqlTransaction, _database_down)

    async def _refused_value(request: Request, error: Exception) -> JSONResponse:
        return Problem(
            422,
            "Giá trị không hợp lệ (invalid value)",
            "A text in the request cannot be stored or searched for: it holds a NUL character or a lone surrogate.",
            slug="invalid-value",
        ).response(request)

    # Raised by psycopg for text PostgreSQL cannot hold: NUL characters (DataError), lone surrogates from a JSON
    # "\ud800" escape (UnicodeEncodeError). Only a request can bring such text in.
    app.add_exception_handler(psycopg.DataError, _refused_value)
    app.add_exception_handler(UnicodeEncodeError, _refused_value)

    @app.exception_handler(ChitieuError)
    async def _ours(request: Request, error: ChitieuError) -> JSONResponse:
        kind = problem_type_of(error)
        if kind.status >= 500:
            log.error("%s: %s", type(error).__name__, error)
        title = f"{kind.title_vi} ({kind.title_en.lower()})"
        return Problem(kind.status, title, str(error), slug=kind.slug).response(request)

    @app.exception_handler(RecursionError)
    async def _too_deep(request: Request, error: RecursionError) -> JSONResponse:
        # Only a request nested beyond reason recurses this deep (JSON parsed or validated level by level).
        return Problem(400, "Dữ liệu lồng nhau quá sâu (body nested too deeply)", slug="unreadable-body").response(
            request
        )

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, error: ClientDisconnect) -> JSONResponse:
        # Nobody will read this answer; 499 (as nginx logs it) keeps the access log honest, and it is not our error.
        log.info("client closed the connection before sending the whole body: %s %s", request.method, request.url.path)
        return Problem(499, "Máy khách đã ngắt kết nối (client closed request)", slug="client-closed").response(request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return Problem(500, "Lỗi hệ thống (internal error)", slug="internal-error").response(request)
