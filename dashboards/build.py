"""The Grafana dashboards, built from the catalogue with Grafana's foundation SDK.

One leaders' overview per programme, then one dashboard each for an indicator's detail, the comparison of regions,
the task tracker, data timeliness and the alert history. Every panel reads the SQL of dashboards/queries.py; the
`GeneratedDashboard` keeps the queries it uses so the tests can run each of them.

The SDK's schema (dashboards/schema) types field-override values and matcher options as objects, so overrides here
only carry objects (colours, line styles, cell options) and match fields with the `byNames` matcher.
"""

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dashboard_builders
from grafana_foundation_sdk.builders import piechart, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as model
from grafana_foundation_sdk.models.piechart import PieChartLegendValues, PieChartType

from dashboards import queries as q
from dashboards.queries import PanelQuery
from dashboards.sql_query import PostgresQueryBuilder, datasource_ref
from dashboards.vocabulary import (
    PROGRAMME_KIND_LABELS,
    PROJECTION_MEETS,
    PROJECTION_MISSES,
    REPORT_ON_TIME,
    REPORT_OVERDUE,
    STATUS_COLORS,
    STATUS_DISPLAY_ORDER,
)
from indicators.catalogue import Catalogue
from indicators.model import Programme

TAG = "chitieu"
FOLDER_UID = "chitieu"
FOLDER_TITLE = "Chỉ tiêu"
UID_MAX_LENGTH = 40  # Grafana's limit for dashboard and alert rule uids

DETAIL_UID = "chitieu-indicator"
REGIONS_UID = "chitieu-regions"
TASKS_UID = "chitieu-tasks"
TIMELINESS_UID = "chitieu-timeliness"
ALERTS_UID = "chitieu-alerts"
DETAIL_CHART_PANEL_ID = 3  # the chart the revision markers are drawn on; alert rules link to it

STATUS_COLUMN = "Trạng thái"
MARKED_TEXT_COLUMNS = ("Báo cáo", "Dự báo", "Quá hạn")
DETAIL_LINK = (
    f"/d/{DETAIL_UID}/?var-programme=${{__data.fields.ma_chuong_trinh}}"
    "&var-indicator=${__data.fields.ma_chi_tieu}&var-region=${__data.fields.ma_dia_ban}&${__url_time_range}"
)


def stable_uid(prefix: str, code: str) -> str:
    """`prefix-code`, or when longer than Grafana allows, shortened with a hash of the code so it stays unique."""
    uid = f"{prefix}-{code}"
    if len(uid) <= UID_MAX_LENGTH:
        return uid
    digest = hashlib.sha256(code.encode()).hexdigest()[:10]
    return f"{uid[: UID_MAX_LENGTH - len(digest) - 1]}-{digest}"


def overview_uid(programme_id: str) -> str:
    return stable_uid("chitieu-overview", programme_id)


