"""The ingestion API over real HTTP on the real TimescaleDB: validation, idempotency, revisions, scope, limits."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from ingest.database import connect
from ingest.keys import revoke_key
from ingest.migrate import migrate
from ingest.submissions import rebuild_submissions
from tests.conftest import ServerThread, settings_for
from tests.ingest_helpers import make_key, post_csv, post_json

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
GRDP = "dthap-2023.grdp_growth"  # quarterly, percent_change
BUDGET = "dthap-2023.budget_revenue"  # quarterly flow, billion_vnd
URBAN = "dthap-2023.urbanisation_rate"  # yearly, percent
COMMUNES = "dthap-2023.new_rural.communes"  # yearly count
PARTY_MEMBERS = "qngai-2024.new_party_members"  # yearly, in Quảng Ngãi and its parts


def row(indicator: str = GRDP, period: str = "2023-Q2", value: Any = 7.3, **extra: Any) -> dict[str, Any]:
    return {"indicator": indicator, "region": "dong_thap", "period": period, "value": value, **extra}


def revisions(conn: psycopg.Connection[Any], indicator: str, period: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT revision, value, status, key_id FROM observations WHERE indicator = %s AND period = %s"
        " ORDER BY revision",
        [indicator, period],
    ).fetchall()


def count_rows(conn: psycopg.Connection[Any]) -> int:
    result = conn.execute("SELECT count(*) FROM observations").fetchone()
    assert result is not None
    return int(result[0])


@pytest.fixture
def token(db_url: str) -> str:
    return make_key(db_url)


def test_json_batch_imports_and_records_the_key(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    response = post_json(client, token, [row(), row(BUDGET, "2023-Q2", 3900)])
    assert response.status_code == 200, response.text
    assert response.json() == {
        "imported": 2,
        "updated": 0,
        "ignored": 0,
        "rejected": 0,
        "errors": [],
        "dry_run": False,
        "warnings": [],
        "stored_as": [],
        "notices": [],
    }
    [(revision, value, status, key_id)] = revisions(conn, BUDGET, "2023-Q2")
    assert (revision, value, status) == (1, 3900.0, "official")
    assert token.startswith(f"ctk_{key_id}_")


def test_same_batch_three_times_is_imported_once(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    batch = [row(), row(period="2023-Q1", value=6.1)]
    summaries = [post_json(client, token, batch).json() for _ in range(3)]
    assert [s["imported"] for s in summaries] == [2, 0, 0]
    assert [s["ignored"] for s in summaries] == [0, 2, 2]
    assert count_rows(conn) == 2


def test_a_different_value_is_a_new_revision(client: httpx.Client, token: str, conn: psycopg.Connection[Any]) -> None:
    post_json(client, token, [row(value=7.3, status="estimate")])
    second = make_key(conn.info.dsn)
    response = post_json(client, second, [row(value=7.45, status="official")])
    assert response.json()["updated"] == 1
    history = revisions(conn, GRDP, "2023-Q2")
    assert [(r[0], r[1], r[2]) for r in history] == [(1, 7.3, "estimate"), (2, 7.45, "official")]
    assert history[0][3] != history[1][3], "each revision records the key that wrote it"


def test_official_is_not_replaced_by_an_estimate_unless_forced(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    post_json(client, token, [row(value=7.3, status="official")])
    refused = post_json(client, token, [row(value=7.0, status="estimate")])
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"row": 1, "field": "status", "message": refused.json()["errors"][0]["message"]}
    ]
    assert len(revisions(conn, GRDP, "2023-Q2")) == 1
    forced = post_json(client, token, [row(value=7.0, status="estimate")], force="true")
    assert forced.json()["updated"] == 1
    assert revisions(conn, GRDP, "2023-Q2")[-1][1:3] == (7.0, "estimate")


BAD_ROWS: list[tuple[dict[str, Any], str, str]] = [
    (row(indicator="no.such"), "indicator", "unknown indicator"),
    ({**row(), "region": "atlantis"}, "region", "unknown region"),
    ({**row(), "region": "ha_tinh"}, "region", "not tracked"),
    (row(period="2023-05"), "period", "cannot be stored"),  # May does not end a quarter (June would be Q2)
    (row(period="2023-Q5"), "period", "period must look like"),
    (row(period="2031-Q1"), "period", "outside the programme"),
    (row(value="7,3"), "value", "JSON number"),
    (row(value=None), "value", "must be a number"),
    (row(value=float("nan")), "value", "finite"),
    (row(value=float("inf")), "value", "finite"),
    (row(URBAN, "2023", 120), "value", "outside 0-100"),
    (row(COMMUNES, "2023", -2), "value", "whole and not negative"),
    (row(COMMUNES, "2023", 2.5), "value", "whole and not negative"),
    (row(status="final"), "status", "estimate, preliminary or official"),
    ({**row(), "valeu": 1}, "valeu", "unknown field"),
]


@pytest.mark.parametrize(("bad", "field", "message"), BAD_ROWS, ids=[f"{b[1]}:{b[2]}" for b in BAD_ROWS])
def test_each_bad_row_is_named_and_nothing_is_written(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any], bad: dict[str, Any], field: str, message: str
) -> None:
    response = client.post(
        "/v1/observations",
        content=json.dumps({"observations": [row(period="2023-Q1"), bad]}),  # json.dumps writes NaN and Infinity
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["rejected"] == 1
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(2, field)]
    assert message in problem["errors"][0]["message"]
    assert count_rows(conn) == 0


def test_duplicate_keys_with_different_values_are_rejected(client: httpx.Client, token: str) -> None:
    response = post_json(client, token, [row(value=7.3), row(value=7.3), row(value=7.4)])
    assert response.status_code == 422
    assert [e["row"] for e in response.json()["errors"]] == [1, 2, 3]
    identical = post_json(client, token, [row(value=7.3), row(value=7.3)])
    assert (identical.json()["imported"], identical.json()["ignored"]) == (1, 1)


def test_partial_writes_the_valid_rows_and_reports_the_rest(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    response = post_json(client, token, [row(), row(indicator="nope"), row(BUDGET, "2023-Q2", 3900)], partial="true")
    assert response.status_code == 200
    assert (response.json()["imported"], response.json()["rejected"]) == (2, 1)
    assert response.json()["errors"][0]["row"] == 2
    assert count_rows(conn) == 2


def test_dry_run_reports_and_writes_nothing(client: httpx.Client, token: str, conn: psycopg.Connection[Any]) -> None:
    response = post_json(client, token, [row()], dry_run="true")
    assert response.json()["imported"] == 1 and response.json()["dry_run"] is True
    body = client.post(
        "/v1/observations",
        json={"observations": [row()], "dry_run": True},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert body.json()["dry_run"] is True
    assert count_rows(conn) == 0


def test_csv_vietnamese_numbers_semicolons_and_bom(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    text = f"\ufeffindicator;region;period;value;status;note\n{BUDGET};dong_thap;2023-Q2;3.777,5;estimate;ước 6 tháng\n"
    response = post_csv(client, token, text.encode("utf-8"), decimal="comma")
    assert response.status_code == 200, response.text
    assert revisions(conn, BUDGET, "2023-Q2")[0][1:3] == (3777.5, "estimate")


def test_csv_english_numbers_by_header(client: httpx.Client, token: str, conn: psycopg.Connection[Any]) -> None:
    text = f'indicator,region,period,value\n{BUDGET},dong_thap,2023-Q3,"5,100.25"\n'
    response = client.post(
        "/v1/observations",
        content=text,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv", "Chitieu-Decimal": "dot"},
    )
    assert response.status_code == 200, response.text
    assert revisions(conn, BUDGET, "2023-Q3")[0][1] == 5100.25


def test_csv_ambiguous_number_is_rejected_not_guessed(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    text = f"indicator;region;period;value\n{GRDP};dong_thap;2023-Q1;6,9\n{BUDGET};dong_thap;2023-Q2;1.967\n"
    response = post_csv(client, token, text)
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "value")]
    assert "ambiguous" in response.json()["errors"][0]["message"]
    assert count_rows(conn) == 0


def test_csv_missing_columns_is_400(client: httpx.Client, token: str) -> None:
    response = post_csv(client, token, "indicator;period;value\nx;2023;1\n")
    assert response.status_code == 400
    assert "region" in response.json()["detail"]


def test_key_scope_is_enforced(client: httpx.Client, db_url: str, conn: psycopg.Connection[Any]) -> None:
    ha_tinh_only = make_key(db_url, regions=["ha_tinh"], programmes=["htinh-nq26"])
    response = post_json(client, ha_tinh_only, [row()])
    assert response.status_code == 403
    assert response.json()["errors"][0]["row"] == 1
    other_programme = make_key(db_url, regions=["dong_thap"], programmes=["htinh-nq26"])
    assert post_json(client, other_programme, [row()]).status_code == 403
    in_scope = make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])
    assert post_json(client, in_scope, [row()]).status_code == 200
    assert count_rows(conn) == 1


def test_missing_bad_and_revoked_keys_are_401(client: httpx.Client, db_url: str) -> None:
    assert client.post("/v1/observations", json={"observations": []}).status_code == 401
    bad = post_json(client, "ctk_000000000000_wrong", [row()])
    assert bad.status_code == 401 and bad.headers["www-authenticate"].startswith("Bearer")
    token = make_key(db_url)
    key_id = token.split("_")[1]
    with connect(db_url) as conn:
        assert revoke_key(conn, key_id)
    assert post_json(client, token, [row()]).status_code == 401


@pytest.fixture
def small_limits(db_url: str) -> Iterator[httpx.Client]:
    with (
        ServerThread(settings_for(db_url, max_body_bytes=2000, max_batch_rows=3)) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        yield http


def test_body_and_row_limits_are_413(small_limits: httpx.Client, token: str) -> None:
    too_many = post_json(small_limits, token, [row(period=f"2023-Q{q}") for q in (1, 2, 3, 4)])
    assert too_many.status_code == 413 and too_many.json()["limit_rows"] == 3
    too_big = post_json(small_limits, token, [row(note="x" * 900), row(note="y" * 900), row(note="z" * 900)])
    assert too_big.status_code == 413 and too_big.json()["limit_bytes"] == 2000


def test_unsupported_media_type_is_415(client: httpx.Client, token: str) -> None:
    response = client.post(
        "/v1/observations", content=b"<xml/>", headers={"Authorization": f"Bearer {token}", "Content-Type": "text/xml"}
    )
    assert response.status_code == 415


def test_the_2023_results_of_document_002_push_cleanly(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    csv_text = (EXAMPLES / "qngai-2023-results.csv").read_bytes()
    first = post_csv(client, token, csv_text, decimal="comma")
    assert first.status_code == 200, first.text
    assert first.json()["rejected"] == 0 and first.json()["imported"] >= 2
    document = json.loads((EXAMPLES / "qngai-2023-results.json").read_text())
    second = client.post("/v1/observations", json=document, headers={"Authorization": f"Bearer {token}"})
    assert second.status_code == 200, second.text
    assert second.json()["imported"] == 0 and second.json()["ignored"] == first.json()["imported"]
    members = conn.execute(
        "SELECT value FROM observations WHERE indicator = 'qngai-2024.new_party_members' AND period = '2023'"
    ).fetchone()
    assert members == (1967.0,)


def _metric(client: httpx.Client, line_prefix: str) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_ingest_is_counted_in_the_service_metrics(client: httpx.Client, token: str) -> None:
    imported = 'chitieu_ingest_rows_total{outcome="imported"}'
    invalid = 'chitieu_ingest_requests_total{format="json",outcome="invalid"}'
    before = (_metric(client, imported), _metric(client, invalid))
    post_json(client, token, [row(), row(BUDGET, "2023-Q2", 3900)])
    post_json(client, token, [row(indicator="nope")])
    assert _metric(client, imported) == before[0] + 2
    assert _metric(client, invalid) == before[1] + 1
    assert _metric(client, 'chitieu_ingest_duration_seconds_count{format="json"}') >= 2


def test_a_full_year_figure_does_not_collide_with_the_first_quarter(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    response = post_json(client, token, [row(period="2023-Q1", value=6.1), row(period="2023", value=7.2)])
    assert (response.json()["imported"], response.json()["rejected"]) == (2, 0)
    assert revisions(conn, GRDP, "2023-Q1")[0][:2] == (1, 6.1)
    assert revisions(conn, GRDP, "2023")[0][:2] == (1, 7.2)


def submissions(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT recorded_at, key_id, indicator, rows, regions FROM submissions ORDER BY recorded_at, key_id, indicator"
    ).fetchall()


def test_each_write_is_summarised_per_indicator_in_submissions(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    members = {"indicator": PARTY_MEMBERS, "period": "2023", "value": 1967}
    batch = [row(period="2023-Q1", value=6.1), row(), row(BUDGET, "2023-Q2", 3900),
             {**members, "region": "quang_ngai.mien_nui"}, {**members, "region": "quang_ngai"}]  # fmt: skip
    assert post_json(client, token, batch).json()["imported"] == 5
    (recorded_at,) = {r[0] for r in conn.execute("SELECT recorded_at FROM observations").fetchall()}
    key_id = token.split("_")[1]
    assert submissions(conn) == [
        (recorded_at, key_id, BUDGET, 1, ["dong_thap"]),
        (recorded_at, key_id, GRDP, 2, ["dong_thap"]),
        (recorded_at, key_id, PARTY_MEMBERS, 2, ["quang_ngai", "quang_ngai.mien_nui"]),
    ]
    # Only what is written counts: a revision (one row), nothing for values ignored, dry runs and rejected batches.
    revision = [row(value=7.4), row(period="2023-Q1", value=6.1)]
    assert post_json(client, token, revision).json()["updated"] == 1
    assert [r[2:] for r in submissions(conn)[3:]] == [(GRDP, 1, ["dong_thap"])]
    before = submissions(conn)
    assert post_json(client, token, [row(COMMUNES, "2023", 7)], dry_run="true").json()["imported"] == 1
    assert post_json(client, token, [row(COMMUNES, "2023", 7), row(indicator="nope")]).status_code == 422
    assert post_json(client, token, revision).json()["ignored"] == 2
    assert submissions(conn) == before


def test_rebuilding_or_migrating_gives_the_submissions_the_ingest_path_wrote(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    other = make_key(conn.info.dsn, regions=["dong_thap"])
    for key, rows in [(token, [row(), row(BUDGET, "2023-Q2", 3900)]), (other, [row(value=7.4), row(URBAN, "2023", 70)]),
                      (token, [{"indicator": PARTY_MEMBERS, "region": "quang_ngai", "period": "2023", "value": 1967}])]:  # fmt: skip
        assert post_json(client, key, rows).status_code == 200
    written = submissions(conn)
    assert len(written) == 5
    assert rebuild_submissions(conn) == 5
    assert submissions(conn) == written
    # Migration 0006 again, on observations written before it: its backfill finds the same writes.
    conn.execute("DROP TABLE submissions")
    conn.execute("DROP INDEX observations_recorded_at")
    conn.execute("DELETE FROM schema_migrations WHERE version = 6")
    assert [m.version for m in migrate(conn)] == [6]
    assert submissions(conn) == written
    readable = conn.execute("SELECT has_table_privilege('chitieu_reader', 'submissions', 'SELECT')").fetchone()
    assert readable == (True,)
