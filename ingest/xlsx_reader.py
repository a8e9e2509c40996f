"""Reading a workbook (.xlsx, .xls, .ods) into the same numbered rows the CSV reader gives, so that one validator and
one writer serve both.

The data sheet is the one named "Số liệu" (a chitieu template's), else the first sheet holding a header row: the CSV
column names (indicator, region, period, value[, status, note]) or a template's labels ("Giá trị (value)"), in one of
the first HEADER_SCAN_ROWS rows, so a title block above the header is fine. Rows are numbered as the sheet shows them;
`locate` turns a row error into its cell (`Số liệu!D14`).

Cells: a numeric value cell is a number (no locale question); a text value cell is passed on as text, to be read by
the CSV number rules; periods may be dates or Vietnamese texts, statuses the template's labels (indicators/cells.py).
Merged cells give their value to every cell they cover, except in the value column, where one figure cannot stand for
several rows (.ods merged ranges are read from the file: calamine reports only .xlsx and .xls ones). A numeric
value cell formatted as a percentage (a clerk typed 7,5%, the file stores 0,075) is read as shown for a percent
indicator (7,5) and refused by its cell for any other unit (indicators/plausibility.py), in .xlsx, .xls and .ods
alike (the formats read from the file: workbook_cells.py, xls_cells.py). Hidden rows are read like any other (as a spreadsheet program's own "save as CSV" does). A formula gives
its cached value; one without a cached value is refused. In a filled template, a row whose value, status and note are
all empty was not reported and is skipped; in a plain sheet a row is skipped only when all its cells are empty.

python-calamine reads the cells (see README, "Why these libraries"): on a 100,000-row workbook it took 0.46 s against
openpyxl's read-only mode 5.8 s (bench/RESULTS.md).
"""

import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import python_calamine

from indicators.catalogue import Catalogue
from indicators.cells import code_text, period_text, status_code
from indicators.model import Indicator
from indicators.periods import Frequency
from indicators.plausibility import percent_cell_value
from ingest.formats import CSV_COLUMNS, REQUIRED_COLUMNS, InputError, Row
from ingest.workbook_cells import column_letter
from ingest.workbook_file import PROTECTED_WORKBOOK_MESSAGE, CheckedWorkbook, check_workbook

DATA_SHEET = "Số liệu"
HEADER_SCAN_ROWS = 50
INPUT_FIELDS = ("value", "status", "note")
# Columns a template shows for reference, ignored when read: "Tên chỉ tiêu (name)" and so on.
TEMPLATE_COLUMNS = ("number", "name", "region name", "period name", "unit", "target", "last value", "last period")
_LABEL = re.compile(r".*\(([a-z ]+)\)")

FrequencyOf = Callable[[str], Frequency | None]
IndicatorOf = Callable[[str], Indicator | None]
__all__ = ["WorkbookRows", "column_letter", "frequencies_in", "read_workbook"]


def _unknown(code: str) -> Indicator | None:
    return None


