"""The commune-level rules of one indicator judged in communes (or districts): shares of each province's communes.

/metrics exports an indicator's communes as counts per province (api/metrics.py): `chitieu_indicator_regions`
{indicator, province, status}, leaving out the statuses with none, and `chitieu_indicator_regions_report_overdue`
{indicator, province}. From them, per indicator (never per commune nor per province, so that a national catalogue's
rules stay as many as its indicators):

- recording rules: the share of the province's communes off track, at risk (`indicator_province:
  chitieu_indicator_regions:share{status=...}`) and report overdue (`indicator_province:
  chitieu_indicator_regions_report_overdue:share`): 0 when no commune has the status, nothing for a province without
  communes counted (no division by zero);
- ChiTieuNhieuXaChamTienDo and ChiTieuNhieuXaQuaHanBaoCao when the share reaches RuleOptions'
  communes_off_track_share / communes_report_overdue_share (30 % by default); the `province` label is the series'
  own, so Alertmanager routes each alert to the province its communes lie in (then to the indicator's owner);
- ChiTieuMatSoLieu when the counts of the indicator are absent altogether.
Each alert has the label level="commune"; each record repeats its indicator label (promtool lints rules whose name and
labels are the same as another's).
"""

from collections.abc import Mapping
from urllib.parse import urlencode

from dashboards.prometheus.indicator_rules import absent_rule, routing_labels
from dashboards.prometheus.model import AlertName, AlertRule, RecordingRule, RuleOptions
from dashboards.prometheus.templates import (
    alert_maker,
    document_lines,
    go_template_literal,
    region_name_template,
    selector,
)
from indicators.catalogue import Catalogue
from indicators.commune_level import provinces_counted
from indicators.model import Indicator
from indicators.status import Status

REGIONS = "chitieu_indicator_regions"
REGIONS_OVERDUE = "chitieu_indicator_regions_report_overdue"
STATUS_SHARE = f"indicator_province:{REGIONS}:share"
OVERDUE_SHARE = f"indicator_province:{REGIONS_OVERDUE}:share"
SHARED_STATUSES = (Status.off_track, Status.at_risk)
BY_PROVINCE = "sum by (indicator, province)"
# On every commune-level alert: to silence or route them apart, and to tell the indicator's two ChiTieuMatSoLieu apart
# (its own regions' series, its communes' counts).
LEVEL = {"level": "commune"}


def _share(counted: str, all_communes: str) -> str:
    """`counted` over `all_communes`, both summed by indicator and province: 0 where `counted` has no series, and
    nothing where the province has no communes counted."""
    return f"({BY_PROVINCE} ({counted}) or 0 * {BY_PROVINCE} ({all_communes})) / ({BY_PROVINCE} ({all_communes}) > 0)"


def commune_records(catalogue: Catalogue, indicator: Indicator, counted: Mapping[str, str]) -> list[RecordingRule]:
    """`counted`: the catalogue's communes and districts -> their province (indicators.commune_level)."""
    if not provinces_counted(catalogue, indicator, counted):
        return []
    all_communes = selector(REGIONS, indicator=indicator.code)
    records = [
        RecordingRule(
            record=STATUS_SHARE,
            expr=_share(selector(REGIONS, indicator=indicator.code, status=status.value), all_communes),
            labels={"indicator": indicator.code, "status": status.value},
        )
        for status in SHARED_STATUSES
    ]
    records.append(
        RecordingRule(
            record=OVERDUE_SHARE,
            expr=_share(selector(REGIONS_OVERDUE, indicator=indicator.code), all_communes),
            labels={"indicator": indicator.code},
        )
    )
    return records


def _count(metric: str, status: str | None) -> str:
    """The number of the alert's province's communes in `metric` (of one status), looked up when the alert fires."""
    matchers = "indicator=%q,province=%q" + (",status=%q" if status else "")
    arguments = "$labels.indicator $labels.province" + (f' "{status}"' if status else "")
    lookup = f'printf "sum({metric}{{{matchers}}})" {arguments} | query'
    return f'{{{{ with {lookup} }}}}{{{{ . | first | value | printf "%.0f" }}}}{{{{ else }}}}?{{{{ end }}}}'


