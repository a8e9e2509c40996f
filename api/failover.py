"""Surviving a database failover without a restart.

Behind HAProxy and Patroni (deploy/ha/), the write URL always leads to the current leader and the optional read URL
to a replica. When the leader dies, the connections in the pool break; the pool's check on checkout throws a broken
connection away and opens a new one, which HAProxy sends to the new leader. What remains is the request that was
running at that moment:

- a read (GET, HEAD) that failed because the database went away is run once more, here, before the caller sees a 503;
- a batch of observations is idempotent (an identical value is ignored), so `chitieu push` re-sends it after the 503
  with Retry-After it gets, from its spool; the server does not buffer bodies to replay them itself.

Board reads go to the read pool when CHITIEU_DATABASE_READ_URL is set, and fall back to the write pool when no replica
answers (a two-node cluster that has just lost one has no replica until the old leader rejoins).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("chitieu.api")

# Set in the request's state by the 503 "database unavailable" handler, read by RetryReadsOnce.
DATABASE_UNAVAILABLE = "chitieu_database_unavailable"
READ_POOL_CHECKOUT_S = 3.0


class ReadPools:
    """Where board reads go: the replica's pool, or the leader's when there is no replica or it does not answer."""

    def __init__(self, primary: ConnectionPool, replica: ConnectionPool | None) -> None:
        self.primary = primary
        self.replica = replica

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        if self.replica is not None:
            try:
                replica_conn = self.replica.getconn(timeout=READ_POOL_CHECKOUT_S)
            except (PoolTimeout, psycopg.OperationalError) as error:
                log.warning("no replica answers (%s): reading from the primary", type(error).__name__)
            else:
                try:
                    yield replica_conn
                finally:
                    self.replica.putconn(replica_conn)
                return
        with self.primary.connection() as conn:
            yield conn

    def close(self) -> None:
        if self.replica is not None:
            self.replica.close()


class RetryReadsOnce:
    """ASGI middleware: a GET or HEAD answered 503 because the database went away is run once more.

    Only the status line is held back until the outcome is known; a 503 of another cause, or any other answer, goes
    out as it is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        held: list[Message] = []

        async def hold_unavailable(message: Message) -> None:
            if held or (message["type"] == "http.response.start" and message["status"] == 503):
                held.append(message)
                return
            await send(message)

        state = scope.setdefault("state", {})
        await self.app(scope, receive, hold_unavailable)
        if not held:
            return
        if not state.pop(DATABASE_UNAVAILABLE, False):
            for message in held:
                await send(message)
            return
        log.info("retrying %s %s once after the database went away", scope["method"], scope["path"])
        await self.app(scope, receive, send)
