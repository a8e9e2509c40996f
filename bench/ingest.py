"""Ingest throughput: the API's JSON and CSV batch paths and single-row pushes against a raw COPY of the same rows.

Raw COPY is the limit on this machine: psycopg writing the same rows (COPY text, encoded into a file beforehand)
straight into the observations hypertable in one transaction, so it pays for the same table, indexes and foreign keys
as the API and nothing else. The API paths go over HTTP on loopback to the real app in its own process, one request per
batch of BATCH_ROWS rows, one after another; request bodies are encoded into files, batch by batch, before the clock
starts (the client's encoding is not the server's cost, and memory holds one batch whatever the size: 10^7 rows).
Each size also reports the CPU seconds of the API process and of the PostgreSQL cluster, to say which bounds it.
Every method starts from an empty observations table and an idle server, and must report every row as imported.
The server runs without the status snapshot refresher (bench/server.py): at 10,000 monthly series a refresh outlasts
the runs and would be measured instead of the ingest path.
"""

import json
import math
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import TupleRow

from bench.data import CSV_HEADER, MONTHS, CopyRow, Shape, first, observations, synthetic_catalogue
from bench.env import ApiProcess, api_server, bundled_catalogue, fresh_database, new_token, truncate_observations
from bench.stats import median, process_cpu_seconds, timed, wait_until_idle
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres

INDICATORS = 100
DISTRICTS = 100  # 100 x 100 series x 144 months: 1.44 million distinct keys
BATCH_ROWS = 50_000
COPY_COLUMNS = "indicator, region, period_start, period, revision, value, status, note, key_id"
_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class IngestPlan:
    sizes: Sequence[int]
    repeats: dict[int, int]  # size -> runs (medians over them)
    single_rows: int  # rows sent one request each
    single_repeats: int


FULL = IngestPlan(
    sizes=(10_000, 100_000, 1_000_000, 10_000_000), repeats={10_000: 5, 100_000: 5, 1_000_000: 2, 10_000_000: 1},
    single_rows=1000, single_repeats=3,
)  # fmt: skip
QUICK = IngestPlan(sizes=(1_000, 10_000, 100_000), repeats={1_000: 3, 10_000: 3, 100_000: 2}, single_rows=200,
                   single_repeats=2)  # fmt: skip


def plan_from_env(plan: IngestPlan) -> IngestPlan:
    """CHITIEU_BENCH_INGEST_SIZES=1000000,10000000 runs only those sizes (and no single-row pushes), each
    CHITIEU_BENCH_INGEST_REPEATS times if set (a busy machine)."""
    chosen = os.environ.get("CHITIEU_BENCH_INGEST_SIZES")
    if not chosen:
        return plan
    sizes = tuple(int(size) for size in chosen.split(","))
    repeats = os.environ.get("CHITIEU_BENCH_INGEST_REPEATS")
    return IngestPlan(sizes, {size: int(repeats) if repeats else plan.repeats.get(size, 1) for size in sizes}, 0, 0)


def districts_for(size: int) -> int:
    """DISTRICTS, or as many as `size` distinct keys need (10^7 rows: 695 districts, 69,500 series)."""
    return max(DISTRICTS, math.ceil(size / (INDICATORS * len(MONTHS))))


def raw_copy(url: str, rows: Sequence[CopyRow] | Path) -> float:
    """Seconds to COPY the rows into observations in one transaction, commit included: typed tuples, or a file of
    them already in COPY's text format (a large size, whose tuples would not fit in memory)."""
    with connect(url) as conn:

        def load() -> None:
            with conn.transaction(), conn.cursor().copy(f"COPY observations ({COPY_COLUMNS}) FROM STDIN") as copy:
                if isinstance(rows, Path):
                    with rows.open("rb") as data:
                        while chunk := data.read(_COPY_CHUNK):
                            copy.write(chunk)
                else:
                    for row in rows:
                        copy.write_row(row)

        return timed(load)


def copy_text_line(shape: Shape) -> str:
    indicator, region, start, period, revision, value, status, _, key_id = shape.as_copy_row()
    return f"{indicator}\t{region}\t{start.isoformat()}\t{period}\t{revision}\t{value!r}\t{status}\t\\N\t{key_id}\n"


def json_body(shapes: Sequence[Shape]) -> bytes:
    return json.dumps({"observations": [shape.as_json() for shape in shapes]}).encode()


def csv_body(shapes: Sequence[Shape]) -> bytes:
    return (CSV_HEADER + "".join(shape.as_csv_line() for shape in shapes)).encode()


def json_bodies(shapes: Sequence[Shape], batch_rows: int) -> list[bytes]:
    return [json_body(shapes[start : start + batch_rows]) for start in range(0, len(shapes), batch_rows)]


def csv_bodies(shapes: Sequence[Shape], batch_rows: int) -> list[bytes]:
    return [csv_body(shapes[start : start + batch_rows]) for start in range(0, len(shapes), batch_rows)]


@dataclass
class SpooledInputs:
    """A size's inputs written to files before any clock starts: one body per batch, and the raw COPY's text."""

    copy_text: Path
    bodies: dict[str, list[Path]]


