"""Issue 16 / 15.2: today's board read from the snapshot, paged and streamed; the snapshot equals the live engine;
/metrics within its cardinality budget whatever the catalogue; communes under their province."""

import csv
import io
import json
import random
from datetime import UTC, date, datetime
from typing import Any

import httpx
import orjson
import psycopg

from api.metrics import CARDINALITY_BUDGET, _add_indicators, _BoardFamilies, count_regions
from api.paging import encode_cursor
from bench.national import PROGRAMME, national_catalogue
from indicators.catalogue import Catalogue
from indicators.clock import period_bounds, vietnam_today
from indicators.commune_level import aggregated_regions
from indicators.judgement import evaluate_board
from indicators.periods import Frequency, Period
from indicators.status import Evaluation, Status
from ingest.board import (
    STATUS_ROW_COLUMNS,
    board_items,
    compute_board,
    judge_in_two_processes,
    judge_rows,
    refresh_snapshot,
    series_items,
)
from ingest.board_series import read_judged_series, read_series
from ingest.catalogue_store import load_catalogue_into, read_catalogue
from ingest.snapshot import count_snapshot, read_snapshot, snapshot_info
from ingest.status_item import encoded_item, evaluation_out
from tests.conftest import REPO
from tests.ingest_helpers import make_key, post_json

SMALL = {"provinces": 3, "communes": 12, "indicators": 4}


def _load_national(conn: psycopg.Connection[Any]) -> Catalogue:
    catalogue = national_catalogue(read_catalogue(conn), **SMALL)
    load_catalogue_into(conn, REPO / "indicators" / "catalogue", catalogue=catalogue)
    rng = random.Random(16)
    codes = [code for code, i in catalogue.indicators.items() if i.programme == PROGRAMME]
    with conn.cursor().copy(
        "COPY observations (indicator, region, period_start, period, revision, value, status, key_id) FROM STDIN"
    ) as copy:
        for year in (2023, 2024):
            for month in range(1, 13):
                period = Period(year, Frequency.month, month)
                for number, code in enumerate(codes, start=1):
                    for region in catalogue.indicators[code].regions:
                        if rng.random() < 0.8:  # some gaps, so that no-data and overdue appear
                            value = 40 + number + rng.uniform(-5, 5) + (year - 2023) * 3
                            copy.write_row(
                                (code, region, period_bounds(period)[0], str(period), 1, value, "official", "t")
                            )
    return read_catalogue(conn)


def test_the_snapshot_equals_the_live_engine_for_the_same_day(conn: psycopg.Connection[Any]) -> None:
    catalogue = _load_national(conn)
    as_of = date(2025, 2, 10)
    assert refresh_snapshot(conn, catalogue, as_of) > 48
    snapshot = {(e.indicator, e.region): e for e in read_snapshot(conn)}
    live = {(e.indicator, e.region): e for e in compute_board(conn, catalogue, as_of)}
    assert snapshot.keys() == live.keys()
    sample = random.Random(5).sample(sorted(live), 40)
    for key in sample:
        expected = live[key]
        got = snapshot[key]
        # period_target is not stored in the snapshot (no reader of it): everything shown is
        assert got == Evaluation(**{**_fields(expected), "period_target": None}), key
    assert len({e.status for e in live.values()}) >= 2  # the sample covers more than one status

    # A push's refresh finds its series without walking the board: the same items as the board's, filtered.
    series = read_series(conn, as_of)
    keys = set(random.Random(7).sample(sorted(live), 30)) | {(f"{PROGRAMME}.i001", "nowhere")}
    walked = [item for item in board_items(catalogue, series) if (item[0].code, item[1]) in keys]
    assert sorted(series_items(catalogue, series, keys), key=lambda i: (i[0].code, i[1])) == sorted(
        walked, key=lambda i: (i[0].code, i[1])
    )
    assert len(walked) == 30

    # /metrics counts the communes by SQL over the snapshot: the same counts as counting the live board in Python.
    by_sql = count_snapshot(conn, aggregated_regions(catalogue))
    assert by_sql == count_regions(catalogue, list(live.values()))[0]
    assert sum(c.series for c in by_sql) == len(live) - sum(1 for e in live.values() if e.region not in {
        r for r, region in catalogue.regions.items() if region.parent is not None and region.level.value == "commune"
    })  # fmt: skip
    assert any(c.overdue for c in by_sql) and len({c.status for c in by_sql}) >= 2


