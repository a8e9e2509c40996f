"""Reading the catalogue, the status board and series over HTTP; task reports; keyed reads."""

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from ingest.board import refresh_snapshot
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from tests.conftest import ServerThread, settings_for
from tests.ingest_helpers import make_key, post_json


def test_indicators_carry_targets_and_paths(client: httpx.Client) -> None:
    items = client.get("/v1/indicators", params={"programme": "dthap-2023"}).json()["items"]
    budget = next(i for i in items if i["code"] == "dthap-2023.budget_revenue")
    assert budget["number"] == "3"
    assert budget["unit"] == "billion_vnd" and budget["unit_vi"] == "tỷ đồng"
    assert budget["path"]["kind"] == "flow"
    assert budget["targets"][0]["value"] == 7555 and budget["targets"][0]["kind"] == "at_least"
    assert "7.555" in budget["targets"][0]["quote"]
    assert {i["programme"] for i in items} == {"dthap-2023"}
    economy = client.get("/v1/indicators", params={"programme": "dthap-2023", "group": "economy"}).json()["items"]
    assert 0 < len(economy) < len(items)


def test_programmes_regions_and_one_indicator(client: httpx.Client) -> None:
    programmes = {p["id"]: p for p in client.get("/v1/programmes").json()["items"]}
    assert set(programmes) == {"qtri-dh1", "qtri-kh184", "qngai-2024", "dthap-2023", "htinh-nq26"}
    assert programmes["qngai-2024"]["source"] == "002"
    regions = {r["code"] for r in client.get("/v1/regions").json()["items"]}
    assert {"quang_tri", "quang_ngai", "dong_thap", "ha_tinh"} <= regions
    assert client.get("/v1/indicators/dthap-2023.grdp_growth").json()["measure"] == "growth_rate"
    missing = client.get("/v1/indicators/none")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


def test_tasks_filter_by_programme_lead_and_due(client: httpx.Client) -> None:
    tasks = client.get("/v1/tasks", params={"programme": "qtri-kh184", "as_of": "2025-06-01"}).json()["items"]
    assert tasks and {t["programme"] for t in tasks} == {"qtri-kh184"}
    early = client.get("/v1/tasks", params={"programme": "qtri-kh184", "due_before": "2025-04-01"}).json()["items"]
    assert early and all(t["due"] < "2025-04-01" for t in early)
    assert all(t["overdue"] for t in early if t["state"] is None)
    lead = tasks[0]["lead"][0]
    assert all(lead in t["lead"] for t in client.get("/v1/tasks", params={"lead": lead}).json()["items"])


def test_status_board_judges_the_worked_examples(client: httpx.Client, db_url: str) -> None:
    token = make_key(db_url)
    rows = [
        {"indicator": "dthap-2023.budget_revenue", "region": "dong_thap", "period": "2023-Q2", "value": 3900},
        {"indicator": "dthap-2023.grdp_growth", "region": "dong_thap", "period": "2023-Q2", "value": 6.9},
    ]
    assert post_json(client, token, rows).status_code == 200
    board = client.get("/v1/status", params={"programme": "dthap-2023", "as_of": "2023-07-15"}).json()
    by_code = {item["indicator"]: item for item in board["items"]}
    budget = by_code["dthap-2023.budget_revenue"]
    assert budget["status"] == "on_track" and budget["expected"] == pytest.approx(3777.5)
    assert by_code["dthap-2023.grdp_growth"]["status"] == "off_track"
    assert by_code["dthap-2023.grdp_growth"]["status_vi"] == "chậm tiến độ"
    assert board["as_of"] == "2023-07-15"


def test_series_shows_revisions_and_the_path(client: httpx.Client, db_url: str) -> None:
    token = make_key(db_url)
    row: dict[str, Any] = {"indicator": "dthap-2023.budget_revenue", "region": "dong_thap", "period": "2023-Q2"}
    post_json(client, token, [{**row, "value": 3500, "status": "estimate"}])
    post_json(client, token, [{**row, "value": 3900}])
    series = client.get("/v1/indicators/dthap-2023.budget_revenue/series", params={"region": "dong_thap"}).json()
    points = {p["period"]: p for p in series["points"]}
    assert set(points) >= {"2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4"}
    q2 = points["2023-Q2"]
    assert [r["value"] for r in q2["revisions"]] == [3500, 3900]
    assert q2["actual"] == 3900 and q2["expected"] == pytest.approx(3777.5)
    assert points["2023-Q4"]["expected"] == pytest.approx(7555)


