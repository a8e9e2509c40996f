"""The read-only roles Grafana uses, as migration 0001 creates them, and setting a role's password.

Migration 0001 creates them in every chitieu database's cluster; a restore (pg_dump does not save roles) and the
embedded cluster, which gives them a generated password before the first migration runs, create them here the same way.
"""

from typing import Any

import psycopg
from psycopg import sql

READ_ONLY_LOGIN = "chitieu_grafana"

CREATE_READ_ONLY_ROLES = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chitieu_reader') THEN
        CREATE ROLE chitieu_reader NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chitieu_grafana') THEN
        CREATE ROLE chitieu_grafana LOGIN IN ROLE chitieu_reader;
        ALTER ROLE chitieu_grafana SET default_transaction_read_only = on;
    END IF;
END
$$
"""


def set_password(conn: psycopg.Connection[Any], role: str, password: str) -> None:
    """Give `role` a SCRAM-SHA-256 password. The verifier is computed here, so the password itself never reaches the
    server (nor its statement log)."""
    verifier = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    conn.execute(
        sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(verifier.decode("ascii")))
    )


def has_scram_password(conn: psycopg.Connection[Any], role: str) -> bool:
    row = conn.execute(
        "SELECT coalesce(rolpassword LIKE 'SCRAM-SHA-256$%%', false) FROM pg_authid WHERE rolname = %s", [role]
    ).fetchone()
    return bool(row and row[0])
