"""Today's board as the refresher last wrote it (indicator_status): what /v1/status and /metrics read for today.

Live judgement (ingest.board.compute_board) is for an explicit past `as_of` or a `known_at`; every reader of "today"
reads these rows, so the API, the metrics and Grafana show one board.
"""

import logging
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import class_row

from indicators.catalogue import Catalogue
from indicators.clock import vietnam_today
from indicators.status import Evaluation, PreviousOutcome, Status
from ingest.board import refresh_snapshot
from ingest.board_series import SeriesKey, series_filter

log = logging.getLogger("chitieu.snapshot")

_COLUMNS = sql.SQL(", ").join(
    map(
        sql.Identifier,
        [
            "indicator",
            "region",
            "period",
            "actual",
            "expected",
            "low",
            "high",
            "target",
            "status",
            "report_overdue",
            "progress_ratio",
            "projection",
            "projection_meets_target",
            "reason",
            "last_recorded_at",
            "approximately",
            "previous_period",
            "previous_status",
            "previous_actual",
            "previous_target",
            "previous_approximately",
        ],
    )
)


@dataclass(frozen=True)
class SnapshotInfo:
    """The last full refresh: the day it judged, when it was written, how many series, how long it took."""

    as_of: date
    computed_at: datetime
    series: int
    seconds: float


def snapshot_info(conn: psycopg.Connection[Any]) -> SnapshotInfo | None:
    """The last full refresh of the snapshot; None when it was never written."""
    with conn.cursor(row_factory=class_row(SnapshotInfo)) as cur:
        return cur.execute("SELECT as_of, computed_at, series, seconds FROM snapshot_refreshes").fetchone()


def _evaluation(row: tuple[Any, ...]) -> Evaluation:
    (indicator, region, period, actual, expected, low, high, target, status, overdue, ratio, projection, meets,
     reason, recorded_at, approximately, p_period, p_status, p_actual, p_target, p_approximately) = row  # fmt: skip
    previous = None
    if p_period is not None and p_status is not None:
        previous = PreviousOutcome(p_period, Status(p_status), p_actual, p_target, p_approximately)
    return Evaluation(
        indicator, region, period, actual, expected, low, high, target, Status(status), overdue, ratio, projection,
        meets, reason, recorded_at, approximately, previous=previous,
    )  # fmt: skip


def _select(
    indicators: Collection[str] | None,
    regions: Collection[str] | None,
    after: SeriesKey | None = None,
    limit: int | None = None,
    columns: sql.Composable = _COLUMNS,
) -> tuple[sql.Composed, dict[str, Any]]:
    """The snapshot's rows of the indicators and regions given (None: all) after the key `after`, in key order, at
    most `limit`."""
    params: dict[str, Any] = {}
    conditions = ["true", *series_filter(params, indicators, regions)]
    if after is not None:
        conditions.append("(indicator, region) > (%(after_indicator)s, %(after_region)s)")
        params["after_indicator"], params["after_region"] = after
    where = sql.SQL(" AND ").join(map(sql.SQL, conditions))
    query = sql.SQL("SELECT {} FROM indicator_status WHERE {} ORDER BY indicator, region").format(columns, where)
    if limit is not None:
        query += sql.SQL(" LIMIT %(limit)s")
        params["limit"] = limit
    return query, params


def read_snapshot(
    conn: psycopg.Connection[Any],
    *,
    indicators: Collection[str] | None = None,
    regions: Collection[str] | None = None,
    after: SeriesKey | None = None,
    limit: int | None = None,
) -> list[Evaluation]:
    """The snapshot's evaluations in key order (indicator, region), of the indicators and regions given (None: all),
    after the key `after`, at most `limit`."""
    with conn.cursor(binary=True) as cur:
        return [_evaluation(row) for row in cur.execute(*_select(indicators, regions, after, limit)).fetchall()]


_ITEM_COLUMNS = sql.SQL("indicator, region, item")
_PAGE_WORK_MEM = "64MB"  # a page of at most 10.000 items of about 400 bytes, sorted


def read_snapshot_items(
    conn: psycopg.Connection[Any],
    *,
    indicators: Collection[str] | None = None,
    regions: Collection[str] | None = None,
    after: SeriesKey | None = None,
    limit: int | None = None,
) -> list[tuple[str, str, bytes]]:
    """The (indicator, region, encoded item) of the rows `read_snapshot` reads: the board's items as the refresh
    encoded them (ingest/status_item.py), for the API to send as they are."""
    with conn.transaction(), conn.cursor(binary=True) as cur:
        # A province's 9.800 items (4 MB) sorted in memory, not spilled to disk at the default work_mem, by this
        # backend alone: on 2 cores two parallel workers cost more than they share (EXPLAIN ANALYZE of a province's
        # read, load 4: 91-103 ms with them, 28-54 ms without, in memory).
        cur.execute(f"SELECT set_config('work_mem', '{_PAGE_WORK_MEM}', true), "
                    "set_config('max_parallel_workers_per_gather', '0', true)")  # fmt: skip
        return cur.execute(*_select(indicators, regions, after, limit, _ITEM_COLUMNS)).fetchall()