@dataclass
class GeneratedDashboard:
    uid: str
    title: str
    model: dict[str, Any]
    queries: list[PanelQuery]

    @property
    def filename(self) -> str:
        return f"{self.uid}.json"

    def to_json(self) -> str:
        return json.dumps(self.model, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@dataclass
class Parts:
    """What a dashboard is being built from: panel ids in order, and every query its panels use."""

    queries: list[PanelQuery] = field(default_factory=list)
    last_id: int = 0

    def panel_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def row(self, title: str) -> dashboard_builders.Row:
        return dashboard_builders.Row(title).id(self.panel_id())

    def target(self, query: PanelQuery, ref_id: str = "A") -> PostgresQueryBuilder:
        self.queries.append(query)
        return PostgresQueryBuilder(query.sql, query.format).ref_id(ref_id)

    def variable(self, name: str, label: str, query: PanelQuery, *, multi: bool) -> dashboard_builders.QueryVariable:
        self.queries.append(query)
        variable = (
            dashboard_builders.QueryVariable(name)
            .label(label)
            .datasource(datasource_ref())
            .query(query.sql)
            .refresh(model.VariableRefresh.ON_DASHBOARD_LOAD)
            .allow_custom_value(False)
        )
        if multi:
            all_option = model.VariableOption(text=["Tất cả"], value=["$__all"], selected=True)
            variable = variable.multi(True).include_all(True).current(all_option)
        return variable


# --- Field configuration. ---------------------------------------------------------------------------------------


def by_names(*names: str) -> model.MatcherConfig:
    return model.MatcherConfig(id_val="byNames", options={"mode": "include", "names": list(names)})


def fixed_color(color: str) -> model.DynamicConfigValue:
    return model.DynamicConfigValue(id_val="color", value={"mode": "fixed", "fixedColor": color})


def dashed() -> model.DynamicConfigValue:
    return model.DynamicConfigValue(id_val="custom.lineStyle", value={"fill": "dash", "dash": [10, 10]})


def cell_display(mode: str) -> model.DynamicConfigValue:
    return model.DynamicConfigValue(id_val="custom.cellOptions", value={"type": mode})


def text_mappings() -> list[model.ValueMapping]:
    """Colours for the words the tables show: statuses, overdue reports and projections."""
    colors = {status.label_vi: STATUS_COLORS[status] for status in STATUS_DISPLAY_ORDER}
    colors |= {REPORT_OVERDUE: "red", REPORT_ON_TIME: "green", PROJECTION_MEETS: "green", PROJECTION_MISSES: "orange"}
    options = {
        text: model.ValueMappingResult(text=text, color=color, index=index)
        for index, (text, color) in enumerate(colors.items())
    }
    return [model.ValueMap(options=options)]


def status_colors_by_field() -> list[tuple[model.MatcherConfig, list[model.DynamicConfigValue]]]:
    return [(by_names(status.label_vi), [fixed_color(STATUS_COLORS[status])]) for status in STATUS_DISPLAY_ORDER]


def detail_link() -> dashboard_builders.DashboardLink:
    return (
        dashboard_builders.DashboardLink("Xem chi tiết chỉ tiêu")
        .type(model.DashboardLinkType.LINK)
        .url(DETAIL_LINK)
        .tooltip("Indicator detail")
    )


# --- Panels. ----------------------------------------------------------------------------------------------------


def table_panel(
    parts: Parts, title: str, description: str, query: PanelQuery, *, height: int, span: int = 24, links: bool = False
) -> table.Panel:
    panel = (
        table.Panel()
        .id(parts.panel_id())
        .title(title)
        .description(description)
        .datasource(datasource_ref())
        .with_target(parts.target(query))
        .height(height)
        .span(span)
        .decimals(2)
        .filterable(True)
        .cell_height(common.TableCellHeight.SM)
        .mappings(text_mappings())
        .no_value("Không có dữ liệu")
    )
    if STATUS_COLUMN in query.columns:
        panel = panel.with_override(by_names(STATUS_COLUMN), [cell_display("color-background")])
    marked = [column for column in MARKED_TEXT_COLUMNS if column in query.columns]
    if marked:
        panel = panel.with_override(by_names(*marked), [cell_display("color-text")])
    if links:
        panel = panel.data_links([detail_link()])
    return panel


def stat_panel(
    parts: Parts, title: str, description: str, query: PanelQuery, *, height: int = 5, span: int = 12
) -> stat.Panel:
    return (
        stat.Panel()
        .id(parts.panel_id())
        .title(title)
        .description(description)
        .datasource(datasource_ref())
        .with_target(parts.target(query))
        .height(height)
        .span(span)
        .graph_mode(common.BigValueGraphMode.NONE)
        .color_mode(common.BigValueColorMode.NONE)
        .text_mode(common.BigValueTextMode.VALUE_AND_NAME)
        .reduce_options(common_builders.ReduceDataOptions().values(False).calcs(["lastNotNull"]).fields("/.*/"))
    )


def status_pie(parts: Parts, query: PanelQuery) -> piechart.Panel:
    panel = (
        piechart.Panel()
        .id(parts.panel_id())
        .title("Chỉ tiêu theo trạng thái")
        .description("Number of indicator-region series in each status.")
        .datasource(datasource_ref())
        .with_target(parts.target(query))
        .height(9)
        .span(10)
        .pie_type(PieChartType.DONUT)
        .reduce_options(common_builders.ReduceDataOptions().values(False).calcs(["lastNotNull"]).fields("/.*/"))
        .legend(
            piechart.PieChartLegendOptions()
            .show_legend(True)
            .display_mode(common.LegendDisplayMode.TABLE)
            .placement(common.LegendPlacement.RIGHT)
            .values([PieChartLegendValues.VALUE, PieChartLegendValues.PERCENT])
        )
    )
    for matcher, properties in status_colors_by_field():
        panel = panel.with_override(matcher, properties)
    return panel


def chart(parts: Parts, title: str, description: str, *, height: int = 10, span: int = 24) -> timeseries.Panel:
    return (
        timeseries.Panel()
        .id(parts.panel_id())
        .title(title)
        .description(description)
        .datasource(datasource_ref())
        .height(height)
        .span(span)
        .draw_style(common.GraphDrawStyle.LINE)
        .line_width(2)
        .show_points(common.VisibilityMode.ALWAYS)
        .point_size(6)
        .span_nulls(True)
        .legend(
            common_builders.VizLegendOptions()
            .show_legend(True)
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
        )
    )


def unit_from_query(ref_id: str) -> model.DataTransformerConfig:
    """Grafana's "config from query results": the unit of the number fields, from the `unit` column of a query."""
    return model.DataTransformerConfig(
        id_val="configFromData",
        options={
            "configRefId": ref_id,
            "mappings": [{"fieldName": "unit", "handlerKey": "unit"}],
            "applyTo": {"id": "byType", "options": "number"},
        },
    )


def base_dashboard(
    uid: str, title: str, description: str, time_from: str, time_to: str
) -> dashboard_builders.Dashboard:
    return (
        dashboard_builders.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([TAG])
        .timezone(q.TIMEZONE)
        .week_start("monday")
        .readonly()
        .time(time_from, time_to)
        .refresh("5m")
        .tooltip(model.DashboardCursorSync.CROSSHAIR)
        .link(
            dashboard_builders.DashboardLink("Các bảng theo dõi chỉ tiêu")
            .type(model.DashboardLinkType.DASHBOARDS)
            .tags([TAG])
            .as_dropdown(True)
            .keep_time(True)
            .tooltip("chitieu dashboards")
        )
    )


def finish(uid: str, builder: dashboard_builders.Dashboard, parts: Parts) -> GeneratedDashboard:
    model_json: dict[str, Any] = json.loads(JSONEncoder(sort_keys=True).encode(builder.build()))
    return GeneratedDashboard(uid, model_json["title"], model_json, parts.queries)


# --- The dashboards. --------------------------------------------------------------------------------------------


def programme_title(programme: Programme, catalogue: Catalogue) -> str:
    province = catalogue.regions[programme.province].name_vi if programme.province in catalogue.regions else ""
    document = f" {programme.document_number}" if programme.document_number else ""
    return f"Tổng quan chỉ tiêu · {province} · {PROGRAMME_KIND_LABELS[programme.kind]}{document} ({programme.span})"


def overview(programme: Programme, catalogue: Catalogue) -> GeneratedDashboard:
    parts = Parts()
    uid = overview_uid(programme.id)
    builder = base_dashboard(
        uid,
        programme_title(programme, catalogue),
        f"{programme.title_vi} — {programme.title_en}. Leaders' overview: status of every indicator of the programme.",
        "now-1y",
        "now",
    ).with_variable(parts.variable("region", "Địa bàn", q.programme_regions_variable(programme.id), multi=True))

    builder = (
        builder.with_row(parts.row("Tình hình chung"))
        .with_panel(
            stat_panel(
                parts,
                "Số liệu",
                "As-of date of the status board and number of indicators followed.",
                q.overview_summary(programme.id),
                height=9,
                span=4,
            )
        )
        .with_panel(status_pie(parts, q.overview_status_counts(programme.id)))
        .with_panel(
            table_panel(
                parts,
                "Chỉ tiêu theo nhóm",
                "Indicators by group (economy, society, ...) and status.",
                q.overview_group_counts(programme.id),
                height=9,
                span=10,
            )
        )
        .with_row(parts.row("Bảng theo dõi chỉ tiêu"))
        .with_panel(
            table_panel(
                parts,
                "Tất cả chỉ tiêu (cần chú ý trước)",
                "One row per indicator and region, worst status first: actual, expected value for the period, final "
                "target, progress towards the target (%), projection to the end of the target. Values are in the "
                "terms the target is judged in (Đơn vị). Click a row for the indicator's detail.",
                q.overview_board(programme.id),
                height=16,
                links=True,
            )
        )
        .with_row(parts.row("Cần xử lý"))
        .with_panel(
            table_panel(
                parts,
                "Chỉ tiêu chậm tiến độ, không đạt",
                "Indicators off their target path beyond the tolerance, and final targets missed.",
                q.overview_off_track(programme.id),
                height=10,
                span=14,
                links=True,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Báo cáo số liệu quá hạn",
                "Series whose next report is overdue (end of the next period plus the grace days).",
                q.overview_overdue(programme.id),
                height=10,
                span=10,
                links=True,
            )
        )
    )
    return finish(uid, builder, parts)


def indicator_detail() -> GeneratedDashboard:
    parts = Parts()
    builder = (
        base_dashboard(
            DETAIL_UID,
            "Chi tiết chỉ tiêu",
            "Indicator detail: reported values (with revision markers) against the target path and its band, the "
            "final target and the projection; the targets as written in the document.",
            "now-6y/y",
            "now+5y/y",
        )
        .with_variable(parts.variable("programme", "Văn bản", q.PROGRAMMES_VARIABLE, multi=False))
        .with_variable(parts.variable("indicator", "Chỉ tiêu", q.INDICATORS_VARIABLE, multi=False))
        .with_variable(parts.variable("region", "Địa bàn", q.INDICATOR_REGIONS_VARIABLE, multi=False))
    )
    facts = table_panel(parts, "Thông tin chỉ tiêu", "What the indicator is.", q.INDICATOR_FACTS, height=4)
    evaluation = table_panel(
        parts,
        "Đánh giá hiện tại",
        "The engine's latest judgement of this indicator in this region, in the terms of the final target "
        "(Cơ sở đánh giá: reported value, multiple of the baseline, average growth or yearly change).",
        q.INDICATOR_EVALUATION,
        height=5,
    )
    assert parts.last_id + 1 == DETAIL_CHART_PANEL_ID  # the annotation and the alert rules point at the chart's id
    trend = (
        chart(
            parts,
            "Diễn biến so với đường chỉ tiêu",
            "Reported values (latest revision of each period) against the expected path, its band, the final target "
            "and the projection. The path is drawn when the target judges the reported value itself. Orange "
            "markers: revised values.",
            height=12,
        )
        .with_target(parts.target(q.INDICATOR_ACTUALS, "A"))
        .with_target(parts.target(q.INDICATOR_PATH, "B"))
        .with_target(parts.target(q.INDICATOR_TARGET_LINE, "C"))
        .with_target(parts.target(q.INDICATOR_PROJECTION, "D"))
        .with_target(parts.target(q.INDICATOR_UNIT, "U"))
        .with_transformation(unit_from_query("U"))
        .with_override(by_names("Thực hiện"), [fixed_color("blue")])
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
                "Every reported value with all its revisions, who sent it and when.",
                q.INDICATOR_REPORTED_VALUES,
                height=9,
                span=12,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Chỉ tiêu theo văn bản",
                "The targets as written in the source document.",
                q.INDICATOR_TARGETS,
                height=9,
                span=12,
            )
        )
        .annotation(revisions)
    )
    generated = finish(DETAIL_UID, builder, parts)
    # The SDK types annotation targets as Grafana's built-in annotation filter; a SQL annotation carries its query.
    parts.queries.append(q.INDICATOR_REVISIONS_ANNOTATION)
    annotation_query = PostgresQueryBuilder(
        q.INDICATOR_REVISIONS_ANNOTATION.sql, q.INDICATOR_REVISIONS_ANNOTATION.format
    )
    generated.model["annotations"]["list"][0]["target"] = annotation_query.ref_id("Anno").build().to_json()
    return generated


