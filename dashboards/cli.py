"""`chitieu dashboards build` and `chitieu dashboards push`, registered into the `chitieu` command by api/cli.py."""

import argparse
import os
import sys
from pathlib import Path
from typing import Protocol

from indicators.catalogue import load_catalogue

DEFAULT_DEPLOY_DIR = Path("deploy")


class DashboardSettings(Protocol):
    """The settings these commands read (api.settings.Settings has them; dashboards does not import the api)."""

    catalogue_dir: Path
    grafana_url: str
    public_url: str


def cmd_build(args: argparse.Namespace, settings: DashboardSettings) -> None:
    from dashboards.generate import generated_files, write_files

    catalogue = load_catalogue(Path(args.catalogue) if args.catalogue else settings.catalogue_dir)
    written = write_files(generated_files(catalogue, settings.public_url), Path(args.out))
    print(f"{len(written)} file(s) under {args.out}/grafana (dashboards and provisioning)")


def cmd_push(args: argparse.Namespace, settings: DashboardSettings) -> None:
    from dashboards.build import build_dashboards
    from dashboards.push import DatasourceTarget, connect, push

    token = args.token or os.environ.get("GRAFANA_TOKEN")
    if not token:
        print("chitieu: a Grafana service account token is needed: --token or GRAFANA_TOKEN", file=sys.stderr)
        raise SystemExit(2)
    catalogue = load_catalogue(Path(args.catalogue) if args.catalogue else settings.catalogue_dir)
    target = DatasourceTarget(
        url=args.db_host,
        database=args.db_name,
        password=args.db_password or os.environ.get("CHITIEU_GRAFANA_DB_PASSWORD"),
        sslmode=args.db_sslmode,
    )
    webhook_url = args.webhook_url or settings.public_url.rstrip("/") + "/v1/alerts/webhook"
    grafana_url = args.grafana_url or settings.grafana_url
    report = push(connect(grafana_url, token), build_dashboards(catalogue), target, webhook_url)
    for name in report.created:
        print(f"created  {name}")
    for name in report.updated:
        print(f"updated  {name}")
    print(f"{grafana_url}: {report.summary()}")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    group = commands.add_parser("dashboards", help="Grafana dashboards and alert rules, from the catalogue.")
    actions = group.add_subparsers(dest="dashboards", required=True)

    build = actions.add_parser(
        "build",
        help="Write the dashboards and Grafana provisioning files.",
        description="Write the dashboards (JSON) and Grafana provisioning (data source, dashboards, alert rules) "
        "under DIR/grafana.",
    )
    build.set_defaults(handler=cmd_build)
    build.add_argument("--out", default=str(DEFAULT_DEPLOY_DIR), metavar="DIR", help="Default: deploy")
    build.add_argument("--catalogue", help="Catalogue directory or file (default: the configured catalogue).")

    push = actions.add_parser(
        "push",
        help="Create or update the folder, data source, dashboards and alert rules in a Grafana (idempotent).",
        description="Create or update, through Grafana's HTTP API, the chitieu folder, the TimescaleDB data source "
        "(read-only role chitieu_grafana), the dashboards, the alert rule group, its contact point and route.",
    )
    push.set_defaults(handler=cmd_push)
    push.add_argument("--grafana-url", help="Default: CHITIEU_GRAFANA_URL.")
    push.add_argument("--token", help="Service account token (default: GRAFANA_TOKEN).")
    push.add_argument("--db-host", default="localhost:5432", help="TimescaleDB host:port as Grafana reaches it.")
    push.add_argument("--db-name", default="chitieu", help="Database name (default: chitieu).")
    push.add_argument("--db-password", help="Password of chitieu_grafana (default: CHITIEU_GRAFANA_DB_PASSWORD).")
    push.add_argument("--db-sslmode", default="disable", help="disable, require, verify-ca or verify-full.")
    push.add_argument("--webhook-url", help="Where alerts go (default: CHITIEU_PUBLIC_URL/v1/alerts/webhook).")
    push.add_argument("--catalogue", help="Catalogue directory or file (default: the configured catalogue).")
