"""Writing a batch of observations: straight into observations while it is read when every key is new (the direct
path, ingest/direct_copy.py), else COPY into a staging table, then one statement that decides and inserts.

Every call is one transaction, so a batch is applied whole or not at all. A value that differs from the current one
becomes a new revision; an identical one is ignored; an official figure is not replaced by a less final status
(estimate, preliminary) unless `force` is given.
"""

import itertools
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from indicators.errors import InvalidInput, ScopeError
from indicators.observation_status import STATUS_RANKS
from indicators.plausibility import SCALE_FACTOR, scale_warning
from ingest.direct_copy import NeedsStaging, copy_new_rows, key_stored, write_submissions
from ingest.formats import Row
from ingest.json_stream import JsonStream
from ingest.validation import RowError, RowValidator, StoredAs, ValidRow

MAX_REPORTED_ERRORS = 1000
_CONFLICT_RETRIES = 5


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    warnings: list[RowError] = field(default_factory=list)  # plausible but suspicious values (strict=true refuses)
    stored_as: list[StoredAs] = field(default_factory=list)  # rows whose period was stored as another
    touched: set[tuple[str, str]] = field(default_factory=set)  # (indicator, region) written, not reported
    path: str = "staged"  # how it was written: "direct" or "staged" (ingest.direct_copy), not reported

    def as_dict(self) -> dict[str, Any]:
        # Field by field, the lists cut before they are converted: asdict() would deep-copy `touched` (10,000 series
        # in a bench batch) and every error only to drop them (2-3 % of the API's CPU per row).
        return {
            "imported": self.imported,
            "updated": self.updated,
            "ignored": self.ignored,
            "rejected": self.rejected,
            "errors": [asdict(error) for error in self.errors[:MAX_REPORTED_ERRORS]],
            "dry_run": self.dry_run,
            "warnings": [asdict(warning) for warning in self.warnings[:MAX_REPORTED_ERRORS]],
            "stored_as": [asdict(stored) for stored in self.stored_as[:MAX_REPORTED_ERRORS]],
        }


# How an answer names where each of its errors is: a workbook's reader adds the cells (ingest.submit); else as is.
Locate = Callable[[dict[str, Any]], dict[str, Any]]


def _as_is(answer: dict[str, Any]) -> dict[str, Any]:
    return answer


class BatchRejected(InvalidInput):
    """Some rows are invalid and the batch is atomic: nothing was written."""

    def __init__(self, summary: ImportSummary) -> None:
        super().__init__(f"{summary.rejected} row(s) are invalid; fix them or send partial=true.")
        self.summary = summary
        self.locate: Locate = _as_is

    def answer(self) -> dict[str, Any]:
        return self.locate(self.summary.as_dict())


class OutOfScope(ScopeError):
    """Some rows lie outside the key's regions or programmes: nothing was written."""

    def __init__(self, errors: list[RowError], *, writer: str = "This key") -> None:
        super().__init__(f"{writer} may not write these rows; nothing was written.")
        self.errors = errors
        self.locate: Locate = _as_is

    def answer(self) -> dict[str, Any]:
        listed = [{"row": e.row, "field": e.field, "message": e.message} for e in self.errors[:MAX_REPORTED_ERRORS]]
        return {"errors": self.locate({"errors": listed})["errors"]}


class TooManyRows(InvalidInput):
    def __init__(self, limit: int) -> None:
        super().__init__(f"A batch may hold at most {limit} rows: split it.")
        self.limit = limit


# Created once per connection and emptied at each commit: creating a temporary table per batch costs more than a
# small batch itself (catalogue writes), and pooled connections live long.
_CONNECTIONS_WITH_STAGE: "weakref.WeakSet[psycopg.Connection[Any]]" = weakref.WeakSet()
_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS stage (
    row integer, indicator text, region text, period_start timestamptz, period text,
    value double precision, status text, note text
) ON COMMIT DELETE ROWS
"""

_STAGE_TYPES = ["int4", "text", "text", "timestamptz", "text", "float8", "text", "text"]

_DUPLICATES = """
SELECT array_agg(row ORDER BY row), count(DISTINCT (value, status)) > 1
FROM stage GROUP BY indicator, region, period_start, period HAVING count(*) > 1
"""

# One pass: find each staged row's current revision, decide, insert the new revisions and what the write brought
# (submissions, one row per indicator: a second batch in the same transaction adds to it), count by decision.
# The batch's own period_start range, given as parameters, lets TimescaleDB leave out the chunks the batch cannot
# touch; without it every row's lookup probes every chunk (a 50,000-row batch into 8 chunks: 830 -> 240 ms). See
# _decide_and_insert for how it is planned.
_LATEST = """
    SELECT s.*, c.revision AS current_revision, c.value AS current_value, c.status AS current_status
    FROM stage s
    LEFT JOIN LATERAL (
        SELECT o.revision, o.value, o.status FROM observations o
        WHERE o.indicator = s.indicator AND o.region = s.region AND o.period_start = s.period_start
            AND o.period = s.period AND o.period_start BETWEEN %(first_start)s AND %(last_start)s
        ORDER BY o.revision DESC LIMIT 1
    ) c ON true