def region_comparison() -> GeneratedDashboard:
    parts = Parts()
    builder = (
        base_dashboard(
            REGIONS_UID,
            "So sánh theo địa bàn",
            "Region comparison for indicators tracked in several regions: status and values side by side.",
            "now-6y/y",
            "now+5y/y",
        )
        .with_variable(parts.variable("programme", "Văn bản", q.PROGRAMMES_VARIABLE, multi=False))
        .with_variable(parts.variable("indicator", "Chỉ tiêu", q.MULTI_REGION_INDICATORS_VARIABLE, multi=False))
        .with_variable(parts.variable("region", "Địa bàn", q.INDICATOR_REGIONS_VARIABLE, multi=True))
    )
    builder = builder.with_panel(
        table_panel(
            parts,
            "Đánh giá theo địa bàn",
            "The engine's status of the indicator in each selected region, worst first.",
            q.REGION_COMPARISON,
            height=9,
        )
    ).with_panel(
        chart(parts, "Diễn biến theo địa bàn", "Reported values of each selected region.", height=10)
        .with_target(parts.target(q.REGION_ACTUALS, "A"))
        .with_target(parts.target(q.INDICATOR_UNIT, "U"))
        .with_transformation(unit_from_query("U"))
    )
    return finish(REGIONS_UID, builder, parts)


