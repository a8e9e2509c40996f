"""Grafana provisioning files: the PostgreSQL data source and the dashboards provider.

Connection details are Grafana environment variables (`${NAME}` is expanded by Grafana when it reads the file), so
the generated files hold no secret and suit any deployment; deploy/docker-compose.yml sets them.
"""

from typing import Any

from dashboards.grafana.alerting import alerting_provisioning
from dashboards.grafana.build import build_dashboards
from dashboards.grafana.panels import DEFAULT_PUBLIC_URL, FOLDER_TITLE, FOLDER_UID
from dashboards.grafana.sql_query import DATASOURCE_TYPE, DATASOURCE_UID
from dashboards.output import GRAFANA_HEADER, dump_yaml
from indicators.catalogue import Catalogue

DATASOURCE_NAME = "chitieu TimescaleDB"
READ_ONLY_ROLE = "chitieu_grafana"  # the login role of ingest/migrations/0001 that can only read
POSTGRES_VERSION = 1500
DASHBOARDS_PATH = "/etc/grafana/dashboards/chitieu"  # where deploy/docker-compose.yml mounts deploy/grafana/dashboards

GRAFANA_DIR = "grafana"
DASHBOARDS_DIR = f"{GRAFANA_DIR}/dashboards"


def datasource(url: str, database: str, password: str | None, sslmode: str, *, default: bool) -> dict[str, Any]:
    """The data source as Grafana's API and provisioning files describe it."""
    settings: dict[str, Any] = {
        "name": DATASOURCE_NAME,
        "uid": DATASOURCE_UID,
        "type": DATASOURCE_TYPE,
        "access": "proxy",
        "url": url,
        "user": READ_ONLY_ROLE,
        "isDefault": default,
        "jsonData": {
            "database": database,
            "sslmode": sslmode,
            "postgresVersion": POSTGRES_VERSION,
            "timescaledb": True,
            "maxOpenConns": 10,
        },
    }
    if password is not None:
        settings["secureJsonData"] = {"password": password}
    return settings


def datasource_provisioning() -> dict[str, Any]:
    source = datasource(
        "${CHITIEU_GRAFANA_DB_HOST}",
        "${CHITIEU_GRAFANA_DB_NAME}",
        "${CHITIEU_GRAFANA_DB_PASSWORD}",
        "${CHITIEU_GRAFANA_DB_SSLMODE}",
        default=True,  # the Grafana these files provision is chitieu's own
    )
    return {"apiVersion": 1, "datasources": [{**source, "editable": False}]}


def dashboards_provisioning() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "chitieu",
                "orgId": 1,
                "type": "file",
                "folder": FOLDER_TITLE,
                "folderUid": FOLDER_UID,
                "disableDeletion": True,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 60,
                "options": {"path": DASHBOARDS_PATH, "foldersFromFilesStructure": False},
            }
        ],
    }


def grafana_files(catalogue: Catalogue, public_url: str = DEFAULT_PUBLIC_URL) -> dict[str, str]:
    """The dashboards (JSON) and the Grafana provisioning files (YAML); report links go to `public_url`."""
    files = {f"{DASHBOARDS_DIR}/{d.filename}": d.to_json() for d in build_dashboards(catalogue, public_url)}
    provisioning = f"{GRAFANA_DIR}/provisioning"
    for directory, document in (
        ("datasources", datasource_provisioning()),
        ("dashboards", dashboards_provisioning()),
        ("alerting", alerting_provisioning()),
    ):
        files[f"{provisioning}/{directory}/chitieu.yaml"] = GRAFANA_HEADER + dump_yaml(document, sort_keys=True)
    return dict(sorted(files.items()))
