"""The alert history: Alertmanager's webhook payloads stored once each, read back through GET /v1/alerts."""

import shutil
import stat
import uuid
from typing import Any

import httpx
import psycopg

from dashboards.prometheus.model import AlertName
from tests.conftest import REPO, WEBHOOK_AUTH, ServerThread, settings_for

FIRING_AT = "2026-03-02T08:15:00.123456789Z"  # Go's RFC 3339 with nanoseconds, as Alertmanager sends it
GO_ZERO_TIME = "0001-01-01T00:00:00Z"


def alert(status: str, fingerprint: str = "a1b2c3", **labels: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {
            "alertname": "ChiTieuChamTienDo",
            "indicator": "qngai-2024.grdp_growth",
            "region": "quang_ngai",
            "programme": "qngai-2024",
            "province": "quang_ngai",
            "severity": "critical",
            "job": "chitieu",
        }
        | labels,
        "annotations": {
            "summary": "Chậm tiến độ: Tốc độ tăng trưởng GRDP (Quảng Ngãi)",
            "description": "thực tế 1,00 %, yêu cầu theo lộ trình 2,50 %",
            "description_en": "actual 1.00, expected 2.50",
        },
        "startsAt": FIRING_AT,
        "endsAt": "2026-03-02T09:00:00Z" if status == "resolved" else GO_ZERO_TIME,
        "generatorURL": "http://127.0.0.1:9090/graph",
        "fingerprint": fingerprint,
    }


def notification(receiver: str, *alerts: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "4",
        "groupKey": '{}/{province="quang_ngai"}:{alertname="ChiTieuChamTienDo"}',
        "truncatedAlerts": 0,
        "status": "firing" if any(a["status"] == "firing" for a in alerts) else "resolved",
        "receiver": receiver,
        "groupLabels": {"alertname": "ChiTieuChamTienDo", "province": "quang_ngai"},
        "commonLabels": {"alertname": "ChiTieuChamTienDo"},
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": list(alerts),
    }


def post_webhook(client: httpx.Client, payload: dict[str, Any]) -> httpx.Response:
    """As Alertmanager posts, with the service's webhook token."""
    return client.post("/v1/alerts/webhook", json=payload, headers=WEBHOOK_AUTH)


def test_a_firing_alert_is_stored_once_then_resolved(client: httpx.Client, conn: psycopg.Connection[Any]) -> None:
    first = post_webhook(client, notification("tinh-quang_ngai", alert("firing")))
    assert first.status_code == 200, first.text
    assert first.json() == {"received": 1, "stored": 1}
    repeated = post_webhook(client, notification("tinh-quang_ngai", alert("firing")))
    assert repeated.json() == {"received": 1, "stored": 0}  # repeat_interval resends: not a new event
    resolved = post_webhook(client, notification("tinh-quang_ngai", alert("resolved")))
    assert resolved.json() == {"received": 1, "stored": 1}

    rows = conn.execute(
        "SELECT status, alertname, indicator, region, programme, province, severity, receiver, ends_at,"
        " annotations->>'description_en' FROM alert_events ORDER BY id"
    ).fetchall()
    assert [row[0] for row in rows] == ["firing", "resolved"]
    assert rows[0][1:8] == (
        "ChiTieuChamTienDo",
        "qngai-2024.grdp_growth",
        "quang_ngai",
        "qngai-2024",
        "quang_ngai",
        "critical",
        "tinh-quang_ngai",
    )
    assert rows[0][8] is None  # Go's zero time: still firing, no end
    assert rows[1][8] is not None
    assert rows[0][9] == "actual 1.00, expected 2.50"

    history = client.get("/v1/alerts").json()["items"]
    assert [event["status"] for event in history] == ["resolved", "firing"]  # newest first
    assert history[1]["starts_at"].startswith("2026-03-02T08:15:00.123456")
    assert history[1]["labels"]["job"] == "chitieu"
    assert history[1]["summary"] == "Chậm tiến độ: Tốc độ tăng trưởng GRDP (Quảng Ngãi)"


def test_latest_firing_is_what_fires_now(client: httpx.Client) -> None:
    post_webhook(client, notification("chitieu", alert("firing", "resolved-one")))
    post_webhook(client, notification("chitieu", alert("resolved", "resolved-one")))
    still = alert("firing", "still-firing", indicator="qngai-2024.grdp_per_capita", alertname="ChiTieuCoNguyCo")
    post_webhook(client, notification("chitieu", still))

    firing_now = client.get("/v1/alerts", params={"latest": "true", "status": "firing"}).json()["items"]
    assert [event["fingerprint"] for event in firing_now] == ["still-firing"]
    ever_fired = client.get("/v1/alerts", params={"status": "firing"}).json()["items"]
    assert {event["fingerprint"] for event in ever_fired} == {"resolved-one", "still-firing"}


