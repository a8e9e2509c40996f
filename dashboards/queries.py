"""The SQL of every dashboard panel, template variable, annotation and Grafana alert rule.

Each query is a `PanelQuery`: the exact text Grafana runs (with its macros and template variables still in it) and the
columns the panel reads. The dashboards are built from these objects and the tests run the same strings, expanded as
Grafana expands them (tests/grafana_macros.py), against TimescaleDB as the read-only role.

The queries read the board as the status engine last wrote it (indicator_status, indicator_path) rather than judge
anything in SQL, so what a leader sees is what the engine computed. Reported values and the target path are placed at
the end of their period (the first instant after it, in Vietnam); nothing is bucketed with `$__timeGroup`, whose
fixed-length buckets do not start on 1 January.

Column names are the Vietnamese headers the tables show; `ma_*` columns carry codes (the panels hide them) and the
"Chi tiết" column the link to an indicator's detail. Numbers leave the database rounded to the decimals of their unit
(indicators/units.py) as `numeric`, which has no negative zero: a leader never sees "-0" or "0.30000000000000004".
Charts draw one series per kind of period, so a year's figure is not joined to the first quarter's.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from dashboards.sql_query import SqlFormat
from dashboards.vocabulary import (
    BASIS_LABELS,
    DIRECTION_LABELS,
    FREQUENCY_LABELS,
    GROUP_LABELS,
    NO_TASK_REPORT,
    OBSERVATION_STATUS_LABELS,
    PROJECTION_MEETS,
    PROJECTION_MISSES,
    REPORT_ON_TIME,
    REPORT_OVERDUE,
    STATUS_DISPLAY_ORDER,
    STATUS_LABELS,
    STATUS_SEVERITY,
    TARGET_KIND_LABELS,
    TASK_STATE_LABELS,
)
from indicators.clock import VIETNAM_ZONE_NAME
from indicators.model import CLOSED_TASK_STATES, Group, TargetBasis
from indicators.periods import Frequency
from indicators.text import neutralise_formula_sql
from indicators.units import UNITS

TIMEZONE = VIETNAM_ZONE_NAME

# Template variables, in the `sqlstring` format: every value quoted as an SQL literal, several joined by commas.
# Several values are matched with `= ANY (ARRAY[...]::text[])`, which also holds when nothing is selected.
PROGRAMMES = "${programme:sqlstring}"
INDICATOR = "${indicator:sqlstring}"
REGION = "${region:sqlstring}"
AGENCIES = "${agency:sqlstring}"


@dataclass(frozen=True)
class PanelQuery:
    sql: str
    format: SqlFormat
    columns: tuple[str, ...]


def table(sql: str, *columns: str) -> PanelQuery:
    return PanelQuery(sql.strip(), SqlFormat.table, columns)


def series(sql: str, *columns: str) -> PanelQuery:
    return PanelQuery(sql.strip(), SqlFormat.time_series, ("time", *columns))


def literal(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def case(expression: str, labels: Mapping[str, str | int], default: str = "NULL") -> str:
    whens = " ".join(
        f"WHEN {literal(code)} THEN {value if isinstance(value, int) else literal(value)}"
        for code, value in labels.items()
    )
    return f"CASE {expression} {whens} ELSE {default} END"


def status_label(expression: str = "s.status") -> str:
    return case(expression, STATUS_LABELS, expression)


def status_severity(expression: str = "s.status") -> str:
    return case(expression, STATUS_SEVERITY, "0")


STATUS_COLUMNS = tuple(status.label_vi for status in STATUS_DISPLAY_ORDER)
STATUS_COUNTS = ", ".join(
    f'count(*) FILTER (WHERE s.status = {literal(status.value)}) AS "{status.label_vi}"'
    for status in STATUS_DISPLAY_ORDER
)
GROUP_LABEL = case('i."group"', {group.value: label for group, label in GROUP_LABELS.items()}, 'i."group"')
GROUP_ORDER = case('i."group"', {group.value: position for position, group in enumerate(Group)}, "99")
FREQUENCY_LABEL = case("i.frequency", FREQUENCY_LABELS, "i.frequency")
OBSERVATION_STATUS_LABEL = case("o.status", OBSERVATION_STATUS_LABELS, "o.status")
# Numbered as printed ("3", "3a", "12.1"): by the leading number, then as text; unnumbered last.
NUMBER_ORDER = "NULLIF(substring(i.number FROM '^[0-9]+'), '')::int NULLS LAST, i.number NULLS LAST, i.code"

UNITS_TABLE = (
    "(VALUES "
    + ", ".join(
        f"({literal(unit.code)}, {literal(unit.symbol_vi)}, {literal(unit.grafana)}, {'true' if unit.bounded else 'false'},"
        f" {unit.decimals})"
        for unit in UNITS.values()
    )
    + ") AS u (code, symbol_vi, grafana, bounded, decimals)"
)

# The basis of the final target (as Indicator.final_target picks it): the terms indicator_status is written in.
FINAL_TARGET = (
    "final_target AS (SELECT DISTINCT ON (indicator) indicator, basis, last_year FROM targets"
    " ORDER BY indicator, last_year DESC, first_year, ordinal)"
)
# The unit of the judged values: the indicator's own unless the final target judges a multiple, an average growth or
# a change on the previous year (in points for percentages).
JUDGED_UNIT = (
    f"CASE f.basis WHEN {literal(TargetBasis.multiple_of_baseline)} THEN 'lần'"
    f" WHEN {literal(TargetBasis.average_growth)} THEN '%/năm'"
    f" WHEN {literal(TargetBasis.change_per_period)} THEN"
    " CASE WHEN u.bounded OR i.unit = 'percent_change' THEN 'điểm %' ELSE u.symbol_vi END"
    " ELSE u.symbol_vi END"
)
# Judged values in the indicator's own unit keep its decimals (none for counts); multiples, rates and changes 2.
JUDGED_DECIMALS = f"CASE WHEN f.basis = {literal(TargetBasis.value)} THEN coalesce(u.decimals, 2) ELSE 2 END"


def rounded(expression: str, decimals: str = JUDGED_DECIMALS) -> str:
    """The value as `numeric` rounded to the unit's decimals: no float noise, and no "-0" (numeric has no -0)."""
    return f"round(({expression})::numeric, {decimals})"


