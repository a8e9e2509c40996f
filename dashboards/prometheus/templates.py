"""The pieces of a rule's text: PromQL selectors, Go-template annotations (numbers, dates, region names), runbook links."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from dashboards.prometheus.model import SEVERITY, AlertName, AlertRule, RuleOptions, check_duration
from indicators.catalogue import Catalogue
from indicators.model import Indicator


def selector(metric: str, **labels: str) -> str:
    inside = ",".join(f'{name}="{promql_string(value)}"' for name, value in labels.items())
    return f"{metric}{{{inside}}}"


def promql_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def go_template_literal(text: str) -> str:
    """Catalogue text placed in a Go template: a "{{" in it must not open an action."""
    return text.replace("{{", '{{ "{{" }}')


@dataclass(frozen=True)
class Numbers:
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


def days_since(metric: str, labels: tuple[str, ...], found: str, missing: str) -> str:
    """`found` with {days} the whole days since the timestamp a metric holds for the alert's labels (looked up when
    the alert fires), or `missing` when there is no such series."""
    matchers = ",".join(f"{name}=%q" for name in labels)
    arguments = " ".join(f"$labels.{name}" for name in labels)
    lookup = f'printf "(time() - {metric}{{{matchers}}}) / 86400" {arguments} | query'
    days = '{{ . | first | value | printf "%.0f" }}'
    return f"{{{{ with {lookup} }}}}{found.format(days=days)}{{{{ else }}}}{missing}{{{{ end }}}}"


def region_name_template(regions: dict[str, str], label: str = "region") -> str:
    """The region's name for the alert's `label` (region, or province for the commune-level alerts): names of the
    catalogue regions, the code for any other."""
    template = ""
    for code, name in regions.items():
        template += f'{{{{ if eq $labels.{label} "{code}" }}}}{go_template_literal(name)}{{{{ else }}}}'
    return template + f"{{{{ $labels.{label} }}}}" + "{{ end }}" * len(regions)


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
    parts = re.findall(r"(\d+)(ms|[ywdhms])", check_duration(duration))
    return " ".join(f"{amount} {_DURATION_UNITS[unit][0 if vietnamese else 1]}" for amount, unit in parts)


def runbook_link(options: RuleOptions, alert: AlertName) -> str:
    return f"{options.runbook_url}#{alert.value.lower()}"


def vietnamese_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def shorten(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


# ---------------------------------------------------------------------------------------------------- indicators


def document_lines(catalogue: Catalogue, indicator: Indicator) -> tuple[str, str]:
    """The sentences naming the indicator's lead agency (empty when none) and its document, for an alert's text."""
    owner = catalogue.agencies[indicator.owner] if indicator.owner else None
    programme = catalogue.programmes[indicator.programme]
    owner_vi = f" Cơ quan chủ trì: {go_template_literal(owner.name_vi)}." if owner else ""
    return owner_vi, f" Văn bản: {go_template_literal(' '.join(programme.title_vi.split()))}."


AlertMaker = Callable[[AlertName, str, dict[str, str]], AlertRule]


def alert_maker(
    options: RuleOptions, labels: dict[str, str], dashboard: str, provinces: tuple[str, ...] = ()
) -> AlertMaker:
    """Builds an indicator's alerts: its routing labels and severity, its dashboard and runbook links."""

    def rule(alert: AlertName, expr: str, annotations: dict[str, str]) -> AlertRule:
        return AlertRule(
            alert=alert,
            expr=expr,
            for_=options.duration(alert),
            labels=labels | {"severity": SEVERITY[alert]},
            annotations=annotations | {"dashboard_url": dashboard, "runbook_url": runbook_link(options, alert)},
            series_provinces=provinces,
        )

    return rule
