"""Alertmanager configuration generated from the catalogue (`chitieu rules build` -> deploy/alertmanager/).

Routing tree: by province, then by owner agency (the `owner` label of the generated rules). Every receiver is the
service's webhook (POST /v1/alerts/webhook), which keeps the alert history; Alertmanager sends the service's webhook
token, read from a file (`credentials_file`). The receiver's name records who the alert was routed to
(`tinh-<province>`, `co-quan-<agency>`). A deployment adds e-mail (or other) configs to those receivers; the
`vi-du-email` receiver shows how, on a route that no generated alert matches.
Inhibition: an off-track alert silences the at-risk alert of the same indicator and region.
"""

from typing import Any

from pydantic import BaseModel, ConfigDict

from dashboards.output import RULES_HEADER, dump_yaml
from dashboards.prometheus.files import rule_groups
from dashboards.prometheus.model import AlertName, Duration, RuleOptions
from indicators.catalogue import Catalogue

DEFAULT_RECEIVER = "chitieu"
EMAIL_EXAMPLE_RECEIVER = "vi-du-email"
EMAIL_EXAMPLE_LABEL = "vi_du_email"  # no generated rule sets this label: the example route never matches

EXPLANATION = """\
# Cây định tuyến: theo tỉnh (province), rồi theo cơ quan chủ trì (owner). Mọi receiver gửi về webhook của dịch vụ
# (lưu lịch sử cảnh báo, GET /v1/alerts); thêm email_configs vào receiver của tỉnh hoặc cơ quan để gửi thư, theo mẫu
# receiver "vi-du-email" (tuyến mẫu chỉ khớp nhãn vi_du_email, không quy tắc nào đặt nhãn này).
# Routing tree: by province, then by owner agency. Every receiver posts to the service's webhook, which keeps the alert
# history; add email_configs to a province's or an agency's receiver to send mail, as the "vi-du-email" example shows
# (its route matches only the label vi_du_email, which no rule sets).
"""


class AlertmanagerOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    webhook_url: str = "http://127.0.0.1:8000/v1/alerts/webhook"
    # The service's webhook token, read by Alertmanager at each notification. The default is where
    # deploy/docker-compose.yml writes it (from CHITIEU_ALERTS_WEBHOOK_TOKEN) inside the Alertmanager container.
    webhook_credentials_file: str = "/run/chitieu/alerts-webhook-token"
    group_wait: Duration = "30s"
    group_interval: Duration = "5m"
    repeat_interval: Duration = "24h"


def province_receiver(province: str) -> str:
    return f"tinh-{province}"


def owner_receiver(agency: str) -> str:
    return f"co-quan-{agency}"


def owners_by_province(catalogue: Catalogue) -> dict[str, list[str]]:
    """Province -> the owner agencies its alerts carry, both sorted: read from the generated rules themselves."""
    owners: dict[str, set[str]] = {}
    for group in rule_groups(catalogue, RuleOptions()):
        for rule in group.rules:
            # A commune-level alert takes its province from the series: it is routed in each province it may name.
            for province in rule.series_provinces or (rule.labels["province"],):
                agencies = owners.setdefault(province, set())
                if "owner" in rule.labels:
                    agencies.add(rule.labels["owner"])
    return {province: sorted(owners[province]) for province in sorted(owners)}


def _webhook(name: str, options: AlertmanagerOptions) -> dict[str, Any]:
    return {
        "name": name,
        "webhook_configs": [
            {
                "url": options.webhook_url,
                "send_resolved": True,
                "http_config": {
                    "authorization": {"type": "Bearer", "credentials_file": options.webhook_credentials_file}
                },
            }
        ],
    }


def alertmanager_config(catalogue: Catalogue, options: AlertmanagerOptions) -> dict[str, Any]:
    routing = owners_by_province(catalogue)
    routes: list[dict[str, Any]] = [
        {"receiver": EMAIL_EXAMPLE_RECEIVER, "matchers": [f'{EMAIL_EXAMPLE_LABEL}="co"'], "continue": False}
    ]
    receivers = [
        _webhook(DEFAULT_RECEIVER, options),
        {
            "name": EMAIL_EXAMPLE_RECEIVER,
            "email_configs": [
                {
                    "to": "theo-doi-chi-tieu@example.gov.vn",
                    "from": "chitieu@example.gov.vn",
                    "smarthost": "smtp.example.gov.vn:587",
                    "require_tls": True,
                    "send_resolved": True,
                    "headers": {
                        "Subject": (
                            "[chitieu] {{ .Status }} {{ .CommonLabels.alertname }} ({{ .CommonLabels.province }}):"
                            " {{ .CommonAnnotations.summary }}"
                        )
                    },
                }
            ],
        },
    ]
    for province, agencies in routing.items():
        route: dict[str, Any] = {"receiver": province_receiver(province), "matchers": [f'province="{province}"']}
        if agencies:
            route["routes"] = [
                {"receiver": owner_receiver(agency), "matchers": [f'owner="{agency}"']} for agency in agencies
            ]
        routes.append(route)
        receivers.append(_webhook(province_receiver(province), options))
    for agency in sorted({agency for agencies in routing.values() for agency in agencies}):
        receivers.append(_webhook(owner_receiver(agency), options))
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": DEFAULT_RECEIVER,
            "group_by": ["alertname", "province", "programme"],
            "group_wait": options.group_wait,
            "group_interval": options.group_interval,
            "repeat_interval": options.repeat_interval,
            "routes": routes,
        },
        "inhibit_rules": [
            {
                "source_matchers": [f'alertname="{AlertName.off_track.value}"'],
                "target_matchers": [f'alertname="{AlertName.at_risk.value}"'],
                "equal": ["indicator", "region"],
            }
        ],
        "receivers": receivers,
    }


def render_alertmanager_config(catalogue: Catalogue, options: AlertmanagerOptions) -> str:
    return RULES_HEADER + EXPLANATION + dump_yaml(alertmanager_config(catalogue, options))
