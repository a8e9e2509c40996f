"""Faults during ingestion, and nothing lost or doubled: the database restarted mid-batch and mid-push, the API process
killed mid-push, a response lost after the server committed.

A batch is caught in flight deterministically: a transaction holding observations in EXCLUSIVE mode makes the batch's
INSERT wait, and the fault is injected once pg_stat_activity shows it waiting. The batches are every series-period the
bundled catalogue accepts, so a lost or doubled batch shows in the counts.
"""

import contextlib
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from api.push_client import Pusher, PushFailed
from indicators.catalogue import load_catalogue
from indicators.periods import Frequency
from ingest.catalogue_store import load_catalogue_into
from ingest.database import connect, create_database
from ingest.embedded import EmbeddedPostgres
from ingest.migrate import migrate
from ingest.validation import RowValidator
from tests.conftest import REPO, ServerThread, free_port, settings_for
from tests.ingest_helpers import make_key, post_json

CATALOGUE = REPO / "indicators" / "catalogue"
BATCH_ROWS = 100


def every_valid_row() -> list[dict[str, Any]]:
    """One row for each (indicator, region, period of the indicator's frequency) the bundled catalogue accepts."""
    catalogue = load_catalogue(CATALOGUE)
    validator = RowValidator(catalogue, None)
    rows: list[dict[str, Any]] = []
    for code, indicator in catalogue.indicators.items():
        programme = catalogue.programmes[indicator.programme]
        for year in range(programme.start_year - 1, programme.end_year + 1):
            periods = {
                Frequency.year: [str(year)],
                Frequency.half_year: [f"{year}-H{h}" for h in (1, 2)],
                Frequency.quarter: [f"{year}-Q{q}" for q in range(1, 5)],
                Frequency.month: [f"{year}-{month:02d}" for month in range(1, 13)],
            }[indicator.frequency]
            for region in catalogue.regions:
                for period in periods:
                    candidate = {"indicator": code, "region": region, "period": period, "value": 1 + len(rows) % 90}
                    if not isinstance(validator.validate(1, candidate), list):
                        rows.append(candidate)
    return rows


ROWS = every_valid_row()


def csv_file(path: Path) -> Path:
    lines = ["indicator;region;period;value;status;note\n"]
    lines += [f"{r['indicator']};{r['region']};{r['period']};{r['value']};official;\n" for r in ROWS]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def assert_every_row_once(db_url: str) -> None:
    with connect(db_url) as conn:
        stored = conn.execute("SELECT indicator, region, period, value, revision FROM observations").fetchall()
    assert len(stored) == len(ROWS), f"{len(stored)} rows stored, {len(ROWS)} sent"
    assert {revision for *_, revision in stored} == {1}, "a value was written twice"
    assert {(i, r, p, v) for i, r, p, v, _ in stored} == {
        (r["indicator"], r["region"], r["period"], float(r["value"])) for r in ROWS
    }


