"""Ingest throughput: the API's JSON and CSV batch paths and single-row pushes against a raw COPY of the same rows.

Raw COPY is the limit on this machine: psycopg writing the same rows (typed tuples built beforehand) straight into the
observations hypertable in one transaction, so it pays for the same table, indexes and foreign keys as the API and
nothing else. The API paths go over HTTP on loopback to the real app in its own process, one request per batch of
BATCH_ROWS rows; request bodies are encoded before the clock starts (the client's encoding is not the server's cost).
Every method starts from an empty observations table and an idle server, and must report every row as imported.
The server runs without the status snapshot refresher (bench/server.py): at 10,000 monthly series a refresh outlasts
the runs and would be measured instead of the ingest path.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
from psycopg.rows import TupleRow

from bench.data import CSV_HEADER, CopyRow, Shape, first, observations, synthetic_catalogue
from bench.env import ApiProcess, api_server, bundled_catalogue, fresh_database, new_token, truncate_observations
from bench.stats import median, timed, wait_until_idle
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres

INDICATORS = 100
DISTRICTS = 100  # 100 x 100 series x 144 months: 1.44 million distinct keys
BATCH_ROWS = 50_000
COPY_COLUMNS = "indicator, region, period_start, period, revision, value, status, note, key_id"


@dataclass(frozen=True)
class IngestPlan:
    sizes: Sequence[int]
    repeats: dict[int, int]  # size -> runs (medians over them)
    single_rows: int  # rows sent one request each
    single_repeats: int


FULL = IngestPlan(
    sizes=(10_000, 100_000, 1_000_000), repeats={10_000: 5, 100_000: 5, 1_000_000: 2}, single_rows=1000,
    single_repeats=3,
)  # fmt: skip
QUICK = IngestPlan(sizes=(1_000, 10_000, 100_000), repeats={1_000: 3, 10_000: 3, 100_000: 2}, single_rows=200,
                   single_repeats=2)  # fmt: skip


def raw_copy(url: str, rows: Sequence[CopyRow]) -> float:
    """Seconds to COPY the rows into observations in one transaction, commit included."""
    with connect(url) as conn:

        def load() -> None:
            with conn.transaction(), conn.cursor().copy(f"COPY observations ({COPY_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

        return timed(load)


def json_bodies(shapes: Sequence[Shape], batch_rows: int) -> list[bytes]:
    return [
        json.dumps({"observations": [shape.as_json() for shape in shapes[start : start + batch_rows]]}).encode()
        for start in range(0, len(shapes), batch_rows)
    ]


def csv_bodies(shapes: Sequence[Shape], batch_rows: int) -> list[bytes]:
    return [
        (CSV_HEADER + "".join(shape.as_csv_line() for shape in shapes[start : start + batch_rows])).encode()
        for start in range(0, len(shapes), batch_rows)
    ]


def post_all(base_url: str, token: str, bodies: Sequence[bytes], content_type: str) -> tuple[float, int]:
    """Send the bodies one after another on one keep-alive connection; (seconds, rows imported)."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    imported = 0
    with httpx.Client(base_url=base_url, timeout=900) as client:

        def send() -> None:
            nonlocal imported
            for body in bodies:
                response = client.post("/v1/observations", content=body, headers=headers)
                if response.status_code != 200:
                    raise RuntimeError(f"POST /v1/observations: {response.status_code} {response.text[:300]}")
                imported += int(response.json()["imported"])

        return timed(send), imported


def _reset(conn: psycopg.Connection[TupleRow], server: ApiProcess) -> None:
    truncate_observations(conn)
    wait_until_idle(server.pid)


def run(pg: EmbeddedPostgres, plan: IngestPlan) -> dict[str, Any]:
    catalogue = synthetic_catalogue(bundled_catalogue(), INDICATORS, DISTRICTS)
    results: dict[str, Any] = {"batch_rows": BATCH_ROWS, "single_rows": plan.single_rows, "sizes": []}
    with (
        fresh_database(pg, "ingest", catalogue) as url,
        api_server(url, refresher=False) as server,
        connect(url) as conn,
    ):
        token = new_token(url)
        for size in plan.sizes:
            shapes = first(size, observations(INDICATORS, DISTRICTS))
            copy_rows = [shape.as_copy_row() for shape in shapes]
            bodies = {"json": json_bodies(shapes, BATCH_ROWS), "csv": csv_bodies(shapes, BATCH_ROWS)}
            del shapes
            runs: dict[str, list[float]] = {"raw_copy": [], "json": [], "csv": []}
            for _ in range(plan.repeats[size]):
                _reset(conn, server)
                runs["raw_copy"].append(raw_copy(url, copy_rows))
                for method, content_type in (("json", "application/json"), ("csv", "text/csv")):
                    _reset(conn, server)
                    seconds, imported = post_all(server.url, token, bodies[method], content_type)
                    if imported != size:
                        raise RuntimeError(f"{method}: {imported} of {size} rows imported")
                    runs[method].append(seconds)
            results["sizes"].append(_summarise(size, runs))
            print(_line(results["sizes"][-1]), flush=True)
        results["single"] = _single_rows(url, conn, server, token, plan)
        print(f"  single-row pushes: {results['single']['rows_per_s']:.0f} rows/s", flush=True)
    return results


def _single_rows(
    url: str, conn: psycopg.Connection[TupleRow], server: ApiProcess, token: str, plan: IngestPlan
) -> dict[str, Any]:
    """One request per row, sent one after another (one client, keep-alive), into an empty table."""
    shapes = first(plan.single_rows, observations(INDICATORS, DISTRICTS))
    bodies = [json.dumps({"observations": [shape.as_json()]}).encode() for shape in shapes]
    copy_rows = [shape.as_copy_row() for shape in shapes]
    seconds, copy_seconds = [], []
    for _ in range(plan.single_repeats):
        _reset(conn, server)
        copy_seconds.append(raw_copy(url, copy_rows))
        _reset(conn, server)
        elapsed, imported = post_all(server.url, token, bodies, "application/json")
        if imported != plan.single_rows:
            raise RuntimeError(f"single-row pushes: {imported} of {plan.single_rows} rows imported")
        seconds.append(elapsed)
    rows_per_s = plan.single_rows / median(seconds)
    copy_rows_per_s = plan.single_rows / median(copy_seconds)
    return {
        "rows": plan.single_rows,
        "runs_s": seconds,
        "rows_per_s": rows_per_s,
        "raw_copy_runs_s": copy_seconds,
        "raw_copy_rows_per_s": copy_rows_per_s,
        "ratio_to_raw_copy": rows_per_s / copy_rows_per_s,
        "mean_request_ms": 1000 * median(seconds) / plan.single_rows,
    }


def _summarise(size: int, runs: dict[str, list[float]]) -> dict[str, Any]:
    rates = {method: size / median(seconds) for method, seconds in runs.items()}
    return {
        "rows": size,
        "runs_s": runs,
        "rows_per_s": rates,
        "ratio_to_raw_copy": {method: rate / rates["raw_copy"] for method, rate in rates.items()},
    }


def _line(summary: dict[str, Any]) -> str:
    rates, ratios = summary["rows_per_s"], summary["ratio_to_raw_copy"]
    parts = [f"{method} {rates[method]:,.0f}/s ({ratios[method]:.2f})" for method in rates]
    return f"  {summary['rows']:>9,} rows: " + ", ".join(parts)
