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


def snapshot_item(row: tuple[Any, ...]) -> dict[str, Any]:
    """A snapshot row (ingest.snapshot.SNAPSHOT_COLUMNS) as the board's item, the same object as evaluation_out of its
    Evaluation, built straight from the row: the nation's 332,100 items in seconds, not tens of them."""
    (indicator, region, period, actual, expected, low, high, target, status, overdue, ratio, projection, meets,
     reason, recorded_at, approximately, p_period, p_status, p_actual, p_target, p_approximately) = row  # fmt: skip
    previous = None
    if p_period is not None and p_status is not None:
        previous = {
            "period": p_period, "status": p_status, "status_vi": _STATUS_VI[p_status], "actual": p_actual,
            "target": p_target, "approximately": p_approximately,
        }  # fmt: skip
    return {
        "indicator": indicator, "region": region, "period": period, "actual": actual, "expected": expected,
        "low": low, "high": high, "target": target, "status": status, "status_vi": _STATUS_VI[status],
        "report_overdue": overdue, "progress_ratio": ratio, "projection": projection,
        "projection_meets_target": meets, "reason": reason, "last_recorded_at": recorded_at,
        "approximately": approximately, "previous": previous,
    }  # fmt: skip


def ndjson_rows(batches: Iterable[list[tuple[Any, ...]]]) -> Iterator[bytes]:
    """Snapshot rows as NDJSON, one chunk per batch (orjson encodes the items; no per-row Python beyond the dict)."""
    for rows in batches:
        yield b"".join(orjson.dumps(snapshot_item(row)) + b"\n" for row in rows)


def streamed_csv(
    connection: Callable[[], Any], indicators: Collection[str] | None, regions: Collection[str] | None
) -> Iterator[bytes]:
    """The snapshot as CSV (CSV_COLUMNS), written by PostgreSQL, holding a pooled connection while it runs."""
    with connection() as conn:
        yield from copy_snapshot_csv(conn, CSV_COLUMNS, _STATUS_VI, indicators=indicators, regions=regions)


def streamed_rows(
    connection: Callable[[], Any], read: Callable[[psycopg.Connection[Any]], Iterator[list[tuple[Any, ...]]]]
) -> Iterator[list[tuple[Any, ...]]]:
    """The row batches `read` yields, holding a pooled connection while it runs."""
    with connection() as conn:
        yield from read(conn)
