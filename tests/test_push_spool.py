"""`chitieu push`: where the key comes from, a refused batch that never blocks the next, a file read whole before
any of it is spooled, and batches sent in the order they were written."""

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.push_client import Pusher, split_csv
from api.spool import Spool
from ingest.formats import read_csv
from tests.conftest import REPO, ServerThread, settings_for
from tests.ingest_helpers import make_key

CHITIEU = str(Path(sys.executable).parent / "chitieu")
HEADER = "indicator;region;period;value;status;note\n"
DTHAP = "dthap-2023.budget_revenue;dong_thap;{period};{value};official;\n"
QNGAI = "qngai-2024.new_party_members;quang_ngai;2023;1.967;official;\n"


def quarters(count: int, value: int = 100) -> str:
    periods = [f"{year}-Q{quarter}" for year in (2022, 2023) for quarter in range(1, 5)]
    return "".join(DTHAP.format(period=period, value=value) for period in periods[:count])


def push(*args: str, spool: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "CHITIEU_KEY"}
    return subprocess.run(
        [CHITIEU, "push", *args, "--spool-dir", str(spool)],
        cwd=REPO, env={**environment, "COLUMNS": "200", **(env or {})}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def stored(conn: psycopg.Connection[Any]) -> list[tuple[Any, ...]]:
    return conn.execute("SELECT indicator, period FROM observations ORDER BY indicator, period_start").fetchall()


@pytest.fixture
def server(db_url: str) -> Iterator[ServerThread]:
    with ServerThread(settings_for(db_url)) as running:
        yield running


# ------------------------------------------------------------------------------------------------------ the key


def test_the_key_comes_from_chitieu_key(tmp_path: Path, server: ServerThread, db_url: str) -> None:
    source = tmp_path / "a.csv"
    source.write_text(HEADER + quarters(2))
    result = push(str(source), "--server", server.url, spool=tmp_path / "spool", env={"CHITIEU_KEY": make_key(db_url)})
    assert result.returncode == 0, result.stderr
    assert "imported 2" in result.stdout and result.stderr == ""


def test_a_key_file_must_be_private(tmp_path: Path, server: ServerThread, db_url: str) -> None:
    source, key_file = tmp_path / "a.csv", tmp_path / "key"
    source.write_text(HEADER + quarters(2))
    key_file.write_text(make_key(db_url) + "\n")
    key_file.chmod(0o644)
    refused = push(str(source), "--server", server.url, "--key-file", str(key_file), spool=tmp_path / "spool")
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1, refused.stderr
    assert "chmod 600" in refused.stderr and "Traceback" not in refused.stderr
    key_file.chmod(0o600)
    accepted = push(str(source), "--server", server.url, "--key-file", str(key_file), spool=tmp_path / "spool")
    assert accepted.returncode == 0, accepted.stderr
    assert "imported 2" in accepted.stdout


def test_key_on_the_command_line_works_but_warns(tmp_path: Path, server: ServerThread, db_url: str) -> None:
    source = tmp_path / "a.csv"
    source.write_text(HEADER + quarters(1))
    result = push(str(source), "--server", server.url, "--key", make_key(db_url), spool=tmp_path / "spool")
    assert result.returncode == 0, result.stderr
    assert "ps" in result.stderr and "CHITIEU_KEY" in result.stderr and result.stderr.count("\n") == 1


def test_no_key_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text(HEADER + quarters(1))
    result = push(str(source), "--server", "http://127.0.0.1:9", spool=tmp_path / "spool")
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "CHITIEU_KEY" in result.stderr


# ------------------------------------------------------------------------------------- a refused batch


def test_a_refused_batch_is_set_aside_and_never_blocks_later_pushes(
    tmp_path: Path, server: ServerThread, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    spool = tmp_path / "spool"
    env = {"CHITIEU_KEY": make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])}
    outside, inside = tmp_path / "quang_ngai.csv", tmp_path / "dong_thap.csv"
    outside.write_text(HEADER + QNGAI)
    inside.write_text(HEADER + quarters(3))

    first = push(str(outside), "--server", server.url, "--decimal", "comma", spool=spool, env=env)
    assert first.returncode == 2, first.stderr
    refusals = [line for line in first.stderr.splitlines() if "1.1" in line]
    assert len(refusals) == 1 and "403" in refusals[0] and "--drop 1.1" in refusals[0], first.stderr
    problem = json.loads((spool / "rejected" / "1.1.problem.json").read_text())
    assert problem["status"] == 403 and problem["type"].endswith("out-of-scope")

    second = push(str(inside), "--server", server.url, "--decimal", "comma", spool=spool, env=env)
    assert second.returncode == 0, second.stderr
    assert "imported 3" in second.stdout and "1.1" not in second.stderr, "reported once, and not sent again"
    assert [indicator for indicator, _ in stored(conn)] == ["dthap-2023.budget_revenue"] * 3

    listed = push("--list", spool=spool)
    assert listed.returncode == 0
    assert [line.split()[:2] for line in listed.stdout.splitlines()] == [["1.1", "rejected"]]
    assert "403" in listed.stdout and str(outside) in listed.stdout
    assert push("--drop", "1.1", spool=spool).returncode == 0
    assert "trống" in push("--list", spool=spool).stdout
    missing = push("--drop", "1.1", spool=spool)
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1


