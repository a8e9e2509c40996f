"""The periodic results report's content, built from the status board: pure (no I/O), rendered by docx.py, html.py
(and PDF from it) and xlsx.py.

Every figure comes from the board the API's /v1/status serves (ingest/board.py); this module only words it the way
Vietnamese reports do: the plan as printed ("2,5-3%", "trên 52%"), the actual with "ước" for estimates, a comparison
that suits the target (% of plan, or a difference in points for rates), and an assessment (Đạt, Vượt, Không đạt ...).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from api.report.words import (
    EXCEEDED,
    Comparison,
    Header,
    assessment,
    comparison,
    header_for,
    number,
    number_order,
    outcome_for,
    plan_text,
    report_period_vi,
    short_period,
)
from indicators.catalogue import Catalogue
from indicators.judgement import expected_series
from indicators.model import Indicator, Programme, Target, TargetBasis
from indicators.paths import path_periods, plan_for
from indicators.periods import Frequency, Period
from indicators.report_due import report_due
from indicators.status import Evaluation, Observation, Status
from indicators.units import UNITS

ROMAN = ("I", "II", "III", "IV")
NEEDS_A_PAGE = (Status.off_track, Status.missed)


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
        return "Về nhiệm vụ: không có nhiệm vụ nào trong phạm vi báo cáo."
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
    value, kind, text = comparison(indicator, target, outcome.actual, reported)
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
        period_vi=period.label_vi if period else f"Năm {target.period}",
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
        period.label_vi,
        overdue_since,
        office or "Chưa giao đơn vị báo cáo",
    )
