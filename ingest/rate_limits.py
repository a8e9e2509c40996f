"""Token buckets per API key in PostgreSQL (rate_limit_buckets), shared by every API process on the database.

One statement per write: the bucket is refilled for the time since it was last counted, capped at its capacity, and
a token is taken if one is there; the row lock makes concurrent writes of one key take turns.
"""

from typing import Any

import psycopg

_TAKE = """
WITH clock AS (SELECT coalesce(%(now)s::double precision, extract(epoch FROM clock_timestamp())) AS now)
INSERT INTO rate_limit_buckets AS bucket (key_id, tokens, counted_at, granted)
SELECT %(key_id)s, %(capacity)s - 1, clock.now, true FROM clock
ON CONFLICT (key_id) DO UPDATE SET (tokens, counted_at, granted) = (
    SELECT CASE WHEN refilled >= 1 THEN refilled - 1 ELSE refilled END, greatest(bucket.counted_at, now), refilled >= 1
    FROM (
        SELECT least(%(capacity)s, bucket.tokens + greatest(0, clock.now - bucket.counted_at) * %(per_second)s)
            AS refilled, clock.now
        FROM clock
    ) AS counted
)
RETURNING tokens, granted
"""


def take_token(
    conn: psycopg.Connection[Any], key_id: str, capacity: int, per_second: float, now: float | None = None
) -> float:
    """Take a token from the key's bucket (`capacity` tokens, refilled at `per_second`): 0 when one was taken, else
    the seconds until one is there. `now` (seconds since the epoch) replaces the database's clock in tests."""
    row = conn.execute(
        _TAKE, {"key_id": key_id, "capacity": float(capacity), "per_second": per_second, "now": now}
    ).fetchone()
    assert row is not None
    tokens, granted = row
    return 0.0 if granted else (1 - float(tokens)) / per_second
