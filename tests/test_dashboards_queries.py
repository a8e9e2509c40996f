"""Every panel, variable, annotation and alert-rule query, run on TimescaleDB the way Grafana would run it.

Grafana cannot run here, so the queries are expanded as Grafana expands them (template variables, then the PostgreSQL
macros: tests/grafana_macros.py) and run as chitieu_grafana, the read-only login role of the Grafana data source. The data
are the bundled catalogue plus observations chosen to give every status, task progress reports and alert history; the
board is written by ingest.board.refresh_snapshot as the service writes it, and every result is compared with what
ingest.board.compute_board returns.
"""

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import psycopg
import pytest
from ruamel.yaml import YAML

from dashboards.grafana import alerting as grafana_alerts
from dashboards.grafana.alerts import ACTIVE_ALERTS, ALERT_HISTORY, ALERT_SUMMARY, ALERTS_PER_DAY
from dashboards.grafana.build import build_dashboards
from dashboards.grafana.indicator import (
    INDICATOR_ACTUALS,
    INDICATOR_EVALUATION,
    INDICATOR_PATH,
    INDICATOR_PROJECTION,
    INDICATOR_REPORTED_VALUES,
    INDICATOR_REVISIONS_ANNOTATION,
    INDICATOR_TARGET_LINE,
    INDICATOR_TARGETS,
    INDICATOR_UNIT,
)
from dashboards.grafana.overview import (
    overview_board,
    overview_group_counts,
    overview_off_track,
    overview_overdue,
    overview_status_counts,
)
from dashboards.grafana.panels import DETAIL_UID, REGIONS_UID, GeneratedDashboard, overview_uid
from dashboards.grafana.regions import REGION_ACTUALS, REGION_COMPARISON, region_actuals
from dashboards.grafana.sql import (
    ACTUAL_SERIES,
    INDICATOR_REGIONS_VARIABLE,
    MULTI_REGION_INDICATORS_VARIABLE,
    STATUS_COLUMNS,
    PanelQuery,
    programme_regions_variable,
    status_severity,
)
from dashboards.grafana.sql_query import SqlFormat
from dashboards.grafana.tasks import TASK_ATTRIBUTES, TASK_SUMMARY, TASKS_BY_AGENCY, task_list
from dashboards.grafana.timeliness import OFFICES, SUBMISSIONS, SUBMISSIONS_PER_MONTH, TIMELINESS_OVERDUE
from indicators.catalogue import Catalogue
from indicators.clock import VIETNAM, period_bounds
from indicators.judgement import expected_series
from indicators.model import Direction, Indicator, PathKind, TargetBasis
from indicators.paths import path_periods, plan_for
from indicators.periods import Frequency, Period
from indicators.status import Evaluation, Observation, Status
from indicators.units import UNITS
from ingest.board import compute_board, refresh_snapshot
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from ingest.keys import create_key
from ingest.submissions import rebuild_submissions
from tests.grafana_macros import Variable, expand
from tests.test_dashboards import DEPLOY

AS_OF = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, 12, tzinfo=UTC)  # evening of AS_OF in Vietnam: the end of the time range
RECENT = (datetime(2015, 1, 1, tzinfo=UTC), NOW)
CHART_YEARS = (datetime(2015, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC))
HA_TINH_OFFICE = "Cục Thống kê tỉnh Hà Tĩnh"
Row = tuple[Any, ...]


@dataclass(frozen=True)
class Inserted:
    indicator: str
    region: str
    period: Period
    value: float
    revision: int
    key_id: str
    recorded: datetime


@dataclass
class Seeded:
    catalogue: Catalogue
    inserted: list[Inserted]
    designed: dict[Status, tuple[str, str]]  # status -> (indicator, region) given that status by the data
    revised: str  # the on-track indicator: its 2024 value was revised once
    first_value: float  # the value before the revision
    quarterly: tuple[str, str, Period]
    early: tuple[str, str]  # reported only before its target years: overdue with nothing judged
    other_basis: str  # judged as a yearly change, not as reported
    multi_region: str
    done_task: str
    overdue_task: str

    def latest(self, indicator: str, region: str, period: Period) -> float:
        return max((i for i in self.inserted if (i.indicator, i.region, i.period) == (indicator, region, period)),
                   key=lambda i: i.revision).value  # fmt: skip


def read_only_url(db_url: str) -> str:
    return re.sub(r"^postgresql://[^@/]*@", "postgresql://chitieu_grafana@", db_url)


