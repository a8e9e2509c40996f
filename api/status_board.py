"""GET /v1/status: which board answers (today's snapshot or a live judgement), its pages and its streamed forms.

Today is read from the snapshot (indicator_status, kept by the refresher, and by each push for the series it wrote),
as /metrics and Grafana read it; a board is judged live only for an explicit other `as_of`, a `known_at`, or while no
snapshot of today exists yet (a service just started). Pages are in key order (indicator, region) with an opaque
cursor; the whole board streams as NDJSON or CSV, read through a server-side cursor.
"""

import base64
import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

import psycopg
from fastapi import Response

from indicators.catalogue import Catalogue
from indicators.status import Evaluation

NDJSON_MEDIA_TYPE = "application/x-ndjson"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
CSV_COLUMNS = [
    "indicator", "region", "period", "actual", "expected", "low", "high", "target", "status", "status_vi",
    "report_overdue", "progress_ratio", "projection", "projection_meets_target", "reason", "last_recorded_at",
    "approximately",
]  # fmt: skip


def encode_cursor(evaluation: Evaluation) -> str:
    raw = json.dumps([evaluation.indicator, evaluation.region], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str] | None:
    """The key a cursor points after; None when it is not one of ours."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return None
    if isinstance(key, list) and len(key) == 2 and all(isinstance(part, str) for part in key):
        return key[0], key[1]
    return None


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


def streamed(
    connection: Callable[[], Any],
    read: Callable[[psycopg.Connection[Any]], Iterator[Evaluation]],
    visible: Callable[[Evaluation], bool],
    out: Callable[[Evaluation], dict[str, Any]],
) -> Iterator[dict[str, Any]]:
    """The evaluations `read` yields, within reach, as output objects, holding a pooled connection while it runs."""
    with connection() as conn:
        for evaluation in read(conn):
            if visible(evaluation):
                yield out(evaluation)


def json_response(body: dict[str, Any]) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=_plain).encode(), media_type="application/json")
