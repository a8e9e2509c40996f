"""Issue 16: the snapshot written without foreign keys (the catalogue load deletes what the cascade did), and the
communes' counts (status_counts) written beside it equal to grouping the snapshot, after a full and a partial
refresh."""

import random
from dataclasses import replace
from datetime import date
from typing import Any

import psycopg

from bench.national import PROGRAMME, national_catalogue
from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.commune_level import aggregated_regions
from indicators.periods import Frequency, Period
from ingest.board import refresh_snapshot
from ingest.catalogue_store import load_catalogue_into, read_catalogue
from ingest.migrate import migrate
from ingest.snapshot import count_snapshot
from tests.conftest import REPO

AS_OF = date(2025, 2, 10)
COUNTS = "SELECT indicator, province, status, series, overdue FROM status_counts ORDER BY 1, 2, 3"


def _load(conn: psycopg.Connection[Any], with_data: int) -> Catalogue:
    """A small national catalogue, observations for its first `with_data` indicators (some gaps)."""
    catalogue = national_catalogue(read_catalogue(conn), provinces=3, communes=12, indicators=3)
    load_catalogue_into(conn, REPO / "indicators" / "catalogue", catalogue=catalogue)
    rng = random.Random(16)
    codes = [code for code, i in catalogue.indicators.items() if i.programme == PROGRAMME][:with_data]
    with conn.cursor().copy(
        "COPY observations (indicator, region, period_start, period, revision, value, status, key_id) FROM STDIN"
    ) as copy:
        for month in range(1, 13):
            period = Period(2024, Frequency.month, month)
            for number, code in enumerate(codes, start=1):
                for region in catalogue.indicators[code].regions:
                    if rng.random() < 0.7:
                        copy.write_row((code, region, period_bounds(period)[0], str(period), 1, 40.0 + number + month,
                                        "official", "t"))  # fmt: skip
    return read_catalogue(conn)


def _grouped(conn: psycopg.Connection[Any], catalogue: Catalogue) -> list[tuple[Any, ...]]:
    """The counts grouped from the snapshot itself, as count_snapshot did before the count table."""
    province_of = aggregated_regions(catalogue)
    return conn.execute(
        "SELECT s.indicator, m.province, s.status, count(*)::int, count(*) FILTER (WHERE s.report_overdue)::int"
        " FROM indicator_status s JOIN unnest(%s::text[], %s::text[]) AS m (region, province) USING (region)"
        " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        [list(province_of), list(province_of.values())],
    ).fetchall()


def test_the_counts_equal_the_snapshot_grouped_after_a_full_and_a_partial_refresh(
    conn: psycopg.Connection[Any],
) -> None:
    catalogue = _load(conn, with_data=3)
    refresh_snapshot(conn, catalogue, AS_OF)
    counts = conn.execute(COUNTS).fetchall()
    assert counts == _grouped(conn, catalogue)
    assert len({row[2] for row in counts}) >= 2 and any(row[4] for row in counts)  # statuses and overdue to count
    read = count_snapshot(conn, aggregated_regions(catalogue))
    assert [(c.indicator, c.province, c.status, c.series, c.overdue) for c in read] == counts

    # New reports for some communes of one province: a partial refresh recounts that province, and only it moves.
    code = f"{PROGRAMME}.i001"
    province_of = aggregated_regions(catalogue)
    province = sorted(set(province_of.values()))[0]
    communes = sorted(region for region, p in province_of.items() if p == province)[:5]
    start, _ = period_bounds(Period(2025, Frequency.month, 1))
    conn.cursor().executemany(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
        " VALUES (%s, %s, %s, '2025-01', 1, 1000, 'official', 't')",
        [(code, region, start) for region in communes],
    )
    refresh_snapshot(conn, catalogue, AS_OF, only=[(code, region) for region in communes])
    after = conn.execute(COUNTS).fetchall()
    assert after == _grouped(conn, catalogue)
    assert after != counts
    assert {row for row in after if row[:2] != (code, province)} == {
        row for row in counts if row[:2] != (code, province)
    }


def test_the_snapshot_has_no_foreign_keys_and_a_deleted_indicator_leaves_no_rows(
    conn: psycopg.Connection[Any],
) -> None:
    catalogue = _load(conn, with_data=2)  # the third indicator has no observations: a load may delete it
    refresh_snapshot(conn, catalogue, AS_OF)
    assert conn.execute(
        "SELECT count(*) FROM pg_constraint WHERE conrelid = 'indicator_status'::regclass AND contype = 'f'"
    ).fetchone() == (0,)
    gone = f"{PROGRAMME}.i003"
    for table in ("indicator_status", "status_counts"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE indicator = %s", [gone]).fetchone() != (0,)

    smaller = replace(catalogue, indicators={c: i for c, i in catalogue.indicators.items() if c != gone})
    smaller.digest = catalogue.digest + ":without i003"
    assert load_catalogue_into(conn, REPO / "indicators" / "catalogue", catalogue=smaller).deleted == [gone]
    for table in ("indicator_status", "status_counts"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE indicator = %s", [gone]).fetchone() == (0,), table
    kept = f"{PROGRAMME}.i001"
    assert conn.execute("SELECT count(*) FROM indicator_status WHERE indicator = %s", [kept]).fetchone() == (
        len(catalogue.regions_of(catalogue.indicators[kept])),
    )  # the others' rows stay


def test_upgrading_to_stored_items_empties_the_counts_with_the_snapshot(conn: psycopg.Connection[Any]) -> None:
    """Migration 0020 empties the snapshot (its rows have no stored item); the counts of its communes must go with
    it, or /metrics and the overview would count rows that no longer exist until the next full refresh."""
    catalogue = _load(conn, with_data=2)
    refresh_snapshot(conn, catalogue, AS_OF)
    conn.execute("ALTER TABLE indicator_status DROP COLUMN item")  # the database as 0019 left it
    conn.execute("DELETE FROM schema_migrations WHERE version = 20")
    assert [m.version for m in migrate(conn)] == [20]
    for table in ("snapshot_refreshes", "indicator_status", "status_counts"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    refresh_snapshot(conn, catalogue, AS_OF)
    assert conn.execute(COUNTS).fetchall() == _grouped(conn, catalogue)
