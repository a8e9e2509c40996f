"""The region set of each write (submissions.region_set, migration 0018): written by every write path, and the offices
panel of the data-timeliness dashboard, which groups the writes by it, counts what grouping them by their region
arrays counted."""

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import openpyxl
import psycopg

from bench import national_load
from dashboards.grafana.sql import table
from dashboards.grafana.timeliness import OFFICES, PROGRAMME_FILTER
from indicators.periods import Frequency, Period
from ingest.catalogue_store import CatalogueCache
from ingest.database import connect
from ingest.keys import authenticate, create_key
from ingest.observations import ingest_batch
from ingest.submissions import rebuild_submissions
from ingest.validation import RowValidator
from tests.grafana_macros import Variable
from tests.ingest_helpers import make_key, post_csv, post_json
from tests.test_dashboards_queries import read_only_url, run

GRDP = "dthap-2023.grdp_growth"  # quarterly
PARTY_MEMBERS = "qngai-2024.new_party_members"  # yearly, in Quảng Ngãi and its parts
HA_TINH = "htinh-nq26.grdp_growth"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The panel's query before migration 0018: the writes grouped by key and region array, the totals read a second time.
ARRAY_GROUPING = table(
    f"""
WITH sets AS (
    SELECT s.key_id, s.regions
    FROM submissions s
    JOIN indicators i ON i.code = s.indicator
    WHERE {PROGRAMME_FILTER} AND $__timeFilter(s.recorded_at)
    GROUP BY s.key_id, s.regions),
reached AS (
    SELECT coalesce(k.office, sets.key_id) AS office, count(DISTINCT region) AS regions
    FROM sets
    LEFT JOIN api_keys k ON k.id = sets.key_id
    CROSS JOIN LATERAL unnest(sets.regions) AS region
    GROUP BY 1),
totals AS (
    SELECT coalesce(k.office, s.key_id) AS office, count(DISTINCT s.indicator) AS indicators, sum(s.rows) AS rows,
           max(s.recorded_at) AS last_sent
    FROM submissions s
    JOIN indicators i ON i.code = s.indicator
    LEFT JOIN api_keys k ON k.id = s.key_id
    WHERE {PROGRAMME_FILTER} AND $__timeFilter(s.recorded_at)
    GROUP BY 1)
SELECT totals.office AS "Đơn vị báo cáo", totals.indicators AS "Số chỉ tiêu", reached.regions AS "Số địa bàn",
       totals.rows AS "Số bản ghi", totals.last_sent AS "Gửi lần cuối"
FROM totals
JOIN reached ON reached.office = totals.office
ORDER BY "Gửi lần cuối" DESC
""",
    *OFFICES.columns,
)


def written(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT recorded_at, key_id, indicator, rows, regions, region_set FROM submissions ORDER BY 1, 2, 3"
    ).fetchall()


