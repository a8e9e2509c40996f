"""The periodic results report's content, built from the status board: pure (no I/O), rendered by docx.py, html.py
(and PDF from it) and xlsx.py.

Every figure comes from the board the API's /v1/status serves (ingest/board.py); this module only words it the way
Vietnamese reports do: the plan as printed ("2,5-3%", "trên 52%"), the actual with "ước" for estimates, a comparison
that suits the target (% of plan, or a difference in points for rates), and an assessment (Đạt, Vượt, Không đạt ...).
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from indicators.catalogue import Catalogue
from indicators.model import Direction, Indicator, Programme, Target, TargetBasis, TargetKind
from indicators.numbers import format_vi
from indicators.paths import plan_for
from indicators.periods import Frequency, Period
from indicators.status import Evaluation, Observation, Status, expected_series, report_due
from indicators.units import UNITS, Unit
from ingest.board import path_periods

ROMAN = ("I", "II", "III", "IV")
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
NEEDS_A_PAGE = (Status.off_track, Status.missed)
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


@dataclass(frozen=True)
class Row:
    indicator: str
    region: str
    number: str  # STT as printed ("1", "3a"); "" when the document numbers none
    name: str
    unit: str
    plan: str
    actual: float | None  # the reported value of the period judged
    actual_text: str  # "1.967", "Ước 6"
    estimate: bool
    period: str  # "2023", "2024-Q1"
    period_vi: str  # "Năm 2023", "Quý I/2024"
    comparison: float | None
    comparison_kind: Comparison | None
    comparison_text: str
    assessment: str
    status: Status
    decimals: int  # for display


@dataclass(frozen=True)
class RegionTable:
    code: str
    name: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class ChartLine:
    label: str
    points: tuple[tuple[date, float], ...]


@dataclass(frozen=True)
class IndicatorPage:
    """A page for an indicator off track or missed: what the chart draws and what the text says."""

    row: Row
    region_name: str
    actuals: tuple[ChartLine, ...]  # one line per period kind (năm, quý ...), each value at its period's end
    path: tuple[tuple[date, float | None, float | None, float | None], ...]  # (period end, expected, low, high)
    projection: tuple[tuple[date, float], tuple[date, float]] | None  # from the value judged to the target's end
    projection_text: str
    quotes: tuple[str, ...]  # the targets as the document words them, each with its period
    reason: str | None
    ticks: tuple[tuple[date, str], ...]  # where the periods end, and their short names
    steps: bool  # each year has a target of its own (a flow or a yearly rate): the path is not a line


@dataclass(frozen=True)
class OverdueReport:
    number: str
    name: str
    region_name: str
    period_vi: str  # the period whose figure is missing
    overdue_since: date
    office: str


@dataclass(frozen=True)
class TaskFact:
    section: str
    title: str
    leads: str
    time_frame: str
    due: date | None
    state: str | None  # not_started | in_progress | done | cancelled | None (no report)
    overdue: bool


@dataclass(frozen=True)
class Report:
    programme: Programme
    as_of: date
    known_at: date | None
    header: Header
    title: str  # "BÁO CÁO"
    subject: str  # "Kết quả thực hiện các chỉ tiêu năm 2023"
    document: str  # the programme's title (and number)
    period_vi: str
    introduction: str
    summary: tuple[str, ...]
    tables: tuple[RegionTable, ...]
    pages: tuple[IndicatorPage, ...]
    overdue_reports: tuple[OverdueReport, ...]
    overdue_tasks: tuple[TaskFact, ...]

    @property
    def rows(self) -> list[Row]:
        return [row for table in self.tables for row in table.rows]

    @property
    def file_stem(self) -> str:
        """The file name (without extension) a download gets: Vietnamese, dated."""
        return f"Báo cáo kết quả thực hiện chỉ tiêu {self.programme.id} đến {self.as_of:%d-%m-%Y}"


# --- Words. ---------------------------------------------------------------------------------------------------------

_QUARTERS = ("I", "II", "III", "IV")


def period_vi(period: Period) -> str:
    match period.frequency:
        case Frequency.year:
            return f"Năm {period.year}"
        case Frequency.half_year:
            return f"6 tháng {'đầu' if period.index == 1 else 'cuối'} năm {period.year}"
        case Frequency.quarter:
            return f"Quý {_QUARTERS[period.index - 1]}/{period.year}"
        case Frequency.month:
            return f"Tháng {period.index}/{period.year}"


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


def plan_text(indicator: Indicator, target: Target) -> str:
    """The target as a report prints it in the plan column: "1.910", "2,5-3%", "trên 52%", "từ -3,5% đến -3%"."""
    if target.kind is TargetKind.qualitative:
        return target.quote
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


def _comparison(
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
    previous = getattr(e, "previous", None)  # the status engine's outcome of the target period before the current
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


# --- The report. ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardInput:
    """What the loader read: the board as /v1/status serves it, the series it was judged from, and per reported
    period the status (estimate ...) and office of its latest revision."""

    evaluations: Sequence[Evaluation]
    series: Mapping[tuple[str, str], Sequence[Observation]]
    period_facts: Mapping[tuple[str, str, str], tuple[str, str]]  # (indicator, region, period) -> (status, office)
    tasks: Sequence[TaskFact]
    grace_days: int
    report_year: int


def build_report(
    catalogue: Catalogue, programme_id: str, as_of: date, board: BoardInput, known_at: date | None = None
) -> Report:
    programme = catalogue.programmes[programme_id]
    province_name = catalogue.regions[programme.province].name_vi
    rows_by_region: dict[str, list[Row]] = {}
    pages: list[IndicatorPage] = []
    overdue: list[OverdueReport] = []
    for e in board.evaluations:
        indicator = catalogue.indicators[e.indicator]
        series = [o for o in board.series.get((e.indicator, e.region), ()) if o.period.end <= as_of]
        row = _row(indicator, e, series, board)
        rows_by_region.setdefault(e.region, []).append(row)
        region_name = _region_name(catalogue, e.region)
        if row.status in NEEDS_A_PAGE:
            pages.append(_page(catalogue, indicator, e, row, series, region_name))
        if e.report_overdue:
            overdue.append(_overdue(catalogue, indicator, e, series, board, region_name))
    tables = tuple(
        RegionTable(code, _region_name(catalogue, code), tuple(sorted(rows, key=lambda r: number_order(r.number))))
        for code, rows in sorted(rows_by_region.items(), key=lambda item: (item[0] != programme.province, item[0]))
    )
    period = report_period_vi(as_of)
    document = programme.title_vi + (f" (số {programme.document_number})" if programme.document_number else "")
    known = f", theo số liệu đã nhận đến ngày {known_at:%d/%m/%Y}" if known_at else ""
    introduction = (
        f"Thực hiện {document}, trên cơ sở số liệu các cơ quan thống kê, sở, ngành báo cáo đến ngày "
        f"{as_of:%d/%m/%Y}{known}, kết quả thực hiện các chỉ tiêu {period} như sau:"
    )
    rows = [row for table in tables for row in table.rows]
    pages.sort(key=lambda p: (-p.row.status.severity, number_order(p.row.number)))
    return Report(
        programme=programme,
        as_of=as_of,
        known_at=known_at,
        header=header_for(programme, province_name, as_of),
        title="BÁO CÁO",
        subject=f"Kết quả thực hiện các chỉ tiêu {period}",
        document=document,
        period_vi=period,
        introduction=introduction,
        summary=(indicator_summary(rows, len(tables) > 1), task_summary(board.tasks)),
        tables=tables,
        pages=tuple(pages),
        overdue_reports=tuple(sorted(overdue, key=lambda o: (o.overdue_since, number_order(o.number)))),
        overdue_tasks=tuple(sorted((t for t in board.tasks if t.overdue), key=lambda t: (t.due or as_of, t.section))),
    )


def indicator_summary(rows: Sequence[Row], several_regions: bool) -> str:
    total = len(rows)
    if total == 0:
        return "Chương trình chưa có chỉ tiêu nào được theo dõi."
    achieved = [r for r in rows if r.status is Status.achieved]
    exceeded = sum(1 for r in achieved if r.assessment == EXCEEDED)
    parts = []
    if achieved:
        detail = f" (trong đó {exceeded} chỉ tiêu vượt)" if exceeded else ""
        parts.append(f"{len(achieved)}/{total} chỉ tiêu đạt và vượt kế hoạch{detail}")
    for status, words in (
        (Status.on_track, "đúng tiến độ"),
        (Status.at_risk, "có nguy cơ không đạt"),
        (Status.off_track, "chậm tiến độ"),
        (Status.missed, "không đạt"),
        (Status.no_data, "chưa có số liệu"),
        (Status.not_computable, "chưa đánh giá được (chỉ tiêu định tính hoặc thiếu số liệu gốc)"),
    ):
        count = sum(1 for r in rows if r.status is status)
        if count:
            parts.append(f"{count}/{total} chỉ tiêu {words}")
    scope = " (tính theo từng địa bàn)" if several_regions else ""
    return f"Về các chỉ tiêu{scope}: có " + "; ".join(parts) + "."


def task_summary(tasks: Sequence[TaskFact]) -> str:
    total = len(tasks)
    if total == 0:
        return "Về nhiệm vụ: chương trình không giao nhiệm vụ có thời hạn để theo dõi."
    done = sum(1 for t in tasks if t.state == "done")
    cancelled = sum(1 for t in tasks if t.state == "cancelled")
    late = sum(1 for t in tasks if t.overdue)
    on_time = total - done - cancelled - late
    parts = [f"đã hoàn thành {done}/{total} nhiệm vụ", f"đang thực hiện trong thời hạn {on_time}/{total} nhiệm vụ"]
    parts.append(f"quá hạn {late}/{total} nhiệm vụ")
    if cancelled:
        parts.append(f"đã hủy {cancelled}/{total} nhiệm vụ")
    return f"Về {total} nhiệm vụ được giao: " + "; ".join(parts) + "."


def _region_name(catalogue: Catalogue, code: str) -> str:
    region = catalogue.regions.get(code)
    return region.name_vi if region else code


def _target_for(indicator: Indicator, period: str | None, year: int) -> Target:
    """The target of the year of the value judged; without one, of the report's year or the next target after it."""
    if period:
        year = Period.parse(period).year
    later = sorted((t for t in indicator.targets if t.period.first_year > year), key=lambda t: t.period.first_year)
    return indicator.target_for(year) or (later[0] if later else indicator.final_target)


