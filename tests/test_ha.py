"""High availability for real: etcd, two Patroni nodes running TimescaleDB with synchronous replication, HAProxy, and
the API on HAProxy's write and read ports (deploy/ha/). `chitieu push` streams batches while the leader's machine is
lost (Patroni and PostgreSQL killed with SIGKILL); then a new leader within 30 s, the API writable again without a
restart, every row present exactly once, the spool empty. The old leader rejoins as a replica (pg_rewind where its
timeline diverged) and serves the board; then the same in the other direction.

Run with `make test-ha` (also part of `make test`); about a minute and a half here.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.settings import Settings
from ingest.catalogue_store import load_catalogue_into
from ingest.database import connect
from ingest.migrate import migrate
from tests.conftest import REPO, ServerThread
from tests.ha_cluster import HaCluster, Node
from tests.ingest_helpers import make_key
from tests.test_hardening_faults import ROWS

pytestmark = [pytest.mark.ha, pytest.mark.timeout(600)]

FAILOVER_LIMIT_S = 30
BATCH_ROWS = 40


@pytest.fixture(scope="module")
def cluster() -> Iterator[HaCluster]:
    ha = HaCluster(REPO / ".var" / "ha-test")
    try:
        ha.start()
        with connect(ha.write_url) as conn:
            migrate(conn)
            load_catalogue_into(conn, REPO / "indicators" / "catalogue")
        yield ha
    except BaseException:
        print(ha.logs(), file=sys.stderr)
        raise
    finally:
        ha.stop()


@pytest.fixture(scope="module")
def api(cluster: HaCluster) -> Iterator[str]:
    settings = Settings(
        database_url=cluster.write_url,
        database_read_url=cluster.read_url,
        load_catalogue_on_start=False,
        rate_limit_per_minute=0,
        status_refresh_seconds=3600,
    )  # type: ignore[call-arg]
    with ServerThread(settings) as server:
        yield server.url


def write_csv(path: Path, value_offset: int) -> Path:
    lines = ["indicator;region;period;value;status;note\n"]
    lines += [f"{r['indicator']};{r['region']};{r['period']};{r['value'] + value_offset};official;\n" for r in ROWS]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def start_push(api: str, key: str, csv_path: Path, spool: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(REPO / ".venv" / "bin" / "chitieu"), "push", str(csv_path), "--server", api, "--spool-dir", str(spool),
         "--batch-rows", str(BATCH_ROWS)],
        env={**os.environ, "CHITIEU_KEY": key}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def stored_rows(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT indicator, region, period, value, revision FROM observations").fetchall()


def wait_for_some_rows(url: str, at_least: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT count(*) FROM observations").fetchone()
        if row and row[0] >= at_least:
            return
        time.sleep(0.05)
    raise AssertionError("the push did not start writing")


def lose_the_leader_while_pushing(
    cluster: HaCluster, api: str, key: str, csv_path: Path, spool: Path
) -> tuple[Node, Node, float, str]:
    """Push the file; once some batches are in, kill the leader's machine. Returns the old leader, the new leader,
    the seconds until the new one led, and what `chitieu push` printed."""
    old_leader = cluster.leader()
    assert old_leader is not None
    push = start_push(api, key, csv_path, spool)
    wait_for_some_rows(cluster.write_url, BATCH_ROWS * 3)
    cluster.kill_node(old_leader)
    killed_at = time.monotonic()
    new_leader = cluster.wait_for_leader(timeout=FAILOVER_LIMIT_S + 30, other_than=old_leader)
    failover_s = time.monotonic() - killed_at
    output, _ = push.communicate(timeout=300)
    assert push.returncode == 0, output
    left = [str(path.relative_to(spool)) for path in spool.rglob("*") if path.is_file() and path.suffix == ".csv"]
    assert not left, f"batches left in the spool or set aside: {left}\n{output}"
    return old_leader, new_leader, failover_s, output


def assert_every_row_once(url: str, value_offset: int, revisions: int, push_output: str = "") -> None:
    stored = stored_rows(url)
    expected = len(ROWS) * revisions
    assert len(stored) == expected, f"{len(stored)} revisions stored, {expected} expected; push said:\n{push_output}"
    latest: dict[tuple[str, str, str], tuple[float, int]] = {}
    for indicator, region, period, value, revision in stored:
        key = (indicator, region, period)
        if key not in latest or latest[key][1] < revision:
            latest[key] = (float(value), revision)
    assert {revision for _, revision in latest.values()} == {revisions}, "a value was lost or written twice"
    assert latest == {
        (r["indicator"], r["region"], r["period"]): (float(r["value"] + value_offset), revisions) for r in ROWS
    }


def assert_ready_and_board_served(api: str) -> None:
    with httpx.Client(base_url=api, timeout=30) as http:
        deadline = time.monotonic() + 30
        while (ready := http.get("/readyz")).status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ready.status_code == 200, ready.text
        board = http.get("/v1/status", params={"programme": "qngai-2024"})
        assert board.status_code == 200, board.text
        assert board.json()["items"], "the board is empty"


def replica_sessions(cluster: HaCluster, replica: Node) -> int:
    admin = f"postgresql://postgres:{cluster.superuser_password}@127.0.0.1:{replica.pg_port}/postgres"
    with psycopg.connect(admin) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = 'chitieu'").fetchone()
    return int(row[0]) if row else 0


def test_failover_both_ways_loses_and_doubles_nothing(cluster: HaCluster, api: str, tmp_path: Path) -> None:
    key = make_key(cluster.write_url)

    # Round 1: node1 leads, its machine is lost mid-push.
    old, new, failover_s, output = lose_the_leader_while_pushing(
        cluster, api, key, write_csv(tmp_path / "first.csv", 0), tmp_path / "spool1"
    )
    assert failover_s < FAILOVER_LIMIT_S, f"new leader after {failover_s:.1f} s"
    assert_every_row_once(cluster.write_url, value_offset=0, revisions=1, push_output=output)
    assert_ready_and_board_served(api)  # without restarting the API: the pool replaced its broken connections

    # The old leader comes back as a replica of the new one, and the board is read from it.
    cluster.start_node(old)
    replica = cluster.wait_for_replica(timeout=90)
    assert replica is old
    with httpx.Client(base_url=api, timeout=30) as http:
        for _ in range(3):
            assert http.get("/v1/status", params={"programme": "qngai-2024"}).status_code == 200
    assert replica_sessions(cluster, old) > 0, "the board was not read from the replica"
    assert_every_row_once(cluster.read_url, value_offset=0, revisions=1)  # the replica holds every row too

    # Round 2, the other way: new values for every row while the second leader's machine is lost.
    _, third, failover_s, output = lose_the_leader_while_pushing(
        cluster, api, key, write_csv(tmp_path / "second.csv", 1), tmp_path / "spool2"
    )
    assert third is old
    assert failover_s < FAILOVER_LIMIT_S, f"new leader after {failover_s:.1f} s"
    assert_every_row_once(cluster.write_url, value_offset=1, revisions=2, push_output=output)
    assert_ready_and_board_served(api)
    cluster.start_node(new)
    assert cluster.wait_for_replica(timeout=90) is new


def test_readyz_says_when_the_database_is_not_writable(cluster: HaCluster, api: str) -> None:
    """A leader turned read-only (as a demoted one is) makes /readyz 503, so a load balancer stops sending writes."""
    leader = cluster.leader()
    assert leader is not None
    admin = f"postgresql://postgres:{cluster.superuser_password}@127.0.0.1:{leader.pg_port}/postgres"

    def read_only(on: bool) -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"ALTER SYSTEM SET default_transaction_read_only = {'on' if on else 'off'}")
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(0.5)

    with httpx.Client(base_url=api, timeout=30) as http:
        read_only(True)
        try:
            answer = http.get("/readyz")
        finally:
            read_only(False)
        assert answer.status_code == 503, answer.text
        assert answer.json()["type"].endswith("/database-read-only")
        assert http.get("/readyz").status_code == 200
