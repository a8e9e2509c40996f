"""The snapshot refresher: its child process rewrites the series it is sent, skips target paths whose inputs are
unchanged, and is started again when it dies."""

import os
import signal
from datetime import date
from typing import Any

import psycopg
import pytest

from api.refresher import SnapshotRefresher
from ingest.board import refresh_snapshot
from ingest.catalogue_store import read_catalogue
from ingest.target_paths import path_id

BUDGET = ("dthap-2023.budget_revenue", "dong_thap")


def _insert(conn: psycopg.Connection[Any], period: str, start: str, value: float, revision: int = 1) -> None:
    conn.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
        " VALUES (%s, %s, %s, %s, %s, %s, 'official', 't')",
        [*BUDGET, start, period, revision, value],
    )


def _status(conn: psycopg.Connection[Any]) -> tuple[Any, ...] | None:
    return conn.execute(
        "SELECT period, actual FROM indicator_status WHERE indicator = %s AND region = %s", list(BUDGET)
    ).fetchone()


@pytest.fixture
def refresher(db_url: str) -> Any:
    refresher = SnapshotRefresher(db_url, interval_s=3600)
    yield refresher
    refresher.stop()


def test_the_child_rewrites_the_series_it_is_sent(conn: psycopg.Connection[Any], refresher: SnapshotRefresher) -> None:
    assert refresher.refresh_now() > 100  # the whole board
    assert _status(conn) == (None, None)
    _insert(conn, "2023-Q2", "2023-04-01 00:00+07", 3500)
    assert refresher.refresh_now({BUDGET}) == 1
    assert _status(conn) == ("2023-Q2", 3500.0)


def test_a_dead_child_is_started_again(conn: psycopg.Connection[Any], refresher: SnapshotRefresher) -> None:
    refresher.refresh_now()
    child = refresher._child
    assert child is not None
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    _insert(conn, "2023-Q2", "2023-04-01 00:00+07", 3500)
    assert refresher.refresh_now({BUDGET}) == 1
    assert refresher._child is not None and refresher._child.pid != child.pid
    assert _status(conn) == ("2023-Q2", 3500.0)


def test_an_error_in_the_child_is_reported_and_the_child_lives_on(refresher: SnapshotRefresher) -> None:
    refresher.refresh_now()
    child = refresher._child
    with pytest.raises(RuntimeError, match="JSONDecodeError"):
        refresher._ask("[not json")
    assert refresher._child is child and child is not None and child.poll() is None


def test_a_target_path_is_rewritten_only_when_its_inputs_change(conn: psycopg.Connection[Any]) -> None:
    catalogue = read_catalogue(conn)
    as_of = date(2023, 12, 31)
    refresh_snapshot(conn, catalogue, as_of)
    path = (
        "SELECT p.ctid::text FROM target_paths p JOIN indicator_status s USING (path_id)"
        " WHERE s.indicator = %s AND s.region = %s ORDER BY p.period_start LIMIT 1"
    )
    first_written = conn.execute(path, list(BUDGET)).fetchone()
    assert first_written is not None
    _insert(conn, "2023-Q2", "2023-04-01 00:00+07", 3500)
    refresh_snapshot(conn, catalogue, as_of, only={BUDGET})
    assert conn.execute(path, list(BUDGET)).fetchone() == first_written  # same baseline: the rows were kept
    assert _status(conn) == ("2023-Q2", 3500.0)

    growth = ("dthap-2023.grdp_growth", "dong_thap")  # a path drawn from the series' own 2022 value when printed none
    path_of = "SELECT path_id FROM indicator_status WHERE indicator = %s AND region = %s"
    before = conn.execute(path_of, list(growth)).fetchone()
    assert before is not None and before[0]
    refresh_snapshot(conn, catalogue, as_of, only={growth})
    assert conn.execute(path_of, list(growth)).fetchone() == before
    view = conn.execute(
        "SELECT count(*), count(DISTINCT period) FROM indicator_path WHERE indicator = %s AND region = %s", list(growth)
    ).fetchone()
    assert view is not None and view[0] == view[1] > 0  # the old shape: one row per period of the series


def test_series_that_share_the_inputs_of_their_path_share_one_stored_path(conn: psycopg.Connection[Any]) -> None:
    catalogue = read_catalogue(conn)
    indicator = catalogue.indicators[BUDGET[0]]
    assert path_id(catalogue.digest, indicator, []) == path_id(catalogue.digest, indicator, [])
    assert path_id(catalogue.digest, indicator, []) != path_id("another catalogue", indicator, [])
    refresh_snapshot(conn, catalogue, date(2023, 12, 31))
    counts = conn.execute(
        "SELECT (SELECT count(*) FROM indicator_status), (SELECT count(DISTINCT path_id) FROM target_paths),"
        " (SELECT count(*) FROM target_paths t WHERE NOT EXISTS"
        "   (SELECT FROM indicator_status s WHERE s.path_id = t.path_id))"
    ).fetchone()
    assert counts is not None and counts[1] <= counts[0] and counts[2] == 0
