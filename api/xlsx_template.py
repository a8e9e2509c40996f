"""The reporting template an office downloads, fills in a spreadsheet program and sends back (`chitieu push`).

Written with XlsxWriter (see README, "Why these libraries"). Sheet "Số liệu": a title block (office, programme,
period, due date) on rows 1-4, the header on row 5, one row per (indicator, region, period) due. The code columns
(indicator, region, period) are what the reader takes back: they are locked and hidden, and the sheet is protected so
that only the value, status and note cells can be typed into. Value cells check that a number is typed (whole and not
negative for counts, 0-100 for percentages) and show it in the unit's format; the status is chosen from a list.
A second sheet, "Hướng dẫn", explains the form in Vietnamese.
"""

import io
from datetime import date, timedelta

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from indicators.catalogue import Catalogue
from indicators.cells import STATUS_LABELS_VI
from indicators.forms import target_reference
from indicators.text import neutralise_formula
from indicators.units import UNITS, Unit
from ingest.templates import Form

HEADER_ROW = 4  # 0-based: row 5 as the sheet shows it
# (header label, width); the label's last bracket names the column for the reader (ingest/xlsx_reader.py).
COLUMNS = [
    ("indicator", 10),
    ("region", 10),
    ("period", 10),
    ("STT\n(number)", 6),
    ("Chỉ tiêu\n(name)", 60),
    ("Địa bàn\n(region name)", 18),
    ("Kỳ báo cáo\n(period name)", 16),
    ("Đơn vị\n(unit)", 12),
    ("Mục tiêu\n(target)", 16),
    ("Số liệu gần nhất\n(last value)", 14),
    ("Kỳ của số liệu gần nhất\n(last period)", 16),
    ("Giá trị\n(value)", 14),
    ("Trạng thái\n(status)", 14),
    ("Ghi chú\n(note)", 30),
]
CODE_COLUMNS = 3  # A-C
VALUE_COLUMN = 11  # L
LARGEST = 1e15


def unit_format(unit: Unit) -> str:
    """The display format of a value in this unit. Percentages keep the number as typed (7,5 shows as 7,5%): Excel's
    own % format would store 7,5% as 0,075."""
    if unit.counts:
        return "#,##0"
    if unit.symbol_vi.startswith("%") or unit.symbol_vi == "điểm %":
        return '0.0##"%"' if unit.symbol_vi.startswith("%") else '0.0##" điểm %"'
    return "#,##0.0##"


def _validation(unit: Unit) -> dict[str, object]:
    message = "Nhập một số (type a number)"
    if unit.counts:
        return {"validate": "integer", "criteria": ">=", "value": 0, "input_title": "Số nguyên",
                "error_message": "Nhập số nguyên không âm (a whole number, not negative)", "input_message": message}  # fmt: skip
    if unit.bounded:
        return {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100, "input_title": "Tỷ lệ %",
                "error_message": "Nhập tỷ lệ từ 0 đến 100, không gõ dấu % (0-100, without %)",
                "input_message": "Nhập 7,5 cho 7,5% (type 7.5 for 7.5%)"}  # fmt: skip
    low = -LARGEST if unit.may_be_negative else 0
    return {"validate": "decimal", "criteria": "between", "minimum": low, "maximum": LARGEST, "input_title": "Số",
            "error_message": "Nhập một số (type a number)", "input_message": message}  # fmt: skip


def due_date(form: Form, grace_days: int) -> date:
    return form.last.end + timedelta(days=grace_days)


def period_range_label(form: Form) -> str:
    if form.first == form.last:
        return form.first.label_vi
    return f"từ {form.first.label_vi} đến {form.last.label_vi}"