BASIS_LABEL = case("f.basis", {basis.value: label for basis, label in BASIS_LABELS.items()}, "f.basis")
PROGRESS_PERCENT = "round((100 * s.progress_ratio)::numeric, 1)"
PROJECTION_LABEL = (
    f"CASE s.projection_meets_target WHEN true THEN {literal(PROJECTION_MEETS)}"
    f" WHEN false THEN {literal(PROJECTION_MISSES)} END"
)
REPORT_LABEL = f"CASE WHEN s.report_overdue THEN {literal(REPORT_OVERDUE)} ELSE {literal(REPORT_ON_TIME)} END"
TODAY_IN_VIETNAM = f"(($__timeTo())::timestamptz AT TIME ZONE {literal(TIMEZONE)})::date"
DETAIL_COLUMN = "Chi tiết"
# The link to the indicator's detail, with the codes in it: the panel shows it as a word (a regex value mapping).
DETAIL_URL = (
    "'/d/chitieu-indicator/?var-programme=' || i.programme || '&var-indicator=' || s.indicator"
    " || '&var-region=' || s.region"
)
# Where a reported period ends (the first instant after it, in Vietnam), from its text: 2024, 2024-H1, 2024-Q2, 2024-06.
PERIOD_LENGTH = (
    "CASE WHEN o.period ~ '^[0-9]{4}$' THEN interval '1 year' WHEN o.period ~ '-H' THEN interval '6 months'"
    " WHEN o.period ~ '-Q' THEN interval '3 months' ELSE interval '1 month' END"
)
PERIOD_END = f"((o.period_start AT TIME ZONE {literal(TIMEZONE)}) + {PERIOD_LENGTH}) AT TIME ZONE {literal(TIMEZONE)}"
# One series per kind of period: "Thực hiện (năm)", "Thực hiện (quý)" ...
ACTUAL_SERIES = {frequency: f"Thực hiện ({frequency.label_vi})" for frequency in Frequency}
PERIOD_KIND_LABEL = (
    f"CASE WHEN o.period ~ '^[0-9]{{4}}$' THEN {literal(Frequency.year.label_vi)}"
    f" WHEN o.period ~ '-H' THEN {literal(Frequency.half_year.label_vi)}"
    f" WHEN o.period ~ '-Q' THEN {literal(Frequency.quarter.label_vi)}"
    f" ELSE {literal(Frequency.month.label_vi)} END"
)
PERIOD_SERIES = f"'Thực hiện (' || {PERIOD_KIND_LABEL} || ')'"

BOARD_FROM = (
    "FROM indicator_status s"
    " JOIN indicators i ON i.code = s.indicator AND i.archived_at IS NULL"
    " JOIN regions r ON r.code = s.region"
)
BOARD_WITH_UNITS = (
    f"{BOARD_FROM}"
    " LEFT JOIN final_target f ON f.indicator = s.indicator"
    f" LEFT JOIN {UNITS_TABLE} ON u.code = i.unit"
    " LEFT JOIN agencies a ON a.code = i.owner"
)


# --- Template variables: each returns __value (the code) and __text (what the dropdown shows). -------------------

VARIABLE_COLUMNS = ("__value", "__text")


def programme_regions_variable(programme: str) -> PanelQuery:
    """The regions a programme's indicators are tracked or reported in."""
    p = literal(programme)
    return table(
        f"""
SELECT r.code AS __value, r.name_vi AS __text
FROM regions r
WHERE r.code IN (
    SELECT ir.region FROM indicator_regions ir JOIN indicators i ON i.code = ir.indicator
    WHERE i.programme = {p} AND i.archived_at IS NULL
    UNION
    SELECT s.region FROM indicator_status s JOIN indicators i ON i.code = s.indicator
    WHERE i.programme = {p} AND i.archived_at IS NULL)
ORDER BY r.name_vi
""",
        *VARIABLE_COLUMNS,
    )


PROGRAMMES_VARIABLE = table(
    """
SELECT id AS __value, title_vi AS __text
FROM programmes
WHERE archived_at IS NULL
ORDER BY start_year DESC, id
""",
    *VARIABLE_COLUMNS,
)

INDICATORS_VARIABLE = table(
    f"""
SELECT i.code AS __value, coalesce(i.number || '. ', '') || i.name_vi AS __text
FROM indicators i
WHERE i.archived_at IS NULL AND i.programme = ANY (ARRAY[{PROGRAMMES}]::text[])
ORDER BY {NUMBER_ORDER}
""",
    *VARIABLE_COLUMNS,
)

# Indicators tracked (or reported) in more than one region.
MULTI_REGION_INDICATORS_VARIABLE = table(
    f"""
SELECT i.code AS __value, coalesce(i.number || '. ', '') || i.name_vi AS __text
FROM indicators i
WHERE i.archived_at IS NULL AND i.programme = ANY (ARRAY[{PROGRAMMES}]::text[])
  AND (SELECT count(*) FROM (
        SELECT ir.region FROM indicator_regions ir WHERE ir.indicator = i.code
        UNION
        SELECT s.region FROM indicator_status s WHERE s.indicator = i.code) AS tracked) > 1
ORDER BY {NUMBER_ORDER}
""",
    *VARIABLE_COLUMNS,
)

