"""The direct path of a batch: its valid rows COPYed straight into observations, as revision 1, while the body is still
being read and validated, so that PostgreSQL inserts while Python reads on (two processes, two cores).

It is right exactly when none of the batch's keys is stored yet and none repeats within the batch (new periods
arriving, the usual batch): every stored key has a revision 1, so the primary key (indicator, region, period_start,
period, revision) raises UniqueViolation for any key that is not new, and ingest.observations then rolls back to the
savepoint around this COPY and writes the batch the staged way. What the staged path decides from the staging table
(duplicate keys, the recent-value plausibility rule) makes the validator's flags ask for the staged path at once.
"""

from collections.abc import Iterable
from typing import Any

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
    as soon as the validator's flags ask for the staged path (the COPY is abandoned), UniqueViolation at its end when
    a key was not new."""
    # The flags are read from objects fetched once: the validator's properties would be two calls a row.
    shape, judged_against_recent = validator.shape, validator.without_target_reference
    written: dict[tuple[str, str], int] = {}
    with conn.cursor().copy(_COPY) as copy:
        copy.set_types(_TYPES)
        write_row = copy.write_row
        for row in valid_rows:
            if shape.may_repeat_keys or judged_against_recent:
                raise NeedsStaging()
            write_row((row[1], row[2], row[3], row[4], 1, row[5], row[6], row[7], key_id))
            series = (row[1], row[2])
            written[series] = written.get(series, 0) + 1
    return written


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
