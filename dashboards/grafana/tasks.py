"""The task tracker (variables programme and agency, several values each): its queries and its builder."""

from dashboards.grafana.panels import (
    TASKS_UID,
    GeneratedDashboard,
    Parts,
    base_dashboard,
    finish,
    stat_panel,
    table_panel,
)
from dashboards.grafana.sql import (
    AGENCIES,
    PROGRAMMES,
    PROGRAMMES_VARIABLE,
    TASK_AGENCIES_VARIABLE,
    UNITS_TABLE,
    PanelQuery,
    case,
    literal,
    table,
)
from dashboards.grafana.vocabulary import NO_TASK_REPORT, REPORT_OVERDUE, TASK_STATE_LABELS
from indicators.text import neutralise_formula_sql

# --- Task tracker (variables programme and agency, several values each). -----------------------------------------


def task_state(filters: str) -> str:
    """Each active task as of the snapshot's day, with the open and overdue flags the refresh wrote (task_status,
    from indicators.model's rule) and its latest progress report by that day."""
    return f"""
task_state AS (
    SELECT t.code, t.programme, t.section, t.title_vi, t.lead, t.time_frame, t.due, s.as_of AS today,
           s.state, report.percent_done, report.reported_on, report.note, s.open, s.overdue
    FROM tasks t
    JOIN task_status s ON s.task = t.code
    LEFT JOIN LATERAL (
        SELECT tr.percent_done, tr.reported_on, tr.note FROM task_reports tr
        WHERE tr.task = t.code AND tr.reported_on <= s.as_of
        ORDER BY tr.reported_on DESC, tr.id DESC LIMIT 1) AS report ON true
    WHERE t.archived_at IS NULL{filters})""".strip()


TASK_FILTERS = f" AND t.programme = ANY (ARRAY[{PROGRAMMES}]::text[]) AND t.lead && ARRAY[{AGENCIES}]::text[]"
TASK_STATE_LABEL = case(
    "ts.state", {state.value: label for state, label in TASK_STATE_LABELS.items()}, literal(NO_TASK_REPORT)
)
OPEN_TASK = "ts.open"

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


# --- The dashboard. ---


def task_tracker() -> GeneratedDashboard:
    parts = Parts()
    builder = (
        base_dashboard(
            TASKS_UID,
            "Theo dõi nhiệm vụ",
            "Theo dõi nhiệm vụ theo cơ quan chủ trì, thời hạn, nhiệm vụ quá hạn và báo cáo tiến độ gần nhất; quá hạn "
            "là đã qua hạn (tính đến cuối khoảng thời gian) mà chưa hoàn thành hay hủy — Task tracker: tasks by lead "
            "agency, due dates, overdue tasks and the latest progress report.",
            "now-1y",
            "now",
        )
        .with_variable(parts.variable("programme", "Văn bản", PROGRAMMES_VARIABLE, multi=True))
        .with_variable(parts.variable("agency", "Cơ quan chủ trì", TASK_AGENCIES_VARIABLE, multi=True))
    )
    builder = (
        builder.with_panel(
            stat_panel(
                parts,
                "Nhiệm vụ",
                "Tổng số, đã hoàn thành, quá hạn, đến hạn trong 90 ngày — Tasks: total, done, overdue, due in 90 days.",
                TASK_SUMMARY,
                span=24,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Theo cơ quan chủ trì",
                "Nhiệm vụ của từng cơ quan chủ trì theo tình trạng — Tasks of each lead agency by state.",
                TASKS_BY_AGENCY,
                height=9,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Nhiệm vụ quá hạn",
                "Nhiệm vụ quá hạn, hạn sớm nhất trước — Overdue tasks, oldest due date first.",
                task_list(True),
                height=9,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Danh sách nhiệm vụ",
                "Mọi nhiệm vụ và báo cáo tiến độ gần nhất — All tasks with their latest progress report.",
                task_list(False),
                height=14,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Quy mô công trình, dự án",
                "Quy mô ghi trong văn bản cho nhiệm vụ, dự án: chiều dài, số làn đường, công suất — Physical specifications "
                "printed for tasks and projects: road lengths and lanes, plant capacities.",
                TASK_ATTRIBUTES,
                height=10,
            )
        )
    )
    return finish(TASKS_UID, builder, parts)
