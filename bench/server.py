"""The API as the benchmarks run it: `python -m bench.server PORT`, uvicorn serving api.app.create_app (settings from
CHITIEU_* variables; CHITIEU_WORKERS worker processes, one by default, as `chitieu serve` runs them).

With CHITIEU_BENCH_REFRESHER=off the status snapshot refresher never runs: as shipped, the service has a child
process rewrite indicator_status and indicator_path for the series each write touched and for the whole board at
start-up and every interval, which at 10,000 monthly series takes longer than a benchmark run (see RESULTS.md).
Turning it off measures the request path alone; the refresh itself is measured by bench/board.py.
"""

import os
import sys
import tempfile
from pathlib import Path

import uvicorn
from fastapi import FastAPI

import api.app
from api.leader import ElectedRefresher
from api.metrics import prepare_multiprocess_dir


class IdleRefresher(ElectedRefresher):
    """A refresher that is never started, ignores pokes and has nothing to stop."""

    def start(self) -> None:
        return None

    def poke(self, *args: object, **kwargs: object) -> None:
        return None

    def stop(self) -> None:
        return None


def create_app() -> FastAPI:
    """The app, in this process or in each worker process."""
    if os.environ.get("CHITIEU_BENCH_REFRESHER") == "off":
        api.app.ElectedRefresher = IdleRefresher  # type: ignore[attr-defined]
    return api.app.create_app()


def main() -> None:
    port = int(sys.argv[1])
    workers = int(os.environ.get("CHITIEU_WORKERS", "1"))
    if workers == 1:
        uvicorn.run(create_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
        return
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-metrics-") as metrics_dir:
        prepare_multiprocess_dir(Path(metrics_dir))
        uvicorn.run("bench.server:create_app", factory=True, workers=workers, host="127.0.0.1", port=port,
                    log_level="warning", access_log=False)  # fmt: skip


if __name__ == "__main__":
    main()
