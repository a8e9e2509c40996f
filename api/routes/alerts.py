"""The alert history: Alertmanager's webhook (POST /v1/alerts/webhook) and what fired and resolved (GET /v1/alerts).

deploy/alertmanager/alertmanager.yml points every receiver at the webhook; the receiver's name is stored with each
alert, so the history says who an alert was routed to. GET /v1/alerts/runbook serves api/static/runbook.md, the page the
alerts' runbook_url links to.
"""

import hmac
import re
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import IsoDateTime, PoolDep, SettingsDep
from api.paging import Cursor, Page, decode_cursor, encode_cursor, invalid_cursor
from api.problems import Problem, problem_doc
from api.scope import ReadScopeDep
from ingest.alerts_store import AlertEvent, AlertFilter, NotifiedAlert, list_alert_events, record_notification

router = APIRouter(prefix="/v1/alerts", tags=["alerts"])

RUNBOOK = Path(__file__).resolve().parents[1] / "static" / "runbook.md"  # package data (pyproject.toml)
_GO_ZERO_TIME = datetime.fromisoformat("0001-01-01T00:00:00+00:00")


class WebhookAlert(BaseModel):
    """One alert as Alertmanager's webhook sends it (version 4)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    starts_at: datetime | None = Field(default=None, alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = Field(min_length=1)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _zero_time_is_none(cls, value: datetime | None) -> datetime | None:
        """Go's zero time (0001-01-01) means "not set": a firing alert has no end yet."""
        return None if value is not None and value <= _GO_ZERO_TIME else value


class WebhookNotification(BaseModel):
    """Alertmanager's webhook payload (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: str
    group_key: str = Field(default="", alias="groupKey")
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts")
    status: Literal["firing", "resolved"]
    receiver: str = Field(min_length=1)
    group_labels: dict[str, str] = Field(default={}, alias="groupLabels")
    common_labels: dict[str, str] = Field(default={}, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default={}, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL")
    alerts: list[WebhookAlert]

    @field_validator("receiver")
    @classmethod
    def _unquote_receiver(cls, receiver: str) -> str:
        """Alertmanager sends the receiver's name regex-quoted (Go's regexp.QuoteMeta: "co-quan-quang_tri\\.ubnd")."""
        return re.sub(r"\\(.)", r"\1", receiver)


class WebhookReceipt(BaseModel):
    received: int
    stored: int = Field(description="Alerts not seen before (a repeated notification stores nothing).")


@router.post(
    "/webhook",
    summary="Nhận thông báo từ Alertmanager (Alertmanager webhook receiver)",
    description="Needs `Authorization: Bearer <token>`: the service's alerts webhook token, not an office's key.",
    response_model=WebhookReceipt,
    responses={401: problem_doc("Thiếu mã xác thực hoặc mã sai (no valid webhook token)")},
)
def webhook(
    notification: WebhookNotification, request: Request, pool: PoolDep, settings: SettingsDep
) -> WebhookReceipt:
    expected = settings.alerts_webhook_token or ""  # always set by the app's start-up (api/app.py)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected.encode()):
        raise Problem(
            401,
            "Cần mã xác thực của Alertmanager (webhook token required)",
            "Alertmanager sends the token as its receivers' http_config authorization credentials_file; the token is "
            "CHITIEU_ALERTS_WEBHOOK_TOKEN or the file the service generated (CHITIEU_DATA_DIR/secrets/"
            "alerts-webhook-token).",
            slug="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="chitieu-alerts"'},
        )
    alerts = [
        NotifiedAlert(
            fingerprint=alert.fingerprint,
            status=alert.status,
            labels=alert.labels,
            annotations=alert.annotations,
            starts_at=alert.starts_at,
            ends_at=alert.ends_at,
        )
        for alert in notification.alerts
    ]
    with pool.connection() as conn:
        stored = record_notification(conn, notification.receiver, alerts)
    return WebhookReceipt(received=len(alerts), stored=stored)


@router.get(
    "",
    summary="Lịch sử cảnh báo (alert history: what fired and resolved, and who it was routed to)",
    response_model=Page[AlertEvent],
)
def get_alerts(
    pool: PoolDep,
    scope: ReadScopeDep,
    matching: Annotated[AlertFilter, Depends()],
    since: Annotated[IsoDateTime | None, Query(description="Only events received from then on (ISO 8601).")] = None,
    latest: Annotated[
        bool, Query(description="Only each alert's latest event; with status=firing: what is firing now.")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many events; `next` is the cursor")] = 100,
    cursor: Cursor = None,
) -> Page[AlertEvent]:
    """Newest first, paged with `limit` and `cursor` (`{"items": [...], "next": ...}`)."""
    scope.require(matching.programme, matching.region)
    scope.require(None, matching.province)
    before = None
    if cursor is not None:
        key = decode_cursor(cursor, 2)
        if key is None or not key[1].isdigit():
            raise invalid_cursor()
        try:
            before = (datetime.fromisoformat(key[0]), int(key[1]))
        except ValueError:
            raise invalid_cursor() from None
    with pool.connection() as conn:
        events = list_alert_events(
            conn,
            matching,
            since=since,
            latest=latest,
            limit=limit + 1,
            within_programmes=scope.programmes(),
            within_regions=scope.regions(),
            before=before,
        )
    last = events[limit - 1] if len(events) > limit else None
    return Page[AlertEvent](
        items=events[:limit], next=encode_cursor([last.received_at.isoformat(), str(last.id)]) if last else None
    )


@router.get(
    "/runbook",
    summary="Hướng dẫn xử lý cảnh báo (alert runbook)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}, 404: {"content": {"application/problem+json": {}}}},
)
def runbook() -> Response:
    if not RUNBOOK.is_file():
        raise Problem(404, "Không tìm thấy (not found)", "api/static/runbook.md is not installed with this copy")
    return Response(RUNBOOK.read_text(encoding="utf-8"), media_type="text/plain; charset=utf-8")
