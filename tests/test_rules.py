"""Generated Prometheus rules and Alertmanager configuration: golden files, the real promtool and amtool, the CLI."""

import difflib
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from api.settings import Settings
from dashboards.alertmanager import AlertmanagerOptions, alertmanager_config
from dashboards.generate import DEPLOY_DIR, PROMTOOL_TESTS_DIR, RULES_DIR, GenerateInputs, drift, generate
from dashboards.prometheus.files import rule_files, rule_groups
from dashboards.prometheus.model import SEVERITY, AlertName, AlertRule, RuleOptions
from dashboards.prometheus.service_rules import service_group
from dashboards.prometheus.templates import duration_text
from indicators.catalogue import Catalogue, load_catalogue
from indicators.paths import plan_for
from tests.conftest import REPO

CHITIEU = [sys.executable, "-m", "api.cli"]
# The committed files are generated with the default URLs, whatever this machine's environment says.
GRAFANA_URL = Settings.model_fields["grafana_url"].default
PUBLIC_URL = Settings.model_fields["public_url"].default


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(REPO / "indicators" / "catalogue")


def generated() -> dict[str, str]:
    return generate(GenerateInputs(REPO / "indicators" / "catalogue", PUBLIC_URL, GRAFANA_URL))


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def test_committed_files_are_what_the_catalogue_generates() -> None:
    files = generated()
    for relative, text in files.items():
        path = DEPLOY_DIR / relative
        assert path.is_file(), f"{path} is missing: run `chitieu rules build` and commit the result"
        committed = path.read_text(encoding="utf-8")
        if committed != text:
            diff = "".join(
                list(difflib.unified_diff(committed.splitlines(True), text.splitlines(True), str(path), "generated"))[
                    :40
                ]
            )
            pytest.fail(f"{path} differs from what the catalogue generates (run `chitieu rules build`):\n{diff}")
    assert drift(DEPLOY_DIR, files) == []


def test_every_indicator_and_due_task_has_its_alerts(catalogue: Catalogue) -> None:
    rules = [rule for group in rule_groups(catalogue, RuleOptions()) for rule in group.rules]
    by_indicator: dict[str, set[AlertName]] = {}
    for rule in rules:
        if "indicator" in rule.labels:
            by_indicator.setdefault(rule.labels["indicator"], set()).add(rule.alert)
    for code, indicator in catalogue.indicators.items():
        expected = {AlertName.report_overdue, AlertName.absent}
        if plan_for(indicator).never_computable is None:
            expected |= {AlertName.off_track, AlertName.at_risk}
        assert by_indicator.get(code) == expected, code
    overdue_tasks = {rule.labels["task"] for rule in rules if rule.alert is AlertName.task_overdue}
    assert overdue_tasks == {code for code, task in catalogue.tasks.items() if task.due is not None}
    assert overdue_tasks, "the catalogue has tasks with due dates: NhiemVuQuaHan must be generated"


def test_routing_labels_come_from_the_catalogue(catalogue: Catalogue) -> None:
    for group in rule_groups(catalogue, RuleOptions()):
        programme = catalogue.programmes[group.name.removeprefix("chitieu-")]
        for rule in group.rules:
            assert rule.labels["programme"] == programme.id
            assert rule.labels["province"] == programme.province
            assert rule.labels["severity"] == SEVERITY[rule.alert]
            if "indicator" in rule.labels:
                assert rule.labels.get("owner") == catalogue.indicators[rule.labels["indicator"]].owner
            else:
                assert rule.labels["owner"] == catalogue.tasks[rule.labels["task"]].lead[0]
            assert rule.annotations["runbook_url"].endswith("#" + rule.alert.value.lower())
    owned = [rule for group in rule_groups(catalogue, RuleOptions()) for rule in group.rules if "owner" in rule.labels]
    assert owned, "some indicators and tasks name an owner agency"


def test_durations_are_options_and_are_validated(catalogue: Catalogue) -> None:
    options = RuleOptions(at_risk_for="7d", off_track_for="0s")
    rules = [rule for group in rule_groups(catalogue, options) for rule in group.rules]
    assert {rule.for_ for rule in rules if rule.alert is AlertName.at_risk} == {"7d"}
    assert {rule.for_ for rule in rules if rule.alert is AlertName.off_track} == {"0s"}
    assert all("7 ngày" in rule.annotations["description"] for rule in rules if rule.alert is AlertName.at_risk)
    with pytest.raises(ValidationError, match="not a Prometheus duration"):
        RuleOptions(at_risk_for="3 days")
    assert duration_text("1h30m", vietnamese=True) == "1 giờ 30 phút"
    assert duration_text("3d", vietnamese=False) == "3 days"


