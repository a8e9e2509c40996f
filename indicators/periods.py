"""Reporting periods: "2024", "2024-H1", "2024-Q2", "2024-06", and spans such as "2021-2030"."""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import total_ordering

from indicators.errors import InvalidInput


class Frequency(StrEnum):
    month = "month"
    quarter = "quarter"
    half_year = "half_year"
    year = "year"

    @property
    def periods_per_year(self) -> int:
        return {"month": 12, "quarter": 4, "half_year": 2, "year": 1}[self.value]

    @property
    def label_vi(self) -> str:
        return {"month": "tháng", "quarter": "quý", "half_year": "6 tháng", "year": "năm"}[self.value]


class PeriodError(InvalidInput, ValueError):
    pass


# The years a period, a target or a date in a request may name. Wide enough for every baseline and target of the
# documents; narrow enough that a period's neighbours and its bounds are always valid dates ("0000" and "9999" are
# typing slips, not years).
FIRST_YEAR = 1900
LAST_YEAR = 2100


def check_year(year: int, text: object) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise PeriodError(
            f"năm {year} của {text!r} nằm ngoài {FIRST_YEAR}-{LAST_YEAR} "
            f"(year {year} in {text!r} is outside {FIRST_YEAR}-{LAST_YEAR})"
        )
    return year


_PERIOD = re.compile(r"([0-9]{4})(?:-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?")  # ASCII digits: "\d" takes "٢٠٢٤" too


@total_ordering
@dataclass(frozen=True, slots=True)
class Period:
    """One reporting period; `index` counts from 1 within the year (month 6, quarter 2, half 1; 1 for a year)."""

    year: int
    frequency: Frequency
    index: int = 1

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = _PERIOD.fullmatch(text.strip())
        if not match:
            raise PeriodError(
                f"kỳ {text!r} không hợp lệ, cần dạng 2024, 2024-H1, 2024-Q2 hoặc 2024-06 "
                "(period must look like 2024, 2024-H1, 2024-Q2 or 2024-06)"
            )
        year, part = check_year(int(match.group(1)), text), match.group(2)
        if part is None:
            return cls(year, Frequency.year)
        if part[0] == "H":
            return cls(year, Frequency.half_year, int(part[1]))
        if part[0] == "Q":
            return cls(year, Frequency.quarter, int(part[1]))
        return cls(year, Frequency.month, int(part))

    @classmethod
    def containing(cls, day: date, frequency: Frequency) -> "Period":
        months_per_period = 12 // frequency.periods_per_year
        return cls(day.year, frequency, (day.month - 1) // months_per_period + 1)

    def __str__(self) -> str:
        match self.frequency:
            case Frequency.year:
                return f"{self.year}"
            case Frequency.half_year:
                return f"{self.year}-H{self.index}"
            case Frequency.quarter:
                return f"{self.year}-Q{self.index}"
            case Frequency.month:
                return f"{self.year}-{self.index:02d}"

    @property
    def label_vi(self) -> str:
        """How Vietnamese documents and forms name the period: "Năm 2025", "6 tháng đầu năm 2025", "Quý III/2025",
        "Tháng 9/2025"."""
        match self.frequency:
            case Frequency.year:
                return f"Năm {self.year}"
            case Frequency.half_year:
                return f"6 tháng {'đầu' if self.index == 1 else 'cuối'} năm {self.year}"
            case Frequency.quarter:
                return f"Quý {('I', 'II', 'III', 'IV')[self.index - 1]}/{self.year}"
            case Frequency.month:
                return f"Tháng {self.index}/{self.year}"

    @property
    def months(self) -> int:
        return 12 // self.frequency.periods_per_year

    @property
    def start(self) -> date:
        return date(self.year, (self.index - 1) * self.months + 1, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        return self.next().start - timedelta(days=1)

    @property
    def year_fraction(self) -> float:
        """Share of the calendar year elapsed at the end of this period (June -> 0.5, Q3 -> 0.75)."""
        return self.index * self.months / 12

    @property
    def position(self) -> float:
        """Time of the period's end in fractional years (2023 -> 2024.0, 2024-H1 -> 2024.5): for paths."""
        return self.year + self.year_fraction

    def next(self) -> "Period":
        if self.index < self.frequency.periods_per_year:
            return Period(self.year, self.frequency, self.index + 1)
        return Period(self.year + 1, self.frequency, 1)

    def previous(self) -> "Period":
        if self.index > 1:
            return Period(self.year, self.frequency, self.index - 1)
        return Period(self.year - 1, self.frequency, self.frequency.periods_per_year)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        # Periods ending together sort shortest first: a year's figure comes after its December or Q4 figure.
        return (self.end, -self.start.toordinal()) < (other.end, -other.start.toordinal())


@dataclass(frozen=True, slots=True)
class Span:
    """A target period: one year ("2025") or a span of years ("2021-2030"), inclusive."""

    first_year: int
    last_year: int

    @classmethod
    def parse(cls, text: str | int) -> "Span":
        text = str(text).strip()
        match = re.fullmatch(r"([0-9]{4})(?:\s*-\s*([0-9]{4}))?", text)
        if not match:
            raise PeriodError(
                f"{text!r} không phải năm hay giai đoạn (not a year or a span of years such as 2021-2030)"
            )
        first = check_year(int(match.group(1)), text)
        last = check_year(int(match.group(2) or first), text)
        if last < first:
            raise PeriodError(f"giai đoạn {text!r} kết thúc trước khi bắt đầu (span ends before it starts)")
        return cls(first, last)

    def __str__(self) -> str:
        return str(self.first_year) if self.first_year == self.last_year else f"{self.first_year}-{self.last_year}"

    def contains_year(self, year: int) -> bool:
        return self.first_year <= year <= self.last_year
