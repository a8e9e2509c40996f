"""Roll-ups read from the observations: for a region and a period, each indicator's values in the regions below it
summed or averaged by its weight in one query, with how many of those regions reported (the rule:
indicators/rollup.py)."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import psycopg

from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.model import Indicator, RollupMethod
from indicators.periods import Period
from indicators.rollup import RollupRule, children_map, contributing_regions, followed_in, rollup_rule


@dataclass(frozen=True, slots=True)
class Rollup:
    indicator: str
    period: str
    rule: RollupRule
    value: float | None  # None: no roll-up (rule.reason), or no region below reported
    reported: int | None  # regions below that reported (a weighted mean: value and weight); None: not read (none)
    expected: int  # regions below the catalogue follows the indicator in, the nearest level only
    level: str | None  # the level of those regions when they share one ("commune"), else None

    @property
    def complete(self) -> bool | None:
        return None if self.reported is None else self.reported == self.expected


# Each value is the latest revision of one (indicator, region, period), looked up by the primary key: one index
# probe per pair, never a scan of the period's chunk.
ROLLUP_QUERY = """
WITH wanted AS (
    SELECT * FROM unnest(%(indicators)s::text[], %(regions)s::text[], %(weights)s::text[]) AS w(indicator, region, weight)
)
SELECT w.indicator,
       count(v.value)::int AS reported,
       sum(v.value) AS total,
       count(v.value * wv.value)::int AS weighted_reported,
       sum(v.value * wv.value) AS weighted_total,
       sum(wv.value) FILTER (WHERE v.value IS NOT NULL) AS weights
FROM wanted w
LEFT JOIN LATERAL (
    SELECT o.value FROM observations o
    WHERE o.indicator = w.indicator AND o.region = w.region AND o.period_start = %(start)s AND o.period = %(period)s
    ORDER BY o.revision DESC LIMIT 1
) v ON true
LEFT JOIN LATERAL (
    SELECT o.value FROM observations o
    WHERE o.indicator = w.weight AND o.region = w.region AND o.period_start = %(start)s AND o.period = %(period)s
    ORDER BY o.revision DESC LIMIT 1
) wv ON w.weight IS NOT NULL
GROUP BY w.indicator
"""


@dataclass(frozen=True, slots=True)
class _Hierarchy:
    children: dict[str, list[str]]  # region -> its direct sub-regions
    followed: dict[str, list[str]]  # region -> the indicators followed there
    levels: dict[str, str]  # region -> its level


_HIERARCHIES: dict[str, _Hierarchy] = {}


def _hierarchy(catalogue: Catalogue) -> _Hierarchy:
    """The catalogue's regions as roll-ups walk them, kept for each catalogue version (its digest): at national size,
    332,100 (indicator, commune) pairs to walk once, not on every request."""
    cached = _HIERARCHIES.get(catalogue.digest)
    if cached is None:
        cached = _Hierarchy(
            children_map(catalogue.regions),
            followed_in(catalogue.indicators.values(), catalogue.regions_of),
            {code: region.level.value for code, region in catalogue.regions.items()},
        )
        if catalogue.digest:
            if len(_HIERARCHIES) >= 4:
                del _HIERARCHIES[next(iter(_HIERARCHIES))]
            _HIERARCHIES[catalogue.digest] = cached
    return cached


def compute_rollups(
    conn: psycopg.Connection[Any], catalogue: Catalogue, region: str, period: Period, indicators: Iterable[Indicator]
) -> list[Rollup]:
    """The roll-up into `region` for `period` of each indicator reported at the period's frequency and followed in
    some region below it, in the order given."""
    hierarchy = _hierarchy(catalogue)
    below_region = contributing_regions(hierarchy.children, hierarchy.followed, region)
    plans: list[tuple[Indicator, RollupRule, list[str]]] = []
    for indicator in indicators:
        below = below_region.get(indicator.code)
        if below and indicator.frequency is period.frequency:
            plans.append((indicator, rollup_rule(indicator), below))
    columns: tuple[list[str], list[str], list[str | None]] = ([], [], [])
    for indicator, rule, below in plans:
        if rule.method is RollupMethod.none:
            continue  # nothing to read: no value, whoever reported
        columns[0].extend([indicator.code] * len(below))
        columns[1].extend(below)
        columns[2].extend([rule.weight] * len(below))
    found: dict[str, tuple[int, float | None, int, float | None, float | None]] = {}
    if columns[0]:
        params = {
            "indicators": columns[0],
            "regions": columns[1],
            "weights": columns[2],
            "start": period_bounds(period)[0],
            "period": str(period),
        }
        with conn.transaction():
            conn.execute("SET LOCAL jit = off")  # compiling costs more than the query's index probes save
            for code, *sums in conn.cursor(binary=True).execute(ROLLUP_QUERY, params).fetchall():
                found[code] = (sums[0], sums[1], sums[2], sums[3], sums[4])
    rollups = []
    for indicator, rule, below in plans:
        counted, total, weighted_counted, weighted_total, weights = found.get(indicator.code, (0, None, 0, None, None))
        reported: int | None = counted
        value: float | None = None
        if rule.method is RollupMethod.none:
            reported = None
        elif rule.method is RollupMethod.sum:
            value = total
        elif rule.method is RollupMethod.weighted_mean:
            reported = weighted_counted
            value = weighted_total / weights if weighted_total is not None and weights else None
        levels = set(map(hierarchy.levels.__getitem__, below))
        rollups.append(
            Rollup(
                indicator=indicator.code,
                period=str(period),
                rule=rule,
                value=value,
                reported=reported,
                expected=len(below),
                level=levels.pop() if len(levels) == 1 else None,
            )
        )
    return rollups
