"""RFC 9457 problem details for every error the API returns (media type application/problem+json)."""

import json
import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from api.failover import DATABASE_UNAVAILABLE
from api.problem_types import PROBLEM_TYPES, TYPE_FOR_STATUS, problem_members, problem_page, problem_type_of
from indicators.errors import ChitieuError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("chitieu.api")


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
    slug = slug or TYPE_FOR_STATUS.get(status, "http-error")
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
        return Problem(kind.status, title, str(error), slug=kind.slug, **problem_members(error)).response(request)

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
