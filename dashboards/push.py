"""`chitieu dashboards push`: create or update the folder, data source, dashboards and alerting in a running Grafana.

Idempotent: each object is read first and written only when missing or different, so a second push changes nothing.
"Different" means a field we set has another value; Grafana's own additions (ids, versions, provenance) are ignored.
The data source password cannot be read back, so it is sent only when the data source is created or updated, or
when Grafana holds none.

For a Grafana provisioned from files (deploy/docker-compose.yml) there is nothing to push: file-provisioned objects
cannot be changed through the API. Push is for an existing Grafana.
"""

from dataclasses import dataclass, field
from typing import Any

from grafana_client.api import GrafanaApi
from grafana_client.client import GrafanaClientError

from dashboards.grafana import alerting as grafana_alerts
from dashboards.grafana import provisioning
from dashboards.grafana.panels import FOLDER_TITLE, FOLDER_UID, GeneratedDashboard
from dashboards.grafana.sql_query import DATASOURCE_UID

PUSH_MESSAGE = "chitieu dashboards push"


@dataclass
class PushReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


@dataclass(frozen=True)
class DatasourceTarget:
    """Where Grafana reaches TimescaleDB (host:port as seen from Grafana) as the read-only role."""

    url: str
    database: str
    password: str | None
    sslmode: str = "disable"


def contains(desired: Any, actual: Any) -> bool:
    """Every field of `desired` is in `actual` with the same value; `actual` may have more fields."""
    if isinstance(desired, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(value, actual[key]) for key, value in desired.items()
        )
    if isinstance(desired, list):
        return (
            isinstance(actual, list)
            and len(desired) == len(actual)
            and all(contains(d, a) for d, a in zip(desired, actual, strict=True))
        )
    return bool(desired == actual)


def connect(url: str, token: str) -> Any:
    """A grafana-client API object (its methods carry no type annotations, hence Any)."""
    return GrafanaApi.from_url(url, credential=token)


def _get(call: Any, *args: Any) -> Any:
    """The object, or None when Grafana answers 404."""
    try:
        return call(*args)
    except GrafanaClientError as error:
        if error.status_code == 404:
            return None
        raise


def push(
    api: Any,
    dashboards: list[GeneratedDashboard],
    datasource: DatasourceTarget,
    webhook_url: str,
    webhook_token: str | None = None,
) -> PushReport:
    """Folder, data source, dashboards, the webhook contact point (sending the service's webhook token, which the
    webhook requires), rule group and notification route: each created, updated or left as it is."""
    report = PushReport()
    _push_folder(api, report)
    _push_datasource(api, datasource, report)
    for dashboard in dashboards:
        _push_dashboard(api, dashboard, report)
    _push_contact_point(api, webhook_url, webhook_token, report)
    _push_rule_group(api, report)
    _push_notification_route(api, report)
    return report


def _push_folder(api: Any, report: PushReport) -> None:
    name = f"folder {FOLDER_UID}"
    existing = _get(api.folder.get_folder, FOLDER_UID)
    if existing is None:
        api.folder.create_folder(FOLDER_TITLE, uid=FOLDER_UID)
        report.created.append(name)
    elif existing.get("title") != FOLDER_TITLE:
        api.folder.update_folder(FOLDER_UID, title=FOLDER_TITLE, overwrite=True)
        report.updated.append(name)
    else:
        report.unchanged.append(name)


def _push_datasource(api: Any, target: DatasourceTarget, report: PushReport) -> None:
    name = f"datasource {DATASOURCE_UID}"
    # Not the default data source: the Grafana pushed to may serve others.
    desired = provisioning.datasource(target.url, target.database, target.password, target.sslmode, default=False)
    readable = {key: value for key, value in desired.items() if key != "secureJsonData"}
    existing = _get(api.datasource.get_datasource_by_uid, DATASOURCE_UID)
    if existing is None:
        api.datasource.create_datasource(desired)
        report.created.append(name)
        return
    has_password = bool(existing.get("secureJsonFields", {}).get("password"))
    if contains(readable, existing) and (has_password or target.password is None):
        report.unchanged.append(name)
        return
    api.datasource.update_datasource_by_uid(DATASOURCE_UID, desired)
    report.updated.append(name)


def _push_dashboard(api: Any, dashboard: GeneratedDashboard, report: PushReport) -> None:
    name = f"dashboard {dashboard.uid}"
    existing = _get(api.dashboard.get_dashboard, dashboard.uid)
    if (
        existing is not None
        and contains(dashboard.model, existing.get("dashboard"))
        and existing.get("meta", {}).get("folderUid") == FOLDER_UID
    ):
        report.unchanged.append(name)
        return
    api.dashboard.update_dashboard(
        {"dashboard": dashboard.model, "folderUid": FOLDER_UID, "overwrite": True, "message": PUSH_MESSAGE}
    )
    (report.created if existing is None else report.updated).append(name)


def _push_contact_point(api: Any, webhook_url: str, token: str | None, report: PushReport) -> None:
    desired = grafana_alerts.contact_point(webhook_url, token)
    name = f"contact point {desired['uid']}"
    points = api.alertingprovisioning.get_contactpoints(name=desired["name"]) or []
    existing = next((point for point in points if point.get("uid") == desired["uid"]), None)
    # Grafana answers secrets redacted: compare the rest; a changed token is sent by `--webhook-token` anyway.
    comparable = {
        **desired,
        "settings": {k: v for k, v in desired["settings"].items() if k != "authorization_credentials"},
    }
    if existing is None:
        api.alertingprovisioning.create_contactpoint(desired)
        report.created.append(name)
    elif not contains(comparable, existing):
        api.alertingprovisioning.update_contactpoint(desired["uid"], desired)
        report.updated.append(name)
    else:
        report.unchanged.append(name)


def _push_rule_group(api: Any, report: PushReport) -> None:
    desired = grafana_alerts.rule_group()
    name = f"rule group {FOLDER_UID}/{grafana_alerts.RULE_GROUP}"
    existing = _get(api.alertingprovisioning.get_rule_group, FOLDER_UID, grafana_alerts.RULE_GROUP)
    if existing is not None and contains(desired, existing):
        report.unchanged.append(name)
        return
    api.alertingprovisioning.update_rule_group(FOLDER_UID, grafana_alerts.RULE_GROUP, desired)
    (report.created if existing is None else report.updated).append(name)


def _push_notification_route(api: Any, report: PushReport) -> None:
    """Add (or correct) the one route for chitieu's alerts, leaving the rest of the tree as it is."""
    desired = grafana_alerts.notification_route()
    name = "notification route source=chitieu-grafana"
    tree = api.alertingprovisioning.get_notification_policy_tree()
    routes = tree.get("routes") or []
    ours = [index for index, route in enumerate(routes) if route.get("object_matchers") == desired["object_matchers"]]
    if ours and contains(desired, routes[ours[0]]):
        report.unchanged.append(name)
        return
    if ours:
        routes[ours[0]] = desired
        report.updated.append(name)
    else:
        routes.append(desired)
        report.created.append(name)
    api.alertingprovisioning.set_notification_policy_tree({**tree, "routes": routes})