INDICATOR_REGIONS_VARIABLE = table(
    f"""
SELECT r.code AS __value, r.name_vi AS __text
FROM regions r
WHERE r.code IN (
    SELECT ir.region FROM indicator_regions ir WHERE ir.indicator = {INDICATOR}
    UNION
    SELECT s.region FROM indicator_status s WHERE s.indicator = {INDICATOR})
ORDER BY r.parent NULLS FIRST, r.name_vi
""",
    *VARIABLE_COLUMNS,
)

TASK_AGENCIES_VARIABLE = table(
    f"""
SELECT DISTINCT a.code AS __value, a.name_vi AS __text
FROM tasks t
CROSS JOIN LATERAL unnest(t.lead) AS lead (code)
JOIN agencies a ON a.code = lead.code
WHERE t.archived_at IS NULL AND t.programme = ANY (ARRAY[{PROGRAMMES}]::text[])
ORDER BY __text
""",
    *VARIABLE_COLUMNS,
)


# --- Leaders' overview, one dashboard per programme. -------------------------------------------------------------


def overview_summary(programme: str) -> PanelQuery:
    return table(
        f"""
SELECT to_char(max(s.as_of), 'DD/MM/YYYY') AS "Số liệu tính đến ngày",
       count(DISTINCT s.indicator) AS "Số chỉ tiêu"
{BOARD_FROM}
WHERE i.programme = {literal(programme)} AND s.region = ANY (ARRAY[{REGION}]::text[])
""",
        "Số liệu tính đến ngày",
        "Số chỉ tiêu",
    )


def overview_status_counts(programme: str) -> PanelQuery:
    return table(
        f"""
SELECT {STATUS_COUNTS}
{BOARD_FROM}
WHERE i.programme = {literal(programme)} AND s.region = ANY (ARRAY[{REGION}]::text[])
""",
        *STATUS_COLUMNS,
    )


def overview_group_counts(programme: str) -> PanelQuery:
    return table(
        f"""
SELECT {GROUP_LABEL} AS "Nhóm chỉ tiêu", count(*) AS "Tổng số", {STATUS_COUNTS}
{BOARD_FROM}
WHERE i.programme = {literal(programme)} AND s.region = ANY (ARRAY[{REGION}]::text[])
GROUP BY i."group"
ORDER BY {GROUP_ORDER}
""",
        "Nhóm chỉ tiêu",
        "Tổng số",
        *STATUS_COLUMNS,
    )


BOARD_COLUMNS = (
    "Số TT",
    "Chỉ tiêu",
    "Địa bàn",
    "Kỳ",
    "Thực hiện",
    "Kế hoạch kỳ",
    "Mục tiêu",
    "Đơn vị",
    "Tiến độ (%)",
    "Dự báo cuối kỳ",
    "Dự báo",
    "Trạng thái",
    "Báo cáo",
    "Ghi chú",
    DETAIL_COLUMN,
    "ma_chuong_trinh",
    "ma_chi_tieu",
    "ma_dia_ban",
)


def overview_board(programme: str) -> PanelQuery:
    """One row per indicator and region: the board, worst first."""
    return table(
        f"""
WITH {FINAL_TARGET}
SELECT i.number AS "Số TT", i.name_vi AS "Chỉ tiêu", r.name_vi AS "Địa bàn", s.period AS "Kỳ",
       {rounded("s.actual")} AS "Thực hiện", {rounded("s.expected")} AS "Kế hoạch kỳ",
       {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị", {PROGRESS_PERCENT} AS "Tiến độ (%)",
       {rounded("s.projection")} AS "Dự báo cuối kỳ", {PROJECTION_LABEL} AS "Dự báo",
       {status_label()} AS "Trạng thái", {REPORT_LABEL} AS "Báo cáo", s.reason AS "Ghi chú",
       {DETAIL_URL} AS "{DETAIL_COLUMN}",
       i.programme AS ma_chuong_trinh, s.indicator AS ma_chi_tieu, s.region AS ma_dia_ban
{BOARD_WITH_UNITS}
WHERE i.programme = {literal(programme)} AND s.region = ANY (ARRAY[{REGION}]::text[])
ORDER BY {status_severity()} DESC, {NUMBER_ORDER}, r.name_vi
""",
        *BOARD_COLUMNS,
    )


OFF_TRACK_COLUMNS = (
    "Chỉ tiêu",
    "Địa bàn",
    "Kỳ",
    "Thực hiện",
    "Kế hoạch kỳ",
    "Mục tiêu",
    "Đơn vị",
    "Tiến độ (%)",
    "Trạng thái",
    "Cơ quan chủ trì",
    DETAIL_COLUMN,
    "ma_chuong_trinh",
    "ma_chi_tieu",
    "ma_dia_ban",
)


def overview_off_track(programme: str) -> PanelQuery:
    """Indicators off their path, and final targets missed."""
    return table(
        f"""
WITH {FINAL_TARGET}
SELECT i.name_vi AS "Chỉ tiêu", r.name_vi AS "Địa bàn", s.period AS "Kỳ", {rounded("s.actual")} AS "Thực hiện",
       {rounded("s.expected")} AS "Kế hoạch kỳ", {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị",
       {PROGRESS_PERCENT} AS "Tiến độ (%)", {status_label()} AS "Trạng thái", a.name_vi AS "Cơ quan chủ trì",
       {DETAIL_URL} AS "{DETAIL_COLUMN}",
       i.programme AS ma_chuong_trinh, s.indicator AS ma_chi_tieu, s.region AS ma_dia_ban
{BOARD_WITH_UNITS}
WHERE i.programme = {literal(programme)} AND s.region = ANY (ARRAY[{REGION}]::text[])
  AND s.status IN ('off_track', 'missed')
ORDER BY {status_severity()} DESC, {NUMBER_ORDER}, r.name_vi
""",
        *OFF_TRACK_COLUMNS,
    )


