"""The status board: every indicator-region series read in one query and judged by the status engine.

`compute_board` judges the board live (for a past `as_of` or `known_at`); `refresh_snapshot` writes today's board into
indicator_status, with each distinct target path once in target_paths (read through the view indicator_path), which
is what the API, the metrics and Grafana read for today.
"""

import logging
import multiprocessing
import time
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import psycopg
from psycopg import sql

from indicators.catalogue import Catalogue
from indicators.clock import end_of_day, period_bounds
from indicators.judgement import evaluate_board
from indicators.model import Indicator
from indicators.periods import Period
from indicators.status import DEFAULT_GRACE_DAYS, Evaluation, Observation
from indicators.window import judgement_window, window_holds_judgement
from ingest.database import connect
from ingest.revisions import latest_revisions
from ingest.status_counts import write_all_counts, write_touched_counts
from ingest.target_paths import PathInputs, PathKeys, drop_other_paths, write_missing_paths
from ingest.tasks_store import write_task_status

SeriesKey = tuple[str, str]  # (indicator, region)
SNAPSHOT_WRITE_LOCK = int.from_bytes(b"snapshot") >> 1
log = logging.getLogger("chitieu.refresher")
READ_WORK_MEM = "256MB"  # for read_series' sort


@lru_cache(maxsize=4096)
def _period(text: str) -> Period:
    return Period.parse(text)


@lru_cache(maxsize=4096)
def _order(period: Period) -> tuple[date, int]:
    """Period order (see Period.__lt__), computed once per distinct period."""
    return period.end, -period.start.toordinal()


def cutoff_for(as_of: date) -> datetime:
    """Periods starting after the end of `as_of` (in Vietnam) cannot have ended by then."""
    return end_of_day(as_of)


def read_series(
    conn: psycopg.Connection[Any],
    as_of: date,
    indicators: Sequence[str] | None = None,
    region: str | None = None,
    pairs: Collection[SeriesKey] | None = None,
    known_at: date | None = None,
    since: date | None = None,
    before: date | None = None,
    periods: Collection[Period] | None = None,
) -> dict[SeriesKey, list[Observation]]:
    """The latest revision of every period ending by the date, of every series (or of the indicators, the region,
    the (indicator, region) pairs): one query, each series sorted by period. With `known_at`, only the revisions
    recorded by the end of that day (in Vietnam): what was known then. With `since` / `before`, only the periods
    starting on or after / before that day; with `periods`, only those (each a range of the hypertable's time column,
    so that only their chunks are read)."""
    conditions = ["period_start < %(cutoff)s"]
    params: dict[str, Any] = {"cutoff": cutoff_for(as_of)}
    if since is not None:
        conditions.append("period_start >= %(since)s")
        params["since"] = _start_of(since)
    if periods is not None:
        conditions.append("period = ANY(%(periods)s) AND period_start BETWEEN %(first_start)s AND %(last_start)s")
        params["periods"] = sorted(str(period) for period in periods)
        starts = [period_bounds(period)[0] for period in periods]
        params["first_start"], params["last_start"] = min(starts), max(starts)
    if before is not None:
        conditions.append("period_start < %(before)s")
        params["before"] = _start_of(before)
    if known_at is not None:
        conditions.append("recorded_at < %(known_at)s")
        params["known_at"] = end_of_day(known_at)
    conditions += series_filter(params, indicators, None if region is None else [region])
    if pairs is not None:
        conditions.append(
            "(indicator, region) IN (SELECT * FROM unnest(%(pair_indicators)s::text[], %(pair_regions)s::text[]))"
        )
        params["pair_indicators"], params["pair_regions"] = _columns(pairs)
    query = latest_revisions(["indicator", "region", "period", "value", "recorded_at", "revision"], conditions)
    series: dict[SeriesKey, list[Observation]] = defaultdict(list)
    with conn.transaction(), conn.cursor(binary=True) as cur:
        # The latest revisions of a board's windows (a million rows) are sorted in memory, not spilled to disk, by
        # one backend: parallel workers only compete with the Python judging for the cores (2 here: 66 -> 57 s).
        cur.execute(f"SET LOCAL work_mem = '{READ_WORK_MEM}'")
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        rows = cur.execute(query, params).fetchall()
    for indicator, region_code, period, value, recorded_at, revision in rows:
        series[(indicator, region_code)].append(Observation(_period(period), value, recorded_at, revision))
    # The rows come latest period first. Periods of one frequency are in order by their start (no two start on the
    # same day), so reversing each series sorts it; a year beside its months needs the sort by period order.
    if len({_period(text).frequency for text in {row[2] for row in rows}}) <= 1:
        for observations in series.values():
            observations.reverse()
    else:
        for observations in series.values():
            observations.sort(key=lambda o: _order(o.period))
    return series


