"""The rules of one indicator: off track, at risk, report overdue, metrics absent, for each region watched one by one
(provinces, areas); its communes' rules, as shares of each province's communes, are in commune_rules."""

from collections.abc import Mapping
from urllib.parse import urlencode

from dashboards.prometheus.model import SEVERITY, AlertName, AlertRule, RuleOptions
from dashboards.prometheus.templates import (
    Numbers,
    alert_maker,
    days_since,
    document_lines,
    duration_text,
    go_template_literal,
    region_name_template,
    runbook_link,
    selector,
)
from indicators.catalogue import Catalogue
from indicators.commune_level import regions_on_their_own
from indicators.model import Indicator
from indicators.paths import judgement, plan_for


def indicator_rules(
    catalogue: Catalogue, indicator: Indicator, options: RuleOptions, counted: Mapping[str, str]
) -> list[AlertRule]:
    """`counted`: the catalogue's communes and districts -> their province (indicators.commune_level)."""
    regions = regions_on_their_own(catalogue, indicator, counted)
    labels = routing_labels(catalogue, indicator)
    judged = judgement(indicator)
    unit_vi, unit_en = judged.unit_vi, judged.unit_en
    numbers = Numbers(judged.decimals)
    # 1 “Tốc độ tăng trưởng…”: the number as the document prints it, then the name.
    numbered_vi = f"“{go_template_literal(indicator.name_vi)}”"
    if indicator.number:
        numbered_vi = f"{indicator.number} {numbered_vi}"
    name_vi = go_template_literal(indicator.name_vi)
    name_en = go_template_literal(indicator.name_en)
    region_vi = region_name_template({code: catalogue.regions[code].name_vi for code in regions})
    region_en = region_name_template({code: catalogue.regions[code].name_en for code in regions})
    owner_vi, programme_vi = document_lines(catalogue, indicator)
    dashboard = (
        f"{options.grafana_url}/d/chitieu-indicator/?"
        f"{urlencode({'var-indicator': indicator.code})}&var-region={{{{ $labels.region }}}}"
    )

    rule = alert_maker(options, labels, dashboard)

    def behind(status: str) -> str:
        return (
            f"{selector('chitieu_indicator_actual', indicator=indicator.code)} and on (indicator, region)"
            f" ({selector('chitieu_indicator_status', indicator=indicator.code, status=status)} == 1)"
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
    if not regions:  # judged in communes only: no series of its own to alert on
        return rules
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
    last_report_vi = days_since(
        last_observation,
        ("indicator", "region"),
        "Số liệu gần nhất ghi nhận cách đây {days} ngày.",
        "Chưa có số liệu nào.",
    )
    last_report_en = days_since(
        last_observation, ("indicator", "region"), "Last value stored {days} days ago.", "No value yet."
    )
    rules.append(
        rule(
            AlertName.report_overdue,
            f"{selector('chitieu_indicator_report_overdue', indicator=indicator.code)} == 1",
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
            absent_rule(
                catalogue,
                indicator,
                options,
                selector("chitieu_indicator_status", indicator=indicator.code, region=region),
                (catalogue.regions[region].name_vi, catalogue.regions[region].name_en),
                f"{options.grafana_url}/d/chitieu-indicator/?"
                f"{urlencode({'var-indicator': indicator.code, 'var-region': region})}",
            )
        )
    return rules


def routing_labels(catalogue: Catalogue, indicator: Indicator) -> dict[str, str]:
    """The labels Alertmanager routes an indicator's alerts by (deploy/alertmanager): programme, province, owner."""
    programme = catalogue.programmes[indicator.programme]
    # The indicator label repeats the series' own: it keeps each rule's labels distinct (promtool lints duplicates).
    labels = {"indicator": indicator.code, "programme": programme.id, "province": programme.province}
    if indicator.owner:
        labels["owner"] = indicator.owner
    return labels


def absent_rule(
    catalogue: Catalogue,
    indicator: Indicator,
    options: RuleOptions,
    metric: str,
    where: tuple[str, str],
    dashboard_url: str,
    extra_labels: dict[str, str] | None = None,
) -> AlertRule:
    """ChiTieuMatSoLieu: `metric` (a selector of the indicator's series) absent; `where` names the region(s) it
    covers, in Vietnamese and in English."""
    numbered_vi = f"“{go_template_literal(indicator.name_vi)}”"
    if indicator.number:
        numbered_vi = f"{indicator.number} {numbered_vi}"
    where_vi, where_en = (go_template_literal(text) for text in where)
    return AlertRule(
        alert=AlertName.absent,
        expr=f"absent({metric})",
        for_=options.absent_for,
        labels=routing_labels(catalogue, indicator) | (extra_labels or {}) | {"severity": SEVERITY[AlertName.absent]},
        annotations={
            "summary": f"Mất số liệu giám sát: {go_template_literal(indicator.name_vi)} ({where_vi})",
            "description": (
                f"Prometheus không nhận được chỉ số trạng thái của chỉ tiêu {numbered_vi}"
                f" ({where_vi}) trong {duration_text(options.absent_for, True)}:"
                " dịch vụ chitieu"
                " không chạy, không đọc được cơ sở dữ liệu, hoặc chỉ tiêu đã bị gỡ khỏi danh mục mà chưa"
                " sinh lại quy tắc cảnh báo (chitieu rules build)."
            ),
            "description_en": (
                f"No status metric for {go_template_literal(indicator.name_en)} ({where_en}) for"
                f" {duration_text(options.absent_for, False)}: the service is down, cannot read its database, or the"
                " indicator left the catalogue and the rules were not rebuilt."
            ),
            "dashboard_url": dashboard_url,
            "runbook_url": runbook_link(options, AlertName.absent),
        },
    )