OVERDUE_COLUMNS = (
    "Chỉ tiêu",
    "Địa bàn",
    "Tần suất",
    "Kỳ có số liệu gần nhất",
    "Gửi lần cuối",
    "Cơ quan chủ trì",
    DETAIL_COLUMN,
    "ma_chuong_trinh",
    "ma_chi_tieu",
    "ma_dia_ban",
)
# The latest period reported and when its latest revision came, from the snapshot: a series is overdue only when its
# next period is due within the target years, so its latest value lies in them and is the one judged (s.period,
# s.last_recorded_at). Only a series whose values all precede the target years has nothing judged: for it alone
# observations are read, in the order of their primary key (no sort per series).
OVERDUE_SELECT = f"""
SELECT i.name_vi AS "Chỉ tiêu", r.name_vi AS "Địa bàn", {FREQUENCY_LABEL} AS "Tần suất",
       coalesce(s.period, earlier.period) AS "Kỳ có số liệu gần nhất",
       coalesce(s.last_recorded_at, earlier.recorded_at) AS "Gửi lần cuối",
       a.name_vi AS "Cơ quan chủ trì", {DETAIL_URL} AS "{DETAIL_COLUMN}", i.programme AS ma_chuong_trinh,
       s.indicator AS ma_chi_tieu, s.region AS ma_dia_ban
{BOARD_FROM}
LEFT JOIN agencies a ON a.code = i.owner
LEFT JOIN LATERAL (
    SELECT o.period, o.recorded_at FROM observations o
    WHERE s.period IS NULL AND o.indicator = s.indicator AND o.region = s.region
    ORDER BY o.period_start DESC, o.period DESC, o.revision DESC LIMIT 1) AS earlier ON true
"""


def overview_overdue(programme: str) -> PanelQuery:
    return table(
        f"""
{OVERDUE_SELECT.strip()}
WHERE i.programme = {literal(programme)} AND s.region = ANY (ARRAY[{REGION}]::text[]) AND s.report_overdue
ORDER BY {NUMBER_ORDER}, r.name_vi
""",
        *OVERDUE_COLUMNS,
    )


# --- Indicator detail (variables programme, indicator, region). ---------------------------------------------------

INDICATOR_FACTS = table(
    f"""
SELECT i.name_vi AS "Chỉ tiêu", i.name_en AS "Tên tiếng Anh", {GROUP_LABEL} AS "Nhóm",
       u.symbol_vi AS "Đơn vị", {FREQUENCY_LABEL} AS "Tần suất",
       {case("i.direction", {direction.value: label for direction, label in DIRECTION_LABELS.items()})} AS "Chiều tốt",
       a.name_vi AS "Cơ quan chủ trì", p.title_vi AS "Văn bản"
FROM indicators i
JOIN programmes p ON p.id = i.programme
LEFT JOIN agencies a ON a.code = i.owner
LEFT JOIN {UNITS_TABLE} ON u.code = i.unit
WHERE i.code = {INDICATOR}
""",
    "Chỉ tiêu",
    "Tên tiếng Anh",
    "Nhóm",
    "Đơn vị",
    "Tần suất",
    "Chiều tốt",
    "Cơ quan chủ trì",
    "Văn bản",
)

EVALUATION_COLUMNS = (
    "Trạng thái",
    "Kỳ",
    "Thực hiện",
    "Kế hoạch kỳ",
    "Cận dưới",
    "Cận trên",
    "Mục tiêu",
    "Đơn vị",
    "Cơ sở đánh giá",
    "Tiến độ (%)",
    "Dự báo cuối kỳ",
    "Dự báo",
    "Báo cáo",
    "Ghi chú",
    "Tính đến ngày",
)
INDICATOR_EVALUATION = table(
    f"""
WITH {FINAL_TARGET}
SELECT {status_label()} AS "Trạng thái", s.period AS "Kỳ", {rounded("s.actual")} AS "Thực hiện",
       {rounded("s.expected")} AS "Kế hoạch kỳ", {rounded("s.low")} AS "Cận dưới", {rounded("s.high")} AS "Cận trên",
       {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị",
       {BASIS_LABEL} AS "Cơ sở đánh giá", {PROGRESS_PERCENT} AS "Tiến độ (%)", {rounded("s.projection")} AS "Dự báo cuối kỳ",
       {PROJECTION_LABEL} AS "Dự báo", {REPORT_LABEL} AS "Báo cáo", s.reason AS "Ghi chú",
       to_char(s.as_of, 'DD/MM/YYYY') AS "Tính đến ngày"
{BOARD_WITH_UNITS}
WHERE s.indicator = {INDICATOR} AND s.region = {REGION}
""",
    *EVALUATION_COLUMNS,
)

INDICATOR_ACTUALS = series(
    f"""
SELECT $__time(ends.at), ends.metric, ends.value AS "Thực hiện"
FROM (
    SELECT {PERIOD_END} AS at, {PERIOD_SERIES} AS metric, o.value + 0.0 AS value
    FROM observations_current o
    WHERE o.indicator = {INDICATOR} AND o.region = {REGION}) AS ends
WHERE $__timeFilter(ends.at)
ORDER BY 1, 2
""",
    "metric",
    "Thực hiện",
)

# The path and everything drawn against it only when values are judged as reported (TargetBasis.value): for the other
# bases the path is a multiple, an average rate or a yearly change, not comparable with the reported values.
INDICATOR_PATH = series(
    f"""
WITH {FINAL_TARGET}
SELECT $__time(p.period_end), p.expected AS "Kế hoạch (đường chỉ tiêu)",
       CASE WHEN p.low < p.high THEN p.low END AS "Cận dưới",
       CASE WHEN p.low < p.high THEN p.high END AS "Cận trên"
FROM indicator_path p
JOIN final_target f ON f.indicator = p.indicator AND f.basis = 'value'
WHERE p.indicator = {INDICATOR} AND p.region = {REGION} AND $__timeFilter(p.period_end)
ORDER BY 1
""",
    "Kế hoạch (đường chỉ tiêu)",
    "Cận dưới",
    "Cận trên",
)