class LockedObservations:
    """Holds observations in EXCLUSIVE mode so that a batch's write waits, and tells when one does (a batch of new keys
    writes by COPY, ingest/direct_copy.py; the others by INSERT)."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        self.holder = psycopg.connect(db_url)
        self.holder.execute("LOCK TABLE observations IN EXCLUSIVE MODE")

    def wait_for_a_waiting_batch(self) -> None:
        deadline = time.monotonic() + 30
        with connect(self.db_url) as conn:
            while time.monotonic() < deadline:
                waiting = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                    " AND (query LIKE '%%INSERT INTO observations%%' OR query LIKE 'COPY observations%%')"
                ).fetchone()
                if waiting and waiting[0]:
                    return
                time.sleep(0.02)
        raise AssertionError("no batch came to wait on the lock")

    def release(self) -> None:
        if not self.holder.closed:
            with contextlib.suppress(psycopg.OperationalError):  # a database restart already ended it
                self.holder.rollback()
            self.holder.close()


# --------------------------------------------------------------------------------------------------- database restart


@pytest.fixture(scope="module")
def own_cluster() -> Iterator[EmbeddedPostgres]:
    """A cluster of this module's own, to restart without disturbing the other tests' (in .var: see cluster_dir)."""
    path = REPO / ".var" / "tmp" / uuid.uuid4().hex
    path.mkdir(parents=True)
    cluster = EmbeddedPostgres(path, free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(path, ignore_errors=True)


def fresh_database(cluster: EmbeddedPostgres) -> str:
    name = f"faults_{uuid.uuid4().hex[:8]}"
    create_database(cluster.url("postgres"), name)
    with connect(cluster.url(name)) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        migrate(conn)
        load_catalogue_into(conn, CATALOGUE)
    return cluster.url(name)


def restart(cluster: EmbeddedPostgres) -> None:
    """pg_ctl restart -m fast: every session is terminated, transactions in progress are rolled back."""
    result = subprocess.run(
        cluster._cmd("pg_ctl", "restart", "-w", "-t", "120", "-m", "fast", "-D", str(cluster.cluster_dir), "-l",
                     str(cluster.log_file), "-o", f"-p {cluster.port}"),
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


class Fault(threading.Thread):
    """Injects a fault once a batch waits on the lock taken here (before the batch is sent), then lifts the lock.
    `finish()` waits for it and raises what went wrong in it."""

    def __init__(self, db_url: str, inject: Callable[[], None]) -> None:
        super().__init__()
        self.lock = LockedObservations(db_url)
        self.inject = inject
        self.error: BaseException | None = None
        self.start()

    def run(self) -> None:
        try:
            self.lock.wait_for_a_waiting_batch()
            self.inject()
        except BaseException as error:
            self.error = error
        finally:
            self.lock.release()

    def finish(self) -> None:
        self.join(timeout=180)
        assert not self.is_alive(), "the fault was not injected in time"
        if self.error is not None:
            raise self.error


def test_a_restart_mid_batch_applies_nothing_answers_503_and_the_pool_recovers(own_cluster: EmbeddedPostgres) -> None:
    db_url = fresh_database(own_cluster)
    token = make_key(db_url)
    idle_connections = 4  # the restart breaks them all; the pool must replace them, not hand them out
    with (
        ServerThread(settings_for(db_url, pool_min_size=idle_connections)) as server,
        httpx.Client(base_url=server.url, timeout=120) as http,
    ):
        fault = Fault(db_url, lambda: restart(own_cluster))
        during = post_json(http, token, ROWS)
        fault.finish()
        assert during.status_code == 503, during.text
        assert during.headers["retry-after"].isdigit()
        assert during.headers["content-type"] == "application/problem+json"
        assert during.json()["type"] == "/problems/database-unavailable"
        with connect(db_url) as conn:
            assert conn.execute("SELECT count(*) FROM observations").fetchone() == (0,), "all or nothing"
        # The same service, not restarted: its pool replaced the connections the restart broke.
        assert [http.get("/readyz").status_code for _ in range(2 * idle_connections)] == [200] * 2 * idle_connections
        after = post_json(http, token, ROWS)
        assert after.status_code == 200, after.text
        assert after.json()["imported"] == len(ROWS)
    assert_every_row_once(db_url)


def test_chitieu_push_rides_out_three_restarts_with_exactly_the_intended_rows(
    own_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    db_url = fresh_database(own_cluster)
    retries: list[float] = []
    faults: list[Fault] = []

    def sleep(seconds: float) -> None:
        retries.append(seconds)
        time.sleep(0.2)  # not the 5 s of Retry-After: the database is back within a second

    with ServerThread(settings_for(db_url)) as server:
        pusher = Pusher(
            server.url, make_key(db_url), tmp_path / "spool", decimal="comma", max_attempts=100, sleep=sleep
        )
        batches = pusher.spool(csv_file(tmp_path / "all.csv"), BATCH_ROWS)
        answered = 0

        def after_batch(rows: int) -> None:
            nonlocal answered
            answered += 1
            if answered in (2, 6, 10):  # the next batch meets a restart in flight
                faults.append(Fault(db_url, lambda: restart(own_cluster)))

        report = pusher.send_spool(after_batch)
        for fault in faults:
            fault.finish()
    assert len(faults) == 3 and len(retries) >= 3, "each restart cost the push at least one retry"
    assert (report.imported, report.ignored, report.rejected) == (len(ROWS), 0, 0)
    assert report.batches_sent == batches == math.ceil(len(ROWS) / BATCH_ROWS) and pusher.pending() == []
    assert_every_row_once(db_url)


# --------------------------------------------------------------------------------------------------- API killed


def serve(db_url: str, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "CHITIEU_DATABASE_URL": db_url,
        "CHITIEU_PORT": str(port),
        "CHITIEU_LOAD_CATALOGUE_ON_START": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "chitieu serve did not become ready"
        time.sleep(0.1)


def stop(process: subprocess.Popen[str]) -> str:
    """Stop a server started here (Ctrl-C, then kill if it lingers) and return what it printed."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_killing_the_api_mid_push_loses_and_doubles_nothing_once_the_spool_is_replayed(
    db_url: str, tmp_path: Path
) -> None:
    port, token, spool = free_port(), make_key(db_url), tmp_path / "spool"
    servers = [serve(db_url, port)]
    pusher = Pusher(f"http://127.0.0.1:{port}", token, spool, decimal="comma", max_attempts=3, sleep=lambda s: None)
    batches = pusher.spool(csv_file(tmp_path / "all.csv"), BATCH_ROWS)
    faults: list[Fault] = []
    answered = 0

    def kill_the_api() -> None:
        os.kill(servers[0].pid, signal.SIGKILL)
        servers[0].wait(timeout=30)

    def after_batch(rows: int) -> None:
        nonlocal answered
        answered += 1
        if answered == 3:  # kill the API while it writes the fourth batch
            faults.append(Fault(db_url, kill_the_api))

    try:
        with pytest.raises(PushFailed, match="--resume"):
            pusher.send_spool(after_batch)
        faults[0].finish()
        _wait_for_no_other_sessions(db_url)
        with connect(db_url) as conn:
            assert conn.execute("SELECT count(*) FROM observations").fetchone() == (3 * BATCH_ROWS,)
        assert len(pusher.pending()) == batches - 3, "the batch in flight and the rest wait in the spool"
        servers.append(serve(db_url, port))
        resumed = subprocess.run(
            [sys.executable, "-m", "api.cli", "push", "--resume", "--server", f"http://127.0.0.1:{port}",
             "--key", token, "--spool-dir", str(spool)],
            cwd=REPO, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        outputs = [stop(server) for server in servers]
    assert resumed.returncode == 0, resumed.stderr
    assert f"imported {len(ROWS) - 3 * BATCH_ROWS}," in resumed.stdout
    assert pusher.pending() == []
    assert_every_row_once(db_url)
    secret = token.split("_", 2)[2]
    assert all(secret not in output for output in outputs), "the key's secret appears in the server's output"


def _wait_for_no_other_sessions(db_url: str) -> None:
    """Until the killed server's sessions are gone (and with them any transaction they had open)."""
    deadline = time.monotonic() + 30
    with connect(db_url) as conn:
        while time.monotonic() < deadline:
            others = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            ).fetchone()
            if others == (0,):
                return
            time.sleep(0.05)
    raise AssertionError("the killed server's sessions did not end")


