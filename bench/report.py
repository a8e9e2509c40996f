"""`python -m bench.report [DIR]`: the Markdown tables of RESULTS.md from the JSON results in DIR (bench/out)."""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines)


def ingest_tables(results: dict[str, Any]) -> str:
    rows = []
    for size in results["sizes"]:
        rates, ratios, runs = size["rows_per_s"], size["ratio_to_raw_copy"], size["runs_s"]
        rows.append(
            [f"{size['rows']:,}", str(len(runs["raw_copy"]))]
            + [f"{rates[method]:,.0f} ({ratios[method]:.2f})" for method in ("raw_copy", "json", "csv")]
        )
    single = results["single"]
    return (
        table(["rows", "runs", "raw COPY rows/s", "JSON batch rows/s (ratio)", "CSV batch rows/s (ratio)"], rows)
        + f"\n\nSingle-row pushes ({single['rows']:,} requests one after another, {len(single['runs_s'])} runs): "
        f"{single['rows_per_s']:,.0f} rows/s, {single['mean_request_ms']:.1f} ms a request; raw COPY of the same "
        f"{single['rows']:,} rows {single['raw_copy_rows_per_s']:,.0f} rows/s (ratio "
        f"{single['ratio_to_raw_copy']:.3f})."
    )


def latency_tables(results: dict[str, Any]) -> str:
    rows = [
        [
            f"{run['rate_per_s']}/s",
            "on" if run["refresher"] else "off",
            f"{run['achieved_rate_per_s']:.0f}/s",
            str(run["requests"]),
            f"{run['p50_ms']:.1f}",
            f"{run['p90_ms']:.1f}",
            f"{run['p99_ms']:.1f}",
            f"{run['max_ms']:.1f}",
            _errors(run),
        ]
        for run in results["runs"]
    ]
    header = ["rate", "refresher", "sent", "counted", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors"]
    return table(header, rows)


def _errors(run: dict[str, Any]) -> str:
    kinds = ", ".join(f"{count} {outcome}" for outcome, count in run["outcomes"].items() if outcome != "200")
    return f"{run['errors']} ({kinds})" if kinds else str(run["errors"])


def board_tables(results: dict[str, Any]) -> str:
    rows = []
    for size in results["sizes"]:
        refresh = size["refresh_snapshot_s"]
        rows.append(
            [
                f"{size['series']:,}",
                f"{size['observations']:,}",
                f"{size['compute_board_s']:.3f}",
                f"{size['http_status_s']:.3f}",
                f"{size['http_response_bytes'] / 1e6:.1f}",
                f"{refresh:.1f}" if refresh is not None else "-",
                f"{size['indicator_path_rows']:,}" if size["indicator_path_rows"] is not None else "-",
            ]
        )
    header = ["series", "observations", "compute_board s", "GET /v1/status s", "response MB", "refresh_snapshot s",
              "indicator_path rows"]  # fmt: skip
    return table(header, rows)


def dashboard_tables(results: dict[str, Any]) -> str:
    levels = results["levels"]

    def key(timing: dict[str, Any]) -> tuple[str, str, str]:
        return timing["dashboard"], timing["query"], timing.get("range", "")

    names = [key(timing) for timing in levels[0]["queries"]]
    by_level = [{key(timing): timing for timing in level["queries"]} for level in levels]
    header = ["dashboard", "query", "time range"] + [
        f"{level['observations']:,} obs.: p50 / p99 ms" for level in levels
    ]
    rows = []
    for name in names:
        cells = []
        for timings in by_level:
            timing = timings.get(name)
            cells.append(f"{timing['p50_ms']:.1f} / {timing['p99_ms']:.1f}" if timing else "-")
        rows.append([*name, *cells])
    refresh = ", ".join(f"{level['observations']:,}: {level['refresh_snapshot_s']:.1f} s" for level in levels)
    return table(header, rows) + f"\n\nrefresh_snapshot at each level: {refresh}."


def memory_tables(results: dict[str, Any]) -> str:
    rows = [
        [
            batch["format"],
            f"{batch['rows']:,}",
            f"{batch['body_bytes'] / 1e6:.1f}",
            f"{batch['rss_before_mib']:.0f}",
            f"{batch['peak_rss_mib']:.0f}",
            f"{batch['growth_mib']:.0f}",
            f"{batch['seconds']:.1f}",
        ]
        for batch in results["batches"]
    ]
    return table(["format", "rows", "body MB", "RSS before MiB", "peak RSS MiB", "growth MiB", "seconds"], rows)


def workers_tables(results: dict[str, Any]) -> str:
    rows = [
        [
            str(run["workers"]),
            "on" if run["refresher"] else "off",
            f"{run['pushes_per_s']:.0f}",
            f"{run['p50_ms']:.1f}",
            f"{run['p99_ms']:.1f}",
            _errors(run),
            f"{run['api_cpu_per_s']:.2f}",
            f"{run['postgres_cpu_per_s']:.2f}",
            f"{run['generator_cpu_per_s']:.2f}",
        ]
        for run in results["runs"]
    ]
    header = ["workers", "refresher", "pushes/s", "p50 ms", "p99 ms", "errors", "API cores", "PostgreSQL cores",
              "generator cores"]  # fmt: skip
    return table(header, rows)


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "ingest": ingest_tables,
    "latency": latency_tables,
    "board": board_tables,
    "dashboards": dashboard_tables,
    "memory": memory_tables,
    "workers": workers_tables,
}


def render(directory: Path) -> str:
    parts = []
    for name, renderer in RENDERERS.items():
        path = directory / f"{name}.json"
        if not path.exists():
            continue
        document = json.loads(path.read_text())
        parts.append(
            f"### {name} ({document['date']}, `{document['command']}`, {document['elapsed_s']} s)\n\n"
            + renderer(document["results"])
        )
    return "\n\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(render(Path(args[0]) if args else OUT_DIR), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