def spool_inputs(directory: Path, shapes: Iterator[Shape], batch_rows: int) -> SpooledInputs:
    """Encode the rows batch by batch into files, so that memory holds one batch whatever the size."""
    inputs = SpooledInputs(directory / "copy.txt", {"json": [], "csv": []})
    with inputs.copy_text.open("w", encoding="utf-8") as copy_text:
        number = 0
        while batch := list(islice(shapes, batch_rows)):
            number += 1
            copy_text.write("".join(copy_text_line(shape) for shape in batch))
            for method, encode in (("json", json_body), ("csv", csv_body)):
                path = directory / f"{number:05d}.{method}"
                path.write_bytes(encode(batch))
                inputs.bodies[method].append(path)
    return inputs


def post_all(base_url: str, token: str, bodies: Sequence[bytes | Path], content_type: str) -> tuple[float, int]:
    """Send the bodies one after another on one keep-alive connection; (seconds, rows imported). A body in a file is
    read before its request's clock starts."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    imported = 0
    seconds = 0.0
    with httpx.Client(base_url=base_url, timeout=1800) as client:
        for body in bodies:
            content = body.read_bytes() if isinstance(body, Path) else body
            response: httpx.Response | None = None

            def send(content: bytes = content) -> None:
                nonlocal response
                response = client.post("/v1/observations", content=content, headers=headers)

            seconds += timed(send)
            assert response is not None
            if response.status_code != 200:
                raise RuntimeError(f"POST /v1/observations: {response.status_code} {response.text[:300]}")
            imported += int(response.json()["imported"])
    return seconds, imported


def _reset(conn: psycopg.Connection[TupleRow], server: ApiProcess) -> None:
    truncate_observations(conn)
    wait_until_idle(server.pid)


def run(pg: EmbeddedPostgres, plan: IngestPlan) -> dict[str, Any]:
    plan = plan_from_env(plan)
    results: dict[str, Any] = {"batch_rows": BATCH_ROWS, "single_rows": plan.single_rows, "sizes": []}
    by_districts: dict[int, list[int]] = {}
    for size in plan.sizes:
        by_districts.setdefault(districts_for(size), []).append(size)
    for districts, sizes in sorted(by_districts.items()):
        catalogue = synthetic_catalogue(bundled_catalogue(), INDICATORS, districts)
        with (
            fresh_database(pg, "ingest", catalogue) as url,
            api_server(url, refresher=False) as server,
            connect(url) as conn,
        ):
            token = new_token(url)
            for size in sizes:
                results["sizes"].append(_run_size(pg, url, conn, server, token, size, districts, plan.repeats[size]))
                print(_line(results["sizes"][-1]), flush=True)
            if districts == DISTRICTS and plan.single_rows:
                results["single"] = _single_rows(url, conn, server, token, plan)
                print(f"  single-row pushes: {results['single']['rows_per_s']:.0f} rows/s", flush=True)
    return results


def _run_size(
    pg: EmbeddedPostgres, url: str, conn: psycopg.Connection[TupleRow], server: ApiProcess, token: str, size: int, districts: int,
    repeats: int,
) -> dict[str, Any]:  # fmt: skip
    runs: dict[str, list[float]] = {"raw_copy": [], "json": [], "csv": []}
    cpu: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-ingest-") as directory:
        shapes = islice(observations(INDICATORS, districts), size)
        inputs = spool_inputs(Path(directory), shapes, BATCH_ROWS)
        for _ in range(repeats):
            _reset(conn, server)
            with _cpu(pg, server, cpu, "raw_copy"):
                runs["raw_copy"].append(raw_copy(url, inputs.copy_text))
            for method, content_type in (("json", "application/json"), ("csv", "text/csv")):
                _reset(conn, server)
                with _cpu(pg, server, cpu, method):
                    seconds, imported = post_all(server.url, token, inputs.bodies[method], content_type)
                if imported != size:
                    raise RuntimeError(f"{method}: {imported} of {size} rows imported")
                runs[method].append(seconds)
    summary = _summarise(size, runs)
    summary["districts"] = districts
    # What bounds each method: CPU seconds of the API process and of the PostgreSQL cluster over its runs.
    summary["cpu_s"] = cpu
    return summary


@contextmanager
def _cpu(pg: EmbeddedPostgres, server: ApiProcess, into: dict[str, dict[str, float]], method: str) -> Iterator[None]:
    postmaster = int((pg.cluster_dir / "postmaster.pid").read_text().split()[0])
    api_before, pg_before = process_cpu_seconds(server.pid), process_cpu_seconds(postmaster)
    yield
    spent = into.setdefault(method, {"api": 0.0, "postgres": 0.0})
    spent["api"] += process_cpu_seconds(server.pid) - api_before
    spent["postgres"] += process_cpu_seconds(postmaster) - pg_before


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
    cpu = summary.get("cpu_s", {})
    parts += [
        f"{method} cpu api {spent['api']:.0f} s, postgres {spent['postgres']:.0f} s" for method, spent in cpu.items()
    ]
    return f"  {summary['rows']:>9,} rows: " + ", ".join(parts)
