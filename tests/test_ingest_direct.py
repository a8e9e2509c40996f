"""The direct path of a batch (ingest.direct_copy): rows COPYed straight into observations while they are read, taken
for new periods; any batch that is not made only of new keys falls back to the staged path and answers, and stores,
exactly what the staged path alone gives."""

import io
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg_pool import ConnectionPool

from ingest.catalogue_store import CatalogueCache
from ingest.database import connect
from ingest.keys import ApiKey, authenticate
from ingest.observations import BatchRejected, ImportSummary, ingest_batch
from ingest.submit import SubmitOptions, submit_batch
from ingest.validation import RowValidator
from tests.ingest_helpers import make_key

GRDP = "dthap-2023.grdp_growth"  # quarterly, judged against its target while validated: direct-capable
QNGAI = "qngai-2024.grdp_growth"
PCI_RANK = "qtri-kh184.pci_rank"  # yearly, no target in the terms of its values: needs the recent-value check


@pytest.fixture
def pool(db_url: str) -> Iterator[ConnectionPool]:
    with ConnectionPool(db_url, min_size=1, max_size=3) as opened:
        yield opened


@pytest.fixture
def key(db_url: str) -> ApiKey:
    token = make_key(db_url)
    with connect(db_url) as conn:
        found = authenticate(conn, token)
    assert found is not None
    return found


def csv(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join(["indicator;region;period;value;status", *lines]).encode())


def send(pool: ConnectionPool, key: ApiKey, body: io.BytesIO, media_type: str = "text/csv", **options: Any) -> Any:
    return submit_batch(pool, body, media_type, CatalogueCache(), key, SubmitOptions(max_rows=1000, **options)).summary


def stored(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT indicator, region, period, revision, value, status, note FROM observations ORDER BY 1, 2, 3, 4"
    ).fetchall()


