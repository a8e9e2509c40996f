"""The alert history (alert_events, written by the service's Alertmanager webhook): its queries and its builder."""

from grafana_foundation_sdk.models import common

from dashboards.grafana.panels import (
    ALERTS_UID,
    GeneratedDashboard,
    Parts,
    base_dashboard,
    by_names,
    chart,
    finish,
    fixed_color,
    stat_panel,
    table_panel,
)
from dashboards.grafana.sql import TIMEZONE, literal, series, table

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


# --- The dashboard. ---


def alert_history() -> GeneratedDashboard:
    parts = Parts()
    builder = base_dashboard(
        ALERTS_UID,
        "Cảnh báo",
        "Lịch sử cảnh báo: cảnh báo nào bật, kết thúc, gửi tới ai — Alert history: what fired and resolved, and who it "
        "was sent to (from Alertmanager and Grafana).",
        "now-30d",
        "now",
    )
    builder = (
        builder.with_panel(
            stat_panel(
                parts,
                "Cảnh báo",
                "Cảnh báo đang bật và số lần cảnh báo trong khoảng thời gian — Alerts firing now, and alerts fired in "
                "the time range.",
                ALERT_SUMMARY,
            )
        )
        .with_panel(
            chart(
                parts,
                "Cảnh báo theo ngày",
                "Số cảnh báo bật và kết thúc mỗi ngày (giờ Việt Nam) — Alerts fired and resolved per day (Vietnam "
                "time).",
                height=5,
                span=12,
            )
            .with_target(parts.target(ALERTS_PER_DAY))
            .draw_style(common.GraphDrawStyle.BARS)
            .fill_opacity(80)
            .unit("short")
            .with_override(by_names("Cảnh báo"), [fixed_color("red")])
            .with_override(by_names("Đã kết thúc"), [fixed_color("green")])
        )
        .with_panel(
            table_panel(parts, "Đang cảnh báo", "Cảnh báo đang bật — Alerts firing now.", ACTIVE_ALERTS, height=9)
        )
        .with_panel(
            table_panel(
                parts,
                "Lịch sử cảnh báo",
                "Thông báo cảnh báo nhận được trong khoảng thời gian — Alert notifications received in the time range.",
                ALERT_HISTORY,
                height=12,
            )
        )
    )
    return finish(ALERTS_UID, builder, parts)
