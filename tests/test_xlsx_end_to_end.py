"""An office's round trip: download its template over HTTP, fill it, let LibreOffice open and save it, push it with the
push client, and see the values on the board. Also `chitieu template` and `chitieu status --xlsx` from the command."""

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from api.push_client import Pusher
from api.xlsx_template import HEADER_ROW, VALUE_COLUMN
from tests.ingest_helpers import make_key

ROOT = Path(__file__).resolve().parents[1]
GRDP = "dthap-2023.grdp_growth"
URBAN = "dthap-2023.urbanisation_rate"
pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")


def libreoffice_round_trip(source: Path, work: Path) -> Path:
    """LibreOffice opens the workbook and saves it as .xlsx again, as an office's spreadsheet program would."""
    out = work / "saved"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--convert-to",
         "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return out / source.name


def test_template_fill_libreoffice_push_board(api_url: str, db_url: str, tmp_path: Path) -> None:
    token = make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])
    with httpx.Client(base_url=api_url, timeout=60) as client:
        response = client.get("/v1/templates", params={"period": "2023"}, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet = book["Số liệu"]
        filled = {(GRDP, "2023-Q4"): (7.1, "sơ bộ"), (URBAN, "2023"): ("=36+0.4", "chính thức")}
        for row in sheet.iter_rows(min_row=HEADER_ROW + 2):
            wanted = filled.get((row[0].value, row[2].value))
            if wanted:
                row[VALUE_COLUMN].value, row[VALUE_COLUMN + 1].value = wanted
        form = tmp_path / "bieu-mau.xlsx"
        book.save(form)
        saved = libreoffice_round_trip(form, tmp_path)

        pusher = Pusher(api_url, token, tmp_path / "spool")
        assert pusher.spool(saved, batch_rows=50_000) == 1
        assert [batch.rows() for batch in pusher.store.pending()] == [2]  # the filled rows; the empty ones are skipped
        report = pusher.send_spool()
        assert (report.imported, report.rejected, report.errors) == (2, 0, [])

        board = client.get("/v1/status", params={"programme": "dthap-2023", "as_of": "2024-01-31"}).json()
    items = {item["indicator"]: item for item in board["items"] if item["region"] == "dong_thap"}
    assert (items[GRDP]["period"], items[GRDP]["actual"]) == ("2023-Q4", 7.1)
    assert (items[URBAN]["period"], items[URBAN]["actual"]) == ("2023", 36.4)  # the formula's value
    assert items[URBAN]["status"] in ("achieved", "missed")


def test_push_reports_a_bad_cell_by_its_name(api_url: str, db_url: str, tmp_path: Path) -> None:
    token = make_key(db_url)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Số liệu"
    sheet.append(["indicator", "region", "period", "value"])
    sheet.append([GRDP, "dong_thap", "2023-Q2", "bảy"])
    form = tmp_path / "plain.xlsx"
    book.save(form)
    pusher = Pusher(api_url, token, tmp_path / "spool")
    pusher.spool(libreoffice_round_trip(form, tmp_path), batch_rows=50_000)
    report = pusher.send_spool()
    assert report.rejected == 1
    assert report.errors[0]["row"] == 2 and report.errors[0]["cell"] == "Số liệu!D2"


def chitieu(db_url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment: dict[str, Any] = {**os.environ, "CHITIEU_DATABASE_URL": db_url, "CHITIEU_LOAD_CATALOGUE_ON_START": "0"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *arguments], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_the_template_and_status_commands_write_workbooks(db_url: str, tmp_path: Path) -> None:
    make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])
    form = tmp_path / "form.xlsx"
    done = chitieu(db_url, "template", "--office", "Cục Thống kê (test)", "--period", "2023-Q2", "--out", str(form))
    assert done.returncode == 0, done.stderr
    rows = list(openpyxl.load_workbook(form)["Số liệu"].iter_rows(min_row=HEADER_ROW + 2, values_only=True))
    # The periods ending within 2023-Q2: the quarter, and the first half of the half-yearly indicators.
    assert {row[2] for row in rows} == {"2023-Q2", "2023-H1"}
    unknown = chitieu(db_url, "template", "--office", "Không có", "--out", str(form))
    assert unknown.returncode == 1 and unknown.stderr.count("\n") == 1 and "Traceback" not in unknown.stderr
    board = tmp_path / "board.xlsx"
    done = chitieu(db_url, "status", "--programme", "dthap-2023", "--as-of", "2023-12-31", "--xlsx", str(board))
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(board).sheetnames == ["Tình hình"]
