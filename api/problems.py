"""RFC 9457 problem details for every error the API returns (media type application/problem+json)."""

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from ingest.errors import ChitieuError

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
        body: dict[str, Any] = {
            "type": f"/problems/{self.slug}" if self.slug else "about:blank",
            "title": self.title,
            "status": self.status,
        }
        if self.detail:
            body["detail"] = self.detail
        body["instance"] = request.url.path
        body.update(self.extensions)
        return JSONResponse(body, status_code=self.status, media_type=PROBLEM_JSON, headers=self.headers)


def _validation_errors(error: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ())]
        errors.append({"field": ".".join(location[1:]) or location[0], "message": item.get("msg", "invalid")})
    return errors


def install(app: FastAPI) -> None:
    """Make every error the app raises, ours or the framework's, a problem+json response."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, problem: Problem) -> JSONResponse:
        return problem.response(request)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return Problem(
            422,
            "Dữ liệu không hợp lệ (invalid request)",
            "The request does not match the schema; see errors.",
            slug="invalid-request",
            errors=_validation_errors(error),
        ).response(request)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Không tìm thấy (not found)", 405: "Phương thức không được phép (method not allowed)"}
        return Problem(
            error.status_code,
            titles.get(error.status_code, str(error.detail)),
            str(error.detail) if error.status_code in titles else None,
            headers=dict(error.headers or {}),
        ).response(request)

    async def _database_down(request: Request, error: Exception) -> JSONResponse:
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

    @app.exception_handler(ChitieuError)
    async def _ours(request: Request, error: ChitieuError) -> JSONResponse:
        log.error("%s: %s", type(error).__name__, error)
        return Problem(503, "Dịch vụ chưa sẵn sàng (service not ready)", str(error), slug="not-ready").response(request)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return Problem(500, "Lỗi hệ thống (internal error)", slug="internal-error").response(request)