def test_a_wrong_key_keeps_every_batch_pending(tmp_path: Path, server: ServerThread) -> None:
    source = tmp_path / "a.csv"
    source.write_text(HEADER + quarters(4))
    result = push(str(source), "--server", server.url, "--batch-rows", "2", spool=tmp_path / "spool",
                  env={"CHITIEU_KEY": "ctk_not-a-key"})  # fmt: skip
    assert result.returncode == 1 and "401" in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert [entry.state for entry in Spool(tmp_path / "spool").entries()] == ["pending", "pending"]


class FlakyIngest(BaseHTTPRequestHandler):
    """Answers 500 to a batch holding BOOM (as a server bug would), and takes every other batch."""

    seen: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FlakyIngest.seen.append(body)
        status, answer = (500, {"status": 500, "title": "Internal Server Error"}) if b"BOOM" in body else (200, {})
        payload = json.dumps({"imported": body.count(b"\n") - 1, **answer} if status == 200 else answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_a_batch_that_keeps_failing_with_500_is_set_aside_after_its_retries(tmp_path: Path) -> None:
    http = ThreadingHTTPServer(("127.0.0.1", 0), FlakyIngest)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{http.server_address[1]}"
        pusher = Pusher(url, "ctk_x", tmp_path / "spool", max_attempts=3, sleep=lambda s: None)
        bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
        bad.write_text(HEADER + "dthap-2023.budget_revenue;dong_thap;2023;1;official;BOOM\n")
        good.write_text(HEADER + quarters(2))
        pusher.spool(bad, 10)
        pusher.spool(good, 10)
        report = pusher.send_spool()
    finally:
        http.shutdown()
    assert [(refused.batch_id, refused.status) for refused in report.refused] == [("1.1", 500)]
    assert report.imported == 2 and report.batches_sent == 1 and pusher.pending() == []
    assert sum(b"BOOM" in body for body in FlakyIngest.seen) == 3, "retried max_attempts times"


# ------------------------------------------------------------------------------------ order of the spool


def test_files_are_sent_in_the_order_they_were_written(tmp_path: Path) -> None:
    pusher = Pusher("http://127.0.0.1:9", "ctk_x", tmp_path / "spool")
    for number in range(12):  # all within a second or two
        source = tmp_path / f"{number}.csv"
        source.write_text(HEADER + quarters(3))
        assert pusher.spool(source, batch_rows=2) == 2
    files = [json.loads(path.with_suffix(".json").read_text())["file"] for path in pusher.pending()]
    assert files == [str(tmp_path / f"{number}.csv") for number in range(12) for _ in range(2)]


# ------------------------------------------------------------------------------------ a file read whole first


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        (b"dthap-2023.budget_revenue;dong_thap;2023;1;official;caf\xe9\n", ["row 8", "0xe9"]),
        (b'dthap-2023.budget_revenue;dong_thap;2023;1;official;"open\n' + DTHAP.format(period="2024", value=1).encode(),
         ["8"]),
        (b"dthap-2023.budget_revenue;dong_thap;2023;1;official\n", ["8"]),
    ],
    ids=["bad-byte", "unclosed-quote", "cells-missing"],
)  # fmt: skip
def test_a_bad_row_far_down_queues_nothing(
    tmp_path: Path, server: ServerThread, db_url: str, conn: psycopg.Connection[Any], tail: bytes, expected: list[str]
) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes((HEADER + quarters(6)).encode() + tail)  # rows 2-7 fine, row 8 broken: after 3 batches of 2
    result = push(str(source), "--server", server.url, "--batch-rows", "2", spool=tmp_path / "spool",
                  env={"CHITIEU_KEY": make_key(db_url)})  # fmt: skip
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and str(source) in result.stderr
    for text in expected:
        assert text in result.stderr.replace("dòng", "row").replace("line", "row"), result.stderr
    assert Spool(tmp_path / "spool").entries() == [] and not list((tmp_path / "spool").glob("**/*.csv"))
    assert stored(conn) == [], "nothing of the file reached the server"


cells = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(st.one_of(st.just([]), st.lists(cells, min_size=6, max_size=6)), max_size=25),
    batch_rows=st.integers(min_value=1, max_value=7),
)
def test_batches_keep_every_record_and_its_row_number(records: list[list[str]], batch_rows: int) -> None:
    """Whatever the cells hold (quotes, separators, line breaks), the batches read back as the server reads them give
    the file's records, each numbered as in the file."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["indicator", "region", "period", "value", "status", "note"])
    writer.writerows(records)
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "f.csv"
        source.write_text(out.getvalue(), encoding="utf-8")
        expected = list(read_csv(source.read_bytes()))
        if any("__malformed__" in row for _, row in expected):
            return  # a record the reader refuses (e.g. a cell that looks like a swallowed record): tested above
        got: list[tuple[int, dict[str, object]]] = []
        for first_row, body in split_csv(source, batch_rows):
            got.extend((first_row + number - 2, dict(row)) for number, row in read_csv(body))
    assert got == [(number, dict(row)) for number, row in expected]
