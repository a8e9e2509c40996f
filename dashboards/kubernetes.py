"""The monitoring side of a Kubernetes deployment as ConfigMaps, generated from the catalogue.

For each overlay under deploy/k8s/overlays/ (scripts/k8s-configmaps.py writes them, tests/test_k8s.py compares):
    monitoring/kustomization.yaml                    lists the files below
    monitoring/prometheus-config.yaml                prometheus.yml: scrape the chitieu Service, the rule files
    monitoring/prometheus-rules-<programme>.yaml     one ConfigMap per programme (a ConfigMap holds at most 1 MiB)
    monitoring/alertmanager-config.yaml              routing by province and agency, webhook to the chitieu Service
    monitoring/grafana-datasource.yaml, grafana-alerting.yaml, grafana-dashboard-provider.yaml
    monitoring/grafana-dashboard-<uid>.yaml          one ConfigMap per dashboard

The links in alerts (runbook, dashboards) use the overlay's public addresses, read from its config.env
(CHITIEU_PUBLIC_URL, CHITIEU_GRAFANA_URL), and Alertmanager posts to the chitieu Service of the overlay's namespace
(its kustomization.yaml `namespace:`), so each overlay has its own copy. The Grafana files carry Grafana's labels for
the dashboard, data source and alert sidecars of the common Grafana chart, and mount as plain volumes too.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from dashboards.alertmanager import AlertmanagerOptions, render_alertmanager_config
from dashboards.grafana.panels import FOLDER_TITLE
from dashboards.grafana.provisioning import DASHBOARDS_DIR, grafana_files
from dashboards.output import K8S_HEADER, dump_yaml
from dashboards.prometheus.files import PrometheusSetup, prometheus_config, rule_files
from dashboards.prometheus.model import RuleOptions
from indicators.catalogue import Catalogue

K8S_DIR = Path(__file__).resolve().parents[1] / "deploy" / "k8s"
MONITORING_DIR = "monitoring"
SERVICE_NAME = "chitieu"  # deploy/k8s/base/service.yaml
SERVICE_PORT = 8000
# The Secret the API reads its webhook token from (key `token`): a name, not a value.
WEBHOOK_SECRET_NAME = "chitieu-alerts-webhook"  # noqa: S105
# Where the Prometheus Operator mounts an Alertmanager's `secrets:` (/etc/alertmanager/secrets/<secret>/<key>).
WEBHOOK_CREDENTIALS_FILE = f"/etc/alertmanager/secrets/{WEBHOOK_SECRET_NAME}/token"
RULES_MOUNT = "/etc/prometheus/rules"
CONFIGMAP_LIMIT_BYTES = 1024 * 1024
_NOT_IN_A_NAME = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class Site:
    """What differs between deployments: the namespace and the public addresses that alerts link to."""

    namespace: str
    public_url: str
    grafana_url: str

    @property
    def service_host(self) -> str:
        return f"{SERVICE_NAME}.{self.namespace}.svc:{SERVICE_PORT}"


def read_site(overlay_dir: Path) -> Site:
    """The overlay's namespace (kustomization.yaml) and public addresses (config.env)."""
    kustomization = YAML(typ="safe", pure=True).load((overlay_dir / "kustomization.yaml").read_text(encoding="utf-8"))
    environment = {}
    for line in (overlay_dir / "config.env").read_text(encoding="utf-8").splitlines():
        name, separator, value = line.partition("=")
        if separator and not line.lstrip().startswith("#"):
            environment[name.strip()] = value.strip()
    missing = [name for name in ("CHITIEU_PUBLIC_URL", "CHITIEU_GRAFANA_URL") if not environment.get(name)]
    if not kustomization.get("namespace") or missing:
        raise ValueError(
            f"{overlay_dir}: needs `namespace:` in kustomization.yaml and {', '.join(missing)} in config.env"
        )
    return Site(
        str(kustomization["namespace"]),
        environment["CHITIEU_PUBLIC_URL"].rstrip("/"),
        environment["CHITIEU_GRAFANA_URL"].rstrip("/"),
    )


