"""The skeleton: database, migrations, roles, health endpoints, problem details and clear configuration errors."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from ingest.embedded import EmbeddedPostgres
from ingest.migrate import latest_version, migrate
from tests.conftest import REPO, free_port

CHITIEU = [sys.executable, "-m", "api.cli"]


def test_observations_is_a_hypertable_with_yearly_chunks(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    row = conn.execute(
        "SELECT d.time_interval FROM timescaledb_information.dimensions d"
        " WHERE d.hypertable_name = 'observations' AND d.column_name = 'period_start'"
    ).fetchone()
    assert row is not None, "observations is not a hypertable on period_start"
    assert row[0].days == 365


def test_migrations_apply_once_and_are_recorded(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    assert migrate(conn) == []
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, latest_version() + 1))


def test_dashboard_role_reads_but_cannot_write(db_url: str) -> None:
    with psycopg.connect(db_url.replace("chitieu@", "chitieu_grafana@"), autocommit=True) as reader:
        assert reader.execute("SELECT count(*) FROM indicators").fetchone() is not None
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("DELETE FROM observations")
        reader.execute("SET default_transaction_read_only = off")  # even when it lifts the guard, it lacks privileges
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("INSERT INTO regions (code, name_vi, name_en, level) VALUES ('x', 'x', 'x', 'province')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("SELECT secret_hash FROM api_keys")


def test_healthz_and_readyz_over_http(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["timescaledb"].startswith("2.")
    assert ready.json()["migration"] == latest_version()


def test_unknown_path_is_problem_json(client: httpx.Client) -> None:
    response = client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
    assert response.json()["instance"] == "/no/such/thing"


def test_openapi_docs_are_served(client: httpx.Client) -> None:
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"].startswith("chitieu")


def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CHITIEU, *args], cwd=REPO, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )


def test_unreachable_database_url_is_one_clear_line() -> None:
    port = free_port()
    result = run_cli("db", "migrate", env={"CHITIEU_DATABASE_URL": f"postgresql://nobody@127.0.0.1:{port}/x"})
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("chitieu: cannot connect to the database")


@pytest.fixture
def cluster_dir() -> Iterator[Path]:
    """A scratch directory the postgres user can enter (pytest's tmp_path is private to root)."""
    path = REPO / ".var" / "tmp" / uuid.uuid4().hex
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_server_without_timescaledb_is_one_clear_line(cluster_dir: Path) -> None:
    plain = EmbeddedPostgres(cluster_dir, free_port(), server_options="-c shared_preload_libraries=")
    plain.start()
    try:
        result = run_cli("db", "migrate", env={"CHITIEU_DATABASE_URL": plain.url("postgres")})
    finally:
        plain.stop()
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert "timescaledb" in result.stderr and "Traceback" not in result.stderr


def test_port_taken_is_one_clear_line(cluster_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli(
            "db", "migrate", env={"CHITIEU_DATA_DIR": str(cluster_dir), "CHITIEU_EMBEDDED_PORT": str(port)}
        )
    assert result.returncode == 1
    assert (
        result.stderr
        == f"chitieu: port {port} is already in use: set CHITIEU_EMBEDDED_PORT to a free port or CHITIEU_DATABASE_URL to an existing server\n"
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_answers_ready_and_stopping_leaves_no_postgres(cluster_dir: Path, stop_signal: signal.Signals) -> None:
    data_dir, api_port = cluster_dir, free_port()
    env = {
        **os.environ,
        "CHITIEU_DATA_DIR": str(data_dir),
        "CHITIEU_EMBEDDED_PORT": str(free_port()),
        "CHITIEU_PORT": str(api_port),
    }
    serve = subprocess.Popen(
        [*CHITIEU, "serve"], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                ready = httpx.get(f"http://127.0.0.1:{api_port}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert serve.poll() is None, "chitieu serve exited early"
                assert time.monotonic() < deadline, "chitieu serve did not become ready"
                time.sleep(0.2)
        assert ready.status_code == 200
        assert ready.json()["timescaledb"].startswith("2.")
        started = time.monotonic()
        while len(refresher_processes(data_dir)) != 1:  # the refresher starts its child for the first full refresh
            assert time.monotonic() - started < 30, "no refresher child"
            time.sleep(0.1)
    finally:
        # Ctrl-C in a terminal reaches the whole process group (the refresher's child too); SIGTERM only the server.
        if stop_signal == signal.SIGINT:
            os.killpg(serve.pid, stop_signal)
        else:
            serve.send_signal(stop_signal)
        output, errors = serve.communicate(timeout=60)
    assert f"http://127.0.0.1:{api_port}/docs" in output
    assert "Traceback" not in errors, errors
    cluster = EmbeddedPostgres(data_dir, 1)
    assert not cluster.running(), f"postgres is still running after {stop_signal.name}"
    assert refresher_processes(data_dir) == []


def refresher_processes(data_dir: Path) -> list[int]:
    """The snapshot refresher children (`python -m api.refresher`) whose database lives in `data_dir`."""
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if (
                b"api.refresher" in (process / "cmdline").read_bytes()
                and str(data_dir).encode() in (process / "environ").read_bytes()
            ):
                found.append(int(process.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return found