def test_a_refresh_judged_in_two_processes_writes_the_same_snapshot(conn: psycopg.Connection[Any], db_url: str) -> None:
    """The refresher's full refresh judges half the indicators in a spawned process: the same rows, in one write."""
    catalogue = _load_national(conn)
    as_of = date(2025, 2, 10)
    whole = judge_rows(conn, catalogue, as_of, 30)
    halves = judge_in_two_processes(conn, db_url, catalogue, as_of, 30)
    mine, theirs = ({row[0] for row in half.rows} for half in halves)
    assert mine and theirs and not mine & theirs  # each process judged whole indicators, none twice
    assert sorted(row for half in halves for row in half.rows) == sorted(whole.rows)
    assert {path for half in halves for path in half.paths} == whole.paths.keys()

    def board() -> list[tuple[Any, ...]]:
        columns = ", ".join(STATUS_ROW_COLUMNS)  # not computed_at, the moment of the write
        return conn.execute(f"SELECT {columns} FROM indicator_status ORDER BY indicator, region").fetchall()

    assert refresh_snapshot(conn, catalogue, as_of) == len(whole.rows)
    in_one = board()
    assert refresh_snapshot(conn, catalogue, as_of, database_url=db_url) == len(whole.rows)
    assert board() == in_one


def test_each_series_is_read_in_period_order_a_year_beside_its_months_too(conn: psycopg.Connection[Any]) -> None:
    catalogue = read_catalogue(conn)
    code = next(iter(catalogue.indicators))
    first, second = sorted(catalogue.regions)[:2]
    rows = [(first, "2023-12", 1), (first, "2023", 1), (first, "2023-11", 1), (first, "2023-11", 2),
            (second, "2024-01", 1), (second, "2023-12", 1)]  # fmt: skip
    with conn.cursor().copy(
        "COPY observations (indicator, region, period_start, period, revision, value, status, key_id) FROM STDIN"
    ) as copy:
        for region, text, revision in rows:
            start = period_bounds(Period.parse(text))[0]
            copy.write_row((code, region, start, text, revision, float(revision), "official", "t"))
    mixed = read_series(conn, date(2025, 1, 1), [code])
    assert [(str(o.period), o.revisions) for o in mixed[(code, first)]] == [("2023-11", 2), ("2023-12", 1), ("2023", 1)]
    assert [str(o.period) for o in mixed[(code, second)]] == ["2023-12", "2024-01"]
    months = read_series(conn, date(2025, 1, 1), [code], region=second)  # one frequency: the rows reversed
    assert [str(o.period) for o in months[(code, second)]] == ["2023-12", "2024-01"]


def _fields(evaluation: Evaluation) -> dict[str, Any]:
    return {name: getattr(evaluation, name) for name in Evaluation.__dataclass_fields__}


def test_the_stored_items_are_the_json_the_snapshot_columns_were_served_as(conn: psycopg.Connection[Any]) -> None:
    """indicator_status.item, encoded by the refresh, is byte for byte what /v1/status built from the row's columns
    before items were stored: orjson of evaluation_out of the row read back (numbers as float8 holds them, 100.0 for a
    catalogue's 100; instants with their offset; the previous outcome)."""
    catalogue = _load_national(conn)
    refresh_snapshot(conn, catalogue, date(2025, 2, 10))
    with conn.cursor(binary=True) as cur:
        rows = cur.execute("SELECT indicator, region, item FROM indicator_status").fetchall()
    stored = {(indicator, region): item for indicator, region, item in rows}
    assert stored == {(e.indicator, e.region): orjson.dumps(evaluation_out(e)) for e in read_snapshot(conn)}
    items = [orjson.loads(item) for item in stored.values()]
    assert any(isinstance(i["target"], float) and i["target"].is_integer() for i in items)
    assert any(i["previous"] for i in items) and any(i["last_recorded_at"] for i in items)


