"""Workbook ingest against the CSV path, and the two readers the issue named, on the same rows.

A 100,000-row workbook (one sheet, the CSV column names in row 1, numbers as numeric cells, shared strings as Excel
writes them; XlsxWriter makes it before the clock starts) is sent in one request; the same rows as CSV go the way the
CSV path is measured in bench/ingest.py (50,000-row batches). Both start from an empty observations table and an idle
server and must report every row imported. The goal: workbook rows/s >= 0.5 x CSV rows/s. The API process's CPU seconds
for each are recorded too: on a shared, busy machine they vary far less than the wall clock.

The readers alone, in this process, on the same workbook: python-calamine through ingest.xlsx_reader (the file check,
the parse and the row stream the validator gets) and openpyxl in read-only mode (its rows, values only, nothing else).
"""

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
import xlsxwriter

from bench.data import Shape, first, observations, synthetic_catalogue
from bench.env import api_server, bundled_catalogue, fresh_database, new_token
from bench.ingest import BATCH_ROWS, DISTRICTS, INDICATORS, _reset, csv_bodies, post_all
from bench.stats import median, process_cpu_seconds, timed
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from ingest.xlsx_reader import read_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class XlsxPlan:
    rows: int
    repeats: int


FULL = XlsxPlan(rows=100_000, repeats=3)
QUICK = XlsxPlan(rows=20_000, repeats=2)


def workbook(shapes: Sequence[Shape]) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Số liệu")
    sheet.write_row(0, 0, ["indicator", "region", "period", "value", "status", "note"])
    for row, shape in enumerate(shapes, start=1):
        sheet.write_string(row, 0, shape.indicator)
        sheet.write_string(row, 1, shape.region)
        sheet.write_string(row, 2, str(shape.period))
        sheet.write_number(row, 3, shape.value)
        sheet.write_string(row, 4, "official")
    book.close()
    return out.getvalue()


def read_with_calamine(body: bytes) -> int:
    return sum(1 for _ in read_workbook(body, lambda code: None))


def read_with_openpyxl(body: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(min_row=2, values_only=True))
    finally:
        book.close()


def _timed_reader(reader: Callable[[bytes], int], body: bytes) -> tuple[float, int]:
    counted = 0

    def read() -> None:
        nonlocal counted
        counted = reader(body)

    return timed(read), counted


def run(pg: EmbeddedPostgres, plan: XlsxPlan) -> dict[str, Any]:
    catalogue = synthetic_catalogue(bundled_catalogue(), INDICATORS, DISTRICTS)
    shapes = first(plan.rows, observations(INDICATORS, DISTRICTS))
    body = workbook(shapes)
    bodies = csv_bodies(shapes, BATCH_ROWS)
    readers: dict[str, list[float]] = {"calamine": [], "openpyxl_read_only": []}
    for _ in range(plan.repeats):
        for name, reader in (("calamine", read_with_calamine), ("openpyxl_read_only", read_with_openpyxl)):
            seconds, counted = _timed_reader(reader, body)
            if counted != plan.rows:
                raise RuntimeError(f"{name} read {counted} rows of {plan.rows}")
            readers[name].append(seconds)
    runs: dict[str, list[float]] = {"csv": [], "xlsx": []}
    api_cpu: dict[str, list[float]] = {"csv": [], "xlsx": []}  # the API process's CPU seconds: steadier on a busy box
    with fresh_database(pg, "xlsx", catalogue) as url, api_server(url, refresher=False) as server, connect(url) as conn:
        token = new_token(url)
        for _ in range(plan.repeats):
            for method, sent, content_type in (("csv", bodies, "text/csv"), ("xlsx", [body], XLSX)):
                _reset(conn, server)
                cpu_before = process_cpu_seconds(server.pid)
                seconds, imported = post_all(server.url, token, sent, content_type)
                api_cpu[method].append(process_cpu_seconds(server.pid) - cpu_before)
                if imported != plan.rows:
                    raise RuntimeError(f"{method}: {imported} of {plan.rows} rows imported")
                runs[method].append(seconds)
    rates = {method: plan.rows / median(seconds) for method, seconds in runs.items()}
    reader_medians = {name: median(seconds) for name, seconds in readers.items()}
    result: dict[str, Any] = {
        "rows": plan.rows,
        "workbook_bytes": len(body),
        "csv_bytes": sum(len(b) for b in bodies),
        "runs_s": runs,
        "rows_per_s": rates,
        "xlsx_to_csv": rates["xlsx"] / rates["csv"],
        "api_cpu_s": api_cpu,
        "api_cpu_xlsx_to_csv": median(api_cpu["xlsx"]) / median(api_cpu["csv"]),
        "reader_runs_s": readers,
        "reader_median_s": reader_medians,
    }
    print(
        f"  {plan.rows:,} rows: csv {rates['csv']:,.0f}/s, xlsx {rates['xlsx']:,.0f}/s "
        f"(ratio {result['xlsx_to_csv']:.2f}; API CPU xlsx/csv {result['api_cpu_xlsx_to_csv']:.2f}); readers: calamine {reader_medians['calamine']:.2f} s, "
        f"openpyxl read-only {reader_medians['openpyxl_read_only']:.2f} s",
        flush=True,
    )
    return result
