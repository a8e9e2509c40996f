"""Test fixtures on the real TimescaleDB.

The session starts (or reuses) a project-managed cluster in .var/pg-test on its own port, builds a template database
with the migrations and the bundled catalogue, and gives each test that asks for `db_url` a fresh copy of it, so tests
never see each other's rows. `api_url` serves the real app with uvicorn on a free loopback port.
"""

import itertools
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from ingest.catalogue_store import load_catalogue_into
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from ingest.migrate import migrate

REPO = Path(__file__).resolve().parents[1]
TEST_DATA_DIR = Path(os.environ.get("CHITIEU_TEST_DATA_DIR", REPO / ".var" / "pg-test")).resolve()
TEST_PORT = int(os.environ.get("CHITIEU_TEST_PORT", "55433"))


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


TEMPLATE = "chitieu_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(TEST_DATA_DIR, TEST_PORT)
    if not server.running() and not _port_free(TEST_PORT):
        server.port = free_port()  # another checkout's cluster holds the usual port
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def template_db(pg: EmbeddedPostgres) -> str:
    with connect(pg.url("postgres")) as conn:
        conn.execute(f"ALTER DATABASE {TEMPLATE} IS_TEMPLATE false") if _exists(conn, TEMPLATE) else None
        conn.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {TEMPLATE}")
    with connect(pg.url(TEMPLATE)) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        migrate(conn)
        load_catalogue_into(conn, REPO / "indicators" / "catalogue")
    with connect(pg.url("postgres")) as conn:
        # No connections, not even TimescaleDB's job scheduler, so CREATE DATABASE ... TEMPLATE never finds it busy.
        conn.execute(f"ALTER DATABASE {TEMPLATE} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [TEMPLATE],
        )
    return TEMPLATE


def _exists(conn: psycopg.Connection[tuple[object, ...]], database: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def new_database(pg: EmbeddedPostgres, template: str) -> str:
    name = f"test_{os.getpid()}_{next(_counter)}"
    with connect(pg.url("postgres")) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return name


@pytest.fixture
def db_url(pg: EmbeddedPostgres, template_db: str) -> Iterator[str]:
    """A fresh database with the migrations and the bundled catalogue, dropped after the test."""
    name = new_database(pg, template_db)
    yield pg.url(name)
    with connect(pg.url("postgres")) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with connect(db_url) as connection:
        yield connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerThread(threading.Thread):
    """uvicorn serving the app in this process, on a real loopback socket."""

    def __init__(self, settings: Settings, port: int | None = None) -> None:
        super().__init__(daemon=True)
        self.port = port or free_port()
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self) -> None:
        self.server.run()

    def __enter__(self) -> "ServerThread":
        self.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.join(timeout=10)


WEBHOOK_TOKEN = "test-alerts-webhook-token"
WEBHOOK_AUTH = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}


def settings_for(db_url: str, **overrides: object) -> Settings:
    given: dict[str, object] = {"alerts_webhook_token": WEBHOOK_TOKEN, **overrides}
    return Settings(database_url=db_url, load_catalogue_on_start=False, **given)  # type: ignore[arg-type]


@pytest.fixture
def api_url(db_url: str) -> Iterator[str]:
    with ServerThread(settings_for(db_url)) as server:
        yield server.url


@pytest.fixture
def client(api_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=30) as http:
        yield http
