"""The read-only roles Grafana uses, as migration 0001 creates them, and setting a role's password.

Migration 0001 creates them in every chitieu database's cluster; a restore (pg_dump does not save roles) and the
embedded cluster, which gives them a generated password before the first migration runs, create them by running the
same statement, read from the migration.
"""

from typing import Any

import psycopg
from psycopg import sql

from indicators.errors import MigrationError
from ingest.migrate import MIGRATIONS_DIR

READ_ONLY_LOGIN = "chitieu_grafana"
_ROLES_MIGRATION = MIGRATIONS_DIR / "0001_observation_store.sql"
_BEGIN, _END = "-- read-only roles: begin\n", "-- read-only roles: end\n"


def read_only_roles_statement() -> bytes:
    """Migration 0001's statement creating the read-only roles when they are missing (idempotent)."""
    text = _ROLES_MIGRATION.read_text()
    start, end = text.find(_BEGIN), text.find(_END)
    if start < 0 or end < start:
        raise MigrationError(f"{_ROLES_MIGRATION.name} lacks its read-only roles block ({_BEGIN.strip()} ...)")
    return text[start + len(_BEGIN) : end].strip().removesuffix(";").encode()


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
