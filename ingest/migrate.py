"""Ordered plain-SQL migrations in ingest/migrations/NNNN_name.sql, each applied once in its own transaction."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import class_row

from indicators.errors import MigrationError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_ID = 0x63686974  # "chit": serialises migrators when several workers start at once


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def available() -> list[Migration]:
    migrations = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = re.match(r"^(\d{4})_(\w+)\.sql$", path.name)
        if not match:
            raise MigrationError(f"migration file name {path.name!r} is not NNNN_name.sql")
        migrations.append(Migration(int(match.group(1)), match.group(2), path))
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError("two migration files share a version number")
    return migrations


def latest_version() -> int:
    return max((m.version for m in available()), default=0)


def applied_versions(conn: psycopg.Connection[tuple[object, ...]]) -> set[int]:
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return set()
    return {int(str(row[0])) for row in conn.execute("SELECT version FROM schema_migrations")}


def current_version(conn: psycopg.Connection[Any]) -> int:
    """The last migration applied to the database (0 before the first)."""
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Readiness:
    """What /readyz checks: TimescaleDB's version, the last migration applied, and whether writes would fail."""

    timescaledb: str | None
    migration: int
    read_only: bool


def readiness(conn: psycopg.Connection[Any]) -> Readiness:
    with conn.cursor(row_factory=class_row(Readiness)) as cur:
        row = cur.execute(
            "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb,"
            " (SELECT coalesce(max(version), 0) FROM schema_migrations) AS migration,"
            " pg_is_in_recovery() OR current_setting('transaction_read_only')::bool AS read_only"
        ).fetchone()
    assert row is not None
    return row


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[Migration]:
    """Apply what is pending and return it. The connection must be in autocommit mode."""
    conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_ID])
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = applied_versions(conn)
        unknown = done - {m.version for m in available()}
        if unknown:
            raise MigrationError(f"the database has migrations this code does not know: {sorted(unknown)}")
        applied = []
        for migration in available():
            if migration.version in done:
                continue
            try:
                with conn.transaction():
                    conn.execute(migration.path.read_text().encode())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        [migration.version, migration.name],
                    )
            except psycopg.Error as error:
                raise MigrationError(f"migration {migration.path.name} failed: {error}") from error
            applied.append(migration)
        return applied
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_ID])
