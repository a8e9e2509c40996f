"""The API as the benchmarks run it: `python -m bench.server PORT`, uvicorn serving api.app.create_app (one worker,
settings from CHITIEU_* variables).

With CHITIEU_BENCH_REFRESHER=off the status snapshot refresher never runs: as shipped, the service has a child
process rewrite indicator_status and indicator_path for the series each write touched and for the whole board at
start-up and every interval, which at 10,000 monthly series takes longer than a benchmark run (see RESULTS.md).
Turning it off measures the request path alone; the refresh itself is measured by bench/board.py.
"""

import os
import sys

import uvicorn

import api.app
from api.leader import ElectedRefresher


class IdleRefresher(ElectedRefresher):
    """A refresher that is never started, ignores pokes and has nothing to stop."""

    def start(self) -> None:
        return None

    def poke(self, *args: object, **kwargs: object) -> None:
        return None

    def stop(self) -> None:
        return None


def main() -> None:
    if os.environ.get("CHITIEU_BENCH_REFRESHER") == "off":
        api.app.ElectedRefresher = IdleRefresher  # type: ignore[attr-defined]
    app = api.app.create_app()
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
