"""The status board and an indicator's series as workbooks (XlsxWriter): numbers as numbers, dates as dates, every text
written as text and neutralised (indicators.text.neutralise_formula), so no cell can run as a formula."""

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from api.xlsx_template import unit_format
from indicators.catalogue import Catalogue
from indicators.clock import VIETNAM
from indicators.model import Indicator
from indicators.status import Evaluation
from indicators.text import neutralise_formula
from indicators.units import UNITS
from ingest.series import SeriesPoint

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | float | int | bool | date | datetime | None


class _Book:
    """A workbook with the few formats the exports use and one way to write a cell of any kind."""

    def __init__(self) -> None:
        self.out = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(
            self.out, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False}
        )
        self.header = self.workbook.add_format({"bold": True, "text_wrap": True, "valign": "top", "border": 1,
                                                 "bg_color": "#D9E1F2"})  # fmt: skip
        self.title = self.workbook.add_format({"bold": True, "font_size": 13})
        self.day = self.workbook.add_format({"num_format": "dd/mm/yyyy"})
        self.moment = self.workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        self.ratio = self.workbook.add_format({"num_format": "0.00"})
        self.units = {code: self.workbook.add_format({"num_format": unit_format(unit)}) for code, unit in UNITS.items()}

    def sheet(self, name: str, title: str, columns: Sequence[tuple[str, int]]) -> Worksheet:
        sheet = self.workbook.add_worksheet(name)
        sheet.write_string(0, 0, neutralise_formula(title), self.title)
        for column, (label, width) in enumerate(columns):
            sheet.write_string(2, column, label, self.header)
            sheet.set_column(column, column, width)
        sheet.freeze_panes(3, 0)
        sheet.autofilter(2, 0, 2, len(columns) - 1)
        return sheet

    def write(self, sheet: Worksheet, row: int, column: int, value: Cell, number_format: Any = None) -> None:
        if value is None:
            sheet.write_blank(row, column, None)
        elif isinstance(value, bool):
            sheet.write_string(row, column, "có" if value else "không")
        elif isinstance(value, int | float):
            sheet.write_number(row, column, value, number_format)
        elif isinstance(value, datetime):
            local = value.astimezone(VIETNAM).replace(tzinfo=None) if value.tzinfo else value
            sheet.write_datetime(row, column, local, self.moment)
        elif isinstance(value, date):
            sheet.write_datetime(row, column, datetime(value.year, value.month, value.day), self.day)
        else:
            sheet.write_string(row, column, neutralise_formula(str(value)))

    def close(self) -> bytes:
        self.workbook.close()
        return self.out.getvalue()


STATUS_COLUMNS = [
    ("Mã chỉ tiêu (indicator)", 24), ("STT", 6), ("Chỉ tiêu", 50), ("Địa bàn", 18), ("Kỳ", 10),
    ("Thực hiện (actual)", 13), ("Kế hoạch kỳ (expected)", 13), ("Mục tiêu (target)", 13), ("Đơn vị", 12),
    ("Tình trạng", 16), ("Mã tình trạng (status)", 14), ("Quá hạn báo cáo", 10), ("Tỷ lệ tiến độ", 10),
    ("Dự báo (projection)", 13), ("Lý do (reason)", 40), ("Ghi nhận lúc (recorded at)", 17),
]  # fmt: skip


def status_workbook(catalogue: Catalogue, board: Sequence[Evaluation], as_of: date) -> bytes:
    book = _Book()
    sheet = book.sheet("Tình hình", f"Tình hình thực hiện chỉ tiêu đến ngày {as_of:%d/%m/%Y}", STATUS_COLUMNS)
    for offset, e in enumerate(sorted(board, key=lambda e: (-e.status.severity, e.indicator, e.region))):
        indicator = catalogue.indicators.get(e.indicator)
        region = catalogue.regions.get(e.region)
        unit = book.units.get(indicator.unit) if indicator else None
        cells: list[tuple[Cell, Any]] = [
            (e.indicator, None), (indicator.number if indicator else None, None),
            (indicator.name_vi if indicator else None, None), (region.name_vi if region else e.region, None),
            (e.period, None), (e.actual, unit), (e.expected, unit), (e.target, unit),
            (UNITS[indicator.unit].symbol_vi if indicator else None, None), (e.status.label_vi, None),
            (e.status.value, None), (e.report_overdue, None), (e.progress_ratio, book.ratio), (e.projection, unit),
            (e.reason, None), (e.last_recorded_at, None),
        ]  # fmt: skip
        for column, (value, number_format) in enumerate(cells):
            book.write(sheet, 3 + offset, column, value, number_format)
    return book.close()


SERIES_COLUMNS = [
    ("Kỳ (period)", 10), ("Thực hiện (actual)", 13), ("Kế hoạch kỳ (expected)", 13), ("Cận dưới (low)", 13),
    ("Cận trên (high)", 13), ("Tình trạng", 16), ("Mã tình trạng (status)", 14), ("Số lần điều chỉnh", 10),
]  # fmt: skip
REVISION_COLUMNS = [
    ("Kỳ (period)", 10), ("Lần (revision)", 8), ("Giá trị (value)", 13), ("Trạng thái (status)", 12),
    ("Ghi chú (note)", 40), ("Ghi nhận lúc (recorded at)", 17), ("Khóa (key)", 14),
]  # fmt: skip


def series_workbook(catalogue: Catalogue, indicator: Indicator, region: str, points: Sequence[SeriesPoint]) -> bytes:
    book = _Book()
    unit = book.units[indicator.unit]
    place = catalogue.regions[region].name_vi if region in catalogue.regions else region
    title = f"{indicator.name_vi} — {place} ({UNITS[indicator.unit].symbol_vi})"
    sheet = book.sheet("Chuỗi số liệu", title, SERIES_COLUMNS)
    revisions = book.sheet("Các lần điều chỉnh", title, REVISION_COLUMNS)
    revision_row = 3
    for offset, point in enumerate(points):
        status = point.evaluation.status if point.evaluation else None
        cells: list[tuple[Cell, Any]] = [
            (point.period, None), (point.actual, unit), (point.expected, unit), (point.low, unit), (point.high, unit),
            (status.label_vi if status else None, None), (status.value if status else None, None),
            (len(point.revisions), None),
        ]  # fmt: skip
        for column, (value, number_format) in enumerate(cells):
            book.write(sheet, 3 + offset, column, value, number_format)
        for revision in point.revisions:
            values: list[tuple[Cell, Any]] = [
                (point.period, None), (revision.revision, None), (revision.value, unit), (revision.status, None),
                (revision.note, None), (revision.recorded_at, None), (revision.key_id, None),
            ]  # fmt: skip
            for column, (value, number_format) in enumerate(values):
                book.write(revisions, revision_row, column, value, number_format)
            revision_row += 1
    return book.close()
