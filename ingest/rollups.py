"""Roll-ups read from the observations: for a region and a period, each indicator's values in the regions below it
summed or averaged by its weight in SQL, with how many of those regions reported (the rule: indicators/rollup.py)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

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


# Each indicator's latest values of the period are read from the observations' primary key (indicator, region,
# period_start, period, revision), the latest revision of each region kept. Regions are ordered and grouped bytewise
# (COLLATE "C": the same regions as the database's collation tells apart, sorted without its locale rules, several
# times faster). One query per list of regions below (most indicators share one) and per method, the list sent as a
# constant. A probe per (indicator, region) instead cost 0,05 ms of executor set-up each: 9 s for the country's
# 249.075.
REGION_TESTS = {
    # A few of the regions the indicator is followed in (a province's communes of the country's): one descent of the
    # index each.
    "descents": sql.SQL("o.region = ANY (%(regions)s::text[])"),
    # Most of them (the country's): the indicator's whole range of the period, each row's region looked up in the list,
    # which PostgreSQL hashes once as a constant; `IS TRUE` keeps the test out of the index condition (descents).
    "range": sql.SQL("(o.region = ANY (%(regions)s::text[])) IS TRUE"),
}

SUM_QUERY = sql.SQL(
    """
SELECT w.indicator, r.reported, r.total
FROM unnest(%(indicators)s::text[]) AS w(indicator)
CROSS JOIN LATERAL (
    SELECT count(*)::int AS reported, sum(latest.value) AS total
    FROM (
        SELECT DISTINCT ON (o.region COLLATE "C") o.value
        FROM observations o
        WHERE o.indicator = w.indicator AND {region_test} AND o.period_start = %(start)s AND o.period = %(period)s
        ORDER BY o.region COLLATE "C", o.revision DESC
    ) latest
) r
"""
)

# A weighted mean: each weight's latest values read once (one weight, such as the population, serves many indicators),
# then merged with each indicator's and paired by region (an aggregate, no join whose plan row estimates could spoil):
# a region counts when it reported both.
WEIGHTED_MEAN_QUERY = sql.SQL(
    """
WITH weights AS MATERIALIZED (
    SELECT DISTINCT ON (o.indicator, o.region COLLATE "C") o.indicator, o.region, o.value
    FROM observations o
    WHERE o.indicator = ANY (%(distinct_weights)s::text[]) AND {region_test}
      AND o.period_start = %(start)s AND o.period = %(period)s
    ORDER BY o.indicator, o.region COLLATE "C", o.revision DESC
)
SELECT w.indicator, r.reported, r.weighted_total, r.weights
FROM unnest(%(indicators)s::text[], %(weights)s::text[]) AS w(indicator, weight)
CROSS JOIN LATERAL (
    SELECT count(*)::int AS reported, sum(pair.value * pair.weight) AS weighted_total, sum(pair.weight) AS weights
    FROM (
        SELECT max(latest.value) FILTER (WHERE NOT latest.is_weight) AS value,
               max(latest.value) FILTER (WHERE latest.is_weight) AS weight
        FROM (
            (SELECT DISTINCT ON (o.region COLLATE "C") o.region, o.value, false AS is_weight
            FROM observations o
            WHERE o.indicator = w.indicator AND {region_test} AND o.period_start = %(start)s AND o.period = %(period)s
            ORDER BY o.region COLLATE "C", o.revision DESC)
            UNION ALL
            SELECT weights.region, weights.value, true FROM weights WHERE weights.indicator = w.weight
        ) latest
        GROUP BY latest.region COLLATE "C"
    ) pair
    WHERE pair.value IS NOT NULL AND pair.weight IS NOT NULL
) r
"""
)


@dataclass(frozen=True, slots=True)
class _Hierarchy:
    children: dict[str, list[str]]  # region -> its direct sub-regions
    followed: dict[str, list[str]]  # region -> the indicators followed there
    levels: dict[str, str]  # region -> its level
    below: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # the last regions' contributing_regions

    def contributing(self, region: str) -> dict[str, list[str]]:
        """For each indicator, its regions read by the roll-up into `region` (the country's: 332.100 pairs to walk,
        60 ms, kept for the next request of it)."""
        found = self.below.get(region)
        if found is None:
            found = contributing_regions(self.children, self.followed, region)
            if len(self.below) >= 64:
                self.below.clear()  # at once: requests run in threads
            self.below[region] = found
        return found


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
    below_region = hierarchy.contributing(region)
    plans: list[tuple[Indicator, RollupRule, list[str]]] = []
    for indicator in indicators:
        below = below_region.get(indicator.code)
        if below and indicator.frequency is period.frequency:
            plans.append((indicator, rollup_rule(indicator), below))
    reads: dict[tuple[str, tuple[str, ...]], list[tuple[Indicator, RollupRule]]] = {}  # (region test, regions below)
    for indicator, rule, below in plans:
        if rule.method is not RollupMethod.none:  # nothing to read: no value, whoever reported
            reads.setdefault((region_test_of(catalogue, indicator, below), tuple(below)), []).append((indicator, rule))
    sums: dict[str, tuple[Any, ...]] = {}
    means: dict[str, tuple[Any, ...]] = {}
    with conn.transaction():
        conn.execute("SET LOCAL jit = off")  # compiling costs more than the query's index reads save
        for (test, regions), read in reads.items():
            params: dict[str, Any] = {
                "regions": list(regions),
                "start": period_bounds(period)[0],
                "period": str(period),
            }
            summed = [indicator.code for indicator, rule in read if rule.method is RollupMethod.sum]
            weighted = [(indicator.code, rule.weight) for indicator, rule in read if rule.weight is not None]
            if summed:
                query = SUM_QUERY.format(region_test=REGION_TESTS[test])
                sums |= _read(conn, query, params | {"indicators": summed})
            if weighted:
                query = WEIGHTED_MEAN_QUERY.format(region_test=REGION_TESTS[test])
                codes, weights = [code for code, _ in weighted], [weight for _, weight in weighted]
                once = sorted(set(weights))
                means |= _read(
                    conn, query, params | {"indicators": codes, "weights": weights, "distinct_weights": once}
                )
    rollups = []
    for indicator, rule, below in plans:
        reported: int | None = None  # none: nothing read, whoever reported
        value: float | None = None
        if rule.method is RollupMethod.sum:
            reported, value = sums[indicator.code]
        elif rule.method is RollupMethod.weighted_mean:
            reported, weighted_total, weights = means[indicator.code]
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


def region_test_of(catalogue: Catalogue, indicator: Indicator, below: list[str]) -> str:
    """How the indicator's regions below are found (REGION_TESTS): a descent of the index each when they are fewer than
    a third of the regions it is followed in, else its whole range. Measured at national size (25 monthly indicators,
    24 months, a loaded machine): for the country's 3.321 communes descending cost 2,3 times the range (0,57 against
    0,25 s of PostgreSQL's CPU); for a province's 98, a sixteenth of it (0,01 against 0,16 s)."""
    return "descents" if len(below) * 3 < len(catalogue.regions_of(indicator)) else "range"


def _read(conn: psycopg.Connection[Any], query: sql.Composed, params: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    """Each indicator's row of `query`: its code, then its sums. Never prepared: a generic plan would see the list of
    regions as a parameter, not a constant PostgreSQL can hash."""
    rows = conn.cursor(binary=True).execute(query, params, prepare=False).fetchall()
    return {code: tuple(sums) for code, *sums in rows}
