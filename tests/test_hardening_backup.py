"""`chitieu db backup` and `chitieu db restore`: the status board, the revision history and every table come back
identical, the restored database serves and takes new revisions, and a restore never writes over a database in use."""

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from ingest.board import compute_board, refresh_snapshot
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from tests.conftest import REPO, WEBHOOK_AUTH, ServerThread, settings_for
from tests.ingest_helpers import make_key, post_json

AS_OF = [date(2023, 7, 15), date(2024, 1, 31), date(2025, 6, 30)]
TABLES = [  # each with an order that makes its rows comparable
    ("observations", "indicator, region, period_start, revision"),
    ("submissions", "recorded_at, key_id, indicator"),
    ("task_reports", "id"),
    ("api_keys", "id"),
    ("indicator_status", "indicator, region"),
    ("indicator_path", "indicator, region, period_start"),
    ("alert_events", "id"),
    ("catalogue_versions", "version"),
    ("indicator_history", "code, version"),
    ("indicators", "code"),
    ("targets", "indicator, ordinal"),
    ("tasks", "code"),
    ("schema_migrations", "version"),
]


def chitieu(*args: str, db_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHITIEU_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def empty_database(pg: EmbeddedPostgres) -> Iterator[str]:
    name = f"restored_{os.getpid()}"
    with connect(pg.url("postgres")) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    yield pg.url(name)
    with connect(pg.url("postgres")) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def fill(db_url: str) -> str:
    """Revisions from two offices, task reports and alerts, through the API; the snapshot refreshed. Returns a key."""
    first, second = make_key(db_url), make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])
    budget = {"indicator": "dthap-2023.budget_revenue", "region": "dong_thap"}
    with ServerThread(settings_for(db_url)) as server, httpx.Client(base_url=server.url) as http:
        for token, rows in [
            (first, [{**budget, "period": "2022-Q4", "value": 7100},
                     {**budget, "period": "2023-Q1", "value": 1800, "status": "estimate"},
                     {**budget, "period": "2023-Q2", "value": 3500, "status": "estimate", "note": "ước 6 tháng"}]),
            (second, [{**budget, "period": "2023-Q2", "value": 3900, "note": "số chính thức"},
                      {"indicator": "dthap-2023.grdp_growth", "region": "dong_thap", "period": "2023-Q2",
                       "value": 6.9}]),
            (first, [{"indicator": "qngai-2024.new_party_members", "region": "quang_ngai", "period": "2023",
                      "value": 1967}]),
        ]:  # fmt: skip
            assert post_json(http, token, rows).status_code == 200
        for state in ("in_progress", "done"):
            answer = http.post(
                "/v1/tasks/qtri-dh1.b.i.1/reports",
                json={
                    "reported_on": "2025-03-01",
                    "state": state,
                    "percent_done": 100 if state == "done" else 40,
                    "note": "Đã trình HĐND",
                },
                headers={"Authorization": f"Bearer {first}"},
            )
            assert answer.status_code == 201
        alert = {"status": "firing", "labels": {"alertname": "ChiTieuChamTienDo", "indicator": "dthap-2023.grdp_growth"},
                 "annotations": {"summary": "chậm tiến độ"}, "startsAt": "2023-07-15T00:00:00Z", "fingerprint": "f1"}  # fmt: skip
        webhook = {"version": "4", "status": "firing", "receiver": "dong_thap", "alerts": [alert]}
        assert http.post("/v1/alerts/webhook", json=webhook, headers=WEBHOOK_AUTH).json()["stored"] == 1
    with connect(db_url) as conn:
        refresh_snapshot(conn, read_catalogue(conn), AS_OF[0])
    return first


def state(db_url: str) -> dict[str, Any]:
    """The boards as of several dates, and every row of the tables that matter."""
    with connect(db_url) as conn:
        catalogue = read_catalogue(conn)
        found: dict[str, Any] = {f"board {day}": compute_board(conn, catalogue, day) for day in AS_OF}
        for table, order in TABLES:
            found[table] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}".encode()).fetchall()
        found["hypertables"] = conn.execute(
            "SELECT hypertable_name, num_dimensions, num_chunks FROM timescaledb_information.hypertables"
        ).fetchall()
    return found


