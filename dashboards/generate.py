"""`chitieu generate`: the one pipeline from the catalogue to every generated file under deploy/.

    catalogue (YAML) -> model (indicators.catalogue.Catalogue) -> render (text per file) -> write, or check

The inputs are explicit (`GenerateInputs`: the catalogue directory, the public and Grafana addresses with fixed
defaults, where Alertmanager reads the webhook token, the alerts' waits), never the environment, so the same command
writes the same bytes on every machine. What it renders, by path under the deploy directory:

    grafana/dashboards/*.json                       Grafana dashboards (dashboards.grafana)
    grafana/provisioning/{datasources,dashboards,alerting}/chitieu.yaml   data source, provider, Grafana alerting
    prometheus/prometheus.yml, prometheus/rules/<programme>.yml          Prometheus (dashboards.prometheus)
    alertmanager/alertmanager.yml                   Alertmanager routing and receivers (dashboards.alertmanager)
    k8s/overlays/<overlay>/monitoring/*.yaml        the same as ConfigMaps, for each overlay with a config.env

`write` writes what differs and deletes generated files no longer produced (a programme removed); `drift` says, one
line per file, what `write` would change (`chitieu generate --check` exits 1 when there is any).
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dashboards.alertmanager import AlertmanagerOptions, render_alertmanager_config
from dashboards.grafana.panels import DEFAULT_PUBLIC_URL as DEFAULT_PUBLIC_URL
from dashboards.grafana.panels import TAG
from dashboards.grafana.provisioning import DASHBOARDS_DIR, grafana_files
from dashboards.kubernetes import MONITORING_DIR, monitoring_files, read_site
from dashboards.output import is_generated
from dashboards.prometheus.files import PrometheusSetup, prometheus_config, rule_files
from dashboards.prometheus.model import RuleOptions
from indicators.catalogue import Catalogue, load_catalogue

REPOSITORY = Path(__file__).resolve().parents[1]
CATALOGUE_DIR = REPOSITORY / "indicators" / "catalogue"
DEPLOY_DIR = REPOSITORY / "deploy"
DEFAULT_GRAFANA_URL = "http://127.0.0.1:3000"
RUNBOOK_PATH = "/v1/alerts/runbook"
WEBHOOK_PATH = "/v1/alerts/webhook"

PROMETHEUS_CONFIG = "prometheus/prometheus.yml"
RULES_DIR = "prometheus/rules"
PROMTOOL_TESTS_DIR = "prometheus/tests"
ALERTMANAGER_CONFIG = "alertmanager/alertmanager.yml"
K8S_OVERLAYS_DIR = "k8s/overlays"


@dataclass(frozen=True)
class GenerateInputs:
    """Everything the generated files depend on besides the catalogue's content."""

    catalogue_dir: Path = CATALOGUE_DIR
    public_url: str = DEFAULT_PUBLIC_URL
    grafana_url: str = DEFAULT_GRAFANA_URL
    webhook_credentials_file: str | None = None  # None: where deploy/docker-compose.yml puts the token
    durations: Mapping[str, str] = field(default_factory=dict)  # RuleOptions' `..._for` fields


def monitoring_files_of(catalogue: Catalogue, inputs: GenerateInputs) -> dict[str, str]:
    """Prometheus configuration and rules, Alertmanager configuration."""
    public_url = inputs.public_url.rstrip("/")
    options = RuleOptions.model_validate(
        {"grafana_url": inputs.grafana_url.rstrip("/"), "runbook_url": public_url + RUNBOOK_PATH}
        | dict(inputs.durations)
    )
    files = {PROMETHEUS_CONFIG: prometheus_config(PrometheusSetup())}
    files |= {f"{RULES_DIR}/{name}": text for name, text in rule_files(catalogue, options).items()}
    webhook = AlertmanagerOptions.model_validate(
        {"webhook_url": public_url + WEBHOOK_PATH}
        | ({"webhook_credentials_file": inputs.webhook_credentials_file} if inputs.webhook_credentials_file else {})
    )
    files[ALERTMANAGER_CONFIG] = render_alertmanager_config(catalogue, webhook)
    return files


def kubernetes_files(catalogue: Catalogue, deploy_dir: Path) -> dict[str, str]:
    """Each overlay's monitoring ConfigMaps; the overlay's addresses are read from its own config.env."""
    files: dict[str, str] = {}
    for overlay in sorted(path.parent for path in (deploy_dir / K8S_OVERLAYS_DIR).glob("*/config.env")):
        prefix = f"{K8S_OVERLAYS_DIR}/{overlay.name}/{MONITORING_DIR}"
        files |= {f"{prefix}/{name}": text for name, text in monitoring_files(catalogue, read_site(overlay)).items()}
    return files


def render(catalogue: Catalogue, inputs: GenerateInputs, deploy_dir: Path) -> dict[str, str]:
    """Path relative to `deploy_dir` -> content, for every generated file, in path order."""
    files = grafana_files(catalogue, inputs.public_url) | monitoring_files_of(catalogue, inputs)
    return dict(sorted((files | kubernetes_files(catalogue, deploy_dir)).items()))


def generate(inputs: GenerateInputs, deploy_dir: Path = DEPLOY_DIR) -> dict[str, str]:
    """Load the catalogue and render every file (raises CatalogueError, pydantic's ValidationError for bad waits)."""
    return render(load_catalogue(inputs.catalogue_dir), inputs, deploy_dir)


def stale_files(deploy_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Files a generator wrote earlier that the catalogue no longer produces (a programme or dashboard removed)."""
    candidates = sorted((deploy_dir / DASHBOARDS_DIR).glob("*.json")) + sorted((deploy_dir / RULES_DIR).glob("*.yml"))
    candidates += sorted((deploy_dir / K8S_OVERLAYS_DIR).glob(f"*/{MONITORING_DIR}/*.yaml"))
    stale = []
    for path in candidates:
        if path.relative_to(deploy_dir).as_posix() in files:
            continue
        text = path.read_text(encoding="utf-8")
        if _is_our_dashboard(text) if path.suffix == ".json" else is_generated(text):
            stale.append(path)
    return stale


def _is_our_dashboard(text: str) -> bool:
    """A dashboard this pipeline wrote: it carries the chitieu tag."""
    try:
        return TAG in json.loads(text).get("tags", [])
    except (ValueError, AttributeError):
        return False


def write(deploy_dir: Path, files: Mapping[str, str]) -> tuple[list[Path], list[Path]]:
    """Write the files that differ and delete the stale ones; return (written, deleted)."""
    written = []
    for relative, text in files.items():
        path = deploy_dir / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    deleted = stale_files(deploy_dir, files)
    for path in deleted:
        path.unlink()
    return written, deleted


def drift(deploy_dir: Path, files: Mapping[str, str]) -> list[str]:
    """What `write` would change, one line per file."""
    lines = []
    for relative, text in files.items():
        path = deploy_dir / relative
        if not path.is_file():
            lines.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            lines.append(f"{path}: differs from what the catalogue generates")
    lines += [f"{path}: stale (no longer generated from the catalogue)" for path in stale_files(deploy_dir, files)]
    return lines
