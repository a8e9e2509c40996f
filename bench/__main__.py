"""`python -m bench` (or `make bench`): run the benchmarks and write bench/out/*.json; see bench/RESULTS.md."""

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import board, dashboards, draft, ingest, latency, memory, national, periodic_report, workers, xlsx
from bench.env import bench_cluster, machine, source_version, timescaledb_version
from ingest.embedded import EmbeddedPostgres

OUT_DIR = Path(__file__).resolve().parent / "out"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs (about 3 minutes)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only these (repeatable)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="where the JSON results go (default bench/out)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    pg = bench_cluster()
    pg.start()
    try:
        for name in args.only or list(BENCHMARKS):
            print(f"{name}:", flush=True)
            started = time.monotonic()
            result = BENCHMARKS[name](pg, args.quick)
            document = {
                "benchmark": name,
                "date": datetime.now(UTC).isoformat(timespec="seconds"),
                "command": " ".join(["python -m bench", *sys.argv[1:]]),
                "quick": args.quick,
                "machine": {**machine(), "timescaledb": timescaledb_version(pg)},
                "source": source_version(),
                "elapsed_s": round(time.monotonic() - started, 1),
                "results": result,
            }
            (args.out / f"{name}.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
            print(f"  ({document['elapsed_s']} s)", flush=True)
    finally:
        pg.stop()
    return 0


BENCHMARKS: dict[str, Callable[[EmbeddedPostgres, bool], dict[str, Any]]] = {
    "ingest": lambda pg, quick: ingest.run(pg, ingest.QUICK if quick else ingest.FULL),
    "latency": lambda pg, quick: latency.run(pg, latency.QUICK if quick else latency.FULL),
    "board": lambda pg, quick: board.run(pg, board.QUICK if quick else board.FULL),
    "dashboards": lambda pg, quick: dashboards.run(pg, dashboards.QUICK if quick else dashboards.FULL),
    "memory": lambda pg, quick: memory.run(pg, memory.QUICK if quick else memory.FULL),
    "report": lambda pg, quick: periodic_report.run(pg, periodic_report.QUICK if quick else periodic_report.FULL),
    "draft": lambda pg, quick: draft.run(pg, draft.QUICK if quick else draft.FULL),
    "xlsx": lambda pg, quick: xlsx.run(pg, xlsx.QUICK if quick else xlsx.FULL),
    "national": lambda pg, quick: national.run(pg, national.QUICK if quick else national.plan_from_env()),
    "workers": lambda pg, quick: workers.run(pg, workers.QUICK if quick else workers.FULL),
}

if __name__ == "__main__":
    sys.exit(main())
