"""The rules about the service itself, not about a programme: the status snapshot's freshness (issue 15 item 2)."""

from dashboards.prometheus.model import SEVERITY, AlertName, AlertRule, RuleGroup, RuleOptions
from dashboards.prometheus.templates import duration_text, runbook_link

SNAPSHOT_COMPUTED = "chitieu_status_snapshot_computed_timestamp_seconds"


def service_group(options: RuleOptions) -> RuleGroup:
    """rules/service.yml: the status snapshot older than `snapshot_stale_after` (or never written): the board, /metrics
    and Grafana all show a stale day."""
    seconds = options.snapshot_stale_seconds
    age = f"{seconds // 60}m"
    stale = AlertRule(
        alert=AlertName.snapshot_stale,
        expr=f"(time() - max({SNAPSHOT_COMPUTED}) > {seconds}) or absent({SNAPSHOT_COMPUTED})",
        for_=options.snapshot_stale_for,
        labels={"severity": SEVERITY[AlertName.snapshot_stale], "service": "chitieu"},
        annotations={
            "summary": "Bảng trạng thái cũ (status snapshot stale)",
            "description": (
                f"Bảng trạng thái (snapshot) được tính lần cuối cách đây hơn {duration_text(age, True)}, hoặc chưa"
                " từng được tính: bảng, /metrics và Grafana đang hiển thị số liệu cũ. Kiểm tra bộ làm mới"
                " (chitieu_refresher_leaders phải bằng 1) và nhật ký dịch vụ."
            ),
            "description_en": (
                f"The status snapshot was last computed more than {duration_text(age, False)} ago, or never: the"
                " board, /metrics and Grafana show a stale day. Check the refresher (chitieu_refresher_leaders"
                " should be 1) and the service's log."
            ),
            "dashboard_url": f"{options.grafana_url}/dashboards?query=chitieu",
            "runbook_url": runbook_link(options, AlertName.snapshot_stale),
        },
    )
    return RuleGroup(name="chitieu-service", rules=[stale])