"""
# A batch whose periods hold nothing yet (new months arriving, the usual case) has no current revision to look up:
# every row is imported, without a probe per row.
_NOTHING_CURRENT = """
    SELECT s.*, NULL::integer AS current_revision, NULL::double precision AS current_value, NULL::text AS current_status
    FROM stage s
"""
_RANGE_HOLDS_ROWS = """
SELECT EXISTS (SELECT FROM observations WHERE period_start BETWEEN %(first_start)s AND %(last_start)s)
"""
_DECIDE_AND_INSERT = """
WITH latest AS ({latest}), decided AS (
    SELECT *, CASE
        WHEN current_revision IS NULL THEN 'imported'
        WHEN value = current_value AND status = current_status THEN 'ignored'
        WHEN NOT %(force)s AND array_position(%(ranks)s, status) < array_position(%(ranks)s, current_status)
            THEN 'downgrade'
        ELSE 'updated'
    END AS decision
    FROM latest
), inserted AS (
    INSERT INTO observations (indicator, region, period_start, period, revision, value, status, note, key_id)
    SELECT indicator, region, period_start, period, coalesce(current_revision, 0) + 1, value, status, note, %(key_id)s
    FROM decided WHERE decision IN ('imported', 'updated')
    RETURNING indicator, region
), submitted AS (
    INSERT INTO submissions (recorded_at, key_id, indicator, rows, regions)
    SELECT now(), %(key_id)s, indicator, sum(rows), array_agg(region ORDER BY region)
    FROM (SELECT indicator, region, count(*) AS rows FROM inserted GROUP BY indicator, region) AS per_region
    GROUP BY indicator
    ON CONFLICT (recorded_at, key_id, indicator) DO UPDATE SET rows = submissions.rows + excluded.rows,
        regions = ARRAY(SELECT DISTINCT unnest(submissions.regions || excluded.regions) ORDER BY 1)
)
SELECT decision, count(*), (array_agg(row ORDER BY row) FILTER (WHERE decision = 'downgrade'))[1:%(max_errors)s],
       (SELECT count(*) FROM inserted)
