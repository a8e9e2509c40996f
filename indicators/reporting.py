"""Which period a reported value is stored as (docs/status.md, "Kỳ báo cáo được lưu").

An indicator is stored in its own reporting frequency, or as a year. Offices also report the cumulative figures
they publish ("6 tháng đầu năm", "9 tháng"): for an indicator whose sub-annual values are year to date (flows,
growth rates, shares) or levels read at the period's end, such a figure *is* the value of the indicator's own period
that ends on the same day. "2024-H1" for a quarterly GRDP growth is stored as "2024-Q2"; "2024-09" as "2024-Q3".
Where the values are per period (a quarter alone), a half-year figure is not a quarter's and is refused.
"""

from indicators.model import Indicator, WithinYear
from indicators.periods import Frequency, Period


def stored_period(indicator: Indicator, period: Period) -> Period | str:
    """The period a value reported for `period` is stored as, or why it cannot be stored (Vietnamese, English)."""
    frequency = indicator.frequency
    if period.frequency in (frequency, Frequency.year):
        return period
    if period.frequency.periods_per_year < frequency.periods_per_year:
        # A longer sub-annual period (a half for a quarterly indicator, a quarter for a monthly one).
        if indicator.values_within_year is WithinYear.per_period:
            return _refused(
                indicator,
                period,
                f"giá trị {frequency.label_vi} của chỉ tiêu này là của riêng từng {frequency.label_vi}, "
                f"không cộng dồn: gửi từng {frequency.label_vi}",
                f"its {frequency.value} values are per {frequency.value}, not year to date: send each "
                f"{frequency.value}",
            )
        if period.frequency is Frequency.half_year and period.index == 2:
            return _refused(
                indicator,
                period,
                "6 tháng cuối năm không phải số cộng dồn: gửi số cả năm (2024) hoặc quý IV",
                "the second half is not a year-to-date figure: send the whole year (2024) or Q4",
            )
    same_end = Period.containing(period.end, frequency)
    if same_end.end != period.end:
        return _refused(
            indicator,
            period,
            f"kỳ {period} không kết thúc vào cuối một {frequency.label_vi}",
            f"{period} does not end where a {frequency.value} ends",
        )
    shorter = period.frequency.periods_per_year > frequency.periods_per_year
    if shorter and indicator.values_within_year is WithinYear.per_period:
        # A shorter period ending with one of the indicator's (month 9 for a quarterly indicator) is the same
        # cumulative figure when values are year to date or levels; a month alone is not a quarter's figure.
        return _refused(
            indicator,
            period,
            f"giá trị là của riêng từng {frequency.label_vi}: gửi theo {frequency.label_vi}",
            f"values are per {frequency.value}: send {frequency.value}s",
        )
    return same_end


def _refused(indicator: Indicator, period: Period, reason_vi: str, reason_en: str) -> str:
    frequency = indicator.frequency
    return (
        f"chỉ tiêu {indicator.code} báo cáo theo {frequency.label_vi}, không nhận kỳ {period}: {reason_vi} "
        f"(the indicator is reported by {frequency.value}; {period} cannot be stored: {reason_en})"
    )


def stored_as_message(sent: str, stored: Period, indicator: Indicator) -> str:
    """What the import answer says when a period is stored as another one."""
    kind = "số cộng dồn từ đầu năm" if indicator.values_within_year is WithinYear.year_to_date else "số cuối kỳ"
    kind_en = "year to date" if indicator.values_within_year is WithinYear.year_to_date else "level at the end"
    return (
        f"kỳ {sent} được lưu là {stored} ({kind} đến hết {stored.end:%d/%m/%Y}) "
        f"(stored as {stored}: the {kind_en} figure to {stored.end.isoformat()})"
    )
