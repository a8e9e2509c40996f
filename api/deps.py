"""Dependencies shared by the routes, as Annotated aliases."""

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import ConnectionPool

from api.settings import Settings


def get_pool(request: Request) -> ConnectionPool:
    pool: ConnectionPool = request.app.state.pool
    return pool


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


PoolDep = Annotated[ConnectionPool, Depends(get_pool)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
