"""Issue 16: the overview's counts ("Số liệu", "Chỉ tiêu theo trạng thái", "Chỉ tiêu theo nhóm") read the refresh's
counts (status_counts) for the provinces whose every counted commune is selected and the snapshot for the other regions
selected: the numbers shown equal those of the snapshot's rows of the same selection, for any selection, after a full
refresh and after partial ones."""

import random
from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

import psycopg

from bench.national import PROGRAMME, national_catalogue
from dashboards.grafana.overview import overview_group_counts, overview_status_counts, overview_summary
from dashboards.grafana.sql import STATUS_COLUMNS, PanelQuery, programme_regions_variable
from dashboards.grafana.vocabulary import GROUP_LABELS, STATUS_LABELS
from indicators.catalogue import Catalogue
from indicators.clock import period_bounds
from indicators.model import Group
from indicators.periods import Frequency, Period
from ingest.board import refresh_snapshot
from ingest.catalogue_store import load_catalogue_into, read_catalogue
from ingest.database import connect
from tests.conftest import REPO
from tests.grafana_macros import Variable, expand
from tests.test_dashboards_queries import RECENT, read_only_url

AS_OF = date(2025, 2, 10)
OWN_SERIES = "p01"  # a province judged on its own beside its communes: one snapshot row, never in the counts


def _load(conn: psycopg.Connection[Any]) -> Catalogue:
    """A small national catalogue (3 provinces of 4 communes, 3 indicators in two groups, the first also judged in
    province p01 itself) with a year of monthly reports, some missing."""
    catalogue = national_catalogue(read_catalogue(conn), provinces=3, communes=12, indicators=3)
    first = f"{PROGRAMME}.i001"
    indicator = catalogue.indicators[first]
    catalogue.indicators[first] = indicator.model_copy(update={"regions": [*indicator.regions, OWN_SERIES]})
    third = f"{PROGRAMME}.i003"
    catalogue.indicators[third] = catalogue.indicators[third].model_copy(update={"group": Group.society})
    catalogue.digest += ":overview counts"
    load_catalogue_into(conn, REPO / "indicators" / "catalogue", catalogue=catalogue)
    rng = random.Random(16)
    codes = sorted(code for code, indicator in catalogue.indicators.items() if indicator.programme == PROGRAMME)
    with conn.cursor().copy(
        "COPY observations (indicator, region, period_start, period, revision, value, status, key_id) FROM STDIN"
    ) as copy:
        for month in range(1, 13):
            period = Period(2024, Frequency.month, month)
            for number, code in enumerate(codes):
                for region in catalogue.indicators[code].regions:
                    if rng.random() < 0.7:
                        copy.write_row((code, region, period_bounds(period)[0], str(period), 1,
                                        40.0 + number + month + rng.random() * 20, "official", "t"))  # fmt: skip
    return read_catalogue(conn)


def _from_snapshot(conn: psycopg.Connection[Any], programme: str, selection: Sequence[str]) -> dict[str, Any]:
    """The three panels' numbers counted in Python from the snapshot's rows of the programme in `selection`."""
    rows = conn.execute(
        'SELECT s.status, s.as_of, i.code, i."group" FROM indicator_status s JOIN indicators i ON i.code = s.indicator'
        " WHERE i.programme = %s AND i.archived_at IS NULL AND s.region = ANY(%s)",
        [programme, list(selection)],
    ).fetchall()
    latest = max((as_of for _, as_of, _, _ in rows), default=None)
    by_status = Counter(STATUS_LABELS[status] for status, _, _, _ in rows)
    groups = [
        (label, sum(1 for row in rows if row[3] == group.value),
         *(sum(1 for row in rows if row[3] == group.value and STATUS_LABELS[row[0]] == column) for column in STATUS_COLUMNS))
        for group, label in GROUP_LABELS.items() if any(row[3] == group.value for row in rows)
    ]  # fmt: skip
    return {
        "summary": [(latest.strftime("%d/%m/%Y") if latest else None, len({row[2] for row in rows}))],
        "statuses": [tuple(by_status.get(column, 0) for column in STATUS_COLUMNS)],
        "groups": groups,
    }


def _shown(conn: psycopg.Connection[Any], programme: str, selection: Sequence[str]) -> dict[str, Any]:
    """The three panels' rows as Grafana gets them, the region variable set to `selection`."""
    variables = {"region": Variable(tuple(selection), multi=True)}

    def run(query: PanelQuery) -> list[tuple[Any, ...]]:
        return conn.execute(expand(query.sql, *RECENT, variables).encode()).fetchall()

    return {
        "summary": run(overview_summary(programme)),
        "statuses": run(overview_status_counts(programme)),
        "groups": run(overview_group_counts(programme)),
    }


