"""The direct path of a batch: its valid rows COPYed straight into observations, as revision 1, while the body is still
being read and validated, so that PostgreSQL inserts while Python reads on (two processes, two cores).

It is right exactly when none of the batch's keys is stored yet and none repeats within the batch (new periods
arriving, the usual batch): every stored key has a revision 1, so the primary key (indicator, region, period_start,
period, revision) raises UniqueViolation for any key that is not new, and ingest.observations then rolls back to the
savepoint around this COPY and writes the batch the staged way. What the staged path decides from the staging table
(duplicate keys, the recent-value plausibility rule) makes the validator's flags ask for the staged path at once.

The rows go as one COPY statement per CHUNK_ROWS rows, read and validated by a thread of their own one chunk ahead:
the observations' foreign keys are checked by AFTER ROW triggers, which fire when a COPY statement ends (60 % of the
server's work for a row), and psycopg waits for that end with the GIL released (poll() in psycopg_c's wait_c), so
the next chunk is read while the server checks this one. As one statement, the checks ran only once the whole body
had been read, with the client idle (bench/RESULTS.md, "Ingest on a quiet machine").
"""

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any, cast

import psycopg

from ingest.validation import RowValidator, ValidRow

_COPY = (
    "COPY observations (indicator, region, period_start, period, revision, value, status, note, key_id) "
    "FROM STDIN (FORMAT BINARY)"
)
_TYPES = ["text", "text", "timestamptz", "text", "int4", "float8", "text", "text", "text"]

_KEY_STORED = """
SELECT EXISTS (
    SELECT FROM observations WHERE indicator = %s AND region = %s AND period_start = %s AND period = %s
)
"""

# What the write brought, as the staged path's statement writes it (ingest/observations.py, _DECIDE_AND_INSERT).
# The arrays are sent binary (%b): a bench batch's 10,000 series cost 35 ms of client CPU as text arrays, 15 as binary.
_SUBMITTED = """
INSERT INTO submissions (recorded_at, key_id, indicator, rows, regions)
SELECT now(), %(key_id)s, indicator, sum(rows), array_agg(region ORDER BY region)
FROM unnest(%(indicators)b::text[], %(regions)b::text[], %(rows)b::integer[]) AS written (indicator, region, rows)
GROUP BY indicator
ON CONFLICT (recorded_at, key_id, indicator) DO UPDATE SET rows = submissions.rows + excluded.rows,
    regions = ARRAY(SELECT DISTINCT unnest(submissions.regions || excluded.regions) ORDER BY 1)
"""


class NeedsStaging(Exception):
    """The batch may repeat a key, or has values to compare with their series' recent ones: the staged path decides."""


def key_stored(conn: psycopg.Connection[Any], row: ValidRow) -> bool:
    """Whether the row's key holds a value already (one probe of the primary key): a batch that starts with a stored
    key is most likely a re-sent or revised one, which goes to the staged path without trying the direct one."""
    found = conn.execute(_KEY_STORED, [row.indicator, row.region, row.period_start, row.period]).fetchone()
    return bool(found and found[0])


def copy_new_rows(
    conn: psycopg.Connection[Any], valid_rows: Iterable[ValidRow], validator: RowValidator, key_id: str
) -> dict[tuple[str, str], int]:
    """COPY the rows into observations as they come; the rows written per (indicator, region). Raises NeedsStaging
    as soon as the validator's flags ask for the staged path, UniqueViolation at the end of the COPY statement that
    met a key that was not new, and whatever reading or validating the rows raised, when the statements before it
    have ended (the caller's savepoint undoes them)."""
    ahead = _ChunksAhead(valid_rows, validator, key_id)
    try:
        for chunk in ahead:
            with conn.cursor().copy(_COPY) as copy:
                copy.set_types(_TYPES)
                write_row = copy.write_row
                for values in chunk:
                    write_row(values)
    finally:
        ahead.stop()
    return ahead.written


# Rows per COPY statement: each statement's foreign-key checks overlap the reading of the next chunk, and the last
# one's cannot overlap anything, so a batch of 50,000 rows goes as 20 statements.
CHUNK_ROWS = 2500
_END = object()


class _ChunksAhead:
    """The rows to COPY, in chunks of CHUNK_ROWS, read and validated by a thread one chunk ahead of the COPY. The
    thread alone touches the rows, the validator and `written` until iterating has ended or stop() has returned."""

    def __init__(self, valid_rows: Iterable[ValidRow], validator: RowValidator, key_id: str) -> None:
        self.written: dict[tuple[str, str], int] = {}
        self._chunks: queue.Queue[object] = queue.Queue(maxsize=1)  # one chunk waiting while another is read
        self._stopped = threading.Event()
        self._reader = threading.Thread(
            target=self._read, args=(valid_rows, validator, key_id), name="direct-copy-reader", daemon=True
        )
        self._reader.start()

    def __iter__(self) -> Iterator[list[tuple[Any, ...]]]:
        while True:
            item = self._chunks.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield cast(list[tuple[Any, ...]], item)

    def stop(self) -> None:
        """Make the thread end (after the chunk it reads, if any) and wait for it."""
        self._stopped.set()
        while self._reader.is_alive():
            with contextlib.suppress(queue.Empty):
                self._chunks.get(timeout=0.05)  # a chunk it could not hand over: it ends once the queue has room
        self._reader.join()

    def _read(self, valid_rows: Iterable[ValidRow], validator: RowValidator, key_id: str) -> None:
        # The flags are read from objects fetched once: the validator's properties would be two calls a row.
        shape, judged_against_recent = validator.shape, validator.without_target_reference
        written = self.written
        chunk: list[tuple[Any, ...]] = []
        try:
            for row in valid_rows:
                if shape.may_repeat_keys or judged_against_recent:
                    raise NeedsStaging()
                chunk.append((row[1], row[2], row[3], row[4], 1, row[5], row[6], row[7], key_id))
                series = (row[1], row[2])
                written[series] = written.get(series, 0) + 1
                if len(chunk) == CHUNK_ROWS:
                    if not self._hand_over(chunk):
                        return
                    chunk = []
            if chunk and not self._hand_over(chunk):
                return
            self._hand_over(_END)
        except BaseException as error:  # raised where the chunks are taken, in the request's thread
            self._hand_over(error)

    def _hand_over(self, item: object) -> bool:
        """Queue the item unless stop() was called: False then."""
        while not self._stopped.is_set():
            try:
                self._chunks.put(item, timeout=0.05)
                return True
            except queue.Full:
                pass
        return False


def write_submissions(conn: psycopg.Connection[Any], written: dict[tuple[str, str], int], key_id: str) -> None:
    """One submissions row per indicator written (added to, when the transaction wrote it already)."""
    if not written:
        return
    indicators, regions = zip(*written, strict=True)
    params = {
        "key_id": key_id,
        "indicators": list(indicators),
        "regions": list(regions),
        "rows": list(written.values()),
    }
    conn.execute(_SUBMITTED, params)
