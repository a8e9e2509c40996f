"""GET /v1/status: which board answers (today's snapshot or a live judgement), its pages and its streamed forms.

Today is read from the snapshot (indicator_status, kept by the refresher, and by each push for the series it wrote),
as /metrics and Grafana read it; a board is judged live only for an explicit other `as_of`, a `known_at`, or while no
snapshot of today exists yet (a service just started). Pages are in key order (indicator, region) with an opaque
cursor; the whole board streams as NDJSON or CSV, read through a server-side cursor.
"""

import csv
import io
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import date, datetime
from typing import Any

import orjson
import psycopg
from fastapi import Response

from indicators.catalogue import Catalogue
from indicators.status import Status
from ingest.snapshot import copy_snapshot_csv

NDJSON_MEDIA_TYPE = "application/x-ndjson"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_COLUMNS = [
    "indicator", "region", "period", "actual", "expected", "low", "high", "target", "status", "status_vi",
    "report_overdue", "progress_ratio", "projection", "projection_meets_target", "reason", "last_recorded_at",
    "approximately",
]  # fmt: skip


def regions_within(catalogue: Catalogue, region: str) -> list[str]:
    """The region and every region under it (a province: its communes), as the board's filter."""
    return [code for code in catalogue.regions if region in catalogue.region_chain(code)] or [region]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def ndjson_lines(items: Iterable[dict[str, Any]], flush_every: int = 500) -> Iterator[bytes]:
    """One JSON object a line, sent in chunks of `flush_every` lines."""
    chunk: list[str] = []
    for item in items:
        chunk.append(json.dumps(item, ensure_ascii=False, default=_plain))
        if len(chunk) >= flush_every:
            yield ("\n".join(chunk) + "\n").encode()
            chunk = []
    if chunk:
        yield ("\n".join(chunk) + "\n").encode()


def csv_lines(items: Iterable[dict[str, Any]], flush_every: int = 500) -> Iterator[bytes]:
    """A header, then one row per evaluation (numbers as Python writes them, for machines; the workbook is for people)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for count, item in enumerate(items, start=1):
        writer.writerow(["" if item[c] is None else _plain(item[c]) for c in CSV_COLUMNS])
        if count % flush_every == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def json_response(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body, default=_plain), media_type="application/json")


_STATUS_VI = {status.value: status.label_vi for status in Status}


def snapshot_page(head: dict[str, Any], items: list[bytes], next_cursor: str | None) -> Response:
    """The JSON of `json_response({**head, "items": [...], "next": next_cursor})`, with the items as the refresh encoded
    them (ingest/status_item.py) put in as they are: no Python object per item."""
    opening = orjson.dumps(head, default=_plain)[:-1] + b',"items":['
    closing = b'],"next":' + orjson.dumps(next_cursor) + b"}"
    # The body in one join, the commas between the items among its parts: joining the items, then wrapping them, made
    # a second copy of a province's 4 MB (10 ms, against 0,2 ms for one join).
    parts = [b","] * (2 * len(items) - 1)
    parts[::2] = items
    return Response(b"".join([opening, *parts, closing]), media_type="application/json")


def ndjson_items(batches: Iterable[list[bytes]]) -> Iterator[bytes]:
    """Encoded snapshot items as NDJSON, one chunk per batch."""
    for items in batches:
        yield b"\n".join(items) + b"\n"


def streamed_csv(
    connection: Callable[[], Any], indicators: Collection[str] | None, regions: Collection[str] | None
) -> Iterator[bytes]:
    """The snapshot as CSV (CSV_COLUMNS), written by PostgreSQL, holding a pooled connection while it runs."""
    with connection() as conn:
        yield from copy_snapshot_csv(conn, CSV_COLUMNS, _STATUS_VI, indicators=indicators, regions=regions)


def streamed_batches(
    connection: Callable[[], Any], read: Callable[[psycopg.Connection[Any]], Iterator[list[bytes]]]
) -> Iterator[list[bytes]]:
    """The batches `read` yields, holding a pooled connection while it runs."""
    with connection() as conn:
        yield from read(conn)