def test_a_rule_without_routing_labels_is_refused() -> None:
    good = {
        "alert": AlertName.off_track,
        "expr": "up == 0",
        "for": "1m",
        "labels": {"programme": "p", "province": "x", "severity": "critical"},
        "annotations": dict.fromkeys(["summary", "description", "description_en", "dashboard_url", "runbook_url"], "x"),
    }
    AlertRule.model_validate(good)
    with pytest.raises(ValidationError, match="routing labels missing: province"):
        AlertRule.model_validate(good | {"labels": {"programme": "p", "severity": "critical"}})
    with pytest.raises(ValidationError, match="severity must be critical"):
        AlertRule.model_validate(good | {"labels": {"programme": "p", "province": "x", "severity": "info"}})
    with pytest.raises(ValidationError, match="owner is empty"):
        AlertRule.model_validate(good | {"labels": good["labels"] | {"owner": ""}})  # type: ignore[operator]


def test_the_snapshot_freshness_has_its_own_alert_at_the_service_level() -> None:
    """Issue 15.2: the snapshot's age is a metric with an alert (rules/service.yml), its threshold an option; it needs
    no programme or province (the service's own), and a programme's alert still does."""
    group = service_group(RuleOptions(snapshot_stale_seconds=900))
    (rule,) = group.rules
    assert rule.alert is AlertName.snapshot_stale and rule.labels == {"severity": "warning", "service": "chitieu"}
    assert "chitieu_status_snapshot_computed_timestamp_seconds) > 900" in rule.expr
    assert "absent(chitieu_status_snapshot_computed_timestamp_seconds)" in rule.expr
    assert "15 phút" in rule.annotations["description"]
    assert "service.yml" in rule_files(load_catalogue(REPO / "indicators" / "catalogue"), RuleOptions())
    with pytest.raises(ValidationError):
        RuleOptions(snapshot_stale_seconds=10)


def test_promtool_checks_the_committed_config_and_rules() -> None:
    config = run("promtool", "check", "config", str(DEPLOY_DIR / "prometheus" / "prometheus.yml"))
    assert config.returncode == 0, config.stdout + config.stderr
    rule_paths = sorted((DEPLOY_DIR / RULES_DIR).glob("*.yml"))
    assert len(rule_paths) >= 5
    rules = run("promtool", "check", "rules", *map(str, rule_paths))
    assert rules.returncode == 0, rules.stdout + rules.stderr
    assert rules.stdout.count("SUCCESS") == len(rule_paths)


def test_promtool_unit_tests_of_the_rules_pass() -> None:
    tests = sorted((DEPLOY_DIR / PROMTOOL_TESTS_DIR).glob("*.yml"))
    assert len(tests) >= 2
    result = run("promtool", "test", "rules", *map(str, tests))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(tests)


def test_promtool_unit_tests_would_catch_a_wrong_annotation(tmp_path: Path) -> None:
    """The unit tests compare rendered text exactly: a changed template must fail them."""
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    original = (DEPLOY_DIR / RULES_DIR / "qngai-2024.yml").read_text(encoding="utf-8")
    broken = original.replace('reReplaceAll "[.]" ","', 'reReplaceAll "[,]" "."')
    assert broken != original
    (rules_dir / "qngai-2024.yml").write_text(broken, encoding="utf-8")
    test_file = tmp_path / "tests" / "qngai-2024.test.yml"
    test_file.parent.mkdir()
    test_file.write_text((DEPLOY_DIR / PROMTOOL_TESTS_DIR / "qngai-2024.test.yml").read_text(encoding="utf-8"))
    result = run("promtool", "test", "rules", str(test_file))
    assert result.returncode != 0
    assert "thực tế 1.00 %" in result.stdout + result.stderr


def _yaml(path: Path) -> dict[str, object]:
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_prometheus_config_scrapes_the_service_and_loads_the_rules() -> None:
    config = _yaml(DEPLOY_DIR / "prometheus" / "prometheus.yml")
    assert config["rule_files"] == ["rules/*.yml"]
    scrape = config["scrape_configs"][0]  # type: ignore[index]
    assert scrape["metrics_path"] == "/metrics"
    assert scrape["static_configs"][0]["targets"] == ["127.0.0.1:8000"]


