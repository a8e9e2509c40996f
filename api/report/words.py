"""How a Vietnamese report words the board's figures: periods ("Quý I/2024"), numbers (1.967; 7,5), the header
block, the plan as printed, the comparison with the plan and the assessment (Đạt, Vượt, Không đạt ...). Pure."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from indicators.model import Direction, Indicator, Programme, Target, TargetBasis, TargetKind
from indicators.numbers import format_vi
from indicators.paths import plan_for
from indicators.periods import Frequency, Period
from indicators.status import Evaluation, Status
from indicators.units import UNITS, Unit

ASSESSMENTS = {
    Status.achieved: "Đạt",
    Status.missed: "Không đạt",
    Status.on_track: "Đúng tiến độ",
    Status.at_risk: "Có nguy cơ",
    Status.off_track: "Chậm tiến độ",
    Status.no_data: "Chưa có số liệu",
    Status.not_computable: "Chưa đánh giá được",
}
EXCEEDED = "Vượt"
_SLACK = 1e-9


class Comparison(StrEnum):
    percent_of_plan = "percent_of_plan"  # actual / plan x 100
    difference = "difference"  # actual - the nearest end of the plan (points for rates)
    judged = "judged"  # the judged figure itself: a multiple, an average growth, a change on the previous year


@dataclass(frozen=True)
class Header:
    issuer_above: str  # "ĐẢNG BỘ TỈNH QUẢNG NGÃI" / "ỦY BAN NHÂN DÂN"
    issuer: str  # "TỈNH ỦY" / "TỈNH QUẢNG NGÃI"
    number_line: str  # "Số:     -BC/TU"
    motto: tuple[str, ...]  # ("ĐẢNG CỘNG SẢN VIỆT NAM",) or the national motto's two lines
    place_date: str  # "Quảng Ngãi, ngày 31 tháng 01 năm 2024"


_QUARTERS = ("I", "II", "III", "IV")


def number(value: float, decimals: int = 2) -> str:
    """Vietnamese format, at most `decimals` decimals, never "-0"."""
    rounded = round(value, decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    return format_vi(rounded)


def is_party_issuer(issuer: str) -> bool:
    """Party bodies (Tỉnh ủy, Ban Chấp hành / Ban Thường vụ Đảng bộ) head their documents with ĐẢNG CỘNG SẢN VIỆT
    NAM; state bodies (Ủy ban, Hội đồng nhân dân) with the national motto."""
    lowered = issuer.lower()
    return any(word in lowered for word in ("tỉnh ủy", "tỉnh uỷ", "đảng bộ", "ban thường vụ", "thành ủy", "huyện ủy"))


def header_for(programme: Programme, province_name: str, day: date) -> Header:
    place_date = f"{province_name}, ngày {day:%d} tháng {day:%m} năm {day.year}"
    if is_party_issuer(programme.issuer_vi):
        return Header(
            f"ĐẢNG BỘ TỈNH {province_name.upper()}",
            "TỈNH ỦY",
            "Số:       -BC/TU",
            ("ĐẢNG CỘNG SẢN VIỆT NAM",),
            place_date,
        )
    return Header(
        "ỦY BAN NHÂN DÂN",
        f"TỈNH {province_name.upper()}",
        "Số:       /BC-UBND",
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"),
        place_date,
    )


def reviewed_half(as_of: date) -> Period:
    """What a report dated `as_of` reviews: the latest half-year ended by then (H2 stands for the whole year)."""
    half = Period.containing(as_of, Frequency.half_year)
    return half if half.end <= as_of else half.previous()


def report_period_vi(as_of: date) -> str:
    half = reviewed_half(as_of)
    return f"6 tháng đầu năm {half.year}" if half.index == 1 else f"năm {half.year}"


def report_year(as_of: date) -> int:
    return reviewed_half(as_of).year


def _percent_like(unit: Unit) -> bool:
    return unit.symbol_vi == "%" or unit.code == "percentage_points"


# Words a target's clause starts with in a document's sentence ("Phấn đấu thu ngân sách | vượt mức ... trên 5%").
_TARGET_VERBS = re.compile(
    r"(?<!\w)(?:vượt|đạt|tăng|giảm|gấp|không quá|không vượt|không dưới|trên|dưới|khoảng|duy trì|ít nhất|tối thiểu"
    r"|tối đa|bình quân|bằng)(?!\w)",
    re.IGNORECASE,
)


def plan_text(indicator: Indicator, target: Target) -> str:
    """The target as a report prints it in the plan column: "1.910", "2,5-3%", "trên 52%", "từ -3,5% đến -3%".
    A target whose figure the document does not print (`derived`: 1,05 times from "vượt ... trên 5%", 10% from
    "tăng trưởng 2 con số") is printed in the document's own words, not in the figure computed from them."""
    if target.kind is TargetKind.qualitative:
        return target.quote
    if target.derived and target.quote.strip():
        return document_wording(target.quote)
    unit = UNITS[indicator.unit]
    suffix = "%" if unit.symbol_vi == "%" or target.basis is TargetBasis.average_growth else ""
    if target.kind is TargetKind.range:
        assert target.low is not None and target.high is not None
        low, high = number(target.low) + suffix, number(target.high) + suffix
        text = f"từ {low} đến {high}" if target.low < 0 else f"{number(target.low)}-{high}"
    else:
        assert target.value is not None
        value = number(target.value) + suffix
        text = {
            TargetKind.at_least: f"trên {value}" if target.strict else value,
            TargetKind.at_most: f"dưới {value}" if target.strict else f"không quá {value}",
            TargetKind.approx: f"khoảng {value}",
            TargetKind.exact: value,
        }[target.kind]
    match target.basis:
        case TargetBasis.average_growth:
            return f"bình quân {text}/năm"
        case TargetBasis.multiple_of_baseline:
            baseline = indicator.baseline
            if baseline is None:
                return f"gấp {text} lần"
            return f"gấp {text} lần {baseline.quote or f'năm {baseline.period.year}'}"
        case TargetBasis.change_per_period:
            verb = "giảm" if indicator.direction is Direction.lower else "tăng"
            points = " điểm %" if suffix == "%" else ""
            return f"{verb} {text}{points}/năm" if not points else f"{verb} {text.removesuffix('%')}{points}/năm"
        case TargetBasis.value:
            return text


