"""Prometheus alerting rules generated from the catalogue (`chitieu rules build`), the way sloth generates SLO rules.

The catalogue is the spec; each indicator and task becomes validated `AlertRule` models; the models are written as one
rule file per programme under deploy/prometheus/rules/. The rules read the metrics of api/metrics.py:

- ChiTieuChamTienDo (off track), ChiTieuCoNguyCo (at risk, sustained for a configurable time), ChiTieuQuaHanBaoCao
  (report overdue) and ChiTieuMatSoLieu (the indicator's metrics are absent) for every indicator;
- NhiemVuQuaHan (task overdue) for every task with a due date.

Every alert carries the routing labels of deploy/alertmanager (programme, province, owner when the catalogue names one,
severity) and annotations in Vietnamese (summary, description with actual against expected), an English line
(description_en), a dashboard link and a runbook link (docs/runbook.md).
"""

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Self
from urllib.parse import urlencode

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from dashboards.output import RULES_HEADER, dump_yaml
from indicators.catalogue import Catalogue
from indicators.model import Indicator, TargetBasis, Task
from indicators.paths import judged_unit, plan_for
from indicators.units import UNITS

_DURATION = re.compile(r"^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _check_duration(text: str) -> str:
    """A Prometheus duration: 0s, 90s, 15m, 3d, 1h30m."""
    if not text or not _DURATION.match(text):
        raise ValueError(f"{text!r} is not a Prometheus duration (e.g. 30s, 15m, 3d)")
    return text


Duration = Annotated[str, AfterValidator(_check_duration)]


class AlertName(StrEnum):
    off_track = "ChiTieuChamTienDo"
    at_risk = "ChiTieuCoNguyCo"
    report_overdue = "ChiTieuQuaHanBaoCao"
    task_overdue = "NhiemVuQuaHan"
    absent = "ChiTieuMatSoLieu"


SEVERITY = {
    AlertName.off_track: "critical",
    AlertName.at_risk: "warning",
    AlertName.report_overdue: "warning",
    AlertName.task_overdue: "warning",
    AlertName.absent: "warning",
}


class RuleOptions(BaseModel):
    """What the catalogue does not say: links and how long a condition must hold before it alerts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    grafana_url: str = "http://127.0.0.1:3000"
    runbook_url: str = Field(
        default="http://127.0.0.1:8000/v1/alerts/runbook", description="docs/runbook.md as the service serves it"
    )
    off_track_for: Duration = "15m"
    at_risk_for: Duration = "3d"
    report_overdue_for: Duration = "1h"
    task_overdue_for: Duration = "1h"
    absent_for: Duration = "15m"

    def duration(self, alert: AlertName) -> str:
        return {
            AlertName.off_track: self.off_track_for,
            AlertName.at_risk: self.at_risk_for,
            AlertName.report_overdue: self.report_overdue_for,
            AlertName.task_overdue: self.task_overdue_for,
            AlertName.absent: self.absent_for,
        }[alert]


class AlertRule(BaseModel):
    """One Prometheus alerting rule, checked before it is written."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    alert: AlertName
    expr: str = Field(min_length=1)
    for_: Duration = Field(alias="for")
    labels: dict[str, str]
    annotations: dict[str, str]

    @model_validator(mode="after")
    def _labels_are_routable(self) -> Self:
        for name, value in (self.labels | self.annotations).items():
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f"{name!r} is not a valid label or annotation name")
            if not value:
                raise ValueError(f"{name} is empty (Prometheus drops empty labels; leave it out instead)")
        missing = {"programme", "province", "severity"} - set(self.labels)
        if missing:
            raise ValueError(f"{self.alert}: routing labels missing: {', '.join(sorted(missing))}")
        if self.labels["severity"] != SEVERITY[self.alert]:
            raise ValueError(f"{self.alert}: severity must be {SEVERITY[self.alert]}")
        for required in ("summary", "description", "description_en", "dashboard_url", "runbook_url"):
            if required not in self.annotations:
                raise ValueError(f"{self.alert}: annotation {required} missing")
        return self

    def as_yaml(self) -> dict[str, Any]:
        return {
            "alert": self.alert.value,
            "expr": self.expr,
            "for": self.for_,
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
        }


