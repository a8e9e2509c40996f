"""Dependencies shared by the routes, as Annotated aliases."""

import re
from datetime import date, datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from psycopg_pool import ConnectionPool
from pydantic import AfterValidator, BeforeValidator

from api.failover import ReadPools
from api.settings import Settings
from indicators.catalogue import Catalogue
from indicators.periods import FIRST_YEAR, LAST_YEAR
from ingest.catalogue_store import CatalogueCache


# Plain lookups are `async def`: FastAPI runs a sync dependency in its thread pool, a hop that costs more than these.
async def get_pool(request: Request) -> ConnectionPool:
    pool: ConnectionPool = request.app.state.pool
    return pool


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_read_pools(request: Request) -> ReadPools:
    pools: ReadPools = request.app.state.read_pools
    return pools


PoolDep = Annotated[ConnectionPool, Depends(get_pool)]
ReadPoolDep = Annotated[ReadPools, Depends(get_read_pools)]  # board reads: a replica when configured
SettingsDep = Annotated[Settings, Depends(get_app_settings)]


def get_catalogue(request: Request, pool: PoolDep) -> Catalogue:
    catalogues: CatalogueCache = request.app.state.catalogues
    with pool.connection() as conn:
        return catalogues.current(conn)


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


def _written_as_iso(value: object) -> object:
    """Dates in queries are written YYYY-MM-DD (or an ISO 8601 instant); bare numbers are not Unix times here."""
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?", value):
        raise ValueError("viết ngày dạng YYYY-MM-DD (write the date as YYYY-MM-DD)")
    return value


D = TypeVar("D", date, datetime)


def _within_years(value: D) -> D:
    """Dates a request may name: the years periods may take (a day after 9999-12-31 does not exist)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(
            f"ngày phải thuộc các năm {FIRST_YEAR}-{LAST_YEAR} (the date must lie in {FIRST_YEAR}-{LAST_YEAR})"
        )
    return value


IsoDate = Annotated[date, BeforeValidator(_written_as_iso), AfterValidator(_within_years)]
IsoDateTime = Annotated[datetime, BeforeValidator(_written_as_iso), AfterValidator(_within_years)]
