"""Grafana-managed alert rules (off track, report overdue, task overdue), their contact point and notification policy.

Each rule runs one query of dashboards/grafana/alerting.py on the TimescaleDB data source: one row per series, the string
columns become the alert's labels and `value` (1 or 0) is compared with 0, so every series is evaluated and resolves
when its value drops back to 0. Notifications go to the service's webhook, which keeps the alert history the Alerts
dashboard shows.

The rules are built with the foundation SDK's alerting builders in the form of Grafana's provisioning API; the
provisioning file (deploy/grafana/provisioning/alerting) nests the same objects the way file provisioning expects.
"""

import json
from dataclasses import dataclass
from typing import Any

from grafana_foundation_sdk.builders import alerting, expr
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.alerting import RelativeTimeRange

from dashboards.grafana.panels import DETAIL_CHART_PANEL_ID, DETAIL_UID, FOLDER_TITLE, FOLDER_UID, TASKS_UID
from dashboards.grafana.sql import BOARD_FROM, PanelQuery, table
from dashboards.grafana.sql_query import DATASOURCE_UID, PostgresQueryBuilder
from dashboards.grafana.tasks import task_state

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

RULE_GROUP = "chitieu"
EVALUATION_INTERVAL_SECONDS = 300
QUERY_RANGE_SECONDS = 600  # the rules read the current board; $__timeTo() is the evaluation time
CONTACT_POINT = "chitieu-webhook"
SOURCE_LABEL = ("source", "chitieu-grafana")  # on every rule; the pushed notification route matches it
ORG_ID = 1

INDICATOR_LINK = (
    f"/d/{DETAIL_UID}/?var-programme={{{{ $labels.programme }}}}&var-indicator={{{{ $labels.indicator }}}}"
    "&var-region={{ $labels.region }}"
)


@dataclass(frozen=True)
class AlertRule:
    uid: str
    title: str
    query: PanelQuery
    pending_for: str
    severity: str
    summary: str
    description: str
    link: str


RULES = (
    AlertRule(
        uid="chitieu-off-track",
        title="Chỉ tiêu chậm tiến độ",
        query=ALERT_OFF_TRACK,
        pending_for="10m",
        severity="critical",
        summary="Chậm tiến độ: {{ $labels.indicator_name }} ({{ $labels.region_name }})",
        description=(
            "Chỉ tiêu {{ $labels.indicator_name }} tại {{ $labels.region_name }} kém giá trị kế hoạch của kỳ quá mức "
            "dung sai. The indicator is below its target path beyond the tolerance."
        ),
        link=INDICATOR_LINK,
    ),
    AlertRule(
        uid="chitieu-report-overdue",
        title="Báo cáo số liệu quá hạn",
        query=ALERT_REPORT_OVERDUE,
        pending_for="10m",
        severity="warning",
        summary="Quá hạn báo cáo: {{ $labels.indicator_name }} ({{ $labels.region_name }})",
        description=(
            "Chưa nhận được số liệu kỳ tiếp theo của chỉ tiêu {{ $labels.indicator_name }} tại "
            "{{ $labels.region_name }}, đã quá hạn. The next report of this indicator is overdue."
        ),
        link=INDICATOR_LINK,
    ),
    AlertRule(
        uid="chitieu-task-overdue",
        title="Nhiệm vụ quá hạn",
        query=ALERT_TASK_OVERDUE,
        pending_for="10m",
        severity="warning",
        summary="Nhiệm vụ quá hạn: mục {{ $labels.section }} ({{ $labels.task }})",
        description=(
            "Nhiệm vụ {{ $labels.task }} đã quá hạn hoàn thành mà chưa được báo cáo hoàn thành; cơ quan chủ trì: "
            "{{ $labels.owner }}. The task is past its due date and not reported done."
        ),
        link=f"/d/{TASKS_UID}/?var-programme={{{{ $labels.programme }}}}",
    ),
)


def _rule(rule: AlertRule) -> alerting.Rule:
    query = (
        alerting.Query("A")
        .datasource_uid(DATASOURCE_UID)
        .relative_time_range(RelativeTimeRange(from_val=QUERY_RANGE_SECONDS, to=0))
        .model(PostgresQueryBuilder(rule.query.sql, rule.query.format).ref_id("A"))
    )
    above_zero = (
        expr.TypeThreshold()
        .ref_id("C")
        .expression("A")
        .conditions(
            [
                expr.ExprTypeThresholdConditions().evaluator(
                    expr.ExprTypeThresholdConditionsEvaluator().type("gt").params([0])
                )
            ]
        )
    )
    condition = (
        alerting.Query("C")
        .datasource_uid("__expr__")
        .relative_time_range(RelativeTimeRange(from_val=0, to=0))
        .model(above_zero)
    )
    annotations = {"summary": rule.summary, "description": rule.description, "dashboard_url": rule.link}
    if rule.link == INDICATOR_LINK:
        annotations |= {"__dashboardUid__": DETAIL_UID, "__panelId__": str(DETAIL_CHART_PANEL_ID)}
    return (
        alerting.Rule(rule.title)
        .uid(rule.uid)
        .org_id(ORG_ID)
        .folder_uid(FOLDER_UID)
        .rule_group(RULE_GROUP)
        .queries([query, condition])
        .condition("C")
        .for_val(rule.pending_for)
        .no_data_state("OK")
        .exec_err_state("Error")
        .is_paused(False)
        .labels({"severity": rule.severity, SOURCE_LABEL[0]: SOURCE_LABEL[1]})
        .annotations(annotations)
    )