@dataclass
class WorkbookRows:
    """The data rows of one sheet, numbered as the sheet shows them (an iterable of ingest.formats.Row)."""

    sheet: str
    header_row: int  # 1-based
    columns: dict[str, int]  # field -> 0-based column
    template: bool
    frequency_of: FrequencyOf
    cells: list[list[Any]]  # the sheet's rows from its first used cell
    origin: tuple[int, int]  # 0-based (row, column) of cells[0][0]
    merged_into: dict[tuple[int, int], Any] = field(default_factory=dict)  # covered cell -> the merged value
    merged_values: dict[int, str] = field(default_factory=dict)  # row -> merged range covering its value cell
    formulas_without_value: set[str] = field(default_factory=set)
    percent_cells: set[str] = field(default_factory=set)  # cells formatted as a percentage (D14)
    indicator_of: IndicatorOf = _unknown  # the catalogue's indicators, to read a percentage cell in their unit
    percent_read: dict[str, None] = field(
        default_factory=dict
    )  # percentage cells read as shown (rows may be read twice)
    notices: list[str] = field(default_factory=list)
    _frequencies: dict[object, Frequency | None] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Row]:
        first = self.header_row - self.origin[0]  # index in `cells` of the first row under the header
        positions = [(name, column - self.origin[1]) for name, column in self.columns.items()]
        checks = bool(self.merged_values or self.formulas_without_value)
        value_letter = column_letter(self.columns["value"])
        percent_cells = self.percent_cells if self.indicator_of is not _unknown else set()  # no unit: left as read
        for index in range(max(first, 0), len(self.cells)):
            number = self.origin[0] + index + 1
            cells = self.cells[index]
            raw = {name: cells[at] for name, at in positions}
            if self.merged_into:
                for name, column in self.columns.items():
                    if raw[name] == "":
                        raw[name] = self.merged_into.get((number - 1, column), "")
            if checks and (problem := self._problem(number)):
                yield number, {"__malformed__": problem}
                continue
            if all(value == "" for value in raw.values()):
                continue
            if self.template and all(raw.get(name, "") == "" for name in INPUT_FIELDS):
                continue  # a template row left empty: not reported
            row = self._converted(raw)
            if percent_cells and (reference := f"{value_letter}{number}") in percent_cells:
                row = self._percent(row, reference)
            yield number, row

    def _percent(self, row: dict[str, object], reference: str) -> dict[str, object]:
        """A percentage cell's value in its indicator's unit, or the row refused by its cell."""
        value, code = row["value"], row["indicator"]
        indicator = self.indicator_of(code) if isinstance(code, str) else None
        if not isinstance(value, float) or indicator is None:
            return row  # a text cell, or an unknown indicator: the validator's own message
        read = percent_cell_value(indicator, value)
        if isinstance(read, str):
            return {"__malformed__": f"{self.sheet}!{reference}: {read}"}
        self.percent_read[reference] = None
        row["value"] = read
        return row

    def _problem(self, number: int) -> str | None:
        if number in self.merged_values:
            return (
                f"{self.sheet}!{self.merged_values[number]}: ô giá trị bị gộp nhiều dòng, mỗi dòng cần giá trị riêng "
                "(the value cell is merged over several rows; unmerge it and give each row its value)"
            )
        if self.formulas_without_value:
            for name, column in self.columns.items():
                reference = f"{column_letter(column)}{number}"
                if reference in self.formulas_without_value:
                    return (
                        f"{self.sheet}!{reference}: công thức chưa có giá trị tính sẵn, hãy mở và lưu tệp bằng Excel "
                        f"hoặc LibreOffice ({name}: a formula without a cached value; open and save the file in a "
                        "spreadsheet program)"
                    )
        return None

    def _converted(self, raw: dict[str, Any]) -> dict[str, object]:
        indicator = code_text(raw["indicator"])
        row: dict[str, object] = {"indicator": indicator, "region": code_text(raw["region"])}
        if indicator not in self._frequencies:
            self._frequencies[indicator] = self.frequency_of(indicator) if isinstance(indicator, str) else None
        row["period"] = _period(raw["period"], self._frequencies[indicator])
        value = raw["value"]
        row["value"] = float(value) if type(value) is int else value
        if "status" in raw:
            row["status"] = _status(raw["status"])
        if "note" in raw:
            note = code_text(raw["note"])
            row["note"] = None if note == "" else str(note)
        return row

    def locate(self, error: dict[str, Any]) -> dict[str, Any]:
        """A row error as the answer lists it: its cell (`Số liệu!D14`, or the row `Số liệu!14:14`) first."""
        row, name = int(error["row"]), str(error.get("field", ""))
        column = self.columns.get(name)
        where = f"{self.sheet}!{column_letter(column)}{row}" if column is not None else f"{self.sheet}!{row}:{row}"
        message = str(error["message"])
        if not message.startswith(f"{self.sheet}!"):
            message = f"{where}: {message}"
        return {**error, "message": message, "cell": where}

    def annotate(self, answer: dict[str, Any]) -> dict[str, Any]:
        """The import answer with each error and warning naming its cell, and the reader's notices."""
        for listing in ("errors", "warnings"):
            if isinstance(answer.get(listing), list):
                answer[listing] = [self.locate(error) for error in answer[listing]]
        answer["notices"] = [*answer.get("notices", []), *self.notices, *self._percent_notice()]
        return answer

    def _percent_notice(self) -> list[str]:
        if not self.percent_read:
            return []
        cells = ", ".join(list(self.percent_read)[:10]) + (", ..." if len(self.percent_read) > 10 else "")
        return [
            f"{self.sheet}!{cells}: ô định dạng phần trăm được đọc theo số hiển thị (7,5% là 7,5 cho chỉ tiêu đơn vị "
            f"%) (cells formatted as a percentage were read as shown: 7,5% is 7.5 for an indicator in %)"
        ]


def frequencies_in(catalogue: Catalogue) -> FrequencyOf:
    """Each indicator's reporting frequency, to read a date typed in the period column."""

    def frequency_of(code: str) -> Frequency | None:
        indicator = catalogue.indicators.get(code)
        return indicator.frequency if indicator is not None else None

    return frequency_of


@lru_cache(maxsize=4096)
def _period(cell: object, frequency: Frequency | None) -> object:
    """Each distinct period cell converted once (a sheet repeats a few periods many times)."""
    return period_text(cell, frequency)


@lru_cache(maxsize=256)
def _status(cell: object) -> object:
    return status_code(cell)


