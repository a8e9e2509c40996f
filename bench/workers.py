"""Push throughput at saturation with one and with two uvicorn workers (CHITIEU_WORKERS).

A closed loop from a separate process: CONNECTIONS keep-alive connections each send a single-row push (a new key
every time, as in bench/latency.py), wait for its answer and send the next, so the service always has work queued.
Throughput is the pushes answered 200 in the `duration_s` after a warm-up, per second. The database and catalogue are
the latency benchmark's shapes over more districts (5,000 monthly series, for enough new keys; 100,000 observations
beforehand); every push uses one API key, so the shared rate limit's bucket (lifted, but still counted in PostgreSQL)
is one row that every push updates: the worst case for it.

The service runs as shipped (the elected worker's refresher child rewrites the pushed series about once a second) and
without the refresher. The CPU time of each party over the measured window is read from /proc: the API (the uvicorn
supervisor, its workers and the refresher child), the PostgreSQL cluster (postmaster and backends) and the load
generator. The machine has two cores, so their sum against 2 x the window says how much of it the run used.
"""

import asyncio
import json
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from bench.data import Shape, first, observations, synthetic_catalogue
from bench.env import api_server, bundled_catalogue, fresh_database, new_token
from bench.ingest import raw_copy
from bench.latency import INDICATORS, PRELOADED, Connections, _request_bytes
from bench.stats import percentile, process_cpu_seconds, wait_until_idle
from ingest.embedded import EmbeddedPostgres

CONNECTIONS = 16
DISTRICTS = 500
MOST_PUSHES_PER_S = 1_200  # request bodies made per second of a run: more than this machine answers
WARMUP_S = 3.0
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class WorkersPlan:
    workers: Sequence[int]
    duration_s: float
    runs: int  # of each configuration, alternating, to spread the shared machine's noise over both
    preloaded: int = PRELOADED  # observations in the table before the pushes


FULL = WorkersPlan(workers=(1, 2), duration_s=20, runs=2)
QUICK = WorkersPlan(workers=(1, 2), duration_s=5, runs=1)


def saturate(base_url: str, token: str, bodies: Sequence[bytes], warmup_s: float, duration_s: float) -> dict[str, Any]:
    """Run in the load generator process: CONNECTIONS closed loops until the bodies or the time run out."""
    return asyncio.run(_saturate(base_url, token, bodies, warmup_s, duration_s))


async def _saturate(
    base_url: str, token: str, bodies: Sequence[bytes], warmup_s: float, duration_s: float
) -> dict[str, Any]:
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    loop = asyncio.get_running_loop()
    start = loop.time()
    window = (start + warmup_s, start + warmup_s + duration_s)
    requests = iter(bodies)
    latencies: list[float] = []
    outcomes: Counter[str] = Counter()
    cpu_at: dict[str, float] = {}

    async def loop_on_one_connection() -> None:
        connections = Connections(host, port)
        while loop.time() < window[1]:
            body = next(requests, None)
            if body is None:
                raise RuntimeError("the load generator ran out of request bodies: raise their number")
            sent = loop.time()
            try:
                status, answer = await asyncio.wait_for(
                    connections.request(_request_bytes(host, port, token, body)), REQUEST_TIMEOUT_S
                )
                outcome = "200" if status == 200 and json.loads(answer)["imported"] == 1 else str(status)
            except TimeoutError:
                outcome = "timeout"
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
                outcome = type(error).__name__
            answered = loop.time()
            if window[0] <= answered < window[1]:
                outcomes[outcome] += 1
                latencies.append(answered - sent)
        connections.close()

    async def mark_window() -> None:
        await asyncio.sleep(window[0] - loop.time())
        cpu_at["start"] = time.process_time()
        await asyncio.sleep(window[1] - loop.time())
        cpu_at["end"] = time.process_time()

    await asyncio.gather(mark_window(), *(loop_on_one_connection() for _ in range(CONNECTIONS)))
    ms = sorted(1000 * seconds for seconds in latencies)
    return {
        "answered_200": outcomes["200"],
        "pushes_per_s": outcomes["200"] / duration_s,
        "p50_ms": percentile(ms, 0.50),
        "p99_ms": percentile(ms, 0.99),
        "errors": sum(count for outcome, count in outcomes.items() if outcome != "200"),
        "outcomes": dict(outcomes),
        "generator_cpu_s": cpu_at["end"] - cpu_at["start"],
    }


def _postmaster_pid(pg: EmbeddedPostgres) -> int:
    return int((pg.cluster_dir / "postmaster.pid").read_text().splitlines()[0])


def run(pg: EmbeddedPostgres, plan: WorkersPlan) -> dict[str, Any]:
    catalogue = synthetic_catalogue(bundled_catalogue(), INDICATORS, DISTRICTS)
    keys: Iterator[Shape] = observations(INDICATORS, DISTRICTS)
    results: dict[str, Any] = {
        "connections": CONNECTIONS,
        "duration_s": plan.duration_s,
        "warmup_s": WARMUP_S,
        "preloaded": plan.preloaded,
        "load_average_at_start": os.getloadavg(),
        "runs": [],
    }
    budget = int((WARMUP_S + plan.duration_s) * MOST_PUSHES_PER_S)
    with fresh_database(pg, "workers", catalogue) as url:
        raw_copy(url, [shape.as_copy_row() for shape in first(plan.preloaded, keys)])
        token = new_token(url)
        postgres = _postmaster_pid(pg)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
            generator.submit(int).result()  # started now, so that each run's window opens when the parent expects
            for refresher in (True, False):
                for _ in range(plan.runs):
                    for workers in plan.workers:
                        with api_server(url, refresher=refresher, workers=str(workers)) as server:
                            wait_until_idle(server.pid)
                            bodies = [
                                json.dumps({"observations": [shape.as_json()]}).encode()
                                for shape in first(budget, keys)
                            ]
                            job = generator.submit(saturate, server.url, token, bodies, WARMUP_S, plan.duration_s)
                            time.sleep(WARMUP_S + 0.1)  # the generator process is already up: the window opens
                            api_before, db_before = process_cpu_seconds(server.pid), process_cpu_seconds(postgres)
                            time.sleep(plan.duration_s - 0.2)
                            api_cpu = process_cpu_seconds(server.pid) - api_before
                            db_cpu = process_cpu_seconds(postgres) - db_before
                            outcome = job.result()
                        window = plan.duration_s - 0.2
                        outcome.update(
                            workers=workers,
                            refresher=refresher,
                            api_cpu_per_s=api_cpu / window,
                            postgres_cpu_per_s=db_cpu / window,
                            generator_cpu_per_s=outcome["generator_cpu_s"] / plan.duration_s,
                        )
                        results["runs"].append(outcome)
                        print(
                            f"  {workers} worker(s), refresher {'on' if refresher else 'off'}:"
                            f" {outcome['pushes_per_s']:.0f} pushes/s, p50 {outcome['p50_ms']:.1f} ms,"
                            f" p99 {outcome['p99_ms']:.1f} ms, errors {outcome['errors']}; CPU (cores) API"
                            f" {outcome['api_cpu_per_s']:.2f}, PostgreSQL {outcome['postgres_cpu_per_s']:.2f},"
                            f" generator {outcome['generator_cpu_per_s']:.2f}",
                            flush=True,
                        )
    return results