@dataclass(frozen=True)
class RegionCounts:
    """Series of one indicator in the regions under one province with one status, and how many are report-overdue."""

    indicator: str
    province: str
    status: str
    series: int
    overdue: int


def count_snapshot(conn: psycopg.Connection[Any], province_of: dict[str, str]) -> list[RegionCounts]:
    """The snapshot's series of the regions in `province_of` (region -> its province) counted by indicator, province
    and status, as the refresh wrote them beside the snapshot (status_counts, ingest/status_counts.py): a few thousand
    rows whatever the series, so that a national board's 332,100 commune series are not grouped on every read."""
    if not province_of:
        return []
    with conn.cursor(row_factory=class_row(RegionCounts)) as cur:
        cur.execute(
            "SELECT indicator, province, status, series, overdue FROM status_counts WHERE province = ANY(%s)"
            " ORDER BY 1, 2, 3",
            [sorted(set(province_of.values()))],
        )
        return cur.fetchall()


def stream_snapshot_items(
    conn: psycopg.Connection[Any],
    *,
    indicators: Collection[str] | None = None,
    regions: Collection[str] | None = None,
    batch: int = 5000,
) -> Iterator[list[bytes]]:
    """The snapshot's encoded items (as `read_snapshot_items`) in key order, in batches from a server-side cursor: the
    nation's 332,100 items as NDJSON without a Python object per value."""
    query, params = _select(indicators, regions, columns=sql.SQL("item"))
    with conn.transaction(), conn.cursor(name="snapshot_items", binary=True) as cur:
        cur.execute(query, params)
        while rows := cur.fetchmany(batch):
            yield [item for (item,) in rows]


# CSV columns written by PostgreSQL itself (COPY ... FORMAT csv): numbers as PostgreSQL writes a float8 (the shortest
# exact text: 100 for 100.0), true/false, instants in ISO 8601. The status label comes from `labels`.
_CSV_EXPRESSIONS = {
    "indicator": "indicator", "region": "region", "period": "period", "actual": "actual", "expected": "expected",
    "low": "low", "high": "high", "target": "target", "status": "status",
    "status_vi": "%(labels)s::jsonb ->> status", "report_overdue": "report_overdue::text",
    "progress_ratio": "progress_ratio", "projection": "projection",
    "projection_meets_target": "projection_meets_target::text", "reason": "reason",
    "last_recorded_at": "to_json(last_recorded_at) #>> '{{}}'", "approximately": "approximately::text",
}  # fmt: skip


def copy_snapshot_csv(
    conn: psycopg.Connection[Any],
    columns: list[str],
    status_labels: dict[str, str],
    *,
    indicators: Collection[str] | None = None,
    regions: Collection[str] | None = None,
) -> Iterator[bytes]:
    """The snapshot's rows in key order as CSV with a header, formatted by PostgreSQL (COPY TO STDOUT): the nation's
    332,100 rows without a Python object per row or per value."""
    query, params = _select(indicators, regions)
    select = sql.SQL(", ").join(sql.SQL(f"{_CSV_EXPRESSIONS[c]} AS {{}}").format(sql.Identifier(c)) for c in columns)
    statement = sql.SQL(
        "COPY (SELECT {} FROM ({}) AS board ORDER BY indicator, region) TO STDOUT (FORMAT csv, HEADER)"
    ).format(select, query)
    params["labels"] = orjson.dumps(status_labels).decode()
    buffer = bytearray()
    with conn.cursor().copy(statement, params) as copy:
        for line in copy:  # one row a message: sent on in chunks of about 256 KB
            buffer += line
            if len(buffer) >= 1 << 18:
                yield bytes(buffer)
                buffer.clear()
    yield bytes(buffer)


PUSH_REFRESH_MAX_SERIES = 2000  # beyond this a push leaves its series to the refresher (about 1 s later)


def refresh_pushed_series(
    conn: psycopg.Connection[Any], catalogue: Catalogue, touched: Collection[SeriesKey], grace_days: int
) -> bool:
    """Rewrite the snapshot's rows of the series a push wrote, before the push answers, so that a reader of today's
    board sees them at once (a few milliseconds for 100 series); True when done. Too many series, or a snapshot not of
    today, are left to the refresher, which the push pokes anyway; a failure here never fails the committed push."""
    if not touched or len(touched) > PUSH_REFRESH_MAX_SERIES:
        return False
    today = vietnam_today()
    try:
        info = snapshot_info(conn)
        if info is None or info.as_of != today:
            return False
        refresh_snapshot(conn, catalogue, today, grace_days, only=touched)
    except psycopg.Error:
        log.warning("could not refresh the pushed series; the refresher will", exc_info=True)
        return False
    return True