def read_workbook(body: bytes, frequency_of: FrequencyOf, *, max_unpacked: int | None = None) -> WorkbookRows:
    checked = check_workbook(body) if max_unpacked is None else check_workbook(body, max_unpacked=max_unpacked)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(checked.data))
    except python_calamine.PasswordError:
        raise InputError(PROTECTED_WORKBOOK_MESSAGE) from None
    except Exception as error:  # calamine's own errors (zip, XML, BIFF) share no base class besides Exception
        raise InputError(f"không đọc được workbook (the workbook cannot be read: {_short(error)})") from None
    with workbook:
        names = [
            sheet.name for sheet in workbook.sheets_metadata if sheet.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        preferred = [name for name in names if _words(name) == _words(DATA_SHEET)]
        for name in preferred or names:
            rows = _sheet_rows(workbook, name, frequency_of, checked)
            if rows is not None:
                return rows
            if preferred:
                raise InputError(
                    f"trang {name!r} không có dòng tiêu đề trong {HEADER_SCAN_ROWS} dòng đầu (sheet {name!r} has no "
                    f"header row with {', '.join(REQUIRED_COLUMNS)} in its first {HEADER_SCAN_ROWS} rows)"
                )
    raise InputError(
        f"không tìm thấy dòng tiêu đề có các cột {', '.join(REQUIRED_COLUMNS)} trong {HEADER_SCAN_ROWS} dòng đầu "
        f"của trang nào (no sheet has a header row with {', '.join(REQUIRED_COLUMNS)} in its first "
        f"{HEADER_SCAN_ROWS} rows; sheets: {', '.join(names) or 'none'})"
    )


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:200]


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def _sheet_rows(
    workbook: python_calamine.CalamineWorkbook, name: str, frequency_of: FrequencyOf, checked: CheckedWorkbook
) -> WorkbookRows | None:
    try:
        sheet = workbook.get_sheet_by_name(name)
        cells = sheet.to_python(skip_empty_area=True)
    except Exception as error:  # calamine's errors share no base class besides Exception
        raise InputError(f"không đọc được trang {name!r} (sheet {name!r} cannot be read: {_short(error)})") from None
    origin = sheet.start or (0, 0)
    found = _header(cells, origin, name)
    if found is None:
        return None
    header_index, columns, template = found
    rows = WorkbookRows(
        sheet=name,
        header_row=origin[0] + header_index + 1,
        columns=columns,
        template=template,
        frequency_of=frequency_of,
        cells=cells,
        origin=origin,
        formulas_without_value=checked.formulas_without_value.get(name, set()),
    )
    found_cells = checked.cells.get(name)
    if found_cells is not None:
        rows.percent_cells = found_cells.percent
    _apply_merges(rows, sheet.merged_cell_ranges or (found_cells.merged if found_cells is not None else []))
    cut = checked.cuts.get(name)
    if cut is not None:
        rows.notices.append(
            f"{name}: đã dừng đọc sau dòng {cut.last_row} vì sau đó là một khối dòng trống dài; phần bên dưới không "
            f"được đọc (stopped reading after row {cut.last_row}: a long block of empty rows follows, and nothing "
            "below it was read)"
        )
    return rows


def _header(cells: list[list[Any]], origin: tuple[int, int], sheet: str) -> tuple[int, dict[str, int], bool] | None:
    """(index of the header row in `cells`, field -> column, whether it is a template) or None."""
    for index, row in enumerate(cells[:HEADER_SCAN_ROWS]):
        columns: dict[str, int] = {}
        template = False
        unknown: list[str] = []
        for offset, cell in enumerate(row):
            if not isinstance(cell, str) or not cell.strip():
                continue
            name = _column_name(cell)
            column = origin[1] + offset
            if name in CSV_COLUMNS:
                if name in columns:
                    raise InputError(
                        f"{sheet}!{column_letter(column)}{origin[0] + index + 1}: cột {name} lặp lại "
                        "(the column appears twice)"
                    )
                columns[name] = column
            elif name in TEMPLATE_COLUMNS:
                template = True
            else:
                unknown.append(f"{column_letter(column)}{origin[0] + index + 1} {cell.strip()[:40]!r}")
        if all(name in columns for name in REQUIRED_COLUMNS):
            if unknown:
                raise InputError(
                    f"{sheet}: cột không xác định {', '.join(unknown)} (unknown columns; expected "
                    f"{','.join(CSV_COLUMNS)})"
                )
            return index, columns, template
    return None


def _column_name(cell: str) -> str:
    text = _words(cell)
    match = _LABEL.fullmatch(text)
    return match.group(1).strip() if match else text


def _apply_merges(rows: WorkbookRows, ranges: list[tuple[tuple[int, int], tuple[int, int]]]) -> None:
    value_column = rows.columns["value"]
    wanted = set(rows.columns.values())
    for (top, left), (bottom, right) in ranges:
        if bottom < rows.header_row or (top == bottom and left == right):
            continue
        if left <= value_column <= right and bottom > top:
            reference = f"{column_letter(left)}{top + 1}:{column_letter(right)}{bottom + 1}"
            for number in range(max(top, rows.header_row) + 1, bottom + 2):
                rows.merged_values[number] = reference
            continue
        index = top - rows.origin[0]
        at = left - rows.origin[1]
        if not (0 <= index < len(rows.cells) and 0 <= at < len(rows.cells[index])):
            continue
        value = rows.cells[index][at]
        for row in range(top, bottom + 1):
            for column in range(left, right + 1):
                if column in wanted and (row, column) != (top, left):
                    rows.merged_into[(row, column)] = value
