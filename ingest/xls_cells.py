"""Which cells of a legacy .xls workbook are formatted as a percentage, read from the file itself: python-calamine
reads .xls values but not their number formats (as for .xlsx, workbook_cells.py).

An .xls is an OLE2 compound file whose "Workbook" stream holds BIFF8 records: the globals (FORMAT: format codes,
XF: cell formats, each naming a format; BOUNDSHEET: each sheet's name and where its records start), then each
sheet's cells, numeric ones (NUMBER, RK, MULRK, FORMULA) naming their XF. A cell is a percentage cell when its XF's
format is a built-in percentage (9, 10) or a code with an unquoted `%`, as for .xlsx.

Nothing here raises on a damaged file: every offset and chain is bounded by the file's size, and what cannot be
read gives no percentage cells (calamine then reports the damage, or the fractions are warned of as before).
BIFF5 and older (a "Book" stream, Excel 95 and before) are not read: their strings are in a code page, and their
percentages stay warned of.
"""

import struct
from collections.abc import Iterator

from ingest.workbook_cells import PERCENT_BUILTIN_FORMATS, SheetCells, column_letter, shows_percent

_END_OF_CHAIN = 0xFFFFFFFE
_BOF, _EOF, _FORMAT, _XF, _BOUNDSHEET = 0x0809, 0x000A, 0x041E, 0x00E0, 0x0085
_NUMBER, _RK, _MULRK, _FORMULA = 0x0203, 0x027E, 0x00BD, 0x0006


def xls_cells(body: bytes) -> dict[str, SheetCells]:
    """Sheet name -> its numeric cells formatted as a percentage; {} when there are none or the file is unreadable."""
    try:
        stream = _workbook_stream(body)
        return _percent_cells(stream) if stream else {}
    except (struct.error, IndexError, ValueError, UnicodeDecodeError):
        return {}


class _Compound:
    """The sectors and allocation table of an OLE2 compound file (MS-CFB), to read one stream."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.size = 1 << struct.unpack_from("<H", body, 0x1E)[0]
        if self.size not in (512, 4096):
            raise ValueError("sector size")
        self.mini_size = 1 << struct.unpack_from("<H", body, 0x20)[0]
        fat_sectors = list(struct.unpack_from("<109I", body, 0x4C))
        difat, count = struct.unpack_from("<II", body, 0x44)
        per_sector = self.size // 4 - 1
        for _ in range(min(count, len(body) // self.size)):  # the sectors listing further FAT sectors
            fat_sectors += struct.unpack_from(f"<{per_sector}I", body, self.offset(difat))
            difat = struct.unpack_from("<I", body, self.offset(difat) + per_sector * 4)[0]
        self.fat: list[int] = []
        for sector in fat_sectors[: struct.unpack_from("<I", body, 0x2C)[0]]:
            self.fat += struct.unpack_from(f"<{self.size // 4}I", body, self.offset(sector))

    def offset(self, sector: int) -> int:
        start: int = (sector + 1) * self.size
        if start + self.size > len(self.body):
            raise ValueError("sector outside the file")
        return start

    def chain(self, first: int, table: list[int]) -> list[int]:
        sectors: list[int] = []
        sector = first
        while sector != _END_OF_CHAIN:
            if sector >= len(table) or len(sectors) > len(table):  # a chain out of the table, or a cycle
                raise ValueError("broken chain")
            sectors.append(sector)
            sector = table[sector]
        return sectors

    def read(self, first: int, size: int) -> bytes:
        data = b"".join(self.body[self.offset(s) : self.offset(s) + self.size] for s in self.chain(first, self.fat))
        return data[:size]


def _workbook_stream(body: bytes) -> bytes | None:
    compound = _Compound(body)
    directory = compound.read(struct.unpack_from("<I", body, 0x30)[0], len(body))
    entries = [directory[at : at + 128] for at in range(0, len(directory) - 127, 128)]
    for entry in entries:
        length = min(struct.unpack_from("<H", entry, 0x40)[0], 64)
        if entry[0x42] != 2 or entry[: max(length - 2, 0)].decode("utf-16-le") != "Workbook":
            continue
        first, size = struct.unpack_from("<II", entry, 0x74)
        if size >= struct.unpack_from("<I", body, 0x38)[0]:  # the mini-stream cutoff (4096)
            return compound.read(first, size)
        root = entries[0]  # a small stream lives in the mini stream, held by the root entry
        mini_stream = compound.read(*struct.unpack_from("<II", root, 0x74))
        mini_fat_first, mini_fat_count = struct.unpack_from("<II", body, 0x3C)
        mini_fat_bytes = compound.read(mini_fat_first, mini_fat_count * compound.size)
        mini_fat = list(struct.unpack_from(f"<{len(mini_fat_bytes) // 4}I", mini_fat_bytes))
        mini = compound.mini_size
        data = b"".join(mini_stream[s * mini : (s + 1) * mini] for s in compound.chain(first, mini_fat))
        return data[:size]
    return None


def _records(stream: bytes, start: int) -> Iterator[tuple[int, bytes]]:
    """(type, data) of the BIFF records from `start` to the substream's EOF."""
    at = start
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        yield kind, stream[at + 4 : at + 4 + length]
        if kind == _EOF:
            return
        at += 4 + length


