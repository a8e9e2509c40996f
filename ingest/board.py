"""The status board: every indicator-region series read (ingest/board_series.py) and judged by the status engine.

`compute_board` judges the board live (for a past `as_of` or `known_at`); `refresh_snapshot` writes today's board into
indicator_status, with each distinct target path once in target_paths (read through the view indicator_path), which
is what the API, the metrics and Grafana read for today.
"""

import logging
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Collection, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import psycopg
from psycopg import sql

from indicators.catalogue import Catalogue
from indicators.judgement import evaluate_board
from indicators.model import Indicator
from indicators.status import DEFAULT_GRACE_DAYS, Evaluation, Observation
from indicators.window import judgement_window
from ingest.board_series import SeriesKey, key_columns, read_judged_series, read_series
from ingest.database import connect
from ingest.status_counts import write_all_counts, write_touched_counts
from ingest.status_item import encoded_item
from ingest.target_paths import PathInputs, PathKeys, drop_other_paths, write_missing_paths
from ingest.tasks_store import write_task_status

SNAPSHOT_WRITE_LOCK = int.from_bytes(b"snapshot") >> 1
log = logging.getLogger("chitieu.refresher")


def board_items(
    catalogue: Catalogue,
    series: dict[SeriesKey, list[Observation]],
    programme: str | None = None,
    region: str | None = None,
) -> Iterator[tuple[Indicator, str, list[Observation]]]:
    """Each active indicator in each region it applies to, plus any other region that has reported it."""
    reported: dict[str, set[str]] = defaultdict(set)
    for indicator_code, region_code in series:
        reported[indicator_code].add(region_code)
    for indicator in catalogue.indicators.values():
        if programme is not None and indicator.programme != programme:
            continue
        regions = dict.fromkeys(catalogue.regions_of(indicator))
        regions.update(dict.fromkeys(sorted(reported.get(indicator.code, ()))))
        for region_code in regions:
            if region is None or region_code == region:
                yield indicator, region_code, series.get((indicator.code, region_code), [])


def series_items(
    catalogue: Catalogue, series: dict[SeriesKey, list[Observation]], keys: Collection[SeriesKey]
) -> Iterator[tuple[Indicator, str, list[Observation]]]:
    """The items of `board_items` for those keys only, found without walking the whole board (a push's 100 series of a
    national catalogue's 332,100): a key is on the board when its region is tracked for the indicator or reported."""
    tracked: dict[str, set[str]] = {}
    for code, region in sorted(keys):
        indicator = catalogue.indicators[code]
        if code not in tracked:
            tracked[code] = set(catalogue.regions_of(indicator))
        if region in tracked[code] or (code, region) in series:
            yield indicator, region, series.get((code, region), [])


def compute_board(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    as_of: date,
    *,
    programme: str | None = None,
    region: str | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    known_at: date | None = None,
) -> list[Evaluation]:
    """The board as of a date (periods ended by then, latest revisions), or as known at a day (revisions recorded
    by its end)."""
    return board_with_series(
        conn, catalogue, as_of, programme=programme, region=region, grace_days=grace_days, known_at=known_at
    )[0]


def board_with_series(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    as_of: date,
    *,
    programme: str | None = None,
    region: str | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    known_at: date | None = None,
) -> tuple[list[Evaluation], dict[SeriesKey, list[Observation]]]:
    """The board (as `compute_board`) and the series it was judged from, for readers that also draw them."""
    codes = None
    if programme is not None:
        codes = [code for code, indicator in catalogue.indicators.items() if indicator.programme == programme]
    series = read_series(conn, as_of, codes, region, known_at=known_at)
    return evaluate_board(board_items(catalogue, series, programme, region), as_of, grace_days), series


