"""`chitieu push`: a statistics office sends a CSV file, in batches, surviving a server that is down.

The whole file is read and checked first (UTF-8, quoting, header, cells per record: the server's own reader,
ingest.formats.read_csv); only then are its batches written to the spool, as one unit (api/spool.py). Each batch is
removed only once the server has answered it, so an interrupted run loses nothing: the next run (or `--resume`)
sends the spool first. Re-sending a batch the server had in fact applied is harmless: identical values are ignored.

A workbook (.xlsx, .xls, .ods) is read whole the same way (the server's reader, ingest.xlsx_reader) and spooled and
sent as one batch, as it is: the server reads its cells and names each error's cell (`Số liệu!L14`).

A batch the server refuses for its content (a 4xx other than 401/404/405/408/429, or a 500 that persists) moves to
the spool's rejected/ folder with the server's problem beside it and never holds up the batches after it.
"""

import csv
import io
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.spool import Batch, Spool
from indicators.errors import OperationFailed
from ingest.formats import CSV_COLUMNS, InputError, read_csv
from ingest.xlsx_reader import read_workbook

# A workbook goes as it is, as one batch, with the type the server reads it by.
WORKBOOK_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".xls": "application/vnd.ms-excel",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
}

RETRYABLE = {408, 429, 500, 502, 503, 504}
# Answers about the key or the server address, not about the batch: stop and keep every batch for a later run.
NOT_ABOUT_THE_BATCH = {401, 404, 405}


@dataclass(frozen=True)
class RefusedBatch:
    batch_id: str
    status: int
    problem: dict[str, Any]
    kept_at: Path

    def line(self) -> str:
        what = self.problem.get("detail") or self.problem.get("title") or ""
        return (
            f"lô {self.batch_id} bị từ chối (batch {self.batch_id} refused), {self.status}: {' '.join(str(what).split())[:300]}"
            f" — giữ ở (kept at) {self.kept_at}; bỏ bằng (drop with) `chitieu push --drop {self.batch_id}`"
        )


@dataclass
class PushReport:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    refused: list[RefusedBatch] = field(default_factory=list)
    batches_sent: int = 0
    batches_left: int = 0  # still in the spool

    def add(self, summary: dict[str, Any], first_row: int) -> None:
        for name in ("imported", "updated", "ignored", "rejected"):
            setattr(self, name, getattr(self, name) + int(summary.get(name, 0)))
        for error in summary.get("errors", []):
            self.errors.append({**error, "row": first_row + int(error["row"]) - 2})


class PushFailed(OperationFailed):
    def __init__(self, message: str, report: PushReport | None = None) -> None:
        super().__init__(message)
        self.report = report or PushReport()


