"""Shared by the ingestion tests: keys and small batches."""

from typing import Any

import httpx

from ingest.database import connect
from ingest.keys import create_key


def make_key(db_url: str, regions: list[str] | None = None, programmes: list[str] | None = None, **kw: Any) -> str:
    with connect(db_url) as conn:
        _, token = create_key(
            conn, office="Cục Thống kê (test)", regions=regions or ["*"], programmes=programmes or ["*"], **kw
        )
    return token


def post_json(client: httpx.Client, token: str, rows: list[dict[str, Any]], **params: Any) -> httpx.Response:
    return client.post(
        "/v1/observations", json={"observations": rows}, params=params, headers={"Authorization": f"Bearer {token}"}
    )


def post_csv(client: httpx.Client, token: str, text: str | bytes, **params: Any) -> httpx.Response:
    body = text.encode() if isinstance(text, str) else text
    return client.post(
        "/v1/observations",
        content=body,
        params=params,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
    )
