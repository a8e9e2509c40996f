"""The stored target paths (target_paths): each distinct path once, keyed by a digest of all it is drawn from.

A series' target path depends only on the catalogue, its indicator and its baseline value, so the series that share
those share one stored path, and indicator_status.path_id points at it. A path's rows never change: a new input is a
new key.
"""

import hashlib
from collections.abc import Collection, Sequence
from typing import Any

import psycopg

from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.judgement import expected_series, path_baseline
from indicators.model import Indicator
from indicators.paths import path_periods
from indicators.status import Observation

PathInputs = tuple[str, list[Observation]]  # an indicator's code and a series of it: all a path is drawn from


def path_id(catalogue_digest: str, indicator: Indicator, observations: Sequence[Observation]) -> str:
    """The key of a series' target path: a digest of all it is drawn from (the catalogue, the indicator and the
    baseline value, which the series gives when the catalogue prints none)."""
    return _path_key(catalogue_digest, indicator.code, path_baseline(indicator, observations))


def _path_key(catalogue_digest: str, indicator_code: str, baseline: float | None) -> str:
    inputs = f"{catalogue_digest} {indicator_code} {baseline!r}"
    return hashlib.blake2b(inputs.encode(), digest_size=12).hexdigest()


class PathKeys:
    """The path keys of the series of one catalogue, each distinct key computed once (a board of 332,100 series
    has a few thousand paths), with the series each key is first drawn from."""

    def __init__(self, catalogue_digest: str) -> None:
        self.catalogue_digest = catalogue_digest
        self.drawn_from: dict[str, PathInputs] = {}
        self._keys: dict[tuple[str, float | None], str] = {}

    def of(self, indicator: Indicator, observations: list[Observation]) -> str:
        inputs = (indicator.code, path_baseline(indicator, observations))
        key = self._keys.get(inputs)
        if key is None:
            key = self._keys[inputs] = _path_key(self.catalogue_digest, *inputs)
            self.drawn_from[key] = (indicator.code, observations)
        return key


def write_missing_paths(conn: psycopg.Connection[Any], catalogue: Catalogue, drawn_from: dict[str, PathInputs]) -> None:
    """Store the paths not stored yet."""
    stored = conn.execute("SELECT DISTINCT path_id FROM target_paths WHERE path_id = ANY(%s)", [list(drawn_from)])
    missing = drawn_from.keys() - {row[0] for row in stored.fetchall()}
    if not missing:
        return
    with conn.cursor().copy(
        "COPY target_paths (path_id, indicator, period, period_start, period_end, expected, low, high) FROM STDIN"
    ) as copy:
        for path in sorted(missing):
            code, observations = drawn_from[path]
            indicator = catalogue.indicators[code]
            programme = catalogue.programmes[indicator.programme]
            periods = path_periods(indicator, programme.start_year, programme.end_year)
            # The region plays no part in a path (expected_series does not read it).
            for period, expected, low, high in expected_series(indicator, "", observations, periods):
                start, end = period_bounds(period)
                copy.write_row((path, indicator.code, str(period), start, end, expected, low, high))


def drop_other_paths(conn: psycopg.Connection[Any], keep: Collection[str]) -> None:
    """Drop the paths no series points at any more (after a full refresh)."""
    conn.execute("DELETE FROM target_paths WHERE NOT (path_id = ANY(%s))", [list(keep)])
