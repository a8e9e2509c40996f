"""Limits over real HTTP: body size on every endpoint, rows per batch, a rate limit per key, a request deadline; each
stated in the OpenAPI description of the operations it applies to."""

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI

from api.app import create_app
from api.limits import RateLimiter
from api.push_client import Pusher
from api.settings import Settings
from ingest.database import connect
from tests.conftest import ServerThread, settings_for
from tests.ingest_helpers import make_key, post_json

GRDP = "dthap-2023.grdp_growth"
TASK = "qtri-dh1.b.i.1"


def row(period: str = "2023-Q2", value: float = 7.3) -> dict[str, Any]:
    return {"indicator": GRDP, "region": "dong_thap", "period": period, "value": value}


def count(conn: psycopg.Connection[Any], table: str) -> int:
    result = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert result is not None
    return int(result[0])


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def served(db_url: str, request: pytest.FixtureRequest) -> Iterator[tuple[httpx.Client, FastAPI]]:
    """The app served with the settings given as the fixture's parameter, and an HTTP client for it."""
    with (
        ServerThread(settings_for(db_url, **request.param)) as server,
        httpx.Client(base_url=server.url, timeout=30) as http,
    ):
        app = server.server.config.app
        assert isinstance(app, FastAPI)
        yield http, app


def limits(**settings: Any) -> pytest.MarkDecorator:
    return pytest.mark.parametrize("served", [settings], indirect=True, ids=[""])


# --------------------------------------------------------------------------------------------------- body size


@limits(max_body_bytes=2000)
def test_every_endpoint_refuses_a_body_over_the_limit_declared_or_chunked(
    served: tuple[httpx.Client, FastAPI], db_url: str, conn: psycopg.Connection[Any]
) -> None:
    http, _ = served
    token = make_key(db_url)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    big_report = (
        json.dumps({"reported_on": "2025-03-01", "state": "in_progress", "note": "x" * 1900}).encode() + b" " * 200
    )
    big_batch = json.dumps({"observations": [{**row(), "note": "y" * 900}] * 3}).encode()
    big_webhook = json.dumps({"version": "4", "status": "firing", "receiver": "r" * 3000, "alerts": []}).encode()

    def chunked(body: bytes) -> Iterator[bytes]:
        for start in range(0, len(body), 500):
            yield body[start : start + 500]

    cases = [
        (f"/v1/tasks/{TASK}/reports", big_report),
        ("/v1/observations", big_batch),
        ("/v1/alerts/webhook", big_webhook),
    ]
    for path, body in cases:
        for content in (body, chunked(body)):  # with Content-Length, then chunked without one
            response = http.post(path, content=content, headers=auth)
            assert response.status_code == 413, (path, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["limit_bytes"] == 2000
            assert response.json()["type"] == "/problems/payload-too-large"
    assert count(conn, "task_reports") == count(conn, "observations") == count(conn, "alert_events") == 0
    small = http.post(f"/v1/tasks/{TASK}/reports", json={"reported_on": "2025-03-01", "state": "done"}, headers=auth)
    assert small.status_code == 201, small.text


@limits(max_batch_rows=3)
def test_rows_over_the_limit_are_413_and_nothing_is_written(
    served: tuple[httpx.Client, FastAPI], db_url: str, conn: psycopg.Connection[Any]
) -> None:
    http, _ = served
    token = make_key(db_url)
    response = post_json(http, token, [row(f"2023-Q{q}") for q in (1, 2, 3, 4)])
    assert response.status_code == 413 and response.json()["limit_rows"] == 3
    csv = "indicator,region,period,value\n" + "".join(f"{GRDP},dong_thap,2023-Q{q},7\n" for q in (1, 2, 3, 4))
    response = http.post(
        "/v1/observations", content=csv, headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    )
    assert response.status_code == 413 and response.json()["limit_rows"] == 3
    assert count(conn, "observations") == 0


# --------------------------------------------------------------------------------------------------- rate limit


def test_the_token_bucket_refills_per_key_and_caps_at_the_limit(conn: psycopg.Connection[Any]) -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, clock=clock)
    assert [limiter.take(conn, "a") for _ in range(3)] == [0, 0, 0]
    assert limiter.take(conn, "a") == pytest.approx(20)  # 3 a minute: one token every 20 s
    assert limiter.take(conn, "b") == 0, "each key has its own bucket"
    clock.sleep(10)
    assert limiter.take(conn, "a") == pytest.approx(10), "a refused write takes nothing"
    clock.sleep(10)
    assert limiter.take(conn, "a") == 0
    assert limiter.take(conn, "a") == pytest.approx(20)
    clock.sleep(3600)
    assert [limiter.take(conn, "a") for _ in range(4)][:3] == [0, 0, 0], "an idle key gets back at most the limit"
    assert limiter.take(conn, "a") > 0
    assert all(RateLimiter(0, clock=clock).take(conn, "a") == 0 for _ in range(100)), "0 turns the limit off"