def template_workbook(form: Form, catalogue: Catalogue, grace_days: int) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    workbook.set_properties({"title": "Biểu mẫu báo cáo số liệu chỉ tiêu", "author": "chitieu"})
    sheet = workbook.add_worksheet("Số liệu")
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1, "bg_color": "#D9E1F2"})
    locked = workbook.add_format({"text_wrap": True, "valign": "top", "border": 1})
    input_text = workbook.add_format({"locked": False, "border": 1, "bg_color": "#FFF2CC"})
    formats = {
        code: workbook.add_format({"num_format": unit_format(unit), "border": 1}) for code, unit in UNITS.items()
    }
    inputs = {code: workbook.add_format({"num_format": unit_format(unit), "border": 1, "locked": False,
                                         "bg_color": "#FFF2CC"}) for code, unit in UNITS.items()}  # fmt: skip

    sheet.merge_range(0, 3, 0, len(COLUMNS) - 1, "BIỂU MẪU BÁO CÁO SỐ LIỆU THỰC HIỆN CHỈ TIÊU", title)
    programmes = [form.programme] if form.programme else sorted({r.due.indicator.programme for r in form.rows})
    _label(sheet, 1, "Cơ quan báo cáo:", form.office, bold)
    titles = "; ".join(catalogue.programmes[p].title_vi for p in programmes if p in catalogue.programmes)
    _label(sheet, 2, "Chương trình:", titles or "(không có chỉ tiêu nào đến hạn)", bold)
    due = due_date(form, grace_days)
    _label(sheet, 3, "Kỳ báo cáo:", f"{period_range_label(form)}  —  Hạn nộp: {due:%d/%m/%Y}", bold)

    for column, (label, width) in enumerate(COLUMNS):
        sheet.write_string(HEADER_ROW, column, label, header)
        sheet.set_column(column, column, width, None, {"hidden": column < CODE_COLUMNS})
    sheet.set_row(HEADER_ROW, 45)
    for offset, form_row in enumerate(form.rows):
        row = HEADER_ROW + 1 + offset
        due_row, indicator = form_row.due, form_row.due.indicator
        unit = UNITS[indicator.unit]
        region = catalogue.regions.get(due_row.region)
        texts = [indicator.code, due_row.region, str(due_row.period), indicator.number or "", indicator.name_vi,
                 region.name_vi if region else due_row.region, due_row.period.label_vi, unit.symbol_vi]  # fmt: skip
        for column, text in enumerate(texts):
            sheet.write_string(row, column, neutralise_formula(text), locked)
        _number_or_text(sheet, row, 8, target_reference(due_row.target), formats[indicator.unit], locked)
        if form_row.last is not None:
            sheet.write_number(row, 9, form_row.last[1], formats[indicator.unit])
            sheet.write_string(row, 10, form_row.last[0].label_vi, locked)
        else:
            sheet.write_blank(row, 9, None, locked)
            sheet.write_blank(row, 10, None, locked)
        sheet.write_blank(row, VALUE_COLUMN, None, inputs[indicator.unit])
        sheet.data_validation(row, VALUE_COLUMN, row, VALUE_COLUMN, _validation(unit))
        sheet.write_blank(row, VALUE_COLUMN + 1, None, input_text)
        sheet.write_blank(row, VALUE_COLUMN + 2, None, input_text)
    if form.rows:
        last_row = HEADER_ROW + len(form.rows)
        sheet.data_validation(HEADER_ROW + 1, VALUE_COLUMN + 1, last_row, VALUE_COLUMN + 1, {
            "validate": "list", "source": list(STATUS_LABELS_VI.values()), "input_title": "Trạng thái số liệu",
            "input_message": "chính thức / sơ bộ / ước tính; để trống = chính thức"})  # fmt: skip
        sheet.data_validation(HEADER_ROW + 1, VALUE_COLUMN + 2, last_row, VALUE_COLUMN + 2, {
            "validate": "length", "criteria": "<=", "value": 1000,
            "error_message": "Ghi chú tối đa 1.000 ký tự (a note holds at most 1,000 characters)"})  # fmt: skip
    sheet.freeze_panes(HEADER_ROW + 1, 5)
    sheet.protect("", {"format_cells": False, "format_columns": False, "select_locked_cells": True})
    _instructions(workbook, form, due)
    workbook.close()
    return out.getvalue()


def _label(sheet: Worksheet, row: int, label: str, value: str, bold: object) -> None:
    sheet.write_string(row, 3, label, bold)
    sheet.write_string(row, 5, neutralise_formula(value))


def _number_or_text(sheet: Worksheet, row: int, column: int, value: float | str | None, number: object,
                    text: object) -> None:  # fmt: skip
    if isinstance(value, float | int):
        sheet.write_number(row, column, value, number)
    elif value:
        sheet.write_string(row, column, neutralise_formula(value), text)
    else:
        sheet.write_blank(row, column, None, text)


INSTRUCTIONS = [
    "HƯỚNG DẪN ĐIỀN BIỂU MẪU",
    "",
    '1. Mỗi dòng của trang "Số liệu" là một chỉ tiêu, một địa bàn, một kỳ báo cáo mà cơ quan được giao báo cáo.',
    "2. Chỉ điền ba cột tô vàng: Giá trị, Trạng thái, Ghi chú. Các cột khác bị khóa; đừng thêm, xóa hay đổi thứ tự cột.",
    '3. Giá trị là một số, theo đơn vị ở cột "Đơn vị". Tỷ lệ phần trăm nhập 7,5 cho 7,5% (không gõ dấu %).',
    "   Số nhập vào ô là số, không phải chữ: không cần quan tâm dấu chấm hay dấu phẩy ngăn cách hàng nghìn.",
    "4. Trạng thái chọn trong danh sách: chính thức, sơ bộ hoặc ước tính. Để trống nghĩa là chính thức.",
    "   Số liệu chính thức đã gửi sẽ không bị số ước tính hay sơ bộ thay thế.",
    "5. Dòng nào chưa có số liệu thì để trống cả dòng: dòng đó không được gửi.",
    "6. Có thể dùng công thức; khi gửi, hệ thống lấy giá trị đã tính. Hãy lưu tệp bằng Excel hoặc LibreOffice trước khi gửi.",
    "7. Lưu tệp dạng .xlsx (không dùng .xlsm có macro, không đặt mật khẩu) rồi gửi bằng lệnh:",
    "      chitieu push bieu-mau.xlsx --server <địa chỉ máy chủ>",
    "   hoặc gửi tệp tới POST /v1/observations. Nếu có dòng sai, không dòng nào được ghi; thông báo lỗi chỉ rõ ô",
    "   (ví dụ Số liệu!L14) để sửa rồi gửi lại. Gửi lại cùng số liệu không tạo bản ghi trùng.",
    "",
    'Cột "Số liệu gần nhất" và "Mục tiêu" chỉ để tham khảo.',
]


def _instructions(workbook: xlsxwriter.Workbook, form: Form, due: date) -> None:
    sheet = workbook.add_worksheet("Hướng dẫn")
    sheet.set_column(0, 0, 120)
    bold = workbook.add_format({"bold": True, "font_size": 13})
    for row, line in enumerate(INSTRUCTIONS):
        sheet.write_string(row, 0, line, bold if row == 0 else None)
    sheet.write_string(len(INSTRUCTIONS) + 1, 0, f"Hạn nộp: {due:%d/%m/%Y}. Số dòng cần báo cáo: {len(form.rows)}.")
