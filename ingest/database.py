"""Finding the database: the embedded cluster by default, or CHITIEU_DATABASE_URL; checking TimescaleDB is there."""

from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from ingest.embedded import EmbeddedPostgres
from ingest.errors import ConfigurationError

CONNECT_TIMEOUT_S = 5


@dataclass
class DatabaseServer:
    """The database chitieu talks to, and the embedded cluster behind it when it manages one."""

    url: str
    embedded: EmbeddedPostgres | None = None

    @classmethod
    def open(cls, database_url: str | None, data_dir: Path, port: int, database: str) -> "DatabaseServer":
        if database_url:
            server = cls(database_url)
            server.check_timescaledb()
            return server
        embedded = EmbeddedPostgres(data_dir, port)
        embedded.start()
        create_database(embedded.url("postgres"), database)
        server = cls(embedded.url(database), embedded)
        server.check_timescaledb()
        return server

    def close(self) -> None:
        if self.embedded is not None:
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
