"""Prometheus metrics: the service's own counters, and the status board read from the database at scrape time.

Service metrics (INGEST_*) are module-level objects the ingestion code increments. The board metrics come from
`BoardCollector`, which reads the active catalogue and computes the board (ingest.board.compute_board) and the tasks'
latest states on every scrape, so an indicator removed from the catalogue disappears from /metrics at once.

Values of indicators are domain values, not base units: each is in its indicator's unit as the catalogue states it (a
"percent" indicator reports 7.5, not 0.075), or in judged terms where the final target is stated that way (a multiple
of the baseline, an average growth in %, an improvement on the previous year; see docs/status.md). The `unit` and
`basis` labels of chitieu_indicator_info say which. The gap is a true ratio.

Several workers (CHITIEU_WORKERS=N): prometheus_client's multiprocess mode. Before the workers start, the parent
calls `prepare_multiprocess_dir` on a temporary directory of its own, so that two serves on one machine never mix
their counters (it empties the directory and sets PROMETHEUS_MULTIPROC_DIR, which the workers inherit); each worker then writes its service metrics to files there and any worker answering /metrics sums them with
MultiProcessCollector. The board collector is not per process: it is registered once, in the registry built for each
scrape, by whichever worker answers.
"""

import logging
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.leader import refresher_leaders
from indicators.catalogue import Catalogue
from indicators.clock import VIETNAM, vietnam_today
from indicators.commune_level import aggregated_regions, province_above
from indicators.gaps import gap_ratio
from indicators.model import TaskState
from indicators.paths import plan_for
from indicators.status import DEFAULT_GRACE_DAYS, Evaluation, Status
from ingest.board import compute_board
from ingest.catalogue_store import read_catalogue
from ingest.snapshot import RegionCounts, SnapshotInfo, count_snapshot, read_snapshot, snapshot_info
from ingest.tasks_store import TaskAttribute, TaskRow, list_tasks

log = logging.getLogger("chitieu.metrics")

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

