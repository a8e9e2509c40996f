"""Workbooks in and out over real HTTP on the real database: LibreOffice-made fixtures (tests/fixtures/xlsx, made by
make_fixtures.py), errors naming their cells, atomic and partial, the template of a key, the exports."""

import io
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import psycopg
import pytest

from tests.ingest_helpers import make_key, post_json

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TYPES = {".xlsx": XLSX, ".xls": "application/vnd.ms-excel", ".ods": "application/vnd.oasis.opendocument.spreadsheet"}
GRDP = "dthap-2023.grdp_growth"
BUDGET = "dthap-2023.budget_revenue"
URBAN = "dthap-2023.urbanisation_rate"


def post(client: httpx.Client, token: str, body: bytes, content_type: str = XLSX, **params: Any) -> httpx.Response:
    return client.post(
        "/v1/observations",
        content=body,
        params=params,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )


def stored(conn: psycopg.Connection[Any]) -> dict[tuple[str, str], tuple[float, str, str | None]]:
    rows = conn.execute("SELECT indicator, period, value, status, note FROM observations_current").fetchall()
    return {(indicator, period): (value, status, note) for indicator, period, value, status, note in rows}


def workbook(rows: list[list[Any]], sheet: str = "Số liệu") -> bytes:
    book = openpyxl.Workbook()
    worksheet = book.active
    assert worksheet is not None
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def token(db_url: str) -> str:
    return make_key(db_url)


def test_the_libreoffice_filled_template_is_imported(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    response = post(client, token, (FIXTURES / "template-filled.xlsx").read_bytes())
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 3
    values = stored(conn)
    assert values[(GRDP, "2023-Q2")] == (7.3, "estimate", "ước 6 tháng")
    assert values[(BUDGET, "2023-Q2")] == (3950.5, "preliminary", None)  # a formula: its cached value
    assert values[(URBAN, "2023")][:2] == (36.2, "official")
    again = post(client, token, (FIXTURES / "template-filled.xlsx").read_bytes())
    assert again.json()["ignored"] == 3  # re-sending the form writes nothing twice


def test_a_vietnamese_csv_made_a_workbook_by_libreoffice_has_numeric_cells(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    response = post(client, token, (FIXTURES / "vietnamese-csv.xlsx").read_bytes())  # no decimal format needed
    assert response.status_code == 200, response.text
    assert stored(conn)[(BUDGET, "2023-Q2")][0] == 3950.5
    assert stored(conn)[(GRDP, "2023-Q1")][0] == 6.9


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])  # .ods merges read from the file (workbook_cells)
def test_several_sheets_merged_and_hidden_rows(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any], suffix: str
) -> None:
    response = post(client, token, (FIXTURES / f"several-sheets{suffix}").read_bytes(), TYPES[suffix])
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 4
    values = stored(conn)
    assert values[(GRDP, "2023-Q2")][:2] == (7.3, "estimate")  # the hidden row, its region merged from the row above
    assert values[(URBAN, "2023")][0] == 36.2  # the year typed as a number


