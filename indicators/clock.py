"""The one clock: "today" and "now" are Vietnam's (Asia/Ho_Chi_Minh, UTC+7, no daylight saving), whatever the
server's own time zone. Nothing outside this module calls `date.today()` or defines the zone.

Functions that need the date take a `Clock` (any zero-argument callable returning the date) so that tests can run
the board at any moment; `vietnam_today` is the default.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from indicators.periods import Period

VIETNAM_ZONE_NAME = "Asia/Ho_Chi_Minh"
VIETNAM = ZoneInfo(VIETNAM_ZONE_NAME)

Clock = Callable[[], date]


def utc_now() -> datetime:
    """The current instant (aware, UTC): the one reading of the system clock, which tests may replace."""
    return datetime.now(UTC)


def vietnam_now() -> datetime:
    """The current instant, as Vietnam's wall-clock time (aware)."""
    return utc_now().astimezone(VIETNAM)


def vietnam_today() -> date:
    """Today's date in Vietnam (at 23:30 UTC it is already tomorrow there)."""
    return vietnam_now().date()


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in Vietnam: what "known by the end of that day" means."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=VIETNAM)


def period_bounds(period: Period) -> tuple[datetime, datetime]:
    """(start, end) of the period as instants in Vietnam: end is the first instant after it."""
    start = datetime.combine(period.start, time.min, tzinfo=VIETNAM)
    return start, end_of_day(period.end)
