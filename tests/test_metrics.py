"""Prometheus metrics: the board collector on the real database, GET /metrics checked by the real promtool."""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from api.metrics import CARDINALITY_BUDGET, BoardCollector, _add_indicators, _BoardFamilies, add_service_metrics
from bench.national import PROGRAMME, national_catalogue
from indicators.clock import period_bounds, vietnam_today
from indicators.periods import Period
from indicators.status import Evaluation, PreviousOutcome, Status
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from ingest.snapshot import snapshot_info
from tests.conftest import ServerThread, settings_for
from tests.ingest_helpers import make_key, post_json

GRDP_GROWTH = "qngai-2024.grdp_growth"
UNEMPLOYMENT = "qngai-2024.urban_unemployment_rate"  # percent, lower is better, "khoảng 1,5%" in 2024


def add_observation(
    conn: psycopg.Connection[Any], indicator: str, region: str, period: str, value: float, recorded_at: datetime
) -> None:
    start, _ = period_bounds(Period.parse(period))
    conn.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, recorded_at,"
        " key_id) VALUES (%s, %s, %s, %s, 1, %s, 'official', %s, 'test')",
        [indicator, region, start, period, value, recorded_at],
    )


def board_registry(db_url: str, today: date) -> CollectorRegistry:
    @contextmanager
    def connection() -> Iterator[psycopg.Connection[Any]]:
        with connect(db_url) as conn:
            yield conn

    registry = CollectorRegistry()
    BoardCollector(connection, today=lambda: today, registry=registry)
    return registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_an_indicator_off_its_path(conn: psycopg.Connection[Any], db_url: str) -> None:
    recorded = datetime(2024, 7, 20, 3, 0, tzinfo=UTC)
    add_observation(conn, GRDP_GROWTH, "quang_ngai", "2024-Q2", 1.0, recorded)
    registry = board_registry(db_url, date(2024, 8, 15))
    series = {"indicator": GRDP_GROWTH, "region": "quang_ngai"}

    assert value(registry, "chitieu_board_scrape_success") == 1
    assert value(registry, "chitieu_indicator_actual", **series) == 1.0
    assert value(registry, "chitieu_indicator_expected", **series) == 2.5  # the range 2,5-3% judged at its low end
    assert value(registry, "chitieu_indicator_target", **series) == 2.5
    assert value(registry, "chitieu_indicator_gap_ratio", **series) == pytest.approx(-0.6)
    states = {
        status.value: value(registry, "chitieu_indicator_status", **series, status=status.value) for status in Status
    }
    assert states == {status.value: 1.0 if status is Status.off_track else 0.0 for status in Status}
    assert value(registry, "chitieu_indicator_report_overdue", **series) == 0  # 2024-Q3 is not due yet
    assert value(registry, "chitieu_indicator_last_observation_timestamp_seconds", **series) == recorded.timestamp()
    info = {
        "indicator": GRDP_GROWTH,
        "programme": "qngai-2024",
        "province": "quang_ngai",
        "group": "economy",
        "owner": "",
        "unit": "percent_change",
        "basis": "value",
    }
    assert value(registry, "chitieu_indicator_info", **info) == 1


def test_an_indicator_without_data_has_a_status_but_no_values(db_url: str) -> None:
    registry = board_registry(db_url, date(2024, 8, 15))
    series = {"indicator": GRDP_GROWTH, "region": "quang_ngai"}
    assert value(registry, "chitieu_indicator_status", **series, status="no_data") == 1
    assert value(registry, "chitieu_indicator_actual", **series) is None
    assert value(registry, "chitieu_indicator_last_observation_timestamp_seconds", **series) is None
    assert value(registry, "chitieu_indicator_target", **series) == 2.5
    # Q1 2024 ended on 31 March: thirty grace days later the first report is overdue.
    assert value(registry, "chitieu_indicator_report_overdue", **series) == 1


@pytest.mark.parametrize(("reported", "status", "gap"), [(1.2, Status.achieved, 0.2), (1.8, Status.missed, -0.2)])
def test_the_gap_is_signed_by_direction(
    conn: psycopg.Connection[Any], db_url: str, reported: float, status: Status, gap: float
) -> None:
    """Unemployment should be low: 1,2% against 1,5% is ahead of the target (positive gap), 1,8% behind."""
    add_observation(conn, UNEMPLOYMENT, "quang_ngai", "2024", reported, datetime(2025, 2, 1, tzinfo=UTC))
    registry = board_registry(db_url, date(2025, 3, 1))
    series = {"indicator": UNEMPLOYMENT, "region": "quang_ngai"}
    assert value(registry, "chitieu_indicator_status", **series, status=status.value) == 1
    assert value(registry, "chitieu_indicator_gap_ratio", **series) == pytest.approx(gap)
    assert value(registry, "chitieu_indicator_actual", **series) == reported  # percent as 1.2, not 0.012


