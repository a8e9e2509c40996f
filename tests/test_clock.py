"""One clock (issue 14, item 5): "today" is Vietnam's everywhere, whatever the server's time zone.

The board is run with the process in UTC at an instant when UTC and Vietnam disagree on the date: 30 April 2024,
17:30 UTC is 1 May 2024, 00:30 in Vietnam. A quarterly indicator last reported for the year 2023 owes its 2024-Q1
figure by 31 March + 30 days = 30 April: overdue on Vietnam's date, not yet on the server's.
"""

import ast
import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psycopg
import pytest

import indicators.clock
from api.cli import main as cli_main
from api.metrics import BoardCollector
from api.refresher import _Worker
from api.settings import get_settings
from indicators.clock import vietnam_today
from tests.ingest_helpers import make_key, post_json

REPO = Path(__file__).resolve().parents[1]
INSTANT = datetime(2024, 4, 30, 17, 30, tzinfo=UTC)  # 1 May 2024, 00:30 in Vietnam
GROWTH = "htinh-nq26.grdp_growth"


@pytest.fixture
def utc_host_at_the_instant(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.setattr(indicators.clock, "utc_now", lambda: INSTANT)
    try:
        yield
    finally:
        monkeypatch.undo()
        time.tzset()


def test_vietnam_today_is_not_the_server_date(utc_host_at_the_instant: None) -> None:
    assert time.localtime(INSTANT.timestamp()).tm_mday == 30  # the server's own calendar says 30 April
    assert vietnam_today() == date(2024, 5, 1)


def test_the_board_api_cli_metrics_and_snapshot_use_vietnam_date(
    utc_host_at_the_instant: None, client: httpx.Client, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{"indicator": GROWTH, "region": "ha_tinh", "period": p, "value": v} for p, v in (("2022", 10), ("2023", 9))]
    assert post_json(client, make_key(db_url), rows).status_code == 200

    board = client.get("/v1/status", params={"programme": "htinh-nq26", "region": "ha_tinh"}).json()
    assert board["as_of"] == "2024-05-01"
    item = next(i for i in board["items"] if i["indicator"] == GROWTH)
    assert item["report_overdue"] is True
    the_day_before = client.get("/v1/status", params={"programme": "htinh-nq26", "as_of": "2024-04-30"}).json()
    assert next(i for i in the_day_before["items"] if i["indicator"] == GROWTH)["report_overdue"] is False

    # The snapshot Grafana reads, written by the refresher's worker with its default clock.
    assert _Worker(db_url, 30).handle(f'[["{GROWTH}", "ha_tinh"]]') == 1
    with psycopg.connect(db_url) as conn:
        as_of, overdue = conn.execute(
            "SELECT as_of, report_overdue FROM indicator_status WHERE indicator = %s AND region = 'ha_tinh'", [GROWTH]
        ).fetchone() or (None, None)
    assert (as_of, overdue) == (date(2024, 5, 1), True)

    # The metrics collector, with its default clock.
    with psycopg.connect(db_url) as conn:
        collector = BoardCollector(lambda: conn, registry=None)
        samples = [s for family in collector.collect() for s in family.samples]
    overdue_samples = [
        s.value for s in samples if s.name == "chitieu_indicator_report_overdue" and s.labels.get("indicator") == GROWTH
    ]
    assert overdue_samples == [1.0]

    # The CLI's board, on the same database.
    os.environ["CHITIEU_DATABASE_URL"] = db_url
    get_settings.cache_clear()
    try:
        cli_main(["status", "--programme", "htinh-nq26", "--region", "ha_tinh"])
    finally:
        del os.environ["CHITIEU_DATABASE_URL"]
        get_settings.cache_clear()
    assert "01/05/2024" in capsys.readouterr().out


# Calls that read the server's local date or a naive local time.
_LOCAL_CLOCK_CALLS = {("date", "today"), ("datetime", "today"), ("datetime", "utcnow"), ("time", "localtime")}


def _local_clock_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        method = node.func.attr
        naive_now = (name, method) == ("datetime", "now") and not node.args and not node.keywords
        if (name, method) in _LOCAL_CLOCK_CALLS or naive_now:
            where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
            found.append(f"{where}:{node.lineno}: {name}.{method}()")
    return found


def test_nothing_outside_the_clock_reads_the_local_date() -> None:
    sources = [
        path
        for folder in ("api", "ingest", "indicators", "dashboards", "bench", "scripts")
        for path in sorted((REPO / folder).rglob("*.py"))
        if path != REPO / "indicators" / "clock.py"
    ]
    assert len(sources) > 30
    offenders = [call for path in sources for call in _local_clock_calls(path)]
    assert offenders == [], "use indicators.clock (vietnam_today, vietnam_now, utc_now) instead"


def test_the_grep_finds_a_naive_call(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from datetime import date, datetime\nday = date.today()\nnow = datetime.now()\nok = datetime.now(UTC)\n"
    )
    assert [call.split(": ")[1] for call in _local_clock_calls(sample)] == ["date.today()", "datetime.now()"]
