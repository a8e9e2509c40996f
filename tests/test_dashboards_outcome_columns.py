"""The status tables' "Xấp xỉ", "Kỳ trước" and "Kết quả kỳ trước" columns (issue 14, docs/status.md §10.6 and §10.8),
run as Grafana runs them (tests/test_dashboards_queries.py) against the snapshot the status engine wrote."""

from datetime import UTC, date, datetime
from typing import Any

import psycopg
from grafana_foundation_sdk.models.dashboard import ValueMap

from dashboards.grafana.indicator import INDICATOR_EVALUATION
from dashboards.grafana.overview import overview_board
from dashboards.grafana.panels import MARKED_TEXT_COLUMNS, text_mappings
from dashboards.grafana.regions import REGION_COMPARISON
from dashboards.grafana.sql import OUTCOME_COLUMNS
from dashboards.grafana.vocabulary import APPROXIMATELY_ACHIEVED
from indicators.clock import period_bounds
from indicators.periods import Period
from indicators.status import Status
from ingest.board import refresh_snapshot
from ingest.catalogue_store import read_catalogue
from tests.grafana_macros import Variable
from tests.test_dashboards_queries import as_dicts, grafana, run

__all__ = ["grafana"]  # the read-only connection fixture, used by name

UNEMPLOYMENT = "qngai-2024.urban_unemployment_rate"  # "khoảng 1,5%" in 2024, lower is better
NEW_RURAL_COMMUNES = "qngai-2024.new_rural_communes"  # 2023: 07 planned; 2024: 03
AS_OF = date(2025, 3, 1)


def add(conn: psycopg.Connection[Any], indicator: str, period: str, value: float) -> None:
    start, _ = period_bounds(Period.parse(period))
    conn.execute(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, recorded_at,"
        " key_id) VALUES (%s, 'quang_ngai', %s, %s, 1, %s, 'official', %s, 'test')",
        [indicator, start, period, value, datetime(2025, 2, 1, tzinfo=UTC)],
    )


def outcomes(row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[column] for column in OUTCOME_COLUMNS)


def test_status_tables_show_approximately_and_the_previous_outcome(
    conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    add(conn, UNEMPLOYMENT, "2024", 1.55)  # within 1,5 x 1,05: achieved, approximately
    add(conn, NEW_RURAL_COMMUNES, "2023", 6)  # 6 of 07: missed
    add(conn, NEW_RURAL_COMMUNES, "2024", 3)  # 3 of 03: achieved
    refresh_snapshot(conn, read_catalogue(conn), AS_OF)
    missed = Status.missed.label_vi

    board = overview_board("qngai-2024")
    rows = {
        r["ma_chi_tieu"]: r for r in as_dicts(board, run(grafana, board, {"region": Variable.several("quang_ngai")}))
    }
    assert (rows[UNEMPLOYMENT]["Trạng thái"], outcomes(rows[UNEMPLOYMENT])) == (
        Status.achieved.label_vi,
        (APPROXIMATELY_ACHIEVED, None, None),
    )
    assert (rows[NEW_RURAL_COMMUNES]["Trạng thái"], outcomes(rows[NEW_RURAL_COMMUNES])) == (
        Status.achieved.label_vi,
        (None, "2023", missed),
    )

    for indicator, expected in (
        (UNEMPLOYMENT, (APPROXIMATELY_ACHIEVED, None, None)),
        (NEW_RURAL_COMMUNES, (None, "2023", missed)),
    ):
        single = {"indicator": Variable.single(indicator), "region": Variable.single("quang_ngai")}
        (evaluation,) = as_dicts(INDICATOR_EVALUATION, run(grafana, INDICATOR_EVALUATION, single))
        assert outcomes(evaluation) == expected
        several = {"indicator": Variable.single(indicator), "region": Variable.several("quang_ngai")}
        (compared,) = as_dicts(REGION_COMPARISON, run(grafana, REGION_COMPARISON, several))
        assert outcomes(compared) == expected

    # The columns show the snapshot's own fields: a previous period achieved approximately reads "đạt xấp xỉ".
    conn.execute(
        "UPDATE indicator_status SET previous_status = 'achieved', previous_approximately = true"
        " WHERE indicator = %s AND region = 'quang_ngai'",
        [NEW_RURAL_COMMUNES],
    )
    single = {"indicator": Variable.single(NEW_RURAL_COMMUNES), "region": Variable.single("quang_ngai")}
    (evaluation,) = as_dicts(INDICATOR_EVALUATION, run(grafana, INDICATOR_EVALUATION, single))
    assert outcomes(evaluation) == (None, "2023", APPROXIMATELY_ACHIEVED)


def test_the_outcome_words_are_coloured_like_the_statuses() -> None:
    (words, _) = text_mappings()
    assert isinstance(words, ValueMap)
    options = words.options
    assert options[APPROXIMATELY_ACHIEVED].color == options[Status.achieved.label_vi].color
    assert {"Xấp xỉ", "Kết quả kỳ trước"} <= set(MARKED_TEXT_COLUMNS)
