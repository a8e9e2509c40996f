"""Refresher leader election: among the API processes on one database exactly one runs the refresher child; the others
forward their pokes to it; when it dies another takes over (api/leader.py)."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.leader import PAYLOAD_BYTES, ElectedRefresher, decode, encode, refresher_leaders
from tests.conftest import REPO, WEBHOOK_TOKEN, free_port
from tests.ingest_helpers import make_key, post_json

BUDGET = ("dthap-2023.budget_revenue", "dong_thap")


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> float:
    """Poll until `condition()` is true; return the seconds it took."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, f"not within {seconds} s: {what}"
        time.sleep(0.1)
    return time.monotonic() - started


def status(conn: psycopg.Connection[Any]) -> tuple[Any, ...] | None:
    return conn.execute(
        "SELECT period, actual FROM indicator_status WHERE indicator = %s AND region = %s", list(BUDGET)
    ).fetchone()


def insert(conn: psycopg.Connection[Any], period: str, start: str, value: float) -> None:
    conn.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
        " VALUES (%s, %s, %s, %s, 1, %s, 'official', 't')",
        [*BUDGET, start, period, value],
    )


def test_payloads_stay_under_the_notify_limit_and_round_trip() -> None:
    series = {(f"programme.indicator_{n}", f"xã_{n}") for n in range(2_000)}
    payloads = list(encode(series))
    assert len(payloads) > 1 and all(len(payload.encode()) <= PAYLOAD_BYTES for payload in payloads)
    assert set().union(*(decode(payload) for payload in payloads)) == series
    assert list(encode(set())) == []
    assert decode("not json") == set() and decode('[["a"]]') == set()


@pytest.fixture
def two_refreshers(db_url: str) -> Iterator[list[ElectedRefresher]]:
    refreshers = [ElectedRefresher(db_url, 3600, poll_s=0.5) for _ in range(2)]
    for refresher in refreshers:
        refresher.start()
    yield refreshers
    for refresher in refreshers:
        refresher.stop()


def test_one_leads_the_other_forwards_and_takes_over_when_it_stops(
    two_refreshers: list[ElectedRefresher], conn: psycopg.Connection[Any]
) -> None:
    wait_for(lambda: any(r.leading for r in two_refreshers), 10, "a leader")
    time.sleep(1.5)  # three lock polls of the follower
    assert [r.leading for r in two_refreshers].count(True) == 1
    assert refresher_leaders(conn) == 1
    leader, follower = sorted(two_refreshers, key=lambda r: not r.leading)
    wait_for(lambda: status(conn) is not None, 30, "the leader's first full refresh")
    insert(conn, "2023-Q2", "2023-04-01 00:00+07", 3500)
    follower.poke({BUDGET})
    wait_for(lambda: status(conn) == ("2023-Q2", 3500.0), 10, "the follower's poke refreshed by the leader")

    leader.stop()
    took = wait_for(lambda: follower.leading, 5, "the follower takes over")
    assert took < 2, "within one lock poll and a bit"
    insert(conn, "2023-Q3", "2023-07-01 00:00+07", 3600)
    follower.poke({BUDGET})
    wait_for(lambda: status(conn) == ("2023-Q3", 3600.0), 30, "refreshed by the new leader")
    follower.stop()
    wait_for(lambda: refresher_leaders(conn) == 0, 5, "the lock goes with its session")


def test_a_burst_of_many_series_reaches_the_leader_whole(two_refreshers: list[ElectedRefresher]) -> None:
    wait_for(lambda: any(r.leading for r in two_refreshers), 10, "a leader")
    leader, follower = sorted(two_refreshers, key=lambda r: not r.leading)
    received: set[tuple[str, str]] = set()
    assert leader._refresher is not None

    def record(series: Iterable[tuple[str, str]]) -> None:
        received.update(series)

    leader._refresher.poke = record  # type: ignore[method-assign]
    series = {(f"programme.indicator_{n % 100}", f"xã_{n}") for n in range(3_000)}  # about 20 payloads
    follower.poke(series)
    wait_for(lambda: received == series, 10, "every series forwarded")


# ---------------------------------------------------------------------------------------- separate processes


def refresher_children(db_url: str) -> dict[int, int]:
    """The refresher children (`python -m api.refresher`) on this database: pid -> parent pid."""
    marker = f"CHITIEU_REFRESHER_DATABASE_URL={db_url}\0".encode()
    found = {}
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if b"api.refresher" in (process / "cmdline").read_bytes() and marker in (process / "environ").read_bytes():
                found[int(process.name)] = int((process / "stat").read_text().rpartition(")")[2].split()[1])
        except OSError:  # gone meanwhile
            continue
    return found


def start_api(db_url: str, data_dir: Path, **settings: str) -> tuple[subprocess.Popen[bytes], str]:
    """The app under uvicorn in a process of its own, as a replica on another machine would run it."""
    port = free_port()
    env = {
        **os.environ,
        "CHITIEU_DATABASE_URL": db_url,
        "CHITIEU_DATA_DIR": str(data_dir),
        "CHITIEU_LOAD_CATALOGUE_ON_START": "false",
        "CHITIEU_ALERTS_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        **settings,
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--log-level", "warning"]
    process = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", str(port)], cwd=REPO, env=env)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert process.poll() is None, "the API process exited"
        try:
            return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(up, 60, "the API answers")
    return process, url


def test_two_api_processes_run_one_refresher_and_the_survivor_of_a_kill_takes_over(
    db_url: str, conn: psycopg.Connection[Any], tmp_path: Path
) -> None:
    token = make_key(db_url)
    apis = [start_api(db_url, tmp_path), start_api(db_url, tmp_path)]
    try:
        pids = {process.pid: url for process, url in apis}
        wait_for(lambda: len(refresher_children(db_url)) == 1, 30, "a refresher child")
        time.sleep(3)  # more than a lock poll: the other process has tried and stayed a follower
        children = refresher_children(db_url)
        assert len(children) == 1, children
        (leader,) = children.values()
        assert leader in pids
        (survivor,) = set(pids) - {leader}

        wait_for(lambda: status(conn) is not None, 30, "the first full refresh")
        with httpx.Client(base_url=pids[survivor], timeout=30) as follower:
            rows = [{"indicator": BUDGET[0], "region": BUDGET[1], "period": "2023-Q2", "value": 3500}]
            assert post_json(follower, token, rows).status_code == 200
        wait_for(lambda: status(conn) == ("2023-Q2", 3500.0), 10, "a push through the follower is refreshed")

        os.kill(leader, signal.SIGKILL)
        took = wait_for(lambda: survivor in refresher_children(db_url).values(), 15, "the survivor's refresher child")
        assert took < 8, f"took over in {took:.1f} s"
        wait_for(lambda: len(refresher_children(db_url)) == 1, 15, "the dead leader's child exits")
        with httpx.Client(base_url=pids[survivor], timeout=30) as http:
            rows = [{"indicator": BUDGET[0], "region": BUDGET[1], "period": "2023-Q3", "value": 3600}]
            assert post_json(http, token, rows).status_code == 200
        wait_for(lambda: status(conn) == ("2023-Q3", 3600.0), 30, "a push through the survivor is refreshed")
    finally:
        for process, _ in apis:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
    wait_for(lambda: not refresher_children(db_url), 15, "no refresher child left")
