"""`chitieu push`: a statistics office sends a CSV file, in batches, surviving a server that is down.

Each batch is written to a spool directory before it is sent and removed only once the server has answered it, so
an interrupted run loses nothing: the next run (or `--resume`) sends the spool first. Re-sending a batch the server
had in fact applied is harmless: identical values are ignored.
"""

import csv
import io
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

RETRYABLE = {429, 500, 502, 503, 504}


@dataclass
class PushReport:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    batches_sent: int = 0
    batches_left: int = 0  # still in the spool

    def add(self, summary: dict[str, Any], first_row: int) -> None:
        for name in ("imported", "updated", "ignored", "rejected"):
            setattr(self, name, getattr(self, name) + int(summary.get(name, 0)))
        for error in summary.get("errors", []):
            self.errors.append({**error, "row": first_row + int(error["row"]) - 2})


class PushFailed(Exception):
    pass


@dataclass
class Pusher:
    server: str
    key: str
    spool_dir: Path
    decimal: str | None = None
    partial: bool = False
    max_attempts: int = 8
    max_backoff_s: float = 30.0
    timeout_s: float = 120.0
    sleep: Callable[[float], None] = time.sleep

    def spool(self, path: Path, batch_rows: int) -> int:
        """Split the file into batch files in the spool; return how many."""
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        run = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
        count = 0
        for count, (first_row, body) in enumerate(split_csv(path, batch_rows), start=1):
            stem = self.spool_dir / f"{run}-{count:06d}"
            meta = {"file": str(path), "first_row": first_row, "decimal": self.decimal, "partial": self.partial}
            stem.with_suffix(".json").write_text(json.dumps(meta))
            stem.with_suffix(".csv").write_bytes(body)  # written last: a .csv in the spool is complete
        return count

    def pending(self) -> list[Path]:
        return sorted(self.spool_dir.glob("*.csv")) if self.spool_dir.exists() else []

    def send_spool(self, progress: Callable[[int], None] | None = None) -> PushReport:
        report = PushReport()
        with httpx.Client(base_url=self.server, timeout=self.timeout_s) as client:
            for batch in self.pending():
                meta = json.loads(batch.with_suffix(".json").read_text())
                body = batch.read_bytes()
                try:
                    response = self._send(client, body, meta)
                except PushFailed:
                    report.batches_left = len(self.pending())
                    raise
                answer = response.json()
                if response.status_code == 200:
                    report.add(answer, meta["first_row"])
                elif response.status_code == 422 and "errors" in answer:
                    report.add({**answer, "imported": 0, "updated": 0, "ignored": 0}, meta["first_row"])
                else:
                    raise PushFailed(f"the server refused a batch ({response.status_code}): {answer.get('detail')}")
                report.batches_sent += 1
                batch.unlink()
                batch.with_suffix(".json").unlink(missing_ok=True)
                if progress:
                    progress(body.count(b"\n") - 1)
        return report

    def _send(self, client: httpx.Client, body: bytes, meta: dict[str, Any]) -> httpx.Response:
        params = {"partial": "true" if meta.get("partial") else "false"}
        if meta.get("decimal"):
            params["decimal"] = meta["decimal"]
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": "text/csv"}
        delay = 0.5
        last_problem = ""
        for _ in range(self.max_attempts):
            try:
                response = client.post("/v1/observations", content=body, params=params, headers=headers)
            except httpx.TransportError as error:
                last_problem = f"cannot reach {self.server}: {error}"
            else:
                if response.status_code not in RETRYABLE:
                    return response
                last_problem = f"server answered {response.status_code}"
                retry_after = response.headers.get("retry-after", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
            self.sleep(min(delay, self.max_backoff_s))
            delay = min(delay * 2, self.max_backoff_s)
        raise PushFailed(f"{last_problem}; the unsent batches stay in {self.spool_dir} (run `chitieu push --resume`)")


def split_csv(path: Path, batch_rows: int) -> Iterator[tuple[int, bytes]]:
    """(spreadsheet row of the batch's first data row, CSV bytes with the header) for each batch."""
    with path.open(encoding="utf-8-sig", newline="") as source:
        header_line = source.readline()
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        reader = csv.reader(source, delimiter=delimiter)
        header = next(csv.reader([header_line], delimiter=delimiter))
        rows: list[list[str]] = []
        first_row = 2
        for values in reader:
            if not rows:
                first_row = reader.line_num + 1
            rows.append(values)
            if len(rows) == batch_rows:
                yield first_row, _write(header, rows, delimiter)
                rows = []
        if rows:
            yield first_row, _write(header, rows, delimiter)


def _write(header: list[str], rows: list[list[str]], delimiter: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()
