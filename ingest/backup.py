"""Backup and restore of a chitieu database with pg_dump and pg_restore (custom format).

Restoring follows TimescaleDB's documented procedure for pg_dump/pg_restore: into an empty database, create the
extension, `SELECT timescaledb_pre_restore()`, `pg_restore`, `SELECT timescaledb_post_restore()`. The backup and the
target server must run the same TimescaleDB version. pg_dump does not save roles: the read-only dashboard roles are
created before the restore when the target server lacks them, so that their grants come back with the data.
"""

import os
import subprocess
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from indicators.errors import OperationFailed
from ingest.database import connect
from ingest.roles import read_only_roles_statement


class BackupError(OperationFailed):
    """pg_dump or pg_restore failed, or the target of a restore is not empty."""


def backup(url: str, path: Path) -> int:
    """Write the whole database to `path` in pg_dump's custom format; return the file's size in bytes.

    The dump goes to a temporary file renamed at the end, so an interrupted backup never leaves a partial FILE."""
    partial = path.with_name(path.name + ".partial")
    try:
        _run(["pg_dump", "--format=custom", "--file", str(partial)], url, "pg_dump")
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(path)
    return path.stat().st_size


def restore(url: str, path: Path) -> int:
    """Restore a backup made by `backup` into the empty database at `url`; return the observations restored."""
    if not path.is_file():
        raise BackupError(f"no backup file {path}")
    with connect(url) as conn:
        _require_empty(conn)
        conn.execute(read_only_roles_statement())
        conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
        conn.execute("SELECT timescaledb_pre_restore()")
    try:
        _run(["pg_restore", "--no-owner", "--exit-on-error", str(path)], url, "pg_restore")
    finally:
        with connect(url) as conn:
            conn.execute("SELECT timescaledb_post_restore()")
    with connect(url) as conn:
        return _count(conn, "SELECT count(*) FROM observations")


def _require_empty(conn: psycopg.Connection[Any]) -> None:
    tables = _count(
        conn,
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')",
    )
    if tables:
        raise BackupError(
            f"restore needs an empty database, and {conn.info.dbname} has {tables} table(s) or view(s):"
            " create a new database (createdb) or point CHITIEU_DATABASE_URL at one"
        )


def _count(conn: psycopg.Connection[Any], query: str) -> int:
    row = conn.execute(query.encode()).fetchone()
    return int(row[0]) if row else 0


def _run(command: list[str], url: str, name: str) -> None:
    """Run a PostgreSQL client tool on the database at `url`, its password passed in the environment rather than on
    the command line, where other users of the machine could read it."""
    options = conninfo_to_dict(url)
    password = options.pop("password", None)
    env = {**os.environ, "PGPASSWORD": str(password)} if password else None
    try:
        result = subprocess.run(
            [*command, "--dbname", make_conninfo("", **options)], capture_output=True, text=True, env=env
        )
    except FileNotFoundError:
        raise BackupError(f"{name} not found: install the PostgreSQL client tools (make setup)") from None
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if "error" in line.lower()] or result.stderr.splitlines()
        raise BackupError(f"{name} failed: {errors[0] if errors else f'exit code {result.returncode}'}")
