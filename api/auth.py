"""Bearer-token authentication for statistics offices' API keys.

Writes need a key within its rate limit; reads need one only with CHITIEU_READS=keyed. Both declare the bearer scheme
to OpenAPI with a role ("write" or "read"), from which `document` states each operation's 401, 403 and security.
"""

from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import PoolDep, SettingsDep
from api.limits import limit_writes
from api.problems import Problem, problem_doc
from ingest.keys import ApiKey, authenticate

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="chitieu"'}
SECURITY_SCHEME = "officeKey"

office_key = HTTPBearer(
    auto_error=False,
    scheme_name=SECURITY_SCHEME,
    description="Khóa API của cơ quan (the office's API key from `chitieu keys create`: `ctk_<id>_<secret>`).",
)
Credentials = HTTPAuthorizationCredentials | None


def require_key(request: Request, pool: PoolDep, credentials: Credentials) -> ApiKey:
    with pool.connection() as conn:
        return _checked_key(request, conn, credentials)


def _checked_key(request: Request, conn: psycopg.Connection[Any], credentials: Credentials) -> ApiKey:
    if credentials is None:
        raise Problem(
            401,
            "Cần khóa API (API key required)",
            "Send the office's key as `Authorization: Bearer <key>`.",
            slug="unauthorized",
            headers=_CHALLENGE,
        )
    key = authenticate(conn, credentials.credentials)
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


def writer(
    request: Request,
    pool: PoolDep,
    credentials: Annotated[Credentials, Security(office_key, scopes=["write"])],
) -> ApiKey:
    """A valid key within its rate limit: what every write needs (one connection for both checks)."""
    with pool.connection() as conn:
        key = _checked_key(request, conn, credentials)
        limit_writes(request, conn, key.id)
    return key


def reader(
    request: Request,
    settings: SettingsDep,
    pool: PoolDep,
    credentials: Annotated[Credentials, Security(office_key, scopes=["read"])],
) -> ApiKey | None:
    """Reads are open unless CHITIEU_READS=keyed."""
    if settings.reads == "open":
        return None
    return require_key(request, pool, credentials)


KeyDep = Annotated[ApiKey, Depends(writer)]
ReaderDep = Annotated[ApiKey | None, Depends(reader)]


def document(schema: dict[str, Any], *, reads_keyed: bool) -> set[tuple[str, str]]:
    """State on each operation that needs a key its 401 and 403 answers (a keyed read outside the key's scope is 403,
    api/scope.py); open reads lose the security requirement. Return the (path, method) of the writes."""
    writes: set[tuple[str, str]] = set()
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            roles = {
                role for requirement in operation.get("security", []) for role in requirement.get(SECURITY_SCHEME, [])
            }
            if not roles:
                continue
            responses = operation.setdefault("responses", {})
            if "write" in roles:
                writes.add((path, method))
            elif not reads_keyed:
                del operation["security"]
                continue
            responses.setdefault("403", problem_doc("Ngoài phạm vi của khóa (outside the key's scope)"))
            operation["security"] = [{SECURITY_SCHEME: []}]
            responses.setdefault("401", problem_doc("Thiếu khóa, khóa sai, đã thu hồi hoặc hết hạn (no valid key)"))
    return writes
