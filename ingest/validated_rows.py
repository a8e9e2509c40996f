"""What validating a batch's rows gives: valid rows for the staging table, errors, periods stored as others.

Messages are in Vietnamese with the English in brackets: they are read by the statistics office that sent the row.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from indicators.clock import period_bounds
from indicators.periods import Period, PeriodError


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    field: str
    message: str


class ParsedPeriod(NamedTuple):
    period: Period
    text: str  # as stored: "2024-06"
    start: datetime  # midnight in Vietnam on its first day
    reported: Period | None = None  # the period as sent, when it is stored as another one ("2024-H1" as "2024-Q2")


@dataclass(frozen=True, slots=True)
class StoredAs:
    """A row whose period is stored as another: the import answer says so."""

    row: int
    sent: str
    period: str
    message: str


class ValidRow(NamedTuple):
    """A row ready for the staging table, its fields in the table's column order."""

    row: int
    indicator: str
    region: str
    period_start: datetime
    period: str
    value: float
    status: str
    note: str | None


@lru_cache(maxsize=65536)
def parse_period(text: str) -> ParsedPeriod | str:
    """Each period text of a batch parsed once (keyed by the text: rows repeat a few periods many times); the
    message when it is not a period."""
    if len(text) > 40:
        return "kỳ quá dài (period too long: it must look like 2024, 2024-H1, 2024-Q2 or 2024-06)"
    try:
        period = Period.parse(text)
    except PeriodError as error:
        return str(error)
    return ParsedPeriod(period, str(period), period_bounds(period)[0])