def resource_name(*parts: str) -> str:
    """A DNS-1123 name from free text (programme ids, dashboard file names)."""
    return _NOT_IN_A_NAME.sub("-", "-".join(parts).lower()).strip("-")[:253]


def config_map(name: str, data: dict[str, str], component: str, labels: dict[str, str] | None = None,
               annotations: dict[str, str] | None = None) -> dict[str, Any]:  # fmt: skip
    metadata: dict[str, Any] = {
        "name": name,
        "labels": {"app.kubernetes.io/name": "chitieu", "app.kubernetes.io/component": component, **(labels or {})},
    }
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": {key: LiteralScalarString(text) if "\n" in text else text for key, text in data.items()},
    }


def to_yaml(document: dict[str, Any]) -> str:
    return K8S_HEADER + dump_yaml(document)


def monitoring_config_maps(catalogue: Catalogue, site: Site) -> dict[str, dict[str, Any]]:
    """File name -> ConfigMap, for one overlay."""
    maps: dict[str, dict[str, Any]] = {}
    setup = PrometheusSetup(
        api_target=site.service_host,
        alertmanager_target=f"alertmanager.{site.namespace}.svc:9093",
        rule_files=(f"{RULES_MOUNT}/*.yml",),
    )
    maps["prometheus-config.yaml"] = config_map(
        "chitieu-prometheus-config", {"prometheus.yml": prometheus_config(setup)}, "prometheus-config"
    )
    options = RuleOptions(grafana_url=site.grafana_url, runbook_url=f"{site.public_url}/v1/alerts/runbook")
    for file_name, text in rule_files(catalogue, options).items():
        stem = file_name.removesuffix(".yml")
        maps[f"prometheus-rules-{resource_name(stem)}.yaml"] = config_map(
            resource_name("chitieu-rules", stem), {file_name: text}, "prometheus-rules"
        )
    alertmanager = AlertmanagerOptions(
        webhook_url=f"http://{site.service_host}/v1/alerts/webhook", webhook_credentials_file=WEBHOOK_CREDENTIALS_FILE
    )
    maps["alertmanager-config.yaml"] = config_map(
        "chitieu-alertmanager-config",
        {"alertmanager.yml": render_alertmanager_config(catalogue, alertmanager)},
        "alertmanager-config",
    )
    grafana = grafana_files(catalogue)
    provisioning = {
        "datasource": ("datasources", {"grafana_datasource": "1"}),
        "alerting": ("alerting", {"grafana_alert": "1"}),
        "dashboard-provider": ("dashboards", {}),
    }
    for name, (directory, labels) in provisioning.items():
        text = grafana[f"grafana/provisioning/{directory}/chitieu.yaml"]
        maps[f"grafana-{name}.yaml"] = config_map(
            f"chitieu-grafana-{name}", {f"chitieu-{directory}.yaml": text}, "grafana-provisioning", labels
        )
    for path, text in grafana.items():
        if path.startswith(f"{DASHBOARDS_DIR}/"):
            file_name = path.rsplit("/", 1)[1]
            stem = resource_name(file_name.removesuffix(".json").removeprefix("chitieu-"))
            maps[f"grafana-dashboard-{stem}.yaml"] = config_map(
                f"chitieu-dashboard-{stem}",
                {file_name: text},
                "grafana-dashboard",
                {"grafana_dashboard": "1"},
                {"grafana_folder": FOLDER_TITLE},
            )
    return dict(sorted(maps.items()))


def monitoring_files(catalogue: Catalogue, site: Site) -> dict[str, str]:
    """File name under the overlay's monitoring/ -> text, its kustomization.yaml included."""
    return files_of(monitoring_config_maps(catalogue, site))


def files_of(maps: dict[str, dict[str, Any]]) -> dict[str, str]:
    files = {name: to_yaml(document) for name, document in maps.items()}
    files["kustomization.yaml"] = to_yaml(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": list(maps)}
    )
    return files


def overlays(k8s_dir: Path = K8S_DIR) -> list[Path]:
    """The overlays that get monitoring ConfigMaps: those with a config.env."""
    return sorted(path.parent for path in (k8s_dir / "overlays").glob("*/config.env"))
