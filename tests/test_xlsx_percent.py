"""A value typed as 7,5% in a percentage-formatted cell: the file stores 0,075 and the clerk means 7,5. Read as shown
for a % indicator, refused by its cell for another unit; a fraction in a cell without a percentage format is warned
of (refused under strict=true). The same in an .xls, whose formats are read from its BIFF8 records (ingest/xls_cells.py)
on files LibreOffice writes here. And .ods merged ranges, which calamine does not report, read as for .xlsx."""

import io
import shutil
import subprocess
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.catalogue import load_catalogue
from ingest.workbook_cells import ods_cells, percent_styles
from ingest.xls_cells import xls_cells
from ingest.xlsx_reader import read_workbook
from tests.ingest_helpers import make_key
from tests.test_xlsx_api import FIXTURES, URBAN, post, stored

BUDGET = "dthap-2023.budget_revenue"
HEADER = ["indicator", "region", "period", "value"]
CATALOGUE = load_catalogue()


def percent_workbook(rows: list[list[Any]], value_format: str = "0.0%") -> bytes:
    """A workbook as Excel writes one after a clerk typed 7,5% into value cells (format `value_format`)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Số liệu")
    shown = book.add_format({"num_format": value_format})
    sheet.write_row(0, 0, HEADER)
    for index, row in enumerate(rows, start=1):
        sheet.write_row(index, 0, row[:3])
        sheet.write_number(index, 3, row[3], shown)
    book.close()
    return out.getvalue()


def read(body: bytes) -> list[tuple[int, Mapping[str, object]]]:
    rows = read_workbook(body, lambda code: None)
    rows.indicator_of = CATALOGUE.indicators.get
    return list(rows)


def test_a_percentage_cell_is_read_as_shown_for_a_percent_indicator() -> None:
    ((number, row),) = read(percent_workbook([[URBAN, "dong_thap", "2023", 0.362]]))
    assert (number, row["value"]) == (2, 36.2)
    ((_, small),) = read(percent_workbook([[URBAN, "dong_thap", "2023", 0.075]], "0.00%"))
    assert small["value"] == 7.5  # not 7,500000000000001


def test_a_unit_shown_in_quotes_is_not_a_percentage_format() -> None:
    ((_, row),) = read(percent_workbook([[URBAN, "dong_thap", "2023", 36.2]], '0.0##"%"'))  # the template's format
    assert row["value"] == 36.2
    assert percent_styles(b'<numFmts><numFmt numFmtId="164" formatCode="0\\%"/></numFmts><cellXfs>'
                          b'<xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="10"/></cellXfs>') == {2}  # fmt: skip


def test_a_percentage_cell_for_another_unit_is_refused_by_its_cell() -> None:
    ((number, row),) = read(percent_workbook([[BUDGET, "dong_thap", "2023-Q2", 0.5]]))
    assert number == 2
    message = str(row["__malformed__"])
    assert message.startswith("Số liệu!D2: ô định dạng phần trăm (50%) nhưng đơn vị của chỉ tiêu là tỷ đồng")


def test_over_http_the_percentage_is_stored_as_shown_and_said(
    client: httpx.Client, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    response = post(client, make_key(db_url), percent_workbook([[URBAN, "dong_thap", "2023", 0.362]]))
    assert response.status_code == 200, response.text
    assert stored(conn)[(URBAN, "2023")][0] == 36.2
    assert response.json()["warnings"] == []
    assert any(notice.startswith("Số liệu!D2: ô định dạng phần trăm") for notice in response.json()["notices"])


def test_a_fraction_without_a_percentage_format_is_warned_of_by_its_cell(
    client: httpx.Client, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    token = make_key(db_url)
    body = percent_workbook([[URBAN, "dong_thap", "2023", 0.362]], '0.0##"%"')  # shows 0,362%: a slip
    strict = post(client, token, body, strict="true")
    assert strict.status_code == 422, strict.text
    assert strict.json()["errors"][0]["cell"] == "Số liệu!D2"
    response = post(client, token, body)
    assert response.status_code == 200, response.text
    (warning,) = response.json()["warnings"]
    assert warning["cell"] == "Số liệu!D2" and "giống một phân số" in warning["message"]


NO_LIBREOFFICE = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
FILTERS = {".xlsx": "xlsx:Calc MS Excel 2007 XML", ".ods": "ods", ".xls": "xls:MS Excel 97"}


def saved_by_libreoffice(folder: Path, suffix: str, *sources: Path) -> list[Path]:
    """The workbooks as LibreOffice saves them in another format (.xls: BIFF8, as Excel 97-2003 writes it)."""
    out = folder / "saved"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to",
         FILTERS[suffix], "--outdir", str(out), *map(str, sources)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return [out / f"{source.stem}{suffix}" for source in sources]


@NO_LIBREOFFICE
@pytest.mark.parametrize("suffix", [".xlsx", ".ods", ".xls"])
def test_a_percentage_cell_saved_by_libreoffice(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "typed.xlsx"
    source.write_bytes(percent_workbook([[URBAN, "dong_thap", "2023", 0.362], [BUDGET, "dong_thap", "2023-Q2", 1]]))
    (saved,) = saved_by_libreoffice(tmp_path, suffix, source)
    (first, second) = read(saved.read_bytes())
    assert first[1]["value"] == 36.2
    assert str(second[1]["__malformed__"]).startswith("Số liệu!D3: ô định dạng phần trăm (100%)")


def test_ods_merged_ranges_are_read_from_the_file() -> None:
    body = (FIXTURES / "several-sheets.ods").read_bytes()
    merged = ods_cells(zipfile.ZipFile(io.BytesIO(body)))["Dữ liệu"].merged
    assert ((0, 0), (0, 5)) in merged  # the title over six columns
    rows = [row for _, row in read_workbook(body, lambda code: None)]
    assert all(row["region"] == "dong_thap" for row in rows)  # a merged region cell gives its value to each row


def test_an_ods_value_merged_over_rows_is_refused_by_its_range(tmp_path: Path) -> None:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        '<office:spreadsheet><table:table table:name="Số liệu">'
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{name}</text:p></table:table-cell>'
            for name in HEADER
        )
        + "</table:table-row>"
        + "".join(
            f'<table:table-row><table:table-cell office:value-type="string"><text:p>{URBAN}</text:p></table:table-cell>'
            '<table:table-cell office:value-type="string"><text:p>dong_thap</text:p></table:table-cell>'
            f'<table:table-cell office:value-type="string"><text:p>{year}</text:p></table:table-cell>{value}'
            "</table:table-row>"
            for year, value in [
                (2023, '<table:table-cell office:value-type="float" office:value="36.2" '
                 'table:number-rows-spanned="2"><text:p>36,2</text:p></table:table-cell>'),
                (2024, "<table:covered-table-cell/>"),
            ]
        )
        + "</table:table></office:spreadsheet></office:body></office:document-content>"
    )  # fmt: skip
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type='
            '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml"'
            ' manifest:media-type="text/xml"/></manifest:manifest>',
        )
    problems = [row["__malformed__"] for _, row in read_workbook(out.getvalue(), lambda code: None)]
    assert problems and all(str(problem).startswith("Số liệu!D2:D3: ô giá trị bị gộp") for problem in problems)


def mixed_workbook(rows: int) -> bytes:
    """Percentages as numbers (RK and NUMBER records), a formula and a template's quoted "%" in the value column;
    a second sheet with a row of percentages side by side (one MULRK record)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Số liệu")
    one_decimal, whole, quoted = (book.add_format({"num_format": code}) for code in ("0.0%", "0%", '0.0"%"'))
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, [URBAN, "dong_thap", "2023"])
    sheet.write_number(1, 3, 0.362, one_decimal)
    sheet.write_row(2, 0, [BUDGET, "dong_thap", "2023-Q2"])
    sheet.write_number(2, 3, 1, whole)
    sheet.write_row(3, 0, [URBAN, "dong_thap", "2024"])
    sheet.write_formula(3, 3, "=D2+0.01", one_decimal, 0.372)
    sheet.write_row(4, 0, [URBAN, "dong_thap", "2025"])
    sheet.write_number(4, 3, 38.5, quoted)
    for row in range(5, rows):
        sheet.write_row(row, 0, [URBAN, f"region_{row}", "2023"])
        sheet.write_number(row, 3, 0.4, one_decimal)
    other = book.add_worksheet("Khác")
    other.write_row(0, 0, [1, 2, 3], whole)
    book.close()
    return out.getvalue()


