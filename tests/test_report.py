"""The periodic results report, opened with real readers: python-docx, openpyxl, poppler's pdftotext and pdftoppm.

Document 002's own 2023 results are the reference: with examples/ pushed, the report as of early 2024 shows new party
members 1.967 against 1.910 (Vượt), new-rural communes 6 against 7 (Không đạt), GRDP +3,03% against -3,5 to -3% (Vượt).
"""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import openpyxl
import pytest
from docx import Document
from docx.enum.section import WD_ORIENT

from api.report.words import plan_text, report_period_vi
from api.routes.reports import content_disposition
from indicators.model import TargetBasis, TargetKind
from indicators.periods import Period
from tests.conftest import ServerThread, settings_for
from tests.ingest_helpers import make_key
from tests.test_status import indicator, target

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2024-01-31"
PROGRAMME = "qngai-2024"


@pytest.fixture
def pushed(client: httpx.Client, db_url: str) -> httpx.Client:
    response = client.post(
        "/v1/observations",
        content=(REPO / "examples" / "qngai-2023-results.csv").read_bytes(),
        params={"decimal": "comma"},
        headers={"Authorization": f"Bearer {make_key(db_url)}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    return client


def fetch(client: httpx.Client, report_format: str, **params: str) -> httpx.Response:
    response = client.get(f"/v1/reports/{PROGRAMME}", params={"as_of": AS_OF, "format": report_format, **params})
    assert response.status_code == 200, response.text
    return response


def xlsx_rows(content: bytes, sheet: str | None = None) -> dict[str, dict[str, Any]]:
    """The appendix rows by indicator name: value and number format of every column."""
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    header = [cell.value for cell in worksheet[4]]
    rows = {}
    for line in worksheet.iter_rows(min_row=5):
        values = {title: cell.value for title, cell in zip(header, line, strict=True)}
        values["formats"] = {title: cell.number_format for title, cell in zip(header, line, strict=True)}
        rows[str(values["Chỉ tiêu"])] = values
    return rows


PARTY = "Số đảng viên mới được kết nạp"
COMMUNES = "Số xã đạt chuẩn quốc gia về nông thôn mới trong năm"
GRDP = "Tốc độ tăng trưởng tổng sản phẩm trên địa bàn (GRDP)"


def find(rows: dict[str, dict[str, Any]], start: str) -> dict[str, Any]:
    matches = [row for name, row in rows.items() if name.startswith(start)]
    assert len(matches) == 1, (start, list(rows))
    return matches[0]


def test_xlsx_reproduces_document_002(pushed: httpx.Client) -> None:
    response = fetch(pushed, "xlsx")
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Quảng Ngãi" and len(workbook.sheetnames) == 3  # one sheet per region
    sheet = workbook.worksheets[0]
    assert sheet.freeze_panes == "C5"
    assert sheet.column_dimensions["B"].width >= 40
    rows = xlsx_rows(response.content)

    party = find(rows, PARTY)
    assert party["Thực hiện"] == 1967 and isinstance(party["Thực hiện"], float | int)
    assert party["Kế hoạch"] == "1.910"
    assert party["Đánh giá"] in ("Đạt", "Vượt")
    assert party["So sánh"] == pytest.approx(100 * 1967 / 1910)
    assert "#,##0" in party["formats"]["Thực hiện"] and "Ước" not in party["formats"]["Thực hiện"]

    communes = find(rows, COMMUNES)
    assert communes["Thực hiện"] == 6
    assert '"Ước "' in communes["formats"]["Thực hiện"]  # an estimate: still a number, shown as "Ước 6"
    assert communes["Kế hoạch"] == "7"
    assert communes["Đánh giá"] == "Không đạt"

    grdp = find(rows, GRDP)
    assert grdp["Thực hiện"] == pytest.approx(3.03)
    assert grdp["Kế hoạch"] == "từ -3,5% đến -3%"
    assert grdp["So sánh"] == pytest.approx(6.03)  # points above the top of the plan
    assert grdp["Đánh giá"] == "Vượt"
    assert grdp["Kỳ số liệu"] == "Năm 2023"

    budget = find(rows, "Thu ngân sách nhà nước")  # item 7: its 1,05 is derived, the document prints words
    assert budget["Kế hoạch"] == "vượt mức chỉ tiêu Trung ương giao trên 5%"


def test_docx_layout_and_content(pushed: httpx.Client) -> None:
    response = fetch(pushed, "docx")
    disposition = response.headers["content-disposition"]
    assert "filename*=UTF-8''" in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("Báo cáo kết quả thực hiện chỉ tiêu")
    document = Document(io.BytesIO(response.content))
    first, last = document.sections[0], document.sections[-1]
    assert first.orientation == WD_ORIENT.PORTRAIT and first.page_width < first.page_height
    assert round(first.page_width.mm) == 210 and round(first.page_height.mm) == 297
    assert last.orientation == WD_ORIENT.LANDSCAPE and last.page_width > last.page_height
    normal = document.styles["Normal"].font
    assert normal.name == "Liberation Serif" and normal.size.pt in (13, 14)

    header_text = "\n".join(cell.text for cell in document.tables[0].rows[0].cells)
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in header_text and "TỈNH ỦY" in header_text
    assert "Quảng Ngãi, ngày 31 tháng 01 năm 2024" in header_text
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text and "Kết quả thực hiện các chỉ tiêu năm 2023" in text
    assert "2/" in text and "chỉ tiêu đạt và vượt kế hoạch" in text and "chỉ tiêu không đạt" in text

    appendices = [t for t in document.tables if len(t.columns) == 8]
    assert len(appendices) == 3  # one table per region, the province first
    appendix = appendices[0]
    header = [cell.text for cell in appendix.rows[0].cells]
    assert header == ["STT", "Chỉ tiêu", "Đơn vị tính", "Kế hoạch", "Thực hiện", "So sánh", "Đánh giá", "Kỳ số liệu"]
    body = {row.cells[1].text: [cell.text for cell in row.cells] for row in appendix.rows[1:]}
    assert "1.967" in find_cells(body, PARTY) and "Vượt" in find_cells(body, PARTY)
    assert "Ước 6" in find_cells(body, COMMUNES) and "Không đạt" in find_cells(body, COMMUNES)
    assert "+6,03 điểm %" in find_cells(body, GRDP)
    assert document.inline_shapes, "a chart for the missed indicator"


def find_cells(body: dict[str, list[str]], start: str) -> list[str]:
    matches = [cells for name, cells in body.items() if name.startswith(start)]
    assert matches, start
    return matches[0]


def test_pdf_text_and_every_page_renders(pushed: httpx.Client, tmp_path: Path) -> None:
    response = fetch(pushed, "pdf")
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("ĐẢNG CỘNG SẢN VIỆT NAM", "BIỂU KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU", "1.967", "Ước 6", "Không đạt"):
        assert expected in text, expected
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= 3
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(pdf), str(tmp_path / "page")], check=True)
    rendered = sorted(tmp_path.glob("page-*.png"))
    assert len(rendered) == pages and all(png.stat().st_size > 1000 for png in rendered)
    sizes = subprocess.run(["pdfinfo", "-f", "1", "-l", str(pages), str(pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 595.276" in sizes or "842 x 595" in sizes  # the landscape appendix


def test_html_and_errors(pushed: httpx.Client) -> None:
    response = fetch(pushed, "html")
    assert response.headers["content-type"].startswith("text/html")
    assert "<table" in response.text and "Không đạt" in response.text
    missing = pushed.get("/v1/reports/no-such-programme", params={"format": "pdf"})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
    assert pushed.get(f"/v1/reports/{PROGRAMME}", params={"format": "odt"}).status_code == 422


def test_rows_match_the_status_board(pushed: httpx.Client) -> None:
    """What the report says of each indicator is what /v1/status says for the same as_of: the assessment, the period
    and, for indicators judged on the reported value, the figure."""
    board = pushed.get("/v1/status", params={"programme": PROGRAMME, "as_of": AS_OF}).json()["items"]
    indicators = {i["code"]: i for i in pushed.get("/v1/indicators", params={"programme": PROGRAMME}).json()["items"]}
    workbook = openpyxl.load_workbook(io.BytesIO(fetch(pushed, "xlsx").content))
    labels = {
        "achieved": {"Đạt", "Vượt"},
        "missed": {"Không đạt"},
        "on_track": {"Đúng tiến độ"},
        "at_risk": {"Có nguy cơ"},
        "off_track": {"Chậm tiến độ"},
        "no_data": {"Chưa có số liệu"},
        "not_computable": {"Chưa đánh giá được"},
    }
    region_names = {"quang_ngai": "Quảng Ngãi", "quang_ngai.mien_nui": "Miền núi", "quang_ngai.dong_bang": "Đồng bằng"}
    judged_with_figures = 0
    for item in board:
        sheet = workbook[region_names[item["region"]]]
        rows = {line[1]: line for line in sheet.iter_rows(min_row=5, values_only=True)}
        indicator = indicators[item["indicator"]]
        line = rows[indicator["name_vi"]]
        assert (line[0] or "") == (indicator["number"] or "")  # STT as printed
        # A current target still without data: the report of the year before shows the outcome the board keeps.
        judged = item["previous"] if item["previous"] and item["period"] is None else item
        assert line[6] in labels[judged["status"]], (item, line)
        if judged["period"] is not None:
            assert line[7] == report_period_label(judged["period"])
            if all(t["basis"] == "value" for t in indicator["targets"]) and judged["actual"] is not None:
                assert line[4] == pytest.approx(judged["actual"])
                judged_with_figures += 1
    assert judged_with_figures == 3  # party members, communes, GRDP: the figures of document 002
    assert sum(ws.max_row - 4 for ws in workbook.worksheets) == len(board)  # one row per indicator and region


def report_period_label(period: str) -> str:
    return Period.parse(period).label_vi


def test_cli_writes_the_file_whole(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "CHITIEU_DATABASE_URL": db_url, "CHITIEU_LOAD_CATALOGUE_ON_START": "false"}
    out = tmp_path / "bao-cao.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "report", "--programme", PROGRAMME, "--as-of", AS_OF, "--format", "xlsx",
         "--out", str(out)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out).worksheets[0]["A1"].value == "BIỂU KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"
    failed = subprocess.run(
        [sys.executable, "-m", "api.cli", "report", "--programme", "nope", "--format", "pdf", "--out",
         str(tmp_path / "x.pdf")],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=120,
    )  # fmt: skip
    assert failed.returncode == 1 and len(failed.stderr.strip().splitlines()) == 1, failed.stderr
    assert "nope" in failed.stderr and not (tmp_path / "x.pdf").exists()


def test_content_disposition_names_the_file_in_vietnamese() -> None:
    header = content_disposition("Báo cáo đến 31-01-2024.pdf")
    assert header.startswith('attachment; filename="Bao_cao_den_31-01-2024.pdf"')
    assert unquote(header.split("filename*=UTF-8''")[1]) == "Báo cáo đến 31-01-2024.pdf"


@pytest.mark.parametrize(
    ("quote", "printed"),
    [
        (
            "Phấn đấu thu ngân sách vượt mức chỉ tiêu Trung ương giao trên 5%.",
            "vượt mức chỉ tiêu Trung ương giao trên 5%",
        ),
        ("nỗ lực phấn đấu đạt mục tiêu tăng trưởng 2 con số", "đạt mục tiêu tăng trưởng 2 con số"),
        ("Kim ngạch xuất khẩu  gấp đôi năm 2020", "gấp đôi năm 2020"),
        ("Hoàn thành kế hoạch Trung ương giao", "Hoàn thành kế hoạch Trung ương giao"),  # no target verb: all of it
    ],
)
def test_a_derived_target_is_printed_in_the_documents_words(quote: str, printed: str) -> None:
    derived = target("2024", TargetKind.at_least, quote, value=1.05, strict=True, derived=True,
                     basis=TargetBasis.multiple_of_baseline)  # fmt: skip
    assert plan_text(indicator("x", [derived], unit="billion_vnd"), derived) == printed
    printed_figure = target("2024", TargetKind.at_least, quote, value=1.05, strict=True)
    assert plan_text(indicator("x", [printed_figure], unit="times"), printed_figure) == "trên 1,05"


def test_the_period_a_report_reviews() -> None:
    assert report_period_vi(date(2024, 1, 31)) == "năm 2023"
    assert report_period_vi(date(2023, 12, 31)) == "năm 2023"
    assert report_period_vi(date(2024, 6, 30)) == "6 tháng đầu năm 2024"
    assert report_period_vi(date(2024, 7, 15)) == "6 tháng đầu năm 2024"


def test_known_at_reads_only_what_was_recorded_by_then(pushed: httpx.Client) -> None:
    """known_at goes through to the board: before the push, nothing of 2023 was known."""
    before = xlsx_rows(fetch(pushed, "xlsx", known_at="2020-01-01").content)
    assert find(before, PARTY)["Thực hiện"] is None
    assert find(before, PARTY)["Đánh giá"] == "Chưa có số liệu"
    today = xlsx_rows(fetch(pushed, "xlsx", known_at="2100-01-01").content)
    assert find(today, PARTY)["Thực hiện"] == 1967


def test_keyed_reads_keep_a_key_to_its_programmes(db_url: str) -> None:
    with ServerThread(settings_for(db_url, reads="keyed")) as server, httpx.Client(base_url=server.url) as http:
        params = {"as_of": AS_OF, "format": "html"}
        assert http.get(f"/v1/reports/{PROGRAMME}", params=params).status_code == 401
        other = {"Authorization": f"Bearer {make_key(db_url, regions=['dong_thap'], programmes=['dthap-2023'])}"}
        refused = http.get(f"/v1/reports/{PROGRAMME}", params=params, headers=other)
        assert refused.status_code == 403, refused.text
        own = {"Authorization": f"Bearer {make_key(db_url, regions=['quang_ngai'], programmes=[PROGRAMME])}"}
        assert http.get(f"/v1/reports/{PROGRAMME}", params=params, headers=own).status_code == 200