class RuleGroup(BaseModel):
    """The rules of one programme."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^chitieu-[a-z0-9][a-z0-9_.-]*$")
    rules: list[AlertRule]

    @model_validator(mode="after")
    def _rules_are_distinct(self) -> Self:
        seen: set[tuple[str, str]] = set()
        for rule in self.rules:
            key = (rule.alert.value, rule.expr)
            if key in seen:
                raise ValueError(f"{self.name}: {rule.alert} is generated twice for {rule.expr}")
            seen.add(key)
        return self

    def as_yaml(self) -> dict[str, Any]:
        return {"groups": [{"name": self.name, "rules": [rule.as_yaml() for rule in self.rules]}]}


# ---------------------------------------------------------------------------------------------------- templates
# Prometheus expands annotations as Go templates when an alert fires. Values are written the Vietnamese way in the
# Vietnamese text (decimal comma: "7.50" reads as seven hundred and fifty to a Vietnamese reader) and with a decimal
# point in the English line.


def _selector(metric: str, **labels: str) -> str:
    inside = ",".join(f'{name}="{_promql_string(value)}"' for name, value in labels.items())
    return f"{metric}{{{inside}}}"


def _promql_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def _literal(text: str) -> str:
    """Catalogue text placed in a Go template: a "{{" in it must not open an action."""
    return text.replace("{{", '{{ "{{" }}')


@dataclass(frozen=True)
class _Numbers:
    """How one indicator's values are printed in the annotations."""

    digits: int

    def vi(self, pipeline: str) -> str:
        return f'{pipeline} | printf "%.{self.digits}f" | reReplaceAll "[.]" ","'

    def en(self, pipeline: str) -> str:
        return f'{pipeline} | printf "%.{self.digits}f"'

    def value(self, vietnamese: bool) -> str:
        return "{{ " + (self.vi("$value") if vietnamese else self.en("$value")) + " }}"

    def series(self, metric: str, vietnamese: bool, missing: str = "?") -> str:
        """The value of another metric of the same indicator and region, looked up when the alert fires."""
        lookup = f'printf "{metric}{{indicator=%q,region=%q}}" $labels.indicator $labels.region | query'
        shown = self.vi(". | first | value") if vietnamese else self.en(". | first | value")
        return f"{{{{ with {lookup} }}}}{{{{ {shown} }}}}{{{{ else }}}}{missing}{{{{ end }}}}"


def _days_since(metric: str, labels: tuple[str, ...], found: str, missing: str) -> str:
    """`found` with {days} the whole days since the timestamp a metric holds for the alert's labels (looked up when
    the alert fires), or `missing` when there is no such series."""
    matchers = ",".join(f"{name}=%q" for name in labels)
    arguments = " ".join(f"$labels.{name}" for name in labels)
    lookup = f'printf "(time() - {metric}{{{matchers}}}) / 86400" {arguments} | query'
    days = '{{ . | first | value | printf "%.0f" }}'
    return f"{{{{ with {lookup} }}}}{found.format(days=days)}{{{{ else }}}}{missing}{{{{ end }}}}"


def _region_name(regions: dict[str, str]) -> str:
    """The region's name for the alert's region label: names of the catalogue regions, the code for any other."""
    template = ""
    for code, name in regions.items():
        template += f'{{{{ if eq $labels.region "{code}" }}}}{_literal(name)}{{{{ else }}}}'
    return template + "{{ $labels.region }}" + "{{ end }}" * len(regions)


_DURATION_UNITS = {
    "y": ("năm", "years"),
    "w": ("tuần", "weeks"),
    "d": ("ngày", "days"),
    "h": ("giờ", "hours"),
    "m": ("phút", "minutes"),
    "s": ("giây", "seconds"),
    "ms": ("mili giây", "milliseconds"),
}


def duration_text(duration: str, vietnamese: bool) -> str:
    """A Prometheus duration in words: 3d -> "3 ngày" / "3 days", 1h30m -> "1 giờ 30 phút"."""
    parts = re.findall(r"(\d+)(ms|[ywdhms])", _check_duration(duration))
    return " ".join(f"{amount} {_DURATION_UNITS[unit][0 if vietnamese else 1]}" for amount, unit in parts)


def _runbook(options: RuleOptions, alert: AlertName) -> str:
    return f"{options.runbook_url}#{alert.value.lower()}"


def _vietnamese_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


# ---------------------------------------------------------------------------------------------------- indicators