def test_errors_name_sheet_and_cell_and_nothing_is_written(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    body = workbook([
        ["indicator", "region", "period", "value", "status"],
        [GRDP, "dong_thap", "2023-Q1", 6.9, "chính thức"],
        [GRDP, "dong_thap", "2023-Q2", "1.967", None],
        [GRDP, "dong_thap", "2023-Q3", 7.0, "đoán"],
    ])  # fmt: skip
    response = post(client, token, body)
    assert response.status_code == 422
    errors = {error["cell"]: error["message"] for error in response.json()["errors"]}
    assert set(errors) == {"Số liệu!D3", "Số liệu!E4"}
    assert errors["Số liệu!D3"].startswith("Số liệu!D3: số '1.967' không rõ định dạng")
    assert stored(conn) == {}
    partial = post(client, token, body, partial="true")
    assert partial.status_code == 200
    assert (partial.json()["imported"], partial.json()["rejected"]) == (1, 2)
    assert stored(conn)[(GRDP, "2023-Q1")][0] == 6.9


def test_ambiguous_text_is_read_in_the_stated_format(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    body = workbook([["indicator", "region", "period", "value"], [BUDGET, "dong_thap", "2023-Q2", "3.950,5"],
                     [BUDGET, "dong_thap", "2023-Q3", "1.967"]])  # fmt: skip
    response = post(client, token, body, decimal="comma")
    assert response.status_code == 200, response.text
    assert stored(conn)[(BUDGET, "2023-Q3")][0] == 1967


def test_a_formula_without_a_cached_value_is_refused_by_its_cell(client: httpx.Client, token: str) -> None:
    response = post(client, token, (FIXTURES / "formula-without-value.xlsx").read_bytes())
    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["row"] == 3 and "Số liệu!D3" in error["message"] and "cached value" in error["message"]


def test_a_date_in_the_period_column_is_the_indicators_period(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    from datetime import date

    body = workbook([["indicator", "region", "period", "value"], [GRDP, "dong_thap", date(2023, 9, 30), 7.1],
                     [URBAN, "dong_thap", "Năm 2023", 36.4]])  # fmt: skip
    response = post(client, token, body)
    assert response.status_code == 200, response.text
    assert stored(conn)[(GRDP, "2023-Q3")][0] == 7.1  # quarterly: 30/09/2023 is in Q3
    assert stored(conn)[(URBAN, "2023")][0] == 36.4


def test_a_row_outside_the_keys_scope_names_its_cell(client: httpx.Client, db_url: str) -> None:
    token = make_key(db_url, regions=["quang_ngai"], programmes=["qngai-2024"])
    body = workbook([["indicator", "region", "period", "value"], [GRDP, "dong_thap", "2023-Q1", 6.9]])
    response = post(client, token, body)
    assert response.status_code == 403
    assert response.json()["errors"][0]["cell"] == "Số liệu!B2"


def test_the_template_lists_exactly_what_the_key_may_write(client: httpx.Client, db_url: str) -> None:
    token = make_key(db_url, regions=["dong_thap"], programmes=["dthap-2023"])
    response = client.get("/v1/templates", params={"period": "2023"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["Số liệu"]
    assert book.sheetnames == ["Số liệu", "Hướng dẫn"]
    assert sheet["D2"].value == "Cơ quan báo cáo:" and sheet["F2"].value == "Cục Thống kê (test)"
    assert "Hạn nộp: 30/01/2024" in str(sheet["F4"].value)
    rows = list(sheet.iter_rows(min_row=6, values_only=True))
    keys = {(row[0], row[1], row[2]) for row in rows}
    assert (GRDP, "dong_thap", "2023-Q2") in keys and (URBAN, "dong_thap", "2023") in keys
    assert all(row[0].startswith("dthap-2023.") and row[1] == "dong_thap" for row in rows)
    grdp_q2 = next(row for row in rows if row[0] == GRDP and row[2] == "2023-Q2")
    assert grdp_q2[6] == "Quý II/2023" and grdp_q2[11] is None
    # Code columns hidden and locked, the sheet protected, value cells open with number validation.
    hidden = {n for d in sheet.column_dimensions.values() if d.hidden for n in range(d.min or 0, (d.max or 0) + 1)}
    assert hidden == {1, 2, 3}  # A-C
    assert sheet.protection.sheet and sheet["A6"].protection.locked and not sheet["L6"].protection.locked
    kinds = {v.type for v in sheet.data_validations.dataValidation}
    assert {"decimal", "list"} <= kinds
    status_list = next(v for v in sheet.data_validations.dataValidation if v.type == "list")
    assert status_list.formula1 == '"chính thức,sơ bộ,ước tính"'
    other = make_key(db_url, regions=["quang_ngai"], programmes=["qngai-2024"])
    theirs = client.get("/v1/templates", params={"period": "2023"}, headers={"Authorization": f"Bearer {other}"})
    codes = {
        row[0]
        for row in openpyxl.load_workbook(io.BytesIO(theirs.content))["Số liệu"].iter_rows(min_row=6, values_only=True)
    }
    assert codes and all(code.startswith("qngai-2024.") for code in codes)


def test_the_template_shows_the_last_reported_value(client: httpx.Client, token: str) -> None:
    post_json(client, token, [{"indicator": GRDP, "region": "dong_thap", "period": "2023-Q1", "value": 6.9}])
    response = client.get("/v1/templates", params={"from": "2023-Q2", "to": "2023-Q2", "programme": "dthap-2023"},
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["Số liệu"]
    grdp = next(row for row in sheet.iter_rows(min_row=6, values_only=True) if row[0] == GRDP)
    assert (grdp[2], grdp[9], grdp[10]) == ("2023-Q2", 6.9, "Quý I/2023")


def test_the_template_needs_a_key_and_a_valid_period(client: httpx.Client, token: str) -> None:
    assert client.get("/v1/templates").status_code == 401
    bad = client.get("/v1/templates", params={"period": "2023-Q5"}, headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 422


def test_exports_have_numbers_as_numbers_and_no_formula_can_run(client: httpx.Client, token: str) -> None:
    post_json(client, token, [{"indicator": GRDP, "region": "dong_thap", "period": "2023-Q2", "value": 7.3,
                               "note": '=HYPERLINK("http://evil.invalid","bấm")'}])  # fmt: skip
    board = client.get("/v1/status", params={"programme": "dthap-2023", "as_of": "2023-12-31", "format": "xlsx"})
    assert board.status_code == 200 and board.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(board.content))["Tình hình"]
    grdp = next(row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0] == GRDP)
    assert isinstance(grdp[5], float) and grdp[5] == 7.3
    series = client.get(f"/v1/indicators/{GRDP}/series", params={"format": "xlsx", "as_of": "2023-12-31"})
    book = openpyxl.load_workbook(io.BytesIO(series.content))
    revision = next(book["Các lần điều chỉnh"].iter_rows(min_row=4, values_only=True))
    assert revision[2] == 7.3
    assert revision[4] == '\'=HYPERLINK("http://evil.invalid","bấm")'  # text, neutralised
    cells = [cell for row in book["Các lần điều chỉnh"].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)


def test_an_offices_template_joins_its_keys_rows_not_their_scopes(db_url: str, conn: psycopg.Connection[Any]) -> None:
    """Two keys of one office: Quảng Trị for qtri-dh1, Đồng Tháp for qtri-kh184 and dthap-2023. The office may not
    write qtri-kh184 in Quảng Trị, which the union of the two scopes would allow."""
    from indicators.periods import Period
    from ingest.catalogue_store import read_catalogue
    from ingest.keys import create_key
    from ingest.templates import build_form, office_keys

    create_key(conn, office="Sở A", regions=["quang_tri"], programmes=["qtri-dh1"])
    create_key(conn, office="Sở A", regions=["dong_thap"], programmes=["qtri-kh184", "dthap-2023"])
    year = Period.parse("2026")
    form = build_form(conn, read_catalogue(conn), office_keys(conn, "Sở A"), year, year)
    programmes = {(row.due.indicator.programme, row.due.region) for row in form.rows}
    assert programmes == {("qtri-dh1", "quang_tri")}
