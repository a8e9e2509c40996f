"""Where the benchmarks run: a dedicated embedded cluster, a fresh database per benchmark, the API in a subprocess.

The cluster lives in .var/pg-bench (CHITIEU_BENCH_DATA_DIR) on its own port (CHITIEU_BENCH_PORT, default 55434), so a
benchmark never touches the development or test clusters, and two benchmarks run at once need only differ in both. The API runs as a separate process (uvicorn, one worker) so that the load generator
and the server do not share an interpreter, and so that its memory can be read from /proc.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg

from api.settings import CATALOGUE_DIR
from indicators.catalogue import Catalogue, load_catalogue
from ingest.catalogue_store import load_catalogue_into
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from ingest.keys import create_key
from ingest.migrate import migrate

REPO = Path(__file__).resolve().parents[1]
BENCH_DATA_DIR = Path(os.environ.get("CHITIEU_BENCH_DATA_DIR", REPO / ".var" / "pg-bench")).resolve()
BENCH_PORT = int(os.environ.get("CHITIEU_BENCH_PORT", "55434"))
API_LOG = BENCH_DATA_DIR / "api.log"


def bench_cluster() -> EmbeddedPostgres:
    return EmbeddedPostgres(BENCH_DATA_DIR, BENCH_PORT)


def bundled_catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_DIR)


@contextmanager
def fresh_database(pg: EmbeddedPostgres, name: str, catalogue: Catalogue) -> Iterator[str]:
    """A new database with the migrations and the given catalogue; dropped afterwards."""
    database = f"bench_{name}"
    with connect(pg.url("postgres")) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {database}")
    url = pg.url(database)
    try:
        with connect(url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            migrate(conn)
            load_catalogue_into(conn, CATALOGUE_DIR, catalogue=catalogue)
        yield url
    finally:
        with connect(pg.url("postgres")) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def new_token(url: str) -> str:
    with connect(url) as conn:
        _, token = create_key(conn, office="Benchmark", regions=["*"], programmes=["*"])
    return token


def truncate_observations(conn: psycopg.Connection[Any]) -> None:
    conn.execute("TRUNCATE observations")
    conn.execute("VACUUM ANALYZE observations")


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ApiProcess:
    """The real app under uvicorn in a child process; `pid` is the server's own process (for /proc)."""

    process: subprocess.Popen[bytes]
    url: str

    @property
    def pid(self) -> int:
        return self.process.pid


# Rate limiting (when configured) would refuse a benchmark's thousands of writes: lift it, and say so in RESULTS.md.
SERVER_ENV = {"CHITIEU_LOAD_CATALOGUE_ON_START": "false", "CHITIEU_RATE_LIMIT_PER_MINUTE": "100000000"}


@contextmanager
def api_server(database_url: str, *, refresher: bool = True, **settings: str) -> Iterator[ApiProcess]:
    """bench/server.py on a free loopback port, configured through CHITIEU_* variables; `refresher=False` runs it
    without the status snapshot refresher."""
    port = _free_port()
    env = {**os.environ, **SERVER_ENV, "CHITIEU_DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    env.update({f"CHITIEU_{name.upper()}": value for name, value in settings.items()})
    env["CHITIEU_BENCH_REFRESHER"] = "on" if refresher else "off"
    BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
    with API_LOG.open("ab") as log:  # the server's own messages (e.g. a request cut off by the load generator)
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.server", str(port)], cwd=REPO, env=env, stdout=log, stderr=log
        )
    server = ApiProcess(process, f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: ApiProcess) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the API process exited with code {server.process.returncode}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API process did not answer /healthz within 60 s")


def peak_rss_kib(pid: int) -> int:
    """VmHWM: the highest resident set size of the process since it started or since reset_peak_rss."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def current_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def reset_peak_rss(pid: int) -> None:
    """Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def source_version() -> dict[str, object]:
    """The commit measured, and the files that differed from it (the benchmark measures the working tree)."""

    def git(*args: str) -> str:
        result = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return result.stdout if result.returncode == 0 else ""

    changed = [line[3:] for line in git("status", "--porcelain").splitlines()]  # "XY path": the status is 2 columns
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "uncommitted_changes": changed}


def timescaledb_version(pg: EmbeddedPostgres) -> str:
    with connect(pg.url("postgres")) as conn:
        row = conn.execute("SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone()
    return str(row[0]) if row else ""


def machine() -> dict[str, object]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")), "")
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    total_kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal:")))
    version = subprocess.run(["pg_config", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu_model": model,
        "nproc": os.cpu_count(),
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "python": sys.version.split()[0],
        "postgresql": version,
    }
