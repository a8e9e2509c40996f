"""Push latency: single-row POSTs at a fixed rate from a separate process, timed from their scheduled start.

The load generator (its own process: asyncio and a minimal HTTP/1.1 client) schedules request i at start + i / rate and sends it then,
whether or not earlier requests have answered (an open model, as statistics offices' pushes arrive), on as many
connections as needed. Latency runs from the scheduled time, not from the moment the request was sent, so a stalled
server or generator is charged for the requests it delayed (no coordinated omission). Each request writes a new value
(a new key), as a real push does. The first WARMUP_S seconds are sent but not counted.

The database holds the bundled catalogue, a synthetic programme of 1,000 monthly series (10 indicators x 100
districts) and 100,000 observations. The service runs twice: as shipped (the status snapshot refresher's child
process rewrites indicator_status and indicator_path for the pushed series about once a second), and without it.
"""

import asyncio
import json
import multiprocessing
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from bench.data import Shape, first, observations, synthetic_catalogue
from bench.env import api_server, bundled_catalogue, fresh_database, new_token
from bench.ingest import raw_copy
from bench.stats import percentile, wait_until_idle
from ingest.embedded import EmbeddedPostgres

INDICATORS = 10
DISTRICTS = 100
PRELOADED = 100_000
WARMUP_S = 2.0
REQUEST_TIMEOUT_S = 10.0  # a request not answered by then counts as an error (and bounds a run's length)


@dataclass(frozen=True)
class LatencyPlan:
    rates: Sequence[int]
    duration_s: float
    preloaded: int = PRELOADED  # observations in the table before the pushes


FULL = LatencyPlan(rates=(100, 200), duration_s=30)
QUICK = LatencyPlan(rates=(100, 200), duration_s=5)


def fire(base_url: str, token: str, bodies: Sequence[bytes], rate: float, warmup: int) -> dict[str, Any]:
    """Run in the load generator process: send the bodies at `rate` per second; latencies of all but the first
    `warmup` requests."""
    return asyncio.run(_fire(base_url, token, bodies, rate, warmup))


class Connections:
    """Keep-alive HTTP/1.1 connections to the server, opened when none is idle. A minimal client on asyncio streams:
    general clients keep every waiting request in one pool and slow down quadratically once the server falls behind,
    which would measure the client instead of the server."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        while self.idle:
            reader, writer = self.idle.pop()
            answer = await self._exchange(reader, writer, raw)
            if answer is not None:
                return answer
        # The server closes connections idle for a few seconds: a fresh connection when none of those answered.
        reader, writer = await asyncio.open_connection(self.host, self.port)
        answer = await self._exchange(reader, writer, raw)
        if answer is None:
            raise ConnectionResetError("the server closed a new connection without answering")
        return answer

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
    ) -> tuple[int, bytes] | None:
        """Send the request and read the answer; None when the server had closed the connection."""
        try:
            writer.write(raw)
            status_line = await reader.readline()
            if not status_line:
                writer.close()
                return None
            status = int(status_line.split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
        except (ConnectionResetError, BrokenPipeError):
            writer.close()
            return None
        except BaseException:  # a timeout (cancellation) too: the connection is in an unknown state
            writer.close()
            raise
        self.idle.append((reader, writer))
        return status, body

    def close(self) -> None:
        for _, writer in self.idle:
            writer.close()


def _request_bytes(host: str, port: int, token: str, body: bytes) -> bytes:
    head = (
        f"POST /v1/observations HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _fire(base_url: str, token: str, bodies: Sequence[bytes], rate: float, warmup: int) -> dict[str, Any]:
    url = httpx.URL(base_url)
    host, port = url.host, url.port or 80
    requests = [_request_bytes(host, port, token, body) for body in bodies]
    connections = Connections(host, port)
    latencies: list[float] = []
    send_lag: list[float] = []  # how late the generator itself sent each request
    outcomes: Counter[str] = Counter()
    loop = asyncio.get_running_loop()

    async def one(number: int, scheduled: float, raw: bytes) -> None:
        try:
            status, body = await asyncio.wait_for(connections.request(raw), REQUEST_TIMEOUT_S)
            outcome = str(status)
            if status == 200 and json.loads(body)["imported"] != 1:
                outcome = "200 but not imported"
        except TimeoutError:
            outcome = "timeout"
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as error:
            outcome = type(error).__name__
        if number >= warmup:
            latencies.append(loop.time() - scheduled)
            outcomes[outcome] += 1

    start = loop.time() + 0.2
    tasks = []
    for number, raw in enumerate(requests):
        scheduled = start + number / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if number >= warmup:
            send_lag.append(loop.time() - scheduled)
        tasks.append(asyncio.create_task(one(number, scheduled, raw)))
    sending_s = loop.time() - start
    await asyncio.gather(*tasks)
    connections.close()
    ms = [1000 * seconds for seconds in latencies]
    return {
        "requests": len(ms),
        "achieved_rate_per_s": len(requests) / sending_s,
        "p50_ms": percentile(ms, 0.50),
        "p90_ms": percentile(ms, 0.90),
        "p99_ms": percentile(ms, 0.99),
        "max_ms": max(ms),
        "errors": sum(count for outcome, count in outcomes.items() if outcome != "200"),
        "outcomes": dict(outcomes),
        "generator_lag_p99_ms": percentile([1000 * lag for lag in send_lag], 0.99),
    }


def run(pg: EmbeddedPostgres, plan: LatencyPlan) -> dict[str, Any]:
    catalogue = synthetic_catalogue(bundled_catalogue(), INDICATORS, DISTRICTS)
    keys: Iterator[Shape] = observations(INDICATORS, DISTRICTS)
    results: dict[str, Any] = {
        "duration_s": plan.duration_s,
        "warmup_s": WARMUP_S,
        "preloaded": plan.preloaded,
        "runs": [],
    }
    with fresh_database(pg, "latency", catalogue) as url:
        raw_copy(url, [shape.as_copy_row() for shape in first(plan.preloaded, keys)])
        token = new_token(url)
        spawn = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as generator:
            for refresher in (True, False):
                with api_server(url, refresher=refresher) as server:
                    for rate in plan.rates:
                        wait_until_idle(server.pid)
                        warmup = int(WARMUP_S * rate)
                        shapes = first(warmup + int(plan.duration_s * rate), keys)
                        bodies = [json.dumps({"observations": [shape.as_json()]}).encode() for shape in shapes]
                        outcome = generator.submit(fire, server.url, token, bodies, rate, warmup).result()
                        outcome.update(rate_per_s=rate, refresher=refresher)
                        results["runs"].append(outcome)
                        print(
                            f"  {rate}/s, refresher {'on' if refresher else 'off'}: p50 {outcome['p50_ms']:.1f} ms,"
                            f" p99 {outcome['p99_ms']:.1f} ms, max {outcome['max_ms']:.1f} ms,"
                            f" errors {outcome['errors']}",
                            flush=True,
                        )
    return results
