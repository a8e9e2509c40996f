"""The rule of one task with a due date: task overdue."""

from urllib.parse import urlencode

from dashboards.prometheus.model import SEVERITY, AlertName, AlertRule, RuleOptions
from dashboards.prometheus.templates import (
    days_since,
    go_template_literal,
    runbook_link,
    selector,
    shorten,
    vietnamese_date,
)
from indicators.catalogue import Catalogue
from indicators.model import Task


def task_rules(catalogue: Catalogue, task: Task, options: RuleOptions) -> list[AlertRule]:
    """NhiemVuQuaHan for a task with a due date (recurring and event-bound tasks have no deadline to pass)."""
    if task.due is None:
        return []
    programme = catalogue.programmes[task.programme]
    leads = [catalogue.agencies[code] for code in task.lead]
    title = " ".join(task.title_vi.split())
    overdue_vi = days_since("chitieu_task_due_timestamp_seconds", ("task",), "đã quá hạn {days} ngày", "đã quá hạn")
    overdue_en = days_since("chitieu_task_due_timestamp_seconds", ("task",), "is {days} days overdue", "is overdue")
    due_vi = vietnamese_date(task.due)
    leads_vi = "; ".join(go_template_literal(agency.name_vi) for agency in leads)
    leads_en = "; ".join(go_template_literal(agency.name_en or agency.name_vi) for agency in leads)
    return [
        AlertRule(
            alert=AlertName.task_overdue,
            expr=f"{selector('chitieu_task_overdue', task=task.code)} == 1",
            for_=options.task_overdue_for,
            labels={
                "task": task.code,
                "programme": programme.id,
                "province": programme.province,
                "owner": task.lead[0],
                "severity": SEVERITY[AlertName.task_overdue],
            },
            annotations={
                "summary": f"Nhiệm vụ quá hạn: {task.section} {go_template_literal(shorten(title))}",
                "description": (
                    f"Nhiệm vụ {task.section}: {go_template_literal(title)}. Thời hạn {due_vi}"
                    f" ({go_template_literal(task.time_frame)}): {overdue_vi} mà chưa có báo cáo hoàn thành."
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
                "runbook_url": runbook_link(options, AlertName.task_overdue),
            },
        )
    ]
