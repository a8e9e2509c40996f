"""Dashboard queries: every query of the generated dashboards, run as Grafana runs it, by observation count.

The dashboards are those `dashboards.grafana.build.build_dashboards` generates: the leaders' overview of the synthetic
programme and the shared dashboards (indicator detail, region comparison, tasks, data timeliness, alert history).
Each query is taken from the dashboard model (panel targets, template variables, annotations), expanded as Grafana
expands it (tests/grafana_macros.py) with the variables resolved from their own queries, as Grafana does on load, over
the dashboard's default time range at NOW (a query that depends on the range also over all the data), and run as
chitieu_grafana, the read-only role of the data source.

The data: 10,000 series (100 monthly indicators x 100 districts), whose history grows by level: 10 months (100,000
observations), 100 months (1 million), then all 144 months with 7 revisions each (10.08 million). The status snapshot
(indicator_status, indicator_path) is rewritten with refresh_snapshot at each level, as the service would, and that
refresh is timed too. The bulk data go in with one COPY of prepared text with foreign-key triggers off
(session_replication_role = replica), then the submissions summary is rebuilt from them, as the ingest statement would
have kept it: this is set-up, not a measured path.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import TupleRow

from bench.data import MONTHS, PROGRAMME, district_codes, indicator_codes, synthetic_catalogue
from bench.env import bundled_catalogue, fresh_database
from bench.ingest import COPY_COLUMNS
from bench.stats import median, percentile, timed
from dashboards.grafana.build import build_dashboards
from dashboards.grafana.panels import DETAIL_UID, REGIONS_UID, GeneratedDashboard, overview_uid
from dashboards.grafana.sql import PanelQuery
from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from ingest.board import refresh_snapshot
from ingest.catalogue_store import read_catalogue
from ingest.database import connect
from ingest.embedded import EmbeddedPostgres
from ingest.submissions import rebuild_submissions
from tests.grafana_macros import Variable, expand

TIME_FROM = datetime(2013, 12, 1, tzinfo=UTC)  # before the first period starts (2014-01-01 in Vietnam)
TIME_TO = datetime(2027, 1, 1, tzinfo=UTC)
AS_OF = date(2026, 6, 30)
NOW = datetime(2026, 6, 30, 12, tzinfo=UTC)  # "now" of the dashboards' own time ranges (now-1y, now-6y/y...)
TIME_MACROS = ("$__timeFilter", "$__timeFrom", "$__timeTo")
_RELATIVE = re.compile(r"^now(?:([+-])(\d+)([yMd]))?(?:/([yd]))?$")


@dataclass(frozen=True)
class Level:
    months: int  # the first `months` of MONTHS hold data
    revisions: int  # revisions of each value


@dataclass(frozen=True)
class DashboardPlan:
    indicators: int
    districts: int
    levels: tuple[Level, ...]
    max_runs: int  # each query runs up to this many times...
    budget_s: float  # ...or until this much time is spent on it (at least 3 runs)


FULL = DashboardPlan(100, 100, (Level(10, 1), Level(100, 1), Level(144, 7)), max_runs=20, budget_s=6)
QUICK = DashboardPlan(10, 100, (Level(10, 1), Level(100, 1)), max_runs=10, budget_s=2)


def observation_count(plan: DashboardPlan, level: Level) -> int:
    return plan.indicators * plan.districts * level.months * level.revisions


def _copy_lines(plan: DashboardPlan, before: Level | None, level: Level) -> Iterator[str]:
    """The rows a level adds to the one before it: new months, and new revisions of the months already there."""
    for month_index, period in enumerate(MONTHS[: level.months]):
        first_revision = 1
        if before is not None and month_index < before.months:
            first_revision = before.revisions + 1
        if first_revision > level.revisions:
            continue
        start, end = period_bounds(period)
        start_text = start.isoformat()
        for number, indicator in enumerate(indicator_codes(plan.indicators)):
            for district_number, region in enumerate(district_codes(plan.districts)):
                base = 50 + (number % 7) + district_number % 5 + month_index / 50
                for revision in range(first_revision, level.revisions + 1):
                    recorded = (end + timedelta(days=20 + 30 * (revision - 1))).isoformat()
                    value = round(base + (revision - 1) / 10, 2)
                    yield (
                        f"{indicator}\t{region}\t{start_text}\t{period}\t{revision}\t{value}\tofficial\t\\N\tbench"
                        f"\t{recorded}\n"
                    )


def load_level(conn: psycopg.Connection[TupleRow], plan: DashboardPlan, before: Level | None, level: Level) -> None:
    with conn.transaction():
        conn.execute("SET LOCAL session_replication_role = replica")
        with conn.cursor().copy(f"COPY observations ({COPY_COLUMNS}, recorded_at) FROM STDIN") as copy:
            buffer: list[str] = []
            for line in _copy_lines(plan, before, level):
                buffer.append(line)
                if len(buffer) == 10_000:
                    copy.write("".join(buffer))
                    buffer.clear()
            copy.write("".join(buffer))
    conn.execute("VACUUM ANALYZE observations")
    rebuild_submissions(conn)


def named_queries(dashboard: GeneratedDashboard) -> Iterator[tuple[str, PanelQuery]]:
    """(name, query) of every panel target, variable and annotation, named by what the dashboard shows."""
    by_sql = {query.sql: query for query in dashboard.queries}
    model = dashboard.model
    for panel in model["panels"]:
        for inner in [panel, *panel.get("panels", [])]:
            for target in inner.get("targets", []):
                yield f"{inner.get('title', '')} [{target.get('refId', 'A')}]", by_sql[target["rawSql"]]
    for variable in model["templating"].get("list", []):
        yield f"variable ${variable['name']}", by_sql[variable["query"]]
    for annotation in model["annotations"].get("list", []):
        yield f"annotation {annotation.get('name', '')}", by_sql[annotation["target"]["rawSql"]]


def resolve_variables(
    conn: psycopg.Connection[TupleRow],
    dashboard: GeneratedDashboard,
    choices: dict[str, list[str]],
    time_range: tuple[datetime, datetime],
) -> dict[str, Variable]:
    """Each variable's options from its own query, in order, as Grafana loads a dashboard: the chosen values, else
    every option of a multi-value variable and the first option of the others."""
    by_sql = {query.sql: query for query in dashboard.queries}
    resolved: dict[str, Variable] = {}
    for variable in dashboard.model["templating"].get("list", []):
        sql = expand(by_sql[variable["query"]].sql, *time_range, resolved)
        options = [str(row[0]) for row in conn.execute(sql.encode()).fetchall()]
        multi = bool(variable.get("multi") or variable.get("includeAll"))
        chosen = choices.get(variable["name"], options if multi else options[:1])
        resolved[variable["name"]] = Variable(tuple(chosen) or (("",) if not multi else ()), multi=multi)
    return resolved


def grafana_time(text: str, zone: str, *, end: bool) -> datetime:
    """A Grafana relative time ("now", "now-1y", "now-6y/y", "now+5y/y", "now-30d") at NOW in the dashboard's zone;
    rounding (/y, /d) goes to the start of the unit for a range's start and to its end for a range's end."""
    match = _RELATIVE.match(text)
    if match is None:
        raise ValueError(f"time {text!r} is not reproduced here")
    sign, amount, unit, rounding = match.groups()
    moment = NOW.astimezone(ZoneInfo(zone))
    shift = int(amount or 0) * (-1 if sign == "-" else 1)
    if unit == "y":
        moment = moment.replace(year=moment.year + shift)
    elif unit == "M":
        months = moment.year * 12 + moment.month - 1 + shift
        moment = moment.replace(year=months // 12, month=months % 12 + 1)
    elif unit == "d":
        moment += timedelta(days=shift)
    if rounding:
        start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        if rounding == "y":
            start = start.replace(month=1, day=1)
        if end:
            following = start.replace(year=start.year + 1) if rounding == "y" else start + timedelta(days=1)
            return following - timedelta(microseconds=1)
        return start
    return moment


def default_range(dashboard: GeneratedDashboard) -> tuple[datetime, datetime]:
    """The time range the dashboard opens with."""
    zone = dashboard.model.get("timezone") or "UTC"
    time_range = dashboard.model["time"]
    return grafana_time(time_range["from"], zone, end=False), grafana_time(time_range["to"], zone, end=True)


def _read_only(url: str) -> str:
    return re.sub(r"^postgresql://[^@/]*@", "postgresql://chitieu_grafana@", url)


def time_queries(url: str, catalogue: Catalogue, plan: DashboardPlan) -> list[dict[str, Any]]:
    """The synthetic programme's dashboards' queries, the first indicator and district chosen."""
    first_indicator = indicator_codes(plan.indicators)[0]
    choices = {
        DETAIL_UID: {"programme": [PROGRAMME], "indicator": [first_indicator], "region": [district_codes(1)[0]]},
        REGIONS_UID: {"programme": [PROGRAMME], "indicator": [first_indicator]},
    }
    return time_programme_queries(url, catalogue, PROGRAMME, choices, plan.max_runs, plan.budget_s)


def time_programme_queries(
    url: str, catalogue: Catalogue, programme: str, choices: dict[str, dict[str, list[str]]], max_runs: int,
    budget_s: float,
) -> list[dict[str, Any]]:  # fmt: skip
    """Each query of the programme's overview and the shared dashboards over its dashboard's default time range, and
    the queries that depend on the range once more over all the data (what a user who widens the range waits for);
    `choices` are the template variables' values per dashboard uid (the others as Grafana picks them on load)."""
    # The programme's overview stands for the overviews of the others.
    others = {overview_uid(other) for other in catalogue.programmes if other != programme}
    ours = [dashboard for dashboard in build_dashboards(catalogue) if dashboard.uid not in others]
    timings = []
    with connect(_read_only(url)) as conn:
        for dashboard in ours:
            opening = default_range(dashboard)
            variables = resolve_variables(conn, dashboard, choices.get(dashboard.uid, {}), opening)
            for name, query in named_queries(dashboard):
                ranges = [("default", opening)]
                if any(macro in query.sql for macro in TIME_MACROS):
                    ranges.append(("all data", (TIME_FROM, TIME_TO)))
                for range_name, (start, end) in ranges:
                    sql = expand(query.sql, start, end, variables).encode()
                    timing = _time_one(conn, sql, max_runs, budget_s)
                    timing.update(dashboard=dashboard.uid, query=name, range=range_name)
                    timings.append(timing)
    return timings


