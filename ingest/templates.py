"""An office's reporting form: the rows due (indicators/forms.py) with the last value reported for each series."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
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


def office_keys(conn: psycopg.Connection[Any], office: str) -> list[ApiKey]:
    """The office's active keys (for `chitieu template --office`); LookupError when it has none."""
    now = datetime.now(UTC)
    keys = [
        key
        for key in list_keys(conn)
        if key.office == office and key.revoked_at is None and (key.expires_at is None or key.expires_at > now)
    ]
    if not keys:
        raise LookupError(office)
    return keys


def build_form(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    keys: list[ApiKey],
    first: Period,
    last: Period,
    programme: str | None = None,
) -> Form:
    """The rows due that any of the keys (one office's) may write, each once, in catalogue order."""
    rows: dict[tuple[str, str, Period], DueRow] = {}
    for key in keys:
        for row in due_rows(
            catalogue,
            first.start,
            last.end,
            may_write=key.may_write,
            office_regions=[code for code in key.regions if code != ALL],
            programme=programme,
        ):
            rows.setdefault((row.indicator.code, row.region, row.period), row)
    latest = _reported(conn, {(row.indicator.code, row.region) for row in rows.values()}, last.end)
    form_rows = []
    for row in rows.values():
        history = latest.get((row.indicator.code, row.region), [])
        before = [entry for entry in history if not row.period < entry[0]]
        form_rows.append(FormRow(row, before[-1] if before else None))
    return Form(keys[0].office, programme, first, last, form_rows)


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
