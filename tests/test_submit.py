"""ingest.submit, the write path's façade: the reader chosen by media type, the batch written or refused whole, with the
errors of the tree (their problem members as the API answers them) and a workbook's cells named."""

import contextlib
import io
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import xlsxwriter
from psycopg_pool import ConnectionPool

from api.problem_types import problem_members
from ingest.catalogue_store import CatalogueCache
from ingest.database import connect
from ingest.keys import ApiKey, authenticate
from ingest.observations import BatchRejected, OutOfScope, TooManyRows
from ingest.submit import XLSX_TYPE, SubmitOptions, UnsupportedMediaType, batch_format, submit_batch
from tests.ingest_helpers import make_key

GRDP = "dthap-2023.grdp_growth"


@pytest.fixture
def pool(db_url: str) -> Iterator[ConnectionPool]:
    with ConnectionPool(db_url, min_size=1, max_size=2) as opened:
        yield opened


def key_for(db_url: str, **scope: Any) -> ApiKey:
    token = make_key(db_url, **scope)
    with connect(db_url) as conn:
        key = authenticate(conn, token)
    assert key is not None
    return key


def stored(conn: psycopg.Connection[Any]) -> int:
    row = conn.execute("SELECT count(*) FROM observations").fetchone()
    assert row is not None
    return int(row[0])


def csv(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(["indicator;region;period;value", *lines]).encode())


def test_a_csv_batch_is_written_and_answered(db_url: str, pool: ConnectionPool, conn: psycopg.Connection[Any]) -> None:
    key = key_for(db_url)
    body = csv(f"{GRDP};dong_thap;2023-Q2;7,3", f"{GRDP};dong_thap;2023-Q3;7,5")
    options = SubmitOptions(max_rows=10, number_format=None)
    submitted = submit_batch(pool, body, "text/csv", CatalogueCache(), key, options)
    assert (submitted.summary.imported, submitted.summary.touched) == (2, {(GRDP, "dong_thap")})
    assert submitted.answer == submitted.summary.as_dict()
    assert stored(conn) == 2


def test_an_unknown_media_type_is_refused_before_anything_is_read(
    db_url: str, pool: ConnectionPool, conn: psycopg.Connection[Any]
) -> None:
    with pytest.raises(UnsupportedMediaType, match="text/csv"):
        submit_batch(pool, csv(f"{GRDP};dong_thap;2023-Q2;7,3"), "text/plain", CatalogueCache(), key_for(db_url),
                     SubmitOptions(max_rows=10))  # fmt: skip
    assert stored(conn) == 0
    assert [batch_format(t) for t in ("text/csv", XLSX_TYPE, "application/vnd.ms-excel", "")] == [
        "csv", "xlsx", "xlsx", "json"
    ]  # fmt: skip


def test_rows_outside_the_key_name_the_key_and_nothing_is_written(
    db_url: str, pool: ConnectionPool, conn: psycopg.Connection[Any]
) -> None:
    key = key_for(db_url, regions=["quang_ngai"])
    with pytest.raises(OutOfScope) as refused:
        submit_batch(pool, csv(f"{GRDP};dong_thap;2023-Q2;7,3"), "text/csv", CatalogueCache(), key,
                     SubmitOptions(max_rows=10))  # fmt: skip
    assert str(refused.value) == f"Key {key.id} ({key.office}) may not write these rows; nothing was written."
    [error] = problem_members(refused.value)["errors"]
    assert error["row"] == 2 and "cell" not in error
    assert stored(conn) == 0


def test_too_many_rows_carry_the_limit(db_url: str, pool: ConnectionPool, conn: psycopg.Connection[Any]) -> None:
    body = csv(*(f"{GRDP};dong_thap;{year}-Q2;7,3" for year in (2021, 2022, 2023)))
    with pytest.raises(TooManyRows) as refused:
        submit_batch(pool, body, "text/csv", CatalogueCache(), key_for(db_url), SubmitOptions(max_rows=2))
    assert problem_members(refused.value) == {"limit_rows": 2}
    assert stored(conn) == 0


def test_a_workbooks_invalid_rows_name_their_cells(
    db_url: str, pool: ConnectionPool, conn: psycopg.Connection[Any]
) -> None:
    sent = io.BytesIO()
    with xlsxwriter.Workbook(sent) as workbook:
        sheet = workbook.add_worksheet("Số liệu")
        for number, cells in enumerate([["indicator", "region", "period", "value"],
                                        [GRDP, "dong_thap", "2023-Q2", 7.3],
                                        [GRDP, "dong_thap", "2023-Q3", "bảy"]]):  # fmt: skip
            sheet.write_row(number, 0, cells)
    sent.seek(0)
    with pytest.raises(BatchRejected) as refused:
        submit_batch(pool, sent, XLSX_TYPE, CatalogueCache(), key_for(db_url), SubmitOptions(max_rows=10))
    answer = problem_members(refused.value)
    assert answer["rejected"] == 1 and answer["imported"] == 0
    [error] = answer["errors"]
    assert (error["row"], error["field"], error["cell"]) == (3, "value", "Số liệu!D3")
    assert error["message"].startswith("Số liệu!D3: ")
    assert stored(conn) == 0


def test_a_batch_answered_as_imported_is_committed_even_if_the_connection_is_lost_after_it(
    db_url: str, pool: ConnectionPool, conn: psycopg.Connection[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failover right after the batch (here: the session killed while the pushed series are refreshed) must not
    turn a 200 "imported" into rows that were never committed. Found by tests/test_ha.py: 40 rows answered as
    imported were missing after the leader was lost."""

    def connection_lost(conn: psycopg.Connection[Any], *args: Any) -> bool:
        with contextlib.suppress(psycopg.Error):
            conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return False

    monkeypatch.setattr("ingest.submit.refresh_pushed_series", connection_lost)
    key = key_for(db_url)
    body = csv(f"{GRDP};dong_thap;2023-Q2;7,3")
    submitted = submit_batch(
        pool, body, "text/csv", CatalogueCache(), key, SubmitOptions(max_rows=10, number_format=None)
    )
    assert submitted.summary.imported == 1
    assert stored(conn) == 1, "answered as imported, but nothing was committed"
