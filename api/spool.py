"""The push client's spool: batches on disk, sent in the order they were written, refused ones kept apart.

    SPOOL/.sequence              the last unit number given out (under SPOOL/.lock)
    SPOOL/00000007/000001.csv    a pushed file (a unit) cut into batches, each with its .json (file, first row, options)
    SPOOL/rejected/7.1.csv       a batch the server refused for its content, with 7.1.json and 7.1.problem.json

A unit is written in a hidden `.incoming-*` directory and renamed into place only once the whole file was read, so a
file that cannot be read leaves nothing behind, and a unit in the spool is always complete. Units are numbered from
a counter, so they are sent in the order they were written (names from the clock sort randomly within one second).
A batch is named `UNIT.BATCH` (e.g. `7.1`) in `chitieu push --list` and `--drop`; `--drop 7` drops the whole unit.
"""

import fcntl
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from indicators.errors import OperationFailed

REJECTED = "rejected"
INCOMING_PREFIX = ".incoming-"


class SpoolError(OperationFailed):
    pass


@dataclass(frozen=True)
class SpoolEntry:
    batch_id: str
    state: Literal["pending", "rejected"]
    rows: int
    source: str
    problem: str = ""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    path: Path  # the .csv; its .json beside it

    @property
    def meta(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.path.with_suffix(".json").read_text(encoding="utf-8"))
        return result

    def rows(self) -> int:
        if "rows" in self.meta:  # a workbook, counted when it was read: its bytes have no lines to count
            return int(self.meta["rows"])
        return max(self.path.read_bytes().count(b"\n") - 1, 0)


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.rejected_dir = directory / REJECTED

    def add(self, batches: Iterable[tuple[int, bytes]], meta: dict[str, Any]) -> tuple[str, int]:
        """Write every batch of one file as a unit; return (unit id, batch count). Nothing stays if reading fails."""
        self.directory.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned_incoming()
        incoming = self.directory / f"{INCOMING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        incoming.mkdir()
        try:
            count = 0
            for count, (first_row, body) in enumerate(batches, start=1):
                stem = incoming / f"{count:06d}"
                stem.with_suffix(".json").write_text(json.dumps({**meta, "first_row": first_row}), encoding="utf-8")
                stem.with_suffix(".csv").write_bytes(body)
            if count == 0:
                shutil.rmtree(incoming)
                return "", 0
            with self._locked():
                unit = self._next_unit_number()
                incoming.rename(self.directory / f"{unit:08d}")
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        return str(unit), count

    def pending(self) -> list[Batch]:
        """Every batch not yet sent, in the order written."""
        if not self.directory.is_dir():
            return []
        return [
            Batch(f"{int(unit.name)}.{int(path.stem)}", path)
            for unit in sorted(self._units())
            for path in sorted(unit.glob("*.csv"))
        ]

    def sent(self, batch: Batch) -> None:
        batch.path.unlink(missing_ok=True)
        batch.path.with_suffix(".json").unlink(missing_ok=True)
        self._remove_if_empty(batch.path.parent)

    def reject(self, batch: Batch, problem: dict[str, Any]) -> Path:
        """Move a refused batch to rejected/ with the server's problem beside it; return its new path."""
        self.rejected_dir.mkdir(exist_ok=True)
        target = self.rejected_dir / f"{batch.batch_id}.csv"
        (self.rejected_dir / f"{batch.batch_id}.problem.json").write_text(
            json.dumps(problem, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        batch.path.with_suffix(".json").replace(target.with_suffix(".json"))
        batch.path.replace(target)
        self._remove_if_empty(batch.path.parent)
        return target

    def entries(self) -> list[SpoolEntry]:
        found = [SpoolEntry(b.batch_id, "pending", b.rows(), b.meta.get("file", "")) for b in self.pending()]
        for path in self._rejected():
            batch = Batch(path.stem, path)
            problem = _read_json(self.rejected_dir / f"{path.stem}.problem.json")
            summary = f"{problem.get('status', '?')} {problem.get('title', '')}: {problem.get('detail', '')}"
            found.append(SpoolEntry(batch.batch_id, "rejected", batch.rows(), batch.meta.get("file", ""), summary))
        return found

    def drop(self, batch_id: str) -> int:
        """Remove a batch (`7.1`) or a whole unit (`7`), pending or rejected; return how many batches went."""
        if not re.fullmatch(r"\d+(\.\d+)?", batch_id):
            raise SpoolError(f"mã lô không hợp lệ (invalid batch id) {batch_id!r}: e.g. 7 or 7.1 (chitieu push --list)")
        batch_id = ".".join(str(int(part)) for part in batch_id.split("."))
        dropped = 0
        for batch in self.pending():
            if _matches(batch.batch_id, batch_id):
                self.sent(batch)
                dropped += 1
        for path in self._rejected():
            if _matches(path.stem, batch_id):
                for suffix in (".csv", ".json", ".problem.json"):
                    (self.rejected_dir / f"{path.stem}{suffix}").unlink(missing_ok=True)
                dropped += 1
        if not dropped:
            raise SpoolError(f"không có lô {batch_id} (no batch {batch_id}) in {self.directory} (chitieu push --list)")
        return dropped

    @contextmanager
    def sending(self) -> Iterator[None]:
        """One sender at a time: a second `chitieu push` waits, then sends what is left (its own file among it)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".sending").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _units(self) -> Iterator[Path]:
        return (path for path in self.directory.iterdir() if path.is_dir() and path.name.isdigit())

    def _rejected(self) -> list[Path]:
        if not self.rejected_dir.is_dir():
            return []
        paths = self.rejected_dir.glob("*.csv")
        return sorted(paths, key=lambda path: tuple(int(part) for part in path.stem.split(".")))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.directory / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _next_unit_number(self) -> int:
        counter = self.directory / ".sequence"
        last = int(counter.read_text() or 0) if counter.exists() else 0
        rejected_units = (int(path.stem.split(".")[0]) for path in self._rejected())
        last = max([last, *(int(unit.name) for unit in self._units()), *rejected_units])
        counter.write_text(str(last + 1))
        return last + 1

    def _remove_if_empty(self, unit: Path) -> None:
        if unit.parent == self.directory and unit.name.isdigit() and not any(unit.glob("*.csv")):
            shutil.rmtree(unit, ignore_errors=True)

    def _remove_abandoned_incoming(self) -> None:
        """Incoming directories of runs that died while reading their file."""
        for path in self.directory.glob(f"{INCOMING_PREFIX}*"):
            pid = path.name.removeprefix(INCOMING_PREFIX).split("-")[0]
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


def _matches(batch_id: str, wanted: str) -> bool:
    return batch_id == wanted or ("." not in wanted and batch_id.split(".")[0] == wanted)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return value if isinstance(value, dict) else {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
