"""The generator's commands, registered into the `chitieu` command by api/cli.py.

    chitieu generate [--check]      every file under deploy/ from the catalogue (dashboards.generate), or exit 1 on drift
    chitieu rules build|validate    the same pipeline (validate: --check, then promtool and amtool on the files)
    chitieu dashboards build        the same pipeline (--out is --deploy-dir)
    chitieu dashboards push         dashboards and Grafana alerting into a running Grafana, through its HTTP API

Generation reads only its options (fixed defaults), never the environment or .env.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from dashboards.alertmanager import AlertmanagerOptions
from dashboards.generate import (
    ALERTMANAGER_CONFIG,
    DEFAULT_GRAFANA_URL,
    DEFAULT_PUBLIC_URL,
    DEPLOY_DIR,
    PROMETHEUS_CONFIG,
    PROMTOOL_TESTS_DIR,
    RULES_DIR,
    WEBHOOK_PATH,
    GenerateInputs,
    drift,
    generate,
    write,
)
from dashboards.prometheus.model import RuleOptions
from indicators.catalogue import load_catalogue

DURATION_OPTIONS = {
    "off_track_for": "off track (ChiTieuChamTienDo)",
    "at_risk_for": "at risk (ChiTieuCoNguyCo)",
    "report_overdue_for": "report overdue (ChiTieuQuaHanBaoCao)",
    "task_overdue_for": "task overdue (NhiemVuQuaHan)",
    "absent_for": "metrics absent (ChiTieuMatSoLieu)",
    "communes_off_track_for": "a share of a province's communes off track (ChiTieuNhieuXaChamTienDo)",
    "communes_report_overdue_for": "a share of a province's communes overdue (ChiTieuNhieuXaQuaHanBaoCao)",
}


class PushSettings(Protocol):
    """What `dashboards push` reads of api.settings.Settings (dashboards does not import the api)."""

    catalogue_dir: Path
    grafana_url: str
    public_url: str
    alerts_webhook_token: str | None

    def webhook_token_file(self) -> Path: ...


def inputs_of(args: argparse.Namespace) -> GenerateInputs:
    durations = {name: getattr(args, name) for name in DURATION_OPTIONS if getattr(args, name) is not None}
    return GenerateInputs(
        catalogue_dir=Path(args.catalogue),
        public_url=args.public_url,
        grafana_url=args.grafana_url,
        webhook_credentials_file=args.webhook_credentials_file,
        durations=durations,
    )


def check(deploy_dir: Path, files: dict[str, str]) -> bool:
    """Print one line per drifting file; True when there is none."""
    lines = drift(deploy_dir, files)
    for line in lines:
        print(line)
    if lines:
        print("run `chitieu generate` to regenerate", file=sys.stderr)
    return not lines


def cmd_generate(args: argparse.Namespace, settings: object) -> None:
    deploy_dir = Path(args.deploy_dir)
    files = generate(inputs_of(args), deploy_dir)
    if args.check:
        if not check(deploy_dir, files):
            raise SystemExit(1)
        print(f"{len(files)} generated file(s) in {deploy_dir} match the catalogue")
        return
    written, deleted = write(deploy_dir, files)
    for path in written:
        print(f"wrote {path}")
    for path in deleted:
        print(f"deleted {path}")
    print(f"{len(files)} file(s) up to date in {deploy_dir} ({len(written)} written, {len(deleted)} deleted)")


def tool_checks(deploy_dir: Path) -> list[tuple[list[str], subprocess.CompletedProcess[str] | None]]:
    """Run promtool and amtool on the files on disk; None for a tool that is not installed."""
    rule_paths = [str(path) for path in sorted((deploy_dir / RULES_DIR).glob("*.yml"))]
    test_paths = [str(path) for path in sorted((deploy_dir / PROMTOOL_TESTS_DIR).glob("*.yml"))]
    commands = [
        ["promtool", "check", "config", str(deploy_dir / PROMETHEUS_CONFIG)],
        ["promtool", "check", "rules", *rule_paths],
        ["amtool", "check-config", str(deploy_dir / ALERTMANAGER_CONFIG)],
    ]
    if test_paths:
        commands.append(["promtool", "test", "rules", *test_paths])
    results: list[tuple[list[str], subprocess.CompletedProcess[str] | None]] = []
    for command in commands:
        if shutil.which(command[0]) is None:
            results.append((command, None))
        else:
            results.append((command, subprocess.run(command, capture_output=True, text=True, check=False)))
    return results


def cmd_rules_validate(args: argparse.Namespace, settings: object) -> None:
    deploy_dir = Path(args.deploy_dir)
    failed = not check(deploy_dir, generate(inputs_of(args), deploy_dir))
    for command, result in tool_checks(deploy_dir):
        shown = " ".join(command[:3])
        if result is None:
            print(f"{shown}: skipped ({command[0]} is not installed)")
        elif result.returncode == 0:
            print(f"{shown}: OK")
        else:
            failed = True
            print(f"{shown}: FAILED\n{result.stdout}{result.stderr}")
    if failed:
        raise SystemExit(1)
    print("rules OK")


def _webhook_token(args: argparse.Namespace, settings: PushSettings) -> str:
    """The token the service's webhook requires, which Grafana's contact point must send: --webhook-token-file, else
    CHITIEU_ALERTS_WEBHOOK_TOKEN, else the token the service generated in its data directory."""
    if settings.alerts_webhook_token and not args.webhook_token_file:
        return settings.alerts_webhook_token
    path = Path(args.webhook_token_file) if args.webhook_token_file else settings.webhook_token_file()
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        print(
            f"chitieu: the alerts webhook token is needed for Grafana's contact point: cannot read {path} "
            f"({error.strerror}); give --webhook-token-file or set CHITIEU_ALERTS_WEBHOOK_TOKEN",
            file=sys.stderr,
        )
        raise SystemExit(2) from None


def cmd_push(args: argparse.Namespace, settings: PushSettings) -> None:
    from dashboards.grafana.build import build_dashboards
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
    webhook_url = args.webhook_url or settings.public_url.rstrip("/") + WEBHOOK_PATH
    grafana_url = args.grafana_url or settings.grafana_url
    webhook_token = _webhook_token(args, settings)
    report = push(connect(grafana_url, token), build_dashboards(catalogue), target, webhook_url, webhook_token)
    for name in report.created:
        print(f"created  {name}")
    for name in report.updated:
        print(f"updated  {name}")
    print(f"{grafana_url}: {report.summary()}")


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `generate`, `rules build|validate` and `dashboards build|push` to the chitieu command."""
    described = (
        "Write every generated file under deploy/ (Grafana, Prometheus, Alertmanager, Kubernetes) from the catalogue."
    )
    generate_parser = commands.add_parser("generate", help=described, description=described)
    generate_parser.set_defaults(handler=cmd_generate)
    generate_parser.add_argument(
        "--check", action="store_true", help="Write nothing; exit 1 if any file differs (one line per file)."
    )
    _add_generate_options(generate_parser, "--deploy-dir")

    rules = commands.add_parser("rules", help="Prometheus rules and Alertmanager configuration (deploy/).")
    rule_actions = rules.add_subparsers(dest="rules", required=True)
    build = rule_actions.add_parser("build", help="The same as `chitieu generate`.", description=described)
    build.set_defaults(handler=cmd_generate, check=False)
    _add_generate_options(build, "--deploy-dir")
    validated = "`chitieu generate --check`, then promtool and amtool on the files; exit 1 on any failure."
    validate = rule_actions.add_parser("validate", help=validated, description=validated)
    validate.set_defaults(handler=cmd_rules_validate)
    _add_generate_options(validate, "--deploy-dir")

    group = commands.add_parser("dashboards", help="Grafana dashboards and alert rules, from the catalogue.")
    actions = group.add_subparsers(dest="dashboards", required=True)
    dashboards_build = actions.add_parser("build", help="The same as `chitieu generate`.", description=described)
    dashboards_build.set_defaults(handler=cmd_generate, check=False)
    _add_generate_options(dashboards_build, "--out")
    _add_push(actions)