INDICATOR_TARGET_LINE = series(
    f"""
WITH {FINAL_TARGET}
SELECT $__time(p.period_end), s.target AS "Mục tiêu cuối kỳ"
FROM indicator_path p
JOIN indicator_status s ON s.indicator = p.indicator AND s.region = p.region
JOIN final_target f ON f.indicator = p.indicator AND f.basis = 'value'
WHERE p.indicator = {INDICATOR} AND p.region = {REGION} AND s.target IS NOT NULL
  AND $__timeFilter(p.period_end)
ORDER BY 1
""",
    "Mục tiêu cuối kỳ",
)

# From the value judged to the projection at the end of the final target (for a flow: the end of the judged year).
INDICATOR_PROJECTION = series(
    f"""
WITH {FINAL_TARGET},
judged AS (
    SELECT s.indicator, s.region, s.period, s.actual, s.projection,
           CASE WHEN i.path_kind = 'flow' THEN left(s.period, 4)::int ELSE f.last_year END AS projection_year
    FROM indicator_status s
    JOIN indicators i ON i.code = s.indicator
    JOIN final_target f ON f.indicator = s.indicator AND f.basis = 'value'
    WHERE s.indicator = {INDICATOR} AND s.region = {REGION} AND s.projection IS NOT NULL),
points AS (
    SELECT p.period_end AS at, j.actual AS value
    FROM judged j JOIN indicator_path p ON p.indicator = j.indicator AND p.region = j.region AND p.period = j.period
    UNION ALL
    SELECT max(p.period_end), max(j.projection)
    FROM judged j JOIN indicator_path p ON p.indicator = j.indicator AND p.region = j.region
    WHERE left(p.period, 4)::int = j.projection_year)
SELECT $__time(at), value AS "Dự báo"
FROM points
WHERE at IS NOT NULL AND $__timeFilter(at)
ORDER BY 1
""",
    "Dự báo",
)

# Grafana's unit id for the reported values, applied to the chart by the "config from query results" transformation.
INDICATOR_UNIT = table(
    f"""
SELECT coalesce(u.grafana, 'none') AS unit, coalesce(u.decimals, 2) AS decimals
FROM indicators i LEFT JOIN {UNITS_TABLE} ON u.code = i.unit
WHERE i.code = {INDICATOR}
""",
    "unit",
    "decimals",
)

# Revision markers: an annotation at the period of every revised value.
INDICATOR_REVISIONS_ANNOTATION = table(
    f"""
SELECT $__time(revised.at), revised.text, revised.tags
FROM (
    SELECT {PERIOD_END} AS at,
           'Kỳ ' || o.period || ': sửa lần ' || (o.revision - 1) || ', '
               || replace(previous.value::text, '.', ',') || ' → ' || replace(o.value::text, '.', ',')
               || ' (ghi nhận ' || to_char(o.recorded_at AT TIME ZONE {literal(TIMEZONE)}, 'DD/MM/YYYY') || ')'
               AS text,
           'sửa số liệu' AS tags
    FROM observations o
    JOIN observations previous ON previous.indicator = o.indicator AND previous.region = o.region
         AND previous.period_start = o.period_start AND previous.period = o.period
         AND previous.revision = o.revision - 1
    WHERE o.indicator = {INDICATOR} AND o.region = {REGION} AND o.revision > 1) AS revised
WHERE $__timeFilter(revised.at)
ORDER BY 1
""",
    "time",
    "text",
    "tags",
)

REPORTED_VALUES_COLUMNS = ("Kỳ", "Lần", "Giá trị", "Tình trạng số liệu", "Ghi chú", "Ghi nhận lúc", "Đơn vị báo cáo")
INDICATOR_REPORTED_VALUES = table(
    f"""
SELECT o.period AS "Kỳ", o.revision AS "Lần", o.value AS "Giá trị", {OBSERVATION_STATUS_LABEL} AS "Tình trạng số liệu",
       {neutralise_formula_sql("o.note")} AS "Ghi chú", o.recorded_at AS "Ghi nhận lúc", coalesce(k.office, o.key_id) AS "Đơn vị báo cáo"
FROM observations o
LEFT JOIN api_keys k ON k.id = o.key_id
WHERE o.indicator = {INDICATOR} AND o.region = {REGION}
ORDER BY o.period_start DESC, o.revision DESC
""",
    *REPORTED_VALUES_COLUMNS,
)

TARGETS_COLUMNS = ("Giai đoạn", "Loại chỉ tiêu", "Cơ sở tính", "Giá trị", "Từ", "Đến", "Trích văn bản", "Lý do")
INDICATOR_TARGETS = table(
    f"""
SELECT CASE WHEN t.first_year = t.last_year THEN t.first_year::text ELSE t.first_year || '-' || t.last_year END
           AS "Giai đoạn",
       {case("t.kind", {kind.value: label for kind, label in TARGET_KIND_LABELS.items()}, "t.kind")} AS "Loại chỉ tiêu",
       {case("t.basis", {basis.value: label for basis, label in BASIS_LABELS.items()}, "t.basis")} AS "Cơ sở tính",
       t.value AS "Giá trị", t.low AS "Từ", t.high AS "Đến", t.quote AS "Trích văn bản", t.reason AS "Lý do"
FROM targets t
WHERE t.indicator = {INDICATOR}
ORDER BY t.first_year, t.last_year, t.ordinal
""",
    *TARGETS_COLUMNS,
)


# --- Region comparison (variables programme, indicator, region with several values). ------------------------------

