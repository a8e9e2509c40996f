"""An indicator's detail (variables programme, indicator, region): its queries and its builder."""

from grafana_foundation_sdk.builders import dashboard as dashboard_builders

from dashboards.grafana.panels import (
    DETAIL_CHART_PANEL_ID,
    DETAIL_UID,
    GeneratedDashboard,
    Parts,
    base_dashboard,
    by_names,
    chart,
    dashed,
    finish,
    fixed_color,
    table_panel,
    unit_from_query,
)
from dashboards.grafana.sql import (
    ACTUAL_SERIES,
    BASIS_LABEL,
    BOARD_WITH_JUDGEMENTS,
    FREQUENCY_LABEL,
    GROUP_LABEL,
    INDICATOR,
    INDICATOR_REGIONS_VARIABLE,
    INDICATORS_VARIABLE,
    JUDGED_UNIT,
    JUDGEMENTS,
    OBSERVATION_STATUS_LABEL,
    OUTCOME_COLUMNS,
    OUTCOME_SELECT,
    PERIOD_END,
    PERIOD_SERIES,
    PROGRAMMES_VARIABLE,
    PROGRESS_PERCENT,
    PROJECTION_LABEL,
    REGION,
    REPORT_LABEL,
    TIMEZONE,
    UNITS_TABLE,
    case,
    literal,
    rounded,
    series,
    status_label,
    table,
)
from dashboards.grafana.sql_query import PostgresQueryBuilder, datasource_ref
from dashboards.grafana.vocabulary import BASIS_LABELS, DIRECTION_LABELS, TARGET_KIND_LABELS
from indicators.periods import Frequency
from indicators.text import neutralise_formula_sql

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
    *OUTCOME_COLUMNS,
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
SELECT {status_label()} AS "Trạng thái", {OUTCOME_SELECT}, s.period AS "Kỳ", {rounded("s.actual")} AS "Thực hiện",
       {rounded("s.expected")} AS "Kế hoạch kỳ", {rounded("s.low")} AS "Cận dưới", {rounded("s.high")} AS "Cận trên",
       {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị",
       {BASIS_LABEL} AS "Cơ sở đánh giá", {PROGRESS_PERCENT} AS "Tiến độ (%)", {rounded("s.projection")} AS "Dự báo cuối kỳ",
       {PROJECTION_LABEL} AS "Dự báo", {REPORT_LABEL} AS "Báo cáo", s.reason AS "Ghi chú",
       to_char(s.as_of, 'DD/MM/YYYY') AS "Tính đến ngày"
{BOARD_WITH_JUDGEMENTS}
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
SELECT $__time(p.period_end), p.expected AS "Kế hoạch (đường chỉ tiêu)",
       CASE WHEN p.low < p.high THEN p.low END AS "Cận dưới",
       CASE WHEN p.low < p.high THEN p.high END AS "Cận trên"
FROM indicator_path p
JOIN {JUDGEMENTS} ON f.indicator = p.indicator AND f.basis = 'value'
WHERE p.indicator = {INDICATOR} AND p.region = {REGION} AND $__timeFilter(p.period_end)
ORDER BY 1
""",
    "Kế hoạch (đường chỉ tiêu)",
    "Cận dưới",
    "Cận trên",
)

INDICATOR_TARGET_LINE = series(
    f"""
SELECT $__time(p.period_end), s.target AS "Mục tiêu cuối kỳ"
FROM indicator_path p
JOIN indicator_status s ON s.indicator = p.indicator AND s.region = p.region
JOIN {JUDGEMENTS} ON f.indicator = p.indicator AND f.basis = 'value'
WHERE p.indicator = {INDICATOR} AND p.region = {REGION} AND s.target IS NOT NULL
  AND $__timeFilter(p.period_end)
ORDER BY 1
""",
    "Mục tiêu cuối kỳ",
)

# From the value judged to the projection at the end of the final target (for a flow: the end of the judged year).
INDICATOR_PROJECTION = series(
    f"""
WITH judged AS (
    SELECT s.indicator, s.region, s.period, s.actual, s.projection,
           CASE WHEN i.path_kind = 'flow' THEN left(s.period, 4)::int ELSE f.final_year END AS projection_year
    FROM indicator_status s
    JOIN indicators i ON i.code = s.indicator
    JOIN {JUDGEMENTS} ON f.indicator = s.indicator AND f.basis = 'value'
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


# --- The dashboard. ---


def indicator_detail() -> GeneratedDashboard:
    parts = Parts()
    builder = (
        base_dashboard(
            DETAIL_UID,
            "Chi tiết chỉ tiêu",
            "Chi tiết chỉ tiêu: số liệu báo cáo (đánh dấu lần sửa) so với lộ trình và khoảng cho phép, mục tiêu cuối "
            "kỳ và dự báo; chỉ tiêu theo văn bản — Indicator detail: reported values (with revision markers) against "
            "the target path and its band, the final target and the projection; the targets as written.",
            "now-6y/y",
            "now+5y/y",
        )
        .with_variable(parts.variable("programme", "Văn bản", PROGRAMMES_VARIABLE, multi=False))
        .with_variable(parts.variable("indicator", "Chỉ tiêu", INDICATORS_VARIABLE, multi=False))
        .with_variable(parts.variable("region", "Địa bàn", INDICATOR_REGIONS_VARIABLE, multi=False))
    )
    facts = table_panel(
        parts, "Thông tin chỉ tiêu", "Chỉ tiêu là gì — What the indicator is.", INDICATOR_FACTS, height=4
    )
    evaluation = table_panel(
        parts,
        "Đánh giá hiện tại",
        "Đánh giá mới nhất của chỉ tiêu tại địa bàn, theo cách tính của mục tiêu cuối kỳ (cơ sở đánh giá: giá trị "
        "báo cáo, số lần so với năm gốc, tăng bình quân hoặc mức thay đổi so với năm trước); Xấp xỉ: chỉ tiêu "
        '"khoảng" đạt trong mức dung sai; Kỳ trước, Kết quả kỳ trước: kỳ chỉ tiêu trước đã kết thúc ra sao — The '
        "latest judgement of this indicator in this region, in the terms of the final target; approximately: an "
        "approximate target achieved within its tolerance; previous period and outcome: how the last finished "
        "target period ended.",
        INDICATOR_EVALUATION,
        height=5,
    )
    assert parts.last_id + 1 == DETAIL_CHART_PANEL_ID  # the annotation and the alert rules point at the chart's id
    trend = (
        chart(
            parts,
            "Diễn biến so với đường chỉ tiêu",
            "Số liệu báo cáo (lần sửa mới nhất), mỗi loại kỳ (năm, quý, tháng) một đường, đặt tại cuối kỳ, so với lộ "
            "trình, khoảng cho phép, mục tiêu cuối kỳ và dự báo; lộ trình chỉ vẽ khi chỉ tiêu đánh giá chính giá trị "
            "báo cáo; dấu cam: số liệu đã sửa — Reported values, one line per kind of period at each period's end, "
            "against the path, its band, the final target and the projection; orange markers: revised values.",
            height=12,
        )
        .with_target(parts.target(INDICATOR_ACTUALS, "A"))
        .with_target(parts.target(INDICATOR_PATH, "B"))
        .with_target(parts.target(INDICATOR_TARGET_LINE, "C"))
        .with_target(parts.target(INDICATOR_PROJECTION, "D"))
        .with_target(parts.target(INDICATOR_UNIT, "U"))
        .with_transformation(unit_from_query("U"))
        .with_override(by_names(ACTUAL_SERIES[Frequency.year]), [fixed_color("dark-blue")])
        .with_override(
            by_names(*(ACTUAL_SERIES[f] for f in Frequency if f is not Frequency.year)), [fixed_color("blue")]
        )
        .with_override(by_names("Kế hoạch (đường chỉ tiêu)"), [fixed_color("green")])
        .with_override(by_names("Cận dưới", "Cận trên"), [fixed_color("green"), dashed()])
        .with_override(by_names("Mục tiêu cuối kỳ"), [fixed_color("purple"), dashed()])
        .with_override(by_names("Dự báo"), [fixed_color("orange"), dashed()])
    )
    revisions = (
        dashboard_builders.AnnotationQuery()
        .name("Sửa số liệu")
        .datasource(datasource_ref())
        .enable(True)
        .icon_color("orange")
        .filter(dashboard_builders.AnnotationPanelFilter().ids([DETAIL_CHART_PANEL_ID]))
    )
    builder = (
        builder.with_panel(facts)
        .with_panel(evaluation)
        .with_panel(trend)
        .with_panel(
            table_panel(
                parts,
                "Số liệu đã báo cáo",
                "Mọi số liệu đã báo cáo và các lần sửa: ai gửi, khi nào — Every reported value with all its revisions, who "
                "sent it and when.",
                INDICATOR_REPORTED_VALUES,
                height=9,
                span=12,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Chỉ tiêu theo văn bản",
                "Chỉ tiêu như văn bản ghi — The targets as written in the source document.",
                INDICATOR_TARGETS,
                height=9,
                span=12,
            )
        )
        .annotation(revisions)
    )
    generated = finish(DETAIL_UID, builder, parts)
    # The SDK types annotation targets as Grafana's built-in annotation filter; a SQL annotation carries its query.
    parts.queries.append(INDICATOR_REVISIONS_ANNOTATION)
    annotation_query = PostgresQueryBuilder(INDICATOR_REVISIONS_ANNOTATION.sql, INDICATOR_REVISIONS_ANNOTATION.format)
    generated.model["annotations"]["list"][0]["target"] = annotation_query.ref_id("Anno").build().to_json()
    return generated