def _add_generate_options(parser: argparse.ArgumentParser, deploy_option: str) -> None:
    parser.add_argument(
        deploy_option, dest="deploy_dir", default=str(DEPLOY_DIR), metavar="DIR", help=f"Default: {DEPLOY_DIR}."
    )
    parser.add_argument(
        "--catalogue",
        default=str(GenerateInputs().catalogue_dir),
        help="Catalogue file or directory (default: the repository's indicators/catalogue).",
    )
    parser.add_argument(
        "--public-url",
        default=DEFAULT_PUBLIC_URL,
        help=f"The service's address in links: runbook, webhook, reports (default {DEFAULT_PUBLIC_URL}).",
    )
    parser.add_argument(
        "--grafana-url",
        default=DEFAULT_GRAFANA_URL,
        help=f"Grafana's address in links (default {DEFAULT_GRAFANA_URL}).",
    )
    parser.add_argument(
        "--webhook-credentials-file",
        metavar="PATH",
        help="The file Alertmanager reads the service's webhook token from (credentials_file; default "
        f"{AlertmanagerOptions().webhook_credentials_file}, where deploy/docker-compose.yml puts it). For an Alertmanager "
        "outside Docker: the service's CHITIEU_DATA_DIR/secrets/alerts-webhook-token, and --deploy-dir elsewhere.",
    )
    defaults: dict[str, Any] = RuleOptions().model_dump()
    for name, meaning in DURATION_OPTIONS.items():
        parser.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            metavar="DURATION",
            help=f"How long {meaning} must hold before it alerts (default {defaults[name]}).",
        )


def _add_push(actions: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
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
    push.add_argument(
        "--webhook-token-file",
        help="The service's webhook token, sent by Grafana's contact point (default: CHITIEU_ALERTS_WEBHOOK_TOKEN, "
        "else <data dir>/secrets/alerts-webhook-token).",
    )
    push.add_argument("--catalogue", help="Catalogue directory or file (default: the configured catalogue).")
