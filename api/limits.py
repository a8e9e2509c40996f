"""Limits that protect the service from callers: a body size, a per-key rate limit on writes, a request deadline.

The body limit (`max_body_bytes`) holds for every endpoint, whether the size is declared or the body is chunked.

The rate limit is a token bucket per API key id: it holds `rate_limit_per_minute` tokens, refills at that many per
minute, and each write takes one. The buckets are kept in PostgreSQL (ingest/rate_limits.py, one statement on the
connection that checked the key), so the limit holds in total across worker processes and replicas on one database.

The request deadline answers 504 when a request takes longer than `request_timeout_s`. Work already running in a
thread cannot be stopped from outside, so a write may still be completed after the 504; re-sending it is safe, since
an identical value is ignored.
"""

import asyncio
import logging
import math
from collections.abc import Callable
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import Problem, problem_doc, problem_response
from api.settings import Settings
from indicators.numbers import format_vi_exact
from ingest.rate_limits import take_token

log = logging.getLogger("chitieu.api")


class RateLimiter:
    """A token bucket per key id in the database: `per_minute` requests at once, then `per_minute` a minute.
    `clock` (seconds) replaces the database's clock in tests."""

    def __init__(self, per_minute: int, clock: Callable[[], float] | None = None) -> None:
        self.per_minute = per_minute
        self._clock = clock

    def take(self, conn: psycopg.Connection[Any], key_id: str) -> float:
        """Take a token for the key: 0 when the request may go ahead, else the seconds until a token is free."""
        if self.per_minute <= 0:
            return 0.0
        now = self._clock() if self._clock is not None else None
        return take_token(conn, key_id, self.per_minute, self.per_minute / 60, now)


def limit_writes(request: Request, conn: psycopg.Connection[Any], key_id: str) -> None:
    """Count one write for the key; raise 429 with Retry-After when the key is over its limit."""
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.take(conn, key_id)
    if wait > 0:
        retry_after = max(1, math.ceil(wait))
        raise Problem(
            429,
            "Gửi quá nhiều yêu cầu (too many requests)",
            f"Key {key_id} may make {limiter.per_minute} writes a minute. Nothing was written; retry after "
            f"{retry_after} s.",
            slug="rate-limited",
            headers={"Retry-After": str(retry_after)},
            limit_per_minute=limiter.per_minute,
        )


class RequestTimeout:
    """ASGI middleware: a request not answered within `seconds` gets 504; its late answer is dropped."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.seconds <= 0:
            await self.app(scope, receive, send)
            return
        answered = False
        timed_out = False

        async def send_unless_timed_out(message: Message) -> None:
            nonlocal answered
            if timed_out:
                return
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        handling = asyncio.ensure_future(self.app(scope, receive, send_unless_timed_out))
        done, _ = await asyncio.wait({handling}, timeout=self.seconds)
        if done or answered:  # a response already begun is let finish
            await handling
            return
        timed_out = True
        handling.add_done_callback(_log_late_failure)
        handling.cancel()  # stops async work at once; a thread running a sync endpoint finishes by itself
        log.warning("request timed out after %g s: %s %s", self.seconds, scope["method"], scope["path"])
        response = problem_response(
            504,
            "Yêu cầu quá thời gian (request timeout)",
            f"The request took longer than {self.seconds:g} s. A write may still be completed; re-sending it is "
            "safe, since identical values are ignored.",
            slug="timeout",
            instance=scope["path"],
            limit_seconds=self.seconds,
        )
        await response(scope, receive, send)


class BodyLimit:
    """ASGI middleware: a request body larger than `limit` bytes gets 413, whether its size is declared
    (Content-Length) or only found while reading (chunked); the endpoint then sees a client that went away."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self._too_large(scope, receive, send)
            return
        received = 0
        exceeded = False

        async def receive_within_limit() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def send_unless_exceeded(message: Message) -> None:
            if not exceeded:
                await send(message)

        try:
            await self.app(scope, receive_within_limit, send_unless_exceeded)
        except Exception:
            if not exceeded:
                raise  # an endpoint that fails on a body cut short has done nothing worth reporting
        if exceeded:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413,
            "Dữ liệu gửi quá lớn (payload too large)",
            f"The body is larger than {self.limit} bytes: split the batch.",
            slug="payload-too-large",
            instance=scope["path"],
            limit_bytes=self.limit,
        )
        await response(scope, receive, send)


def _log_late_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("a timed-out request failed later: %r", task.exception())


def install(app: FastAPI, settings: Settings) -> None:
    app.state.limiter = RateLimiter(settings.rate_limit_per_minute)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(RequestTimeout, seconds=settings.request_timeout_s)  # added last: the outermost


def document(schema: dict[str, Any], settings: Settings, rate_limited: set[tuple[str, str]]) -> None:
    """State the limits in the OpenAPI description of each operation they apply to, with their 413, 429 and 504 answers.
    `rate_limited` holds the (path, method) of the operations that count against a key's rate limit."""
    body = (
        f"nội dung gửi tối đa {settings.max_body_bytes} byte (a body larger than {settings.max_body_bytes} bytes "
        "is answered 413)."
    )
    rate = (
        f"mỗi khóa ghi tối đa {settings.rate_limit_per_minute} lần mỗi phút (each key may make "
        f"{settings.rate_limit_per_minute} writes a minute: 429 with Retry-After beyond)."
    )
    timeout = (
        f"yêu cầu quá {format_vi_exact(settings.request_timeout_s)} s bị trả 504 (a request taking longer than "
        f"{settings.request_timeout_s:g} s, upload included, is answered 504)."
    )
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            responses = operation.setdefault("responses", {})
            stated = []
            if "requestBody" in operation:
                stated.append(body)
                responses.setdefault("413", problem_doc("Dữ liệu gửi quá lớn (payload too large)"))
            if (path, method) in rate_limited and settings.rate_limit_per_minute > 0:
                stated.append(rate)
                responses.setdefault("429", problem_doc("Quá giới hạn gửi (rate limited)", retry_after=True))
            if settings.request_timeout_s > 0:
                stated.append(timeout)
                responses.setdefault("504", problem_doc("Quá thời gian (request timeout)"))
            if stated:
                description = operation.get("description", "").rstrip()
                operation["description"] = f"{description}\n\n**Giới hạn (limits)**: {' '.join(stated)}".lstrip()
