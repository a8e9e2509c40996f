"""The real alerting stack on loopback: Alertmanager with the generated configuration, then Prometheus, Alertmanager
and the service end to end (an observation below its path fires an alert that reaches the webhook, a corrected value
resolves it). Every process started here is stopped in a `finally`.
"""

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from dashboards.alertmanager import AlertmanagerOptions, render_alertmanager_config
from dashboards.prometheus.files import PrometheusSetup, prometheus_config, rule_files
from dashboards.prometheus.model import RuleOptions
from indicators.catalogue import Catalogue, load_catalogue
from tests.conftest import REPO, WEBHOOK_TOKEN, free_port
from tests.ingest_helpers import make_key, post_json

T = TypeVar("T")
GRDP_GROWTH = "qngai-2024.grdp_growth"  # quarterly; 2024 target 2,5-3%


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(REPO / "indicators" / "catalogue")


@contextmanager
def running(command: list[str], ready_url: str, log: Path, timeout: float = 30) -> Iterator[subprocess.Popen[bytes]]:
    """Start a server process, wait for its readiness URL, and always stop it."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: _ready(ready_url, process, log), timeout, f"{command[0]} to be ready")
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _ready(url: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"{process.args[0]!r} exited with {process.returncode}:\n{log.read_text()}")  # type: ignore[index]
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def wait_for(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    """Poll until the probe returns something truthy, and return it."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


@contextmanager
def alertmanager(tmp_path: Path, catalogue: Catalogue, webhook_url: str) -> Iterator[str]:
    config = tmp_path / "alertmanager.yml"
    token_file = tmp_path / "alerts-webhook-token"
    token_file.write_text(WEBHOOK_TOKEN + "\n")  # the service's token (tests.conftest.settings_for)
    options = AlertmanagerOptions(
        webhook_url=webhook_url,
        webhook_credentials_file=str(token_file),
        group_wait="1s",
        group_interval="1s",
        repeat_interval="1m",
    )
    config.write_text(render_alertmanager_config(catalogue, options), encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}"
    command = [
        "/usr/bin/prometheus-alertmanager",
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'alertmanager-data'}",
        f"--web.listen-address={url.removeprefix('http://')}",
        "--cluster.listen-address=",
        "--log.level=warn",
    ]
    with running(command, f"{url}/-/ready", tmp_path / "alertmanager.log"):
        yield url


