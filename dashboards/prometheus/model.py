"""The rule models (validated with pydantic) and the options every generated rule shares."""

import re
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

_DURATION = re.compile(r"^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$")
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def check_duration(text: str) -> str:
    """A Prometheus duration: 0s, 90s, 15m, 3d, 1h30m."""
    if not text or not _DURATION.match(text):
        raise ValueError(f"{text!r} is not a Prometheus duration (e.g. 30s, 15m, 3d)")
    return text


Duration = Annotated[str, AfterValidator(check_duration)]


class AlertName(StrEnum):
    off_track = "ChiTieuChamTienDo"
    at_risk = "ChiTieuCoNguyCo"
    report_overdue = "ChiTieuQuaHanBaoCao"
    task_overdue = "NhiemVuQuaHan"
    absent = "ChiTieuMatSoLieu"
    snapshot_stale = "ChiTieuBangTrangThaiCu"
    communes_off_track = "ChiTieuNhieuXaChamTienDo"  # a share of a province's communes off track
    communes_report_overdue = "ChiTieuNhieuXaQuaHanBaoCao"  # a share of a province's communes overdue


SEVERITY = {
    AlertName.off_track: "critical",
    AlertName.at_risk: "warning",
    AlertName.report_overdue: "warning",
    AlertName.task_overdue: "warning",
    AlertName.absent: "warning",
    AlertName.snapshot_stale: "warning",
    AlertName.communes_off_track: "warning",
    AlertName.communes_report_overdue: "warning",
}
SERVICE_ALERTS = {AlertName.snapshot_stale}  # about the service itself: no programme, no province


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
    snapshot_stale_seconds: int = Field(
        default=3600,
        ge=60,
        description="Alert when the status snapshot is older: at least 3 x CHITIEU_STATUS_REFRESH_SECONDS",
    )
    snapshot_stale_for: Duration = "10m"
    communes_off_track_share: float = Field(
        default=0.3, gt=0, le=1, description="Alert when at least this share of a province's communes is off track"
    )
    communes_report_overdue_share: float = Field(
        default=0.3, gt=0, le=1, description="Alert when at least this share of a province's communes is overdue"
    )
    communes_off_track_for: Duration = "15m"
    communes_report_overdue_for: Duration = "1h"

    def duration(self, alert: AlertName) -> str:
        return {
            AlertName.off_track: self.off_track_for,
            AlertName.at_risk: self.at_risk_for,
            AlertName.report_overdue: self.report_overdue_for,
            AlertName.task_overdue: self.task_overdue_for,
            AlertName.absent: self.absent_for,
            AlertName.snapshot_stale: self.snapshot_stale_for,
            AlertName.communes_off_track: self.communes_off_track_for,
            AlertName.communes_report_overdue: self.communes_report_overdue_for,
        }[alert]


class AlertRule(BaseModel):
    """One Prometheus alerting rule, checked before it is written."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    alert: AlertName
    expr: str = Field(min_length=1)
    for_: Duration = Field(alias="for")
    labels: dict[str, str]
    annotations: dict[str, str]
    # The values the `province` label takes when it comes from the series (commune-level alerts, one rule for all
    # the provinces of an indicator's communes) rather than from the rule: the routing tree needs them. Not written.
    series_provinces: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _labels_are_routable(self) -> Self:
        for name, value in (self.labels | self.annotations).items():
            if not _LABEL_NAME.match(name) or name.startswith("__"):
                raise ValueError(f"{name!r} is not a valid label or annotation name")
            if not value:
                raise ValueError(f"{name} is empty (Prometheus drops empty labels; leave it out instead)")
        routing = {"severity"} if self.alert in SERVICE_ALERTS else {"programme", "province", "severity"}
        if self.series_provinces:
            if "province" in self.labels:
                raise ValueError(f"{self.alert}: a province label on the rule would replace the series' own")
            routing.discard("province")
        missing = routing - set(self.labels)
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


_RECORD_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


class RecordingRule(BaseModel):
    """One Prometheus recording rule (level:metric:operation), evaluated before the alerts of its group."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    record: str = Field(pattern=_RECORD_NAME.pattern)
    expr: str = Field(min_length=1)
    labels: dict[str, str] = {}

    def as_yaml(self) -> dict[str, Any]:
        return {"record": self.record, "expr": self.expr} | ({"labels": dict(self.labels)} if self.labels else {})


class RuleGroup(BaseModel):
    """The rules of one programme: its recording rules first (a group evaluates its rules in order, so the alerts
    read what the records computed in the same evaluation), then its alerts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^chitieu-[a-z0-9][a-z0-9_.-]*$")
    rules: list[AlertRule]
    records: list[RecordingRule] = []

    @model_validator(mode="after")
    def _rules_are_distinct(self) -> Self:
        seen: set[tuple[str, str]] = set()
        for rule in self.rules:
            key = (rule.alert.value, rule.expr)
            if key in seen:
                raise ValueError(f"{self.name}: {rule.alert} is generated twice for {rule.expr}")
            seen.add(key)
        recorded: set[tuple[str, str]] = set()
        for record in self.records:
            series = (record.record, record.expr)
            if series in recorded:
                raise ValueError(f"{self.name}: {record.record} is recorded twice for {record.expr}")
            recorded.add(series)
        return self

    def as_yaml(self) -> dict[str, Any]:
        rules = [record.as_yaml() for record in self.records] + [rule.as_yaml() for rule in self.rules]
        return {"groups": [{"name": self.name, "rules": rules}]}


# ---------------------------------------------------------------------------------------------------- templates
# Prometheus expands annotations as Go templates when an alert fires. Values are written the Vietnamese way in the
# Vietnamese text (decimal comma: "7.50" reads as seven hundred and fifty to a Vietnamese reader) and with a decimal
# point in the English line.