def _time_one(conn: psycopg.Connection[TupleRow], sql: bytes, max_runs: int, budget_s: float) -> dict[str, Any]:
    rows = len(conn.execute(sql).fetchall())  # warm-up; also the row count the panel gets
    runs: list[float] = []
    started = time.monotonic()
    while len(runs) < max_runs and (len(runs) < 3 or time.monotonic() - started < budget_s):
        runs.append(timed(partial(_fetch_all, conn, sql)))
    ms = [1000 * seconds for seconds in runs]
    return {"rows": rows, "runs": len(ms), "p50_ms": median(ms), "p99_ms": percentile(ms, 0.99)}


def _fetch_all(conn: psycopg.Connection[TupleRow], sql: bytes) -> None:
    conn.execute(sql).fetchall()


def run(pg: EmbeddedPostgres, plan: DashboardPlan) -> dict[str, Any]:
    catalogue = synthetic_catalogue(bundled_catalogue(), plan.indicators, plan.districts)
    results: dict[str, Any] = {
        "series": plan.indicators * plan.districts,
        "time_range": [TIME_FROM.isoformat(), TIME_TO.isoformat()],
        "as_of": AS_OF.isoformat(),
        "levels": [],
    }
    with fresh_database(pg, "dashboards", catalogue) as url, connect(url) as conn:
        stored = read_catalogue(conn)
        before: Level | None = None
        for level in plan.levels:
            load_s = timed(lambda level=level, before=before: load_level(conn, plan, before, level))  # type: ignore[misc]
            refresh_s = timed(lambda: refresh_snapshot(conn, stored, AS_OF))
            queries = time_queries(url, stored, plan)
            count = observation_count(plan, level)
            results["levels"].append(
                {"observations": count, "months": level.months, "revisions": level.revisions, "load_s": load_s,
                 "refresh_snapshot_s": refresh_s, "queries": queries}
            )  # fmt: skip
            slowest = max(queries, key=lambda timing: timing["p50_ms"])
            print(
                f"  {count:>10,} observations: {len(queries)} queries, p50 median"
                f" {median([t['p50_ms'] for t in queries]):.1f} ms, slowest {slowest['query']!r} p50"
                f" {slowest['p50_ms']:.0f} ms; refresh_snapshot {refresh_s:.1f} s",
                flush=True,
            )
            before = level
    return results
