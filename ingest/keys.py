"""API keys for statistics offices. The token is `ctk_<id>_<secret>`; only sha256(secret) is stored.

The secret is 256 random bits, so a plain hash is enough (no slow KDF is needed for high-entropy secrets), and it is
compared in constant time.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import psycopg
from psycopg.rows import class_row

from indicators.errors import InvalidInput

PREFIX = "ctk_"
ALL = "*"  # a scope entry meaning every region or every programme


@dataclass(frozen=True)
class ApiKey:
    id: str
    office: str
    regions: list[str]
    programmes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime | None = None) -> Literal["active", "revoked", "expired"]:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC)):
            return "expired"
        return "active"

    def reaches_programme(self, programme: str) -> bool:
        return ALL in self.programmes or programme in self.programmes

    def reaches_region(self, region_and_ancestors: list[str]) -> bool:
        return ALL in self.regions or any(code in self.regions for code in region_and_ancestors)

    def may_write(self, programme: str, region_and_ancestors: list[str]) -> bool:
        """What a key may write, and with CHITIEU_READS=keyed read: its programmes, its regions and their parts."""
        return self.reaches_programme(programme) and self.reaches_region(region_and_ancestors)


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def create_key(
    conn: psycopg.Connection[Any],
    *,
    office: str,
    regions: list[str],
    programmes: list[str],
    expires_at: datetime | None = None,
) -> tuple[str, str]:
    """Store a new key and return (key id, token). The token is shown once and cannot be recovered.

    The office must be named and every region and programme must be in the loaded catalogue (or `*`): a typo would
    give a key that can write nothing."""
    office = office.strip()
    if not office:
        raise KeyScopeError("the office is empty: name the office the key is for (--office)")
    _require_known(conn, "region", regions, "SELECT code FROM regions")
    _require_known(conn, "programme", programmes, "SELECT id FROM programmes")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO api_keys (id, office, regions, programmes, secret_hash, expires_at) VALUES (%s, %s, %s, %s, %s, %s)",
        [key_id, office, regions, programmes, _hash(secret), expires_at],
    )
    return key_id, f"{PREFIX}{key_id}_{secret}"


class KeyScopeError(InvalidInput):
    """A key asked for with no office, or with regions or programmes the catalogue does not have."""


def _require_known(conn: psycopg.Connection[Any], kind: str, asked: list[str], query: str) -> None:
    if not asked:
        raise KeyScopeError(f"no {kind}s given: name at least one (or * for every {kind})")
    known = {str(row[0]) for row in conn.execute(query.encode())}
    unknown = [code for code in asked if code != ALL and code not in known]
    if unknown:
        shown = sorted(known)[:12]
        more = ", …" if len(known) > len(shown) else ""
        raise KeyScopeError(
            f"unknown {kind}{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: known {kind}s are "
            f"{', '.join(shown)}{more} (or * for every {kind})"
        )


def revoke_key(conn: psycopg.Connection[Any], key_id: str) -> bool:
    cur = conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", [key_id])
    return cur.rowcount == 1


def list_keys(conn: psycopg.Connection[Any]) -> list[ApiKey]:
    with conn.cursor(row_factory=class_row(ApiKey)) as cur:
        cur.execute(
            "SELECT id, office, regions, programmes, created_at, expires_at, revoked_at FROM api_keys ORDER BY created_at"
        )
        return cur.fetchall()


def authenticate(conn: psycopg.Connection[Any], token: str) -> ApiKey | None:
    """The active key the token belongs to, or None (unknown, wrong secret, revoked or expired)."""
    if not token.startswith(PREFIX):
        return None
    key_id, _, secret = token[len(PREFIX) :].partition("_")
    if not key_id or not secret:
        return None
    row = conn.execute(
        "SELECT secret_hash, revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()),"
        " id, office, regions, programmes, created_at, expires_at, revoked_at FROM api_keys WHERE id = %s",
        [key_id],
    ).fetchone()
    if row is None:
        hmac.compare_digest(_hash(secret), bytes(32))  # same work whether or not the id exists
        return None
    stored, active, *fields = row
    if not hmac.compare_digest(_hash(secret), bytes(stored)) or not active:
        return None
    return ApiKey(*fields)
