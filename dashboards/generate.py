"""Everything `chitieu dashboards build` writes under deploy/grafana, as text, so a test can regenerate and compare."""

import json
from pathlib import Path

from dashboards.build import DEFAULT_API_URL, TAG, build_dashboards
from dashboards.grafana_alerts import alerting_provisioning
from dashboards.provisioning import dashboards_provisioning, datasource_provisioning, to_yaml
from indicators.catalogue import Catalogue

GRAFANA_DIR = "grafana"
DASHBOARDS_DIR = f"{GRAFANA_DIR}/dashboards"


def generated_files(catalogue: Catalogue, api_url: str = DEFAULT_API_URL) -> dict[str, str]:
    """Path under deploy/ -> content: the dashboards (JSON) and the provisioning files (YAML)."""
    files = {f"{DASHBOARDS_DIR}/{d.filename}": d.to_json() for d in build_dashboards(catalogue, api_url)}
    provisioning = f"{GRAFANA_DIR}/provisioning"
    files[f"{provisioning}/datasources/chitieu.yaml"] = to_yaml(datasource_provisioning())
    files[f"{provisioning}/dashboards/chitieu.yaml"] = to_yaml(dashboards_provisioning())
    files[f"{provisioning}/alerting/chitieu.yaml"] = to_yaml(alerting_provisioning())
    return dict(sorted(files.items()))


def write_files(files: dict[str, str], deploy_dir: Path) -> list[Path]:
    """Write the files and remove dashboards no longer generated (a programme removed from the catalogue)."""
    written = []
    for relative, content in files.items():
        path = deploy_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    for stale in sorted((deploy_dir / DASHBOARDS_DIR).glob("*.json")):
        if f"{DASHBOARDS_DIR}/{stale.name}" not in files and _is_ours(stale):
            stale.unlink()
    return written


def _is_ours(path: Path) -> bool:
    """A dashboard this command wrote: it carries the chitieu tag."""
    try:
        return TAG in json.loads(path.read_text(encoding="utf-8")).get("tags", [])
    except (ValueError, AttributeError):
        return False
