"""`chitieu push`: batches, retries, the spool, and a server that is not there yet."""

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import psycopg

from api.push_client import Pusher, PushFailed
from tests.conftest import REPO, ServerThread, free_port, settings_for
from tests.ingest_helpers import make_key

HEADER = "indicator;region;period;value;status;note\n"


def budget_file(path: Path, quarters: int = 8) -> Path:
    """Budget revenue (reported by quarter) for the quarters of 2022 and 2023, in Vietnamese number format."""
    lines = [HEADER]
    for year in (2022, 2023):
        for quarter in range(1, 5):
            lines.append(f"dthap-2023.budget_revenue;dong_thap;{year}-Q{quarter};{1000 * quarter},5;official;\n")
    path.write_text("".join(lines[: quarters + 1]), encoding="utf-8")
    return path


def stored(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT period, revision, value FROM observations ORDER BY period_start, revision").fetchall()


def test_every_row_arrives_once_when_the_server_starts_late(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    source = budget_file(tmp_path / "budget.csv", quarters=8)
    port = free_port()
    attempts: list[float] = []
    server_up = threading.Event()

    def sleep(seconds: float) -> None:
        attempts.append(seconds)
        if len(attempts) == 2 and not server_up.is_set():
            server.start_and_wait()
            server_up.set()

    class LateServer(ServerThread):
        def start_and_wait(self) -> None:
            self.__enter__()

    server = LateServer(settings_for(db_url), port=port)
    pusher = Pusher(f"http://127.0.0.1:{port}", make_key(db_url), tmp_path / "spool", decimal="comma", sleep=sleep)
    try:
        assert pusher.spool(source, batch_rows=3) == 3
        report = pusher.send_spool()
    finally:
        if server_up.is_set():
            server.__exit__()
    assert len(attempts) >= 2, "the first attempts must have failed"
    assert (report.imported, report.ignored, report.rejected, report.batches_sent) == (8, 0, 0, 3)
    assert pusher.pending() == []
    rows = stored(conn)
    assert len(rows) == 8 and {revision for _, revision, _ in rows} == {1}
    assert rows[0] == ("2022-Q1", 1, 1000.5)


def test_an_unreachable_server_leaves_the_batches_in_the_spool_for_resume(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    source = budget_file(tmp_path / "budget.csv", quarters=8)
    port = free_port()
    key = make_key(db_url)
    pusher = Pusher(f"http://127.0.0.1:{port}", key, tmp_path / "spool", decimal="comma", sleep=lambda s: None)
    pusher.spool(source, batch_rows=5)
    try:
        pusher.send_spool()
        raise AssertionError("the push should have failed")
    except PushFailed as error:
        assert "chitieu push --resume" in str(error)
    assert len(pusher.pending()) == 2
    with ServerThread(settings_for(db_url), port=port):
        resumed = Pusher(f"http://127.0.0.1:{port}", key, tmp_path / "spool", sleep=lambda s: None).send_spool()
    assert (resumed.imported, resumed.batches_sent) == (8, 2)
    assert len(stored(conn)) == 8


def test_rejected_rows_are_reported_with_file_row_numbers(tmp_path: Path, db_url: str) -> None:
    source = tmp_path / "bad.csv"
    good = "dthap-2023.budget_revenue;dong_thap;2023-Q{q};100;official;\n"
    source.write_text(
        HEADER + good.format(q=1) + good.format(q=2) + good.format(q=3) + "nope;dong_thap;2023-Q4;1;official;\n"
    )
    with ServerThread(settings_for(db_url)) as server:
        pusher = Pusher(server.url, make_key(db_url), tmp_path / "spool", partial=True, sleep=lambda s: None)
        pusher.spool(source, batch_rows=2)
        report = pusher.send_spool()
    assert (report.imported, report.rejected) == (3, 1)
    assert [(e["row"], e["field"]) for e in report.errors] == [(5, "indicator")]


def test_the_cli_pushes_the_2023_results_example(tmp_path: Path, db_url: str) -> None:
    with ServerThread(settings_for(db_url)) as server:
        result = subprocess.run(
            [sys.executable, "-m", "api.cli", "push", str(REPO / "examples" / "qngai-2023-results.csv"),
             "--server", server.url, "--key", make_key(db_url), "--decimal", "comma",
             "--spool-dir", str(tmp_path / "spool")],
            capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "120"},
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "rejected 0" in result.stdout and "imported" in result.stdout
