"""Several API processes on one database (CHITIEU_WORKERS, replicas): one rate limit per key in total, and a real
`chitieu serve` with two workers: push, status, metrics, one refresher child."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.conftest import REPO, WEBHOOK_TOKEN, free_port
from tests.ingest_helpers import make_key, post_json
from tests.test_leader import BUDGET, refresher_children, start_api, status, wait_for

ACCEPTED = 'chitieu_ingest_requests_total{format="json",outcome="ok"}'


def budget_row(period: str, value: float) -> dict[str, Any]:
    return {"indicator": BUDGET[0], "region": BUDGET[1], "period": period, "value": value}


def burst(urls: list[str], token: str, count: int) -> list[int]:
    """`count` single-row pushes of one key, spread over `urls`, each on a new connection (so over the workers too)."""
    codes = []
    for number in range(count):
        with httpx.Client(base_url=urls[number % len(urls)], timeout=30) as http:
            codes.append(
                post_json(http, token, [budget_row(f"{2022 + number // 4}-Q{1 + number % 4}", number)]).status_code
            )
    return codes


def test_two_api_processes_share_each_keys_rate_limit(db_url: str, tmp_path: Path) -> None:
    token = make_key(db_url)
    apis = [start_api(db_url, tmp_path, CHITIEU_RATE_LIMIT_PER_MINUTE="6") for _ in range(2)]
    try:
        codes = burst([url for _, url in apis], token, 12)
    finally:
        for process, _ in apis:
            process.terminate()
            process.wait(timeout=30)
    assert codes == [200] * 6 + [429] * 6  # 6 a minute in total, not 6 per process


@contextmanager
def serve(db_url: str, data_dir: Path, **settings: str) -> Iterator[str]:
    """`chitieu serve` with two workers on the test database; its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "CHITIEU_WORKERS": "2",
        "CHITIEU_DATABASE_URL": db_url,
        "CHITIEU_DATA_DIR": str(data_dir),
        "CHITIEU_PORT": str(port),
        "CHITIEU_LOAD_CATALOGUE_ON_START": "false",
        "CHITIEU_ALERTS_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "CHITIEU_LOG_LEVEL": "warning",
        **settings,
    }
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve"], cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert process.poll() is None, "chitieu serve exited"
        try:
            return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    try:
        wait_for(ready, 90, "chitieu serve is ready")
        yield url
    finally:
        process.terminate()
        assert process.wait(timeout=60) is not None


def test_chitieu_serve_with_two_workers(db_url: str, conn: psycopg.Connection[Any], tmp_path: Path) -> None:
    # Two serves on one machine, data directories side by side, as a second serve for another database would be.
    with (
        serve(db_url, tmp_path / "a", CHITIEU_RATE_LIMIT_PER_MINUTE="8") as first,
        serve(db_url, tmp_path / "b", CHITIEU_RATE_LIMIT_PER_MINUTE="8") as second,
    ):
        wait_for(lambda: len(refresher_children(db_url)) == 1, 30, "a refresher child")
        time.sleep(3)  # the three other workers have tried the lock
        assert len(refresher_children(db_url)) == 1, "one refresher for four workers of two serves"

        token = make_key(db_url)
        with httpx.Client(base_url=first, timeout=30) as http:
            pushed = post_json(http, token, [budget_row("2023-Q2", 3500)])
        assert pushed.status_code == 200 and pushed.json()["imported"] == 1
        wait_for(lambda: status(conn) == ("2023-Q2", 3500.0), 15, "the push is in the snapshot")
        board = httpx.get(f"{second}/v1/status", params={"region": BUDGET[1]}, timeout=30)
        assert board.status_code == 200
        assert BUDGET[0] in board.text and "3500" in board.text

        for _ in range(4):  # new connections: each worker answers some
            text = httpx.get(f"{first}/metrics", timeout=30).text
            assert f"{ACCEPTED} 1.0" in text, "the push counted once, whichever worker answers"
            assert text.count("# TYPE chitieu_indicator_status gauge") == 1
            assert "chitieu_board_scrape_success 1.0" in text
            assert "chitieu_refresher_leaders 1.0" in text, "one refresher for the two serves' four workers"
            assert ACCEPTED not in httpx.get(f"{second}/metrics", timeout=30).text, "the other serve's counters"

        limited = burst([first, second], make_key(db_url), 16)
        assert limited == [200] * 8 + [429] * 8
    wait_for(lambda: not refresher_children(db_url), 15, "no refresher child left")
