"""What the periodic report needs beyond the status board: the status (ước, sơ bộ, chính thức) and the sending office
of the latest revision of each reported period."""

from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import class_row

from indicators.clock import end_of_day
from ingest.board_series import cutoff_for
from ingest.revisions import latest_revisions


@dataclass(frozen=True)
class PeriodFact:
    indicator: str
    region: str
    period: str
    status: str  # estimate | preliminary | official
    office: str  # the office of the key that sent the latest revision


def latest_period_facts(
    conn: psycopg.Connection[Any],
    indicators: list[str],
    as_of: date,
    region: str | None = None,
    known_by: date | None = None,
) -> dict[tuple[str, str, str], PeriodFact]:
    """The latest revision's status and office of every period of the indicators (ending by `as_of`), keyed by
    (indicator, region, period); with `known_by`, only revisions recorded by the end of that day (in Vietnam) count."""
    with conn.cursor(row_factory=class_row(PeriodFact)) as cur:
        latest = latest_revisions(
            ["indicator", "region", "period", "status", "key_id"],
            [
                "indicator = ANY(%(indicators)s)",
                "period_start < %(cutoff)s",
                "(%(region)s::text IS NULL OR region = %(region)s)",
                "(%(known)s::timestamptz IS NULL OR recorded_at < %(known)s)",
            ],
        )
        cur.execute(
            sql.SQL(
                "SELECT o.indicator, o.region, o.period, o.status, coalesce(k.office, o.key_id) AS office"
                " FROM ({}) o LEFT JOIN api_keys k ON k.id = o.key_id"
            ).format(latest),
            {
                "indicators": indicators,
                "cutoff": cutoff_for(as_of),
                "region": region,
                "known": end_of_day(known_by) if known_by is not None else None,
            },
        )
        return {(f.indicator, f.region, f.period): f for f in cur.fetchall()}
