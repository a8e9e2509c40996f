"""One indicator's history in one region: every period with its revisions, the path and the status then."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg

from indicators.catalogue import Catalogue
from indicators.clock import end_of_day
from indicators.judgement import evaluate, expected_series
from indicators.model import Indicator
from indicators.paths import path_periods
from indicators.periods import Period
from indicators.status import Evaluation, Observation
from ingest.board_series import cutoff_for


@dataclass(frozen=True)
class Revision:
    revision: int
    value: float
    status: str
    note: str | None
    recorded_at: datetime
    key_id: str


@dataclass(frozen=True)
class SeriesPoint:
    period: str
    actual: float | None
    revisions: list[Revision]
    expected: float | None
    low: float | None
    high: float | None
    evaluation: Evaluation | None  # as judged with the data up to this period, seen as of today


def read_revisions(
    conn: psycopg.Connection[Any], indicator: str, region: str, as_of: date, known_at: date | None = None
) -> dict[str, list[Revision]]:
    """Every revision of the periods starting by `as_of`; with `known_at`, those recorded by the end of that day."""
    known = end_of_day(known_at) if known_at is not None else None
    revisions: dict[str, list[Revision]] = {}
    for period, *fields in conn.execute(
        "SELECT period, revision, value, status, note, recorded_at, key_id FROM observations"
        " WHERE indicator = %s AND region = %s AND period_start < %s"
        " AND (%s::timestamptz IS NULL OR recorded_at < %s::timestamptz) ORDER BY period_start, revision",
        [indicator, region, cutoff_for(as_of), known, known],
    ):
        revisions.setdefault(period, []).append(Revision(*fields))
    return revisions


def indicator_series(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    indicator: Indicator,
    region: str,
    as_of: date,
    known_at: date | None = None,
) -> list[SeriesPoint]:
    revisions = read_revisions(conn, indicator.code, region, as_of, known_at)
    series = sorted(
        (
            Observation(Period.parse(period), revs[-1].value, revs[-1].recorded_at, len(revs))
            for period, revs in revisions.items()
        ),
        key=lambda observation: observation.period,
    )
    programme = catalogue.programmes[indicator.programme]
    periods = path_periods(indicator, programme.start_year, programme.end_year)
    periods = sorted(set(periods) | {o.period for o in series})
    points = []
    for period, expected, low, high in expected_series(indicator, region, series, periods):
        upto = [o for o in series if not period < o.period]
        history = revisions.get(str(period), [])
        # Judged in its own target period: on the day it ended (or as_of, if earlier), with the latest revisions.
        evaluation = evaluate(indicator, region, upto, min(as_of, period.end)) if history else None
        actual = history[-1].value if history else None
        points.append(SeriesPoint(str(period), actual, history, expected, low, high, evaluation))
    return points
