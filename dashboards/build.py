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
from indicators.periods import Frequency

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
# The row's detail URL comes from its "Chi tiết" column (shown as a word), which carries the codes: the code columns
# themselves are left out of the table by the organize transformation, so a link cannot read them.
DETAIL_LINK = f'${{__data.fields["{q.DETAIL_COLUMN}"]}}&${{__url_time_range}}'
DETAIL_WORD = "Xem chi tiết ›"
DEFAULT_PUBLIC_URL = (
    "http://127.0.0.1:8000"  # the service as `make run` serves it: where the overviews' report links go
)
REPORT_FORMATS = (("pdf", "Báo cáo (PDF)", "report as PDF"), ("docx", "Báo cáo (Word)", "report as Word"),
                  ("xlsx", "Biểu số liệu (Excel)", "table as Excel"))  # fmt: skip


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
    detail = model.RegexMap(
        options=model.DashboardRegexMapOptions(
            pattern="^/d/.*", result=model.ValueMappingResult(text=DETAIL_WORD, color="blue", index=len(options))
        )
    )
    return [model.ValueMap(options=options), detail]


def status_colors_by_field() -> list[tuple[model.MatcherConfig, list[model.DynamicConfigValue]]]:
    return [(by_names(status.label_vi), [fixed_color(STATUS_COLORS[status])]) for status in STATUS_DISPLAY_ORDER]


def detail_link() -> dashboard_builders.DashboardLink:
    return (
        dashboard_builders.DashboardLink("Xem chi tiết chỉ tiêu")
        .type(model.DashboardLinkType.LINK)
        .url(DETAIL_LINK)
        .tooltip("Chi tiết chỉ tiêu (indicator detail)")
    )