def _percent_cells(stream: bytes) -> dict[str, SheetCells]:
    codes: dict[int, str] = {}
    xf_formats: list[int] = []
    sheets: list[tuple[str, int]] = []
    for kind, data in _records(stream, 0):
        if kind == _BOF and struct.unpack_from("<H", data, 0)[0] != 0x0600:
            return {}  # not BIFF8
        if kind == _FORMAT:
            codes[struct.unpack_from("<H", data, 0)[0]] = _unicode_string(data, 2, count_bytes=2)
        elif kind == _XF:
            xf_formats.append(struct.unpack_from("<H", data, 2)[0])
        elif kind == _BOUNDSHEET and data[5] == 0:  # a worksheet (not a chart or macro sheet)
            sheets.append((_unicode_string(data, 6, count_bytes=1), struct.unpack_from("<I", data, 0)[0]))
    percent = frozenset(
        index
        for index, number_format in enumerate(xf_formats)
        if number_format in PERCENT_BUILTIN_FORMATS or shows_percent(codes.get(number_format, ""))
    )
    if not percent:
        return {}
    found = {}
    for name, start in sheets:
        if cells := _sheet_percent_cells(stream, start, percent):
            found[name] = SheetCells(percent=cells)
    return found


def _sheet_percent_cells(stream: bytes, start: int, percent: frozenset[int]) -> set[str]:
    cells: set[str] = set()
    for kind, data in _records(stream, start):
        if kind in (_NUMBER, _RK):
            row, column, xf = struct.unpack_from("<HHH", data, 0)
            if xf in percent:
                cells.add(f"{column_letter(column)}{row + 1}")
        elif kind == _FORMULA:
            row, column, xf = struct.unpack_from("<HHH", data, 0)
            numeric = data[12:14] != b"\xff\xff"  # a string, boolean or error result is marked so
            if xf in percent and numeric:
                cells.add(f"{column_letter(column)}{row + 1}")
        elif kind == _MULRK:
            row, first = struct.unpack_from("<HH", data, 0)
            for index in range((len(data) - 6) // 6):
                if struct.unpack_from("<H", data, 4 + 6 * index)[0] in percent:
                    cells.add(f"{column_letter(first + index)}{row + 1}")
    return cells


def _unicode_string(data: bytes, at: int, *, count_bytes: int) -> str:
    """A BIFF8 string: its character count (1 or 2 bytes), flags, then Latin-1 bytes or UTF-16 units."""
    count = data[at] if count_bytes == 1 else struct.unpack_from("<H", data, at)[0]
    flags = data[at + count_bytes]
    at += count_bytes + 1
    at += 2 if flags & 0x08 else 0  # rich text: the count of formatting runs
    at += 4 if flags & 0x04 else 0  # East Asian phonetic data: its size
    if flags & 0x01:
        return data[at : at + 2 * count].decode("utf-16-le")
    return data[at : at + count].decode("latin-1")
