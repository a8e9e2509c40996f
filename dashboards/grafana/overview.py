"""The leaders' overview, one dashboard per programme: its queries and its builder."""

from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.models import dashboard as model

from dashboards.grafana.panels import (
    DEFAULT_PUBLIC_URL,
    REPORT_FORMATS,
    GeneratedDashboard,
    Parts,
    base_dashboard,
    finish,
    overview_uid,
    stat_panel,
    status_pie,
    table_panel,
)
from dashboards.grafana.sql import (
    BOARD_FROM,
    BOARD_WITH_JUDGEMENTS,
    DETAIL_COLUMN,
    DETAIL_URL,
    FREQUENCY_LABEL,
    GROUP_LABEL,
    GROUP_ORDER,
    JUDGED_UNIT,
    JUDGEMENTS,
    NUMBER_ORDER,
    OUTCOME_COLUMNS,
    OUTCOME_SELECT,
    PROGRESS_PERCENT,
    PROJECTION_LABEL,
    REGION,
    REPORT_LABEL,
    STATUS_COLUMNS,
    PanelQuery,
    literal,
    programme_regions_variable,
    rounded,
    status_label,
    status_severity,
    table,
)
from dashboards.grafana.vocabulary import PROGRAMME_KIND_LABELS, STATUS_DISPLAY_ORDER
from indicators.catalogue import Catalogue
from indicators.model import Programme
from indicators.status import Status

# --- Leaders' overview, one dashboard per programme. -------------------------------------------------------------


# The programme's series in the regions the region variable selects, as rows (indicator, status, series, as_of) of
# `counted`: the provinces whose every counted commune and district (counted_regions) is selected, as with the default
# "Tất cả", from the counts the refresh wrote (status_counts, a row per indicator and status); the other regions
# selected from their snapshot rows, read region by region (OFFSET 0: as a join, the planner read the whole snapshot).
# The counts are the snapshot grouped by counted_regions, so the numbers equal those of the selection's snapshot rows,
# which took 0,4-0,8 s to group for a nation's 332,100 series.
COUNTED = f"""
WITH selected AS MATERIALIZED (SELECT DISTINCT region FROM unnest(ARRAY[{REGION}]::text[]) AS region),
whole AS MATERIALIZED (
    SELECT c.province FROM counted_regions c LEFT JOIN selected USING (region)
    GROUP BY c.province HAVING bool_and(selected.region IS NOT NULL)),
one_by_one AS MATERIALIZED (
    SELECT region FROM selected EXCEPT SELECT c.region FROM counted_regions c JOIN whole USING (province)),
counted AS (
    SELECT n.indicator, n.status, n.series, n.as_of FROM status_counts n JOIN whole USING (province)
    UNION ALL
    SELECT s.indicator, s.status, 1, s.as_of FROM one_by_one CROSS JOIN LATERAL (
        SELECT s.indicator, s.status, s.as_of FROM indicator_status s WHERE s.region = one_by_one.region OFFSET 0) AS s)
""".strip()
COUNTED_FROM = "FROM counted b JOIN indicators i ON i.code = b.indicator AND i.archived_at IS NULL"
SERIES_BY_STATUS = ", ".join(
    f'coalesce(sum(b.series) FILTER (WHERE b.status = {literal(status.value)}), 0) AS "{status.label_vi}"'
    for status in STATUS_DISPLAY_ORDER
)


def overview_summary(programme: str) -> PanelQuery:
    return table(
        f"""
{COUNTED}
SELECT to_char(max(b.as_of), 'DD/MM/YYYY') AS "Số liệu tính đến ngày",
       count(DISTINCT b.indicator) AS "Số chỉ tiêu"
{COUNTED_FROM}
WHERE i.programme = {literal(programme)}
""",
        "Số liệu tính đến ngày",
        "Số chỉ tiêu",
    )


def overview_status_counts(programme: str) -> PanelQuery:
    return table(
        f"""
{COUNTED}
SELECT {SERIES_BY_STATUS}
{COUNTED_FROM}
WHERE i.programme = {literal(programme)}
""",
        *STATUS_COLUMNS,
    )


