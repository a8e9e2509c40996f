"""With CHITIEU_READS=keyed a key reads what it may write: its programmes and regions. A Đồng Tháp key naming
Quảng Ngãi gets 403; its listings hold Đồng Tháp only. A key for every programme and region reads everything."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import WEBHOOK_AUTH, ServerThread, settings_for
from tests.ingest_helpers import make_key, post_json

QN_SERIES = "/v1/indicators/qngai-2024.grdp_growth/series"


def alert(province: str, programme: str, indicator: str) -> dict[str, Any]:
    labels = {"alertname": "ChiTieuChamTienDo", "indicator": indicator, "region": province, "programme": programme,
              "province": province, "severity": "critical"}  # fmt: skip
    return {"status": "firing", "labels": labels, "startsAt": "2024-07-01T00:00:00Z", "fingerprint": province}


@pytest.fixture
def keyed(db_url: str) -> Iterator[httpx.Client]:
    with ServerThread(settings_for(db_url, reads="keyed")) as server, httpx.Client(base_url=server.url) as http:
        everything = make_key(db_url)
        rows = [
            {"indicator": "qngai-2024.grdp_growth", "region": "quang_ngai", "period": "2024-Q2", "value": 1.0},
            {"indicator": "dthap-2023.grdp_growth", "region": "dong_thap", "period": "2023", "value": 6.5},
        ]
        assert post_json(http, everything, rows).status_code == 200
        for province, programme in (("quang_ngai", "qngai-2024"), ("dong_thap", "dthap-2023")):
            notified = {"version": "4", "status": "firing", "receiver": f"tinh-{province}",
                        "alerts": [alert(province, programme, f"{programme}.grdp_growth")]}  # fmt: skip
            assert http.post("/v1/alerts/webhook", json=notified, headers=WEBHOOK_AUTH).status_code == 200
        yield http


def as_key(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_out_of_scope(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/problems/out-of-scope")


def test_a_dong_thap_key_cannot_read_quang_ngai_series_status_alerts_indicators_or_tasks(
    keyed: httpx.Client, db_url: str
) -> None:
    dong_thap = as_key(make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"]))
    for path, params in [
        (QN_SERIES, {"region": "quang_ngai"}),
        (QN_SERIES, {}),
        ("/v1/status", {"programme": "qngai-2024"}),
        ("/v1/status", {"region": "quang_ngai"}),
        ("/v1/alerts", {"programme": "qngai-2024"}),
        ("/v1/alerts", {"province": "quang_ngai"}),
        ("/v1/alerts", {"region": "quang_ngai"}),
        ("/v1/indicators/qngai-2024.grdp_growth", {}),
        ("/v1/indicators", {"programme": "qngai-2024"}),
        ("/v1/tasks", {"programme": "qtri-dh1"}),
        ("/v1/tasks/qtri-dh1.b.i.1/reports", {}),
    ]:
        assert_out_of_scope(keyed.get(path, params=params, headers=dong_thap))

    # Listings without a filter hold what the key reaches, and only that.
    alerts = keyed.get("/v1/alerts", headers=dong_thap).json()["items"]
    assert [(a["province"], a["programme"]) for a in alerts] == [("dong_thap", "dthap-2023")]
    board = keyed.get("/v1/status", params={"as_of": "2024-01-31"}, headers=dong_thap).json()["items"]
    assert board and {item["indicator"].split(".")[0] for item in board} == {"dthap-2023"}
    indicators = keyed.get("/v1/indicators", headers=dong_thap).json()["items"]
    assert indicators and {i["programme"] for i in indicators} == {"dthap-2023"}
    tasks = keyed.get("/v1/tasks", headers=dong_thap).json()["items"]
    assert all(task["programme"] == "dthap-2023" for task in tasks)

    assert_out_of_scope(keyed.get("/metrics", headers=dong_thap))  # the whole board, every province's
    assert keyed.get("/metrics").status_code == 401
    assert keyed.get("/metrics", headers=as_key(make_key(db_url))).status_code == 200

    programmes = keyed.get("/v1/programmes", headers=dong_thap).json()["items"]
    assert [p["id"] for p in programmes] == ["dthap-2023"]
    regions = keyed.get("/v1/regions", headers=dong_thap).json()["items"]
    assert regions and all(r["code"] == "dong_thap" or r.get("parent") == "dong_thap" for r in regions)
    assert "quang_ngai" not in {r["code"] for r in regions}

    series = keyed.get("/v1/indicators/dthap-2023.grdp_growth/series", headers=dong_thap)
    assert series.status_code == 200
    assert [p["actual"] for p in series.json()["points"] if p["actual"] is not None] == [6.5]


def test_a_quang_ngai_key_reads_its_own_and_a_key_for_everything_reads_all(keyed: httpx.Client, db_url: str) -> None:
    quang_ngai = as_key(make_key(db_url, regions=["quang_ngai"], programmes=["qngai-2024"]))
    assert keyed.get(QN_SERIES, params={"region": "quang_ngai"}, headers=quang_ngai).status_code == 200
    assert [a["province"] for a in keyed.get("/v1/alerts", headers=quang_ngai).json()["items"]] == ["quang_ngai"]
    everything = as_key(make_key(db_url))
    assert len(keyed.get("/v1/alerts", headers=everything).json()["items"]) == 2
    assert keyed.get("/v1/tasks/qtri-dh1.b.i.1/reports", headers=everything).status_code == 200
    assert keyed.get(QN_SERIES, headers=everything).status_code == 200