@pytest.fixture
def grafana(db_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with connect(read_only_url(db_url)) as connection:
        yield connection


YEAR_2020, YEAR_2024 = Period(2020, Frequency.year), Period(2024, Frequency.year)
RECORDED = datetime(2025, 3, 1, 9, tzinfo=UTC)


def judged_as_reported(indicator: Indicator) -> bool:
    return all(target.basis is TargetBasis.value and target.computable for target in indicator.targets)


def baseline_to_report(indicator: Indicator) -> float | None:
    """A 2020 value for a linear path whose baseline the catalogue leaves to the data: half the final target."""
    baseline = indicator.baseline
    if indicator.path_kind is PathKind.linear and baseline and baseline.value is None and baseline.period == YEAR_2020:
        return indicator.final_target.bounds[0] / 2
    return None


def expected_in_2024(indicator: Indicator, region: str) -> float | None:
    baseline = baseline_to_report(indicator)
    series = [Observation(YEAR_2020, baseline, RECORDED)] if baseline is not None else []
    return expected_series(indicator, region, series, [YEAR_2024])[0][1]


def candidates(catalogue: Catalogue, programme: str) -> list[Indicator]:
    """Yearly indicators judged as reported, higher is better, with a positive expected value in 2024."""
    found = []
    for code in sorted(catalogue.indicators):
        indicator = catalogue.indicators[code]
        if (
            indicator.programme == programme
            and indicator.frequency is Frequency.year
            and indicator.direction is Direction.higher
            and indicator.tolerance >= 0.02
            and judged_as_reported(indicator)
            and (expected_in_2024(indicator, catalogue.province_of(indicator)) or 0) > 0
        ):
            found.append(indicator)
    return found


def seed(conn: psycopg.Connection[Any]) -> Seeded:
    catalogue = read_catalogue(conn)
    key_id, _ = create_key(conn, office=HA_TINH_OFFICE, regions=["ha_tinh"], programmes=["htinh-nq26"])
    inserted: list[Inserted] = []
    designed: dict[Status, tuple[str, str]] = {}

    def observe(indicator: Indicator, region: str, period: Period, value: float, key: str, revision: int = 1,
                recorded: datetime = RECORDED) -> None:  # fmt: skip
        conn.execute(
            "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, recorded_at,"
            " key_id) VALUES (%s, %s, %s, %s, %s, %s, 'official', %s, %s)",
            [indicator.code, region, period_bounds(period)[0], str(period), revision, value, recorded, key],
        )
        inserted.append(Inserted(indicator.code, region, period, value, revision, key, recorded))

    def judged_2024(status: Status, indicator: Indicator, factor: float, key: str, region: str | None = None) -> None:
        region = region or catalogue.province_of(indicator)
        baseline = baseline_to_report(indicator)
        if baseline is not None:
            observe(indicator, region, YEAR_2020, baseline, key)
        expected = expected_in_2024(indicator, region)
        assert expected is not None
        observe(indicator, region, YEAR_2024, expected * factor + (0.01 if factor > 1 else 0), key)
        designed.setdefault(status, (indicator.code, region))

    # Hà Tĩnh, targets for 2030: in 2024 on, near and off the path. The one on the path has a linear path (its
    # projection needs two values: the 2020 baseline and 2024) and its 2024 value was revised once.
    htinh = candidates(catalogue, "htinh-nq26")
    on = next(i for i in htinh if i.path_kind is PathKind.linear)
    near, off = [i for i in htinh if i is not on][:2]
    on_baseline, on_expected = baseline_to_report(on), expected_in_2024(on, "ha_tinh")
    assert on_baseline is not None and on_expected is not None
    observe(on, "ha_tinh", YEAR_2020, on_baseline, key_id)
    first_value = on_expected * 0.5
    observe(on, "ha_tinh", YEAR_2024, first_value, key_id, recorded=RECORDED - timedelta(days=30))
    observe(on, "ha_tinh", YEAR_2024, on_expected * 1.02 + 0.01, key_id, revision=2)
    designed[Status.on_track] = (on.code, "ha_tinh")
    judged_2024(Status.at_risk, near, 1 - near.tolerance / 2, key_id)
    judged_2024(Status.off_track, off, 1 - 3 * off.tolerance, key_id)

    # Quảng Ngãi, targets for 2024: decisive. The achieved one is also reported for a part of the province. No API
    # key behind these: the key id stands for the office.
    met, short = candidates(catalogue, "qngai-2024")[:2]
    judged_2024(Status.achieved, met, 1.02, "cli:tester")
    judged_2024(Status.achieved, met, 1.02, "cli:tester", region="quang_ngai.mien_nui")
    judged_2024(Status.missed, short, 0.5, "cli:tester")

    quarterly = next(
        i for code, i in sorted(catalogue.indicators.items())
        if i.programme == "dthap-2023" and i.frequency is Frequency.quarter and judged_as_reported(i)
    )  # fmt: skip
    quarter = Period(2023, Frequency.quarter, 2)
    observe(quarterly, "dong_thap", quarter, 5.5, "cli:tester")
    early = next(
        i for code, i in sorted(catalogue.indicators.items())
        if i.programme == "qngai-2024" and i.frequency is Frequency.year and code not in (met.code, short.code)
        and plan_for(i).first_year == 2024
    )  # fmt: skip
    observe(early, "quang_ngai", Period(2023, Frequency.year), 1.0, "cli:tester")

    other_basis = next(
        code for code, i in sorted(catalogue.indicators.items())
        if i.programme == "htinh-nq26" and i.final_target.basis is TargetBasis.change_per_period
    )  # fmt: skip

    due = sorted((t.due, code) for code, t in catalogue.tasks.items() if t.due is not None and t.due < AS_OF)
    (_, done_task), (_, overdue_task) = due[:2]
    later_task = next(code for code, t in sorted(catalogue.tasks.items()) if t.due is not None and t.due > AS_OF)
    for task, reported_on, state in [
        (done_task, date(2025, 3, 20), "done"),
        (overdue_task, date(2025, 4, 1), "in_progress"),
        (overdue_task, date(2025, 7, 15), "done"),  # after the end of the time range: not known yet
        (later_task, date(2025, 5, 1), "in_progress"),
    ]:
        conn.execute(
            "INSERT INTO task_reports (task, reported_on, state, percent_done, note, key_id)"
            " VALUES (%s, %s, %s, 50, 'báo cáo', 'test')",
            [task, reported_on, state],
        )

    for fingerprint, status, received, indicator_region in [
        ("f1", "firing", datetime(2025, 6, 1, tzinfo=UTC), designed[Status.off_track]),
        ("f1", "resolved", datetime(2025, 6, 5, tzinfo=UTC), designed[Status.off_track]),
        ("f2", "firing", datetime(2025, 6, 20, tzinfo=UTC), designed[Status.missed]),
    ]:
        conn.execute(
            "INSERT INTO alert_events (received_at, fingerprint, alertname, status, severity, indicator, region,"
            " receiver, starts_at, summary, labels, annotations)"
            " VALUES (%s, %s, 'ChiTieuChamTienDo', %s, 'critical', %s, %s, 'chitieu', %s, 'tóm tắt', '{}', '{}')",
            [received, fingerprint, status, *indicator_region, received],
        )

    rebuild_submissions(conn)  # the rows went in by hand, not through the ingest statement
    assert refresh_snapshot(conn, catalogue, AS_OF) > 0
    engine = {(e.indicator, e.region): e.status for e in compute_board(conn, catalogue, AS_OF)}
    for status, series in designed.items():
        assert engine[series] is status, (status, series)  # the data give the statuses they were chosen for
    return Seeded(
        catalogue, inserted, designed, on.code, first_value, (quarterly.code, "dong_thap", quarter),
        (early.code, "quang_ngai"), other_basis, met.code, done_task, overdue_task,
    )  # fmt: skip


@pytest.fixture
def seeded(conn: psycopg.Connection[Any]) -> Seeded:
    return seed(conn)


# --- Running queries as Grafana would. --------------------------------------------------------------------------


def run(
    grafana: psycopg.Connection[Any],
    query: PanelQuery,
    variables: dict[str, Variable] | None = None,
    time_range: tuple[datetime, datetime] = RECENT,
) -> list[Row]:
    sql = expand(query.sql, *time_range, variables)
    assert "${" not in sql and "$__" not in sql, sql
    cursor = grafana.execute(sql)
    assert cursor.description is not None
    assert tuple(column.name for column in cursor.description) == query.columns
    rows = cursor.fetchall()
    if query.format is SqlFormat.time_series:
        times = [row[0] for row in rows]
        assert all(isinstance(t, datetime) for t in times)
        assert times == sorted(times), "Grafana needs time series sorted by time"
    return rows


def as_dicts(query: PanelQuery, rows: list[Row]) -> list[dict[str, Any]]:
    return [dict(zip(query.columns, row, strict=True)) for row in rows]


def dashboard_sql(model: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(rawSql, format) of every panel target, variable and annotation in a dashboard."""
    for panel in model["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                yield target["rawSql"], target["format"]
    for variable in model["templating"].get("list", []):
        yield variable["query"], "table"
    for annotation in model["annotations"].get("list", []):
        yield annotation["target"]["rawSql"], annotation["target"]["format"]


def resolve_variables(
    grafana: psycopg.Connection[Any], dashboard: GeneratedDashboard, choices: dict[str, list[str]]
) -> dict[str, Variable]:
    """Each variable's options from its own query, in order, as Grafana refreshes them on load; the chosen values
    (which must be options), else all options of a multi-value variable and the first option of the others."""
    by_sql = {query.sql: query for query in dashboard.queries}
    resolved: dict[str, Variable] = {}
    for variable in dashboard.model["templating"].get("list", []):
        options = [row[0] for row in run(grafana, by_sql[variable["query"]], resolved)]
        multi = bool(variable.get("multi") or variable.get("includeAll"))
        chosen = choices.get(variable["name"], options if multi else options[:1])
        assert set(chosen) <= set(options), (variable["name"], chosen, options)
        resolved[variable["name"]] = Variable(tuple(chosen) or (("",) if not multi else ()), multi=multi)
    return resolved


def engine_board(
    conn: psycopg.Connection[Any], seeded: Seeded, programme: str | None = None, region: str | None = None
) -> dict[tuple[str, str], Evaluation]:
    board = compute_board(conn, seeded.catalogue, AS_OF, programme=programme, region=region)
    return {(e.indicator, e.region): e for e in board}


def choices_for(seeded: Seeded) -> dict[str, dict[str, list[str]]]:
    return {
        DETAIL_UID: {"programme": ["htinh-nq26"], "indicator": [seeded.revised], "region": ["ha_tinh"]},
        REGIONS_UID: {"programme": ["qngai-2024"], "indicator": [seeded.multi_region]},
    }


def test_every_query_returns_the_columns_its_panel_reads(seeded: Seeded, grafana: psycopg.Connection[Any]) -> None:
    choices = choices_for(seeded)
    dashboards = build_dashboards(seeded.catalogue)
    for dashboard in dashboards:
        by_sql = {query.sql: query for query in dashboard.queries}
        variables = resolve_variables(grafana, dashboard, choices.get(dashboard.uid, {}))
        time_range = CHART_YEARS if dashboard.uid in (DETAIL_UID, REGIONS_UID) else RECENT
        found = list(dashboard_sql(dashboard.model))
        assert len(found) == len(dashboard.queries), dashboard.uid
        for sql, format_id in found:
            query = by_sql[sql]  # every query in the JSON is one of dashboards/grafana/
            assert query.format.value == format_id
            run(grafana, query, variables, time_range)


def test_leaders_overview_shows_the_engines_statuses(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    dashboards = {d.uid: d for d in build_dashboards(seeded.catalogue)}
    for programme in seeded.catalogue.programmes:
        engine = engine_board(conn, seeded, programme=programme)
        variables = resolve_variables(grafana, dashboards[overview_uid(programme)], {})
        assert set(variables["region"].values) == {region for _, region in engine}

        board = as_dicts(overview_board(programme), run(grafana, overview_board(programme), variables))
        assert {(r["ma_chi_tieu"], r["ma_dia_ban"]): r["Trạng thái"] for r in board} == {
            key: e.status.label_vi for key, e in engine.items()
        }
        assert len(board) == len(engine)
        # At most `limit` rows: the board's worst rows, in its order.
        first = as_dicts(overview_board(programme), run(grafana, overview_board(programme, limit=3), variables))
        assert first == board[:3]
        severity = {status.label_vi: status.severity for status in Status}
        severities = [severity[r["Trạng thái"]] for r in board]
        assert severities == sorted(severities, reverse=True), "worst first"
        for row in board:
            evaluation = engine[(row["ma_chi_tieu"], row["ma_dia_ban"])]
            decimals = shown_decimals(seeded.catalogue.indicators[evaluation.indicator])
            assert row["Thực hiện"] == as_shown(evaluation.actual, decimals)
            assert row["Kế hoạch kỳ"] == as_shown(evaluation.expected, decimals)
            assert row["Mục tiêu"] == as_shown(evaluation.target, decimals)
            assert row["Dự báo cuối kỳ"] == as_shown(evaluation.projection, decimals)
            assert row["Kỳ"] == evaluation.period
            assert row["ma_chuong_trinh"] == programme
            assert row["Chi tiết"] == (
                f"/d/chitieu-indicator/?var-programme={programme}&var-indicator={evaluation.indicator}"
                f"&var-region={evaluation.region}"
            )

        (counts,) = as_dicts(
            overview_status_counts(programme), run(grafana, overview_status_counts(programme), variables)
        )
        engine_counts = Counter(e.status.label_vi for e in engine.values())
        assert counts == {column: engine_counts.get(column, 0) for column in STATUS_COLUMNS}

        groups = as_dicts(overview_group_counts(programme), run(grafana, overview_group_counts(programme), variables))
        assert sum(row["Tổng số"] for row in groups) == len(engine)

        off = run(grafana, overview_off_track(programme), variables)
        assert {(row[-2], row[-1]) for row in off} == {
            key for key, e in engine.items() if e.status in (Status.off_track, Status.missed)
        }
        overdue = run(grafana, overview_overdue(programme), variables)
        assert {(row[-2], row[-1]) for row in overdue} == {key for key, e in engine.items() if e.report_overdue}

    # The designed statuses are all on the boards, coloured by the same labels the tables map to colours.
    htinh = as_dicts(
        overview_board("htinh-nq26"),
        run(grafana, overview_board("htinh-nq26"), {"region": Variable.several("ha_tinh")}),
    )
    shown = {(r["ma_chi_tieu"], r["ma_dia_ban"]): r for r in htinh}
    for status in (Status.on_track, Status.at_risk, Status.off_track):
        assert shown[seeded.designed[status]]["Trạng thái"] == status.label_vi
    on_track = seeded.catalogue.indicators[seeded.revised]
    assert shown[(seeded.revised, "ha_tinh")]["Đơn vị"] == UNITS[on_track.unit].symbol_vi
    other = seeded.catalogue.indicators[seeded.other_basis]
    expected_unit = (
        "điểm %" if UNITS[other.unit].bounded or other.unit == "percent_change" else UNITS[other.unit].symbol_vi
    )
    assert shown[(seeded.other_basis, "ha_tinh")]["Đơn vị"] == expected_unit


# The board's query before issue 16's stored severity: every selected row sorted by the severity computed from the
# status, then the indicator's number and the region's name. The index-ordered query must show the same rows.
SORTED_BOARD = """
SELECT s.indicator, s.region
FROM indicator_status s
JOIN indicators i ON i.code = s.indicator AND i.archived_at IS NULL
JOIN regions r ON r.code = s.region
WHERE i.programme = %(programme)s AND s.region = ANY (%(regions)s)
ORDER BY {severity} DESC, NULLIF(substring(i.number FROM '^[0-9]+'), '')::int NULLS LAST, i.number NULLS LAST,
         i.code, r.name_vi
LIMIT %(limit)s
"""


def test_board_read_in_index_order_shows_the_rows_the_full_sort_shows(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    dashboards = {d.uid: d for d in build_dashboards(seeded.catalogue)}
    reference = SORTED_BOARD.format(severity=status_severity())
    for programme in seeded.catalogue.programmes:
        every_region = resolve_variables(grafana, dashboards[overview_uid(programme)], {})["region"].values
        for regions in (every_region, every_region[:1], every_region[1::2]):
            for limit in (1000, 5, 1):
                query = overview_board(programme, limit=limit)
                rows = as_dicts(query, run(grafana, query, {"region": Variable.several(*regions)}))
                expected = conn.execute(reference, {"programme": programme, "regions": list(regions), "limit": limit})
                shown = [(row["ma_chi_tieu"], row["ma_dia_ban"]) for row in rows]
                assert shown == [tuple(row) for row in expected.fetchall()], (programme, regions, limit)
    stored = conn.execute("SELECT status, severity FROM indicator_status").fetchall()
    assert stored and all(severity == Status(status).severity for status, severity in stored)


def shown_decimals(indicator: Indicator) -> int:
    """The decimals a judged value is shown with: the unit's when judged as reported, else 2."""
    return UNITS[indicator.unit].decimals if indicator.final_target.basis is TargetBasis.value else 2


def as_shown(value: float | None, decimals: int) -> Decimal | None:
    """As the tables get it: rounded to the decimals (half away from zero, like PostgreSQL), never -0."""
    if value is None:
        return None
    return Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP) + 0


def test_numbers_arrive_rounded_to_their_unit_and_never_negative_zero(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    indicator = seeded.catalogue.indicators[seeded.other_basis]  # a yearly change: 0 when nothing moved
    previous = Period(2023, Frequency.year)
    for period in (previous, YEAR_2024):
        conn.execute(
            "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, recorded_at,"
            " key_id) VALUES (%s, 'ha_tinh', %s, %s, 1, 7.3, 'official', %s, 'cli:tester')",
            [indicator.code, period_bounds(period)[0], str(period), RECORDED],
        )
    refresh_snapshot(conn, seeded.catalogue, AS_OF)
    engine = engine_board(conn, seeded, region="ha_tinh")[(indicator.code, "ha_tinh")]
    assert engine.actual == 0 and str(engine.actual) in ("0.0", "-0.0")
    rows = as_dicts(
        overview_board("htinh-nq26"),
        run(grafana, overview_board("htinh-nq26"), {"region": Variable.several("ha_tinh")}),
    )
    (row,) = [r for r in rows if r["ma_chi_tieu"] == indicator.code]
    assert isinstance(row["Thực hiện"], Decimal) and str(row["Thực hiện"]) == "0.00"  # not "-0"
    counts = [r for r in rows if r["Đơn vị"] in ("xã", "đảng viên", "hộ", "người")]
    assert all(r["Mục tiêu"] is None or r["Mục tiêu"] == r["Mục tiêu"].to_integral_value() for r in counts)


def test_region_filter_narrows_the_overview(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    query = overview_board("qngai-2024")
    only_mountains = run(grafana, query, {"region": Variable.several("quang_ngai.mien_nui")})
    engine = engine_board(conn, seeded, programme="qngai-2024", region="quang_ngai.mien_nui")
    assert {(row[-2], row[-1]) for row in only_mountains} == set(engine)
    assert (seeded.multi_region, "quang_ngai.mien_nui") in engine
    assert run(grafana, query, {"region": Variable.several()}) == []


def test_the_overview_region_variable_lists_the_regions_the_programme_is_tracked_or_judged_in(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    options = [row[0] for row in run(grafana, programme_regions_variable("qngai-2024"))]
    tracked = conn.execute(
        "SELECT ir.region FROM indicator_regions ir JOIN indicators i ON i.code = ir.indicator"
        " WHERE i.programme = 'qngai-2024' UNION SELECT s.region FROM indicator_status s"
        " JOIN indicators i ON i.code = s.indicator WHERE i.programme = 'qngai-2024'"
    ).fetchall()
    assert sorted(options) == sorted(row[0] for row in tracked)
    assert len(options) == len(set(options)) > 1 and "quang_ngai.mien_nui" in options


def test_indicator_detail_draws_values_path_target_and_projection(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    indicator = seeded.catalogue.indicators[seeded.revised]
    variables = {
        "programme": Variable.single("htinh-nq26"),
        "indicator": Variable.single(indicator.code),
        "region": Variable.single("ha_tinh"),
    }
    evaluation = engine_board(conn, seeded, region="ha_tinh")[(indicator.code, "ha_tinh")]
    end_2024 = period_bounds(Period(2024, Frequency.year))[1]
    yearly = ACTUAL_SERIES[Frequency.year]

    actuals = run(grafana, INDICATOR_ACTUALS, variables, CHART_YEARS)
    assert actuals == [
        (period_bounds(YEAR_2020)[1], yearly, seeded.latest(indicator.code, "ha_tinh", YEAR_2020)),
        (end_2024, yearly, seeded.latest(indicator.code, "ha_tinh", YEAR_2024)),  # the latest revision
    ]
    assert end_2024 == datetime(2024, 12, 31, 17, tzinfo=UTC)  # the end of 2024: 1 January 2025, midnight in Vietnam

    (marker,) = run(grafana, INDICATOR_REVISIONS_ANNOTATION, variables, CHART_YEARS)
    assert marker[0] == end_2024
    assert "Kỳ 2024: sửa lần 1" in marker[1]
    assert str(seeded.first_value).replace(".", ",") in marker[1]

    programme = seeded.catalogue.programmes["htinh-nq26"]
    periods = path_periods(indicator, programme.start_year, programme.end_year)
    baseline = [Observation(YEAR_2020, seeded.latest(indicator.code, "ha_tinh", YEAR_2020), RECORDED)]
    python_path = expected_series(indicator, "ha_tinh", baseline, periods)
    path = run(grafana, INDICATOR_PATH, variables, CHART_YEARS)
    assert [(t, e) for t, e, _, _ in path] == [
        (period_bounds(p)[1], e) for p, e, _, _ in python_path if period_bounds(p)[1] <= CHART_YEARS[1]
    ]
    target_line = run(grafana, INDICATOR_TARGET_LINE, variables, CHART_YEARS)
    assert {value for _, value in target_line} == {evaluation.target}
    assert len(target_line) == len(path)

    projection = run(grafana, INDICATOR_PROJECTION, variables, CHART_YEARS)
    final_year = indicator.final_target.period.last_year
    assert projection == [
        (end_2024, evaluation.actual),
        (period_bounds(Period(final_year, Frequency.year))[1], evaluation.projection),
    ]
    unit = UNITS[indicator.unit]
    assert run(grafana, INDICATOR_UNIT, variables) == [(unit.grafana, unit.decimals)]
    (row,) = as_dicts(INDICATOR_EVALUATION, run(grafana, INDICATOR_EVALUATION, variables))
    assert row["Trạng thái"] == Status.on_track.label_vi == evaluation.status.label_vi
    assert row["Cơ sở đánh giá"] == "giá trị báo cáo"
    reported = run(grafana, INDICATOR_REPORTED_VALUES, variables)
    assert [(r[0], r[1], r[6]) for r in reported] == [
        ("2024", 2, HA_TINH_OFFICE),
        ("2024", 1, HA_TINH_OFFICE),
        ("2020", 1, HA_TINH_OFFICE),
    ]
    targets = run(grafana, INDICATOR_TARGETS, variables)
    assert len(targets) == len(indicator.targets)


def test_no_path_is_drawn_against_values_judged_in_other_terms(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    variables = {"indicator": Variable.single(seeded.other_basis), "region": Variable.single("ha_tinh")}
    stored = conn.execute(
        "SELECT count(*) FROM indicator_path WHERE indicator = %s AND expected IS NOT NULL", [seeded.other_basis]
    ).fetchone()
    assert stored is not None and stored[0] > 0  # the engine has a path, in yearly-change terms
    for query in (INDICATOR_PATH, INDICATOR_TARGET_LINE, INDICATOR_PROJECTION):
        assert run(grafana, query, variables, CHART_YEARS) == []
    (row,) = as_dicts(INDICATOR_EVALUATION, run(grafana, INDICATOR_EVALUATION, variables))
    assert row["Cơ sở đánh giá"] == "mức cải thiện so với năm trước"


def test_quarterly_values_sit_at_the_end_of_their_quarter(seeded: Seeded, grafana: psycopg.Connection[Any]) -> None:
    indicator, region, quarter = seeded.quarterly
    variables = {"indicator": Variable.single(indicator), "region": Variable.single(region)}
    end_of_q2 = datetime(2023, 6, 30, 17, tzinfo=UTC)  # 1 July 2023, midnight in Vietnam
    assert run(grafana, INDICATOR_ACTUALS, variables, CHART_YEARS) == [
        (end_of_q2, ACTUAL_SERIES[Frequency.quarter], 5.5)
    ]
    assert period_bounds(quarter)[1] == end_of_q2


def test_year_and_quarter_figures_are_separate_series_at_their_periods_end(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    """Issue 13.16: a full-year figure is not drawn with the quarters at the start of the year (against Q1's path)."""
    indicator, region, _ = seeded.quarterly
    for period, value in (("2023-Q1", 5.1), ("2023-Q3", 6.0), ("2023-Q4", 6.4), ("2023", 6.4), ("2023-H1", 5.5)):
        parsed = Period.parse(period)
        conn.execute(
            "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, recorded_at,"
            " key_id) VALUES (%s, %s, %s, %s, 1, %s, 'official', %s, 'cli:tester')",
            [indicator, region, period_bounds(parsed)[0], period, value, RECORDED],
        )
    variables = {"indicator": Variable.single(indicator), "region": Variable.single(region)}
    rows = run(grafana, INDICATOR_ACTUALS, variables, CHART_YEARS)
    by_series: dict[str, list[tuple[datetime, float]]] = {}
    for at, series_name, value in rows:
        by_series.setdefault(series_name, []).append((at, value))
    year_end = datetime(2023, 12, 31, 17, tzinfo=UTC)
    assert by_series[ACTUAL_SERIES[Frequency.year]] == [(year_end, 6.4)]
    assert by_series[ACTUAL_SERIES[Frequency.half_year]] == [(datetime(2023, 6, 30, 17, tzinfo=UTC), 5.5)]
    assert [at for at, _ in by_series[ACTUAL_SERIES[Frequency.quarter]]] == [
        period_bounds(Period(2023, Frequency.quarter, index))[1] for index in (1, 2, 3, 4)
    ]
    path_times = {row[0] for row in run(grafana, INDICATOR_PATH, variables, CHART_YEARS)}
    assert year_end in path_times or not path_times  # the path is drawn at period ends too


def test_region_comparison_lists_indicators_of_several_regions(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    options = run(grafana, MULTI_REGION_INDICATORS_VARIABLE, {"programme": Variable.single("qngai-2024")})
    assert [row[0] for row in options] == [seeded.multi_region]
    regions = [
        row[0] for row in run(grafana, INDICATOR_REGIONS_VARIABLE, {"indicator": Variable.single(seeded.multi_region)})
    ]
    assert set(regions) == {"quang_ngai", "quang_ngai.mien_nui"}
    variables = {"indicator": Variable.single(seeded.multi_region), "region": Variable.several(*regions)}
    engine = engine_board(conn, seeded, programme="qngai-2024")
    rows = as_dicts(REGION_COMPARISON, run(grafana, REGION_COMPARISON, variables))
    assert {r["ma_dia_ban"]: r["Trạng thái"] for r in rows} == {
        region: engine[(seeded.multi_region, region)].status.label_vi for region in regions
    }
    lines = run(grafana, REGION_ACTUALS, variables, CHART_YEARS)
    names = {f"{seeded.catalogue.regions[region].name_vi} (năm)" for region in regions}
    assert {row[1] for row in lines} == names
    # Bounded: the province is drawn before its area, whatever the order chosen.
    bounded = run(grafana, region_actuals(limit=1), variables, CHART_YEARS)
    assert {row[1] for row in bounded} == {f"{seeded.catalogue.regions['quang_ngai'].name_vi} (năm)"}


def expected_overdue_tasks(conn: psycopg.Connection[Any], seeded: Seeded) -> set[str]:
    """Due before the day (in Vietnam) and, by the latest report known that day, neither done nor cancelled."""
    latest: dict[str, str] = {}
    for task, state in conn.execute(
        "SELECT task, state FROM task_reports WHERE reported_on <= %s ORDER BY reported_on, id", [AS_OF]
    ):
        latest[str(task)] = str(state)
    return {
        code for code, task in seeded.catalogue.tasks.items()
        if task.due is not None and task.due < AS_OF and latest.get(code, "not_started") not in ("done", "cancelled")
    }  # fmt: skip


def test_task_tracker_finds_the_overdue_tasks(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    tasks = next(d for d in build_dashboards(seeded.catalogue) if d.uid == "chitieu-tasks")
    variables = resolve_variables(grafana, tasks, {})
    assert set(variables["programme"].values) == set(seeded.catalogue.programmes)
    overdue = expected_overdue_tasks(conn, seeded)
    assert seeded.overdue_task in overdue and seeded.done_task not in overdue

    listed = as_dicts(task_list(False), run(grafana, task_list(False), variables))
    assert {r["ma_nhiem_vu"] for r in listed} == set(seeded.catalogue.tasks)
    assert {r["ma_nhiem_vu"] for r in listed if r["Quá hạn"]} == overdue
    overdue_row = next(r for r in listed if r["ma_nhiem_vu"] == seeded.overdue_task)
    assert overdue_row["Tình trạng"] == "đang thực hiện"  # the report after the time range is not known yet
    assert {r[-1] for r in run(grafana, task_list(True), variables)} == overdue
    (summary,) = as_dicts(TASK_SUMMARY, run(grafana, TASK_SUMMARY, variables))
    assert summary["Quá hạn"] == len(overdue)
    assert summary["Đã hoàn thành"] == 1
    assert summary["Tổng số nhiệm vụ"] == len(seeded.catalogue.tasks)
    by_agency = as_dicts(TASKS_BY_AGENCY, run(grafana, TASKS_BY_AGENCY, variables))
    assert sum(r["Quá hạn"] for r in by_agency) >= len(overdue)


def test_task_tracker_shows_the_physical_specifications(seeded: Seeded, grafana: psycopg.Connection[Any]) -> None:
    tasks = next(d for d in build_dashboards(seeded.catalogue) if d.uid == "chitieu-tasks")
    variables = resolve_variables(grafana, tasks, {})
    rows = as_dicts(TASK_ATTRIBUTES, run(grafana, TASK_ATTRIBUTES, variables))
    expected = [
        (code, a.name_vi) for code, task in seeded.catalogue.tasks.items() for a in task.attributes
    ]  # fmt: skip
    assert sorted((r["ma_nhiem_vu"], r["Thông số"]) for r in rows) == sorted(expected)
    sizes = {r["Thông số"]: r["Quy mô"] for r in rows}
    # Numbers the Vietnamese way whatever the server's locale, with the unit and "khoảng" where printed.
    assert sizes["Chiều dài Quốc lộ 15D đoạn từ cảng Mỹ Thủy đến Quốc lộ 1 (nâng cấp)"] == "13,8 km"
    assert sizes["Công suất nguồn điện gió, điện mặt trời tiếp nhận từ Lào đến năm 2030"] == "khoảng 2.000 MW"
    assert sizes["Diện tích đảo Cồn Cỏ cần mở rộng, phục hồi (tương đương diện tích ban đầu)"] == "4 km²"
    assert sizes["Công suất nhà máy điện Biogas Hương Linh (kết hợp điện mặt trời áp mái)"] == "1,5 MW"


def vietnam_month_start(moment: datetime) -> datetime:
    local = moment.astimezone(VIETNAM)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def test_data_timeliness_shows_who_reported_what_and_when(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    variables = {"programme": Variable.several(*seeded.catalogue.programmes)}
    offices = {r["Đơn vị báo cáo"]: r for r in as_dicts(OFFICES, run(grafana, OFFICES, variables))}
    key_office = {"cli:tester": "cli:tester"}  # no API key behind it: the key id stands for the office
    by_office: dict[str, list[Inserted]] = {}
    for row in seeded.inserted:
        by_office.setdefault(key_office.get(row.key_id, HA_TINH_OFFICE), []).append(row)
    assert set(offices) == set(by_office)
    for office, rows in by_office.items():
        assert offices[office]["Số bản ghi"] == len(rows)
        assert offices[office]["Số chỉ tiêu"] == len({row.indicator for row in rows})
        assert offices[office]["Số địa bàn"] == len({row.region for row in rows})
        assert offices[office]["Gửi lần cuối"] == max(row.recorded for row in rows)

    months = Counter(vietnam_month_start(row.recorded) for row in seeded.inserted)
    assert run(grafana, SUBMISSIONS_PER_MONTH, variables) == sorted(months.items())
    assert min(months) == datetime(2024, 12, 31, 17, tzinfo=UTC)  # January 2025 begins at midnight in Vietnam
    assert len(run(grafana, SUBMISSIONS, variables)) == len(seeded.inserted)

    overdue = as_dicts(TIMELINESS_OVERDUE, run(grafana, TIMELINESS_OVERDUE, variables))
    engine = engine_board(conn, seeded)
    listed = {(row["ma_chi_tieu"], row["ma_dia_ban"]): row for row in overdue}
    assert set(listed) == {key for key, e in engine.items() if e.report_overdue}
    # Each with its latest period and when that period's latest revision came, judged or not.
    latest: dict[tuple[str, str], Inserted] = {}
    for row in sorted(seeded.inserted, key=lambda i: (period_bounds(i.period)[0], i.revision)):
        latest[(row.indicator, row.region)] = row
    assert seeded.quarterly[:2] in listed and seeded.early in listed
    for key, shown in listed.items():
        expected = (str(latest[key].period), latest[key].recorded) if key in latest else (None, None)
        assert (shown["Kỳ có số liệu gần nhất"], shown["Gửi lần cuối"]) == expected, key


def test_alert_history(seeded: Seeded, grafana: psycopg.Connection[Any]) -> None:
    (summary,) = as_dicts(ALERT_SUMMARY, run(grafana, ALERT_SUMMARY))
    assert summary == {"Đang cảnh báo": 1, "Số lần cảnh báo trong kỳ": 2}
    (active,) = as_dicts(ACTIVE_ALERTS, run(grafana, ACTIVE_ALERTS))
    missed_indicator = seeded.catalogue.indicators[seeded.designed[Status.missed][0]]
    assert active["Chỉ tiêu"] == missed_indicator.name_vi
    assert len(run(grafana, ALERT_HISTORY)) == 3
    assert [row[1:] for row in run(grafana, ALERTS_PER_DAY)] == [(1, 0), (0, 1), (1, 0)]


# --- Grafana-managed alert rules, as provisioned. ------------------------------------------------------------------


def provisioned_rules() -> dict[str, dict[str, Any]]:
    document = YAML(typ="safe").load((DEPLOY / "grafana/provisioning/alerting/chitieu.yaml").read_text("utf-8"))
    (group,) = document["groups"]
    return {rule["uid"]: rule for rule in group["rules"]}


def test_alert_rules_fire_for_what_the_engine_says(
    seeded: Seeded, conn: psycopg.Connection[Any], grafana: psycopg.Connection[Any]
) -> None:
    rules = provisioned_rules()
    assert set(rules) == {rule.uid for rule in grafana_alerts.RULES}
    engine = engine_board(conn, seeded)
    expected: dict[str, set[tuple[str, ...]]] = {
        "chitieu-off-track": {key for key, e in engine.items() if e.status is Status.off_track},
        "chitieu-report-overdue": {key for key, e in engine.items() if e.report_overdue},
        "chitieu-task-overdue": {(task,) for task in expected_overdue_tasks(conn, seeded)},
    }
    assert seeded.designed[Status.off_track] in expected["chitieu-off-track"]
    for rule in grafana_alerts.RULES:
        provisioned = rules[rule.uid]
        (query,) = [d for d in provisioned["data"] if d["refId"] == "A"]
        # Grafana turns $$ back into $ when it reads the file.
        assert query["model"]["rawSql"].replace("$$", "$") == rule.query.sql
        assert query["datasourceUid"] == "chitieu-timescaledb"
        seconds = query["relativeTimeRange"]["from"]
        rows = as_dicts(rule.query, run(grafana, rule.query, None, (NOW - timedelta(seconds=seconds), NOW)))
        labels = [tuple(str(v) for k, v in row.items() if k != "value") for row in rows]
        assert len(set(labels)) == len(labels), "one series per row: labels must be unique"
        assert {row["value"] for row in rows} <= {0, 1}
        keys = 1 if rule.uid == "chitieu-task-overdue" else 2
        firing = {tuple(list(row.values())[:keys]) for row in rows if row["value"] == 1}
        assert firing == expected[rule.uid], rule.uid
        assert provisioned["condition"] == "C"
        (threshold,) = [d for d in provisioned["data"] if d["refId"] == "C"]
        assert threshold["model"]["conditions"][0]["evaluator"] == {"type": "gt", "params": [0]}


# --- The read-only role. --------------------------------------------------------------------------------------------


def test_the_read_only_role_cannot_write(seeded: Seeded, grafana: psycopg.Connection[Any]) -> None:
    row = grafana.execute("SELECT current_user, current_setting('default_transaction_read_only')").fetchone()
    assert row == ("chitieu_grafana", "on")
    writes = [
        "INSERT INTO task_reports (task, reported_on, state, key_id) VALUES ('x', '2025-01-01', 'done', 'x')",
        "UPDATE indicator_status SET status = 'on_track'",
        "DELETE FROM observations",
        "TRUNCATE alert_events",
        "CREATE TABLE grafana_was_here (x int)",
    ]
    for statement in writes:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            grafana.execute(statement)
    grafana.execute("SET default_transaction_read_only = off")
    for statement in writes[:4]:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            grafana.execute(statement)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        grafana.execute("SELECT secret_hash FROM api_keys")
