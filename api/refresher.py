"""Keeps indicator_status and indicator_path (what Grafana reads) current.

The work is done by a long-lived child process (`python -m api.refresher`, configured through its environment so
that the database URL does not show in the process list): judging series
is Python work, seconds of it for a large board, and in the API process it would hold the interpreter lock while every
request thread waits for it after each database round trip. The API process keeps one light thread that gathers the
series each push wrote (`poke`) and sends them to the child once a second, and asks for the whole board every
interval, since statuses such as "report overdue" change with the date alone. With several API processes on one
database, only the elected one runs it (api/leader.py).

The protocol is one line each way: the parent writes `all` or a JSON list of [indicator, region] pairs; the child
answers `ok N` (series written) or `error MESSAGE`. A child that dies is started again.
"""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from typing import Any

import psycopg

from indicators.clock import Clock, vietnam_today
from ingest.board import refresh_snapshot
from ingest.board_series import SeriesKey
from ingest.catalogue_store import CatalogueCache
from ingest.database import connect

log = logging.getLogger("chitieu.refresher")

_URL_VARIABLE = "CHITIEU_REFRESHER_DATABASE_URL"
_GRACE_VARIABLE = "CHITIEU_REFRESHER_GRACE_DAYS"
REFRESH_LOCK = int.from_bytes(b"chitieu!") >> 1  # held by a child while it refreshes


def stop_loop(thread: threading.Thread, stop: threading.Event, wake: threading.Event, timeout_s: float) -> None:
    """End a background loop that waits on `wake` and checks `stop`: set both, then wait for its thread."""
    stop.set()
    wake.set()
    if thread.is_alive():
        thread.join(timeout=timeout_s)


class SnapshotRefresher:
    def __init__(self, database_url: str, interval_s: float, debounce_s: float = 1.0, grace_days: int = 30) -> None:
        self.database_url = database_url
        self.interval_s = interval_s
        self.debounce_s = debounce_s
        self.grace_days = grace_days
        self._pending: set[SeriesKey] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="snapshot-refresher", daemon=True)
        self._child: subprocess.Popen[str] | None = None
        self.refreshed = threading.Event()  # set after each refresh (tests wait on it)

    def start(self) -> None:
        self._thread.start()

    def poke(self, series: Iterable[SeriesKey]) -> None:
        with self._lock:
            self._pending.update(series)
        self._wake.set()

    def stop(self) -> None:
        stop_loop(self._thread, self._stop, self._wake, timeout_s=10)
        if self._child is not None:
            self._child.terminate()
            try:
                self._child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._child.kill()
                self._child.wait()

    def refresh_now(self, only: set[SeriesKey] | None = None) -> int:
        """Have the child rewrite the snapshot (every series, or `only` those); return the series written."""
        request = "all" if only is None else json.dumps(sorted(only))
        answer = self._ask(request)
        self.refreshed.set()
        return answer

    def _ask(self, request: str) -> int:
        child = self._running_child()
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(request + "\n")
            child.stdin.flush()
            answer = child.stdout.readline().strip()
        except OSError as error:
            raise RuntimeError(f"the refresher process stopped: {error}") from error
        if answer.startswith("ok "):
            return int(answer.removeprefix("ok "))
        if not answer:
            raise RuntimeError(f"the refresher process exited with code {child.wait()}")
        raise RuntimeError(answer.removeprefix("error "))

    def _running_child(self) -> subprocess.Popen[str]:
        if self._child is None or self._child.poll() is not None:
            env = {**os.environ, _URL_VARIABLE: self.database_url, _GRACE_VARIABLE: str(self.grace_days)}
            self._child = subprocess.Popen(
                [sys.executable, "-m", "api.refresher"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                start_new_session=True,  # out of reach of the terminal's Ctrl-C: the API process stops it
            )
        return self._child

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
            except Exception:  # the refresher must outlive a database restart or a dead child
                if self._stop.is_set():  # the child was stopped under a refresh in flight
                    return
                log.exception("status snapshot refresh failed; retrying")
                with self._lock:
                    self._pending.clear()
                next_full = time.monotonic() + min(self.interval_s, 30)
            self._wake.wait(max(0.0, next_full - time.monotonic()))
            if self._stop.wait(self.debounce_s):  # gather the pokes of a burst of pushes into one refresh
                return
            self._wake.clear()


class _Worker:
    """The child's side: one connection (opened again after a failure) and the catalogue, read again only when a
    load has changed it."""

    def __init__(self, database_url: str, grace_days: int, today: Clock = vietnam_today) -> None:
        self.database_url = database_url
        self.grace_days = grace_days
        self.today = today
        self._conn: psycopg.Connection[Any] | None = None
        self._catalogues = CatalogueCache()

    def handle(self, request: str) -> int:
        conn = self._connection()
        try:
            # One refresh at a time on the database: a child whose API process died finishes the refresh it was
            # doing before the new leader's child reads the data (api/leader.py).
            conn.execute("SELECT pg_advisory_lock(%s)", [REFRESH_LOCK])
            try:
                catalogue = self._catalogues.current(conn)
                only = None if request == "all" else {(indicator, region) for indicator, region in json.loads(request)}
                return refresh_snapshot(
                    conn, catalogue, self.today(), self.grace_days, only, database_url=self.database_url
                )
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", [REFRESH_LOCK])
        except psycopg.OperationalError:
            conn.close()
            raise

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.database_url)
        return self._conn


def main() -> None:
    worker = _Worker(os.environ[_URL_VARIABLE], int(os.environ[_GRACE_VARIABLE]))
    for line in sys.stdin:  # until the API process closes the pipe
        try:
            answer = f"ok {worker.handle(line.strip())}"
        except Exception as error:
            answer = "error " + " ".join(f"{type(error).__name__}: {error}".split())[:500]
        print(answer, flush=True)


if __name__ == "__main__":
    main()
