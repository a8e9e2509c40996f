"""Checking a workbook file before a reader parses it: what it is, how big it really is, where its data ends.

python-calamine parses a whole sheet at once, so what it is given must be safe to parse whole. Before that, this
module looks at the file itself:

- what it is: an .xlsx (zip), an .xls (OLE2), an .ods (zip); a password-protected workbook (an .xlsx wrapped in OLE2
  as an EncryptedPackage, an .xls whose first record after BOF is FILEPASS), a macro-enabled one, a text file named .xlsx, a broken zip: each refused with its own message;
- how big it is unpacked: every member is decompressed once, counting bytes, so a zip bomb is stopped at the limit
  whatever sizes its directory declares (Python's zipfile also stops at the declared size and checks the CRC);
- where each worksheet's data ends: reading stops at the first fully empty block (EMPTY_BLOCK_BYTES of sheet XML with
  no value in it: thousands of formatted but empty rows), and the sheet is cut there, so a sheet of a million empty
  formatted rows costs a few megabytes, not a parse of 600 MB. The answer says where reading stopped;
- which formula cells have no cached value (a file written by a script and never opened in a spreadsheet program):
  calamine reads such a cell as empty, so the reader is told which cells they are and refuses them;
- which cells are formatted as a percentage (workbook_cells.py for .xlsx and .ods, xls_cells.py for .xls).
"""

import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum

from ingest.formats import InputError
from ingest.workbook_cells import SheetCells, ods_cells, percent_cells, percent_styles
from ingest.xls_cells import xls_cells

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted OOXML file is wrapped in
# An .xls with a password: its workbook-globals BOF record (BIFF8) is followed by a FILEPASS record (0x002F).
BIFF8_GLOBALS_BOF = b"\x09\x08\x10\x00\x00\x06\x05\x00"
FILEPASS = b"\x2f\x00"
PROTECTED_WORKBOOK_MESSAGE = (
    "tệp Excel có mật khẩu: hãy bỏ mật khẩu rồi gửi lại (the workbook is password-protected; remove the password and "
    "send it again)"
)
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # what one workbook may unpack to, counted as it is decompressed
EMPTY_BLOCK_BYTES = 4 * 1024 * 1024  # sheet XML with no value in it after which reading stops
_CHUNK = 1024 * 1024
# What zipfile raises for a damaged archive (NotImplementedError: a compression method it does not know).
_BROKEN_ZIP = (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, OSError)
_VALUE_MARKERS = (b"<v>", b"<is>", b"<f>", b"<f ")
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"')


class WorkbookKind(StrEnum):
    xlsx = "xlsx"
    xls = "xls"
    ods = "ods"


class WorkbookRefused(InputError):
    """The file is a kind of workbook chitieu does not take (macro-enabled): 415, not 400."""


class WorkbookTooLarge(InputError):
    """The workbook unpacks to more than the limit: 413."""


@dataclass
class SheetCut:
    sheet_path: str
    last_row: int  # the last row read (1-based); 0: nothing before the empty block


@dataclass
class CheckedWorkbook:
    data: bytes  # what the reader parses: the file itself, or rebuilt with its sheets cut at their empty blocks
    kind: WorkbookKind
    cuts: dict[str, SheetCut] = field(default_factory=dict)  # sheet name -> where reading stopped
    formulas_without_value: dict[str, set[str]] = field(default_factory=dict)  # sheet name -> cell references
    cells: dict[str, SheetCells] = field(default_factory=dict)  # sheet name -> percentage cells, .ods merged ranges


