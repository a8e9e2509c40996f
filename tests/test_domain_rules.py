"""Domain rules live once, in indicators/: the observation status vocabulary (and migration 0001's CHECK, which
cannot import it), the task overdue rule (tasks_store and the task dashboards' SQL), the judged basis, unit and
decimals (the Prometheus rules, and the dashboards through indicator_judgements)."""

import re
from datetime import date, timedelta

import psycopg

from dashboards.grafana.build import build_dashboards
from dashboards.grafana.tasks import task_list
from dashboards.grafana.vocabulary import OBSERVATION_STATUS_LABELS
from indicators.catalogue import load_catalogue
from indicators.cells import STATUS_LABELS_VI
from indicators.model import CLOSED_TASK_STATES, TaskState, task_overdue
from indicators.observation_status import STATUS_RANKS, ObservationStatus
from indicators.paths import judgement
from ingest.tasks_store import add_report, list_tasks, write_task_status
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


def test_the_task_dashboards_read_the_flags_the_refresh_wrote() -> None:
    sql = task_list(only_overdue=True).sql
    closed = ", ".join(f"'{state.value}'" for state in CLOSED_TASK_STATES)
    assert "JOIN task_status s" in sql and "s.overdue" in sql
    assert "NOT IN" not in sql and closed not in sql and "$__timeTo" not in sql


def test_the_task_status_is_the_rule_of_the_day(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    catalogue = load_catalogue()
    task = next(task for task in catalogue.tasks.values() if task.due is not None)
    day = task.due + timedelta(days=1)
    assert write_task_status(conn, day) == len(catalogue.tasks)
    assert flags(conn, task.code) == (day, None, True, True)
    # A report of that day reaches the stored row at once; one after the day does not.
    add_report(conn, task.code, reported_on=day, state="done", percent_done=100, note=None, key_id="test")
    assert flags(conn, task.code) == (day, "done", False, False)
    add_report(conn, task.code, reported_on=day + timedelta(days=1), state="in_progress", percent_done=50,
               note=None, key_id="test")  # fmt: skip
    assert flags(conn, task.code) == (day, "done", False, False)
    stored = conn.execute("SELECT task, overdue FROM task_status").fetchall()
    rows = list_tasks(conn, day)
    assert dict(stored) == {row.code: task_overdue(row.due, row.state, day) for row in rows}


def flags(conn: psycopg.Connection[tuple[object, ...]], task: str) -> tuple[object, ...]:
    row = conn.execute("SELECT as_of, state, open, overdue FROM task_status WHERE task = %s", [task]).fetchone()
    assert row is not None
    return tuple(row)


def test_the_judgement_the_dashboards_read_is_the_engines(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    catalogue = load_catalogue()
    stored = conn.execute(
        "SELECT indicator, basis, unit_vi, unit_en, symbol_vi, decimals, final_year FROM indicator_judgements"
    ).fetchall()
    assert {row[0]: row[1:] for row in stored} == {
        code: (judged.basis.value, judged.unit_vi, judged.unit_en, judged.symbol_vi, judged.decimals, judged.final_year)
        for code, indicator in catalogue.indicators.items()
        for judged in [judgement(indicator)]
    }


def test_no_dashboard_re_derives_the_judgement() -> None:
    catalogue = load_catalogue()
    for dashboard in build_dashboards(catalogue):
        for query in dashboard.queries:
            # The basis is read (f.basis names it), never picked from the targets, nor the judged unit worked out.
            assert "final_target" not in query.sql and "THEN 'lần'" not in query.sql, dashboard.uid
    judged = [query.sql for dashboard in build_dashboards(catalogue) for query in dashboard.queries]
    assert sum("indicator_judgements" in sql for sql in judged) >= 5
