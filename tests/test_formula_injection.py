"""Spreadsheet formula injection: a note such as `=cmd|' /C calc'!A0` is flagged on ingest (a warning; a row error with
strict=true), stored as sent, and reaches Grafana's tables (and so their CSV export) neutralised with a leading `'`,
by the same rule as every other export (indicators/text.py)."""

from datetime import UTC, datetime
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.grafana.indicator import INDICATOR_REPORTED_VALUES
from dashboards.grafana.tasks import task_list
from indicators.text import looks_like_formula, neutralise_formula, neutralise_formula_sql
from ingest.database import connect
from tests.grafana_macros import Variable, expand
from tests.ingest_helpers import make_key, post_csv, post_json

GRDP = "dthap-2023.grdp_growth"
DDE = "=cmd|' /C calc'!A0"


@pytest.fixture
def token(db_url: str) -> str:
    return make_key(db_url)


def notes(conn: psycopg.Connection[Any]) -> list[str]:
    return [note for (note,) in conn.execute("SELECT note FROM observations ORDER BY period")]


def test_a_formula_note_is_flagged_stored_as_sent_and_refused_when_strict(
    client: httpx.Client, token: str, conn: psycopg.Connection[Any]
) -> None:
    rows = [
        {"indicator": GRDP, "region": "dong_thap", "period": "2023-Q1", "value": 6.9, "note": "ước tính"},
        {"indicator": GRDP, "region": "dong_thap", "period": "2023-Q2", "value": 7.1, "note": DDE},
    ]
    strict = post_json(client, token, rows, strict="true")
    assert strict.status_code == 422
    assert [(e["row"], e["field"]) for e in strict.json()["errors"]] == [(2, "note")]
    assert notes(conn) == []
    answer = post_json(client, token, rows)
    assert answer.status_code == 200, answer.text
    assert [(w["row"], w["field"]) for w in answer.json()["warnings"]] == [(2, "note")]
    assert "công thức" in answer.json()["warnings"][0]["message"]
    assert notes(conn) == ["ước tính", DDE], "stored as sent"
    csv_text = f"indicator;region;period;value;note\n{GRDP};dong_thap;2023-Q3;7,2;@SUM(1+1)*cmd|' /C calc'!A0\n"
    from_csv = post_csv(client, token, csv_text, decimal="comma")
    assert [(w["row"], w["field"]) for w in from_csv.json()["warnings"]] == [(2, "note")]


def test_grafana_tables_show_formula_notes_neutralised(client: httpx.Client, token: str, db_url: str) -> None:
    rows = [{"indicator": GRDP, "region": "dong_thap", "period": "2023-Q2", "value": 7.1, "note": DDE}]
    assert post_json(client, token, rows).status_code == 200
    variables = {"indicator": Variable.single(GRDP), "region": Variable.single("dong_thap")}
    sql = expand(
        INDICATOR_REPORTED_VALUES.sql, datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC), variables
    )
    with connect(_as_grafana(db_url)) as grafana:
        shown = [row[4] for row in grafana.execute(sql)]
    assert shown == ["'" + DDE]
    task_sql = task_list(False).sql
    assert neutralise_formula_sql("ts.note") in task_sql and neutralise_formula_sql("o.note") in sql


def _as_grafana(db_url: str) -> str:
    scheme, _, rest = db_url.partition("://")
    return f"{scheme}://chitieu_grafana@{rest.split('@', 1)[-1]}"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20))
def test_the_sql_rule_is_the_python_rule(conn: psycopg.Connection[Any], text: str) -> None:
    [(shown,)] = conn.execute(f"SELECT {neutralise_formula_sql('%(text)s::text')}", {"text": text}).fetchall()
    assert shown == neutralise_formula(text)
    assert not looks_like_formula(shown) and shown in (text, "'" + text)