# --------------------------------------------------------------------------------------------------- response lost


class ResponseDroppingProxy(threading.Thread):
    """A TCP proxy to the API. When armed, it closes the client's connection as soon as the next response starts:
    the server has committed the batch, the client never hears of it."""

    def __init__(self, upstream_port: int) -> None:
        super().__init__(daemon=True)
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.armed = threading.Event()
        self.dropped = 0

    def run(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            threading.Thread(target=self._pump, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, True), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, responses: bool) -> None:
        try:
            while data := source.recv(65536):
                if responses and self.armed.is_set():
                    self.armed.clear()
                    self.dropped += 1
                    break
                target.sendall(data)
        except OSError:
            pass
        for end in (source, target):  # shutdown, not only close: it wakes the other pump blocked in recv
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)
            end.close()

    def close(self) -> None:
        self.listener.close()


def test_a_response_lost_after_the_commit_is_resent_and_ignored(db_url: str, tmp_path: Path) -> None:
    with ServerThread(settings_for(db_url)) as server:
        proxy = ResponseDroppingProxy(server.port)
        proxy.start()
        try:
            pusher = Pusher(f"http://127.0.0.1:{proxy.port}", make_key(db_url), tmp_path / "spool", decimal="comma",
                            sleep=lambda s: None)  # fmt: skip
            pusher.spool(csv_file(tmp_path / "all.csv"), BATCH_ROWS)
            answered = 0

            def after_batch(rows: int) -> None:
                nonlocal answered
                answered += 1
                if answered == 3:
                    proxy.armed.set()

            report = pusher.send_spool(after_batch)
        finally:
            proxy.close()
    assert proxy.dropped == 1
    assert (report.imported, report.ignored) == (len(ROWS) - BATCH_ROWS, BATCH_ROWS), "the resent batch was a no-op"
    assert_every_row_once(db_url)