def test_filters_and_receivers(client: httpx.Client) -> None:
    task_alert = alert(
        "firing",
        "task-1",
        alertname=AlertName.task_overdue.value,
        task="qtri-kh184.dm.i.1",
        programme="qtri-kh184",
        province="quang_tri",
        owner="quang_tri.ban_to_chuc_tu",
        severity="warning",
    )
    del task_alert["labels"]["indicator"], task_alert["labels"]["region"]
    # Alertmanager quotes the receiver's name as a regular expression: the history keeps the name itself.
    post_webhook(client, notification("co-quan-quang_tri\\.ban_to_chuc_tu", task_alert))
    post_webhook(client, notification("tinh-quang_ngai", alert("firing")))

    by_owner = client.get("/v1/alerts", params={"owner": "quang_tri.ban_to_chuc_tu"}).json()["items"]
    assert len(by_owner) == 1
    assert by_owner[0]["task"] == "qtri-kh184.dm.i.1"
    assert by_owner[0]["indicator"] is None
    assert by_owner[0]["receiver"] == "co-quan-quang_tri.ban_to_chuc_tu"
    assert [e["province"] for e in client.get("/v1/alerts", params={"province": "quang_ngai"}).json()["items"]] == [
        "quang_ngai"
    ]
    assert len(client.get("/v1/alerts", params={"alertname": "NhiemVuQuaHan"}).json()["items"]) == 1
    first = client.get("/v1/alerts", params={"limit": 1}).json()
    assert len(first["items"]) == 1 and first["next"] is not None
    rest = client.get("/v1/alerts", params={"limit": 1, "cursor": first["next"]}).json()
    assert [e["id"] for e in first["items"] + rest["items"]] == [
        e["id"] for e in client.get("/v1/alerts").json()["items"]
    ]
    assert client.get("/v1/alerts", params={"cursor": "bm90LW91cnM"}).status_code == 400
    assert client.get("/v1/alerts", params={"since": "2099-01-01T00:00:00Z"}).json()["items"] == []
    assert len(client.get("/v1/alerts", params={"since": "2000-01-01T00:00:00Z"}).json()["items"]) == 2


def test_the_same_alert_routed_to_two_receivers_is_two_events(client: httpx.Client) -> None:
    post_webhook(client, notification("tinh-quang_ngai", alert("firing")))
    post_webhook(client, notification("vi-du-email", alert("firing")))
    receivers = {event["receiver"] for event in client.get("/v1/alerts").json()["items"]}
    assert receivers == {"tinh-quang_ngai", "vi-du-email"}


def test_a_malformed_notification_is_a_problem(client: httpx.Client) -> None:
    response = post_webhook(client, {"version": "4", "status": "firing", "alerts": []})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert {error["field"] for error in response.json()["errors"]} == {"receiver"}
    bad_status = notification("chitieu", alert("firing") | {"status": "pending"})
    assert post_webhook(client, bad_status).status_code == 422
    assert client.get("/v1/alerts", params={"limit": 0}).status_code == 422


def test_the_runbook_explains_every_alert(client: httpx.Client) -> None:
    response = client.get("/v1/alerts/runbook")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    for name in AlertName:
        assert f'<a id="{name.value.lower()}"></a>' in response.text
        assert f"## {name.value} — " in response.text


def test_the_webhook_requires_a_token_by_default_generated_and_kept_private(db_url: str) -> None:
    data_dir = REPO / ".var" / "tmp" / uuid.uuid4().hex
    try:
        settings = settings_for(db_url, alerts_webhook_token=None, data_dir=data_dir)
        payload = notification("chitieu", alert("firing"))
        with ServerThread(settings) as server, httpx.Client(base_url=server.url) as http:
            assert http.post("/v1/alerts/webhook", json=payload).status_code == 401
            wrong = http.post("/v1/alerts/webhook", json=payload, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            assert wrong.headers["content-type"] == "application/problem+json"
            token_file = data_dir / "secrets" / "alerts-webhook-token"
            assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
            token = token_file.read_text().strip()
            assert len(token) >= 32
            right = {"Authorization": f"Bearer {token}"}
            assert http.post("/v1/alerts/webhook", json=payload, headers=right).status_code == 200
        with ServerThread(settings) as server, httpx.Client(base_url=server.url) as http:  # the next start: same token
            assert http.post("/v1/alerts/webhook", json=payload, headers=right).status_code == 200
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def test_the_webhook_can_require_a_token(db_url: str) -> None:
    with (
        ServerThread(settings_for(db_url, alerts_webhook_token="s3cret-token")) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        payload = notification("chitieu-default", alert("firing"))
        assert http.post("/v1/alerts/webhook", json=payload).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert http.post("/v1/alerts/webhook", json=payload, headers=wrong).status_code == 401
        right = {"Authorization": "Bearer s3cret-token"}
        assert http.post("/v1/alerts/webhook", json=payload, headers=right).status_code == 200
        assert http.get("/v1/alerts").json()["items"][0]["alertname"] == "ChiTieuChamTienDo"
