"""An office's reporting form: the rows due (indicators/forms.py) with the last value reported for each series."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from indicators.catalogue import Catalogue
from indicators.forms import DueRow, due_rows
from indicators.periods import Period
from ingest.keys import ALL, ApiKey, list_keys

LastValue = tuple[Period, float]


@dataclass(frozen=True)
class FormRow:
    due: DueRow
    last: LastValue | None  # the latest value reported for the series up to this period


@dataclass(frozen=True)
class Form:
    office: str
    programme: str | None
    first: Period
    last: Period
    rows: list[FormRow]


def office_scope(conn: psycopg.Connection[Any], office: str) -> ApiKey:
    """The scope of an office's active keys together (for `chitieu template --office`), as one key."""
    keys = [key for key in list_keys(conn) if key.office == office and key.revoked_at is None]
    if not keys:
        raise LookupError(office)
    regions = sorted({code for key in keys for code in key.regions})
    programmes = sorted({code for key in keys for code in key.programmes})
    return ApiKey("", office, [ALL] if ALL in regions else regions, [ALL] if ALL in programmes else programmes,
                  keys[0].created_at, None, None)  # fmt: skip


def build_form(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    key: ApiKey,
    first: Period,
    last: Period,
    programme: str | None = None,
) -> Form:
    rows = due_rows(
        catalogue,
        first.start,
        last.end,
        may_write=key.may_write,
        office_regions=[code for code in key.regions if code != ALL],
        programme=programme,
    )
    latest = _reported(conn, {(row.indicator.code, row.region) for row in rows}, last.end)
    form_rows = []
    for row in rows:
        history = latest.get((row.indicator.code, row.region), [])
        before = [entry for entry in history if not row.period < entry[0]]
        form_rows.append(FormRow(row, before[-1] if before else None))
    return Form(key.office, programme, first, last, form_rows)


def _reported(
    conn: psycopg.Connection[Any], pairs: set[tuple[str, str]], last_day: date
) -> dict[tuple[str, str], list[LastValue]]:
    """The current value of every period of the series, each series sorted by period."""
    if not pairs:
        return {}
    indicators, regions = zip(*sorted(pairs), strict=True)
    found: dict[tuple[str, str], list[LastValue]] = defaultdict(list)
    for indicator, region, period, value in conn.execute(
        "SELECT DISTINCT ON (indicator, region, period_start, period) indicator, region, period, value"
        " FROM observations"
        " WHERE (indicator, region) IN (SELECT * FROM unnest(%s::text[], %s::text[])) AND period_start <= %s"
        " ORDER BY indicator, region, period_start, period, revision DESC",
        [list(indicators), list(regions), last_day],
    ):
        found[(indicator, region)].append((Period.parse(period), value))
    for history in found.values():
        history.sort(key=lambda entry: entry[0])
    return found
