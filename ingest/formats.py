"""Reading a batch of observations from JSON or CSV into numbered rows, without a second copy of the body."""

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from ingest.json_stream import InputError as InputError
from ingest.json_stream import JsonStream

CSV_COLUMNS = ("indicator", "region", "period", "value", "status", "note")
REQUIRED_COLUMNS = ("indicator", "region", "period", "value")

Row = tuple[int, Mapping[str, object]]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as the csv module reads them


@dataclass
class JsonBatch:
    rows: list[Any]
    dry_run: bool

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        """Rows numbered from 1, as they stand in `observations`."""
        for number, item in enumerate(self.rows, start=1):
            yield number, item if isinstance(item, dict) else {"__not_an_object__": item}


def read_json(body: bytes) -> JsonBatch:
    """A whole JSON batch in memory (the API streams its body through JsonStream instead)."""
    stream = JsonStream(io.BytesIO(body))
    rows = list(stream.elements())
    return JsonBatch(rows, stream.dry_run)


def read_csv(body: bytes | IO[bytes]) -> Iterator[Row]:
    """Records numbered as a spreadsheet shows them (the header is row 1; a cell may span lines). UTF-8 with or without
    BOM; `,` or `;`. The quoting is read strictly: a record with an unclosed quote or the wrong number of cells is a
    row error, and reading goes on at the line after the one where that record began, so that a stray quote never
    swallows the rows after it. A file is read as it goes (and read again from the start after a malformed record)."""
    source = io.BytesIO(body) if isinstance(body, bytes) else body
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise _not_utf8(source) from None
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        cells = next(csv.reader([header_line], delimiter=delimiter, strict=True), [])
    except csv.Error as error:
        raise InputError(f"dòng tiêu đề CSV sai cú pháp (malformed CSV header: {error})") from None
    header = [name.strip().lower() for name in cells]
    _check_header(header)
    return _csv_rows(text, source, header, delimiter)


def _check_header(header: list[str]) -> None:
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise InputError(
            f"thiếu cột {', '.join(missing)} (missing CSV columns; expected header {','.join(CSV_COLUMNS)})"
        )
    unknown = [repr(name[:40]) for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise InputError(
            f"cột không xác định: {', '.join(unknown)} (unknown CSV columns; expected {','.join(CSV_COLUMNS)})"
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputError(f"cột lặp lại: {', '.join(repeated)} (duplicate CSV columns)")


class _Lines:
    """The physical lines fed to csv.reader, keeping those of the record being read so that they can be fed again."""

    def __init__(self, source: Iterator[str]) -> None:
        self.source = source
        self.record: list[str] = []  # the lines of the current record
        self.again: list[str] = []  # lines to feed again, last first

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        line = self.again.pop() if self.again else next(self.source)
        self.record.append(line)
        return line

    def feed_again_after_first_line(self) -> None:
        """The record was malformed: read on from the line after the one it began on."""
        self.again.extend(reversed(self.record[1:]))
        self.record.clear()


def _csv_rows(text: io.TextIOWrapper, source: IO[bytes], header: list[str], delimiter: str) -> Iterator[Row]:
    """A well-formed file is read at the csv module's speed; from the first malformed record on, line by line so that
    reading can resume after it."""
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    number, lines_read = 1, 1  # the header: record 1, line 1
    width = len(header)
    try:
        for values in reader:
            number += 1
            spans_lines = reader.line_num + 1 - lines_read > 1
            lines_read = reader.line_num + 1
            if not "".join(values).strip():  # every cell blank: one C call, not a generator step per cell
                continue
            if spans_lines or len(values) != width:
                problem = _record_problem(values, spans_lines, header, delimiter)
                if problem:
                    yield number, {"__malformed__": problem}
                    break
            yield number, dict(zip(header, values, strict=True))
        else:
            return
    except UnicodeDecodeError:
        raise _not_utf8(source) from None
    except csv.Error as error:
        number += 1
        yield number, {"__malformed__": _quoting_message(error)}
    # The record `number` began on line `lines_read + 1`: read on from the line after.
    yield from _resynchronising_rows(source, lines_read + 1, number, header, delimiter)


def _resynchronising_rows(
    source: IO[bytes], skip: int, number: int, header: list[str], delimiter: str
) -> Iterator[Row]:
    source.seek(0)
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    lines = _Lines(itertools.islice(text, skip, None))
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    while True:
        number += 1
        lines.record.clear()
        try:
            values = next(reader)
        except StopIteration:
            return
        except UnicodeDecodeError:
            raise _not_utf8(source) from None
        except csv.Error as error:
            lines.feed_again_after_first_line()
            reader = csv.reader(lines, delimiter=delimiter, strict=True)
            yield number, {"__malformed__": _quoting_message(error)}
            continue
        if not any(cell.strip() for cell in values):
            continue
        problem = _record_problem(values, len(lines.record) > 1, header, delimiter)
        if problem:
            lines.feed_again_after_first_line()
            yield number, {"__malformed__": problem}
            continue
        yield number, dict(zip(header, values, strict=True))


def _record_problem(values: list[str], spans_lines: bool, header: list[str], delimiter: str) -> str | None:
    if len(values) != len(header):
        return (
            f"dòng có {len(values)} ô nhưng tiêu đề có {len(header)} cột "
            f"(the record has {len(values)} cells, the header {len(header)} columns)"
        )
    # A quoted cell may hold line breaks, but a line within a cell that has a whole record's separators is more
    # likely the next record swallowed by a quote left open than a note.
    if spans_lines and any(
        line.count(delimiter) >= len(header) - 1 for cell in values for line in _LINE_BREAK.split(cell)[1:]
    ):
        return (
            "dấu ngoặc kép chưa đóng nuốt cả dòng sau (a quote left open runs into the next line, which looks like a "
            "record of its own)"
        )
    return None


def _quoting_message(error: csv.Error) -> str:
    detail = str(error)
    if "unexpected end of data" in detail:
        detail = "a quote is never closed"
    elif "field larger than field limit" in detail:
        detail = "a cell is too long"
    return f"dòng sai cú pháp CSV: dấu ngoặc kép chưa đóng hoặc đặt sai (malformed CSV record: {detail})"


def _not_utf8(source: IO[bytes]) -> InputError:
    """Where the body stops being UTF-8, found line by line (a line break byte is never inside a UTF-8 sequence)."""
    source.seek(0)
    offset = 0
    for line, data in enumerate(source, start=1):
        bom = len(codecs.BOM_UTF8) if offset == 0 and data.startswith(codecs.BOM_UTF8) else 0
        try:
            data[bom:].decode("utf-8")
        except UnicodeDecodeError as error:
            at = offset + bom + error.start
            return InputError(
                f"tệp CSV phải mã hoá UTF-8: byte 0x{data[at - offset]:02x} ở dòng {line} "
                f"(CSV must be UTF-8: byte 0x{data[at - offset]:02x} on line {line}, offset {at})"
            )
        offset += len(data)
    return InputError("tệp CSV phải mã hoá UTF-8 (CSV must be UTF-8)")