STATUS_ROW_COLUMNS = (
    "indicator", "region", "as_of", "period", "actual", "expected", "low", "high", "target", "status",
    "report_overdue", "progress_ratio", "projection", "projection_meets_target", "reason", "last_recorded_at",
    "path_id", "approximately", "previous_period", "previous_status", "previous_actual", "previous_target",
    "previous_approximately", "severity", "item",
)  # fmt: skip  # indicator_status's columns as JudgedRows.rows hold them
_STATUS_ROW_TYPES = (
    "text", "text", "date", "text", "float8", "float8", "float8", "float8", "float8", "text", "bool", "float8",
    "float8", "bool", "text", "timestamptz", "text", "bool", "text", "text", "float8", "float8", "bool", "int2",
    "bytea",
)  # fmt: skip  # their types, for COPY in binary (half the client's work of the text format)


@dataclass
class JudgedRows:
    """Series judged, as indicator_status stores them, with what each target path they point at is drawn from."""

    rows: list[tuple[Any, ...]]  # columns as STATUS_ROW_COLUMNS
    paths: dict[str, PathInputs]
    read_s: float
    judge_s: float


def judge_rows(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    as_of: date,
    grace_days: int,
    only: Collection[SeriesKey] | None = None,
) -> JudgedRows:
    """The snapshot's rows of every series of the catalogue (or `only` those), read and judged as of the day."""
    started = time.monotonic()
    if only is None:
        known = snapshot_keys(conn, catalogue.indicators)
        items = list(board_items(catalogue, read_judged_series(conn, catalogue, as_of, known_keys=known)))
    else:
        wanted = {(indicator, region) for indicator, region in only if indicator in catalogue.indicators}
        items = list(series_items(catalogue, read_judged_series(conn, catalogue, as_of, wanted), wanted))
    read = time.monotonic()
    paths = PathKeys(catalogue.digest)
    rows = []
    for e, (indicator, _, observations) in zip(evaluate_board(items, as_of, grace_days), items, strict=True):
        p = e.previous
        rows.append(
            (e.indicator, e.region, as_of, e.period, e.actual, e.expected, e.low, e.high, e.target, e.status.value,
             e.report_overdue, e.progress_ratio, e.projection, e.projection_meets_target, e.reason,
             e.last_recorded_at, paths.of(indicator, observations), e.approximately,
             p and p.period, p and p.status.value, p and p.actual, p and p.target, p.approximately if p else False,
             e.status.severity, encoded_item(e))
        )  # fmt: skip
    return JudgedRows(rows, paths.drawn_from, read - started, time.monotonic() - read)


def refresh_snapshot(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    as_of: date,
    grace_days: int = DEFAULT_GRACE_DAYS,
    only: Collection[SeriesKey] | None = None,
    *,
    database_url: str | None = None,
) -> int:
    """Rewrite indicator_status in one transaction, for every series or `only` those, with the target paths they
    point at; return the number of series written. With `database_url`, a full refresh judges half the board in a
    second process while this one judges the other half; the write stays one transaction.

    A series' target path depends only on the catalogue and its baseline value: series that share those share one
    stored path (ingest/target_paths.py), written when it is first needed, so the cost of a refresh does not grow with
    the periods of the programme. A full refresh drops the paths no series points at any more.
    """
    started = time.monotonic()
    if only is not None:
        parts = [judge_rows(conn, catalogue, as_of, grace_days, only)]
    elif database_url is None:
        parts = [judge_rows(conn, catalogue, as_of, grace_days)]
    else:
        parts = judge_in_two_processes(conn, database_url, catalogue, as_of, grace_days)
    judged = time.monotonic()
    written = sum(len(part.rows) for part in parts)
    drawn_from = {path: inputs for part in parts for path, inputs in part.paths.items()}
    with conn.transaction():
        # Writers of the snapshot (the refresher, a push refreshing its own series) one at a time, for the write only.
        conn.execute("SELECT pg_advisory_xact_lock(%s)", [SNAPSHOT_WRITE_LOCK])
        if only is None:
            conn.execute("DELETE FROM indicator_status")
        else:
            _delete_series(conn, "indicator_status", [row[:2] for part in parts for row in part.rows])
        with conn.cursor().copy(
            sql.SQL("COPY indicator_status ({}) FROM STDIN (FORMAT BINARY)").format(
                sql.SQL(", ").join(map(sql.Identifier, STATUS_ROW_COLUMNS))
            )
        ) as copy:
            copy.set_types(_STATUS_ROW_TYPES)
            for part in parts:
                for row in part.rows:
                    copy.write_row(row)
        counting = time.monotonic()
        if only is None:
            write_all_counts(conn, catalogue)
        else:
            write_touched_counts(conn, [row[:2] for part in parts for row in part.rows])
        counted_s = time.monotonic() - counting
        write_missing_paths(conn, catalogue, drawn_from)
        if only is None:
            drop_other_paths(conn, drawn_from)
            conn.execute(
                "INSERT INTO snapshot_refreshes (as_of, computed_at, series, seconds) VALUES (%s, now(), %s, %s)"
                " ON CONFLICT (singleton) DO UPDATE SET as_of = excluded.as_of, computed_at = excluded.computed_at,"
                " series = excluded.series, seconds = excluded.seconds",
                [as_of, written, time.monotonic() - started],
            )
            write_task_status(conn, as_of)  # the tasks' open and overdue flags of the same day
    if only is None:
        # Fresh planner statistics now, not when autovacuum next passes: with those of the board before (say, no
        # series off track) the dashboards' filtered lists are planned as nested loops (1M: 30 -> 112 ms).
        conn.execute("ANALYZE indicator_status")  # 10,000 series: about 60 ms
        log.info(
            "full refresh of %d series in %.1f s: read %s s, judged %s s, written %.1f s (counted %.1f s of it)",
            written, time.monotonic() - started, "+".join(f"{part.read_s:.1f}" for part in parts),
            "+".join(f"{part.judge_s:.1f}" for part in parts), time.monotonic() - judged, counted_s,
        )  # fmt: skip
    return written


