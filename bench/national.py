"""National scale (issue 16): 34 provinces, 3,321 communes, 100 monthly indicators judged in every commune.

The catalogue: one synthetic programme whose region is the country (a region of level province at the root, since
the model has no national level), the 34 provinces under it and the communes under them (97 or 98 each), and the
100 indicators of bench/data.py's four shapes, each in every commune: 332,100 series. Observations: `months` months
of every series, loaded by raw COPY (the full scenario is 120 months, about 40 million rows; see FULL and the note
in RESULTS.md on the fraction actually run here).

Measured, in one run, each phase timed: the load (rows/s; bench/national_load.py), VACUUM ANALYZE, the full snapshot
refresh (twice); every Grafana panel query of the generated dashboards at the default range and over all the data
(bench/national_panels.py); a push of 100 series to visible on the board (POST, then the
board's page of those series from the snapshot); GET /v1/status for one province (p50 of several, paged by 10,000);
the whole nation as NDJSON and CSV; /metrics (time and exported series).
"""

import hashlib
import os
import statistics
import time
from dataclasses import dataclass, replace
from typing import Any

import httpx
import psycopg

from bench import national_load, national_panels
from bench.data import _indicator, extensible_copy
from bench.env import api_server, bundled_catalogue, fresh_database
from bench.stats import median, timed
from indicators.catalogue import Catalogue
from indicators.clock import vietnam_today
from indicators.model import Programme, ProgrammeKind, Region, RegionLevel
from indicators.periods import Frequency, Period
from ingest.board import refresh_snapshot
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from ingest.keys import create_key

PROGRAMME = "national"
COUNTRY = "vn"
LAST_YEAR = 2025


@dataclass(frozen=True)
class NationalPlan:
    provinces: int
    communes: int
    indicators: int
    months: int  # months of data per series, ending 2025-12
    repeats: int
    connections: int = 2  # COPY connections loading chunks side by side
    panel_runs: int = 7  # each panel query runs up to this many times...
    panel_budget_s: float = 3.0  # ...or until this much time is spent on it (at least 3 runs)


FULL = NationalPlan(provinces=34, communes=3321, indicators=100, months=120, repeats=5)
QUICK = NationalPlan(provinces=34, communes=3321, indicators=100, months=3, repeats=3, panel_runs=3)


def province_codes(count: int) -> list[str]:
    return [f"p{number:02d}" for number in range(1, count + 1)]


def commune_codes(provinces: int, communes: int) -> dict[str, str]:
    """commune -> its province, the communes spread evenly over the provinces."""
    codes = province_codes(provinces)
    return {f"{codes[n % provinces]}.x{n:04d}": codes[n % provinces] for n in range(communes)}


def national_catalogue(base: Catalogue, provinces: int, communes: int, indicators: int) -> Catalogue:
    catalogue = extensible_copy(base)
    catalogue.regions[COUNTRY] = Region(
        code=COUNTRY, name_vi="Cả nước", name_en="Whole country", level=RegionLevel.province
    )
    for number, code in enumerate(province_codes(provinces), start=1):
        catalogue.regions[code] = Region(
            code=code, name_vi=f"Tỉnh {number}", name_en=f"Province {number}", level=RegionLevel.province,
            parent=COUNTRY,
        )  # fmt: skip
    members = commune_codes(provinces, communes)
    for number, (code, province) in enumerate(members.items(), start=1):
        catalogue.regions[code] = Region(
            code=code, name_vi=f"Xã {number}", name_en=f"Commune {number}", level=RegionLevel.commune,
            parent=province,
        )  # fmt: skip
    catalogue.programmes[PROGRAMME] = Programme(
        id=PROGRAMME,
        title_vi="Chương trình toàn quốc tổng hợp để đo hiệu năng",
        title_en="Synthetic national programme for the benchmarks",
        issuer_vi="chitieu bench",
        province=COUNTRY,
        start_year=2015,
        end_year=LAST_YEAR,
        kind=ProgrammeKind.plan,
    )
    catalogue.sources[PROGRAMME] = "national"
    regions = list(members)
    for number in range(1, indicators + 1):
        code = f"{PROGRAMME}.i{number:03d}"
        catalogue.indicators[code] = _indicator(code, number, regions).model_copy(update={"programme": PROGRAMME})
    catalogue.digest = hashlib.sha256(
        f"{base.digest}:national:{provinces}x{communes}x{indicators}".encode()
    ).hexdigest()
    return catalogue