@pytest.fixture(scope="module")
def xls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A small .xls (its Workbook stream under 4.096 bytes sits in the OLE2 mini stream) and a larger one."""
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    folder = tmp_path_factory.mktemp("xls")
    sources = {"small": 5, "large": 400}
    for name, rows in sources.items():
        (folder / f"{name}.xlsx").write_bytes(mixed_workbook(rows))
    saved = saved_by_libreoffice(folder, ".xls", *(folder / f"{name}.xlsx" for name in sources))
    return {path.stem: path.read_bytes() for path in saved}


def test_the_percentage_cells_of_an_xls(xls_files: dict[str, bytes]) -> None:
    small = xls_cells(xls_files["small"])
    assert {name: cells.percent for name, cells in small.items()} == {
        "Số liệu": {"D2", "D3", "D4"},  # not D5: "%" in quotes shows a unit
        "Khác": {"A1", "B1", "C1"},
    }
    large = xls_cells(xls_files["large"])["Số liệu"].percent
    assert large == {"D2", "D3", "D4", *(f"D{row}" for row in range(6, 401))}


def test_an_xls_percentage_cell_is_read_as_shown(xls_files: dict[str, bytes]) -> None:
    rows = [row for _, row in read(xls_files["small"])]
    assert [row.get("value") for row in rows] == [36.2, None, 37.2, 38.5]
    assert str(rows[1]["__malformed__"]).startswith("Số liệu!D3: ô định dạng phần trăm (100%)")
    large = [row.get("value") for _, row in read(xls_files["large"])]
    assert large[4:] == [40.0] * 395


def test_a_damaged_xls_gives_no_percentage_cells_and_no_crash(xls_files: dict[str, bytes]) -> None:
    body = xls_files["large"]
    assert xls_cells(body[:3000]) == {}
    assert xls_cells(body[:512] + b"\xff" * (len(body) - 512)) == {}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_damage_to_an_xls_is_survived(xls_files: dict[str, bytes], data: st.DataObject) -> None:
    body = bytearray(xls_files[data.draw(st.sampled_from(["small", "large"]))])
    for _ in range(data.draw(st.integers(1, 8))):
        body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    found = xls_cells(bytes(body[: data.draw(st.integers(0, len(body)))]))
    assert all(isinstance(cells.percent, set) for cells in found.values())