def test_amtool_accepts_the_alertmanager_config() -> None:
    result = run("amtool", "check-config", str(DEPLOY_DIR / "alertmanager" / "alertmanager.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["province=quang_tri", "owner=quang_tri.bcs_dang_ubnd"], "co-quan-quang_tri.bcs_dang_ubnd"),
        (["province=quang_tri", "owner=quang_tri.ban_to_chuc_tu"], "co-quan-quang_tri.ban_to_chuc_tu"),
        (["province=quang_tri", "owner=unknown.agency"], "tinh-quang_tri"),
        (["province=quang_ngai"], "tinh-quang_ngai"),
        (["province=dong_thap", "alertname=ChiTieuChamTienDo"], "tinh-dong_thap"),
        (["province=nowhere"], "chitieu"),
        (["vi_du_email=co", "province=quang_tri"], "vi-du-email"),
    ],
)
def test_amtool_routes_by_province_then_owner(labels: list[str], receiver: str) -> None:
    config = str(DEPLOY_DIR / "alertmanager" / "alertmanager.yml")
    result = run("amtool", "config", "routes", "test", f"--config.file={config}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver


def test_alertmanager_config_has_webhooks_grouping_and_inhibition(catalogue: Catalogue) -> None:
    config = alertmanager_config(catalogue, AlertmanagerOptions(webhook_url="http://api:8000/v1/alerts/webhook"))
    route = config["route"]
    assert route["receiver"] == "chitieu"
    assert route["group_by"] == ["alertname", "province", "programme"]
    assert route["repeat_interval"] == "24h"
    webhooks = [r for r in config["receivers"] if "webhook_configs" in r]
    assert {r["webhook_configs"][0]["url"] for r in webhooks} == {"http://api:8000/v1/alerts/webhook"}
    assert all(r["webhook_configs"][0]["send_resolved"] for r in webhooks)
    # Every webhook sends the service's token, from the file docker-compose writes it to.
    assert {str(r["webhook_configs"][0]["http_config"]) for r in webhooks} == {
        str({"authorization": {"type": "Bearer", "credentials_file": "/run/chitieu/alerts-webhook-token"}})
    }
    assert next(r for r in config["receivers"] if "email_configs" in r)["name"] == "vi-du-email"
    provinces = {p.province for p in catalogue.programmes.values()}
    assert {r["matchers"][0] for r in route["routes"][1:]} == {f'province="{p}"' for p in provinces}
    assert config["inhibit_rules"] == [
        {
            "source_matchers": ['alertname="ChiTieuChamTienDo"'],
            "target_matchers": ['alertname="ChiTieuCoNguyCo"'],
            "equal": ["indicator", "region"],
        }
    ]


def test_cli_build_then_validate(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    built = run(*CHITIEU, "rules", "build", "--deploy-dir", str(deploy))
    assert built.returncode == 0, built.stderr
    assert (deploy / "prometheus" / "rules" / "qngai-2024.yml").is_file()
    assert (deploy / "alertmanager" / "alertmanager.yml").is_file()
    again = run(*CHITIEU, "rules", "build", "--deploy-dir", str(deploy))
    assert "0 written, 0 deleted" in again.stdout

    valid = run(*CHITIEU, "rules", "validate", "--deploy-dir", str(deploy))
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert "promtool check rules: OK" in valid.stdout
    assert "rules OK" in valid.stdout

    edited = deploy / "prometheus" / "rules" / "qngai-2024.yml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("for: 3d", "for: 1d"), encoding="utf-8")
    stale = deploy / "prometheus" / "rules" / "removed-programme.yml"
    stale.write_text(edited.read_text(encoding="utf-8"), encoding="utf-8")
    invalid = run(*CHITIEU, "rules", "validate", "--deploy-dir", str(deploy))
    assert invalid.returncode == 1
    assert f"{edited}: differs" in invalid.stdout
    assert f"{stale}: stale" in invalid.stdout

    rebuilt = run(*CHITIEU, "rules", "build", "--deploy-dir", str(deploy))
    assert f"deleted {stale}" in rebuilt.stdout
    assert not stale.exists()
    assert "for: 3d" in edited.read_text(encoding="utf-8")

    local = run(*CHITIEU, "rules", "build", "--deploy-dir", str(deploy), "--webhook-credentials-file", "/srv/token")
    assert local.returncode == 0, local.stderr
    assert (deploy / "alertmanager" / "alertmanager.yml").read_text().count("credentials_file: /srv/token\n") >= 2


def test_cli_takes_durations_and_rejects_bad_ones(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    built = run(*CHITIEU, "rules", "build", "--deploy-dir", str(deploy), "--at-risk-for", "7d")
    assert built.returncode == 0, built.stderr
    assert "for: 7d" in (deploy / "prometheus" / "rules" / "qngai-2024.yml").read_text(encoding="utf-8")
    bad = run(*CHITIEU, "rules", "build", "--deploy-dir", str(deploy), "--at-risk-for", "seven days")
    assert bad.returncode != 0
    assert "not a Prometheus duration" in bad.stderr