def months(count: int) -> list[Period]:
    last = [
        Period(year, Frequency.month, month) for year in range(LAST_YEAR - 10, LAST_YEAR + 1) for month in range(1, 13)
    ]
    return last[-count:]


def run(pg: EmbeddedPostgres, plan: NationalPlan) -> dict[str, Any]:
    catalogue = national_catalogue(bundled_catalogue(), plan.provinces, plan.communes, plan.indicators)
    periods = months(plan.months)
    results: dict[str, Any] = {"plan": plan.__dict__, "series": plan.communes * plan.indicators}
    phases: dict[str, float] = {}
    results["phases_s"] = phases
    started = time.perf_counter()
    with fresh_database(pg, "national", catalogue) as url:
        phases["catalogue"] = time.perf_counter() - started  # migrations and the catalogue's 332,100 series stored
        print(f"  database and catalogue {phases['catalogue']:.0f} s", flush=True)
        with connect(url) as conn:
            writers = province_writers(conn, catalogue, plan)
        loaded = national_load.load(url, catalogue, PROGRAMME, writers, periods, plan.connections)
        phases["copy"] = loaded.seconds
        results.update(observations=loaded.rows, copy_s=loaded.seconds, copy_rows_per_s=loaded.rows_per_s,
                       submissions=loaded.submissions)  # fmt: skip
        print(
            f"  {loaded.rows:,} observations by COPY in {loaded.seconds:.0f} s ({loaded.rows_per_s:,.0f} rows/s,"
            f" {plan.connections} connections); {loaded.submissions:,} submissions rows",
            flush=True,
        )
        with connect(url) as conn:
            phases["vacuum_analyze"] = timed(lambda: conn.execute("VACUUM ANALYZE observations"))
            print(f"  VACUUM ANALYZE {phases['vacuum_analyze']:.0f} s", flush=True)
            stored = read_catalogue(conn)
            today = vietnam_today()
            # The first run in this process alone; the second as the service's refresher runs it, judging half the
            # board in a second process (database_url).
            refresh_runs = [
                timed(lambda: refresh_snapshot(conn, stored, today)),
                timed(lambda: refresh_snapshot(conn, stored, today, database_url=url)),
            ]
            phases["full_refresh"] = sum(refresh_runs)
            results["full_refresh_runs_s"] = refresh_runs
            results["target_path_rows"] = conn.execute("SELECT count(*)::int FROM target_paths").fetchone()[0]  # type: ignore[index]
            print(f"  full refresh {refresh_runs} s, {results['target_path_rows']:,} path rows", flush=True)
            _, token = create_key(conn, office="bench", regions=["*"], programmes=["*"])
        started = time.perf_counter()
        first_commune = writers[0].regions[0]
        results["panels"] = national_panels.time_panels(
            url, stored, PROGRAMME, first_commune, plan.panel_runs, plan.panel_budget_s
        )
        phases["panels"] = time.perf_counter() - started
        print(national_panels.slowest_lines(results["panels"]), flush=True)
        started = time.perf_counter()
        with api_server(url, refresher=False) as server, httpx.Client(base_url=server.url, timeout=600) as client:
            results.update(_over_http(client, stored, token, plan.repeats, periods[-1]))
        phases["http"] = time.perf_counter() - started
    print(summary_table(results), flush=True)
    return results


def province_writers(
    conn: psycopg.Connection[Any], catalogue: Catalogue, plan: NationalPlan
) -> list[national_load.Writer]:
    """A key for each province's office, scoped to the province (so to its communes) and the programme."""
    communes: dict[str, list[str]] = {}
    for code, province in commune_codes(plan.provinces, plan.communes).items():
        communes.setdefault(province, []).append(code)
    writers = []
    for province in sorted(communes):
        key_id, _ = create_key(
            conn, office=f"Sở Thống kê {catalogue.regions[province].name_vi}", regions=[province],
            programmes=[PROGRAMME],
        )  # fmt: skip
        writers.append(national_load.Writer(province, key_id, tuple(sorted(communes[province]))))
    return writers


