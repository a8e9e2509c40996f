"""The latest revision of each period of a series: the one rule for which value a period has.

Readers of the present read the view observations_current (migration 0004), which applies this rule. Readers of what
was known at a past moment filter the revisions (by recorded_at) before choosing, which a view cannot do: they build
their query with `latest_revisions`.
"""

from collections.abc import Sequence

from psycopg import sql


def latest_revisions(columns: Sequence[str], conditions: Sequence[str]) -> sql.Composed:
    """SELECT `columns` of the latest revision of every period of the observations meeting all `conditions` (SQL
    with named placeholders). Every key column is sorted descending: the primary key read backwards, so the latest
    revisions come without a sort."""
    return sql.SQL(
        "SELECT DISTINCT ON (indicator, region, period_start, period) {columns} FROM observations WHERE {where}"
        " ORDER BY indicator DESC, region DESC, period_start DESC, period DESC, revision DESC"
    ).format(
        columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
        where=sql.SQL(" AND ").join(map(sql.SQL, conditions or ["true"])),
    )
