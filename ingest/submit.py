"""One batch of observations as sent: the reader chosen by media type, the rows validated and written in one
transaction (ingest.observations), the snapshot's rows of the series written refreshed before the answer.

Errors are the tree's (indicators/errors.py): UnsupportedMediaType, InputError and its workbook kinds, TooManyRows,
OutOfScope, BatchRejected; nothing is written when one is raised.
"""

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any, cast

from psycopg_pool import ConnectionPool

from indicators.errors import InvalidInput
from indicators.numbers import NumberFormat
from indicators.status import DEFAULT_GRACE_DAYS
from ingest.catalogue_store import CatalogueCache
from ingest.formats import Row, read_csv
from ingest.json_stream import JsonStream
from ingest.keys import ApiKey
from ingest.observations import BatchRejected, ImportSummary, OutOfScope, ingest_batch
from ingest.snapshot import refresh_pushed_series
from ingest.validation import RowValidator, ValueParser, string_value_parser
from ingest.xlsx_reader import WorkbookRows, frequencies_in, read_workbook

CSV_TYPES = ("text/csv", "application/csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Workbooks python-calamine reads: .xlsx, and at no extra cost .xls and .ods.
WORKBOOK_TYPES = (XLSX_TYPE, "application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet")
JSON_TYPES = ("application/json", "")


class UnsupportedMediaType(InvalidInput):
    """A body that is neither JSON, CSV nor a workbook."""

    def __init__(self) -> None:
        super().__init__(
            f"Send application/json, text/csv or an .xlsx workbook ({XLSX_TYPE}; .xls and .ods are read too)."
        )


@dataclass(frozen=True)
class SubmitOptions:
    max_rows: int
    partial: bool = False  # write the valid rows and report the others
    force: bool = False  # let an estimate replace an official figure
    dry_run: bool = False
    strict: bool = False  # refuse values that look like the wrong scale
    number_format: NumberFormat | None = None  # of numbers written as text; None: read only if unambiguous
    grace_days: int = DEFAULT_GRACE_DAYS


@dataclass
class Submitted:
    summary: ImportSummary
    answer: dict[str, Any]  # the summary as the API answers it: a workbook's errors name their cells, its notices


def batch_format(media_type: str) -> str:
    """The format a media type is read as: csv, xlsx (any workbook) or json."""
    return "csv" if media_type in CSV_TYPES else "xlsx" if media_type in WORKBOOK_TYPES else "json"


def submit_batch(
    pool: ConnectionPool,
    body: IO[bytes],
    media_type: str,
    catalogues: CatalogueCache,
    key: ApiKey,
    options: SubmitOptions,
) -> Submitted:
    """Read, validate and write one batch sent as `media_type` (lower case, without parameters). A workbook is read
    whole before a connection is taken; CSV and JSON rows are read from `body` as they are validated and staged."""
    rows, parse_string = _reader(_kept_open(body), media_type, options.number_format)
    workbook = rows if isinstance(rows, WorkbookRows) else None
    with pool.connection() as conn:  # one connection for the catalogue's version and the batch
        catalogue = catalogues.current(conn)
        if workbook is not None:
            workbook.frequency_of = frequencies_in(catalogue)  # a date in the period column is read by the frequency
            workbook.indicator_of = catalogue.indicators.get  # a percentage cell is read in the indicator's unit
        validator = RowValidator(catalogue, key, parse_string, strict=options.strict)

        def again() -> Iterable[Row]:
            """The rows read anew from the start, for the staged way when the direct one did not fit the batch."""
            if workbook is not None:
                return workbook  # in memory: iterated again
            body.seek(0)
            return _reader(_kept_open(body), media_type, options.number_format)[0]

        try:
            summary = ingest_batch(
                conn, rows, validator, key_id=key.id, partial=options.partial, force=options.force,
                dry_run=options.dry_run, max_rows=options.max_rows, again=again,
            )  # fmt: skip
        except OutOfScope as error:
            refused = OutOfScope(error.errors, writer=f"Key {key.id} ({key.office})")
            if workbook is not None:
                refused.locate = workbook.annotate
            raise refused from None
        except BatchRejected as error:
            if workbook is not None:
                error.locate = workbook.annotate
            raise
        # Committed here, before anything else runs on this connection and before the answer: the pool commits on
        # the way out only while the connection is alive, and a connection lost meanwhile (a failover) would then
        # drop the batch silently after a 200. A failed commit raises, and the client re-sends the batch.
        conn.commit()
        if (summary.imported or summary.updated) and not summary.dry_run:
            refresh_pushed_series(conn, catalogue, summary.touched, options.grace_days)
    answer = summary.as_dict()
    return Submitted(summary, workbook.annotate(answer) if workbook is not None else answer)


class _KeptOpen(io.BufferedIOBase):
    """The body as a reader sees it: a CSV reader's text wrapper closes what it wraps once dropped, and the body must
    stay open to be read again from its start."""

    def __init__(self, body: IO[bytes]) -> None:
        super().__init__()
        self._body = body

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._body.read(-1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._body.read(size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._body.seek(offset, whence)

    def tell(self) -> int:
        return self._body.tell()


def _kept_open(body: IO[bytes]) -> IO[bytes]:
    return cast(IO[bytes], _KeptOpen(body))


def _reader(
    body: IO[bytes], media_type: str, number_format: NumberFormat | None
) -> tuple[Iterable[Row], ValueParser | None]:
    """The rows of the body and how their numbers written as text are read (JSON numbers are numbers)."""
    if media_type in WORKBOOK_TYPES:
        return read_workbook(body.read(), lambda code: None), string_value_parser(number_format)
    if media_type in CSV_TYPES:
        return read_csv(body), string_value_parser(number_format)
    if media_type in JSON_TYPES:
        return JsonStream(body), None  # its dry_run, known once read, is ingest_batch's too
    raise UnsupportedMediaType()