REGION_COMPARISON_COLUMNS = (
    "Địa bàn",
    "Kỳ",
    "Thực hiện",
    "Kế hoạch kỳ",
    "Mục tiêu",
    "Đơn vị",
    "Tiến độ (%)",
    "Trạng thái",
    "Báo cáo",
    "ma_dia_ban",
)
REGION_COMPARISON = table(
    f"""
WITH {FINAL_TARGET}
SELECT r.name_vi AS "Địa bàn", s.period AS "Kỳ", {rounded("s.actual")} AS "Thực hiện",
       {rounded("s.expected")} AS "Kế hoạch kỳ", {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị", {PROGRESS_PERCENT} AS "Tiến độ (%)",
       {status_label()} AS "Trạng thái", {REPORT_LABEL} AS "Báo cáo", s.region AS ma_dia_ban
{BOARD_WITH_UNITS}
WHERE s.indicator = {INDICATOR} AND s.region = ANY (ARRAY[{REGION}]::text[])
ORDER BY {status_severity()} DESC, r.name_vi
""",
    *REGION_COMPARISON_COLUMNS,
)

REGION_ACTUALS = series(
    f"""
SELECT $__time(ends.at), ends.metric, ends.value AS "Thực hiện"
FROM (
    SELECT {PERIOD_END} AS at, r.name_vi || ' (' || {PERIOD_KIND_LABEL} || ')' AS metric, o.value + 0.0 AS value
    FROM observations_current o
    JOIN regions r ON r.code = o.region
    WHERE o.indicator = {INDICATOR} AND o.region = ANY (ARRAY[{REGION}]::text[])) AS ends
WHERE $__timeFilter(ends.at)
ORDER BY 1, 2
""",
    "metric",
    "Thực hiện",
)


# --- Task tracker (variables programme and agency, several values each). -----------------------------------------


CLOSED_STATES = ", ".join(literal(state) for state in CLOSED_TASK_STATES)  # indicators.model.task_overdue's rule


def task_state(filters: str) -> str:
    """Each active task with its latest progress report as of the end of the time range, and whether it is overdue:
    past its due date (in Vietnam) and neither done nor cancelled."""
    return f"""
today AS (SELECT {TODAY_IN_VIETNAM} AS day),
task_state AS (
    SELECT t.code, t.programme, t.section, t.title_vi, t.lead, t.time_frame, t.due, today.day AS today,
           report.state, report.percent_done, report.reported_on, report.note,
           (t.due IS NOT NULL AND t.due < today.day
            AND coalesce(report.state, 'not_started') NOT IN ({CLOSED_STATES})) AS overdue
    FROM tasks t
    CROSS JOIN today
    LEFT JOIN LATERAL (
        SELECT tr.state, tr.percent_done, tr.reported_on, tr.note FROM task_reports tr
        WHERE tr.task = t.code AND tr.reported_on <= today.day
        ORDER BY tr.reported_on DESC, tr.id DESC LIMIT 1) AS report ON true
    WHERE t.archived_at IS NULL{filters})""".strip()


TASK_FILTERS = f" AND t.programme = ANY (ARRAY[{PROGRAMMES}]::text[]) AND t.lead && ARRAY[{AGENCIES}]::text[]"
TASK_STATE_LABEL = case(
    "ts.state", {state.value: label for state, label in TASK_STATE_LABELS.items()}, literal(NO_TASK_REPORT)
)
OPEN_TASK = f"coalesce(ts.state, 'not_started') NOT IN ({CLOSED_STATES})"

TASK_SUMMARY = table(
    f"""
WITH {task_state(TASK_FILTERS)}
SELECT count(*) AS "Tổng số nhiệm vụ",
       count(*) FILTER (WHERE ts.state = 'done') AS "Đã hoàn thành",
       count(*) FILTER (WHERE ts.overdue) AS "Quá hạn",
       count(*) FILTER (WHERE {OPEN_TASK} AND ts.due >= ts.today AND ts.due < ts.today + 90) AS "Đến hạn trong 90 ngày"
FROM task_state ts
""",
    "Tổng số nhiệm vụ",
    "Đã hoàn thành",
    "Quá hạn",
    "Đến hạn trong 90 ngày",
)

TASKS_BY_AGENCY = table(
    f"""
WITH {task_state(TASK_FILTERS)}
SELECT a.name_vi AS "Cơ quan chủ trì", count(*) AS "Số nhiệm vụ",
       count(*) FILTER (WHERE ts.state = 'done') AS "Hoàn thành",
       count(*) FILTER (WHERE ts.state = 'in_progress') AS "Đang thực hiện",
       count(*) FILTER (WHERE coalesce(ts.state, 'not_started') = 'not_started') AS "Chưa bắt đầu",
       count(*) FILTER (WHERE ts.overdue) AS "Quá hạn"
FROM task_state ts
CROSS JOIN LATERAL unnest(ts.lead) AS lead (code)
JOIN agencies a ON a.code = lead.code
WHERE lead.code = ANY (ARRAY[{AGENCIES}]::text[])
GROUP BY a.code, a.name_vi
ORDER BY "Quá hạn" DESC, a.name_vi
""",
    "Cơ quan chủ trì",
    "Số nhiệm vụ",
    "Hoàn thành",
    "Đang thực hiện",
    "Chưa bắt đầu",
    "Quá hạn",
)

TASK_LIST_COLUMNS = (
    "Mục",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Thời hạn",
    "Hạn hoàn thành",
    "Tình trạng",
    "% hoàn thành",
    "Báo cáo gần nhất",
    "Nội dung báo cáo",
    "Quá hạn",
    "ma_nhiem_vu",
)