def _json(built: object) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(JSONEncoder(sort_keys=True).encode(built))
    return document


def rule_group() -> dict[str, Any]:
    """The rule group as PUT /api/v1/provisioning/folder/{folderUid}/rule-groups/{group} takes it."""
    group = (
        alerting.RuleGroup(RULE_GROUP)
        .folder_uid(FOLDER_UID)
        .interval(EVALUATION_INTERVAL_SECONDS)
        .rules([_rule(rule) for rule in RULES])
    )
    return _json(group.build())


def contact_point(webhook_url: str, token: str | None = None) -> dict[str, Any]:
    """The service's webhook (POST /v1/alerts/webhook), as the contact point API takes it; with the service's
    webhook token as bearer credentials when given."""
    settings: dict[str, Any] = {"url": webhook_url, "httpMethod": "POST"}
    if token is not None:
        settings |= {"authorization_scheme": "Bearer", "authorization_credentials": token}
    point = (
        alerting.ContactPoint()
        .uid(CONTACT_POINT)
        .name(CONTACT_POINT)
        .type("webhook")
        .settings(settings)
        .disable_resolve_message(False)
    )
    return _json(point.build())


def notification_route() -> dict[str, Any]:
    """The route sending chitieu's alerts to the webhook, grouped by programme and rule."""
    route = (
        alerting.NotificationPolicy()
        .receiver(CONTACT_POINT)
        .object_matchers([[SOURCE_LABEL[0], "=", SOURCE_LABEL[1]]])
        .group_by(["grafana_folder", "alertname", "programme"])
        .group_wait("30s")
        .group_interval("5m")
        .repeat_interval("12h")
    )
    return _json(route.build())


def escape_dollars(value: Any) -> Any:
    """Grafana expands environment variables (`$NAME`) in every string of a provisioned rule's query models, which
    would eat the `$__timeTo()` macro; `$$` is its escape for a literal `$`."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, dict):
        return {key: escape_dollars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [escape_dollars(item) for item in value]
    return value


def _file_rule(rule: dict[str, Any]) -> dict[str, Any]:
    file_rule = {key: rule[key] for key in FILE_RULE_KEYS if key in rule}
    file_rule["data"] = [{**query, "model": escape_dollars(query["model"])} for query in rule["data"]]
    return file_rule


FILE_RULE_KEYS = ("uid", "title", "condition", "data", "noDataState", "execErrState", "for", "annotations", "labels",
                  "isPaused")  # fmt: skip


def alerting_provisioning() -> dict[str, Any]:
    """The provisioning file: rule group, contact point and the whole policy tree (of the Grafana it provisions).

    The webhook address and token are Grafana's environment variables CHITIEU_ALERT_WEBHOOK_URL and
    CHITIEU_ALERTS_WEBHOOK_TOKEN. Annotations are not expanded by
    Grafana, so their `{{ $labels.x }}` templates stay as they are.
    """
    group = rule_group()
    point = contact_point("${CHITIEU_ALERT_WEBHOOK_URL}", "${CHITIEU_ALERTS_WEBHOOK_TOKEN}")
    route = notification_route()
    return {
        "apiVersion": 1,
        "groups": [
            {
                "orgId": ORG_ID,
                "name": RULE_GROUP,
                "folder": FOLDER_TITLE,
                "interval": f"{EVALUATION_INTERVAL_SECONDS}s",
                "rules": [_file_rule(rule) for rule in group["rules"]],
            }
        ],
        "contactPoints": [
            {
                "orgId": ORG_ID,
                "name": point["name"],
                "receivers": [{key: point[key] for key in ("uid", "type", "settings", "disableResolveMessage")}],
            }
        ],
        "policies": [
            {
                "orgId": ORG_ID,
                "receiver": CONTACT_POINT,
                "group_by": route["group_by"],
                "group_wait": route["group_wait"],
                "group_interval": route["group_interval"],
                "repeat_interval": route["repeat_interval"],
            }
        ],
    }
