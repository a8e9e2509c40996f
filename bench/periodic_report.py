"""The periodic results report: a programme of 40 indicators, 10 of them off track (a chart page each), rendered as
DOCX, PDF, XLSX and HTML. Goal: each under 3 s.

The board is judged in process from synthetic series (bench/data.py's shapes, 2024-01..2024-10, one region); the 10
indicators that need a page are pushed off their path (halved when higher is better, grown by half when lower is
better). What is timed is what the report adds to the board: building its content and rendering the file, including
the charts; the board's own query is the `board` benchmark. Each format's first call (imports, font cache) is timed
apart from the median of the runs after it.
"""

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from api.report import ReportFormat, render
from api.report.model import BoardInput, build_report
from api.report.words import report_year
from bench.data import MONTHS, PROGRAMME, PROVINCE, observations, synthetic_catalogue
from bench.env import bundled_catalogue
from bench.stats import median
from indicators.judgement import evaluate_board
from indicators.model import Direction
from indicators.status import Observation
from ingest.board import board_items
from ingest.embedded import EmbeddedPostgres

INDICATORS = 40
CHARTS = 10
AS_OF = date(2024, 11, 20)
PERIODS = [period for period in MONTHS if period.year == 2024][:10]
GOAL_S = 3.0
RECORDED = datetime(2024, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ReportPlan:
    repeats: int


FULL = ReportPlan(repeats=5)
QUICK = ReportPlan(repeats=2)


def run(pg: EmbeddedPostgres, plan: ReportPlan) -> dict[str, Any]:
    del pg  # in process: no database
    catalogue = synthetic_catalogue(bundled_catalogue(), INDICATORS, 1)
    region = next(iter(catalogue.regions_of(catalogue.indicators[f"{PROGRAMME}.i0001"])))
    behind = {f"{PROGRAMME}.i{number:04d}" for number in range(1, CHARTS + 1)}
    series: dict[tuple[str, str], list[Observation]] = defaultdict(list)
    for shape in observations(INDICATORS, 1, PERIODS):
        value = shape.value
        if shape.indicator in behind:
            value *= 0.5 if catalogue.indicators[shape.indicator].direction is Direction.higher else 1.5
        series[(shape.indicator, region)].append(Observation(shape.period, value, RECORDED))
    started = time.perf_counter()
    evaluations = evaluate_board(board_items(catalogue, series, PROGRAMME), AS_OF)
    board = BoardInput(evaluations, series, {}, [], 30, report_year(AS_OF))
    report = build_report(catalogue, PROGRAMME, AS_OF, board)
    model_s = time.perf_counter() - started
    results: dict[str, Any] = {
        "indicators": len(report.rows),
        "charts": len(report.pages),
        "region": region,
        "province": PROVINCE,
        "model_s": round(model_s, 4),
        "goal_s": GOAL_S,
        "formats": {},
    }
    for report_format in ReportFormat:
        first = _timed_render(report, report_format)
        runs = [_timed_render(report, report_format) for _ in range(plan.repeats)]
        results["formats"][report_format.value] = {
            "first_s": round(first[0], 3),
            "median_s": round(median([r[0] for r in runs]), 3),
            "bytes": first[1],
        }
        print(f"  {report_format.value}: first {first[0]:.2f} s, median {median([r[0] for r in runs]):.2f} s")
    return results


def _timed_render(report: Any, report_format: ReportFormat) -> tuple[float, int]:
    started = time.perf_counter()
    rendered = render(report, report_format)
    return time.perf_counter() - started, len(rendered.content)