def test_backup_and_restore_give_back_the_same_board_history_and_tables(
    db_url: str, empty_database: str, tmp_path: Path
) -> None:
    token = fill(db_url)
    before = state(db_url)
    assert len(before["observations"]) == 6 and before["hypertables"][0][2] == 2, "two yearly chunks"
    assert len(before["submissions"]) == 4, "one per indicator per write"
    assert any(e.actual is not None for e in before[f"board {AS_OF[0]}"])
    dump = tmp_path / "chitieu.dump"
    backed_up = chitieu("db", "backup", str(dump), db_url=db_url)
    assert backed_up.returncode == 0, backed_up.stderr
    assert dump.stat().st_size > 10_000 and not (tmp_path / "chitieu.dump.partial").exists()
    restored = chitieu("db", "restore", str(dump), db_url=empty_database)
    assert restored.returncode == 0, restored.stderr
    assert "6 observation revision(s)" in restored.stdout
    after = state(empty_database)
    for name in before:
        assert after[name] == before[name], f"{name} differs after the restore"
    # The restored database serves, knows the keys, and continues the revision history.
    with ServerThread(settings_for(empty_database)) as server, httpx.Client(base_url=server.url) as http:
        assert http.get("/readyz").status_code == 200
        row = {"indicator": "dthap-2023.budget_revenue", "region": "dong_thap", "period": "2023-Q2", "value": 3950}
        assert post_json(http, token, [row]).json()["updated"] == 1
    with connect(empty_database) as conn:
        revisions = conn.execute("SELECT revision FROM observations WHERE period = '2023-Q2' AND value > 3000")
        assert [r for (r,) in revisions.fetchall()] == [1, 2, 3]
        assert conn.execute("SHOW timescaledb.restoring").fetchone() == ("off",), "timescaledb_post_restore ran"


def test_a_restore_refuses_a_database_that_is_not_empty(db_url: str, tmp_path: Path) -> None:
    dump = tmp_path / "chitieu.dump"
    assert chitieu("db", "backup", str(dump), db_url=db_url).returncode == 0
    with connect(db_url) as conn:
        before = conn.execute("SELECT count(*) FROM catalogue_versions").fetchone()
    refused = chitieu("db", "restore", str(dump), db_url=db_url)
    assert refused.returncode == 1
    assert refused.stderr.startswith("chitieu: restore needs an empty database") and refused.stderr.count("\n") == 1
    with connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM catalogue_versions").fetchone() == before


def test_backup_and_restore_failures_are_one_clear_line(db_url: str, empty_database: str, tmp_path: Path) -> None:
    missing_dir = chitieu("db", "backup", str(tmp_path / "no" / "such" / "dir.dump"), db_url=db_url)
    assert missing_dir.returncode == 1 and missing_dir.stderr.startswith("chitieu: pg_dump failed")
    assert "Traceback" not in missing_dir.stderr and not list(tmp_path.rglob("*.partial"))
    no_file = chitieu("db", "restore", str(tmp_path / "none.dump"), db_url=empty_database)
    assert no_file.returncode == 1 and no_file.stderr == f"chitieu: no backup file {tmp_path / 'none.dump'}\n"
    garbage = tmp_path / "garbage.dump"
    garbage.write_bytes(b"not a dump")
    bad = chitieu("db", "restore", str(garbage), db_url=empty_database)
    assert bad.returncode == 1 and bad.stderr.startswith("chitieu: pg_restore failed") and "Traceback" not in bad.stderr
    with connect(empty_database) as conn:
        assert conn.execute("SHOW timescaledb.restoring").fetchone() == ("off",), "a failed restore is ended too"


def test_backup_passes_the_password_in_the_environment_not_the_command_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import ingest.backup

    seen: dict[str, Any] = {}

    def fake_run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen["command"], seen["env"] = command, kwargs.get("env")
        Path(command[command.index("--file") + 1]).write_bytes(b"dump")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr("ingest.backup.subprocess.run", fake_run)
    ingest.backup.backup("postgresql://office:s3cr3t-pw@db.example:5432/chitieu", tmp_path / "x.dump")
    assert "s3cr3t-pw" not in " ".join(seen["command"])
    assert seen["env"]["PGPASSWORD"] == "s3cr3t-pw"
    assert "host=db.example" in seen["command"][-1] and "dbname=chitieu" in seen["command"][-1]
    assert (tmp_path / "x.dump").read_bytes() == b"dump"


def test_the_restored_hypertable_takes_new_chunks(empty_database: str, db_url: str, tmp_path: Path) -> None:
    fill(db_url)
    dump = tmp_path / "chitieu.dump"
    assert chitieu("db", "backup", str(dump), db_url=db_url).returncode == 0
    assert chitieu("db", "restore", str(dump), db_url=empty_database).returncode == 0
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
            " VALUES ('htinh-nq26.grdp_growth', 'ha_tinh', '2029-12-31 17:00+00', '2030', 1, 9, 'official', 'test')"
        )
        chunks = conn.execute("SELECT count(*) FROM timescaledb_information.chunks").fetchone()
    assert chunks == (3,)
