"""The state file `chitieu serve` keeps in its data directory, so the other commands find the running service's
database instead of starting (or creating) one of their own.

    <data dir>/serve.json   {"pid": 4242, "ready": true, "database_url": "postgresql://...", "api_url": "http://..."}

Written when serve starts (ready false), again once the database is migrated (ready true), removed when serve
exits. A file whose process is gone (serve was killed with -9) counts as absent.
"""

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from indicators.errors import ConfigurationError

STATE_FILE = "serve.json"
START_LOCK = ".start.lock"
PRIVATE_DIR = 0o700


@dataclass(frozen=True)
class ServeState:
    pid: int
    ready: bool
    database_url: str | None
    api_url: str


def state_file(data_dir: Path) -> Path:
    return data_dir / STATE_FILE


def read_state(data_dir: Path) -> ServeState | None:
    """The state of a live `chitieu serve` on this data directory, or None."""
    try:
        raw = json.loads(state_file(data_dir).read_text(encoding="utf-8"))
        state = ServeState(int(raw["pid"]), bool(raw["ready"]), raw.get("database_url"), str(raw.get("api_url", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return state if _is_serve(state.pid) else None


def write_state(data_dir: Path, state: ServeState) -> None:
    """Write atomically (a reader never sees half a file), readable by the service's user only."""
    data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    partial = data_dir / f".{STATE_FILE}.{os.getpid()}"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump(asdict(state), out)
    partial.replace(state_file(data_dir))


def remove_state(data_dir: Path) -> None:
    """Remove the state file if this process wrote it."""
    path = state_file(data_dir)
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError, AttributeError):
        pass


def wait_for_ready(data_dir: Path, appear_s: float, ready_s: float, *, give_up_early: bool) -> ServeState | None:
    """The ready state of the service on this data directory. A serve that is starting is waited for (up to ready_s);
    one that has not started yet is waited for up to appear_s, unless give_up_early (there is a cluster to use)."""
    started = time.monotonic()
    while True:
        state = read_state(data_dir)
        waited = time.monotonic() - started
        if state is not None and state.ready:
            return state
        if state is None and (give_up_early or waited >= appear_s):
            return None
        if state is not None and waited >= ready_s:
            raise ConfigurationError(
                f"chitieu serve (pid {state.pid}) has not made its database ready in {ready_s:.0f} s; see its output"
            )
        time.sleep(0.2)


@contextmanager
def start_lock(data_dir: Path) -> Iterator[None]:
    """One process at a time starts the cluster in a data directory; the next finds it running and uses it."""
    data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    with (data_dir / START_LOCK).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _is_serve(pid: int) -> bool:
    """Whether pid is alive and (when /proc tells) a `chitieu serve`, not a process that took a dead serve's pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True
    return b"serve" in command