def task_tracker() -> GeneratedDashboard:
    parts = Parts()
    builder = (
        base_dashboard(
            TASKS_UID,
            "Theo dõi nhiệm vụ",
            "Task tracker: tasks by lead agency, due dates, overdue tasks and the latest progress report. A task is "
            "overdue when its due date has passed (at the end of the time range) and it is neither done nor "
            "cancelled.",
            "now-1y",
            "now",
        )
        .with_variable(parts.variable("programme", "Văn bản", q.PROGRAMMES_VARIABLE, multi=True))
        .with_variable(parts.variable("agency", "Cơ quan chủ trì", q.TASK_AGENCIES_VARIABLE, multi=True))
    )
    builder = (
        builder.with_panel(
            stat_panel(parts, "Nhiệm vụ", "Tasks: total, done, overdue, due in 90 days.", q.TASK_SUMMARY, span=24)
        )
        .with_panel(
            table_panel(
                parts,
                "Theo cơ quan chủ trì",
                "Tasks of each lead agency by state.",
                q.TASKS_BY_AGENCY,
                height=9,
            )
        )
        .with_panel(
            table_panel(parts, "Nhiệm vụ quá hạn", "Overdue tasks, oldest due date first.", q.task_list(True), height=9)
        )
        .with_panel(
            table_panel(
                parts,
                "Danh sách nhiệm vụ",
                "All tasks with their latest progress report.",
                q.task_list(False),
                height=14,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Quy mô công trình, dự án",
                "Physical specifications printed for tasks and projects: road lengths and lanes, plant capacities.",
                q.TASK_ATTRIBUTES,
                height=10,
            )
        )
    )
    return finish(TASKS_UID, builder, parts)


