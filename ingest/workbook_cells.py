"""What python-calamine does not tell about a workbook's cells, read from the file itself: which cells are formatted
as a percentage, and (for .ods) which ranges are merged.

A percentage cell holds the fraction: a clerk who types 7,5% sees 7,5% but the file stores 0,075. The reader needs
to know which cells those are to read them as shown (indicators/plausibility.py, `percent_cell_value`).

- .xlsx: a cell's style (`s`) points into styles.xml's cellXfs, whose number format is a built-in percentage (9, 10)
  or a format code with an unquoted, unescaped `%` (`0.0%`; not `0.0"%"`, the template's way of showing a unit);
- .xls: the same rule on the BIFF8 records (FORMAT, XF, the cells' XF index), in xls_cells.py;
- .ods: content.xml says it directly (`office:value-type="percentage"`), and gives merged ranges as
  `table:number-rows-spanned` / `table:number-columns-spanned`, which calamine does not report for .ods.
"""

import html
import re
import zipfile
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

from ingest.formats import InputError

PERCENT_BUILTIN_FORMATS = frozenset({9, 10})  # 0% and 0.00%
_XF = re.compile(rb"<xf\b([^>]*)>")
_NUM_FMT = re.compile(rb"<numFmt\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_QUOTED_OR_ESCAPED = re.compile(r'"[^"]*"|\\.')

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"

MergedRange = tuple[tuple[int, int], tuple[int, int]]  # 0-based ((top, left), (bottom, right)), as calamine gives


@dataclass
class SheetCells:
    percent: set[str] = field(default_factory=set)  # references (D14) of numeric cells formatted as a percentage
    merged: list[MergedRange] = field(default_factory=list)


def percent_styles(styles_xml: bytes) -> frozenset[int]:
    """Indices into cellXfs of the cell styles whose number format shows a percentage."""
    codes = {}
    for tag in _NUM_FMT.findall(styles_xml):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if b"numFmtId" in attributes:
            codes[int(attributes[b"numFmtId"])] = html.unescape(attributes.get(b"formatCode", b"").decode())
    start, end = styles_xml.find(b"<cellXfs"), styles_xml.find(b"</cellXfs>")
    if start < 0 or end < 0:
        return frozenset()
    found = set()
    for index, tag in enumerate(_XF.findall(styles_xml, start, end)):
        number_format = int(dict(_ATTRIBUTE.findall(tag)).get(b"numFmtId", b"0"))
        if number_format in PERCENT_BUILTIN_FORMATS or shows_percent(codes.get(number_format, "")):
            found.add(index)
    return frozenset(found)


def shows_percent(format_code: str) -> bool:
    return "%" in _QUOTED_OR_ESCAPED.sub("", format_code)


def percent_cells(sheet_xml: bytes, styles: frozenset[int]) -> set[str]:
    """References of the numeric cells of a sheet whose style is one of `styles`."""
    if not styles:
        return set()
    wanted = b"|".join(str(style).encode() for style in sorted(styles))
    # Attributes in the order every writer seen uses (r, s, t: Excel, LibreOffice, openpyxl, XlsxWriter); a cell
    # written otherwise is not recognised, and its fraction is then warned of as any other (plausibility.py).
    numeric = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})" s="(?:' + wanted + rb')"(?: t="n")?\s*/?>')
    return {reference.decode() for reference in numeric.findall(sheet_xml)}


def ods_cells(archive: zipfile.ZipFile) -> dict[str, SheetCells]:
    """Sheet name -> its percentage cells and merged ranges, from content.xml (read as a stream: a sheet's million
    repeated empty rows are one element)."""
    sheets: dict[str, SheetCells] = {}
    current = SheetCells()
    row = column = 0
    try:
        with archive.open("content.xml") as content:
            # Expat (>= 2.4.1) caps entity amplification and ElementTree resolves no external entity; the member's
            # unpacked size was counted before (workbook_file._unpacked_size).
            for event, element in iterparse(content, events=("start", "end")):  # noqa: S314
                tag = element.tag
                if event == "start":
                    if tag == f"{_TABLE}table":
                        current = sheets.setdefault(element.get(f"{_TABLE}name", ""), SheetCells())
                        row = 0
                    elif tag == f"{_TABLE}table-row":
                        column = 0
                    continue
                if tag == f"{_TABLE}table-row":
                    row += int(element.get(f"{_TABLE}number-rows-repeated", "1"))
                elif tag in (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell"):
                    _ods_cell(current, element.attrib, row, column)
                    column += int(element.get(f"{_TABLE}number-columns-repeated", "1"))
                    element.clear()
    except KeyError:
        return {}
    except SyntaxError as error:  # ParseError
        raise InputError(f"tệp .ods bị hỏng (the .ods workbook is corrupt: {error})") from None
    return sheets


def _ods_cell(sheet: SheetCells, attributes: dict[str, str], row: int, column: int) -> None:
    rows = int(attributes.get(f"{_TABLE}number-rows-spanned", "1"))
    columns = int(attributes.get(f"{_TABLE}number-columns-spanned", "1"))
    if rows > 1 or columns > 1:
        sheet.merged.append(((row, column), (row + rows - 1, column + columns - 1)))
    if attributes.get(f"{_OFFICE}value-type") == "percentage":
        repeated = int(attributes.get(f"{_TABLE}number-columns-repeated", "1"))
        for offset in range(min(repeated, 1024)):
            sheet.percent.add(f"{column_letter(column + offset)}{row + 1}")


def column_letter(column: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    column += 1
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
