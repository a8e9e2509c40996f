"""The read-only roles are defined once, in migration 0001; a restore and the embedded cluster run the same statement."""

from typing import Any

import psycopg

from ingest.migrate import MIGRATIONS_DIR
from ingest.roles import read_only_roles_statement


def test_the_roles_statement_is_migration_0001s() -> None:
    statement = read_only_roles_statement().decode()
    assert "CREATE ROLE chitieu_reader NOLOGIN" in statement
    assert "CREATE ROLE chitieu_grafana LOGIN IN ROLE chitieu_reader" in statement
    assert statement + ";" in (MIGRATIONS_DIR / "0001_observation_store.sql").read_text()


def test_the_roles_statement_runs_twice(conn: psycopg.Connection[Any]) -> None:
    conn.execute(read_only_roles_statement())
    conn.execute(read_only_roles_statement())
    roles = conn.execute(
        "SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN ('chitieu_reader', 'chitieu_grafana') ORDER BY 1"
    ).fetchall()
    assert roles == [("chitieu_grafana", True), ("chitieu_reader", False)]