def test_a_stored_item_holds_its_numbers_as_the_float8_columns_did() -> None:
    """A whole number the engine left an int (a catalogue's 100) was served 100.0 once read back from float8."""
    e = Evaluation("i", "r", "2024", 100, 90, 90, 110, 120, Status.on_track, False, 1, 101, True, None, None)
    as_floats = Evaluation("i", "r", "2024", 100.0, 90.0, 90.0, 110.0, 120.0, Status.on_track, False, 1.0, 101.0,
                           True, None, None)  # fmt: skip
    assert encoded_item(e) == orjson.dumps(evaluation_out(as_floats))
    assert b'"target":120.0' in encoded_item(e)


def test_status_pages_streams_and_reads_today_from_the_snapshot(
    conn: psycopg.Connection[Any], client: httpx.Client, db_url: str
) -> None:
    catalogue = _load_national(conn)
    refresh_snapshot(conn, catalogue, vietnam_today())
    province = "p01"
    communes = [code for code, r in catalogue.regions.items() if r.parent == province]
    whole = client.get("/v1/status", params={"region": province}).json()
    assert whole["source"] == "snapshot" and whole["next"] is None
    assert {i["region"] for i in whole["items"]} == set(communes)  # a province's board is its communes'
    pages, cursor = [], None
    while True:
        page = client.get(
            "/v1/status", params={"region": province, "limit": 5, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200 and len(page.json()["items"]) <= 5
        pages.extend(page.json()["items"])
        cursor = page.json()["next"]
        if cursor is None:
            break
    assert pages == whole["items"]
    assert client.get("/v1/status", params={"cursor": "nonsense!"}).status_code == 400
    # The page's bytes are those of the body the route encoded from the snapshot's columns before items were stored.
    info = snapshot_info(conn)
    assert info is not None
    first = read_snapshot(conn, regions=[province, *communes], limit=8)
    assert client.get("/v1/status", params={"region": province, "limit": 7}).content == orjson.dumps({
        "as_of": info.as_of, "known_at": None, "source": "snapshot", "computed_at": info.computed_at,
        "items": [evaluation_out(e) for e in first[:7]], "next": encode_cursor([first[6].indicator, first[6].region]),
    })  # fmt: skip

    streamed = client.get("/v1/status", headers={"Accept": "application/x-ndjson"})
    assert streamed.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in streamed.text.splitlines()]
    # The stream and the JSON pages send the items the refresh encoded: the same items, as NDJSON before them.
    assert lines == client.get("/v1/status").json()["items"] and len(lines) >= 48
    assert streamed.content == b"".join(orjson.dumps(evaluation_out(e)) + b"\n" for e in read_snapshot(conn))
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/status", params={"format": "csv"}).text)))
    assert [(r["indicator"], r["region"]) for r in rows] == [(i["indicator"], i["region"]) for i in lines]
    for row, item in zip(rows, lines, strict=True):  # written by PostgreSQL: the same values as text
        assert (row["status"], row["status_vi"]) == (item["status"], item["status_vi"])
        assert row["report_overdue"] == str(item["report_overdue"]).lower()
        assert (float(row["target"]) if row["target"] else None) == item["target"]

    # A push is visible at once (its series rewritten before it answers); a past day is judged live.
    code, commune = f"{PROGRAMME}.i001", communes[0]
    assert post_json(client, make_key(db_url, regions=[province]), [
        {"indicator": code, "region": commune, "period": "2024-12", "value": 77.5}
    ]).status_code == 200  # fmt: skip
    item = next(
        i for i in client.get("/v1/status", params={"region": commune}).json()["items"] if i["indicator"] == code
    )
    assert item["actual"] == 77.5
    past = client.get("/v1/status", params={"region": commune, "as_of": "2024-06-30"}).json()
    assert past["source"] == "live" and past["computed_at"] is None


def test_a_key_of_a_province_writes_its_communes_and_no_other(
    conn: psycopg.Connection[Any], client: httpx.Client, db_url: str
) -> None:
    catalogue = _load_national(conn)
    token = make_key(db_url, regions=["p01"])
    mine = next(c for c, r in catalogue.regions.items() if r.parent == "p01")
    other = next(c for c, r in catalogue.regions.items() if r.parent == "p02")
    row = {"indicator": f"{PROGRAMME}.i002", "period": "2025-01", "value": 50}
    assert post_json(client, token, [{**row, "region": mine}]).status_code == 200
    assert post_json(client, token, [{**row, "region": other}]).status_code == 403


def test_metrics_stay_within_the_cardinality_budget_whatever_the_catalogue(conn: psycopg.Connection[Any]) -> None:
    base = read_catalogue(conn)
    national = national_catalogue(base, 34, 3321, 100)
    statuses = list(Status)
    evaluations = [
        _evaluation(code, region, statuses[n % len(statuses)])
        for n, (code, region) in enumerate(
            (code, region)
            for code, i in national.indicators.items()
            if i.programme == PROGRAMME
            for region in i.regions
        )
    ]
    assert len(evaluations) == 332_100
    families = _BoardFamilies()
    _add_indicators(families, national, *count_regions(national, evaluations))
    exported = sum(len(family.samples) for family in families)
    assert exported <= CARDINALITY_BUDGET
    counts = {
        s.labels["status"]: s.value
        for s in families.region_status.samples
        if s.labels["indicator"] == f"{PROGRAMME}.i001" and s.labels["province"] == "p01"
    }
    assert sum(counts.values()) == sum(1 for r in national.regions.values() if r.parent == "p01")
    assert families.over_budget.samples[0].value == 0

    # Province-level series beyond the budget (a catalogue of 10,000 regions each reported on its own) are cut, and said.
    many = [
        _evaluation(f"{PROGRAMME}.i{n % 100 + 1:03d}", f"p{n % 34 + 1:02d}", Status.on_track) for n in range(10_000)
    ]
    families = _BoardFamilies()
    _add_indicators(families, national, *count_regions(national, many))
    assert sum(len(family.samples) for family in families) <= CARDINALITY_BUDGET
    assert families.over_budget.samples[0].value > 0


def _evaluation(indicator: str, region: str, status: Status) -> Evaluation:
    return Evaluation(
        indicator, region, "2025-01", 1.0, 1.0, 1.0, 1.0, 2.0, status, False, 0.5, None, None, None,
        datetime(2025, 2, 1, tzinfo=UTC),
    )  # fmt: skip


def test_the_refresh_reads_only_the_judgement_window_and_judges_as_the_whole_history(
    conn: psycopg.Connection[Any],
) -> None:
    """Ten years of months: the refresh reads each indicator's window (indicators/window.py), plus the older periods
    of the series whose judgement reaches before it (stopped reporting, long gaps), and judges exactly as live."""
    catalogue = national_catalogue(read_catalogue(conn), **SMALL)
    load_catalogue_into(conn, REPO / "indicators" / "catalogue", catalogue=catalogue)
    rng = random.Random(161)
    regular: set[tuple[str, str]] = set()
    codes = [code for code, i in catalogue.indicators.items() if i.programme == PROGRAMME]
    with conn.cursor().copy(
        "COPY observations (indicator, region, period_start, period, revision, value, status, key_id) FROM STDIN"
    ) as copy:
        for number, code in enumerate(codes, start=1):
            for position, region in enumerate(catalogue.indicators[code].regions):
                # Most report every month; some stopped in 2019, some have a gap of years, some report rarely.
                if position % 5 in (0, 4):
                    regular.add((code, region))
                last_year = 2019 if position % 5 == 1 else 2025
                gap = range(2021, 2025) if position % 5 == 2 else range(0)
                for year in range(2015, last_year + 1):
                    for month in range(1, 13):
                        if year in gap or (position % 5 == 3 and rng.random() < 0.8):
                            continue
                        period = Period(year, Frequency.month, month)
                        value = 40 + number + rng.uniform(-5, 5) + (year - 2015) * 2
                        start = period_bounds(period)[0]
                        copy.write_row((code, region, start, str(period), 1, value, "official", "t"))
                        if rng.random() < 0.05:  # a revision
                            copy.write_row((code, region, start, str(period), 2, value + 1, "official", "t"))
    catalogue = read_catalogue(conn)
    for as_of in (date(2025, 2, 10), date(2025, 12, 31), date(2026, 11, 30), date(2020, 6, 1)):
        whole = read_series(conn, as_of)
        windowed = read_judged_series(conn, catalogue, as_of, known_keys=set(whole))
        live = evaluate_board(board_items(catalogue, whole), as_of)
        judged = evaluate_board(board_items(catalogue, windowed), as_of)
        assert judged == live, as_of
        assert len({e.status for e in live}) >= 2
        read_whole = sum(len(whole[key]) for key in regular)
        read_windowed = sum(len(windowed[key]) for key in regular)
        if as_of.year >= 2025:  # a regular series: months to two years of eleven (and the baseline)
            assert read_windowed < read_whole / 4, (as_of, read_windowed, read_whole)
        # A push's few series are read the same way.
        keys = set(random.Random(as_of.toordinal()).sample(sorted(whole), 12))
        few = read_judged_series(conn, catalogue, as_of, keys)
        assert evaluate_board(series_items(catalogue, few, keys), as_of) == evaluate_board(
            series_items(catalogue, whole, keys), as_of
        )
    as_of = date(2025, 12, 31)
    live = compute_board(conn, catalogue, as_of)
    assert refresh_snapshot(conn, catalogue, as_of) == len(live)
    snapshot = {(e.indicator, e.region): e for e in read_snapshot(conn)}
    for expected in live:
        assert snapshot[(expected.indicator, expected.region)] == Evaluation(
            **{**_fields(expected), "period_target": None}
        )


def test_the_window_judges_every_kind_of_indicator_as_the_whole_history(conn: psycopg.Connection[Any]) -> None:
    """The bundled catalogue's indicators (changes on the previous year, average growth, flows summed over the year,
    quarters and years): a history from 2014 with gaps and a stopped series, judged windowed and whole alike."""
    catalogue = read_catalogue(conn)
    rng = random.Random(1615)
    with conn.cursor().copy(
        "COPY observations (indicator, region, period_start, period, revision, value, status, key_id) FROM STDIN"
    ) as copy:
        for code, indicator in catalogue.indicators.items():
            for position, region in enumerate(catalogue.regions_of(indicator)):
                period = Period(2014, indicator.frequency, 1)
                while period.year <= (2021 if position % 3 == 1 else 2026):
                    if rng.random() < (0.5 if position % 3 == 2 else 0.95):
                        value = rng.uniform(1, 100)
                        copy.write_row((code, region, period_bounds(period)[0], str(period), 1, value, "official", "t"))
                    period = period.next()
    judged_differently = []
    for as_of in (date(2022, 3, 31), date(2024, 7, 15), date(2025, 12, 31), date(2026, 11, 30)):
        whole = read_series(conn, as_of)
        windowed = read_judged_series(conn, catalogue, as_of, known_keys=set(whole))
        live = evaluate_board(board_items(catalogue, whole), as_of)
        judged = evaluate_board(board_items(catalogue, windowed), as_of)
        judged_differently += [(as_of, a, b) for a, b in zip(live, judged, strict=True) if a != b]
        assert sum(map(len, windowed.values())) < sum(map(len, whole.values()))
    assert judged_differently == []