def test_the_bucket_follows_the_database_clock_without_one_given(conn: psycopg.Connection[Any]) -> None:
    limiter = RateLimiter(2)
    assert [limiter.take(conn, "a") for _ in range(2)] == [0, 0]
    wait = limiter.take(conn, "a")
    assert 29 < wait <= 30  # 2 a minute: a token every 30 s, a few milliseconds of it gone


@limits(rate_limit_per_minute=3)
def test_a_key_over_its_rate_is_429_with_retry_after_and_nothing_is_written(
    served: tuple[httpx.Client, FastAPI], db_url: str, conn: psycopg.Connection[Any]
) -> None:
    http, _ = served
    token, other = make_key(db_url), make_key(db_url)
    assert [post_json(http, token, [row(f"2023-Q{q}")]).status_code for q in (1, 2, 3)] == [200, 200, 200]
    refused = post_json(http, token, [row("2023-Q4")])
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"] == "/problems/rate-limited" and refused.json()["limit_per_minute"] == 3
    report = http.post(
        f"/v1/tasks/{TASK}/reports",
        json={"reported_on": "2025-03-01", "state": "done"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert report.status_code == 429, "every write of the key counts"
    assert post_json(http, other, [row("2023-Q4")]).status_code == 200, "another key has its own limit"
    assert all(http.get("/v1/status").status_code == 200 for _ in range(10)), "reads are not limited"
    assert conn.execute("SELECT period FROM observations ORDER BY period_start").fetchall() == [
        ("2023-Q1",), ("2023-Q2",), ("2023-Q3",), ("2023-Q4",)
    ]  # fmt: skip
    assert count(conn, "task_reports") == 0


@limits(rate_limit_per_minute=2)
def test_the_push_client_waits_as_told_and_sends_everything(
    served: tuple[httpx.Client, FastAPI], db_url: str, tmp_path: Path, conn: psycopg.Connection[Any]
) -> None:
    http, app = served
    clock = FakeClock()
    app.state.limiter = RateLimiter(2, clock=clock)  # the server's clock moves when the client sleeps
    source = tmp_path / "budget.csv"
    source.write_text(
        "indicator;region;period;value\n"
        + "".join(f"dthap-2023.budget_revenue;dong_thap;{y}-Q{q};{q}00\n" for y in (2022, 2023) for q in (1, 2, 3, 4))
    )
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        clock.sleep(seconds)

    pusher = Pusher(str(http.base_url), make_key(db_url), tmp_path / "spool", decimal="comma", sleep=sleep)
    assert pusher.spool(source, batch_rows=2) == 4
    report = pusher.send_spool()
    assert (report.imported, report.batches_sent) == (8, 4)
    assert waits == [30, 30], "two a minute: the third and fourth batches each wait the 30 s of Retry-After"
    assert count(conn, "observations") == 8


# --------------------------------------------------------------------------------------------------- deadline


def _lock_observations(db_url: str) -> psycopg.Connection[Any]:
    """A transaction holding observations in ACCESS EXCLUSIVE mode: every read and write of it waits."""
    blocker = psycopg.connect(db_url)
    blocker.execute("LOCK TABLE observations IN ACCESS EXCLUSIVE MODE")
    return blocker


@limits(request_timeout_s=1)
def test_a_request_over_the_deadline_is_504_and_resending_the_write_is_safe(
    served: tuple[httpx.Client, FastAPI], db_url: str, conn: psycopg.Connection[Any]
) -> None:
    http, _ = served
    token = make_key(db_url)
    blocker = _lock_observations(db_url)
    try:
        started = time.monotonic()
        write = post_json(http, token, [row()])
        read = http.get("/v1/status")
        elapsed = time.monotonic() - started
        assert http.get("/healthz").status_code == 200, "the service answers other requests meanwhile"
    finally:
        blocker.rollback()
        blocker.close()
    for response in (write, read):
        assert response.status_code == 504
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/timeout" and response.json()["limit_seconds"] == 1
    assert elapsed < 10, "each request was cut at its 1 s deadline, not left waiting for the lock"
    deadline = time.monotonic() + 10
    while count(conn, "observations") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)  # the write the client gave up on completes once the lock is gone
    again = post_json(http, token, [row()])
    assert again.status_code == 200, again.text
    assert again.json()["imported"] + again.json()["ignored"] == 1
    assert conn.execute("SELECT revision FROM observations").fetchall() == [(1,)], "written once"


def test_a_response_begun_before_the_deadline_is_let_finish(db_url: str) -> None:
    with ServerThread(settings_for(db_url, request_timeout_s=0.5)) as server:
        response = httpx.get(f"{server.url}/v1/indicators", timeout=30)
    assert response.status_code == 200 and len(response.json()["items"]) > 10


# --------------------------------------------------------------------------------------------------- OpenAPI


def test_each_limit_is_stated_in_the_openapi_description_of_the_operations_it_applies_to() -> None:
    settings = Settings(
        database_url="postgresql://unused@/unused", max_body_bytes=1234, rate_limit_per_minute=7, request_timeout_s=45
    )
    paths = create_app(settings).openapi()["paths"]
    push = paths["/v1/observations"]["post"]
    for statement in ("1234 byte", "7 writes a minute", "45 s", "CHITIEU_MAX_BATCH_ROWS"):
        assert statement in push["description"], statement
    assert {"413", "429", "504"} <= set(push["responses"])
    assert push["responses"]["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
    report = paths["/v1/tasks/{code}/reports"]["post"]
    assert "7 writes a minute" in report["description"] and "1234 byte" in report["description"]
    board = paths["/v1/status"]["get"]
    assert "45 s" in board["description"] and "writes a minute" not in board["description"]
    assert "504" in board["responses"] and "429" not in board["responses"] and "413" not in board["responses"]
    unlimited = Settings(database_url="postgresql://unused@/unused", rate_limit_per_minute=0, request_timeout_s=0)
    push = create_app(unlimited).openapi()["paths"]["/v1/observations"]["post"]
    assert "429" not in push["responses"] and "504" not in push["responses"]
    assert "writes a minute" not in push["description"]


def test_the_deadline_does_not_cut_a_large_batch_at_the_defaults(db_url: str) -> None:
    """The defaults must let the largest batch through: 50,000 rows (the push client's batch) well within them."""
    defaults = Settings(database_url=db_url)
    rows = [row(f"{2022 + i % 2}-Q{1 + i % 4}") for i in range(50_000)]  # identical repeats: ignored, still read
    body = json.dumps({"observations": rows}).encode()
    assert len(body) < defaults.max_body_bytes
    with ServerThread(settings_for(db_url)) as server:
        started = time.monotonic()
        response = post_json(httpx.Client(base_url=server.url, timeout=120), make_key(db_url), rows)
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    assert elapsed < defaults.request_timeout_s / 10


def test_concurrent_writes_of_one_key_never_exceed_the_limit(db_url: str) -> None:
    """Ten connections, as ten worker processes would have: the bucket in the database is shared."""
    limiter = RateLimiter(50, clock=lambda: 0.0)
    granted: list[bool] = []

    def writer() -> None:
        with connect(db_url) as conn:
            for _ in range(20):
                granted.append(limiter.take(conn, "k") == 0)

    threads = [threading.Thread(target=writer) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 50 and len(granted) == 200


@limits()
def test_a_client_gone_mid_body_is_logged_as_such_not_as_our_error(
    served: tuple[httpx.Client, FastAPI], db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    http, _ = served
    token = make_key(db_url)
    url = httpx.URL(str(http.base_url))
    caplog.set_level(logging.INFO, logger="chitieu.api")
    with socket.create_connection((url.host, url.port or 80)) as sock:
        sock.sendall(
            b"POST /v1/observations HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Authorization: Bearer {token}\r\nContent-Length: 1000\r\n\r\n".encode()
            + b'{"observations": ['
        )
        time.sleep(0.3)  # the server is reading the body
    deadline = time.monotonic() + 10
    while not any("client closed the connection" in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, [r.getMessage() for r in caplog.records]
        time.sleep(0.05)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert http.get("/healthz").status_code == 200


@limits(statement_timeout_ms=200)
def test_reading_a_slow_batch_is_bound_by_the_deadline_not_the_statement_timeout(
    served: tuple[httpx.Client, FastAPI], db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staging COPY lasts while the body is read and validated (a large batch on a busy machine: longer than the
    statement timeout); that must not cancel the batch. The statements after it keep the timeout."""
    from ingest.validation import RowValidator

    validate = RowValidator.validate

    def slow_validate(self: RowValidator, number: int, raw: dict[str, Any]) -> Any:
        time.sleep(0.25)
        return validate(self, number, raw)

    monkeypatch.setattr(RowValidator, "validate", slow_validate)
    http, _ = served
    response = post_json(http, make_key(db_url), [row("2023-Q1"), row("2023-Q2")])
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2
    with psycopg.connect(db_url) as check:
        assert count(check, "observations") == 2