def indicator_rules(catalogue: Catalogue, indicator: Indicator, options: RuleOptions) -> list[AlertRule]:
    programme = catalogue.programmes[indicator.programme]
    regions = catalogue.regions_of(indicator)
    # The indicator label repeats the series' own: it keeps each rule's labels distinct (promtool lints duplicates).
    labels = {"indicator": indicator.code, "programme": programme.id, "province": programme.province}
    if indicator.owner:
        labels["owner"] = indicator.owner
    unit_vi, unit_en = judged_unit(indicator)
    numbers = _Numbers(0 if UNITS[indicator.unit].counts and plan_for(indicator).basis is TargetBasis.value else 2)
    # 1 “Tốc độ tăng trưởng…”: the number as the document prints it, then the name.
    numbered_vi = f"“{_literal(indicator.name_vi)}”"
    if indicator.number:
        numbered_vi = f"{indicator.number} {numbered_vi}"
    name_vi = _literal(indicator.name_vi)
    name_en = _literal(indicator.name_en)
    region_vi = _region_name({code: catalogue.regions[code].name_vi for code in regions})
    region_en = _region_name({code: catalogue.regions[code].name_en for code in regions})
    owner = catalogue.agencies[indicator.owner] if indicator.owner else None
    owner_vi = f" Cơ quan chủ trì: {_literal(owner.name_vi)}." if owner else ""
    programme_vi = f" Văn bản: {_literal(' '.join(programme.title_vi.split()))}."
    dashboard = (
        f"{options.grafana_url}/d/chitieu-indicator/?"
        f"{urlencode({'var-indicator': indicator.code})}&var-region={{{{ $labels.region }}}}"
    )

    def rule(alert: AlertName, expr: str, annotations: dict[str, str]) -> AlertRule:
        return AlertRule(
            alert=alert,
            expr=expr,
            for_=options.duration(alert),
            labels=labels | {"severity": SEVERITY[alert]},
            annotations=annotations | {"dashboard_url": dashboard, "runbook_url": _runbook(options, alert)},
        )

    def behind(status: str) -> str:
        return (
            f"{_selector('chitieu_indicator_actual', indicator=indicator.code)} and on (indicator, region)"
            f" ({_selector('chitieu_indicator_status', indicator=indicator.code, status=status)} == 1)"
        )

    def actual_against_path(vietnamese: bool) -> str:
        if vietnamese:
            return (
                f"thực tế {numbers.value(True)} {unit_vi}, yêu cầu theo lộ trình"
                f" {numbers.series('chitieu_indicator_expected', True)} {unit_vi},"
                f" chỉ tiêu cuối kỳ {numbers.series('chitieu_indicator_target', True)} {unit_vi}"
            )
        return (
            f"actual {numbers.value(False)} {unit_en}, expected on the path"
            f" {numbers.series('chitieu_indicator_expected', False)} {unit_en},"
            f" final target {numbers.series('chitieu_indicator_target', False)} {unit_en}"
        )

    rules: list[AlertRule] = []
    if plan_for(indicator).never_computable is None:
        rules.append(
            rule(
                AlertName.off_track,
                behind("off_track"),
                {
                    "summary": f"Chậm tiến độ: {name_vi} ({region_vi})",
                    "description": (
                        f"Chỉ tiêu {numbered_vi} ({region_vi}) chậm tiến độ, kém lộ trình quá mức dung sai"
                        f" {indicator.tolerance:.0%}: {actual_against_path(True)}.{owner_vi}{programme_vi}"
                    ),
                    "description_en": f"Off track: {name_en} ({region_en}): {actual_against_path(False)}.",
                },
            )
        )
        rules.append(
            rule(
                AlertName.at_risk,
                behind("at_risk"),
                {
                    "summary": f"Có nguy cơ chậm tiến độ: {name_vi} ({region_vi})",
                    "description": (
                        f"Chỉ tiêu {numbered_vi} ({region_vi}) kém lộ trình trong mức dung sai"
                        f" {indicator.tolerance:.0%} từ {duration_text(options.at_risk_for, True)} trở lên:"
                        f" {actual_against_path(True)}."
                        f"{owner_vi}{programme_vi}"
                    ),
                    "description_en": (
                        f"At risk for {duration_text(options.at_risk_for, False)} or more (behind the path within the tolerance):"
                        f" {name_en} ({region_en}): {actual_against_path(False)}."
                    ),
                },
            )
        )
    frequency_vi = indicator.frequency.label_vi
    last_observation = "chitieu_indicator_last_observation_timestamp_seconds"
    last_report_vi = _days_since(
        last_observation,
        ("indicator", "region"),
        "Số liệu gần nhất ghi nhận cách đây {days} ngày.",
        "Chưa có số liệu nào.",
    )
    last_report_en = _days_since(
        last_observation, ("indicator", "region"), "Last value stored {days} days ago.", "No value yet."
    )
    rules.append(
        rule(
            AlertName.report_overdue,
            f"{_selector('chitieu_indicator_report_overdue', indicator=indicator.code)} == 1",
            {
                "summary": f"Quá hạn báo cáo: {name_vi} ({region_vi})",
                "description": (
                    f"Chưa nhận được số liệu kỳ báo cáo tiếp theo (báo cáo theo {frequency_vi}) của chỉ tiêu {numbered_vi}"
                    f" ({region_vi}) quá thời hạn cộng thời gian gia hạn. {last_report_vi}{owner_vi}{programme_vi}"
                ),
                "description_en": (
                    f"Report overdue: no value for the next {indicator.frequency.value} period of {name_en}"
                    f" ({region_en}) after its deadline and grace days. {last_report_en}"
                ),
            },
        )
    )
    for region in regions:
        rules.append(
            AlertRule(
                alert=AlertName.absent,
                expr=f"absent({_selector('chitieu_indicator_status', indicator=indicator.code, region=region)})",
                for_=options.absent_for,
                labels=labels | {"severity": SEVERITY[AlertName.absent]},
                annotations={
                    "summary": f"Mất số liệu giám sát: {name_vi} ({_literal(catalogue.regions[region].name_vi)})",
                    "description": (
                        f"Prometheus không nhận được chỉ số trạng thái của chỉ tiêu {numbered_vi}"
                        f" ({_literal(catalogue.regions[region].name_vi)}) trong {duration_text(options.absent_for, True)}:"
                        " dịch vụ chitieu"
                        " không chạy, không đọc được cơ sở dữ liệu, hoặc chỉ tiêu đã bị gỡ khỏi danh mục mà chưa"
                        " sinh lại quy tắc cảnh báo (chitieu rules build)."
                    ),
                    "description_en": (
                        f"No status metric for {name_en} ({_literal(catalogue.regions[region].name_en)}) for"
                        f" {duration_text(options.absent_for, False)}: the service is down, cannot read its database, or the indicator left"
                        " the catalogue and the rules were not rebuilt."
                    ),
                    "dashboard_url": (
                        f"{options.grafana_url}/d/chitieu-indicator/?"
                        f"{urlencode({'var-indicator': indicator.code, 'var-region': region})}"
                    ),
                    "runbook_url": _runbook(options, AlertName.absent),
                },
            )
        )
    return rules


