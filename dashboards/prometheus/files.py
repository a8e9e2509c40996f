"""The rule files (one group per programme) and prometheus.yml."""

from dataclasses import dataclass

from dashboards.output import RULES_HEADER, dump_yaml
from dashboards.prometheus.commune_rules import commune_alerts, commune_records
from dashboards.prometheus.indicator_rules import indicator_rules
from dashboards.prometheus.model import AlertRule, RecordingRule, RuleGroup, RuleOptions, check_duration
from dashboards.prometheus.service_rules import service_group
from dashboards.prometheus.task_rules import task_rules
from indicators.catalogue import Catalogue
from indicators.commune_level import aggregated_regions


def rule_groups(catalogue: Catalogue, options: RuleOptions) -> list[RuleGroup]:
    """One group per programme, in catalogue order; programmes with nothing to watch get no group."""
    groups = []
    counted = aggregated_regions(catalogue)
    for programme in catalogue.programmes.values():
        rules: list[AlertRule] = []
        records: list[RecordingRule] = []
        for indicator in catalogue.indicators.values():
            if indicator.programme == programme.id:
                rules.extend(indicator_rules(catalogue, indicator, options, counted))
                records.extend(commune_records(catalogue, indicator, counted))
                rules.extend(commune_alerts(catalogue, indicator, options, counted))
        for task in catalogue.tasks.values():
            if task.programme == programme.id:
                rules.extend(task_rules(catalogue, task, options))
        if rules:
            groups.append(RuleGroup(name=f"chitieu-{programme.id}", rules=rules, records=records))
    return groups


def rule_files(catalogue: Catalogue, options: RuleOptions) -> dict[str, str]:
    """File name -> YAML text: rules/<programme>.yml for each programme, and rules/service.yml."""
    groups = [*rule_groups(catalogue, options), service_group(options)]
    return {f"{group.name.removeprefix('chitieu-')}.yml": RULES_HEADER + dump_yaml(group.as_yaml()) for group in groups}


@dataclass(frozen=True)
class PrometheusSetup:
    """Where Prometheus scrapes the service and sends alerts, and how often."""

    api_target: str = "127.0.0.1:8000"
    alertmanager_target: str = "127.0.0.1:9093"
    scrape_interval: str = "1m"
    scrape_timeout: str = "30s"
    evaluation_interval: str = "1m"
    rule_files: tuple[str, ...] = ("rules/*.yml",)


def prometheus_config(setup: PrometheusSetup) -> str:
    """prometheus.yml: scrape the service's /metrics, evaluate the generated rules, send alerts to Alertmanager."""
    for duration in (setup.scrape_interval, setup.scrape_timeout, setup.evaluation_interval):
        check_duration(duration)
    config = {
        "global": {
            "scrape_interval": setup.scrape_interval,
            "scrape_timeout": setup.scrape_timeout,
            "evaluation_interval": setup.evaluation_interval,
        },
        "rule_files": list(setup.rule_files),
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [setup.alertmanager_target]}]}]},
        "scrape_configs": [
            {
                "job_name": "chitieu",
                "metrics_path": "/metrics",
                "static_configs": [{"targets": [setup.api_target]}],
            }
        ],
    }
    return RULES_HEADER + dump_yaml(config)
