"""Data timeliness (variable programme, several values): its queries and its builder."""

from grafana_foundation_sdk.models import common

from dashboards.grafana.overview import OVERDUE_COLUMNS, OVERDUE_SELECT
from dashboards.grafana.panels import (
    TIMELINESS_UID,
    GeneratedDashboard,
    Parts,
    base_dashboard,
    chart,
    finish,
    table_panel,
)
from dashboards.grafana.sql import (
    NUMBER_ORDER,
    OBSERVATION_STATUS_LABEL,
    PROGRAMMES,
    PROGRAMMES_VARIABLE,
    TIMEZONE,
    literal,
    series,
    table,
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
    SELECT coalesce(k.office, s.key_id) AS office, s.recorded_at, s.indicator, s.rows
    FROM submissions s
    JOIN indicators i ON i.code = s.indicator
    LEFT JOIN api_keys k ON k.id = s.key_id
    WHERE {PROGRAMME_FILTER} AND $__timeFilter(s.recorded_at))
""".strip()

# The writes in range grouped by key, indicator and region set (migration 0018: a digest written with each row) from the
# primary key's entries alone, the programmes filtered on the groups; the regions an office reached are then unnested
# from one write's array per distinct set, a few dozen arrays. Grouping the writes by their ~98-code arrays instead
# took 6,8 s over the 408,000 submissions of 120 national months.
OFFICES = table(
    f"""
WITH sent AS (
    SELECT coalesce(k.office, written.key_id) AS office, written.indicator, written.region_set, written.rows,
           written.last_sent
    FROM (
        SELECT s.key_id, s.indicator, s.region_set, sum(s.rows) AS rows, max(s.recorded_at) AS last_sent
        FROM submissions s
        WHERE $__timeFilter(s.recorded_at)
        GROUP BY 1, 2, 3) AS written
    JOIN indicators i ON i.code = written.indicator
    LEFT JOIN api_keys k ON k.id = written.key_id
    WHERE {PROGRAMME_FILTER}),
reached AS (
    SELECT sets.office, count(DISTINCT region) AS regions
    FROM (SELECT DISTINCT office, region_set FROM sent) AS sets
    CROSS JOIN LATERAL (SELECT w.regions FROM submissions w WHERE w.region_set = sets.region_set LIMIT 1) AS one
    CROSS JOIN LATERAL unnest(one.regions) AS region
    GROUP BY 1)
SELECT sent.office AS "Đơn vị báo cáo", count(DISTINCT sent.indicator) AS "Số chỉ tiêu", reached.regions AS "Số địa bàn",
       sum(sent.rows)::bigint AS "Số bản ghi", max(sent.last_sent) AS "Gửi lần cuối"
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


# --- The dashboard. ---


def data_timeliness() -> GeneratedDashboard:
    parts = Parts()
    builder = base_dashboard(
        TIMELINESS_UID,
        "Tình hình báo cáo số liệu",
        "Tình hình báo cáo: đơn vị nào gửi gì, khi nào, báo cáo nào quá hạn — Data timeliness: which office reported "
        "what and when, and which reports are overdue.",
        "now-1y",
        "now",
    ).with_variable(parts.variable("programme", "Văn bản", PROGRAMMES_VARIABLE, multi=True))
    builder = (
        builder.with_panel(
            table_panel(
                parts,
                "Báo cáo quá hạn",
                "Chỉ tiêu quá hạn báo cáo kỳ tiếp theo — Series whose next report is overdue.",
                TIMELINESS_OVERDUE,
                height=10,
                links=True,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Đơn vị báo cáo",
                "Số liệu nhận từ từng đơn vị trong khoảng thời gian — Values received from each office in the time range.",
                OFFICES,
                height=8,
                span=12,
            )
        )
        .with_panel(
            chart(
                parts,
                "Số bản ghi nhận được theo tháng",
                "Số bản ghi nhận được mỗi tháng (giờ Việt Nam) — Values received per month (Vietnam time).",
                span=12,
            )
            .with_target(parts.target(SUBMISSIONS_PER_MONTH))
            .draw_style(common.GraphDrawStyle.BARS)
            .fill_opacity(80)
            .unit("short")
        )
        .with_panel(
            table_panel(
                parts,
                "Số liệu nhận được gần đây",
                "Số liệu nhận gần đây nhất (tối đa 1.000) — The latest values received in the time range (at most 1000).",
                SUBMISSIONS,
                height=12,
            )
        )
    )
    return finish(TIMELINESS_UID, builder, parts)
