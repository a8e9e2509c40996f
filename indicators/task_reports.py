"""Whether a progress report on a task holds together: its state and percent done agree, and its date is one the
report can bear."""

from datetime import date

from indicators.model import Programme
from indicators.numbers import format_vi_exact

TASK_STATES = ("not_started", "in_progress", "done", "cancelled")


def report_problems(
    programme: Programme, state: str, percent_done: float | None, reported_on: date, today: date
) -> list[tuple[str, str]]:
    """(field, message) for each inconsistency; an empty list when the report is sound.

    A report may be dated from the year before its programme starts (preparations) to the year after it ends (late
    reports), and never after today: 9999-12-31 and 0001-01-01 are slips, not dates."""
    problems: list[tuple[str, str]] = []
    if percent_done is not None:
        shown = format_vi_exact(percent_done)
        if not 0 <= percent_done <= 100:
            problems.append(("percent_done", f"tỷ lệ hoàn thành {shown}% nằm ngoài 0-100 (percent_done outside 0-100)"))
        elif state == "done" and percent_done != 100:
            problems.append(
                ("percent_done", f"đã hoàn thành nhưng mới {shown}% (state done needs percent_done 100 or none)")
            )
        elif state == "not_started" and percent_done != 0:
            problems.append(
                ("percent_done", f"chưa bắt đầu nhưng đã {shown}% (state not_started needs percent_done 0 or none)")
            )
    first = date(programme.start_year - 1, 1, 1)
    last = min(date(programme.end_year + 1, 12, 31), today)
    if not first <= reported_on <= last:
        problems.append(
            (
                "reported_on",
                f"ngày báo cáo {_vi_date(reported_on)} nằm ngoài {_vi_date(first)}-{_vi_date(last)} "
                f"(reported_on must lie between {first} and {last}: the programme's years, and not after today)",
            )
        )
    return problems


def _vi_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"  # strftime writes year 1 as "1"
