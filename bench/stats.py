"""Small statistics and timing helpers shared by the benchmarks."""

import math
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `fraction` of the values at or below it."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return float(ordered[rank - 1])


def timed(action: Callable[[], object]) -> float:
    """Seconds one call takes (monotonic clock)."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time the process and its live children (the snapshot refresher, PostgreSQL's backends)
    have used so far, from /proc/<pid>/stat. Raises FileNotFoundError when `pid` itself is gone."""
    return _own_cpu_seconds(pid) + sum(_live_child_cpu_seconds(child) for child in _children(pid))


def _own_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / _CLOCK_TICKS


def _live_child_cpu_seconds(pid: int) -> float:
    """A child may exit between being listed and being read (a backend whose connection just closed): it counts 0."""
    try:
        return process_cpu_seconds(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            children.extend(int(child) for child in task.read_text().split())
        except (FileNotFoundError, ProcessLookupError):  # the thread ended while being listed
            continue
    return children


def wait_until_idle(pid: int, *, quiet_for: float = 1.0, busy_fraction: float = 0.05, timeout: float = 300) -> float:
    """Wait until the process and its children have used under `busy_fraction` of a CPU over `quiet_for` seconds (their
    background work, such as the status snapshot refresher, has finished); return the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = process_cpu_seconds(pid)
        time.sleep(quiet_for)
        if process_cpu_seconds(pid) - before < busy_fraction * quiet_for:
            return time.monotonic() - started
    raise TimeoutError(f"process {pid} stayed busy for {timeout} s")


def _clock_ticks() -> int:
    import os

    return os.sysconf("SC_CLK_TCK")


_CLOCK_TICKS = _clock_ticks()
