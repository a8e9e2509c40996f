"""Roll-ups at national size (issue 16): one province's roll-up of 100 monthly indicators from its ~98 communes, and
the whole country's from its 3,321, in-process (ingest.rollups.compute_rollups) and over HTTP (GET /v1/rollups).

The catalogue is bench/national.py's (34 provinces, 3,321 communes, 100 indicators in every commune); its shares are
made weighted means (the weight: a revenue indicator, a flow that sums), so a run has 25 sums, 25 weighted means and
50 indicators with no roll-up (growth rates, per 10,000 people), whose reporting communes are still counted.

    CHITIEU_BENCH_DATA_DIR=.var/pg-bench-rollup CHITIEU_BENCH_PORT=56170 .venv/bin/python -m bench.rollups [months]
"""

import sys
import time
from functools import partial
from typing import Any

import httpx

from bench.data import _value
from bench.env import api_server, bench_cluster, bundled_catalogue, fresh_database
from bench.national import PROGRAMME, months, national_catalogue
from bench.stats import median, timed
from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.model import Measure, Rollup, RollupMethod
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from ingest.rollups import compute_rollups

REPEATS = 7  # one province; the country's takes seconds, run COUNTRY_REPEATS times
COUNTRY_REPEATS = 3


def weighted_catalogue() -> Catalogue:
    catalogue = national_catalogue(bundled_catalogue(), 34, 3321, 100)
    weight = f"{PROGRAMME}.i002"  # billion VND, a flow: sums
    for code, indicator in list(catalogue.indicators.items()):
        if indicator.programme == PROGRAMME and indicator.measure is Measure.share:
            rollup = Rollup(method=RollupMethod.weighted_mean, weight=weight)
            catalogue.indicators[code] = indicator.model_copy(update={"rollup": rollup})
    catalogue.digest += ":weighted"
    return catalogue


def main(month_count: int) -> dict[str, Any]:
    pg = bench_cluster()
    pg.start()
    try:
        return measure(pg, month_count)
    finally:
        pg.stop()


def measure(pg: EmbeddedPostgres, month_count: int) -> dict[str, Any]:
    catalogue = weighted_catalogue()
    periods = months(month_count)
    results: dict[str, Any] = {"months": month_count}
    with fresh_database(pg, "rollups", catalogue) as url:
        with connect(url) as conn:
            started = time.perf_counter()
            with conn.transaction(), conn.cursor().copy(
                "COPY observations (indicator, region, period_start, period, revision, value, status, key_id)"
                " FROM STDIN"
            ) as copy:  # fmt: skip
                for period in periods:
                    start = period_bounds(period)[0]
                    for number, indicator in enumerate(
                        (i for i in catalogue.indicators.values() if i.programme == PROGRAMME), start=1
                    ):
                        value = _value(number, period, 0.0)
                        for region in indicator.regions:
                            copy.write_row((indicator.code, region, start, str(period), 1, value, "official", "bench"))
            results["observations"] = conn.execute("SELECT count(*)::int FROM observations").fetchone()[0]  # type: ignore[index]
            results["copy_s"] = time.perf_counter() - started
            conn.execute("VACUUM ANALYZE observations")
            print(f"  {results['observations']:,} observations in {results['copy_s']:.0f} s", flush=True)
            stored = read_catalogue(conn)
            ours = [i for i in stored.indicators.values() if i.programme == PROGRAMME]
            last = periods[-1]
            for region, name in (("p01", "province"), ("vn", "country")):
                rollups = compute_rollups(conn, stored, region, last, ours)
                assert len(rollups) == 100 and all(r.complete in (True, None) for r in rollups), region
                repeats = REPEATS if name == "province" else COUNTRY_REPEATS
                runs = [timed(partial(compute_rollups, conn, stored, region, last, ours)) for _ in range(repeats)]
                results[f"{name}_in_process_ms"] = [round(s * 1000, 1) for s in runs]
                results[f"{name}_expected"] = rollups[0].expected
        with api_server(url, refresher=False) as server, httpx.Client(base_url=server.url, timeout=600) as client:
            for region, name in (("p01", "province"), ("vn", "country")):
                params = {"region": region, "period": str(periods[-1]), "programme": PROGRAMME}
                first = client.get("/v1/rollups", params=params)
                assert first.status_code == 200 and len(first.json()["items"]) == 100, first.text[:300]
                repeats = REPEATS if name == "province" else COUNTRY_REPEATS
                runs = [timed(partial(client.get, "/v1/rollups", params=params)) for _ in range(repeats)]
                results[f"{name}_http_ms"] = [round(s * 1000, 1) for s in runs]
    for name in ("province", "country"):
        print(
            f"  {name} ({results[f'{name}_expected']:,} communes x 100 indicators): in process p50 "
            f"{median(results[f'{name}_in_process_ms']):.0f} ms, HTTP p50 {median(results[f'{name}_http_ms']):.0f} ms"
        )
    return results


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3), flush=True)
