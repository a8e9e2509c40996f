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
from indicators.rollup import RollupRule, children_map, contributing_regions, rollup_rule


@dataclass(frozen=True, slots=True)
class Rollup:
    indicator: str
    period: str
    rule: RollupRule
    value: float | None  # None: no roll-up (rule.reason), or no region below reported
    reported: int  # regions below that reported (for a weighted mean: the value and its weight)
    expected: int  # regions below the catalogue follows the indicator in, the nearest level only
    level: str | None  # the level of those regions when they share one ("commune"), else None

    @property
    def complete(self) -> bool:
        return self.reported == self.expected


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


def compute_rollups(
    conn: psycopg.Connection[Any], catalogue: Catalogue, region: str, period: Period, indicators: Iterable[Indicator]
) -> list[Rollup]:
    """The roll-up into `region` for `period` of each indicator reported at the period's frequency and followed in
    some region below it, in the order given."""
    children = children_map(catalogue.regions)
    plans: list[tuple[Indicator, RollupRule, list[str]]] = []
    for indicator in indicators:
        if indicator.frequency is not period.frequency:
            continue
        below = contributing_regions(children, region, frozenset(catalogue.regions_of(indicator)))
        if below:
            plans.append((indicator, rollup_rule(indicator), below))
    columns: tuple[list[str], list[str], list[str | None]] = ([], [], [])
    for indicator, rule, below in plans:
        columns[0].extend([indicator.code] * len(below))
        columns[1].extend(below)
        columns[2].extend([rule.weight] * len(below))
    found: dict[str, tuple[int, float | None, int, float | None, float | None]] = {}
    if plans:
        params = {
            "indicators": columns[0],
            "regions": columns[1],
            "weights": columns[2],
            "start": period_bounds(period)[0],
            "period": str(period),
        }
        for code, *sums in conn.execute(ROLLUP_QUERY, params).fetchall():
            found[code] = (sums[0], sums[1], sums[2], sums[3], sums[4])
    rollups = []
    for indicator, rule, below in plans:
        reported, total, weighted_reported, weighted_total, weights = found.get(
            indicator.code, (0, None, 0, None, None)
        )
        value: float | None = None
        if rule.method is RollupMethod.sum:
            value = total
        elif rule.method is RollupMethod.weighted_mean:
            reported = weighted_reported
            value = weighted_total / weights if weighted_total is not None and weights else None
        levels = {catalogue.regions[code].level.value for code in below}
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
