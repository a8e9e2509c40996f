"""What a status judgement says: the statuses, and the evaluation of one indicator-region series (docs/status.md).

Observations go in, an Evaluation comes out: indicators/judgement.py judges a series as of a date, from the value in
judged terms (indicators/judged_terms.py) and when the next report is due (indicators/report_due.py).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from indicators.periods import Period

DEFAULT_GRACE_DAYS = 30  # days after a period's end before its report is overdue


class Observation(NamedTuple):
    """The latest revision of one period's value (a tuple: boards build hundreds of thousands of them)."""

    period: Period
    value: float
    recorded_at: datetime  # when that revision was stored (aware, UTC)
    revisions: int = 1  # how many revisions this period has had


class Status(StrEnum):
    achieved = "achieved"
    missed = "missed"
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    no_data = "no_data"
    not_computable = "not_computable"

    @property
    def label_vi(self) -> str:
        return _LABELS_VI[self]

    @property
    def severity(self) -> int:
        """Higher needs attention sooner: sort a board by -severity to put problems first."""
        return _SEVERITY[self]


_LABELS_VI = {
    Status.achieved: "đạt",
    Status.missed: "không đạt",
    Status.on_track: "đúng tiến độ",
    Status.at_risk: "có nguy cơ",
    Status.off_track: "chậm tiến độ",
    Status.no_data: "chưa có số liệu",
    Status.not_computable: "không tính được",
}
_SEVERITY = {
    Status.missed: 6,
    Status.off_track: 5,
    Status.at_risk: 4,
    Status.no_data: 3,
    Status.not_computable: 2,
    Status.on_track: 1,
    Status.achieved: 0,
}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The status of one indicator in one region. Numbers are in judged terms (see indicators/paths.py):
    the reported value, or the multiple of the baseline, the compound average growth in %, or the change on the
    previous year in the good direction."""

    indicator: str
    region: str
    period: str | None  # the period of the value judged
    actual: float | None  # the value judged, in judged terms
    expected: float | None  # E(t) at that period: the least demanding end of the band
    low: float | None  # the band at that period (low == high for single-value targets)
    high: float | None
    target: float | None  # the final target's least demanding value
    status: Status
    report_overdue: bool
    progress_ratio: float | None
    projection: float | None
    projection_meets_target: bool | None
    reason: str | None  # why no_data / not_computable, in Vietnamese then English
    last_recorded_at: datetime | None  # when the judged value's latest revision was stored
    approximately: bool = False  # achieved an approximate target ("khoảng") within the tolerance, not at its value
    period_target: float | None = None  # the target of the judged value's period (least demanding value)
    previous: "PreviousOutcome | None" = None  # the outcome of the latest earlier target period


@dataclass(frozen=True, slots=True)
class PreviousOutcome:
    """How the target period before the current one ended: its latest value judged against its own target."""

    period: str  # the period of that value
    status: Status
    actual: float | None  # in judged terms
    target: float | None  # that period's target (least demanding value)
    approximately: bool = False