def test_an_indicator_removed_from_the_catalogue_disappears(conn: psycopg.Connection[Any], db_url: str) -> None:
    series = {"indicator": GRDP_GROWTH, "region": "quang_ngai"}
    before = board_registry(db_url, date(2024, 8, 15))
    assert value(before, "chitieu_indicator_status", **series, status="no_data") == 1
    conn.execute("UPDATE indicators SET archived_at = now() WHERE code = %s", [GRDP_GROWTH])
    after = board_registry(db_url, date(2024, 8, 15))
    exposition = generate_latest(after).decode()
    assert f'indicator="{GRDP_GROWTH}"' not in exposition
    assert 'indicator="qngai-2024.grdp_per_capita"' in exposition


def test_tasks_due_state_and_overdue(conn: psycopg.Connection[Any], db_url: str) -> None:
    task = "qtri-kh184.dm.i.1"  # Quý I/2025, lead Ban Tổ chức Tỉnh ủy
    registry = board_registry(db_url, date(2025, 4, 15))
    assert value(registry, "chitieu_task_overdue", task=task) == 1
    assert value(registry, "chitieu_task_state", task=task, state="not_started") == 1
    assert value(registry, "chitieu_task_state", task=task, state="done") == 0
    # Due 31/03/2025: the deadline is the end of that day in Vietnam, 2025-03-31 17:00 UTC.
    deadline = datetime(2025, 3, 31, 17, 0, tzinfo=UTC).timestamp()
    assert value(registry, "chitieu_task_due_timestamp_seconds", task=task) == deadline
    info = {"task": task, "programme": "qtri-kh184", "province": "quang_tri", "lead": "quang_tri.ban_to_chuc_tu"}
    assert value(registry, "chitieu_task_info", **info) == 1
    two_leads = {"task": "qtri-dh1.b.i.3", "programme": "qtri-dh1", "province": "quang_tri"}
    lead = "quang_tri.dang_uy_ubnd,quang_tri.ban_to_chuc_tu"
    assert value(registry, "chitieu_task_info", **two_leads, lead=lead) == 1

    conn.execute(
        "INSERT INTO task_reports (task, reported_on, state, percent_done, key_id) VALUES (%s, %s, 'done', 100, 'test')",
        [task, date(2025, 4, 10)],
    )
    reported = board_registry(db_url, date(2025, 4, 15))
    assert value(reported, "chitieu_task_overdue", task=task) == 0
    assert value(reported, "chitieu_task_state", task=task, state="done") == 1
    assert value(reported, "chitieu_task_state", task=task, state="not_started") == 0
    recurring = "qtri-kh184.ii.1"  # "nhiệm vụ thường xuyên": no due date, never overdue
    assert value(reported, "chitieu_task_due_timestamp_seconds", task=recurring) is None
    assert value(reported, "chitieu_task_overdue", task=recurring) == 0


def test_a_failed_read_still_answers_and_says_so() -> None:
    @contextmanager
    def broken() -> Iterator[psycopg.Connection[Any]]:
        raise psycopg.OperationalError("connection refused")
        yield  # pragma: no cover

    registry = CollectorRegistry()
    add_service_metrics(registry)
    BoardCollector(broken, registry=registry)
    assert registry.get_sample_value("chitieu_board_scrape_success") == 0
    exposition = generate_latest(registry).decode()
    assert "chitieu_indicator_status{" not in exposition
    assert "# TYPE chitieu_ingest_rows_total counter" in exposition
    assert "# HELP chitieu_indicator_status" in exposition  # described even when empty


def test_the_collector_refuses_a_second_registration_of_its_names(db_url: str) -> None:
    registry = board_registry(db_url, date(2024, 8, 15))
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        BoardCollector(lambda: connect(db_url), registry=registry)