def task_list(only_overdue: bool) -> PanelQuery:
    return table(
        f"""
WITH {task_state(TASK_FILTERS)}
SELECT ts.section AS "Mục", ts.title_vi AS "Nhiệm vụ",
       (SELECT string_agg(a.name_vi, '; ' ORDER BY a.name_vi) FROM agencies a WHERE a.code = ANY (ts.lead))
           AS "Cơ quan chủ trì",
       ts.time_frame AS "Thời hạn", ts.due AS "Hạn hoàn thành", {TASK_STATE_LABEL} AS "Tình trạng",
       ts.percent_done AS "% hoàn thành", ts.reported_on AS "Báo cáo gần nhất",
       {neutralise_formula_sql("ts.note")} AS "Nội dung báo cáo",
       CASE WHEN ts.overdue THEN {literal(REPORT_OVERDUE)} ELSE '' END AS "Quá hạn", ts.code AS ma_nhiem_vu
FROM task_state ts
{"WHERE ts.overdue" if only_overdue else ""}
ORDER BY ts.overdue DESC, ts.due NULLS LAST, ts.programme, ts.section, ts.code
""",
        *TASK_LIST_COLUMNS,
    )


def vi_number(expression: str) -> str:
    """A number as text the Vietnamese way, whatever the server's locale: 2000 -> '2.000', 13.8 -> '13,8'."""
    return f"rtrim(translate(to_char({expression}, 'FM999,999,999,990.99999'), ',.', '.,'), ',')"


TASK_ATTRIBUTE_COLUMNS = (
    "Mục",
    "Nhiệm vụ, dự án",
    "Thông số",
    "Quy mô",
    "Trích văn bản",
    "ma_nhiem_vu",
)

# The physical specifications printed for tasks and project rows (migration 0008), in catalogue order.
TASK_ATTRIBUTES = table(
    f"""
SELECT t.section AS "Mục", t.title_vi AS "Nhiệm vụ, dự án", a.name_vi AS "Thông số",
       CASE WHEN a.approximate THEN 'khoảng ' ELSE '' END || {vi_number("a.value")} || ' '
           || coalesce(u.symbol_vi, a.unit) AS "Quy mô",
       a.quote AS "Trích văn bản", t.code AS ma_nhiem_vu
FROM task_attributes a
JOIN tasks t ON t.code = a.task
LEFT JOIN {UNITS_TABLE} ON u.code = a.unit
WHERE t.archived_at IS NULL{TASK_FILTERS}
ORDER BY t.programme, t.section, t.code, a.ordinal
""",
    *TASK_ATTRIBUTE_COLUMNS,
)


# --- Data timeliness (variable programme, several values). --------------------------------------------------------

TIMELINESS_OVERDUE = table(
    f"""
{OVERDUE_SELECT.strip()}
WHERE i.programme = ANY (ARRAY[{PROGRAMMES}]::text[]) AND s.report_overdue
ORDER BY i.programme, {NUMBER_ORDER}, r.name_vi
""",
    *OVERDUE_COLUMNS,
)

OFFICE = "coalesce(k.office, o.key_id)"
PROGRAMME_FILTER = f"i.programme = ANY (ARRAY[{PROGRAMMES}]::text[])"

# What the offices sent, from submissions (one row per indicator per write: migration 0006) rather than from every
# revision stored.
SENT = f"""
sent AS (
    SELECT coalesce(k.office, s.key_id) AS office, s.recorded_at, s.indicator, s.rows, s.regions
    FROM submissions s
    JOIN indicators i ON i.code = s.indicator
    LEFT JOIN api_keys k ON k.id = s.key_id
    WHERE {PROGRAMME_FILTER} AND $__timeFilter(s.recorded_at))
""".strip()

# The regions an office reported in, from its distinct region sets: an office sends the same regions again and again,
# and each set is unnested once (10M observations, a year: 35 ms, against 250 ms unnesting every submission).
OFFICES = table(
    f"""
WITH {SENT},
reached AS (
    SELECT sets.office, count(DISTINCT region) AS regions
    FROM (SELECT DISTINCT office, regions FROM sent) AS sets
    CROSS JOIN LATERAL unnest(sets.regions) AS region
    GROUP BY sets.office)
SELECT sent.office AS "Đơn vị báo cáo", count(DISTINCT sent.indicator) AS "Số chỉ tiêu",
       reached.regions AS "Số địa bàn", sum(sent.rows) AS "Số bản ghi", max(sent.recorded_at) AS "Gửi lần cuối"
FROM sent
JOIN reached ON reached.office = sent.office
GROUP BY sent.office, reached.regions
ORDER BY "Gửi lần cuối" DESC
""",
    "Đơn vị báo cáo",
    "Số chỉ tiêu",
    "Số địa bàn",
    "Số bản ghi",
    "Gửi lần cuối",
)

SUBMISSIONS_COLUMNS = (
    "Ghi nhận lúc",
    "Đơn vị báo cáo",
    "Chỉ tiêu",
    "Địa bàn",
    "Kỳ",
    "Giá trị",
    "Lần",
    "Tình trạng số liệu",
)
# Newest first from the index on recorded_at: only the rows shown are read, however wide the time range.
SUBMISSIONS = table(
    f"""
SELECT o.recorded_at AS "Ghi nhận lúc", {OFFICE} AS "Đơn vị báo cáo", i.name_vi AS "Chỉ tiêu",
       (SELECT r.name_vi FROM regions r WHERE r.code = o.region) AS "Địa bàn", o.period AS "Kỳ",
       o.value AS "Giá trị", o.revision AS "Lần", {OBSERVATION_STATUS_LABEL} AS "Tình trạng số liệu"
FROM observations o
JOIN indicators i ON i.code = o.indicator
LEFT JOIN api_keys k ON k.id = o.key_id
WHERE {PROGRAMME_FILTER} AND $__timeFilter(o.recorded_at)
ORDER BY o.recorded_at DESC
LIMIT 1000
""",
    *SUBMISSIONS_COLUMNS,
)

