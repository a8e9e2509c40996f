"""The alert history: what Alertmanager notified the service's webhook of (fired, resolved, to which receiver).

One row per alert per notification state; Alertmanager repeats a notification every repeat_interval and retries
failed deliveries, so a row that is already stored (same fingerprint, status, start and receiver) is not stored again.
"""

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg import sql
from psycopg.rows import class_row

AlertStatus = Literal["firing", "resolved"]

# Labels copied into their own columns, for filtering and for SQL readers (Grafana).
_LABEL_COLUMNS = ("alertname", "severity", "indicator", "region", "task", "programme", "province", "owner")


@dataclass(frozen=True)
class NotifiedAlert:
    """One alert of an Alertmanager notification."""

    fingerprint: str
    status: AlertStatus
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None  # None while firing


@dataclass(frozen=True)
class AlertEvent:
    id: int
    received_at: datetime
    fingerprint: str
    alertname: str
    status: AlertStatus
    severity: str | None
    indicator: str | None
    region: str | None
    task: str | None
    programme: str | None
    province: str | None
    owner: str | None
    receiver: str
    starts_at: datetime | None
    ends_at: datetime | None
    summary: str | None
    description: str | None
    labels: dict[str, str]
    annotations: dict[str, str]


def record_notification(conn: psycopg.Connection[Any], receiver: str, alerts: Sequence[NotifiedAlert]) -> int:
    """Store the alerts of one notification in one transaction; return how many rows were new."""
    stored = 0
    with conn.transaction(), conn.cursor() as cur:
        for alert in alerts:
            columns = {name: alert.labels.get(name) for name in _LABEL_COLUMNS}
            columns["alertname"] = columns["alertname"] or "(none)"
            cur.execute(
                "INSERT INTO alert_events (fingerprint, alertname, status, severity, indicator, region, task,"
                " programme, province, owner, receiver, starts_at, ends_at, summary, description, labels, annotations)"
                " VALUES (%(fingerprint)s, %(alertname)s, %(status)s, %(severity)s, %(indicator)s, %(region)s,"
                " %(task)s, %(programme)s, %(province)s, %(owner)s, %(receiver)s, %(starts_at)s, %(ends_at)s,"
                " %(summary)s, %(description)s, %(labels)s, %(annotations)s)"
                " ON CONFLICT (fingerprint, status, starts_at, receiver) DO NOTHING",
                columns
                | {
                    "fingerprint": alert.fingerprint,
                    "status": alert.status,
                    "receiver": receiver,
                    "starts_at": alert.starts_at,
                    "ends_at": alert.ends_at,
                    "summary": alert.annotations.get("summary"),
                    "description": alert.annotations.get("description"),
                    "labels": json.dumps(alert.labels, ensure_ascii=False),
                    "annotations": json.dumps(alert.annotations, ensure_ascii=False),
                },
            )
            stored += cur.rowcount
    return stored


@dataclass(frozen=True)
class AlertFilter:
    """What an event must match, each given field equal to its column (None: any). The route's query parameters."""

    status: AlertStatus | None = None
    alertname: str | None = None
    indicator: str | None = None
    region: str | None = None
    task: str | None = None
    programme: str | None = None
    province: str | None = None
    owner: str | None = None
    receiver: str | None = None


def list_alert_events(
    conn: psycopg.Connection[Any],
    matching: AlertFilter = AlertFilter(),
    *,
    since: datetime | None = None,
    latest: bool = False,
    limit: int = 100,
    within_programmes: list[str] | None = None,
    within_regions: list[str] | None = None,
    before: tuple[datetime, int] | None = None,
) -> list[AlertEvent]:
    """Events newest first. latest=True: only each alert's latest event per receiver (with status="firing": what is
    firing now). Filters apply after that choice, so a resolved alert is never reported as firing.
    within_programmes / within_regions: only events of those programmes and regions (a task's: its province).
    before: only events after (in this order) the event received at that instant with that id: the next page."""
    source = sql.SQL("alert_events")
    if latest:
        source = sql.SQL(
            "(SELECT DISTINCT ON (fingerprint, receiver) * FROM alert_events ORDER BY fingerprint, receiver, id DESC)"
        )
    filters = asdict(matching)
    conditions: list[sql.Composable] = [
        sql.SQL("{} = {}").format(sql.Identifier(column), sql.Placeholder(column))
        for column, value in filters.items()
        if value is not None
    ]
    if since is not None:
        conditions.append(sql.SQL("received_at >= %(since)s"))
    if within_programmes is not None:
        conditions.append(sql.SQL("programme = ANY(%(within_programmes)s)"))
    if within_regions is not None:
        conditions.append(sql.SQL("coalesce(region, province) = ANY(%(within_regions)s)"))
    if before is not None:
        conditions.append(sql.SQL("(received_at, id) < (%(before_at)s, %(before_id)s)"))
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conditions) if conditions else sql.SQL("")
    with conn.cursor(row_factory=class_row(AlertEvent)) as cur:
        cur.execute(
            sql.SQL(
                "SELECT id, received_at, fingerprint, alertname, status, severity, indicator, region, task, programme,"
                " province, owner, receiver, starts_at, ends_at, summary, description, labels, annotations"
                " FROM {} AS events{} ORDER BY received_at DESC, id DESC LIMIT %(limit)s"
            ).format(source, where),
            filters
            | {
                "since": since,
                "limit": limit,
                "within_programmes": within_programmes,
                "within_regions": within_regions,
                "before_at": before[0] if before else None,
                "before_id": before[1] if before else None,
            },
        )
        return cur.fetchall()
