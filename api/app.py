"""The FastAPI application: an app factory whose lifespan opens the database and the connection pool."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from psycopg_pool import ConnectionPool

from api import auth, docs, limits, problems
from api.failover import ReadPools, RetryReadsOnce
from api.leader import ElectedRefresher
from api.routes import alerts, catalogue, drafts, health, metrics, observations, reports, rollups, status
from api.routes import templates as template_routes
from api.settings import Settings, get_settings
from ingest.catalogue_store import CatalogueCache
from ingest.database import DatabaseServer, connect
from ingest.migrate import migrate
from ingest.secret_files import read_or_create_secret

log = logging.getLogger("chitieu.api")

DESCRIPTION = """
**chitieu** theo dõi các chỉ tiêu của nghị quyết, chương trình hành động: mỗi chỉ tiêu đang đúng tiến độ, có nguy cơ
hay chậm tiến độ? — tracks the targets of provincial resolutions and action programmes.

Errors are RFC 9457 problem details (`application/problem+json`).
"""


def open_database(settings: Settings) -> DatabaseServer:
    """CHITIEU_DATABASE_URL if set (checked for TimescaleDB), else the embedded cluster, started if need be."""
    return DatabaseServer.open(
        settings.database_url, settings.data_dir, settings.embedded_port, settings.embedded_database
    )


def _pool_kwargs(settings: Settings) -> dict[str, object]:
    return {
        "min_size": settings.pool_min_size,
        "max_size": settings.pool_max_size,
        "kwargs": {"options": f"-c statement_timeout={settings.statement_timeout_ms}"},
        "check": ConnectionPool.check_connection,  # a connection broken by a restart or failover is replaced
    }


def _replica_pool(settings: Settings) -> ConnectionPool | None:
    """The pool for board reads on a replica, opened without waiting: a replica that is down must not stop start-up."""
    if not settings.database_read_url:
        return None
    pool = ConnectionPool(settings.database_read_url, open=False, **_pool_kwargs(settings))  # type: ignore[arg-type]
    pool.open(wait=False)
    return pool


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        server = open_database(settings)
        try:
            with connect(server.url) as conn:
                for migration in migrate(conn):
                    log.info("applied migration %04d_%s", migration.version, migration.name)
            pool = ConnectionPool(server.url, open=False, **_pool_kwargs(settings))  # type: ignore[arg-type]
            pool.open(wait=True, timeout=30)
            replica_pool = _replica_pool(settings)
            # The webhook always wants a token: the configured one, or one generated and kept for the next start.
            token = settings.alerts_webhook_token or read_or_create_secret(settings.webhook_token_file())[0]
            app.state.settings = settings.model_copy(update={"alerts_webhook_token": token})
            app.state.server = server
            app.state.pool = pool
            app.state.read_pools = ReadPools(pool, replica_pool)
            app.state.catalogues = CatalogueCache()
            refresher = app.state.refresher = ElectedRefresher(
                server.url, settings.status_refresh_seconds, grace_days=settings.report_grace_days
            )
            refresher.start()
            try:
                yield
            finally:
                refresher.stop()
                app.state.read_pools.close()
                pool.close()
        finally:
            server.close()

    app = docs.new_app(
        title="chitieu — Theo dõi chỉ tiêu (target monitor)",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    problems.install(app)
    limits.install(app, settings)
    app.add_middleware(RetryReadsOnce)
    app.include_router(health.router)
    app.include_router(observations.router)
    app.include_router(template_routes.router)
    app.include_router(catalogue.router)
    app.include_router(status.router)
    app.include_router(rollups.router)
    app.include_router(metrics.router)
    app.include_router(alerts.router)
    app.include_router(drafts.router)
    app.include_router(reports.router)
    _document_errors_and_limits(app, settings)
    return app


def _document_errors_and_limits(app: FastAPI, settings: Settings) -> None:
    """Complete the generated OpenAPI schema: problem answers, the bearer key, the limits of each operation."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            observations.document(schema)
            problems.document(schema)
            writes = auth.document(schema, reads_keyed=settings.reads == "keyed")
            limits.document(schema, settings, writes)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