def _over_http(client: httpx.Client, catalogue: Catalogue, token: str, repeats: int, last: Period) -> dict[str, Any]:
    out: dict[str, Any] = {}
    indicator = f"{PROGRAMME}.i001"
    communes = catalogue.indicators[indicator].regions[:100]
    push_s, visible_s = [], []
    for attempt in range(repeats):
        value = 90.0 + attempt
        rows = [{"indicator": indicator, "region": c, "period": str(last), "value": value} for c in communes]
        started = time.perf_counter()
        answer = client.post(
            "/v1/observations", json={"observations": rows}, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200, answer.text
        push_s.append(time.perf_counter() - started)
        board = client.get("/v1/status", params={"region": communes[-1], "programme": PROGRAMME})
        item = next(i for i in board.json()["items"] if i["indicator"] == indicator)
        assert board.json()["source"] == "snapshot" and item["actual"] == value, item
        visible_s.append(time.perf_counter() - started)
    out["push_100_series_s"] = push_s
    out["push_to_visible_s"] = visible_s

    province = catalogue.regions[communes[0]].parent

    def one_province() -> httpx.Response:
        return client.get("/v1/status", params={"region": province, "limit": 10000})

    page = one_province().json()  # decoded outside the timed requests: the client's JSON parsing is not the server's
    assert page["source"] == "snapshot", page
    out["province_items"] = len(page["items"])
    out["province_runs_s"] = [timed(one_province) for _ in range(repeats)]
    for form in ("ndjson", "csv"):
        started = time.perf_counter()
        lines = 0
        with client.stream("GET", "/v1/status", params={"format": form}) as response:
            for chunk in response.iter_bytes():
                lines += chunk.count(b"\n")
        out[f"nation_{form}_s"] = time.perf_counter() - started
        out[f"nation_{form}_lines"] = lines
    scrapes = []
    for _ in range(max(1, repeats // 2)):
        started = time.perf_counter()
        text = client.get("/metrics").text
        scrapes.append(time.perf_counter() - started)
    out["metrics_runs_s"] = scrapes
    out["metrics_series"] = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    out["metrics_board_series"] = sum(
        1 for line in text.splitlines() if line.startswith(("chitieu_indicator", "chitieu_board_series"))
    )
    print(
        f"  push 100 -> visible p50 {median(visible_s) * 1000:.0f} ms; province ({out['province_items']:,} items)"
        f" p50 {median(out['province_runs_s']) * 1000:.0f} ms; nation NDJSON {out['nation_ndjson_s']:.1f} s,"
        f" CSV {out['nation_csv_s']:.1f} s; /metrics {median(scrapes):.2f} s, {out['metrics_series']:,} series",
        flush=True,
    )
    out["stdev_province_s"] = statistics.pstdev(out["province_runs_s"])
    return out


def plan_from_env() -> NationalPlan:
    """FULL, or CHITIEU_BENCH_NATIONAL_MONTHS months of it (a stated fraction where 40 million rows do not fit)."""
    given = os.environ.get("CHITIEU_BENCH_NATIONAL_MONTHS")
    return replace(FULL, months=int(given)) if given else FULL


def summary_table(results: dict[str, Any]) -> str:
    """The run in a few lines, to compare runs at a glance."""
    goals = {
        "full refresh (s: one process / two)": ("/".join(f"{s:.1f}" for s in results["full_refresh_runs_s"]), "< 60"),
        "push 100 -> visible p50 (ms)": (f"{median(results['push_to_visible_s']) * 1000:.0f}", "< 200"),
        "one province p50 (ms)": (f"{median(results['province_runs_s']) * 1000:.0f}", "< 100"),
        "nation NDJSON / CSV (s)": (f"{results['nation_ndjson_s']:.1f} / {results['nation_csv_s']:.1f}", "< 5"),
        "/metrics p50 (s), series": (f"{median(results['metrics_runs_s']):.2f}, {results['metrics_series']:,}",
                                     "< 1, <= 50,000"),
    }  # fmt: skip
    for range_name, goal in national_panels.GOAL_MS.items():
        ranged = [t for t in results["panels"] if t["range"] == range_name]
        worst = max(t["p50_ms"] for t in ranged)
        missed = sum(1 for t in ranged if not t["met"])
        goals[f"panels {range_name}: worst p50 (ms), misses"] = (
            f"{worst:.0f}, {missed}/{len(ranged)}",
            f"< {goal:.0f}",
        )
    lines = [
        f"  national: {results['observations']:,} observations, {results['series']:,} series, "
        f"load {results['copy_rows_per_s']:,.0f} rows/s",
        "  | phase | s |",
        "  | --- | --- |",
        *(f"  | {name} | {seconds:.1f} |" for name, seconds in results["phases_s"].items()),
        "  | measure | measured | goal |",
        "  | --- | --- | --- |",
        *(f"  | {name} | {measured} | {goal} |" for name, (measured, goal) in goals.items()),
    ]
    return "\n".join(lines)