def check_workbook(body: bytes, *, max_unpacked: int = MAX_UNPACKED_BYTES) -> CheckedWorkbook:
    if body.startswith(OLE2_MAGIC):
        bof = body.find(BIFF8_GLOBALS_BOF)
        if ENCRYPTED_PACKAGE in body or (bof >= 0 and body[bof + 20 : bof + 22] == FILEPASS):
            raise InputError(PROTECTED_WORKBOOK_MESSAGE)
        return CheckedWorkbook(body, WorkbookKind.xls, cells=xls_cells(body))
    if not body.startswith(ZIP_MAGIC):
        raise InputError(_not_a_workbook(body))
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        raise InputError(f"tệp Excel bị hỏng (the workbook is corrupt: {error})") from None
    if "xl/vbaProject.bin" in names or b"macroEnabled" in _member(archive, "[Content_Types].xml", max_unpacked):
        raise WorkbookRefused(
            "tệp có macro (.xlsm) không được nhận: hãy lưu thành .xlsx (macro-enabled workbooks are not accepted; "
            "save it as .xlsx)"
        )
    if "content.xml" in names and "mimetype" in names:
        _unpacked_size(archive, max_unpacked)
        return CheckedWorkbook(body, WorkbookKind.ods, cells=ods_cells(archive))
    if "xl/workbook.xml" not in names:
        raise InputError("tệp zip này không phải workbook Excel (a zip file, but not an .xlsx workbook)")
    return _check_xlsx(body, archive, max_unpacked)


def _not_a_workbook(body: bytes) -> str:
    head = body[:4096]
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = ""
    first_line = text.split("\n", 1)[0]
    if text and ("," in first_line or ";" in first_line):
        return (
            "tệp này là văn bản CSV, không phải workbook Excel: gửi với Content-Type text/csv hoặc đổi đuôi thành .csv "
            "(this is a CSV text file, not an Excel workbook: send it as text/csv)"
        )
    return "tệp không phải workbook Excel (.xlsx, .xls) hay .ods (the body is not a spreadsheet workbook)"


def _member(archive: zipfile.ZipFile, name: str, max_unpacked: int) -> bytes:
    try:
        with archive.open(name) as member:
            data = member.read(max_unpacked + 1)
    except KeyError:
        return b""
    except _BROKEN_ZIP as error:
        raise InputError(f"tệp Excel bị hỏng (the workbook is corrupt: {error})") from None
    if len(data) > max_unpacked:
        raise _too_large(max_unpacked)
    return data


def _too_large(limit: int) -> WorkbookTooLarge:
    return WorkbookTooLarge(
        f"workbook giải nén ra quá {limit // (1024 * 1024)} MB (the workbook unpacks to more than {limit} bytes)"
    )


def _unpacked_size(archive: zipfile.ZipFile, max_unpacked: int) -> None:
    """Decompress every member once, counting; the CRC of each is checked on the way."""
    budget = _Budget(max_unpacked)
    for info in archive.infolist():
        _read_counting(archive, info, budget)