FROM decided GROUP BY decision
"""


def ingest_batch(
    conn: psycopg.Connection[Any],
    rows: Iterable[Row],
    validator: RowValidator,
    *,
    key_id: str,
    partial: bool = False,
    force: bool = False,
    dry_run: bool = False,
    max_rows: int | None = None,
    again: Callable[[], Iterable[Row]] | None = None,
) -> ImportSummary:
    """Validate and write one batch in one transaction. Raises BatchRejected, OutOfScope or TooManyRows with nothing
    written; a dry run reports what would happen and writes nothing (so does a JSON body saying `"dry_run": true`,
    known once it has been read).

    Given `again` (the same rows read anew from the start), the rows are first written the direct way
    (ingest.direct_copy) and, when that turns out not to fit the batch, read again and written the staged way: COPY
    into the staging table, then the statement that decides and inserts. Without it, the staged way only."""
    summary = ImportSummary(dry_run=dry_run)
    _ensure_stage(conn)
    with conn.transaction() as transaction:
        # The COPY lasts as long as reading and validating the body takes, which the request deadline bounds; the
        # statement timeout is for the statements that follow. Set outside the savepoint, which would undo it.
        row = conn.execute("SELECT current_setting('statement_timeout'), set_config('statement_timeout', '0', true)")
        statement_timeout = row.fetchone()[0]  # type: ignore[index]
        valid_rows = _validated(rows, validator, summary, max_rows)
        written: dict[tuple[str, str], int] | None = None
        if again is not None:
            first = next(valid_rows, None)
            ahead = iter(() if first is None else (first,))
            if first is not None and key_stored(conn, first):
                valid_rows = itertools.chain(ahead, valid_rows)
            else:
                try:
                    with conn.transaction():
                        written = copy_new_rows(conn, itertools.chain(ahead, valid_rows), validator, key_id)
                except (NeedsStaging, psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected):
                    written = None  # rolled back to the savepoint: every row is read again, the staged way
                    validator = RowValidator(
                        validator.catalogue, validator.key, validator.parse_string, strict=validator.strict
                    )
                    summary = ImportSummary(dry_run=dry_run)
                    rows = again()
                    valid_rows = _validated(rows, validator, summary, max_rows)
        if written is None:
            _stage(conn, valid_rows)
        conn.execute("SELECT set_config('statement_timeout', %s, true)", [statement_timeout])
        if isinstance(rows, JsonStream) and rows.dry_run:
            dry_run = summary.dry_run = True
        if validator.scope_errors:
            raise OutOfScope(validator.scope_errors)
        if written is not None:
            summary.path = "direct"
            summary.warnings = sorted(validator.warnings, key=lambda warning: warning.row)
            summary.stored_as = validator.stored_as
            summary.imported = sum(written.values())
            write_submissions(conn, written, key_id)
        else:
            _decide_staged(conn, validator, summary, key_id=key_id, force=force)
        summary.errors.sort(key=lambda error: error.row)
        summary.rejected = len({error.row for error in summary.errors})
        if summary.errors and not partial:
            summary.imported = summary.updated = summary.ignored = 0
            raise BatchRejected(summary)
        if dry_run:
            raise psycopg.Rollback(transaction)
    summary.touched = validator.shape.touched
    return summary


def _validated(
    rows: Iterable[Row], validator: RowValidator, summary: ImportSummary, max_rows: int | None
) -> Iterator[ValidRow]:
    """The valid rows; the invalid ones' errors go to the summary."""
    for count, (number, raw) in enumerate(rows, start=1):
        if max_rows is not None and count > max_rows:
            raise TooManyRows(max_rows)
        result = validator.validate(number, raw)
        if isinstance(result, list):
            summary.errors.extend(result)
        else:
            yield result


