"""Tasks of the catalogue with their latest progress report; recording progress reports."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

import psycopg
from psycopg.rows import class_row
from pydantic import BaseModel, ConfigDict

from indicators.model import task_open, task_overdue


class TaskAttribute(BaseModel):
    """A task's physical specification (task_attributes), as the catalogue states it."""

    model_config = ConfigDict(frozen=True)

    name_vi: str
    name_en: str
    value: float
    unit: str
    approximate: bool
    quote: str
    note: str | None


Attribute = TypeVar("Attribute", bound=TaskAttribute)


class TaskRow(BaseModel, Generic[Attribute]):
    """An active task with its latest report; the API answers it with its attributes read out (api.routes.catalogue's
    TaskOut is TaskRow[AttributeOut])."""

    model_config = ConfigDict(frozen=True)

    code: str
    programme: str
    section: str
    title_vi: str
    lead: list[str]
    cooperating: list[str]
    cooperating_text: str | None
    time_frame: str
    due: date | None
    review_every: str | None
    until_event: str | None
    kind: str
    supervisor_text: str | None
    state: str | None  # from the latest report
    percent_done: float | None
    reported_on: date | None
    overdue: bool
    attributes: list[Attribute]  # physical specifications (task_attributes), in catalogue order


@dataclass(frozen=True)
class TaskReport:
    id: int
    task: str
    reported_on: date
    state: str
    percent_done: float | None
    note: str | None
    key_id: str
    recorded_at: datetime


def list_tasks(
    conn: psycopg.Connection[Any],
    as_of: date,
    *,
    programme: str | None = None,
    lead: str | None = None,
    due_before: date | None = None,
) -> list[TaskRow[TaskAttribute]]:
    """Active tasks with their latest report; overdue = past due and not done or cancelled as of the date."""
    with conn.cursor(row_factory=class_row(TaskRow[TaskAttribute])) as cur:
        cur.execute(
            "SELECT t.code, t.programme, t.section, t.title_vi, t.lead, t.cooperating, t.cooperating_text,"
            " t.time_frame, t.due, t.review_every, t.until_event, t.kind, t.supervisor_text,"
            " r.state, r.percent_done, r.reported_on,"
            " false AS overdue,"
            " coalesce((SELECT jsonb_agg(jsonb_build_object('name_vi', a.name_vi, 'name_en', a.name_en,"
            "   'value', a.value, 'unit', a.unit, 'approximate', a.approximate, 'quote', a.quote, 'note', a.note)"
            "   ORDER BY a.ordinal) FROM task_attributes a WHERE a.task = t.code), '[]'::jsonb) AS attributes"
            " FROM tasks t LEFT JOIN LATERAL ("
            "   SELECT state, percent_done, reported_on FROM task_reports"
            "   WHERE task = t.code AND reported_on <= %(as_of)s ORDER BY reported_on DESC, id DESC LIMIT 1"
            " ) r ON true"
            " WHERE t.archived_at IS NULL"
            " AND (%(programme)s::text IS NULL OR t.programme = %(programme)s)"
            " AND (%(lead)s::text IS NULL OR %(lead)s = ANY(t.lead))"
            " AND (%(due_before)s::date IS NULL OR t.due < %(due_before)s)"
            " ORDER BY t.programme, t.due NULLS LAST, t.code",
            {"as_of": as_of, "programme": programme, "lead": lead, "due_before": due_before},
        )
        rows = cur.fetchall()
    return [row.model_copy(update={"overdue": task_overdue(row.due, row.state, as_of)}) for row in rows]


def add_report(
    conn: psycopg.Connection[Any],
    task: str,
    *,
    reported_on: date,
    state: str,
    percent_done: float | None,
    note: str | None,
    key_id: str,
) -> TaskReport:
    with conn.cursor(row_factory=class_row(TaskReport)) as cur:
        cur.execute(
            "INSERT INTO task_reports (task, reported_on, state, percent_done, note, key_id)"
            " VALUES (%s, %s, %s, %s, %s, %s)"
            " RETURNING id, task, reported_on, state, percent_done, note, key_id, recorded_at",
            [task, reported_on, state, percent_done, note, key_id],
        )
        report = cur.fetchone()
    assert report is not None
    stored = conn.execute("SELECT as_of FROM task_status WHERE task = %s", [task]).fetchone()
    if stored is not None and reported_on <= stored[0]:
        write_task_status(conn, stored[0], task)  # the snapshot's day already knows of this report
    return report


def write_task_status(conn: psycopg.Connection[Any], as_of: date, task: str | None = None) -> int:
    """Every active task (or one) as of the day, with the flags of indicators.model (task_open, task_overdue), into
    task_status for the dashboards; written by the snapshot's full refresh. Returns the number of tasks written."""
    rows = [row for row in list_tasks(conn, as_of) if task is None or row.code == task]
    with conn.transaction():
        if task is None:
            conn.execute("DELETE FROM task_status")
        else:
            conn.execute("DELETE FROM task_status WHERE task = %s", [task])
        conn.cursor().executemany(
            "INSERT INTO task_status (task, as_of, state, open, overdue) VALUES (%s, %s, %s, %s, %s)",
            [(row.code, as_of, row.state, task_open(row.state), row.overdue) for row in rows],
        )
    return len(rows)


def task_reports(conn: psycopg.Connection[Any], task: str) -> list[TaskReport]:
    with conn.cursor(row_factory=class_row(TaskReport)) as cur:
        cur.execute(
            "SELECT id, task, reported_on, state, percent_done, note, key_id, recorded_at FROM task_reports"
            " WHERE task = %s ORDER BY reported_on, id",
            [task],
        )
        return cur.fetchall()
