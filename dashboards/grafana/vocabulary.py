"""The Vietnamese words the dashboards show for the codes stored in the database, and the colours of statuses.

Statuses take their labels from the status engine (`Status.label_vi`) and frequencies from `Frequency.label_vi`; the
catalogue model has no Vietnamese labels for groups, target kinds, bases and task states, so they are named here.
"""

from indicators.model import Direction, Group, ProgrammeKind, TargetBasis, TargetKind, TaskState
from indicators.observation_status import ObservationStatus
from indicators.periods import Frequency
from indicators.status import Status

# The order statuses are shown in: from good to bad, then the two that cannot be judged.
STATUS_DISPLAY_ORDER = (
    Status.achieved,
    Status.on_track,
    Status.at_risk,
    Status.off_track,
    Status.missed,
    Status.no_data,
    Status.not_computable,
)
STATUS_LABELS = {status.value: status.label_vi for status in Status}
STATUS_SEVERITY = {status.value: status.severity for status in Status}
STATUS_COLORS = {
    Status.achieved: "dark-green",
    Status.on_track: "green",
    Status.at_risk: "orange",
    Status.off_track: "red",
    Status.missed: "dark-red",
    Status.no_data: "#8e8e8e",
    Status.not_computable: "blue",
}

GROUP_LABELS = {
    Group.economy: "Kinh tế",
    Group.society: "Văn hóa - xã hội",
    Group.environment: "Môi trường",
    Group.defence_security: "Quốc phòng - an ninh",
    Group.party_building: "Xây dựng Đảng và hệ thống chính trị",
}

BASIS_LABELS = {
    TargetBasis.value: "giá trị báo cáo",
    TargetBasis.multiple_of_baseline: "số lần so với năm gốc",
    TargetBasis.average_growth: "tăng bình quân (%/năm)",
    TargetBasis.change_per_period: "mức cải thiện so với năm trước",
}

TARGET_KIND_LABELS = {
    TargetKind.at_least: "tối thiểu",
    TargetKind.at_most: "tối đa",
    TargetKind.range: "trong khoảng",
    TargetKind.approx: "khoảng",
    TargetKind.exact: "bằng",
    TargetKind.qualitative: "định tính",
}

PROGRAMME_KIND_LABELS = {
    ProgrammeKind.annual_conclusion: "Kết luận hội nghị",
    ProgrammeKind.action_programme: "Chương trình hành động",
    ProgrammeKind.plan: "Kế hoạch",
}

DIRECTION_LABELS = {Direction.higher: "càng cao càng tốt", Direction.lower: "càng thấp càng tốt"}

TASK_STATE_LABELS = {
    TaskState.not_started: "chưa bắt đầu",
    TaskState.in_progress: "đang thực hiện",
    TaskState.done: "hoàn thành",
    TaskState.cancelled: "đã hủy",
}
NO_TASK_REPORT = "chưa có báo cáo"

OBSERVATION_STATUS_LABELS = {status.value: status.label_vi for status in ObservationStatus}

FREQUENCY_LABELS = {frequency.value: frequency.label_vi for frequency in Frequency}

REPORT_OVERDUE = "quá hạn"
REPORT_ON_TIME = "đúng hạn"
PROJECTION_MEETS = "dự báo đạt"
PROJECTION_MISSES = "dự báo không đạt"
# An approximate target ("khoảng") achieved within its tolerance, not at its value (Evaluation.approximately).
APPROXIMATELY_ACHIEVED = "đạt xấp xỉ"
