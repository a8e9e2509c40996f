"""bench.stats reads CPU time from /proc; a child that exits while it is being read must not break a benchmark
(CI failed once: a PostgreSQL backend ended between being listed and being read)."""

import os
import subprocess
import sys

import pytest

from bench import stats


def a_reaped_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_child_gone_between_listing_and_reading_counts_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    gone = a_reaped_pid()
    own = stats._own_cpu_seconds(os.getpid())  # this process alone: its live children are left out below
    monkeypatch.setattr(stats, "_children", lambda pid: [gone] if pid == os.getpid() else [])
    assert stats.process_cpu_seconds(os.getpid()) >= own


BURN_THEN_WAIT = "import time\nwhile time.process_time() < 0.3: pass\nprint('done', flush=True)\ninput()"


def test_a_live_child_is_counted() -> None:
    busy = subprocess.Popen([sys.executable, "-c", BURN_THEN_WAIT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert busy.stdout is not None and busy.stdout.readline() == b"done\n"
        children = stats.process_cpu_seconds(os.getpid()) - stats._own_cpu_seconds(os.getpid())
        assert children >= 0.25
    finally:
        busy.communicate(b"\n")


def test_the_process_itself_gone_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        stats.process_cpu_seconds(a_reaped_pid())