def commune_alerts(
    catalogue: Catalogue, indicator: Indicator, options: RuleOptions, counted: Mapping[str, str]
) -> list[AlertRule]:
    provinces = provinces_counted(catalogue, indicator, counted)
    if not provinces:
        return []
    labels = routing_labels(catalogue, indicator) | LEVEL
    del labels["province"]  # the series' own: the province the communes lie in
    programme = catalogue.programmes[indicator.programme]
    numbered_vi = f"“{go_template_literal(indicator.name_vi)}”"
    if indicator.number:
        numbered_vi = f"{indicator.number} {numbered_vi}"
    name_vi = go_template_literal(indicator.name_vi)
    name_en = go_template_literal(indicator.name_en)
    province_vi = region_name_template({code: catalogue.regions[code].name_vi for code in provinces}, "province")
    province_en = region_name_template({code: catalogue.regions[code].name_en for code in provinces}, "province")
    owner_vi, programme_vi = document_lines(catalogue, indicator)
    share_vi = '{{ $value | humanizePercentage | reReplaceAll "[.]" "," }}'
    share_en = "{{ $value | humanizePercentage }}"
    total = _count(REGIONS, None)
    dashboard = (
        f"{options.grafana_url}/d/chitieu-regions/?"
        f"{urlencode({'var-programme': programme.id, 'var-indicator': indicator.code})}"
    )

    rule = alert_maker(options, labels, dashboard, tuple(provinces))

    off_track = _count(REGIONS, Status.off_track.value)
    overdue = _count(REGIONS_OVERDUE, None)
    off_track_share = options.communes_off_track_share
    overdue_share = options.communes_report_overdue_share
    frequency_vi = indicator.frequency.label_vi
    return [
        rule(
            AlertName.communes_off_track,
            f"{selector(STATUS_SHARE, indicator=indicator.code, status=Status.off_track.value)} >= {off_track_share}",
            {
                "summary": f"Nhiều xã chậm tiến độ: {name_vi} ({province_vi})",
                "description": (
                    f"Chỉ tiêu {numbered_vi}: {off_track}/{total} xã của {province_vi} ({share_vi}) chậm tiến độ,"
                    f" từ ngưỡng cảnh báo {_percent(off_track_share, True)} số xã trở lên.{owner_vi}{programme_vi}"
                ),
                "description_en": (
                    f"Many communes off track: {off_track}/{total} communes of {province_en} ({share_en}) are off"
                    f" track on {name_en}, at or above the alert threshold of {_percent(off_track_share, False)}."
                ),
            },
        ),
        rule(
            AlertName.communes_report_overdue,
            f"{selector(OVERDUE_SHARE, indicator=indicator.code)} >= {overdue_share}",
            {
                "summary": f"Nhiều xã quá hạn báo cáo: {name_vi} ({province_vi})",
                "description": (
                    f"Chỉ tiêu {numbered_vi} (báo cáo theo {frequency_vi}): {overdue}/{total} xã của {province_vi}"
                    f" ({share_vi}) quá hạn báo cáo số liệu, từ ngưỡng cảnh báo {_percent(overdue_share, True)} số xã"
                    f" trở lên.{owner_vi}{programme_vi}"
                ),
                "description_en": (
                    f"Many communes overdue: {overdue}/{total} communes of {province_en} ({share_en}) have not reported"
                    f" the next {indicator.frequency.value} value of {name_en} after its deadline and grace days, at"
                    f" or above the alert threshold of {_percent(overdue_share, False)}."
                ),
            },
        ),
        absent_rule(
            catalogue,
            indicator,
            options,
            selector(REGIONS, indicator=indicator.code),
            ("các xã", "its communes"),
            dashboard,
            extra_labels=LEVEL,
        ),
    ]


def _percent(share: float, vietnamese: bool) -> str:
    """0.3 -> "30%"; 0.125 -> "12,5%" (Vietnamese) or "12.5%"."""
    text = f"{share * 100:.10g}%"
    return text.replace(".", ",") if vietnamese else text