def hide_codes(columns: tuple[str, ...]) -> model.DataTransformerConfig | None:
    """Grafana's "organize fields": the `ma_*` code columns stay in the query (for the tests, and for readers of the
    data) but not in the table a leader sees."""
    codes = {column: True for column in columns if column.startswith("ma_")}
    return model.DataTransformerConfig(id_val="organize", options={"excludeByName": codes}) if codes else None


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
        .unit("locale")  # the reader's own separators: 1.967 and 7,5 in a Vietnamese browser; decimals from SQL
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
    hidden = hide_codes(query.columns)
    if hidden is not None:
        panel = panel.with_transformation(hidden)
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
        .description("Số chỉ tiêu (theo địa bàn) ở mỗi trạng thái — Indicator-region series in each status.")
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
    """Grafana's "config from query results": the unit and decimals of the number fields, from a query's `unit` and
    `decimals` columns (the indicator's unit: tỷ đồng, %, a count ...)."""
    return model.DataTransformerConfig(
        id_val="configFromData",
        options={
            "configRefId": ref_id,
            "mappings": [
                {"fieldName": "unit", "handlerKey": "unit"},
                {"fieldName": "decimals", "handlerKey": "decimals"},
            ],
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
    ).with_variable(parts.variable("region", "Địa bàn", q.programme_regions_variable(programme.id), multi=True))
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
                "Chỉ tiêu chưa có số liệu kỳ mới dù đã quá hạn (cuối kỳ sau cộng số ngày cho phép) — Series whose "
                "next report is overdue (end of the next period plus the grace days).",
                q.overview_overdue(programme.id),
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
                "Số chỉ tiêu theo nhóm (kinh tế, văn hóa - xã hội ...) và trạng thái — Indicators by group and status.",
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
                "Mỗi dòng một chỉ tiêu tại một địa bàn, nặng nhất trước: thực hiện, kế hoạch của kỳ, mục tiêu cuối kỳ, "
                "tiến độ (%), dự báo đến cuối kỳ; số liệu theo đơn vị đánh giá (cột Đơn vị); bấm một dòng để xem chi "
                "tiết — One row per indicator and region, worst first: actual, expected value for the period, final "
                "target, progress (%), projection, in the terms the target is judged in; click a row for the detail.",
                q.overview_board(programme.id),
                height=16,
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
            "Chi tiết chỉ tiêu: số liệu báo cáo (đánh dấu lần sửa) so với lộ trình và khoảng cho phép, mục tiêu cuối "
            "kỳ và dự báo; chỉ tiêu theo văn bản — Indicator detail: reported values (with revision markers) against "
            "the target path and its band, the final target and the projection; the targets as written.",
            "now-6y/y",
            "now+5y/y",
        )
        .with_variable(parts.variable("programme", "Văn bản", q.PROGRAMMES_VARIABLE, multi=False))
        .with_variable(parts.variable("indicator", "Chỉ tiêu", q.INDICATORS_VARIABLE, multi=False))
        .with_variable(parts.variable("region", "Địa bàn", q.INDICATOR_REGIONS_VARIABLE, multi=False))
    )
    facts = table_panel(
        parts, "Thông tin chỉ tiêu", "Chỉ tiêu là gì — What the indicator is.", q.INDICATOR_FACTS, height=4
    )
    evaluation = table_panel(
        parts,
        "Đánh giá hiện tại",
        "Đánh giá mới nhất của chỉ tiêu tại địa bàn, theo cách tính của mục tiêu cuối kỳ (cơ sở đánh giá: giá trị "
        "báo cáo, số lần so với năm gốc, tăng bình quân hoặc mức thay đổi so với năm trước) — The latest judgement "
        "of this indicator in this region, in the terms of the final target.",
        q.INDICATOR_EVALUATION,
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
        .with_target(parts.target(q.INDICATOR_ACTUALS, "A"))
        .with_target(parts.target(q.INDICATOR_PATH, "B"))
        .with_target(parts.target(q.INDICATOR_TARGET_LINE, "C"))
        .with_target(parts.target(q.INDICATOR_PROJECTION, "D"))
        .with_target(parts.target(q.INDICATOR_UNIT, "U"))
        .with_transformation(unit_from_query("U"))
        .with_override(by_names(q.ACTUAL_SERIES[Frequency.year]), [fixed_color("dark-blue")])
        .with_override(
            by_names(*(q.ACTUAL_SERIES[f] for f in Frequency if f is not Frequency.year)), [fixed_color("blue")]
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
                q.INDICATOR_REPORTED_VALUES,
                height=9,
                span=12,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Chỉ tiêu theo văn bản",
                "Chỉ tiêu như văn bản ghi — The targets as written in the source document.",
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
            "So sánh các địa bàn của một chỉ tiêu: trạng thái và số liệu cạnh nhau — Region comparison for indicators "
            "tracked in several regions: status and values side by side.",
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
            "Trạng thái của chỉ tiêu tại từng địa bàn, nặng nhất trước — The indicator's status in each selected region, "
            "worst first.",
            q.REGION_COMPARISON,
            height=9,
        )
    ).with_panel(
        chart(
            parts,
            "Diễn biến theo địa bàn",
            "Số liệu báo cáo của từng địa bàn, đặt tại cuối kỳ — Reported values of each selected region, at each "
            "period's end.",
            height=10,
        )
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
            "Theo dõi nhiệm vụ theo cơ quan chủ trì, thời hạn, nhiệm vụ quá hạn và báo cáo tiến độ gần nhất; quá hạn "
            "là đã qua hạn (tính đến cuối khoảng thời gian) mà chưa hoàn thành hay hủy — Task tracker: tasks by lead "
            "agency, due dates, overdue tasks and the latest progress report.",
            "now-1y",
            "now",
        )
        .with_variable(parts.variable("programme", "Văn bản", q.PROGRAMMES_VARIABLE, multi=True))
        .with_variable(parts.variable("agency", "Cơ quan chủ trì", q.TASK_AGENCIES_VARIABLE, multi=True))
    )
    builder = (
        builder.with_panel(
            stat_panel(
                parts,
                "Nhiệm vụ",
                "Tổng số, đã hoàn thành, quá hạn, đến hạn trong 90 ngày — Tasks: total, done, overdue, due in 90 days.",
                q.TASK_SUMMARY,
                span=24,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Theo cơ quan chủ trì",
                "Nhiệm vụ của từng cơ quan chủ trì theo tình trạng — Tasks of each lead agency by state.",
                q.TASKS_BY_AGENCY,
                height=9,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Nhiệm vụ quá hạn",
                "Nhiệm vụ quá hạn, hạn sớm nhất trước — Overdue tasks, oldest due date first.",
                q.task_list(True),
                height=9,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Danh sách nhiệm vụ",
                "Mọi nhiệm vụ và báo cáo tiến độ gần nhất — All tasks with their latest progress report.",
                q.task_list(False),
                height=14,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Quy mô công trình, dự án",
                "Quy mô ghi trong văn bản cho nhiệm vụ, dự án: chiều dài, số làn đường, công suất — Physical specifications "
                "printed for tasks and projects: road lengths and lanes, plant capacities.",
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
        "Tình hình báo cáo: đơn vị nào gửi gì, khi nào, báo cáo nào quá hạn — Data timeliness: which office reported "
        "what and when, and which reports are overdue.",
        "now-1y",
        "now",
    ).with_variable(parts.variable("programme", "Văn bản", q.PROGRAMMES_VARIABLE, multi=True))
    builder = (
        builder.with_panel(
            table_panel(
                parts,
                "Báo cáo quá hạn",
                "Chỉ tiêu quá hạn báo cáo kỳ tiếp theo — Series whose next report is overdue.",
                q.TIMELINESS_OVERDUE,
                height=10,
                links=True,
            )
        )
        .with_panel(
            table_panel(
                parts,
                "Đơn vị báo cáo",
                "Số liệu nhận từ từng đơn vị trong khoảng thời gian — Values received from each office in the time range.",
                q.OFFICES,
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
            .with_target(parts.target(q.SUBMISSIONS_PER_MONTH))
            .draw_style(common.GraphDrawStyle.BARS)
            .fill_opacity(80)
            .unit("short")
        )
        .with_panel(
            table_panel(
                parts,
                "Số liệu nhận được gần đây",
                "Số liệu nhận gần đây nhất (tối đa 1.000) — The latest values received in the time range (at most 1000).",
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
                q.ALERT_SUMMARY,
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
            .with_target(parts.target(q.ALERTS_PER_DAY))
            .draw_style(common.GraphDrawStyle.BARS)
            .fill_opacity(80)
            .unit("short")
            .with_override(by_names("Cảnh báo"), [fixed_color("red")])
            .with_override(by_names("Đã kết thúc"), [fixed_color("green")])
        )
        .with_panel(
            table_panel(parts, "Đang cảnh báo", "Cảnh báo đang bật — Alerts firing now.", q.ACTIVE_ALERTS, height=9)
        )
        .with_panel(
            table_panel(
                parts,
                "Lịch sử cảnh báo",
                "Thông báo cảnh báo nhận được trong khoảng thời gian — Alert notifications received in the time range.",
                q.ALERT_HISTORY,
                height=12,
            )
        )
    )
    return finish(ALERTS_UID, builder, parts)


def build_dashboards(catalogue: Catalogue, api_url: str = DEFAULT_PUBLIC_URL) -> list[GeneratedDashboard]:
    """`api_url`: where the overviews' report links go (CHITIEU_PUBLIC_URL)."""
    programmes = sorted(catalogue.programmes.values(), key=_by_id)
    overviews = [overview(programme, catalogue, api_url) for programme in programmes]
    return [*overviews, indicator_detail(), region_comparison(), task_tracker(), data_timeliness(), alert_history()]


def _by_id(programme: Programme) -> str:
    return programme.id