def _row(indicator: Indicator, e: Evaluation, series: Sequence[Observation], board: BoardInput) -> Row:
    unit = UNITS[indicator.unit]
    outcome = outcome_for(indicator, e, board.report_year)
    target = _target_for(indicator, outcome.period, board.report_year)
    reported = next((o.value for o in reversed(series) if str(o.period) == outcome.period), None)
    fact = board.period_facts.get((e.indicator, e.region, outcome.period or ""))
    estimate = fact is not None and fact[0] == "estimate"
    decimals = unit.decimals
    actual_text = "" if reported is None else ("Ước " if estimate else "") + number(reported, decimals)
    value, kind, text = _comparison(indicator, target, outcome.actual, reported)
    period = Period.parse(outcome.period) if outcome.period else None
    return Row(
        indicator=e.indicator,
        region=e.region,
        number=indicator.number or "",
        name=indicator.name_vi,
        unit=unit.symbol_vi,
        plan=plan_text(indicator, target),
        actual=reported,
        actual_text=actual_text,
        estimate=estimate,
        period=outcome.period or "",
        period_vi=period_vi(period) if period else f"Năm {target.period}",
        comparison=value,
        comparison_kind=kind,
        comparison_text=text,
        assessment=assessment(indicator, target, outcome),
        status=outcome.status,
        decimals=decimals,
    )


