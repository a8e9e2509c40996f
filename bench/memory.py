"""Memory: the API process's peak resident set size while it ingests one batch, by batch size and format.

The server is a child process; before each batch its peak (VmHWM in /proc/<pid>/status) is reset to the current RSS
through /proc/<pid>/clear_refs, so each figure is the peak during that one request. The largest batch, 500,000 rows,
is about 45 MB of JSON: close to the default body limit (CHITIEU_MAX_BODY_BYTES, 64 MiB).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.data import first, observations, synthetic_catalogue
from bench.env import (
    api_server,
    bundled_catalogue,
    current_rss_kib,
    fresh_database,
    new_token,
    peak_rss_kib,
    reset_peak_rss,
    truncate_observations,
)
from bench.ingest import DISTRICTS, INDICATORS, csv_bodies, json_bodies, post_all
from bench.stats import wait_until_idle
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres


@dataclass(frozen=True)
class MemoryPlan:
    batch_rows: Sequence[int]


FULL = MemoryPlan(batch_rows=(5_000, 50_000, 500_000, 650_000))  # 650,000 JSON rows: 65 MB, about the body limit
QUICK = MemoryPlan(batch_rows=(500, 5_000, 50_000))


def run(pg: EmbeddedPostgres, plan: MemoryPlan) -> dict[str, Any]:
    catalogue = synthetic_catalogue(bundled_catalogue(), INDICATORS, DISTRICTS)
    results: dict[str, Any] = {"batches": []}
    with fresh_database(pg, "memory", catalogue) as url, api_server(url, refresher=False) as server:
        token = new_token(url)
        with connect(url) as conn:
            for rows in plan.batch_rows:
                shapes = first(rows, observations(INDICATORS, DISTRICTS))
                for method, content_type, encode in (
                    ("json", "application/json", json_bodies),
                    ("csv", "text/csv", csv_bodies),
                ):
                    (body,) = encode(shapes, rows)
                    truncate_observations(conn)
                    wait_until_idle(server.pid)
                    reset_peak_rss(server.pid)
                    before = current_rss_kib(server.pid)
                    seconds, imported = post_all(server.url, token, [body], content_type)
                    if imported != rows:
                        raise RuntimeError(f"{method}: {imported} of {rows} rows imported")
                    peak = peak_rss_kib(server.pid)
                    batch = {
                        "format": method,
                        "rows": rows,
                        "body_bytes": len(body),
                        "rss_before_mib": before / 1024,
                        "peak_rss_mib": peak / 1024,
                        "growth_mib": (peak - before) / 1024,
                        "seconds": seconds,
                    }
                    results["batches"].append(batch)
                    print(
                        f"  {method} {rows:>7,} rows ({len(body) / 1e6:.1f} MB): peak RSS {batch['peak_rss_mib']:.0f} MiB"
                        f" (+{batch['growth_mib']:.0f} MiB)",
                        flush=True,
                    )
    return results