# ---------------------------------------------------------------------------------------------------- tasks


def task_rules(catalogue: Catalogue, task: Task, options: RuleOptions) -> list[AlertRule]:
    """NhiemVuQuaHan for a task with a due date (recurring and event-bound tasks have no deadline to pass)."""
    if task.due is None:
        return []
    programme = catalogue.programmes[task.programme]
    leads = [catalogue.agencies[code] for code in task.lead]
    title = " ".join(task.title_vi.split())
    overdue_vi = _days_since("chitieu_task_due_timestamp_seconds", ("task",), "đã quá hạn {days} ngày", "đã quá hạn")
    overdue_en = _days_since("chitieu_task_due_timestamp_seconds", ("task",), "is {days} days overdue", "is overdue")
    due_vi = _vietnamese_date(task.due)
    leads_vi = "; ".join(_literal(agency.name_vi) for agency in leads)
    leads_en = "; ".join(_literal(agency.name_en or agency.name_vi) for agency in leads)
    return [
        AlertRule(
            alert=AlertName.task_overdue,
            expr=f"{_selector('chitieu_task_overdue', task=task.code)} == 1",
            for_=options.task_overdue_for,
            labels={
                "task": task.code,
                "programme": programme.id,
                "province": programme.province,
                "owner": task.lead[0],
                "severity": SEVERITY[AlertName.task_overdue],
            },
            annotations={
                "summary": f"Nhiệm vụ quá hạn: {task.section} {_literal(_shorten(title))}",
                "description": (
                    f"Nhiệm vụ {task.section}: {_literal(title)}. Thời hạn {due_vi}"
                    f" ({_literal(task.time_frame)}): {overdue_vi} mà chưa có báo cáo hoàn thành."
                    f" Cơ quan chủ trì: {leads_vi}."
                ),
                "description_en": (
                    f"Task {task.section} was due on {task.due.isoformat()} and {overdue_en} with"
                    f" no report that it is done or cancelled. Lead: {leads_en}."
                ),
                "dashboard_url": (
                    f"{options.grafana_url}/d/chitieu-tasks/?"
                    f"{urlencode({'var-programme': programme.id, 'var-agency': task.lead[0]})}"
                ),
                "runbook_url": _runbook(options, AlertName.task_overdue),
            },
        )
    ]


# ---------------------------------------------------------------------------------------------------- files


def rule_groups(catalogue: Catalogue, options: RuleOptions) -> list[RuleGroup]:
    """One group per programme, in catalogue order; programmes with nothing to watch get no group."""
    groups = []
    for programme in catalogue.programmes.values():
        rules: list[AlertRule] = []
        for indicator in catalogue.indicators.values():
            if indicator.programme == programme.id:
                rules.extend(indicator_rules(catalogue, indicator, options))
        for task in catalogue.tasks.values():
            if task.programme == programme.id:
                rules.extend(task_rules(catalogue, task, options))
        if rules:
            groups.append(RuleGroup(name=f"chitieu-{programme.id}", rules=rules))
    return groups


def rule_files(catalogue: Catalogue, options: RuleOptions) -> dict[str, str]:
    """File name -> YAML text: rules/<programme>.yml for each programme."""
    return {
        f"{group.name.removeprefix('chitieu-')}.yml": RULES_HEADER + dump_yaml(group.as_yaml())
        for group in rule_groups(catalogue, options)
    }


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
        _check_duration(duration)
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
