"""Exactly one snapshot refresher among every API process on one database: uvicorn workers
(CHITIEU_WORKERS), and replicas on other machines sharing the database.

Each process runs an `ElectedRefresher`. On a dedicated connection it tries a session-level advisory lock
(`pg_try_advisory_lock`) every `poll_s` seconds; the process holding it leads: it runs the SnapshotRefresher, whose
child process rewrites the snapshot, and LISTENs on a channel. The others start no child: they forward the series
their pushes wrote (their pokes) with NOTIFY on that channel, and the leader refreshes them with its own.

When the leader dies, its connection closes and PostgreSQL releases the lock; the next follower to try takes it
within `poll_s` seconds. A new leader begins with a full refresh, which covers any poke sent while no one listened.
A process that loses its lock connection (the database restarted) stops its child before it may lead again.
"""

import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import psycopg

from api.refresher import SnapshotRefresher, stop_loop
from ingest.board_series import SeriesKey

log = logging.getLogger("chitieu.refresher")

LEADER_LOCK = int.from_bytes(b"chitieu.") >> 1  # one advisory lock key per database, a positive bigint
CHANNEL = "chitieu_refresh"
PAYLOAD_BYTES = 7_900  # NOTIFY payloads must stay under 8,000 bytes
GATHER_S = 0.05  # a follower waits this long after a poke, to forward a burst of pushes in one round trip


class ElectedRefresher:
    """What the API process uses: `poke` the series a push wrote, whichever process leads."""

    def __init__(
        self,
        database_url: str,
        interval_s: float,
        *,
        grace_days: int = 30,
        debounce_s: float = 1.0,
        poll_s: float = 2.0,
    ) -> None:
        self.database_url = database_url
        self.interval_s = interval_s
        self.grace_days = grace_days
        self.debounce_s = debounce_s
        self.poll_s = poll_s
        self._refresher: SnapshotRefresher | None = None  # while this process leads
        self._pending: set[SeriesKey] = set()  # pokes to forward while it follows
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._conn: psycopg.Connection[Any] | None = None
        self._thread = threading.Thread(target=self._run, name="refresher-election", daemon=True)
        self.elected = threading.Event()  # set while this process leads (tests wait on it)

    @property
    def leading(self) -> bool:
        return self._refresher is not None

    def start(self) -> None:
        self._thread.start()

    def poke(self, series: Iterable[SeriesKey]) -> None:
        with self._lock:
            if self._refresher is not None:
                self._refresher.poke(series)
                return
            self._pending.update(series)
        self._wake.set()

    def stop(self) -> None:
        stop_loop(self._thread, self._stop, self._wake, timeout_s=15)
        self._step_down()
        self._close()  # releases the lock at once: a follower takes over at its next try

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn = self._connection()
                if self._refresher is not None:
                    self._listen(conn)
                elif not self._try_to_lead(conn):
                    self._follow(conn)
            except Exception:  # the database restarted or is unreachable: lead no more, try again later
                if self._stop.is_set():
                    return
                log.warning("refresher election: lost the database connection; retrying", exc_info=True)
                self._step_down()
                self._close()
                self._stop.wait(self.poll_s)

    def _try_to_lead(self, conn: psycopg.Connection[Any]) -> bool:
        row = conn.execute("SELECT pg_try_advisory_lock(%s)", [LEADER_LOCK]).fetchone()
        if row is None or not row[0]:
            return False
        conn.execute(f"LISTEN {CHANNEL}")
        refresher = SnapshotRefresher(self.database_url, self.interval_s, self.debounce_s, self.grace_days)
        with self._lock:
            self._refresher = refresher  # pokes from now on go to it
            self._pending.clear()  # what came before is in its first refresh, a full one, which reads after this
        refresher.start()
        self.elected.set()
        log.info("process %d leads the snapshot refresher", os.getpid())
        return True

    def _listen(self, conn: psycopg.Connection[Any]) -> None:
        """Hand the followers' pokes to the refresher for a second (an error here means the lock is lost)."""
        refresher = self._refresher
        assert refresher is not None
        for notification in conn.notifies(timeout=1.0):
            series = decode(notification.payload)
            if series:
                refresher.poke(series)
            if self._stop.is_set():
                return

    def _follow(self, conn: psycopg.Connection[Any]) -> None:
        """Forward pokes to the leader as they come, until it is time to try the lock again."""
        deadline = time.monotonic() + self.poll_s
        while not self._stop.is_set() and (remaining := deadline - time.monotonic()) > 0:
            if not self._wake.wait(remaining):
                return
            self._stop.wait(GATHER_S)
            self._wake.clear()
            with self._lock:
                pending, self._pending = self._pending, set()
            try:
                if pending:  # one round trip however many payloads
                    conn.execute(
                        "SELECT pg_notify(%s, p) FROM unnest(%s::text[]) AS p", [CHANNEL, list(encode(pending))]
                    )
            except Exception:
                with self._lock:
                    self._pending.update(pending)  # forwarded once the connection is back, or covered if we lead
                raise

    def _step_down(self) -> None:
        with self._lock:
            refresher, self._refresher = self._refresher, None
        self.elected.clear()
        if refresher is not None:
            refresher.stop()
            log.info("process %d no longer leads the snapshot refresher", os.getpid())

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            # keepalives: a leader cut off from the database notices, and stops its child, within a minute
            self._conn = psycopg.connect(
                self.database_url,
                autocommit=True,
                connect_timeout=5,
                keepalives=1,
                keepalives_idle=20,
                keepalives_interval=10,
                keepalives_count=3,
                application_name="chitieu refresher election",
            )
        return self._conn

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def refresher_leaders(conn: psycopg.Connection[Any]) -> int:
    """How many sessions hold the refresher's lock on this database: 1, or 0 while no process leads."""
    row = conn.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND classid::bigint = %s AND objid::bigint = %s",  # a bigint key is stored as two halves
        [LEADER_LOCK >> 32, LEADER_LOCK & 0xFFFF_FFFF],
    ).fetchone()
    return int(row[0]) if row else 0


def encode(series: Iterable[SeriesKey]) -> Iterator[str]:
    """NOTIFY payloads: JSON lists of [indicator, region] pairs, each under PAYLOAD_BYTES."""
    chunk: list[str] = []
    size = 2
    for pair in sorted(series):
        item = json.dumps(list(pair), ensure_ascii=False)
        if chunk and size + len(item.encode()) + 1 > PAYLOAD_BYTES:
            yield "[" + ",".join(chunk) + "]"
            chunk, size = [], 2
        chunk.append(item)
        size += len(item.encode()) + 1
    if chunk:
        yield "[" + ",".join(chunk) + "]"


def decode(payload: str) -> set[SeriesKey]:
    try:
        return {(str(indicator), str(region)) for indicator, region in json.loads(payload)}
    except (ValueError, TypeError):
        log.warning("ignored a malformed refresh notification: %.200s", payload)
        return set()