# ------------------------------------------------------------------------------------------- service metrics
INGEST_REQUESTS = Counter(
    "chitieu_ingest_requests",
    "Observation batches received, by format (json, csv) and outcome.",
    ["format", "outcome"],
)
INGEST_ROWS = Counter(
    "chitieu_ingest_rows",
    "Observation rows received, by outcome: imported, updated, ignored, rejected.",
    ["outcome"],
)
INGEST_SECONDS = Histogram(
    "chitieu_ingest_duration_seconds",
    "Time to validate and store one observation batch, by format.",
    ["format"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)


def prepare_multiprocess_dir(path: Path) -> None:
    """Empty `path` and point prometheus_client's multiprocess mode at it (call before the workers start)."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(path)


class _ThisProcess(Collector):
    """The default registry (this process's service, process and runtime metrics) inside a per-scrape registry."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


def add_service_metrics(registry: CollectorRegistry) -> None:
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_ThisProcess())


# ------------------------------------------------------------------------------------------- board metrics
INDICATOR_LABELS = ["indicator", "region"]
INFO_LABELS = ["indicator", "programme", "province", "group", "owner", "unit", "basis"]
TASK_STATES = [state.value for state in TaskState]

ConnectionSource = Callable[[], AbstractContextManager[psycopg.Connection[Any]]]
CatalogueSource = Callable[[psycopg.Connection[Any]], Catalogue]  # e.g. the app's CatalogueCache.current


class _BoardFamilies:
    """The metric families of one scrape, new and empty."""

    def __init__(self) -> None:
        self.indicator_info = GaugeMetricFamily(
            "chitieu_indicator_info",
            "Indicator metadata (thông tin chỉ tiêu); value always 1. unit: the catalogue unit; basis: the terms the"
            " values are judged in (value, multiple_of_baseline, average_growth, change_per_period).",
            labels=INFO_LABELS,
        )
        self.actual = GaugeMetricFamily(
            "chitieu_indicator_actual",
            "Latest value judged (giá trị thực tế), in the indicator's own unit (percent as 7.5) or judged terms.",
            labels=INDICATOR_LABELS,
        )
        self.expected = GaugeMetricFamily(
            "chitieu_indicator_expected",
            "Expected value on the target path for the period judged (giá trị theo lộ trình), same unit as actual.",
            labels=INDICATOR_LABELS,
        )
        self.target = GaugeMetricFamily(
            "chitieu_indicator_target",
            "Final target, least demanding value (chỉ tiêu cuối kỳ), same unit as actual.",
            labels=INDICATOR_LABELS,
        )
        self.gap = GaugeMetricFamily(
            "chitieu_indicator_gap_ratio",
            "(actual - expected) / |expected| in the good direction: negative is behind the path (chênh lệch so với"
            " lộ trình); for exact targets, minus the relative distance.",
            labels=INDICATOR_LABELS,
        )
        self.status = GaugeMetricFamily(
            "chitieu_indicator_status",
            "Status as a state set (trạng thái): 1 for the current status, 0 for the others.",
            labels=[*INDICATOR_LABELS, "status"],
        )
        self.report_overdue = GaugeMetricFamily(
            "chitieu_indicator_report_overdue",
            "1 when the next report is past its due date plus the grace days (quá hạn báo cáo), else 0.",
            labels=INDICATOR_LABELS,
        )
        self.last_observation = GaugeMetricFamily(
            "chitieu_indicator_last_observation_timestamp_seconds",
            "When the latest revision of the value judged was stored (thời điểm ghi nhận số liệu), Unix time.",
            labels=INDICATOR_LABELS,
        )
        self.approximately = GaugeMetricFamily(
            "chitieu_indicator_approximately",
            '1 when an approximate target ("khoảng") was judged achieved within its tolerance, not at its value (đạt'
            " xấp xỉ), else 0; as the status engine wrote it.",
            labels=INDICATOR_LABELS,
        )
        self.previous_status = GaugeMetricFamily(
            "chitieu_indicator_previous_status",
            "How the last finished target period ended (kết quả kỳ chỉ tiêu trước), shown beside today's status;"
            " value always 1, none when there is no earlier target period. period: that period's value judged;"
            " approximately: true when achieved within the tolerance of an approximate target.",
            labels=[*INDICATOR_LABELS, "period", "status", "approximately"],
        )
        self.region_status = GaugeMetricFamily(
            "chitieu_indicator_regions",
            "Communes and districts of a province by status of the indicator (số xã theo trạng thái); statuses with"
            " none are left out.",
            labels=["indicator", "province", "status"],
        )
        self.region_overdue = GaugeMetricFamily(
            "chitieu_indicator_regions_report_overdue",
            "Communes and districts of a province whose report of the indicator is overdue (số xã quá hạn báo cáo).",
            labels=["indicator", "province"],
        )
        self.over_budget = GaugeMetricFamily(
            "chitieu_board_series_over_budget",
            "Series left out of this scrape to keep the exported series within the cardinality budget (50,000).",
        )
        self.snapshot_computed = GaugeMetricFamily(
            "chitieu_status_snapshot_computed_timestamp_seconds",
            "When the status snapshot (what the board shows for today) was last fully rewritten, Unix time.",
        )
        self.snapshot_seconds = GaugeMetricFamily(
            "chitieu_status_snapshot_refresh_duration_seconds",
            "How long the last full rewrite of the status snapshot took.",
        )
        self.refresher_leaders = GaugeMetricFamily(
            "chitieu_refresher_leaders",
            "API processes on the database holding the snapshot refresher's lock: 1, whatever the workers and"
            " replicas; 0 while no process refreshes the snapshot (api/leader.py).",
        )
        self.task_info = GaugeMetricFamily(
            "chitieu_task_info",
            "Task metadata (thông tin nhiệm vụ); value always 1. lead: the lead agencies' codes, comma-separated.",
            labels=["task", "programme", "province", "lead"],
        )
        self.task_due = GaugeMetricFamily(
            "chitieu_task_due_timestamp_seconds",
            "Deadline of a task with a due date (thời hạn): the end of the due date in Vietnam (UTC+7), Unix time.",
            labels=["task"],
        )
        self.task_state = GaugeMetricFamily(
            "chitieu_task_state",
            "Task state from its latest progress report, not_started when none (trạng thái), as a state set.",
            labels=["task", "state"],
        )
        self.task_overdue = GaugeMetricFamily(
            "chitieu_task_overdue",
            "1 when a task is past its due date and not reported done or cancelled (nhiệm vụ quá hạn), else 0.",
            labels=["task"],
        )

    def __iter__(self) -> Iterator[GaugeMetricFamily]:
        return iter(vars(self).values())


class BoardCollector(Collector):
    """The board and the tasks as metrics, read from the database on every scrape."""

    def __init__(
        self,
        connection: ConnectionSource,
        *,
        today: Callable[[], date] = vietnam_today,
        grace_days: int = DEFAULT_GRACE_DAYS,
        registry: CollectorRegistry | None = None,
        catalogue: CatalogueSource = read_catalogue,
    ) -> None:
        self._connection = connection
        self._catalogue = catalogue
        self._today = today
        self._grace_days = grace_days
        if registry is not None:
            registry.register(self)

    def describe(self) -> Iterable[Metric]:
        return [*_BoardFamilies(), *self._scrape_families(success=False, seconds=0.0)]

    def collect(self) -> Iterable[Metric]:
        started = time.perf_counter()
        families = _BoardFamilies()
        try:
            with self._connection() as conn:
                catalogue = self._catalogue(conn)
                today = self._today()
                snapshot = snapshot_info(conn)
                if snapshot is not None and snapshot.as_of == today:
                    # The communes' counts by SQL, only the regions reported on their own read as series.
                    province_of = aggregated_regions(catalogue)
                    counts = count_snapshot(conn, province_of)
                    evaluations = read_snapshot(conn, regions=[r for r in catalogue.regions if r not in province_of])
                else:  # no snapshot of today yet (a service just started): judged live, as /v1/status does
                    board = compute_board(conn, catalogue, today, grace_days=self._grace_days)
                    counts, evaluations = count_regions(catalogue, board)
                tasks = list_tasks(conn, today)
                families.refresher_leaders.add_metric([], float(refresher_leaders(conn)))
            _add_snapshot(families, snapshot)
            _add_indicators(families, catalogue, counts, evaluations)
            _add_tasks(families, catalogue, tasks)
            success = True
        except Exception:
            # The scrape must still answer (service metrics, and the failure itself): alerts on absent series fire.
            log.exception("could not read the board for /metrics")
            families = _BoardFamilies()
            success = False
        yield from families
        yield from self._scrape_families(success, time.perf_counter() - started)

    @staticmethod
    def _scrape_families(success: bool, seconds: float) -> list[Metric]:
        return [
            GaugeMetricFamily(
                "chitieu_board_scrape_success",
                "1 when this scrape read the board from the database, 0 when it failed (see the service log).",
                value=1.0 if success else 0.0,
            ),
            GaugeMetricFamily(
                "chitieu_board_scrape_duration_seconds",
                "Time this scrape spent reading the catalogue, the board and the tasks.",
                value=seconds,
            ),
        ]


def _add_snapshot(families: _BoardFamilies, snapshot: SnapshotInfo | None) -> None:
    if snapshot is not None:
        families.snapshot_computed.add_metric([], snapshot.computed_at.timestamp())
        families.snapshot_seconds.add_metric([], snapshot.seconds)


CARDINALITY_BUDGET = 50_000  # exported board series at most, whatever the catalogue


def count_regions(catalogue: Catalogue, board: list[Evaluation]) -> tuple[list[RegionCounts], list[Evaluation]]:
    """A board judged live split as the snapshot's readers split it: the communes' and districts' series counted by
    indicator, province and status (as count_snapshot does in SQL), and the other series."""
    provinces = {region: province_above(catalogue, region) for region in {e.region for e in board}}
    counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    own = []
    for evaluation in board:
        province = provinces[evaluation.region]
        if province is None:
            own.append(evaluation)
        else:
            tally = counts[(evaluation.indicator, province, evaluation.status.value)]
            tally[0] += 1
            tally[1] += evaluation.report_overdue
    return [RegionCounts(*key, series, overdue) for key, (series, overdue) in sorted(counts.items())], own


def _add_indicators(
    families: _BoardFamilies, catalogue: Catalogue, counts: list[RegionCounts], own: list[Evaluation]
) -> None:
    """Per series for provinces and areas; communes and districts as counts by status per indicator and province,
    so that the exported series stay within CARDINALITY_BUDGET (a national board has 332,100 commune series)."""
    overdue: dict[tuple[str, str], int] = defaultdict(int)
    for count in counts:
        families.region_status.add_metric([count.indicator, count.province, count.status], float(count.series))
        overdue[(count.indicator, count.province)] += count.overdue
    for (indicator, province), number in sorted(overdue.items()):
        families.region_overdue.add_metric([indicator, province], float(number))
    per_series = 9 + len(Status)  # the values, the state set, approximately and the previous outcome
    room = CARDINALITY_BUDGET - len(catalogue.indicators) - len(counts) - len(overdue)
    kept = own[: max(0, room // per_series)]
    families.over_budget.add_metric([], float(len(own) - len(kept)))
    _add_series(families, catalogue, kept)


def _add_series(families: _BoardFamilies, catalogue: Catalogue, evaluations: list[Evaluation]) -> None:
    for indicator in catalogue.indicators.values():
        families.indicator_info.add_metric(
            [
                indicator.code,
                indicator.programme,
                catalogue.province_of(indicator),
                indicator.group.value,
                indicator.owner or "",
                indicator.unit,
                plan_for(indicator).basis.value,
            ],
            1.0,
        )
    for evaluation in evaluations:
        labels = [evaluation.indicator, evaluation.region]
        for metric, value in (
            (families.actual, evaluation.actual),
            (families.expected, evaluation.expected),
            (families.target, evaluation.target),
            (families.gap, gap_ratio(catalogue.indicators[evaluation.indicator], evaluation)),
        ):
            if value is not None:
                metric.add_metric(labels, value)
        for status in Status:
            families.status.add_metric([*labels, status.value], 1.0 if evaluation.status is status else 0.0)
        families.report_overdue.add_metric(labels, 1.0 if evaluation.report_overdue else 0.0)
        families.approximately.add_metric(labels, 1.0 if evaluation.approximately else 0.0)
        previous = evaluation.previous
        if previous is not None:
            approximately = "true" if previous.approximately else "false"
            families.previous_status.add_metric([*labels, previous.period, previous.status.value, approximately], 1.0)
        if evaluation.last_recorded_at is not None:
            families.last_observation.add_metric(labels, evaluation.last_recorded_at.timestamp())


def _add_tasks(families: _BoardFamilies, catalogue: Catalogue, tasks: list[TaskRow[TaskAttribute]]) -> None:
    for task in tasks:
        programme = catalogue.programmes.get(task.programme)
        families.task_info.add_metric(
            [task.code, task.programme, programme.province if programme else "", ",".join(task.lead)], 1.0
        )
        if task.due is not None:
            families.task_due.add_metric([task.code], deadline(task.due).timestamp())
        state = task.state or TaskState.not_started.value
        for name in TASK_STATES:
            families.task_state.add_metric([task.code, name], 1.0 if name == state else 0.0)
        families.task_overdue.add_metric([task.code], 1.0 if task.overdue else 0.0)


def deadline(due: date) -> datetime:
    """The end of the due date in Vietnam: a task due on 31/12 may be done until midnight."""
    return datetime.combine(due + timedelta(days=1), datetime.min.time(), tzinfo=VIETNAM)


def scrape_registry(
    connection: ConnectionSource,
    *,
    today: Callable[[], date] = vietnam_today,
    grace_days: int = DEFAULT_GRACE_DAYS,
    catalogue: CatalogueSource = read_catalogue,
) -> CollectorRegistry:
    """The registry for one scrape: the service metrics (of every worker in multiprocess mode) and the board."""
    registry = CollectorRegistry()
    add_service_metrics(registry)
    BoardCollector(connection, today=today, grace_days=grace_days, registry=registry, catalogue=catalogue)
    return registry