def data_timeliness() -> GeneratedDashboard:
    parts = Parts()
    builder = base_dashboard(
        TIMELINESS_UID,
        "Tình hình báo cáo số liệu",
        "Data timeliness: which office reported what and when, and which reports are overdue.",
        "now-1y",
        "now",
    ).with_variable(parts.variable("programme", "Văn bản", q.PROGRAMMES_VARIABLE, multi=True))
    builder = (
        builder.with_panel(
            table_panel(
                parts,
                "Báo cáo quá hạn",
                "Series whose next report is overdue.",
                q.TIMELINESS_OVERDUE,
                height=10,
                links=True,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Đơn vị báo cáo",
                "Values received from each office in the time range.",
                q.OFFICES,
                height=8,
                span=12,
            )
        )
        .with_panel(
            chart(parts, "Số bản ghi nhận được theo tháng", "Values received per month (Vietnam time).", span=12)
            .with_target(parts.target(q.SUBMISSIONS_PER_MONTH))
            .draw_style(common.GraphDrawStyle.BARS)
            .fill_opacity(80)
            .unit("short")
        )
        .with_panel(
            table_panel(
                parts,
                "Số liệu nhận được gần đây",
                "The latest values received in the time range (at most 1000).",
                q.SUBMISSIONS,
                height=12,
            )
        )
    )
    return finish(TIMELINESS_UID, builder, parts)


def alert_history() -> GeneratedDashboard:
    parts = Parts()
    builder = base_dashboard(
        ALERTS_UID,
        "Cảnh báo",
        "Alert history: what fired and resolved, and who it was sent to (received from Alertmanager and Grafana).",
        "now-30d",
        "now",
    )
    builder = (
        builder.with_panel(
            stat_panel(parts, "Cảnh báo", "Alerts firing now, and alerts fired in the time range.", q.ALERT_SUMMARY)
        )
        .with_panel(
            chart(parts, "Cảnh báo theo ngày", "Alerts fired and resolved per day (Vietnam time).", height=5, span=12)
            .with_target(parts.target(q.ALERTS_PER_DAY))
            .draw_style(common.GraphDrawStyle.BARS)
            .fill_opacity(80)
            .unit("short")
            .with_override(by_names("Cảnh báo"), [fixed_color("red")])
            .with_override(by_names("Đã kết thúc"), [fixed_color("green")])
        )
        .with_panel(table_panel(parts, "Đang cảnh báo", "Alerts firing now.", q.ACTIVE_ALERTS, height=9))
        .with_panel(
            table_panel(
                parts, "Lịch sử cảnh báo", "Alert notifications received in the time range.", q.ALERT_HISTORY, height=12
            )
        )
    )
    return finish(ALERTS_UID, builder, parts)


def build_dashboards(catalogue: Catalogue) -> list[GeneratedDashboard]:
    overviews = [overview(programme, catalogue) for programme in sorted(catalogue.programmes.values(), key=_by_id)]
    return [*overviews, indicator_detail(), region_comparison(), task_tracker(), data_timeliness(), alert_history()]


def _by_id(programme: Programme) -> str:
    return programme.id