class _Budget:
    """Bytes a workbook may still unpack to."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def spend(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise _too_large(self.limit)


def _read_counting(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> None:
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                budget.spend(len(chunk))
    except _BROKEN_ZIP as error:
        raise InputError(f"tệp Excel bị hỏng (the workbook is corrupt: {error})") from None


def _check_xlsx(body: bytes, archive: zipfile.ZipFile, max_unpacked: int) -> CheckedWorkbook:
    sheet_names = _sheet_names(archive, max_unpacked)
    styles = percent_styles(_member(archive, "xl/styles.xml", max_unpacked))
    checked = CheckedWorkbook(body, WorkbookKind.xlsx)
    rebuilt: dict[str, bytes] = {}
    budget = _Budget(max_unpacked)
    for info in archive.infolist():
        if info.filename not in sheet_names:
            _read_counting(archive, info, budget)
            continue
        name = sheet_names[info.filename]
        xml, cut = _read_sheet(archive, info, budget, keep=bool(styles))
        if cut is not None:
            checked.cuts[name] = cut
            rebuilt[info.filename] = xml
        if b"<f" in xml:
            missing = _formulas_without_value(xml)
            if missing:
                checked.formulas_without_value[name] = missing
        if percent := percent_cells(xml, styles):
            checked.cells[name] = SheetCells(percent=percent)
    if rebuilt:
        checked.data = _rebuild(archive, rebuilt)
    return checked


def _sheet_names(archive: zipfile.ZipFile, max_unpacked: int) -> dict[str, str]:
    """Member path -> sheet name, from the workbook and its relationships (read with regular expressions: these two
    small parts need no XML parser, and none is given a chance to expand entities)."""
    workbook = _member(archive, "xl/workbook.xml", max_unpacked)
    relationships = _member(archive, "xl/_rels/workbook.xml.rels", max_unpacked)
    targets = {}
    for tag in re.findall(rb"<Relationship\b[^>]*>", relationships):
        attributes = dict(_ATTRIBUTE.findall(tag))
        target = attributes.get(b"Target", b"").decode()
        path = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[attributes.get(b"Id", b"").decode()] = path
    names = {}
    for tag in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        attributes = {key.split(b":")[-1]: value for key, value in _ATTRIBUTE.findall(tag)}
        path = targets.get(attributes.get(b"id", b"").decode())
        if path:
            names[path] = html.unescape(attributes.get(b"name", b"").decode())
    return names


def _read_sheet(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: "_Budget", *, keep: bool = False
) -> tuple[bytes, SheetCut | None]:
    """(the sheet XML as read, where it was cut or None). Reading stops at the first empty block; without one the
    member is read to its end (counted, its CRC checked). The XML is returned only when it was cut, holds a formula
    or `keep` asks for it (the workbook has percentage styles); b"" otherwise."""
    chunks: list[bytes] = []
    size = 0
    last_value_end = -1  # offset just after the last value marker seen
    data_start = -1  # offset of <sheetData
    rows_ended = False
    has_formula = False
    previous_tail = b""
    try:
        with archive.open(info) as member:
            while chunk := member.read(_CHUNK):
                budget.spend(len(chunk))
                if rows_ended:
                    continue
                offset = size
                size += len(chunk)
                chunks.append(chunk)
                window = previous_tail + chunk
                window_start = offset - len(previous_tail)
                previous_tail = chunk[-16:]
                if data_start < 0 and (found := window.find(b"<sheetData")) >= 0:
                    data_start = window_start + found
                for marker in _VALUE_MARKERS:
                    found = window.rfind(marker)
                    if found >= 0:
                        last_value_end = max(last_value_end, window_start + found + len(marker))
                        has_formula = has_formula or marker.startswith(b"<f")
                if b"</sheetData>" in window or b"<sheetData/>" in window:
                    rows_ended = True
                elif data_start >= 0 and size - max(last_value_end, data_start) > EMPTY_BLOCK_BYTES:
                    return _cut(b"".join(chunks), data_start, last_value_end, info.filename)
    except _BROKEN_ZIP as error:
        raise InputError(f"tệp Excel bị hỏng (the workbook is corrupt: {error})") from None
    return (b"".join(chunks) if has_formula or keep else b""), None


def _cut(xml: bytes, data_start: int, last_value_end: int, path: str) -> tuple[bytes, SheetCut]:
    """The sheet XML up to the end of the row holding the last value, closed again."""
    if last_value_end > data_start:
        end = xml.find(b"</row>", last_value_end) + len(b"</row>")
        rows = _ROW_NUMBER.findall(xml, max(data_start, xml.rfind(b"<row", 0, end)), end)
        last_row = int(rows[-1]) if rows else 0
    else:
        end = xml.find(b">", data_start) + 1
        last_row = 0
    if xml[end - 2 : end] == b"/>":  # <sheetData/>: nothing to close
        return xml[:end] + b"</worksheet>", SheetCut(path, last_row)
    return xml[:end] + b"</sheetData></worksheet>", SheetCut(path, last_row)


def _formulas_without_value(xml: bytes) -> set[str]:
    """References of the cells holding a formula but no cached value (an empty text result is a value)."""
    missing = set()
    for match in _CELL.finditer(xml):
        content = match.group(2) or b""
        if b"<f" not in content:
            continue
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        has_value = re.search(rb"<v>[^<]+</v>", content) is not None
        empty_text = attributes.get(b"t") == b"str" and (b"<v></v>" in content or b"<v/>" in content)
        if not has_value and not empty_text and b"r" in attributes:
            missing.add(attributes[b"r"].decode())
    return missing


def _rebuild(archive: zipfile.ZipFile, replaced: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as rebuilt:
        for info in archive.infolist():
            data = replaced.get(info.filename)
            rebuilt.writestr(info.filename, data if data is not None else archive.read(info))
    return out.getvalue()
