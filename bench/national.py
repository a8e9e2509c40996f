"""National scale (issue 16): 34 provinces, 3,321 communes, 100 monthly indicators judged in every commune.

The catalogue: one synthetic programme whose region is the country (a region of level province at the root, since
the model has no national level), the 34 provinces under it and the communes under them (97 or 98 each), and the
100 indicators of bench/data.py's four shapes, each in every commune: 332,100 series. Observations: `months` months
of every series, loaded by raw COPY (the full scenario is 120 months, about 40 million rows; see FULL and the note
in RESULTS.md on the fraction actually run here).

Measured, in one run: the full snapshot refresh; a push of 100 series to visible on the board (POST, then the
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

from bench.data import _indicator, _value
from bench.env import api_server, bundled_catalogue, fresh_database
from bench.stats import median, timed
from indicators.catalogue import Catalogue
from indicators.clock import period_bounds, vietnam_today
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


FULL = NationalPlan(provinces=34, communes=3321, indicators=100, months=120, repeats=5)
QUICK = NationalPlan(provinces=34, communes=3321, indicators=100, months=3, repeats=3)


def province_codes(count: int) -> list[str]:
    return [f"p{number:02d}" for number in range(1, count + 1)]


def commune_codes(provinces: int, communes: int) -> dict[str, str]:
    """commune -> its province, the communes spread evenly over the provinces."""
    codes = province_codes(provinces)
    return {f"{codes[n % provinces]}.x{n:04d}": codes[n % provinces] for n in range(communes)}


def national_catalogue(base: Catalogue, provinces: int, communes: int, indicators: int) -> Catalogue:
    catalogue = replace(
        base,
        programmes=dict(base.programmes),
        regions=dict(base.regions),
        indicators=dict(base.indicators),
        sources=dict(base.sources),
    )
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


def copy_rows(catalogue: Catalogue, periods: list[Period]) -> Any:
    """Every (month, indicator, commune) as the observations table's columns, generated as COPY reads them."""
    for period in periods:
        start, _ = period_bounds(period)
        text = str(period)
        for number, (code, indicator) in enumerate(
            (c, i) for c, i in catalogue.indicators.items() if i.programme == PROGRAMME
        ):
            value = _value(number + 1, period, 0.0)
            for region in indicator.regions:
                yield (code, region, start, text, 1, value, "official", None, "bench")


def run(pg: EmbeddedPostgres, plan: NationalPlan) -> dict[str, Any]:
    catalogue = national_catalogue(bundled_catalogue(), plan.provinces, plan.communes, plan.indicators)
    periods = months(plan.months)
    results: dict[str, Any] = {"plan": plan.__dict__, "series": plan.communes * plan.indicators}
    with fresh_database(pg, "national", catalogue) as url:
        with connect(url) as conn:
            started = time.perf_counter()
            with (
                conn.transaction(),
                conn.cursor().copy(
                    "COPY observations (indicator, region, period_start, period, revision, value, status, note, key_id)"
                    " FROM STDIN"
                ) as copy,
            ):
                for row in copy_rows(catalogue, periods):
                    copy.write_row(row)
            results["copy_s"] = time.perf_counter() - started
            results["observations"] = conn.execute("SELECT count(*)::int FROM observations").fetchone()[0]  # type: ignore[index]
            print(f"  {results['observations']:,} observations by COPY in {results['copy_s']:.0f} s", flush=True)
            conn.execute("VACUUM ANALYZE observations")
            stored = read_catalogue(conn)
            today = vietnam_today()
            refresh_runs = [timed(lambda: refresh_snapshot(conn, stored, today)) for _ in range(2)]
            results["full_refresh_runs_s"] = refresh_runs
            results["target_path_rows"] = conn.execute("SELECT count(*)::int FROM target_paths").fetchone()[0]  # type: ignore[index]
            print(f"  full refresh {refresh_runs} s, {results['target_path_rows']:,} path rows", flush=True)
            _, token = create_key(conn, office="bench", regions=["*"], programmes=["*"])
        with api_server(url, refresher=False) as server, httpx.Client(base_url=server.url, timeout=600) as client:
            results.update(_over_http(client, stored, token, plan.repeats, periods[-1]))
    return results


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
