"""Status board: compute_board (in process and as GET /v1/status over HTTP) and refresh_snapshot, by board size.

Each size is a fresh database with the bundled catalogue plus a synthetic programme of `indicators x 100` monthly
series, each with the 10 months 2024-01..2024-10, judged as of 2024-11-20. The board also holds the bundled
catalogue's series (about 110), which have no data. Times are medians over several calls after one warm-up call.
The HTTP server runs without the snapshot refresher (it would rewrite the snapshot in the background while the board
is timed); refresh_snapshot, what that refresher runs after every write, is timed on its own.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

import httpx

from bench.data import MONTHS, first, observations, synthetic_catalogue
from bench.env import api_server, bundled_catalogue, fresh_database
from bench.ingest import raw_copy
from bench.stats import median, timed
from ingest.board import compute_board, refresh_snapshot
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres

DISTRICTS = 100
AS_OF = date(2024, 11, 20)
PERIODS = [period for period in MONTHS if period.year == 2024][:10]


@dataclass(frozen=True)
class BoardPlan:
    indicators: tuple[int, ...]  # synthetic series = indicators x DISTRICTS
    repeats: int
    refresh_repeats: dict[int, int]  # indicators -> refresh_snapshot runs (0: not timed)


FULL = BoardPlan(indicators=(1, 10, 100), repeats=5, refresh_repeats={1: 3, 10: 3, 100: 1})
QUICK = BoardPlan(indicators=(1, 10), repeats=3, refresh_repeats={1: 1, 10: 1})


def run(pg: EmbeddedPostgres, plan: BoardPlan) -> dict[str, Any]:
    results: dict[str, Any] = {"as_of": AS_OF.isoformat(), "periods_per_series": len(PERIODS), "sizes": []}
    for indicators in plan.indicators:
        catalogue = synthetic_catalogue(bundled_catalogue(), indicators, DISTRICTS)
        shapes = observations(indicators, DISTRICTS, PERIODS)
        rows = [shape.as_copy_row() for shape in first(indicators * DISTRICTS * len(PERIODS), shapes)]
        with fresh_database(pg, f"board_{indicators}", catalogue) as url:
            raw_copy(url, rows)
            with connect(url) as conn:
                conn.execute("VACUUM ANALYZE observations")
                stored = read_catalogue(conn)
                compute_board(conn, stored, AS_OF)
                board_s = [timed(partial(compute_board, conn, stored, AS_OF)) for _ in range(plan.repeats)]
                board = compute_board(conn, stored, AS_OF)
                rewrite = partial(refresh_snapshot, conn, stored, AS_OF)
                refresh_s = [timed(rewrite) for _ in range(plan.refresh_repeats.get(indicators, 0))]
                path_rows = conn.execute("SELECT count(*)::int FROM target_paths").fetchone()
            http_s, response_bytes = _over_http(url, plan.repeats)
        summary = {
            "synthetic_series": indicators * DISTRICTS,
            "series": len(board),
            "observations": len(rows),
            "statuses": dict(Counter(evaluation.status.value for evaluation in board)),
            "compute_board_runs_s": board_s,
            "compute_board_s": median(board_s),
            "http_status_runs_s": http_s,
            "http_status_s": median(http_s),
            "http_response_bytes": response_bytes,
            "refresh_snapshot_runs_s": refresh_s,
            "refresh_snapshot_s": median(refresh_s) if refresh_s else None,
            "indicator_path_rows": path_rows[0] if path_rows and refresh_s else None,
        }
        results["sizes"].append(summary)
        refresh = f", refresh_snapshot {summary['refresh_snapshot_s']:.2f} s" if refresh_s else ""
        print(
            f"  {summary['series']:>6,} series: compute_board {summary['compute_board_s']:.3f} s,"
            f" GET /v1/status {summary['http_status_s']:.3f} s{refresh}",
            flush=True,
        )
    return results


def _over_http(url: str, repeats: int) -> tuple[list[float], int]:
    with api_server(url, refresher=False) as server, httpx.Client(base_url=server.url, timeout=300) as client:

        def get() -> httpx.Response:
            response = client.get("/v1/status", params={"as_of": AS_OF.isoformat()})
            if response.status_code != 200:
                raise RuntimeError(f"GET /v1/status: {response.status_code} {response.text[:300]}")
            return response

        size = len(get().content)
        return [timed(get) for _ in range(repeats)], size
