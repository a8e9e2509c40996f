"""Liveness and readiness."""

from typing import Any

from fastapi import APIRouter

from api.deps import PoolDep
from api.problems import Problem
from ingest.migrate import latest_version, readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Tiến trình đang chạy (process alive)")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Sẵn sàng phục vụ (ready: database reachable, migrations current)",
    responses={503: {"description": "Not ready", "content": {"application/problem+json": {}}}},
)
def readyz(pool: PoolDep) -> dict[str, Any]:
    with pool.connection() as conn:
        state = readiness(conn)
    if state.read_only:
        raise Problem(
            503,
            "Cơ sở dữ liệu chỉ đọc (database not writable)",
            "The database chitieu writes to is a replica or read-only (a failover in progress?): writes would fail.",
            slug="database-read-only",
            headers={"Retry-After": "5"},
        )
    if state.migration != latest_version():
        raise Problem(
            503,
            "Cơ sở dữ liệu chưa cập nhật (migrations pending)",
            f"database at migration {state.migration}, code expects {latest_version()}: run `chitieu db migrate`",
            slug="not-ready",
        )
    return {"status": "ready", "timescaledb": state.timescaledb, "migration": state.migration}