def document_wording(quote: str) -> str:
    """The target's clause of a catalogue quote: from its first target verb on ("Phần đầu thu ngân sách vượt mức
    chỉ tiêu Trung ương giao trên 5%" -> "vượt mức chỉ tiêu Trung ương giao trên 5%"), the whole quote if it has
    none. The subject before the verb is the indicator's name, printed beside the plan."""
    text = " ".join(unicodedata.normalize("NFC", quote).split()).rstrip(" .;,")
    found = _TARGET_VERBS.search(text)
    return text[found.start() :] if found else text


def comparison(
    indicator: Indicator, target: Target | None, judged: float | None, reported: float | None
) -> tuple[float | None, Comparison | None, str]:
    if judged is None or reported is None or target is None or not target.computable:
        return None, None, ""
    unit = UNITS[indicator.unit]
    points = " điểm %" if _percent_like(unit) else f" {unit.symbol_vi}"
    match target.basis:
        case TargetBasis.multiple_of_baseline:
            return judged, Comparison.judged, f"gấp {number(judged)} lần"
        case TargetBasis.average_growth:
            return judged, Comparison.judged, f"bình quân {number(judged)}%/năm"
        case TargetBasis.change_per_period:
            # The judged change is an improvement in the good direction; say which way the value moved.
            rose = (judged >= 0) == (indicator.direction is Direction.higher)
            return judged, Comparison.judged, f"{'tăng' if rose else 'giảm'} {number(abs(judged))}{points}"
        case TargetBasis.value:
            pass
    low, high = target.bounds
    reference = low if indicator.direction is Direction.higher else high
    if not _percent_like(unit) and reference > 0:
        ratio = 100 * reported / reference
        return ratio, Comparison.percent_of_plan, f"{number(ratio, 1)}% KH"
    difference = reported - high if reported > high else reported - low if reported < low else 0.0
    if difference == 0:
        return 0.0, Comparison.difference, "trong khoảng KH" if low < high else "bằng KH"
    sign = "+" if difference > 0 else ""
    return difference, Comparison.difference, f"{sign}{number(difference)}{points}"


def assessment(indicator: Indicator, target: Target | None, outcome: "Outcome") -> str:
    """Đạt, or Vượt when the value is better than the demanding end of an at-least, at-most or range target."""
    status, actual, low, high = outcome.status, outcome.actual, outcome.low, outcome.high
    if status is not Status.achieved or actual is None or low is None or high is None or target is None:
        return ASSESSMENTS[status]
    if target.kind not in (TargetKind.at_least, TargetKind.at_most, TargetKind.range):
        return ASSESSMENTS[status]
    if plan_for(indicator).better is Direction.higher:
        exceeded = actual > high + _SLACK * max(1.0, abs(high))
    else:
        exceeded = actual < low - _SLACK * max(1.0, abs(low))
    return EXCEEDED if exceeded else ASSESSMENTS[status]


@dataclass(frozen=True)
class Outcome:
    """The judgement a row shows: the board's, or the outcome of the report's year that the board keeps beside a
    current target still without data (Evaluation.previous)."""

    period: str | None
    status: Status
    actual: float | None  # judged terms
    low: float | None
    high: float | None


def outcome_for(indicator: Indicator, e: Evaluation, year: int) -> Outcome:
    previous = e.previous  # the status engine's outcome of the target period before the current one
    if previous is not None and (e.period is None or Period.parse(e.period).year > year):
        target = indicator.target_for(Period.parse(previous.period).year)
        low = high = None
        if target is not None and target.computable and target.basis is TargetBasis.value:
            low, high = target.bounds
        return Outcome(previous.period, previous.status, previous.actual, low, high)
    return Outcome(e.period, e.status, e.actual, e.low, e.high)


def number_order(number: str | None) -> tuple[int, int, str]:
    """As printed: "2" before "3", "3" before "3a" and "12"; unnumbered last."""
    if not number:
        return (1, 0, "")
    match = re.match(r"\d+", number)
    return (0, int(match.group()) if match else 0, number)


def short_period(period: Period) -> str:
    match period.frequency:
        case Frequency.year:
            return str(period.year)
        case Frequency.half_year:
            return f"6T{period.index}/{period.year}"
        case Frequency.quarter:
            return f"Q{_QUARTERS[period.index - 1]}/{period.year}"
        case Frequency.month:
            return f"{period.index:02d}/{period.year}"
