"""Each benchmark at a tiny size, so CI proves the benchmark code runs and reports numbers (no timing is asserted)."""

import json
from pathlib import Path
from typing import Any

from bench import board, dashboards, ingest, latency, memory, national, national_load, report, workers
from bench.env import bundled_catalogue, fresh_database
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from ingest.submissions import rebuild_submissions


def positive(value: Any) -> bool:
    return isinstance(value, float | int) and value > 0


def test_ingest_throughput_reports_every_method(pg: EmbeddedPostgres) -> None:
    plan = ingest.IngestPlan(sizes=(300,), repeats={300: 1}, single_rows=5, single_repeats=1)
    result = ingest.run(pg, plan)
    (size,) = result["sizes"]
    assert size["rows"] == 300
    assert set(size["rows_per_s"]) == {"raw_copy", "json", "csv"}
    assert all(positive(rate) for rate in size["rows_per_s"].values())
    assert size["ratio_to_raw_copy"]["raw_copy"] == 1
    assert result["single"]["rows"] == 5 and positive(result["single"]["rows_per_s"])


def test_push_latency_reports_percentiles_and_errors(pg: EmbeddedPostgres) -> None:
    plan = latency.LatencyPlan(rates=(20,), duration_s=1, preloaded=100)
    result = latency.run(pg, plan)
    assert [(run["rate_per_s"], run["refresher"]) for run in result["runs"]] == [(20, True), (20, False)]
    for run in result["runs"]:
        assert run["requests"] == 20
        assert run["errors"] == 0, run["outcomes"]
        assert 0 < run["p50_ms"] <= run["p99_ms"] <= run["max_ms"]


def test_workers_saturation_reports_throughput_and_cpu(pg: EmbeddedPostgres) -> None:
    result = workers.run(pg, workers.WorkersPlan(workers=(2,), duration_s=1, runs=1, preloaded=100))
    assert [(run["workers"], run["refresher"]) for run in result["runs"]] == [(2, True), (2, False)]
    for run in result["runs"]:
        assert run["errors"] == 0, run["outcomes"]
        assert positive(run["pushes_per_s"]) and 0 < run["p50_ms"] <= run["p99_ms"]
        assert positive(run["api_cpu_per_s"]) and positive(run["postgres_cpu_per_s"])
    assert "| 2 | on |" in report.workers_tables(result)


def test_status_board_reports_compute_http_and_refresh_times(pg: EmbeddedPostgres) -> None:
    result = board.run(pg, board.BoardPlan(indicators=(1,), repeats=2, refresh_repeats={1: 1}))
    (size,) = result["sizes"]
    assert size["synthetic_series"] == 100 and size["series"] > 100
    assert size["observations"] == 100 * len(board.PERIODS)
    assert sum(size["statuses"].values()) == size["series"]
    assert (
        positive(size["compute_board_s"]) and positive(size["http_status_s"]) and positive(size["refresh_snapshot_s"])
    )
    assert size["indicator_path_rows"] > 0


def test_dashboard_queries_are_timed_at_each_level(pg: EmbeddedPostgres) -> None:
    levels = (dashboards.Level(3, 1), dashboards.Level(4, 2))
    plan = dashboards.DashboardPlan(indicators=2, districts=3, levels=levels, max_runs=3, budget_s=0.01)
    result = dashboards.run(pg, plan)
    assert [level["observations"] for level in result["levels"]] == [2 * 3 * 3, 2 * 3 * 4 * 2]
    for level in result["levels"]:
        names = {(timing["dashboard"], timing["query"], timing["range"]) for timing in level["queries"]}
        assert len(names) == len(level["queries"]) > 20
        assert all(timing["runs"] == 3 and 0 < timing["p50_ms"] <= timing["p99_ms"] for timing in level["queries"])
    detail_rows = {t["rows"] for t in result["levels"][-1]["queries"] if t["dashboard"] == "chitieu-indicator"}
    assert {4, 8} <= detail_rows, "the chosen series: 4 months on the chart, 8 revisions in the table"


def test_memory_reports_the_peak_of_each_batch(pg: EmbeddedPostgres, tmp_path: Path) -> None:
    result = memory.run(pg, memory.MemoryPlan(batch_rows=(50,)))
    assert [(batch["format"], batch["rows"]) for batch in result["batches"]] == [("json", 50), ("csv", 50)]
    for batch in result["batches"]:
        assert batch["peak_rss_mib"] >= batch["rss_before_mib"] > 10

    document = {"date": "2026-01-01T00:00:00+00:00", "command": "python -m bench", "elapsed_s": 1, "results": result}
    (tmp_path / "memory.json").write_text(json.dumps(document))
    tables = report.render(tmp_path)
    assert "### memory" in tables
    assert tables.count("| json | 50 |") == 1 and tables.count("| csv | 50 |") == 1


def test_national_reports_every_phase_and_panel(pg: EmbeddedPostgres) -> None:
    plan = national.NationalPlan(provinces=2, communes=6, indicators=4, months=14, repeats=1, panel_runs=3)
    result = national.run(pg, plan)
    assert result["observations"] == 6 * 4 * 14 and positive(result["copy_rows_per_s"])
    assert result["submissions"] == 14 * 2 * 4, "one write a month per province per indicator"
    assert set(result["phases_s"]) == {"catalogue", "copy", "vacuum_analyze", "full_refresh", "panels", "http"}
    assert all(positive(seconds) for seconds in result["phases_s"].values())
    panels = result["panels"]
    assert {timing["range"] for timing in panels} == {"default", "all data"} and len(panels) > 20
    assert all(timing["runs"] == 3 and timing["goal_ms"] in (100, 1000) for timing in panels)
    detail = {t["rows"] for t in panels if t["dashboard"] == "chitieu-indicator" and t["range"] == "all data"}
    assert 14 in detail, "the chosen commune's 14 months on the detail chart"


def test_national_load_writes_the_submissions_a_rebuild_gives(pg: EmbeddedPostgres) -> None:
    plan = national.NationalPlan(provinces=2, communes=5, indicators=3, months=13, repeats=1)
    catalogue = national.national_catalogue(bundled_catalogue(), plan.provinces, plan.communes, plan.indicators)
    with fresh_database(pg, "national_load", catalogue) as url:
        with connect(url) as conn:
            writers = national.province_writers(conn, catalogue, plan)
        loaded = national_load.load(url, catalogue, national.PROGRAMME, writers, national.months(13), connections=2)
        assert loaded.rows == 5 * 3 * 13
        query = "SELECT recorded_at, key_id, indicator, rows, regions FROM submissions ORDER BY 1, 2, 3"
        with connect(url) as conn:
            written = conn.execute(query).fetchall()
            assert rebuild_submissions(conn) == len(written) == 13 * 2 * 3
            assert conn.execute(query).fetchall() == written
            keys = conn.execute("SELECT DISTINCT key_id FROM observations ORDER BY 1").fetchall()
            assert sorted((writer.key_id,) for writer in writers) == keys