def _selections(catalogue: Catalogue, every: Sequence[str]) -> dict[str, list[str]]:
    communes = {p: sorted(r for r in every if catalogue.regions[r].parent == p) for p in ("p01", "p02", "p03")}
    return {
        "every region (the default)": list(every),
        "all but one commune": [r for r in every if r != communes["p02"][0]],
        "the communes of p01 and p03, not p01 itself": communes["p01"] + communes["p03"],
        "p01 alone": [OWN_SERIES],
        "p01 and its communes": [OWN_SERIES, *communes["p01"]],
        "two communes of different provinces": [communes["p01"][1], communes["p03"][2]],
        "all of p02 but one, and one of p03": communes["p02"][1:] + communes["p03"][:1],
        "a region of another programme": ["ha_tinh", *communes["p02"]],
        "nothing": [],
    }


def _assert_equal_to_the_snapshot(db_url: str, catalogue: Catalogue) -> None:
    with connect(read_only_url(db_url)) as grafana:
        variable = expand(programme_regions_variable(PROGRAMME).sql, *RECENT, {})
        every = [str(row[0]) for row in grafana.execute(variable.encode()).fetchall()]
        for name, selection in _selections(catalogue, every).items():
            assert _shown(grafana, PROGRAMME, selection) == _from_snapshot(grafana, PROGRAMME, selection), name
        for programme in ("htinh-nq26", "qngai-2024"):  # provinces and areas only: every row from the snapshot
            assert _shown(grafana, programme, ["ha_tinh", "quang_ngai"]) == _from_snapshot(
                grafana, programme, ["ha_tinh", "quang_ngai"]
            ), programme


def test_the_overview_counts_equal_the_snapshots_for_any_selection_after_full_and_partial_refreshes(
    conn: psycopg.Connection[Any], db_url: str
) -> None:
    catalogue = _load(conn)
    refresh_snapshot(conn, catalogue, AS_OF)
    statuses = conn.execute("SELECT DISTINCT status FROM indicator_status WHERE indicator LIKE 'national.%'")
    assert len(statuses.fetchall()) >= 3  # enough statuses for the counts to be told apart
    _assert_equal_to_the_snapshot(db_url, catalogue)

    # New reports in two communes of p02 and in p01 itself, refreshed on a later day: their rows (and only their
    # provinces' counts) move, with a newer as-of date.
    code = f"{PROGRAMME}.i001"
    p02 = sorted(region for region in catalogue.regions_of(catalogue.indicators[code]) if region.startswith("p02."))
    touched = [(code, p02[0]), (code, p02[1]), (code, OWN_SERIES)]
    start, _ = period_bounds(Period(2025, Frequency.month, 1))
    conn.cursor().executemany(
        "INSERT INTO observations (indicator, region, period_start, period, revision, value, status, key_id)"
        " VALUES (%s, %s, %s, '2025-01', 1, 1000, 'official', 't')",
        [(indicator, region, start) for indicator, region in touched],
    )
    before = conn.execute("SELECT * FROM status_counts ORDER BY 1, 2, 3").fetchall()
    refresh_snapshot(conn, catalogue, date(2025, 2, 11), only=touched)
    assert conn.execute("SELECT * FROM status_counts ORDER BY 1, 2, 3").fetchall() != before
    _assert_equal_to_the_snapshot(db_url, catalogue)

    # A second partial refresh of other series, and a full one: still equal.
    refresh_snapshot(conn, catalogue, date(2025, 2, 12), only=[(f"{PROGRAMME}.i002", r) for r in ("p03.x0002",)])
    _assert_equal_to_the_snapshot(db_url, catalogue)
    refresh_snapshot(conn, catalogue, date(2025, 2, 13))
    _assert_equal_to_the_snapshot(db_url, catalogue)


def test_whole_provinces_are_read_from_the_counts(conn: psycopg.Connection[Any]) -> None:
    """The counts, not the snapshot rows, answer for the provinces whose every counted commune is selected: with the
    counts emptied the panel shows nothing for them, but still the province's own series selected beside."""
    catalogue = _load(conn)
    refresh_snapshot(conn, catalogue, AS_OF)
    every = [OWN_SERIES, *sorted(r for r in catalogue.regions if catalogue.regions[r].parent == "p01")]
    with conn.transaction(force_rollback=True):
        full = _shown(conn, PROGRAMME, every)
        conn.execute("DELETE FROM status_counts")
        emptied = _shown(conn, PROGRAMME, every)
        assert emptied != full
        assert emptied == _from_snapshot(conn, PROGRAMME, [OWN_SERIES])
        assert _shown(conn, PROGRAMME, every[:-1]) == _from_snapshot(conn, PROGRAMME, every[:-1])  # not whole: rows
