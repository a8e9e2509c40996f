"""Domain rules live once, in indicators/: the observation status vocabulary (and migration 0001's CHECK, which
cannot import it), the task overdue rule (tasks_store and the task dashboards' SQL)."""

import re
from datetime import date

from dashboards.grafana.tasks import task_list
from dashboards.grafana.vocabulary import OBSERVATION_STATUS_LABELS
from indicators.cells import STATUS_LABELS_VI
from indicators.model import CLOSED_TASK_STATES, TaskState, task_overdue
from indicators.observation_status import STATUS_RANKS, ObservationStatus
from tests.conftest import REPO


def test_the_migrations_check_lists_the_domain_vocabulary() -> None:
    sql = (REPO / "ingest" / "migrations" / "0001_observation_store.sql").read_text(encoding="utf-8")
    check = re.search(r"status\s+text NOT NULL CHECK \(status IN \(([^)]*)\)\)", sql)
    assert check is not None
    assert [code.strip().strip("'") for code in check[1].split(",")] == [status.value for status in ObservationStatus]


def test_every_copy_of_the_vocabulary_is_derived_from_it() -> None:
    assert STATUS_RANKS == ["estimate", "preliminary", "official"]
    assert OBSERVATION_STATUS_LABELS == {"estimate": "ước tính", "preliminary": "sơ bộ", "official": "chính thức"}
    assert set(STATUS_LABELS_VI.items()) == set(OBSERVATION_STATUS_LABELS.items())


def test_task_overdue() -> None:
    today = date(2025, 7, 1)
    assert task_overdue(date(2025, 6, 30), None, today)
    assert task_overdue(date(2025, 6, 30), TaskState.in_progress, today)
    assert not task_overdue(date(2025, 6, 30), TaskState.done, today)
    assert not task_overdue(date(2025, 6, 30), "cancelled", today)
    assert not task_overdue(date(2025, 7, 1), None, today)  # due today is not late yet
    assert not task_overdue(None, None, today)


def test_the_task_dashboards_name_the_same_closed_states() -> None:
    sql = task_list(only_overdue=True).sql
    closed = ", ".join(f"'{state.value}'" for state in CLOSED_TASK_STATES)
    assert f"NOT IN ({closed})) AS overdue" in sql