def overview_group_counts(programme: str) -> PanelQuery:
    return table(
        f"""
{COUNTED}
SELECT {GROUP_LABEL} AS "Nhóm chỉ tiêu", sum(b.series) AS "Tổng số", {SERIES_BY_STATUS}
{COUNTED_FROM}
WHERE i.programme = {literal(programme)}
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
    *OUTCOME_COLUMNS,
    "Báo cáo",
    "Ghi chú",
    DETAIL_COLUMN,
    "ma_chuong_trinh",
    "ma_chi_tieu",
    "ma_dia_ban",
)


# At most this many rows on the board: a national programme has 332,100 series (100 indicators x 3,321 communes),
# which took 5,6 s to send and no leader reads; worst first, so what is cut is what is on track.
BOARD_LIMIT = 1000
# The severities a series can have, worst first (indicators.status.Status.severity, stored by the refresh).
SEVERITIES_WORST_FIRST = ", ".join(str(level) for level in sorted({s.severity for s in Status}, reverse=True))
# The board's order: severity, then NUMBER_ORDER's terms, then the region, as columns of the rows chosen (`shown`).
BOARD_ORDER = "severity DESC, leading_number NULLS LAST, number NULLS LAST, code, name_vi"


def overview_board(programme: str, limit: int = BOARD_LIMIT) -> PanelQuery:
    """One row per indicator and region, worst first, at most `limit` of them. The rows shown are chosen by walking
    the (severity, indicator) pairs in the board's order, each read from the index indicator_status (indicator,
    severity, region), and stopping once `limit` rows are found (an incremental sort orders each pair's rows by
    region name); only those are joined to their judgement and labelled. OFFSET 0 keeps each pair's read a separate
    index scan, so that the planner cannot flatten it into a join that loses the pairs' order."""
    return table(
        f"""
WITH shown AS (
    SELECT s.indicator, s.region, k.severity, k.leading_number, k.number, k.code, r.name_vi
    FROM (SELECT v.severity, NULLIF(substring(i.number FROM '^[0-9]+'), '')::int AS leading_number, i.number, i.code
          FROM indicators i CROSS JOIN unnest(ARRAY[{SEVERITIES_WORST_FIRST}]::smallint[]) AS v (severity)
          WHERE i.archived_at IS NULL AND i.programme = {literal(programme)}
          ORDER BY {BOARD_ORDER.removesuffix(", name_vi")}) AS k
    JOIN LATERAL (
        SELECT s.indicator, s.region FROM indicator_status s
        WHERE s.indicator = k.code AND s.severity = k.severity AND s.region = ANY (ARRAY[{REGION}]::text[])
        OFFSET 0) AS s ON true
    JOIN regions r ON r.code = s.region
    ORDER BY {BOARD_ORDER}
    LIMIT {limit})
SELECT i.number AS "Số TT", i.name_vi AS "Chỉ tiêu", r.name_vi AS "Địa bàn", s.period AS "Kỳ",
       {rounded("s.actual")} AS "Thực hiện", {rounded("s.expected")} AS "Kế hoạch kỳ",
       {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị", {PROGRESS_PERCENT} AS "Tiến độ (%)",
       {rounded("s.projection")} AS "Dự báo cuối kỳ", {PROJECTION_LABEL} AS "Dự báo",
       {status_label()} AS "Trạng thái", {OUTCOME_SELECT},
       {REPORT_LABEL} AS "Báo cáo", s.reason AS "Ghi chú", {DETAIL_URL} AS "{DETAIL_COLUMN}",
       i.programme AS ma_chuong_trinh, s.indicator AS ma_chi_tieu, s.region AS ma_dia_ban
FROM shown
JOIN indicator_status s ON s.indicator = shown.indicator AND s.region = shown.region
JOIN indicators i ON i.code = s.indicator
JOIN regions r ON r.code = s.region
LEFT JOIN {JUDGEMENTS} ON f.indicator = s.indicator
ORDER BY {", ".join("shown." + key for key in BOARD_ORDER.split(", "))}
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
SELECT i.name_vi AS "Chỉ tiêu", r.name_vi AS "Địa bàn", s.period AS "Kỳ", {rounded("s.actual")} AS "Thực hiện",
       {rounded("s.expected")} AS "Kế hoạch kỳ", {rounded("s.target")} AS "Mục tiêu", {JUDGED_UNIT} AS "Đơn vị",
       {PROGRESS_PERCENT} AS "Tiến độ (%)", {status_label()} AS "Trạng thái", a.name_vi AS "Cơ quan chủ trì",
       {DETAIL_URL} AS "{DETAIL_COLUMN}",
       i.programme AS ma_chuong_trinh, s.indicator AS ma_chi_tieu, s.region AS ma_dia_ban
{BOARD_WITH_JUDGEMENTS}
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


# --- The dashboard. ---


def programme_title(programme: Programme, catalogue: Catalogue) -> str:
    province = catalogue.regions[programme.province].name_vi if programme.province in catalogue.regions else ""
    document = f" {programme.document_number}" if programme.document_number else ""
    return f"Tổng quan chỉ tiêu · {province} · {PROGRAMME_KIND_LABELS[programme.kind]}{document} ({programme.span})"


def report_links(programme: Programme, api_url: str) -> list[dashboard_builders.DashboardLink]:
    """Links to the programme's periodic report (GET /v1/reports/{programme}), as of the end of the time range."""
    base = f"{api_url.rstrip('/')}/v1/reports/{programme.id}?as_of=${{__to:date:YYYY-MM-DD}}&format="
    return [
        dashboard_builders.DashboardLink(title)
        .type(model.DashboardLinkType.LINK)
        .url(base + report_format)
        .icon("doc")
        .tooltip(f"Tải báo cáo kết quả thực hiện chỉ tiêu (download the {english})")
        .target_blank(True)
        for report_format, title, english in REPORT_FORMATS
    ]


def overview(programme: Programme, catalogue: Catalogue, api_url: str = DEFAULT_PUBLIC_URL) -> GeneratedDashboard:
    """The first screen answers "what needs my attention?": what is off track or missed, then overdue reports; the
    counts and the whole board below."""
    parts = Parts()
    uid = overview_uid(programme.id)
    builder = base_dashboard(
        uid,
        programme_title(programme, catalogue),
        f"{programme.title_vi}. Tổng quan cho lãnh đạo: chỉ tiêu cần chú ý trước, rồi tình hình chung và toàn bộ "
        f"bảng theo dõi — {programme.title_en}. Leaders' overview: what needs attention first, then the counts and "
        "the whole board.",
        "now-1y",
        "now",
    ).with_variable(parts.variable("region", "Địa bàn", programme_regions_variable(programme.id), multi=True))
    for link in report_links(programme, api_url):
        builder = builder.link(link)

    builder = (
        builder.with_row(parts.row("Cần chú ý"))
        .with_panel(
            table_panel(
                parts,
                "Chỉ tiêu chậm tiến độ, không đạt",
                "Chỉ tiêu lệch khỏi lộ trình quá mức cho phép và chỉ tiêu cuối kỳ không đạt, nặng nhất trước; bấm một "
                "dòng để xem chi tiết — Indicators off their path beyond the tolerance and final targets missed, "
                "worst first; click a row for the detail.",
                overview_off_track(programme.id),
                height=10,
                span=14,
                links=True,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Báo cáo số liệu quá hạn",
                "Chỉ tiêu chưa có số liệu kỳ mới dù đã quá hạn (cuối kỳ sau cộng số ngày cho phép) — Series whose "
                "next report is overdue (end of the next period plus the grace days).",
                overview_overdue(programme.id),
                height=10,
                span=10,
                links=True,
            )
        )
        .with_row(parts.row("Tình hình chung"))
        .with_panel(
            stat_panel(
                parts,
                "Số liệu",
                "Ngày tính trạng thái và số chỉ tiêu được theo dõi — As-of date of the status board and number of "
                "indicators followed.",
                overview_summary(programme.id),
                height=9,
                span=4,
            )
        )
        .with_panel(status_pie(parts, overview_status_counts(programme.id)))
        .with_panel(
            table_panel(
                parts,
                "Chỉ tiêu theo nhóm",
                "Số chỉ tiêu theo nhóm (kinh tế, văn hóa - xã hội ...) và trạng thái — Indicators by group and status.",
                overview_group_counts(programme.id),
                height=9,
                span=10,
            )
        )
        .with_row(parts.row("Bảng theo dõi chỉ tiêu"))
        .with_panel(
            table_panel(
                parts,
                "Tất cả chỉ tiêu (cần chú ý trước)",
                "Mỗi dòng một chỉ tiêu tại một địa bàn, nặng nhất trước: thực hiện, kế hoạch của kỳ, mục tiêu cuối kỳ, "
                "tiến độ (%), dự báo đến cuối kỳ; số liệu theo đơn vị đánh giá (cột Đơn vị); Xấp xỉ: chỉ tiêu "
                '"khoảng" đạt trong mức dung sai; Kỳ trước, Kết quả kỳ trước: kỳ chỉ tiêu trước đã kết thúc ra sao; '
                "bấm một dòng để xem chi tiết; hiển thị tối đa 1.000 dòng nặng nhất (chọn Địa bàn để xem phần còn "
                "lại) — One row per indicator and region, worst first (at most the 1,000 worst; choose regions to see "
                "the rest): actual, expected value "
                "for the period, final target, progress (%), projection, in the terms the target is judged in; "
                "approximately: an approximate target achieved within its tolerance; previous period and outcome: how "
                "the last finished target period ended; click a row for the detail.",
                overview_board(programme.id),
                height=16,
                links=True,
            )
        )
    )
    return finish(uid, builder, parts)
