"""Read what the report needs, with the same board code /v1/status uses, and build the report's content."""

from datetime import date
from typing import Any

import psycopg

from api.report.model import BoardInput, Report, TaskFact, build_report
from api.report.words import report_year
from indicators.catalogue import Catalogue
from indicators.errors import NotFound
from indicators.status import DEFAULT_GRACE_DAYS
from ingest.board import board_with_series
from ingest.report_facts import latest_period_facts
from ingest.tasks_store import list_tasks


class UnknownProgramme(NotFound):
    pass


def load_report(
    conn: psycopg.Connection[Any],
    catalogue: Catalogue,
    programme: str,
    as_of: date,
    *,
    region: str | None = None,
    known_at: date | None = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    with_tasks: bool = True,
) -> Report:
    if programme not in catalogue.programmes:
        raise UnknownProgramme(f"không có chương trình {programme!r} (no programme {programme!r})")
    if region is not None and region not in catalogue.regions:
        raise UnknownProgramme(f"không có địa bàn {region!r} (no region {region!r})")
    evaluations, series = board_with_series(
        conn, catalogue, as_of, programme=programme, region=region, grace_days=grace_days, known_at=known_at
    )
    codes = [code for code, indicator in catalogue.indicators.items() if indicator.programme == programme]
    facts = latest_period_facts(conn, codes, as_of, region, known_by=known_at)
    tasks = [
        TaskFact(
            section=t.section,
            title=t.title_vi,
            leads="; ".join(catalogue.agencies[a].name_vi if a in catalogue.agencies else a for a in t.lead),
            time_frame=t.time_frame,
            due=t.due,
            state=t.state,
            overdue=t.overdue,
        )
        for t in (list_tasks(conn, as_of, programme=programme) if with_tasks else [])
    ]
    board = BoardInput(
        evaluations=evaluations,
        series=series,
        period_facts={key: (fact.status, fact.office) for key, fact in facts.items()},
        tasks=tasks,
        grace_days=grace_days,
        report_year=report_year(as_of),
    )
    return build_report(catalogue, programme, as_of, board, known_at)
