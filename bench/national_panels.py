"""The Grafana panel queries at national scale: every query of the national programme's overview and of the shared
dashboards, run as Grafana runs it (bench/dashboards.py), over the default time range and over all the data, each
judged against issue 16's goals (p50 under 100 ms at the default range, under 1 s over all the data)."""

from typing import Any

from bench.dashboards import time_programme_queries
from dashboards.grafana.panels import DETAIL_UID, REGIONS_UID
from indicators.catalogue import Catalogue

GOAL_MS = {"default": 100.0, "all data": 1000.0}


def time_panels(
    url: str, catalogue: Catalogue, programme: str, commune: str, max_runs: int, budget_s: float
) -> list[dict[str, Any]]:
    """Every query's timing, the programme's first indicator and `commune` chosen, each with its goal and verdict."""
    first = min(code for code, indicator in catalogue.indicators.items() if indicator.programme == programme)
    choices = {
        DETAIL_UID: {"programme": [programme], "indicator": [first], "region": [commune]},
        REGIONS_UID: {"programme": [programme], "indicator": [first]},
    }
    timings = time_programme_queries(url, catalogue, programme, choices, max_runs, budget_s)
    for timing in timings:
        timing["goal_ms"] = GOAL_MS[timing["range"]]
        timing["met"] = timing["p50_ms"] < timing["goal_ms"]
    return timings


def misses(timings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [timing for timing in timings if not timing["met"]]


def slowest_lines(timings: list[dict[str, Any]], count: int = 5) -> str:
    """The slowest queries of each range, one line each, and how many missed their goal."""
    lines = []
    for range_name, goal in GOAL_MS.items():
        ranged = sorted((t for t in timings if t["range"] == range_name), key=lambda t: -t["p50_ms"])
        missed = sum(1 for t in ranged if not t["met"])
        lines.append(f"  panels, {range_name} range: {len(ranged)} queries, {missed} over {goal:.0f} ms p50; slowest:")
        lines.extend(
            f"    {t['p50_ms']:8.1f} ms  {t['dashboard']}: {t['query']} ({t['rows']:,} rows)" for t in ranged[:count]
        )
    return "\n".join(lines)
