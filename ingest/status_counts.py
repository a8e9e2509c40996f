"""The snapshot's communes and districts counted by indicator, province and status (status_counts), written by the
refresh in the transaction of the snapshot, so that /metrics and the overview dashboards read a few thousand counts
instead of grouping the nation's 332,100 series on every read (indicators/commune_level.py says which regions are
counted). The regions counted and their province are stored beside the counts (counted_regions, rewritten by a full
refresh): the counts are always the snapshot grouped by it, which the dashboards rely on."""

from collections.abc import Collection
from typing import Any

import psycopg

from indicators.catalogue import Catalogue
from indicators.commune_level import aggregated_regions

_COUNT = (
    "INSERT INTO status_counts (indicator, province, status, series, overdue, as_of)"
    " SELECT s.indicator, c.province, s.status, count(*), count(*) FILTER (WHERE s.report_overdue), max(s.as_of)"
)
_GROUP = " GROUP BY s.indicator, c.province, s.status"
# The rows of the (indicator, province) pairs of the series touched (indicator, region): what a partial refresh
# recounts, each read by its key (OFFSET 0: as a join, the planner read the whole snapshot, 0,4 s at national scale).
_TOUCHED_ROWS = (
    " FROM (SELECT DISTINCT t.indicator, c.province FROM unnest(%(indicators)s::text[], %(regions)s::text[])"
    " AS t (indicator, region) JOIN counted_regions c USING (region)) AS p"
    " JOIN counted_regions c ON c.province = p.province"
    " CROSS JOIN LATERAL (SELECT s.indicator, s.status, s.report_overdue, s.as_of FROM indicator_status s"
    " WHERE s.indicator = p.indicator AND s.region = c.region OFFSET 0) AS s"
)


def write_all_counts(conn: psycopg.Connection[Any], catalogue: Catalogue) -> None:
    """Store the regions counted, then recount the whole snapshot: one INSERT ... SELECT GROUP BY after a full
    refresh's COPY."""
    province_of = aggregated_regions(catalogue)
    conn.execute("DELETE FROM counted_regions")
    conn.execute(
        "INSERT INTO counted_regions (region, province) SELECT * FROM unnest(%s::text[], %s::text[])",
        [list(province_of), list(province_of.values())],
    )
    conn.execute("DELETE FROM status_counts")
    conn.execute(_COUNT + " FROM indicator_status s JOIN counted_regions c USING (region)" + _GROUP)


def write_touched_counts(conn: psycopg.Connection[Any], touched: Collection[tuple[str, str]]) -> None:
    """Recount the (indicator, province) pairs of the series a partial refresh rewrote (indicator, region): only the
    regions under those provinces are read again."""
    params = {"indicators": [indicator for indicator, _ in touched], "regions": [region for _, region in touched]}
    conn.execute(
        "DELETE FROM status_counts WHERE (indicator, province) IN (SELECT t.indicator, c.province"
        " FROM unnest(%(indicators)s::text[], %(regions)s::text[]) AS t (indicator, region)"
        " JOIN counted_regions c USING (region))",
        params,
    )
    conn.execute(_COUNT + _TOUCHED_ROWS + _GROUP, params)
