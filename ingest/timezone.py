"""Period boundaries as instants: a period starts and ends at midnight in Vietnam (UTC+7, no daylight saving)."""

from datetime import datetime, time, timedelta, timezone

from indicators.periods import Period

VIETNAM = timezone(timedelta(hours=7), "ICT")


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """(start, end) of the period: end is the first instant after it."""
    start = datetime.combine(period.start, time.min, tzinfo=VIETNAM)
    end = datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=VIETNAM)
    return start, end