def series_filter(
    params: dict[str, Any], indicators: Collection[str] | None, regions: Collection[str] | None
) -> list[str]:
    """The SQL conditions keeping the series of the indicators and of the regions given (None: all), their values
    added to `params` (named placeholders): the one filter of the readers of observations and of the snapshot."""
    conditions = []
    if indicators is not None:
        conditions.append("indicator = ANY(%(indicators)s)")
        params["indicators"] = list(indicators)
    if regions is not None:
        conditions.append("region = ANY(%(regions)s)")
        params["regions"] = list(regions)
    return conditions


def _start_of(day: date) -> datetime:
    return end_of_day(day - timedelta(days=1))


def read_judged_series(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    as_of: date,
    keys: Collection[SeriesKey] | None = None,
    known_keys: Collection[SeriesKey] = (),
) -> dict[SeriesKey, list[Observation]]:
    """What judging the series as of `as_of` reads, without their whole history: each indicator's judgement window
    (indicators.window), then the older periods of the series whose judgement reaches before it. Judged, the same
    as `read_series` (test). Without `keys`, every series: those in the window, the ones the catalogue tracks and
    `known_keys` (the last snapshot's); a series only reported before the window by a region neither tracks nor
    knows is not read."""
    windows = {code: judgement_window(indicator, as_of) for code, indicator in catalogue.indicators.items()}
    by_start: dict[date, list[str]] = defaultdict(list)
    for code, window in windows.items():
        by_start[window.start].append(code)
    series: dict[SeriesKey, list[Observation]] = {}
    for start, codes in by_start.items():
        in_group = set(codes)
        wanted = None if keys is None else [key for key in keys if key[0] in in_group]
        if wanted == []:
            continue
        series.update(read_series(conn, as_of, codes, pairs=wanted, since=start))
        baseline_periods = {p for code in codes for p in windows[code].baseline_periods if p.start < start}
        if baseline_periods:  # read apart: an OR in one query would read every chunk
            baseline = read_series(conn, as_of, codes, pairs=wanted, periods=baseline_periods)
            for key, observations in baseline.items():
                series[key] = sorted(observations + series.get(key, []), key=lambda o: _order(o.period))
    if keys is None:
        everyone = set(series) | set(known_keys)
        for code, indicator in catalogue.indicators.items():
            everyone.update((code, region) for region in catalogue.regions_of(indicator))
        keys = everyone
    unsure = [
        key
        for key in keys
        if key[0] in windows
        and not window_holds_judgement(catalogue.indicators[key[0]], windows[key[0]], series.get(key, []), as_of)
    ]
    unsure_by_start: dict[date, list[SeriesKey]] = defaultdict(list)
    for key in unsure:
        unsure_by_start[windows[key[0]].start].append(key)
    for start, group in unsure_by_start.items():
        codes = sorted({code for code, _ in group})  # the key's leading column: the primary key's index is used
        older = read_series(conn, as_of, codes, pairs=group, before=start)
        for key, observations in older.items():
            recent = [o for o in series.get(key, []) if o.period.start >= start]
            series[key] = observations + recent
    return series


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
    "previous_approximately", "severity",
)  # fmt: skip  # indicator_status's columns as JudgedRows.rows hold them
_STATUS_ROW_TYPES = (
    "text", "text", "date", "text", "float8", "float8", "float8", "float8", "float8", "text", "bool", "float8",
    "float8", "bool", "text", "timestamptz", "text", "bool", "text", "text", "float8", "float8", "bool", "int2",
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
             e.status.severity)
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
            write_touched_counts(conn, catalogue, [row[:2] for part in parts for row in part.rows])
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
        _columns(keys),
    )


def _columns(keys: Collection[SeriesKey]) -> tuple[list[str], list[str]]:
    """The indicators and the regions of the keys, in the same order: two arrays for unnest()."""
    return [indicator for indicator, _ in keys], [region for _, region in keys]
