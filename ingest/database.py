"""Finding the database: the embedded cluster by default, or CHITIEU_DATABASE_URL; checking TimescaleDB is there."""

from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from indicators.errors import ConfigurationError
from ingest import service_state
from ingest.embedded import EmbeddedPostgres

CONNECT_TIMEOUT_S = 5
SERVE_READY_WAIT_S = 180  # a first start: initdb, TimescaleDB, migrations, the catalogue


@dataclass
class DatabaseServer:
    """The database chitieu talks to, and the embedded cluster behind it when it manages one."""

    url: str
    embedded: EmbeddedPostgres | None = None
    owner: bool = False  # `chitieu serve`: stops the cluster on close even if it found it running

    @classmethod
    def open(
        cls, database_url: str | None, data_dir: Path, port: int, database: str, *, owner: bool = False
    ) -> "DatabaseServer":
        if database_url:
            server = cls(database_url)
            server.check_timescaledb()
            return server
        embedded = EmbeddedPostgres(data_dir, port)
        with service_state.start_lock(embedded.data_dir):
            embedded.start()
        create_database(embedded.url("postgres"), database)
        server = cls(embedded.url(database), embedded, owner)
        server.check_timescaledb()
        return server

    @classmethod
    def for_command(
        cls, database_url: str | None, data_dir: Path, port: int, database: str, *, may_create: bool, wait_s: float
    ) -> "DatabaseServer":
        """The database a command other than `serve` works on: CHITIEU_DATABASE_URL; else the running service's,
        from its state file (waiting for a serve that is starting); else the embedded cluster already in data_dir,
        started for this command only. A cluster is created only when `may_create` (db migrate, db restore)."""
        if database_url:
            return cls.open(database_url, data_dir, port, database)
        embedded = EmbeddedPostgres(data_dir, port)
        data_dir, existing = embedded.data_dir, embedded.initialised()
        state = service_state.wait_for_ready(data_dir, wait_s, SERVE_READY_WAIT_S, give_up_early=existing or may_create)
        if state is not None and state.database_url:
            return cls(state.database_url)
        if not existing and not may_create:
            raise ConfigurationError(
                f"không có cơ sở dữ liệu chitieu ở (no chitieu database in) {data_dir} and no `chitieu serve` "
                "running there: start `chitieu serve` (make run) first, or set CHITIEU_DATA_DIR to the service's "
                "data directory, or CHITIEU_DATABASE_URL"
            )
        return cls.open(None, data_dir, port, database)

    def close(self) -> None:
        if self.embedded is None:
            return
        if self.owner:
            self.embedded.stop(only_if_started_here=False)
        elif service_state.read_state(self.embedded.data_dir) is None:  # a serve that began meanwhile keeps it
            self.embedded.stop()

    def check_timescaledb(self) -> str:
        """Create the extension if it is available and we may; return its version or fail with one clear line."""
        with connect(self.url) as conn:
            row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
            if row:
                return str(row[0])
            available = conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").fetchone()
            if not available:
                raise ConfigurationError(
                    "the database server has no timescaledb extension: install TimescaleDB on it "
                    "(or unset CHITIEU_DATABASE_URL to use the embedded cluster)"
                )
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
            except psycopg.Error as error:
                raise ConfigurationError(
                    f"cannot create the timescaledb extension: {error.diag.message_primary or error}"
                ) from error
            row = conn.execute("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'").fetchone()
            assert row is not None
            return str(row[0])


def connect(url: str, **kwargs: object) -> psycopg.Connection[tuple[object, ...]]:
    """A connection with a short connect timeout, turning connection failures into one readable line."""
    try:
        return psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True, **kwargs)  # type: ignore[arg-type]
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ConfigurationError(f"cannot connect to the database: {first_line}") from error


def create_database(maintenance_url: str, database: str, template: str | None = None) -> bool:
    """Create the database unless it exists; return whether it was created."""
    with connect(maintenance_url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        conn.execute(statement)
        return True