def assert_sets_keyed(conn: psycopg.Connection[Any]) -> None:
    """Every row carries its set's key: the same for the same regions, different for different ones."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE region_set IS DISTINCT FROM hash_array_extended(regions, 0)),"
        " count(DISTINCT regions), count(DISTINCT region_set), count(DISTINCT (regions, region_set)) FROM submissions"
    ).fetchone()
    assert row is not None
    unkeyed, sets, keys, pairs = row
    assert unkeyed == 0
    assert sets == keys == pairs


def workbook(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_every_write_path_writes_the_region_set(
    client: httpx.Client, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    token = make_key(db_url)
    members = {"indicator": PARTY_MEMBERS, "period": "2023", "value": 1967}
    new_rows = [{**members, "region": "quang_ngai"}, {**members, "region": "quang_ngai.mien_nui"},
                {"indicator": GRDP, "region": "dong_thap", "period": "2023-Q1", "value": 6.1}]  # fmt: skip
    assert post_json(client, token, new_rows).json()["imported"] == 3  # new keys: the direct path
    revised = [{**members, "region": "quang_ngai", "value": 1970}]
    assert post_json(client, token, revised).json()["updated"] == 1  # a stored key: the staged path
    csv = f"indicator;region;period;value\n{GRDP};dong_thap;2023-Q2;6,4\n"
    assert post_csv(client, token, csv).json()["imported"] == 1
    book = workbook([["indicator", "region", "period", "value"], [PARTY_MEMBERS, "quang_ngai.mien_nui", "2024", 2001]])
    headers = {"Authorization": f"Bearer {token}", "Content-Type": XLSX}
    assert client.post("/v1/observations", content=book, headers=headers).json()["imported"] == 1

    # Two batches in one transaction: the second adds its region to the first's row (ON CONFLICT ... DO UPDATE).
    key = authenticate(conn, token)
    assert key is not None
    catalogue = CatalogueCache().current(conn)
    with conn.transaction():
        for number, region in enumerate(["quang_ngai", "quang_ngai.mien_nui"], start=2):
            rows = [(number, {**members, "period": "2022", "region": region})]
            assert ingest_batch(conn, rows, RowValidator(catalogue, key), key_id=key.id).imported == 1
    latest = conn.execute("SELECT rows, regions FROM submissions ORDER BY recorded_at DESC LIMIT 1").fetchone()
    assert latest == (2, ["quang_ngai", "quang_ngai.mien_nui"])

    before = written(conn)
    assert len(before) == 6
    assert len({row[5] for row in before}) == 4  # {quang_ngai, its part}, {dong_thap}, {quang_ngai}, {its part}
    assert_sets_keyed(conn)
    assert rebuild_submissions(conn) == len(before)
    assert written(conn) == before


def test_the_bench_loader_writes_the_region_set(conn: psycopg.Connection[Any]) -> None:
    writers = [
        national_load.Writer("dong_thap", "bench-a", ("dong_thap",)),
        national_load.Writer("quang_ngai", "bench-b", ("quang_ngai", "quang_ngai.mien_nui")),
    ]
    months = [Period(2023, Frequency.month, month) for month in (1, 2)]
    assert national_load.write_submissions(conn, [(1, GRDP), (2, PARTY_MEMBERS)], writers, months) == 8
    assert_sets_keyed(conn)
    sets = conn.execute("SELECT key_id, count(DISTINCT region_set) FROM submissions GROUP BY 1 ORDER BY 1").fetchall()
    assert sets == [("bench-a", 1), ("bench-b", 1)]


# (hours after START, key, indicator, regions): two keys of one office, a key without an API key behind it, and
# sets that overlap, repeat and differ between programmes and over time.
START = datetime(2025, 1, 1, tzinfo=UTC)
WRITES = [
    (0, "a", GRDP, ["dong_thap"]),
    (0, "a", PARTY_MEMBERS, ["quang_ngai", "quang_ngai.mien_nui"]),
    (24, "a", GRDP, ["dong_thap"]),
    (48, "b", PARTY_MEMBERS, ["quang_ngai.mien_nui"]),
    (48, "b", GRDP, ["dong_thap", "quang_ngai"]),
    (72, "cli:tester", PARTY_MEMBERS, ["quang_ngai"]),
    (96, "cli:tester", HA_TINH, ["ha_tinh"]),
    (120, "h", HA_TINH, ["ha_tinh", "ha_tinh.cam_xuyen"]),
    (144, "h", HA_TINH, ["ha_tinh"]),
]


def test_the_offices_panel_counts_what_grouping_the_region_arrays_counted(
    db_url: str, conn: psycopg.Connection[Any]
) -> None:
    keys = {"cli:tester": "cli:tester"}
    for name, office in [("a", "Sở A"), ("b", "Sở A"), ("h", "Sở H")]:
        keys[name], _ = create_key(conn, office=office, regions=["*"], programmes=["*"])
    for hours, key, indicator, regions in WRITES:
        conn.execute(
            "INSERT INTO submissions (recorded_at, key_id, indicator, rows, regions) VALUES (%s, %s, %s, %s, %s)",
            [START + timedelta(hours=hours), keys[key], indicator, len(regions) + hours, regions],
        )
    everything = (START - timedelta(days=1), START + timedelta(days=30))
    all_programmes = {"programme": Variable.several("dthap-2023", "qngai-2024", "htinh-nq26")}
    with connect(read_only_url(db_url)) as grafana:
        expected = [  # rows: each write's regions plus its hour
            ("Sở H", 1, 2, 122 + 145, START + timedelta(hours=144)),
            ("cli:tester", 2, 2, 73 + 97, START + timedelta(hours=96)),
            ("Sở A", 2, 3, 1 + 2 + 25 + 49 + 50, START + timedelta(hours=48)),
        ]
        assert run(grafana, OFFICES, all_programmes, everything) == expected
        for time_range in [everything, (START + timedelta(hours=24), START + timedelta(hours=100))]:
            for programmes in [("dthap-2023",), ("qngai-2024", "htinh-nq26"), ("dthap-2023", "qngai-2024")]:
                variables = {"programme": Variable.several(*programmes)}
                counted = run(grafana, OFFICES, variables, time_range)
                assert counted == run(grafana, ARRAY_GROUPING, variables, time_range), (time_range, programmes)
