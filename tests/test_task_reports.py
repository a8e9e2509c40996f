"""Progress reports on tasks hold together: state and percent done agree, the date is one the report can bear, and
every refusal is a Vietnamese-first problem that writes nothing."""

from datetime import timedelta
from typing import Any

import httpx
import psycopg
import pytest

from indicators.clock import vietnam_today
from tests.ingest_helpers import make_key

TASK = "qtri-dh1.b.i.1"  # programme qtri-dh1, 2026-2030, province quang_tri


@pytest.fixture
def auth(db_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_key(db_url, regions=['quang_tri'], programmes=['qtri-dh1'])}"}


def reports(conn: psycopg.Connection[Any]) -> int:
    result = conn.execute("SELECT count(*) FROM task_reports").fetchone()
    assert result is not None
    return int(result[0])


TOMORROW = str(vietnam_today() + timedelta(days=1))
REFUSED = [
    ({"state": "done", "percent_done": 20}, "percent_done", "đã hoàn thành nhưng mới 20%"),
    ({"state": "done", "percent_done": 99.5}, "percent_done", "mới 99,5%"),
    ({"state": "not_started", "percent_done": 80}, "percent_done", "chưa bắt đầu nhưng đã 80%"),
    ({"state": "in_progress", "percent_done": 100.0001}, "percent_done", "giá trị quá lớn"),
    ({"state": "in_progress", "percent_done": -1}, "percent_done", "giá trị quá nhỏ"),
    ({"state": "in_progress", "reported_on": "9999-12-31"}, "reported_on", "31/12/9999 nằm ngoài"),
    ({"state": "in_progress", "reported_on": "0001-01-01"}, "reported_on", "01/01/0001 nằm ngoài"),
    ({"state": "in_progress", "reported_on": "2024-12-31"}, "reported_on", "nằm ngoài 01/01/2025"),
    ({"state": "in_progress", "reported_on": TOMORROW}, "reported_on", "nằm ngoài"),
    ({"state": "finished"}, "state", "giá trị không thuộc các lựa chọn"),
]


@pytest.mark.parametrize(("fields", "field", "says"), REFUSED, ids=[f"{r[1]}:{r[2]}" for r in REFUSED])
def test_inconsistent_or_misdated_reports_are_refused_vietnamese_first(
    client: httpx.Client,
    auth: dict[str, str],
    conn: psycopg.Connection[Any],
    fields: dict[str, Any],
    field: str,
    says: str,
) -> None:
    body = {"reported_on": "2026-03-01", **fields}
    answer = client.post(f"/v1/tasks/{TASK}/reports", json=body, headers=auth)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "/problems/invalid-request"
    [error] = problem["errors"]
    assert error["field"].endswith(field)
    assert says in error["message"], error["message"]
    assert error["message"].index("(") > 0, "Vietnamese first, English in brackets"
    assert reports(conn) == 0


def test_nan_percent_is_refused(client: httpx.Client, auth: dict[str, str]) -> None:
    body = '{"reported_on": "2026-03-01", "state": "in_progress", "percent_done": NaN}'
    answer = client.post(
        f"/v1/tasks/{TASK}/reports", content=body, headers={**auth, "Content-Type": "application/json"}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"].endswith("percent_done")


@pytest.mark.parametrize(
    "fields",
    [
        {"state": "done", "percent_done": 100},
        {"state": "done"},
        {"state": "not_started", "percent_done": 0},
        {"state": "not_started"},
        {"state": "in_progress", "percent_done": 100},
        {"state": "cancelled", "percent_done": 30},
        {"state": "in_progress", "reported_on": "2025-01-01"},
        {"state": "in_progress", "reported_on": str(vietnam_today())},
    ],
)
def test_consistent_reports_are_stored(
    client: httpx.Client, auth: dict[str, str], conn: psycopg.Connection[Any], fields: dict[str, Any]
) -> None:
    answer = client.post(f"/v1/tasks/{TASK}/reports", json={"reported_on": "2026-03-01", **fields}, headers=auth)
    assert answer.status_code == 201, answer.text
    assert reports(conn) == 1


def test_a_tasks_reports_are_the_paged_envelope(client: httpx.Client, auth: dict[str, str]) -> None:
    for month, state in ((3, "not_started"), (4, "in_progress"), (5, "done")):
        answer = client.post(f"/v1/tasks/{TASK}/reports", json={"reported_on": f"2025-0{month}-01", "state": state},
                             headers=auth)  # fmt: skip
        assert answer.status_code == 201, answer.text
    first = client.get(f"/v1/tasks/{TASK}/reports", params={"limit": 2}, headers=auth).json()
    assert len(first["items"]) == 2 and first["next"]
    rest = client.get(f"/v1/tasks/{TASK}/reports", params={"limit": 2, "cursor": first["next"]}, headers=auth).json()
    assert rest["next"] is None
    states = {item["state"] for item in first["items"] + rest["items"]}
    assert states == {"not_started", "in_progress", "done"}
    assert all(item["task"] == TASK for item in first["items"] + rest["items"])
    whole = client.get(f"/v1/tasks/{TASK}/reports", headers=auth).json()
    assert [item["id"] for item in whole["items"]] == [item["id"] for item in first["items"] + rest["items"]]
    assert client.get(f"/v1/tasks/{TASK}/reports", params={"cursor": "bm90LW91cnM"}, headers=auth).status_code == 400
