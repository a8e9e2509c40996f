"""What every Grafana dashboard is built with (Grafana's foundation SDK): uids, the generated dashboard, panel
helpers and field configuration. Each dashboard kind is a module beside this one; `dashboards.grafana.build` builds
them all from the catalogue.

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

from dashboards.grafana.sql import DETAIL_COLUMN, TIMEZONE, PanelQuery
from dashboards.grafana.sql_query import PostgresQueryBuilder, datasource_ref
from dashboards.grafana.vocabulary import (
    APPROXIMATELY_ACHIEVED,
    PROJECTION_MEETS,
    PROJECTION_MISSES,
    REPORT_ON_TIME,
    REPORT_OVERDUE,
    STATUS_COLORS,
    STATUS_DISPLAY_ORDER,
)
from indicators.status import Status

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
MARKED_TEXT_COLUMNS = ("Báo cáo", "Dự báo", "Quá hạn", "Xấp xỉ", "Kết quả kỳ trước")
# The row's detail URL comes from its "Chi tiết" column (shown as a word), which carries the codes: the code columns
# themselves are left out of the table by the organize transformation, so a link cannot read them.
DETAIL_LINK = f'${{__data.fields["{DETAIL_COLUMN}"]}}&${{__url_time_range}}'
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
    """Colours for the words the tables show: statuses (today's and the previous period's), overdue reports and
    projections."""
    colors = {status.label_vi: STATUS_COLORS[status] for status in STATUS_DISPLAY_ORDER}
    colors |= {REPORT_OVERDUE: "red", REPORT_ON_TIME: "green", PROJECTION_MEETS: "green", PROJECTION_MISSES: "orange"}
    colors[APPROXIMATELY_ACHIEVED] = STATUS_COLORS[Status.achieved]
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
        .timezone(TIMEZONE)
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
