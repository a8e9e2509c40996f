"""Several workers: service metrics summed across processes (prometheus_client multiprocess mode), board once."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.metrics import MULTIPROCESS_ENV, prepare_multiprocess_dir
from tests.conftest import REPO, free_port

INCREMENT = """
from api.metrics import INGEST_REQUESTS, INGEST_ROWS, INGEST_SECONDS
INGEST_REQUESTS.labels(format="json", outcome="accepted").inc()
INGEST_ROWS.labels(outcome="imported").inc({rows})
INGEST_SECONDS.labels(format="json").observe(0.2)
"""

RENDER = """
import os
from prometheus_client import generate_latest
from api.metrics import scrape_registry
from ingest.database import connect
print(generate_latest(scrape_registry(lambda: connect(os.environ["TEST_DB_URL"]))).decode())
"""


def python(code: str, env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_prepare_multiprocess_dir_starts_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"left by an earlier run")
    monkeypatch.setenv(MULTIPROCESS_ENV, "")  # restored (unset) after the test, which the call below sets
    prepare_multiprocess_dir(directory)
    assert os.environ[MULTIPROCESS_ENV] == str(directory)
    assert list(directory.iterdir()) == []


def test_counters_of_several_processes_are_summed_and_the_board_appears_once(tmp_path: Path, db_url: str) -> None:
    env = {MULTIPROCESS_ENV: str(tmp_path), "TEST_DB_URL": db_url}
    python(INCREMENT.format(rows=3), env)
    python(INCREMENT.format(rows=4), env)
    text = python(RENDER, env)
    assert 'chitieu_ingest_requests_total{format="json",outcome="accepted"} 2.0' in text
    assert 'chitieu_ingest_rows_total{outcome="imported"} 7.0' in text
    assert 'chitieu_ingest_duration_seconds_count{format="json"} 2.0' in text
    assert text.count("# TYPE chitieu_indicator_status gauge") == 1
    assert "chitieu_board_scrape_success 1.0" in text


def test_uvicorn_with_two_workers_serves_the_board_and_valid_metrics(tmp_path: Path, db_url: str) -> None:
    port = free_port()
    env = {**os.environ, "CHITIEU_DATABASE_URL": db_url, MULTIPROCESS_ENV: str(tmp_path)}
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--workers", "2"]
    server = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], cwd=REPO, env=env
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
                if response.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, "uvicorn exited early"
            assert time.monotonic() < deadline, "uvicorn did not answer"
            time.sleep(0.2)
        scrapes = [httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text for _ in range(4)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    for text in scrapes:
        assert "process_cpu_seconds_total" not in text  # multiprocess mode: MultiProcessCollector, not this process
        assert text.count("# TYPE chitieu_indicator_status gauge") == 1
        assert "chitieu_board_scrape_success 1.0" in text
        check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr
