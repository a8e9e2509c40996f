"""The snapshot's communes and districts counted by indicator, province and status (status_counts), written by the
refresh in the transaction of the snapshot, so that /metrics reads a few thousand counts instead of grouping the
nation's 332,100 series on every read (indicators/commune_level.py says which regions are counted)."""

from collections.abc import Collection, Mapping
from typing import Any

import psycopg

from indicators.catalogue import Catalogue
from indicators.commune_level import aggregated_regions

_COUNT = (
    "INSERT INTO status_counts (indicator, province, status, series, overdue)"
    " SELECT s.indicator, m.province, s.status, count(*), count(*) FILTER (WHERE s.report_overdue)"
    " FROM indicator_status s JOIN unnest(%(regions)s::text[], %(provinces)s::text[]) AS m (region, province)"
    " USING (region)"
)
_GROUP = " GROUP BY s.indicator, m.province, s.status"


def write_all_counts(conn: psycopg.Connection[Any], catalogue: Catalogue) -> None:
    """Recount the whole snapshot: one INSERT ... SELECT GROUP BY after a full refresh's COPY."""
    province_of = aggregated_regions(catalogue)
    conn.execute("DELETE FROM status_counts")
    if province_of:
        conn.execute(_COUNT + _GROUP, _mapping(province_of))


def write_touched_counts(
    conn: psycopg.Connection[Any], catalogue: Catalogue, touched: Collection[tuple[str, str]]
) -> None:
    """Recount the (indicator, province) pairs of the series a partial refresh rewrote (indicator, region): only the
    regions under those provinces are read again."""
    province_of = aggregated_regions(catalogue)
    pairs = sorted({(indicator, province_of[region]) for indicator, region in touched if region in province_of})
    if not pairs:
        return
    provinces = {province for _, province in pairs}
    params: dict[str, Any] = {
        **_mapping({region: province for region, province in province_of.items() if province in provinces}),
        "pair_indicators": [indicator for indicator, _ in pairs],
        "pair_provinces": [province for _, province in pairs],
    }
    conn.execute(
        "DELETE FROM status_counts WHERE (indicator, province) IN"
        " (SELECT * FROM unnest(%(pair_indicators)s::text[], %(pair_provinces)s::text[]))",
        params,
    )
    touched_pairs = (
        " WHERE (s.indicator, m.province) IN"
        " (SELECT * FROM unnest(%(pair_indicators)s::text[], %(pair_provinces)s::text[]))"
    )
    conn.execute(_COUNT + touched_pairs + _GROUP, params)


def _mapping(province_of: Mapping[str, str]) -> dict[str, list[str]]:
    return {"regions": list(province_of), "provinces": list(province_of.values())}
