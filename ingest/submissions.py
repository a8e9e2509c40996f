"""The submissions summary (migration 0006): one row per indicator per write, kept by the ingest statement
(ingest/observations.py) and rebuilt here from observations after rows were written another way (raw COPY, by hand).
Each row's region_set (migration 0018, the key the offices panel groups writes by) is generated from its regions, so
whatever writes the regions, here or anywhere else, writes the key with them.
"""

from typing import Any

import psycopg

# The same statement as the backfill in migration 0006: every row a transaction writes shares its recorded_at.
REBUILD = """
INSERT INTO submissions (recorded_at, key_id, indicator, rows, regions)
SELECT recorded_at, key_id, indicator, count(*), array_agg(DISTINCT region ORDER BY region)
FROM observations
GROUP BY recorded_at, key_id, indicator
"""


def rebuild_submissions(conn: psycopg.Connection[Any]) -> int:
    """Rewrite submissions from observations in one transaction; return the number of rows written."""
    with conn.transaction():
        conn.execute("DELETE FROM submissions")
        written = conn.execute(REBUILD).rowcount
    conn.execute("ANALYZE submissions")
    return written
