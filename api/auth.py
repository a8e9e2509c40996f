"""Bearer-token authentication for statistics offices' API keys."""

from typing import Annotated

from fastapi import Depends, Request

from api.deps import PoolDep, SettingsDep
from api.problems import Problem
from ingest.keys import ApiKey, authenticate

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chitieu"'}


def _token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_key(request: Request, pool: PoolDep) -> ApiKey:
    token = _token(request)
    if token is None:
        raise Problem(
            401,
            "Cần khóa API (API key required)",
            "Send the office's key as `Authorization: Bearer <key>`.",
            slug="unauthorized",
            headers=_CHALLENGE,
        )
    with pool.connection() as conn:
        key = authenticate(conn, token)
    if key is None:
        raise Problem(
            401,
            "Khóa API không hợp lệ (invalid API key)",
            "The key is unknown, revoked or expired.",
            slug="unauthorized",
            headers=_CHALLENGE,
        )
    request.state.key_id = key.id
    return key


def reader(request: Request, settings: SettingsDep, pool: PoolDep) -> ApiKey | None:
    """Reads are open unless CHITIEU_READS=keyed."""
    if settings.reads == "open":
        return None
    return require_key(request, pool)


KeyDep = Annotated[ApiKey, Depends(require_key)]
ReaderDep = Annotated[ApiKey | None, Depends(reader)]
