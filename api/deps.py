"""Dependencies shared by the routes, as Annotated aliases."""

import re
from datetime import date, datetime
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request
from psycopg_pool import ConnectionPool
from pydantic import BeforeValidator
from starlette.datastructures import State

from api.settings import Settings
from indicators.catalogue import Catalogue
from ingest.catalogue_store import read_catalogue


# Plain lookups are `async def`: FastAPI runs a sync dependency in its thread pool, a hop that costs more than these.
async def get_pool(request: Request) -> ConnectionPool:
    pool: ConnectionPool = request.app.state.pool
    return pool


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


PoolDep = Annotated[ConnectionPool, Depends(get_pool)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def current_catalogue(state: State, conn: psycopg.Connection[Any]) -> Catalogue:
    """The catalogue as loaded in the database, read again only when `chitieu catalogue load` made a new version."""
    row = conn.execute("SELECT coalesce(max(version), 0) FROM catalogue_versions").fetchone()
    version = int(row[0]) if row else 0
    cached: tuple[int, Catalogue] | None = getattr(state, "catalogue", None)
    if cached is None or cached[0] != version:
        cached = (version, read_catalogue(conn))
        state.catalogue = cached
    return cached[1]


def get_catalogue(request: Request, pool: PoolDep) -> Catalogue:
    with pool.connection() as conn:
        return current_catalogue(request.app.state, conn)


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


def _written_as_iso(value: object) -> object:
    """Dates in queries are written YYYY-MM-DD (or an ISO 8601 instant); bare numbers are not Unix times here."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?", value):
        raise ValueError("write the date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_written_as_iso)]
IsoDateTime = Annotated[datetime, BeforeValidator(_written_as_iso)]
