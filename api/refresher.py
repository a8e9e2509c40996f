"""Keeps indicator_status and indicator_path (what Grafana reads) current.

One background thread per process. An ingest only `poke`s it with the series it wrote, so a push never waits for the
board; the thread rewrites those series (a burst of pushes is gathered into one rewrite) and the whole board every
interval, since statuses such as "report overdue" change with the date alone.
"""

import logging
import threading
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool

from indicators.catalogue import Catalogue
from ingest.board import SeriesKey, refresh_snapshot
from ingest.catalogue_store import read_catalogue

log = logging.getLogger("chitieu.refresher")


class SnapshotRefresher:
    def __init__(self, pool: ConnectionPool, interval_s: float, debounce_s: float = 1.0, grace_days: int = 30) -> None:
        self.pool = pool
        self.interval_s = interval_s
        self.debounce_s = debounce_s
        self.grace_days = grace_days
        self._pending: set[SeriesKey] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshot-refresher", daemon=True)
        self._catalogue: tuple[str, Catalogue] | None = None
        self.refreshed = threading.Event()  # set after each refresh (tests wait on it)

    def start(self) -> None:
        self._thread.start()

    def poke(self, series: Iterable[SeriesKey]) -> None:
        with self._lock:
            self._pending.update(series)
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def refresh_now(self, only: set[SeriesKey] | None = None) -> int:
        with self.pool.connection() as conn:
            count = refresh_snapshot(conn, self._current_catalogue(conn), date.today(), self.grace_days, only)
        self.refreshed.set()
        return count

    def _current_catalogue(self, conn: psycopg.Connection[Any]) -> Catalogue:
        """The catalogue in the database, read again only when a load has changed it."""
        row = conn.execute("SELECT digest FROM catalogue_versions ORDER BY version DESC LIMIT 1").fetchone()
        digest = str(row[0]) if row else ""
        if self._catalogue is None or self._catalogue[0] != digest:
            self._catalogue = (digest, read_catalogue(conn))
        return self._catalogue[1]

    def _run(self) -> None:
        next_full = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() >= next_full:
                    with self._lock:
                        self._pending.clear()
                    self.refresh_now()
                    next_full = time.monotonic() + self.interval_s
                else:
                    with self._lock:
                        pending, self._pending = self._pending, set()
                    if pending:
                        self.refresh_now(pending)
            except Exception:  # the refresher must outlive a database restart
                log.exception("status snapshot refresh failed; retrying")
                with self._lock:
                    self._pending.clear()
                next_full = time.monotonic() + min(self.interval_s, 30)
            self._wake.wait(max(0.0, next_full - time.monotonic()))
            if self._stop.wait(self.debounce_s):  # gather the pokes of a burst of pushes into one refresh
                return
            self._wake.clear()