def test_metrics_endpoint_passes_promtool(client: httpx.Client, db_url: str, conn: psycopg.Connection[Any]) -> None:
    add_observation(conn, GRDP_GROWTH, "quang_ngai", "2024-Q2", 1.0, datetime(2024, 7, 20, tzinfo=UTC))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert "chitieu_board_scrape_success 1.0" in text
    assert f'chitieu_indicator_actual{{indicator="{GRDP_GROWTH}",region="quang_ngai"}} 1.0' in text
    assert "# TYPE chitieu_ingest_duration_seconds histogram" in text
    assert "process_cpu_seconds_total" in text  # one process: the default registry, with the process metrics
    assert 'chitieu_task_overdue{task="qtri-kh184.dm.i.1"} 1.0' in text  # as of today, long past 31/03/2025
    check = subprocess.run(
        ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout + check.stderr == ""


def test_metrics_endpoint_speaks_openmetrics_when_asked(client: httpx.Client) -> None:
    response = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")
    assert "chitieu_indicator_status{" in response.text


def test_metrics_need_a_key_when_reads_are_keyed(db_url: str) -> None:
    token = make_key(db_url)
    with ServerThread(settings_for(db_url, reads="keyed")) as server:
        assert httpx.get(f"{server.url}/metrics", timeout=30).status_code == 401
        keyed = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert keyed.status_code == 200
        assert "chitieu_board_scrape_success 1.0" in keyed.text


NEW_RURAL_COMMUNES = "qngai-2024.new_rural_communes"  # 2023: 07 planned; 2024: 03


def samples(text: str, name: str) -> dict[frozenset[tuple[str, str]], float]:
    """The exposition's samples of one metric: its labels -> its value."""
    return {
        frozenset(sample.labels.items()): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


def labels(**given: str) -> frozenset[tuple[str, str]]:
    return frozenset(given.items())


def test_metrics_show_the_previous_outcome_and_approximately_from_the_snapshot(
    client: httpx.Client, conn: psycopg.Connection[Any], db_url: str
) -> None:
    """docs/status.md §10.6 and §10.8 on /metrics: unemployment "khoảng 1,5%" (lower is better) at 1,55% in 2024 is
    achieved approximately; the 2024 new-rural communes (3 of 03) are achieved beside 2023 missed (6 of 07)."""
    today = vietnam_today()
    deadline = time.monotonic() + 120
    while (info := snapshot_info(conn)) is None or info.as_of != today:  # the service's first full refresh
        assert time.monotonic() < deadline, "the service wrote no snapshot of today"
        time.sleep(0.2)
    token = make_key(db_url)
    rows = [
        {"indicator": UNEMPLOYMENT, "region": "quang_ngai", "period": "2024", "value": 1.55},
        {"indicator": NEW_RURAL_COMMUNES, "region": "quang_ngai", "period": "2023", "value": 6},
        {"indicator": NEW_RURAL_COMMUNES, "region": "quang_ngai", "period": "2024", "value": 3},
    ]
    assert post_json(client, token, rows).status_code == 200  # its series rewritten in the snapshot before the 200

    text = client.get("/metrics").text
    approximately = samples(text, "chitieu_indicator_approximately")
    assert approximately[labels(indicator=UNEMPLOYMENT, region="quang_ngai")] == 1.0
    assert approximately[labels(indicator=NEW_RURAL_COMMUNES, region="quang_ngai")] == 0.0
    assert approximately[labels(indicator=GRDP_GROWTH, region="quang_ngai")] == 0.0
    communes = {"indicator": NEW_RURAL_COMMUNES, "region": "quang_ngai"}
    assert samples(text, "chitieu_indicator_status")[labels(**communes, status="achieved")] == 1.0
    previous = samples(text, "chitieu_indicator_previous_status")
    assert previous[labels(**communes, period="2023", status="missed", approximately="false")] == 1.0
    assert [dict(key) for key in previous if dict(key)["indicator"] == UNEMPLOYMENT] == []  # 2024: its only target

    # What the engine wrote is what /metrics shows, not judged again: a row of a series no push touched (the next
    # full refresh is minutes away), changed by hand, is exported as it stands.
    conn.execute(
        "UPDATE indicator_status SET approximately = true, previous_period = '2023', previous_status = 'achieved',"
        " previous_approximately = true WHERE indicator = %s AND region = 'quang_ngai'",
        [GRDP_GROWTH],
    )
    text = client.get("/metrics").text
    growth = {"indicator": GRDP_GROWTH, "region": "quang_ngai"}
    assert samples(text, "chitieu_indicator_approximately")[labels(**growth)] == 1.0
    previous = samples(text, "chitieu_indicator_previous_status")
    assert [dict(key) for key in previous if dict(key)["indicator"] == GRDP_GROWTH] == [
        {**growth, "period": "2023", "status": "achieved", "approximately": "true"}
    ]


def test_the_previous_outcomes_stay_within_the_cardinality_budget(conn: psycopg.Connection[Any]) -> None:
    """Every province-level series with a previous outcome and approximately: 10,000 of them are cut to the budget."""
    national = national_catalogue(read_catalogue(conn), 34, 0, 100)
    previous = PreviousOutcome("2024", Status.missed, 1.0, 2.0, approximately=True)
    many = [
        replace(_judged(f"{PROGRAMME}.i{n % 100 + 1:03d}", f"p{n % 34 + 1:02d}"), approximately=True, previous=previous)
        for n in range(10_000)
    ]
    families = _BoardFamilies()
    _add_indicators(families, national, [], many)
    assert sum(len(family.samples) for family in families) <= CARDINALITY_BUDGET
    kept = len(families.approximately.samples)
    assert kept == len(families.previous_status.samples) == 10_000 - families.over_budget.samples[0].value
    assert 0 < kept < 10_000


def _judged(indicator: str, region: str) -> Evaluation:
    return Evaluation(
        indicator, region, "2025", 1.0, 1.0, 1.0, 1.0, 2.0, Status.achieved, False, 1.0, None, None, None,
        datetime(2025, 2, 1, tzinfo=UTC),
    )  # fmt: skip