def test_task_reports_are_scoped_and_listed(client: httpx.Client, db_url: str) -> None:
    code = client.get("/v1/tasks", params={"programme": "qtri-kh184"}).json()["items"][0]["code"]
    report = {"reported_on": "2025-03-01", "state": "in_progress", "percent_done": 40, "note": "đang triển khai"}
    outsider = make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])
    denied = client.post(f"/v1/tasks/{code}/reports", json=report, headers={"Authorization": f"Bearer {outsider}"})
    assert denied.status_code == 403
    token = make_key(db_url, regions=["quang_tri"], programmes=["qtri-kh184"])
    created = client.post(f"/v1/tasks/{code}/reports", json=report, headers={"Authorization": f"Bearer {token}"})
    assert created.status_code == 201, created.text
    assert client.get(f"/v1/tasks/{code}/reports").json()["items"][0]["percent_done"] == 40
    listed = {t["code"]: t for t in client.get("/v1/tasks", params={"as_of": "2025-03-02"}).json()["items"]}
    assert listed[code]["state"] == "in_progress"
    bad = client.post(
        f"/v1/tasks/{code}/reports", json={**report, "percent_done": 140}, headers={"Authorization": f"Bearer {token}"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"].endswith("percent_done")


@pytest.fixture
def keyed_reads(db_url: str) -> Iterator[httpx.Client]:
    with ServerThread(settings_for(db_url, reads="keyed")) as server, httpx.Client(base_url=server.url) as http:
        yield http


def test_reads_can_require_a_key(keyed_reads: httpx.Client, db_url: str) -> None:
    assert keyed_reads.get("/v1/indicators").status_code == 401
    token = make_key(db_url)
    assert keyed_reads.get("/v1/indicators", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert keyed_reads.get("/healthz").status_code == 200


def test_the_2023_results_of_document_002_are_judged_as_the_document_says(client: httpx.Client, db_url: str) -> None:
    csv_text = (Path(__file__).resolve().parents[1] / "examples" / "qngai-2023-results.csv").read_bytes()
    pushed = client.post(
        "/v1/observations",
        content=csv_text,
        params={"decimal": "comma"},
        headers={"Authorization": f"Bearer {make_key(db_url)}", "Content-Type": "text/csv"},
    )
    assert pushed.status_code == 200, pushed.text
    board = client.get("/v1/status", params={"programme": "qngai-2024", "as_of": "2024-01-31"}).json()["items"]
    # In 2024 the board judges the 2024 targets (no 2024 figure yet); how 2023 ended is given beside them.
    by_code = {item["indicator"].removeprefix("qngai-2024."): item for item in board}
    outcomes = {
        code: (item["status"], item["previous"] and item["previous"]["status"])
        for code, item in by_code.items()
        if item["period"] == "2023" or (item["previous"] and item["previous"]["period"] == "2023")
    }
    # "kết nạp 1.967/1.910 đảng viên mới, vượt chỉ tiêu" (a 2023 target only); "06 xã đạt chuẩn, Kế hoạch đề ra là
    # 07 xã" (2024: 03); GRDP "tăng 3,03%" against a plan "từ -3,5% đến -3%" (2024: 2,5-3%).
    assert outcomes == {
        "new_party_members": ("achieved", None),
        "new_rural_communes": ("no_data", "missed"),
        "grdp_growth": ("no_data", "achieved"),
    }
    communes = by_code["new_rural_communes"]
    assert (communes["target"], communes["previous"]["actual"], communes["previous"]["target"]) == (3, 6, 7)


def test_series_with_several_periods_and_a_year_figure(client: httpx.Client, db_url: str) -> None:
    token = make_key(db_url)
    rows = [
        {"indicator": "dthap-2023.grdp_growth", "region": "dong_thap", "period": period, "value": value}
        for period, value in (("2023-Q1", 6.8), ("2023-Q2", 7.3), ("2023-Q3", 7.6), ("2023-Q4", 7.7), ("2023", 7.7))
    ]
    assert post_json(client, token, rows).status_code == 200
    points = client.get("/v1/indicators/dthap-2023.grdp_growth/series").json()["points"]
    assert [p["period"] for p in points] == ["2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2023"]
    assert [p["status"] for p in points] == ["off_track", "at_risk", "on_track", "achieved", "achieved"]


def test_dates_in_queries_must_be_written_as_dates(client: httpx.Client) -> None:
    for path, name in (("/v1/status", "as_of"), ("/v1/tasks", "due_before"), ("/v1/alerts", "since")):
        response = client.get(path, params={name: "0"})
        assert response.status_code == 422, (path, response.text)
    assert client.get("/v1/status", params={"as_of": "2024-01-31"}).status_code == 200
    assert client.get("/v1/alerts", params={"since": "2024-01-31T00:00:00Z"}).status_code == 200


def test_a_push_refreshes_the_snapshot_grafana_reads(client: httpx.Client, db_url: str) -> None:
    row = {"indicator": "dthap-2023.budget_revenue", "region": "dong_thap", "period": "2023-Q2", "value": 3900}
    query = "SELECT period, actual FROM indicator_status WHERE indicator = %s AND region = %s"
    with connect(db_url) as conn:
        assert post_json(client, make_key(db_url), [row]).status_code == 200
        deadline = time.monotonic() + 15
        while (found := conn.execute(query, [row["indicator"], row["region"]]).fetchone()) != ("2023-Q2", 3900.0):
            assert time.monotonic() < deadline, f"the snapshot still shows {found}"
            time.sleep(0.1)


def test_refreshing_some_series_leaves_the_others(conn: psycopg.Connection[Any]) -> None:
    catalogue = read_catalogue(conn)
    refresh_snapshot(conn, catalogue, date(2023, 7, 15))
    total = conn.execute("SELECT count(*) FROM indicator_status").fetchone()
    conn.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
        " VALUES ('dthap-2023.budget_revenue', 'dong_thap', '2023-04-01 00:00+07', '2023-Q2', 1, 3500, 'official', 't')"
    )
    written = refresh_snapshot(conn, catalogue, date(2023, 7, 15), only={("dthap-2023.budget_revenue", "dong_thap")})
    assert written == 1
    assert conn.execute("SELECT count(*) FROM indicator_status").fetchone() == total
    assert conn.execute(
        "SELECT status FROM indicator_status WHERE indicator = 'dthap-2023.budget_revenue'"
    ).fetchone() == ("off_track",)