def history(api_url: str, **params: str) -> list[dict[str, Any]]:
    response = httpx.get(f"{api_url}/v1/alerts", params=params, timeout=10)
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_alertmanager_routes_by_owner_and_off_track_inhibits_at_risk(
    tmp_path: Path, catalogue: Catalogue, api_url: str
) -> None:
    def sent(alertname: str, indicator: str) -> dict[str, Any]:
        return {
            "labels": {
                "alertname": alertname,
                "indicator": indicator,
                "region": "quang_tri",
                "programme": "qtri-kh184",
                "province": "quang_tri",
                "owner": "quang_tri.bcs_dang_ubnd",
                "severity": "critical" if alertname == "ChiTieuChamTienDo" else "warning",
            },
            "annotations": {"summary": f"{alertname} {indicator}"},
            "startsAt": datetime.now(UTC).isoformat(),
        }

    off_track = sent("ChiTieuChamTienDo", "qtri-kh184.laos_power_import")
    inhibited = sent("ChiTieuCoNguyCo", "qtri-kh184.laos_power_import")
    other = sent("ChiTieuCoNguyCo", "qtri-kh184.pdp8_added_capacity")
    with alertmanager(tmp_path, catalogue, f"{api_url}/v1/alerts/webhook") as url:
        httpx.post(f"{url}/api/v2/alerts", json=[off_track, inhibited, other], timeout=10).raise_for_status()

        def states() -> dict[tuple[str, str], dict[str, Any]] | None:
            alerts = httpx.get(f"{url}/api/v2/alerts", timeout=10).json()
            found = {(a["labels"]["alertname"], a["labels"]["indicator"]): a for a in alerts}
            return found if len(found) == 3 else None

        wait_for(states, 20, "Alertmanager to hold the three alerts")

        def at_risk_inhibited() -> dict[tuple[str, str], dict[str, Any]] | None:
            found = states()
            at_risk = found and found[("ChiTieuCoNguyCo", "qtri-kh184.laos_power_import")]
            return found if at_risk and at_risk["status"]["inhibitedBy"] else None

        found = wait_for(at_risk_inhibited, 20, "the at-risk alert to be inhibited")
        source = found[("ChiTieuChamTienDo", "qtri-kh184.laos_power_import")]
        target = found[("ChiTieuCoNguyCo", "qtri-kh184.laos_power_import")]
        assert target["status"]["state"] == "suppressed"
        assert target["status"]["inhibitedBy"] == [source["fingerprint"]]
        assert found[("ChiTieuCoNguyCo", "qtri-kh184.pdp8_added_capacity")]["status"]["state"] == "active"
        assert [r["name"] for r in source["receivers"]] == ["co-quan-quang_tri.bcs_dang_ubnd"]

        def both_delivered() -> list[dict[str, Any]] | None:
            events = history(api_url, latest="true", status="firing")
            return events if len(events) >= 2 else None

        delivered = wait_for(both_delivered, 20, "the webhook to receive the active alerts")
    assert {(e["alertname"], e["indicator"]) for e in delivered} == {
        ("ChiTieuChamTienDo", "qtri-kh184.laos_power_import"),
        ("ChiTieuCoNguyCo", "qtri-kh184.pdp8_added_capacity"),
    }
    assert {e["receiver"] for e in delivered} == {"co-quan-quang_tri.bcs_dang_ubnd"}


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_end_to_end_an_indicator_below_its_path_alerts_then_resolves(
    tmp_path: Path, catalogue: Catalogue, api_url: str, db_url: str
) -> None:
    started = time.monotonic()
    api_host = api_url.removeprefix("http://")
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    options = RuleOptions(
        off_track_for="0s",
        grafana_url="http://grafana.test",
        runbook_url=f"{api_url}/v1/alerts/runbook",
    )
    # Only the programme under test: the other rules would wait an hour (their `for`) and never fire here.
    generated = rule_files(catalogue, options)
    (rules_dir / "qngai-2024.yml").write_text(generated["qngai-2024.yml"], encoding="utf-8")

    with alertmanager(tmp_path, catalogue, f"{api_url}/v1/alerts/webhook") as alertmanager_url:
        prometheus_port = free_port()
        setup = PrometheusSetup(
            api_target=api_host,
            alertmanager_target=alertmanager_url.removeprefix("http://"),
            scrape_interval="1s",
            scrape_timeout="1s",
            evaluation_interval="1s",
        )
        config = tmp_path / "prometheus.yml"
        config.write_text(prometheus_config(setup), encoding="utf-8")
        command = [
            "/usr/bin/prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
            "--log.level=warn",
        ]
        prometheus_url = f"http://127.0.0.1:{prometheus_port}"
        with running(command, f"{prometheus_url}/-/ready", tmp_path / "prometheus.log"):
            token = make_key(db_url)
            with httpx.Client(base_url=api_url, timeout=30) as client:
                below = post_json(client, token, [_row(1.0)])
                assert below.status_code in (200, 201), below.text

                firing = wait_for(
                    lambda: history(api_url, alertname="ChiTieuChamTienDo", indicator=GRDP_GROWTH, status="firing"),
                    40,
                    "the off-track alert to reach the webhook",
                )
                event = firing[0]
                assert event["region"] == "quang_ngai"
                assert event["programme"] == "qngai-2024"
                assert event["province"] == "quang_ngai"
                assert event["severity"] == "critical"
                assert event["owner"] is None  # the catalogue names no owner agency for this indicator
                assert event["receiver"] == "tinh-quang_ngai"
                assert event["labels"]["job"] == "chitieu"
                assert "thực tế 1,00 %, yêu cầu theo lộ trình 2,50 %" in event["description"]
                assert "actual 1.00 percent change" in event["annotations"]["description_en"]
                assert event["annotations"]["runbook_url"] == f"{api_url}/v1/alerts/runbook#chitieuchamtiendo"
                assert event["annotations"]["dashboard_url"] == (
                    f"http://grafana.test/d/chitieu-indicator/?var-indicator={GRDP_GROWTH}&var-region=quang_ngai"
                )

                corrected = post_json(client, token, [_row(2.8)])
                assert corrected.status_code in (200, 201), corrected.text
                resolved = wait_for(
                    lambda: history(api_url, alertname="ChiTieuChamTienDo", indicator=GRDP_GROWTH, status="resolved"),
                    40,
                    "the alert to resolve",
                )
                assert resolved[0]["fingerprint"] == event["fingerprint"]
                assert resolved[0]["ends_at"] is not None
                now = history(api_url, latest="true", status="firing", alertname="ChiTieuChamTienDo")
                assert now == []
    assert time.monotonic() - started < 90


def _row(value: float) -> dict[str, Any]:
    return {"indicator": GRDP_GROWTH, "region": "quang_ngai", "period": "2024-Q2", "value": value, "status": "official"}