class FileNotQueued(OperationFailed):
    """The file cannot be read whole; none of it was spooled."""


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

    @property
    def store(self) -> Spool:
        return Spool(self.spool_dir)

    def spool(self, path: Path, batch_rows: int) -> int:
        """Read and check the whole file, then spool its batches as one unit; return how many batches."""
        meta = {"file": str(path), "decimal": self.decimal, "partial": self.partial}
        content_type = WORKBOOK_TYPES.get(path.suffix.lower())
        if content_type is not None:
            # Row numbers in the answer are the sheet's own: first_row 2 leaves them as they are.
            body, rows = checked_workbook(path)
            _, count = self.store.add([(2, body)], {**meta, "content_type": content_type, "rows": rows})
            return count
        _, count = self.store.add(split_csv(path, batch_rows), meta)
        return count

    def pending(self) -> list[Path]:
        return [batch.path for batch in self.store.pending()]

    def send_spool(self, progress: Callable[[int], None] | None = None) -> PushReport:
        report = PushReport()
        store = self.store
        with store.sending(), httpx.Client(base_url=self.server, timeout=self.timeout_s) as client:
            while batches := store.pending():  # again at the end: another run may have added a file meanwhile
                for batch in batches:
                    rows = batch.rows()
                    self._send_batch(client, store, batch, report)
                    if progress:
                        progress(rows)
        return report

    def _send_batch(self, client: httpx.Client, store: Spool, batch: Batch, report: PushReport) -> None:
        meta = batch.meta
        body = batch.path.read_bytes()
        rows = batch.rows()
        try:
            response = self._send(client, body, meta)
        except PushFailed as error:
            report.batches_left = len(store.pending())
            raise PushFailed(str(error), report) from None
        answer = _problem(response)
        if response.status_code == 200:
            report.add(answer, meta["first_row"])
            report.batches_sent += 1
            store.sent(batch)
            return
        if response.status_code in NOT_ABOUT_THE_BATCH:
            report.batches_left = len(store.pending())
            what = answer.get("detail") or answer.get("title") or response.reason_phrase
            raise PushFailed(
                f"máy chủ từ chối (the server answered) {response.status_code} {what} at {response.url}: check "
                f"--server and the key; the batches stay in {self.spool_dir} (`chitieu push --resume`)",
                report,
            )
        if "errors" in answer:  # row errors: reported with the file's row numbers
            report.add({"rejected": answer.get("rejected", rows), "errors": answer["errors"]}, meta["first_row"])
        kept_at = store.reject(batch, answer)
        report.refused.append(RefusedBatch(batch.batch_id, response.status_code, answer, kept_at))

    def _send(self, client: httpx.Client, body: bytes, meta: dict[str, Any]) -> httpx.Response:
        """The server's answer; after the last attempt a persistent 500 is returned (the batch may be its cause),
        while an unreachable or unavailable server raises PushFailed."""
        params = {"partial": "true" if meta.get("partial") else "false"}
        if meta.get("decimal"):
            params["decimal"] = meta["decimal"]
        headers = {"Authorization": f"Bearer {self.key}", "Content-Type": meta.get("content_type", "text/csv")}
        delay = 0.5
        last_problem = ""
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = client.post("/v1/observations", content=body, params=params, headers=headers)
            except httpx.TransportError as error:
                last_problem = f"không kết nối được (cannot reach) {self.server}: {error or type(error).__name__}"
            else:
                if response.status_code not in RETRYABLE:
                    return response
                if response.status_code == 500 and attempt == self.max_attempts:
                    return response
                last_problem = f"server answered {response.status_code}"
                retry_after = response.headers.get("retry-after", "")
                if retry_after.isdigit():
                    delay = max(delay, float(retry_after))
            if attempt < self.max_attempts:
                self.sleep(min(delay, self.max_backoff_s))
                delay = min(delay * 2, self.max_backoff_s)
        raise PushFailed(f"{last_problem}; the unsent batches stay in {self.spool_dir} (run `chitieu push --resume`)")


def _problem(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        return answer
    return {"status": response.status_code, "title": response.reason_phrase, "detail": response.text[:1000]}


def checked_workbook(path: Path) -> tuple[bytes, int]:
    """The workbook's bytes and its rows, once the server's reader has read it whole (a broken one is not queued)."""
    rows = 0
    try:
        body = path.read_bytes()
        for _, row in read_workbook(body, lambda code: None):
            if "__malformed__" in row:
                raise FileNotQueued(f"{path}: {row['__malformed__']}; chưa gửi gì (nothing was queued)")
            rows += 1
    except IsADirectoryError:
        raise FileNotQueued(f"{path}: là thư mục, không phải tệp (is a directory, not a file)") from None
    except InputError as error:
        raise FileNotQueued(f"{path}: {error}; chưa gửi gì (nothing was queued)") from None
    return body, rows


def split_csv(path: Path, batch_rows: int) -> Iterator[tuple[int, bytes]]:
    """(file row of the batch's first record, CSV bytes with the header) for each batch.

    The file is read with the server's reader, so a file the server could not read whole fails here, before its
    first batch is spooled. Records keep their row numbers: a blank record is sent as an empty line."""
    try:
        body = path.read_bytes()
    except IsADirectoryError:
        raise FileNotQueued(f"{path}: là thư mục, không phải tệp CSV (is a directory, not a CSV file)") from None
    try:
        rows = read_csv(body)
        header = [column for column in _header(body) if column in CSV_COLUMNS]
        batch: list[list[str]] = []
        first_row = 2
        next_row = 2
        for number, row in rows:
            problem = row.get("__malformed__") or ("__extra__" in row and "more cells than the header")
            if problem:
                raise FileNotQueued(f"{path}: dòng (row) {number}: {problem}; chưa gửi gì (nothing was queued)")
            batch.extend([] for _ in range(number - next_row))  # blank records the reader skipped
            batch.append([str(row.get(column) or "") for column in header])
            next_row = number + 1
            if len(batch) >= batch_rows:
                yield first_row, _write(header, batch)
                batch, first_row = [], next_row
        if batch:
            yield first_row, _write(header, batch)
    except InputError as error:
        raise FileNotQueued(f"{path}: {error}; chưa gửi gì (nothing was queued)") from None


def _header(body: bytes) -> list[str]:
    first_line = body.decode("utf-8-sig", errors="replace").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    cells = next(csv.reader([first_line], delimiter=delimiter), [])
    return [cell.strip().lower() for cell in cells]


def _write(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()
