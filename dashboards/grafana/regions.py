"""The comparison of regions (variables programme, indicator, several regions): its queries and its builder."""

from dashboards.grafana.indicator import INDICATOR_UNIT
from dashboards.grafana.panels import (
    REGIONS_UID,
    GeneratedDashboard,
    Parts,
    base_dashboard,
    chart,
    finish,
    table_panel,
    unit_from_query,
)
from dashboards.grafana.sql import (
    BOARD_WITH_JUDGEMENTS,
    INDICATOR,
    INDICATOR_REGIONS_VARIABLE,
    JUDGED_UNIT,
    MULTI_REGION_INDICATORS_VARIABLE,
    OUTCOME_COLUMNS,
    OUTCOME_SELECT,
    PERIOD_END,
    PERIOD_KIND_LABEL,
    PROGRAMMES_VARIABLE,
    PROGRESS_PERCENT,
    REGION,
    REPORT_LABEL,
    PanelQuery,
    case,
    rounded,
    series,
    status_label,
    status_severity,
    table,
)
from indicators.model import RegionLevel

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
    *OUTCOME_COLUMNS,
    "Báo cáo",
    "ma_dia_ban",
)
REGION_COMPARISON = table(
    f"""
SELECT r.name_vi AS "Địa bàn", s.period AS "Kỳ", {rounded("s.actual")} AS "Thực hiện",
       {rounded("s.expected")} AS "Kế hoạch kỳ", {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị", {PROGRESS_PERCENT} AS "Tiến độ (%)",
       {status_label()} AS "Trạng thái", {OUTCOME_SELECT}, {REPORT_LABEL} AS "Báo cáo", s.region AS ma_dia_ban
{BOARD_WITH_JUDGEMENTS}
WHERE s.indicator = {INDICATOR} AND s.region = ANY (ARRAY[{REGION}]::text[])
ORDER BY {status_severity()} DESC, r.name_vi
""",
    *REGION_COMPARISON_COLUMNS,
)

# At most this many regions drawn, provinces and areas before districts and communes, then by name: "every region"
# of a national indicator is 3,321 communes (3,321 lines, 1,6-1,9 s), which no chart can show; a one-province
# catalogue's few regions are all drawn as before.
CHART_REGION_LIMIT = 50
LEVEL_ORDER = case("r.level", {level.value: position for position, level in enumerate(RegionLevel)}, "99")


# The bounds on period_start (a period lasts at most a year, so it ends in the range only if it starts at most a year
# before it) let TimescaleDB skip the chunks outside the range: filtered on the period's end alone, every chunk of
# the indicator was read (3,321 communes x 120 months at national scale).
def region_actuals(limit: int = CHART_REGION_LIMIT) -> PanelQuery:
    """The chart's lines: the selected regions' reported values, at most `limit` regions."""
    return series(
        f"""
WITH drawn AS (
    SELECT r.code, r.name_vi
    FROM regions r
    WHERE r.code = ANY (ARRAY[{REGION}]::text[])
    ORDER BY {LEVEL_ORDER}, r.name_vi, r.code
    LIMIT {limit})
SELECT $__time(ends.at), ends.metric, ends.value AS "Thực hiện"
FROM (
    SELECT {PERIOD_END} AS at, r.name_vi || ' (' || {PERIOD_KIND_LABEL} || ')' AS metric, o.value + 0.0 AS value
    FROM observations_current o
    JOIN drawn r ON r.code = o.region
    -- The drawn regions also as a filter the view's DISTINCT ON takes (a join is not pushed into it): their rows are
    -- read by the primary key, not every region's rows of the indicator in the range (1,1-1,8 s at 3,321 communes).
    WHERE o.region = ANY (ARRAY(SELECT code FROM drawn))
      AND o.indicator = {INDICATOR}
      AND o.period_start >= $__timeFrom()::timestamptz - interval '1 year' AND o.period_start <= $__timeTo()) AS ends
WHERE $__timeFilter(ends.at)
ORDER BY 1, 2
""",
        "metric",
        "Thực hiện",
    )


REGION_ACTUALS = region_actuals()


# --- The dashboard. ---


def region_comparison() -> GeneratedDashboard:
    parts = Parts()
    builder = (
        base_dashboard(
            REGIONS_UID,
            "So sánh theo địa bàn",
            "So sánh các địa bàn của một chỉ tiêu: trạng thái và số liệu cạnh nhau — Region comparison for indicators "
            "tracked in several regions: status and values side by side.",
            "now-6y/y",
            "now+5y/y",
        )
        .with_variable(parts.variable("programme", "Văn bản", PROGRAMMES_VARIABLE, multi=False))
        .with_variable(parts.variable("indicator", "Chỉ tiêu", MULTI_REGION_INDICATORS_VARIABLE, multi=False))
        .with_variable(parts.variable("region", "Địa bàn", INDICATOR_REGIONS_VARIABLE, multi=True))
    )
    builder = builder.with_panel(
        table_panel(
            parts,
            "Đánh giá theo địa bàn",
            'Trạng thái của chỉ tiêu tại từng địa bàn, nặng nhất trước; Xấp xỉ: chỉ tiêu "khoảng" đạt trong mức dung '
            "sai; Kỳ trước, Kết quả kỳ trước: kỳ chỉ tiêu trước đã kết thúc ra sao — The indicator's status in each "
            "selected region, worst first; approximately: an approximate target achieved within its tolerance; "
            "previous period and outcome: how the last finished target period ended.",
            REGION_COMPARISON,
            height=9,
        )
    ).with_panel(
        chart(
            parts,
            "Diễn biến theo địa bàn",
            "Số liệu báo cáo của từng địa bàn, đặt tại cuối kỳ; vẽ tối đa 50 địa bàn (tỉnh, khu vực trước, rồi "
            "huyện, xã theo tên; chọn Địa bàn để xem các xã) — Reported values of each selected region, at each "
            "period's end; at most 50 regions drawn (provinces and areas first, then districts and communes by name; "
            "choose regions to see communes).",
            height=10,
        )
        .with_target(parts.target(REGION_ACTUALS, "A"))
        .with_target(parts.target(INDICATOR_UNIT, "U"))
        .with_transformation(unit_from_query("U"))
    )
    return finish(REGIONS_UID, builder, parts)