def _page(
    catalogue: Catalogue,
    indicator: Indicator,
    e: Evaluation,
    row: Row,
    series: Sequence[Observation],
    region_name: str,
) -> IndicatorPage:
    programme = catalogue.programmes[indicator.programme]
    by_kind: dict[Frequency, list[tuple[date, float]]] = {}
    for o in series:
        by_kind.setdefault(o.period.frequency, []).append((o.period.end, o.value))
    actuals = tuple(
        ChartLine(f"Thực hiện ({frequency.label_vi})", tuple(points))
        for frequency, points in sorted(by_kind.items(), key=lambda item: -item[0].periods_per_year)
    )
    plan = plan_for(indicator)
    path: tuple[tuple[date, float | None, float | None, float | None], ...] = ()
    projection = None
    if plan.basis is TargetBasis.value:
        periods = path_periods(indicator, programme.start_year, programme.end_year)
        path = tuple((p.end, ex, lo, hi) for p, ex, lo, hi in expected_series(indicator, e.region, series, periods))
        if e.projection is not None and e.actual is not None and e.period is not None:
            judged = Period.parse(e.period)
            year = judged.year if plan.per_year else plan.final_year
            projection = ((judged.end, e.actual), (date(year, 12, 31), e.projection))
    projection_text = ""
    if e.projection is not None:
        verdict = {True: "dự báo đạt", False: "dự báo không đạt", None: ""}[e.projection_meets_target]
        projection_text = f"Dự báo đến cuối kỳ: {number(e.projection)} ({verdict})" if verdict else ""
    quotes = tuple(dict.fromkeys(f"Năm {t.period}: “{t.quote}”" for t in indicator.targets))
    reason = e.reason if row.period == (e.period or "") else None
    periods = sorted(
        {o.period for o in series} | set(path_periods(indicator, programme.start_year, programme.end_year))
    )
    ticks = tuple((p.end, short_period(p)) for p in periods)
    return IndicatorPage(
        row, region_name, actuals, path, projection, projection_text, quotes, reason, ticks, plan.per_year
    )


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


def _overdue(
    catalogue: Catalogue,
    indicator: Indicator,
    e: Evaluation,
    series: Sequence[Observation],
    board: BoardInput,
    region_name: str,
) -> OverdueReport:
    due = report_due(indicator, series, board.grace_days)
    assert due is not None  # the engine found it overdue
    period, overdue_since = due
    office = catalogue.agencies[indicator.owner].name_vi if indicator.owner in catalogue.agencies else ""
    if not office and series:
        fact = board.period_facts.get((e.indicator, e.region, str(series[-1].period)))
        office = fact[1] if fact else ""
    return OverdueReport(
        indicator.number or "",
        indicator.name_vi,
        region_name,
        period_vi(period),
        overdue_since,
        office or "Chưa giao đơn vị báo cáo",
    )