def judge_in_two_processes(
    conn: psycopg.Connection[Any], database_url: str, catalogue: Catalogue, as_of: date, grace_days: int
) -> list[JudgedRows]:
    """Every series judged in two halves at once (judging is Python work, one core a process): this process reads
    and judges one half of the indicators, a new process started with 'spawn' (never a fork of a process with
    threads) the other, on its own connection. Each half holds about half the rows to read, as the windows say."""
    halves: tuple[list[str], list[str]] = ([], [])
    weights = [0, 0]
    for code, weight in sorted(_window_rows(catalogue, as_of).items(), key=lambda item: (-item[1], item[0])):
        lighter = weights.index(min(weights))
        halves[lighter].append(code)
        weights[lighter] += weight
    mine, theirs = (replace(catalogue, indicators={c: catalogue.indicators[c] for c in half}) for half in halves)
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        other = pool.submit(_judge_apart, database_url, theirs, as_of, grace_days)
        return [judge_rows(conn, mine, as_of, grace_days), other.result()]


def _window_rows(catalogue: Catalogue, as_of: date) -> dict[str, int]:
    """About how many rows each indicator's judgement window holds: its series times the days the window spans."""
    return {
        code: len(catalogue.regions_of(indicator)) * max(1, (as_of - judgement_window(indicator, as_of).start).days)
        for code, indicator in catalogue.indicators.items()
    }


def _judge_apart(database_url: str, catalogue: Catalogue, as_of: date, grace_days: int) -> JudgedRows:
    with connect(database_url) as conn:
        return judge_rows(conn, catalogue, as_of, grace_days)


def snapshot_keys(conn: psycopg.Connection[Any], indicators: Collection[str]) -> set[SeriesKey]:
    """The series of these indicators on the board the refresher last wrote."""
    rows = conn.execute("SELECT indicator, region FROM indicator_status WHERE indicator = ANY(%s)", [list(indicators)])
    return set(rows.fetchall())


def _delete_series(conn: psycopg.Connection[Any], table: str, keys: Collection[SeriesKey]) -> None:
    if not keys:
        return
    conn.execute(
        sql.SQL("DELETE FROM {} WHERE (indicator, region) IN (SELECT * FROM unnest(%s::text[], %s::text[]))").format(
            sql.Identifier(table)
        ),
        key_columns(keys),
    )