def submissions(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT indicator, rows, regions FROM submissions ORDER BY recorded_at, indicator").fetchall()


def stage_rows(conn: psycopg.Connection[Any]) -> int:
    """Rows in this connection's staging table: read inside the batch's transaction (it is emptied at commit)."""
    row = conn.execute("SELECT count(*) FROM stage").fetchone()
    assert row is not None
    return int(row[0])


def quarters(*indexes: int, value: str = "7,1", status: str = "official") -> list[str]:
    return [f"{GRDP};dong_thap;2023-Q{index};{value};{status}" for index in indexes]


def test_new_periods_take_the_direct_path_and_write_their_submissions(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    summary = send(pool, key, csv(*quarters(1, 2, 3), f"{QNGAI};quang_ngai;2023-Q1;7,2;official"))
    assert (summary.path, summary.imported, summary.updated, summary.ignored) == ("direct", 4, 0, 0)
    assert [row[:6] for row in stored(conn)] == [
        (GRDP, "dong_thap", "2023-Q1", 1, 7.1, "official"),
        (GRDP, "dong_thap", "2023-Q2", 1, 7.1, "official"),
        (GRDP, "dong_thap", "2023-Q3", 1, 7.1, "official"),
        (QNGAI, "quang_ngai", "2023-Q1", 1, 7.2, "official"),
    ]
    assert submissions(conn) == [(GRDP, 3, ["dong_thap"]), (QNGAI, 1, ["quang_ngai"])]
    key_ids = conn.execute("SELECT DISTINCT key_id FROM observations").fetchall()
    assert key_ids == [(key.id,)]


def test_the_direct_path_leaves_the_staging_table_unused(
    db_url: str, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    with connect(db_url) as writer, writer.transaction():
        catalogue = CatalogueCache().current(writer)
        rows = [(2, {"indicator": GRDP, "region": "dong_thap", "period": "2023-Q1", "value": 7.0})]
        summary = ingest_batch(writer, rows, RowValidator(catalogue, key), key_id=key.id, again=lambda: rows)
        assert (summary.path, stage_rows(writer)) == ("direct", 0)
        forced = [(2, {"indicator": GRDP, "region": "dong_thap", "period": "2023-Q2", "value": 7.0})]
        staged = ingest_batch(writer, forced, RowValidator(catalogue, key), key_id=key.id)
        assert (staged.path, staged.imported) == ("staged", 1)


def test_a_batch_revising_stored_rows_falls_back_to_the_staged_path(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    send(pool, key, csv(*quarters(2, 3)))
    # The first row is new, so the direct COPY is tried; the stored keys behind it make it fail and roll back.
    summary = send(pool, key, csv(*quarters(1), *quarters(2, value="7,5"), *quarters(3)))
    assert (summary.path, summary.imported, summary.updated, summary.ignored) == ("staged", 1, 1, 1)
    assert [(row[2], row[3], row[4]) for row in stored(conn)] == [
        ("2023-Q1", 1, 7.1),
        ("2023-Q2", 1, 7.1),
        ("2023-Q2", 2, 7.5),
        ("2023-Q3", 1, 7.1),
    ]
    assert submissions(conn)[-1] == (GRDP, 2, ["dong_thap"])
    # A batch that begins with a stored key goes to the staged path without trying the direct one.
    again = send(pool, key, csv(*quarters(3), *quarters(4)))
    assert (again.path, again.imported, again.ignored) == ("staged", 1, 1)


def test_identical_repeats_in_a_batch_are_ignored_the_staged_way(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    summary = send(pool, key, csv(*quarters(1, 2, 1)))
    assert (summary.path, summary.imported, summary.ignored, summary.errors) == ("staged", 2, 1, [])
    assert len(stored(conn)) == 2


def test_conflicting_repeats_in_a_batch_are_refused_the_staged_way(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    body = csv(*quarters(1, 2), *quarters(1, value="9,9"))
    with pytest.raises(BatchRejected) as refused:
        send(pool, key, body)
    assert sorted({error.row for error in refused.value.summary.errors}) == [2, 4]
    assert stored(conn) == []
    summary = send(pool, key, csv(*quarters(1, 2), *quarters(1, value="9,9")), partial=True)
    assert (summary.path, summary.imported, summary.rejected) == ("staged", 1, 2)
    assert [row[2] for row in stored(conn)] == ["2023-Q2"]


def test_a_concurrent_batch_writing_the_same_keys_waits_and_falls_back(
    db_url: str, pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    first = psycopg.connect(db_url)  # its INSERT begins a transaction, left open
    first.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id) "
        "VALUES (%s, 'dong_thap', '2023-04-01T00:00:00+07:00', '2023-Q2', 1, 7.1, 'official', 'other')",
        [GRDP],
    )
    answer: list[ImportSummary | BaseException] = []

    def second_batch() -> None:
        try:
            answer.append(send(pool, key, csv(*quarters(1, 2))))
        except BaseException as error:  # shown by the assertion below
            answer.append(error)

    second = threading.Thread(target=second_batch)
    second.start()
    time.sleep(1.0)  # the second batch is now waiting on the first's uncommitted key
    assert second.is_alive(), answer
    first.commit()
    first.close()
    second.join(timeout=30)
    assert answer and isinstance(answer[0], ImportSummary), answer
    assert (answer[0].path, answer[0].imported, answer[0].ignored) == ("staged", 1, 1)
    assert [(row[2], row[3]) for row in stored(conn)] == [("2023-Q1", 1), ("2023-Q2", 1)]


def test_dry_runs_report_the_direct_paths_answer_and_write_nothing(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    summary = send(pool, key, csv(*quarters(1, 2)), dry_run=True)
    assert (summary.path, summary.imported, summary.dry_run) == ("direct", 2, True)
    body = {"observations": [{"indicator": GRDP, "region": "dong_thap", "period": "2023-Q1", "value": 7}]}
    in_body = send(pool, key, io.BytesIO(json.dumps({**body, "dry_run": True}).encode()), "application/json")
    assert (in_body.path, in_body.imported, in_body.dry_run) == ("direct", 1, True)
    assert stored(conn) == [] and submissions(conn) == []


def test_a_partial_batch_writes_its_valid_rows_directly_and_reports_the_others(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    body = csv(*quarters(1), f"{GRDP};nowhere;2023-Q2;7;official", *quarters(3), f"{GRDP};dong_thap;2023-Q4;x;")
    summary = send(pool, key, body, partial=True)
    assert (summary.path, summary.imported, summary.rejected) == ("direct", 2, 2)
    assert [(error.row, error.field) for error in summary.errors] == [(3, "region"), (5, "value")]
    assert submissions(conn) == [(GRDP, 2, ["dong_thap"])]
    with pytest.raises(BatchRejected):
        send(pool, key, csv(*quarters(2), f"{GRDP};nowhere;2023-Q2;7;official"))
    assert len(stored(conn)) == 2


def test_a_downgrade_is_refused_after_the_fallback(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    send(pool, key, csv(*quarters(2)))
    body = csv(*quarters(1, status="estimate"), *quarters(2, value="7,6", status="estimate"))
    summary = send(pool, key, body, partial=True)
    assert (summary.path, summary.imported, summary.updated) == ("staged", 1, 0)
    assert [(error.row, error.field) for error in summary.errors] == [(3, "status")]
    forced = send(pool, key, csv(*quarters(2, value="7,6", status="estimate")), force=True)
    assert (forced.path, forced.updated) == ("staged", 1)


def test_values_judged_against_recent_ones_take_the_staged_path(
    pool: ConnectionPool, key: ApiKey, conn: psycopg.Connection[Any]
) -> None:
    send(pool, key, csv(f"{PCI_RANK};quang_tri;2023;20;official"))
    summary = send(pool, key, csv(*quarters(1), f"{PCI_RANK};quang_tri;2024;20000;official"))
    assert (summary.path, summary.imported) == ("staged", 2)
    assert [warning.row for warning in summary.warnings] == [3]


# The property: any mix of stored, new and repeated keys is answered and stored alike by the two paths.
_KEYS = [(GRDP, "dong_thap", f"2023-Q{quarter}") for quarter in range(1, 5)] + [
    (QNGAI, "quang_ngai", f"2024-Q{quarter}") for quarter in range(1, 3)
]
_ROW = st.tuples(
    st.integers(0, len(_KEYS)),  # len(_KEYS): an invalid row
    st.sampled_from([6.5, 7.0, 7.5]),
    st.sampled_from(["official", "preliminary", "estimate"]),
)


def _rows(drawn: list[tuple[int, float, str]]) -> list[tuple[int, dict[str, object]]]:
    rows: list[tuple[int, dict[str, object]]] = []
    for number, (index, value, status) in enumerate(drawn, start=2):
        indicator, region, period = _KEYS[index] if index < len(_KEYS) else (GRDP, "nowhere", "2023-Q1")
        rows.append((number, {"indicator": indicator, "region": region, "period": period, "value": value,
                              "status": status}))  # fmt: skip
    return rows


def _outcome(
    conn: psycopg.Connection[Any], key: ApiKey, rows: list[tuple[int, dict[str, object]]], direct: bool, **flags: bool
) -> tuple[Any, ...]:
    catalogue = CatalogueCache().current(conn)
    try:
        summary = ingest_batch(
            conn, rows, RowValidator(catalogue, key), key_id=key.id, again=(lambda: rows) if direct else None, **flags
        )
        answer = summary.as_dict()
    except BatchRejected as rejected:
        answer = {"rejected": rejected.answer()}
    return answer, stored(conn), submissions(conn)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    before=st.lists(_ROW, max_size=4),
    batch=st.lists(_ROW, min_size=1, max_size=8),
    partial=st.booleans(),
    force=st.booleans(),
)
def test_the_direct_path_answers_and_stores_what_the_staged_path_does(
    db_url: str,
    key: ApiKey,
    before: list[tuple[int, float, str]],
    batch: list[tuple[int, float, str]],
    partial: bool,
    force: bool,
) -> None:
    outcomes = []
    with psycopg.connect(db_url, autocommit=True) as conn:  # each batch its own transaction, as the API's
        for direct in (False, True):
            conn.execute("TRUNCATE observations, submissions")
            _outcome(conn, key, _rows(before), direct=False, partial=True)
            outcomes.append(_outcome(conn, key, _rows(batch), direct=direct, partial=partial, force=force))
    assert outcomes[1] == outcomes[0]