# Months in Vietnam: time_bucket with a time zone, so that a month starts on the 1st at midnight in Vietnam.
SUBMISSIONS_PER_MONTH = series(
    f"""
WITH {SENT}
SELECT $__time(monthly.month), monthly.submissions AS "Số bản ghi"
FROM (
    SELECT time_bucket('1 month', sent.recorded_at, {literal(TIMEZONE)}) AS month, sum(sent.rows) AS submissions
    FROM sent
    GROUP BY 1) AS monthly
ORDER BY 1
""",
    "Số bản ghi",
)


# --- Alert history (alert_events, written by the service's Alertmanager webhook). ---------------------------------

LATEST_ALERT_EVENTS = (
    "(SELECT DISTINCT ON (fingerprint) * FROM alert_events ORDER BY fingerprint, received_at DESC, id DESC) AS e"
)
ALERT_SUMMARY = table(
    f"""
SELECT (SELECT count(*) FROM {LATEST_ALERT_EVENTS} WHERE e.status = 'firing') AS "Đang cảnh báo",
       (SELECT count(*) FROM alert_events WHERE status = 'firing' AND $__timeFilter(received_at))
           AS "Số lần cảnh báo trong kỳ"
""",
    "Đang cảnh báo",
    "Số lần cảnh báo trong kỳ",
)

ALERT_SUBJECTS = (
    " LEFT JOIN indicators i ON i.code = e.indicator"
    " LEFT JOIN regions r ON r.code = e.region"
    " LEFT JOIN tasks t ON t.code = e.task"
)
ACTIVE_ALERTS = table(
    f"""
SELECT e.starts_at AS "Bắt đầu", e.alertname AS "Cảnh báo", e.severity AS "Mức độ", i.name_vi AS "Chỉ tiêu",
       r.name_vi AS "Địa bàn", t.section AS "Nhiệm vụ", e.summary AS "Tóm tắt", e.receiver AS "Gửi tới"
FROM {LATEST_ALERT_EVENTS}
{ALERT_SUBJECTS.strip()}
WHERE e.status = 'firing'
ORDER BY e.starts_at DESC, e.alertname
""",
    "Bắt đầu",
    "Cảnh báo",
    "Mức độ",
    "Chỉ tiêu",
    "Địa bàn",
    "Nhiệm vụ",
    "Tóm tắt",
    "Gửi tới",
)

ALERT_HISTORY_COLUMNS = (
    "Nhận lúc",
    "Trạng thái",
    "Cảnh báo",
    "Mức độ",
    "Chỉ tiêu",
    "Địa bàn",
    "Nhiệm vụ",
    "Tóm tắt",
    "Mô tả",
    "Gửi tới",
    "Bắt đầu",
    "Kết thúc",
)
ALERT_HISTORY = table(
    f"""
SELECT e.received_at AS "Nhận lúc",
       CASE e.status WHEN 'firing' THEN 'đang cảnh báo' ELSE 'đã kết thúc' END AS "Trạng thái",
       e.alertname AS "Cảnh báo", e.severity AS "Mức độ", i.name_vi AS "Chỉ tiêu", r.name_vi AS "Địa bàn",
       t.section AS "Nhiệm vụ", e.summary AS "Tóm tắt", e.description AS "Mô tả", e.receiver AS "Gửi tới",
       e.starts_at AS "Bắt đầu", e.ends_at AS "Kết thúc"
FROM alert_events e
{ALERT_SUBJECTS.strip()}
WHERE $__timeFilter(e.received_at)
ORDER BY e.received_at DESC, e.id DESC
LIMIT 1000
""",
    *ALERT_HISTORY_COLUMNS,
)

ALERTS_PER_DAY = series(
    f"""
SELECT $__time(daily.day), daily.fired AS "Cảnh báo", daily.resolved AS "Đã kết thúc"
FROM (
    SELECT time_bucket('1 day', received_at, {literal(TIMEZONE)}) AS day,
           count(*) FILTER (WHERE status = 'firing') AS fired,
           count(*) FILTER (WHERE status = 'resolved') AS resolved
    FROM alert_events
    WHERE $__timeFilter(received_at)
    GROUP BY 1) AS daily
ORDER BY 1
""",
    "Cảnh báo",
    "Đã kết thúc",
)


# --- Grafana-managed alert rules: one row per series, string columns become labels, `value` is compared with 0. ---

SERIES_LABEL_COLUMNS = ("indicator", "region", "programme", "province", "owner", "indicator_name", "region_name")
SERIES_ALERT_SELECT = """
SELECT s.indicator, s.region, i.programme, p.province, coalesce(i.owner, '') AS owner,
       i.name_vi AS indicator_name, r.name_vi AS region_name,
"""
SERIES_ALERT_FROM = f"""
{BOARD_FROM}
JOIN programmes p ON p.id = i.programme
ORDER BY s.indicator, s.region
"""

ALERT_OFF_TRACK = table(
    f"""
{SERIES_ALERT_SELECT.strip()}
       CASE WHEN s.status = 'off_track' THEN 1 ELSE 0 END AS value
{SERIES_ALERT_FROM.strip()}
""",
    *SERIES_LABEL_COLUMNS,
    "value",
)

ALERT_REPORT_OVERDUE = table(
    f"""
{SERIES_ALERT_SELECT.strip()}
       CASE WHEN s.report_overdue THEN 1 ELSE 0 END AS value
{SERIES_ALERT_FROM.strip()}
""",
    *SERIES_LABEL_COLUMNS,
    "value",
)

ALERT_TASK_OVERDUE = table(
    f"""
WITH {task_state("")}
SELECT ts.code AS task, ts.section, ts.programme, p.province, array_to_string(ts.lead, ',') AS owner,
       CASE WHEN ts.overdue THEN 1 ELSE 0 END AS value
FROM task_state ts
JOIN programmes p ON p.id = ts.programme
ORDER BY ts.code
""",
    "task",
    "section",
    "programme",
    "province",
    "owner",
    "value",
)
