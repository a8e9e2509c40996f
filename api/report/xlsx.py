"""The appendix table as a real spreadsheet: numbers as numbers with Vietnamese display formats, a frozen header,
column widths, one sheet per region. Text that a spreadsheet would run as a formula is neutralised."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from api.report.model import RegionTable, Report, Row
from api.report.words import Comparison
from indicators.text import neutralise_formula

FONT = "Times New Roman"  # what the offices' templates use; Liberation Serif is its metric twin
COLUMNS = (
    ("STT", 6),
    ("Chỉ tiêu", 60),
    ("Đơn vị tính", 14),
    ("Kế hoạch", 22),
    ("Thực hiện", 14),
    ("So sánh", 16),
    ("Đánh giá", 16),
    ("Kỳ số liệu", 16),
)
HEADER_ROW = 4
# The locale tag 42A (Vietnamese) makes LibreOffice show 1.967 and 7,5; Excel applies the reader's own separators.
LOCALE = "[$-42A]"
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
MAX_SHEET_TITLE = 31


def number_format(decimals: int, prefix: str = "", suffix: str = "") -> str:
    places = "." + "0" * decimals if decimals else ""
    before = f'"{prefix}"' if prefix else ""
    after = f'"{suffix}"' if suffix else ""
    return f"{LOCALE}{before}#,##0{places}{after};{LOCALE}{before}-#,##0{places}{after}"


def _decimals(value: float, most: int) -> int:
    """The decimals the value needs, up to `most`: 1967 -> 0, 7.5 -> 1, 3.03 -> 2."""
    for places in range(most + 1):
        if abs(round(value, places) - value) < 1e-9:
            return places
    return most


def report_xlsx(report: Report) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # the default empty sheet
    used: set[str] = set()
    for table in report.tables:
        title = _sheet_title(table.name, used)
        _write_sheet(workbook.create_sheet(title), report, table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(name: str, used: set[str]) -> str:
    base = "".join("-" if c in "[]:*?/\\" else c for c in name)[:MAX_SHEET_TITLE] or "Sheet"
    title, counter = base, 2
    while title in used:
        suffix = f" ({counter})"
        title, counter = base[: MAX_SHEET_TITLE - len(suffix)] + suffix, counter + 1
    used.add(title)
    return title


def _write_sheet(sheet: Worksheet, report: Report, table: RegionTable) -> None:
    sheet["A1"] = "BIỂU KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"
    sheet["A1"].font = Font(name=FONT, size=13, bold=True)
    sheet["A2"] = neutralise_formula(f"{report.subject} · {table.name} · số liệu đến ngày {report.as_of:%d/%m/%Y}")
    sheet["A2"].font = Font(name=FONT, size=12, italic=True)
    for index, (title, width) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=title)
        cell.font = Font(name=FONT, size=12, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        sheet.column_dimensions[get_column_letter(index)].width = width
    for offset, row in enumerate(table.rows, start=1):
        _write_row(sheet, HEADER_ROW + offset, row)
    sheet.freeze_panes = f"C{HEADER_ROW + 1}"  # the header and the STT, name columns stay in view
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(COLUMNS))}{HEADER_ROW + len(table.rows)}"
    sheet.print_options.gridLines = False
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _write_row(sheet: Worksheet, line: int, row: Row) -> None:
    values: list[float | str | None] = [
        neutralise_formula(row.number),
        neutralise_formula(row.name),
        neutralise_formula(row.unit),
        neutralise_formula(row.plan),
        row.actual,
        row.comparison if row.comparison_kind in (Comparison.percent_of_plan, Comparison.difference) else None,
        neutralise_formula(row.assessment),
        neutralise_formula(row.period_vi),
    ]
    if row.comparison_kind is Comparison.judged:
        values[5] = neutralise_formula(row.comparison_text)
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=line, column=column, value=value)
        cell.font = Font(name=FONT, size=12, bold=column == 7 and row.status.severity >= 5)
        cell.border = BORDER
        cell.alignment = Alignment(vertical="top", wrap_text=column in (2, 4), horizontal=_align(column))
    if row.actual is not None:
        decimals = _decimals(row.actual, row.decimals)
        sheet.cell(row=line, column=5).number_format = number_format(decimals, "Ước " if row.estimate else "")
    if row.comparison is not None and row.comparison_kind is Comparison.percent_of_plan:
        sheet.cell(row=line, column=6).number_format = number_format(1, suffix="% KH")
    elif row.comparison is not None and row.comparison_kind is Comparison.difference:
        decimals = _decimals(row.comparison, 2)
        places = "." + "0" * decimals if decimals else ""
        suffix = '" điểm %"' if row.unit == "%" or row.unit == "điểm %" else f'" {row.unit}"'
        sheet.cell(
            row=line, column=6
        ).number_format = f"{LOCALE}+#,##0{places}{suffix};{LOCALE}-#,##0{places}{suffix};{LOCALE}0{suffix}"


def _align(column: int) -> str:
    return "right" if column in (5, 6) else "left" if column == 2 else "center"
