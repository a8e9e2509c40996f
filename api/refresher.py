"""Keeps indicator_status and indicator_path (what Grafana reads) current.

One background thread per process. An ingest only `poke`s it with the series it wrote, so a push never waits for the
board; the thread rewrites those series (a burst of pushes is gathered into one rewrite) and the whole board every
interval, since statuses such as "report overdue" change with the date alone. The whole board, and any rewrite of
many series, runs in a child process (`chitieu status refresh`): it is seconds of Python work on a large catalogue,
and in this process it would hold the interpreter lock while requests wait.
"""

import logging
import os
import subprocess
import sys
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
    def __init__(
        self,
        pool: ConnectionPool,
        database_url: str,
        interval_s: float,
        debounce_s: float = 1.0,
        grace_days: int = 30,
        in_process_limit: int = 200,
    ) -> None:
        self.pool = pool
        self.database_url = database_url
        self.in_process_limit = in_process_limit
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

    def refresh_now(self, only: set[SeriesKey] | None = None) -> None:
        if only is None or len(only) > self.in_process_limit:
            self._refresh_all_in_child()
        else:
            with self.pool.connection() as conn:
                refresh_snapshot(conn, self._current_catalogue(conn), date.today(), self.grace_days, only)
        self.refreshed.set()

    def _refresh_all_in_child(self) -> None:
        env = {
            **os.environ,
            "CHITIEU_DATABASE_URL": self.database_url,
            "CHITIEU_REPORT_GRACE_DAYS": str(self.grace_days),
        }
        result = subprocess.run(
            [sys.executable, "-m", "api.cli", "status", "refresh"], env=env, capture_output=True, text=True, timeout=600
        )
        if result.returncode != 0:
            raise RuntimeError(f"chitieu status refresh failed: {result.stderr.strip()[-500:]}")

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
