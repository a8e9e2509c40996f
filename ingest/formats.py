"""Reading a batch of observations from JSON or CSV into numbered rows, without a second copy of the body."""

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ingest.errors import ChitieuError

CSV_COLUMNS = ("indicator", "region", "period", "value", "status", "note")
REQUIRED_COLUMNS = ("indicator", "region", "period", "value")

Row = tuple[int, Mapping[str, object]]


class InputError(ChitieuError):
    """The body as a whole cannot be read (not JSON, wrong shape, missing CSV columns)."""


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
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"nội dung không phải JSON hợp lệ (body is not valid JSON: {error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("observations"), list):
        raise InputError('cần một đối tượng {"observations": [...]} (expected an object with an observations list)')
    dry_run = document.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise InputError("dry_run phải là true hoặc false (dry_run must be a boolean)")
    return JsonBatch(document["observations"], dry_run)


def read_csv(body: bytes) -> Iterator[Row]:
    """Rows numbered as a spreadsheet shows them (the header is row 1). UTF-8 with or without BOM; `,` or `;`."""
    text = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8-sig", newline="")
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise InputError("tệp CSV phải mã hoá UTF-8 (CSV must be UTF-8)") from None
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [name.strip().lower() for name in next(csv.reader([header_line], delimiter=delimiter), [])]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise InputError(
            f"thiếu cột {', '.join(missing)} (missing CSV columns; expected header {','.join(CSV_COLUMNS)})"
        )
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if unknown:
        raise InputError(f"cột không xác định: {', '.join(unknown)} (unknown CSV columns)")
    return _csv_rows(text, header, delimiter)


def _csv_rows(text: io.TextIOWrapper, header: list[str], delimiter: str) -> Iterator[Row]:
    reader = csv.reader(text, delimiter=delimiter)
    try:
        for values in reader:
            if not any(cell.strip() for cell in values):
                continue
            row: dict[str, object] = dict(zip(header, values, strict=False))
            if len(values) > len(header):
                row["__extra__"] = values[len(header) :]
            yield reader.line_num + 1, row  # the header was line 1
    except UnicodeDecodeError:
        raise InputError("tệp CSV phải mã hoá UTF-8 (CSV must be UTF-8)") from None
    except csv.Error as error:
        raise InputError(f"CSV lỗi ở dòng {reader.line_num + 1} (malformed CSV: {error})") from None
