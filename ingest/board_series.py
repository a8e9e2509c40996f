"""The observations a board is judged from: every series read in one query (`read_series`), or only what judging
them as of a day needs, each indicator's judgement window and the older periods a judgement reaches back to
(`read_judged_series`)."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import psycopg

from indicators.catalogue import Catalogue
from indicators.clock import end_of_day, period_bounds
from indicators.periods import Period
from indicators.status import Observation
from indicators.window import judgement_window, window_holds_judgement
from ingest.revisions import latest_revisions

SeriesKey = tuple[str, str]  # (indicator, region)
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
        params["pair_indicators"], params["pair_regions"] = key_columns(pairs)
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


def key_columns(keys: Collection[SeriesKey]) -> tuple[list[str], list[str]]:
    """The indicators and the regions of the keys, in the same order: two arrays for unnest()."""
    return [indicator for indicator, _ in keys], [region for _, region in keys]