def _stage(conn: psycopg.Connection[Any], valid_rows: Iterable[ValidRow]) -> None:
    with conn.cursor().copy(
        "COPY stage (row, indicator, region, period_start, period, value, status, note) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(_STAGE_TYPES)  # binary: a third of text's client CPU per row, less parsing for the server
        for valid in valid_rows:
            copy.write_row(valid)


def _decide_staged(
    conn: psycopg.Connection[Any], validator: RowValidator, summary: ImportSummary, *, key_id: str, force: bool
) -> None:
    """The staged rows' duplicates, recent-value check, decisions and inserts, counted into the summary."""
    if validator.shape.may_repeat_keys:
        _reject_duplicates(conn, summary)
    _check_against_recent(conn, validator, summary)
    summary.warnings = sorted(validator.warnings, key=lambda warning: warning.row)
    summary.stored_as = validator.stored_as
    downgrades = _decide_and_insert(
        conn,
        summary,
        key_id=key_id,
        force=force,
        period_range=(validator.shape.first_start, validator.shape.last_start),
    )
    summary.errors.extend(
        RowError(row, "status", "đã có số liệu chính thức; gửi force=true để thay (an official figure exists)")
        for row in downgrades
    )


# The reference of the recent-value plausibility rule, for the indicators with no target in the terms of their values
# (a multiple, a yearly change): per series the batch writes, the latest value stored for a period before the first
# one the batch writes (a correction of a slip is not compared with the slip). One index probe per series.
_RECENT_REFERENCES = """
SELECT s.indicator, s.region, o.value FROM (
    SELECT indicator, region, min(period_start) AS first_start FROM stage
    WHERE indicator = ANY(%(indicators)s) GROUP BY indicator, region
) s
CROSS JOIN LATERAL (
    SELECT value FROM observations o
    WHERE o.indicator = s.indicator AND o.region = s.region AND o.period_start < s.first_start
    ORDER BY o.period_start DESC, o.period DESC, o.revision DESC LIMIT 1
) o
WHERE o.value <> 0
"""
# The staged values at least `factor` times off their reference: the candidates indicators/plausibility.py words.
_FAR_FROM_RECENT = """
SELECT st.row, st.indicator, st.value, r.value
FROM stage st JOIN unnest(%(indicators)s::text[], %(regions)s::text[], %(values)s::float8[]) AS r (indicator, region, value)
    USING (indicator, region)
WHERE st.value <> 0 AND greatest(abs(st.value / r.value), abs(r.value / st.value)) >= %(factor)s
ORDER BY st.row
"""


def _check_against_recent(conn: psycopg.Connection[Any], validator: RowValidator, summary: ImportSummary) -> None:
    """Warn about (or, strict, refuse) values far off their series' latest stored value, where the indicator has no
    target to compare them with (the others were compared with their target while validated). 50,000 rows of 600
    such series: 0,1-0,2 s on the shared 2-core machine; batches of indicators with a target skip it."""
    if not validator.without_target_reference:
        return
    references = conn.execute(_RECENT_REFERENCES, {"indicators": sorted(validator.without_target_reference)}).fetchall()
    if not references:
        return
    indicators, regions, values = (list(column) for column in zip(*references, strict=True))
    params = {"indicators": indicators, "regions": regions, "values": values, "factor": SCALE_FACTOR}
    warned = {warning.row for warning in validator.warnings}
    refused: list[int] = []
    for row, indicator_code, value, latest in conn.execute(_FAR_FROM_RECENT, params).fetchall():
        if row in warned:
            continue
        indicator = validator.catalogue.indicators[indicator_code]
        warning = scale_warning(indicator, value, latest, "số liệu gần nhất")
        if warning is None:
            continue
        if validator.strict:
            summary.errors.append(RowError(row, "value", warning))
            refused.append(row)
        else:
            validator.warnings.append(RowError(row, "value", warning))
    if refused:
        conn.execute("DELETE FROM stage WHERE row = ANY(%s)", [refused])


def _ensure_stage(conn: psycopg.Connection[Any]) -> None:
    """The connection's staging table, created once in a transaction of its own, so that a batch that rolls back
    keeps it. Inside a caller's transaction, whose rollback would take it away, it is made sure of every time."""
    if conn in _CONNECTIONS_WITH_STAGE:
        return
    idle = conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with conn.transaction():
        conn.execute(_STAGE)
    if idle:
        _CONNECTIONS_WITH_STAGE.add(conn)


def _reject_duplicates(conn: psycopg.Connection[Any], summary: ImportSummary) -> None:
    """Rows repeating a key: identical repeats are ignored; repeats with other values are all rejected."""
    for rows, conflicting in conn.execute(_DUPLICATES).fetchall():
        if conflicting:
            listed = ", ".join(str(r) for r in rows[:10])
            summary.errors.extend(
                RowError(
                    r, "value", f"trùng chỉ tiêu, địa bàn, kỳ với giá trị khác ở các dòng {listed} (duplicate key)"
                )
                for r in rows
            )
            conn.execute("DELETE FROM stage WHERE row = ANY(%s)", [rows])
        else:
            summary.ignored += len(rows) - 1
            conn.execute("DELETE FROM stage WHERE row = ANY(%s)", [rows[1:]])


def _decide_and_insert(
    conn: psycopg.Connection[Any],
    summary: ImportSummary,
    *,
    key_id: str,
    force: bool,
    period_range: tuple[datetime | None, datetime | None],
) -> list[int]:
    """Run the decision statement, retrying when a concurrent batch took the same revision number first."""
    params = {
        "force": force,
        "ranks": STATUS_RANKS,
        "key_id": key_id,
        "max_errors": MAX_REPORTED_ERRORS,
        "first_start": period_range[0],
        "last_start": period_range[1],
    }
    # Planned for this batch's own period range (never prepared: a generic plan would not know it), the lookup probes
    # the chunks that range can reach and no other. TimescaleDB's ChunkAppend would exclude chunks again at run time
    # for every row's lookup (50,000 rows: 480 -> 130 ms without it).
    conn.execute("SET LOCAL timescaledb.enable_chunk_append = off")
    for attempt in range(_CONFLICT_RETRIES):
        try:
            with conn.transaction():
                holds_rows = conn.execute(_RANGE_HOLDS_ROWS, params, prepare=False).fetchone()
                latest = _LATEST if holds_rows is None or holds_rows[0] else _NOTHING_CURRENT
                statement = _DECIDE_AND_INSERT.replace("{latest}", latest)
                results = conn.execute(statement, params, prepare=False).fetchall()
            break
        except psycopg.errors.UniqueViolation:
            if attempt == _CONFLICT_RETRIES - 1:
                raise
    downgrades: list[int] = []
    for decision, count, downgrade_rows, _ in results:
        if decision == "downgrade":
            downgrades = list(downgrade_rows or [])
        else:
            setattr(summary, decision, getattr(summary, decision) + count)
    return downgrades
