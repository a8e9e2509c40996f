"""Keeps indicator_status and indicator_path (what Grafana reads) current: after ingests, and every interval.

One background thread per process; ingests only `poke()` it, so a push never waits for the board.
"""

import logging
import threading
from datetime import date

from psycopg_pool import ConnectionPool

from ingest.board import refresh_snapshot
from ingest.catalogue_store import read_catalogue

log = logging.getLogger("chitieu.refresher")


class SnapshotRefresher:
    def __init__(self, pool: ConnectionPool, interval_s: float, debounce_s: float = 1.0, grace_days: int = 30) -> None:
        self.pool = pool
        self.interval_s = interval_s
        self.debounce_s = debounce_s
        self.grace_days = grace_days
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshot-refresher", daemon=True)
        self.refreshed = threading.Event()  # set after each refresh (tests wait on it)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def refresh_now(self) -> int:
        with self.pool.connection() as conn:
            count = refresh_snapshot(conn, read_catalogue(conn), date.today(), self.grace_days)
        self.refreshed.set()
        return count

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh_now()
            except Exception:  # the refresher must outlive a database restart
                log.exception("status snapshot refresh failed; retrying at the next interval")
            self._wake.wait(self.interval_s)
            if self._stop.wait(self.debounce_s):  # gather the pokes of a burst of pushes into one refresh
                return
            self._wake.clear()
