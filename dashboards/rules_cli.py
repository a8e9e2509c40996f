"""`chitieu rules build` and `chitieu rules validate`: the Prometheus and Alertmanager files under deploy/.

build writes, from the catalogue:
    deploy/prometheus/prometheus.yml            scrape the service's /metrics, evaluate the rules, send to Alertmanager
    deploy/prometheus/rules/<programme>.yml     the alerting rules of each programme
    deploy/alertmanager/alertmanager.yml        routing by province and owner agency, webhook receivers, inhibition
validate regenerates them in memory and reports any file that differs, then runs promtool (check config, check rules,
test rules on deploy/prometheus/tests/) and amtool check-config when they are installed.
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from dashboards.alertmanager import AlertmanagerOptions, render_alertmanager_config
from dashboards.prometheus_rules import (
    DEPLOY_DIR,
    GENERATED_HEADER,
    PrometheusSetup,
    RuleOptions,
    prometheus_config,
    rule_files,
)
from indicators.catalogue import load_catalogue

PROMETHEUS_CONFIG = Path("prometheus/prometheus.yml")
RULES_DIR = Path("prometheus/rules")
PROMTOOL_TESTS_DIR = Path("prometheus/tests")
ALERTMANAGER_CONFIG = Path("alertmanager/alertmanager.yml")
RUNBOOK_PATH = "/v1/alerts/runbook"
WEBHOOK_PATH = "/v1/alerts/webhook"


class RulesSettings(Protocol):
    """The part of api.settings.Settings these commands read (dashboards does not import api)."""

    catalogue_dir: Path
    grafana_url: str
    public_url: str


def deploy_files(
    catalogue_dir: Path,
    grafana_url: str,
    public_url: str,
    durations: dict[str, str] | None = None,
    webhook_credentials_file: str | None = None,
) -> dict[Path, str]:
    """Every generated file, by path relative to deploy/; `durations` overrides RuleOptions' `..._for` fields,
    `webhook_credentials_file` where Alertmanager reads the webhook token (default: where docker-compose puts it)."""
    catalogue = load_catalogue(catalogue_dir)
    options = RuleOptions.model_validate(
        {"grafana_url": grafana_url.rstrip("/"), "runbook_url": public_url.rstrip("/") + RUNBOOK_PATH}
        | (durations or {})
    )
    files = {PROMETHEUS_CONFIG: prometheus_config(PrometheusSetup())}
    for name, text in rule_files(catalogue, options).items():
        files[RULES_DIR / name] = text
    webhook = AlertmanagerOptions.model_validate(
        {"webhook_url": public_url.rstrip("/") + WEBHOOK_PATH}
        | ({"webhook_credentials_file": webhook_credentials_file} if webhook_credentials_file else {})
    )
    files[ALERTMANAGER_CONFIG] = render_alertmanager_config(catalogue, webhook)
    return files


def stale_rule_files(deploy_dir: Path, files: dict[Path, str]) -> list[Path]:
    """Generated rule files on disk that the catalogue no longer produces (a programme was removed)."""
    rules_dir = deploy_dir / RULES_DIR
    if not rules_dir.is_dir():
        return []
    return [
        path
        for path in sorted(rules_dir.glob("*.yml"))
        if path.relative_to(deploy_dir) not in files and path.read_text(encoding="utf-8").startswith(GENERATED_HEADER)
    ]


def write_deploy_files(deploy_dir: Path, files: dict[Path, str]) -> tuple[list[Path], list[Path]]:
    """Write what changed and delete stale rule files; return (written, deleted)."""
    written = []
    for relative, text in files.items():
        path = deploy_dir / relative
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    deleted = stale_rule_files(deploy_dir, files)
    for path in deleted:
        path.unlink()
    return written, deleted


def differences(deploy_dir: Path, files: dict[Path, str]) -> list[str]:
    """What `rules build` would change, one line each."""
    problems = []
    for relative, text in files.items():
        path = deploy_dir / relative
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: differs from what the catalogue generates")
    problems.extend(f"{path}: stale (its programme is no longer in the catalogue)" for path in stale_rule_files(
        deploy_dir, files))  # fmt: skip
    return problems


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


DURATION_OPTIONS = {
    "off_track_for": "off track (ChiTieuChamTienDo)",
    "at_risk_for": "at risk (ChiTieuCoNguyCo)",
    "report_overdue_for": "report overdue (ChiTieuQuaHanBaoCao)",
    "task_overdue_for": "task overdue (NhiemVuQuaHan)",
    "absent_for": "metrics absent (ChiTieuMatSoLieu)",
}


def _generate(args: argparse.Namespace, settings: RulesSettings) -> dict[Path, str]:
    durations = {name: getattr(args, name) for name in DURATION_OPTIONS if getattr(args, name) is not None}
    try:
        return deploy_files(
            Path(args.catalogue) if args.catalogue else settings.catalogue_dir,
            settings.grafana_url,
            settings.public_url,
            durations,
            args.webhook_credentials_file,
        )
    except ValidationError as error:
        messages = "; ".join(str(item["msg"]) for item in error.errors())
        raise SystemExit(f"chitieu rules: {messages}") from None


def cmd_rules_build(args: argparse.Namespace, settings: RulesSettings) -> None:
    deploy_dir = Path(args.deploy_dir)
    files = _generate(args, settings)
    written, deleted = write_deploy_files(deploy_dir, files)
    for path in written:
        print(f"wrote {path}")
    for path in deleted:
        print(f"deleted {path}")
    print(f"{len(files)} file(s) up to date in {deploy_dir} ({len(written)} written, {len(deleted)} deleted)")


def cmd_rules_validate(args: argparse.Namespace, settings: RulesSettings) -> None:
    deploy_dir = Path(args.deploy_dir)
    files = _generate(args, settings)
    problems = differences(deploy_dir, files)
    for problem in problems:
        print(problem)
    if problems:
        print("run `chitieu rules build` to regenerate", file=sys.stderr)
    failed = bool(problems)
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


def register(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add `rules build` and `rules validate` to the chitieu command."""
    rules = commands.add_parser("rules", help="Prometheus rules and Alertmanager configuration (deploy/).")
    actions = rules.add_subparsers(dest="rules", required=True)
    descriptions = {
        "build": (cmd_rules_build, "Generate deploy/prometheus and deploy/alertmanager from the catalogue."),
        "validate": (
            cmd_rules_validate,
            "Check the files under deploy/ match the catalogue and pass promtool and amtool; exit 1 otherwise.",
        ),
    }
    for name, (handler, description) in descriptions.items():
        sub = actions.add_parser(name, help=description, description=description)
        sub.set_defaults(handler=handler)
        _add_options(sub)


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalogue", help="Catalogue file or directory (default: the configured catalogue).")
    parser.add_argument("--deploy-dir", default=str(DEPLOY_DIR), help=f"Where to write (default: {DEPLOY_DIR}).")
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
